"""Issue 10 over fakes: what an attacker and a careless client sent, and what the API must answer.

Each test is named after the finding it proves: no 500 from bad input, no silent change from null, a
contract exactly as strict as the server, webhook URLs sealed, text that cannot spoof, history by plan.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shared.alerts.webhooks import IDEMPOTENCY_HEADER, url_hint
from shared.api.http import MAX_JSON_DEPTH
from shared.api.models import OPTIONAL_TEXT_PATTERN, TEXT_PATTERN, Name
from shared.api.openapi import build_openapi
from shared.api.routes import ROUTES
from tests.unit.conftest import GOOD_KEY, World
from tests.unit.test_alert_api import HOOK, Alerts, post

SLACK = "https://hooks.slack.com/services/T000/B000/XXXXXXXXXXXXXXXXXXXXabcd"


@pytest.fixture
def alerts(world: World) -> Alerts:
    return Alerts(world)


def raw(world: World, method: str, path: str, body: str, **headers: str) -> Any:
    return world.client.open(
        path, method=method, headers={**world.token(), "Content-Type": "application/json", **headers}, data=body
    )


def error_of(r: Any) -> dict[str, Any]:
    assert r.headers["Content-Type"] == "application/json", r.headers
    error: dict[str, Any] = r.get_json()["error"]
    return error


def channel(world: World, body: dict[str, Any] | None = None) -> dict[str, Any]:
    r = post(world, "/v1/alert-channels", body or {"name": "Ops", "type": "webhook", "url": HOOK})
    assert r.status_code == 201, r.get_data(as_text=True)
    out: dict[str, Any] = r.get_json()
    return out


def budget(world: World) -> dict[str, Any]:
    r = post(world, "/v1/budgets", {"name": "Team", "amount_usd": "100"})
    assert r.status_code == 201, r.get_data(as_text=True)
    out: dict[str, Any] = r.get_json()
    return out


# -- 1. server errors from bad input ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "h", "type": "webhook", "url": HOOK, "kinds": None}, "kinds"),
        ({"name": "m", "type": "email", "emails": []}, "emails"),
        ({"name": "m", "type": "email", "emails": None}, "emails"),
        ({"name": "h", "type": "webhook", "url": HOOK, "format": None}, "format"),
        ({"name": "h", "type": "webhook", "url": HOOK, "kinds": ["budget", "budget"]}, "kinds"),
    ],
)
def test_finding_1_channel_bodies_with_null_or_empty_lists_are_422_not_500(
    world: World, alerts: Alerts, body: dict[str, Any], field: str
) -> None:
    r = post(world, "/v1/alert-channels", body)
    assert r.status_code == 422, r.get_data(as_text=True)
    assert error_of(r)["field"] == field
    assert alerts.channels.channels == {}


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/v1/alert-channels/{channel}", {"kinds": None}, "kinds"),
        ("/v1/alert-channels/{channel}", {"emails": None}, "emails"),
        ("/v1/alert-channels/{channel}", {"url": None}, "url"),
        ("/v1/budgets/{budget}", {"channel_ids": None}, "channel_ids"),
        ("/v1/budgets/{budget}", {"thresholds": None}, "thresholds"),
        ("/v1/budgets/{budget}", {"amount_usd": None}, "amount_usd"),
        ("/v1/budgets/{budget}", {"period": None}, "period"),
        ("/v1/budgets/{budget}", {"scope": None}, "scope"),
    ],
)
def test_finding_1_patch_with_null_lists_is_422_not_500(
    world: World, alerts: Alerts, path: str, body: dict[str, Any], field: str
) -> None:
    ids = {"channel": channel(world)["id"], "budget": budget(world)["id"]}
    before = (dict(alerts.channels.channels), dict(alerts.budgets.budgets))
    r = world.client.patch(path.format(**ids), headers=world.token(), json=body)
    assert r.status_code == 422, r.get_data(as_text=True)
    assert error_of(r)["field"] == field
    assert (alerts.channels.channels, alerts.budgets.budgets) == before


@pytest.mark.parametrize("text", ["\\ud800", "a\\udfffb", "\\udc00\\ud800"])
def test_finding_1_lone_surrogates_are_422_naming_the_field(world: World, alerts: Alerts, text: str) -> None:
    b = budget(world)
    r = raw(world, "PATCH", f"/v1/budgets/{b['id']}", '{"scope": "model", "scope_id": "' + text + '"}')
    assert r.status_code == 422 and error_of(r)["field"] == "scope_id"
    r = raw(world, "POST", "/v1/budgets", '{"name": "' + text + '", "amount_usd": "1"}')
    assert r.status_code == 422 and error_of(r)["field"] == "name"
    r = raw(world, "POST", "/v1/budgets", '{"' + text + '": 1}')
    assert r.status_code == 422
    assert alerts.budgets.get("t1", b["id"]).scope == "tenant"  # type: ignore[union-attr]


@pytest.mark.parametrize("path", ["/v1/budgets", "/v1/accounts", "/v1/alert-channels", "/v1/tenants"])
@pytest.mark.parametrize("body", ["[" * 1000 + "]" * 1000, '{"name": ' + "[" * 1000 + "]" * 1000 + "}"])
def test_finding_1_deeply_nested_bodies_are_400_not_500(world: World, alerts: Alerts, path: str, body: str) -> None:
    assert len(body) < 2100
    r = raw(world, "POST", path, body)
    assert r.status_code == 400, r.get_data(as_text=True)
    assert error_of(r) == {
        "code": "bad_request",
        "message": f"the body nests deeper than {MAX_JSON_DEPTH} levels",
        "field": "body",
    }


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ('{"name": "a", "name": "b", "amount_usd": "1"}', 400, "name"),
        ('{"name": "a", "amount_usd": NaN}', 400, "body"),
        ('{"name": "a", "amount_usd": Infinity}', 400, "body"),
        ('{"name": "[[[[ not nesting ]]]]", "amount_usd": "1"' + "}", 201, None),
    ],
)
def test_bodies_are_json_without_duplicate_keys_or_non_numbers(
    world: World, alerts: Alerts, body: str, status: int, field: str | None
) -> None:
    r = raw(world, "POST", "/v1/budgets", body)
    assert r.status_code == status, r.get_data(as_text=True)
    if field is not None:
        assert error_of(r)["field"] == field


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "x", "amount_usd": "1", "enabled": 0}, "enabled"),
        ({"name": "x", "amount_usd": "1", "forecast": "true"}, "forecast"),
        ({"name": "x", "amount_usd": "1", "thresholds": ["80"]}, "thresholds.0"),
        ({"name": "x", "amount_usd": "1", "thresholds": [True]}, "thresholds.0"),
        ({"name": "x", "amount_usd": "1", "thresholds": [80.5]}, "thresholds.0"),
        ({"name": 5, "amount_usd": "1"}, "name"),
    ],
)
def test_json_types_are_taken_as_they_are(world: World, alerts: Alerts, body: dict[str, Any], field: str) -> None:
    """0 is not false and "true" is not true: the schema's types are exactly what passes (schemathesis)."""
    r = post(world, "/v1/budgets", body)
    assert r.status_code == 422 and error_of(r)["field"] == field
    r = post(world, "/v1/budgets", {"name": "x", "amount_usd": "1", "thresholds": [80.0]})  # JSON Schema: an integer
    assert r.status_code == 201 and r.get_json()["thresholds"] == [80]
    r = world.client.put("/v1/tenant/plan", headers=world.token(), json={"plan": "free", "history_days": "7"})
    assert r.status_code == 422 and error_of(r)["field"] == "history_days"


