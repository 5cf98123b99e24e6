"""Deliver an alert to its webhook channels, once each. Raising makes Pub/Sub retry with backoff; after the
subscription's last attempt the alert goes to the dead-letter topic (the history says dead_lettered)."""

import logging

import functions_framework
from cloudevents.http import CloudEvent

from shared import bootstrap
from shared.messages import AlertEvent, decode_pubsub

bootstrap.start_process()
log = logging.getLogger("alert_webhook")


@functions_framework.cloud_event
def on_alert(event: CloudEvent) -> None:
    message = decode_pubsub(event.data, AlertEvent)
    if message is None:
        return
    report = bootstrap.alert_delivery("webhook").deliver(message.model_dump(mode="json"), "webhook")
    if report.delivered:
        log.info("alert delivered", extra={"alert_id": message.id, "channels": report.delivered})
