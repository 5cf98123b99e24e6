"""The dashboard in a real browser: Debian's chromium driven by Playwright, against the whole local stack.

One stack serves every test of the session (emulators, local Secret Manager, the simulated Anthropic
Admin API, every function under functions-framework, the dashboard's web server), as tests/e2e builds
it, plus the dashboard's origin as the API's CORS origin. Tests use their own tenants, so they do not
see each other's accounts. Screenshots of each page go to .artifacts/screenshots/ (git-ignored).
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_EVEN, Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest

from local import openai_sim
from local.alert_receiver import AlertReceiver
from local.anthropic_sim import AnthropicSimulator, SimOrganization, UsageProfile
from local.procs import free_port
from local.secret_manager_server import LocalSecretManager
from local.web_server import DIST, WebServer
from local.wiring import ROOT, create_topology, start_functions
from shared.security.auth import LocalTokenIssuer
from tests.e2e.conftest import HISTORY_DAYS, KEY, Stack

SCREENSHOTS = ROOT / ".artifacts" / "screenshots"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
# A model the price catalogue does not know: its tokens must show as "unpriced", never as $0.
UNPRICED_MODEL = "claude-mystery-1"
MODELS = ("claude-sonnet-4-5-20250929", "claude-opus-4-6", "claude-haiku-4-5-20251001", UNPRICED_MODEL)
# The insights tenant: an Anthropic and an OpenAI organization whose profiles switch on the savings patterns
# (local.simkit.SAVINGS_PATTERNS, each on a key of its own), so advice has something of every kind to say.
INSIGHTS_KEY = "sk-ant-admin01-" + "I" * 40 + "ins1"
INSIGHTS_OPENAI_KEY = "sk-admin-" + "I" * 40 + "ins2"
INSIGHTS_ORG = "org_insights"
INSIGHTS_OPENAI_ORG = "org-insights-openai"
INSIGHTS_PATTERNS = ("nightly_batch", "uncached_chat", "long_context", "cache_rewrite", "idle", "new_workspace")

pytestmark = pytest.mark.emulators


def chromium_path() -> str:
    path = shutil.which("chromium")
    if path is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is not installed: `make test` installs it (make browser)")
        pytest.skip("chromium is not installed (`make browser` installs Debian's chromium)")
    if not (DIST / "index.html").is_file():
        if os.environ.get("CI"):
            pytest.fail("web/dist is missing: `make test` builds it (make web)")
        pytest.skip("the dashboard is not built (`make web`)")
    return path


@dataclass
class WebStack:
    stack: Stack
    web: WebServer
    receiver: AlertReceiver

    @property
    def url(self) -> str:
        return self.web.url

    def tenant(self, role: str = "owner") -> tuple[str, str, dict[str, str]]:
        """A fresh tenant with a member of ``role``: (tenant id, user id, API headers)."""
        tenant = "t-" + uuid.uuid4().hex[:10]
        return tenant, f"{role}@{tenant}", self.stack.headers(tenant, role)

    def member(self, tenant: str, role: str) -> tuple[str, dict[str, str]]:
        return f"{role}@{tenant}", self.stack.headers(tenant, role)

    def api(self, path: str, headers: dict[str, str], **params: Any) -> Any:
        response = httpx.get(self.stack.api + path, headers=headers, params=params, timeout=30)
        assert response.status_code == 200, response.text
        return response.json()


@contextlib.contextmanager
def running_web_stack(tmp: Path) -> Iterator[WebStack]:
    """The whole stack and the dashboard's web server (the emulators must be running, their hosts in the
    environment). The simulated Anthropic API serves the e2e organization and the insights one; the simulated
    OpenAI API serves the insights one's OpenAI side."""
    project = "tm-web-" + uuid.uuid4().hex[:8]
    web_port = free_port()
    sim = AnthropicSimulator()
    sim.add_organization(
        SimOrganization(
            id="org_e2e",
            name="E2E Org",
            admin_keys=[KEY],
            profile=UsageProfile(seed=11, api_keys=3, workspaces=2, models=MODELS, combos_per_hour=8),
        )
    )
    now = datetime.now(UTC)
    sim.add_organization(
        SimOrganization(
            id=INSIGHTS_ORG,
            name="Insights Org",
            admin_keys=[INSIGHTS_KEY],
            profile=UsageProfile(
                seed=31,
                api_keys=2,
                workspaces=2,
                models=MODELS,
                combos_per_hour=5,
                patterns=INSIGHTS_PATTERNS,
                idle_since=now - timedelta(days=40),
                appears_at=(now - timedelta(days=3)).replace(minute=0, second=0, microsecond=0),
            ),
        )
    )
    openai = openai_sim.OpenAISimulator()
    openai.add_organization(
        openai_sim.SimOrganization(
            id=INSIGHTS_OPENAI_ORG,
            name="Insights OpenAI Org",
            admin_keys=[INSIGHTS_OPENAI_KEY],
            profile=openai_sim.UsageProfile(
                seed=32,
                projects=2,
                api_keys=3,
                combos_per_hour=4,
                patterns=tuple(p for p in INSIGHTS_PATTERNS if p != "long_context"),
                idle_since=now - timedelta(days=40),
                appears_at=(now - timedelta(days=3)).replace(minute=0, second=0, microsecond=0),
            ),
        )
    )
    sim.start()
    openai.start()
    secret_manager = LocalSecretManager()
    secret_manager.start()
    receiver = AlertReceiver().start()
    env = {
        "TM_SECRET_MANAGER_EMULATOR_HOST": secret_manager.host,
        "GOOGLE_CLOUD_PROJECT": project,
        "TM_MODE": "local",
        "TM_LOCAL_DIR": str(tmp / "local"),
        "ANTHROPIC_API_BASE_URL": sim.base_url,
        "OPENAI_API_BASE_URL": openai.base_url,
        "TM_HISTORY_DAYS": str(HISTORY_DAYS),
        "TM_CORS_ORIGIN": f"http://127.0.0.1:{web_port}",
    }
    # The signing key exists before any function starts: a function and this process creating it at the same
    # moment would each keep its own key, and every token of the session would be refused.
    LocalTokenIssuer(tmp / "local", project)
    functions = start_functions(env, tmp / "logs")
    web: WebServer | None = None
    try:
        create_topology(project, functions.ports)
        stack = Stack(project, tmp, sim, functions, secret_manager, openai)
        web = WebServer(stack.api, stack.issuer, port=web_port).start()
        yield WebStack(stack, web, receiver)
    finally:
        if web is not None:
            web.stop()
        functions.stop()
        receiver.stop()
        openai.stop()
        sim.stop()
        secret_manager.stop()
        for log in sorted((tmp / "logs").glob("*.log")):
            text = log.read_text(errors="replace")
            assert "Traceback" not in text, f"{log.name} has a traceback:\n{text[-3000:]}"


