"""The collector against the simulated Anthropic Admin API (a real HTTP server), with fake stores.

The simulator is the oracle: what it serves per hour is what must be stored, and its own list-price
costing is what our costing must reproduce to the cent.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import httpx
import pytest

from local.anthropic_sim import AnthropicSimulator, SimOrganization, UsageProfile
from shared.domain.accounts import LEASE, STATUS_CONNECTED, STATUS_ERROR, STATUS_SYNCING, Account, Names
from shared.domain.money import to_cents
from shared.domain.priced import build_month
from shared.domain.usage import UsageDay, merge_rows
from shared.messages import UsageCollected
from shared.pricing import default_catalogue
from shared.pricing.costing import price_day
from shared.providers.anthropic import AnthropicAdminClient, parse_usage_result
from shared.services.billing import BilledLedgerCollector
from shared.services.collector import CHUNK_HOURS, CollectorService, LeaseHeld, names_digest
from shared.services.costing import CostingService
from shared.services.usage_query import UsageQuery, UsageQueryService
from tests.fakes import (
    FakeAccountStore,
    FakeClock,
    FakeLedger,
    MemorySecretStore,
    RecordingPublisher,
)

NOW = datetime(2026, 11, 20, 14, 25, tzinfo=UTC)
KEY = "sk-ant-admin01-" + "T" * 40 + "test"


class Rig:
    def __init__(self, sim: AnthropicSimulator, history_days: int = 30, budget: float = 300.0):
        self.sim = sim
        self.clock = FakeClock(NOW)
        self.mono = [0.0]
        self.sleeps: list[float] = []
        self.accounts = FakeAccountStore()
        self.ledger = FakeLedger()
        self.billed = self.ledger.billed
        self.ledger.accounts = self.accounts
        self.secrets = MemorySecretStore()
        self.publisher = RecordingPublisher()
        self.http = httpx.Client(timeout=10)

        def factory(provider: str, api_key: str, deadline: float) -> AnthropicAdminClient:
            return AnthropicAdminClient(
                api_key,
                base_url=sim.base_url,
                http=self.http,
                deadline=deadline,
                sleep=self.sleeps.append,
                clock=lambda: self.mono[0],
            )

        self.collector = CollectorService(
            accounts=self.accounts,
            ledger=self.ledger,
            secrets=self.secrets,
            publisher=self.publisher,
            client_factory=factory,
            topic_collect_requests="collect",
            topic_usage_collected="collected",
            topic_account_events="events",
            budget_seconds=budget,
            clock=self.clock,
            monotonic=lambda: self.mono[0],
            billed=BilledLedgerCollector(clock=self.clock, monotonic=lambda: self.mono[0]),
        )
        day0 = NOW.replace(hour=0, minute=0, second=0, microsecond=0)
        self.account = Account(
            tenant_id="t1",
            id="acc_0000000000000001",
            provider="anthropic",
            name="Org",
            status=STATUS_SYNCING,
            created_at=NOW,
            history_start=day0 - timedelta(days=history_days),
            history_days=history_days,
            secret_ref=self.secrets.put("t1", "acc_0000000000000001", KEY),
            next_sync_at=NOW,
        )
        self.accounts.create(self.account)

    def collect(self, requested_at: datetime | None = None):  # type: ignore[no-untyped-def]
        return self.collector.collect("t1", self.account.id, requested_at)

    def stored(self) -> Account:
        account = self.accounts.get("t1", self.account.id)
        assert account is not None
        return account

    def price_published(self, messages: list[dict] | None = None) -> CostingService:
        costing = CostingService(self.ledger, default_catalogue())
        for message in self.publisher.on("collected") if messages is None else messages:
            m = UsageCollected.model_validate(message)
            costing.price_days("t1", m.account_id, m.provider, m.days)
        return costing

    def close(self) -> None:
        self.http.close()


@pytest.fixture
def sim() -> Iterator[AnthropicSimulator]:
    s = AnthropicSimulator(now=lambda: NOW)
    s.add_organization(
        SimOrganization(
            id="org_test",
            name="Test Org",
            admin_keys=[KEY],
            workspace_keys=["sk-ant-api03-" + "w" * 40],
            profile=UsageProfile(seed=7, api_keys=4, workspaces=2, combos_per_hour=10),
        )
    )
    s.start()
    yield s
    s.stop()


@pytest.fixture
def rig(sim: AnthropicSimulator) -> Iterator[Rig]:
    r = Rig(sim)
    yield r
    r.close()


def expected_rows(sim: AnthropicSimulator, hour: datetime) -> dict[str, tuple]:
    rows = merge_rows(parse_usage_result(hour, r) for r in sim.usage_rows("org_test", hour))
    return {r.dims.key(): r.tokens.values() for r in rows if r.tokens}


def stored_rows(rig: Rig, hour: datetime) -> dict[str, tuple]:
    bucket = rig.ledger.usage[("t1", rig.account.id, hour.date())][hour.hour]
    return {r.dims.key(): r.tokens.values() for r in bucket.rows}


def test_first_sync_imports_history_exactly_and_with_minimum_requests(rig: Rig) -> None:
    outcome = rig.collect()
    assert outcome.status == "done", outcome
    start = rig.account.history_start
    end = NOW.replace(minute=0) + timedelta(hours=1)
    hours = int((end - start).total_seconds() // 3600)
    assert outcome.hours_read == hours == 30 * 24 + 15
    for h in (start, start + timedelta(hours=200), NOW.replace(minute=0) - timedelta(hours=1)):
        assert stored_rows(rig, h) == expected_rows(rig.sim, h)
    # One usage request per 168 hours, the key and workspace name lists, one cost report request per 31 days.
    assert outcome.provider_requests == math.ceil(hours / 168) + 2 + 1
    account = rig.stored()
    assert account.status == STATUS_CONNECTED and account.synced_through == end
    assert account.coverage == ((start, end),)
    assert account.next_sync_at == NOW + timedelta(hours=1) and account.lease_until is None
    # Newest first (recent spend shows first while an import runs), every day collected announced once.
    messages = rig.publisher.on("collected")
    assert messages[0]["days"][-1] == NOW.date().isoformat()
    announced = {d for m in messages for d in m["days"]}  # a day cut by two chunks is in both
    assert announced == {(start + timedelta(hours=i)).date().isoformat() for i in range(hours)}
    names = rig.accounts.names[("t1", rig.account.id)]
    assert len(names.api_keys) == 4 and len(names.workspaces) >= 2
    assert account.history_progress(NOW)["complete"] is True


def test_hourly_sync_writes_only_what_changed_and_picks_up_restatements(rig: Rig, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from shared.providers import anthropic

    rig.collect()
    restated = NOW.replace(minute=0) - timedelta(hours=30)
    before = stored_rows(rig, restated)
    assert before
    rig.sim.restate("org_test", restated, 0)
    rig.clock.advance(hours=1)
    rig.publisher.messages.clear()
    writes_before, billed_before, commits_before = rig.ledger.writes, rig.billed.writes, rig.ledger.commits
    parsed: list[datetime] = []
    parse = anthropic.parse_usage_result
    monkeypatch.setattr(anthropic, "parse_usage_result", lambda hour, *a: parsed.append(hour) or parse(hour, *a))
    outcome = rig.collect()
    assert outcome.status == "done"
    assert outcome.hours_read == 48 + 1  # the 48 hours before this one, and the current hour
    assert stored_rows(rig, restated) == {}  # the provider removed it, so must we
    # Only the restated hour and the new current hour changed (the simulator's clock stands still, so the
    # hour that was running is served as before): two hours written, only their days announced to costing.
    assert outcome.hours_written == 2
    # Both changed hours are empty now; the other 47, with their rows, were recognised by the digest of what
    # the report served: not one of their rows was parsed.
    assert parsed == []
    # Two raw days and the account's sync state: one commit, no lease taken or given back.
    assert rig.ledger.writes - writes_before == len({restated.date(), NOW.date()}) + 1
    # The cost report of the restated day changed too: its billed lines went in the same unit as its usage
    # hours, in the same document write (one commit, and no write more than the two days).
    assert rig.billed.writes - billed_before == 1 and rig.ledger.commits - commits_before == 1
    (message,) = rig.publisher.on("collected")
    assert message["days"] == sorted({restated.date().isoformat(), NOW.date().isoformat()})
    # Usage and the cost report of the last 3 days: the key and workspace lists were read an hour ago.
    assert outcome.provider_requests == 1 + 1


def test_settled_days_are_packed_once_all_after_an_import_then_one_a_day(rig: Rig) -> None:
    rig.collect()  # the 30-day import
    settled = (NOW.replace(minute=0) - timedelta(hours=48)).date() - timedelta(days=1)
    first = rig.account.history_start.date()
    assert rig.ledger.compacted == [first + timedelta(days=i) for i in range((settled - first).days + 1)]
    assert rig.stored().compacted_through == settled
    rig.clock.advance(hours=1)
    rig.collect()
    assert len(rig.ledger.compacted) == (settled - first).days + 1  # no day left the window: nothing to pack
    # A day later the next day has left the trailing window: an hourly sync packs it, and only it.
    rig.clock.advance(hours=24)
    rig.collect()
    assert rig.ledger.compacted[-1] == settled + timedelta(days=1) and rig.ledger.compacted.count(settled) == 1
    assert rig.stored().compacted_through == settled + timedelta(days=1)


def test_names_are_read_daily_or_when_usage_names_an_unknown_key(rig: Rig) -> None:
    rig.collect()
    names = rig.accounts.names[("t1", rig.account.id)]
    assert rig.stored().names_checked_at == NOW
    assert rig.stored().names_ids == tuple(sorted({*names.api_keys, *names.workspaces}))
    stored_reads: list[object] = []
    get_names = rig.accounts.get_names
    rig.accounts.get_names = lambda *a: stored_reads.append(a) or get_names(*a)  # type: ignore[method-assign]
    rig.clock.advance(hours=1)
    assert rig.collect().provider_requests == 2  # usage and cost report only
    assert stored_reads == []  # the changed hours' ids are checked against the account's: no read
    # A key the stored lists lack shows up in a changed hour: the lists are read again at once.
    hour = NOW.replace(minute=0) - timedelta(hours=30)
    bucket = rig.ledger.usage[("t1", rig.account.id, hour.date())][hour.hour]
    forgotten = next(r.dims.api_key_id for r in bucket.rows if r.dims.api_key_id)
    older = Names({k: v for k, v in names.api_keys.items() if k != forgotten}, names.workspaces)
    rig.accounts.save_names("t1", rig.account.id, older)  # as stored before that key was made
    older_ids = tuple(sorted({*older.api_keys, *older.workspaces}))
    rig.accounts.update("t1", rig.account.id, {"names_hash": names_digest(older), "names_ids": older_ids})
    rig.sim.restate("org_test", hour, 2)
    rig.clock.advance(hours=1)
    assert rig.collect().provider_requests == 2 + 2  # ... and the key and workspace lists
    assert forgotten in rig.accounts.names[("t1", rig.account.id)].api_keys
    assert forgotten in rig.stored().names_ids
    # An account stored before the ids were kept on it reads the stored lists once, then keeps their ids.
    rig.accounts.update("t1", rig.account.id, {"names_ids": ()})
    rig.sim.restate("org_test", hour, 3)
    rig.clock.advance(hours=1)
    assert rig.collect().provider_requests == 2 and len(stored_reads) == 1
    assert forgotten in rig.stored().names_ids
    # A day later they are read again whatever the usage says (renames show within a day).
    rig.clock.advance(hours=24)
    assert rig.collect().provider_requests >= 2 + 2
    assert rig.stored().names_checked_at == rig.clock.now


def test_a_sync_that_finds_nothing_new_writes_nothing(rig: Rig) -> None:
    rig.collect()
    rig.publisher.messages.clear()
    writes, billed_writes = rig.ledger.writes, rig.billed.writes
    rig.clock.advance(minutes=10)  # same hour: the simulator serves the same numbers
    outcome = rig.collect()
    assert outcome.status == "done" and outcome.hours_written == 0
    assert rig.ledger.writes == writes + 1 and rig.billed.writes == billed_writes  # the account's sync state
    assert rig.publisher.on("collected") == []
    assert ("t1", rig.account.id) in rig.accounts.names  # names unchanged: not written again either


def test_rate_limit_and_overload_are_retried_with_retry_after(rig: Rig) -> None:
    rig.sim.inject_faults(429, count=1, retry_after=7, path_prefix="/v1/organizations/usage_report")
    rig.sim.inject_faults(529, count=2, path_prefix="/v1/organizations/usage_report")
    outcome = rig.collect()
    assert outcome.status == "done"
    assert rig.sleeps[0] == 7.0 and len(rig.sleeps) == 3
    assert rig.stored().status == STATUS_CONNECTED
    assert rig.stored().history_progress(NOW)["complete"]


def test_malformed_page_is_retried_and_no_row_is_lost(rig: Rig) -> None:
    rig.sim.inject_malformed(count=1, path_prefix="/v1/organizations/usage_report")
    outcome = rig.collect()
    assert outcome.status == "done"
    start = rig.account.history_start
    for h in (start, start + timedelta(hours=333), NOW.replace(minute=0)):
        assert stored_rows(rig, h) == expected_rows(rig.sim, h)


def test_outage_keeps_progress_backs_off_and_stops_after_max_failures(rig: Rig) -> None:
    rig.collect()
    coverage = rig.stored().coverage
    # Data turns stale six hours after the last successful sync; failed syncs do not move that.
    stale_at = rig.stored().stale_at
    assert stale_at == rig.clock.now + timedelta(hours=6)
    for attempt in range(1, 6):
        rig.clock.advance(hours=1)
        rig.sim.inject_faults(500, count=50, path_prefix="/v1/organizations/usage_report")
        outcome = rig.collect()
        assert outcome.status == "failed"
        account = rig.stored()
        assert account.consecutive_failures == attempt
        assert account.coverage == coverage  # nothing lost
        assert account.lease_until is None
    account = rig.stored()
    assert account.status == STATUS_ERROR and account.next_sync_at is None
    assert "stopped" in (account.status_reason or "")
    assert account.stale_at == stale_at
    assert [e["type"] for e in rig.publisher.on("events")] == ["account.connected", "account.error"]


def test_revoked_key_turns_the_account_to_error_with_the_reason(rig: Rig) -> None:
    rig.collect()
    rig.sim.revoke_key(KEY)
    rig.clock.advance(hours=1)
    outcome = rig.collect()
    assert outcome.status == "failed"
    account = rig.stored()
    assert account.status == STATUS_ERROR and "rejected the key" in (account.status_reason or "")
    assert KEY not in (account.status_reason or "")
    assert rig.publisher.on("events")[-1]["type"] == "account.error"


def test_a_held_lease_asks_for_redelivery_until_its_holder_is_done_or_gone(rig: Rig) -> None:
    # A sync holds the lease, renewed a moment ago: a request never acknowledges itself away (if the holder
    # died just after renewing, nothing would resume its import), it asks Pub/Sub to deliver it again.
    asked = rig.clock.now
    assert rig.accounts.acquire_lease("t1", rig.account.id, "other", NOW, NOW + LEASE)
    with pytest.raises(LeaseHeld):
        rig.collect(asked)
    assert rig.ledger.writes == 0
    rig.clock.advance(seconds=LEASE.total_seconds() * 0.6)
    with pytest.raises(LeaseHeld):
        rig.collect(asked)
    # The holder died: once its lease ran out, the next delivery takes over and completes the import.
    rig.clock.advance(seconds=LEASE.total_seconds())
    assert rig.collect(asked).status == "done"
    assert rig.stored().history_progress(rig.clock.now)["complete"]
    # Delivered once more after that: a sync that started after the request covered it.
    writes = rig.ledger.writes
    assert rig.collect(asked).status == "skipped" and rig.ledger.writes == writes
    # A request made after the last sync started runs.
    rig.clock.advance(seconds=5)
    assert rig.collect(rig.clock.now).status == "done"


def test_an_hourly_sync_takes_no_lease_and_writes_nothing_when_the_account_changed_meanwhile(rig: Rig) -> None:
    rig.collect()
    rig.clock.advance(hours=1)
    rig.sim.restate("org_test", NOW.replace(minute=0) - timedelta(hours=3), 0)
    rig.publisher.messages.clear()
    asked = rig.clock.now
    writes, commits = rig.ledger.writes, rig.ledger.commits
    taken: list[object] = []
    original = rig.accounts.acquire_lease
    rig.accounts.acquire_lease = lambda *a, **k: taken.append(a) or original(*a, **k)  # type: ignore[method-assign]

    # Someone renames the account while the sync reads the provider (between its read and its commit).
    real_factory = rig.collector.client_factory

    def renaming_factory(provider: str, api_key: str, deadline: float):  # type: ignore[no-untyped-def]
        rig.accounts.update("t1", rig.account.id, {"name": "Renamed"})
        return real_factory(provider, api_key, deadline)

    rig.collector.client_factory = renaming_factory
    with pytest.raises(LeaseHeld):
        rig.collect(asked)
    # Nothing of the sync landed: no hour, no billed line, no sync state; nothing announced to costing.
    assert (rig.ledger.writes, rig.ledger.commits) == (writes, commits)
    assert rig.publisher.on("collected") == [] and rig.stored().name == "Renamed"
    assert rig.stored().last_sync_at == NOW
    # Delivered again (after Pub/Sub's backoff), it runs in full (the rename kept), still without a lease.
    rig.collector.client_factory = real_factory
    rig.clock.advance(seconds=30)
    outcome = rig.collect(asked)
    assert outcome.status == "done" and outcome.hours_written == 2
    assert rig.ledger.commits == commits + 1 and rig.stored().name == "Renamed"
    assert rig.stored().last_sync_at == rig.clock.now and rig.stored().lease_id == ""
    assert len(rig.publisher.on("collected")) == 1
    assert taken == []  # one provider request: no lease taken
    # A newer sync covered the request: a late delivery is a skip, and writes nothing.
    assert rig.collect(asked).status == "skipped" and rig.ledger.commits == commits + 1


def test_days_a_sync_could_not_announce_after_its_commit_are_announced_by_the_next_one(rig: Rig) -> None:
    rig.collect()
    rig.price_published()
    rig.clock.advance(hours=1)
    rig.sim.restate("org_test", NOW.replace(minute=0) - timedelta(hours=30), 2)  # yesterday's usage moves
    rig.publisher.messages.clear()
    publish = rig.publisher.publish

    def dying(topic: str, message: object) -> None:
        if topic == "collected":
            raise RuntimeError("the process died after the commit")
        publish(topic, message)  # type: ignore[arg-type]

    rig.publisher.publish = dying  # type: ignore[method-assign]
    asked = rig.clock.now - timedelta(minutes=1)  # the tick's request, delivered a minute later
    with pytest.raises(RuntimeError):
        rig.collect(asked)
    # Committed: a redelivery is a skip, and no hour looks changed to a later sync.
    assert rig.stored().last_sync_at == rig.clock.now
    rig.publisher.publish = publish  # type: ignore[method-assign]
    rig.clock.advance(seconds=30)
    assert rig.collect(asked).status == "skipped" and rig.publisher.on("collected") == []
    restated_day = (NOW - timedelta(hours=30)).date()
    assert rig.stored().announce_again == tuple(sorted({restated_day, NOW.date()}))
    # The next sync finds no hour changed; it announces the failed sync's days all the same, and costing
    # prices them.
    rig.clock.advance(minutes=30)
    outcome = rig.collect(rig.clock.now)
    assert outcome.status == "done"
    (message,) = rig.publisher.on("collected")
    assert message["days"] == sorted({restated_day.isoformat(), NOW.date().isoformat()})
    before = {d.day: d for d in rig.ledger.priced_days("t1", rig.account.id)}[restated_day]
    rig.price_published()
    after = {d.day: d for d in rig.ledger.priced_days("t1", rig.account.id)}[restated_day]
    assert after.version != before.version  # priced from the restated hours
    assert outcome.hours_written == 0 and rig.stored().announce_again == ()  # nothing of its own to repeat


def test_a_crash_mid_import_is_resumed_by_the_next_run_with_no_gap_and_no_duplicate(sim: AnthropicSimulator) -> None:
    rig = Rig(sim, history_days=60)
    commits = [0]

    class Crash(Exception):
        pass

    def dying_after_the_third_chunk(tenant_id: str, account_id: str):  # type: ignore[no-untyped-def]
        uow = rig.ledger(tenant_id, account_id)
        commit = uow.commit

        def commit_then_die() -> None:
            commit()
            commits[0] += 1
            if commits[0] == 3:
                raise Crash("the worker died")  # after storing the chunk, before recording it

        uow.commit = commit_then_die  # type: ignore[method-assign]
        return uow

    rig.collector.ledger = dying_after_the_third_chunk
    with pytest.raises(Crash):
        rig.collect()
    rig.collector.ledger = rig.ledger
    crashed = rig.stored()
    assert crashed.lease_until is not None  # the dead run still holds it, for at most a lease
    progress = crashed.history_progress(NOW)
    assert not progress["complete"] and 0 < progress["percent"] < 100
    rig.clock.advance(seconds=LEASE.total_seconds() + 1)
    outcome = rig.collect()
    assert outcome.status == "done"
    account = rig.stored()
    assert account.history_progress(rig.clock.now)["complete"] and account.gaps(rig.clock.now) == []
    start = account.history_start
    for i in range(0, 60 * 24, 97):
        h = start + timedelta(hours=i)
        assert stored_rows(rig, h) == expected_rows(rig.sim, h)
    rig.close()


class Crash(Exception):
    pass


@pytest.mark.parametrize("dies_after", ["store", "announce", "checkpoint"])
def test_a_run_that_dies_after_any_step_of_an_import_leaves_no_day_unannounced(
    sim: AnthropicSimulator, dies_after: str
) -> None:
    """A chunk is stored, announced to costing, then checkpointed: whichever step a run dies after (its second
    one), the next run announces every day whose hours it did not find covered, so costing prices the whole
    history. (Checkpointing before announcing lost the chunk when the run died between the two.)"""
    rig = Rig(sim, history_days=30)
    steps = {"store": rig.ledger.__call__, "announce": rig.publisher.publish, "checkpoint": rig.accounts.checkpoint}
    calls = [0]

    def second_call_dies() -> None:
        calls[0] += 1
        if calls[0] == 2:
            raise Crash(dies_after)

    def store(tenant_id: str, account_id: str):  # type: ignore[no-untyped-def]
        uow = steps["store"](tenant_id, account_id)
        commit = uow.commit
        uow.commit = lambda: (commit(), second_call_dies())  # type: ignore[method-assign]
        return uow

    def step(*a, **k):  # type: ignore[no-untyped-def]
        result = steps[dies_after](*a, **k)
        second_call_dies()
        return result

    if dies_after == "store":
        rig.collector.ledger = store
    elif dies_after == "announce":
        rig.publisher.publish = step  # type: ignore[method-assign]
    else:
        rig.accounts.checkpoint = step  # type: ignore[method-assign]
    with pytest.raises(Crash):
        rig.collect()
    rig.collector.ledger = rig.ledger
    rig.publisher.publish = steps["announce"]  # type: ignore[method-assign]
    rig.accounts.checkpoint = steps["checkpoint"]  # type: ignore[method-assign]
    rig.clock.advance(seconds=LEASE.total_seconds() + 1)
    assert rig.collect().status == "done"
    rig.price_published()
    priced = {d.day for d in rig.ledger.priced_days("t1", rig.account.id)}
    stored = {day for (_, _, day) in rig.ledger.usage}
    assert len(stored) == 31 and priced == stored
    rig.close()


def test_plan_changes_racing_an_import_leave_no_gap(sim: AnthropicSimulator) -> None:
    rig = Rig(sim, history_days=20)
    rig.collect()
    # Two plan changes in a row while a sync runs: the window grows to 30 then 40 days; the sync that ran in
    # between saw only the first. Coverage, not a watermark, says what is missing.
    rig.accounts.update("t1", rig.account.id, {"history_start": rig.account.history_start - timedelta(days=10)})
    rig.clock.advance(minutes=5)
    rig.collect()
    rig.accounts.update("t1", rig.account.id, {"history_start": rig.account.history_start - timedelta(days=20)})
    assert rig.stored().gaps(rig.clock.now) == [
        (rig.account.history_start - timedelta(days=20), rig.account.history_start - timedelta(days=10))
    ]
    assert not rig.stored().history_progress(rig.clock.now)["complete"]
    rig.clock.advance(minutes=5)
    rig.collect()
    account = rig.stored()
    assert account.gaps(rig.clock.now) == [] and account.history_progress(rig.clock.now)["complete"]
    oldest = account.history_start
    assert stored_rows(rig, oldest) == expected_rows(rig.sim, oldest)
    rig.close()


def test_time_budget_stops_saves_coverage_and_asks_to_continue(sim: AnthropicSimulator) -> None:
    rig = Rig(sim, history_days=60, budget=100.0)
    original = rig.ledger.__call__

    def slow_unit(tenant_id: str, account_id: str):  # type: ignore[no-untyped-def]
        rig.mono[0] += 30.0  # each chunk costs 30 of the 100 budget seconds
        return original(tenant_id, account_id)

    rig.collector.ledger = slow_unit
    first = rig.collect()
    assert first.status == "partial"
    account = rig.stored()
    assert account.status == STATUS_SYNCING and account.lease_until is None
    end = NOW.replace(minute=0) + timedelta(hours=1)
    assert account.coverage == ((end - timedelta(hours=CHUNK_HOURS * 3), end),)  # newest first
    assert rig.publisher.on("collect")[-1]["reason"] == "continue"
    rig.mono[0] = 0.0
    rig.collector.ledger = rig.ledger
    second = rig.collect()
    assert second.status == "done"
    assert rig.stored().history_progress(NOW)["complete"]
    rig.close()


def test_costs_match_the_simulators_own_list_price_costing_to_the_cent(rig: Rig) -> None:
    rig.collect()
    rig.price_published()
    first_day = rig.account.history_start.date()
    last_day = NOW.date()
    result = UsageQueryService(rig.accounts, rig.ledger, clock=rig.clock).query(
        "t1", UsageQuery(first_day, last_day, ("model",))
    )
    computed = Decimal(result["totals"]["total_cost"])
    start = rig.account.history_start
    expected = rig.sim.expected_list_cost_usd("org_test", start, NOW.replace(minute=0) + timedelta(hours=1))
    assert to_cents(computed) == to_cents(expected)
    assert result["totals"]["unpriced_tokens"] == 0
    assert result["coverage"] == {"complete": True, "missing_days": []}
    # The settled days of both partial months come from their rollups' daily tables (21..31 Oct, 1..17 Nov):
    # two documents; the three days within 48 hours of now are read whole (their provisional share is measured).
    assert (last_day - first_day).days + 1 == 31 and result["documents_read"] == 2 + 3


def test_costing_is_idempotent_and_order_independent(rig: Rig) -> None:
    rig.collect()
    messages = rig.publisher.on("collected")
    replay = messages * 2
    random.Random(3).shuffle(replay)

    def totals() -> dict:
        return UsageQueryService(rig.accounts, rig.ledger, clock=rig.clock).query(
            "t1", UsageQuery(rig.account.history_start.date(), NOW.date(), ("day", "model", "api_key"))
        )

    rig.price_published(messages)
    once = totals()
    writes = rig.ledger.writes
    rig.price_published(replay)
    assert totals() == once
    assert rig.ledger.writes == writes  # a redelivered or duplicated message writes nothing
    # Each priced day is exactly the day priced from scratch, and each month the sum of its days.
    day = NOW.date() - timedelta(days=3)
    raw = UsageDay(rig.account.id, day, rig.ledger.usage[("t1", rig.account.id, day)])
    assert rig.ledger.priced[("t1", rig.account.id, day)] == price_day("anthropic", raw, default_catalogue())
    for (t, a, month), rollup in rig.ledger.months.items():
        days = [d for (t2, a2, x), d in rig.ledger.priced.items() if (t2, a2) == (t, a) and x.replace(day=1) == month]
        assert rollup == build_month(a, month, days)
