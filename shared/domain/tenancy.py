"""Tenants (a customer organization), their plan and members, and the audit log of key handling."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
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


@dataclass(frozen=True, slots=True)
class Tenant:
    id: str
    name: str = ""
    plan: str = "free"
    history_days_override: int | None = None
    created_at: datetime | None = None

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
