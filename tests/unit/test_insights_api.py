"""GET /v1/whatif, /v1/whatif/suggestions and /v1/advice over fakes: every parameter checked (a 4xx naming the
field, never a 500), viewers can read, answers match the documented models; the advice alert threshold is a
tenant setting."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from shared.api.models_insights import AdviceResponse, SuggestionsResponse, WhatIfResponse
from shared.domain.usage import Dimensions, TokenCounts, UsageBucket, UsageRow
from shared.pricing import default_catalogue
from shared.services.costing import CostingService
from tests.unit.conftest import GOOD_KEY, World

DAY = datetime(2026, 11, 18, tzinfo=UTC)


def connect_with_usage(world: World) -> str:
    r = world.client.post(
        "/v1/accounts", headers=world.token(), json={"provider": "anthropic", "name": "P", "api_key": GOOD_KEY}
    )
    account_id = str(r.get_json()["id"])
    rows = (
        (Dimensions("claude-opus-4-6", "k1", None), TokenCounts(uncached_input=5_000_000, output=50_000)),
        (Dimensions("claude-3-haiku", "k2", "w1"), TokenCounts(uncached_input=1_000_000, output=400_000)),
        (Dimensions("mystery-model", "k2", "w1"), TokenCounts(uncached_input=5)),
    )
    buckets = [
        UsageBucket(DAY + timedelta(hours=h), tuple(UsageRow(DAY + timedelta(hours=h), d, t) for d, t in rows))
        for h in range(3)
    ]
    world.ledger.write_buckets("t1", account_id, buckets)
    CostingService(world.ledger, default_catalogue()).price_days("t1", account_id, "anthropic", [DAY.date()])
    return account_id


PERIOD = "from=2026-11-18&to=2026-11-18"


@pytest.mark.parametrize("role", ["owner", "viewer"])
def test_what_if_answers_the_documented_shape_and_viewers_can_read(world: World, role: str) -> None:
    connect_with_usage(world)
    r = world.client.get(f"/v1/whatif?{PERIOD}&target_model=gpt-5", headers=world.token(role=role))
    assert r.status_code == 200, r.get_data(as_text=True)
    body = WhatIfResponse.model_validate(r.get_json())
    models = {m.model: m for m in body.models}
    assert set(models) == {"claude-opus-4-6", "claude-3-haiku", "mystery-model"}
    assert models["claude-opus-4-6"].actual_cost == "78.75"  # 3 hours x (5M x $5 + 50k x $25)
    assert models["mystery-model"].comparable is False
    assert body.not_comparable[0].model == "mystery-model" and body.target.model_ref == "gpt-5"
    assert body.documents_read == 1


@pytest.mark.parametrize("role", ["owner", "viewer"])
def test_suggestions_and_advice_answer_the_documented_shape(world: World, role: str) -> None:
    connect_with_usage(world)
    r = world.client.get(f"/v1/whatif/suggestions?{PERIOD}", headers=world.token(role=role))
    assert r.status_code == 200, r.get_data(as_text=True)
    body = SuggestionsResponse.model_validate(r.get_json())
    (opus,) = body.models
    assert opus.model == "claude-opus-4-6" and opus.alternatives[0].model == "claude-sonnet-4-6"
    assert opus.alternatives[0].sources and opus.alternatives[0].savings.expected == "31.5"  # 78.75 - 3 x (15 + 0.75)
    assert opus.alternatives[0].monthly_savings_expected == "945"  # one day's saving, scaled to 30 days
    assert [u.model for u in body.unassessed] == ["claude-3-haiku"]  # no peer listed: not assessed
    r = world.client.get("/v1/advice", headers=world.token(role=role))
    assert r.status_code == 200, r.get_data(as_text=True)
    advice = AdviceResponse.model_validate(r.get_json())
    assert advice.from_ == "2026-10-21" and advice.to == "2026-11-19"
    assert {a.kind for a in advice.advice} >= {"prompt_caching", "right_sizing", "unpriced_model"}
    assert advice.alert_threshold_usd == "100"


def error(r) -> tuple[int, str | None]:  # type: ignore[no-untyped-def]
    return r.status_code, r.get_json()["error"]["field"]


@pytest.mark.parametrize(
    ("query", "status", "field"),
    [
        (f"{PERIOD}", 422, "target_model"),
        (f"{PERIOD}&target_model=", 422, "target_model"),
        (f"{PERIOD}&target_model=gpt-99", 404, "target_model"),
        (f"{PERIOD}&target_model=acme/gpt-5", 404, "target_model"),
        ("from=2026-13-01&to=2026-11-18&target_model=gpt-5", 422, "from"),
        ("to=2026-11-18&target_model=gpt-5", 422, "from"),
        ("from=2026-11-18&to=18/11/2026&target_model=gpt-5", 422, "to"),
        ("from=0001-01-01&to=2026-11-18&target_model=gpt-5", 422, "from"),
        ("from=2026-11-19&to=2026-11-18&target_model=gpt-5", 400, "from"),
        ("from=2025-01-01&to=2026-11-18&target_model=gpt-5", 400, "to"),
        ("from=2026-09-01&to=2026-11-18&target_model=gpt-5", 400, "from"),  # older than the free plan keeps
        (f"{PERIOD}&target_model=gpt-5&time_zone=Mars/Base", 422, "time_zone"),
        (f"{PERIOD}&target_model=gpt-5&account_id=nope", 422, "account_id"),
        (f"{PERIOD}&target_model=gpt-5&account_id=acc_00000000000000ff", 404, "account_id"),
        (f"{PERIOD}&target_model=gpt-5&provider=acme", 422, "provider.0"),
        (f"{PERIOD}&target_model=gpt-5&model=", 422, "model.0"),
        (f"{PERIOD}&target_model=gpt-5&group_by=model", 422, "group_by"),
        (f"{PERIOD}&target_model=gpt-5&service_tier=batch", 422, "service_tier"),
    ],
)
def test_what_if_parameters_are_checked(world: World, query: str, status: int, field: str) -> None:
    connect_with_usage(world)
    assert error(world.client.get(f"/v1/whatif?{query}", headers=world.token())) == (status, field)


@pytest.mark.parametrize(
    ("query", "status", "field"),
    [
        ("from=2026-11-18", 422, "to"),
        (f"{PERIOD}&target_model=gpt-5", 422, "target_model"),
        (f"{PERIOD}&provider=acme", 422, "provider.0"),
        (f"{PERIOD}&api_key=", 422, "api_key.0"),
    ],
)
def test_suggestions_parameters_are_checked(world: World, query: str, status: int, field: str) -> None:
    assert error(world.client.get(f"/v1/whatif/suggestions?{query}", headers=world.token())) == (status, field)


@pytest.mark.parametrize(
    ("query", "status", "field"),
    [
        ("from=yesterday", 422, "from"),
        ("to=2026-02-30", 422, "to"),
        ("to=0001-01-07", 422, "to"),  # 30 days before it is outside Python's dates: refused, not a 500
        ("from=9999-12-31", 422, "from"),
        ("from=2026-11-10&to=2026-11-01", 400, "from"),
        ("from=2026-06-01&to=2026-11-01", 400, "to"),
        ("from=2026-09-01&to=2026-09-30", 400, "from"),  # older than the free plan keeps
        ("account_id=acc_x", 422, "account_id"),
        ("account_id=acc_00000000000000ff", 404, "account_id"),
        ("time_zone=UTC", 422, "time_zone"),
    ],
)
def test_advice_parameters_are_checked(world: World, query: str, status: int, field: str) -> None:
    assert error(world.client.get(f"/v1/advice?{query}", headers=world.token())) == (status, field)


def test_advice_needs_a_member(world: World) -> None:
    assert world.client.get("/v1/advice").status_code == 401
    assert world.client.get("/v1/whatif?target_model=gpt-5").status_code == 401


def test_the_advice_alert_threshold_is_a_setting(world: World) -> None:
    r = world.client.put("/v1/settings", headers=world.token(), json={"advice_alert_usd": "250.50"})
    assert r.status_code == 200 and r.get_json() == {"time_zone": "UTC", "advice_alert_usd": "250.5"}
    assert world.settings.settings["t1"].advice_alert_usd == 250.5
    r = world.client.get("/v1/advice", headers=world.token())
    assert r.get_json()["alert_threshold_usd"] == "250.5"
    for bad in ("-1", "1e3", "ten", ""):
        r = world.client.put("/v1/settings", headers=world.token(), json={"advice_alert_usd": bad})
        assert error(r) == (422, "advice_alert_usd"), bad
    assert error(world.client.put("/v1/settings", headers=world.token(), json={})) == (422, "body")
    r = world.client.put("/v1/settings", headers=world.token(role="viewer"), json={"advice_alert_usd": "1"})
    assert r.status_code == 403
    r = world.client.put("/v1/settings", headers=world.token(), json={"time_zone": "Europe/Paris"})
    assert r.get_json() == {"time_zone": "Europe/Paris", "advice_alert_usd": "250.5"}  # the other setting kept
