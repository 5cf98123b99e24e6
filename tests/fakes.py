"""Hand-written fakes of the ports, for fast unit tests (no emulator, no network)."""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

from shared.domain.accounts import Account
from shared.domain.billed import BilledDay, LedgerState
from shared.domain.priced import CostDay, CostHour
from shared.domain.settings import TenantSettings
from shared.domain.usage import UsageBucket, hour_id, hours_between
from shared.ports import Names
from shared.providers.anthropic import Organization


class FakeClock:
    def __init__(self, now: datetime):
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kwargs: float) -> None:
        self.now += timedelta(**kwargs)


class FakeAccountStore:
    def __init__(self) -> None:
        self.accounts: dict[tuple[str, str], Account] = {}
        self.names: dict[tuple[str, str], Names] = {}

    def create(self, account: Account) -> None:
        key = (account.tenant_id, account.id)
        assert key not in self.accounts
        self.accounts[key] = account

    def get(self, tenant_id: str, account_id: str) -> Account | None:
        return self.accounts.get((tenant_id, account_id))

    def list(self, tenant_id: str) -> list[Account]:
        return sorted((a for (t, _), a in self.accounts.items() if t == tenant_id), key=lambda a: a.created_at)

    def save(self, account: Account) -> None:
        self.accounts[(account.tenant_id, account.id)] = account

    def update(self, tenant_id: str, account_id: str, changes: dict[str, Any]) -> None:
        key = (tenant_id, account_id)
        self.accounts[key] = self.accounts[key].with_changes(**changes)

    def due_for_sync(self, now: datetime, limit: int) -> list[Account]:
        due = [
            a
            for a in self.accounts.values()
            if a.active
            and a.next_sync_at is not None
            and a.next_sync_at <= now
            and (a.lease_until is None or a.lease_until <= now)
        ]
        return sorted(due, key=lambda a: a.next_sync_at or now)[:limit]

    def acquire_lease(self, tenant_id: str, account_id: str, now: datetime, until: datetime) -> bool:
        account = self.accounts.get((tenant_id, account_id))
        if account is None or (account.lease_until is not None and account.lease_until > now):
            return False
        self.update(tenant_id, account_id, {"lease_until": until})
        return True

    def release_lease(self, tenant_id: str, account_id: str) -> None:
        self.update(tenant_id, account_id, {"lease_until": None})

    def save_names(self, tenant_id: str, account_id: str, names: Names) -> None:
        self.names[(tenant_id, account_id)] = names

    def get_names(self, tenant_id: str, account_ids: Sequence[str]) -> dict[str, Names]:
        return {a: self.names[(tenant_id, a)] for a in account_ids if (tenant_id, a) in self.names}


class FakeUsageStore:
    def __init__(self) -> None:
        self.buckets: dict[tuple[str, str, str], UsageBucket] = {}
        self.writes = 0

    def write_buckets(self, tenant_id: str, account_id: str, buckets: Sequence[UsageBucket]) -> None:
        for b in buckets:
            self.buckets[(tenant_id, account_id, hour_id(b.hour_start))] = b
            self.writes += 1

    def read_buckets(self, tenant_id: str, account_id: str, start: datetime, end: datetime) -> list[UsageBucket]:
        out = [self.buckets.get((tenant_id, account_id, hour_id(h))) for h in hours_between(start, end)]
        return [b for b in out if b is not None]


class FakeCostStore:
    def __init__(self, usage: FakeUsageStore) -> None:
        self.usage = usage
        self.hours: dict[tuple[str, str, str], CostHour] = {}
        self.days: dict[tuple[str, str, date], CostDay] = {}

    def rebuild_day(
        self,
        tenant_id: str,
        account_id: str,
        day: date,
        compute: Callable[[list[UsageBucket]], tuple[list[CostHour], CostDay]],
    ) -> CostDay:
        start = datetime(day.year, day.month, day.day, tzinfo=UTC)
        buckets = self.usage.read_buckets(tenant_id, account_id, start, start + timedelta(days=1))
        hours, result = compute(buckets)
        for h in hours_between(start, start + timedelta(days=1)):
            self.hours.pop((tenant_id, account_id, hour_id(h)), None)
        for h2 in hours:
            self.hours[(tenant_id, account_id, hour_id(h2.hour_start))] = h2
        self.days[(tenant_id, account_id, day)] = result
        return result

    def read_days(self, tenant_id: str, account_ids: Sequence[str], start: date, end: date) -> Iterator[CostDay]:
        for (t, a, d), v in sorted(self.days.items(), key=lambda kv: (kv[0][1], kv[0][2])):
            if t == tenant_id and a in account_ids and start <= d <= end:
                yield v

    def read_hours(self, tenant_id: str, account_ids: Sequence[str], start: date, end: date) -> Iterator[CostHour]:
        for (t, a, _), v in sorted(self.hours.items()):
            if t == tenant_id and a in account_ids and start <= v.hour_start.date() <= end:
                yield v


