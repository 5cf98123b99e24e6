"""The one read model of priced usage: which documents answer a question, and cutting them into periods.

Every reader of priced usage (usage views, explain, reconciliation, alerts, re-pricing, what-if, advice,
exports) asks this module, with a `Query`: some accounts, a UTC time window (usually a time zone's local
days), a grain (the whole window, days of the zone, or UTC hours), the dimensions the caller groups or
filters on, and a row filter. It answers `Piece` s (an account, a period and a priced row), the
provisional share (hours younger than the settling time), the documents it read, and which UTC days have no
priced record yet.

Which documents: a UTC month wholly inside the window is read from its rollup (one document instead of up
to 31) when the rollup can answer: for the whole window always (its rows are summed per grouping); by day
only when the days are UTC days and the caller needs no dimension but the pricing ones (the rollup's daily
table is per model, tier, context window, geography, speed and variant). A month with hours younger than
the settling time is also read from its rollup, plus its last days to measure the provisional share. In a month
the window covers only in part, its whole settled days come from the rollup's daily table when that can
answer (UTC days, pricing dimensions). Every other day is read from its priced day, cut on the hour where the
window or the zone's midnight cuts it. Hourly spend per key and per model (`Ledger.hourly_spend`, what the
spike alerts and the budgets' provisional share read) comes from the rollups' recent days. A
month in a time zone differs from the UTC month at its edges: its full UTC months still come from rollups,
and the hours between local and UTC midnight from the days at the edges; days of a non-UTC zone are always
cut from priced days (a UTC day spans two local days).

So a 365-day summary of one account reads at most 12 month rollups and the days of the two partial months
at its ends, whatever the number of rows.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from shared.domain.money import EXACT
from shared.domain.priced import (
    CostRow,
    DayHours,
    HourSpend,
    PricedDay,
    PricedMonth,
    cut_day,
    hourly_spend,
    month_of,
    next_month,
    provisional_since,
)
from shared.domain.usage import PRICING_DIMENSIONS, Dimensions, day_start, days_between
from shared.ports import LedgerStore
from shared.pricing import CostBreakdown

UTC_ZONE = ZoneInfo("UTC")
_NEVER = datetime.max.replace(tzinfo=UTC)
Grain = Literal["total", "day", "hour"]
RowFilter = Callable[[str, Dimensions], bool]
"""(account_id, dims) -> whether the row counts."""

_ROLLUP_DIMS = frozenset(PRICING_DIMENSIONS) | {"account", "provider"}
"""What a rollup's daily table can be grouped or filtered on (the account and its provider are known)."""


