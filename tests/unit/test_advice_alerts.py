"""New savings advice worth more than the tenant's threshold raises an alert through the alert channels, once:
on the periodic sweep, whatever the number of sweeps, redeliveries or their order."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from shared.alerts.evaluator import AlertEvaluator
from shared.alerts.model import ALERT_KINDS, KIND_ADVICE, Alert, Channel
from shared.domain.settings import TenantSettings
from shared.insights.model import Advice
from shared.messages import AlertEvent
from tests.alerts_fakes import FakeAlertStore, FakeBudgetStore, FakeChannelStore
from tests.fakes import FakeClock, RecordingPublisher
from tests.insights_fakes import InsightsWorld, T, at

NOW = datetime(2026, 11, 20, 12, 30, tzinfo=UTC)


def channel(cid: str, kinds: tuple[str, ...]) -> Channel:
    return Channel(T, cid, cid, "webhook", kinds, True, NOW, NOW, url="https://hooks.example.com/x")


class Rig:
    def __init__(self, world: InsightsWorld) -> None:
        self.world = world
        self.alerts = FakeAlertStore()
        self.channels = FakeChannelStore()
        self.channels.create(channel("chn_0000000000000001", ALERT_KINDS))
        self.channels.create(channel("chn_0000000000000002", ("budget",)))
        self.publisher = RecordingPublisher()
        self.calls = 0

        def advice(tenant_id: str) -> tuple[list[Advice], Decimal]:
            self.calls += 1
            return world.service.alerting_advice(tenant_id)

        self.evaluator = AlertEvaluator(
            accounts=world.accounts,
            ledger=world.ledger,
            budgets=FakeBudgetStore(),
            channels=self.channels,
            alerts=self.alerts,
            publisher=self.publisher,
            topic_alerts="alerts",
            topic_evaluations="evaluations",
            clock=FakeClock(NOW),
            advice=advice,
        )

    def advice_alerts(self) -> list[AlertEvent]:
        return [m for t, m in self.publisher.models if isinstance(m, AlertEvent) and m.kind == KIND_ADVICE]

    def evaluate(self, reason: str) -> list[Alert]:
        """The advice alerts an evaluation raised (the world's accounts raise stale-data alerts too)."""
        return [a for a in self.evaluator.evaluate(T, reason).raised if a.kind == KIND_ADVICE]


def usage(world: InsightsWorld) -> None:
    acc = world.account(keys={"etl": "nightly-etl"})
    for i in range(30):
        day = (at("2026-10-21") + timedelta(days=i)).date().isoformat()
        for hour in (1, 2, 3, 4):
            world.use(
                acc, at(day, hour), "claude-haiku-4-5-20251001", key="etl", uncached_input=1_000_000, output=200_000
            )
    world.price()


def test_advice_over_the_threshold_is_alerted_once_on_the_sweep() -> None:
    world = InsightsWorld()
    usage(world)
    rig = Rig(world)
    assert rig.evaluate("priced") == []  # costing's evaluations never compute advice
    assert rig.calls == 0
    # the batch advice ($120 a month) passes the default $100; prompt caching ($47.10) does not
    (alert,) = rig.evaluate("daily")
    assert alert.kind == KIND_ADVICE and alert.period == "once" and alert.threshold == "100.00"
    assert alert.details["kind"] == "batch" and alert.details["monthly_savings"] == "120"
    assert alert.details["scope"]["api_key_name"] == "nightly-etl"
    assert alert.channel_ids == ("chn_0000000000000001",)  # subscribed to advice; the budget-only one is not
    assert "about $120.00 a month" in alert.title and "GET /v1/advice" in alert.message
    # Redelivered, re-run, shuffled: nothing new.
    for reason in random.Random(3).sample(["daily", "daily", "priced", "sweep", "daily"], 4):
        assert rig.evaluate(reason) == []
    assert [e.id for e in rig.advice_alerts()] == [alert.id]


def test_a_lower_threshold_alerts_what_passes_it_and_nothing_twice() -> None:
    world = InsightsWorld()
    usage(world)
    rig = Rig(world)
    first = {a.details["kind"] for a in rig.evaluate("daily")}
    world.settings.settings[T] = TenantSettings(advice_alert_usd=Decimal(10))
    second = {a.details["kind"] for a in rig.evaluate("daily")}
    assert first == {"batch"} and second == {"prompt_caching"}


def test_advice_that_fails_does_not_hold_back_other_alerts() -> None:
    world = InsightsWorld()
    rig = Rig(world)

    def broken(tenant_id: str) -> tuple[list[Advice], Decimal]:
        raise RuntimeError("catalogue unavailable")

    rig.evaluator.advice = broken
    usage(world)
    kinds = {a.kind for a in rig.evaluator.evaluate(T, "daily").raised}
    assert KIND_ADVICE not in kinds and "stale_data" in kinds  # the other rules still ran
