"""The simulated Anthropic organization's price oracle: list prices (USD per million tokens) with their
dated rules, and the exact cost of the simulator's own usage.

Prices follow the project's reference page on pricing (the provider's published 2026 list prices); this table
is the simulator's own and shares nothing with the project's catalogue (``shared.pricing``), so a test that
compares the two checks one implementation against another.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from local.simkit import sum_counts

__all__ = ["TOKEN_TYPES", "ModelPrice", "cost_lines", "exact", "list_price_usd_per_mtok", "model_price"]

TOKEN_TYPES: tuple[str, ...] = (
    "uncached_input_tokens",
    "cache_creation.ephemeral_5m_input_tokens",
    "cache_creation.ephemeral_1h_input_tokens",
    "cache_read_input_tokens",
    "output_tokens",
)
"""The five token classes, each billed at its own rate: a row's counts hold them in this order, then web
search requests (index ``WEB``)."""
WEB = 5
TOKEN_LABELS: tuple[str, ...] = (
    "Input Tokens",
    "5m Cache Write Input Tokens",
    "1h Cache Write Input Tokens",
    "Cache Read Input Tokens",
    "Output Tokens",
)

PricedKey = tuple[str | None, str, str | None, str | None, str | None, str | None]
"""What prices a row: (workspace, model, service tier, context window, inference geo, speed)."""

# Tiers with no public list price: absent from the cost report (documented for Priority Tier).
UNPRICED_TIERS = frozenset({"priority", "priority_on_demand"})

_LC_INPUT_X = Decimal(2)  # long context: $3 -> $6, $5 -> $10, cache classes scaled the same way
_LC_OUTPUT_X = Decimal("1.5")  # long context: $15 -> $22.50, $25 -> $37.50
_GEO_US_X = Decimal("1.1")
_FAST_X = Decimal(6)
_BATCH_X = Decimal("0.5")
_WEB_SEARCH_USD = Decimal("0.01")  # $10 per 1,000 requests
_SONNET_45_LC_RETIRED = date(2026, 4, 30)
_GEN46_LC_PREMIUM_ENDS = date(2026, 3, 13)


@dataclass(frozen=True, slots=True)
class ModelPrice:
    """List prices of one model family (USD per million tokens) and the rules that modify them."""

    prefix: str
    display: str
    rates: tuple[Decimal, Decimal, Decimal, Decimal, Decimal]  # input, 5m write, 1h write, read, output
    gen46: bool = False  # Claude 4.6 and later: data residency 1.1x
    fast: bool = False  # fast mode available (Opus 4.6+), 6x
    fast_until: date | None = None  # fast mode removed from this day on (usage then reports speed standard)
    lc_supported: bool = False  # usage may carry context_window "200k-1M"
    lc_available_before: date | None = None  # long context usage ends (retired) on this date
    lc_premium_before: date | None = None  # long-context premium applies before this date (None: never)


def _r(*values: str) -> tuple[Decimal, Decimal, Decimal, Decimal, Decimal]:
    a, b, c, d, e = (Decimal(v) for v in values)
    return (a, b, c, d, e)


_OPUS_NEW = _r("5", "6.25", "10", "0.50", "25")
_OPUS_OLD = _r("15", "18.75", "30", "1.50", "75")
_SONNET = _r("3", "3.75", "6", "0.30", "15")
_SONNET_5 = _r("2", "2.50", "4", "0.20", "10")
_FOREVER = date.max

_PRICE_TABLE: tuple[ModelPrice, ...] = (
    ModelPrice("claude-opus-5", "Claude Opus 5", _OPUS_NEW, gen46=True, fast=True, lc_supported=True),
    # Fast mode ended for Opus 4.6 on 2026-06-29, 4.7 on 2026-07-24 and 4.8 on 2026-11-30 (Anthropic's
    # deprecation notices and code.claude.com/docs/en/fast-mode, as the catalogue's overrides cite them).
    ModelPrice(
        "claude-opus-4-8",
        "Claude Opus 4.8",
        _OPUS_NEW,
        gen46=True,
        fast=True,
        lc_supported=True,
        fast_until=date(2026, 11, 30),
    ),
    ModelPrice(
        "claude-opus-4-7",
        "Claude Opus 4.7",
        _OPUS_NEW,
        gen46=True,
        fast=True,
        lc_supported=True,
        fast_until=date(2026, 7, 24),
    ),
    ModelPrice(
        "claude-opus-4-6",
        "Claude Opus 4.6",
        _OPUS_NEW,
        gen46=True,
        fast=True,
        lc_supported=True,
        lc_premium_before=_GEN46_LC_PREMIUM_ENDS,
        fast_until=date(2026, 6, 29),
    ),
    ModelPrice("claude-opus-4-5", "Claude Opus 4.5", _OPUS_NEW),
    ModelPrice("claude-opus-4-1", "Claude Opus 4.1", _OPUS_OLD),
    ModelPrice("claude-opus-4-0", "Claude Opus 4", _OPUS_OLD),
    ModelPrice("claude-opus-4-2025", "Claude Opus 4", _OPUS_OLD),
    ModelPrice("claude-3-opus", "Claude Opus 3", _OPUS_OLD),
    ModelPrice("claude-sonnet-5", "Claude Sonnet 5", _SONNET_5, gen46=True, lc_supported=True),
    ModelPrice(
        "claude-sonnet-4-6",
        "Claude Sonnet 4.6",
        _SONNET,
        gen46=True,
        lc_supported=True,
        lc_premium_before=_GEN46_LC_PREMIUM_ENDS,
    ),
    ModelPrice(
        "claude-sonnet-4-5",
        "Claude Sonnet 4.5",
        _SONNET,
        lc_supported=True,
        lc_available_before=_SONNET_45_LC_RETIRED,
        lc_premium_before=_FOREVER,
    ),
    ModelPrice(
        "claude-sonnet-4-0",
        "Claude Sonnet 4",
        _SONNET,
        lc_supported=True,
        lc_available_before=_SONNET_45_LC_RETIRED,
        lc_premium_before=_FOREVER,
    ),
    ModelPrice(
        "claude-sonnet-4-2025",
        "Claude Sonnet 4",
        _SONNET,
        lc_supported=True,
        lc_available_before=_SONNET_45_LC_RETIRED,
        lc_premium_before=_FOREVER,
    ),
    ModelPrice("claude-3-7-sonnet", "Claude Sonnet 3.7", _SONNET),
    ModelPrice("claude-haiku-4-5", "Claude Haiku 4.5", _r("1", "1.25", "2", "0.10", "5")),
    ModelPrice("claude-3-5-haiku", "Claude Haiku 3.5", _r("0.80", "1", "1.60", "0.08", "4")),
    ModelPrice("claude-3-haiku", "Claude Haiku 3", _r("0.25", "0.30", "0.50", "0.03", "1.25")),
)


@functools.lru_cache(maxsize=256)
def model_price(model: str) -> ModelPrice:
    """The family of ``model`` by longest id prefix.

    An unknown model still costs money on the invoice: the simulator bills it at Sonnet 4.5 rates under
    its own id, so a catalogue that does not know the model shows a reconciliation gap (never $0).
    """
    best: ModelPrice | None = None
    for entry in _PRICE_TABLE:
        if model.startswith(entry.prefix) and (best is None or len(entry.prefix) > len(best.prefix)):
            best = entry
    return best if best is not None else ModelPrice(model, model, _SONNET)


@functools.lru_cache(maxsize=8192)
def list_price_usd_per_mtok(
    model: str,
    service_tier: str | None,
    context_window: str | None,
    inference_geo: str | None,
    speed: str | None,
    day: date,
) -> tuple[Decimal, ...] | None:
    """The simulator's list rates (USD per million tokens) for the five token classes of a row.

    Modifiers as documented: batch 50% off every token class, long-context premium (Sonnet 4/4.5
    while offered, Opus/Sonnet 4.6 until 2026-03-13), data residency ``us`` 1.1x for 4.6+, fast mode 6x.
    Returns None for tiers with no list price (priority), which the cost report leaves out.
    """
    if service_tier in UNPRICED_TIERS:
        return None
    price = model_price(model)
    mult = [Decimal(1)] * 5
    if context_window == "200k-1M" and price.lc_premium_before is not None and day < price.lc_premium_before:
        mult = [_LC_INPUT_X] * 4 + [_LC_OUTPUT_X]
    extra = Decimal(1)
    if service_tier in ("batch", "flex", "flex_discount"):
        extra *= _BATCH_X
    if inference_geo == "us" and price.gen46:
        extra *= _GEO_US_X
    if speed == "fast" and price.fast and (price.fast_until is None or day < price.fast_until):
        extra *= _FAST_X
    return tuple(rate * m * extra for rate, m in zip(price.rates, mult, strict=True))


def exact(value: Decimal) -> str:
    """A decimal as plain text without exponent or trailing zeros (``"37.0371"``, ``"0"``)."""
    if value == 0:
        return "0"
    return format(value.normalize(), "f")


def cost_lines(
    rows: Iterable[tuple[PricedKey, tuple[int, ...]]], day: date
) -> dict[tuple[tuple[Any, ...], str], Decimal]:
    """Cost lines (in cents, exact) of some usage of one day: one per (workspace, cost type, token type,
    model, tier, context window, geo), with the line's description. Web search is one line per workspace.

    ``rows`` are (what prices the row, its six counts in ``TOKEN_TYPES`` order then web searches).
    """
    sums = sum_counts(rows)  # integers per priced combination first: far fewer Decimal operations
    lines: dict[tuple[tuple[Any, ...], str], Decimal] = {}
    key: tuple[tuple[Any, ...], str]
    for (workspace, model, tier, cw, geo, speed), summed in sums.items():
        rates = list_price_usd_per_mtok(model, tier, cw, geo, speed, day)
        if rates is None:
            continue
        price = model_price(model)
        qualifiers = [
            q
            for q, on in (
                ("Batch", tier == "batch"),
                ("Long Context", cw == "200k-1M"),
                ("US Inference", geo == "us"),
                ("Fast Mode", speed == "fast"),
            )
            if on
        ]
        suffix = f" ({', '.join(qualifiers)})" if qualifiers else ""
        for i, token_type in enumerate(TOKEN_TYPES):
            if summed[i]:
                key = (
                    (workspace, "tokens", token_type, model, tier, cw, geo),
                    f"{price.display} Usage - {TOKEN_LABELS[i]}{suffix}",
                )
                # cents = tokens * USD per MTok * 100 / 1e6
                lines[key] = lines.get(key, Decimal(0)) + Decimal(summed[i]) * rates[i] / 10_000
        if summed[WEB]:
            key = ((workspace, "web_search", None, None, None, None, None), "Web Search Usage")
            lines[key] = lines.get(key, Decimal(0)) + Decimal(summed[WEB]) * _WEB_SEARCH_USD * 100
    return lines
