"""Collect one account's usage from its provider into Firestore."""

import logging

import functions_framework
from cloudevents.http import CloudEvent
from werkzeug.exceptions import ServiceUnavailable

from shared import bootstrap
from shared.messages import CollectRequest, decode_pubsub
from shared.services.collector import LeaseHeld

bootstrap.start_process()
log = logging.getLogger("collector")


@functions_framework.cloud_event
def on_collect_request(event: CloudEvent) -> None:
    request = decode_pubsub(event.data, CollectRequest)
    if request is None:
        return
    try:
        outcome = bootstrap.collector_service().collect(request.tenant_id, request.account_id, request.requested_at)
    except LeaseHeld as held:
        # Another sync holds the account (alive, or dead with its lease not yet run out): answer 503 so
        # Pub/Sub delivers this request again after a backoff (see CollectorService.collect). Expected, so a
        # warning, not a crash with a traceback.
        log.warning("account lease held; asking for redelivery", extra={"account_id": request.account_id})
        raise ServiceUnavailable(str(held)) from None
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
