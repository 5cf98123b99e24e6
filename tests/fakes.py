"""Hand-written fakes of the ports, for fast unit tests (no emulator, no network)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import replace
from datetime import date, datetime, timedelta
from typing import Any

from shared.domain.accounts import Account, Names
from shared.domain.billed import BilledDay
from shared.domain.priced import PricedDay, PricedMonth, month_of, roll_month
from shared.domain.settings import TenantSettings
from shared.domain.usage import UsageBucket, UsageDay, hours_between
from shared.messages import Message
from shared.ports import AccountChanged
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
        self._versions: dict[str, Account] = {}

    def create(self, account: Account) -> None:
        key = (account.tenant_id, account.id)
        assert key not in self.accounts
        self.accounts[key] = account

    def get(self, tenant_id: str, account_id: str) -> Account | None:
        return self.accounts.get((tenant_id, account_id))

    def get_versioned(self, tenant_id: str, account_id: str) -> tuple[Account, str] | None:
        # Every write stores a new (frozen) Account: the stored object is the version.
        account = self.accounts.get((tenant_id, account_id))
        if account is None:
            return None
        version = f"v{len(self._versions)}"
        self._versions[version] = account
        return account, version

    def update_if(self, tenant_id: str, account_id: str, version: str, changes: dict[str, Any]) -> bool:
        """`LedgerUnitOfWork.update_account`'s guarded write (the fake unit of work calls it)."""
        if self.accounts.get((tenant_id, account_id)) is not self._versions.get(version):
            return False
        self.update(tenant_id, account_id, changes)
        return True

    def list(self, tenant_id: str) -> list[Account]:
        return sorted((a for (t, _), a in self.accounts.items() if t == tenant_id), key=lambda a: a.created_at)

    def save(self, account: Account) -> None:
        self.accounts[(account.tenant_id, account.id)] = account

    def update(self, tenant_id: str, account_id: str, changes: dict[str, Any]) -> None:
        key = (tenant_id, account_id)
        self.accounts[key] = self.accounts[key].with_changes(**changes)

    def due_for_sync(self, now: datetime) -> Iterator[tuple[str, str]]:
        due = [
            a
            for a in self.accounts.values()
            if a.active
            and a.next_sync_at is not None
            and a.next_sync_at <= now
            and (a.lease_until is None or a.lease_until <= now)
        ]
        for a in sorted(due, key=lambda a: a.next_sync_at or now):
            yield a.tenant_id, a.id

    def stale_tenants(self, now: datetime) -> set[str]:
        return {a.tenant_id for a in self.accounts.values() if a.stale_at is not None and a.stale_at <= now}

    def acquire_lease(
        self,
        tenant_id: str,
        account_id: str,
        lease_id: str,
        now: datetime,
        until: datetime,
        wanted: Callable[[Account], bool] | None = None,
    ) -> Account | None:
        account = self.accounts.get((tenant_id, account_id))
        if account is None or (account.lease_until is not None and account.lease_until > now):
            return None
        if wanted is not None and not wanted(account):
            return None
        self.update(tenant_id, account_id, {"lease_until": until, "lease_id": lease_id})
        return self.accounts[(tenant_id, account_id)]

    def checkpoint(self, tenant_id: str, account_id: str, lease_id: str, changes: dict[str, Any]) -> bool:
        account = self.accounts.get((tenant_id, account_id))
        if account is None or account.lease_id != lease_id:
            return False
        self.update(tenant_id, account_id, changes)
        return True

    def save_names(self, tenant_id: str, account_id: str, names: Names) -> None:
        self.names[(tenant_id, account_id)] = names

    def get_names(self, tenant_id: str, account_ids: Sequence[str]) -> dict[str, Names]:
        return {a: self.names[(tenant_id, a)] for a in account_ids if (tenant_id, a) in self.names}


