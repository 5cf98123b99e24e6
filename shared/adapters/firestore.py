"""Firestore adapters for accounts, raw usage and priced aggregates.

Layout (every path scoped by tenant):
    tenants/{tenant}/accounts/{account}                 the account and its sync state
    tenants/{tenant}/accounts/{account}/meta/names      display names of key and workspace ids
    tenants/{tenant}/accounts/{account}/usage_hours/{YYYY-MM-DDTHH}   raw rows of one hour
    tenants/{tenant}/accounts/{account}/cost_hours/{YYYY-MM-DDTHH}    priced rows of one hour
    tenants/{tenant}/accounts/{account}/cost_days/{YYYY-MM-DD}        the day's priced aggregate
Ids derive from what the document is, so every write is an idempotent overwrite.
"""

from __future__ import annotations

import builtins
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

from google.cloud import firestore

from shared.adapters import codec
from shared.domain.accounts import Account
from shared.domain.priced import CostDay, CostHour
from shared.domain.usage import UsageBucket, hour_id, hours_between
from shared.ports import Names

BATCH_LIMIT = 500  # Firestore's maximum writes per batch


def _chunks(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


class _Base:
    def __init__(self, client: firestore.Client):
        self.db = client

    def _account_ref(self, tenant_id: str, account_id: str) -> Any:
        return self.db.collection("tenants").document(tenant_id).collection("accounts").document(account_id)


class FirestoreAccountStore(_Base):
    def create(self, account: Account) -> None:
        tenant = self.db.collection("tenants").document(account.tenant_id)
        tenant.set({"id": account.tenant_id}, merge=True)
        self._account_ref(account.tenant_id, account.id).create(codec.account_to_doc(account))

    def get(self, tenant_id: str, account_id: str) -> Account | None:
        snap = self._account_ref(tenant_id, account_id).get()
        return codec.account_from_doc(snap.to_dict() or {}) if snap.exists else None

    def list(self, tenant_id: str) -> list[Account]:
        col = self.db.collection("tenants").document(tenant_id).collection("accounts")
        return sorted((codec.account_from_doc(s.to_dict() or {}) for s in col.stream()), key=lambda a: a.created_at)

    def save(self, account: Account) -> None:
        self._account_ref(account.tenant_id, account.id).set(codec.account_to_doc(account))

    def update(self, tenant_id: str, account_id: str, changes: dict[str, Any]) -> None:
        self._account_ref(tenant_id, account_id).update(changes)

    def due_for_sync(self, now: datetime, limit: int) -> builtins.list[Account]:
        # Collection-group query over every tenant's accounts: needs the single-field collection-group
        # index on next_sync_at declared in infra/. Disconnected accounts have next_sync_at null and
        # never match.
        query = (
            self.db.collection_group("accounts")
            .where(filter=firestore.FieldFilter("next_sync_at", "<=", now))
            .order_by("next_sync_at")
            .limit(limit)
        )
        out = []
        for snap in query.stream():
            account = codec.account_from_doc(snap.to_dict() or {})
            if account.active and (account.lease_until is None or account.lease_until <= now):
                out.append(account)
        return out

    def all_accounts(self) -> Iterator[Account]:
        """Every account of every tenant (operations: sealing-key rotation)."""
        for snap in self.db.collection_group("accounts").stream():
            yield codec.account_from_doc(snap.to_dict() or {})

    def acquire_lease(self, tenant_id: str, account_id: str, now: datetime, until: datetime) -> bool:
        ref = self._account_ref(tenant_id, account_id)
        transaction = self.db.transaction()

        @firestore.transactional
        def take(txn: Any) -> bool:
            snap = ref.get(transaction=txn)
            if not snap.exists:
                return False
            held = snap.get("lease_until") if "lease_until" in (snap.to_dict() or {}) else None
            if held is not None and held > now:
                return False
            txn.update(ref, {"lease_until": until})
            return True

        return bool(take(transaction))

    def release_lease(self, tenant_id: str, account_id: str) -> None:
        self._account_ref(tenant_id, account_id).update({"lease_until": None})

    def save_names(self, tenant_id: str, account_id: str, names: Names) -> None:
        ref = self._account_ref(tenant_id, account_id).collection("meta").document("names")
        ref.set({"api_keys": names.api_keys, "workspaces": names.workspaces})

    def get_names(self, tenant_id: str, account_ids: Sequence[str]) -> dict[str, Names]:
        refs = [self._account_ref(tenant_id, a).collection("meta").document("names") for a in account_ids]
        out: dict[str, Names] = {}
        for snap in self.db.get_all(refs):
            if snap.exists:
                data = snap.to_dict() or {}
                account_id = snap.reference.parent.parent.id
                out[account_id] = Names(dict(data.get("api_keys") or {}), dict(data.get("workspaces") or {}))
        return out


class FirestoreUsageStore(_Base):
    def __init__(self, client: firestore.Client, clock: Callable[[], datetime] = lambda: datetime.now(UTC)):
        super().__init__(client)
        self._clock = clock

    def _col(self, tenant_id: str, account_id: str) -> Any:
        return self._account_ref(tenant_id, account_id).collection("usage_hours")

    def write_buckets(self, tenant_id: str, account_id: str, buckets: Sequence[UsageBucket]) -> None:
        col = self._col(tenant_id, account_id)
        now = self._clock()
        for chunk in _chunks(buckets, BATCH_LIMIT):
            batch = self.db.batch()
            for bucket in chunk:
                batch.set(col.document(hour_id(bucket.hour_start)), codec.bucket_to_doc(account_id, bucket, now))
            batch.commit()

    def read_buckets(self, tenant_id: str, account_id: str, start: datetime, end: datetime) -> list[UsageBucket]:
        col = self._col(tenant_id, account_id)
        refs = [col.document(hour_id(h)) for h in hours_between(start, end)]
        snaps = [s for s in self.db.get_all(refs) if s.exists]
        return sorted((codec.bucket_from_doc(s.to_dict() or {}) for s in snaps), key=lambda b: b.hour_start)


class FirestoreCostStore(_Base):
    def __init__(self, client: firestore.Client, clock: Callable[[], datetime] = lambda: datetime.now(UTC)):
        super().__init__(client)
        self._clock = clock

    def rebuild_day(
        self,
        tenant_id: str,
        account_id: str,
        day: date,
        compute: Callable[[list[UsageBucket]], tuple[list[CostHour], CostDay]],
    ) -> CostDay:
        account = self._account_ref(tenant_id, account_id)
        start = datetime(day.year, day.month, day.day, tzinfo=UTC)
        hours = hours_between(start, start + timedelta(days=1))
        raw_refs = [account.collection("usage_hours").document(hour_id(h)) for h in hours]
        cost_hours = account.collection("cost_hours")
        day_ref = account.collection("cost_days").document(day.isoformat())
        transaction = self.db.transaction()

        @firestore.transactional
        def rebuild(txn: Any) -> CostDay:
            # Reading the raw hours inside the transaction makes the rebuild serialise with any write to
            # them: a stale rebuild can never land after a fresh one.
            snaps = list(txn.get_all(raw_refs))
            buckets = [codec.bucket_from_doc(s.to_dict() or {}) for s in snaps if s.exists]
            priced_hours, priced_day = compute(sorted(buckets, key=lambda b: b.hour_start))
            present = {hour_id(h.hour_start) for h in priced_hours}
            for priced in priced_hours:
                txn.set(cost_hours.document(hour_id(priced.hour_start)), codec.cost_hour_to_doc(tenant_id, priced))
            for h in hours:
                if hour_id(h) not in present:
                    txn.delete(cost_hours.document(hour_id(h)))
            txn.set(day_ref, codec.cost_day_to_doc(tenant_id, priced_day, self._clock()))
            return priced_day

        result: CostDay = rebuild(transaction)
        return result

    def read_days(self, tenant_id: str, account_ids: Sequence[str], start: date, end: date) -> Iterator[CostDay]:
        days = [start + timedelta(days=i) for i in range((end - start).days + 1)]
        refs = [
            self._account_ref(tenant_id, a).collection("cost_days").document(d.isoformat())
            for a in account_ids
            for d in days
        ]
        # Only the fields a CostDay is made of: less to transfer and to copy (to_dict deep-copies).
        for snap in self.db.get_all(refs, field_paths=codec.COST_DAY_FIELDS):
            if snap.exists:
                yield codec.cost_day_from_doc(snap.to_dict() or {})

    def read_hours(self, tenant_id: str, account_ids: Sequence[str], start: date, end: date) -> Iterator[CostHour]:
        first = datetime(start.year, start.month, start.day, tzinfo=UTC)
        hours = hours_between(first, first + timedelta(days=(end - start).days + 1))
        refs = [
            self._account_ref(tenant_id, a).collection("cost_hours").document(hour_id(h))
            for a in account_ids
            for h in hours
        ]
        for snap in self.db.get_all(refs):
            if snap.exists:
                yield codec.cost_hour_from_doc(snap.to_dict() or {})
