"""The small interfaces the services depend on. Adapters implement them; tests use fakes."""

from __future__ import annotations

import builtins
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import date, datetime
from typing import Any, Protocol

from shared.domain.accounts import Account, Names
from shared.domain.billed import BilledDay
from shared.domain.priced import PricedDay, PricedMonth
from shared.domain.settings import TenantSettings
from shared.domain.tenancy import AuditEntry, Member, Retention, Tenant
from shared.domain.usage import UsageBucket, UsageDay
from shared.messages import Message


class AccountStore(Protocol):
    def create(self, account: Account) -> None: ...

    def get(self, tenant_id: str, account_id: str) -> Account | None: ...

    def get_versioned(self, tenant_id: str, account_id: str) -> tuple[Account, str] | None:
        """The account and an opaque version of its document, which any write to it changes (for a write
        guarded by `LedgerUnitOfWork.update_account`)."""
        ...

    def list(self, tenant_id: str) -> list[Account]: ...

    def save(self, account: Account) -> None: ...

    def update(self, tenant_id: str, account_id: str, changes: dict[str, Any]) -> None:
        """Set only these fields (never overwrites fields another writer owns)."""
        ...

    def due_for_sync(self, now: datetime) -> Iterator[tuple[str, str]]:
        """(tenant_id, account_id) of every active account due at ``now`` and not leased, streamed."""
        ...

    def stale_tenants(self, now: datetime) -> set[str]:
        """The tenants with an account whose ``stale_at`` has passed (the hourly alert sweep's question)."""
        ...

    def acquire_lease(
        self,
        tenant_id: str,
        account_id: str,
        lease_id: str,
        now: datetime,
        until: datetime,
        wanted: Callable[[Account], bool] | None = None,
    ) -> Account | None:
        """Take the account's sync lease unless another unexpired one is held (or ``wanted`` says the account
        as read needs no sync); the account as it is then, or None when not taken (or the account is gone).
        Atomic: the account is read once, in the same transaction."""
        ...

    def checkpoint(self, tenant_id: str, account_id: str, lease_id: str, changes: dict[str, Any]) -> bool:
        """Apply ``changes`` if the lease is still ``lease_id``'s; False (nothing changed) when another sync
        took it over. Atomic."""
        ...

    def save_names(self, tenant_id: str, account_id: str, names: Names) -> None: ...

    def get_names(self, tenant_id: str, account_ids: Sequence[str]) -> dict[str, Names]: ...


class Contention(Exception):
    """A unit of work lost a race with another writer of the same documents; running it again is safe."""


class AccountChanged(Exception):
    """A unit of work's guarded account update found the account written since its version was read: nothing
    of the unit was written. Not a `Contention`: running the same unit again cannot succeed."""


class UsageDays(Protocol):
    """Raw usage as read from the provider: one record per account and UTC day, one entry per hour."""

    def get(self, day: date) -> UsageDay | None: ...

    def put_hours(self, buckets: Sequence[UsageBucket]) -> None:
        """Store these hours, each replacing whatever that hour held; the day's other hours stay."""
        ...

    def hour_hashes(self, days: Sequence[date]) -> dict[datetime, str]:
        """The content hash of every stored hour of these days (to skip rewriting unchanged hours)."""
        ...

    def compact(self, days: Sequence[date]) -> int:
        """Store each of these days, if it was written hour by hour, as one packed record (the same hours, a
        fraction of the bytes): for settled days, which no sync rewrites hour by hour any more. Returns how
        many were rewritten."""
        ...

    def put_billed(self, days: Sequence[BilledDay]) -> None:
        """Store each day's billed ledger whole (read back through `BilledCostStore`); the day's hours stay.
        Staged in the same unit as the day's hours, both are one document write."""
        ...


class PricedDays(Protocol):
    def get(self, day: date) -> PricedDay | None: ...

    def put(self, day: PricedDay) -> None: ...


class PricedMonths(Protocol):
    def get(self, month: date) -> PricedMonth | None: ...

    def put(self, month: PricedMonth) -> None: ...


class LedgerUnitOfWork(Protocol):
    """One account's raw and priced usage, changed atomically: ``with uow: ...; uow.commit()``.

    Reads see a consistent state; writes happen at ``commit`` all together or not at all. Leaving the
    block without committing rolls back. ``commit`` raises `Contention` when another writer changed what
    was read: the caller runs the unit again.
    """

    @property
    def usage(self) -> UsageDays: ...

    @property
    def priced(self) -> PricedDays: ...

    @property
    def months(self) -> PricedMonths: ...

    def update_account(self, changes: dict[str, Any], version: str) -> None:
        """Also set these fields of the account, in the same commit, only if its document is still at
        ``version`` (`AccountStore.get_versioned`); else ``commit`` writes nothing and raises `AccountChanged`."""
        ...

    def __enter__(self) -> LedgerUnitOfWork: ...

    def __exit__(self, *exc: object) -> None: ...

    def commit(self) -> None: ...

    def rollback(self) -> None: ...