class FakeLedger:
    """Raw days, priced days and month rollups in memory: the unit of work factory and the ledger store.

    A unit reads the stored state and buffers its writes until commit (rollback drops them), like the
    Firestore one; counts reads and writes so tests can assert what a sync or a view costs.
    """

    def __init__(self) -> None:
        self.usage: dict[tuple[str, str, date], dict[int, UsageBucket]] = {}
        self.priced: dict[tuple[str, str, date], PricedDay] = {}
        self.months: dict[tuple[str, str, date], PricedMonth] = {}
        self.billed = FakeBilledCostStore()
        """The billed ledger the collector stores beside the raw days (`UsageDays.put_billed`)."""
        self.compacted: list[date] = []
        """The days units were asked to compact (`UsageDays.compact`), in order."""
        self.accounts: FakeAccountStore | None = None
        """Where `update_account` writes (a test that syncs links its account store here)."""
        self.reads = 0
        self.writes = 0
        self.commits = 0

    # -- the unit of work factory ---------------------------------------------------------------

    def __call__(self, tenant_id: str, account_id: str) -> FakeUnitOfWork:
        return FakeUnitOfWork(self, tenant_id, account_id)

    # -- helpers for tests ------------------------------------------------------------------------

    def write_buckets(self, tenant_id: str, account_id: str, buckets: Sequence[UsageBucket]) -> None:
        """Store raw hours directly (as the collector would)."""
        with self(tenant_id, account_id) as uow:
            uow.usage.put_hours(buckets)
            uow.commit()

    def read_buckets(self, tenant_id: str, account_id: str, start: datetime, end: datetime) -> list[UsageBucket]:
        out = []
        for h in hours_between(start, end):
            bucket = self.usage.get((tenant_id, account_id, h.date()), {}).get(h.hour)
            if bucket is not None:
                out.append(bucket)
        return out

    def put_priced(self, tenant_id: str, day: PricedDay) -> None:
        """Store a priced day and roll it into its month, as costing does (for tests that build priced days)."""
        key = (tenant_id, day.account_id, day.day)
        month_key = (tenant_id, day.account_id, month_of(day.day))
        old = self.priced.get(key)
        self.months[month_key] = roll_month(self.months.get(month_key), day.account_id, old, day)
        self.priced[key] = day

    def priced_days(self, tenant_id: str, account_id: str) -> list[PricedDay]:
        return [d for (t, a, _), d in sorted(self.priced.items()) if (t, a) == (tenant_id, account_id)]

    # -- the ledger store -------------------------------------------------------------------------

    def read(
        self,
        tenant_id: str,
        months: Sequence[tuple[str, date]],
        days: Sequence[tuple[str, date]],
        *,
        month_parts: frozenset[str] = frozenset({"rows"}),
        hour_days: Sequence[tuple[str, date]] = (),
    ) -> tuple[list[PricedMonth], list[PricedDay]]:
        self.reads += len(months) + len(days)
        out_months = []
        for a, m in months:
            found = self.months.get((tenant_id, a, m))
            if found is not None:
                out_months.append(
                    replace(
                        found,
                        rows=found.rows if "rows" in month_parts else (),
                        daily=found.daily if "daily" in month_parts else {},
                        recent=found.recent if "recent" in month_parts else {},
                    )
                )
        out_days = [d for a, day in days if (d := self.priced.get((tenant_id, a, day))) is not None]
        return out_months, out_days


class FakeUnitOfWork:
    def __init__(self, ledger: FakeLedger, tenant_id: str, account_id: str):
        self.ledger = ledger
        self.key = (tenant_id, account_id)
        self._writes: list[tuple[str, Any]] = []
        self.usage = _FakeUsageDays(self)
        self.priced = _FakePricedDays(self)
        self.months = _FakePricedMonths(self)

    def __enter__(self) -> FakeUnitOfWork:
        self._writes = []
        return self

    def update_account(self, changes: dict[str, Any], version: str) -> None:
        self._writes.append(("account", (changes, version)))

    def __exit__(self, *exc: object) -> None:
        self.rollback()

    def commit(self) -> None:
        t, a = self.key
        documents: set[tuple[str, date]] = set()  # one write per document, as Firestore's unit coalesces them
        for kind, value in self._writes:
            if kind == "account":  # the guard first: a refused one writes nothing of the unit
                assert self.ledger.accounts is not None, "link the test's FakeAccountStore: ledger.accounts = ..."
                if not self.ledger.accounts.update_if(t, a, value[1], value[0]):
                    self._writes = []
                    raise AccountChanged(f"account {a} changed since version {value[1]}")
                self.ledger.writes += 1
        for kind, value in self._writes:
            if kind == "account":
                continue
            if kind == "hours":
                day, hours = value
                documents.add(("usage", day))
                self.ledger.usage.setdefault((t, a, day), {}).update(hours)
            elif kind == "billed":
                documents.add(("usage", value.day))
                self.ledger.billed.days[(t, a, value.day)] = value
                self.ledger.billed.writes += 1
            elif kind == "priced":
                documents.add(("priced", value.day))
                self.ledger.priced[(t, a, value.day)] = value
            else:
                documents.add(("month", value.month))
                self.ledger.months[(t, a, value.month)] = value
        self.ledger.writes += len(documents)
        self._writes = []
        self.ledger.commits += 1

    def rollback(self) -> None:
        self._writes = []


