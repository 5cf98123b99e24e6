"""The price catalogue: genai-prices (pinned, never updated at run time) plus our reviewed overrides.

A quote answers, for one provider, one row's dimensions and one UTC day, the USD rate of every token
class. It is built in this order:

1. the model's standard prices that day: genai-prices' dated prices, or a model added in overrides.json;
2. dated price changes from overrides.json replace single token classes (Sonnet 5.5's cache reads);
3. long-context rates genai-prices lacks (Sonnet 4's 1M beta) are added as a tier;
4. the service tier or speed mode (batch, flex, priority, fast): genai-prices' own prices for that mode
   when it has them for the day, otherwise our multiplier for the mode, otherwise unpriced. Exactly one of
   the two applies, so a discount is never applied twice. A mode the provider removed from a model (fast
   mode on Opus 4.6, 4.7, 4.8) is unpriced from its removal date, with that date as the reason. OpenAI's
   ``fast`` tier is its priority tier renamed on 2026-07-30: one price table for both names;
5. data residency (``inference_geo`` us, Claude 4.6 and later): x1.1 on every token class;
6. the tier from the row's ``context_window``, never from the row's token totals: usage rows are
   aggregates, and a 5M-token hour at ``0-200k`` is billed at base rates;
7. per-unit prices (web search, file search, code interpreter, images, speech characters, transcribed
   minutes, storage): our reviewed ``unit_prices`` for the model (and the row's ``variant``, e.g. an image's
   size and quality), else genai-prices' unit prices for the model, else our provider-wide unit price.
   Modes and data residency never change a unit price.

Rows we cannot price (unknown model, priority tier, fast mode with no known premium, ...) get a quote
with ``rates=None`` and a reason; they are never priced at $0 and never raise. A usage class a quote has
no rate for stays None in its rates: a row that uses it is unpriced (``cost_breakdown`` refuses it).

Prices only change from one UTC day to the next, so quotes are memoized per pricing-relevant
dimensions and day: after the first call for a combination a quote costs a dictionary look-up.
"""

from __future__ import annotations

import argparse
import hashlib
import re
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from functools import lru_cache
from importlib.metadata import version as package_version
from pathlib import Path
from typing import Annotated, Literal, NamedTuple, Protocol

from genai_prices import data as genai_data
from genai_prices import types as genai
from genai_prices.data_snapshot import DataSnapshot, get_snapshot
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from shared.domain.accounts import PROVIDER_NAMES, ProviderName
from shared.domain.usage import TEXT_TOKEN_CLASSES, TOKEN_CLASSES, Dimensions
from shared.pricing import PriceQuote, Rates

OVERRIDES_PATH = Path(__file__).with_name("overrides.json")
PROVIDERS = PROVIDER_NAMES
Provider = ProviderName
Mode = Literal["batch", "flex", "priority", "fast"]

_GENAI_PRICE_KEYS: Mapping[str, str] = {
    "uncached_input": "input_mtok",
    "cache_write_5m": "cache_write_mtok",
    "cache_write_1h": "cache_write_1h_mtok",
    "cache_read": "cache_read_mtok",
    "output": "output_mtok",
    "input_audio": "input_audio_mtok",
    "cache_read_audio": "cache_audio_read_mtok",
    "output_audio": "output_audio_mtok",
    "input_image": "input_image_mtok",
    "cache_read_image": "cache_image_read_mtok",
    "output_image": "output_image_mtok",
}
"""Our token class -> genai-prices' price key (USD per million tokens)."""

_LONG_CONTEXT_START = 200_000
_CONTEXT_WINDOWS: Mapping[str, tuple[int, int]] = {"0-200k": (0, 200_000), "200k-1M": (200_000, 1_000_000)}
"""The usage report's context_window buckets as prompt-size ranges (lo, hi]."""

_STANDARD_TIERS: Mapping[str, frozenset[str]] = {
    "anthropic": frozenset({"standard"}),
    "openai": frozenset({"standard", "default"}),
}
_MODE_OF_TIER: Mapping[tuple[str, str], Mode] = {
    ("anthropic", "batch"): "batch",
    ("openai", "batch"): "batch",
    ("openai", "flex"): "flex",
    ("openai", "priority"): "priority",
    ("openai", "fast"): "priority",  # Priority processing renamed "fast" on 2026-07-30: the same price table
}
_STANDARD_SPEEDS = frozenset({None, "standard"})
_MODE_OF_SPEED: Mapping[tuple[str, str], Mode] = {("anthropic", "fast"): "fast"}
_GENAI_VARIANT: Mapping[tuple[str, Mode], Mapping[str, str]] = {
    ("anthropic", "batch"): {"processing": "batch"},
    ("anthropic", "fast"): {"speed": "fast"},
    ("openai", "batch"): {"processing": "batch"},
    ("openai", "flex"): {"service_tier": "flex"},
    ("openai", "priority"): {"service_tier": "priority"},
}
"""How genai-prices names each mode in a price variant's ``when`` (its ``price_context``)."""

_NO_RESIDENCY_GEOS = frozenset({None, "global", "not_available"})

_CLAUDE_VERSION = re.compile(
    r"^claude-(?:[a-z]+-(?P<major>\d+)(?:-(?P<minor>\d{1,2}))?|(?P<major2>\d+)(?:-(?P<minor2>\d{1,2}))?)(?:-|$)"
)


# --------------------------------------------------------------------------------------------------
# The override table (overrides.json), validated once at load.
# --------------------------------------------------------------------------------------------------


def _exact_decimal(value: object) -> Decimal:
    if not isinstance(value, str):
        raise ValueError('write prices as strings (e.g. "0.30") so they stay exact')
    try:
        parsed = Decimal(value)
    except ArithmeticError:  # decimal.InvalidOperation
        raise ValueError(f"not a price: {value!r}") from None
    if not parsed.is_finite() or parsed < 0:
        raise ValueError(f"not a price: {value!r}")
    return parsed