class RecordingPublisher:
    def __init__(self) -> None:
        self.messages: list[tuple[str, dict[str, Any]]] = []

    def publish(self, topic: str, message: dict[str, Any], ordering_key: str = "") -> None:
        self.messages.append((topic, copy.deepcopy(message)))

    def on(self, topic: str) -> list[dict[str, Any]]:
        return [m for t, m in self.messages if t == topic]


class MemorySecretStore:
    """Keys by (tenant, account): a reference only opens for the account it was made for."""

    def __init__(self) -> None:
        self.secrets: dict[str, tuple[str, str, str]] = {}
        self.deleted: list[tuple[str, str]] = []

    def put(self, tenant_id: str, account_id: str, api_key: str) -> str:
        ref = f"mem://{tenant_id}/{account_id}/{len(self.secrets)}"
        self.secrets[ref] = (tenant_id, account_id, api_key)
        return ref

    def get(self, tenant_id: str, account_id: str, ref: str) -> str:
        t, a, key = self.secrets[ref]
        if (t, a) != (tenant_id, account_id):
            raise KeyError("reference of another account")
        return key

    def replace(self, tenant_id: str, account_id: str, ref: str, api_key: str) -> str:
        self.get(tenant_id, account_id, ref)
        del self.secrets[ref]
        return self.put(tenant_id, account_id, api_key)

    def delete(self, tenant_id: str, account_id: str, ref: str) -> None:
        for r, (t, a, _) in list(self.secrets.items()):
            if (t, a) == (tenant_id, account_id):
                del self.secrets[r]
        self.deleted.append((tenant_id, account_id))

    def keys(self) -> list[str]:
        return [k for _, _, k in self.secrets.values()]


class FakeTenantStore:
    def __init__(self) -> None:
        self.tenants: dict[str, Any] = {}
        self.members: dict[tuple[str, str], Any] = {}

    def get_tenant(self, tenant_id: str) -> Any:
        return self.tenants.get(tenant_id)

    def create_tenant(self, tenant: Any, owner: Any) -> bool:
        if tenant.id in self.tenants:
            return False
        self.tenants[tenant.id] = tenant
        self.members[(tenant.id, owner.user_id)] = owner
        return True

    def set_plan(self, tenant_id: str, plan: str, history_days_override: int | None) -> None:
        from dataclasses import replace

        from shared.domain.tenancy import Tenant

        current = self.tenants.get(tenant_id) or Tenant(id=tenant_id)
        self.tenants[tenant_id] = replace(current, plan=plan, history_days_override=history_days_override)

    def get_member(self, tenant_id: str, user_id: str) -> Any:
        return self.members.get((tenant_id, user_id))

    def list_members(self, tenant_id: str) -> list[Any]:
        return sorted((m for (t, _), m in self.members.items() if t == tenant_id), key=lambda m: m.user_id)

    def put_member(self, tenant_id: str, member: Any) -> None:
        self.members[(tenant_id, member.user_id)] = member

    def remove_member(self, tenant_id: str, user_id: str) -> None:
        self.members.pop((tenant_id, user_id), None)


class FakeAuditLog:
    def __init__(self) -> None:
        self.log: list[Any] = []

    def record(self, entry: Any) -> None:
        self.log.append(entry)

    def entries(self, tenant_id: str, limit: int) -> list[Any]:
        return [e for e in reversed(self.log) if e.tenant_id == tenant_id][:limit]

    def actions(self, tenant_id: str) -> list[str]:
        return [e.action for e in self.log if e.tenant_id == tenant_id]


class FakeVerifier:
    """Stands in for the live key check: maps keys to organizations or errors."""

    def __init__(self) -> None:
        self.orgs: dict[str, Organization] = {}
        self.errors: dict[str, Exception] = {}
        self.calls = 0

    def __call__(self, provider: str, api_key: str) -> Organization:
        self.calls += 1
        if api_key in self.errors:
            raise self.errors[api_key]
        return self.orgs[api_key]


class FakeBilledCostStore:
    def __init__(self) -> None:
        self.days: dict[tuple[str, str, date], BilledDay] = {}
        self.states: dict[tuple[str, str], LedgerState] = {}

    def write_days(self, tenant_id: str, account_id: str, days: Sequence[BilledDay]) -> None:
        for d in days:
            self.days[(tenant_id, account_id, d.day)] = d

    def read_days(self, tenant_id: str, account_ids: Sequence[str], start: date, end: date) -> Iterator[BilledDay]:
        for (t, a, d), v in sorted(self.days.items(), key=lambda kv: (kv[0][1], kv[0][2])):
            if t == tenant_id and a in account_ids and start <= d <= end:
                yield v

    def get_state(self, tenant_id: str, account_id: str) -> LedgerState:
        return self.states.get((tenant_id, account_id), LedgerState())

    def set_state(self, tenant_id: str, account_id: str, state: LedgerState) -> None:
        self.states[(tenant_id, account_id)] = state


class FakeSettingsStore:
    def __init__(self) -> None:
        self.settings: dict[str, TenantSettings] = {}

    def get_settings(self, tenant_id: str) -> TenantSettings:
        return self.settings.get(tenant_id, TenantSettings())

    def save_settings(self, tenant_id: str, settings: TenantSettings) -> None:
        self.settings[tenant_id] = settings