# -- 2. PATCH stores only what was sent -------------------------------------------------------------


@pytest.mark.parametrize("field", ["name", "enabled", "forecast"])
def test_finding_2_null_in_a_budget_patch_is_refused_and_changes_nothing(
    world: World, alerts: Alerts, field: str
) -> None:
    b = budget(world)
    stored = alerts.budgets.get("t1", b["id"])
    r = world.client.patch(f"/v1/budgets/{b['id']}", headers=world.token(), json={field: None})
    assert r.status_code == 422, r.get_data(as_text=True)
    error = error_of(r)
    assert error["field"] == field and "must not be null" in error["message"]
    assert alerts.budgets.get("t1", b["id"]) == stored
    assert world.client.get(f"/v1/budgets/{b['id']}", headers=world.token()).get_json() == b


@pytest.mark.parametrize("field", ["name", "enabled", "format", "type"])
def test_finding_2_null_in_a_channel_patch_is_refused_and_changes_nothing(
    world: World, alerts: Alerts, field: str
) -> None:
    c = channel(world)
    stored = alerts.channels.get("t1", c["id"])
    r = world.client.patch(f"/v1/alert-channels/{c['id']}", headers=world.token(), json={field: None})
    assert r.status_code == 422 and error_of(r)["field"] == field
    assert alerts.channels.get("t1", c["id"]) == stored


