"""The Firestore adapters on the real emulator: round trips, leases, due accounts, the ledger's unit of work."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from shared.adapters.firestore import FirestoreAccountStore, FirestoreLedgerStore, FirestoreLedgerUnitOfWork
from shared.domain.accounts import STATUS_CONNECTED, STATUS_DISCONNECTED, Account, Names
from shared.domain.priced import build_month
from shared.domain.usage import Dimensions, TokenCounts, UsageBucket, UsageRow
from shared.pricing import PriceQuote, Rates
from shared.services.costing import CostingService

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


def test_lease_is_exclusive_until_it_runs_out_and_checkpoints_need_it(firestore_client) -> None:  # type: ignore[no-untyped-def]
    store = FirestoreAccountStore(firestore_client)
    store.create(account())
    aid = account().id
    taken = store.acquire_lease("t1", aid, "run-1", NOW, NOW + timedelta(minutes=1))
    assert taken is not None and taken.lease_id == "run-1"
    assert store.acquire_lease("t1", aid, "run-2", NOW + timedelta(seconds=30), NOW + timedelta(minutes=2)) is None
    assert store.checkpoint("t1", aid, "run-1", {"status_reason": "chunk 1", "lease_until": NOW + timedelta(minutes=2)})
    # run-1 stops renewing; once its lease ran out, run-2 takes over and run-1's next checkpoint is refused.
    assert store.acquire_lease("t1", aid, "run-2", NOW + timedelta(minutes=3), NOW + timedelta(minutes=4))
    assert not store.checkpoint("t1", aid, "run-1", {"status_reason": "stale"})
    assert store.get("t1", aid).status_reason == "chunk 1"  # type: ignore[union-attr]
    assert store.checkpoint("t1", aid, "run-2", {"lease_until": None, "lease_id": ""})
    # An account the caller does not want as read (disconnected, synced since the request) is not leased.
    assert store.acquire_lease("t1", aid, "run-4", NOW, NOW + timedelta(minutes=1), wanted=lambda a: False) is None
    assert store.get("t1", aid).lease_id == ""  # type: ignore[union-attr]
    assert store.acquire_lease("t1", aid, "run-3", NOW, NOW + timedelta(minutes=1)) is not None
    assert store.acquire_lease("t1", "acc_ffffffffffffffff", "x", NOW, NOW) is None


def test_stale_tenants_are_the_ones_with_an_account_past_its_stale_at(firestore_client) -> None:  # type: ignore[no-untyped-def]
    store = FirestoreAccountStore(firestore_client)
    store.create(replace(account(), tenant_id="stale-1", stale_at=NOW - timedelta(minutes=1)))
    store.create(replace(account(), tenant_id="stale-1", id="acc_00000000000000b2", stale_at=NOW + timedelta(hours=1)))
    store.create(replace(account(), tenant_id="fresh-2", stale_at=NOW + timedelta(hours=5)))
    store.create(replace(account(), tenant_id="gone-3", stale_at=None))  # disconnected
    assert store.stale_tenants(NOW) == {"stale-1"}
    assert store.stale_tenants(NOW + timedelta(hours=6)) == {"stale-1", "fresh-2"}


def test_due_for_sync_spans_tenants_pages_and_skips_disconnected_and_leased(  # type: ignore[no-untyped-def]
    firestore_client, monkeypatch: pytest.MonkeyPatch
) -> None:
    from shared.adapters import firestore as adapters

    monkeypatch.setattr(adapters, "DUE_PAGE", 2)  # every account in its own page or two
    store = FirestoreAccountStore(firestore_client)
    store.create(account(1, "t1", next_sync_at=NOW - timedelta(minutes=5)))
    store.create(account(2, "t2", next_sync_at=NOW - timedelta(minutes=1)))
    store.create(account(3, "t2", next_sync_at=NOW + timedelta(minutes=30)))
    store.create(account(4, "t3", status=STATUS_DISCONNECTED, next_sync_at=None))
    store.create(account(5, "t3", next_sync_at=NOW - timedelta(minutes=1), lease_until=NOW + timedelta(minutes=3)))
    for n in range(6, 11):
        store.create(account(n, "t4", next_sync_at=NOW - timedelta(minutes=2)))
    due = list(store.due_for_sync(NOW))
    assert due[0] == ("t1", account(1).id) and len(due) == 7 and len(set(due)) == 7
    assert ("t3", account(5).id) not in due and ("t2", account(3).id) not in due


def test_names_round_trip(firestore_client) -> None:  # type: ignore[no-untyped-def]
    store = FirestoreAccountStore(firestore_client)
    store.create(account())
    store.save_names("t1", account().id, Names({"k1": "Key one"}, {"w1": "Research"}))
    assert store.get_names("t1", [account().id, "acc_0000000000000009"]) == {
        account().id: Names({"k1": "Key one"}, {"w1": "Research"})
    }


def _bucket(hour: datetime, tokens: int, model: str = "m1") -> UsageBucket:
    return UsageBucket(hour, (UsageRow(hour, Dimensions(model, "k1", None), TokenCounts(output=tokens)),))


def test_hours_overwrite_whole_and_days_and_months_follow_in_one_unit(firestore_client) -> None:  # type: ignore[no-untyped-def]
    def uow(tenant: str = "t1") -> FirestoreLedgerUnitOfWork:
        return FirestoreLedgerUnitOfWork(firestore_client, tenant, "a1", lambda: NOW)

    day = NOW.date()
    h0 = datetime(day.year, day.month, day.day, tzinfo=UTC)
    with uow() as u:
        u.usage.put_hours(
            [
                _bucket(h0, 1_000_000),
                _bucket(h0 + timedelta(hours=1), 2_000_000),
                _bucket(h0 + timedelta(hours=2), 500, "mystery"),
            ]
        )
        u.commit()
    assert u.reads == 0 and u.writes == 1  # three hours of one day: one write, no transaction
    costing = CostingService(uow_factory := (lambda t, a: uow(t)), FlatCatalogue())
    del uow_factory
    outcome = costing.price_days("t1", "a1", "anthropic", [day])
    assert outcome.days_priced == [day]
    store = FirestoreLedgerStore(firestore_client)
    (month,), (built,) = store.read("t1", [("a1", day.replace(day=1))], [("a1", day)], hour_days=[("a1", day)])
    assert built.hours_collected == 3 and month.days == {day: built.version}
    assert sum((r.cost.total for r in built.rows if r.cost), Decimal(0)) == Decimal(3)
    assert [r.unpriced_reason for r in built.rows if r.cost is None] == ["no price known for model mystery"]
    assert [h for h, _ in built.row_hours[0]] == [0, 1]
    # The provider restates hour 1 to nothing: that hour is replaced whole, the others stay, the day follows.
    with uow() as u:
        u.usage.put_hours([UsageBucket(h0 + timedelta(hours=1), ())])
        u.commit()
    with uow() as u:
        assert sorted(u.usage.hour_hashes([day])) == [h0, h0 + timedelta(hours=1), h0 + timedelta(hours=2)]
        raw = u.usage.get(day)
        assert raw is not None and raw.hours[1].rows == () and raw.hours[0].rows
    assert costing.price_days("t1", "a1", "anthropic", [day]).days_priced == [day]
    assert costing.price_days("t1", "a1", "anthropic", [day]).days_priced == []  # nothing changed since
    both = frozenset({"rows", "daily", "recent"})
    (month,), (rebuilt,) = store.read(
        "t1", [("a1", day.replace(day=1))], [("a1", day)], month_parts=both, hour_days=[("a1", day)]
    )
    assert sum((r.cost.total for r in rebuilt.rows if r.cost), Decimal(0)) == Decimal(1)
    assert month == build_month("a1", day.replace(day=1), [rebuilt])
    assert store.read("t2", [("a1", day.replace(day=1))], [("a1", day)]) == ([], [])


def test_a_days_usage_hours_and_billed_ledger_in_one_unit_are_one_write_and_read_apart(firestore_client) -> None:  # type: ignore[no-untyped-def]
    from shared.adapters.firestore_billing import FirestoreBilledCostStore
    from shared.domain.billed import BilledCost, BilledDay

    day, other = NOW.date(), NOW.date() - timedelta(days=1)
    h0 = datetime(day.year, day.month, day.day, tzinfo=UTC)

    def billed(d, amount: str) -> BilledDay:  # type: ignore[no-untyped-def]
        line = BilledCost(
            d,
            "wrkspc_1",
            "claude-opus-4-6",
            "uncached_input_tokens",
            "tokens",
            "standard",
            None,
            None,
            None,
            Decimal(amount),
        )
        return BilledDay("a1", d, (line,), read_at=NOW)

    with FirestoreLedgerUnitOfWork(firestore_client, "t1", "a1", lambda: NOW) as u:
        u.usage.put_hours([_bucket(h0, 1_000), _bucket(h0 + timedelta(hours=1), 2_000)])
        u.usage.put_billed([billed(day, "1.25"), billed(other, "7")])
        u.commit()
    # Today's hours and billed lines: one document write; yesterday's billed lines alone: one more.
    assert u.writes == 2
    store = FirestoreBilledCostStore(firestore_client)
    assert {b.day: b for b in store.read_days("t1", ["a1"], other, day)} == {
        day: billed(day, "1.25"),
        other: billed(other, "7"),
    }
    with FirestoreLedgerUnitOfWork(firestore_client, "t1", "a1", lambda: NOW) as u:
        raw = u.usage.get(day)
        assert raw is not None and sorted(raw.hours) == [0, 1]
        assert u.usage.get(other) is None  # billed lines only: no usage was collected for the day
    # The report restates today: its lines are replaced whole, the usage hours stay; and new hours leave the
    # billed lines alone.
    store.write_days("t1", "a1", [BilledDay("a1", day, (), read_at=NOW)])
    with FirestoreLedgerUnitOfWork(firestore_client, "t1", "a1", lambda: NOW) as u:
        u.usage.put_hours([_bucket(h0 + timedelta(hours=2), 3_000)])
        u.commit()
    assert [b.lines for b in store.read_days("t1", ["a1"], day, day)] == [()]
    with FirestoreLedgerUnitOfWork(firestore_client, "t1", "a1", lambda: NOW) as u:
        raw = u.usage.get(day)
        assert raw is not None and sorted(raw.hours) == [0, 1, 2]


def test_a_guarded_account_update_lands_with_the_units_writes_or_nothing_does(firestore_client) -> None:  # type: ignore[no-untyped-def]
    from shared.ports import AccountChanged

    store = FirestoreAccountStore(firestore_client)
    store.create(account(1))
    acc = account(1)
    found = store.get_versioned("t1", acc.id)
    assert found is not None and found[0] == acc
    day = NOW.date()
    h0 = datetime(day.year, day.month, day.day, tzinfo=UTC)

    def unit() -> FirestoreLedgerUnitOfWork:
        return FirestoreLedgerUnitOfWork(firestore_client, "t1", acc.id, lambda: NOW)

    # Written since the version was read: the whole unit is refused.
    store.update("t1", acc.id, {"name": "Renamed"})
    with unit() as u:
        u.usage.put_hours([_bucket(h0, 1_000)])
        u.update_account({"last_sync_at": NOW}, found[1])
        with pytest.raises(AccountChanged):
            u.commit()
    with unit() as u:
        assert u.usage.get(day) is None
    assert store.get("t1", acc.id) == replace(acc, name="Renamed")
    # At the version read: the hours and the account change land together, in one commit of two writes.
    again = store.get_versioned("t1", acc.id)
    assert again is not None and again[1] != found[1]
    with unit() as u:
        u.usage.put_hours([_bucket(h0, 1_000)])
        u.update_account({"last_sync_at": NOW}, again[1])
        u.commit()
    assert u.writes == 2
    assert store.get("t1", acc.id) == replace(acc, name="Renamed", last_sync_at=NOW)
    with unit() as u:
        assert u.usage.get(day) is not None
    # The same version cannot be used twice: the first write moved it.
    with unit() as u, pytest.raises(AccountChanged):
        u.update_account({"name": "Again"}, again[1])
        u.commit()
    assert store.get("t1", acc.id) == replace(acc, name="Renamed", last_sync_at=NOW)
    # In a unit that read (a transaction: packing days reads them), the guard holds the same way.
    third = store.get_versioned("t1", acc.id)
    assert third is not None
    for version, name in ((found[1], "Stale"), (third[1], "Fresh")):
        with unit() as u:
            u.usage.compact([day])
            u.update_account({"name": name}, version)
            if name == "Stale":
                with pytest.raises(AccountChanged):
                    u.commit()
            else:
                u.commit()
    assert store.get("t1", acc.id) == replace(acc, name="Fresh", last_sync_at=NOW)


def test_a_whole_day_is_written_packed_and_a_day_written_hour_by_hour_is_packed_on_demand(firestore_client) -> None:  # type: ignore[no-untyped-def]
    from shared.adapters import paths
    from shared.adapters.firestore_billing import FirestoreBilledCostStore
    from shared.domain.billed import BilledDay

    def unit() -> FirestoreLedgerUnitOfWork:
        return FirestoreLedgerUnitOfWork(firestore_client, "t1", "a1", lambda: NOW)

    def doc(day):  # type: ignore[no-untyped-def]
        return paths.usage_day(firestore_client, "t1", "a1", day).get().to_dict()

    def rows(n: int, hour: datetime) -> tuple[UsageRow, ...]:
        return tuple(
            UsageRow(hour, Dimensions(f"model-{i % 3}", f"apikey_{i:024d}", "wrkspc_1"), TokenCounts(output=n + i))
            for i in range(20)
        )

    whole, split = NOW.date() - timedelta(days=3), NOW.date() - timedelta(days=2)
    start = {d: datetime(d.year, d.month, d.day, tzinfo=UTC) for d in (whole, split)}
    buckets = {
        d: [UsageBucket(start[d] + timedelta(hours=h), rows(h, start[d] + timedelta(hours=h))) for h in range(24)]
        for d in (whole, split)
    }
    # An import writes a whole day at once: packed. Another is written hour by hour, as hourly syncs do.
    with unit() as u:
        u.usage.put_hours(buckets[whole])
        u.commit()
    for bucket in buckets[split]:
        with unit() as u:
            u.usage.put_hours([bucket])
            u.commit()
    FirestoreBilledCostStore(firestore_client).write_days("t1", "a1", [BilledDay("a1", split, (), read_at=NOW)])
    assert "hours" not in doc(whole) and doc(whole)["packed"] and len(doc(whole)["hashes"]) == 24
    assert "packed" not in doc(split) and len(doc(split)["hours"]) == 24
    hour_by_hour = sum(len(v["rows"]) for v in doc(split)["hours"].values())
    with unit() as u:
        as_written = {d: u.usage.get(d) for d in (whole, split)}
    for d in (whole, split):
        day = as_written[d]
        assert day is not None and [day.hours[h].rows for h in range(24)] == [b.rows for b in buckets[d]]
        assert [day.hours[h].content_hash() for h in range(24)] == [b.content_hash() for b in buckets[d]]
    # Packing on demand: only the day written hour by hour is rewritten; its billed ledger stays.
    with unit() as u:
        assert u.usage.compact([whole, split, NOW.date() - timedelta(days=9)]) == 1
        u.commit()
    assert "hours" not in doc(split) and len(doc(split)["packed"]) < hour_by_hour / 2
    assert [b.day for b in FirestoreBilledCostStore(firestore_client).read_days("t1", ["a1"], split, split)] == [split]
    with unit() as u:
        assert u.usage.get(split) == as_written[split] and u.usage.get(whole) == as_written[whole]
        assert u.usage.hour_hashes([split]) == {b.hour_start: b.content_hash() for b in buckets[split]}
    # An hour restated after the packing is written on its own, and read in place of the packed one.
    restated = UsageBucket(start[split] + timedelta(hours=5), rows(500, start[split] + timedelta(hours=5)))
    with unit() as u:
        u.usage.put_hours([restated])
        u.commit()
    with unit() as u:
        day = u.usage.get(split)
        assert day is not None and day.hours[5].rows == restated.rows and day.hours[4].rows == buckets[split][4].rows
        assert u.usage.compact([split]) == 1  # and packed again, with it
        u.commit()
    with unit() as u:
        assert u.usage.get(split) == day


def test_a_unit_left_without_commit_writes_nothing(firestore_client) -> None:  # type: ignore[no-untyped-def]
    day = NOW.date()
    with FirestoreLedgerUnitOfWork(firestore_client, "t1", "a1", lambda: NOW) as u:
        u.priced.get(day)  # begins the transaction
        u.usage.put_hours([_bucket(datetime(day.year, day.month, day.day, tzinfo=UTC), 5)])
    with FirestoreLedgerUnitOfWork(firestore_client, "t1", "a1", lambda: NOW) as u:
        assert u.usage.get(day) is None


def test_stored_alerts_are_found_in_one_read_with_whether_they_were_published(firestore_client) -> None:  # type: ignore[no-untyped-def]
    from shared.adapters.firestore_alerts import FirestoreAlertStore
    from shared.alerts.model import KIND_BUDGET, Alert

    store = FirestoreAlertStore(firestore_client)
    alert = Alert(
        tenant_id="t-alerts",
        id="alr_0000000000000001",
        kind=KIND_BUDGET,
        rule_id="bud_1",
        period="2026-11",
        threshold="80",
        severity="warning",
        title="Budget reached 80%",
        message="...",
        created_at=NOW,
        details={},
        channel_ids=(),
    )
    assert store.existing("t-alerts", []) == {}
    assert store.create_if_absent(alert) and not store.create_if_absent(alert)
    assert store.existing("t-alerts", [alert.id, "alr_missing"]) == {alert.id: False}
    store.mark_published("t-alerts", alert.id)
    assert store.existing("t-alerts", [alert.id]) == {alert.id: True}
    assert store.existing("t-other", [alert.id]) == {}
