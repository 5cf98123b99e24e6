"""Connected provider accounts and their sync state."""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

STATUS_CONNECTED = "connected"
STATUS_SYNCING = "syncing"
STATUS_ERROR = "error"
STATUS_DISCONNECTED = "disconnected"
STATUSES = (STATUS_CONNECTED, STATUS_SYNCING, STATUS_ERROR, STATUS_DISCONNECTED)

PROVIDERS = ("anthropic",)
ROTATION_DAYS = 90

ANTHROPIC_ADMIN_KEY = re.compile(r"^sk-ant-admin01-[A-Za-z0-9_\-]{16,300}$")
ANTHROPIC_WORKSPACE_KEY_PREFIX = "sk-ant-api03-"
OPENAI_ADMIN_KEY_PREFIX = "sk-admin-"


def key_hint(api_key: str) -> str:
    """What a person may see of a key: its kind and last four characters."""
    prefix = "sk-ant-admin01-" if api_key.startswith("sk-ant-admin01-") else api_key[:7]
    return f"{prefix}...{api_key[-4:]}"


def key_fingerprint(api_key: str, pepper: bytes) -> str:
    """A keyed digest to recognise the same key connected twice, without storing the key."""
    return hmac.new(pepper, api_key.encode(), hashlib.sha256).hexdigest()


@dataclass(frozen=True, slots=True)
class Account:
    """One connected provider organization of a tenant."""

    tenant_id: str
    id: str
    provider: str
    name: str
    status: str
    created_at: datetime
    history_start: datetime
    history_days: int
    secret_ref: str = ""
    key_hint: str = ""
    key_fingerprint: str = ""
    organization_id: str | None = None
    organization_name: str | None = None
    status_reason: str | None = None
    synced_through: datetime | None = None
    last_sync_at: datetime | None = None
    last_success_at: datetime | None = None
    next_sync_at: datetime | None = None
    consecutive_failures: int = 0
    lease_until: datetime | None = None
    disconnected_at: datetime | None = None
    key_created_at: datetime | None = None
    rotation_reminded_key: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    def with_changes(self, **changes: Any) -> Account:
        return replace(self, **changes)

    def key_age_days(self, now: datetime) -> int:
        return max(0, (now - (self.key_created_at or self.created_at)).days)

    def rotation_due(self, now: datetime) -> bool:
        """Keys older than 90 days are due for rotation."""
        return self.active and self.key_age_days(now) >= ROTATION_DAYS

    @property
    def active(self) -> bool:
        return self.status != STATUS_DISCONNECTED

    def history_progress(self, now: datetime) -> dict[str, Any]:
        """How much of the plan's history window has been imported."""
        due_end = now.astimezone(UTC)
        total = max((due_end - self.history_start).total_seconds(), 1.0)
        done_until = min(self.synced_through or self.history_start, due_end)
        done = max((done_until - self.history_start).total_seconds(), 0.0)
        days_due = self.history_days
        days_imported = min(days_due, int(done // 86400))
        complete = self.synced_through is not None and self.synced_through >= due_end - timedelta(hours=1)
        percent = 100.0 if complete else round(100.0 * done / total, 1)
        return {
            "days_due": days_due,
            "days_imported": days_due if complete else days_imported,
            "percent": percent,
            "complete": complete,
        }
