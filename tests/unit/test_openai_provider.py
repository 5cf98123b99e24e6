"""OpenAI's token semantics, line items and key shapes, on hand-built results with hand-computed costs."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import httpx
import pytest

from shared.domain.usage import TokenCounts
from shared.errors import TokenMeterError
from shared.pricing import Rates, cost_breakdown
from shared.providers import PROVIDERS
from shared.providers.base import KeyShapeError
from shared.providers.errors import InvalidKey, NotAdminKey, ProviderUnavailable
from shared.providers.openai import (
    OpenAIAdminClient,
    check_key,
    parse_completions,
    parse_cost_result,
    parse_line_item,
    parse_usage_result,
)
from shared.services.accounts import check_key_shape

HOUR = datetime(2026, 11, 3, 7, tzinfo=UTC)
GPT5 = Rates(
    uncached_input=Decimal("1.25"),
    cache_write_5m=Decimal("1.25"),
    cache_write_1h=Decimal("1.25"),
    cache_read=Decimal("0.125"),
    output=Decimal(10),
)


def test_cached_input_is_inside_input_and_is_never_counted_twice() -> None:
    tokens = parse_completions({"input_tokens": 1_000_000, "input_cached_tokens": 400_000, "output_tokens": 50_000})
    assert tokens == TokenCounts(uncached_input=600_000, cache_read=400_000, output=50_000)
    cost = cost_breakdown(tokens, GPT5)
    # 600k x $1.25/M + 400k x $0.125/M + 50k x $10/M = 0.75 + 0.05 + 0.5
    assert cost.total == Decimal("1.3")
    # Adding input and cached (the common mistake) would have cost 1.25 + 0.05 + 0.5 = 1.8.


def test_the_detailed_2026_shape_splits_modalities_out_of_the_text_classes() -> None:
    result = {
        "input_tokens": 10_000,  # every modality, cached and cache writes included
        "input_cached_tokens": 3_000,
        "input_cached_text_tokens": 2_500,
        "input_cached_audio_tokens": 500,
        "input_cached_image_tokens": 0,
        "input_cache_write_tokens": 1_000,
        "input_uncached_tokens": 6_000,
        "input_text_tokens": 4_000,
        "input_audio_tokens": 1_500,
        "input_image_tokens": 500,
        "output_tokens": 2_000,  # reasoning included
        "output_text_tokens": 1_200,
        "output_audio_tokens": 800,
        "output_image_tokens": 0,
    }
    tokens = parse_completions(result)
    assert tokens == TokenCounts(
        uncached_input=5_000,  # 4,000 uncached text + 1,000 cache writes, billed at the input rate
        cache_read=2_500,
        output=1_200,
        input_audio=1_500,
        cache_read_audio=500,
        output_audio=800,
        input_image=500,
    )
    assert tokens.total_tokens == 10_000 + 2_000  # nothing lost, nothing counted twice


def test_the_earlier_shape_reports_audio_apart_from_text() -> None:
    tokens = parse_completions(
        {"input_tokens": 900, "input_cached_tokens": 100, "output_tokens": 70, "input_audio_tokens": 40}
    )
    assert tokens == TokenCounts(uncached_input=800, cache_read=100, output=70, input_audio=40)


def test_inconsistent_counts_are_refused_not_stored() -> None:
    with pytest.raises(ValueError, match="more than input_tokens"):
        parse_completions({"input_tokens": 10, "input_cached_tokens": 11, "output_tokens": 0})
    with pytest.raises(ValueError, match="add up"):
        parse_completions({"input_tokens": 10, "input_text_tokens": 5, "input_audio_tokens": 9, "output_tokens": 0})
    with pytest.raises(ValueError, match="add up"):
        parse_completions({"input_tokens": 10, "input_uncached_tokens": 14, "input_text_tokens": 9, "output_tokens": 0})


def test_tiers_batch_and_the_fast_rename() -> None:
    base = {"input_tokens": 10, "output_tokens": 1, "model": "gpt-5", "project_id": None}
    assert (
        parse_usage_result("completions", HOUR, {**base, "batch": True, "service_tier": "default"}).dims.service_tier
        == "batch"
    )
    for tier in ("default", "flex", "scale", "priority", "fast"):
        row = parse_usage_result("completions", HOUR, {**base, "batch": False, "service_tier": tier})
        assert row.dims.service_tier == tier
    row = parse_usage_result(
        "completions", HOUR, {**base, "project_id": "proj_1", "api_key_id": "key_1", "user_id": "u"}
    )
    assert (row.dims.workspace_id, row.dims.api_key_id, row.dims.user_id) == ("proj_1", "key_1", "u")


def test_per_unit_endpoints() -> None:
    images = parse_usage_result("images", HOUR, {"images": 3, "model": "dall-e-3", "size": "1024x1024"})
    assert images.tokens == TokenCounts(images=3) and images.dims.variant == "1024x1024"
    assert parse_usage_result("audio_speeches", HOUR, {"characters": 900, "model": "tts-1"}).tokens.characters == 900
    assert (
        parse_usage_result("audio_transcriptions", HOUR, {"seconds": 61, "model": "whisper-1"}).tokens.audio_seconds
        == 61
    )
    storage = parse_usage_result("vector_stores", HOUR, {"usage_bytes": 5_000, "project_id": "p"}, hours=24)
    assert storage.tokens.storage_byte_hours == 120_000 and storage.dims.model == "tool:vector_storage"
    web = parse_usage_result("web_search_calls", HOUR, {"num_requests": 4, "context_level": "high"})
    assert web.tokens.web_search_requests == 4 and web.dims.model == "tool:web_search" and web.dims.variant == "high"
    assert parse_usage_result("file_search_calls", HOUR, {"num_requests": 2}).tokens.file_search_calls == 2
    assert (
        parse_usage_result("code_interpreter_sessions", HOUR, {"num_sessions": 1}).tokens.code_interpreter_sessions == 1
    )
    assert parse_usage_result(
        "embeddings", HOUR, {"input_tokens": 77, "model": "text-embedding-3-small"}
    ).tokens == TokenCounts(uncached_input=77)


@pytest.mark.parametrize(
    ("line_item", "expected"),
    [
        ("gpt-4o-2024-08-06, input", ("gpt-4o-2024-08-06", "uncached_input", None)),
        ("gpt-4o-2024-08-06, cached input", ("gpt-4o-2024-08-06", "cache_read", None)),
        ("gpt-5, output", ("gpt-5", "output", None)),
        ("batch | gpt-5, output", ("gpt-5", "output", "batch")),
        ("priority | gpt-5.6-sol, output, long context", ("gpt-5.6-sol", "output", "priority")),
        ("flex | gpt-5-mini, cached input", ("gpt-5-mini", "cache_read", "flex")),
        ("gpt-audio-mini-2025-12-15 audio, input", ("gpt-audio-mini-2025-12-15", "input_audio", None)),
        ("gpt-image-1 image, output", ("gpt-image-1", "output_image", None)),
        ("tts-1, characters", ("tts-1", "characters", None)),
        ("whisper-1, audio", ("whisper-1", "audio_seconds", None)),
        ("dall-e-3, 1024x1024 image", ("dall-e-3", "images", None)),
        ("web search tool calls", (None, "web_search", None)),
        ("Vector storage", (None, "storage", None)),
        ("gpt-4.1-mini-2025-04-14, fine-tuning training", ("gpt-4.1-mini-2025-04-14", "fine_tuning_training", None)),
    ],
)
def test_line_items_map_to_model_class_and_tier(line_item: str, expected: tuple[str | None, str, str | None]) -> None:
    assert parse_line_item(line_item) == expected


def test_costs_amounts_are_dollars_not_cents() -> None:
    line = parse_cost_result(
        date(2026, 11, 3),
        {"amount": {"value": 0.06, "currency": "usd"}, "line_item": "gpt-5, output", "project_id": "proj_1"},
    )
    assert line.amount_usd == Decimal("0.06") and line.cost_class == "output" and line.workspace_id == "proj_1"
    with pytest.raises(ValueError):
        parse_cost_result(date(2026, 11, 3), {"amount": {"value": 1, "currency": "eur"}, "line_item": "x, input"})


@pytest.mark.parametrize(
    ("key", "code"),
    [
        ("sk-proj-" + "p" * 40, "project_key"),
        ("sk-svcacct-" + "s" * 40, "service_account_key"),
        ("sk-ant-admin01-" + "a" * 40, "wrong_provider"),
        ("sk-" + "x" * 40, "invalid_input"),
    ],
)
def test_keys_that_cannot_be_an_admin_key_are_refused_before_any_call(key: str, code: str) -> None:
    with pytest.raises(KeyShapeError) as caught:
        check_key(key)
    assert caught.value.code == code
    if code in ("project_key", "service_account_key"):
        assert "Admin keys" in caught.value.message  # says where an owner creates one
    check_key("sk-admin-" + "A" * 40)  # the right kind passes
    with pytest.raises(TokenMeterError) as error:
        check_key_shape(PROVIDERS["openai"], key)
    assert error.value.field == "api_key"


def _client(handler) -> OpenAIAdminClient:  # type: ignore[no-untyped-def]
    return OpenAIAdminClient(
        "sk-admin-" + "A" * 40,
        base_url="https://api.openai.test",
        http=httpx.Client(transport=httpx.MockTransport(handler)),
        sleep=lambda s: None,
        max_attempts=2,
    )


def test_errors_become_the_projects_errors() -> None:
    def answer(status: int, body: dict) -> OpenAIAdminClient:
        return _client(lambda request: httpx.Response(status, json=body))

    with pytest.raises(InvalidKey):
        answer(401, {"error": {"message": "Incorrect API key provided", "code": "invalid_api_key"}}).organization()
    with pytest.raises(NotAdminKey, match="Admin keys"):
        answer(403, {"error": {"message": "Missing scopes: api.usage.read"}}).organization()
    with pytest.raises(ProviderUnavailable):
        answer(503, {"error": {"message": "overloaded"}}).organization()
    ok = _client(
        lambda request: httpx.Response(
            200, json={"object": "page", "data": [], "has_more": False}, headers={"openai-organization": "org-7"}
        )
    )
    assert ok.organization().id == "org-7"
