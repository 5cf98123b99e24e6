"""The pure alert rules: budget periods and thresholds, the month-end projection, spike detection."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from shared.alerts import rules
from shared.alerts.model import alert_id
from shared.domain.usage import Dimensions

D = Decimal


def test_budget_periods_follow_the_time_zone() -> None:
    now = datetime(2026, 11, 30, 23, 30, tzinfo=UTC)
    utc_month = rules.budget_period("month", now, ZoneInfo("UTC"))
    assert (utc_month.key, utc_month.start, utc_month.end) == (
        "2026-11",
        datetime(2026, 11, 1, tzinfo=UTC),
        datetime(2026, 12, 1, tzinfo=UTC),
    )
    # In Paris it is already 00:30 on December 1st: a new month, which began at 23:00 UTC.
    paris = rules.budget_period("month", now, ZoneInfo("Europe/Paris"))
    assert paris.key == "2026-12" and paris.start == datetime(2026, 11, 30, 23, tzinfo=UTC)
    day = rules.budget_period("day", now, ZoneInfo("America/New_York"))
    assert day.key == "2026-11-30" and day.start == datetime(2026, 11, 30, 5, tzinfo=UTC)
    assert day.end - day.start == timedelta(hours=24)
    # A day with a DST change is 23 hours long.
    spring = rules.budget_period("day", datetime(2026, 3, 29, 12, tzinfo=UTC), ZoneInfo("Europe/Paris"))
    assert spring.end - spring.start == timedelta(hours=23)


@pytest.mark.parametrize(
    ("spent", "expected"),
    [("0", None), ("49.99", None), ("50", 50), ("79.999999", 50), ("85", 80), ("100", 100), ("250", 100)],
)
def test_only_the_highest_threshold_reached_fires(spent: str, expected: int | None) -> None:
    assert rules.highest_crossed(D(spent), D(100), (50, 80, 100)) == expected


def test_projection_is_month_to_date_plus_the_recent_daily_rate() -> None:
    now = datetime(2026, 11, 20, 12, tzinfo=UTC)
    end = datetime(2026, 12, 1, tzinfo=UTC)  # 10.5 days left
    projected = rules.project_month_end(D(600), [D(30)] * 6 + [D(44)], now, end)
    assert projected == D(600) + D(32) * D("10.5")
    assert rules.project_month_end(D(600), [D(30), D(30)], now, end) is None  # under 3 days of history
    assert rules.project_month_end(D(600), [D(30)] * 7, end, end) == D(600)  # nothing left to project


@pytest.mark.parametrize(
    ("scope", "scope_id", "dims", "account", "counted"),
    [
        ("tenant", None, Dimensions("m"), "acc_1", True),
        ("account", "acc_1", Dimensions("m"), "acc_1", True),
        ("account", "acc_1", Dimensions("m"), "acc_2", False),
        ("workspace", "wrkspc_a", Dimensions("m", workspace_id="wrkspc_a"), "acc_1", True),
        ("workspace", "default", Dimensions("m", workspace_id=None), "acc_1", True),
        ("workspace", "default", Dimensions("m", workspace_id="wrkspc_a"), "acc_1", False),
        ("api_key", "apikey_1", Dimensions("m", api_key_id="apikey_1"), "acc_1", True),
        ("api_key", "console", Dimensions("m"), "acc_1", True),
        ("api_key", "apikey_1", Dimensions("m", api_key_id="apikey_2"), "acc_1", False),
        ("model", "claude-opus-4-6", Dimensions("claude-opus-4-6"), "acc_1", True),
        ("model", "claude-opus-4-6", Dimensions("claude-opus-4-5"), "acc_1", False),
        ("provider", "openai", Dimensions("gpt-5"), "acc_2", True),
        ("provider", "openai", Dimensions("claude-opus-4-6"), "acc_1", False),
        ("provider", "anthropic", Dimensions("claude-opus-4-6"), "acc_1", True),
    ],
)
def test_budget_scopes(scope: str, scope_id: str | None, dims: Dimensions, account: str, counted: bool) -> None:
    provider = {"acc_1": "anthropic", "acc_2": "openai"}[account]
    assert rules.row_in_scope(scope, scope_id, account, provider, dims) is counted


def test_alert_ids_are_one_per_rule_period_and_threshold() -> None:
    a = alert_id("t1", "bud_1", "2026-11", "80")
    assert a == alert_id("t1", "bud_1", "2026-11", "80") and a.startswith("alr_") and len(a) == 36
    others = {
        alert_id("t1", "bud_1", "2026-12", "80"),
        alert_id("t1", "bud_1", "2026-11", "100"),
        alert_id("t1", "bud_2", "2026-11", "80"),
        alert_id("t2", "bud_1", "2026-11", "80"),
    }
    assert a not in others and len(others) == 4


# -- spikes ---------------------------------------------------------------------------------------------


def steady_hours(n: int, seed: int = 1) -> list[Decimal | None]:
    """A busy key: a daily rhythm with log-normal noise, dollars per hour."""
    rng = random.Random(seed)
    out: list[Decimal | None] = []
    for i in range(n):
        level = 0.3 + 0.7 * (1 if 8 <= i % 24 <= 20 else 0)
        out.append(D(str(round(4 * level * rng.lognormvariate(0, 0.35), 4))))
    return out


def test_steady_data_never_spikes() -> None:
    series = steady_hours(24 * 30, seed=3)
    for i in range(rules.HOURLY.window, len(series)):
        value = series[i]
        assert value is not None
        assert rules.detect_spike(value, series[i - rules.HOURLY.window : i], rules.HOURLY) is None, i


def test_a_spike_is_found_and_its_jump_stated_in_dollars() -> None:
    history = steady_hours(rules.HOURLY.window, seed=4)
    spike = rules.detect_spike(D(60), history, rules.HOURLY)
    assert spike is not None
    assert spike.value == D(60)
    assert spike.jump == D(60) - spike.baseline
    assert D(1) < spike.baseline < D(4)  # the median of the week before
    assert spike.history == rules.HOURLY.window


def test_past_outliers_do_not_hide_a_new_spike_nor_make_normal_hours_look_like_one() -> None:
    history = steady_hours(rules.HOURLY.window, seed=5)
    clean = rules.detect_spike(D(60), history, rules.HOURLY)
    # Four earlier spikes of $500 in the baseline: median and MAD barely move, the 95th percentile of the
    # active hours neither (4 of 168 points), so the same new spike is still found, at the same threshold.
    spoiled = list(history)
    for i in (10, 50, 90, 130):
        spoiled[i] = D(500)
    polluted = rules.detect_spike(D(60), spoiled, rules.HOURLY)
    assert clean is not None and polluted is not None
    assert abs(polluted.threshold - clean.threshold) < D(2)
    # ...and a normal busy hour after those outliers is still not a spike
    assert rules.detect_spike(D(5), spoiled, rules.HOURLY) is None
    # A mean-and-standard-deviation rule would have been blinded by them:
    values = [float(v) for v in spoiled if v is not None]
    mean = sum(values) / len(values)
    sd = (sum((v - mean) ** 2 for v in values) / len(values)) ** 0.5
    assert mean + 3 * sd > 60


def test_no_spike_without_minimum_history() -> None:
    history: list[Decimal | None] = [None] * (rules.HOURLY.window - 48) + steady_hours(48)
    assert rules.detect_spike(D(500), history, rules.HOURLY) is None  # 2 days of data, 3 needed
    # A new key's first hours: zeros before its first use are not history
    history = [D(0)] * (rules.HOURLY.window - 10) + steady_hours(10)
    assert rules.detect_spike(D(500), history, rules.HOURLY) is None
    history = [D(0)] * (rules.HOURLY.window - 80) + steady_hours(80)
    assert rules.detect_spike(D(500), history, rules.HOURLY) is not None


def test_small_jumps_and_rarely_used_keys() -> None:
    # A key that spends cents: 10x its usual is still under the dollar floor
    tiny = [D("0.01")] * rules.HOURLY.window
    assert rules.detect_spike(D("0.50"), tiny, rules.HOURLY) is None
    # A key used one hour in ten: zero median and MAD, so the bar is 4x what it spends when in use
    sparse: list[Decimal | None] = [D(3) if i % 10 == 0 else D(0) for i in range(rules.HOURLY.window)]
    assert rules.detect_spike(D(10), sparse, rules.HOURLY) is None
    assert rules.detect_spike(D(13), sparse, rules.HOURLY) is not None


def test_daily_spikes() -> None:
    rng = random.Random(9)
    days: list[Decimal | None] = [D(str(round(100 * rng.uniform(0.8, 1.2), 2))) for _ in range(14)]
    assert rules.detect_spike(D(180), days, rules.DAILY) is None
    spike = rules.detect_spike(D(400), days, rules.DAILY)
    assert spike is not None and spike.jump > D(250)
    assert rules.detect_spike(D(400), [None] * 8 + days[:6], rules.DAILY) is None  # 6 days < 7


def _spike_all_bars(value: Decimal, history: list[Decimal | None], policy: rules.SpikePolicy) -> rules.Spike | None:
    """`detect_spike` spelled out: the three bars computed in full, each from its own sort."""
    if value <= policy.min_jump:
        return None
    points = list(history[-policy.window :])
    first = next((i for i, v in enumerate(points) if v is not None and v > 0), None)
    if first is None:
        return None
    baseline = [v for v in points[first:] if v is not None]
    if len(baseline) < policy.min_history:
        return None
    mid = rules.median(baseline)
    mad = rules.median([abs(v - mid) for v in baseline])
    active = [v for v in baseline if v > 0]
    threshold = max(
        mid + policy.k * rules.MAD_SCALE * mad,
        policy.ratio * rules.quantile(active, policy.quantile),
        mid + policy.min_jump,
    )
    return None if value <= threshold else rules.Spike(value, mid, threshold, len(baseline))


@pytest.mark.parametrize("seed", range(40))
def test_spike_detection_checks_the_cheap_bars_first_with_the_same_answers(seed: int) -> None:
    # detect_spike stops at the first bar a value does not clear and reads the quantile off the baseline's one
    # sort: the answers must be the full computation's, to the exponent (equal amounts of several exponents,
    # zeros, gaps, quiet and busy series, values around every bar).
    rnd = random.Random(seed)
    for policy in (rules.HOURLY, rules.DAILY):
        scale = rnd.choice([D(1), D(10), D(100)])
        history: list[Decimal | None] = []
        for _ in range(policy.window):
            roll = rnd.random()
            if roll < 0.1:
                history.append(None)
            elif roll < 0.3:
                history.append(rnd.choice([D(0), D("0.00"), D("0E-6")]))
            else:
                cents = rnd.randint(1, 2000)
                history.append(rnd.choice([D(cents) / 100, (D(cents) / 100).quantize(D("0.0001"))]) * scale / 10)
        for _ in range(60):
            value = (D(rnd.randint(0, rnd.choice([2_000, 6_000, 40_000]))) / 100) * scale / 10
            got, want = rules.detect_spike(value, history, policy), _spike_all_bars(value, history, policy)
            assert repr(got) == repr(want), (seed, value)
