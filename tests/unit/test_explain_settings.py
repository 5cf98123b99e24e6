"""GET /v1/usage/explain and GET/PUT /v1/settings over fakes."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from shared.domain.accounts import STATUS_CONNECTED, Account
from shared.domain.usage import Dimensions, TokenCounts, UsageBucket, UsageRow
from shared.pricing import PriceQuote, Rates, default_catalogue
from shared.services.costing import CostingService
from shared.services.explain import ExplainService
from shared.services.settings import SettingsService
from tests.fakes import FakeSettingsStore
from tests.unit.conftest import World

DAY = date(2026, 11, 10)
ACC = "acc_0000000000000001"
SONNET = "claude-sonnet-4-5-20250929"


class OldCatalogue:
    """Stands for an earlier catalogue version: every class at $1 per million tokens."""

    version = "old-catalogue-1"

    def quote(self, provider: str, dims: Dimensions, used_at: datetime) -> PriceQuote:
        one = Decimal(1)
        return PriceQuote(Rates(one, one, one, one, one), self.version, model_ref=dims.model)


def buckets() -> list[UsageBucket]:
    h0 = datetime(DAY.year, DAY.month, DAY.day, tzinfo=UTC)
    out = []
    for h in range(3):
        hour = h0 + timedelta(hours=h)
        out.append(
            UsageBucket(
                hour,
                (
                    UsageRow(
                        hour,
                        Dimensions(SONNET, f"key{h % 2}", None, "batch", "0-200k", "global", "standard"),
                        TokenCounts(
                            uncached_input=1_000_000, cache_write_1h=200_000, output=100_000, web_search_requests=5
                        ),
                    ),
                    UsageRow(hour, Dimensions("claude-mystery-9", "key0"), TokenCounts(output=10)),
                ),
            )
        )
    return out


def setup(world: World, catalogue: object) -> None:
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
    world.ledger.write_buckets("t1", ACC, buckets())
    CostingService(world.ledger, catalogue).price_days("t1", ACC, "anthropic", [DAY])  # type: ignore[arg-type]
    world.app.services = replace(
        world.app.services,
        explain=lambda: ExplainService(world.accounts, world.ledger, default_catalogue, world.clock),
    )


def test_explain_shows_tokens_times_rate_per_class_and_the_price_used(world: World) -> None:
    setup(world, default_catalogue())
    r = world.client.get(
        f"/v1/usage/explain?from={DAY}&to={DAY}&model={SONNET}&service_tier=batch", headers=world.token()
    )
    assert r.status_code == 200, r.get_data(as_text=True)
    body = r.get_json()
    (line,) = body["lines"]  # both API keys' rows: one price, one line
    by_class = {c["token_class"]: c for c in line["classes"]}
    # Sonnet 4.5 batch: input $1.50, 1h cache write $3, output $7.50 per million; web search $0.01, not discounted.
    assert by_class["uncached_input"] == {
        "token_class": "uncached_input",
        "quantity": 3_000_000,
        "rate": "1.5",
        "rate_unit": "USD per million tokens",
        "cost": "4.5",
        "stored_cost": "4.5",
    }
    assert (by_class["cache_write_1h"]["rate"], by_class["cache_write_1h"]["cost"]) == ("3", "1.8")
    assert (by_class["output"]["rate"], by_class["output"]["cost"]) == ("7.5", "2.25")
    assert (by_class["web_search"]["rate"], by_class["web_search"]["quantity"]) == ("0.01", 15)
    assert set(by_class) == {"uncached_input", "cache_write_1h", "output", "web_search"}
    assert line["cost"] == line["stored_cost"] == "8.7" and line["agrees"] is True
    price = line["price"]
    assert price["model_ref"] == "claude-sonnet-4-5" and any("batch" in m for m in price["modifiers"])
    assert price["catalogue_version"] == body["catalogue_version"] == default_catalogue().version
    assert line["catalogue_version_differs"] is False and line["note"] is None
    assert body["totals"]["cost"] == "8.7" and body["documents_read"] == 1


def test_explain_unpriced_rows_and_a_catalogue_version_change(world: World) -> None:
    setup(world, OldCatalogue())
    body = world.client.get(f"/v1/usage/explain?from={DAY}&to={DAY}", headers=world.token()).get_json()
    mystery = next(line for line in body["lines"] if line["model"] == "claude-mystery-9")
    assert mystery["cost"] is None and mystery["price"]["unpriced_reason"]
    assert mystery["classes"] == [
        {
            "token_class": "output",
            "quantity": 30,
            "rate": None,
            "rate_unit": "USD per million tokens",
            "cost": None,
            "stored_cost": "0.00003",
        }
    ]
    sonnet = next(line for line in body["lines"] if line["model"] == SONNET)
    assert sonnet["catalogue_version_differs"] is True and sonnet["agrees"] is False
    assert "old-catalogue-1" in sonnet["note"] and "prices this differently" in sonnet["note"]
    assert body["totals"]["catalogue_version_differs"] is True


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("from=2026-11-10", "to"),
        ("from=2026-11-10&to=2026-11-10&colour=red", "colour"),
        ("from=2026-01-01&to=2026-11-10", "to"),
        ("from=2026-11-10&to=2026-11-10&model=", "model"),
        ("from=2026-11-10&to=2026-11-10&model=a&model=b", "model"),
    ],
)
def test_explain_bad_input_names_the_field(world: World, query: str, field: str) -> None:
    setup(world, default_catalogue())
    r = world.client.get(f"/v1/usage/explain?{query}", headers=world.token())
    assert r.status_code in (400, 422) and r.get_json()["error"]["field"] == field


def test_explain_filters_null_workspace(world: World) -> None:
    setup(world, default_catalogue())
    body = world.client.get(
        f"/v1/usage/explain?from={DAY}&to={DAY}&workspace_id=null", headers=world.token()
    ).get_json()
    assert len(body["lines"]) == 2 and body["filters"] == {"workspace_id": None}
    body = world.client.get(f"/v1/usage/explain?from={DAY}&to={DAY}&workspace_id=w9", headers=world.token()).get_json()
    assert body["lines"] == [] and body["catalogue_version"] is None


def test_settings_time_zone_round_trip_and_validation(world: World) -> None:
    store = FakeSettingsStore()
    world.app.services = replace(world.app.services, settings=lambda: SettingsService(store))
    default = {"time_zone": "UTC", "advice_alert_usd": "100"}
    assert world.client.get("/v1/settings", headers=world.token()).get_json() == default
    r = world.client.put("/v1/settings", headers=world.token(), json={"time_zone": "Europe/Paris"})
    paris = {"time_zone": "Europe/Paris", "advice_alert_usd": "100"}
    assert r.status_code == 200 and r.get_json() == paris
    assert world.client.get("/v1/settings", headers=world.token()).get_json() == paris
    assert world.client.get("/v1/settings", headers=world.token("t2")).get_json() == default
    for bad in ("Mars/Olympus", "../etc/passwd", "", "Europe/Paris\x00"):
        r = world.client.put("/v1/settings", headers=world.token(), json={"time_zone": bad})
        assert r.status_code == 422 and r.get_json()["error"]["field"] == "time_zone", bad
    r = world.client.put("/v1/settings", headers=world.token(), json={"time_zone": "UTC", "colour": "red"})
    assert r.status_code == 422 and r.get_json()["error"]["field"] == "colour"
    r = world.client.put("/v1/settings", headers=world.token(role="viewer"), json={"time_zone": "UTC"})
    assert r.status_code == 403
    assert store.settings["t1"].time_zone == "Europe/Paris"
