"""Priced usage: the day and month records the ledger is made of, and the pure rules over them.

A `PricedDay` is one account's usage of one UTC day, summed per grouping (`CostRow`) with each row's
tokens per hour of the day, priced at the prices in force that day. It is rebuilt whole from the raw day
(`shared.domain.usage.UsageDay`) and records what it was built from (``source_hash``, ``catalogue_version``),
so a rebuild that would change nothing is skipped.

A `PricedMonth` is the month's rollup: the month's rows summed per grouping, and each day's rows summed per
pricing dimensions. It is updated in the same unit of work as the days it contains, so it always equals
the sum of its days (``days`` says which priced days, by version, it holds).

Cost needs no per-hour copy: within one UTC day a grouping has one price, so the cost of some of its hours
is the row's cost in proportion to their quantities, class by class (exact: cost = quantity x rate).
"""

from __future__ import annotations

import calendar
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import TypeVar

from shared.domain.money import EXACT, ZERO
from shared.domain.usage import USAGE_CLASSES, Dimensions, TokenCounts
from shared.pricing import CostBreakdown

SETTLING_TIME = timedelta(hours=48)
"""How long a provider may still restate usage and cost after the fact: priced usage younger than this is
provisional (see the Admin API references). The one definition every view and alert uses."""

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")

RowHours = tuple[tuple[int, TokenCounts], ...]
"""(hour of the UTC day, quantities in that hour) for one row, hours ascending."""

RECENT_DAYS = 10
"""How many of its newest days a month rollup keeps the hourly spend of (`PricedMonth.recent`): the hourly
spike check looks at the last 48 hours against the week before them, 9 UTC days, plus the day in progress."""


@dataclass(frozen=True, slots=True)
class CostRow:
    """Quantities and their cost for one grouping (or unpriced, with the reason).

    Attributes:
        cost: USD per usage class, or None when no price is known (never shown as $0).
        price_ref: which price was used: catalogue version, model, effective date, modifiers.
    """

    dims: Dimensions
    tokens: TokenCounts
    cost: CostBreakdown | None
    price_ref: str = ""
    unpriced_reason: str | None = None


RowKey = tuple[Dimensions, bool, str, str | None]


def row_key(row: CostRow) -> RowKey:
    """What rows must share to be summed into one: the grouping, and the same price (or the same reason
    for having none). Within one UTC day a grouping has one price; across days it may have several."""
    return (row.dims, row.cost is None, row.price_ref, row.unpriced_reason)


def add_rows(a: CostRow, b: CostRow) -> CostRow:
    """Two rows of one key, summed."""
    cost = None if a.cost is None or b.cost is None else a.cost + b.cost
    return CostRow(a.dims, a.tokens + b.tokens, cost, a.price_ref, a.unpriced_reason)


def sum_rows(rows: Iterable[CostRow]) -> list[CostRow]:
    """Rows of one key merged into one; in a stable order (by dimensions).

    The same as adding them pairwise (`add_rows`), column by column in one pass: a day sums each grouping's
    24 hours, and building an intermediate row per addition was most of pricing's time."""
    groups: dict[RowKey, list[CostRow]] = {}
    for row in rows:
        key = (row.dims, row.cost is None, row.price_ref, row.unpriced_reason)  # row_key, inline (per row)
        group = groups.get(key)
        if group is None:
            groups[key] = [row]
        else:
            group.append(row)
    merged: list[CostRow] = []
    for group in groups.values():
        first = group[0]
        if len(group) == 1:
            merged.append(first)
            continue
        tokens = TokenCounts.of([sum(column) for column in zip(*[r.tokens.values() for r in group], strict=True)])
        cost: CostBreakdown | None = None
        if first.cost is not None:  # the key says whether a row has a cost: all of the group or none
            columns = zip(*[r.cost.values() for r in group if r.cost is not None], strict=True)
            cost = CostBreakdown(*[_decimal_sum(column) for column in columns])
        merged.append(CostRow(first.dims, tokens, cost, first.price_ref, first.unpriced_reason))
    return sorted(merged, key=row_order)