def test_finding_2_scope_id_null_is_the_documented_exception(world: World, alerts: Alerts) -> None:
    r = post(world, "/v1/budgets", {"name": "m", "amount_usd": "5", "scope": "model", "scope_id": "claude-opus-4-6"})
    b = r.get_json()
    r = world.client.patch(f"/v1/budgets/{b['id']}", headers=world.token(), json={"scope": "tenant", "scope_id": None})
    assert r.status_code == 200 and r.get_json()["scope_id"] is None
    spec = build_openapi()["components"]["schemas"]["BudgetPatch"]["properties"]
    assert {"type": "null"} in spec["scope_id"]["anyOf"]
    for name, prop in spec.items():
        if name != "scope_id":
            assert "null" not in json.dumps(prop), name


def test_patch_with_values_still_changes_only_those(world: World, alerts: Alerts) -> None:
    b = budget(world)
    r = world.client.patch(f"/v1/budgets/{b['id']}", headers=world.token(), json={"name": "  Renamed  "})
    assert r.status_code == 200
    assert r.get_json() == {**b, "name": "Renamed", "updated_at": r.get_json()["updated_at"]}


# -- 3. the contract is exactly as strict as the server ----------------------------------------------


def _op(method: str, path: str) -> dict[str, Any]:
    op: dict[str, Any] = build_openapi()["paths"][path][method]
    return op


def _param(op: dict[str, Any], name: str) -> dict[str, Any]:
    (param,) = [p for p in op["parameters"] if p["name"] == name]
    return param


def test_finding_3_the_schema_states_the_bounds_the_server_enforces() -> None:
    alerts_limit = _param(_op("get", "/v1/alerts"), "limit")["schema"]
    assert (alerts_limit["minimum"], alerts_limit["maximum"]) == (1, 200)
    audit_limit = _param(_op("get", "/v1/audit"), "limit")["schema"]
    assert (audit_limit["minimum"], audit_limit["maximum"]) == (1, 1000)
    for path, prefix in [
        ("/v1/accounts/{id}", "acc_"),
        ("/v1/budgets/{id}", "bud_"),
        ("/v1/alert-channels/{id}", "chn_"),
    ]:
        pattern = _param(_op("get", path), "id")["schema"]["pattern"]
        assert re.fullmatch(pattern, prefix + "0123456789abcdef") and not re.fullmatch(pattern, prefix + "x")
    schemas = build_openapi()["components"]["schemas"]
    money = schemas["BudgetIn"]["properties"]["amount_usd"]["pattern"]
    for ok in ("1", "0.01", "0.000001", "999999999.999999", "1000000000", "250.5"):
        assert re.fullmatch(money, ok), ok
    for bad in ("0", "0.0", "0.0000001", "1000000000.01", "1e3", "-1", "01", ""):
        assert not re.fullmatch(money, bad), bad
    key = schemas["ConnectAccountRequest"]["properties"]["api_key"]["pattern"]
    assert re.fullmatch(key, GOOD_KEY) and not re.fullmatch(key, "sk-ant-api03-" + "x" * 40)
    assert schemas["CreateTenantRequest"]["properties"]["id"]["pattern"] == "^[a-z0-9][a-z0-9-]{1,62}$"
    assert schemas["PlanRequest"]["properties"]["history_days"]["anyOf"][0]["maximum"] == 365


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/v1/budgets", {"name": "x", "amount_usd": "0.000000"}),
        ("/v1/budgets", {"name": "x", "amount_usd": "1000000000.5"}),
        ("/v1/budgets", {"name": "x", "amount_usd": "007"}),
    ],
)
def test_finding_3_amounts_outside_the_pattern_are_refused(
    world: World, alerts: Alerts, path: str, body: dict[str, Any]
) -> None:
    r = post(world, path, body)
    assert r.status_code == 422 and error_of(r)["field"] == "amount_usd"


