"""The OpenAPI document stays true: every route is in it, every reference resolves, and real responses
validate against the schemas it names."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from shared.api.app import OPENAPI_PATH
from shared.api.models import AccountList, AccountOut, UsageResponse
from shared.api.openapi import build_openapi
from shared.api.routes import ROUTES
from shared.domain.usage import Dimensions, TokenCounts, UsageBucket, UsageRow
from shared.pricing import default_catalogue
from shared.services.costing import CostingService
from tests.unit.conftest import GOOD_KEY, World


def _refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        out = [node["$ref"]] if "$ref" in node else []
        return out + [r for v in node.values() for r in _refs(v)]
    if isinstance(node, list):
        return [r for v in node for r in _refs(v)]
    return []


def test_every_route_is_documented_and_nothing_else() -> None:
    spec = build_openapi()
    documented = {(m.upper(), p) for p, ops in spec["paths"].items() for m in ops}
    served = {(r.method, r.pattern) for r in ROUTES} | {("GET", OPENAPI_PATH)}
    assert documented == served
    for route in ROUTES:
        op = spec["paths"][route.pattern][route.method.lower()]
        assert str(route.status) in op["responses"]
        assert op["security"] == [{"bearer": []}]


def test_every_reference_resolves() -> None:
    spec = build_openapi()
    schemas = spec["components"]["schemas"]
    for ref in _refs(spec):
        assert ref.startswith("#/components/schemas/")
        assert ref.rsplit("/", 1)[1] in schemas, ref


def test_served_spec_matches_and_is_public(world: World) -> None:
    r = world.client.get("/v1/openapi.json")
    assert r.status_code == 200
    assert r.get_json() == build_openapi()


def test_real_responses_validate_against_the_documented_models(world: World) -> None:
    r = world.client.post(
        "/v1/accounts", headers=world.token(), json={"provider": "anthropic", "name": "P", "api_key": GOOD_KEY}
    )
    account = AccountOut.model_validate(r.get_json())
    AccountList.model_validate(world.client.get("/v1/accounts", headers=world.token()).get_json())
    day = datetime(2026, 11, 18, tzinfo=UTC)
    rows = (
        UsageRow(day, Dimensions("claude-sonnet-4-5-20250929", "k1", None), TokenCounts(output=1000)),
        UsageRow(day, Dimensions("mystery-model", None, "w1"), TokenCounts(uncached_input=5)),
    )
    buckets = [
        UsageBucket(day + timedelta(hours=h), tuple(UsageRow(day + timedelta(hours=h), r.dims, r.tokens) for r in rows))
        for h in range(2)
    ]
    world.ledger.write_buckets("t1", account.id, buckets)
    CostingService(world.ledger, default_catalogue()).price_days("t1", account.id, "anthropic", [day.date()])
    for group_by in ("model", "api_key,workspace", "account,day,service_tier", "hour"):
        r = world.client.get(f"/v1/usage?from=2026-11-18&to=2026-11-18&group_by={group_by}", headers=world.token())
        assert r.status_code == 200, r.get_data(as_text=True)
        body = UsageResponse.model_validate(r.get_json())
        assert body.rows
    body = world.client.get("/v1/usage?from=2026-11-18&to=2026-11-18&group_by=model", headers=world.token()).get_json()
    by_model = {row["model"]: row for row in body["rows"]}
    # 2 hours x 1000 output tokens of Sonnet 4.5 at $15/MTok = $0.03; the unknown model is unpriced, not $0.
    assert by_model["claude-sonnet-4-5-20250929"]["total_cost"] == "0.03"
    assert by_model["mystery-model"]["total_cost"] is None
    assert by_model["mystery-model"]["unpriced"] is True and by_model["mystery-model"]["unpriced_tokens"] == 10
    assert body["totals"]["total_cost"] == "0.03" and body["totals"]["unpriced_models"] == ["mystery-model"]
