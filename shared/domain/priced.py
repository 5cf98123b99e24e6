"""Priced usage: hourly cost records and the daily aggregates built from them."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime

from shared.domain.hourly import HourlySplit
from shared.domain.usage import Dimensions, TokenCounts
from shared.pricing import CostBreakdown


@dataclass(frozen=True, slots=True)
class CostRow:
    """Tokens and their cost for one grouping (or unpriced, with the reason).

    Attributes:
        cost: USD per cost class, or None when no price is known (never shown as $0).
        price_ref: which price was used: catalogue version, model, effective date, modifiers.
    """

    dims: Dimensions
    tokens: TokenCounts
    cost: CostBreakdown | None
    price_ref: str = ""
    unpriced_reason: str | None = None

    @property
    def priced(self) -> bool:
        return self.cost is not None


@dataclass(frozen=True, slots=True)
class CostHour:
    """Every priced row of one account for one UTC hour."""

    account_id: str
    hour_start: datetime
    source_hash: str
    catalogue_version: str
    rows: tuple[CostRow, ...]


@dataclass(frozen=True, slots=True)
class CostDay:
    """One account's priced usage for one UTC day, summed per grouping over the day's hours.

    This is what the dashboard reads: one document per account and day, whatever the row count.
    """

    account_id: str
    day: date
    catalogue_version: str
    hours_collected: int
    rows: tuple[CostRow, ...]
    hourly: HourlySplit = field(default_factory=HourlySplit)
    """Each row's tokens per hour, so the day can be cut on any hour (time zones, provisional hours)."""


def sum_rows(rows: Iterable[CostRow]) -> list[CostRow]:
    """Merge rows of equal dimensions. Within one day equal dimensions share one price."""
    merged: dict[str, CostRow] = {}
    for row in rows:
        key = row.dims.key()
        prev = merged.get(key)
        if prev is None:
            merged[key] = row
            continue
        cost = None if prev.cost is None or row.cost is None else prev.cost + row.cost
        merged[key] = CostRow(
            dims=row.dims,
            tokens=prev.tokens + row.tokens,
            cost=cost,
            price_ref=prev.price_ref if prev.price_ref == row.price_ref else f"{prev.price_ref}; {row.price_ref}",
            unpriced_reason=prev.unpriced_reason or row.unpriced_reason,
        )
    return [merged[key] for key in sorted(merged)]  # by dimensions key, as every merged row has its own