def local_window(first: date, last: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """The UTC instants that begin local day ``first`` and end local day ``last``."""
    start = datetime.combine(first, time(0), zone).astimezone(UTC)
    end = datetime.combine(last + timedelta(days=1), time(0), zone).astimezone(UTC)
    return start, end


@dataclass(frozen=True)
class Query:
    """What to read.

    Attributes:
        start, end: UTC instants, ``[start, end)``; hours belong to the window their start falls in (in
            zones offset by a half or quarter hour, the hour straddling local midnight counts for the local
            day it starts in: providers report whole hours).
        zone: whose calendar days ``grain="day"`` cuts.
        dims: the dimensions the caller groups or filters on (model, api_key_id, workspace_id, ...;
            ``account`` and ``provider`` are free): they decide whether a rollup can answer.
        keep: which rows count (None: all).
        day_factors_change: days on which something the caller multiplies by per day changes (a rate
            card starting): a month containing one is read by day.
        provisional: whether to measure the provisional share (the hours younger than the settling time are
            then read from their priced days, cut on the hour); a caller that measures it otherwise (from
            `Ledger.hourly_spend`) or not at all reads fewer documents without it.
    """

    account_ids: tuple[str, ...]
    start: datetime
    end: datetime
    grain: Grain = "total"
    zone: ZoneInfo = UTC_ZONE
    dims: frozenset[str] = frozenset()
    keep: RowFilter | None = None
    day_factors_change: frozenset[date] = frozenset()
    provisional: bool = True

    @classmethod
    def local_days(
        cls,
        account_ids: Iterable[str],
        first: date,
        last: date,
        zone: ZoneInfo = UTC_ZONE,
        *,
        grain: Grain = "total",
        dims: Iterable[str] = (),
        keep: RowFilter | None = None,
        day_factors_change: Iterable[date] = (),
        provisional: bool = True,
    ) -> Query:
        start, end = local_window(first, last, zone)
        return cls(
            tuple(account_ids),
            start,
            end,
            grain,
            zone,
            frozenset(dims),
            keep,
            frozenset(day_factors_change),
            provisional,
        )

    @property
    def utc(self) -> bool:
        return self.zone.key == "UTC"


@dataclass(frozen=True, slots=True)
class Piece:
    """One priced row of an account in one period: the local day (grain day), the UTC hour start (grain
    hour) or None (grain total).

    Attributes:
        when: the UTC day the row is of, or the first day of its month when it comes from a month rollup
            (then nothing in ``Query.day_factors_change`` changes within that month).
    """

    account_id: str
    period: date | datetime | None
    row: CostRow
    when: date


@dataclass
class Provisional:
    """How much of what was read is younger than the settling time (not final at the provider yet)."""

    since: datetime
    cost: CostBreakdown = field(default_factory=CostBreakdown)
    tokens: int = 0
    unpriced_tokens: int = 0

    def add(self, row: CostRow) -> None:
        if row.cost is None:
            self.unpriced_tokens += row.tokens.total_tokens
        else:
            self.cost = self.cost + row.cost
        self.tokens += row.tokens.total_tokens


@dataclass
class Reading:
    pieces: list[Piece]
    provisional: Provisional
    documents_read: int
    missing_days: dict[str, list[date]]
    """Per account, the UTC days of the window with no priced record (not collected or not priced yet)."""

    @property
    def total_cost(self) -> CostBreakdown:
        total = CostBreakdown()
        for piece in self.pieces:
            if piece.row.cost is not None:
                total = total + piece.row.cost
        return total


@dataclass
class HourlyReading:
    spend: dict[tuple[str, datetime], HourSpend]
    """(account, UTC hour start) -> its priced spend; an hour of a collected day with none is absent."""
    missing_days: dict[str, list[date]]
    """Per account, the UTC days of the window with no priced record."""
    documents_read: int


@dataclass
class _Plan:
    months: list[tuple[str, date]] = field(default_factory=list)
    partial: dict[tuple[str, date], list[date]] = field(default_factory=dict)
    """Months read for some of their days from the rollup's daily table (days whole, settled, in the window)."""
    days: list[tuple[str, date]] = field(default_factory=list)
    month_parts: set[str] = field(default_factory=set)
    tally_days: set[tuple[str, date]] = field(default_factory=set)
    """Days read only to measure the provisional share (their rows come from their month's rollup)."""
    hour_days: set[tuple[str, date]] = field(default_factory=set)
    """Days that must be cut on the hour (window edges, a zone's midnight, provisional hours, hours)."""


class Ledger:
    """Reads priced usage (see the module docstring). One instance may serve several queries of one request
    or evaluation: documents already read are not read again."""

    def __init__(
        self,
        store: LedgerStore,
        tenant_id: str,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        month_parts: Iterable[str] = (),
    ):
        """``month_parts``: the tables to read of every month rollup whatever the query (a caller that will ask
        several kinds of question reads each rollup once, whole, instead of once per kind)."""
        self._store = store
        self._tenant = tenant_id
        self._clock = clock
        self._always = frozenset(month_parts)
        self._months: dict[tuple[str, date], tuple[frozenset[str], PricedMonth | None]] = {}
        self._days: dict[tuple[str, date], PricedDay | None] = {}
        self._with_hours: set[tuple[str, date]] = set()
        self.documents_read = 0

    WHOLE_MONTH = frozenset({"rows", "daily", "recent"})
    """Every table of a month rollup (what a rollup built in memory holds)."""

    def prime(self, months: Iterable[PricedMonth]) -> None:
        """Month rollups the caller holds as stored (costing just wrote them): read from here, not the store."""
        for month in months:
            self._months[(month.account_id, month.month)] = (self.WHOLE_MONTH, month)

    # -- reading -----------------------------------------------------------------------------------

    def read(self, q: Query) -> Reading:
        now = self._clock()
        # Not measuring the provisional share: no hour is young, so no day needs cutting for it.
        since = provisional_since(now) if q.provisional else _NEVER
        plan = self._plan(q, since, now)
        months, days = self._fetch(plan)
        reading = Reading([], Provisional(since), self.documents_read, {})
        keep = q.keep
        for account_id, month in plan.months:
            rollup = months.get((account_id, month))
            first = month
            month_days = days_between(first, next_month(first) - timedelta(days=1))
            held = rollup.days if rollup is not None else {}
            missing = [d for d in month_days if d not in held]
            if missing:
                reading.missing_days.setdefault(account_id, []).extend(missing)
            if rollup is None:
                continue
            if q.grain == "total":
                for row in rollup.rows:
                    if keep is None or keep(account_id, row.dims):
                        reading.pieces.append(Piece(account_id, None, row, month))
            else:
                for day in sorted(rollup.daily):
                    for row in rollup.daily[day]:
                        if keep is None or keep(account_id, row.dims):
                            reading.pieces.append(Piece(account_id, day, row, day))
        for (account_id, month), wanted in plan.partial.items():
            rollup = months.get((account_id, month))
            for day in wanted:
                if rollup is None or day not in rollup.days:
                    reading.missing_days.setdefault(account_id, []).append(day)
                    continue
                period = None if q.grain == "total" else day
                for row in rollup.daily.get(day, ()):
                    if keep is None or keep(account_id, row.dims):
                        reading.pieces.append(Piece(account_id, period, row, day))
        for account_id, day in plan.days:
            priced = days.get((account_id, day))
            if priced is None:
                reading.missing_days.setdefault(account_id, []).append(day)
                continue
            self._add_day(reading, q, priced, since, tally_only=False)
        for account_id, day in sorted(plan.tally_days):
            priced = days.get((account_id, day))
            if priced is not None:
                self._add_day(reading, q, priced, since, tally_only=True)
        for account_id, missing in list(reading.missing_days.items()):
            # Days that have not begun yet are not missing.
            reading.missing_days[account_id] = sorted(d for d in set(missing) if day_start(d) < now)
            if not reading.missing_days[account_id]:
                del reading.missing_days[account_id]
        reading.documents_read = self.documents_read
        return reading

    def day_versions(self, account_id: str, first: date, last: date) -> dict[date, str]:
        """What each priced UTC day of ``[first, last]`` was built from (``PricedDay.version``), from the
        month rollups alone (a day absent has no priced record)."""
        months = sorted({month_of(d) for d in days_between(first, last)})
        plan = _Plan(months=[(account_id, m) for m in months], month_parts=set())
        found, _ = self._fetch(plan)
        out: dict[date, str] = {}
        for (_, _), rollup in found.items():
            if rollup is None:
                continue
            out.update({d: v for d, v in rollup.days.items() if first <= d <= last})
        return out

    def hourly_spend(self, account_ids: Sequence[str], start: datetime, end: datetime) -> HourlyReading:
        """Each account's priced spend per UTC hour of ``[start, end)``, per API key and per model.

        From the month rollups' recent hours (`PricedMonth.recent`: the newest days of each month), so the
        last ten days of an account are one or two documents; a day a rollup holds but not among its recent
        ones (an older window, or a rollup written before they were kept) is read from its priced day and
        cut on the hour the same way."""
        now = self._clock()
        last = (end - timedelta(microseconds=1)).astimezone(UTC).date()
        days = [d for d in days_between(start.astimezone(UTC).date(), last) if day_start(d) < now]
        plan = _Plan(months=[(a, m) for a in account_ids for m in sorted({month_of(d) for d in days})])
        plan.month_parts.add("recent")
        months, _ = self._fetch(plan)
        found: dict[tuple[str, date], DayHours] = {}
        fallback = _Plan()
        missing: dict[str, list[date]] = {}
        for account_id in account_ids:
            for day in days:
                rollup = months.get((account_id, month_of(day)))
                if rollup is not None and day in rollup.recent:
                    found[(account_id, day)] = rollup.recent[day]
                elif rollup is not None and day in rollup.days:
                    fallback.days.append((account_id, day))
                    fallback.hour_days.add((account_id, day))
                else:
                    missing.setdefault(account_id, []).append(day)
        if fallback.days:
            _, priced = self._fetch(fallback)
            for key, day_ in priced.items():
                if day_ is None:
                    missing.setdefault(key[0], []).append(key[1])
                else:
                    found[key] = hourly_spend(day_)
        spend: dict[tuple[str, datetime], HourSpend] = {}
        for (account_id, day), hours in found.items():
            for h, value in hours.items():
                hour = day_start(day) + timedelta(hours=h)
                if start <= hour < end:
                    spend[(account_id, hour)] = value
        return HourlyReading(spend, missing, self.documents_read)

    # -- planning ----------------------------------------------------------------------------------

    def _plan(self, q: Query, since: datetime, now: datetime) -> _Plan:
        """Which documents answer ``q``. A day that has not begun yet is never read: it cannot hold data (a
        budget's month, a window ending in the future)."""
        plan = _Plan()
        if q.end <= q.start or not q.account_ids:
            return plan
        first_day = q.start.astimezone(UTC).date()
        last_day = (q.end - timedelta(microseconds=1)).astimezone(UTC).date()
        rollup_ok = q.grain == "total" or (q.grain == "day" and q.utc and q.dims <= _ROLLUP_DIMS)
        # Whole settled days of a month the window covers only in part: its daily table answers them when
        # the caller needs only pricing dimensions (one document instead of several priced days).
        daily_ok = (q.grain == "total" or (q.grain == "day" and q.utc)) and q.dims <= _ROLLUP_DIMS
        part = "rows" if q.grain == "total" else "daily"
        for account_id in q.account_ids:
            day = first_day
            while day <= last_day:
                month = month_of(day)
                after = next_month(month)
                whole = day == month and day_start(month) >= q.start and day_start(after) <= q.end
                changes = any(month < d < after for d in q.day_factors_change)
                if whole and rollup_ok and not changes:
                    plan.months.append((account_id, month))
                    plan.month_parts.add(part)
                    # Its hours younger than the settling time: read those days to measure them.
                    for d in days_between(month, after - timedelta(days=1)):
                        if day_start(d) + timedelta(days=1) > since and day_start(d) < now:
                            plan.tally_days.add((account_id, d))
                            plan.hour_days.add((account_id, d))
                    day = after
                    continue
                in_month = days_between(day, min(after - timedelta(days=1), last_day))
                simple = [d for d in in_month if _simple(q, d, since)] if daily_ok and not changes else []
                if len(simple) >= 2:
                    plan.partial[(account_id, month)] = simple
                    plan.month_parts.add("daily")
                for d in in_month:
                    if d in simple and len(simple) >= 2:
                        continue
                    if day_start(d) < now:
                        plan.days.append((account_id, d))
                        if not _simple(q, d, since):
                            plan.hour_days.add((account_id, d))
                day = in_month[-1] + timedelta(days=1)
        return plan

    def _fetch(
        self, plan: _Plan
    ) -> tuple[dict[tuple[str, date], PricedMonth | None], dict[tuple[str, date], PricedDay | None]]:
        parts = frozenset(plan.month_parts) | self._always
        all_months = [*plan.months, *plan.partial]
        want_months = [m for m in all_months if m not in self._months or not parts <= self._months[m][0]]
        # A month read before with other tables is read again with both (one field mask for all).
        for m in want_months:
            if m in self._months:
                parts |= self._months[m][0]
        # A day read before without its hours is read again when hours are needed now.
        want_days = [
            d
            for d in dict.fromkeys([*plan.days, *sorted(plan.tally_days)])
            if d not in self._days or (d in plan.hour_days and d not in self._with_hours)
        ]
        if want_months or want_days:
            months, days = self._store.read(
                self._tenant,
                want_months,
                want_days,
                month_parts=parts,
                hour_days=[d for d in want_days if d in plan.hour_days],
            )
            self.documents_read += len(want_months) + len(want_days)
            got_months = {(m.account_id, m.month): m for m in months}
            got_days = {(d.account_id, d.day): d for d in days}
            for key in want_months:
                self._months[key] = (parts, got_months.get(key))
            for key in want_days:
                self._days[key] = got_days.get(key)
                if key in plan.hour_days:
                    self._with_hours.add(key)
        return (
            {m: self._months[m][1] for m in all_months},
            {d: self._days[d] for d in [*plan.days, *plan.tally_days]},
        )

    # -- cutting a day -------------------------------------------------------------------------------

    def _add_day(self, reading: Reading, q: Query, day: PricedDay, since: datetime, *, tally_only: bool) -> None:
        keep = q.keep
        if _simple(q, day.day, since):
            if tally_only:
                return
            period = None if q.grain == "total" else day.day
            for row in day.rows:
                if keep is None or keep(day.account_id, row.dims):
                    reading.pieces.append(Piece(day.account_id, period, row, day.day))
            return
        window_start, window_end, zone, grain = q.start, q.end, q.zone, q.grain

        def bucket(hour: datetime) -> tuple[bool, bool, date | datetime | None]:
            """(in the window, provisional, period)"""
            ok = window_start <= hour < window_end
            if grain == "hour":
                period: date | datetime | None = hour
            elif grain == "day":
                period = hour.astimezone(zone).date()
            else:
                period = None
            return ok, hour >= since, period

        for (ok, young, period), rows in cut_day(day, bucket).items():
            if not ok:
                continue
            for row in rows:
                if keep is not None and not keep(day.account_id, row.dims):
                    continue
                if young:
                    reading.provisional.add(row)
                if not tally_only:
                    reading.pieces.append(Piece(day.account_id, period, row, day.day))


def _simple(q: Query, day: date, since: datetime) -> bool:
    """Whether a day's rows can be taken whole: inside the window, settled, and a period of its own."""
    start = day_start(day)
    end = start + timedelta(days=1)
    return q.start <= start and end <= q.end and end <= since and (q.grain == "total" or (q.grain == "day" and q.utc))


def sum_cost(rows: Sequence[CostRow]) -> CostBreakdown:
    total = CostBreakdown()
    for row in rows:
        if row.cost is not None:
            total = total + row.cost
    return total


__all__ = [
    "EXACT",
    "Grain",
    "HourlyReading",
    "Ledger",
    "Piece",
    "Provisional",
    "Query",
    "Reading",
    "RowFilter",
    "local_window",
]