def _decimal_sum(values: Sequence[Decimal]) -> Decimal:
    total = values[0]
    for value in values[1:]:
        # A class the grouping does not use (most of them) is ZERO in every row: 0 + 0 is 0, without adding.
        # Any other term is added, ZERO too (it lowers a positive exponent to 0, as adding always did).
        if value is not ZERO or total is not ZERO:
            total = EXACT.add(total, value)
    return total


def subtract_rows(total: Iterable[CostRow], part: Iterable[CostRow]) -> list[CostRow]:
    """``total`` less ``part``, row by row (every row of ``part`` must be inside ``total``); rows that come
    to nothing are dropped.

    Raises:
        ValueError: ``part`` has a row ``total`` has not, or more of it (the rollup is not the sum of its
            days: a bug, never papered over).
    """
    out: dict[RowKey, CostRow] = {row_key(r): r for r in sum_rows(total)}
    for row in sum_rows(part):
        key = row_key(row)
        have = out.get(key)
        if have is None:
            raise ValueError(f"cannot subtract a row the total does not have: {row.dims.key()}")
        tokens = have.tokens - row.tokens
        cost = None if have.cost is None or row.cost is None else have.cost - row.cost
        if not tokens and (cost is None or not any(cost.values())):
            del out[key]
        else:
            out[key] = CostRow(have.dims, tokens, cost, have.price_ref, have.unpriced_reason)
    return sorted(out.values(), key=row_order)


def pricing_rows(rows: Iterable[CostRow]) -> list[CostRow]:
    """Rows summed per pricing dimensions (model, tier, context window, geo, speed, variant)."""
    return sum_rows(
        r if (dims := r.dims.pricing()) is r.dims else CostRow(dims, r.tokens, r.cost, r.price_ref, r.unpriced_reason)
        for r in rows
    )


def row_order(row: CostRow) -> tuple[str, bool, str]:
    """The order of a day's or month's rows: by dimensions, priced before unpriced, by price."""
    return (row.dims.key(), row.cost is None, row.price_ref)


