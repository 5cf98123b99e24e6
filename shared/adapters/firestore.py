"""Firestore adapters for accounts and the ledger (raw usage days, priced days, month rollups).

Paths come from shared.adapters.paths; documents from shared.adapters.codec.
"""

from __future__ import annotations

import builtins
import contextlib
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, date, datetime
from typing import Any

from google.api_core import exceptions as gexc
from google.cloud import firestore
from google.protobuf.timestamp_pb2 import Timestamp

from shared.adapters import codec, paths
from shared.domain.accounts import Account, Names
from shared.domain.billed import BilledDay
from shared.domain.priced import PricedDay, PricedMonth
from shared.domain.usage import UsageBucket, UsageDay
from shared.ports import AccountChanged, Contention

BATCH_LIMIT = 500  # Firestore's maximum writes per batch
DUE_PAGE = 1000
"""Accounts read per page when streaming due accounts (bounds the dispatcher's memory at any count)."""


def _chunks(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


class FirestoreAccountStore:
    def __init__(self, client: firestore.Client):
        self.db = client

    def _ref(self, tenant_id: str, account_id: str) -> Any:
        return paths.account(self.db, tenant_id, account_id)

    def create(self, account: Account) -> None:
        paths.tenant(self.db, account.tenant_id).set({"id": account.tenant_id}, merge=True)
        self._ref(account.tenant_id, account.id).create(codec.account_to_doc(account))

    def get(self, tenant_id: str, account_id: str) -> Account | None:
        snap = self._ref(tenant_id, account_id).get()
        return codec.account_from_doc(snap.to_dict() or {}) if snap.exists else None

    def get_versioned(self, tenant_id: str, account_id: str) -> tuple[Account, str] | None:
        snap = self._ref(tenant_id, account_id).get()
        if not snap.exists:
            return None
        # The document's update time, to the nanosecond: what a precondition compares.
        return codec.account_from_doc(snap.to_dict() or {}), snap.update_time.timestamp_pb().ToJsonString()

    def list(self, tenant_id: str) -> list[Account]:
        col = paths.tenant_collection(self.db, tenant_id, paths.ACCOUNTS)
        return sorted((codec.account_from_doc(s.to_dict() or {}) for s in col.stream()), key=lambda a: a.created_at)

    def save(self, account: Account) -> None:
        self._ref(account.tenant_id, account.id).set(codec.account_to_doc(account))

    def update(self, tenant_id: str, account_id: str, changes: dict[str, Any]) -> None:
        self._ref(tenant_id, account_id).update(codec.account_changes(changes))

    def due_for_sync(self, now: datetime) -> Iterator[tuple[str, str]]:
        # Collection-group query over every tenant's accounts: needs the single-field collection-group
        # index on next_sync_at declared in infra/. Disconnected accounts have next_sync_at null and never
        # match. Paged by a cursor and reading only what the decision needs, so any number of due accounts
        # streams in bounded memory.
        query = (
            self.db.collection_group(paths.ACCOUNTS)
            .where(filter=firestore.FieldFilter("next_sync_at", "<=", now))
            .order_by("next_sync_at")
            .select(["tenant_id", "id", "status", "lease_until", "next_sync_at"])
            .limit(DUE_PAGE)
        )
        last = None
        while True:
            page = list((query.start_after(last) if last is not None else query).stream())
            for snap in page:
                data = snap.to_dict() or {}
                lease = codec.utc_timestamp(data.get("lease_until"))
                if data.get("status") != "disconnected" and (lease is None or lease <= now):
                    yield str(data["tenant_id"]), str(data["id"])
            if len(page) < DUE_PAGE:
                return
            last = page[-1]

    def stale_tenants(self, now: datetime) -> set[str]:
        # Collection-group query on stale_at (its collection-group index is declared in infra/): only accounts
        # past it are read, so a healthy deployment's hourly sweep reads nothing.
        query = (
            self.db.collection_group(paths.ACCOUNTS)
            .where(filter=firestore.FieldFilter("stale_at", "<=", now))
            .select(["tenant_id"])
        )
        return {str((s.to_dict() or {})["tenant_id"]) for s in query.stream()}

    def all_accounts(self) -> Iterator[Account]:
        """Every account of every tenant (operations: sealing-key rotation)."""
        for snap in self.db.collection_group(paths.ACCOUNTS).stream():
            yield codec.account_from_doc(snap.to_dict() or {})

    def acquire_lease(
        self,
        tenant_id: str,
        account_id: str,
        lease_id: str,
        now: datetime,
        until: datetime,
        wanted: Callable[[Account], bool] | None = None,
    ) -> Account | None:
        ref = self._ref(tenant_id, account_id)
        transaction = self.db.transaction()

        @firestore.transactional
        def take(txn: Any) -> Account | None:
            snap = ref.get(transaction=txn)
            if not snap.exists:
                return None
            account = codec.account_from_doc(snap.to_dict() or {})
            if account.lease_until is not None and account.lease_until > now:
                return None
            if wanted is not None and not wanted(account):
                return None
            txn.update(ref, {"lease_until": until, "lease_id": lease_id})
            return account.with_changes(lease_until=until, lease_id=lease_id)

        taken: Account | None = take(transaction)
        return taken

    def checkpoint(self, tenant_id: str, account_id: str, lease_id: str, changes: dict[str, Any]) -> bool:
        ref = self._ref(tenant_id, account_id)
        transaction = self.db.transaction()

        @firestore.transactional
        def write(txn: Any) -> bool:
            snap = ref.get(transaction=txn, field_paths=["lease_id"])
            if not snap.exists or (snap.to_dict() or {}).get("lease_id") != lease_id:
                return False
            txn.update(ref, codec.account_changes(changes))
            return True

        return bool(write(transaction))

    def save_names(self, tenant_id: str, account_id: str, names: Names) -> None:
        ref = paths.meta(self.db, tenant_id, account_id, paths.NAMES_DOC)
        ref.set({"api_keys": names.api_keys, "workspaces": names.workspaces})

    def get_names(self, tenant_id: str, account_ids: Sequence[str]) -> dict[str, Names]:
        refs = [paths.meta(self.db, tenant_id, a, paths.NAMES_DOC) for a in account_ids]
        out: dict[str, Names] = {}
        for snap in self.db.get_all(refs):
            if snap.exists:
                data = snap.to_dict() or {}
                account_id = snap.reference.parent.parent.id
                out[account_id] = Names(dict(data.get("api_keys") or {}), dict(data.get("workspaces") or {}))
        return out


# --------------------------------------------------------------------------------------------------
# The ledger's unit of work


class FirestoreLedgerUnitOfWork:
    """One account's ledger in one Firestore transaction (a plain batch when nothing was read).

    The transaction begins at the first read, so a unit that only writes (the collector storing hours)
    costs no transaction round trip. Firestore's server locks what a transaction read: a concurrent
    writer of those documents either waits or aborts this unit, which then raises `Contention`.
    """

    def __init__(self, client: firestore.Client, tenant_id: str, account_id: str, clock: Callable[[], datetime]):
        self.db = client
        self.tenant_id = tenant_id
        self.account_id = account_id
        self.clock = clock
        self.usage = _UsageDays(self)
        self.priced = _PricedDays(self)
        self.months = _PricedMonths(self)
        self._txn: Any = None
        self._writes: list[tuple[Any, dict[str, Any], Any]] = []
        self._account: tuple[dict[str, Any], str] | None = None
        self.reads = 0
        self.writes = 0

    def __enter__(self) -> FirestoreLedgerUnitOfWork:
        self._txn, self._writes, self._account = None, [], None
        return self

    def __exit__(self, *exc: object) -> None:
        self.rollback()

    def read(self, refs: Sequence[Any], field_paths: Sequence[str] | None = None) -> list[Any]:
        if self._txn is None:
            self._txn = self.db.transaction()
            try:
                self._txn._begin()
            except gexc.Aborted as exc:
                raise Contention(str(exc)) from exc
        try:
            snaps = list(self.db.get_all(list(refs), field_paths=field_paths, transaction=self._txn))
        except (gexc.Aborted, gexc.Conflict) as exc:
            raise Contention(str(exc)) from exc
        self.reads += len(refs)
        return snaps

    def write(self, ref: Any, data: dict[str, Any], merge: Any = False) -> None:
        self._writes.append((ref, data, merge))

    def update_account(self, changes: dict[str, Any], version: str) -> None:
        self._account = (codec.account_changes(changes), version)

    def commit(self) -> None:
        writes, self._writes = _coalesced(self._writes), []
        account, self._account = self._account, None
        if account is not None and len(writes) >= BATCH_LIMIT:
            raise ValueError("a guarded account update needs its unit's writes in one batch")
        try:
            if self._txn is not None:
                for ref, data, merge in writes:
                    self._txn.set(ref, data, merge=merge)
                if account is not None:
                    self._txn.update(*self._guarded(account))
                self._txn._commit()
                self._txn = None
            else:
                for chunk in _chunks(writes, BATCH_LIMIT) if writes else [[]]:
                    batch = self.db.batch()
                    for ref, data, merge in chunk:
                        batch.set(ref, data, merge=merge)
                    if account is not None:  # one batch (checked above): the writes land with it or not at all
                        batch.update(*self._guarded(account))
                    if chunk or account is not None:
                        batch.commit()
        except gexc.FailedPrecondition as exc:
            self.rollback()
            raise AccountChanged(str(exc)) from exc
        except (gexc.Aborted, gexc.Conflict) as exc:
            self.rollback()
            raise Contention(str(exc)) from exc
        self.writes += len(writes) + (account is not None)

    def _guarded(self, account: tuple[dict[str, Any], str]) -> tuple[Any, dict[str, Any], Any]:
        changes, version = account
        stamp = Timestamp()
        stamp.FromJsonString(version)
        option = self.db.write_option(last_update_time=stamp)
        return paths.account(self.db, self.tenant_id, self.account_id), changes, option

    def rollback(self) -> None:
        self._writes, self._account = [], None
        txn, self._txn = self._txn, None
        if txn is not None and txn.in_progress:
            with contextlib.suppress(gexc.GoogleAPICallError):  # the server drops an abandoned one by itself
                txn._rollback()


def _coalesced(writes: Sequence[tuple[Any, dict[str, Any], Any]]) -> list[tuple[Any, dict[str, Any], Any]]:
    """The unit's writes with those to the same document merged into one: Firestore bills each document
    written, so a day's usage hours and its billed ledger staged in one unit cost one write. Only field-path
    merges combine (their fields are disjoint or the later wins, as two writes in order would leave them);
    a whole-document write is kept as it is, in its place."""
    out: list[tuple[Any, dict[str, Any], Any]] = []
    last: dict[str, int] = {}  # the index in ``out`` of each document's latest write
    for ref, data, merge in writes:
        at = last.get(ref.path)
        held = out[at] if at is not None else None
        if held is not None and isinstance(held[2], list) and isinstance(merge, list):
            out[at] = (ref, _merged(held[1], data), [*held[2], *(m for m in merge if m not in held[2])])  # type: ignore[index]
        else:
            last[ref.path] = len(out)
            out.append((ref, data, merge))
    return out


def _merged(a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
    out = dict(a)
    for key, value in b.items():
        held = out.get(key)
        out[key] = _merged(held, value) if isinstance(held, dict) and isinstance(value, dict) else value
    return out


class _UsageDays:
    def __init__(self, uow: FirestoreLedgerUnitOfWork):
        self.uow = uow

    def _ref(self, day: date) -> Any:
        return paths.usage_day(self.uow.db, self.uow.tenant_id, self.uow.account_id, day)

    def get(self, day: date) -> UsageDay | None:
        (snap,) = self.uow.read([self._ref(day)])
        doc = (snap.to_dict() or {}) if snap.exists else {}
        # A raw day document may hold only the day's billed ledger: no usage was collected for it.
        return codec.usage_day_from_doc(self.uow.account_id, day, doc) if codec.holds_usage(doc) else None

    def hour_hashes(self, days: Sequence[date]) -> dict[datetime, str]:
        out: dict[datetime, str] = {}
        for snap in self.uow.read([self._ref(d) for d in days], field_paths=["hashes"]):
            if snap.exists:
                day = date.fromisoformat(snap.id)
                out.update(codec.usage_hour_hashes(day, snap.to_dict() or {}))
        return out

    def put_hours(self, buckets: Sequence[UsageBucket]) -> None:
        now = self.uow.clock()
        by_day: dict[date, dict[str, UsageBucket]] = {}
        for bucket in buckets:
            hour = bucket.hour_start.astimezone(UTC)
            by_day.setdefault(hour.date(), {})[f"{hour.hour:02d}"] = bucket
        for day, day_buckets in by_day.items():
            if len(day_buckets) == 24:
                # A whole day at once (an import): written packed, replacing whatever the day held.
                entries = {h: codec.usage_hour_entry(b, now) for h, b in day_buckets.items()}
                self.uow.write(self._ref(day), *codec.packed_day_doc(self.uow.account_id, day, entries))
                continue
            hours = {h: codec.usage_hour_field(b, now) for h, b in day_buckets.items()}
            doc = {
                "account_id": self.uow.account_id,
                "day": day.isoformat(),
                "hours": hours,
                "hashes": {h: v["hash"] for h, v in hours.items()},
            }
            # Each hour replaces that hour whole (a restated hour loses its old rows); other hours stay.
            merge = ["account_id", "day", *(f"hours.`{h}`" for h in hours), *(f"hashes.`{h}`" for h in hours)]
            self.uow.write(self._ref(day), doc, merge=merge)

    def compact(self, days: Sequence[date]) -> int:
        compacted = 0
        for snap in self.uow.read([self._ref(d) for d in days]):
            doc = (snap.to_dict() or {}) if snap.exists else {}
            if doc.get("hours"):
                day = date.fromisoformat(snap.id)
                entries = codec.day_entries(doc)
                self.uow.write(snap.reference, *codec.packed_day_doc(self.uow.account_id, day, entries))
                compacted += 1
        return compacted

    def put_billed(self, days: Sequence[BilledDay]) -> None:
        for billed in days:
            doc, merge = codec.billed_day_write(self.uow.account_id, billed)
            self.uow.write(self._ref(billed.day), doc, merge=merge)


class _PricedDays:
    def __init__(self, uow: FirestoreLedgerUnitOfWork):
        self.uow = uow

    def _ref(self, day: date) -> Any:
        return paths.priced_day(self.uow.db, self.uow.tenant_id, self.uow.account_id, day)

    def get(self, day: date) -> PricedDay | None:
        (snap,) = self.uow.read([self._ref(day)])
        return codec.priced_day_from_doc(snap.to_dict() or {}) if snap.exists else None

    def put(self, day: PricedDay) -> None:
        self.uow.write(self._ref(day.day), codec.priced_day_to_doc(self.uow.tenant_id, day, self.uow.clock()))


class _PricedMonths:
    def __init__(self, uow: FirestoreLedgerUnitOfWork):
        self.uow = uow

    def _ref(self, month: date) -> Any:
        return paths.priced_month(self.uow.db, self.uow.tenant_id, self.uow.account_id, month)

    def get(self, month: date) -> PricedMonth | None:
        (snap,) = self.uow.read([self._ref(month)])
        return codec.priced_month_from_doc(snap.to_dict() or {}) if snap.exists else None

    def put(self, month: PricedMonth) -> None:
        self.uow.write(self._ref(month.month), codec.priced_month_to_doc(self.uow.tenant_id, month, self.uow.clock()))


# --------------------------------------------------------------------------------------------------
# Ledger reads


_DAY_FIELDS = ["account_id", "day", "catalogue_version", "source_hash", "hours_collected", "rows"]
_MONTH_FIELDS = ["account_id", "month", "days"]


class FirestoreLedgerStore:
    """Batched reads of month rollups and priced days (shared.ledger reads through this only)."""

    def __init__(self, client: firestore.Client):
        self.db = client

    def read(
        self,
        tenant_id: str,
        months: Sequence[tuple[str, date]],
        days: Sequence[tuple[str, date]],
        *,
        month_parts: frozenset[str] = frozenset({"rows"}),
        hour_days: Sequence[tuple[str, date]] = (),
    ) -> tuple[builtins.list[PricedMonth], builtins.list[PricedDay]]:
        with_hours = set(hour_days)
        month_refs = [paths.priced_month(self.db, tenant_id, a, m) for a, m in months]
        plain_refs = [paths.priced_day(self.db, tenant_id, a, d) for a, d in days if (a, d) not in with_hours]
        hour_refs = [paths.priced_day(self.db, tenant_id, a, d) for a, d in days if (a, d) in with_hours]
        # Month and day documents name their tables differently, so one field mask reads the months' wanted
        # tables and the days' rows in one round trip; days whose hours are needed are a second read.
        month_fields = [
            *_MONTH_FIELDS,
            *({"rows": "month_rows", "daily": "daily", "recent": "recent"}[p] for p in sorted(month_parts)),
        ]
        reads: list[tuple[list[Any], list[str]]] = []
        if month_refs or plain_refs:
            reads.append(([*month_refs, *plain_refs], [*month_fields, *_DAY_FIELDS]))
        if hour_refs:
            reads.append((hour_refs, [*_DAY_FIELDS, "hours"]))
        out_months: list[PricedMonth] = []
        out_days: list[PricedDay] = []
        for refs, fields in reads:
            for snap in self.db.get_all(refs, field_paths=fields):
                if not snap.exists:
                    continue
                data = snap.to_dict() or {}
                if "month" in data:
                    out_months.append(codec.priced_month_from_doc(data))
                else:
                    out_days.append(codec.priced_day_from_doc(data))
        return out_months, out_days
