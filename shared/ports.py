"""The small interfaces the services depend on. Adapters implement them; tests use fakes."""

from __future__ import annotations

import builtins
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Protocol

from shared.domain.accounts import Account
from shared.domain.billed import BilledDay, LedgerState
from shared.domain.priced import CostDay, CostHour
from shared.domain.settings import TenantSettings
from shared.domain.tenancy import AuditEntry, Member, Tenant
from shared.domain.usage import UsageBucket


class AccountStore(Protocol):
    def create(self, account: Account) -> None: ...

    def get(self, tenant_id: str, account_id: str) -> Account | None: ...

    def list(self, tenant_id: str) -> list[Account]: ...

    def save(self, account: Account) -> None: ...

    def update(self, tenant_id: str, account_id: str, changes: dict[str, Any]) -> None:
        """Set only these fields (never overwrites fields another writer owns)."""
        ...

    def due_for_sync(self, now: datetime, limit: int) -> builtins.list[Account]: ...

    def acquire_lease(self, tenant_id: str, account_id: str, now: datetime, until: datetime) -> bool:
        """Take the account's sync lease unless another unexpired one is held. Atomic."""
        ...

    def release_lease(self, tenant_id: str, account_id: str) -> None: ...

    def save_names(self, tenant_id: str, account_id: str, names: Names) -> None: ...

    def get_names(self, tenant_id: str, account_ids: Sequence[str]) -> dict[str, Names]: ...


@dataclass(frozen=True, slots=True)
class Names:
    """Display names for a provider organization's ids."""

    api_keys: dict[str, str] = field(default_factory=dict)
    workspaces: dict[str, str] = field(default_factory=dict)


class UsageStore(Protocol):
    """Raw usage as read from the provider: one document per account and UTC hour."""

    def write_buckets(self, tenant_id: str, account_id: str, buckets: Sequence[UsageBucket]) -> None: ...

    def read_buckets(self, tenant_id: str, account_id: str, start: datetime, end: datetime) -> list[UsageBucket]: ...


class CostStore(Protocol):
    """Priced usage and the daily aggregates the dashboard reads."""

    def rebuild_day(
        self,
        tenant_id: str,
        account_id: str,
        day: date,
        compute: Callable[[list[UsageBucket]], tuple[list[CostHour], CostDay]],
    ) -> CostDay:
        """Read the day's raw buckets and write what ``compute`` makes of them, atomically."""
        ...

    def read_days(self, tenant_id: str, account_ids: Sequence[str], start: date, end: date) -> Iterator[CostDay]: ...

    def read_hours(self, tenant_id: str, account_ids: Sequence[str], start: date, end: date) -> Iterator[CostHour]: ...


class Publisher(Protocol):
    def publish(self, topic: str, message: dict[str, Any], ordering_key: str = "") -> None: ...


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
    """The provider's billed cost ledger: one document per account and UTC day, overwritten whole."""

    def write_days(self, tenant_id: str, account_id: str, days: Sequence[BilledDay]) -> None: ...

    def read_days(self, tenant_id: str, account_ids: Sequence[str], start: date, end: date) -> Iterator[BilledDay]:
        """Stored days in ``[start, end]`` (both inclusive) of these accounts."""
        ...

    def get_state(self, tenant_id: str, account_id: str) -> LedgerState: ...

    def set_state(self, tenant_id: str, account_id: str, state: LedgerState) -> None: ...


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

    def get_member(self, tenant_id: str, user_id: str) -> Member | None: ...

    def list_members(self, tenant_id: str) -> builtins.list[Member]: ...

    def put_member(self, tenant_id: str, member: Member) -> None: ...

    def remove_member(self, tenant_id: str, user_id: str) -> None: ...


class AuditLog(Protocol):
    def record(self, entry: AuditEntry) -> None: ...

    def entries(self, tenant_id: str, limit: int) -> builtins.list[AuditEntry]: ...


class UsagePurger(Protocol):
    def purge_account_data(self, tenant_id: str, account_id: str) -> int:
        """Delete every usage, cost and billed document of the account; returns how many."""
        ...
