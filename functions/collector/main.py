"""Collect one account's usage from its provider into Firestore."""

import logging

import functions_framework
from cloudevents.http import CloudEvent

from shared import bootstrap, logs
from shared.messages import CollectRequest, decode_pubsub

logs.configure()
log = logging.getLogger("collector")


@functions_framework.cloud_event
def on_collect_request(event: CloudEvent) -> None:
    request = decode_pubsub(event.data, CollectRequest)
    if request is None:
        return
    # LeaseHeld propagates: a sync that stopped renewing its lease still holds it, so Pub/Sub delivers this
    # request again after a backoff and it takes over once the lease runs out.
    outcome = bootstrap.collector_service().collect(request.tenant_id, request.account_id)
    log.info(
        "collect finished",
        extra={
            "account_id": request.account_id,
            "reason": request.reason,
            "outcome": outcome.status,
            "hours": outcome.hours_written,
            "rows": outcome.rows_written,
            "provider_requests": outcome.provider_requests,
            "detail": outcome.detail,
        },
    )
