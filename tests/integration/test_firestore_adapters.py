"""The Firestore adapters on the real emulator: round trips, leases, due accounts, rebuilds."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from shared.adapters.firestore import FirestoreAccountStore, FirestoreCostStore, FirestoreUsageStore
from shared.domain.accounts import STATUS_CONNECTED, STATUS_DISCONNECTED, Account
from shared.domain.usage import Dimensions, TokenCounts, UsageBucket, UsageRow
from shared.ports import Names
from shared.pricing import PriceQuote, Rates
from shared.pricing.costing import price_day

pytestmark = pytest.mark.emulators
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


class FlatCatalogue:
    version = "flat-1"

    def quote(self, provider: str, dims: Dimensions, used_at: datetime) -> PriceQuote:
        if dims.model == "mystery":
            return PriceQuote(None, self.version, unpriced_reason="no price known for model mystery")
        one = Decimal(1)
        return PriceQuote(Rates(one, one, one, one, one, Decimal("0.01")), self.version, model_ref=dims.model)


def account(n: int = 1, tenant: str = "t1", **kw) -> Account:  # type: ignore[no-untyped-def]
    base = dict(
        tenant_id=tenant,
        id=f"acc_{n:016x}",
        provider="anthropic",
        name=f"A{n}",
        status=STATUS_CONNECTED,
        created_at=NOW,
        history_start=NOW - timedelta(days=30),
        history_days=30,
        next_sync_at=NOW,
    )
    base.update(kw)
    return Account(**base)  # type: ignore[arg-type]


def test_account_round_trip_keeps_utc_times(firestore_client) -> None:  # type: ignore[no-untyped-def]
    store = FirestoreAccountStore(firestore_client)
    a = account(synced_through=NOW, organization_id="org_1")
    store.create(a)
    assert store.get("t1", a.id) == a
    assert store.get("t2", a.id) is None  # tenant-scoped paths
    store.update("t1", a.id, {"status_reason": "x"})
    assert store.get("t1", a.id).status_reason == "x"  # type: ignore[union-attr]


def test_lease_is_exclusive_until_released_or_expired(firestore_client) -> None:  # type: ignore[no-untyped-def]
    store = FirestoreAccountStore(firestore_client)
    store.create(account())
    aid = account().id
    assert store.acquire_lease("t1", aid, NOW, NOW + timedelta(minutes=10))
    assert not store.acquire_lease("t1", aid, NOW + timedelta(minutes=1), NOW + timedelta(minutes=11))
    assert store.acquire_lease("t1", aid, NOW + timedelta(minutes=11), NOW + timedelta(minutes=20))  # expired
    store.release_lease("t1", aid)
    assert store.acquire_lease("t1", aid, NOW, NOW + timedelta(minutes=5))
    assert not store.acquire_lease("t1", "acc_ffffffffffffffff", NOW, NOW)


def test_due_for_sync_spans_tenants_and_skips_disconnected_and_leased(firestore_client) -> None:  # type: ignore[no-untyped-def]
    store = FirestoreAccountStore(firestore_client)
    store.create(account(1, "t1", next_sync_at=NOW - timedelta(minutes=5)))
    store.create(account(2, "t2", next_sync_at=NOW - timedelta(minutes=1)))
    store.create(account(3, "t2", next_sync_at=NOW + timedelta(minutes=30)))
    store.create(account(4, "t3", status=STATUS_DISCONNECTED, next_sync_at=None))
    store.create(account(5, "t3", next_sync_at=NOW - timedelta(minutes=1), lease_until=NOW + timedelta(minutes=3)))
    due = store.due_for_sync(NOW, 100)
    assert [(a.tenant_id, a.id) for a in due] == [("t1", account(1).id), ("t2", account(2).id)]


def test_names_round_trip(firestore_client) -> None:  # type: ignore[no-untyped-def]
    store = FirestoreAccountStore(firestore_client)
    store.create(account())
    store.save_names("t1", account().id, Names({"k1": "Key one"}, {"w1": "Research"}))
    assert store.get_names("t1", [account().id, "acc_0000000000000009"]) == {
        account().id: Names({"k1": "Key one"}, {"w1": "Research"})
    }


def _bucket(hour: datetime, tokens: int, model: str = "m1") -> UsageBucket:
    return UsageBucket(hour, (UsageRow(hour, Dimensions(model, "k1", None), TokenCounts(output=tokens)),))


def test_buckets_overwrite_whole_and_days_rebuild_from_what_is_stored(firestore_client) -> None:  # type: ignore[no-untyped-def]
    usage = FirestoreUsageStore(firestore_client)
    costs = FirestoreCostStore(firestore_client)
    day = NOW.date()
    h0 = datetime(day.year, day.month, day.day, tzinfo=UTC)
    usage.write_buckets(
        "t1",
        "a1",
        [
            _bucket(h0, 1_000_000),
            _bucket(h0 + timedelta(hours=1), 2_000_000),
            _bucket(h0 + timedelta(hours=2), 500, "mystery"),
        ],
    )
    cat = FlatCatalogue()

    def compute(buckets):  # type: ignore[no-untyped-def]
        return price_day("a1", "anthropic", day, buckets, cat)

    built = costs.rebuild_day("t1", "a1", day, compute)
    assert built.hours_collected == 3
    assert sum((r.cost.total for r in built.rows if r.cost), Decimal(0)) == Decimal(3)
    assert [r.unpriced_reason for r in built.rows if r.cost is None] == ["no price known for model mystery"]
    # the provider restates hour 1 to nothing: the bucket is replaced whole, the rebuild follows
    usage.write_buckets("t1", "a1", [UsageBucket(h0 + timedelta(hours=1), ())])
    rebuilt = costs.rebuild_day("t1", "a1", day, compute)
    assert sum((r.cost.total for r in rebuilt.rows if r.cost), Decimal(0)) == Decimal(1)
    assert list(costs.read_days("t1", ["a1"], day, day)) == [rebuilt]
    assert list(costs.read_days("t2", ["a1"], day, day)) == []
    hours = list(costs.read_hours("t1", ["a1"], day, day))
    assert [h.hour_start for h in hours] == [h0, h0 + timedelta(hours=1), h0 + timedelta(hours=2)]
    assert hours[1].rows == ()
