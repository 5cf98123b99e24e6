"""Every Pub/Sub message between the functions: one typed model per message, used by the sender to publish
and by the receiver to decode. A malformed message is dropped (logged), never retried: it cannot succeed.

Topics (shared.topology) and what travels on them:
    tm-scheduler-ticks   SchedulerTick     Cloud Scheduler -> dispatcher, alert sweep
    tm-collect-requests  CollectRequest    dispatcher, accounts API, collector (continue) -> collector
    tm-usage-collected   UsageCollected    collector, re-pricing -> costing
    tm-usage-priced      UsagePriced       costing, alert sweep, budget changes -> alert evaluator
    tm-account-events    AccountEvent      collector -> alert evaluator
    tm-alerts            AlertEvent        alert evaluator -> webhook and email delivery
"""

from __future__ import annotations

import base64
import json
import logging
from datetime import date
from typing import Any, Literal, TypeVar

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError

log = logging.getLogger(__name__)

TENANT_ID = Field(min_length=1, max_length=128)
ACCOUNT_ID = Field(min_length=1, max_length=128)


class Message(BaseModel):
    """A Pub/Sub message body (JSON). Unknown fields are ignored, so a newer sender can add some."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    def encode(self) -> bytes:
        return self.model_dump_json(exclude_none=False).encode()


class SchedulerTick(Message):
    tick_at: AwareDatetime | None = None


class CollectRequest(Message):
    """Sync one account now (the collector skips it when another sync of it is running)."""

    tenant_id: str = TENANT_ID
    account_id: str = ACCOUNT_ID
    reason: Literal["scheduled", "connect", "manual", "continue", "retry"] = "scheduled"
    requested_at: AwareDatetime | None = None


class UsageCollected(Message):
    """Raw usage of these UTC days of an account changed (or must be priced again): price them."""

    tenant_id: str = TENANT_ID
    account_id: str = ACCOUNT_ID
    provider: str = "anthropic"
    days: list[date] = Field(min_length=1, max_length=62)
    reason: Literal["collected", "reprice"] = "collected"
    """reprice: the catalogue changed; rebuild the days priced with another version (services.repricing)."""
    collected_at: AwareDatetime | None = None
    priced_with: str | None = None
    """The catalogue version the account's history is priced with (Account.priced_with), so costing can tell
    without a read that the catalogue changed since."""


class UsagePriced(Message):
    """Costing rebuilt days of an account; also asks for an evaluation of a tenant without new usage (the
    periodic sweep, a budget change)."""

    tenant_id: str = TENANT_ID
    account_id: str | None = Field(default=None, max_length=128)
    days: list[date] = Field(default_factory=list, max_length=400)
    reason: Literal["priced", "sweep", "daily", "budget_changed"] = "priced"
    """sweep: the hourly check of what needs no new usage (stale data, key age); daily: once a day, also
    spend rules (a safety net for a lost evaluation) and savings advice."""
    at: AwareDatetime | None = None


class AccountEvent(Message):
    type: str
    tenant_id: str = TENANT_ID
    account_id: str = ACCOUNT_ID
    status: str
    reason: str | None = None
    at: AwareDatetime


class AlertEvent(Message):
    """One alert on tm-alerts (see shared.alerts.model.Alert.to_event); also the body of a JSON webhook."""

    id: str = Field(pattern=r"^alr_[0-9a-f]{32}$")
    tenant_id: str = TENANT_ID
    kind: str
    rule_id: str
    period: str
    threshold: str
    severity: str
    title: str
    message: str
    details: dict[str, Any] = Field(default_factory=dict)
    channel_ids: list[str] = Field(default_factory=list, max_length=50)
    created_at: AwareDatetime
    test: bool = False


M = TypeVar("M", bound=Message)


def decode_pubsub(event_data: Any, model: type[M]) -> M | None:
    """The message inside a Pub/Sub CloudEvent, or None when it is malformed (logged and dropped)."""
    try:
        message = event_data["message"]
        raw = base64.b64decode(message.get("data") or b"")
        payload = json.loads(raw or b"{}")
        return model.model_validate(payload)
    except (KeyError, TypeError, ValueError, ValidationError) as exc:
        log.error("dropping malformed message", extra={"model": model.__name__, "error": str(exc)[:300]})
        return None
