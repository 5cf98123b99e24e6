"""The price catalogue against the traps in pricing.md.

Expected costs are worked out by hand from the published prices (USD per million tokens) in
pricing.md; the arithmetic is in the comments. Token counts are chosen so the numbers stay readable.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from genai_prices.data_snapshot import get_snapshot
from hypothesis import given, settings
from hypothesis import strategies as st

from shared.domain.usage import TEXT_TOKEN_CLASSES, Dimensions, TokenCounts, UsageBucket, UsageRow
from shared.pricing import (
    CostBreakdown,
    PriceQuote,
    Rates,
    cost_breakdown,
    default_catalogue,
)
from shared.pricing.catalogue import OVERRIDES_PATH, GenaiPricesCatalogue, model_version
from shared.pricing.costing import price_bucket

M = 1_000_000


@pytest.fixture(scope="module")
def catalogue() -> GenaiPricesCatalogue:
    return default_catalogue()


def at(day: str, hour: int = 12) -> datetime:
    return datetime.fromisoformat(day).replace(hour=hour, tzinfo=UTC)


def quote(
    catalogue: GenaiPricesCatalogue, model: str, day: str, provider: str = "anthropic", **dims: Any
) -> PriceQuote:
    return catalogue.quote(provider, Dimensions(model=model, **dims), at(day))


def cost(
    catalogue: GenaiPricesCatalogue,
    model: str,
    day: str,
    tokens: TokenCounts,
    provider: str = "anthropic",
    **dims: Any,
) -> CostBreakdown:
    q = quote(catalogue, model, day, provider, **dims)
    assert q.rates is not None, q.unpriced_reason
    return cost_breakdown(tokens, q.rates)


def _bucket(model: str) -> UsageBucket:
    hour = at("2026-11-03")
    return UsageBucket(hour, (UsageRow(hour, Dimensions(model), TokenCounts(uncached_input=1000, output=1000)),))


ONE_M_EACH = TokenCounts(uncached_input=M, cache_write_5m=M, cache_write_1h=M, cache_read=M, output=M)


# -- Trap 1: a model with no price is unpriced, never $0 -------------------------------------------------


@pytest.mark.parametrize(("provider", "model"), [("anthropic", "claude-nova-9"), ("openai", "gpt-99-turbo")])
def test_unknown_model_is_unpriced_not_zero(catalogue: GenaiPricesCatalogue, provider: str, model: str) -> None:
    q = quote(catalogue, model, "2026-11-03", provider)
    assert q.rates is None and not q.priced
    assert q.unpriced_reason == f"no price known for model {model}"
    (row,) = price_bucket("anthropic" if provider == "anthropic" else provider, _bucket(model), catalogue)
    assert row.cost is None and row.unpriced_reason == q.unpriced_reason  # shown as unpriced, not as $0


def test_unknown_provider_is_unpriced(catalogue: GenaiPricesCatalogue) -> None:
    q = quote(catalogue, "gemini-9", "2026-11-03", "google")
    assert q.rates is None and q.unpriced_reason is not None


# -- Trap 2: Anthropic cache reads at the cache rate; token classes disjoint --------------------------------


def test_anthropic_token_classes_each_at_own_rate(catalogue: GenaiPricesCatalogue) -> None:
    # The row from anthropic-admin-api.md, Sonnet 4.5 (3 / 3.75 / 6 / 0.30 / 15, web $10 per 1,000):
    #   uncached  120,000 x 3    / 1M = 0.36
    #   5m write   40,000 x 3.75 / 1M = 0.15
    #   1h write   10,000 x 6    / 1M = 0.06
    #   cache read 600,000 x 0.30 / 1M = 0.18   (at the input price it would be 1.80)
    #   output     35,000 x 15   / 1M = 0.525
    #   web search     12 x 0.01      = 0.12
    #   total                          = 1.395
    tokens = TokenCounts(
        uncached_input=120_000,
        cache_write_5m=40_000,
        cache_write_1h=10_000,
        cache_read=600_000,
        output=35_000,
        web_search_requests=12,
    )
    c = cost(catalogue, "claude-sonnet-4-5-20250929", "2026-11-03", tokens, context_window="0-200k")
    assert c == CostBreakdown(
        uncached_input=Decimal("0.36"),
        cache_write_5m=Decimal("0.15"),
        cache_write_1h=Decimal("0.06"),
        cache_read=Decimal("0.18"),
        output=Decimal("0.525"),
        web_search=Decimal("0.12"),
    )
    assert c.total == Decimal("1.395")


# -- Trap 4: 1-hour cache writes at the 1h rate -----------------------------------------------------------


def test_one_hour_cache_writes_at_the_1h_rate(catalogue: GenaiPricesCatalogue) -> None:
    # Opus 4.5: 5m write 6.25, 1h write 10. 1M 1h-write tokens = $10.00 (as 5m writes: $6.25, 37.5% less).
    c = cost(catalogue, "claude-opus-4-5-20251101", "2026-11-03", TokenCounts(cache_write_1h=M, cache_write_5m=M))
    assert c.cache_write_1h == Decimal(10)
    assert c.cache_write_5m == Decimal("6.25")


# -- Trap 5: long context from context_window, never from the row's totals; and only while it lasted ---------


def test_big_aggregate_row_at_0_200k_is_base_price(catalogue: GenaiPricesCatalogue) -> None:
    # An hourly Sonnet 4.5 row with 5M input and 1M output tokens in the 0-200k window:
    #   5,000,000 x 3 / 1M = 15.00 ; 1,000,000 x 15 / 1M = 15.00 ; total 30.00
    # (a per-request tier applied to the aggregate would give 5M x 6 + 1M x 22.5 = 52.50)
    tokens = TokenCounts(uncached_input=5 * M, output=M)
    for window in ("0-200k", None):
        c = cost(catalogue, "claude-sonnet-4-5-20250929", "2026-02-01", tokens, context_window=window)
        assert c.total == Decimal(30)


def test_small_row_at_200k_1m_is_long_context_price(catalogue: GenaiPricesCatalogue) -> None:
    # A Sonnet 4.5 row with only 1,000 input, 1,000 cache-read and 1,000 output tokens, all in 200k-1M requests:
    #   1,000 x 6 / 1M = 0.006 ; 1,000 x 0.60 / 1M = 0.0006 ; 1,000 x 22.50 / 1M = 0.0225 ; total 0.0291
    tokens = TokenCounts(uncached_input=1000, cache_read=1000, output=1000)
    q = quote(catalogue, "claude-sonnet-4-5-20250929", "2026-02-01", context_window="200k-1M")
    assert "context_window 200k-1M: long-context rates" in q.modifiers
    c = cost(catalogue, "claude-sonnet-4-5-20250929", "2026-02-01", tokens, context_window="200k-1M")
    assert c.total == Decimal("0.0291")


def test_opus_46_long_context_premium_until_2026_03_13(catalogue: GenaiPricesCatalogue) -> None:
    # Opus 4.6, 200k-1M, 1M input + 100k output.
    #   2026-03-12 (premium $10 / $37.50): 1M x 10 / 1M = 10.00 ; 100k x 37.5 / 1M = 3.75 ; total 13.75
    #   2026-03-13 (standard $5 / $25):    1M x 5  / 1M = 5.00  ; 100k x 25   / 1M = 2.50 ; total  7.50
    tokens = TokenCounts(uncached_input=M, output=100_000)
    before = cost(catalogue, "claude-opus-4-6", "2026-03-12", tokens, context_window="200k-1M")
    after = cost(catalogue, "claude-opus-4-6", "2026-03-13", tokens, context_window="200k-1M")
    assert before.total == Decimal("13.75")
    assert after.total == Decimal("7.50")
    q = quote(catalogue, "claude-opus-4-6", "2026-03-13", context_window="200k-1M")
    assert q.effective_from == date(2026, 3, 13)
    assert "context_window 200k-1M: standard rates (no long-context premium)" in q.modifiers


def test_sonnet_46_long_context_premium_until_2026_03_13(catalogue: GenaiPricesCatalogue) -> None:
    # Sonnet 4.6, 200k-1M, 1M input + 1M output: before 6 + 22.50 = 28.50 ; from 2026-03-13 3 + 15 = 18.00
    tokens = TokenCounts(uncached_input=M, output=M)
    assert cost(catalogue, "claude-sonnet-4-6", "2026-03-12", tokens, context_window="200k-1M").total == Decimal("28.5")
    assert cost(catalogue, "claude-sonnet-4-6", "2026-03-13", tokens, context_window="200k-1M").total == 18


def test_sonnet_4_long_context_from_overrides(catalogue: GenaiPricesCatalogue) -> None:
    # genai-prices 0.2.3 has no long-context tier for Sonnet 4; pricing.md: $6 input, $22.50 output, cache x2.
    #   1M each: 6 + 7.50 + 12 + 0.60 + 22.50 = 48.60   (0-200k: 3 + 3.75 + 6 + 0.30 + 15 = 28.05)
    model = "claude-sonnet-4-20250514"
    assert cost(catalogue, model, "2026-02-01", ONE_M_EACH, context_window="200k-1M").total == Decimal("48.60")
    assert cost(catalogue, model, "2026-02-01", ONE_M_EACH, context_window="0-200k").total == Decimal("28.05")


def test_long_context_row_after_beta_retirement_is_flagged(catalogue: GenaiPricesCatalogue) -> None:
    # Sonnet 4.5's 1M beta was retired on 2026-04-30: a later 200k-1M row is still priced at the long-context
    # rate (1M input x 6 = 6.00) and the quote says the row was unexpected.
    q = quote(catalogue, "claude-sonnet-4-5", "2026-05-02", context_window="200k-1M")
    assert q.rates is not None and q.rates.uncached_input == 6
    assert any("retired on 2026-04-30" in m for m in q.modifiers)
    assert not any("retired" in m for m in quote(catalogue, "claude-sonnet-4-5", "2026-04-29").modifiers)


def test_later_models_bill_the_full_window_at_standard_rates(catalogue: GenaiPricesCatalogue) -> None:
    # Opus 4.7: 200k-1M at standard rates: 1M input x 5 = 5.00 ; 1M output x 25 = 25.00
    c = cost(
        catalogue, "claude-opus-4-7", "2026-11-03", TokenCounts(uncached_input=M, output=M), context_window="200k-1M"
    )
    assert c.total == 30


def test_prompt_tier_the_context_window_cannot_resolve_is_flagged_as_estimate(catalogue: GenaiPricesCatalogue) -> None:
    # Haiku 5.5 changes price above 100k prompt tokens; a 0-200k row cannot tell which requests did.
    q = quote(catalogue, "claude-haiku-5-5", "2026-11-03", context_window="0-200k")
    assert q.rates is not None and q.rates.uncached_input == Decimal("0.1")
    assert any(m.startswith("ESTIMATE") for m in q.modifiers)
    # 200k-1M requests are all above 100k: the higher rate, no estimate.
    q = quote(catalogue, "claude-haiku-5-5", "2026-11-03", context_window="200k-1M")
    assert q.rates is not None and q.rates.uncached_input == Decimal("0.5")
    assert not any(m.startswith("ESTIMATE") for m in q.modifiers)


# -- Trap 6: batch discount, from genai-prices' batch prices or ours, never both ----------------------------


@pytest.mark.parametrize("day", ["2026-10-13", "2026-10-14", "2026-11-03"])
def test_batch_is_half_price_on_both_sides_of_2026_10_14(catalogue: GenaiPricesCatalogue, day: str) -> None:
    # Opus 4.6 batch, 1M of each token class + 10 web searches:
    #   2.50 + 3.125 + 5.00 + 0.25 + 12.50 = 23.375 ; web 10 x 0.01 = 0.10 (not discounted) ; total 23.475
    # (standard would be 46.75 + 0.10; batch applied twice 11.6875 + 0.10)
    tokens = TokenCounts(**{**ONE_M_EACH.to_dict(), "web_search_requests": 10})
    c = cost(catalogue, "claude-opus-4-6", day, tokens, service_tier="batch")
    assert c.total == Decimal("23.475")
    assert c.web_search == Decimal("0.10")


def test_batch_quote_says_where_the_discount_came_from(catalogue: GenaiPricesCatalogue) -> None:
    before = quote(catalogue, "claude-opus-4-6", "2026-10-13", service_tier="batch")
    after = quote(catalogue, "claude-opus-4-6", "2026-10-14", service_tier="batch")
    assert before.modifiers == ("batch x0.5",)
    assert after.modifiers == ("batch: genai-prices batch prices from 2026-10-14",)
    assert after.effective_from == date(2026, 10, 14)


def test_our_batch_rule_agrees_with_every_genai_prices_anthropic_batch_price(
    catalogue: GenaiPricesCatalogue,
) -> None:
    # Where genai-prices has batch prices, they must equal our x0.5 rule, so both sides of its start date agree.
    provider = next(p for p in get_snapshot().providers if p.id == "anthropic")
    checked = 0
    for model in provider.models:
        if not any(v.when == {"processing": "batch"} for v in model.price_variants or ()):
            continue
        for window in ("0-200k", "200k-1M"):
            standard = quote(catalogue, model.id, "2026-11-03", context_window=window).rates
            batch = quote(catalogue, model.id, "2026-11-03", context_window=window, service_tier="batch").rates
            assert standard is not None and batch is not None
            for cls in TEXT_TOKEN_CLASSES:
                assert getattr(batch, cls) == getattr(standard, cls) / 2, (model.id, window, cls)
            assert batch.web_search == standard.web_search
        checked += 1
    assert checked >= 10


# -- Data residency -------------------------------------------------------------------------------------------


def test_us_inference_is_1_1x_for_claude_46_and_later(catalogue: GenaiPricesCatalogue) -> None:
    # Opus 4.6, inference_geo us: 1M each x 1.1 -> 5.50 + 6.875 + 11.00 + 0.55 + 27.50 = 51.425 ;
    # 10 web searches 0.10, not multiplied ; total 51.525
    tokens = TokenCounts(**{**ONE_M_EACH.to_dict(), "web_search_requests": 10})
    c = cost(catalogue, "claude-opus-4-6", "2026-11-03", tokens, inference_geo="us")
    assert c.total == Decimal("51.525")
    assert "inference_geo us x1.1" in quote(catalogue, "claude-opus-4-6", "2026-11-03", inference_geo="us").modifiers


@pytest.mark.parametrize(
    ("model", "geo"),
    [
        ("claude-sonnet-4-5-20250929", "us"),
        ("claude-opus-4-5", "us"),
        ("claude-opus-4-6", "global"),
        ("claude-opus-4-6", "not_available"),
        ("claude-opus-4-6", None),
    ],
)
def test_no_residency_multiplier_for_older_models_or_other_geos(
    catalogue: GenaiPricesCatalogue, model: str, geo: str | None
) -> None:
    # Sonnet 4.5 1M input + 1M output = 3 + 15 = 18 ; Opus 4.5 / 4.6 = 5 + 25 = 30 (no x1.1)
    c = cost(catalogue, model, "2026-11-03", TokenCounts(uncached_input=M, output=M), inference_geo=geo)
    assert c.total == (18 if "sonnet" in model else 30)


def test_residency_stacks_with_batch(catalogue: GenaiPricesCatalogue) -> None:
    # Sonnet 4.6 batch + us: 1M input x 3 x 0.5 x 1.1 = 1.65 ; 1M output x 15 x 0.5 x 1.1 = 8.25 ; total 9.90
    tokens = TokenCounts(uncached_input=M, output=M)
    for day in ("2026-10-13", "2026-10-14"):
        c = cost(catalogue, "claude-sonnet-4-6", day, tokens, service_tier="batch", inference_geo="us")
        assert c.total == Decimal("9.90")


def test_model_versions() -> None:
    assert model_version("claude-opus-4-6") == (4, 6)
    assert model_version("claude-sonnet-5") == (5, 0)
    assert model_version("claude-3-7-sonnet-latest") == (3, 7)
    assert model_version("claude-haiku-4-5") == (4, 5)
    assert model_version("gpt-5") is None


# -- Fast mode ------------------------------------------------------------------------------------------------


def test_fast_mode_premium(catalogue: GenaiPricesCatalogue) -> None:
    # Opus 4.6 fast = 6x (overrides) while it lasted: 1M input x 30 = 30.00 ; 1M output x 150 = 150.00 ; total 180.00
    tokens = TokenCounts(uncached_input=M, output=M)
    assert cost(catalogue, "claude-opus-4-6", "2026-06-01", tokens, speed="fast").total == 180
    # Opus 4.8 fast from genai-prices: $10 / $50 -> 60.00
    assert cost(catalogue, "claude-opus-4-8", "2026-11-03", tokens, speed="fast").total == 60
    # Opus 4.7 fast = 6x until its removal: 30 + 150 = 180.00 (see test_pricing_fast_mode.py for the end dates)
    assert cost(catalogue, "claude-opus-4-7", "2026-07-01", tokens, speed="fast").total == 180
    # Sonnet: no fast mode anywhere -> unpriced, not standard price
    q = quote(catalogue, "claude-sonnet-4-6", "2026-11-03", speed="fast")
    assert q.rates is None and "fast" in (q.unpriced_reason or "")


# -- Web search -----------------------------------------------------------------------------------------------


def test_web_search_ten_dollars_per_thousand_not_batch_discounted(catalogue: GenaiPricesCatalogue) -> None:
    # 1,000 searches x $0.01 = $10.00, standard and batch alike
    tokens = TokenCounts(web_search_requests=1000)
    for tier in ("standard", "batch"):
        assert cost(catalogue, "claude-sonnet-4-5", "2026-11-03", tokens, service_tier=tier).web_search == 10


# -- Priority (and tiers with no public price) ---------------------------------------------------------------


@pytest.mark.parametrize("tier", ["priority", "priority_on_demand", "flex", "flex_discount"])
def test_tiers_without_public_price_are_unpriced(catalogue: GenaiPricesCatalogue, tier: str) -> None:
    q = quote(catalogue, "claude-sonnet-4-5", "2026-11-03", service_tier=tier)
    assert q.rates is None
    assert "shown as unpriced (the invoice check shows what was billed)" in (q.unpriced_reason or "")
    assert q.model_ref == "claude-sonnet-4-5"


def test_priority_priced_from_the_organizations_tier_rate() -> None:
    card = Rates(Decimal(4), Decimal(5), Decimal(8), Decimal("0.4"), Decimal(20), Decimal("0.01"))

    class OwnRates:
        def rates_for(self, provider: str, model: str, service_tier: str, day: date) -> Rates | None:
            return card if (model, service_tier) == ("claude-sonnet-4-5", "priority") else None

    catalogue = GenaiPricesCatalogue(tier_rates=OwnRates())
    q = quote(catalogue, "claude-sonnet-4-5-20250929", "2026-11-03", service_tier="priority")
    assert q.rates == card and q.modifiers == ("organization tier rate for priority",)
    assert quote(catalogue, "claude-sonnet-4-5", "2026-11-03", service_tier="priority_on_demand").rates is None


# -- Dated price changes --------------------------------------------------------------------------------------


def test_o3_price_cut_on_2025_06_10(catalogue: GenaiPricesCatalogue) -> None:
    # o3: $10 / $40 until 2025-06-09, $2 / $8 from 2025-06-10. 1M input + 1M output: 50.00, then 10.00
    tokens = TokenCounts(uncached_input=M, output=M)
    assert cost(catalogue, "o3", "2025-06-09", tokens, "openai").total == 50
    assert cost(catalogue, "o3-2025-04-16", "2025-06-10", tokens, "openai").total == 10
    assert quote(catalogue, "o3", "2025-06-10", "openai").effective_from == date(2025, 6, 10)


def test_sonnet_55_cache_read_drop_on_2026_10_07(catalogue: GenaiPricesCatalogue) -> None:
    # Sonnet 5.5 cache read: 0.20 until 2026-10-06, 0.10 from 2026-10-07 (overrides; genai-prices has only 0.10)
    #   10M cache-read tokens: 10 x 0.20 = 2.00, then 10 x 0.10 = 1.00 ; batch on 2026-10-06: 1.00
    tokens = TokenCounts(cache_read=10 * M)
    assert cost(catalogue, "claude-sonnet-5-5", "2026-10-06", tokens).total == 2
    assert cost(catalogue, "claude-sonnet-5-5", "2026-10-07", tokens).total == 1
    assert cost(catalogue, "claude-sonnet-5-5", "2026-10-06", tokens, service_tier="batch").total == 1
    assert quote(catalogue, "claude-sonnet-5-5", "2026-10-07").effective_from == date(2026, 10, 7)
    # after genai-prices' batch prices start (2026-10-14): 10 x 0.05 = 0.50, not halved twice
    assert cost(catalogue, "claude-sonnet-5-5", "2026-10-20", tokens, service_tier="batch").total == Decimal("0.5")


def test_day_is_the_utc_day(catalogue: GenaiPricesCatalogue) -> None:
    # 2025-06-10 01:00 in UTC+02:00 is still 2025-06-09 in UTC: the old o3 price.
    local = datetime(2025, 6, 10, 1, tzinfo=timezone(timedelta(hours=2)))
    q = catalogue.quote("openai", Dimensions(model="o3"), local)
    assert q.rates is not None and q.rates.uncached_input == 10


# -- Trap 3: OpenAI cached tokens are inside input_tokens -----------------------------------------------------


def test_openai_cached_input_at_cached_rate(catalogue: GenaiPricesCatalogue) -> None:
    # gpt-5 ($1.25 in, $0.125 cached, $10 out). Reported: input_tokens 1,000,000 of which cached 400,000, output
    # 100,000. The collector splits uncached = 1,000,000 - 400,000 = 600,000:
    #   600,000 x 1.25 / 1M = 0.75 ; 400,000 x 0.125 / 1M = 0.05 ; 100,000 x 10 / 1M = 1.00 ; total 1.80
    # (cached counted twice: 1,000,000 x 1.25 + 0.05 + 1.00 = 2.30)
    tokens = TokenCounts(uncached_input=600_000, cache_read=400_000, output=100_000)
    c = cost(catalogue, "gpt-5-2025-08-07", "2026-11-03", tokens, "openai", service_tier="default")
    assert (c.uncached_input, c.cache_read, c.output) == (Decimal("0.75"), Decimal("0.05"), Decimal(1))
    assert c.total == Decimal("1.80")


@pytest.mark.parametrize("day", ["2026-10-01", "2026-10-20"])
@pytest.mark.parametrize("tier", ["batch", "flex"])
def test_openai_batch_and_flex_half_price(catalogue: GenaiPricesCatalogue, day: str, tier: str) -> None:
    # gpt-5 batch / flex: 1M input x 0.625 + 1M cached x 0.0625 + 1M output x 5 = 5.6875, before and after
    # genai-prices' own batch (2026-10-14) and flex (2026-10-12) prices start.
    tokens = TokenCounts(uncached_input=M, cache_read=M, output=M)
    assert cost(catalogue, "gpt-5", day, tokens, "openai", service_tier=tier).total == Decimal("5.6875")


def test_openai_priority(catalogue: GenaiPricesCatalogue) -> None:
    # gpt-5 priority = 2x: 1M input x 2.50 + 1M output x 20 = 22.50 (override before 2026-10-12, genai-prices after)
    tokens = TokenCounts(uncached_input=M, output=M)
    for day in ("2026-10-01", "2026-10-20"):
        assert cost(catalogue, "gpt-5", day, tokens, "openai", service_tier="priority").total == Decimal("22.5")
    # gpt-4.1 priority 1.75x: 2 x 1.75 + 8 x 1.75 = 17.50
    assert cost(catalogue, "gpt-4.1", "2026-10-01", tokens, "openai", service_tier="priority").total == Decimal("17.5")
    # gpt-5-mini: no priority price known before 2026-10-12 -> unpriced; genai-prices' 0.45 / 3.6 after: 4.05
    assert quote(catalogue, "gpt-5-mini", "2026-10-01", "openai", service_tier="priority").rates is None
    assert cost(catalogue, "gpt-5-mini", "2026-10-20", tokens, "openai", service_tier="priority").total == Decimal(
        "4.05"
    )


# -- The quote explains itself; it is memoized per UTC day ---------------------------------------------------


def test_quote_carries_version_effective_date_and_modifiers(catalogue: GenaiPricesCatalogue) -> None:
    q = quote(
        catalogue, "claude-opus-4-6", "2026-03-12", service_tier="batch", inference_geo="us", context_window="200k-1M"
    )
    assert q.catalogue_version == catalogue.version
    assert q.catalogue_version.startswith("genai-prices 0.2.3 + overrides ")
    assert len(q.catalogue_version.rsplit(" ", 1)[1]) == 12
    assert q.model_ref == "claude-opus-4-6"
    assert q.effective_from is None  # genai-prices' first Opus 4.6 price carries no start date
    assert q.modifiers == ("batch x0.5", "inference_geo us x1.1", "context_window 200k-1M: long-context rates")
    # 1M input x 10 x 0.5 x 1.1 = 5.50
    assert q.rates is not None and q.rates.uncached_input == Decimal("5.5")


def test_quotes_are_memoized_per_utc_day(catalogue: GenaiPricesCatalogue) -> None:
    dims = Dimensions(model="claude-opus-4-6", api_key_id="a", service_tier="batch")
    first = catalogue.quote("anthropic", dims, at("2026-11-03", 0))
    assert catalogue.quote("anthropic", dims, at("2026-11-03", 23)) is first
    other_key = Dimensions(model="claude-opus-4-6", api_key_id="b", workspace_id="w", service_tier="batch")
    assert catalogue.quote("anthropic", other_key, at("2026-11-03", 5)) is first  # price-irrelevant dims
    with pytest.raises(ValueError, match="naive"):
        catalogue.quote("anthropic", dims, datetime(2026, 11, 3))


def test_unknown_dimension_values_are_unpriced(catalogue: GenaiPricesCatalogue) -> None:
    for dims in (
        {"service_tier": "scale"},
        {"context_window": "1M-2M"},
        {"inference_geo": "eu"},
        {"speed": "ludicrous"},
        {"service_tier": "batch", "speed": "fast"},
    ):
        q = quote(catalogue, "claude-opus-4-6", "2026-11-03", **dims)
        assert q.rates is None and q.unpriced_reason, dims


# -- The override table ---------------------------------------------------------------------------------------


def _write_overrides(tmp_path: Path, **sections: Any) -> Path:
    table = json.loads(OVERRIDES_PATH.read_text())
    table.update(sections)
    path = tmp_path / "overrides.json"
    path.write_text(json.dumps(table))
    return path


def test_override_table_adds_a_whole_dated_model(tmp_path: Path) -> None:
    model = {
        "provider": "anthropic",
        "model_ref": "claude-test-9",
        "match_ids": ["claude-test-9"],
        "match_prefixes": ["claude-test-9-"],
        "source": "test: a model genai-prices does not know",
        "prices": [
            {"from": "2026-01-01", "rates": {"uncached_input": "1", "cache_read": "0.1", "output": "5"}},
            {"from": "2026-06-01", "rates": {"uncached_input": "2", "cache_read": "0.2", "output": "10"}},
        ],
    }
    catalogue = GenaiPricesCatalogue(_write_overrides(tmp_path, models=[model]))
    assert catalogue.version != default_catalogue().version
    tokens = TokenCounts(uncached_input=M, output=M)
    # 2026-05-31: 1 + 5 = 6.00 ; 2026-06-01: 2 + 10 = 12.00 ; batch x0.5 on the later price: 6.00
    assert cost(catalogue, "claude-test-9-20260101", "2026-05-31", tokens).total == 6
    assert cost(catalogue, "claude-test-9", "2026-06-01", tokens).total == 12
    assert cost(catalogue, "claude-test-9", "2026-06-01", tokens, service_tier="batch").total == 6
    assert quote(catalogue, "claude-test-9", "2026-06-01").effective_from == date(2026, 6, 1)
    assert quote(catalogue, "claude-test-9", "2025-12-31").rates is None


_OPUS_47 = {"provider": "anthropic", "model": "claude-opus-4-7"}


@pytest.mark.parametrize(
    ("sections", "error"),
    [
        (
            {
                "unit_prices": [
                    {
                        "provider": "anthropic",
                        "usage_class": "web_search",
                        "models": ["*"],
                        "usd": 0.01,
                        "source": "a float is not exact",
                    }
                ]
            },
            "write prices as strings",
        ),
        (
            {
                "price_changes": [
                    {**_OPUS_47, "until": "2026-02-01", "rates": {"output": "20"}, "source": "first of two ranges"},
                    {**_OPUS_47, "from": "2026-01-01", "rates": {"output": "21"}, "source": "second of two ranges"},
                ]
            },
            "overlapping dates",
        ),
        (
            {
                "price_changes": [
                    {
                        **_OPUS_47,
                        "model": "claude-opus-4-77",
                        "rates": {"output": "20"},
                        "source": "a typo in a model name",
                    }
                ]
            },
            "does not know: anthropic/claude-opus-4-77",
        ),
        ({"price_changes": [{**_OPUS_47, "rates": {"output": "20"}}]}, "source"),
    ],
    ids=["float-price", "overlapping-dates", "unknown-model", "no-source"],
)
def test_invalid_override_table_is_refused(tmp_path: Path, sections: dict[str, Any], error: str) -> None:
    with pytest.raises(ValueError, match=error):
        GenaiPricesCatalogue(_write_overrides(tmp_path, **sections))


# -- Sums are exact whatever the order or grouping -----------------------------------------------------------

_RATES = [
    q.rates
    for q in (
        default_catalogue().quote("anthropic", Dimensions(model=m, **d), at("2026-03-12"))
        for m, d in [
            ("claude-opus-4-6", {"context_window": "200k-1M", "inference_geo": "us", "service_tier": "batch"}),
            ("claude-sonnet-4-5", {}),
            ("claude-haiku-4-5", {"service_tier": "batch"}),
            ("claude-3-haiku", {}),
            ("claude-sonnet-4-6", {"inference_geo": "us"}),
        ]
    )
    if q.rates is not None
]
_counts = st.integers(min_value=0, max_value=10**10)
_tokens = st.builds(
    TokenCounts,
    uncached_input=_counts,
    cache_write_5m=_counts,
    cache_write_1h=_counts,
    cache_read=_counts,
    output=_counts,
    web_search_requests=st.integers(min_value=0, max_value=10**6),
)
_rows = st.lists(st.tuples(_tokens, st.sampled_from(_RATES)), max_size=40)


@settings(max_examples=200, deadline=None)
@given(rows=_rows, data=st.data())
def test_totals_are_exact_in_any_order_and_grouping(rows: list[tuple[TokenCounts, Rates]], data: st.DataObject) -> None:
    reference = sum((cost_breakdown(t, r) for t, r in rows), CostBreakdown())
    shuffled = data.draw(st.permutations(rows))
    cuts = sorted(data.draw(st.lists(st.integers(0, len(rows)), max_size=5)))
    groups = [shuffled[a:b] for a, b in zip([0, *cuts], [*cuts, len(rows)], strict=True)]
    subtotals = [sum((cost_breakdown(t, r) for t, r in g), CostBreakdown()) for g in groups]
    regrouped = sum(subtotals, CostBreakdown())
    assert regrouped == reference
    assert regrouped.total == reference.total == sum((cost_breakdown(t, r).total for t, r in rows), Decimal(0))
    # Merging rows of the same price (as merge_rows does) costs exactly the same as pricing them apart.
    for rates in _RATES:
        same = [t for t, r in rows if r == rates]
        merged = sum(same, TokenCounts())
        assert cost_breakdown(merged, rates) == sum((cost_breakdown(t, rates) for t in same), CostBreakdown())
