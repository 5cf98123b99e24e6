"""Tenants (a customer organization), their plan and members, and the audit log of key handling."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from shared.errors import Forbidden

ROLES = ("owner", "admin", "viewer")
PLANS: dict[str, int] = {"free": 30, "pro": 180, "enterprise": 365}
"""Days of history each plan imports and keeps."""


def check_history_days(plan: str, history_days: int | None) -> None:
    """An owner may shorten the plan's history window, never lengthen it: more history is what a larger
    plan buys. Raises Forbidden naming the plan's window."""
    if history_days is None or plan not in PLANS:
        return
    if history_days > PLANS[plan]:
        raise Forbidden(
            f"the {plan} plan keeps at most {PLANS[plan]} days of history; history_days {history_days} needs a "
            f"larger plan ({', '.join(f'{p} {d}' for p, d in PLANS.items())} days). A shorter window is allowed.",
            field="history_days",
        )


RETENTION_GRACE = timedelta(days=14)
"""How long history beyond a shrunk window is kept before it is deleted: time to undo a downgrade, or to
export what is about to go, without losing anything."""


@dataclass(frozen=True, slots=True)
class Retention:
    """History older than ``keep_days`` (or than the plan's window then, whichever is longer) is deleted at
    ``due_at``: scheduled when the history window shrinks (a downgrade), enforced by RetentionService."""

    keep_days: int
    due_at: datetime
    scheduled_at: datetime

    def cutoff(self, now: datetime, window_days: int) -> date:
        """The first UTC day kept: the current window always wins (data inside it is never deleted)."""
        return (now - timedelta(days=max(self.keep_days, window_days))).date()


@dataclass(frozen=True, slots=True)
class Tenant:
    id: str
    name: str = ""
    plan: str = "free"
    history_days_override: int | None = None
    created_at: datetime | None = None
    retention: Retention | None = None

    @property
    def history_days(self) -> int:
        return self.history_days_override or PLANS[self.plan]


@dataclass(frozen=True, slots=True)
class Member:
    user_id: str
    role: str
    email: str | None = None
    added_by: str | None = None
    added_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """Who did what to which account, and whether it worked. Never holds a key."""

    tenant_id: str
    at: datetime
    actor: str
    action: str  # connect, connect_failed, rotate, rotate_failed, disconnect, purge, member_set, ...
    account_id: str | None = None
    outcome: str = "ok"
    detail: dict[str, Any] = field(default_factory=dict)