@pytest.mark.parametrize("effective_from", [0, 1700000000, "2026-11-01T00:00:00", "20261101", None, True])
def test_finding_3_rate_card_dates_are_dates_not_numbers(world: World, effective_from: Any) -> None:
    card = {"provider": "anthropic", "percent_off": "10", "effective_from": effective_from}
    r = world.client.put("/v1/rate-cards", headers=world.token(), json={"rate_cards": [card]})
    assert r.status_code == 422, r.get_data(as_text=True)
    assert error_of(r)["field"] == "rate_cards.0.effective_from"
    assert world.client.get("/v1/rate-cards", headers=world.token()).get_json() == {"rate_cards": []}


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("kind=", "kind"),
        ("kind=weather", "kind"),
        ("limit=", "limit"),
        ("limit=0", "limit"),
        ("limit=201", "limit"),
        ("limit=1.5", "limit"),
        ("limit=1&limit=2", "limit"),
        ("colour=red", "colour"),
    ],
)
def test_finding_3_empty_and_out_of_range_query_values_are_refused(
    world: World, alerts: Alerts, query: str, field: str
) -> None:
    r = world.client.get(f"/v1/alerts?{query}", headers=world.token())
    assert r.status_code == 422 and error_of(r)["field"] == field


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("/v1/accounts?include_disconnected=yes", "include_disconnected"),
        ("/v1/accounts?include_disconnected=1", "include_disconnected"),
        ("/v1/audit?limit=1001", "limit"),
        ("/v1/reconciliation?from=2026-11-01&to=2026-11-02&account_id=acc_x", "account_id"),
        ("/v1/usage/explain?from=2026-11-01&to=2026-11-02&model=", "model"),
        ("/v1/usage/explain?from=2026-11-01&to=20261102", "to"),
    ],
)
def test_finding_3_query_values_the_schema_refuses_the_server_refuses(world: World, path: str, field: str) -> None:
    r = world.client.get(path, headers=world.token())
    assert r.status_code == 422 and error_of(r)["field"] == field


@pytest.mark.parametrize("path", ["/v1/accounts/%0A", "/v1/budgets/%0A", "/v1/members/%0A", "/v1/nothing", "/"])
def test_finding_3_unknown_paths_answer_json_404(world: World, alerts: Alerts, path: str) -> None:
    r = world.client.get(path, headers=world.token())
    assert r.status_code == 404
    assert error_of(r)["code"] == "not_found"


def test_finding_3_no_content_answers_carry_no_content_type(world: World, alerts: Alerts) -> None:
    for path in (f"/v1/budgets/{budget(world)['id']}", f"/v1/alert-channels/{channel(world)['id']}"):
        r = world.client.delete(path, headers=world.token())
        assert r.status_code == 204 and r.get_data() == b""
        assert "Content-Type" not in r.headers
    world.token(user="someone")
    r = world.client.delete("/v1/members/someone", headers=world.token())
    assert r.status_code == 204 and "Content-Type" not in r.headers
    assert "content" not in _op("delete", "/v1/budgets/{id}")["responses"]["204"]


def test_finding_3_conflicts_are_documented_where_they_happen() -> None:
    for method, path in [
        ("post", "/v1/tenants"),
        ("post", "/v1/accounts/{id}/sync"),
        ("post", "/v1/accounts/{id}/rotate"),
        ("post", "/v1/accounts"),
        ("put", "/v1/members/{user_id}"),
        ("delete", "/v1/members/{user_id}"),
        ("post", "/v1/budgets"),
    ]:
        assert "409" in _op(method, path)["responses"], (method, path)
    assert "503" in _op("post", "/v1/accounts")["responses"]


def test_every_error_status_a_route_answers_is_documented_with_the_error_schema() -> None:
    spec = build_openapi()
    for route in ROUTES:
        responses = spec["paths"][route.pattern][route.method.lower()]["responses"]
        for status in ("401", "404") + (("403",) if route.tenant_scoped else ()):
            assert responses[status]["content"]["application/json"]["schema"] == {
                "$ref": "#/components/schemas/ErrorOut"
            }, (route.method, route.pattern, status)
        if route.body is not None:
            assert {"400", "413", "422"} <= set(responses), (route.method, route.pattern)


