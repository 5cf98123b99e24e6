"""The decisions behind alerts, as pure functions: budget periods, thresholds, the month-end projection,
spike detection. No storage and no clock: everything they need is passed in.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from shared.alerts.model import CONSOLE_KEY_SCOPE_ID, DEFAULT_WORKSPACE_SCOPE_ID
from shared.domain.money import ZERO
from shared.domain.usage import Dimensions

DAY = timedelta(days=1)


# --------------------------------------------------------------------------------------------------
# Budgets


@dataclass(frozen=True, slots=True)
class Period:
    """One calendar day or month of a time zone, as UTC instants ``[start, end)``."""

    key: str  # "2026-11" or "2026-11-20"
    start: datetime
    end: datetime
    local_start: date
    local_end: date  # exclusive


def _local_midnight(day: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), tz).astimezone(UTC)


def budget_period(period: str, now: datetime, tz: ZoneInfo) -> Period:
    """The day or month of ``tz`` that ``now`` falls in."""
    today = now.astimezone(tz).date()
    if period == "day":
        first, after = today, today + DAY
        key = today.isoformat()
    elif period == "month":
        first = today.replace(day=1)
        after = (first + timedelta(days=32)).replace(day=1)
        key = first.strftime("%Y-%m")
    else:
        raise ValueError(f"unknown budget period {period!r}")
    return Period(key, _local_midnight(first, tz), _local_midnight(after, tz), first, after)


def highest_crossed(spent: Decimal, amount: Decimal, thresholds: Sequence[int]) -> int | None:
    """The highest threshold (percent of ``amount``) that ``spent`` has reached, or None.

    Only the highest fires: a first evaluation that finds 85% says "80% reached", not "50%" and "80%".
    """
    if amount <= 0:
        return None
    reached = [t for t in thresholds if spent * 100 >= amount * t]
    return max(reached) if reached else None


def percent_of(spent: Decimal, amount: Decimal) -> Decimal:
    return (spent * 100 / amount).quantize(Decimal("0.1")) if amount > 0 else ZERO


FORECAST_TRAILING_DAYS = 7
FORECAST_MIN_DAYS = 3


def project_month_end(
    spent: Decimal, trailing_days: Sequence[Decimal], now: datetime, period_end: datetime
) -> Decimal | None:
    """Month-to-date spend plus the recent daily run rate times the time left in the month.

    The run rate is the mean of the last complete days before today (up to 7, from this month or the
    previous one; at least 3 with data): a full week averages out the weekday/weekend cycle, follows a
    recent change in spend faster than the month-to-date mean, and works on the first days of a month,
    when month-to-date spend says little. Today's partial spend is in ``spent`` and not in the rate.

    Returns None without enough history.
    """
    if len(trailing_days) < FORECAST_MIN_DAYS:
        return None
    rate = sum(trailing_days, ZERO) / len(trailing_days)
    remaining = max(period_end - now, timedelta(0))
    remaining_days = Decimal(int(remaining.total_seconds())) / Decimal(86400)
    return spent + rate * remaining_days


DIMS_OF_SCOPE: dict[str, frozenset[str]] = {
    "tenant": frozenset(),
    "account": frozenset(),
    "provider": frozenset(),
    "workspace": frozenset({"workspace_id"}),
    "api_key": frozenset({"api_key_id"}),
    "model": frozenset({"model"}),
}
"""The row dimensions `row_in_scope` looks at for each scope (the account and its provider are always known):
what decides whether a month rollup can answer a budget's spend."""


def row_in_scope(scope: str, scope_id: str | None, account_id: str, provider: str, dims: Dimensions) -> bool:
    """Whether a priced row of ``account_id`` (an account of ``provider``) counts towards a budget of this
    scope."""
    if scope == "tenant":
        return True
    if scope == "account":
        return account_id == scope_id
    if scope == "provider":
        return provider == scope_id
    if scope == "workspace":
        return (dims.workspace_id or DEFAULT_WORKSPACE_SCOPE_ID) == scope_id
    if scope == "api_key":
        return (dims.api_key_id or CONSOLE_KEY_SCOPE_ID) == scope_id
    if scope == "model":
        return dims.model == scope_id
    raise ValueError(f"unknown budget scope {scope!r}")


# --------------------------------------------------------------------------------------------------
# Spikes


