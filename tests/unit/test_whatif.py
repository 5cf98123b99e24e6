"""What-if: re-pricing a period's usage on another model, day by day, with the class mapping between providers,
the tokenizer band, and usage with no price on either side listed as not comparable (never $0)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shared.domain.money import EXACT, usd
from shared.domain.usage import TokenCounts
from shared.errors import BadRequest, NotFound
from shared.insights.whatif import CLASS_MAP, map_tokens, resolve_target
from shared.pricing import default_catalogue
from tests.insights_fakes import InsightsWorld, at

D = Decimal
ONE = D(1)


def by_model(body: dict[str, object]) -> dict[str, dict[str, object]]:
    return {m["model"]: m for m in body["models"]}  # type: ignore[attr-defined, index]


# -- the class mapping ---------------------------------------------------------------------------------


def test_anthropic_cache_writes_become_openai_input_and_reads_cached_input() -> None:
    tokens = TokenCounts(uncached_input=1, cache_write_5m=20, cache_write_1h=300, cache_read=4000, output=50000)
    mapped = map_tokens(tokens, "anthropic", "openai")
    assert mapped == TokenCounts(uncached_input=321, cache_read=4000, output=50000)
    assert map_tokens(tokens, "anthropic", "anthropic") == tokens
    assert map_tokens(TokenCounts(uncached_input=5, cache_read=7), "openai", "anthropic") == TokenCounts(
        5, cache_read=7
    )
    assert CLASS_MAP[("anthropic", "openai")] == {
        "cache_write_5m": "uncached_input",
        "cache_write_1h": "uncached_input",
    }


def test_sonnet_with_cache_writes_and_reads_on_gpt5() -> None:
    """Claude Sonnet 4.5 -> GPT-5: writes become input, reads cached input, output output; the tokenizer band
    is the inverse of the published o200k -> Claude 3 ratio (1.16 / 1.20 / 1.30)."""
    w = InsightsWorld()
    acc = w.account()
    w.use(
        acc,
        at("2026-11-10"),
        "claude-sonnet-4-5-20250929",
        uncached_input=1_000_000,
        cache_write_5m=2_000_000,
        cache_write_1h=1_000_000,
        cache_read=10_000_000,
        output=500_000,
    )
    w.price()
    body = w.whatif("2026-11-10", "2026-11-10", "gpt-5")
    assert body["target"] == {"provider": "openai", "model": "gpt-5", "model_ref": "gpt-5"}
    (m,) = body["models"]
    # actual: 3 + 2 x 3.75 + 1 x 6 + 10 x 0.30 + 0.5 x 15 = 27
    assert m["actual_cost"] == m["compared_actual_cost"] == "27"
    assert m["target_tokens"]["uncached_input"] == 4_000_000 and m["target_tokens"]["cache_write_5m"] == 0
    assert m["target_tokens"]["cache_read"] == 10_000_000 and m["target_tokens"]["output"] == 500_000
    # on GPT-5 before the tokenizer: 4 x 1.25 + 10 x 0.125 + 0.5 x 10 = 11.25
    base = D("11.25")
    assert m["tokenizer"] == {
        "known": True,
        "derived": True,
        "low": str(ONE / D("1.30")),
        "expected": str(ONE / D("1.20")),
        "high": str(ONE / D("1.16")),
    }
    # 11.25 / 1.20 = 9.375 (the ratios are 28-digit decimals: amounts are shown to 28 significant digits)
    assert m["target_cost"]["expected"] == "9.375"
    assert m["target_cost"]["low"] == usd(EXACT.multiply(base, ONE / D("1.30")))
    assert m["target_cost"]["high"] == usd(EXACT.multiply(base, ONE / D("1.16")))
    assert m["difference"]["expected"] == "-17.625"
    assert {"from": "cache_write_5m", "to": "uncached_input"} in m["mapping"]
    assert {"from": "cache_read", "to": "cache_read"} in m["mapping"]
    assert "cache writes (5-minute and 1-hour) become plain input" in body["method"]
    assert "cached input" in body["method"] and "tokenizers.json" in body["method"]
    assert body["totals"]["target_cost"] == m["target_cost"]
    assert body["not_comparable"] == [] and body["coverage"]["complete"]


def test_openai_cached_input_on_claude_is_cache_reads_and_the_band_is_the_published_ratio() -> None:
    w = InsightsWorld()
    acc = w.account(provider="openai")
    w.use(acc, at("2026-11-10"), "gpt-4o-2024-08-06", uncached_input=1_000_000, cache_read=2_000_000, output=1_000_000)
    w.price()
    (m,) = w.whatif("2026-11-10", "2026-11-10", "claude-sonnet-4-5")["models"]
    # gpt-4o: 2.5 + 2 x 1.25 + 10 = 15; on Sonnet 4.5: 3 + 2 x 0.30 + 15 = 18.6, x 1.16 / 1.20 / 1.30
    assert m["actual_cost"] == "15"
    assert [D(m["target_cost"][k]) for k in ("low", "expected", "high")] == [D("21.576"), D("22.32"), D("24.18")]
    assert m["tokenizer"]["derived"] is False and m["mapping"][3] == {"from": "cache_read", "to": "cache_read"}


def test_batch_stays_batch_and_a_tier_the_target_lacks_is_its_standard_tier() -> None:
    w = InsightsWorld()
    acc = w.account(provider="openai")
    w.use(acc, at("2026-11-10"), "gpt-5-2025-08-07", key="kb", uncached_input=1_000_000, service_tier="batch")
    w.use(acc, at("2026-11-10"), "gpt-4o-2024-08-06", key="kp", output=1_000_000, service_tier="priority")
    w.price()
    models = by_model(w.whatif("2026-11-10", "2026-11-10", "gpt-5-nano"))
    # gpt-5-nano batch input 0.025; it has no priority price: its standard output rate, 0.40, said so
    assert models["gpt-5-2025-08-07"]["target_cost"]["expected"] == "0.025"
    assert models["gpt-4o-2024-08-06"]["target_cost"]["expected"] == "0.4"
    assert models["gpt-4o-2024-08-06"]["notes"] == [
        "gpt-5-nano has no tier priority price: priced at its standard tier"
    ]


def test_each_day_is_priced_at_the_targets_price_that_day() -> None:
    """o3 went from $10 / $40 to $2 / $8 on 2025-06-10: the same tokens on either side of it."""
    w = InsightsWorld(now=at("2025-06-20"))
    acc = w.account(provider="openai")
    for day in ("2025-06-09", "2025-06-10"):
        w.use(acc, at(day), "gpt-4o-2024-08-06", uncached_input=1_000_000, output=1_000_000)
    w.price()
    (m,) = w.whatif("2025-06-09", "2025-06-10", "o3")["models"]
    # same tokenizer family (o200k): low = expected = high; (10 + 40) + (2 + 8)
    assert m["target_cost"] == {"low": "60", "expected": "60", "high": "60"}
    assert m["days"] == 2


def test_unknown_prices_on_either_side_are_not_comparable_never_zero() -> None:
    w = InsightsWorld(now=at("2026-06-20"))
    acc = w.account()
    w.use(acc, at("2026-06-08"), "claude-sonnet-4-5-20250929", uncached_input=1_000_000)
    w.use(acc, at("2026-06-09"), "claude-sonnet-4-5-20250929", uncached_input=1_000_000)
    w.use(acc, at("2026-06-09"), "mystery-model", uncached_input=5_000)
    w.price()
    body = w.whatif("2026-06-08", "2026-06-09", "claude-mythos-5")
    models = by_model(body)
    sonnet, mystery = models["claude-sonnet-4-5-20250929"], models["mystery-model"]
    # Mythos 5 has a price from 2026-06-09 only: the 8th is not comparable, the 9th is ($10 / MTok).
    assert sonnet["actual_cost"] == "6" and sonnet["compared_actual_cost"] == "3"
    assert sonnet["target_cost"]["expected"] == "10"
    assert sonnet["not_comparable"] == [
        {
            "usage_class": "all",
            "quantity": 1_000_000,
            "actual_cost": "3",
            "reason": "no price known for model claude-mythos-5 before 2026-06-09",
        }
    ]
    # Mythos 5 is in no tokenizer family: counted 1:1 and said so.
    assert sonnet["tokenizer"]["known"] is False and sonnet["tokenizer"]["expected"] == "1"
    # No price on the source: its actual cost is unknown (null), never $0.
    assert mystery["comparable"] is False and mystery["actual_cost"] is None
    assert mystery["target_cost"]["expected"] == "0" and mystery["not_comparable"][0]["reason"].startswith(
        "no price for the source usage"
    )
    assert mystery["not_comparable"][0]["actual_cost"] is None
    assert body["totals"]["not_comparable_actual_cost"] == "3"
    assert {(n["model"], n["usage_class"]) for n in body["not_comparable"]} == {
        ("claude-sonnet-4-5-20250929", "all"),
        ("mystery-model", "all"),
    }


def test_a_class_the_target_cannot_price_is_left_out_of_both_sides() -> None:
    """gpt-realtime's audio tokens on Claude: Claude prices no audio, so that part is not comparable."""
    w = InsightsWorld()
    acc = w.account(provider="openai")
    w.use(acc, at("2026-11-10"), "gpt-realtime-2025-08-28", uncached_input=1_000_000, input_audio=1_000_000)
    w.price()
    (m,) = w.whatif("2026-11-10", "2026-11-10", "claude-haiku-4-5")["models"]
    assert m["actual_cost"] == "36" and m["compared_actual_cost"] == "4"  # audio input: $32 / MTok
    assert m["not_comparable"] == [
        {
            "usage_class": "input_audio",
            "quantity": 1_000_000,
            "actual_cost": "32",
            "reason": "claude-haiku-4-5 has no input_audio price",
        }
    ]
    assert m["tokenizer"]["known"] is False  # gpt-realtime is in no tokenizer family


