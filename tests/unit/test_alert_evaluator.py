"""The evaluator over fakes: budgets (thresholds, forecast, scopes, time zones), spikes (including the
simulator's steady and spiking data), connection, stale data, key rotation, unpriced models, exactly once."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from local.anthropic_sim import AnthropicSimulator, SimOrganization, UsageProfile
from shared.alerts.evaluator import DAILY_SWEEP_HOUR, AccountEventIn, AlertEvaluator
from shared.alerts.model import Budget, Channel
from shared.domain.accounts import STATUS_CONNECTED, Account, Names
from shared.domain.money import to_cents
from shared.domain.usage import Dimensions, TokenCounts, UsageBucket, UsageRow, utc_hour
from shared.ledger import Ledger, Query
from shared.pricing import PriceQuote, Rates, default_catalogue
from shared.providers.anthropic import parse_usage_result
from shared.services.costing import CostingService
from tests.alerts_fakes import FakeAlertStore, FakeBudgetStore, FakeChannelStore
from tests.fakes import FakeAccountStore, FakeClock, FakeLedger, RecordingPublisher

NOW = datetime(2026, 11, 20, 12, 30, tzinfo=UTC)
D = Decimal
T = "t1"


class FlatCatalogue:
    """$1 per million tokens of every class; model 'mystery' has no price."""

    version = "flat-1"

    def quote(self, provider: str, dims: Dimensions, used_at: datetime) -> PriceQuote:
        if dims.model == "mystery":
            return PriceQuote(None, self.version, unpriced_reason="no price known for model mystery")
        one = Decimal(1)
        return PriceQuote(Rates(one, one, one, one, one), self.version, model_ref=dims.model)


class AlertWorld:
    def __init__(self, catalogue: object | None = None, now: datetime = NOW) -> None:
        self.clock = FakeClock(now)
        self.accounts = FakeAccountStore()
        self.ledger = FakeLedger()
        self.budgets = FakeBudgetStore()
        self.channels = FakeChannelStore()
        self.alerts = FakeAlertStore()
        self.publisher = RecordingPublisher()
        self.zone = "UTC"
        self.costing = CostingService(self.ledger, catalogue or FlatCatalogue())  # type: ignore[arg-type]
        self.evaluator = AlertEvaluator(
            accounts=self.accounts,
            ledger=self.ledger,
            budgets=self.budgets,
            channels=self.channels,
            alerts=self.alerts,
            publisher=self.publisher,
            topic_alerts="alerts",
            topic_evaluations="evaluations",
            time_zone_of=lambda tenant: self.zone,
            clock=self.clock,
        )
        self._rows: dict[tuple[str, datetime], list[UsageRow]] = {}

    def account(self, n: int = 1, **kw: object) -> Account:
        base: dict[str, object] = dict(
            tenant_id=T,
            id=f"acc_{n:016x}",
            provider="anthropic",
            name=f"Account {n}",
            status=STATUS_CONNECTED,
            created_at=self.clock.now - timedelta(days=30),
            history_start=self.clock.now - timedelta(days=30),
            history_days=30,
            last_success_at=self.clock.now - timedelta(minutes=20),
        )
        base.update(kw)
        account = Account(**base)  # type: ignore[arg-type]
        self.accounts.create(account)
        return account

    def spend(
        self,
        hour: datetime,
        usd: str,
        model: str = "m",
        key: str | None = "apikey_1",
        n: int = 1,
        ws: str | None = None,
    ) -> None:
        """Usage costing ``usd`` at the flat catalogue's $1 per million tokens."""
        hour = utc_hour(hour)
        tokens = TokenCounts(uncached_input=int(D(usd) * 1_000_000))
        rows = self._rows.setdefault((f"acc_{n:016x}", hour), [])
        rows.append(UsageRow(hour, Dimensions(model, api_key_id=key, workspace_id=ws), tokens))
        self.ledger.write_buckets(T, f"acc_{n:016x}", [UsageBucket(hour, tuple(rows))])

    def price(self, n: int = 1, provider: str = "anthropic") -> None:
        self.costing.price_range(T, f"acc_{n:016x}", provider, NOW - timedelta(days=40), self.clock.now)

    def budget(self, amount: str, **kw: object) -> Budget:
        base: dict[str, object] = dict(
            tenant_id=T,
            id=f"bud_{len(self.budgets.budgets):016x}",
            name="Monthly",
            amount=D(amount),
            period="month",
            scope="tenant",
            scope_id=None,
            thresholds=(50, 80, 100),
            forecast=False,
            channel_ids=(),
            enabled=True,
            created_at=NOW,
            updated_at=NOW,
        )
        base.update(kw)
        budget = Budget(**base)  # type: ignore[arg-type]
        self.budgets.create(budget)
        return budget

    def channel(self, n: int = 1, kinds: tuple[str, ...] | None = None, enabled: bool = True) -> Channel:
        from shared.alerts.model import ALERT_KINDS

        channel = Channel(
            tenant_id=T,
            id=f"chn_{n:016x}",
            name=f"C{n}",
            type="webhook",
            kinds=kinds or ALERT_KINDS,
            enabled=enabled,
            created_at=NOW,
            updated_at=NOW,
            url="https://hooks.example.com/x",
        )
        self.channels.create(channel)
        return channel

    def published(self) -> list[dict]:
        return self.publisher.on("alerts")


