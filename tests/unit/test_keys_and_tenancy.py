"""Issue 3 over fakes: sealing, rotation, purge, audit, members, plans, tokens, log redaction."""

from __future__ import annotations

import json
import logging
import os
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from shared import logs
from shared.providers.anthropic import Organization
from shared.providers.errors import InvalidKey
from shared.security.auth import FIREBASE_ISSUER_PREFIX, JwksKeySource, LocalTokenIssuer, TokenVerifier
from shared.security.sealing import Keyring, SealingError, associated_data
from tests.unit.conftest import GOOD_KEY, OTHER_KEY, World

NEW_KEY = "sk-ant-admin01-" + "N" * 40 + "new1"


def connect(world: World, key: str = GOOD_KEY, tenant: str = "t1") -> dict:
    r = world.client.post(
        "/v1/accounts", headers=world.token(tenant), json={"provider": "anthropic", "name": "Prod", "api_key": key}
    )
    assert r.status_code == 201, r.get_data(as_text=True)
    return r.get_json()


# -- sealing -------------------------------------------------------------------------------------


def test_sealing_binds_to_account_and_purpose_and_detects_tampering() -> None:
    ring = Keyring(lambda: {1: os.urandom(32)})
    sealed = ring.seal("secret", associated_data("api_key", "t1", "a1"))
    assert "secret" not in sealed and sealed.startswith("tmseal1.1.")
    assert ring.open(sealed, associated_data("api_key", "t1", "a1")) == "secret"
    for aad in (
        associated_data("api_key", "t1", "a2"),
        associated_data("api_key", "t2", "a1"),
        associated_data("secret_ref", "t1", "a1"),
    ):
        with pytest.raises(SealingError):
            ring.open(sealed, aad)
    tampered = sealed[:-2] + ("A" if sealed[-2] != "A" else "B") + sealed[-1]
    with pytest.raises(SealingError):
        ring.open(tampered, associated_data("api_key", "t1", "a1"))
    # a fresh nonce every time
    assert ring.seal("secret", b"x") != ring.seal("secret", b"x")


def test_keyring_reloads_when_it_meets_a_newer_version() -> None:
    versions = {1: os.urandom(32)}
    reader = Keyring(lambda: dict(versions))
    versions[2] = os.urandom(32)
    writer = Keyring(lambda: dict(versions))
    sealed = writer.seal("v2 secret", b"aad")
    assert writer.version_of(sealed) == 2 and reader.current_version == 1
    assert reader.open(sealed, b"aad") == "v2 secret"  # no restart needed
    assert reader.current_version == 2


# -- rotation ------------------------------------------------------------------------------------


def test_rotate_replaces_the_key_keeps_history_and_resets_the_clock(world: World) -> None:
    account = connect(world)
    world.verifier.orgs[NEW_KEY] = Organization("org_1", "Org One")
    world.clock.advance(days=100)
    before = world.client.get(f"/v1/accounts/{account['id']}", headers=world.token()).get_json()
    assert before["rotation_due"] is True and before["key_age_days"] == 100
    world.accounts.update(
        "t1",
        account["id"],
        {
            "status": "error",
            "status_reason": "revoked",
            "consecutive_failures": 5,
            "next_sync_at": None,
            "coverage": ((world.clock.now - timedelta(days=130), world.clock.now),),
        },
    )
    r = world.client.post(f"/v1/accounts/{account['id']}/rotate", headers=world.token(), json={"api_key": NEW_KEY})
    assert r.status_code == 200, r.get_data(as_text=True)
    body = r.get_json()
    assert body["status"] == "connected" and body["rotation_due"] is False and body["key_age_days"] == 0
    assert body["key_hint"].endswith("new1") and body["id"] == account["id"]
    stored = world.accounts.get("t1", account["id"])
    assert world.secrets.keys() == [NEW_KEY]  # the old key is gone
    assert world.secrets.get("t1", account["id"], stored.secret_ref) == NEW_KEY
    assert stored.consecutive_failures == 0 and stored.next_sync_at == world.clock.now
    assert world.publisher.on("collect")[-1]["reason"] == "manual"
    assert "rotate" in world.audit.actions("t1")