UnitOfWorkFactory = Callable[[str, str], LedgerUnitOfWork]
"""(tenant_id, account_id) -> a unit of work over that account's ledger."""


class LedgerStore(Protocol):
    """Reads of priced usage, for the ledger read model (shared.ledger) only."""

    def read(
        self,
        tenant_id: str,
        months: Sequence[tuple[str, date]],
        days: Sequence[tuple[str, date]],
        *,
        month_parts: frozenset[str] = frozenset({"rows"}),
        hour_days: Sequence[tuple[str, date]] = (),
    ) -> tuple[builtins.list[PricedMonth], builtins.list[PricedDay]]:
        """The stored month rollups and priced days of these (account, month/day) keys.

        Args:
            month_parts: which tables of a month to read: ``rows`` (the month's sums), ``daily``, ``recent``
                (the hourly spend of its newest days).
            hour_days: the days whose per-hour quantities are needed (the others come without).
        """
        ...


class Publisher(Protocol):
    def publish(self, topic: str, message: Message) -> None:
        """Publish one message and wait until Pub/Sub has it."""
        ...

    def publish_all(self, topic: str, messages: Iterable[Message]) -> int:
        """Publish many messages, batched, and wait until Pub/Sub has them all; returns how many."""
        ...


class SecretStore(Protocol):
    """Where provider keys live. Firestore only ever holds the opaque, sealed reference returned here."""

    def put(self, tenant_id: str, account_id: str, api_key: str) -> str: ...

    def get(self, tenant_id: str, account_id: str, ref: str) -> str: ...

    def replace(self, tenant_id: str, account_id: str, ref: str, api_key: str) -> str:
        """Store a new key for the account (rotation); the old one is destroyed."""
        ...

    def delete(self, tenant_id: str, account_id: str, ref: str) -> None:
        """Delete the account's key, every version of it."""
        ...


class BilledCostStore(Protocol):
    """The provider's billed cost ledger: one record per account and UTC day, overwritten whole (the
    collector writes it through its unit of work, `UsageDays.put_billed`, beside the day's usage)."""

    def write_days(self, tenant_id: str, account_id: str, days: Sequence[BilledDay]) -> None: ...

    def read_days(self, tenant_id: str, account_ids: Sequence[str], start: date, end: date) -> Iterator[BilledDay]:
        """Stored days in ``[start, end]`` (both inclusive) of these accounts."""
        ...


class TenantSettingsStore(Protocol):
    """A tenant's own settings (its time zone, ...), on the tenant's document."""

    def get_settings(self, tenant_id: str) -> TenantSettings: ...

    def save_settings(self, tenant_id: str, settings: TenantSettings) -> None: ...


class TenantStore(Protocol):
    def get_tenant(self, tenant_id: str) -> Tenant | None: ...

    def create_tenant(self, tenant: Tenant, owner: Member) -> bool:
        """Create the tenant with its first owner; False when it already exists. Atomic."""
        ...

    def set_plan(self, tenant_id: str, plan: str, history_days_override: int | None) -> None: ...

    def set_retention(self, tenant_id: str, retention: Retention | None) -> None:
        """Schedule (or, with None, clear) the deletion of history beyond the window."""
        ...

    def retention_due(self, now: datetime) -> builtins.list[Tenant]:
        """The tenants whose scheduled deletion is due."""
        ...

    def get_member(self, tenant_id: str, user_id: str) -> Member | None: ...

    def list_members(self, tenant_id: str) -> builtins.list[Member]: ...

    def put_member(self, tenant_id: str, member: Member) -> None: ...

    def remove_member(self, tenant_id: str, user_id: str) -> None: ...

    def memberships_of(self, user_id: str) -> builtins.list[tuple[Tenant, Member]]:
        """Every tenant the user is a member of, with the membership."""
        ...


class AuditLog(Protocol):
    def record(self, entry: AuditEntry) -> None: ...

    def entries(self, tenant_id: str, limit: int) -> builtins.list[AuditEntry]: ...


class UsagePurger(Protocol):
    def purge_account_data(self, tenant_id: str, account_id: str) -> int:
        """Delete every usage, cost and billed document of the account; returns how many."""
        ...

    def purge_before(self, tenant_id: str, account_id: str, first: date, cutoff: date) -> int:
        """Delete the account's usage, priced and billed days of ``[first, cutoff)`` and the month rollups of
        the months wholly before ``cutoff``; returns how many deletes. (The cutoff's own month rollup is
        rebuilt by the caller.)"""
        ...
