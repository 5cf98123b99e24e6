"""Hourly tick -> an alert evaluation request per tenant with an account whose data turned stale; once a day
one per tenant with alerting (spend rules again, savings advice, key age)."""

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
