"""Re-pricing history when the catalogue version changes: once per version, idempotent, totals reported."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from shared.domain.accounts import STATUS_CONNECTED, Account
from shared.domain.priced import build_month
from shared.domain.usage import Dimensions, TokenCounts, UsageBucket, UsageRow
from shared.messages import UsageCollected
from shared.pricing import PriceQuote, Rates
from shared.services.costing import CostingOutcome, CostingService
from shared.services.repricing import RepricingService
from tests.fakes import FakeAccountStore, FakeClock, FakeLedger, RecordingPublisher

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


class Rig:
    def __init__(self, history_days: int = 40, priced_with: str = "v1") -> None:
        self.accounts = FakeAccountStore()
        self.accounts.create(
            Account(
                "t1",
                ACC,
                "anthropic",
                "Prod",
                STATUS_CONNECTED,
                NOW,
                NOW - timedelta(days=history_days),
                history_days,
                priced_with=priced_with,
            )
        )
        self.ledger = FakeLedger()
        self.publisher = RecordingPublisher()
        start = (NOW - timedelta(days=history_days)).replace(hour=0)
        self.ledger.write_buckets(
            "t1",
            ACC,
            [
                UsageBucket(h, (UsageRow(h, Dimensions("m1", "k1"), TokenCounts(output=1_000_000)),))
                for h in (start + timedelta(hours=6 * i) for i in range(history_days * 4 + 2))
            ],
        )

    def service(self, version: str) -> RepricingService:
        return RepricingService(self.accounts, version, self.publisher, "collected", FakeClock(NOW))

    def price_all(self, catalogue: FlatCatalogue) -> None:
        account = self.accounts.get("t1", ACC)
        assert account is not None
        CostingService(self.ledger, catalogue).price_range("t1", ACC, "anthropic", account.history_start, NOW)

    def total(self) -> Decimal:
        return sum((r.cost.total for d in self.ledger.priced.values() for r in d.rows if r.cost), Decimal(0))

    def deliver_all(self, catalogue: FlatCatalogue) -> list[CostingOutcome]:
        costing = CostingService(self.ledger, catalogue)
        outcomes = []
        for message in self.publisher.on("collected"):
            m = UsageCollected.model_validate(message)
            assert m.reason == "reprice" and len(m.days) <= 31
            outcomes.append(costing.price_days(m.tenant_id, m.account_id, m.provider, m.days))
        return outcomes


def test_a_new_catalogue_version_reprices_all_history_once() -> None:
    rig = Rig()
    old, new = FlatCatalogue("v1", "1"), FlatCatalogue("v2", "3")
    rig.price_all(old)
    assert rig.total() == Decimal(162)  # 162 hours of 1M tokens at $1
    service = rig.service("v2")
    assert service.check("t1", ACC, "v1") == 2  # 41 days in 31-day requests
    assert rig.accounts.get("t1", ACC).priced_with == "v2"  # type: ignore[union-attr]
    assert service.check("t1", ACC, "v1") == 0  # once per version, even when a message still says v1
    assert service.check("t1", ACC, "v2") == 0
    outcomes = rig.deliver_all(new)
    assert sum(len(o.days_priced) for o in outcomes) == 41
    assert rig.total() == Decimal(3 * 162)
    assert {d.catalogue_version for d in rig.ledger.priced.values()} == {"v2"}
    assert sum(o.total_before for o in outcomes) == 162 and sum(o.total_after for o in outcomes) == 486
    # The month rollups followed their days.
    for (t, a, month), rollup in rig.ledger.months.items():
        days = [
            d for (t2, a2, day), d in rig.ledger.priced.items() if (t2, a2) == (t, a) and day.replace(day=1) == month
        ]
        assert rollup == build_month(a, month, days)
    # Redelivered, duplicated or out of order: nothing left to do, nothing changes.
    again = rig.deliver_all(new)
    assert all(o.days_priced == [] for o in again) and rig.total() == Decimal(3 * 162)


def test_current_history_is_left_alone() -> None:
    rig = Rig(priced_with="v2")
    current = FlatCatalogue("v2", "3")
    rig.price_all(current)
    service = rig.service("v2")
    assert service.check("t1", ACC, "v2") == 0 and rig.publisher.messages == []
    # A message from before the account's last re-pricing asks nothing either.
    assert service.check("t1", ACC, "v1") == 0 and rig.publisher.messages == []


def test_only_stale_days_are_rebuilt() -> None:
    rig = Rig(history_days=10)
    rig.price_all(FlatCatalogue("v1", "1"))
    new = FlatCatalogue("v2", "2")
    CostingService(rig.ledger, new).price_range("t1", ACC, "anthropic", NOW - timedelta(days=2), NOW)  # the sync
    outcome = CostingService(rig.ledger, new).price_range(
        "t1", ACC, "anthropic", datetime(2026, 11, 10, tzinfo=UTC), NOW
    )
    assert outcome.days_checked == 11 and len(outcome.days_priced) == 8  # 10..17 were v1; 18..20 already v2
    assert {d.catalogue_version for k, d in rig.ledger.priced.items() if k[2] >= date(2026, 11, 10)} == {"v2"}
