"""The collector against the simulated Anthropic Admin API (a real HTTP server), with fake stores.

The simulator is the oracle: what it serves per hour is what must be stored, and its own list-price
costing is what our costing must reproduce to the cent.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import httpx
import pytest

from local.anthropic_sim import AnthropicSimulator, SimOrganization, UsageProfile
from shared.domain.accounts import STATUS_CONNECTED, STATUS_ERROR, STATUS_SYNCING, Account
from shared.domain.money import to_cents
from shared.domain.usage import hour_id, merge_rows
from shared.pricing import default_catalogue
from shared.pricing.costing import price_day
from shared.providers.anthropic import AnthropicAdminClient, parse_usage_result
from shared.services.billing import BilledLedgerCollector
from shared.services.collector import CollectorService
from shared.services.costing import CostingService
from shared.services.usage_query import UsageQuery, UsageQueryService
from tests.fakes import (
    FakeAccountStore,
    FakeBilledCostStore,
    FakeClock,
    FakeCostStore,
    FakeUsageStore,
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
        self.usage = FakeUsageStore()
        self.costs = FakeCostStore(self.usage)
        self.billed = FakeBilledCostStore()
        self.secrets = MemorySecretStore()
        self.publisher = RecordingPublisher()
        self.http = httpx.Client(timeout=10)
        self.clients: list[AnthropicAdminClient] = []

        def factory(provider: str, api_key: str, deadline: float) -> AnthropicAdminClient:
            client = AnthropicAdminClient(
                api_key,
                base_url=sim.base_url,
                http=self.http,
                deadline=deadline,
                sleep=self.sleeps.append,
                clock=lambda: self.mono[0],
            )
            self.clients.append(client)
            return client

        self.collector = CollectorService(
            accounts=self.accounts,
            usage=self.usage,
            secrets=self.secrets,
            publisher=self.publisher,
            client_factory=factory,
            topic_collect_requests="collect",
            topic_usage_collected="collected",
            topic_account_events="events",
            budget_seconds=budget,
            clock=self.clock,
            monotonic=lambda: self.mono[0],
            billed=BilledLedgerCollector(self.billed, clock=self.clock, monotonic=lambda: self.mono[0]),
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

    def collect(self):  # type: ignore[no-untyped-def]
        return self.collector.collect("t1", self.account.id)

    def stored(self) -> Account:
        account = self.accounts.get("t1", self.account.id)
        assert account is not None
        return account

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
    return {
        r.dims.key(): tuple(r.tokens.to_dict().values())
        for r in rows
        if r.tokens.total_tokens or r.tokens.web_search_requests
    }


def stored_rows(rig: Rig, hour: datetime) -> dict[str, tuple]:
    bucket = rig.usage.buckets[("t1", rig.account.id, hour_id(hour))]
    return {r.dims.key(): tuple(r.tokens.to_dict().values()) for r in bucket.rows}


def test_first_sync_imports_history_exactly_and_with_minimum_requests(rig: Rig) -> None:
    outcome = rig.collect()
    assert outcome.status == "done", outcome
    start = rig.account.history_start
    end = NOW.replace(minute=0) + timedelta(hours=1)
    hours = int((end - start).total_seconds() // 3600)
    assert outcome.hours_written == hours == 30 * 24 + 15
    for h in (start, start + timedelta(hours=200), NOW.replace(minute=0) - timedelta(hours=1)):
        assert stored_rows(rig, h) == expected_rows(rig.sim, h)
    # One usage request per 168 hours, the key and workspace name lists, one cost report request per 31 days.
    assert outcome.provider_requests == math.ceil(hours / 168) + 2 + 1
    account = rig.stored()
    assert account.status == STATUS_CONNECTED and account.synced_through == end
    assert account.next_sync_at == NOW + timedelta(hours=1) and account.lease_until is None
    covered = rig.publisher.on("collected")
    assert covered[0]["start"] == start.isoformat() and covered[-1]["end"] == end.isoformat()
    names = rig.accounts.names[("t1", rig.account.id)]
    assert len(names.api_keys) == 4 and len(names.workspaces) >= 2
    assert account.history_progress(NOW)["complete"] is True


def test_hourly_sync_rereads_the_trailing_window_and_picks_up_restatements(rig: Rig) -> None:
    rig.collect()
    restated = NOW.replace(minute=0) - timedelta(hours=30)
    before = stored_rows(rig, restated)
    assert before
    rig.sim.restate("org_test", restated, 0)
    rig.clock.advance(hours=1)
    outcome = rig.collect()
    assert outcome.status == "done"
    assert outcome.hours_written == 48 + 1  # the 48 hours before this one, and the current hour
    assert stored_rows(rig, restated) == {}  # the provider removed it, so must we
    assert outcome.provider_requests == 1 + 2 + 1  # usage, names, and the cost report of the last 3 days


def test_rate_limit_and_overload_are_retried_with_retry_after(rig: Rig) -> None:
    rig.sim.inject_faults(429, count=1, retry_after=7, path_prefix="/v1/organizations/usage_report")
    rig.sim.inject_faults(529, count=2, path_prefix="/v1/organizations/usage_report")
    outcome = rig.collect()
    assert outcome.status == "done"
    assert rig.sleeps[0] == 7.0 and len(rig.sleeps) == 3
    assert rig.stored().status == STATUS_CONNECTED


def test_malformed_page_is_retried(rig: Rig) -> None:
    rig.sim.inject_malformed(count=1, path_prefix="/v1/organizations/usage_report")
    outcome = rig.collect()
    assert outcome.status == "done"
    start = rig.account.history_start
    assert stored_rows(rig, start) == expected_rows(rig.sim, start)


def test_outage_keeps_progress_backs_off_and_stops_after_max_failures(rig: Rig) -> None:
    rig.collect()
    through = rig.stored().synced_through
    for attempt in range(1, 6):
        rig.clock.advance(hours=1)
        rig.sim.inject_faults(500, count=50, path_prefix="/v1/organizations/api_keys")
        outcome = rig.collect()
        assert outcome.status == "failed"
        account = rig.stored()
        assert account.consecutive_failures == attempt
        assert account.synced_through == through  # nothing lost
    account = rig.stored()
    assert account.status == STATUS_ERROR and account.next_sync_at is None
    assert "stopped" in (account.status_reason or "")
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


def test_a_second_run_while_one_holds_the_lease_is_skipped(rig: Rig) -> None:
    assert rig.accounts.acquire_lease("t1", rig.account.id, NOW, NOW + timedelta(minutes=5))
    assert rig.collect().status == "skipped"
    assert rig.usage.writes == 0


def test_time_budget_stops_saves_the_watermark_and_asks_to_continue(sim: AnthropicSimulator) -> None:
    rig = Rig(sim, history_days=60, budget=100.0)
    original = rig.usage.write_buckets

    def slow_write(*args, **kwargs):  # type: ignore[no-untyped-def]
        original(*args, **kwargs)
        rig.mono[0] += 30.0  # each chunk costs 30 of the 100 budget seconds

    rig.usage.write_buckets = slow_write  # type: ignore[method-assign]
    first = rig.collect()
    assert first.status == "partial"
    account = rig.stored()
    assert account.status == STATUS_SYNCING and account.lease_until is None
    assert account.synced_through == account.history_start + timedelta(hours=168 * 3)
    assert rig.publisher.on("collect")[-1]["reason"] == "continue"
    rig.mono[0] = 0.0
    rig.usage.write_buckets = original  # type: ignore[method-assign]
    second = rig.collect()
    assert second.status == "done"
    assert rig.stored().synced_through == NOW.replace(minute=0) + timedelta(hours=1)
    assert 0 < rig.stored().history_progress(NOW)["percent"] <= 100
    rig.close()


def test_costs_match_the_simulators_own_list_price_costing_to_the_cent(rig: Rig) -> None:
    rig.collect()
    costing = CostingService(rig.costs, default_catalogue())
    for message in rig.publisher.on("collected"):
        costing.price_range(
            "t1",
            rig.account.id,
            "anthropic",
            datetime.fromisoformat(message["start"]),
            datetime.fromisoformat(message["end"]),
        )
    first_day = rig.account.history_start.date()
    last_day = NOW.date()
    result = UsageQueryService(rig.accounts, rig.costs).query("t1", UsageQuery(first_day, last_day, ("model",)))
    computed = Decimal(result["totals"]["total_cost"])
    start = rig.account.history_start
    expected = rig.sim.expected_list_cost_usd("org_test", start, NOW.replace(minute=0) + timedelta(hours=1))
    assert to_cents(computed) == to_cents(expected)
    assert result["totals"]["unpriced_tokens"] == 0
    assert result["documents_read"] == (last_day - first_day).days + 1  # one per day, not per row


def test_costing_is_idempotent_and_order_independent(rig: Rig) -> None:
    import random

    rig.collect()
    costing = CostingService(rig.costs, default_catalogue())
    messages = rig.publisher.on("collected")
    replay = messages * 2
    random.Random(3).shuffle(replay)

    def totals() -> dict:
        return UsageQueryService(rig.accounts, rig.costs).query(
            "t1", UsageQuery(rig.account.history_start.date(), NOW.date(), ("day", "model", "api_key"))
        )

    for m in messages:
        costing.price_range(
            "t1", rig.account.id, "anthropic", datetime.fromisoformat(m["start"]), datetime.fromisoformat(m["end"])
        )
    once = totals()
    for m in replay:
        costing.price_range(
            "t1", rig.account.id, "anthropic", datetime.fromisoformat(m["start"]), datetime.fromisoformat(m["end"])
        )
    assert totals() == once
    # and the day aggregate is exactly the day priced from scratch
    day = NOW.date() - timedelta(days=3)
    start = datetime(day.year, day.month, day.day, tzinfo=UTC)
    buckets = rig.usage.read_buckets("t1", rig.account.id, start, start + timedelta(days=1))
    _, fresh = price_day(rig.account.id, "anthropic", day, buckets, default_catalogue())
    assert rig.costs.days[("t1", rig.account.id, day)] == fresh
