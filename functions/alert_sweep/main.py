"""Hourly tick -> one alert evaluation request per tenant with alerting (stale data, keys due for rotation;
once a day also spend rules and savings advice)."""

import functions_framework
from cloudevents.http import CloudEvent

from shared import bootstrap
from shared.messages import SchedulerTick, decode_pubsub

bootstrap.start_process()


@functions_framework.cloud_event
def on_scheduler_tick(event: CloudEvent) -> None:
    tick = decode_pubsub(event.data, SchedulerTick)
    if tick is None:
        return
    bootstrap.alert_evaluator().sweep(tick.tick_at)