def test_long_prompts_are_not_comparable_on_a_target_whose_window_is_smaller() -> None:
    w = InsightsWorld(now=at("2026-04-20"))
    acc = w.account()
    w.use(acc, at("2026-04-10"), "claude-sonnet-4-5-20250929", uncached_input=1_000_000, context_window="200k-1M")
    w.price()
    (m,) = w.whatif("2026-04-10", "2026-04-10", "gpt-4o")["models"]
    assert m["actual_cost"] == "6" and m["compared_actual_cost"] == "0"
    assert m["not_comparable"][0]["reason"] == "prompts over 200k tokens do not fit gpt-4o's 128000-token window"
    (m,) = w.whatif("2026-04-10", "2026-04-10", "claude-sonnet-4-6")["models"]
    assert m["target_cost"]["expected"] == "3"  # Sonnet 4.6 bills its full window at base rates from 2026-03-13


def test_filters_select_the_source_usage() -> None:
    w = InsightsWorld()
    acc = w.account()
    w.use(acc, at("2026-11-10"), "claude-opus-4-6", key="k1", uncached_input=1_000_000)
    w.use(acc, at("2026-11-10"), "claude-haiku-4-5-20251001", key="k2", uncached_input=1_000_000)
    w.price()
    body = w.whatif("2026-11-10", "2026-11-10", "claude-sonnet-4-6", api_key=["k2"])
    assert [m["model"] for m in body["models"]] == ["claude-haiku-4-5-20251001"]
    body = w.whatif("2026-11-10", "2026-11-10", "claude-sonnet-4-6", model=["claude-opus-4-6"])
    assert [m["model"] for m in body["models"]] == ["claude-opus-4-6"] and body["totals"]["actual_cost"] == "5"


