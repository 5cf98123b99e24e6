"""The billed cost ledger, collected on every sync against the simulated Admin API (fake stores)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from local.anthropic_sim import AnthropicSimulator, SimOrganization, UsageProfile
from shared.domain.billed import BilledDay
from tests.integration.test_collector import KEY, NOW, Rig

TODAY = NOW.date()


@pytest.fixture
def sim() -> Iterator[AnthropicSimulator]:
    s = AnthropicSimulator(now=lambda: NOW)
    s.add_organization(
        SimOrganization(
            id="org_test",
            name="Test Org",
            admin_keys=[KEY],
            profile=UsageProfile(seed=7, api_keys=4, workspaces=2, combos_per_hour=10, priority_share=0.2),
        )
    )
    s.start()
    yield s
    s.stop()


def billed_days(rig: Rig) -> dict[date, BilledDay]:
    return {d: v for (_, _, d), v in rig.billed.days.items()}


def day_start(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def cost_requests(sim: AnthropicSimulator) -> int:
    return sum(1 for r in sim.requests if r.path == "/v1/organizations/cost_report")


def test_first_sync_reads_every_day_of_history_in_one_request_per_31_days(sim: AnthropicSimulator) -> None:
    rig = Rig(sim, history_days=30)
    assert rig.collect().status == "done"
    days = billed_days(rig)
    first = rig.account.history_start.date()
    assert sorted(days) == [first + timedelta(days=i) for i in range(31)]
    assert cost_requests(sim) == 1
    # Every day's ledger is the simulator's own list-price cost of that day, exactly (priority left out).
    for day in (first, first + timedelta(days=17), TODAY):
        expected = sim.expected_list_cost_usd("org_test", day_start(day), min(day_start(day) + timedelta(days=1), NOW))
        assert days[day].total_usd == expected
    line = next(li for li in days[first].lines if li.token_type == "cache_read_input_tokens")
    assert line.cost_class == "cache_read" and line.model and line.description
    assert all(li.service_tier != "priority" for d in days.values() for li in d.lines)
    state = rig.stored().billed
    assert state.read_through == TODAY and state.last_error is None and state.last_read_at == NOW
    rig.close()


def test_long_history_pages_31_days_per_request(sim: AnthropicSimulator) -> None:
    rig = Rig(sim, history_days=100)
    assert rig.collect().status == "done"
    assert len(billed_days(rig)) == 101
    assert cost_requests(sim) == 4  # ceil(101 / 31)
    rig.close()


def test_hourly_sync_rereads_the_trailing_days_and_picks_up_restatements(sim: AnthropicSimulator) -> None:
    rig = Rig(sim)
    rig.collect()
    old_day = TODAY - timedelta(days=5)
    kept = billed_days(rig)[old_day]
    restated = NOW.replace(minute=0) - timedelta(hours=30)
    before = billed_days(rig)[restated.date()].total_usd
    sim.restate("org_test", restated, 0)
    sim.reset_requests()
    rig.clock.advance(hours=1)
    assert rig.collect().status == "done"
    assert cost_requests(sim) == 1
    after = billed_days(rig)[restated.date()]
    assert after.total_usd < before
    assert after.total_usd == sim.expected_list_cost_usd(
        "org_test", day_start(restated.date()), day_start(restated.date()) + timedelta(days=1)
    )
    assert billed_days(rig)[old_day] is kept  # outside the trailing window: not read again
    writes = rig.billed.writes
    rig.clock.advance(minutes=10)
    from shared.providers import anthropic

    parsed: list[date] = []
    parse = anthropic.parse_cost_result
    anthropic.parse_cost_result = lambda day, r: parsed.append(day) or parse(day, r)  # type: ignore[assignment]
    try:
        assert rig.collect().status == "done"
    finally:
        anthropic.parse_cost_result = parse
    assert rig.billed.writes == writes  # read again, unchanged: not rewritten
    assert parsed == []  # ... and recognised by the digest of what the report served, not even parsed
    rig.close()


def test_cost_report_outage_does_not_fail_the_sync_and_is_read_next_time(sim: AnthropicSimulator) -> None:
    rig = Rig(sim)
    sim.inject_faults(500, count=6, path_prefix="/v1/organizations/cost_report")  # every attempt of one request
    outcome = rig.collect()
    assert outcome.status == "done"  # usage is stored; the ledger waits
    assert rig.stored().consecutive_failures == 0
    state = rig.stored().billed
    assert "cost report" in (state.last_error or "") and state.read_through == rig.account.history_start.date()
    assert billed_days(rig) == {}
    rig.clock.advance(hours=1)
    assert rig.collect().status == "done"
    # The second run reads from the oldest day still due, not only its trailing window.
    assert len(billed_days(rig)) == 31
    assert rig.stored().billed.last_error is None
    rig.close()


def test_ledger_stops_at_the_time_budget_and_continues(sim: AnthropicSimulator, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from shared.providers.anthropic import AnthropicAdminClient

    rig = Rig(sim, history_days=100, budget=1000.0)
    original = rig.ledger.__call__

    def slow_unit(tenant_id: str, account_id: str):  # type: ignore[no-untyped-def]
        rig.mono[0] += 45.0  # 15 chunks; the report is read with the last, after 14: 630 of the 1000 seconds
        return original(tenant_id, account_id)

    rig.collector.ledger = slow_unit
    original_report = AnthropicAdminClient.billed_sources

    def slow_report(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        rig.mono[0] += 180.0  # 630 -> 810 -> 990: a third request would not have its 30 seconds
        return original_report(self, *args, **kwargs)

    monkeypatch.setattr(AnthropicAdminClient, "billed_sources", slow_report)
    assert rig.collect().status == "done"
    state = rig.stored().billed
    assert state.read_through == rig.account.history_start.date() + timedelta(days=62)  # two requests fit
    assert "time budget" in (state.last_error or "")
    rig.mono[0] = 0.0
    rig.collector.ledger = rig.ledger
    monkeypatch.setattr(AnthropicAdminClient, "billed_sources", original_report)
    rig.clock.advance(hours=1)
    assert rig.collect().status == "done"
    assert len(billed_days(rig)) == 101
    assert rig.stored().billed.read_through == TODAY
    total = sum((d.total_usd for d in billed_days(rig).values()), Decimal(0))
    assert total == sim.expected_list_cost_usd("org_test", rig.account.history_start, rig.clock.now)
    rig.close()
