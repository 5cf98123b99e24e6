"""Reconciliation on the simulator's data (fake stores): where computed and billed differ, for a known reason.

The simulator bills Priority Tier nowhere (as the real cost report), bills a model our catalogue does not
know at its own rates, and serves the running hour partially: each must come out as its reason, and
everything else must match to the cent.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date, datetime
from decimal import Decimal

import pytest

from local.anthropic_sim import AnthropicSimulator, SimOrganization, UsageProfile
from shared.messages import UsageCollected
from shared.pricing import Rates, default_catalogue
from shared.pricing.catalogue import GenaiPricesCatalogue
from shared.services.costing import CostingService
from shared.services.reconciliation import ReconciliationQuery, ReconciliationService
from tests.integration.test_collector import KEY, NOW, Rig

MYSTERY = "claude-mystery-9"
MODELS = (
    "claude-sonnet-4-5-20250929",
    "claude-opus-4-6",
    "claude-haiku-4-5-20251001",
    "claude-sonnet-4-6",
    "claude-opus-4-1",
    "claude-3-5-haiku-20241022",
    "claude-sonnet-4-20250514",
    MYSTERY,
)


@pytest.fixture
def sim() -> Iterator[AnthropicSimulator]:
    s = AnthropicSimulator(now=lambda: NOW)
    profile = UsageProfile(
        seed=7, api_keys=4, workspaces=2, combos_per_hour=20, models=MODELS, priority_share=0.15, fast_share=0.3
    )
    s.add_organization(SimOrganization(id="org_test", name="Test Org", admin_keys=[KEY], profile=profile))
    s.start()
    yield s
    s.stop()


@pytest.fixture
def rigs(sim: AnthropicSimulator) -> Iterator[Callable[[int], Rig]]:
    made: list[Rig] = []

    def make(history_days: int) -> Rig:
        made.append(Rig(sim, history_days=history_days))
        return made[-1]

    yield make
    for rig in made:
        rig.close()


def reconciled(rig: Rig, catalogue: object) -> dict:
    rig.collect()
    costing = CostingService(rig.ledger, catalogue)  # type: ignore[arg-type]
    for m in rig.publisher.on("collected"):
        message = UsageCollected.model_validate(m)
        costing.price_days("t1", rig.account.id, "anthropic", message.days)
    service = ReconciliationService(rig.accounts, rig.ledger, rig.billed, clock=rig.clock)
    return service.reconcile("t1", ReconciliationQuery(rig.account.history_start.date(), NOW.date()))


def codes(row: dict) -> set[str]:
    return {r["code"] for r in row["reasons"]}


def test_every_gap_on_simulator_data_has_its_known_reason(rigs: Callable[[int], Rig]) -> None:
    rig = rigs(14)
    body = reconciled(rig, default_catalogue())
    rows = body["rows"]
    assert body["trust"]["unexplained_lines"] == 0
    # Priority Tier: unpriced here and absent from the report, flagged on its lines, which still match.
    priority = [r for r in rows if "tier_not_billed" in codes(r)]
    assert priority and all(r["status"] == "matched" for r in priority if "unpriced" not in codes(r))
    # The unknown model: billed by the provider, unpriced by us; explained, and exactly the whole gap.
    mystery = [r for r in rows if r["model"] == MYSTERY and Decimal(r["billed"])]
    assert mystery and all(r["status"] == "explained" and "unpriced" in codes(r) for r in mystery)
    assert all(Decimal(r["computed"]) == 0 and r["unpriced_tokens"] > 0 for r in mystery)
    gap = sum(Decimal(r["difference"]) for r in rows)
    assert gap == -sum(Decimal(r["billed"]) for r in mystery) != 0
    # Every other line agrees to the cent (exactly, in fact), provisional or not.
    others = [r for r in rows if r["model"] != MYSTERY or not Decimal(r["billed"])]
    assert all(Decimal(r["difference"]) == 0 for r in others)
    # Provisional: the days within 48 hours of now, and only those.
    provisional_days = {r["day"] for r in rows if r["provisional"]}
    assert provisional_days == {str(date(2026, 11, 18)), str(date(2026, 11, 19)), str(date(2026, 11, 20))}
    assert {c["code"] for r in mystery if r["provisional"] for c in r["reasons"]} >= {"unpriced", "provisional"}
    assert 0 < body["trust"]["matched_percent"] < 100


class PriorityTierRate:
    """The organization's own Priority Tier rate: list price x 1.25 on every class."""

    def rates_for(self, provider: str, model: str, service_tier: str, day: date) -> Rates | None:
        base = default_catalogue().quote(provider, _dims(model), _noon(day)).rates
        if base is None:
            return None
        x = Decimal("1.25")
        return Rates(
            base.uncached_input * x,
            base.cache_write_5m * x,
            base.cache_write_1h * x,
            base.cache_read * x,
            base.output * x,
        )


def _dims(model: str):  # type: ignore[no-untyped-def]
    from shared.domain.usage import Dimensions

    return Dimensions(model=model)


def _noon(day: date) -> datetime:
    from datetime import UTC

    return datetime(day.year, day.month, day.day, 12, tzinfo=UTC)


def test_priority_priced_by_a_tier_rate_is_explained_to_the_cent(rigs: Callable[[int], Rig]) -> None:
    rig = rigs(5)
    body = reconciled(rig, GenaiPricesCatalogue(tier_rates=PriorityTierRate()))
    priced_priority = [
        r for r in body["rows"] if "tier_not_billed" in codes(r) and "own rate" in r["reasons"][0]["message"]
    ]
    assert priced_priority
    assert any(Decimal(r["difference"]) > 0 for r in priced_priority)  # we priced what the report leaves out
    assert all(r["status"] in ("matched", "explained") for r in priced_priority)
    assert body["trust"]["unexplained_lines"] == 0
