"""A tenant's priced spend as the evaluator needs it: totals over a range, and per key or model series.

Reads the daily aggregates for whole UTC days and the hourly records only where a range cuts a day
(a time zone's midnight) or where hours are asked for, each document at most once per evaluation.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from shared.alerts.model import CONSOLE_KEY_SCOPE_ID
from shared.domain.money import ZERO
from shared.domain.priced import CostRow
from shared.domain.usage import Dimensions, utc_hour
from shared.ports import CostStore

RowFilter = Callable[[str, Dimensions], bool]
"""(account_id, dims) -> whether the row counts."""

DAY = timedelta(days=1)
HOUR = timedelta(hours=1)


@dataclass(frozen=True, slots=True)
class SpendTotal:
    """Priced spend over a range, with what it leaves out and what may still change.

    Attributes:
        usd: the priced part, exact.
        unpriced_tokens: tokens of models with no known price (not counted as $0, not counted at all).
        provisional_usd: the part from days or hours younger than the provisional window.
    """

    usd: Decimal
    unpriced_tokens: int
    provisional_usd: Decimal


def _day_start(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def series_keys(account_id: str, dims: Dimensions) -> list[tuple[str, str]]:
    """The spike series a row belongs to: its API key (per account) and its model (across accounts)."""
    return [
        ("api_key", f"{account_id}/{dims.api_key_id or CONSOLE_KEY_SCOPE_ID}"),
        ("model", dims.model),
    ]


class TenantSpend:
    """One evaluation's view of a tenant's priced rows. Not thread-safe; build one per evaluation."""

    def __init__(self, costs: CostStore, tenant_id: str, account_ids: Sequence[str]):
        self._costs = costs
        self._tenant = tenant_id
        self._accounts = list(account_ids)
        self._days: dict[date, list[tuple[str, CostRow]]] = {}
        self._day_docs: set[date] = set()  # days some account has an aggregate of (collected)
        self._hours: dict[datetime, list[tuple[str, CostRow]]] = {}
        self._hour_days: set[date] = set()
        self.documents_read = 0

    # -- loading ---------------------------------------------------------------------------------

    def load_days(self, first: date, last: date) -> None:
        missing = [first + timedelta(days=i) for i in range((last - first).days + 1)]
        missing = [d for d in missing if d not in self._days]
        if not missing or not self._accounts:
            for d in missing:
                self._days[d] = []
            return
        for d in missing:
            self._days[d] = []
        for cost_day in self._costs.read_days(self._tenant, self._accounts, missing[0], missing[-1]):
            self.documents_read += 1
            self._day_docs.add(cost_day.day)
            self._days.setdefault(cost_day.day, []).extend((cost_day.account_id, r) for r in cost_day.rows)

    def load_hours(self, first: date, last: date) -> None:
        days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
        days = [d for d in days if d not in self._hour_days]
        if not days:
            return
        self._hour_days.update(days)
        if not self._accounts:
            return
        for cost_hour in self._costs.read_hours(self._tenant, self._accounts, days[0], days[-1]):
            self.documents_read += 1
            hour = utc_hour(cost_hour.hour_start)
            self._hours.setdefault(hour, []).extend((cost_hour.account_id, r) for r in cost_hour.rows)

    def day_rows(self, day: date) -> list[tuple[str, CostRow]]:
        self.load_days(day, day)
        return self._days[day]

    def hour_rows(self, hour: datetime) -> list[tuple[str, CostRow]] | None:
        """The hour's rows, or None when no account has a record of that hour (not collected)."""
        self.load_hours(hour.date(), hour.date())
        return self._hours.get(hour)

    # -- totals ----------------------------------------------------------------------------------

    def total(self, start: datetime, end: datetime, keep: RowFilter, provisional_after: datetime) -> SpendTotal:
        """Spend of the rows ``keep`` accepts in ``[start, end)`` (UTC instants; any time zone's days)."""
        usd = provisional = ZERO
        unpriced = 0
        day = start.astimezone(UTC).date()
        while _day_start(day) < end:
            lo, hi = _day_start(day), _day_start(day) + DAY
            # Whole settled days come from the daily aggregate; a day cut by the range, or with provisional
            # hours in it (to say exactly how much is provisional), from its hours.
            if start <= lo and hi <= end and hi <= provisional_after:
                parts = [(hi, self.day_rows(day))]
            else:
                parts = []
                # An hour belongs to the range its start falls in (zones at half hours: the provider's
                # data is hourly, so the hour that straddles local midnight counts for the day it began in).
                first = utc_hour(start)
                hour = max(lo, first if first == start else first + HOUR)
                while hour < min(hi, end):
                    parts.append((hour + HOUR, self.hour_rows(hour) or []))
                    hour += HOUR
            for part_end, rows in parts:
                for account_id, row in rows:
                    if not keep(account_id, row.dims):
                        continue
                    if row.cost is None:
                        unpriced += row.tokens.total_tokens
                        continue
                    usd += row.cost.total
                    if part_end > provisional_after:
                        provisional += row.cost.total
            day += DAY
        return SpendTotal(usd, unpriced, provisional)

    def daily_totals(self, days: Sequence[tuple[datetime, datetime]], keep: RowFilter) -> list[Decimal]:
        """The spend of each ``[start, end)`` range (a time zone's days), priced rows only."""
        far = datetime.max.replace(tzinfo=UTC)
        return [self.total(lo, hi, keep, far).usd for lo, hi in days]

    # -- series for spikes ------------------------------------------------------------------------

    def hourly_series(
        self, first: datetime, end: datetime
    ) -> tuple[list[datetime], dict[tuple[str, str], list[Decimal | None]]]:
        """Per key and per model, the priced spend of each hour in ``[first, end)``; None = not collected."""
        hours: list[datetime] = []
        hour = utc_hour(first)
        while hour < end:
            hours.append(hour)
            hour += HOUR
        if hours:
            self.load_hours(hours[0].date(), hours[-1].date())
        series: dict[tuple[str, str], list[Decimal | None]] = defaultdict(lambda: [None] * len(hours))
        collected = [self.hour_rows(h) is not None for h in hours]
        for i, h in enumerate(hours):
            for account_id, row in self.hour_rows(h) or []:
                if row.cost is None:
                    continue
                for key in series_keys(account_id, row.dims):
                    values = series[key]
                    values[i] = (values[i] or ZERO) + row.cost.total
        for values in series.values():
            for i, ok in enumerate(collected):
                if ok and values[i] is None:
                    values[i] = ZERO
        return hours, dict(series)

    def daily_series(self, first: date, last: date) -> tuple[list[date], dict[tuple[str, str], list[Decimal | None]]]:
        """Per key and per model, the priced spend of each UTC day in ``[first, last]``."""
        days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
        self.load_days(first, last)
        series: dict[tuple[str, str], list[Decimal | None]] = defaultdict(lambda: [None] * len(days))
        collected = [d in self._day_docs for d in days]
        for i, d in enumerate(days):
            for account_id, row in self._days[d]:
                if row.cost is None:
                    continue
                for key in series_keys(account_id, row.dims):
                    values = series[key]
                    values[i] = (values[i] or ZERO) + row.cost.total
        for values in series.values():
            for i, ok in enumerate(collected):
                if ok and values[i] is None:
                    values[i] = ZERO
        return days, dict(series)

    def unpriced_models(self, first: date, last: date) -> dict[str, int]:
        """Models with rows of no known price in the UTC days ``[first, last]``, with their tokens."""
        self.load_days(first, last)
        out: dict[str, int] = defaultdict(int)
        day = first
        while day <= last:
            for _, row in self._days[day]:
                if row.cost is None:
                    out[row.dims.model] += row.tokens.total_tokens + row.tokens.web_search_requests
            day += DAY
        return dict(out)
