"""Raise a connection alert when an account breaks (key revoked or expired, not an admin key, syncs failing)."""

import functions_framework
from cloudevents.http import CloudEvent

from shared import bootstrap
from shared.alerts.evaluator import AccountEventIn
from shared.messages import AccountEvent, decode_pubsub

bootstrap.start_process()


@functions_framework.cloud_event
def on_account_event(event: CloudEvent) -> None:
    message = decode_pubsub(event.data, AccountEvent)
    if message is None:
        return
    bootstrap.alert_evaluator().on_account_event(
        AccountEventIn(
            type=message.type,
            tenant_id=message.tenant_id,
            account_id=message.account_id,
            status=message.status,
            reason=message.reason,
            at=message.at,
        )
    )
