"""Dashboard in the browser: how long until the overview is interactive, with 180 days of data.

The data is built exactly as ``bench.ingest`` builds it (simulator -> collector -> costing -> emulator:
180 days, 20 API keys, 6 models, 3 workspaces). Then every function runs under functions-framework as
in ``make run`` (the API answers CORS for the dashboard's origin), the built dashboard is served by
``local.web_server``, and Debian's chromium (headless, driven by Playwright) opens the overview of the
simulated clock's month as a signed-in owner, again and again:

- cold: a new browser context per load (empty cache, nothing downloaded before);
- warm: reloads in one context (the app's files come from the HTTP cache; the data is asked again).

"Interactive" is the moment the overview has rendered every figure of its first screen (month total,
last month, chart and table, top keys and workspaces, trust panel): the app records it as
``window.__tmOverviewReady`` (ms since navigation start). Also printed: DOMContentLoaded, the bytes of
script the page downloaded, and the time until Explore shows 180 days by model and day.

Figures only, nothing is asserted. Run: ``python -m bench.dashboard_browser`` (``--days 7`` for a smoke run).
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

from bench.dashboard import USER, percentile
from bench.ingest import DEFAULT_COMBOS, NOW, TENANT, build_dataset, emulator_env, simulator

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
TARGET_MS = 1500


def start_servers(project: str, tmp: Path) -> tuple[Any, Any, Any, str]:
    """Every function (the API with the dashboard as its CORS origin) and the dashboard; an owner's token."""
    from google.cloud import firestore

    from local.procs import free_port
    from local.secret_manager_server import LocalSecretManager
    from local.web_server import WebServer
    from local.wiring import start_functions
    from shared.adapters.firestore_tenancy import FirestoreTenantStore
    from shared.domain.tenancy import Member, Tenant
    from shared.security.auth import LocalTokenIssuer

    web_port = free_port()
    secret_manager = LocalSecretManager()  # the accounts service opens it, even to list accounts
    secret_manager.start()
    env = {
        "TM_SECRET_MANAGER_EMULATOR_HOST": secret_manager.host,
        "GOOGLE_CLOUD_PROJECT": project,
        "TM_MODE": "local",
        "TM_LOCAL_DIR": str(tmp / "local"),
        "TM_CORS_ORIGIN": f"http://127.0.0.1:{web_port}",
    }
    functions = start_functions(env, tmp / "logs")
    store = FirestoreTenantStore(firestore.Client(project=project))
    member = Member(USER, "owner")
    # Enterprise keeps a year: all 180 days are inside the plan window (the real clock is past NOW).
    if not store.create_tenant(Tenant(id=TENANT, name="Bench", plan="enterprise"), member):
        store.put_member(TENANT, member)
    issuer = LocalTokenIssuer(tmp / "local", project)
    web = WebServer(functions.url("api"), issuer, port=web_port, default_tenant=TENANT).start()
    return functions, web, secret_manager, issuer.issue(None, user_id=USER)


def signed_in(context: Any, token: str) -> None:
    """As after the local sign-in and the organization picker (the page reads these on start)."""
    context.add_init_script(
        f"sessionStorage.setItem('tm.local.token', {token!r}); localStorage.setItem('tm.tenant', {TENANT!r});"
    )


def load_overview(page: Any, url: str) -> dict[str, float]:
    page.goto(url, wait_until="commit")
    # Polled from here: the page's Content-Security-Policy forbids the eval that wait_for_function needs.
    deadline = time.monotonic() + 60
    while page.evaluate("window.__tmOverviewReady") is None:
        if time.monotonic() > deadline:
            raise TimeoutError(f"the overview did not become ready: {page.locator('main').inner_text()[:500]}")
        time.sleep(0.01)
    return page.evaluate(
        """() => {
            const nav = performance.getEntriesByType('navigation')[0];
            const scripts = performance.getEntriesByType('resource').filter(r => r.name.endsWith('.js'));
            return {
                ready: window.__tmOverviewReady,
                dcl: nav.domContentLoadedEventEnd,
                script_bytes: scripts.reduce((n, r) => n + (r.transferSize || r.encodedBodySize || 0), 0),
            };
        }"""
    )


