"""The API's contract over fakes: auth, validation (4xx naming the field), accounts and isolation."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta

import jwt
import pytest

from shared.providers.errors import InvalidKey, NotAdminKey, ProviderUnavailable
from tests.unit.conftest import GOOD_KEY, OTHER_KEY, World


def connect(world: World, key: str = GOOD_KEY, tenant: str = "t1") -> dict:
    r = world.client.post(
        "/v1/accounts", headers=world.token(tenant), json={"provider": "anthropic", "name": "Prod", "api_key": key}
    )
    assert r.status_code == 201, r.get_data(as_text=True)
    return r.get_json()


def test_connect_verifies_key_and_stores_only_a_reference(world: World) -> None:
    body = connect(world)
    assert body["status"] == "syncing"
    assert body["organization"] == {"id": "org_1", "name": "Org One"}
    assert body["key_hint"] == "sk-ant-admin01-...good" and body["workspace_word"] == "workspace"
    assert GOOD_KEY not in json.dumps(body)
    stored = world.accounts.get("t1", body["id"])
    assert stored is not None and GOOD_KEY not in repr(stored)
    assert world.secrets.get("t1", stored.id, stored.secret_ref) == GOOD_KEY
    assert world.publisher.on("collect") == [
        {
            "tenant_id": "t1",
            "account_id": body["id"],
            "reason": "connect",
            "requested_at": world.clock.now.isoformat().replace("+00:00", "Z"),
        }
    ]
    history = body["history"]
    assert {k: history[k] for k in ("days_due", "days_imported", "percent", "complete")} == {
        "days_due": 30,
        "days_imported": 0,
        "percent": 0.0,
        "complete": False,
    }
    assert history["missing"] == [{"start": stored.history_start.isoformat(), "end": "2026-11-20T12:00:00+00:00"}]


@pytest.mark.parametrize(
    ("key", "error", "status", "code"),
    [
        ("not-a-key", None, 422, "invalid_input"),
        ("sk-ant-api03-" + "x" * 40, None, 422, "workspace_key"),
        ("sk-admin-" + "x" * 40, None, 422, "invalid_input"),
        ("sk-ant-admin01-" + "r" * 40, InvalidKey("revoked"), 422, "key_rejected"),
        ("sk-ant-admin01-" + "d" * 40, NotAdminKey("not admin"), 422, "not_admin_key"),
        ("sk-ant-admin01-" + "o" * 40, ProviderUnavailable("529 overloaded"), 503, "provider_unavailable"),
    ],
)
def test_bad_keys_get_distinct_answers_and_store_nothing(world: World, key, error, status, code) -> None:
    if error is not None:
        world.verifier.errors[key] = error
    r = world.client.post(
        "/v1/accounts", headers=world.token(), json={"provider": "anthropic", "name": "x", "api_key": key}
    )
    assert r.status_code == status
    body = r.get_json()["error"]
    assert body["code"] == code
    assert key not in r.get_data(as_text=True)
    assert world.accounts.accounts == {} and world.secrets.secrets == {}


def test_same_key_or_same_organization_twice_is_a_conflict(world: World) -> None:
    connect(world)
    r = world.client.post(
        "/v1/accounts", headers=world.token(), json={"provider": "anthropic", "name": "again", "api_key": GOOD_KEY}
    )
    assert r.status_code == 409
    world.verifier.orgs["sk-ant-admin01-" + "C" * 40] = world.verifier.orgs[GOOD_KEY]
    r = world.client.post(
        "/v1/accounts",
        headers=world.token(),
        json={"provider": "anthropic", "name": "again", "api_key": "sk-ant-admin01-" + "C" * 40},
    )
    assert r.status_code == 409 and "twice" in r.get_json()["error"]["message"]
    assert len(world.accounts.accounts) == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"provider": "anthropic", "name": "x", "api_key": GOOD_KEY, "extra": 1}, "extra"),
        ({"provider": "google", "name": "x", "api_key": GOOD_KEY}, "provider"),
        ({"provider": "openai", "name": "x", "api_key": GOOD_KEY}, "api_key"),  # an Anthropic key for OpenAI
        ({"provider": "anthropic", "api_key": GOOD_KEY}, "name"),
        ({"provider": "anthropic", "name": "", "api_key": GOOD_KEY}, "name"),
        ({"provider": "anthropic", "name": "x", "api_key": 5}, "api_key"),
    ],
)
def test_invalid_connect_bodies_name_the_field(world: World, body, field) -> None:
    r = world.client.post("/v1/accounts", headers=world.token(), json=body)
    assert r.status_code == 422
    assert r.get_json()["error"]["field"] == field


def test_malformed_and_oversized_bodies(world: World) -> None:
    r = world.client.post(
        "/v1/accounts", headers={**world.token(), "Content-Type": "application/json"}, data="{not json"
    )
    assert r.status_code == 400 and r.get_json()["error"]["field"] == "body"
    r = world.client.post(
        "/v1/accounts",
        headers={**world.token(), "Content-Type": "application/json"},
        data=json.dumps({"provider": "anthropic", "name": "x" * 10000, "api_key": GOOD_KEY}),
    )
    assert r.status_code == 413
    r = world.client.post("/v1/accounts", headers=world.token(), data="a=b")
    assert r.status_code == 400
    r = world.client.post("/v1/accounts", headers=world.token(), json=[1, 2])
    assert r.status_code == 400


def test_every_endpoint_needs_a_valid_token(world: World) -> None:
    for method, path in [
        ("GET", "/v1/accounts"),
        ("POST", "/v1/accounts"),
        ("GET", "/v1/usage"),
        ("GET", "/v1/accounts/acc_0123456789abcdef"),
        ("DELETE", "/v1/accounts/acc_0123456789abcdef"),
        ("POST", "/v1/accounts/acc_0123456789abcdef/sync"),
    ]:
        assert world.client.open(path, method=method).status_code == 401
        assert world.client.open(path, method=method, headers={"Authorization": "Bearer nope"}).status_code == 401
    expired = world.issuer.issue("t1", ttl=-3600)
    r = world.client.get("/v1/accounts", headers={"Authorization": f"Bearer {expired}"})
    assert r.status_code == 401 and "expired" in r.get_json()["error"]["message"]
    from cryptography.hazmat.primitives.asymmetric import rsa

    forged = jwt.encode(
        {
            "sub": "x",
            "tenant_id": "t1",
            "aud": "test-project",
            "iss": "tokenmeter-local",
            "iat": int(time.time()),
            "exp": int(time.time()) + 60,
        },
        rsa.generate_private_key(public_exponent=65537, key_size=2048),
        algorithm="RS256",
        headers={"kid": "local-1"},
    )
    assert world.client.get("/v1/accounts", headers={"Authorization": f"Bearer {forged}"}).status_code == 401


def test_viewers_read_but_cannot_change(world: World) -> None:
    account = connect(world)
    viewer = world.token(role="viewer")
    assert world.client.get("/v1/accounts", headers=viewer).status_code == 200
    assert world.client.delete(f"/v1/accounts/{account['id']}", headers=viewer).status_code == 403
    assert world.client.post(f"/v1/accounts/{account['id']}/sync", headers=viewer).status_code == 403


def test_tenants_cannot_see_or_touch_each_other(world: World) -> None:
    account = connect(world, tenant="t1")
    other = world.token("t2")
    for method, path in [
        ("GET", f"/v1/accounts/{account['id']}"),
        ("DELETE", f"/v1/accounts/{account['id']}"),
        ("POST", f"/v1/accounts/{account['id']}/sync"),
    ]:
        assert world.client.open(path, method=method, headers=other).status_code == 404
    assert world.client.get("/v1/accounts", headers=other).get_json() == {"accounts": []}
    r = world.client.get(f"/v1/usage?from=2026-11-01&to=2026-11-02&account_id={account['id']}", headers=other)
    assert r.status_code == 404 and r.get_json()["error"]["field"] == "account_id"
    assert world.accounts.get("t1", account["id"]).status == "syncing"  # untouched


def test_disconnect_deletes_the_key_keeps_the_account_and_is_idempotent(world: World) -> None:
    account = connect(world)
    stored = world.accounts.get("t1", account["id"])
    world.accounts.update("t1", account["id"], {"stale_at": datetime(2026, 1, 1, tzinfo=UTC)})
    assert world.accounts.stale_tenants(datetime(2026, 11, 30, tzinfo=UTC)) == {"t1"}
    r = world.client.delete(f"/v1/accounts/{account['id']}", headers=world.token())
    assert r.status_code == 200 and r.get_json()["status"] == "disconnected"
    assert stored.secret_ref not in world.secrets.secrets
    # A disconnected account's data never turns stale: the hourly alert sweep no longer asks about it.
    assert world.accounts.stale_tenants(datetime(2026, 11, 30, tzinfo=UTC)) == set()
    assert world.client.delete(f"/v1/accounts/{account['id']}", headers=world.token()).status_code == 200
    assert world.client.get("/v1/accounts", headers=world.token()).get_json()["accounts"] == []
    listed = world.client.get("/v1/accounts?include_disconnected=true", headers=world.token()).get_json()
    assert [a["status"] for a in listed["accounts"]] == ["disconnected"]
    assert world.client.post(f"/v1/accounts/{account['id']}/sync", headers=world.token()).status_code == 409


def test_sync_now_says_what_will_really_happen(world: World) -> None:
    account = connect(world)
    r = world.client.post(f"/v1/accounts/{account['id']}/sync", headers=world.token())
    assert r.status_code == 202 and r.get_json()["status"] == "queued"
    assert [m["reason"] for m in world.publisher.on("collect")] == ["connect", "manual"]
    # Asked again while already due: queued again, and nothing written (a burst of clicks makes no contention).
    updates: list[dict] = []
    store_update = world.accounts.update
    world.accounts.update = lambda t, a, changes: (updates.append(changes), store_update(t, a, changes))[1]  # type: ignore[method-assign,func-returns-value]
    r = world.client.post(f"/v1/accounts/{account['id']}/sync", headers=world.token())
    assert r.get_json()["status"] == "queued" and updates == []
    world.accounts.update = store_update  # type: ignore[method-assign]
    # A sync holds the lease: the answer says it is running, with its progress, and queues nothing more.
    now = world.clock.now
    world.accounts.update("t1", account["id"], {"lease_until": now + timedelta(seconds=30), "lease_id": "run"})
    r = world.client.post(f"/v1/accounts/{account['id']}/sync", headers=world.token())
    body = r.get_json()
    assert r.status_code == 202 and body["status"] == "running" and body["progress"]["percent"] == 0.0
    assert len(world.publisher.on("collect")) == 3
    # Its lease ran out (the sync died): the next request is queued and will take over.
    world.clock.advance(minutes=2)
    r = world.client.post(f"/v1/accounts/{account['id']}/sync", headers=world.token())
    assert r.get_json()["status"] == "queued" and len(world.publisher.on("collect")) == 4


@pytest.mark.parametrize(
    ("query", "status", "field"),
    [
        ("from=2026-11-01&to=2026-11-02&group_by=colour", 422, "group_by.0"),
        ("from=2026-11-05&to=2026-11-02", 400, "from"),
        ("from=2026-11-1&to=2026-11-02", 422, "from"),
        ("from=2026-13-01&to=2026-11-02", 422, "from"),
        ("to=2026-11-02", 422, "from"),
        ("from=2026-11-01", 422, "to"),
        ("from=2026-11-01&to=2026-11-02&colour=red", 422, "colour"),
        ("from=2026-01-01&to=2026-11-02&group_by=hour", 400, "group_by"),
        ("from=2024-01-01&to=2026-11-02", 400, "to"),
        ("from=2026-11-01&to=2026-11-02&account_id=../../x", 422, "account_id"),
        ("from=2026-11-01&to=2026-11-02&group_by=model,model", 422, "group_by"),
        ("from=2269-03-08&to=2397-08-23", 400, "to"),  # far past the range limit: refused before reading
        ("from=5269-03-08&to=6397-08-23", 422, "from"),  # beyond the dates the API takes
        ("from=2026-11-01&to=2026-11-02&model=a,,b", 422, "model.0"),
        ("from=2026-11-01&to=2026-11-02&model=", 422, "model.0"),
        ("from=2026-11-01&to=2026-11-02&provider=bedrock", 422, "provider.0"),
        ("from=2026-11-01&to=2026-11-02&time_zone=localtime", 422, "time_zone"),
    ],
)
@pytest.mark.parametrize("path", ["/v1/usage", "/v1/usage/export.csv", "/v1/usage/export.focus.csv"])
def test_usage_bad_queries_name_the_field(world: World, path: str, query: str, status: int, field: str) -> None:
    r = world.client.get(f"{path}?{query}", headers=world.token())
    assert r.status_code == status, r.get_data(as_text=True)
    assert r.get_json()["error"]["field"] == field


def test_a_busy_store_is_a_503_to_retry_not_a_500(world: World) -> None:
    from google.api_core.exceptions import Aborted

    def contended(*a: object, **k: object) -> None:
        raise Aborted("Transaction lock timeout.")

    world.account_service.list = contended  # type: ignore[method-assign]
    r = world.client.get("/v1/accounts", headers=world.token())
    assert r.status_code == 503 and r.headers["Retry-After"] == "2"
    assert r.get_json()["error"]["code"] == "busy"


def test_unknown_paths_and_methods(world: World) -> None:
    assert world.client.get("/v1/nothing", headers=world.token()).status_code == 404
    r = world.client.put("/v1/accounts", headers=world.token())
    assert r.status_code == 405 and "GET" in r.headers["Allow"]
    assert world.client.get("/v1/accounts/not-an-id", headers=world.token()).status_code == 404


def test_unexpected_errors_are_500_without_details(world: World) -> None:
    def boom(*a, **k):
        raise RuntimeError("secret detail " + GOOD_KEY)

    world.account_service.list = boom  # type: ignore[method-assign]
    r = world.client.get("/v1/accounts", headers=world.token())
    assert r.status_code == 500
    assert "secret detail" not in r.get_data(as_text=True)


def test_second_org_can_be_connected(world: World) -> None:
    connect(world)
    connect(world, OTHER_KEY)
    assert len(world.client.get("/v1/accounts", headers=world.token()).get_json()["accounts"]) == 2
