"""Prices and costs of usage rows.

`Catalogue.quote()` answers which rates apply to a row's dimensions at the moment of use;
`price_row()` multiplies each token class by its rate. Rates carry where they came from, so every
computed number can be explained.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from functools import cache
from typing import TYPE_CHECKING, Protocol

from shared.domain.money import ZERO, cost_of_tokens
from shared.domain.usage import Dimensions, TokenCounts

if TYPE_CHECKING:
    from shared.pricing.catalogue import GenaiPricesCatalogue


@dataclass(frozen=True, slots=True)
class Rates:
    """USD per million tokens for each token class, and USD per web search request."""

    uncached_input: Decimal
    cache_write_5m: Decimal
    cache_write_1h: Decimal
    cache_read: Decimal
    output: Decimal
    web_search_per_request: Decimal = ZERO


@dataclass(frozen=True, slots=True)
class PriceQuote:
    """The price that applies to one row, or why there is none.

    Attributes:
        rates: the rates to apply, or None when the row cannot be priced (unknown model, priority
            tier without an entered rate, ...). An unpriced row is never $0: it is shown as unpriced.
        catalogue_version: the catalogue that answered (e.g. ``genai-prices 0.2.3+tm1``).
        effective_from: the date the base price applies from, when the catalogue knows it.
        model_ref: the catalogue's id for the model (e.g. ``claude-sonnet-4-5``).
        modifiers: human-readable adjustments applied (``"batch x0.5"``, ``"inference_geo us x1.1"``).
        unpriced_reason: why ``rates`` is None.
    """

    rates: Rates | None
    catalogue_version: str
    effective_from: date | None = None
    model_ref: str | None = None
    modifiers: tuple[str, ...] = ()
    unpriced_reason: str | None = None

    @property
    def priced(self) -> bool:
        return self.rates is not None


class Catalogue(Protocol):
    """Answers the dated price for a row's dimensions."""

    @property
    def version(self) -> str: ...

    def quote(self, provider: str, dims: Dimensions, used_at: datetime) -> PriceQuote: ...


@dataclass(frozen=True, slots=True)
class CostBreakdown:
    """USD per cost class for one row (exact decimals)."""

    uncached_input: Decimal = ZERO
    cache_write_5m: Decimal = ZERO
    cache_write_1h: Decimal = ZERO
    cache_read: Decimal = ZERO
    output: Decimal = ZERO
    web_search: Decimal = ZERO

    @property
    def total(self) -> Decimal:
        # Spelled out (summed for every row a query reads).
        return (
            self.uncached_input
            + self.cache_write_5m
            + self.cache_write_1h
            + self.cache_read
            + self.output
            + self.web_search
        )

    def __add__(self, other: CostBreakdown) -> CostBreakdown:
        return CostBreakdown(
            self.uncached_input + other.uncached_input,
            self.cache_write_5m + other.cache_write_5m,
            self.cache_write_1h + other.cache_write_1h,
            self.cache_read + other.cache_read,
            self.output + other.output,
            self.web_search + other.web_search,
        )


@dataclass(frozen=True, slots=True)
class PricedTokens:
    """A row's tokens with their cost, or flagged unpriced."""

    tokens: TokenCounts
    cost: CostBreakdown | None
    quote: PriceQuote = field(compare=False)


def cost_breakdown(tokens: TokenCounts, rates: Rates) -> CostBreakdown:
    """Multiply each token class by its rate. Pure and exact."""
    # Spelled out (this runs for every row of every hour); a class with no tokens costs exactly zero.
    return CostBreakdown(
        cost_of_tokens(tokens.uncached_input, rates.uncached_input) if tokens.uncached_input else ZERO,
        cost_of_tokens(tokens.cache_write_5m, rates.cache_write_5m) if tokens.cache_write_5m else ZERO,
        cost_of_tokens(tokens.cache_write_1h, rates.cache_write_1h) if tokens.cache_write_1h else ZERO,
        cost_of_tokens(tokens.cache_read, rates.cache_read) if tokens.cache_read else ZERO,
        cost_of_tokens(tokens.output, rates.output) if tokens.output else ZERO,
        Decimal(tokens.web_search_requests) * rates.web_search_per_request if tokens.web_search_requests else ZERO,
    )


def price_tokens(tokens: TokenCounts, quote: PriceQuote) -> PricedTokens:
    """Price a row's tokens with a quote; an unpriced quote gives ``cost=None``, never zero."""
    if quote.rates is None:
        return PricedTokens(tokens=tokens, cost=None, quote=quote)
    return PricedTokens(tokens=tokens, cost=cost_breakdown(tokens, quote.rates), quote=quote)


@cache
def default_catalogue() -> GenaiPricesCatalogue:
    """The process-wide catalogue: pinned genai-prices plus ``overrides.json``, built on first use.

    Imported lazily so that importing ``shared.pricing`` does not load genai-prices' data.
    """
    from shared.pricing.catalogue import GenaiPricesCatalogue

    return GenaiPricesCatalogue()