def test_wrong_methods_are_json_405_with_allow(world: World) -> None:
    r = world.client.put("/v1/budgets", headers=world.token())
    assert r.status_code == 405 and error_of(r)["code"] == "method_not_allowed"
    assert set(r.headers["Allow"].split(", ")) == {"GET", "HEAD", "POST"}
    r = world.client.post("/v1/openapi.json")
    assert r.status_code == 405 and r.headers["Allow"] == "GET, HEAD"
    r = world.client.options("/v1/budgets")
    assert r.status_code == 204 and set(r.headers["Allow"].split(", ")) == {"GET", "HEAD", "POST"}


# -- 6. webhook URLs are credentials ---------------------------------------------------------------


def test_finding_6_webhook_urls_are_stored_sealed_and_shown_as_a_hint(world: World, alerts: Alerts) -> None:
    created = channel(world, {"name": "Slack", "type": "webhook", "url": SLACK, "format": "slack"})
    assert created["url_hint"] == "https://hooks.slack.com/...abcd" == url_hint(SLACK)
    assert "url" not in created
    stored = alerts.channels.get("t1", created["id"])
    assert stored is not None and stored.sealed_url and stored.url is None
    assert SLACK not in repr(stored) and "XXXXXXXXXXXXXXXXXXXX" not in repr(stored)
    for role in ("viewer", "admin", "owner"):
        for path in ("/v1/alert-channels", f"/v1/alert-channels/{created['id']}"):
            text = world.client.get(path, headers=world.token(role=role)).get_data(as_text=True)
            assert "XXXX" not in text and "/services/" not in text, (role, path)
    # a sealed URL cannot be moved to another channel: it is bound to this one
    other = channel(world)
    moved = alerts.channels.get("t1", other["id"]).with_changes(sealed_url=stored.sealed_url)  # type: ignore[union-attr]
    alerts.channels.save(moved)
    r = world.client.post(f"/v1/alert-channels/{other['id']}/test", headers=world.token())
    assert r.get_json()["delivered"] is False and "URL cannot be opened" in r.get_json()["error"]


def test_finding_6_delivery_opens_the_sealed_url_and_sends_the_idempotency_key(world: World, alerts: Alerts) -> None:
    created = channel(world, {"name": "Slack", "type": "webhook", "url": SLACK, "format": "slack"})
    r = world.client.post(f"/v1/alert-channels/{created['id']}/test", headers=world.token())
    assert r.get_json()["delivered"] is True, r.get_json()
    (request,) = alerts.transport.requests
    assert request.headers["Host"] == "hooks.slack.com"
    assert request.url.path == "/services/T000/B000/XXXXXXXXXXXXXXXXXXXXabcd"
    assert request.headers[IDEMPOTENCY_HEADER] == r.get_json()["alert_id"]
    # changing the URL seals the new one
    r = world.client.patch(f"/v1/alert-channels/{created['id']}", headers=world.token(), json={"url": HOOK})
    assert r.status_code == 200 and r.get_json()["url_hint"] == "https://hooks.example.com/...eter"
    world.client.post(f"/v1/alert-channels/{created['id']}/test", headers=world.token())
    assert alerts.transport.requests[-1].headers["Host"] == "hooks.example.com"


def test_legacy_channels_with_a_plaintext_url_still_deliver_and_show_only_a_hint(world: World, alerts: Alerts) -> None:
    created = channel(world)
    legacy = alerts.channels.get("t1", created["id"]).with_changes(  # type: ignore[union-attr]
        url=SLACK, sealed_url=None, url_hint=None
    )
    alerts.channels.save(legacy)
    got = world.client.get(f"/v1/alert-channels/{created['id']}", headers=world.token(role="viewer")).get_json()
    assert got["url_hint"] == "https://hooks.slack.com/...abcd"
    assert world.client.post(f"/v1/alert-channels/{created['id']}/test", headers=world.token()).get_json()["delivered"]
    r = world.client.patch(f"/v1/alert-channels/{created['id']}", headers=world.token(), json={"url": SLACK})
    assert r.status_code == 200
    resealed = alerts.channels.get("t1", created["id"])
    assert resealed is not None and resealed.url is None and resealed.sealed_url