def test_rotate_refuses_another_organization_the_same_key_and_a_revoked_key(world: World) -> None:
    account = connect(world)
    stored = world.accounts.get("t1", account["id"])
    r = world.client.post(f"/v1/accounts/{account['id']}/rotate", headers=world.token(), json={"api_key": OTHER_KEY})
    assert r.status_code == 409 and "Org Two" in r.get_json()["error"]["message"]
    r = world.client.post(f"/v1/accounts/{account['id']}/rotate", headers=world.token(), json={"api_key": GOOD_KEY})
    assert r.status_code == 409
    world.verifier.errors[NEW_KEY] = InvalidKey("revoked")
    r = world.client.post(f"/v1/accounts/{account['id']}/rotate", headers=world.token(), json={"api_key": NEW_KEY})
    assert r.status_code == 422 and r.get_json()["error"]["code"] == "key_rejected"
    assert world.accounts.get("t1", account["id"]) == stored  # nothing changed
    assert world.audit.actions("t1").count("rotate_failed") == 3
    r = world.client.post(
        f"/v1/accounts/{account['id']}/rotate", headers=world.token("t1", "viewer"), json={"api_key": NEW_KEY}
    )
    assert r.status_code == 403


def test_disconnect_with_purge_deletes_usage_and_is_audited(world: World) -> None:
    account = connect(world)
    r = world.client.delete(f"/v1/accounts/{account['id']}?purge=true", headers=world.token())
    assert r.status_code == 200 and "purged" in r.get_json()["status_reason"]
    assert world.purged == [("t1", account["id"])]
    assert world.secrets.secrets == {} and ("t1", account["id"]) in world.secrets.deleted
    assert world.audit.actions("t1")[-2:] == ["disconnect", "purge"]
    assert world.client.delete(f"/v1/accounts/{account['id']}?purge=maybe", headers=world.token()).status_code == 422


def test_audit_log_records_failures_without_the_key(world: World) -> None:
    world.verifier.errors["sk-ant-admin01-" + "z" * 40] = InvalidKey("revoked")
    world.client.post(
        "/v1/accounts",
        headers=world.token(),
        json={"provider": "anthropic", "name": "x", "api_key": "sk-ant-admin01-" + "z" * 40},
    )
    connect(world)
    r = world.client.get("/v1/audit", headers=world.token())
    entries = r.get_json()["entries"]
    assert [e["action"] for e in entries] == ["connect", "connect_failed"]
    assert entries[1]["detail"]["code"] == "key_rejected" and entries[0]["actor"] == "user-owner-t1"
    assert "z" * 40 not in r.get_data(as_text=True) and GOOD_KEY not in r.get_data(as_text=True)
    assert world.client.get("/v1/audit", headers=world.token("t1", "viewer")).status_code == 403


# -- tenants, members, plans ---------------------------------------------------------------------


def test_owners_manage_members_and_removal_applies_at_once(world: World) -> None:
    owner = world.token("t1", "owner", user="alice")
    assert world.client.put("/v1/members/bob", headers=owner, json={"role": "viewer"}).status_code == 200
    bob = {"Authorization": "Bearer " + world.issuer.issue("t1", user_id="bob")}
    assert world.client.get("/v1/accounts", headers=bob).status_code == 200
    assert world.client.put("/v1/members/carol", headers=bob, json={"role": "admin"}).status_code == 403
    assert world.client.delete("/v1/members/bob", headers=owner).status_code == 204
    assert world.client.get("/v1/accounts", headers=bob).status_code == 403
    r = world.client.put("/v1/members/alice", headers=owner, json={"role": "viewer"})
    assert r.status_code == 409  # the last owner cannot step down
    r = world.client.put("/v1/members/dave", headers=owner, json={"role": "superuser"})
    assert r.status_code == 422 and r.get_json()["error"]["field"] == "role"


def test_creating_a_tenant_makes_the_caller_its_owner(world: World) -> None:
    token = {"Authorization": "Bearer " + world.issuer.issue(None, user_id="erin")}
    assert world.client.get("/v1/accounts", headers=token).status_code == 403  # no tenant yet
    r = world.client.post("/v1/tenants", headers=token, json={"id": "erin-co", "name": "Erin Co"})
    assert r.status_code == 201 and r.get_json()["plan"] == "free"
    assert world.client.post("/v1/tenants", headers=token, json={"id": "erin-co", "name": "x"}).status_code == 409
    assert world.client.post("/v1/tenants", headers=token, json={"id": "Bad_Id", "name": "x"}).status_code == 422
    headers = {**token, "X-Tenant-Id": "erin-co"}
    assert world.client.get("/v1/tenant", headers=headers).get_json()["history_days"] == 30
    assert world.client.get("/v1/members", headers=headers).get_json()["members"][0]["role"] == "owner"


