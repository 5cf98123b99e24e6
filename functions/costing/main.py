"""Price newly collected hours and rebuild the daily aggregates the dashboard reads."""

import functions_framework
from cloudevents.http import CloudEvent

from shared import bootstrap, logs
from shared.events import decode_pubsub
from shared.services.messages import UsageCollected

logs.configure()


@functions_framework.cloud_event
def on_usage_collected(event: CloudEvent) -> None:
    message = decode_pubsub(event.data, UsageCollected)
    if message is None:
        return
    if message.reason == "reprice":  # the catalogue changed: days priced with another version are rebuilt
        bootstrap.repricing_service().reprice(
            message.tenant_id, message.account_id, message.provider, message.start, message.end
        )
        return
    bootstrap.costing_service().price_range(
        message.tenant_id, message.account_id, message.provider, message.start, message.end
    )
    bootstrap.repricing_service().check(message.tenant_id, message.account_id, message.provider)
