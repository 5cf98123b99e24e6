"""Re-pricing history when the catalogue version changes: once per version, idempotent, totals logged."""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from shared.domain.accounts import STATUS_CONNECTED, Account
from shared.domain.usage import Dimensions, TokenCounts, UsageBucket, UsageRow
from shared.pricing import PriceQuote, Rates
from shared.services.costing import CostingService
from shared.services.messages import UsageCollected
from shared.services.repricing import PricingState, RepricingService
from tests.fakes import FakeAccountStore, FakeClock, FakeCostStore, FakeUsageStore, RecordingPublisher

NOW = datetime(2026, 11, 20, 12, tzinfo=UTC)
ACC = "acc_0000000000000001"


class FlatCatalogue:
    """Every class at ``rate`` USD per million tokens, under its own version."""

    def __init__(self, version: str, rate: str):
        self.version = version
        self.rate = Decimal(rate)

    def quote(self, provider: str, dims: Dimensions, used_at: datetime) -> PriceQuote:
        r = self.rate
        return PriceQuote(Rates(r, r, r, r, r), self.version, model_ref=dims.model)


class MemoryPricingState:
    def __init__(self) -> None:
        self.states: dict[tuple[str, str], PricingState] = {}

    def get_pricing_state(self, tenant_id: str, account_id: str) -> PricingState:
        return self.states.get((tenant_id, account_id), PricingState())

    def set_pricing_state(self, tenant_id: str, account_id: str, state: PricingState) -> None:
        self.states[(tenant_id, account_id)] = state


class Rig:
    def __init__(self, history_days: int = 40) -> None:
        self.accounts = FakeAccountStore()
        self.accounts.create(
            Account(
                "t1", ACC, "anthropic", "Prod", STATUS_CONNECTED, NOW, NOW - timedelta(days=history_days), history_days
            )
        )
        self.usage = FakeUsageStore()
        self.costs = FakeCostStore(self.usage)
        self.publisher = RecordingPublisher()
        self.state = MemoryPricingState()
        start = (NOW - timedelta(days=history_days)).replace(hour=0)
        self.usage.write_buckets(
            "t1",
            ACC,
            [
                UsageBucket(h, (UsageRow(h, Dimensions("m1", "k1"), TokenCounts(output=1_000_000)),))
                for h in (start + timedelta(hours=6 * i) for i in range(history_days * 4 + 2))
            ],
        )

    def service(self, catalogue: FlatCatalogue) -> RepricingService:
        return RepricingService(
            accounts=self.accounts,
            costs=self.costs,
            costing=CostingService(self.costs, catalogue),
            catalogue=catalogue,
            state=self.state,
            publisher=self.publisher,
            topic_usage_collected="collected",
            clock=FakeClock(NOW),
        )

    def price_all(self, catalogue: FlatCatalogue) -> None:
        account = self.accounts.get("t1", ACC)
        assert account is not None
        CostingService(self.costs, catalogue).price_range("t1", ACC, "anthropic", account.history_start, NOW)

    def total(self) -> Decimal:
        return sum((r.cost.total for d in self.costs.days.values() for r in d.rows if r.cost), Decimal(0))

    def deliver_all(self, service: RepricingService) -> list:
        outcomes = []
        for message in self.publisher.on("collected"):
            m = UsageCollected.model_validate(message)
            assert m.reason == "reprice"
            outcomes.append(service.reprice(m.tenant_id, m.account_id, m.provider, m.start, m.end))
        return outcomes


def test_a_new_catalogue_version_reprices_all_history_once(caplog: pytest.LogCaptureFixture) -> None:
    rig = Rig()
    old, new = FlatCatalogue("v1", "1"), FlatCatalogue("v2", "3")
    rig.price_all(old)
    rig.state.set_pricing_state("t1", ACC, PricingState("v1"))
    assert rig.total() == Decimal(162)  # 162 hours of 1M tokens at $1
    service = rig.service(new)
    assert service.check("t1", ACC, "anthropic") == 2  # 41 days in 31-day requests
    assert service.check("t1", ACC, "anthropic") == 0  # once per version
    with caplog.at_level(logging.INFO, logger="shared.services.repricing"):
        outcomes = rig.deliver_all(service)
    assert sum(o.days_repriced for o in outcomes) == 41
    assert rig.total() == Decimal(3 * 162)
    assert {d.catalogue_version for d in rig.costs.days.values()} == {"v2"}
    logged = [r for r in caplog.records if r.getMessage() == "re-priced history"]
    assert [(r.total_before_usd, r.total_after_usd) for r in logged] == [  # type: ignore[attr-defined]
        (o.total_before, o.total_after) for o in outcomes
    ]
    assert sum(Decimal(o.total_before) for o in outcomes) == 162
    assert sum(Decimal(o.total_after) for o in outcomes) == 486
    # Redelivered, duplicated or out of order: nothing left to do, nothing changes.
    again = rig.deliver_all(service)
    assert all(o.days_repriced == 0 for o in again) and rig.total() == Decimal(3 * 162)


def test_current_history_is_left_alone() -> None:
    rig = Rig()
    current = FlatCatalogue("v2", "3")
    rig.price_all(current)
    service = rig.service(current)
    rig.state.set_pricing_state("t1", ACC, PricingState("v2"))
    assert service.check("t1", ACC, "anthropic") == 0 and rig.publisher.messages == []
    # An account never checked before is asked once; its days are already current, so nothing is rebuilt.
    rig.state.states.clear()
    assert service.check("t1", ACC, "anthropic") == 2
    before = dict(rig.costs.days)
    assert all(o.days_repriced == 0 for o in rig.deliver_all(service))
    assert rig.costs.days == before


def test_only_stale_days_are_rebuilt() -> None:
    rig = Rig(history_days=10)
    rig.price_all(FlatCatalogue("v1", "1"))
    new = FlatCatalogue("v2", "2")
    CostingService(rig.costs, new).price_range("t1", ACC, "anthropic", NOW - timedelta(days=2), NOW)  # the sync
    service = rig.service(new)
    start = datetime(2026, 11, 10, tzinfo=UTC)
    outcome = service.reprice("t1", ACC, "anthropic", start, NOW)
    assert outcome.days_checked == 11 and outcome.days_repriced == 8  # 10..17 were v1; 18..20 already v2
    assert {d.catalogue_version for k, d in rig.costs.days.items() if k[2] >= date(2026, 11, 10)} == {"v2"}
