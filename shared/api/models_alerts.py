"""Request and response shapes of the alerting endpoints: budgets, alert channels, alert history."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

Money = Annotated[
    str,
    Field(
        pattern=r"^\d{1,10}(\.\d{1,6})?$",
        description='USD as a decimal string, e.g. "250" or "99.50" (never a JSON number: floats are inexact).',
    ),
]
Percent = Annotated[int, Field(ge=1, le=1000, strict=True)]
Scope = Literal["tenant", "account", "workspace", "api_key", "model"]
Kind = Literal[
    "budget", "budget_forecast", "spike", "connection", "stale_data", "rotation_due", "unpriced_model", "advice"
]
ChannelId = Annotated[str, Field(pattern=r"^chn_[0-9a-f]{16}$")]

SCOPE_ID = (
    "The account id (acc_...), workspace id (wrkspc_..., or 'default' for the default workspace), API key id "
    "(apikey_..., or 'console' for Console/Workbench usage) or model id; null for scope 'tenant'."
)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


# -- budgets ------------------------------------------------------------------------------------------


class BudgetIn(_Strict):
    name: str = Field(min_length=1, max_length=120)
    amount_usd: Money
    period: Literal["month", "day"] = Field("month", description="A calendar month or day of the tenant's time zone.")
    scope: Scope = "tenant"
    scope_id: str | None = Field(None, max_length=200, description=SCOPE_ID)
    thresholds: list[Percent] = Field(
        default_factory=lambda: [50, 80, 100],
        min_length=1,
        max_length=10,
        description="Percentages of the amount that raise an alert when actual spend reaches them.",
    )
    forecast: bool = Field(
        True, description="Monthly budgets: also alert when month-to-date spend projects past the amount."
    )
    channel_ids: list[ChannelId] = Field(
        default_factory=list, max_length=20, description="Where its alerts go; empty: every channel taking budgets."
    )
    enabled: bool = True


class BudgetPatch(_Strict):
    name: str | None = Field(None, min_length=1, max_length=120)
    amount_usd: Money | None = None
    period: Literal["month", "day"] | None = None
    scope: Scope | None = None
    scope_id: str | None = Field(None, max_length=200, description=SCOPE_ID)
    thresholds: list[Percent] | None = Field(None, min_length=1, max_length=10)
    forecast: bool | None = None
    channel_ids: list[ChannelId] | None = Field(None, max_length=20)
    enabled: bool | None = None


class BudgetOut(_Strict):
    id: str
    name: str
    amount_usd: str
    period: Literal["month", "day"]
    scope: Scope
    scope_id: str | None
    thresholds: list[int]
    forecast: bool
    channel_ids: list[str]
    enabled: bool
    created_at: datetime
    updated_at: datetime


class BudgetList(_Strict):
    budgets: list[BudgetOut]


# -- channels -----------------------------------------------------------------------------------------


class ChannelIn(_Strict):
    name: str = Field(min_length=1, max_length=120)
    type: Literal["webhook", "email"]
    url: str | None = Field(
        None,
        max_length=2048,
        description="Webhook target: https, resolving to public addresses only (http and loopback in local mode).",
    )
    format: Literal["json", "slack"] | None = Field(
        None, description="Webhook body: TokenMeter JSON (default) or a Slack-compatible message."
    )
    emails: list[str] = Field(default_factory=list, max_length=10, description="Email recipients.")
    kinds: list[Kind] | None = Field(None, min_length=1, description="Alert kinds this channel takes; default all.")


class ChannelPatch(_Strict):
    name: str | None = Field(None, min_length=1, max_length=120)
    type: Literal["webhook", "email"] | None = None
    url: str | None = Field(None, max_length=2048)
    format: Literal["json", "slack"] | None = None
    emails: list[str] | None = Field(None, max_length=10)
    kinds: list[Kind] | None = Field(None, min_length=1)
    enabled: bool | None = None
    rotate_secret: bool = Field(False, description="Webhooks: make a new signing secret (returned this once).")


class ChannelOut(_Strict):
    id: str
    name: str
    type: Literal["webhook", "email"]
    url: str | None
    format: Literal["json", "slack"]
    emails: list[str]
    kinds: list[str]
    enabled: bool
    secret_hint: str = Field(description="The signing secret's prefix and last four characters; never the secret.")
    created_at: datetime
    updated_at: datetime
    secret: str | None = Field(
        None,
        description="Webhooks: the HMAC-SHA256 signing secret, only in the answer that created (or rotated) it.",
    )


class ChannelList(_Strict):
    channels: list[ChannelOut]


class ChannelTestOut(_Strict):
    alert_id: str
    delivered: bool
    error: str | None = Field(description="Why the test alert was not delivered.")


# -- history ------------------------------------------------------------------------------------------


class DeliveryOut(_Strict):
    channel_id: str
    channel_type: str
    status: Literal["sending", "delivered", "failed", "dead_lettered"]
    attempts: int
    last_error: str | None
    last_attempt_at: datetime | None
    delivered_at: datetime | None
    duplicates_skipped: int = Field(description="Redeliveries that found it delivered and sent nothing.")


class AlertOut(_Strict):
    id: str
    kind: str
    severity: Literal["info", "warning", "critical"]
    title: str
    message: str
    rule_id: str
    period: str
    threshold: str
    details: dict[str, Any] = Field(description="Amounts are USD decimal strings rounded to the cent.")
    created_at: datetime
    test: bool
    deliveries: list[DeliveryOut]


class AlertList(_Strict):
    alerts: list[AlertOut]