def test_the_alert_webhook_and_its_idempotency_key_are_documented() -> None:
    webhook = build_openapi()["webhooks"]["alert"]["post"]
    headers = {p["name"]: p for p in webhook["parameters"]}
    assert IDEMPOTENCY_HEADER in headers and "alert id" in headers[IDEMPOTENCY_HEADER]["description"]


# -- 7. names cannot spoof; history is what the plan buys -----------------------------------------

SPOOFING = ["a\x00b", "Budget\u202egnp.exe", "\u2066x\u2069", "a\nb", "a\tb", "x\x7f", "a\u2028b", "\x85", "   "]


@pytest.mark.parametrize("name", SPOOFING)
def test_finding_7_names_refuse_control_and_bidi_characters(world: World, alerts: Alerts, name: str) -> None:
    for path, body in [
        ("/v1/budgets", {"name": name, "amount_usd": "1"}),
        ("/v1/alert-channels", {"name": name, "type": "webhook", "url": HOOK}),
        ("/v1/accounts", {"provider": "anthropic", "name": name, "api_key": GOOD_KEY}),
    ]:
        r = post(world, path, body)
        assert r.status_code == 422 and error_of(r)["field"] == "name", (path, r.get_data(as_text=True))
    signup = {"Authorization": "Bearer " + world.issuer.issue(None, user_id="newcomer")}
    r = world.client.post("/v1/tenants", headers=signup, json={"id": "acme", "name": name})
    assert r.status_code == 422 and error_of(r)["field"] == "name"
    b = budget(world)
    r = world.client.patch(f"/v1/budgets/{b['id']}", headers=world.token(), json={"name": name})
    assert r.status_code == 422 and error_of(r)["field"] == "name"
    assert alerts.budgets.get("t1", b["id"]).name == "Team"  # type: ignore[union-attr]
    assert world.accounts.accounts == {}


def test_finding_7_names_are_trimmed_and_unicode_is_welcome(world: World, alerts: Alerts) -> None:
    r = post(world, "/v1/budgets", {"name": "\u3000 Équipe 東京 🚀  ", "amount_usd": "1"})
    assert r.status_code == 201 and r.get_json()["name"] == "Équipe 東京 🚀"


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=30))
def test_the_text_pattern_and_the_validator_agree(text: str) -> None:
    """The schema's pattern is exactly what the server accepts: a name passes both or neither."""
    from pydantic import TypeAdapter, ValidationError

    adapter = TypeAdapter(Name)
    try:
        stored = adapter.validate_python(text)
    except ValidationError:
        accepted = False
    else:
        accepted = True
        assert stored == text.strip() and stored
    assert accepted == bool(re.fullmatch(TEXT_PATTERN, text))
    assert bool(re.fullmatch(TEXT_PATTERN, text)) <= bool(re.fullmatch(OPTIONAL_TEXT_PATTERN, text))
    if accepted:
        assert not any(c in text for c in "\x00\n\u202e\u2066")


@pytest.mark.parametrize(
    ("plan", "days", "status"),
    [("free", 420, 422), ("free", 31, 403), ("pro", 181, 403), ("enterprise", 366, 422), ("free", 0, 422)],
)
def test_finding_7_history_days_cannot_exceed_the_plan(world: World, plan: str, days: int, status: int) -> None:
    r = world.client.put("/v1/tenant/plan", headers=world.token(), json={"plan": plan, "history_days": days})
    assert r.status_code == status, r.get_data(as_text=True)
    assert error_of(r)["field"] == "history_days"
    if status == 403:
        assert "keeps at most" in error_of(r)["message"] and "larger plan" in error_of(r)["message"]
    assert world.tenants.get_tenant("t1").history_days == 30  # type: ignore[union-attr]


@pytest.mark.parametrize(("plan", "days"), [("free", 7), ("free", 30), ("pro", 180), ("enterprise", 90)])
def test_finding_7_an_owner_may_shorten_the_window_within_the_plan(world: World, plan: str, days: int) -> None:
    r = world.client.put("/v1/tenant/plan", headers=world.token(), json={"plan": plan, "history_days": days})
    assert r.status_code == 200, r.get_data(as_text=True)
    assert r.get_json()["tenant"]["history_days"] == days