@pytest.fixture
def w() -> AlertWorld:
    return AlertWorld()


def test_crossing_80_percent_raises_one_alert_once_then_100(w: AlertWorld) -> None:
    w.account()
    channel = w.channel()
    budget = w.budget("1000")
    for day in range(1, 21):
        w.spend(datetime(2026, 11, day, 10, tzinfo=UTC), "42.50")  # $850 by the 20th
    w.price()
    report = w.evaluator.evaluate(T)
    assert [(a.kind, a.threshold) for a in report.raised] == [("budget", "80")]  # not 50: only the highest
    (event,) = w.published()
    assert event["rule_id"] == budget.id and event["period"] == "2026-11" and event["channel_ids"] == [channel.id]
    details = event["details"]
    assert details["spent_usd"] == "850.00" and details["amount_usd"] == "1000.00" and details["percent"] == "85.0"
    assert details["provisional"] is True and details["provisional_usd"] == "85.00"  # the 19th and 20th
    assert details["time_zone"] == "UTC"
    assert "$850.00 of $1000.00" in event["title"]
    # Re-evaluating, or the same trigger redelivered, raises nothing new.
    for _ in range(3):
        assert w.evaluator.evaluate(T).raised == []
    assert len(w.published()) == 1
    # Crossing 100% raises the 100% alert; 50% never comes (a higher one exists).
    w.spend(datetime(2026, 11, 20, 11, tzinfo=UTC), "160")
    w.price()
    assert [a.threshold for a in w.evaluator.evaluate(T).raised if a.kind == "budget"] == ["100"]
    budget_events = [e for e in w.published() if e["kind"] == "budget"]
    assert [e["threshold"] for e in budget_events] == ["80", "100"]
    assert budget_events[1]["severity"] == "critical"
    # Spend restated down below 80%: still no 50% alert for this month.
    w.ledger.usage.clear()
    w._rows.clear()
    w.spend(datetime(2026, 11, 20, 11, tzinfo=UTC), "600")
    w.price()
    assert [a for a in w.evaluator.evaluate(T).raised if a.kind == "budget"] == []


def test_a_new_month_starts_over(w: AlertWorld) -> None:
    w.account()
    w.budget("100")
    w.spend(datetime(2026, 11, 20, 10, tzinfo=UTC), "90")
    w.price()
    assert [a.period for a in w.evaluator.evaluate(T).raised] == ["2026-11"]
    w.clock.now = datetime(2026, 12, 2, 12, tzinfo=UTC)
    w.spend(datetime(2026, 12, 2, 10, tzinfo=UTC), "95")
    w.price()
    raised = [a for a in w.evaluator.evaluate(T).raised if a.kind == "budget"]
    assert [(a.period, a.threshold) for a in raised] == [("2026-12", "80")]


def test_forecast_alert_when_the_month_projects_past_the_budget(w: AlertWorld) -> None:
    w.account()
    w.budget("1000", forecast=True)
    for day in range(1, 20):
        w.spend(datetime(2026, 11, day, 10, tzinfo=UTC), "40")
    w.spend(datetime(2026, 11, 20, 10, tzinfo=UTC), "20")
    w.price()
    raised = {a.kind: a for a in w.evaluator.evaluate(T).raised}
    assert set(raised) == {"budget", "budget_forecast"}
    assert raised["budget"].threshold == "50"  # $780 = 78%
    forecast = raised["budget_forecast"]
    # $780 so far + $40/day (mean of the 13th-19th) x 10.479 days left (12:30 on the 20th to December 1st)
    expected = D(780) + D(40) * D(int((datetime(2026, 12, 1, tzinfo=UTC) - NOW).total_seconds())) / D(86400)
    assert forecast.details["projected_usd"] == str(expected.quantize(D("0.01")))
    assert forecast.threshold == "forecast" and "$1199.17" in forecast.title
    assert w.evaluator.evaluate(T).raised == []
    # Without three days of history there is no forecast.
    w2 = AlertWorld()
    w2.account(history_start=NOW - timedelta(days=2), created_at=NOW - timedelta(days=2))
    w2.budget("100", forecast=True)
    w2.spend(NOW - timedelta(hours=30), "30")
    w2.price()
    assert [a.kind for a in w2.evaluator.evaluate(T).raised] == []


