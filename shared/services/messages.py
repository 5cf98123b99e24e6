"""Pub/Sub message bodies, validated on the way in (a malformed message is dropped, not retried)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field


class _Message(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class SchedulerTick(_Message):
    tick_at: AwareDatetime | None = None


class CollectRequest(_Message):
    tenant_id: str = Field(min_length=1, max_length=128)
    account_id: str = Field(min_length=1, max_length=128)
    reason: Literal["scheduled", "connect", "manual", "continue", "retry"] = "scheduled"
    requested_at: AwareDatetime | None = None


class UsageCollected(_Message):
    tenant_id: str = Field(min_length=1, max_length=128)
    account_id: str = Field(min_length=1, max_length=128)
    provider: str = "anthropic"
    start: AwareDatetime
    end: AwareDatetime
    collected_at: datetime | None = None
    reason: Literal["collected", "reprice"] = "collected"
    """reprice: the catalogue changed; rebuild the days priced with another version (services.repricing)."""


class AccountEvent(_Message):
    type: str
    tenant_id: str
    account_id: str
    status: str
    reason: str | None = None
    at: AwareDatetime
