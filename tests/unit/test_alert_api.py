"""The alerting API over fakes: budgets and channels (CRUD, 4xx naming the field, roles, tenants), the
secret shown once, test alerts and the alert history."""

from __future__ import annotations

import os
from dataclasses import replace

import pytest

from shared.alerts.admin import AlertAdmin
from shared.alerts.delivery import AlertDelivery
from shared.alerts.email import SmtpSettings
from shared.alerts.webhooks import SIGNATURE_HEADER, TIMESTAMP_HEADER, TargetPolicy, WebhookSender, verify
from shared.security.sealing import Keyring
from tests.alerts_fakes import (
    FakeAlertStore,
    FakeBudgetStore,
    FakeChannelStore,
    RecordingEmailSender,
    RecordingWebhookTransport,
)
from tests.unit.conftest import World

HOOK = "https://hooks.example.com/tokenmeter"


class Alerts:
    def __init__(self, world: World, email: bool = True) -> None:
        self.budgets = FakeBudgetStore()
        self.channels = FakeChannelStore()
        self.alerts = FakeAlertStore()
        self.keyring = Keyring(lambda: {1: os.urandom(32)})
        self.transport = RecordingWebhookTransport()
        self.resolved = ["93.184.215.14"]
        policy = TargetPolicy(resolve=lambda host, port: list(self.resolved))
        self.email = RecordingEmailSender(SmtpSettings("smtp.example.com", 587, "alerts@example.com"))
        delivery = AlertDelivery(
            channels=self.channels,
            alerts=self.alerts,
            sealer=self.keyring,
            webhooks=WebhookSender(policy, transport=self.transport.transport()),
            email=self.email,  # type: ignore[arg-type]
            max_attempts=5,
            clock=world.clock,
        )
        self.admin = AlertAdmin(
            budgets=self.budgets,
            channels=self.channels,
            alerts=self.alerts,
            accounts=world.accounts,
            sealer=self.keyring,
            targets=policy,
            delivery=lambda: delivery,
            publisher=world.publisher,
            topic_evaluations="evaluations",
            email_configured=email,
            clock=world.clock,
        )
        world.app.services = replace(world.app.services, alerts=lambda: self.admin)


@pytest.fixture
def alerts(world: World) -> Alerts:
    return Alerts(world)


def post(world: World, path: str, body: object, tenant: str = "t1", role: str = "owner"):  # type: ignore[no-untyped-def]
    return world.client.post(path, headers=world.token(tenant, role), json=body)


def test_budget_lifecycle(world: World, alerts: Alerts) -> None:
    r = post(
        world, "/v1/budgets", {"name": "Team", "amount_usd": "250.50", "scope": "model", "scope_id": "claude-opus-4-6"}
    )
    assert r.status_code == 201, r.get_data(as_text=True)
    budget = r.get_json()
    assert budget["amount_usd"] == "250.5" and budget["thresholds"] == [50, 80, 100] and budget["period"] == "month"
    assert r.headers["Location"] == f"/v1/budgets/{budget['id']}"
    # a new budget asks for an evaluation, so a budget already exceeded says so now
    assert world.publisher.on("evaluations")[-1]["reason"] == "budget_changed"
    assert world.client.get(f"/v1/budgets/{budget['id']}", headers=world.token()).get_json() == budget
    r = world.client.patch(
        f"/v1/budgets/{budget['id']}", headers=world.token(), json={"thresholds": [100, 90], "period": "day"}
    )
    assert r.status_code == 200 and r.get_json()["thresholds"] == [90, 100] and r.get_json()["period"] == "day"
    assert r.get_json()["scope_id"] == "claude-opus-4-6"  # untouched
    listed = world.client.get("/v1/budgets", headers=world.token()).get_json()["budgets"]
    assert [b["id"] for b in listed] == [budget["id"]]
    assert world.client.delete(f"/v1/budgets/{budget['id']}", headers=world.token()).status_code == 204
    assert world.client.get(f"/v1/budgets/{budget['id']}", headers=world.token()).status_code == 404
    assert world.client.delete(f"/v1/budgets/{budget['id']}", headers=world.token()).status_code == 404


