"""Request and response shapes of the API. The OpenAPI document is generated from these."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, create_model

from shared.domain.usage import COST_CLASSES, QUANTITY_FIELDS


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ConnectAccountRequest(_Strict):
    provider: Literal["anthropic", "openai"] = Field(description="The provider of the organization.")
    name: str = Field(min_length=1, max_length=120, description="A display name for the account.")
    api_key: str = Field(min_length=1, max_length=400, description="The organization's Admin API key.")


class OrganizationOut(_Strict):
    id: str | None
    name: str | None


class HourRangeOut(_Strict):
    start: str
    end: str


class HistoryProgress(_Strict):
    days_due: int
    days_imported: int
    percent: float = Field(description="Share of the history window's hours read from the provider.")
    complete: bool = Field(description="Every hour of the history window has been read at least once.")
    missing: list[HourRangeOut] = Field(description="Hour ranges not read yet (the first 20), UTC, [start, end).")


class AccountOut(_Strict):
    id: str
    provider: str
    name: str
    status: Literal["connected", "syncing", "error", "disconnected"]
    status_reason: str | None
    organization: OrganizationOut
    key_hint: str = Field(description="The key's kind and last four characters; never the key.")
    created_at: datetime
    last_sync_at: datetime | None
    last_success_at: datetime | None
    next_sync_at: datetime | None
    synced_through: datetime | None
    history: HistoryProgress
    key_created_at: datetime | None = Field(description="When the current key was connected or rotated in.")
    key_age_days: int
    rotation_due: bool = Field(description="The key is 90 days old or more: rotate it.")


class AccountList(_Strict):
    accounts: list[AccountOut]


class SyncAccepted(_Strict):
    account_id: str
    status: Literal["queued", "running"] = Field(
        description="queued: a sync will start; running: one is under way (nothing more is queued)."
    )
    detail: str
    progress: HistoryProgress


Tokens = create_model(
    "Tokens",
    __base__=_Strict,
    __doc__="Quantity per usage class: tokens for token classes, units (requests, calls, ...) for the others.",
    **{name: (int, ...) for name in QUANTITY_FIELDS},  # type: ignore[call-overload]
)

Costs = create_model(
    "Costs",
    __base__=_Strict,
    __doc__="USD per usage class, exact decimal strings.",
    **{name: (str, ...) for name in COST_CLASSES},  # type: ignore[call-overload]
)


class CoverageOut(_Strict):
    complete: bool = Field(description="Every day of the asked range is imported and priced.")
    missing_days: list[str] = Field(
        description="Days of the range (in the answer's time zone, up to now) some account has not imported or "
        "priced yet: the totals leave them out."
    )


class UsageRowOut(BaseModel):
    """One group. Group fields present are those asked for in group_by."""

    model_config = ConfigDict(extra="forbid")
    provider: str | None = None
    model: str | None = None
    api_key_id: str | None = None
    api_key_name: str | None = None
    workspace_id: str | None = None
    workspace_name: str | None = None
    account_id: str | None = None
    account_name: str | None = None
    month: str | None = Field(default=None, description="YYYY-MM, in the answer's time_zone.")
    day: str | None = None
    week: str | None = Field(default=None, description="The Monday the week starts on, in the answer's time_zone.")
    hour: str | None = None
    service_tier: str | None = None
    tokens: Tokens
    cost: Costs | None = Field(description="USD per cost class as decimal strings; null when wholly unpriced.")
    total_cost: str | None = Field(description="USD, decimal string, of the priced part; null when wholly unpriced.")
    effective_cost: str | None = Field(
        default=None, description="total_cost after the organization's rate cards (equal to it without any)."
    )
    unpriced: bool = Field(description="True when some tokens of the group have no known price (never counted as $0).")
    unpriced_tokens: int
    unpriced_models: list[str]


class ProvisionalOut(_Strict):
    """The part of the totals younger than the provider's settling time: it may still change."""

    since: str = Field(description="Hours starting at or after this UTC instant are provisional.")
    cost: str = Field(description="USD, decimal string, of the provisional part of total_cost.")
    tokens: int
    unpriced_tokens: int


class UsageResponse(_Strict):
    from_: str = Field(alias="from")
    to: str
    time_zone: str
    currency: Literal["USD"]
    group_by: list[str]
    filters: dict[str, list[str | None]] = Field(default_factory=dict)
    account_ids: list[str]
    rows: list[UsageRowOut]
    totals: UsageRowOut
    provisional: ProvisionalOut
    rate_cards_applied: list[str] = Field(default_factory=list, description="The rate cards effective_cost used.")
    coverage: CoverageOut
    documents_read: int


class ErrorBody(_Strict):
    code: str
    message: str
    field: str | None


class ErrorOut(_Strict):
    error: ErrorBody


class RotateKeyRequest(_Strict):
    api_key: str = Field(min_length=1, max_length=400, description="A new Admin API key of the same organization.")


class CreateTenantRequest(_Strict):
    id: str = Field(min_length=2, max_length=63, description="Lowercase letters, digits and dashes.")
    name: str = Field(min_length=1, max_length=120)


class TenantOut(_Strict):
    id: str
    name: str
    plan: Literal["free", "pro", "enterprise"]
    history_days: int


class MyTenant(_Strict):
    id: str
    name: str
    role: Literal["owner", "admin", "viewer"]


class MeOut(_Strict):
    user_id: str
    tenants: list[MyTenant]


class PlanRequest(_Strict):
    plan: Literal["free", "pro", "enterprise"]
    history_days: int | None = Field(default=None, ge=1, le=730, description="Overrides the plan's window.")


class PlanOut(_Strict):
    tenant: TenantOut
    accounts_importing_older_history: int


class MemberRequest(_Strict):
    role: Literal["owner", "admin", "viewer"]
    email: str | None = Field(default=None, max_length=254)


class MemberOut(_Strict):
    user_id: str
    role: str
    email: str | None
    added_by: str | None
    added_at: datetime | None


class MemberList(_Strict):
    members: list[MemberOut]


class AuditEntryOut(_Strict):
    at: datetime
    actor: str
    action: str
    account_id: str | None
    outcome: str
    detail: dict[str, Any]


class AuditList(_Strict):
    entries: list[AuditEntryOut]