def test_plan_upgrade_imports_older_history_and_queries_name_the_plan_limit(world: World) -> None:
    account = connect(world)
    stored = world.accounts.get("t1", account["id"])
    assert stored.history_days == 30
    r = world.client.get("/v1/usage?from=2026-06-01&to=2026-06-02", headers=world.token())
    assert r.status_code == 400 and r.get_json()["error"]["field"] == "from"
    assert "free plan keeps 30 days" in r.get_json()["error"]["message"]
    r = world.client.put("/v1/tenant/plan", headers=world.token(), json={"plan": "pro"})
    assert r.status_code == 200 and r.get_json()["accounts_importing_older_history"] == 1
    upgraded = world.accounts.get("t1", account["id"])
    assert upgraded.history_start == stored.history_start - timedelta(days=150)
    assert upgraded.status == "syncing" and not upgraded.history_progress(world.clock.now)["complete"]
    assert upgraded.gaps(world.clock.now)[0][0] == upgraded.history_start  # the older days are due
    assert world.client.get("/v1/usage?from=2026-06-01&to=2026-06-02", headers=world.token()).status_code == 200
    assert (
        world.client.put("/v1/tenant/plan", headers=world.token("t1", "admin"), json={"plan": "enterprise"}).status_code
        == 403
    )
    assert world.client.put("/v1/tenant/plan", headers=world.token(), json={"plan": "gold"}).status_code == 422


def test_a_downgrade_shows_what_will_be_deleted_and_when(world: World) -> None:
    connect(world)
    assert world.client.put("/v1/tenant/plan", headers=world.token(), json={"plan": "pro"}).status_code == 200
    assert world.client.get("/v1/tenant", headers=world.token()).get_json()["retention"] is None
    r = world.client.put("/v1/tenant/plan", headers=world.token(), json={"plan": "free"})
    assert r.status_code == 200, r.get_data(as_text=True)
    retention = r.get_json()["tenant"]["retention"]
    due = world.clock.now + timedelta(days=14)
    assert retention["keep_days"] == 30 and retention["due_at"] == due.isoformat().replace("+00:00", "Z")
    assert retention["deletes_before"] == (due - timedelta(days=30)).date().isoformat()
    assert world.client.get("/v1/tenant", headers=world.token()).get_json()["retention"] == retention
    (entry,) = [e for e in world.audit.entries("t1", 50) if e.action == "retention_scheduled"]
    assert entry.detail["previous_days"] == 180 and entry.detail["keep_days"] == 30
    # Nothing is deleted before the grace has passed; then the tick deletes and clears the schedule.
    assert world.account_service.retention is not None
    assert world.account_service.retention.enforce_due() == 0 and world.purged == []
    world.clock.advance(days=15)
    assert world.account_service.retention.enforce_due() == 1 and len(world.purged) == 1
    assert world.client.get("/v1/tenant", headers=world.token()).get_json()["retention"] is None


def test_new_accounts_import_the_plans_window(world: World) -> None:
    world.token("t1")
    world.tenants.set_plan("t1", "enterprise", None)
    account = connect(world)
    assert account["history"]["days_due"] == 365


# -- tokens --------------------------------------------------------------------------------------


def test_firebase_tokens_verified_with_keys_from_a_jwks_url() -> None:
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(private.public_key()))
    jwk.update({"kid": "k1", "alg": "RS256", "use": "sig"})
    fetched: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            fetched.append(self.path)
            body = json.dumps({"keys": [jwk]}).encode()
            self.send_response(200)
            self.send_header("Cache-Control", "public, max-age=19000")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        import time

        url = f"http://127.0.0.1:{server.server_address[1]}/jwks"
        verifier = TokenVerifier(JwksKeySource(url), audience="proj-1", issuer=FIREBASE_ISSUER_PREFIX + "proj-1")
        now = int(time.time())
        claims = {
            "sub": "uid-1",
            "aud": "proj-1",
            "iss": FIREBASE_ISSUER_PREFIX + "proj-1",
            "iat": now,
            "exp": now + 600,
            "email": "a@example.com",
        }
        token = jwt.encode(claims, private, algorithm="RS256", headers={"kid": "k1"})
        identity = verifier.verify(f"Bearer {token}")
        assert identity.user_id == "uid-1" and identity.email == "a@example.com"
        verifier.verify(f"Bearer {token}")
        assert fetched == ["/jwks"]  # cached per Cache-Control
        wrong_aud = jwt.encode({**claims, "aud": "other"}, private, algorithm="RS256", headers={"kid": "k1"})
        wrong_iss = jwt.encode({**claims, "iss": "https://evil"}, private, algorithm="RS256", headers={"kid": "k1"})
        expired = jwt.encode({**claims, "exp": now - 3600}, private, algorithm="RS256", headers={"kid": "k1"})
        from shared.errors import Unauthenticated

        for bad in (wrong_aud, wrong_iss, expired, token + "x"):
            with pytest.raises(Unauthenticated):
                verifier.verify(f"Bearer {bad}")
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


# -- logs ----------------------------------------------------------------------------------------