def test_budget_scopes_count_only_their_usage(w: AlertWorld) -> None:
    w.account(1)
    w.account(2)
    key = w.budget("100", scope="api_key", scope_id="apikey_9")
    model = w.budget("100", scope="model", scope_id="claude-opus-4-6")
    account = w.budget("100", scope="account", scope_id="acc_0000000000000002")
    workspace = w.budget("100", scope="workspace", scope_id="default")
    hour = datetime(2026, 11, 20, 9, tzinfo=UTC)
    w.spend(hour, "85", key="apikey_9", ws="wrkspc_1")  # key: 85%
    w.spend(hour, "30", model="claude-opus-4-6", key="apikey_1", ws="wrkspc_1")  # model: 30%
    w.spend(hour, "55", n=2)  # account 2: 55%; default workspace: 55%
    w.price(1)
    w.price(2)
    raised = {a.rule_id: a.threshold for a in w.evaluator.evaluate(T).raised}
    assert raised == {key.id: "80", account.id: "50", workspace.id: "50"}
    assert model.id not in raised


def test_a_provider_budget_counts_only_that_providers_accounts(w: AlertWorld) -> None:
    w.account(1)
    w.account(2, provider="openai")
    w.account(3, provider="openai")
    openai = w.budget("100", scope="provider", scope_id="openai")
    anthropic = w.budget("100", scope="provider", scope_id="anthropic")
    hour = datetime(2026, 11, 20, 9, tzinfo=UTC)
    w.spend(hour, "90", n=1)  # anthropic: 90%
    w.spend(hour, "30", n=2)
    w.spend(hour, "25", n=3)  # openai: 30 + 25 = 55%
    w.price(1)
    w.price(2, "openai")
    w.price(3, "openai")
    raised = {a.rule_id: a for a in w.evaluator.evaluate(T).raised}
    assert raised[openai.id].threshold == "50" and raised[openai.id].details["spent_usd"] == "55.00"
    assert raised[anthropic.id].threshold == "80" and raised[anthropic.id].details["spent_usd"] == "90.00"
    assert raised[openai.id].details["scope"] == "provider" and raised[openai.id].details["scope_id"] == "openai"


def test_budgets_are_judged_in_the_tenant_time_zone(w: AlertWorld) -> None:
    w.zone = "Pacific/Auckland"  # UTC+13 in November: 12:30 UTC is 01:30 on the 21st
    w.account()
    budget = w.budget("50", period="day")
    w.spend(datetime(2026, 11, 20, 10, tzinfo=UTC), "100")  # 23:00 on the 20th in Auckland: yesterday
    w.spend(datetime(2026, 11, 20, 11, tzinfo=UTC), "30")  # 00:00 on the 21st: today
    w.price()
    (alert,) = w.evaluator.evaluate(T).raised
    assert alert.rule_id == budget.id and alert.threshold == "50" and alert.period == "2026-11-21"
    assert alert.details["spent_usd"] == "30.00" and alert.details["time_zone"] == "Pacific/Auckland"
    assert alert.details["period_start"] == "2026-11-20T11:00:00+00:00"
    # an unknown zone falls back to UTC rather than failing the evaluation
    w.zone = "Mars/Olympus"
    assert [a.period for a in w.evaluator.evaluate(T).raised] == ["2026-11-20"]


def test_unpriced_models_are_reported_not_counted(w: AlertWorld) -> None:
    w.account()
    w.budget("10")
    w.spend(datetime(2026, 11, 20, 9, tzinfo=UTC), "4")
    w.spend(datetime(2026, 11, 20, 9, tzinfo=UTC), "500", model="mystery")
    w.price()
    raised = {a.kind: a for a in w.evaluator.evaluate(T).raised}
    assert set(raised) == {"unpriced_model"}  # $4 of $10: under 50%, the mystery tokens are not $
    unpriced = raised["unpriced_model"]
    assert unpriced.details == {
        "model": "mystery",
        "tokens": 500_000_000,
        "month": "2026-11",
        "reasons": ["no price known for model mystery"],
    }
    assert unpriced.title == "Some usage of mystery has no known price"
    assert "(no price known for model mystery)" in unpriced.message
    assert w.evaluator.evaluate(T).raised == []