def load_explore(page: Any, url: str) -> float:
    page.goto(url, wait_until="commit")
    page.wait_for_selector("[data-testid=explore-table] tbody tr", timeout=120_000)
    return float(page.evaluate("performance.now()"))


def stats(values: list[float]) -> str:
    return f"p50 {statistics.median(values):7.0f} ms   p95 {percentile(values, 95):7.0f} ms   (n={len(values)})"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.dashboard_browser", description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=180, help="days of history to build (default 180)")
    parser.add_argument("--combos", type=int, default=DEFAULT_COMBOS, help="simulator combos_per_hour")
    parser.add_argument("--loads", type=int, default=10, help="timed page loads per measurement")
    parser.add_argument("--small", action="store_true", help="a smoke run: 30 days, 3 loads")
    args = parser.parse_args(argv)
    if args.small:
        args.days, args.loads = 30, 3

    from google.cloud import firestore
    from playwright.sync_api import sync_playwright

    chromium = shutil.which("chromium")
    if chromium is None:
        raise SystemExit("chromium is not installed: `make browser` installs Debian's chromium")
    project = "tm-bench-" + uuid.uuid4().hex[:8]
    tmp = Path(tempfile.mkdtemp(prefix="tm-bench-browser-"))
    month = NOW.strftime("%Y-%m")
    start = (NOW.date() - timedelta(days=args.days - 1)).isoformat()
    results: dict[str, list[float]] = {"cold": [], "warm": [], "dcl": [], "explore": []}
    script_bytes = 0.0
    with emulator_env(tmp / "emulators"):
        sim = simulator(args.combos)
        base_url = sim.start()
        db = firestore.Client(project=project)
        try:
            started = time.perf_counter()
            data = build_dataset(db, project, base_url, sim, args.days, args.combos)
            built = time.perf_counter() - started
        finally:
            sim.stop()
        functions, web, secret_manager, token = start_servers(project, tmp)
        overview = f"{web.url}/?month={month}"
        explore = f"{web.url}/explore?range=custom&from={start}&to={NOW.date().isoformat()}&by=model&time=day"
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
                try:
                    warmup = browser.new_context()
                    signed_in(warmup, token)
                    load_overview(warmup.new_page(), overview)  # the API's first queries decode the tables
                    warmup.close()
                    for _ in range(args.loads):
                        context = browser.new_context(viewport={"width": 1280, "height": 900})
                        signed_in(context, token)
                        m = load_overview(context.new_page(), overview)
                        results["cold"].append(m["ready"])
                        results["dcl"].append(m["dcl"])
                        script_bytes = m["script_bytes"]
                        context.close()
                    context = browser.new_context(viewport={"width": 1280, "height": 900})
                    signed_in(context, token)
                    page = context.new_page()
                    load_overview(page, overview)
                    for _ in range(args.loads):
                        results["warm"].append(load_overview(page, overview)["ready"])
                    for _ in range(max(3, args.loads // 2)):
                        results["explore"].append(load_explore(page, explore))
                    context.close()
                finally:
                    browser.close()
        finally:
            web.stop()
            functions.stop()
            secret_manager.stop()
            db.close()

    print(
        f"== dashboard in the browser: {data.days} days built in {built:.0f} s ({data.hours} account-hours, "
        f"{data.rows} raw rows, 1 account); headless Debian chromium, {args.loads} loads each"
    )
    print(f"overview interactive, cold (new context)   {stats(results['cold'])}")
    print(f"overview interactive, warm (reload)        {stats(results['warm'])}")
    print(f"overview DOMContentLoaded, cold            {stats(results['dcl'])}")
    print(f"explore {args.days} days by model and day     {stats(results['explore'])}")
    print(f"script downloaded by the overview: {script_bytes / 1024:.0f} KiB")
    p95 = percentile(results["cold"], 95)
    print(f"overview interactive p95 {p95:.0f} ms (target < {TARGET_MS} ms): {'OK' if p95 < TARGET_MS else 'MISSED'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