@pytest.fixture(scope="session")
def web_stack(emulators: object, tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebStack]:
    chromium_path()
    with running_web_stack(tmp_path_factory.mktemp("web-stack")) as ws:
        yield ws


@dataclass
class InsightsTenant:
    tenant: str
    owner: str
    headers: dict[str, str]
    account_ids: dict[str, str]
    """provider -> account id"""


def connect_insights(ws: WebStack) -> InsightsTenant:
    """A fresh tenant with both insights organizations connected through the API and their history imported."""
    tenant, owner, headers = ws.tenant("owner")
    ids: dict[str, str] = {}
    for provider, name, key in (
        ("anthropic", "Insights Anthropic", INSIGHTS_KEY),
        ("openai", "Insights OpenAI", INSIGHTS_OPENAI_KEY),
    ):
        r = httpx.post(
            ws.stack.api + "/v1/accounts",
            headers=headers,
            json={"provider": provider, "name": name, "api_key": key},
            timeout=60,
        )
        assert r.status_code == 201, r.text
        ids[provider] = r.json()["id"]

    def imported() -> bool:
        accounts = ws.api("/v1/accounts", headers)["accounts"]
        return len(accounts) == 2 and all(a["status"] == "connected" and a["history"]["complete"] for a in accounts)

    ws.stack.wait_for("the insights accounts' history", imported, timeout=300)
    today = datetime.now(UTC).date()
    settled(ws, headers, **{"from": (today - timedelta(days=HISTORY_DAYS)).isoformat(), "to": today.isoformat()})
    return InsightsTenant(tenant, owner, headers, ids)


@pytest.fixture(scope="session")
def insights(web_stack: WebStack) -> InsightsTenant:
    """The insights tenant (both savings-pattern organizations connected), shared by the tests that read it."""
    return connect_insights(web_stack)


@pytest.fixture(scope="session")
def browser(web_stack: WebStack) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        # Playwright starts the browser on a fresh, temporary profile folder (its --user-data-dir) every
        # launch, and each test gets its own context: nothing from another run or test is reused.
        b = p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture
def page(browser: Any, request: pytest.FixtureRequest) -> Iterator[Any]:
    """A new browser context (no shared sign-in) at laptop size; page errors fail the test."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    context.set_default_timeout(15_000)
    pg = context.new_page()
    errors: list[str] = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    yield pg
    context.close()
    assert not errors, f"errors in the page: {errors}"


def shot(page: Any, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def sign_in(page: Any, base: str, user: str, tenant: str) -> None:
    """The local sign-in form, then the organization picker (GET /v1/me's list): the app opens the only
    organization of a user by itself, else the test picks ``tenant`` from the list."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    page.goto(base + "/")
    page.get_by_label("User id").fill(user)
    page.get_by_role("button", name="Sign in").click()
    listed = page.get_by_role("list", name="Your organizations")
    overview = page.get_by_test_id("overview")
    listed.or_(overview).first.wait_for()
    if not overview.count():
        # If the list was the only organization's, the app opens it meanwhile and there is nothing to click.
        with contextlib.suppress(PlaywrightTimeout):
            listed.get_by_role("button", name=re.compile(re.escape(f"({tenant})"))).click(timeout=3000)
    page.wait_for_url(base + "/")
    assert page.evaluate("localStorage.getItem('tm.tenant')") == tenant


def cents(amount: str | None) -> str:
    """The amount as the dashboard shows it: "$1,234.57", or "unpriced"."""
    if amount is None:
        return "unpriced"
    value = Decimal(amount).quantize(Decimal("0.01"), rounding=ROUND_HALF_EVEN)
    sign = "-" if value < 0 else ""
    return f"{sign}${abs(value):,.2f}"


def settled(ws: WebStack, headers: dict[str, str], **params: Any) -> Any:
    """GET /v1/usage until two answers in a row agree (collection and costing have gone quiet)."""
    previous: Any = None

    def check() -> Any:
        nonlocal previous
        body = ws.api("/v1/usage", headers, **params)
        body.pop("documents_read", None)
        stable = body if body == previous and body["rows"] else None
        previous = body
        if stable is None:
            import time

            time.sleep(1.5)
        return stable

    return ws.stack.wait_for("usage to settle", check)


def screenshot_dir() -> Path:
    return SCREENSHOTS