def steady_key(w: AlertWorld, days: int, end: datetime) -> None:
    import random

    rng = random.Random(7)
    hour = utc_hour(end) - timedelta(days=days)
    while hour <= utc_hour(end):
        level = 1.0 if 8 <= hour.hour <= 20 else 0.3
        w.spend(hour, str(round(3 * level * rng.lognormvariate(0, 0.35), 4)))
        hour += timedelta(hours=1)


def test_spike_alert_names_the_key_and_the_jump(w: AlertWorld) -> None:
    w.account()
    w.accounts.save_names(T, "acc_0000000000000001", Names({"apikey_1": "prod"}))
    w.channel(1, kinds=("spike",))
    w.channel(2, kinds=("budget",))
    steady_key(w, 10, NOW - timedelta(hours=4))
    w.spend(NOW - timedelta(hours=3), "80")  # on top of nothing else that hour
    w.price()
    raised = w.evaluator.evaluate(T).raised
    assert {(a.kind, a.details["dimension"]) for a in raised} == {("spike", "api_key"), ("spike", "model")}
    key = next(a for a in raised if a.details["dimension"] == "api_key")
    assert key.period == "2026-11-20T09" and key.rule_id == "spike:hour:api_key:acc_0000000000000001/apikey_1"
    assert "API key 'prod'" in key.title and "$80.00" in key.title
    assert D(key.details["jump_usd"]) == D(80) - D(key.details["baseline_usd"])
    assert key.channel_ids == ("chn_0000000000000001",)  # only the channel taking spikes
    assert key.details["provisional"] is True
    assert w.evaluator.evaluate(T).raised == []


def test_a_day_spending_well_above_usual_without_a_spiking_hour_is_a_daily_spike_once_a_day(w: AlertWorld) -> None:
    w.account()
    w.channel(1, kinds=("spike",))
    yesterday = (NOW - timedelta(days=1)).replace(hour=0, minute=0)
    hour = yesterday - timedelta(days=16)
    while hour < yesterday:  # two weeks and more at $2 an hour, every hour
        w.spend(hour, "2")
        hour += timedelta(hours=1)
    for h in range(24):  # then a whole day at $6 an hour: no hour is a spike ($7 needed), the day is ($120)
        w.spend(yesterday + timedelta(hours=h), "6")
    w.price()
    assert [a for a in w.evaluator.evaluate(T, "priced").raised if a.kind == "spike"] == []
    daily = [a for a in w.evaluator.evaluate(T, "daily").raised if a.kind == "spike"]
    assert {(a.details["unit"], a.period, a.details["dimension"]) for a in daily} == {
        ("day", yesterday.date().isoformat(), "api_key"),
        ("day", yesterday.date().isoformat(), "model"),
    }
    assert all(a.details["spend_usd"] == "144.00" and a.details["baseline_usd"] == "48.00" for a in daily)
    assert w.evaluator.evaluate(T, "daily").raised == []


def test_steady_synthetic_data_raises_no_spike(w: AlertWorld) -> None:
    w.account()
    steady_key(w, 12, NOW)
    w.price()
    for back in range(0, 5 * 24, 24):
        w.clock.now = NOW - timedelta(hours=back)
        assert [a for a in w.evaluator.evaluate(T, "daily").raised if a.kind == "spike"] == []


def load_simulated(w: AlertWorld, profile: UsageProfile, now: datetime, days: int) -> None:
    sim = AnthropicSimulator(now=lambda: now)
    sim.add_organization(SimOrganization(id="org", name="Org", admin_keys=["k"], profile=profile))
    hours = [utc_hour(now) - timedelta(hours=i) for i in range(days * 24, -1, -1)]
    buckets = [UsageBucket(h, tuple(parse_usage_result(h, r) for r in sim.usage_rows("org", h))) for h in hours]
    w.ledger.write_buckets(T, "acc_0000000000000001", buckets)
    w.costing.price_range(T, "acc_0000000000000001", "anthropic", hours[0], now)


