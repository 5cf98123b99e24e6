"""What the same usage would cost on another model: each UTC day re-priced at the target's price that day.

A source row (a model's tokens on one day, with their stored cost) is moved onto the target in three steps:

1. **Classes.** Usage classes are mapped explicitly between providers (`CLASS_MAP`): Anthropic's cache writes
   become plain input on OpenAI (its caching is automatic and charges no write; OpenAI usage stores its
   writes inside input too), cache reads stay cache reads (cached input at the target's discount), output
   stays output; per-unit items (web searches, ...) are priced at the target's per-unit rate. A class the
   target has no price for is reported as not comparable, with its quantity and actual cost, and left out of
   both sides of the comparison (never $0).
2. **Tiers.** The same service tier and speed where the target offers them that day (batch stays batch);
   otherwise the target's standard tier, said so. Prompts in the 200k-1M window stay there, and are not
   comparable on a target whose window is smaller. Data residency is kept within a provider and dropped
   across providers (said so).
3. **Tokens.** The same text is a different number of tokens on another tokenizer: token costs are scaled by
   the reviewed ratio between the two tokenizer families (``tokenizers.json``), giving low, expected and high.
   The same family (or the same model) is exactly 1, so re-pricing a model on itself gives its actual cost.

Prices come only from the catalogue (`Catalogue.quote`) and are multiplied by `cost_breakdown`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time
from decimal import Decimal
from functools import cache
from typing import TYPE_CHECKING, Any, Protocol

from shared.domain.money import EXACT, ZERO, exact_sum, usd
from shared.domain.priced import CostRow
from shared.domain.usage import (
    CLASS_BY_NAME,
    QUANTITY_FIELDS,
    TEXT_TOKEN_CLASSES,
    USAGE_CLASSES,
    Dimensions,
    TokenCounts,
)
from shared.pricing import PriceQuote, cost_breakdown

if TYPE_CHECKING:
    from shared.pricing.catalogue import EquivalenceMap, MissingModel, Ratio, TokenizerTable

ONE = Decimal(1)

STANDARD_TIER: Mapping[str, str] = {"anthropic": "standard", "openai": "default"}
"""What each provider calls its standard service tier in usage rows."""
STANDARD_TIERS = frozenset(STANDARD_TIER.values())
BATCH_TIER = "batch"
"""Both providers' batch tier (OpenAI's ``batch: true`` is stored as tier ``batch``)."""
PRIORITY_TIERS = frozenset({"priority", "priority_on_demand", "fast"})
"""Tiers that buy latency or capacity at a premium (OpenAI's ``fast`` is its priority tier renamed)."""
LONG_CONTEXT = "200k-1M"
SHORT_CONTEXT = "0-200k"

CLASS_MAP: Mapping[tuple[str, str], Mapping[str, str]] = {
    ("anthropic", "openai"): {"cache_write_5m": "uncached_input", "cache_write_1h": "uncached_input"},
}
"""(source provider, target provider) -> source class -> target class, for the classes that change; every
other class maps to itself."""

MAPPING_NOTES: Mapping[tuple[str, str], tuple[str, ...]] = {
    ("anthropic", "openai"): (
        "Anthropic cache writes (5-minute and 1-hour) become plain input on OpenAI, whose prompt caching is "
        "automatic and charges no write",
        "Anthropic cache reads become OpenAI cached input, at the target's cached-input rate (OpenAI caches "
        "only prompts of 1,024 tokens or more: an assumption that the same prefixes would hit)",
        "uncached input and output map to input and output",
    ),
    ("openai", "anthropic"): (
        "OpenAI cached input becomes Anthropic cache reads; Anthropic would also bill the 5-minute writes that "
        "first put those prefixes in its cache (1.25x input), which OpenAI's usage does not report: not counted, "
        "so the target cost is a low estimate when much input was cached",
        "uncached input and output map to input and output; audio and image tokens only where the target prices them",
    ),
}


class WhatIfCatalogue(Protocol):
    """What what-if needs of the price catalogue (``GenaiPricesCatalogue`` is one)."""

    @property
    def version(self) -> str: ...

    def quote(self, provider: str, dims: Dimensions, used_at: datetime) -> PriceQuote: ...

    def missing_models(self, seen: Iterable[tuple[str, str]], day: date) -> list[MissingModel]: ...

    def context_window(self, provider: str, model: str, day: date) -> int | None: ...


@cache
def tokenizer_table() -> TokenizerTable:
    from shared.pricing.catalogue import load_tokenizers

    return load_tokenizers()


@cache
def equivalence_map() -> EquivalenceMap:
    from shared.pricing.catalogue import load_equivalents

    return load_equivalents()


def noon(day: date) -> datetime:
    """The instant a UTC day's price is asked at (prices change from one UTC day to the next)."""
    return datetime.combine(day, time(12), UTC)


@dataclass(frozen=True, slots=True)
class Target:
    """The model usage is moved to: its provider, the id asked for and the catalogue's id for it."""

    provider: str
    model: str
    model_ref: str

    @property
    def label(self) -> str:
        return f"{self.provider}/{self.model_ref}"


class UnknownTarget(LookupError):
    """No provider's catalogue prices this model."""


class AmbiguousTarget(LookupError):
    """More than one provider's catalogue prices this model name."""


def resolve_target(catalogue: WhatIfCatalogue, name: str, day: date) -> Target:
    """The target model named ``name`` (``gpt-5`` or ``openai/gpt-5``), as the catalogue knows it on ``day``.

    Raises:
        UnknownTarget: no provider prices it.
        AmbiguousTarget: both providers do (then name the provider).
    """
    from shared.pricing.catalogue import PROVIDERS

    provider, _, model = name.partition("/") if "/" in name else ("", "", name)
    providers = [provider] if provider else list(PROVIDERS)
    if provider and provider not in PROVIDERS:
        raise UnknownTarget(f"unknown provider {provider!r}; use one of {', '.join(PROVIDERS)}")
    known = [p for p in providers if not catalogue.missing_models([(p, model)], day)]
    if not known:
        raise UnknownTarget(f"no price is known for model {model!r} (a catalogue model id such as gpt-5)")
    if len(known) > 1:
        raise AmbiguousTarget(f"model {model!r} is priced for {' and '.join(known)}: name it as provider/model")
    quote = catalogue.quote(known[0], Dimensions(model=model), noon(day))
    return Target(known[0], model, quote.model_ref or model)


def map_tokens(tokens: TokenCounts, source_provider: str, target_provider: str) -> TokenCounts:
    """The source quantities in the target's classes (`CLASS_MAP`)."""
    moves = CLASS_MAP.get((source_provider, target_provider))
    if not moves:
        return tokens
    counts = tokens.to_dict()
    for source, target in moves.items():
        moved = counts[CLASS_BY_NAME[source].quantity]
        if moved:
            counts[CLASS_BY_NAME[source].quantity] = 0
            counts[CLASS_BY_NAME[target].quantity] += moved
    return TokenCounts(**counts)


MAPPED_CLASSES = (*TEXT_TOKEN_CLASSES, "web_search")
"""The classes a cross-provider answer spells the mapping out for (the others keep their class)."""


def mapping_out(source_provider: str, target_provider: str) -> list[dict[str, str]]:
    """The class mapping as the answer states it (nothing to say within one provider: every class is itself)."""
    if source_provider == target_provider:
        return []
    moves = CLASS_MAP.get((source_provider, target_provider), {})
    return [{"from": name, "to": moves.get(name, name)} for name in MAPPED_CLASSES]


@dataclass
class _Line:
    """One not-comparable part of a model's usage: a class (or every class) and why."""

    quantity: int = 0
    actual: Decimal = ZERO
    priced: bool = False
    """Whether any of it had a price on the source (else its actual cost is unknown, not $0)."""


@dataclass
class ModelWhatIf:
    """One source model's usage over the period and its cost on the target."""

    provider: str
    model: str
    model_ref: str | None = None
    tokens: list[int] = field(default_factory=lambda: [0] * len(QUANTITY_FIELDS))
    target_tokens: list[int] = field(default_factory=lambda: [0] * len(QUANTITY_FIELDS))
    actual: Decimal = ZERO
    """The priced part of the model's usage, all of it."""
    compared_actual: Decimal = ZERO
    """The part of ``actual`` that has a price on the target (what ``target_*`` compares with)."""
    token_cost: Decimal = ZERO
    """The target's cost of the comparable token classes, before the tokenizer ratio."""
    unit_cost: Decimal = ZERO
    """The target's cost of the comparable per-unit classes (never scaled by the tokenizer)."""
    not_comparable: dict[tuple[str, str], _Line] = field(default_factory=dict)
    notes: set[str] = field(default_factory=set)
    days: set[date] = field(default_factory=set)
    ratio: Ratio | None = None
    ratio_known: bool = True

    def band(self) -> tuple[Decimal, Decimal, Decimal]:
        """The target cost as (low, expected, high): token costs times the tokenizer ratio, plus unit costs."""
        r = self.ratio
        low, expected, high = (r.low, r.expected, r.high) if r is not None else (ONE, ONE, ONE)
        return tuple(  # type: ignore[return-value]
            EXACT.add(EXACT.multiply(self.token_cost, factor), self.unit_cost) for factor in (low, expected, high)
        )

    @property
    def comparable(self) -> bool:
        return any(self.target_tokens)

    def render(self, target: Target) -> dict[str, Any]:
        low, expected, high = self.band()
        r = self.ratio
        return {
            "provider": self.provider,
            "model": self.model,
            "model_ref": self.model_ref,
            "comparable": self.comparable,
            "days": len(self.days),
            "tokens": dict(zip(QUANTITY_FIELDS, self.tokens, strict=True)),
            "target_tokens": dict(zip(QUANTITY_FIELDS, self.target_tokens, strict=True)),
            # A model with no price on the source has no actual cost to show: null, never $0.
            "actual_cost": usd(self.actual) if self.model_ref is not None else None,
            "compared_actual_cost": usd(self.compared_actual),
            "target_cost": _band_out(low, expected, high),
            "difference": _band_out(*(EXACT.subtract(v, self.compared_actual) for v in (low, expected, high))),
            "tokenizer": {
                "known": self.ratio_known,
                "derived": bool(r is not None and r.derived),
                "low": usd(r.low if r else ONE),
                "expected": usd(r.expected if r else ONE),
                "high": usd(r.high if r else ONE),
            },
            "not_comparable": [
                {
                    "usage_class": cls,
                    "quantity": line.quantity,
                    "actual_cost": usd(line.actual) if line.priced else None,
                    "reason": reason,
                }
                for (cls, reason), line in sorted(self.not_comparable.items())
            ],
            "notes": sorted(self.notes),
            "mapping": mapping_out(self.provider, target.provider),
        }


def _band_out(low: Decimal, expected: Decimal, high: Decimal) -> dict[str, str]:
    return {"low": usd(low), "expected": usd(expected), "high": usd(high)}


ALL_CLASSES = "all"
"""The usage class of a not-comparable line that concerns the whole row (no price on either side)."""


class Repricer:
    """Re-prices rows of one source provider's models on a target (see the module docstring).

    One instance serves one request: quotes are memoized by the catalogue, tokenizer ratios here.
    """

    def __init__(self, catalogue: WhatIfCatalogue, target: Target, tokenizers: TokenizerTable | None = None):
        self.catalogue = catalogue
        self.target = target
        self.tokenizers = tokenizers if tokenizers is not None else tokenizer_table()
        self._ratios: dict[tuple[str, str], tuple[Ratio | None, bool]] = {}

    def ratio(self, source_provider: str, source_ref: str) -> tuple[Ratio | None, bool]:
        """Target tokens per source token for the same text, and whether the table knows it (an unknown ratio
        is taken as 1 and said so). The same model is exactly 1."""
        key = (source_provider, source_ref)
        if key not in self._ratios:
            from shared.pricing.catalogue import ModelRef, Ratio

            target = self.target
            if (source_provider, source_ref) == (target.provider, target.model_ref):
                found: Ratio | None = Ratio(ONE, ONE, ONE)
            else:
                found = self.tokenizers.ratio(
                    ModelRef.model_validate({"provider": source_provider, "model": source_ref}),
                    ModelRef.model_validate({"provider": target.provider, "model": target.model_ref}),
                )
            self._ratios[key] = (found, found is not None)
        return self._ratios[key]

    def target_quote(
        self, source_provider: str, source_ref: str, dims: Dimensions, day: date
    ) -> tuple[PriceQuote, list[str], str]:
        """The target's quote for a source row's dimensions on ``day``: its tier and speed where the target
        offers them, else its standard ones (said so). Returns the quote, notes, and why the row is not
        comparable ("" when it is)."""
        target = self.target
        notes: list[str] = []
        same_provider = source_provider == target.provider
        base = dims.pricing()
        tier = base.service_tier if base.service_tier not in STANDARD_TIERS else STANDARD_TIER[target.provider]
        mapped = replace(
            base,
            model=target.model,
            service_tier=tier,
            speed=base.speed if same_provider else None,
            inference_geo=base.inference_geo if same_provider else None,
        )
        if not same_provider and base.inference_geo not in (None, "global", "not_available"):
            notes.append(f"inference_geo {base.inference_geo} is not carried across providers: global rates")
        if not same_provider and base.speed not in (None, "standard"):
            notes.append(f"speed {base.speed} has no counterpart at {target.provider}: standard speed")
        if source_provider == "openai" and target.provider == "anthropic":
            notes.append("OpenAI usage has no context window: priced as prompts under 200k tokens")
        quote = self.catalogue.quote(target.provider, mapped, noon(day))
        special = mapped.service_tier not in STANDARD_TIERS or mapped.speed not in (None, "standard")
        if quote.rates is None and special:
            standard = replace(mapped, service_tier=STANDARD_TIER[target.provider], speed=None)
            fallback = self.catalogue.quote(target.provider, standard, noon(day))
            if fallback.rates is not None:
                what = f"tier {mapped.service_tier}" if mapped.service_tier not in STANDARD_TIERS else "fast speed"
                notes.append(f"{target.model_ref} has no {what} price: priced at its standard tier")
                quote, mapped = fallback, standard
        if quote.rates is None:
            return quote, notes, quote.unpriced_reason or f"no price for {target.model_ref}"
        if base.context_window == LONG_CONTEXT and (source_provider, source_ref) != (target.provider, target.model_ref):
            window = self.catalogue.context_window(target.provider, target.model, day)
            short = self.catalogue.quote(target.provider, replace(mapped, context_window=SHORT_CONTEXT), noon(day))
            if window is not None and window <= 200_000 and short.rates == quote.rates:
                return quote, notes, f"prompts over 200k tokens do not fit {target.model_ref}'s {window}-token window"
        return quote, notes, ""

    def add(self, into: ModelWhatIf, source_provider: str, row: CostRow, day: date) -> None:
        """Re-price one source row of ``day`` into its model's totals."""
        into.days.add(day)
        into.tokens = [a + b for a, b in zip(into.tokens, row.tokens.values(), strict=True)]
        if row.cost is None:
            _not_comparable(into, ALL_CLASSES, row, f"no price for the source usage: {row.unpriced_reason}")
            return
        into.actual = EXACT.add(into.actual, row.cost.total)
        if into.model_ref is None:
            source = self.catalogue.quote(source_provider, row.dims, noon(day))
            into.model_ref = source.model_ref or row.dims.model
            into.ratio, into.ratio_known = self.ratio(source_provider, into.model_ref)
        quote, notes, why_not = self.target_quote(source_provider, into.model_ref, row.dims, day)
        into.notes.update(notes)
        if why_not:
            _not_comparable(into, ALL_CLASSES, row, why_not)
            return
        assert quote.rates is not None
        rates = quote.rates
        mapped = map_tokens(row.tokens, source_provider, self.target.provider)
        counts = mapped.to_dict()
        missing: list[str] = []
        for usage_class in USAGE_CLASSES:
            if counts[usage_class.quantity] and rates.rate(usage_class.name) is None:
                missing.append(usage_class.name)
                counts[usage_class.quantity] = 0
        comparable = TokenCounts(**counts) if missing else mapped
        cost = cost_breakdown(comparable, rates)
        excluded = ZERO
        for name in missing:
            # A class keeps its name across providers unless CLASS_MAP moves it, and only text classes move.
            line = into.not_comparable.setdefault((name, f"{self.target.model_ref} has no {name} price"), _Line())
            line.quantity += row.tokens.quantity(name)
            line.actual = EXACT.add(line.actual, row.cost.amount(name))
            line.priced = True
            excluded = EXACT.add(excluded, row.cost.amount(name))
        into.compared_actual = EXACT.add(into.compared_actual, EXACT.subtract(row.cost.total, excluded))
        into.target_tokens = [a + b for a, b in zip(into.target_tokens, comparable.values(), strict=True)]
        amounts = cost.values()
        into.token_cost = EXACT.add(
            into.token_cost, exact_sum(a for c, a in zip(USAGE_CLASSES, amounts, strict=True) if c.is_token)
        )
        into.unit_cost = EXACT.add(
            into.unit_cost, exact_sum(a for c, a in zip(USAGE_CLASSES, amounts, strict=True) if not c.is_token)
        )


def _not_comparable(into: ModelWhatIf, usage_class: str, row: CostRow, reason: str) -> None:
    line = into.not_comparable.setdefault((usage_class, reason), _Line())
    line.quantity += row.tokens.total_units
    if row.cost is not None:
        line.actual = EXACT.add(line.actual, row.cost.total)
        line.priced = True


@dataclass
class WhatIfResult:
    """Per source model (provider, model id) and in total."""

    target: Target
    models: list[ModelWhatIf]

    def totals(self) -> dict[str, Any]:
        bands = [m.band() for m in self.models]
        low, expected, high = (exact_sum(b[i] for b in bands) for i in range(3))
        compared = exact_sum(m.compared_actual for m in self.models)
        return {
            "actual_cost": usd(exact_sum(m.actual for m in self.models)),
            "compared_actual_cost": usd(compared),
            "target_cost": _band_out(low, expected, high),
            "difference": _band_out(*(EXACT.subtract(v, compared) for v in (low, expected, high))),
            "not_comparable_actual_cost": usd(
                exact_sum(line.actual for m in self.models for line in m.not_comparable.values())
            ),
        }


def what_if(
    repricer: Repricer, pieces: Iterable[tuple[str, date, CostRow]], provider_of: Mapping[str, str]
) -> WhatIfResult:
    """Re-price ``(account_id, UTC day, row)`` pieces on the repricer's target, per source model."""
    models: dict[tuple[str, str], ModelWhatIf] = {}
    for account_id, day, row in pieces:
        provider = provider_of[account_id]
        key = (provider, row.dims.model)
        into = models.get(key)
        if into is None:
            into = models[key] = ModelWhatIf(provider, row.dims.model)
        repricer.add(into, provider, row, day)
    ordered = sorted(models.values(), key=lambda m: (-m.actual, m.provider, m.model))
    return WhatIfResult(repricer.target, ordered)


def method_text(target: Target, catalogue_version: str, source_providers: Sequence[str]) -> str:
    """How the figures were computed, in words (the ``method`` of an answer)."""
    parts = [
        f"Each UTC day's usage is re-priced at {target.label}'s list price on that day ({catalogue_version}): "
        "the same service tier and speed where the target offers them (batch stays batch), otherwise its "
        "standard tier.",
    ]
    for source in sorted(set(source_providers)):
        if source != target.provider:
            parts.append(f"Classes from {source}: " + "; ".join(MAPPING_NOTES.get((source, target.provider), ())) + ".")
    parts.append(
        "Token costs are scaled by the tokenizer ratio between the two models' tokenizer families (tokens on the "
        "target per source token for the same text, low/expected/high, from the reviewed table tokenizers.json); "
        "the same tokenizer family is exactly 1; a pair the table does not know is counted 1:1 and marked "
        "tokenizer.known = false. Per-unit items (web searches, ...) are priced at the target's per-unit rate, "
        "never scaled. Usage with no price on either side is listed as not comparable and left out of both "
        "sides (never $0). List prices: rate cards are not applied."
    )
    return " ".join(parts)
