"""Savings advice, rule by rule, on hand-built usage with hand-computed savings (exact decimals).

The default period at NOW (2026-11-20 12:30 UTC) is 2026-10-21 .. 2026-11-19: 30 days, so monthly savings
equal the period's, rounded to the cent."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest

from shared.domain.settings import TenantSettings
from shared.errors import BadRequest, NotFound
from shared.insights.model import ADVICE_KINDS
from tests.insights_fakes import InsightsWorld, at, of_kind

D = Decimal
FIRST = date(2026, 10, 21)
DAYS = [FIRST + timedelta(days=i) for i in range(30)]


def one(body: dict[str, Any], kind: str) -> dict[str, Any]:
    (found,) = of_kind(body, kind)
    return found


def test_prompt_caching_on_anthropic_at_the_models_rates() -> None:
    w = InsightsWorld()
    acc = w.account(keys={"k1": "chat"})
    w.use(acc, at("2026-11-10", 10), "claude-sonnet-4-5-20250929", uncached_input=10_000_000, output=100_000)
    w.price()
    advice = one(w.advice(), "prompt_caching")
    # half of 10M input repeated: 1/10 written at 3.75, 9/10 read at 0.30, instead of all at 3:
    # 0.5 x (30 - 0.1 x 37.5 - 0.9 x 3) = 11.775
    assert advice["period_savings"] == "11.775" and advice["monthly_savings"] == "11.78"
    assert advice["scope"] == {
        "account_id": acc,
        "account_name": "Account 1",
        "provider": "anthropic",
        "api_key_id": "k1",
        "api_key_name": "chat",
        "workspace_id": None,
        "workspace_name": "Default workspace",
        "model": "claude-sonnet-4-5-20250929",
    }
    assert advice["evidence"]["uncached_input_tokens"] == 10_000_000
    assert advice["evidence"]["cache_read_share"] == "0"
    assert advice["confidence"]["level"] == "medium" and "assumption" in advice["confidence"]["why"]
    assert "cache_control" in advice["actions"][0]


def test_an_account_connected_during_the_period_is_scaled_by_the_days_it_covers() -> None:
    w = InsightsWorld()
    acc = w.account(history_days=10)  # history from 2026-11-10: 10 days of the period
    w.use(acc, at("2026-11-10", 10), "claude-sonnet-4-5-20250929", uncached_input=10_000_000, output=100_000)
    w.price()
    advice = one(w.advice(), "prompt_caching")
    # 11.775 x 30 / 10 = 35.325, shown to the cent with banker's rounding
    assert advice["period_savings"] == "11.775" and advice["monthly_savings"] == "35.32"


def test_prompt_caching_on_openai_has_no_write_charge() -> None:
    w = InsightsWorld()
    acc = w.account(provider="openai")
    w.use(acc, at("2026-11-10", 10), "gpt-4o-2024-08-06", uncached_input=10_000_000, output=100_000)
    w.price()
    advice = one(w.advice(), "prompt_caching")
    # 0.5 x (25 - 0.1 x 25 - 0.9 x 12.5) = 5.625: the written tenth costs plain input
    assert advice["period_savings"] == "5.625"
    assert "automatic caching" in advice["title"]


def test_keys_that_already_cache_get_no_caching_advice() -> None:
    w = InsightsWorld()
    acc = w.account()
    w.use(acc, at("2026-11-10"), "claude-sonnet-4-5-20250929", uncached_input=10_000_000, cache_read=2_000_000)
    w.price()
    assert of_kind(w.advice(), "prompt_caching") == []  # 2 / 12 of the input read from the cache


def test_five_minute_writes_rewritten_within_the_hour_and_one_hour_writes_never_needed() -> None:
    w = InsightsWorld()
    acc = w.account()
    for hour in range(8, 18):  # ten hours writing 2M and reading 0.5M back
        w.use(
            acc,
            at("2026-11-10", hour),
            "claude-sonnet-4-5-20250929",
            key="k5",
            uncached_input=100_000,
            cache_write_5m=2_000_000,
            cache_read=500_000,
            output=50_000,
        )
    for hour in (9, 10):  # 1-hour writes, read only in the hours they are written
        w.use(acc, at("2026-11-12", hour), "claude-sonnet-4-5-20250929", key="k1h", cache_write_1h=1_000_000)
        w.use(acc, at("2026-11-12", hour), "claude-sonnet-4-5-20250929", key="k1h", cache_read=3_000_000)
    w.price()
    body = w.advice()
    by_variant = {a["scope"]["api_key_id"]: a for a in of_kind(body, "cache_duration")}
    # per hour: half the 5m writes kept as reads (0.5 x (7.50 - 0.60)) less the rest at the 1h rate
    # (0.5 x (12 - 7.50)): 3.45 - 2.25 = 1.20; ten hours
    assert by_variant["k5"]["period_savings"] == "12"
    assert by_variant["k5"]["evidence"]["hours_writing_more_than_reading"] == 10
    assert by_variant["k5"]["confidence"]["level"] == "medium"
    assert "1-hour" in by_variant["k5"]["title"]
    # 1-hour writes at the 5-minute rate: 2 x (6 - 3.75) = 4.5
    assert by_variant["k1h"]["period_savings"] == "4.5" and by_variant["k1h"]["confidence"]["level"] == "low"
    assert "5-minute" in by_variant["k1h"]["title"]


def test_one_hour_writes_read_in_a_later_hour_are_kept() -> None:
    w = InsightsWorld()
    acc = w.account()
    w.use(acc, at("2026-11-12", 9), "claude-sonnet-4-5-20250929", key="k1h", cache_write_1h=1_000_000)
    w.use(acc, at("2026-11-12", 10), "claude-sonnet-4-5-20250929", key="k1h", cache_read=3_000_000)
    w.price()
    assert of_kind(w.advice(), "cache_duration") == []


def test_nightly_steady_key_is_a_batch_candidate_and_a_daytime_chat_key_is_not() -> None:
    w = InsightsWorld()
    acc = w.account(keys={"etl": "nightly-etl", "chat": "support-chat"})
    for day in DAYS:
        for hour in (1, 2, 3, 4):
            w.use(
                acc,
                at(day.isoformat(), hour),
                "claude-haiku-4-5-20251001",
                key="etl",
                uncached_input=1_000_000,
                output=200_000,
            )
        for hour in range(9, 19):
            w.use(
                acc,
                at(day.isoformat(), hour),
                "claude-haiku-4-5-20251001",
                key="chat",
                uncached_input=100_000 * (1 + hour % 3),
                output=20_000,
            )
    w.price()
    body = w.advice()
    advice = one(body, "batch")
    # per hour $1 input + $1 output at standard, half at batch: $1 x 4 hours x 30 days
    assert advice["period_savings"] == "120" and advice["monthly_savings"] == "120"
    assert advice["scope"]["api_key_name"] == "nightly-etl" and advice["scope"]["model"] == "claude-haiku-4-5-20251001"
    ev = advice["evidence"]
    assert ev["off_hours_share"] == "1" and ev["busiest_hours"] == [1, 2, 3, 4] and ev["days_with_usage"] == 30
    assert ev["standard_tier_cost"] == "240" and ev["batch_cost"] == "120"
    assert advice["confidence"]["level"] == "high"
    assert body["documents_read"] == 30 + 2  # the period's priced days, and two month rollups before it


def test_off_hours_are_read_in_the_tenants_time_zone() -> None:
    w = InsightsWorld()
    w.settings.settings["t1"] = TenantSettings(time_zone="America/New_York")
    acc = w.account()
    for day in DAYS:
        for hour in (13, 14, 15, 16):  # 09:00-13:00 in New York (EDT), 08:00-12:00 from 2026-11-01 (EST)
            w.use(acc, at(day.isoformat(), hour), "claude-haiku-4-5-20251001", uncached_input=1_000_000)
    w.price()
    advice = one(w.advice(), "batch")
    # local hours 9, 10 and 11 every day, then 8 on the 19 EST days against 12 on the 11 EDT ones: 109 / 120
    assert advice["evidence"]["off_hours_share"] == "0" and advice["evidence"]["top_4_hours_share"] == "0.9083"
    assert advice["evidence"]["busiest_hours"] == [9, 10, 11, 8]
    assert advice["evidence"]["time_zone"] == "America/New_York"
    assert advice["confidence"]["level"] == "medium"


def test_long_context_premium_over_base_rates() -> None:
    w = InsightsWorld(now=at("2026-04-20", 12))  # Sonnet 4.5 billed 1M-window prompts at $6 / $22.50 until 04-30
    acc = w.account()
    for day in ("2026-04-09", "2026-04-10"):
        w.use(
            acc,
            at(day),
            "claude-sonnet-4-5-20250929",
            uncached_input=1_000_000,
            output=100_000,
            context_window="200k-1M",
        )
        w.use(acc, at(day), "claude-sonnet-4-6", key="k46", uncached_input=1_000_000, context_window="200k-1M")
    w.price()
    advice = one(w.advice(), "long_context")  # Sonnet 4.6 bills its full window at base rates by then: no advice
    # per day (6 + 2.25) - (3 + 1.5) = 3.75
    assert advice["period_savings"] == "7.5" and advice["scope"]["model"] == "claude-sonnet-4-5-20250929"
    assert advice["evidence"]["cost_at_base_rates"] == "9" and advice["evidence"]["long_context_cost"] == "16.5"


def test_right_sizing_a_top_tier_model_with_small_outputs_to_its_cheaper_peer() -> None:
    w = InsightsWorld()
    acc = w.account(keys={"k1": "classifier", "k2": "writer"})
    w.use(acc, at("2026-11-10"), "claude-opus-4-6", key="k1", uncached_input=10_000_000, output=100_000)
    w.use(acc, at("2026-11-10"), "claude-opus-4-6", key="k2", uncached_input=1_000_000, output=1_000_000)
    w.price()
    advice = one(w.advice(), "right_sizing")
    assert advice["scope"]["api_key_id"] == "k1"  # k2's outputs are half its tokens: not small
    # Opus 4.6 50 + 2.5 = 52.5; Sonnet 4.6 30 + 1.5 = 31.5 (same tokenizer family: exactly these tokens)
    assert advice["period_savings"] == "21"
    ev = advice["evidence"]
    assert ev["target"] == {"provider": "anthropic", "model": "claude-sonnet-4-6"}
    assert ev["target_cost"] == {"low": "31.5", "expected": "31.5", "high": "31.5"}
    assert ev["peer"]["basis"] == "benchmark" and ev["peer"]["sources"]
    assert advice["confidence"]["level"] == "medium"


def test_priority_tier_premium_over_the_standard_tier() -> None:
    w = InsightsWorld()
    acc = w.account(provider="openai")
    w.use(
        acc,
        at("2026-11-10"),
        "gpt-5-2025-08-07",
        uncached_input=1_000_000,
        output=1_000_000,
        service_tier="priority",
    )
    w.price()
    advice = one(w.advice(), "priority_tier")
    # priority 2.50 + 20 against default 1.25 + 10
    assert advice["period_savings"] == "11.25" and advice["evidence"]["tiers"] == ["tier priority"]


def test_unpriced_models_are_listed_never_as_savings() -> None:
    w = InsightsWorld()
    acc = w.account()
    w.use(acc, at("2026-11-10"), "mystery-model", uncached_input=1_000)
    w.use(acc, at("2026-11-10"), "claude-opus-4-6", key="kp", output=2_000, service_tier="priority")
    w.price()
    found = {a["scope"]["model"]: a for a in of_kind(w.advice(), "unpriced_model")}
    assert found["mystery-model"]["monthly_savings"] == "0" and found["mystery-model"]["evidence"]["units"] == 1_000
    assert found["mystery-model"]["confidence"]["level"] == "high"
    assert "make missing-models" in found["mystery-model"]["actions"][0]
    assert "invoice check" in found["claude-opus-4-6"]["actions"][0]  # the priority tier has no public price


def test_idle_keys_with_and_without_earlier_usage() -> None:
    w = InsightsWorld()
    acc = w.account(keys={"k1": "live", "kold": "old-job", "knew": "never-used"})
    w.use(acc, at("2026-09-15"), "claude-haiku-4-5-20251001", key="kold", uncached_input=1_000)
    w.use(acc, at("2026-11-10"), "claude-haiku-4-5-20251001", key="k1", uncached_input=1_000)
    w.price()
    body = w.advice()
    idle = {a["scope"]["api_key_id"]: a for a in of_kind(body, "idle_key")}
    assert set(idle) == {"kold", "knew"}
    assert idle["kold"]["evidence"]["last_used_month"] == "2026-09" and idle["kold"]["confidence"]["level"] == "medium"
    assert idle["kold"]["title"] == "API key 'old-job' has no usage since 2026-09: revoke it if nobody needs it"
    assert idle["knew"]["evidence"]["last_used_month"] is None and idle["knew"]["confidence"]["level"] == "low"
    assert idle["knew"]["evidence"]["months_checked_before"] == ["2026-08", "2026-09"]
    assert idle["kold"]["monthly_savings"] == "0"


def test_a_key_spending_from_a_new_workspace_or_geography_is_unusual() -> None:
    w = InsightsWorld()
    acc = w.account(keys={"k1": "backend", "k9": "new-region"}, workspaces={"w1": "Main", "w9": "Expansion"})
    for day in DAYS:
        w.use(acc, at(day.isoformat()), "claude-sonnet-4-6", workspace_id="w1", uncached_input=100_000)
    for day in DAYS[20:]:  # 2026-11-10 .. 2026-11-19
        w.use(
            acc,
            at(day.isoformat()),
            "claude-sonnet-4-6",
            key="k9",
            workspace_id="w9",
            uncached_input=1_000_000,
            output=100_000,
        )
    for day in DAYS[25:]:  # the known key, suddenly from the US geography
        w.use(acc, at(day.isoformat(), 3), "claude-sonnet-4-6", workspace_id="w1", inference_geo="us", output=100_000)
    w.price()
    found = {a["scope"]["api_key_id"]: a for a in of_kind(w.advice(), "unusual_key")}
    new = found["k9"]
    assert new["evidence"]["first_seen"] == "2026-11-10" and new["evidence"]["new_key"] is True
    assert new["scope"]["workspace_name"] == "Expansion" and new["evidence"]["geos"] == []
    # $4.50 a day for 10 days, scaled to 30 days
    assert new["period_savings"] == "45" and new["monthly_savings"] == "135"
    assert new["confidence"]["level"] == "low" and "check that it is yours" in new["title"]
    moved = found["k1"]
    assert moved["evidence"]["geos"] == ["us"] and moved["evidence"]["first_seen"] == "2026-11-15"
    assert moved["evidence"]["new_key"] is False
    # output 0.1M at $15 x 1.1 (US data residency) = $1.65 a day for 5 days
    assert moved["period_savings"] == "8.25"


def test_advice_is_sorted_by_savings_and_every_kind_is_known() -> None:
    w = InsightsWorld()
    acc = w.account(keys={"k1": "a", "kidle": "b"})
    w.use(acc, at("2026-11-10"), "claude-opus-4-6", uncached_input=10_000_000, output=100_000)
    w.use(acc, at("2026-11-10"), "claude-sonnet-4-5-20250929", uncached_input=1_000_000, output=10_000)
    w.price()
    body = w.advice()
    savings = [D(a["monthly_savings"]) for a in body["advice"]]
    assert savings == sorted(savings, reverse=True) and savings[0] > 0
    assert {a["kind"] for a in body["advice"]} <= set(ADVICE_KINDS)
    assert body["counts"]["idle_key"] == 1
    assert len({a["id"] for a in body["advice"]}) == len(body["advice"])
    assert body["from"] == "2026-10-21" and body["to"] == "2026-11-19" and body["time_zone"] == "UTC"


def test_the_period_is_checked() -> None:
    w = InsightsWorld()
    w.account()
    assert w.advice(start=date(2026, 11, 1))["to"] == "2026-11-19"
    assert w.advice(end=date(2026, 11, 1))["from"] == "2026-10-03"
    with pytest.raises(BadRequest) as err:
        w.advice(start=date(2026, 11, 2), end=date(2026, 11, 1))
    assert err.value.field == "from"
    with pytest.raises(BadRequest) as err:
        w.advice(start=date(2026, 1, 1), end=date(2026, 11, 1))
    assert err.value.field == "to"
    with pytest.raises(NotFound):
        w.advice(account_id="acc_00000000000000ff")


def test_the_rules_by_day_read_each_days_rows_whole_as_its_hours_summed() -> None:
    # The advice reads the period at the hour and by day (each day's stored rows). Those rows must be exactly
    # what summing the day's hours gives (the reading it replaced), and so must every recommendation: odd
    # quantities that cut into hours with remainders, several classes, keys and context windows, provisional days.
    from shared.domain.settings import time_zone
    from shared.domain.usage import DIMENSIONS
    from shared.insights.rules import advise
    from shared.insights.usage import AdviceData, Prices
    from shared.ledger import Ledger, Query
    from shared.pricing import default_catalogue
    from tests.insights_fakes import T

    w = InsightsWorld()
    acc = w.account(keys={"a": "etl", "b": "chat"})
    for i, day in enumerate(DAYS):
        for hour in (1, 2, 3, 9, 14, 23):
            n = 1_000_003 + 7919 * i + 104_729 * hour
            w.use(
                acc, at(day.isoformat(), hour), "claude-sonnet-4-5-20250929", key="a", uncached_input=n, output=n // 13
            )
            w.use(
                acc,
                at(day.isoformat(), hour),
                "claude-sonnet-4-5-20250929",
                key="b",
                uncached_input=n // 3,
                cache_write_5m=n // 7,
                cache_read=n // 11,
                output=n // 97,
                context_window="200k-1M",
            )
            w.use(acc, at(day.isoformat(), hour), "claude-opus-4-6", key="b", cache_write_1h=n // 5, output=31)
    w.price()
    first, last = DAYS[0], DAYS[-1]
    ledger = Ledger(w.ledger, T, w.clock)
    hours = ledger.read(Query.local_days([acc], first, last, grain="hour", dims=DIMENSIONS))
    read = ledger.documents_read
    days = ledger.read(Query.local_days([acc], first, last, grain="day", dims=DIMENSIONS, provisional=False))
    assert ledger.documents_read == read  # the same documents: nothing read twice
    accounts = w.accounts.list(T)
    names = w.accounts.get_names(T, [acc])
    zone = time_zone("UTC")
    whole = AdviceData.from_pieces(first, last, zone, accounts, names, hours.pieces, days.pieces)
    summed = AdviceData.from_pieces(first, last, zone, accounts, names, hours.pieces, hours.pieces)
    assert repr(whole.days) == repr(summed.days)  # the same rows, to the exponent of every amount
    assert len(whole.days) == 30
    prices = Prices(default_catalogue())
    found = [a.to_dict() for a in advise(whole, prices)]
    assert found == [a.to_dict() for a in advise(summed, prices)]
    assert {a["kind"] for a in found} >= {"prompt_caching", "long_context", "cache_duration", "right_sizing"}
    assert [a["kind"] for a in w.advice()["advice"]] == [a["kind"] for a in found]
