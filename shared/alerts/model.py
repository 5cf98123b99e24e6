"""The records of alerting: budgets, channels, alerts and their deliveries. No storage, no HTTP."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import Decimal
from typing import Any

SCOPES = ("tenant", "provider", "account", "workspace", "api_key", "model")
"""What a budget counts: every account of the tenant, or the accounts of one provider, or one account,
workspace, API key or model."""

DEFAULT_WORKSPACE_SCOPE_ID = "default"
"""scope_id of the provider's default workspace (its usage carries no workspace id)."""

CONSOLE_KEY_SCOPE_ID = "console"
"""scope_id of Console/Workbench usage (it carries no API key id)."""

PERIODS = ("month", "day")

KIND_BUDGET = "budget"
KIND_FORECAST = "budget_forecast"
KIND_SPIKE = "spike"
KIND_CONNECTION = "connection"
KIND_STALE = "stale_data"
KIND_ROTATION = "rotation_due"
KIND_UNPRICED = "unpriced_model"
KIND_ADVICE = "advice"
KIND_TEST = "test"
ALERT_KINDS = (
    KIND_BUDGET,
    KIND_FORECAST,
    KIND_SPIKE,
    KIND_CONNECTION,
    KIND_STALE,
    KIND_ROTATION,
    KIND_UNPRICED,
    KIND_ADVICE,
)
"""What a channel can subscribe to (a test alert goes only to the channel being tested)."""

SEVERITIES = ("info", "warning", "critical")

CHANNEL_WEBHOOK = "webhook"
CHANNEL_EMAIL = "email"
CHANNEL_TYPES = (CHANNEL_WEBHOOK, CHANNEL_EMAIL)
WEBHOOK_FORMATS = ("json", "slack")

DELIVERY_SENDING = "sending"
DELIVERY_DELIVERED = "delivered"
DELIVERY_FAILED = "failed"
DELIVERY_DEAD_LETTERED = "dead_lettered"

BUDGET_ID = re.compile(r"^bud_[0-9a-f]{16}$")
CHANNEL_ID = re.compile(r"^chn_[0-9a-f]{16}$")
ALERT_ID = re.compile(r"^alr_[0-9a-f]{32}$")


def alert_id(tenant_id: str, rule_id: str, period: str, threshold: str) -> str:
    """The one id an alert can have: the same rule, period and threshold always give the same id.

    Creating the alert document under this id only if absent is what makes an alert fire once, however
    often the evaluation runs or its trigger is redelivered.
    """
    digest = hashlib.sha256("\x1f".join((tenant_id, rule_id, period, threshold)).encode()).hexdigest()
    return "alr_" + digest[:32]


@dataclass(frozen=True, slots=True)
class Budget:
    """A spending limit over a calendar day or month of the tenant's time zone.

    Attributes:
        amount: USD.
        scope_id: the provider name, account, workspace, API key or model id (None for the whole tenant). The default
            workspace is ``"default"``, Console/Workbench usage ``"console"``.
        thresholds: percentages of ``amount`` that raise an alert when actual spend reaches them.
        forecast: also alert (monthly budgets) when month-to-date spend projects past ``amount``.
        channel_ids: where its alerts go; empty means every channel subscribed to budget alerts.
    """

    tenant_id: str
    id: str
    name: str
    amount: Decimal
    period: str
    scope: str
    scope_id: str | None
    thresholds: tuple[int, ...]
    forecast: bool
    channel_ids: tuple[str, ...]
    enabled: bool
    created_at: datetime
    updated_at: datetime

    def with_changes(self, **changes: Any) -> Budget:
        return replace(self, **changes)


@dataclass(frozen=True, slots=True)
class Channel:
    """Where alerts are delivered: a webhook (signed JSON or Slack-compatible) or email addresses.

    ``sealed_secret`` is the webhook's signing secret sealed with AES-256-GCM (shared.security.sealing, the tenant
    and channel ids as associated data); the secret itself is shown once, when it is made. ``sealed_url`` is
    the webhook URL sealed the same way (a Slack webhook URL is a credential: whoever has it can post);
    ``url_hint`` is what a person may see of it. ``url`` is only set for channels stored before URLs were
    sealed (plaintext); saving such a channel seals it.
    """

    tenant_id: str
    id: str
    name: str
    type: str
    kinds: tuple[str, ...]
    enabled: bool
    created_at: datetime
    updated_at: datetime
    url: str | None = None
    format: str = "json"
    emails: tuple[str, ...] = ()
    sealed_secret: str | None = None
    secret_hint: str = ""
    sealed_url: str | None = None
    url_hint: str | None = None

    @property
    def has_url(self) -> bool:
        return bool(self.sealed_url or self.url)

    def with_changes(self, **changes: Any) -> Channel:
        return replace(self, **changes)

    def wants(self, kind: str) -> bool:
        return self.enabled and kind in self.kinds


@dataclass(frozen=True, slots=True)
class Alert:
    """One alert: what happened, for which rule, period and threshold, and where it goes.

    ``details`` holds JSON-ready values only (amounts as decimal strings), so the alert reads the same
    in Firestore, on the topic, in a webhook and in the API.
    """

    tenant_id: str
    id: str
    kind: str
    rule_id: str
    period: str
    threshold: str
    severity: str
    title: str
    message: str
    created_at: datetime
    details: dict[str, Any] = field(default_factory=dict)
    channel_ids: tuple[str, ...] = ()
    published: bool = False
    test: bool = False

    def to_event(self) -> dict[str, Any]:
        """The message published on the alerts topic (and the body of a JSON webhook)."""
        return {
            "id": self.id,
            "tenant_id": self.tenant_id,
            "kind": self.kind,
            "rule_id": self.rule_id,
            "period": self.period,
            "threshold": self.threshold,
            "severity": self.severity,
            "title": self.title,
            "message": self.message,
            "details": self.details,
            "channel_ids": list(self.channel_ids),
            "created_at": self.created_at.isoformat(),
            "test": self.test,
        }


@dataclass(frozen=True, slots=True)
class Delivery:
    """The outcome of delivering one alert to one channel."""

    alert_id: str
    channel_id: str
    channel_type: str
    status: str
    attempts: int = 0
    last_error: str | None = None
    last_attempt_at: datetime | None = None
    delivered_at: datetime | None = None
    duplicates_skipped: int = 0