@dataclass(frozen=True, slots=True)
class SpikePolicy:
    """When one hour (or day) of a key's or model's spend is a spike.

    A value is a spike when it exceeds all three of:
      * ``median + k * 1.4826 * MAD`` of its baseline (a robust z-score: a past spike or two moves
        neither the median nor the median absolute deviation);
      * ``ratio`` times the ``quantile`` of the baseline's non-zero points (how much it spends when it
        is in use: keeps a heavy-tailed but normal busy hour, or a rarely used key, from firing);
      * ``median + min_jump`` dollars (a jump too small to matter never fires).

    and the series has at least ``min_history`` points of baseline since it was first seen.
    """

    window: int
    min_history: int
    k: Decimal
    quantile: Decimal
    ratio: Decimal
    min_jump: Decimal
    unit: str  # "hour" or "day"


# Calibrated on the simulator's steady data (8 organizations, 23 days each, every key and model): the
# largest hour was 3.1x the 95th percentile of its active hours, the largest day 1.8x the 90th
# percentile of its days and 4.6 robust z; the ratios below leave a margin over those.
HOURLY = SpikePolicy(
    window=7 * 24,
    min_history=3 * 24,
    k=Decimal(6),
    quantile=Decimal("0.95"),
    ratio=Decimal(4),
    min_jump=Decimal(5),
    unit="hour",
)
DAILY = SpikePolicy(
    window=14,
    min_history=7,
    k=Decimal(6),
    quantile=Decimal("0.9"),
    ratio=Decimal("2.5"),
    min_jump=Decimal(20),
    unit="day",
)

MAD_SCALE = Decimal("1.4826")  # makes the MAD estimate a standard deviation for normal data


@dataclass(frozen=True, slots=True)
class Spike:
    value: Decimal
    baseline: Decimal  # the median of the baseline
    threshold: Decimal
    history: int

    @property
    def jump(self) -> Decimal:
        return self.value - self.baseline


def median(values: Sequence[Decimal]) -> Decimal:
    return _median_of_sorted(sorted(values))


def _median_of_sorted(ordered: Sequence[Decimal]) -> Decimal:
    n = len(ordered)
    if n == 0:
        return ZERO
    mid = n // 2
    return ordered[mid] if n % 2 else (ordered[mid - 1] + ordered[mid]) / 2


def quantile(values: Sequence[Decimal], q: Decimal) -> Decimal:
    """Nearest-rank quantile (no interpolation: the answer is one of the values)."""
    return _quantile_of_sorted(sorted(values), q)


def _quantile_of_sorted(ordered: Sequence[Decimal], q: Decimal) -> Decimal:
    if not ordered:
        return ZERO
    index = min(len(ordered) - 1, int(q * len(ordered)))
    return ordered[index]


def detect_spike(value: Decimal, history: Sequence[Decimal | None], policy: SpikePolicy) -> Spike | None:
    """Whether ``value`` is a spike against ``history``.

    Args:
        value: the candidate hour's or day's spend.
        history: the ``policy.window`` points just before it, oldest first; None where no data was
            collected. Points before the series' first non-zero one are not history (a new key has none).
    """
    if value <= policy.min_jump:
        # The threshold is at least median + min_jump, and spend is never negative: no spike, and no need
        # to sort the baseline (most points of most series end here).
        return None
    points = list(history[-policy.window :])
    first = next((i for i, v in enumerate(points) if v is not None and v > 0), None)
    if first is None:
        return None
    baseline = [v for v in points[first:] if v is not None]
    if len(baseline) < policy.min_history:
        return None
    # ``value`` must exceed each of the three bars; the cheap ones are checked first, so most busy hours end
    # after one sort of the baseline. Its positive values are the tail of that sorted list (in the order a
    # sort of them alone gives, ties included): the quantile needs no sort of its own.
    ordered = sorted(baseline)
    mid = _median_of_sorted(ordered)
    if value <= mid + policy.min_jump:
        return None
    usual = policy.ratio * _quantile_of_sorted(ordered[bisect_right(ordered, ZERO) :], policy.quantile)
    if value <= usual:
        return None
    mad = median([abs(v - mid) for v in baseline])
    threshold = max(mid + policy.k * MAD_SCALE * mad, usual, mid + policy.min_jump)
    if value <= threshold:
        return None
    return Spike(value=value, baseline=mid, threshold=threshold, history=len(baseline))