@dataclass(frozen=True, slots=True)
class PricedDay:
    """One account's priced usage for one UTC day, summed per grouping over the day's hours.

    Attributes:
        source_hash: the content hash of the raw day it was priced from.
        hours_collected: how many hours of the day had been read from the provider.
        row_hours: for each row (same order), its quantities per hour of the day; they add up to the row.
        hour_spend: the spend per hour, per key and per model, when pricing has it at hand (not stored: see
            `hourly_spend`).
    """

    account_id: str
    day: date
    catalogue_version: str
    source_hash: str
    hours_collected: int
    rows: tuple[CostRow, ...]
    row_hours: Sequence[RowHours] = ()
    hour_spend: Mapping[int, HourSpend] | None = field(default=None, compare=False, repr=False)

    @property
    def version(self) -> str:
        """What the day was built from: a rebuild from the same raw hours and catalogue changes nothing."""
        return f"{self.source_hash}/{self.catalogue_version}"

    @property
    def start(self) -> datetime:
        return datetime(self.day.year, self.day.month, self.day.day, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class HourSpend:
    """One account's priced spend in one UTC hour, per API key ("" for usage with none: the Console) and per
    model (USD, exact; unpriced usage is in neither)."""

    by_key: Mapping[str, Decimal]
    by_model: Mapping[str, Decimal]


DayHours = Mapping[int, HourSpend]
"""A day's `HourSpend` by hour of the UTC day; an hour with no priced usage is absent."""


def hourly_spend(day: PricedDay) -> dict[int, HourSpend]:
    """The day's priced spend per hour, per key and per model: as pricing found it (`PricedDay.hour_spend`),
    else its rows cut on the hour as every reader cuts them (`cut_day`). Both give the same figures: a row's
    cost is linear in its quantities, and the cut is exact."""
    if day.hour_spend is not None:
        return dict(day.hour_spend)
    return spend_by_hour(cut_day(day, _hour_of_day).items())


def spend_by_hour(hours: Iterable[tuple[int, Sequence[CostRow]]]) -> dict[int, HourSpend]:
    """(hour of the day, its priced rows) summed per key and per model (unpriced rows left out)."""
    return spend_of_totals(
        (hour, [(row.dims, row.cost.total) for row in rows if row.cost is not None]) for hour, rows in hours
    )


def spend_of_totals(hours: Iterable[tuple[int, Sequence[tuple[Dimensions, Decimal]]]]) -> dict[int, HourSpend]:
    """(hour of the day, the total cost of each of its priced rows) summed per key and per model."""
    keys: dict[int, dict[str, Decimal]] = {}
    models: dict[int, dict[str, Decimal]] = {}
    for hour, totals in hours:
        if not totals:
            continue
        by_key = keys.setdefault(hour, {})
        by_model = models.setdefault(hour, {})
        for dims, total in totals:
            key = dims.api_key_id or ""
            by_key[key] = EXACT.add(by_key.get(key, ZERO), total)
            by_model[dims.model] = EXACT.add(by_model.get(dims.model, ZERO), total)
    return {h: HourSpend(keys[h], models[h]) for h in sorted(keys)}


def _hour_of_day(hour: datetime) -> int:
    return hour.hour


def _recent_from(newest: date) -> date:
    """The oldest day a rollup keeps the hourly spend of, when its newest priced day is ``newest``."""
    return newest - timedelta(days=RECENT_DAYS - 1)


def _keep_recent(by_day: Mapping[date, V]) -> dict[date, V]:
    """The entries of the newest `RECENT_DAYS` days (by calendar, from the newest day present)."""
    if not by_day:
        return {}
    oldest = _recent_from(max(by_day))
    return {d: by_day[d] for d in sorted(by_day) if d >= oldest}


@dataclass(frozen=True, slots=True)
class PricedMonth:
    """One account's priced usage of one UTC month, as the sum of its priced days.

    Attributes:
        month: the month's first day.
        days: the priced days it holds, by version (a day absent here has no priced day yet).
        rows: the month's rows summed per grouping (and price).
        daily: each day's rows summed per pricing dimensions (enough for views by day, model or tier).
        recent: the hourly spend of its newest `RECENT_DAYS` priced days (what the hourly spike check reads:
            one document instead of ten priced days).
    """

    account_id: str
    month: date
    days: Mapping[date, str] = field(default_factory=dict)
    rows: tuple[CostRow, ...] = ()
    daily: Mapping[date, tuple[CostRow, ...]] = field(default_factory=dict)
    recent: Mapping[date, DayHours] = field(default_factory=dict)


def month_of(day: date) -> date:
    return day.replace(day=1)


def next_month(month: date) -> date:
    return (month.replace(day=28) + timedelta(days=4)).replace(day=1)


def month_days(month: date) -> list[date]:
    return [month.replace(day=d) for d in range(1, calendar.monthrange(month.year, month.month)[1] + 1)]


def roll_month(month: PricedMonth | None, account_id: str, old: PricedDay | None, new: PricedDay) -> PricedMonth:
    """The month with one of its days replaced by its new pricing (``old``: what the month held of it)."""
    first = month_of(new.day)
    current = month if month is not None else PricedMonth(account_id, first)
    rows: list[CostRow] = list(current.rows)
    if old is not None and old.day in current.days:
        rows = subtract_rows(rows, old.rows)
    rows = sum_rows([*rows, *new.rows])
    daily = dict(current.daily)
    day_rows = tuple(pricing_rows(new.rows))
    if day_rows:
        daily[new.day] = day_rows
    else:
        daily.pop(new.day, None)
    recent = dict(current.recent)
    recent.pop(new.day, None)
    if not recent or new.day >= _recent_from(max(recent)):
        recent[new.day] = hourly_spend(new)  # an older day would be dropped at once: not worth its spend
    return PricedMonth(
        account_id, first, {**current.days, new.day: new.version}, tuple(rows), daily, _keep_recent(recent)
    )


def build_month(account_id: str, month: date, days: Iterable[PricedDay]) -> PricedMonth:
    """The month as the plain sum of its days (what `roll_month` keeps it equal to)."""
    held = [d for d in days if month_of(d.day) == month]
    return PricedMonth(
        account_id,
        month,
        {d.day: d.version for d in held},
        tuple(sum_rows(r for d in held for r in d.rows)),
        {d.day: tuple(rows) for d in held if (rows := pricing_rows(d.rows))},
        {day: hourly_spend(d) for day, d in _keep_recent({d.day: d for d in held}).items()},
    )


def provisional_since(now: datetime) -> datetime:
    """Hours starting at or after this instant may still be restated by the provider."""
    return now.astimezone(UTC).replace(minute=0, second=0, microsecond=0) - SETTLING_TIME


def is_provisional(day: date, now: datetime) -> bool:
    """Whether some hour of the UTC ``day`` is younger than the settling time at ``now``."""
    end = datetime(day.year, day.month, day.day, tzinfo=UTC) + timedelta(days=1)
    return end > provisional_since(now)


# --------------------------------------------------------------------------------------------------
# Cutting a day's rows on the hour


def cut_day(day: PricedDay, bucket_of: Callable[[datetime], K]) -> dict[K, list[CostRow]]:
    """Cut a day's rows into buckets of hours (``bucket_of(hour start)``, e.g. the hour's local date).

    Each piece keeps the row's dimensions and price; quantities are the bucket's hours' own, cost is the
    row's cost in proportion, class by class, the last piece taking the remainder so pieces add up to the
    row exactly.

    Raises:
        ValueError: the hours do not add up to the rows (a corrupt record: never shown as if whole).
    """
    start = day.start
    add, subtract, multiply, divide = EXACT.add, EXACT.subtract, EXACT.multiply, EXACT.divide
    buckets: dict[int, K] = {}
    out: dict[K, list[CostRow]] = {}
    if len(day.row_hours) != len(day.rows):
        raise ValueError(
            f"priced day {day.day} of {day.account_id}: {len(day.row_hours)} hour lists for {len(day.rows)} rows"
        )
    for row, hours in zip(day.rows, day.row_hours, strict=True):
        grouped: dict[K, TokenCounts] = {}
        for h, tokens in hours:
            key = buckets.get(h)
            if key is None:
                key = buckets[h] = bucket_of(start + timedelta(hours=h))
            grouped[key] = grouped[key] + tokens if key in grouped else tokens
        if len(grouped) == 1:
            (only,) = grouped
            out.setdefault(only, []).append(row)
            if grouped[only] != row.tokens:
                raise ValueError(f"priced day {day.day} of {day.account_id}: hours do not add up to a row")
            continue
        totals = row.tokens.values()
        # Column sums rather than TokenCounts additions: the same check, without a validated object per hour.
        if [sum(column) for column in zip(*(t.values() for t in grouped.values()), strict=True)] != list(totals):
            raise ValueError(f"priced day {day.day} of {day.account_id}: hours do not add up to a row")
        keys = list(grouped)
        whole = row.cost.values() if row.cost is not None else None
        used: list[int] = []
        last_values: list[Decimal] = []
        if whole is not None:
            # A row uses a few of the classes. A class with no quantity and no cost gives every piece but the
            # last its (zero) whole, and the last that zero less the zeros before it: computed once, the same
            # figures (to the exponent) as cutting it piece by piece, at a fraction of the Decimal work.
            used = [c for c in range(len(USAGE_CLASSES)) if totals[c] or whole[c]]
            last_values = [EXACT.subtract(w, EXACT.add(ZERO, w)) for w in whole]
        spent = [ZERO] * len(USAGE_CLASSES)
        last = len(keys) - 1
        for i, key in enumerate(keys):
            tokens = grouped[key]
            cost: CostBreakdown | None = None
            if whole is not None:
                if i == last:
                    for c in used:
                        last_values[c] = subtract(whole[c], spent[c])
                    cost = CostBreakdown(*last_values)
                else:
                    part_q = tokens.values()
                    values = list(whole)
                    for c in used:
                        # A class's cost in proportion to its quantity: the whole when the piece has all of
                        # it (already in ``values``), nothing when it has none.
                        q, whole_q = part_q[c], totals[c]
                        if q != whole_q:
                            share = divide(multiply(whole[c], Decimal(q)), Decimal(whole_q)) if q and whole_q else ZERO
                            values[c] = share
                        spent[c] = add(spent[c], values[c])
                    cost = CostBreakdown(*values)
            out.setdefault(key, []).append(CostRow(row.dims, tokens, cost, row.price_ref, row.unpriced_reason))
    return out
