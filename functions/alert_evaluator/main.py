"""Evaluate a tenant's alert rules when the sweep or a budget change asks, or when costing could not evaluate them
after pricing (costing normally does it in its own invocation)."""

import logging

import functions_framework
from cloudevents.http import CloudEvent

from shared import bootstrap
from shared.messages import UsagePriced, decode_pubsub

bootstrap.start_process()
log = logging.getLogger("alert_evaluator")


@functions_framework.cloud_event
def on_usage_priced(event: CloudEvent) -> None:
    message = decode_pubsub(event.data, UsagePriced)
    if message is None:
        return
    report = bootstrap.alert_evaluator().evaluate(message.tenant_id, message.reason, message.days)
    log.info(
        "alerts evaluated",
        extra={
            "tenant_id": message.tenant_id,
            "reason": message.reason,
            "considered": report.considered,
            "raised": [a.id for a in report.raised],
            "documents_read": report.documents_read,
            "skipped": report.skipped,
        },
    )
