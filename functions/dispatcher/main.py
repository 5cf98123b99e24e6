"""Cloud Scheduler tick -> one collect request per account whose sync is due; then the history deletions
whose grace has passed (shared.services.retention)."""

import functions_framework
from cloudevents.http import CloudEvent

from shared import bootstrap
from shared.messages import SchedulerTick, decode_pubsub

bootstrap.start_process()


@functions_framework.cloud_event
def on_scheduler_tick(event: CloudEvent) -> None:
    if decode_pubsub(event.data, SchedulerTick) is None:
        return
    bootstrap.dispatcher_service().dispatch()
    bootstrap.retention_service().enforce_due()