ExactDecimal = Annotated[Decimal, BeforeValidator(_exact_decimal)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class _Sourced(_Strict):
    source: str = Field(min_length=10)


class _Dated(_Sourced):
    from_: date | None = Field(default=None, alias="from")
    until: date | None = None

    @model_validator(mode="after")
    def _ordered(self) -> _Dated:
        if self.from_ is not None and self.until is not None and self.from_ >= self.until:
            raise ValueError(f"'from' {self.from_} must be before 'until' {self.until}")
        return self

    def active(self, day: date) -> bool:
        return (self.from_ is None or self.from_ <= day) and (self.until is None or day < self.until)

    def overlaps(self, other: _Dated) -> bool:
        return (self.until is None or other.from_ is None or other.from_ < self.until) and (
            other.until is None or self.from_ is None or self.from_ < other.until
        )


class TokenRates(_Strict):
    """Some or all token-class rates (text, audio and image tokens), USD per million tokens."""

    uncached_input: ExactDecimal | None = None
    cache_write_5m: ExactDecimal | None = None
    cache_write_1h: ExactDecimal | None = None
    cache_read: ExactDecimal | None = None
    output: ExactDecimal | None = None
    input_audio: ExactDecimal | None = None
    cache_read_audio: ExactDecimal | None = None
    output_audio: ExactDecimal | None = None
    input_image: ExactDecimal | None = None
    cache_read_image: ExactDecimal | None = None
    output_image: ExactDecimal | None = None

    def given(self) -> dict[str, Decimal]:
        return {c: v for c in TOKEN_CLASSES if (v := getattr(self, c)) is not None}


class PriceChange(_Dated):
    """A model's rate for some token classes over a date range, replacing genai-prices' rate."""

    provider: Provider
    model: str
    rates: TokenRates

    @model_validator(mode="after")
    def _not_empty(self) -> PriceChange:
        if not self.rates.given():
            raise ValueError("a price change must set at least one rate")
        return self


class LongContextRates(_Dated):
    """Rates for ``context_window`` 200k-1M rows of a model genai-prices has no long-context tier for."""

    provider: Provider
    model: str
    rates: TokenRates

    @model_validator(mode="after")
    def _complete(self) -> LongContextRates:
        if set(self.rates.given()) != set(TEXT_TOKEN_CLASSES):
            raise ValueError("long-context rates must give every text token class, and only those")
        return self


class LongContextRetirement(_Sourced):
    provider: Provider
    model: str
    retired_on: date


class ModeMultiplier(_Dated):
    """A multiplier for a mode, used on days genai-prices has no price of its own for that mode."""

    provider: Provider
    mode: Mode
    models: tuple[str, ...] = Field(min_length=1)
    multiplier: ExactDecimal

    def covers(self, model_ref: str) -> bool:
        return "*" in self.models or model_ref in self.models


class DataResidency(_Dated):
    provider: Provider
    inference_geo: str
    multiplier: ExactDecimal
    min_model_version: str = Field(pattern=r"^\d+\.\d+$")

    @property
    def min_version(self) -> tuple[int, int]:
        major, minor = self.min_model_version.split(".")
        return int(major), int(minor)


class UnpricedServiceTier(_Sourced):
    provider: Provider
    service_tier: str
    reason: str = Field(min_length=10)
    tier_rate: bool = False
    """Whether an organization's own per-token rate for the tier (see ``TierRates``) may price it."""


class ModeRemoval(_Sourced):
    """A mode the provider removed from some models: from ``removed_on`` a row in that mode is unpriced."""

    provider: Provider
    mode: Mode
    models: tuple[str, ...] = Field(min_length=1)
    removed_on: date


UnitClass = Literal["web_search", "file_search", "code_interpreter", "images", "characters", "audio_seconds", "storage"]
UNIT_CLASSES: tuple[str, ...] = (
    "web_search",
    "file_search",
    "code_interpreter",
    "images",
    "characters",
    "audio_seconds",
    "storage",
)
"""The per-unit usage classes (``shared.domain.usage.USAGE_CLASSES`` whose unit is not a token)."""


class UnitPrice(_Dated):
    """The price of one per-unit usage class, or the reason it has none.

    ``usd`` is USD per the class's price unit as ``USAGE_CLASSES`` defines it: per request (web search),
    per call (file search), per session (code interpreter), per image, per million characters, per minute
    of audio, per GB-day of storage. ``models`` are model ids as the usage report names them, or the
    catalogue's id for the model: exact, ``prefix*`` or ``*`` (any model). ``variants`` are exact values of
    the row's ``variant`` (``"1024x1024/hd"``); None matches any variant, including none.
    """

    provider: Provider
    usage_class: UnitClass
    models: tuple[str, ...] = Field(min_length=1)
    variants: tuple[str, ...] | None = None
    usd: ExactDecimal | None
    reason: str | None = Field(default=None, min_length=10)
    """Why there is no price (``usd`` null): shown with the quote."""
    note: str | None = Field(default=None, min_length=10)
    """What a reader must know about the price when it is used (an assumption): shown with the quote."""

    @model_validator(mode="after")
    def _explained(self) -> UnitPrice:
        if self.usd is None and self.reason is None:
            raise ValueError(f"{self.usage_class}: an entry without a price must give its reason")
        if self.usd is not None and self.reason is not None:
            raise ValueError(f"{self.usage_class}: an entry with a price has no reason (use 'note')")
        if any(m != m.lower() for m in self.models):
            raise ValueError(f"{self.usage_class}: write models in lower case")
        return self

    def model_rank(self, names: tuple[str, ...]) -> int | None:
        """How closely the entry names one of ``names``: 1_000 + length for an exact id, the prefix's
        length for ``prefix*``, 0 for ``*``; None when it does not name them."""
        best: int | None = None
        for pattern in self.models:
            if pattern == "*":
                rank = 0
            elif pattern.endswith("*"):
                rank = len(pattern) if any(n.startswith(pattern[:-1]) for n in names) else -1
            else:
                rank = 1_000 + len(pattern) if pattern in names else -1
            if rank >= 0 and (best is None or rank > best):
                best = rank
        return best

    def matches_variant(self, variant: str | None) -> bool:
        return self.variants is None or variant in self.variants


class ModelPriceRow(_Strict):
    """One dated price of a model added by the override table."""

    from_: date | None = Field(default=None, alias="from")
    rates: TokenRates
    long_context_rates: TokenRates | None = None
    web_search_per_request: ExactDecimal | None = None

    @model_validator(mode="after")
    def _has_input_output(self) -> ModelPriceRow:
        if self.rates.uncached_input is None or self.rates.output is None:
            raise ValueError("a model price needs at least uncached_input and output")
        return self


class OverrideModel(_Sourced):
    """A whole model genai-prices lacks, with dated prices (each row applies from its date)."""

    provider: Provider
    model_ref: str
    match_ids: tuple[str, ...] = Field(min_length=1)
    match_prefixes: tuple[str, ...] = ()
    context_window: int | None = None
    prices: tuple[ModelPriceRow, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _dated_in_order(self) -> OverrideModel:
        starts = [row.from_ or date.min for row in self.prices]
        if starts != sorted(set(starts)):
            raise ValueError(f"{self.model_ref}: price rows must have distinct dates in increasing order")
        return self

    def matches(self, model: str) -> bool:
        name = model.lower()
        return name in self.match_ids or name.startswith(self.match_prefixes)

    @model_validator(mode="after")
    def _lowercase(self) -> OverrideModel:
        if any(m != m.lower() for m in (*self.match_ids, *self.match_prefixes)):
            raise ValueError(f"{self.model_ref}: write match_ids and match_prefixes in lower case")
        return self


class Overrides(_Strict):
    """The whole override table."""

    schema_version: Literal[1]
    comment: str
    models: tuple[OverrideModel, ...] = ()
    price_changes: tuple[PriceChange, ...] = ()
    long_context: tuple[LongContextRates, ...] = ()
    long_context_retired: tuple[LongContextRetirement, ...] = ()
    mode_multipliers: tuple[ModeMultiplier, ...] = ()
    data_residency: tuple[DataResidency, ...] = ()
    mode_removals: tuple[ModeRemoval, ...] = ()
    unpriced_service_tiers: tuple[UnpricedServiceTier, ...] = ()
    unit_prices: tuple[UnitPrice, ...] = ()

    @model_validator(mode="after")
    def _no_overlaps(self) -> Overrides:
        groups: dict[tuple[str, ...], list[_Dated]] = {}
        for change in self.price_changes:
            for cls in change.rates.given():
                groups.setdefault(("price_changes", change.provider, change.model, cls), []).append(change)
        for lc in self.long_context:
            groups.setdefault(("long_context", lc.provider, lc.model), []).append(lc)
        for rule in self.mode_multipliers:
            for model in rule.models:
                groups.setdefault(("mode_multipliers", rule.provider, rule.mode, model), []).append(rule)
        for dr in self.data_residency:
            groups.setdefault(("data_residency", dr.provider, dr.inference_geo), []).append(dr)
        for unit in self.unit_prices:
            for pattern in unit.models:
                for variant in unit.variants or ("(any variant)",):
                    key: tuple[str, ...] = ("unit_prices", unit.provider, unit.usage_class, pattern, variant)
                    groups.setdefault(key, []).append(unit)
        for key, entries in groups.items():
            for i, a in enumerate(entries):
                if any(a.overlaps(b) for b in entries[i + 1 :]):
                    raise ValueError(f"overlapping dates in {'/'.join(key)}")
        return self


def load_overrides(path: Path = OVERRIDES_PATH) -> tuple[Overrides, str]:
    """Read and validate the override table; return it with the sha256 of its bytes."""
    raw = path.read_bytes()
    return Overrides.model_validate_json(raw), hashlib.sha256(raw).hexdigest()


# --------------------------------------------------------------------------------------------------
# Tier rates: the organization's own per-token rates for tiers without a public price (priority). Not
# to be confused with a tenant's rate cards (shared.domain.rate_cards: a percent off list price).
# --------------------------------------------------------------------------------------------------


class TierRates(Protocol):
    """An organization's own rates for a service tier that has no public price (e.g. priority).

    The rates returned are used as they are (no catalogue modifier is applied on top). A catalogue
    holding tier rates belongs to one organization; call ``clear_cache()`` after the rates change.
    """

    def rates_for(self, provider: str, model: str, service_tier: str, day: date) -> Rates | None: ...


# --------------------------------------------------------------------------------------------------
# The catalogue.
# --------------------------------------------------------------------------------------------------


class _Unpriced(Exception):
    """Internal: the row cannot be priced, for this reason."""


class _Tiered(NamedTuple):
    """A rate that depends on the request's prompt size: ``tiers`` apply above their start (exclusive)."""

    base: Decimal
    tiers: tuple[tuple[int, Decimal], ...]

    def scaled(self, factor: Decimal) -> _Tiered:
        return _Tiered(self.base * factor, tuple((start, p * factor) for start, p in self.tiers))


_Price = Decimal | _Tiered


def _scaled(price: _Price, factor: Decimal) -> _Price:
    return price.scaled(factor) if isinstance(price, _Tiered) else price * factor


@dataclass
class _Draft:
    """A quote under construction."""

    model_ref: str
    prices: dict[str, _Price]
    units: dict[str, Decimal]
    """Per-unit prices the model's source gives (genai-prices or an override model): class -> USD per unit."""
    context_window: int | None
    info: genai.ModelInfo | None = None
    """genai-prices' model, when the price comes from it."""
    fixed: set[str] = field(default_factory=set)
    """Token classes whose price comes from our overrides: scaled by our multipliers, never replaced."""
    dates: list[date] = field(default_factory=list)
    modifiers: list[str] = field(default_factory=list)
    unit_reasons: list[str] = field(default_factory=list)
    """Why a per-unit class has no price (from our unit prices)."""


def _from_genai(price: object) -> _Price | None:
    if isinstance(price, Decimal):
        return price
    if isinstance(price, genai.TieredPrices):
        return _Tiered(price.base, tuple(sorted((t.start, t.price) for t in price.tiers)))
    return None


def _genai_price(model_price: genai.ModelPrice, key: str) -> object:
    return model_price.__dict__.get(key)


_GENAI_UNIT_KEYS: Mapping[str, tuple[str, Decimal]] = {
    "web_search": ("web_searches_kcount", Decimal(1000)),
    "file_search": ("storage_searches_kcount", Decimal(1000)),
    "characters": ("input_mchars", Decimal(1)),
    "audio_seconds": ("audio_hours", Decimal(60)),
}
"""Our per-unit class -> genai-prices' price key and the divisor to our unit (per thousand searches -> per
search; per million characters as is; per hour of audio -> per minute)."""


def _genai_units(model_price: genai.ModelPrice) -> dict[str, Decimal]:
    units: dict[str, Decimal] = {}
    for cls, (key, divisor) in _GENAI_UNIT_KEYS.items():
        price = _genai_price(model_price, key)
        if isinstance(price, Decimal):
            units[cls] = price / divisor
    return units


def _start_of(constraint: object) -> date | None:
    if constraint is None:
        return None
    if isinstance(constraint, genai.StartDateConstraint):
        return constraint.start_date
    raise _Unpriced("time-of-day pricing cannot be applied to aggregated usage rows")


def _active(constraint: object, day: date) -> bool:
    start = _start_of(constraint)
    return start is None or start <= day


def model_version(model_ref: str) -> tuple[int, int] | None:
    """The Claude generation of a catalogue model id (``claude-opus-4-6`` -> (4, 6)), if it has one."""
    match = _CLAUDE_VERSION.match(model_ref)
    if match is None:
        return None
    major = match["major"] or match["major2"]
    minor = match["minor"] or match["minor2"] or "0"
    return int(major), int(minor)


@dataclass(frozen=True, slots=True)
class MissingModel:
    """A model seen in usage that the catalogue cannot price, and why."""

    provider: str
    model: str
    reason: str


class GenaiPricesCatalogue:
    """The ``Catalogue`` built on genai-prices (pinned) and ``overrides.json``.

    Args:
        overrides_path: the override table to use (tests pass their own).
        tier_rates: the organization's own rates for tiers with no public price (the hook for priority
            tier pricing; without it those rows are unpriced).
        cache_size: how many (pricing dimensions, day) quotes to keep.

    Raises:
        ValueError: the override table is invalid or names a model the catalogue does not know.
    """

    def __init__(
        self,
        overrides_path: Path = OVERRIDES_PATH,
        *,
        tier_rates: TierRates | None = None,
        cache_size: int = 65_536,
    ) -> None:
        snapshot = get_snapshot()
        if snapshot.from_auto_update:
            # Someone started genai-prices' UpdatePrices in this process: we price from the pinned data only.
            snapshot = DataSnapshot(providers=genai_data.providers, from_auto_update=False)
        self._snapshot = snapshot
        overrides, digest = load_overrides(overrides_path)
        self._overrides = overrides
        self._version = f"genai-prices {package_version('genai-prices')} + overrides {digest[:12]}"
        self._tier_rates = tier_rates
        self._check_model_names()
        self._quote_for_day = lru_cache(maxsize=cache_size)(self._quote_uncached)

    @property
    def version(self) -> str:
        return self._version

    def quote(self, provider: str, dims: Dimensions, used_at: datetime) -> PriceQuote:
        """The rates for a row of ``provider`` with these dimensions, used at ``used_at`` (timezone-aware)."""
        if used_at.tzinfo is None:
            raise ValueError("naive datetime: every time in TokenMeter is timezone-aware UTC")
        return self._quote_for_day(
            provider,
            dims.model,
            dims.service_tier,
            dims.context_window,
            dims.inference_geo,
            dims.speed,
            dims.variant,
            used_at.astimezone(UTC).date(),
        )

    def clear_cache(self) -> None:
        """Forget memoized quotes (after tier rates change)."""
        self._quote_for_day.cache_clear()

    # -- building a quote -------------------------------------------------------------------------

    def _quote_uncached(
        self,
        provider: str,
        model: str,
        service_tier: str,
        context_window: str | None,
        inference_geo: str | None,
        speed: str | None,
        variant: str | None,
        day: date,
    ) -> PriceQuote:
        model_ref: str | None = None
        try:
            if provider not in PROVIDERS:
                raise _Unpriced(f"provider {provider} is not supported by the catalogue")
            draft = self._standard(provider, model, day)
            model_ref = draft.model_ref
            own = self._unpriced_tier(provider, model_ref, service_tier, day)
            if own is not None:
                return own
            self._apply_mode(provider, service_tier, speed, day, draft)
            self._apply_residency(provider, inference_geo, day, draft)
            rates = self._resolve(provider, model, context_window, variant, day, draft)
        except _Unpriced as why:
            return PriceQuote(
                rates=None, catalogue_version=self._version, model_ref=model_ref, unpriced_reason=str(why)
            )
        return PriceQuote(
            rates=rates,
            catalogue_version=self._version,
            effective_from=max(draft.dates, default=None),
            model_ref=draft.model_ref,
            modifiers=tuple(draft.modifiers),
        )

    def _standard(self, provider: str, model: str, day: date) -> _Draft:
        """Steps 1-3: the model's standard prices on ``day``, with our price changes and long-context rates."""
        draft = self._override_model(provider, model, day) or self._genai_or_unit_model(provider, model, day)
        for change in self._overrides.price_changes:
            if change.provider == provider and change.model == draft.model_ref and change.active(day):
                for cls, value in change.rates.given().items():
                    draft.prices[cls] = value
                    draft.fixed.add(cls)
                    draft.modifiers.append(f"override {cls} {value}")
                if change.from_ is not None:
                    draft.dates.append(change.from_)
        for lc in self._overrides.long_context:
            if lc.provider == provider and lc.model == draft.model_ref and lc.active(day):
                for cls, value in lc.rates.given().items():
                    base = draft.prices.get(cls)
                    if base is None or isinstance(base, _Tiered):
                        raise _Unpriced(f"long-context override for {draft.model_ref} does not fit its {cls} price")
                    draft.prices[cls] = _Tiered(base, ((_LONG_CONTEXT_START, value),))
                    draft.fixed.add(cls)
        return draft

    def _override_model(self, provider: str, model: str, day: date) -> _Draft | None:
        for entry in self._overrides.models:
            if entry.provider == provider and entry.matches(model):
                rows = [row for row in entry.prices if row.from_ is None or row.from_ <= day]
                if not rows:
                    raise _Unpriced(f"no price known for model {model} before {entry.prices[0].from_}")
                row = rows[-1]
                prices: dict[str, _Price] = dict(row.rates.given())
                if row.long_context_rates is not None:
                    for cls, value in row.long_context_rates.given().items():
                        base = prices.get(cls)
                        if isinstance(base, Decimal):
                            prices[cls] = _Tiered(base, ((_LONG_CONTEXT_START, value),))
                return _Draft(
                    model_ref=entry.model_ref,
                    prices=prices,
                    units={"web_search": row.web_search_per_request} if row.web_search_per_request is not None else {},
                    context_window=entry.context_window,
                    fixed=set(prices),
                    dates=[row.from_] if row.from_ is not None else [],
                    modifiers=[f"model from overrides ({entry.model_ref})"],
                )
        return None

    def _genai_model(self, provider: str, model: str, day: date) -> _Draft:
        info = self._genai_info(provider, model)
        if isinstance(info.prices, genai.ModelPrice):
            chosen, start = info.prices, None
        else:
            chosen, start = info.prices[0].prices, None  # genai-prices' rule when none is active yet
            for conditional in reversed(info.prices):
                if _active(conditional.constraint, day):
                    chosen, start = conditional.prices, _start_of(conditional.constraint)
                    break
        prices: dict[str, _Price] = {}
        for cls, key in _GENAI_PRICE_KEYS.items():
            price = _from_genai(_genai_price(chosen, key))
            if price is not None:
                prices[cls] = price
        return _Draft(
            model_ref=info.id,
            prices=prices,
            units=_genai_units(chosen),
            context_window=info.context_window,
            info=info,
            dates=[start] if start is not None else [],
        )

    def _genai_or_unit_model(self, provider: str, model: str, day: date) -> _Draft:
        """genai-prices' model, or a model only our unit prices name (``dall-e-3``, ``tool:web_search``)."""
        try:
            return self._genai_model(provider, model, day)
        except _Unpriced:
            if not self._names_model(provider, model.lower()):
                raise
        return _Draft(model_ref=model.lower(), prices={}, units={}, context_window=None)

    def _names_model(self, provider: str, model: str) -> bool:
        """Whether a unit price names this exact model id (not through a prefix or ``*``)."""
        return any(
            entry.provider == provider and (entry.model_rank((model,)) or 0) >= 1_000
            for entry in self._overrides.unit_prices
        )

    def _genai_info(self, provider: str, model: str) -> genai.ModelInfo:
        try:
            _, info = self._snapshot.find_provider_model(model, None, provider, None)
        except LookupError:
            raise _Unpriced(f"no price known for model {model}") from None
        return info

    def _unpriced_tier(self, provider: str, model_ref: str, service_tier: str, day: date) -> PriceQuote | None:
        """Tiers with no public price: the organization's own tier rate if it has one, else unpriced."""
        for entry in self._overrides.unpriced_service_tiers:
            if entry.provider == provider and entry.service_tier == service_tier:
                if entry.tier_rate and self._tier_rates is not None:
                    rates = self._tier_rates.rates_for(provider, model_ref, service_tier, day)
                    if rates is not None:
                        return PriceQuote(
                            rates=rates,
                            catalogue_version=self._version,
                            model_ref=model_ref,
                            modifiers=(f"organization tier rate for {service_tier}",),
                        )
                raise _Unpriced(entry.reason)
        return None

    def _apply_mode(self, provider: str, service_tier: str, speed: str | None, day: date, draft: _Draft) -> None:
        """Step 4: the service tier's or speed's prices (batch, flex, priority, fast)."""
        modes: list[Mode] = []
        if service_tier not in _STANDARD_TIERS[provider]:
            tier_mode = _MODE_OF_TIER.get((provider, service_tier))
            if tier_mode is None:
                raise _Unpriced(f"unknown service_tier {service_tier} for {provider}")
            modes.append(tier_mode)
        if speed not in _STANDARD_SPEEDS:
            speed_mode = _MODE_OF_SPEED.get((provider, str(speed)))
            if speed_mode is None:
                raise _Unpriced(f"unknown speed {speed} for {provider}")
            modes.append(speed_mode)
        if len(modes) > 1:
            raise _Unpriced(f"no published price for {' with '.join(modes)}")
        if modes:
            self._check_not_removed(provider, modes[0], day, draft)
            self._apply_one_mode(provider, modes[0], day, draft)
            if (provider, service_tier) == ("openai", "fast"):
                draft.modifiers.append("service_tier fast: OpenAI's priority tier, renamed fast on 2026-07-30")

    def _check_not_removed(self, provider: str, mode: Mode, day: date, draft: _Draft) -> None:
        """A mode the provider removed from the model is unpriced from its removal date (never the mode's
        price after it ended, never the standard price for a row that says it ran in that mode)."""
        for removal in self._overrides.mode_removals:
            if (
                removal.provider == provider
                and removal.mode == mode
                and draft.model_ref in removal.models
                and removal.removed_on <= day
            ):
                raise _Unpriced(
                    f"{mode} mode ended on {removal.removed_on} for {draft.model_ref}: a {mode} row from that day"
                    " on has no price"
                )

    def _apply_one_mode(self, provider: str, mode: Mode, day: date, draft: _Draft) -> None:
        """genai-prices' own prices for the mode that day if it has them, else our multiplier: never both.

        Classes whose price comes from our overrides (``draft.fixed``) always take our multiplier, since
        genai-prices' mode prices derive from its standard price, not ours.
        """
        variant = self._genai_variant(provider, mode, day, draft)
        rule = next(
            (
                r
                for r in sorted(self._overrides.mode_multipliers, key=lambda r: "*" in r.models)
                if r.provider == provider and r.mode == mode and r.covers(draft.model_ref) and r.active(day)
            ),
            None,
        )
        if rule is None and (variant is None or draft.fixed):
            raise _Unpriced(f"no {mode} price known for model {draft.model_ref} on {day}")
        if variant is None:
            assert rule is not None
            for cls, price in draft.prices.items():
                draft.prices[cls] = _scaled(price, rule.multiplier)
            draft.modifiers.append(f"{mode} x{rule.multiplier}")
            if rule.from_ is not None:
                draft.dates.append(rule.from_)
            return
        prices, start = variant
        for cls in TOKEN_CLASSES:
            if cls in draft.fixed:
                assert rule is not None
                draft.prices[cls] = _scaled(draft.prices[cls], rule.multiplier)
                draft.modifiers.append(f"{mode} x{rule.multiplier} on overridden {cls}")
            elif cls in prices:
                draft.prices[cls] = prices[cls]
            elif cls in draft.prices and rule is not None:
                # A class the mode's prices omit (o4-mini's batch table lists no cached input) takes the
                # mode's published discount, never the standard price: batch is 50% off every token class
                # (pricing.md), cached input included. Without a multiplier rule it keeps the standard price.
                draft.prices[cls] = _scaled(draft.prices[cls], rule.multiplier)
                draft.modifiers.append(f"{mode} x{rule.multiplier} on {cls} (not in the {mode} prices)")
        draft.modifiers.append(f"{mode}: genai-prices {mode} prices" + (f" from {start}" if start else ""))
        if start is not None:
            draft.dates.append(start)

    def _genai_variant(
        self, provider: str, mode: Mode, day: date, draft: _Draft
    ) -> tuple[dict[str, _Price], date | None] | None:
        """genai-prices' prices for ``mode`` on ``day`` (a price variant of the model), if it has them."""
        if draft.info is None:
            return None
        when = _GENAI_VARIANT[(provider, mode)]
        for variant in draft.info.price_variants or ():
            if variant.when == when and _active(variant.constraint, day):
                prices = {
                    cls: price
                    for cls, key in _GENAI_PRICE_KEYS.items()
                    if (price := _from_genai(_genai_price(variant.prices, key))) is not None
                }
                return prices, _start_of(variant.constraint)
        return None

    def _apply_residency(self, provider: str, inference_geo: str | None, day: date, draft: _Draft) -> None:
        """Step 5: data residency multiplier on every token class, for the models it applies to."""
        if inference_geo in _NO_RESIDENCY_GEOS:
            return
        rule = next(
            (
                r
                for r in self._overrides.data_residency
                if r.provider == provider and r.inference_geo == inference_geo and r.active(day)
            ),
            None,
        )
        if rule is None:
            raise _Unpriced(f"no price known for inference_geo {inference_geo} on {provider}")
        version = model_version(draft.model_ref)
        if version is None:
            raise _Unpriced(f"cannot tell whether inference_geo {inference_geo} costs extra on {draft.model_ref}")
        if version < rule.min_version:
            draft.modifiers.append(f"inference_geo {inference_geo}: no multiplier before {rule.min_model_version}")
            return
        for cls, price in draft.prices.items():
            draft.prices[cls] = _scaled(price, rule.multiplier)
        draft.modifiers.append(f"inference_geo {inference_geo} x{rule.multiplier}")

    def _resolve(
        self, provider: str, model: str, context_window: str | None, variant: str | None, day: date, draft: _Draft
    ) -> Rates:
        """Steps 6 and 7: one rate per token class, the tier chosen from ``context_window``; unit prices."""
        if context_window is None:
            # Anthropic: rows before the context_window field (or not grouped by it) are all <= 200k.
            bounds: tuple[int, int | None] = (0, 200_000) if provider == "anthropic" else (0, None)
        elif context_window in _CONTEXT_WINDOWS:
            bounds = _CONTEXT_WINDOWS[context_window]
        else:
            raise _Unpriced(f"unknown context_window {context_window}")
        lo, hi = bounds
        flat: dict[str, Decimal] = {}
        used_tier = False
        ambiguous: set[int] = set()
        for cls, price in draft.prices.items():
            if isinstance(price, Decimal):
                flat[cls] = price
                continue
            chosen = price.base
            for start, tier_price in price.tiers:
                if start <= lo:  # every request in the bucket is above this tier's start
                    chosen, used_tier = tier_price, True
                elif hi is None or start < hi:  # some requests in the bucket may be above it
                    ambiguous.add(start)
            flat[cls] = chosen
        if context_window == "200k-1M":
            if used_tier:
                draft.modifiers.append("context_window 200k-1M: long-context rates")
                retired = next(
                    (
                        r.retired_on
                        for r in self._overrides.long_context_retired
                        if r.provider == provider and r.model == draft.model_ref and r.retired_on <= day
                    ),
                    None,
                )
                if retired is not None:
                    draft.modifiers.append(f"long context retired on {retired} for {draft.model_ref}: row unexpected")
            elif draft.context_window is not None and draft.context_window <= _LONG_CONTEXT_START:
                draft.modifiers.append(
                    f"context_window 200k-1M unexpected: {draft.model_ref} has a {draft.context_window}-token window;"
                    " standard rates"
                )
            else:
                draft.modifiers.append("context_window 200k-1M: standard rates (no long-context premium)")
        if ambiguous:
            window = f"context_window {context_window}" if context_window else "a row without context_window"
            draft.modifiers.append(
                f"ESTIMATE: a price tier starts above {min(ambiguous)} prompt tokens, which {window}"
                " cannot tell; the lower rate is used"
            )
        units = self._unit_rates(provider, model, variant, day, draft)
        if not flat:
            if all(rate is None for rate in units.values()):
                shown = f" ({variant})" if variant else ""
                raise _Unpriced("; ".join(draft.unit_reasons) or f"no price known for {draft.model_ref}{shown}")
            # A model billed only per unit (dall-e-3, whisper-1, tts-1, a tool): its rows carry no tokens.
            flat = dict.fromkeys(TEXT_TOKEN_CLASSES, Decimal(0))
            draft.modifiers.append(f"{draft.model_ref} is billed per unit only: no token price")
        if "uncached_input" not in flat or "output" not in flat:
            raise _Unpriced(f"incomplete price for model {draft.model_ref}: no input or output rate")
        for cls, fallback in (("cache_read", "uncached_input"), ("cache_write_5m", "uncached_input")):
            if cls not in flat:
                flat[cls] = flat[fallback]
                if provider == "anthropic":
                    draft.modifiers.append(f"{cls} at the {fallback} rate (no {cls} price)")
        if "cache_write_1h" not in flat:
            flat["cache_write_1h"] = flat["cache_write_5m"]
            if provider == "anthropic":
                draft.modifiers.append("cache_write_1h at the cache_write_5m rate (no cache_write_1h price)")
        return Rates(
            **flat,
            web_search=units["web_search"],
            file_search=units["file_search"],
            code_interpreter=units["code_interpreter"],
            images=units["images"],
            characters=units["characters"],
            audio_seconds=units["audio_seconds"],
            storage=units["storage"],
        )

    def _unit_rates(
        self, provider: str, model: str, variant: str | None, day: date, draft: _Draft
    ) -> dict[str, Decimal | None]:
        """Step 7: USD per unit of each per-unit class (None: no price; a row that uses it stays unpriced).
        Our entry naming the model wins, then the model's own unit prices (genai-prices or an override
        model), then our entry for any model (``*``). Never changed by a mode or data residency."""
        names = tuple(dict.fromkeys((model.lower(), draft.model_ref)))
        rates: dict[str, Decimal | None] = {}
        for cls in UNIT_CLASSES:
            entry, names_model = self._unit_entry(provider, cls, names, variant, day)
            # An entry for any model (``*``) is for models with token prices (chat models): a per-unit model
            # (a tool, dall-e-3, whisper-1) has exactly the unit prices that name it.
            if entry is None or (not names_model and (cls in draft.units or not draft.prices)):
                rates[cls] = draft.units.get(cls)
                continue
            rates[cls] = entry.usd
            if entry.usd is None:
                draft.unit_reasons.append(f"{cls} unpriced: {entry.reason}")
                draft.modifiers.append(f"{cls} unpriced: {entry.reason}")
                continue
            if entry.note:
                draft.modifiers.append(f"{cls}: {entry.note}")
            if names_model and entry.from_ is not None:
                draft.dates.append(entry.from_)
        return rates

    def _unit_entry(
        self, provider: str, usage_class: str, names: tuple[str, ...], variant: str | None, day: date
    ) -> tuple[UnitPrice | None, bool]:
        """The closest unit price entry for the model and variant that day, and whether it names the model
        (rather than applying to any model)."""
        best: tuple[int, int] | None = None
        chosen: UnitPrice | None = None
        for entry in self._overrides.unit_prices:
            if entry.provider != provider or entry.usage_class != usage_class or not entry.active(day):
                continue
            rank = entry.model_rank(names)
            if rank is None or not entry.matches_variant(variant):
                continue
            key = (rank, 0 if entry.variants is None else 1)
            if best is None or key > best:
                best, chosen = key, entry
        return chosen, best is not None and best[0] > 0

    # -- the missing-models check ---------------------------------------------------------------------

    def missing_models(self, seen: Iterable[tuple[str, str]], day: date) -> list[MissingModel]:
        """The models seen in usage that have no price on ``day``: unknown to the catalogue (a new model),
        or known only from a later date. Each (provider, model) once, sorted. Tier, speed and unit-class
        gaps are not model gaps and are not listed (their rows say why they are unpriced)."""
        missing: list[MissingModel] = []
        for provider, model in sorted(set(seen)):
            try:
                if provider not in PROVIDERS:
                    raise _Unpriced(f"provider {provider} is not supported by the catalogue")
                self._standard(provider, model, day)
            except _Unpriced as why:
                missing.append(MissingModel(provider, model, str(why)))
        return missing

    def context_window(self, provider: str, model: str, day: date) -> int | None:
        """The model's context window in tokens, when the catalogue knows it (None: unknown, or no price)."""
        try:
            return self._standard(provider, model, day).context_window if provider in PROVIDERS else None
        except _Unpriced:
            return None

    # -- checks ---------------------------------------------------------------------------------------

    def _check_model_names(self) -> None:
        """Fail fast on an override naming a model the catalogue does not know (a typo prices nothing)."""
        known: dict[str, set[str]] = {
            p.id: {m.id for m in p.models} for p in self._snapshot.providers if p.id in PROVIDERS
        }
        for entry in self._overrides.models:
            known.setdefault(entry.provider, set()).add(entry.model_ref)
        named: list[tuple[str, str]] = [(c.provider, c.model) for c in self._overrides.price_changes]
        named += [(lc.provider, lc.model) for lc in self._overrides.long_context]
        named += [(r.provider, r.model) for r in self._overrides.long_context_retired]
        named += [(r.provider, m) for r in self._overrides.mode_multipliers for m in r.models if m != "*"]
        named += [(r.provider, m) for r in self._overrides.mode_removals for m in r.models]
        unknown = sorted({f"{p}/{m}" for p, m in named if m not in known.get(p, set())})
        if unknown:
            raise ValueError(f"overrides.json names models the catalogue does not know: {', '.join(unknown)}")


# --------------------------------------------------------------------------------------------------
# Reference tables for what-if and savings advice (tokenizers.json, equivalents.json), validated at load.
# --------------------------------------------------------------------------------------------------

TOKENIZERS_PATH = Path(__file__).with_name("tokenizers.json")
EQUIVALENTS_PATH = Path(__file__).with_name("equivalents.json")


def _positive_decimal(value: object) -> Decimal:
    parsed = _exact_decimal(value)
    if parsed <= 0:
        raise ValueError(f"a ratio must be positive, got {value!r}")
    return parsed


PositiveDecimal = Annotated[Decimal, BeforeValidator(_positive_decimal)]


class Citation(_Strict):
    """Where a fact comes from: the URL, the day the stored copy was seen, and what it says or measured."""

    url: str = Field(pattern=r"^https://")
    seen: date
    what: str = Field(min_length=10)


class _AsOf(_Strict):
    schema_version: Literal[1]
    comment: str = Field(min_length=10)
    as_of: date

    def _check_seen(self, citations: Iterable[Citation]) -> None:
        for citation in citations:
            if citation.seen > self.as_of:
                raise ValueError(f"{citation.url} seen on {citation.seen}, after the table's as_of {self.as_of}")


class ModelRef(_Strict):
    provider: Provider
    model: str = Field(min_length=1)


class TokenizerFamily(_Strict):
    """Models that share one tokenizer: the same text is the same number of tokens on each."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9.-]*$")
    provider: Provider
    tokenizer: str = Field(min_length=3)
    models: tuple[str, ...] = Field(min_length=1)
    sources: tuple[Citation, ...] = Field(min_length=1)


class Ratio(NamedTuple):
    """Tokens on the target model for one token on the source model, for the same text."""

    low: Decimal
    expected: Decimal
    high: Decimal
    derived: bool = False
    """Composed through another family, or the inverse of a published ratio, rather than published as is."""


class TokenizerRatio(_Strict):
    """Tokens on ``to_family`` / tokens on ``from_family`` for the same text."""

    from_family: str
    to_family: str
    low: PositiveDecimal
    expected: PositiveDecimal
    high: PositiveDecimal
    sources: tuple[Citation, ...] = Field(min_length=1)
    comment: str = Field(min_length=10)

    @model_validator(mode="after")
    def _ordered(self) -> TokenizerRatio:
        if not self.low <= self.expected <= self.high:
            raise ValueError(f"{self.from_family} -> {self.to_family}: need low <= expected <= high")
        if self.from_family == self.to_family:
            raise ValueError(f"{self.from_family}: a family's ratio to itself is exactly 1, not a table entry")
        return self


class TokenizerTable(_AsOf):
    """``tokenizers.json``: tokenizer families and the measured ratios between them."""

    families: tuple[TokenizerFamily, ...] = Field(min_length=1)
    ratios: tuple[TokenizerRatio, ...] = ()

    @model_validator(mode="after")
    def _consistent(self) -> TokenizerTable:
        ids = [f.id for f in self.families]
        if len(ids) != len(set(ids)):
            raise ValueError("family ids must be unique")
        members = [(f.provider, m) for f in self.families for m in f.models]
        if len(members) != len(set(members)):
            raise ValueError("a model belongs to one tokenizer family at most")
        pairs = [frozenset((r.from_family, r.to_family)) for r in self.ratios]
        if len(pairs) != len(set(pairs)):
            raise ValueError("one ratio per pair of families (the reverse is its inverse)")
        for r in self.ratios:
            for family in (r.from_family, r.to_family):
                if family not in ids:
                    raise ValueError(f"ratio names an unknown family {family}")
        self._check_seen(c for f in self.families for c in f.sources)
        self._check_seen(c for r in self.ratios for c in r.sources)
        return self

    def family_of(self, provider: str, model: str) -> TokenizerFamily | None:
        return next((f for f in self.families if f.provider == provider and model in f.models), None)

    def ratio(self, source: ModelRef, target: ModelRef) -> Ratio | None:
        """Tokens on ``target`` per token on ``source`` for the same text; exactly 1 within a family; None
        when not known (a model in no family, or no published path between the families)."""
        a = self.family_of(source.provider, source.model)
        b = self.family_of(target.provider, target.model)
        if a is None or b is None:
            return None
        if a.id == b.id:
            return Ratio(Decimal(1), Decimal(1), Decimal(1))
        direct = self._between(a.id, b.id)
        if direct is not None:
            return direct
        for middle in self.families:  # one published hop through a third family
            first, second = self._between(a.id, middle.id), self._between(middle.id, b.id)
            if first is not None and second is not None:
                return Ratio(first.low * second.low, first.expected * second.expected, first.high * second.high, True)
        return None

    def _between(self, a: str, b: str) -> Ratio | None:
        for r in self.ratios:
            if (r.from_family, r.to_family) == (a, b):
                return Ratio(r.low, r.expected, r.high)
            if (r.from_family, r.to_family) == (b, a):
                return Ratio(1 / r.high, 1 / r.expected, 1 / r.low, True)
        return None


class Equivalence(_Strict):
    """Two models at similar quality (either direction), the basis for saying so, and its caveats."""

    a: ModelRef
    b: ModelRef
    basis: Literal["provider", "benchmark"]
    """``provider``: the provider's own statement or positioning; ``benchmark``: published benchmark scores."""
    similarity: Literal["same_model", "similar"]
    evidence: str = Field(min_length=20)
    caveats: str = Field(min_length=10)
    sources: tuple[Citation, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _two_models(self) -> Equivalence:
        if self.a == self.b:
            raise ValueError(f"{self.a.model} cannot be its own peer")
        if self.similarity == "same_model" and self.basis != "provider":
            raise ValueError("only the provider can say two names are the same model")
        return self


class EquivalenceMap(_AsOf):
    """``equivalents.json``: a curated map of models to peers at similar quality."""

    pairs: tuple[Equivalence, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique(self) -> EquivalenceMap:
        keys = [frozenset(((p.a.provider, p.a.model), (p.b.provider, p.b.model))) for p in self.pairs]
        if len(keys) != len(set(keys)):
            raise ValueError("each pair once (either direction)")
        self._check_seen(c for p in self.pairs for c in p.sources)
        return self

    def peers(self, provider: str, model: str) -> list[tuple[ModelRef, Equivalence]]:
        """The models listed at similar quality to this one, each with the entry that says so."""
        found: list[tuple[ModelRef, Equivalence]] = []
        for pair in self.pairs:
            if (pair.a.provider, pair.a.model) == (provider, model):
                found.append((pair.b, pair))
            elif (pair.b.provider, pair.b.model) == (provider, model):
                found.append((pair.a, pair))
        return found

    def models(self) -> list[ModelRef]:
        return [ref for pair in self.pairs for ref in (pair.a, pair.b)]


def load_tokenizers(path: Path = TOKENIZERS_PATH) -> TokenizerTable:
    """Read and validate ``tokenizers.json``."""
    return TokenizerTable.model_validate_json(path.read_bytes())


def load_equivalents(path: Path = EQUIVALENTS_PATH) -> EquivalenceMap:
    """Read and validate ``equivalents.json``."""
    return EquivalenceMap.model_validate_json(path.read_bytes())


# --------------------------------------------------------------------------------------------------
# `python -m shared.pricing.catalogue missing-models`: the check behind `make missing-models`.
# --------------------------------------------------------------------------------------------------


def _seen_models(lines: Iterable[str]) -> list[tuple[str, str]]:
    """``provider model`` per line (also ``provider/model`` or ``provider,model``); blank lines and ``#``
    comments are skipped."""
    seen: list[tuple[str, str]] = []
    for number, raw in enumerate(lines, 1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        parts = re.split(r"[\s,/]+", line, maxsplit=1)
        if len(parts) != 2 or not parts[1]:
            raise ValueError(f"line {number}: expected 'provider model', got {raw.strip()!r}")
        seen.append((parts[0].lower(), parts[1].strip()))
    return seen


def main(argv: Sequence[str] | None = None) -> int:
    """List the models seen in usage that the catalogue cannot price. Exit status 1 when there are any."""
    parser = argparse.ArgumentParser(prog="python -m shared.pricing.catalogue")
    commands = parser.add_subparsers(dest="command", required=True)
    check = commands.add_parser("missing-models", help="list models seen in usage that have no price")
    check.add_argument("files", nargs="*", help="files of 'provider model' lines (default: standard input)")
    check.add_argument("--day", type=date.fromisoformat, help="the UTC day to price on (default: today)")
    args = parser.parse_args(argv)
    lines: list[str] = []
    if args.files:
        for name in args.files:
            lines.extend(Path(name).read_text().splitlines())
    else:
        lines.extend(sys.stdin.read().splitlines())
    day = args.day or datetime.now(UTC).date()
    catalogue = GenaiPricesCatalogue()
    seen = _seen_models(lines)
    missing = catalogue.missing_models(seen, day)
    for item in missing:
        print(f"{item.provider}\t{item.model}\t{item.reason}")
    known = len(set(seen)) - len(missing)
    print(f"{len(missing)} missing, {known} known ({catalogue.version}, {day})", file=sys.stderr)
    return 1 if missing else 0


if __name__ == "__main__":
    raise SystemExit(main())