def test_target_models_are_resolved_in_the_catalogue() -> None:
    catalogue = default_catalogue()
    day = at("2026-11-20").date()
    assert resolve_target(catalogue, "openai/gpt-5", day).provider == "openai"
    assert resolve_target(catalogue, "claude-sonnet-4-5-20250929", day).model_ref == "claude-sonnet-4-5"
    w = InsightsWorld()
    w.account()
    with pytest.raises(NotFound) as err:
        w.whatif("2026-11-10", "2026-11-10", "gpt-99")
    assert err.value.field == "target_model"
    with pytest.raises(NotFound):
        w.whatif("2026-11-10", "2026-11-10", "mistral/large")
    with pytest.raises(BadRequest) as bad:
        w.whatif("2026-11-11", "2026-11-10", "gpt-5")
    assert bad.value.field == "from"


# -- the property: a model re-priced on itself costs exactly what it cost -------------------------------

MODELS = {
    "anthropic": (
        "claude-sonnet-4-5-20250929",
        "claude-opus-4-6",
        "claude-haiku-4-5-20251001",
        "claude-sonnet-4-6",
        "claude-opus-4-1",
    ),
    "openai": ("gpt-5-2025-08-07", "gpt-4o-mini-2024-07-18", "o3-2025-04-16", "gpt-4.1-2025-04-14"),
}
TIERS = {"anthropic": ("standard", "batch"), "openai": ("default", "batch", "flex", "priority")}
counts = st.integers(min_value=0, max_value=50_000_000)


