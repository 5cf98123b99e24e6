"""Price the days whose raw usage changed (or whose catalogue changed), keep the month rollups whole, and judge
the tenant's alerts on what changed (see CostingService.evaluate)."""

import logging

import functions_framework
from cloudevents.http import CloudEvent

from shared import bootstrap
from shared.messages import UsageCollected, decode_pubsub

bootstrap.start_process()
log = logging.getLogger("costing")


@functions_framework.cloud_event
def on_usage_collected(event: CloudEvent) -> None:
    message = decode_pubsub(event.data, UsageCollected)
    if message is None:
        return
    outcome = bootstrap.costing_service().price_days(
        message.tenant_id, message.account_id, message.provider, message.days
    )
    if message.reason == "collected":
        bootstrap.repricing_service().check(message.tenant_id, message.account_id, message.priced_with)
    log.info(
        "days priced",
        extra={
            "account_id": message.account_id,
            "reason": message.reason,
            "days_checked": outcome.days_checked,
            "days_priced": len(outcome.days_priced),
            "total_before_usd": str(outcome.total_before),
            "total_after_usd": str(outcome.total_after),
            "alerts": outcome.alerts,
        },
    )