def test_a_budget_per_provider(world: World, alerts: Alerts) -> None:
    r = post(world, "/v1/budgets", {"name": "OpenAI", "amount_usd": "500", "scope": "provider", "scope_id": "openai"})
    assert r.status_code == 201, r.get_data(as_text=True)
    assert (r.get_json()["scope"], r.get_json()["scope_id"]) == ("provider", "openai")
    (stored,) = alerts.budgets.budgets.values()
    assert (stored.scope, stored.scope_id) == ("provider", "openai")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "x", "amount_usd": 100}, "amount_usd"),  # a JSON number: refused, money is a string
        ({"name": "x", "amount_usd": "-5"}, "amount_usd"),
        ({"name": "x", "amount_usd": "0"}, "amount_usd"),
        ({"name": "x", "amount_usd": "1e3"}, "amount_usd"),
        ({"amount_usd": "10"}, "name"),
        ({"name": "x", "amount_usd": "10", "period": "week"}, "period"),
        ({"name": "x", "amount_usd": "10", "scope": "team"}, "scope"),
        ({"name": "x", "amount_usd": "10", "scope": "api_key"}, "scope_id"),
        ({"name": "x", "amount_usd": "10", "scope_id": "acc_1"}, "scope_id"),  # tenant scope takes none
        ({"name": "x", "amount_usd": "10", "scope": "account", "scope_id": "acc_0123456789abcdef"}, "scope_id"),
        ({"name": "x", "amount_usd": "10", "scope": "provider", "scope_id": "bedrock"}, "scope_id"),
        ({"name": "x", "amount_usd": "10", "scope": "provider"}, "scope_id"),
        ({"name": "x", "amount_usd": "10", "thresholds": [0]}, "thresholds.0"),
        ({"name": "x", "amount_usd": "10", "thresholds": [80, 80]}, "thresholds"),
        ({"name": "x", "amount_usd": "10", "thresholds": []}, "thresholds"),
        ({"name": "x", "amount_usd": "10", "thresholds": ["80"]}, "thresholds.0"),
        ({"name": "x", "amount_usd": "10", "channel_ids": ["chn_0123456789abcdef"]}, "channel_ids"),
        ({"name": "x", "amount_usd": "10", "channel_ids": ["nope"]}, "channel_ids.0"),
        ({"name": "x", "amount_usd": "10", "colour": "red"}, "colour"),
        ({"name": "   ", "amount_usd": "10"}, "name"),
    ],
)
def test_bad_budgets_get_a_4xx_naming_the_field(world: World, alerts: Alerts, body: dict, field: str) -> None:
    r = post(world, "/v1/budgets", body)
    assert r.status_code == 422, r.get_data(as_text=True)
    assert r.get_json()["error"]["field"] == field
    assert alerts.budgets.budgets == {}


def test_webhook_channel_secret_is_shown_once_and_stored_sealed(world: World, alerts: Alerts) -> None:
    r = post(world, "/v1/alert-channels", {"name": "Ops hook", "type": "webhook", "url": HOOK, "kinds": ["budget"]})
    assert r.status_code == 201, r.get_data(as_text=True)
    created = r.get_json()
    secret = created["secret"]
    assert secret.startswith("whsec_") and created["secret_hint"] == f"whsec_...{secret[-4:]}"
    assert created["kinds"] == ["budget"] and created["format"] == "json"
    stored = alerts.channels.get("t1", created["id"])
    assert stored is not None and secret not in repr(stored) and stored.sealed_secret
    got = world.client.get(f"/v1/alert-channels/{created['id']}", headers=world.token()).get_json()
    assert "secret" not in got and secret not in str(got)
    listed = world.client.get("/v1/alert-channels", headers=world.token()).get_data(as_text=True)
    assert secret not in listed
    # Rotation gives a new secret, once.
    r = world.client.patch(f"/v1/alert-channels/{created['id']}", headers=world.token(), json={"rotate_secret": True})
    assert r.status_code == 200 and r.get_json()["secret"] not in (None, secret)
    # The test alert is signed with the current secret.
    new_secret = r.get_json()["secret"]
    r = world.client.post(f"/v1/alert-channels/{created['id']}/test", headers=world.token())
    assert r.status_code == 200 and r.get_json()["delivered"] is True and r.get_json()["error"] is None
    (request,) = alerts.transport.requests
    ts = request.headers[TIMESTAMP_HEADER]
    assert verify(new_secret, ts, request.content, request.headers[SIGNATURE_HEADER], int(ts))
    assert not verify(secret, ts, request.content, request.headers[SIGNATURE_HEADER], int(ts))


def test_a_failing_test_alert_says_why(world: World, alerts: Alerts) -> None:
    channel = post(world, "/v1/alert-channels", {"name": "h", "type": "webhook", "url": HOOK}).get_json()
    alerts.transport.statuses = [410]
    r = world.client.post(f"/v1/alert-channels/{channel['id']}/test", headers=world.token())
    assert r.status_code == 200 and r.get_json()["delivered"] is False and "410" in r.get_json()["error"]
    history = world.client.get("/v1/alerts?kind=test", headers=world.token()).get_json()["alerts"]
    assert [d["status"] for d in history[0]["deliveries"]] == ["failed"]


