"""The catalogue against the providers' published price pages, as of 2026-11-30.

Each test names the published source its expected numbers come from (the same source the override entry in
``shared/pricing/overrides.json`` cites). Prices are USD per million tokens unless the test says otherwise;
the arithmetic is in the comments.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest

from shared.domain.usage import Dimensions, TokenCounts, UsageBucket, UsageRow
from shared.pricing import CostBreakdown, PriceQuote, Unpriceable, cost_breakdown, default_catalogue
from shared.pricing.catalogue import GenaiPricesCatalogue
from shared.pricing.costing import price_bucket

M = 1_000_000
TODAY = "2026-11-30"


@pytest.fixture(scope="module")
def catalogue() -> GenaiPricesCatalogue:
    return default_catalogue()


def quote(catalogue: GenaiPricesCatalogue, provider: str, model: str, day: str, **dims: Any) -> PriceQuote:
    return catalogue.quote(provider, Dimensions(model=model, **dims), datetime.fromisoformat(day).replace(tzinfo=UTC))


def cost(
    catalogue: GenaiPricesCatalogue, provider: str, model: str, day: str, tokens: TokenCounts, **dims: Any
) -> CostBreakdown:
    q = quote(catalogue, provider, model, day, **dims)
    assert q.rates is not None, q.unpriced_reason
    return cost_breakdown(tokens, q.rates)


ONE_M_TEXT = TokenCounts(uncached_input=M, cache_write_5m=M, cache_write_1h=M, cache_read=M, output=M)


# -- Anthropic: every model on the pricing page ------------------------------------------------------------------

# https://platform.claude.com/docs/en/about-claude/pricing (model pricing table, stored copy seen 2026-11-30) and
# the models' overview pages: input / 5m write / 1h write / cache hit / output.
ANTHROPIC_PAGE: dict[str, tuple[str, str, str, str, str]] = {
    "claude-fable-5-2": ("8", "10", "16", "0.2", "40"),
    "claude-mythos-5-2": ("8", "10", "16", "0.2", "40"),
    "claude-fable-5-1": ("10", "12.5", "20", "0.25", "50"),
    "claude-mythos-5-1": ("10", "12.5", "20", "0.25", "50"),
    "claude-fable-5": ("10", "12.5", "20", "1", "50"),
    "claude-mythos-5": ("10", "12.5", "20", "1", "50"),
    "claude-opus-5-5": ("4", "5", "8", "0.2", "20"),
    "claude-opus-5": ("5", "6.25", "10", "0.5", "25"),
    "claude-opus-4-8": ("5", "6.25", "10", "0.5", "25"),
    "claude-opus-4-7": ("5", "6.25", "10", "0.5", "25"),
    "claude-opus-4-6": ("5", "6.25", "10", "0.5", "25"),
    "claude-opus-4-5": ("5", "6.25", "10", "0.5", "25"),
    "claude-opus-4-1": ("15", "18.75", "30", "1.5", "75"),
    "claude-opus-4-0": ("15", "18.75", "30", "1.5", "75"),
    "claude-sonnet-5-5": ("2", "2.5", "4", "0.1", "10"),
    "claude-sonnet-5": ("2", "2.5", "4", "0.2", "10"),
    "claude-sonnet-4-6": ("3", "3.75", "6", "0.3", "15"),
    "claude-sonnet-4-5": ("3", "3.75", "6", "0.3", "15"),
    "claude-sonnet-4-0": ("3", "3.75", "6", "0.3", "15"),
    "claude-3-7-sonnet-latest": ("3", "3.75", "6", "0.3", "15"),
    "claude-haiku-4-5": ("1", "1.25", "2", "0.1", "5"),
    "claude-3-5-haiku-latest": ("0.8", "1", "1.6", "0.08", "4"),
    "claude-3-opus-latest": ("15", "18.75", "30", "1.5", "75"),
    "claude-3-haiku": ("0.25", "0.3", "0.5", "0.03", "1.25"),
}


@pytest.mark.parametrize("model", sorted(ANTHROPIC_PAGE))
def test_every_anthropic_model_on_the_pricing_page_is_priced_as_published(
    catalogue: GenaiPricesCatalogue, model: str
) -> None:
    q = quote(catalogue, "anthropic", model, "2026-11-29", context_window="0-200k")
    assert q.rates is not None, q.unpriced_reason
    published = tuple(Decimal(v) for v in ANTHROPIC_PAGE[model])
    got = (q.rates.uncached_input, q.rates.cache_write_5m, q.rates.cache_write_1h, q.rates.cache_read, q.rates.output)
    assert got == published, model
    assert q.rates.web_search == Decimal("0.01")  # $10 per 1,000 searches


def test_mythos_5_and_5_1_are_priced_from_their_release(catalogue: GenaiPricesCatalogue) -> None:
    # Mythos 5 (limited availability), released with Fable 5 on 2026-06-09: 10 / 12.50 / 20 / 1 / 50.
    # 1M of each text class: 10 + 12.5 + 20 + 1 + 50 = 93.50
    assert cost(catalogue, "anthropic", "claude-mythos-5", "2026-06-09", ONE_M_TEXT).total == Decimal("93.5")
    assert quote(catalogue, "anthropic", "claude-mythos-5-20260609", "2026-07-01").model_ref == "claude-mythos-5"
    before = quote(catalogue, "anthropic", "claude-mythos-5", "2026-06-08")
    assert before.rates is None and "before 2026-06-09" in (before.unpriced_reason or "")
    # Mythos 5.1, released with Fable 5.1 on 2026-09-01: cache hits 0.25 (0.025x): 10 + 12.5 + 20 + 0.25 + 50 = 92.75
    assert cost(catalogue, "anthropic", "claude-mythos-5-1", "2026-09-01", ONE_M_TEXT).total == Decimal("92.75")
    assert quote(catalogue, "anthropic", "claude-mythos-5-1", "2026-08-31").rates is None
    q = quote(catalogue, "anthropic", "claude-mythos-5-1", "2026-09-01")
    assert (q.model_ref, q.effective_from) == ("claude-mythos-5-1", date(2026, 9, 1))
    # The dated-snapshot prefixes do not swallow the next version: Mythos 5.2 is genai-prices' ($8 input).
    q = quote(catalogue, "anthropic", "claude-mythos-5-2", TODAY)
    assert q.model_ref == "claude-mythos-5-2" and q.rates is not None and q.rates.uncached_input == 8


def test_mythos_batch_residency_and_long_context(catalogue: GenaiPricesCatalogue) -> None:
    tokens = TokenCounts(uncached_input=M, output=M)
    # batch: (10 + 50) x 0.5 = 30.00 ; us residency (Claude 4.6+): (10 + 50) x 1.1 = 66.00
    assert cost(catalogue, "anthropic", "claude-mythos-5-1", TODAY, tokens, service_tier="batch").total == 30
    assert cost(catalogue, "anthropic", "claude-mythos-5", TODAY, tokens, inference_geo="us").total == 66
    # flat across the 1M window: 200k-1M at the standard 10 + 50 = 60.00
    assert cost(catalogue, "anthropic", "claude-mythos-5", TODAY, tokens, context_window="200k-1M").total == 60
    # no published fast mode for Mythos 5 / 5.1
    assert quote(catalogue, "anthropic", "claude-mythos-5-1", TODAY, speed="fast").rates is None


# -- Anthropic fast mode: priced while offered, unpriced from its removal ----------------------------------------


@pytest.mark.parametrize(
    ("model", "last_day", "removed_on", "input_rate", "output_rate"),
    [
        # https://platform.claude.com/docs/en/build-with-claude/fast-mode: Opus 4.6 fast = 6x ($30 / $150);
        # removed 2026-06-29 (release notes).
        ("claude-opus-4-6", "2026-06-28", "2026-06-29", 30, 150),
        # Opus 4.7 fast = 6x ($30 / $150); https://code.claude.com/docs/en/fast-mode: removed on July 24, 2026.
        ("claude-opus-4-7", "2026-07-23", "2026-07-24", 30, 150),
        # Opus 4.8 fast $10 / $50 (genai-prices 0.2.3); removed on November 30, 2026 (same page).
        ("claude-opus-4-8", "2026-11-29", "2026-11-30", 10, 50),
    ],
)
def test_fast_mode_is_priced_until_its_removal_then_unpriced_with_the_date(
    catalogue: GenaiPricesCatalogue, model: str, last_day: str, removed_on: str, input_rate: int, output_rate: int
) -> None:
    tokens = TokenCounts(uncached_input=M, output=M)
    assert cost(catalogue, "anthropic", model, last_day, tokens, speed="fast").total == input_rate + output_rate
    after = quote(catalogue, "anthropic", model, removed_on, speed="fast")
    assert after.rates is None and after.model_ref == model
    reason = f"fast mode ended on {removed_on} for {model}: a fast row from that day on has no price"
    assert after.unpriced_reason == reason
    # Never the standard rate for a fast row, and standard-speed rows are untouched: 5 + 25 = 30.00
    assert cost(catalogue, "anthropic", model, removed_on, tokens, speed="standard").total == 30


def test_fast_mode_caching_multipliers_apply_on_top(catalogue: GenaiPricesCatalogue) -> None:
    # Opus 4.7 fast (6x): 5m write 6.25 x 6 = 37.50, 1h write 10 x 6 = 60, cache hit 0.50 x 6 = 3.00
    c = cost(catalogue, "anthropic", "claude-opus-4-7", "2026-07-01", ONE_M_TEXT, speed="fast")
    assert (c.cache_write_5m, c.cache_write_1h, c.cache_read) == (Decimal("37.5"), 60, 3)


def test_opus_46_fast_above_200k_while_the_long_context_premium_lasted(catalogue: GenaiPricesCatalogue) -> None:
    # fast-mode page: > 200K input tokens $60 / $225 (6x the long-context $10 / $37.50), until 2026-03-13.
    q = quote(catalogue, "anthropic", "claude-opus-4-6", "2026-03-12", speed="fast", context_window="200k-1M")
    assert q.rates is not None and (q.rates.uncached_input, q.rates.output) == (60, 225)


def test_fast_mode_removals_do_not_touch_the_models_still_offering_it(catalogue: GenaiPricesCatalogue) -> None:
    # Opus 5 ($10 / $50) and Opus 5.5 ($8 / $40) fast mode continue after 2026-11-30 (genai-prices 0.2.3).
    tokens = TokenCounts(uncached_input=M, output=M)
    assert cost(catalogue, "anthropic", "claude-opus-5", TODAY, tokens, speed="fast").total == 60
    assert cost(catalogue, "anthropic", "claude-opus-5-5", TODAY, tokens, speed="fast").total == 48


# -- OpenAI: o3 cached input, tiers ------------------------------------------------------------------------------


def test_o3_cached_input_was_2_50_before_the_2025_06_10_cut(catalogue: GenaiPricesCatalogue) -> None:
    # o3 launch: $10 / $2.50 cached / $40 (platform.openai.com/docs/models/o3; langfuse PR #7223); from 2025-06-10
    # $2 / $0.50 / $8. 1M cached tokens: 2.50 before (genai-prices 0.2.3 said 0.50), 0.50 after.
    tokens = TokenCounts(cache_read=M)
    assert cost(catalogue, "openai", "o3-2025-04-16", "2025-06-09", tokens).total == Decimal("2.5")
    assert cost(catalogue, "openai", "o3", "2025-06-10", tokens).total == Decimal("0.5")
    assert quote(catalogue, "openai", "o3", "2025-06-10").effective_from == date(2025, 6, 10)


@pytest.mark.parametrize("day", ["2026-08-15", "2026-10-20"])
def test_openai_fast_is_the_priority_table_under_its_new_name(catalogue: GenaiPricesCatalogue, day: str) -> None:
    # https://openai.com/api-fast-mode/: "Priority processing was renamed Fast mode on July 30, 2026. You can use
    # either service_tier: priority or service_tier: fast". gpt-5 priority: $2.50 / $0.25 cached / $20.
    #   1M input + 1M cached + 1M output: 2.50 + 0.25 + 20 = 22.75
    tokens = TokenCounts(uncached_input=M, cache_read=M, output=M)
    fast = cost(catalogue, "openai", "gpt-5-2025-08-07", day, tokens, service_tier="fast")
    priority = cost(catalogue, "openai", "gpt-5-2025-08-07", day, tokens, service_tier="priority")
    assert fast == priority and fast.total == Decimal("22.75")
    q = quote(catalogue, "openai", "gpt-5", day, service_tier="fast")
    assert "service_tier fast: OpenAI's priority tier, renamed fast on 2026-07-30" in q.modifiers


def test_openai_fast_never_falls_back_to_the_default_rate(catalogue: GenaiPricesCatalogue) -> None:
    # gpt-5-nano has no priority price (not on the priority table): unpriced, never the default $0.05 / $0.40.
    q = quote(catalogue, "openai", "gpt-5-nano", TODAY, service_tier="fast")
    assert q.rates is None and "priority" in (q.unpriced_reason or "")


def test_openai_scale_tier_is_unpriced_with_a_reason(catalogue: GenaiPricesCatalogue) -> None:
    q = quote(catalogue, "openai", "gpt-5", TODAY, service_tier="scale")
    assert q.rates is None and "Scale Tier is committed capacity" in (q.unpriced_reason or "")


def test_openai_default_tier_is_standard(catalogue: GenaiPricesCatalogue) -> None:
    # gpt-5 standard: 1M input x 1.25 + 1M output x 10 = 11.25
    tokens = TokenCounts(uncached_input=M, output=M)
    assert cost(catalogue, "openai", "gpt-5", TODAY, tokens, service_tier="default").total == Decimal("11.25")


# -- OpenAI audio and image tokens -------------------------------------------------------------------------------


def test_realtime_audio_and_image_tokens_from_genai_prices(catalogue: GenaiPricesCatalogue) -> None:
    # gpt-realtime (pricing page, Audio and Image tokens): audio 32 in / 0.40 cached / 64 out; image 5 in / 0.50 cached
    tokens = TokenCounts(input_audio=M, cache_read_audio=M, output_audio=M, input_image=M, cache_read_image=M)
    c = cost(catalogue, "openai", "gpt-realtime-2025-08-28", TODAY, tokens)
    assert (c.input_audio, c.cache_read_audio, c.output_audio) == (32, Decimal("0.4"), 64)
    assert (c.input_image, c.cache_read_image) == (5, Decimal("0.5"))


def test_audio_preview_models_have_their_audio_prices(catalogue: GenaiPricesCatalogue) -> None:
    # gpt-4o-audio-preview: audio $40 in / $80 out; the 2024-10-01 snapshot $100 / $200; mini: $10 / $20.
    tokens = TokenCounts(uncached_input=M, output=M, input_audio=M, output_audio=M)
    assert cost(catalogue, "openai", "gpt-4o-audio-preview-2024-12-17", TODAY, tokens).total == Decimal("132.5")
    assert cost(catalogue, "openai", "gpt-4o-audio-preview-2024-10-01", TODAY, tokens).total == Decimal("312.5")
    assert cost(catalogue, "openai", "gpt-4o-mini-audio-preview", TODAY, tokens).total == Decimal("30.75")
    # (2.50 + 10 + 40 + 80 = 132.50 ; 2.50 + 10 + 100 + 200 = 312.50 ; 0.15 + 0.60 + 10 + 20 = 30.75)


def test_gpt_image_1_image_output_tokens(catalogue: GenaiPricesCatalogue) -> None:
    # gpt-image-1 image output $40 / 1M; batch (genai-prices' batch prices from 2026-10-14, ours on the override) $20.
    tokens = TokenCounts(output_image=M, input_image=M)
    assert cost(catalogue, "openai", "gpt-image-1", TODAY, tokens).total == 50  # 40 + image input 10
    assert cost(catalogue, "openai", "gpt-image-1", TODAY, tokens, service_tier="batch").total == 25
    assert cost(catalogue, "openai", "gpt-image-1-mini", TODAY, TokenCounts(output_image=M)).total == 8


def test_a_token_class_without_a_price_is_unpriced_not_zero(catalogue: GenaiPricesCatalogue) -> None:
    q = quote(catalogue, "openai", "gpt-5", TODAY)
    assert q.rates is not None and q.rates.input_audio is None
    with pytest.raises(Unpriceable, match="no audio input price"):
        cost_breakdown(TokenCounts(input_audio=1000), q.rates)


# -- OpenAI embeddings and moderation ----------------------------------------------------------------------------


def test_embeddings_are_priced_per_input_token(catalogue: GenaiPricesCatalogue) -> None:
    # text-embedding-3-small $0.02 / 1M, batch $0.01 ; -large $0.13 ; ada-002 $0.10
    tokens = TokenCounts(uncached_input=10 * M)
    assert cost(catalogue, "openai", "text-embedding-3-small", TODAY, tokens).total == Decimal("0.2")
    assert cost(catalogue, "openai", "text-embedding-3-small", TODAY, tokens, service_tier="batch").total == Decimal(
        "0.1"
    )
    assert cost(catalogue, "openai", "text-embedding-3-large", TODAY, tokens).total == Decimal("1.3")
    assert cost(catalogue, "openai", "text-embedding-ada-002", TODAY, tokens).total == 1


def test_moderation_is_published_free(catalogue: GenaiPricesCatalogue) -> None:
    q = quote(catalogue, "openai", "omni-moderation-latest", TODAY)
    assert q.rates is not None and q.model_ref == "moderation"
    assert cost_breakdown(TokenCounts(uncached_input=5 * M), q.rates).total == 0
    assert "override uncached_input 0" in q.modifiers  # says why it is $0


# -- OpenAI per-unit prices --------------------------------------------------------------------------------------


def test_web_search_calls_per_call(catalogue: GenaiPricesCatalogue) -> None:
    # $10.00 / 1k calls: 250 calls = 2.50, on the chat model's row and on a row without a model
    tokens = TokenCounts(web_search_requests=250)
    assert cost(catalogue, "openai", "gpt-5", TODAY, tokens, variant="medium").web_search == Decimal("2.5")
    c = cost(catalogue, "openai", "tool:web_search", TODAY, tokens, service_tier="default")
    assert c.web_search == Decimal("2.5") and c.total == Decimal("2.5")


def test_file_search_calls_per_thousand(catalogue: GenaiPricesCatalogue) -> None:
    # $2.50 / 1k calls: 4,000 calls = 10.00
    c = cost(catalogue, "openai", "tool:file_search", TODAY, TokenCounts(file_search_calls=4000))
    assert c.file_search == 10


def test_code_interpreter_per_container_until_2026_03_31_then_unpriced(catalogue: GenaiPricesCatalogue) -> None:
    # Before 2026-03-31: $0.03 per container (1 GB default): 100 sessions = 3.00, with the assumption shown.
    q = quote(catalogue, "openai", "tool:code_interpreter", "2026-03-30")
    assert q.rates is not None and cost_breakdown(TokenCounts(code_interpreter_sessions=100), q.rates).total == 3
    assert any("1 GB (default) container assumed" in m for m in q.modifiers)
    # From 2026-03-31 billed per 20-minute session by memory: sessions alone cannot price it.
    q = quote(catalogue, "openai", "tool:code_interpreter", "2026-03-31")
    assert q.rates is None and "per 20-minute session" in (q.unpriced_reason or "")


def test_vector_store_storage_is_unpriced_with_the_free_gb_reason(catalogue: GenaiPricesCatalogue) -> None:
    q = quote(catalogue, "openai", "tool:vector_storage", TODAY)
    assert q.rates is None and "first free GB" in (q.unpriced_reason or "")
    hour = datetime(2026, 11, 29, 5, tzinfo=UTC)
    dims = Dimensions("tool:vector_storage", workspace_id="proj_1")
    row = UsageRow(hour, dims, TokenCounts(storage_byte_hours=10**12))
    (priced,) = price_bucket("openai", UsageBucket(hour, (row,)), catalogue)
    assert priced.cost is None and "first free GB" in (priced.unpriced_reason or "")


def test_speech_characters_per_million(catalogue: GenaiPricesCatalogue) -> None:
    # tts-1 $15 / 1M characters, tts-1-hd $30: 200,000 characters = 3.00 and 6.00
    tokens = TokenCounts(characters=200_000)
    assert cost(catalogue, "openai", "tts-1", TODAY, tokens).total == 3
    assert cost(catalogue, "openai", "tts-1-hd", TODAY, tokens).total == 6
    # gpt-4o-mini-tts is billed per token: characters cannot be priced (the $0.015 / minute is an estimate)
    q = quote(catalogue, "openai", "gpt-4o-mini-tts", TODAY)
    assert q.rates is not None and q.rates.characters is None
    assert any(m.startswith("characters unpriced: gpt-4o-mini-tts is billed per token") for m in q.modifiers)


def test_transcription_per_minute(catalogue: GenaiPricesCatalogue) -> None:
    # whisper-1 $0.006 / minute: 600 seconds = 10 minutes = 0.06 ; gpt-transcribe $0.27 / hour = $0.0045 / minute
    tokens = TokenCounts(audio_seconds=600)
    assert cost(catalogue, "openai", "whisper-1", TODAY, tokens).total == Decimal("0.06")
    assert cost(catalogue, "openai", "gpt-transcribe", TODAY, tokens).total == Decimal("0.045")
    q = quote(catalogue, "openai", "gpt-4o-transcribe", TODAY)
    assert q.rates is not None and q.rates.audio_seconds is None


@pytest.mark.parametrize(
    ("model", "variant", "usd"),
    [
        ("dall-e-2", "256x256", "0.016"),
        ("dall-e-2", "512x512", "0.018"),
        ("dall-e-2", "1024x1024", "0.02"),
        ("dall-e-3", "1024x1024/standard", "0.04"),
        ("dall-e-3", "1792x1024/standard", "0.08"),
        ("dall-e-3", "1024x1024/hd", "0.08"),
        ("dall-e-3", "1024x1792/hd", "0.12"),
        ("gpt-image-1", "1024x1024/low", "0.011"),
        ("gpt-image-1", "1536x1024/medium", "0.063"),
        ("gpt-image-1", "1024x1024/high", "0.167"),
        ("gpt-image-1", "1024x1536/high", "0.25"),
    ],
)
def test_images_per_size_and_quality(catalogue: GenaiPricesCatalogue, model: str, variant: str, usd: str) -> None:
    # Pricing page, Image generation (per image): 10 images at the published price each.
    c = cost(catalogue, "openai", model, TODAY, TokenCounts(images=10), variant=variant)
    assert c.images == Decimal(usd) * 10 and c.total == c.images


def test_image_price_assumptions_are_shown(catalogue: GenaiPricesCatalogue) -> None:
    # dall-e-3 by size alone: standard quality assumed, and said so ; gpt-image-1: an estimate, and said so
    q = quote(catalogue, "openai", "dall-e-3", TODAY, variant="1024x1024")
    assert q.rates is not None and q.rates.images == Decimal("0.04")
    assert any("standard quality assumed" in m for m in q.modifiers)
    q = quote(catalogue, "openai", "gpt-image-1", TODAY, variant="1024x1024/low")
    assert any(m.startswith("images: ESTIMATE") for m in q.modifiers)


@pytest.mark.parametrize(
    ("model", "variant"),
    [("gpt-image-1", "1024x1024"), ("gpt-image-2", "1024x1024/high"), ("dall-e-3", "512x512"), ("dall-e-3", None)],
)
def test_images_without_a_published_price_stay_unpriced(
    catalogue: GenaiPricesCatalogue, model: str, variant: str | None
) -> None:
    q = quote(catalogue, "openai", model, TODAY, variant=variant)
    if q.rates is not None:
        assert q.rates.images is None
        with pytest.raises(Unpriceable):
            cost_breakdown(TokenCounts(images=1), q.rates)


def test_unit_prices_are_not_changed_by_batch_or_residency(catalogue: GenaiPricesCatalogue) -> None:
    # Anthropic web search: $0.01 per search on batch and on us residency alike
    for dims in ({"service_tier": "batch"}, {"inference_geo": "us"}):
        q = quote(catalogue, "anthropic", "claude-sonnet-4-6", TODAY, **dims)
        assert q.rates is not None and q.rates.web_search == Decimal("0.01")


def test_anthropic_has_no_openai_unit_prices(catalogue: GenaiPricesCatalogue) -> None:
    q = quote(catalogue, "anthropic", "claude-sonnet-4-6", TODAY)
    assert q.rates is not None
    assert (q.rates.file_search, q.rates.code_interpreter, q.rates.images, q.rates.storage) == (None, None, None, None)


def test_unknown_tool_or_model_is_unpriced(catalogue: GenaiPricesCatalogue) -> None:
    for model in ("tool:hologram", "gpt-image-9", "dall-e-4"):
        q = quote(catalogue, "openai", model, TODAY)
        assert q.rates is None and q.unpriced_reason == f"no price known for model {model}"