@st.composite
def usage(draw: st.DrawFn) -> tuple[str, str, list[tuple[int, int, dict[str, object]]]]:
    provider = draw(st.sampled_from(sorted(MODELS)))
    model = draw(st.sampled_from(MODELS[provider]))
    rows = []
    for _ in range(draw(st.integers(min_value=1, max_value=4))):
        dims: dict[str, object] = {"service_tier": draw(st.sampled_from(TIERS[provider]))}
        if provider == "anthropic":
            dims["context_window"] = draw(st.sampled_from(("0-200k", "200k-1M")))
            dims["inference_geo"] = draw(st.sampled_from(("global", "us")))
            write = {"cache_write_5m": draw(counts), "cache_write_1h": draw(counts)}
        else:
            write = {}
        tokens = {
            "uncached_input": draw(counts),
            "cache_read": draw(counts),
            "output": draw(counts),
            "web_search_requests": draw(st.integers(min_value=0, max_value=500)),
            **write,
        }
        rows.append((draw(st.integers(0, 2)), draw(st.integers(0, 23)), {**dims, **tokens}))
    return provider, model, rows


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(usage(), st.sampled_from(("UTC", "America/New_York", "Asia/Kolkata")))
def test_a_model_on_itself_costs_exactly_its_actual_cost(
    drawn: tuple[str, str, list[tuple[int, int, dict[str, object]]]], zone: str
) -> None:
    provider, model, rows = drawn
    w = InsightsWorld()
    acc = w.account(provider=provider)
    for day, hour, fields in rows:
        w.use(acc, at(f"2026-11-1{day}", hour), model, key=f"k{hour % 3}", **dict(fields))
    w.price()
    body = w.whatif("2026-11-10", "2026-11-12", model, time_zone=zone)
    for m in body["models"]:
        assert m["not_comparable"] == []
        assert m["tokenizer"] == {"known": True, "derived": False, "low": "1", "expected": "1", "high": "1"}
        band = m["target_cost"]
        assert D(band["low"]) == D(band["expected"]) == D(band["high"]) == D(m["actual_cost"])
        assert D(m["compared_actual_cost"]) == D(m["actual_cost"])
        assert m["target_tokens"] == m["tokens"]