@pytest.mark.parametrize("seed", [11, 23])
def test_simulator_steady_data_raises_no_spike_and_its_spike_does(seed: int) -> None:
    now = datetime(2026, 11, 20, 17, 10, tzinfo=UTC)
    steady = AlertWorld(catalogue=default_catalogue(), now=now)
    steady.account(history_start=now - timedelta(days=25))
    load_simulated(steady, UsageProfile(seed=seed, api_keys=3, workspaces=2, combos_per_hour=8), now, 24)
    # Evaluated every 12 hours over the last 8 days: each evaluation judges 48 hours and 2 days.
    for back in range(0, 8 * 24, 12):
        steady.clock.now = now - timedelta(hours=back)
        spikes = [a.title for a in steady.evaluator.evaluate(T).raised if a.kind == "spike"]
        assert spikes == [], spikes
    spiking = AlertWorld(catalogue=default_catalogue(), now=now)
    spiking.account(history_start=now - timedelta(days=25))
    spike_hour = utc_hour(now) - timedelta(hours=3)
    profile = UsageProfile(seed=seed, api_keys=3, workspaces=2, combos_per_hour=8, spike=(spike_hour, 20.0))
    load_simulated(spiking, profile, now, 24)
    spikes = [a for a in spiking.evaluator.evaluate(T).raised if a.kind == "spike"]
    assert spikes and {a.period for a in spikes} == {spike_hour.strftime("%Y-%m-%dT%H")}
    assert all(D(a.details["jump_usd"]) >= D(5) for a in spikes)


def test_connection_event_raises_once_per_breakage(w: AlertWorld) -> None:
    w.account()
    w.channel()
    at = NOW - timedelta(minutes=5)
    event = AccountEventIn("account.error", T, "acc_0000000000000001", "error", "the key was revoked (401)", at)
    alert = w.evaluator.on_account_event(event)
    assert alert is not None and alert.kind == "connection" and alert.severity == "critical"
    assert "Account 1" in alert.title and "revoked" in alert.message
    assert w.evaluator.on_account_event(event) is None  # redelivered
    assert (
        w.evaluator.on_account_event(
            AccountEventIn("account.connected", T, alert.details["account_id"], "connected", None, NOW)
        )
        is None
    )
    later = AccountEventIn("account.error", T, "acc_0000000000000001", "error", "401", at + timedelta(days=1))
    assert w.evaluator.on_account_event(later) is not None  # a new breakage
    assert len(w.published()) == 2


def test_stale_data_and_key_rotation(w: AlertWorld) -> None:
    w.account(1, last_success_at=NOW - timedelta(hours=9))  # stale
    w.account(2, created_at=NOW - timedelta(days=120))  # key age unknown: connected 120 days ago
    w.account(3, created_at=NOW - timedelta(days=120), key_created_at=NOW - timedelta(days=10))  # rotated
    w.account(4, status="error", last_success_at=NOW - timedelta(days=3))  # has its connection alert
    w.account(5, status="disconnected", created_at=NOW - timedelta(days=400))
    raised = {(a.kind, a.details["account_id"]) for a in w.evaluator.evaluate(T).raised}
    assert raised == {("stale_data", "acc_0000000000000001"), ("rotation_due", "acc_0000000000000002")}
    rotation = next(a for a in w.alerts.alerts.values() if a.kind == "rotation_due")
    assert rotation.details["key_age_days"] == 120 and rotation.details["key_created_known"] is False
    assert w.evaluator.evaluate(T).raised == []
    # the stale account syncs, then goes stale again: a new alert
    w.accounts.update(T, "acc_0000000000000001", {"last_success_at": NOW + timedelta(hours=1)})
    w.clock.now = NOW + timedelta(hours=8)
    again = [a for a in w.evaluator.evaluate(T).raised if a.details["account_id"] == "acc_0000000000000001"]
    assert [a.kind for a in again] == ["stale_data"]
    assert again[0].details["last_success_at"] == (NOW + timedelta(hours=1)).isoformat()


def test_an_alert_stored_but_not_published_is_published_by_the_next_evaluation(w: AlertWorld) -> None:
    w.account()
    w.budget("10")
    w.spend(NOW - timedelta(hours=1), "9")
    w.price()

    class Down:
        def publish(self, topic: str, message: dict, ordering_key: str = "") -> None:
            raise ConnectionError("pubsub down")

    w.evaluator.publisher = Down()
    with pytest.raises(ConnectionError):
        w.evaluator.evaluate(T)
    (stored,) = w.alerts.alerts.values()
    assert not stored.published
    w.evaluator.publisher = w.publisher
    w.evaluator.evaluate(T)
    assert len(w.published()) == 1 and next(iter(w.alerts.alerts.values())).published
    w.evaluator.evaluate(T)
    assert len(w.published()) == 1


