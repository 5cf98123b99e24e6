"""Bodies of the alerting topics' messages, validated on the way in (malformed ones are dropped)."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field


class _Message(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class UsagePriced(_Message):
    """Published on tm-usage-priced by the costing function after it rebuilt days of an account; also
    used to ask for an evaluation of a tenant without new usage (the periodic sweep, a budget change)."""

    tenant_id: str = Field(min_length=1, max_length=128)
    account_id: str | None = Field(default=None, max_length=128)
    days: list[date] = Field(default_factory=list, max_length=400)
    reason: Literal["priced", "sweep", "budget_changed"] = "priced"
    at: AwareDatetime | None = None


class AlertEvent(_Message):
    """One alert on tm-alerts (see shared.alerts.model.Alert.to_event)."""

    id: str = Field(pattern=r"^alr_[0-9a-f]{32}$")
    tenant_id: str = Field(min_length=1, max_length=128)
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
