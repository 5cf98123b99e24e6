"""Rate cards (negotiated discounts): which card applies, the API, and list beside effective cost in views.
Also: the cost-trust endpoints' real responses validate against their documented models."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from shared.api.models import UsageResponse
from shared.api.models_costs import ExplainResponse, RateCardsOut, ReconciliationResponse, SettingsOut
from shared.domain.accounts import STATUS_CONNECTED, Account
from shared.domain.rate_cards import RateCard, card_for, check_no_overlap
from shared.domain.usage import Dimensions, TokenCounts, UsageBucket, UsageRow
from shared.pricing import default_catalogue
from shared.services.costing import CostingService
from shared.services.usage_query import UsageQueryService
from tests.unit.conftest import World

ACC = "acc_0000000000000001"
SONNET = "claude-sonnet-4-5-20250929"
HAIKU = "claude-haiku-4-5-20251001"


def card(pct: str, start: str, model: str | None = None, until: str | None = None, provider: str = "anthropic"):  # type: ignore[no-untyped-def]
    return RateCard(
        provider, Decimal(pct), date.fromisoformat(start), model, date.fromisoformat(until) if until else None
    )


def test_the_most_specific_then_latest_card_applies() -> None:
    cards = [card("10", "2026-01-01"), card("20", "2026-06-01", "claude-sonnet"), card("5", "2026-09-01")]
    assert card_for(cards, "anthropic", SONNET, date(2026, 5, 1)) == cards[0]
    assert card_for(cards, "anthropic", SONNET, date(2026, 7, 1)) == cards[1]  # the model's own card
    assert card_for(cards, "anthropic", HAIKU, date(2026, 9, 2)) == cards[2]  # latest provider-wide card
    assert card_for(cards, "openai", "gpt-5", date(2026, 9, 2)) is None
    assert card_for(cards, "anthropic", SONNET, date(2025, 12, 31)) is None
    assert cards[1].factor == Decimal("0.8")


def test_overlapping_or_impossible_cards_are_refused() -> None:
    with pytest.raises(ValueError, match="overlap"):
        check_no_overlap([card("10", "2026-01-01"), card("12", "2026-03-01")])
    check_no_overlap([card("10", "2026-01-01", until="2026-03-01"), card("12", "2026-03-01")])
    with pytest.raises(ValueError, match="between 0 and 100"):
        card("101", "2026-01-01")


def _priced_days(world: World) -> None:
    world.accounts.create(
        Account(
            "t1",
            ACC,
            "anthropic",
            "Prod",
            STATUS_CONNECTED,
            datetime(2026, 11, 1, tzinfo=UTC),
            datetime(2026, 10, 1, tzinfo=UTC),
            30,
        )
    )
    for day in (date(2026, 11, 9), date(2026, 11, 10)):
        hour = datetime(day.year, day.month, day.day, 3, tzinfo=UTC)
        rows = (
            UsageRow(hour, Dimensions(SONNET, "k1"), TokenCounts(output=1_000_000)),  # $15
            UsageRow(hour, Dimensions(HAIKU, "k1"), TokenCounts(output=1_000_000)),  # $5
            UsageRow(hour, Dimensions("claude-mystery-9", "k1"), TokenCounts(output=10)),
        )
        world.ledger.write_buckets("t1", ACC, [UsageBucket(hour, rows)])
        CostingService(world.ledger, default_catalogue()).price_days("t1", ACC, "anthropic", [day])


def test_views_show_list_and_effective_cost(world: World) -> None:
    _priced_days(world)
    body = {
        "rate_cards": [
            {"provider": "anthropic", "percent_off": "10", "effective_from": "2026-11-01"},
            {
                "provider": "anthropic",
                "model": "claude-sonnet-4-5",
                "percent_off": "25.5",
                "effective_from": "2026-11-10",
            },
        ]
    }
    r = world.client.put("/v1/rate-cards", headers=world.token(), json=body)
    assert r.status_code == 200, r.get_data(as_text=True)
    RateCardsOut.model_validate(r.get_json())
    assert world.client.get("/v1/rate-cards", headers=world.token()).get_json() == r.get_json()
    world.app.services = replace(
        world.app.services,
        usage=lambda: UsageQueryService(world.accounts, world.ledger, settings=world.settings, clock=world.clock),
    )
    r = world.client.get("/v1/usage?from=2026-11-09&to=2026-11-10&group_by=day,model", headers=world.token())
    assert r.status_code == 200, r.get_data(as_text=True)
    usage = UsageResponse.model_validate(r.get_json()).model_dump(by_alias=True)
    got = {(row["day"], row["model"]): (row["total_cost"], row["effective_cost"]) for row in usage["rows"]}
    assert got == {
        ("2026-11-09", SONNET): ("15", "13.5"),  # 10% off everything
        ("2026-11-09", HAIKU): ("5", "4.5"),
        ("2026-11-09", "claude-mystery-9"): (None, None),  # unpriced stays unpriced
        ("2026-11-10", SONNET): ("15", "11.175"),  # the model's own 25.5% from the 10th
        ("2026-11-10", HAIKU): ("5", "4.5"),
        ("2026-11-10", "claude-mystery-9"): (None, None),
    }
    assert usage["totals"]["total_cost"] == "40" and usage["totals"]["effective_cost"] == "33.675"
    assert len(usage["rate_cards_applied"]) == 2
    # Without cards, effective is list.
    world.client.put("/v1/rate-cards", headers=world.token(), json={"rate_cards": []})
    plain = world.client.get("/v1/usage?from=2026-11-09&to=2026-11-10", headers=world.token()).get_json()
    assert plain["totals"]["effective_cost"] == plain["totals"]["total_cost"] == "40"


@pytest.mark.parametrize(
    ("cards", "field"),
    [
        (
            [{"provider": "anthropic", "percent_off": "0.1e2", "effective_from": "2026-11-01"}],
            "rate_cards.0.percent_off",
        ),
        ([{"provider": "anthropic", "percent_off": 10, "effective_from": "2026-11-01"}], "rate_cards.0.percent_off"),
        ([{"provider": "mistral", "percent_off": "10", "effective_from": "2026-11-01"}], "rate_cards.0.provider"),
        (
            [{"provider": "anthropic", "percent_off": "10", "effective_from": "2026-11-01", "until": "2026-10-01"}],
            "rate_cards.0.until",
        ),
        (
            [
                {"provider": "anthropic", "percent_off": "10", "effective_from": "2026-11-01"},
                {"provider": "anthropic", "percent_off": "12", "effective_from": "2026-12-01"},
            ],
            "rate_cards",
        ),
    ],
)
def test_bad_rate_cards_are_422_naming_the_field(world: World, cards: list, field: str) -> None:
    r = world.client.put("/v1/rate-cards", headers=world.token(), json={"rate_cards": cards})
    assert r.status_code == 422 and r.get_json()["error"]["field"] == field, r.get_data(as_text=True)
    assert (
        world.client.put("/v1/rate-cards", headers=world.token(role="viewer"), json={"rate_cards": []}).status_code
        == 403
    )


def test_time_zone_change_keeps_rate_cards(world: World) -> None:
    body = {"rate_cards": [{"provider": "openai", "percent_off": "7", "effective_from": "2026-01-01", "note": "MSA"}]}
    world.client.put("/v1/rate-cards", headers=world.token(), json=body)
    r = world.client.put("/v1/settings", headers=world.token(), json={"time_zone": "America/Chicago"})
    SettingsOut.model_validate(r.get_json())
    cards = world.client.get("/v1/rate-cards", headers=world.token()).get_json()["rate_cards"]
    assert cards == [
        {
            "provider": "openai",
            "model": None,
            "percent_off": "7",
            "effective_from": "2026-01-01",
            "until": None,
            "note": "MSA",
        }
    ]


def test_cost_trust_responses_validate_against_their_models(world: World) -> None:
    _priced_days(world)
    r = world.client.get("/v1/reconciliation?from=2026-11-09&to=2026-11-10", headers=world.token())
    assert r.status_code == 200, r.get_data(as_text=True)
    recon = ReconciliationResponse.model_validate(r.get_json())
    assert recon.rows and recon.trust.accounts[0].account_id == ACC
    r = world.client.get("/v1/usage/explain?from=2026-11-09&to=2026-11-10", headers=world.token())
    assert r.status_code == 200, r.get_data(as_text=True)
    assert ExplainResponse.model_validate(r.get_json()).lines
    day = date(2026, 11, 9)
    stored = world.ledger.priced[("t1", ACC, day)]
    assert len(stored.row_hours) == len(stored.rows)  # per-hour quantities are stored with the day