def test_budget_channels_and_disabled_channels(w: AlertWorld) -> None:
    w.account()
    a, b = w.channel(1), w.channel(2)
    w.channel(3, enabled=False)
    w.budget("10", channel_ids=(b.id,))
    w.budget("10", id="bud_00000000000000ff")
    w.spend(NOW - timedelta(hours=1), "9")
    w.price()
    routed = sorted(a_.channel_ids for a_ in w.evaluator.evaluate(T).raised)
    assert routed == [(a.id, b.id), (b.id,)]


def test_history_import_of_old_days_skips_the_spend_rules(w: AlertWorld) -> None:
    w.account()
    report = w.evaluator.evaluate(T, "priced", [datetime(2026, 9, 1).date(), datetime(2026, 9, 7).date()])
    assert report.skipped and report.documents_read == 0


def test_the_hourly_sweep_asks_for_tenants_with_stale_data_and_the_daily_one_for_every_alerting_tenant(
    w: AlertWorld,
) -> None:
    w.channels.mark_alerting("t1")
    w.channels.mark_alerting("t2")
    w.account(1, stale_at=NOW + timedelta(hours=5))  # synced an hour ago
    assert w.evaluator.sweep() == 0  # nothing is stale: no evaluation, no read of any tenant
    last = NOW - timedelta(hours=6, minutes=1)  # no sync succeeded since
    w.accounts.update(T, "acc_0000000000000001", {"last_success_at": last, "stale_at": last + timedelta(hours=6)})
    w.accounts.create(replace(w.accounts.get(T, "acc_0000000000000001"), tenant_id="t3", id="acc_3", stale_at=None))
    assert w.evaluator.sweep() == 1
    assert [(m["tenant_id"], m["reason"]) for m in w.publisher.on("evaluations")] == [(T, "sweep")]
    (alert,) = w.evaluator.evaluate(T, "sweep").raised
    assert alert.kind == "stale_data"
    # The tick of the daily hour asks every alerting tenant for the daily evaluation (spend rules again, savings
    # advice, key age), stale or not.
    w.evaluator.sweep(datetime(2026, 11, 20, DAILY_SWEEP_HOUR, 0, 2, tzinfo=UTC))
    assert [(m["tenant_id"], m["reason"]) for m in w.publisher.on("evaluations")][1:] == [
        ("t1", "daily"),
        ("t2", "daily"),
    ]


def test_the_hourly_sweep_reads_no_usage_and_the_daily_one_is_a_safety_net(w: AlertWorld) -> None:
    w.account()
    budget = w.budget("100")
    w.spend(datetime(2026, 11, 20, 9, tzinfo=UTC), "90")
    w.price()
    hourly = w.evaluator.evaluate(T, "sweep")
    assert hourly.raised == [] and hourly.documents_read == 0  # only costing changes spend
    # Costing's own evaluation was lost (say): the daily sweep still raises what holds.
    daily = w.evaluator.evaluate(T, "daily")
    assert [(a.rule_id, a.threshold) for a in daily.raised] == [(budget.id, "80")]


def test_the_collectors_rotation_event_and_the_evaluators_own_check_raise_one_alert(w: AlertWorld) -> None:
    w.account(1, created_at=NOW - timedelta(days=100), key_created_at=NOW - timedelta(days=95), key_hint="…x1y2")
    event = AccountEventIn("account.rotation_due", T, "acc_0000000000000001", "connected", "95 days old", NOW)
    alert = w.evaluator.on_account_event(event)
    assert alert is not None and alert.kind == "rotation_due" and alert.details["key_age_days"] == 95
    assert alert.details["key_created_known"] is True and "…x1y2" in alert.message
    assert w.evaluator.on_account_event(event) is None
    assert [a for a in w.evaluator.evaluate(T).raised if a.kind == "rotation_due"] == []
    assert len([e for e in w.published() if e["kind"] == "rotation_due"]) == 1
    # a replaced key (new creation date) is a new reminder, 90 days later
    w.accounts.update(T, "acc_0000000000000001", {"key_created_at": NOW})
    w.clock.now = NOW + timedelta(days=91)
    w.accounts.update(T, "acc_0000000000000001", {"last_success_at": w.clock.now})
    assert [a.kind for a in w.evaluator.evaluate(T).raised] == ["rotation_due"]