class _FakeUsageDays:
    def __init__(self, uow: FakeUnitOfWork):
        self.uow = uow

    def get(self, day: date) -> UsageDay | None:
        self.uow.ledger.reads += 1
        hours = self.uow.ledger.usage.get((*self.uow.key, day))
        return None if hours is None else UsageDay(self.uow.key[1], day, dict(hours))

    def put_hours(self, buckets: Sequence[UsageBucket]) -> None:
        by_day: dict[date, dict[int, UsageBucket]] = {}
        for b in buckets:
            by_day.setdefault(b.hour_start.date(), {})[b.hour_start.hour] = b
        for day, hours in by_day.items():
            self.uow._writes.append(("hours", (day, hours)))

    def put_billed(self, days: Sequence[BilledDay]) -> None:
        self.uow._writes.extend(("billed", d) for d in days)

    def compact(self, days: Sequence[date]) -> int:
        # Packing is a storage encoding: in memory it changes nothing (the reads are counted, as stored).
        self.uow.ledger.reads += len(days)
        self.uow.ledger.compacted.extend(days)
        return 0

    def hour_hashes(self, days: Sequence[date]) -> dict[datetime, str]:
        out: dict[datetime, str] = {}
        for day in days:
            self.uow.ledger.reads += 1
            for bucket in self.uow.ledger.usage.get((*self.uow.key, day), {}).values():
                out[bucket.hour_start] = bucket.content_hash()
        return out


class _FakePricedDays:
    def __init__(self, uow: FakeUnitOfWork):
        self.uow = uow

    def get(self, day: date) -> PricedDay | None:
        self.uow.ledger.reads += 1
        return self.uow.ledger.priced.get((*self.uow.key, day))

    def put(self, day: PricedDay) -> None:
        self.uow._writes.append(("priced", day))


class _FakePricedMonths:
    def __init__(self, uow: FakeUnitOfWork):
        self.uow = uow

    def get(self, month: date) -> PricedMonth | None:
        self.uow.ledger.reads += 1
        return self.uow.ledger.months.get((*self.uow.key, month))

    def put(self, month: PricedMonth) -> None:
        self.uow._writes.append(("month", month))


class RecordingPublisher:
    """Keeps what was published, as the JSON a subscriber would decode."""

    def __init__(self) -> None:
        self.messages: list[tuple[str, dict[str, Any]]] = []
        self.models: list[tuple[str, Message]] = []

    def publish(self, topic: str, message: Message) -> None:
        self.models.append((topic, message))
        self.messages.append((topic, json.loads(message.encode())))

    def publish_all(self, topic: str, messages: Iterable[Message]) -> int:
        count = 0
        for message in messages:
            self.publish(topic, message)
            count += 1
        return count

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

    def set_retention(self, tenant_id: str, retention: Any) -> None:
        from dataclasses import replace

        self.tenants[tenant_id] = replace(self.tenants[tenant_id], retention=retention)

    def retention_due(self, now: datetime) -> list[Any]:
        return [t for t in self.tenants.values() if t.retention is not None and t.retention.due_at <= now]

    def get_member(self, tenant_id: str, user_id: str) -> Any:
        return self.members.get((tenant_id, user_id))

    def list_members(self, tenant_id: str) -> list[Any]:
        return sorted((m for (t, _), m in self.members.items() if t == tenant_id), key=lambda m: m.user_id)

    def put_member(self, tenant_id: str, member: Any) -> None:
        self.members[(tenant_id, member.user_id)] = member

    def remove_member(self, tenant_id: str, user_id: str) -> None:
        self.members.pop((tenant_id, user_id), None)

    def memberships_of(self, user_id: str) -> list[tuple[Any, Any]]:
        return sorted(
            ((self.tenants[t], m) for (t, u), m in self.members.items() if u == user_id and t in self.tenants),
            key=lambda tm: tm[0].id,
        )


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
        self.writes = 0

    def write_days(self, tenant_id: str, account_id: str, days: Sequence[BilledDay]) -> None:
        for d in days:
            self.days[(tenant_id, account_id, d.day)] = d
            self.writes += 1

    def read_days(self, tenant_id: str, account_ids: Sequence[str], start: date, end: date) -> Iterator[BilledDay]:
        for (t, a, d), v in sorted(self.days.items(), key=lambda kv: (kv[0][1], kv[0][2])):
            if t == tenant_id and a in account_ids and start <= d <= end:
                yield v


class FakeSettingsStore:
    def __init__(self) -> None:
        self.settings: dict[str, TenantSettings] = {}

    def get_settings(self, tenant_id: str) -> TenantSettings:
        return self.settings.get(tenant_id, TenantSettings())

    def save_settings(self, tenant_id: str, settings: TenantSettings) -> None:
        self.settings[tenant_id] = settings
