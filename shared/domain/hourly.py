"""Per-hour subtotals inside a daily aggregate, so a day can be cut anywhere on the hour.

A daily aggregate sums each grouping over the UTC day's hours. To answer for a day in another time zone
(or for "the last 48 hours") from daily documents alone, each daily row keeps the tokens of every hour
it had usage in, as compact text: rows in the aggregate's order separated by ``|``, hours within a row by
``;``, each hour as ``HH:uncached,write5m,write1h,read,output,websearch`` with zeros left empty::

    "3:1200,,,400,50,|3:10,,,,2,;14:7,,,,1,"

Cost needs no per-hour copy: within one UTC day a grouping has one price, so the cost of some of its
hours is the row's cost in proportion to their tokens, class by class (exact: cost = tokens x rate).
The text is parsed only when a view needs it; the common UTC daily view never does.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass, fields
from datetime import UTC, date, datetime, timedelta
from decimal import Context, Decimal
from typing import TYPE_CHECKING, TypeVar

from shared.domain.money import ZERO
from shared.domain.usage import COST_CLASSES, TokenCounts
from shared.pricing import CostBreakdown

if TYPE_CHECKING:
    from shared.domain.priced import CostHour, CostRow

K = TypeVar("K", bound=Hashable)
_TOKEN_FIELDS = tuple(f.name for f in fields(TokenCounts))
_QUANTITY_OF = {c: c for c in COST_CLASSES if c != "web_search"} | {"web_search": "web_search_requests"}
_EXACT = Context(prec=60)

RowHours = tuple[tuple[int, TokenCounts], ...]
"""(hour of the UTC day, tokens in that hour) for one row, hours ascending."""


@dataclass(frozen=True, slots=True)
class HourlySplit:
    """The per-hour tokens of every row of a daily aggregate, as compact text (see the module docstring)."""

    text: str = ""

    @property
    def known(self) -> bool:
        return bool(self.text)

    @classmethod
    def build(cls, rows: Sequence[CostRow], hours: Iterable[CostHour]) -> HourlySplit:
        """The split of ``rows`` (a day's summed rows) from the priced hours they were summed from."""
        # Keyed by the dimensions themselves (cheaper than their text key); the text key as a fallback
        # for dimensions that differ as objects but merge as keys ("" and None).
        index = {row.dims: i for i, row in enumerate(rows)}
        by_key: dict[str, int] = {}
        per_row: list[dict[int, TokenCounts]] = [{} for _ in rows]
        for hour in sorted(hours, key=lambda x: x.hour_start):  # each row's hours then come in order
            h = hour.hour_start.astimezone(UTC).hour
            for r in hour.rows:
                i = index.get(r.dims)
                if i is None:
                    by_key = by_key or {row.dims.key(): n for n, row in enumerate(rows)}
                    i = by_key[r.dims.key()]
                slot = per_row[i]
                slot[h] = slot[h] + r.tokens if h in slot else r.tokens
        return cls("|".join([";".join([_hour_text(h, t) for h, t in slot.items()]) for slot in per_row]))

    def row_hours(self) -> list[RowHours]:
        """Per row, its hours and their tokens."""
        out: list[RowHours] = []
        for segment in self.text.split("|"):
            hours: list[tuple[int, TokenCounts]] = []
            for item in segment.split(";") if segment else ():
                hour, _, counts = item.partition(":")
                values = [int(v) if v else 0 for v in counts.split(",")]
                hours.append((int(hour), TokenCounts(**dict(zip(_TOKEN_FIELDS, values, strict=True)))))
            out.append(tuple(hours))
        return out


def _hour_text(hour: int, t: TokenCounts) -> str:
    counts = (t.uncached_input, t.cache_write_5m, t.cache_write_1h, t.cache_read, t.output, t.web_search_requests)
    return f"{hour}:" + ",".join([str(v) if v else "" for v in counts])


def _part(whole: Decimal, part_quantity: int, whole_quantity: int) -> Decimal:
    if part_quantity == whole_quantity:
        return whole
    if not whole_quantity or not part_quantity:
        return ZERO
    return _EXACT.divide(_EXACT.multiply(whole, Decimal(part_quantity)), Decimal(whole_quantity))


def split_rows(
    day: date, rows: Sequence[CostRow], split: HourlySplit, bucket_of: Callable[[datetime], K]
) -> dict[K, list[CostRow]] | None:
    """Cut a day's rows into buckets of hours (``bucket_of(hour start)``, e.g. the hour's local date).

    Each piece keeps the row's dimensions and price; tokens are the bucket's hours' own, cost is the
    row's cost in proportion, class by class, the last piece taking the remainder so pieces add up to
    the row exactly. Returns None when the split is missing or does not add up to the rows (an aggregate
    written before splits existed): the caller then reads the hourly documents instead.
    """
    from shared.domain.priced import CostRow

    if not split.known and rows:
        return None
    per_row = split.row_hours() if rows else []
    if len(per_row) != len(rows):
        return None
    start = datetime(day.year, day.month, day.day, tzinfo=UTC)
    buckets: dict[int, K] = {}
    out: dict[K, list[CostRow]] = {}
    for row, hours in zip(rows, per_row, strict=True):
        grouped: dict[K, TokenCounts] = {}
        for h, tokens in hours:
            key = buckets.get(h)
            if key is None:
                key = buckets[h] = bucket_of(start + timedelta(hours=h))
            grouped[key] = grouped[key] + tokens if key in grouped else tokens
        if sum(grouped.values(), TokenCounts()) != row.tokens:
            return None
        keys = list(grouped)
        spent: dict[str, Decimal] = dict.fromkeys(COST_CLASSES, ZERO)
        for i, key in enumerate(keys):
            tokens = grouped[key]
            cost: CostBreakdown | None = None
            if row.cost is not None:
                values: dict[str, Decimal] = {}
                for cls in COST_CLASSES:
                    whole = getattr(row.cost, cls)
                    if i == len(keys) - 1:
                        values[cls] = whole - spent[cls]
                    else:
                        q = _QUANTITY_OF[cls]
                        values[cls] = _part(whole, getattr(tokens, q), getattr(row.tokens, q))
                        spent[cls] += values[cls]
                cost = CostBreakdown(**values)
            out.setdefault(key, []).append(CostRow(row.dims, tokens, cost, row.price_ref, row.unpriced_reason))
    return out
