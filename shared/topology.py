"""The event topology: which topics exist, which function each one triggers.

This is the one list the local stack wires (push subscriptions to functions-framework) and the one
that infra/ must declare (a consistency test keeps them in step).
"""

from __future__ import annotations

from dataclasses import dataclass

TOPIC_SCHEDULER_TICKS = "tm-scheduler-ticks"
TOPIC_COLLECT_REQUESTS = "tm-collect-requests"
TOPIC_USAGE_COLLECTED = "tm-usage-collected"
TOPIC_ACCOUNT_EVENTS = "tm-account-events"
TOPIC_USAGE_PRICED = "tm-usage-priced"
"""Costing's "these days of this account were (re)priced"; also asks the alert evaluator for a tenant."""
TOPIC_ALERTS = "tm-alerts"
"""Every raised alert (shared.alerts.model.Alert.to_event); the delivery functions subscribe, others may."""

TOPICS: tuple[str, ...] = (
    TOPIC_SCHEDULER_TICKS,
    TOPIC_COLLECT_REQUESTS,
    TOPIC_USAGE_COLLECTED,
    TOPIC_ACCOUNT_EVENTS,
    TOPIC_USAGE_PRICED,
    TOPIC_ALERTS,
)

SCHEDULE_CRON = "5 * * * *"
"""Cloud Scheduler cadence: hourly, a few minutes past the hour so the last hour has settled a little."""


ALERT_DELIVERY_ATTEMPTS = 6
"""Attempts at delivering an alert (Pub/Sub backs off between them) before it goes to the dead-letter topic."""


@dataclass(frozen=True, slots=True)
class FunctionSpec:
    """One deployed function: its folder under functions/, entry point and trigger."""

    name: str
    entry_point: str
    trigger_topic: str | None  # None: an HTTP function
    max_delivery_attempts: int = 10

    @property
    def source(self) -> str:
        return f"functions/{self.name}/main.py"

    @property
    def signature_type(self) -> str:
        return "http" if self.trigger_topic is None else "cloudevent"


FUNCTIONS: tuple[FunctionSpec, ...] = (
    FunctionSpec("dispatcher", "on_scheduler_tick", TOPIC_SCHEDULER_TICKS),
    # A request meeting a held lease is redelivered (backoff doubling up to 60 s) until the holder is done
    # or its lease ran out: 20 attempts outlast the longest sync (its time budget, 480 s) and a lease.
    FunctionSpec("collector", "on_collect_request", TOPIC_COLLECT_REQUESTS, max_delivery_attempts=20),
    FunctionSpec("costing", "on_usage_collected", TOPIC_USAGE_COLLECTED),
    FunctionSpec("api", "api", None),
    FunctionSpec("alert_evaluator", "on_usage_priced", TOPIC_USAGE_PRICED),
    FunctionSpec("alert_account_events", "on_account_event", TOPIC_ACCOUNT_EVENTS),
    FunctionSpec("alert_sweep", "on_scheduler_tick", TOPIC_SCHEDULER_TICKS),
    FunctionSpec("alert_webhook", "on_alert", TOPIC_ALERTS, max_delivery_attempts=ALERT_DELIVERY_ATTEMPTS),
    FunctionSpec("alert_email", "on_alert", TOPIC_ALERTS, max_delivery_attempts=ALERT_DELIVERY_ATTEMPTS),
)


def subscription_name(fn: FunctionSpec) -> str:
    """The push subscription that delivers a function's trigger topic to it."""
    return f"{fn.trigger_topic}--{fn.name}"


def dead_letter_topic(fn: FunctionSpec) -> str:
    return f"{fn.trigger_topic}--{fn.name}-dead-letter"