@pytest.mark.parametrize(
    ("body", "field", "resolved"),
    [
        ({"name": "h", "type": "webhook"}, "url", None),
        ({"name": "h", "type": "webhook", "url": "http://hooks.example.com/x"}, "url", None),
        ({"name": "h", "type": "webhook", "url": "https://hooks.example.com/x"}, "url", "10.0.0.8"),
        ({"name": "h", "type": "webhook", "url": "https://metadata.google.internal/"}, "url", "169.254.169.254"),
        ({"name": "h", "type": "webhook", "url": HOOK, "format": "teams"}, "format", None),
        ({"name": "h", "type": "webhook", "url": HOOK, "emails": ["a@b.co"]}, "emails", None),
        ({"name": "h", "type": "webhook", "url": HOOK, "kinds": ["weather"]}, "kinds.0", None),
        ({"name": "h", "type": "webhook", "url": HOOK, "kinds": []}, "kinds", None),
        ({"name": "h", "type": "pager"}, "type", None),
        ({"name": "m", "type": "email"}, "emails", None),
        ({"name": "m", "type": "email", "emails": ["not-an-address"]}, "emails.0", None),
        ({"name": "m", "type": "email", "emails": ["a@b.co", "A@b.co"]}, "emails", None),
        ({"name": "m", "type": "email", "emails": ["a@b.co"], "url": HOOK}, "url", None),
        ({"name": "m", "type": "email", "emails": ["a@b.co"], "secret": "mine"}, "secret", None),
    ],
)
def test_bad_channels_get_a_4xx_naming_the_field(
    world: World, alerts: Alerts, body: dict, field: str, resolved: str | None
) -> None:
    if resolved:
        alerts.resolved = [resolved]
    r = post(world, "/v1/alert-channels", body)
    assert r.status_code == 422, r.get_data(as_text=True)
    assert r.get_json()["error"]["field"] == field
    assert alerts.channels.channels == {}


def test_email_channel_needs_smtp_configured(world: World) -> None:
    Alerts(world, email=False)
    r = post(world, "/v1/alert-channels", {"name": "m", "type": "email", "emails": ["ops@example.com"]})
    assert r.status_code == 422 and r.get_json()["error"]["field"] == "type"
    assert "TM_SMTP_HOST" in r.get_json()["error"]["message"]


def test_email_channel_and_its_test(world: World, alerts: Alerts) -> None:
    r = post(world, "/v1/alert-channels", {"name": "m", "type": "email", "emails": ["ops@example.com"]})
    assert r.status_code == 201 and "secret" not in r.get_json()
    r = world.client.post(f"/v1/alert-channels/{r.get_json()['id']}/test", headers=world.token())
    assert r.get_json()["delivered"] is True
    assert alerts.email.sent[0]["To"] == "ops@example.com"


def test_viewers_read_but_cannot_change_and_tenants_are_apart(world: World, alerts: Alerts) -> None:
    channel = post(world, "/v1/alert-channels", {"name": "h", "type": "webhook", "url": HOOK}).get_json()
    budget = post(world, "/v1/budgets", {"name": "b", "amount_usd": "10"}).get_json()
    viewer = world.token(role="viewer")
    assert world.client.get("/v1/budgets", headers=viewer).status_code == 200
    assert world.client.get("/v1/alerts", headers=viewer).status_code == 200
    for method, path in [
        ("POST", "/v1/budgets"),
        ("PATCH", f"/v1/budgets/{budget['id']}"),
        ("DELETE", f"/v1/budgets/{budget['id']}"),
        ("POST", "/v1/alert-channels"),
        ("PATCH", f"/v1/alert-channels/{channel['id']}"),
        ("DELETE", f"/v1/alert-channels/{channel['id']}"),
        ("POST", f"/v1/alert-channels/{channel['id']}/test"),
    ]:
        assert world.client.open(path, method=method, headers=viewer, json={}).status_code == 403, (method, path)
    other = world.token("t2")
    for method, path in [
        ("GET", f"/v1/budgets/{budget['id']}"),
        ("PATCH", f"/v1/budgets/{budget['id']}"),
        ("DELETE", f"/v1/budgets/{budget['id']}"),
        ("GET", f"/v1/alert-channels/{channel['id']}"),
        ("POST", f"/v1/alert-channels/{channel['id']}/test"),
        ("DELETE", f"/v1/alert-channels/{channel['id']}"),
    ]:
        assert world.client.open(path, method=method, headers=other, json={}).status_code == 404, (method, path)
    assert world.client.get("/v1/budgets", headers=other).get_json() == {"budgets": []}
    assert world.client.get("/v1/budgets/not-an-id", headers=world.token()).status_code == 404
    assert alerts.transport.requests == []


def test_alert_history_shows_deliveries(world: World, alerts: Alerts) -> None:
    channel = post(world, "/v1/alert-channels", {"name": "h", "type": "webhook", "url": HOOK}).get_json()
    world.client.post(f"/v1/alert-channels/{channel['id']}/test", headers=world.token())
    body = world.client.get("/v1/alerts", headers=world.token()).get_json()
    (alert,) = body["alerts"]
    assert alert["kind"] == "test" and alert["test"] is True
    assert alert["deliveries"][0]["status"] == "delivered" and alert["deliveries"][0]["attempts"] == 1
    for query, field in [("limit=0", "limit"), ("limit=x", "limit"), ("kind=weather", "kind"), ("since=1", "since")]:
        r = world.client.get(f"/v1/alerts?{query}", headers=world.token())
        assert r.status_code == 422 and r.get_json()["error"]["field"] == field


def test_openapi_lists_the_alerting_endpoints(world: World, alerts: Alerts) -> None:
    spec = world.client.get("/v1/openapi.json").get_json()
    for path in ("/v1/budgets", "/v1/budgets/{id}", "/v1/alert-channels", "/v1/alert-channels/{id}/test", "/v1/alerts"):
        assert path in spec["paths"], path
    assert "BudgetIn" in spec["components"]["schemas"]
