"""Request and response shapes of the alerting endpoints: budgets, alert channels, alert history."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field

from shared.alerts.model import ALERT_KINDS, CHANNEL_ID
from shared.api.models import Distinct, Email, JsonInteger, Name, Patch, Query, QueryInt, Trimmed, text

Money = Annotated[
    str,
    Field(
        # More than 0 and at most 1,000,000,000, with at most 6 decimals, without leading zeros.
        pattern=r"^(?:[1-9]\d{0,8}(?:\.\d{1,6})?|0\.(?:[1-9]\d{0,5}|0[1-9]\d{0,4}|00[1-9]\d{0,3}|000[1-9]\d{0,2}"
        r"|0000[1-9]\d?|00000[1-9])|1000000000(?:\.0{1,6})?)$",
        description='USD as a decimal string, more than 0 and at most 1000000000 with at most 6 decimals, e.g. "250" '
        'or "99.50" (never a JSON number: floats are inexact).',
    ),
]
Percent = Annotated[Annotated[int, Field(ge=1, le=1000)], JsonInteger]
Scope = Literal["tenant", "provider", "account", "workspace", "api_key", "model"]
Kind = Literal[
    "budget", "budget_forecast", "spike", "connection", "stale_data", "rotation_due", "unpriced_model", "advice"
]
ChannelId = Annotated[str, Field(pattern=CHANNEL_ID.pattern)]
ScopeId = Annotated[str, text(200), Trimmed]
Thresholds = Annotated[list[Percent], Distinct]
ChannelIds = Annotated[list[ChannelId], Distinct]
Kinds = Annotated[list[Kind], Distinct]
Emails = Annotated[list[Email], Distinct]

SCOPE_ID = (
    "The provider (anthropic, openai), account id (acc_...), workspace id (wrkspc_..., or 'default' for the "
    "default workspace), API key id (apikey_..., or 'console' for Console/Workbench usage) or model id; null for "
    "scope 'tenant' (and only for it). An account id must name an account of the tenant (422 otherwise)."
)
CHANNEL_IDS = "Where its alerts go (channels of the tenant, else 422); empty: every channel taking budgets."


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


# -- budgets ------------------------------------------------------------------------------------------


def _scope_rule(schema: dict[str, Any]) -> None:
    """scope 'tenant' (the default) takes no scope_id; every other scope needs one."""
    tenant = {"anyOf": [{"not": {"required": ["scope"]}}, {"properties": {"scope": {"const": "tenant"}}}]}
    schema["allOf"] = [
        {
            "if": tenant,
            "then": {"properties": {"scope_id": {"type": "null"}}},
            "else": {"required": ["scope_id"], "properties": {"scope_id": {"type": "string"}}},
        }
    ]


class BudgetIn(_Strict):
    model_config = ConfigDict(extra="forbid", strict=True, json_schema_extra=_scope_rule)

    name: Name
    amount_usd: Money
    period: Literal["month", "day"] = Field("month", description="A calendar month or day of the tenant's time zone.")
    scope: Scope = "tenant"
    scope_id: ScopeId | None = Field(None, description=SCOPE_ID)
    thresholds: Thresholds = Field(
        default_factory=lambda: [50, 80, 100],
        min_length=1,
        max_length=10,
        description="Percentages of the amount that raise an alert when actual spend reaches them.",
    )
    forecast: bool = Field(
        True, description="Monthly budgets: also alert when month-to-date spend projects past the amount."
    )
    channel_ids: ChannelIds = Field(default_factory=list, max_length=20, description=CHANNEL_IDS)
    enabled: bool = True


class BudgetPatch(Patch):
    """Only the fields sent change. scope_id null means "no scope id" (scope 'tenant'); no other field
    takes null. A scope change and its scope_id are checked together."""

    nullable: ClassVar[frozenset[str]] = frozenset({"scope_id"})

    name: Name | None = None
    amount_usd: Money | None = None
    period: Literal["month", "day"] | None = None
    scope: Scope | None = None
    scope_id: ScopeId | None = Field(None, description=SCOPE_ID)
    thresholds: Thresholds | None = Field(None, min_length=1, max_length=10)
    forecast: bool | None = None
    channel_ids: ChannelIds | None = Field(None, max_length=20, description=CHANNEL_IDS)
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

URL = Annotated[
    str,
    Field(
        max_length=2048,
        pattern=r"^[Hh][Tt][Tt][Pp][Ss]?://[^\s/?#@]+(?:[/?][^\s#]*)?$",
        description="Webhook target: https, resolving to public addresses only (http and loopback only in local "
        "mode); checked when saved and again at every delivery (a refused target is a 422 naming url). "
        "No user name or password, no #fragment. Stored sealed: answers show a hint (scheme://host/...last4).",
    ),
]


def _channel_rule(schema: dict[str, Any]) -> None:
    """A webhook has a url and no emails; an email channel has emails and no url or Slack format."""
    schema["allOf"] = [
        {
            "if": {"properties": {"type": {"const": "webhook"}}},
            "then": {"required": ["url"], "properties": {"url": {"type": "string"}, "emails": {"maxItems": 0}}},
            "else": {
                "required": ["emails"],
                "properties": {"url": {"type": "null"}, "format": {"const": "json"}, "emails": {"minItems": 1}},
            },
        }
    ]


class ChannelIn(_Strict):
    model_config = ConfigDict(extra="forbid", strict=True, json_schema_extra=_channel_rule)

    name: Name
    type: Literal["webhook", "email"] = Field(
        description="webhook: a signed POST (see the alert webhook); email: needs SMTP configured on the server "
        "(422 naming type otherwise)."
    )
    url: URL | None = Field(None, description="Webhooks only (required for them).")
    format: Literal["json", "slack"] = Field(
        "json", description="Webhook body: TokenMeter JSON (default) or a Slack-compatible message."
    )
    emails: Emails = Field(
        default_factory=list, max_length=10, description="Email channels: 1 to 10 recipients (case-insensitive)."
    )
    kinds: Kinds = Field(
        default_factory=lambda: list(ALERT_KINDS),  # type: ignore[arg-type]  # the same names as Kind
        min_length=1,
        description="Alert kinds this channel takes.",
    )


class ChannelPatch(Patch):
    """Only the fields sent change; none takes null. type cannot change."""

    name: Name | None = None
    type: Literal["webhook", "email"] | None = Field(None, description="Must be the channel's type.")
    url: URL | None = Field(None, description="Webhooks only.")
    format: Literal["json", "slack"] | None = Field(None, description="Webhooks only (email: json).")
    emails: Emails | None = Field(None, min_length=1, max_length=10, description="Email channels only.")
    kinds: Kinds | None = Field(None, min_length=1)
    enabled: bool | None = None
    rotate_secret: bool = Field(False, description="Webhooks: make a new signing secret (returned this once).")


class ChannelOut(_Strict):
    id: str
    name: str
    type: Literal["webhook", "email"]
    url_hint: str | None = Field(
        description="Webhooks: scheme://host/...last4 of the URL. The URL itself (it may be a credential, such "
        "as a Slack webhook URL) is stored sealed and never shown."
    )
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


# -- history ---


class AlertsQuery(Query):
    limit: QueryInt = Field(50, ge=1, le=200, description="How many alerts, newest first.")
    kind: Literal[Kind, "test"] | None = Field(None, description="Only this kind.")


# -- history (answers) ------------------------------------------------------------------------------------------


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