def test_half_hour_zones_count_each_hour_in_the_day_it_began(w: AlertWorld) -> None:
    w.zone = "Asia/Kolkata"  # UTC+5:30: the local day began at 18:30 UTC on the 19th
    w.account()
    w.budget("30", period="day")
    w.spend(datetime(2026, 11, 19, 18, tzinfo=UTC), "10")  # began 23:30 local on the 19th
    w.spend(datetime(2026, 11, 19, 19, tzinfo=UTC), "20")  # began 00:30 local on the 20th
    w.price()
    (alert,) = [a for a in w.evaluator.evaluate(T).raised if a.kind == "budget"]
    assert alert.period == "2026-11-20" and alert.details["spent_usd"] == "20.00"


def test_an_hourly_evaluation_reads_one_month_rollup_per_account(w: AlertWorld) -> None:
    """Spikes (nine days of hours), a tenant budget's total, provisional share and forecast (seven trailing
    days) and unpriced models, for two accounts with three weeks of usage: each account's month rollup answers
    it all (the hours from its recent days, the provisional share from those hours). Reading priced days would
    be ten per account."""
    for n in (1, 2):
        w.account(n)
        for back in range(0, 21 * 24, 5):
            w.spend(NOW - timedelta(hours=back), "1.5", model="m" if back % 2 else "mystery", n=n)
        w.price(n)
    w.budget("1000", forecast=True)
    report = w.evaluator.evaluate(T, "priced", [NOW.date()])
    assert report.documents_read == 2  # November's rollup of each account
    assert w.evaluator.evaluate(T, "priced", [NOW.date()]).raised == []
    # The provisional share from the hours is the one the priced days give: five priced hours of the last 48
    # per account.
    budget = w.budget("100", id="bud_00000000000000aa")
    (alert,) = [a for a in w.evaluator.evaluate(T, "priced", [NOW.date()]).raised if a.rule_id == budget.id]
    from_days = Ledger(w.ledger, T, w.clock).read(
        Query(
            ("acc_0000000000000001", "acc_0000000000000002"),
            datetime(2026, 11, 1, tzinfo=UTC),
            datetime(2026, 12, 1, tzinfo=UTC),
        )
    )
    assert alert.details["provisional_usd"] == str(to_cents(from_days.provisional.cost.total)) == "15.00"
    # The figures are the priced days' own: an hour of five times the usual spend is a spike.
    w.spend(NOW, "40", model="m", n=1)
    w.price(1)
    raised = w.evaluator.evaluate(T, "priced", [NOW.date()]).raised
    spikes = sorted(a.rule_id for a in raised if a.kind == "spike")
    assert spikes == ["spike:hour:api_key:acc_0000000000000001/apikey_1", "spike:hour:model:m"]
    assert all(a.details["spend_usd"] == "40.00" for a in raised if a.kind == "spike")


def test_costing_judges_the_alerts_in_its_invocation_with_the_rollup_it_wrote_else_asks_the_evaluator(
    w: AlertWorld,
) -> None:
    w.account()
    w.budget("100")
    w.spend(NOW - timedelta(hours=30), "40")
    w.price()
    reports = []

    def evaluate(message, months):  # type: ignore[no-untyped-def]
        reports.append(w.evaluator.evaluate(message.tenant_id, message.reason, message.days, known=months))

    costing = CostingService(
        w.ledger, FlatCatalogue(), publisher=w.publisher, topic_usage_priced="priced", evaluate=evaluate
    )  # type: ignore[arg-type]
    w.spend(NOW - timedelta(hours=1), "20")  # 60% of the budget now
    outcome = costing.price_days(T, "acc_0000000000000001", "anthropic", [NOW.date()])
    assert outcome.alerts == "evaluated" and w.publisher.on("priced") == []
    (report,) = reports
    assert [a.threshold for a in report.raised] == ["50"]
    assert report.documents_read == 0  # November's rollup was handed over by costing, not read again
    # The evaluation fails (the alert store is down, say): the alert evaluator function is asked instead.
    w.spend(NOW - timedelta(hours=1), "25")

    def broken(message, months):  # type: ignore[no-untyped-def]
        raise RuntimeError("alert store unavailable")

    costing.evaluate = broken
    outcome = costing.price_days(T, "acc_0000000000000001", "anthropic", [NOW.date()])
    assert outcome.alerts == "asked"
    (asked,) = w.publisher.on("priced")
    assert asked["tenant_id"] == T and asked["days"] == [NOW.date().isoformat()]
    raised = w.evaluator.evaluate(T, asked["reason"], [NOW.date()]).raised  # what that function then does
    assert [a.threshold for a in raised] == ["80"]


