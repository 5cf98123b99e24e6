"""The local dashboard server: static files with a single-page-app fallback, config.json, and the LOCAL
development sign-in, whose tokens the API verifies like any other."""

from __future__ import annotations

import http.client
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from local.web_server import WebServer
from shared.security.auth import LocalTokenIssuer


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[WebServer, LocalTokenIssuer]]:
    dist = tmp_path / "dist"
    (dist / "assets").mkdir(parents=True)
    (dist / "index.html").write_text("<!doctype html><title>TokenMeter</title>")
    (dist / "assets" / "index-abc123.js").write_text("console.log(1)")
    (tmp_path / "secret.txt").write_text("not served")
    issuer = LocalTokenIssuer(tmp_path / "local", "tm-test")
    web = WebServer("http://127.0.0.1:9999", issuer, dist=dist).start()
    yield web, issuer
    web.stop()


def test_config_tells_the_app_where_the_api_is(server: tuple[WebServer, LocalTokenIssuer]) -> None:
    web, _ = server
    r = httpx.get(web.url + "/config.json")
    assert r.status_code == 200 and r.headers["cache-control"] == "no-store"
    assert r.json() == {
        "api_base_url": "http://127.0.0.1:9999",
        "auth": "local",
        "local_sign_in_url": "/local/sign-in",
        "local_default_user": "demo-owner",
        "default_tenant": "demo",
    }
    assert "connect-src 'self' http://127.0.0.1:9999" in r.headers["content-security-policy"]


def test_files_routes_and_what_is_not_served(server: tuple[WebServer, LocalTokenIssuer]) -> None:
    web, _ = server
    asset = httpx.get(web.url + "/assets/index-abc123.js")
    assert asset.status_code == 200 and asset.headers["content-type"].startswith("text/javascript")
    assert "immutable" in asset.headers["cache-control"]
    for route in ("/", "/explore", "/settings/connections"):
        page = httpx.get(web.url + route)
        assert page.status_code == 200 and "<title>TokenMeter" in page.text, route
        assert page.headers["cache-control"] == "no-cache"
    assert httpx.get(web.url + "/assets/missing.js").status_code == 404
    for raw in ("/../secret.txt", "/%2e%2e/secret.txt", "/assets/..%2f..%2fsecret.txt"):
        connection = http.client.HTTPConnection("127.0.0.1", web.port, timeout=5)
        connection.request("GET", raw)  # sent as written (httpx would normalise the dots away)
        assert b"not served" not in connection.getresponse().read(), raw
        connection.close()


def test_local_sign_in_issues_a_token_the_api_accepts(server: tuple[WebServer, LocalTokenIssuer]) -> None:
    web, issuer = server
    r = httpx.post(web.url + "/local/sign-in", json={"user_id": "alice@example"})
    assert r.status_code == 200
    identity = issuer.verifier().verify("Bearer " + r.json()["token"])
    assert identity.user_id == "alice@example" and identity.tenant_hint is None  # membership decides the rest
    bad = httpx.post(web.url + "/local/sign-in", json={"user_id": "no spaces allowed"})
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "user_id"
    assert (
        httpx.post(web.url + "/local/sign-in", content=b"{", headers={"content-type": "application/json"}).status_code
        == 400
    )
    assert httpx.post(web.url + "/elsewhere", json={}).status_code == 404


def test_refuses_to_start_without_a_build(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="make web"):
        WebServer("http://127.0.0.1:9999", LocalTokenIssuer(tmp_path, "p"), dist=tmp_path / "nothing")