def test_log_lines_never_carry_a_key(capsys: pytest.CaptureFixture[str]) -> None:
    logger = logging.getLogger("redaction-test")
    handler = logging.StreamHandler()
    handler.setFormatter(logs.JsonFormatter())
    handler.addFilter(logs.RedactingFilter())
    logger.addHandler(handler)
    try:
        logger.error("failed for %s", GOOD_KEY, extra={"key": OTHER_KEY, "n": 1})
        try:
            raise ValueError("bad key " + NEW_KEY)
        except ValueError:
            logger.exception("boom")
    finally:
        logger.removeHandler(handler)
    err = capsys.readouterr().err
    assert "[REDACTED KEY]" in err
    for key in (GOOD_KEY, OTHER_KEY, NEW_KEY):
        assert key not in err and key[15:40] not in err


def test_http_client_requests_are_not_logged_one_by_one_but_their_warnings_are() -> None:
    """httpx logs every request at INFO with its whole URL: each sync's log volume (billed by the GiB) was
    half that. After configure() only its warnings pass."""
    logs.configure()
    for name in ("httpx", "httpcore"):
        logger = logging.getLogger(name)
        assert not logger.isEnabledFor(logging.INFO) and logger.isEnabledFor(logging.WARNING)
    assert logging.getLogger("shared.services.collector").isEnabledFor(logging.INFO)


def test_the_shared_provider_http_client_keeps_no_cookie_from_one_account_for_another(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """One HTTP client serves every account of a process (connections and TLS reused): what one provider
    answer sets must not ride along on the next account's request."""
    import httpx

    from shared import bootstrap

    monkeypatch.setenv("TM_MODE", "local")
    seen: list[str | None] = []

    def provider(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers.get("cookie"))
        return httpx.Response(200, json={}, headers={"set-cookie": "session=account-a; Path=/"})

    http = bootstrap.new_provider_http(httpx.MockTransport(provider))
    http.get("https://api.anthropic.com/v1/organizations/me", headers={"x-api-key": "a"})
    http.get("https://api.anthropic.com/v1/organizations/me", headers={"x-api-key": "b"})
    assert seen == [None, None] and len(http.cookies.jar) == 0
    # And it is one client for the process: a sync does not build its own.
    assert bootstrap.provider_http() is bootstrap.provider_http()


# -- isolation, like an attacker -----------------------------------------------------------------


def test_another_tenants_ids_get_404_on_every_account_endpoint(world: World) -> None:
    """Walks the route table, so an endpoint added later is covered too."""
    from shared.api.routes import ROUTES

    victim = connect(world, tenant="victim")
    stored = world.accounts.get("victim", victim["id"])
    attacker = world.token("attacker")
    checked = 0
    for route in ROUTES:
        if "{id}" not in route.pattern or not route.pattern.startswith("/v1/accounts"):
            continue
        path = route.pattern.replace("{id}", victim["id"])
        r = world.client.open(path, method=route.method, headers=attacker, json={"api_key": NEW_KEY})
        assert r.status_code == 404, (route.method, route.pattern, r.status_code)
        checked += 1
    for route in ROUTES:
        if route.method == "GET" and any(p["name"] == "account_id" for p in route.query):
            extra = "&target_model=gpt-5" if any(p["name"] == "target_model" for p in route.query) else ""
            r = world.client.get(
                f"{route.pattern}?from=2026-11-01&to=2026-11-02&account_id={victim['id']}{extra}", headers=attacker
            )
            assert r.status_code == 404, (route.pattern, r.status_code, r.get_data(as_text=True))
            checked += 1
    assert checked >= 5
    assert world.accounts.get("victim", victim["id"]) == stored  # nothing synced, rotated or deleted
    assert [m["reason"] for m in world.publisher.on("collect")] == ["connect"]
    # and naming the victim's tenant outright is refused the same way whether it exists or not
    for tenant in ("victim", "no-such-tenant"):
        r = world.client.get("/v1/accounts", headers={**attacker, "X-Tenant-Id": tenant})
        assert r.status_code == 403 and "not a member" in r.get_json()["error"]["message"]


def test_local_issuers_started_at_once_share_one_signing_key(tmp_path: Path) -> None:
    """Functions starting together each build an issuer on an empty directory: every one must accept every
    other's tokens (with replace-on-write, each kept the key it made and refused the others')."""
    start = threading.Barrier(8)
    issuers: list[LocalTokenIssuer] = []

    def build() -> None:
        start.wait()
        issuers.append(LocalTokenIssuer(tmp_path, "test-project"))

    threads = [threading.Thread(target=build) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(issuers) == 8
    for signer in issuers:
        token = signer.issue("t1")
        assert {v.verifier().verify(f"Bearer {token}").user_id for v in issuers} == {"local-user"}
    assert [p.name for p in tmp_path.iterdir()] == ["auth-signing-key.pem"]  # no temporary file left behind
