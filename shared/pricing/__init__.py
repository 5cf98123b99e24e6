"""Prices and costs of usage rows.

`Catalogue.quote()` answers which rates apply to a row's dimensions at the moment of use;
`price_row()` multiplies each token class by its rate. Rates carry where they came from, so every
computed number can be explained.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from functools import cache
from typing import TYPE_CHECKING, Protocol

from shared.domain.money import EXACT as _EXACT
from shared.domain.money import ZERO, cost_of_tokens, cost_of_units
from shared.domain.usage import COST_CLASSES, USAGE_CLASSES, Dimensions, TokenCounts

if TYPE_CHECKING:
    from shared.pricing.catalogue import GenaiPricesCatalogue


@dataclass(frozen=True, slots=True)
class Rates:
    """USD per price unit of each usage class (see ``shared.domain.usage.USAGE_CLASSES``: per million
    tokens, per request, ...). None: this price has no rate for the class, so a row that uses it cannot be
    priced (never $0)."""

    uncached_input: Decimal
    cache_write_5m: Decimal
    cache_write_1h: Decimal
    cache_read: Decimal
    output: Decimal
    web_search: Decimal | None = None
    input_audio: Decimal | None = None
    cache_read_audio: Decimal | None = None
    output_audio: Decimal | None = None
    input_image: Decimal | None = None
    cache_read_image: Decimal | None = None
    output_image: Decimal | None = None
    file_search: Decimal | None = None
    code_interpreter: Decimal | None = None
    images: Decimal | None = None
    characters: Decimal | None = None
    audio_seconds: Decimal | None = None
    storage: Decimal | None = None

    def rate(self, usage_class: str) -> Decimal | None:
        value: Decimal | None = getattr(self, usage_class)
        return value


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
    """USD per usage class for one row (exact decimals). Field order is ``COST_CLASSES``."""

    uncached_input: Decimal = ZERO
    cache_write_5m: Decimal = ZERO
    cache_write_1h: Decimal = ZERO
    cache_read: Decimal = ZERO
    output: Decimal = ZERO
    web_search: Decimal = ZERO
    input_audio: Decimal = ZERO
    cache_read_audio: Decimal = ZERO
    output_audio: Decimal = ZERO
    input_image: Decimal = ZERO
    cache_read_image: Decimal = ZERO
    output_image: Decimal = ZERO
    file_search: Decimal = ZERO
    code_interpreter: Decimal = ZERO
    images: Decimal = ZERO
    characters: Decimal = ZERO
    audio_seconds: Decimal = ZERO
    storage: Decimal = ZERO

    def values(self) -> tuple[Decimal, ...]:
        """The amounts in ``COST_CLASSES`` order."""
        return (
            self.uncached_input,
            self.cache_write_5m,
            self.cache_write_1h,
            self.cache_read,
            self.output,
            self.web_search,
            self.input_audio,
            self.cache_read_audio,
            self.output_audio,
            self.input_image,
            self.cache_read_image,
            self.output_image,
            self.file_search,
            self.code_interpreter,
            self.images,
            self.characters,
            self.audio_seconds,
            self.storage,
        )

    @property
    def total(self) -> Decimal:
        total = ZERO
        for value in self.values():
            if value:
                total = _EXACT.add(total, value)
        return total

    def amount(self, usage_class: str) -> Decimal:
        value: Decimal = getattr(self, usage_class)
        return value

    def __add__(self, other: CostBreakdown) -> CostBreakdown:
        return CostBreakdown(*[_EXACT.add(a, b) for a, b in zip(self.values(), other.values(), strict=True)])

    def __sub__(self, other: CostBreakdown) -> CostBreakdown:
        return CostBreakdown(*[_EXACT.subtract(a, b) for a, b in zip(self.values(), other.values(), strict=True)])

    def scaled(self, factor: Decimal) -> CostBreakdown:
        """Every class times ``factor`` (a rate card's share of list price)."""
        return CostBreakdown(*[_EXACT.multiply(a, factor) for a in self.values()])

    def to_dict(self) -> dict[str, Decimal]:
        return dict(zip(COST_CLASSES, self.values(), strict=True))


class Unpriceable(Exception):
    """A row uses a class its price has no rate for (its cost would not be the truth: it stays unpriced)."""


def cost_breakdown(tokens: TokenCounts, rates: Rates) -> CostBreakdown:
    """Multiply each class's quantity by its rate. Pure and exact.

    Raises:
        Unpriceable: the row uses a class ``rates`` has no rate for.
    """
    q = tokens.values()
    # The text classes and web search first, spelled out (this runs for every row of every hour); a
    # class with no quantity costs exactly zero.
    head = [
        cost_of_tokens(q[0], rates.uncached_input) if q[0] else ZERO,
        cost_of_tokens(q[1], rates.cache_write_5m) if q[1] else ZERO,
        cost_of_tokens(q[2], rates.cache_write_1h) if q[2] else ZERO,
        cost_of_tokens(q[3], rates.cache_read) if q[3] else ZERO,
        cost_of_tokens(q[4], rates.output) if q[4] else ZERO,
    ]
    if not any(q[5:]):
        return CostBreakdown(*head)
    amounts: list[Decimal] = head
    for usage_class, quantity in zip(USAGE_CLASSES[5:], q[5:], strict=True):
        if not quantity:
            amounts.append(ZERO)
            continue
        rate = rates.rate(usage_class.name)
        if rate is None:
            raise Unpriceable(f"no {usage_class.label.lower()} price")
        amounts.append(cost_of_units(quantity, rate, usage_class.per))
    return CostBreakdown(*amounts)


@cache
def catalogue_version() -> str:
    """The version of the default catalogue, without loading it (the pinned genai-prices release and the
    digest of our override table): what a priced record says it was priced with."""
    import hashlib
    from importlib.metadata import version
    from pathlib import Path

    digest = hashlib.sha256((Path(__file__).with_name("overrides.json")).read_bytes()).hexdigest()
    return f"genai-prices {version('genai-prices')} + overrides {digest[:12]}"


@cache
def default_catalogue() -> GenaiPricesCatalogue:
    """The process-wide catalogue: pinned genai-prices plus ``overrides.json``, built on first use.

    Imported lazily so that importing ``shared.pricing`` does not load genai-prices' data.
    """
    from shared.pricing.catalogue import GenaiPricesCatalogue

    return GenaiPricesCatalogue()