def test_an_alert_that_keeps_holding_is_not_written_again_and_one_never_published_is_published(
    w: AlertWorld,
) -> None:
    w.account()
    budget = w.budget("100")
    w.spend(NOW - timedelta(hours=3), "90")
    w.price()
    creates: list[str] = []
    create = w.alerts.create_if_absent

    def counting(alert):  # type: ignore[no-untyped-def]
        creates.append(alert.id)
        return create(alert)

    w.alerts.create_if_absent = counting  # type: ignore[method-assign]
    (first,) = w.evaluator.evaluate(T).raised
    assert first.rule_id == budget.id and creates == [first.id] and len(w.published()) == 1
    # The budget stays crossed: the next hours find the alert stored and published, and write nothing.
    for _ in range(3):
        assert w.evaluator.evaluate(T).raised == []
    assert creates == [first.id] and len(w.published()) == 1
    # Stored but never published (the evaluation died between the two): the next one publishes it, once.
    w.alerts.alerts[(T, first.id)] = replace(w.alerts.alerts[(T, first.id)], published=False)
    assert w.evaluator.evaluate(T).raised == []
    assert len(w.published()) == 2 and w.alerts.alerts[(T, first.id)].published
    assert w.evaluator.evaluate(T).raised == [] and len(w.published()) == 2


def test_channels_are_read_only_to_route_an_alert_that_is_raised(w: AlertWorld) -> None:
    w.account()
    w.channel(1, kinds=("budget",))
    w.channel(2, kinds=("budget_forecast", "spike"))
    w.channel(3, kinds=("budget",), enabled=False)
    w.budget("1000", forecast=True)
    for day in range(1, 20):
        w.spend(datetime(2026, 11, day, 10, tzinfo=UTC), "40")
    w.price()
    # $760 by the 19th: past the 50% threshold, and on course past the budget. The first evaluation raises both
    # alerts and lists the channels once for the two.
    raised = {a.kind: a for a in w.evaluator.evaluate(T).raised}
    assert set(raised) == {"budget", "budget_forecast"}
    assert w.channels.lists == 1
    # Routed as before: a budget's alerts, its forecast too, go where the budget's kind goes (the budget names
    # no channels of its own); the disabled channel and the forecast-only one take neither.
    assert raised["budget"].channel_ids == raised["budget_forecast"].channel_ids == ("chn_0000000000000001",)
    stored = {a.kind: a for a in w.alerts.alerts.values()}
    assert stored["budget"].channel_ids == stored["budget_forecast"].channel_ids == ("chn_0000000000000001",)
    assert [e["channel_ids"] for e in w.published()] == [["chn_0000000000000001"]] * 2
    # Every candidate stored already: the hourly evaluations read no channels at all.
    for _ in range(3):
        assert w.evaluator.evaluate(T).raised == []
    assert w.channels.lists == 1
    # A new alert (a spike) is routed by its own kind, with one more listing.
    w.spend(NOW, "900", key="apikey_9")
    w.price()
    (spike,) = [a for a in w.evaluator.evaluate(T).raised if a.kind == "spike"]
    assert spike.channel_ids == ("chn_0000000000000002",)
    assert w.channels.lists == 2


def test_an_evaluation_with_no_candidate_reads_no_channels(w: AlertWorld) -> None:
    w.account()
    w.channel()
    w.budget("1000")
    w.spend(NOW - timedelta(hours=1), "1")
    w.price()
    report = w.evaluator.evaluate(T)
    assert report.raised == [] and report.considered == 0
    assert w.channels.lists == 0


def test_a_stored_but_unpublished_alert_is_published_with_its_stored_channels(w: AlertWorld) -> None:
    w.account()
    channel = w.channel()
    w.budget("10")
    w.spend(NOW - timedelta(hours=1), "9")
    w.price()
    (alert,) = w.evaluator.evaluate(T).raised
    key = (T, alert.id)
    w.alerts.alerts[key] = replace(w.alerts.alerts[key], published=False)  # a crash between store and publish
    w.publisher.messages.clear()
    w.evaluator.evaluate(T)
    (event,) = w.published()
    assert event["id"] == alert.id and event["channel_ids"] == [channel.id]
    assert w.alerts.alerts[key].published
