"""The dashboard, end to end in headless Chromium: connect an account through the form and watch it reach
"connected", then check that what the pages show equals the API's answer to the cent."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest

from tests.browser.conftest import UNPRICED_MODEL, WebStack, cents, settled, shot, sign_in
from tests.e2e.conftest import HISTORY_DAYS, KEY

pytestmark = pytest.mark.emulators


@dataclass
class Connected:
    tenant: str
    owner: str
    headers: dict[str, str]
    account_id: str
    key_hint: str
    page_text: str


@pytest.fixture(scope="session")
def connected(web_stack: WebStack, browser: Any) -> Connected:
    """A tenant whose owner connected the simulated organization through Settings > Connections."""
    tenant, owner, headers = web_stack.tenant("owner")
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    try:
        sign_in(page, web_stack.url, owner, tenant)
        page.get_by_role("link", name="Settings").click()
        page.get_by_role("heading", name="Connections", level=1).wait_for()
        page.get_by_text("No account is connected yet.").wait_for()
        page.get_by_label("Name").fill("E2E Org")
        page.get_by_label("Admin key").fill(KEY)
        page.get_by_role("button", name="Connect", exact=True).click()
        page.get_by_test_id("connected-notice").wait_for(timeout=60_000)
        status = page.get_by_test_id("account-status")
        # Importing history (with its progress bar) and syncing, until connected: the page polls.
        status.and_(page.locator("[data-status='Connected']")).wait_for(timeout=180_000)
        shot(page, "connections-connected")
        text = page.locator("main").inner_text()
    finally:
        context.close()
    account = web_stack.api("/v1/accounts", headers)["accounts"][0]
    return Connected(tenant, owner, headers, account["id"], account["key_hint"], text)


def test_connect_through_the_form_reaches_connected(connected: Connected) -> None:
    assert "Connected" in connected.page_text
    assert connected.key_hint in connected.page_text  # the hint, and never the key
    assert KEY not in connected.page_text
    assert "Sync now" in connected.page_text and "Rotate key" in connected.page_text


def test_a_wrong_key_shows_the_api_message(web_stack: WebStack, connected: Connected, page: Any) -> None:
    wrong = "sk-ant-admin01-" + "W" * 40 + "nope"
    expected = httpx.post(
        web_stack.stack.api + "/v1/accounts",
        headers=connected.headers,
        json={"provider": "anthropic", "name": "Wrong", "api_key": wrong},
        timeout=60,
    ).json()["error"]["message"]
    sign_in(page, web_stack.url, connected.owner, connected.tenant)
    page.goto(web_stack.url + "/settings/connections")
    page.get_by_label("Name").fill("Wrong")
    page.get_by_label("Admin key").fill(wrong)
    page.get_by_role("button", name="Connect", exact=True).click()
    error = page.get_by_test_id("connect-form").get_by_test_id("api-error")
    error.wait_for()
    assert error.inner_text() == expected
    assert page.get_by_label("Admin key").input_value() == ""  # not kept in the page
    shot(page, "connections-wrong-key")


def test_overview_month_total_and_chart_equal_the_api_to_the_cent(
    web_stack: WebStack, connected: Connected, page: Any
) -> None:
    today = datetime.now(UTC).date()  # the tenant's zone is UTC
    # This month, from the first day the tenant's plan keeps.
    first = max(today.replace(day=1), today - timedelta(days=HISTORY_DAYS))
    month = {"from": first.isoformat(), "to": today.isoformat()}
    total = settled(web_stack, connected.headers, **month)
    by_model = web_stack.api("/v1/usage", connected.headers, group_by="model", **month)

    sign_in(page, web_stack.url, connected.owner, connected.tenant)
    page.locator("[data-testid=overview-state][data-ready=true]").wait_for(state="attached")
    month_total = page.get_by_test_id("month-total")
    assert month_total.inner_text() == cents(total["totals"]["total_cost"])
    assert month_total.get_attribute("data-exact") == total["totals"]["total_cost"]

    legend = {
        s.get_attribute("data-series"): s.get_by_test_id("series-total")
        for s in page.get_by_test_id("stacked-chart").get_by_test_id("series").all()
    }
    assert set(legend) == {r["model"] for r in by_model["rows"]}
    for row in by_model["rows"]:
        shown = legend[row["model"]]
        assert shown.inner_text() == cents(row["total_cost"]), row["model"]
        if row["total_cost"] is not None:
            assert shown.get_attribute("data-exact") == row["total_cost"]  # summed exactly, not as floats
    # The model without a price: "unpriced", never $0, and said plainly above the chart.
    assert legend[UNPRICED_MODEL].inner_text() == "unpriced"
    notice = page.get_by_test_id("unpriced-notice").inner_text()
    assert UNPRICED_MODEL in notice and f"{total['totals']['unpriced_tokens']:,}" in notice
    if total["provisional"]["tokens"]:
        provisional = page.get_by_test_id("provisional-notice").inner_text()
        if cents(total["provisional"]["cost"]) not in provisional:
            # The settling window moves on the hour: if an hour began between the API's answer and the page's,
            # the API's answer now is the page's.
            total = web_stack.api("/v1/usage", connected.headers, **month)
        assert cents(total["provisional"]["cost"]) in provisional
    # The trust panel: the share of the bill matched, as the reconciliation says.
    recon = web_stack.api("/v1/reconciliation", connected.headers, **month)
    if Decimal(recon["trust"]["billed"]) > 0:
        assert f"{recon['trust']['matched_percent']:.1f}%" in page.get_by_test_id("matched-percent").inner_text()
    shot(page, "overview")


def test_explore_csv_export_equals_the_usage_api(web_stack: WebStack, connected: Connected, page: Any) -> None:
    sign_in(page, web_stack.url, connected.owner, connected.tenant)
    page.goto(web_stack.url + "/explore?range=7d&by=model,api_key&time=none")
    result = page.get_by_test_id("explore-result")
    result.wait_for()
    span = re.fullmatch(r"(\d{4}-\d{2}-\d{2}) to (\d{4}-\d{2}-\d{2})", result.get_by_role("heading").inner_text())
    assert span, result.get_by_role("heading").inner_text()
    api = settled(web_stack, connected.headers, **{"from": span[1], "to": span[2], "group_by": "model,api_key"})
    assert page.get_by_test_id("explore-total").inner_text() == cents(api["totals"]["total_cost"])

    with page.expect_download() as download:
        page.get_by_test_id("explore-table").get_by_role("button", name=re.compile("Download CSV")).click()
    rows = list(csv.DictReader(io.StringIO(download.value.path().read_text())))
    shot(page, "explore")

    def key(r: dict[str, Any]) -> tuple[str, str]:
        return (r["model"], r["api_key_id"] or "")

    got = {key(r): r for r in rows}
    assert len(got) == len(rows) == len(api["rows"])
    for row in api["rows"]:
        line = got[key(row)]
        assert line["api_key_name"] == row["api_key_name"]
        assert line["total_cost"] == (row["total_cost"] or "")  # the exact decimal string
        assert line["effective_cost"] == (row["effective_cost"] or row["total_cost"] or "")
        assert line["unpriced_tokens"] == str(row["unpriced_tokens"])
        # Every token class and cost class, named as the API names them (a class left out is zero).
        assert line["output"] == str(row["tokens"]["output"]) and line["cache_read"] == str(row["tokens"]["cache_read"])
        for name, count in row["tokens"].items():
            assert line.get(name, "0") == str(count), name
        for name, cost in (row["cost"] or {}).items():
            assert line.get(f"{name}_cost", "0") == cost, name
        if row["cost"] is None:
            assert line["uncached_input_cost"] == ""


def test_hourly_drill_down_for_a_day(web_stack: WebStack, connected: Connected, page: Any) -> None:
    day = (datetime.now(UTC).date()).replace(day=max(1, datetime.now(UTC).day - 1))
    sign_in(page, web_stack.url, connected.owner, connected.tenant)
    page.goto(web_stack.url + "/explore?range=7d&by=model")
    page.get_by_role("link", name=f"Hourly drill-down for {day.isoformat()}").first.click()
    page.get_by_text(f"Hourly drill-down for {day.isoformat()}").wait_for()
    api = web_stack.api(
        "/v1/usage", connected.headers, **{"from": day.isoformat(), "to": day.isoformat(), "group_by": "model,hour"}
    )
    assert page.get_by_test_id("explore-total").inner_text() == cents(api["totals"]["total_cost"])
    assert page.get_by_test_id("explore-chart").is_visible()
    shot(page, "explore-hourly")


def test_invoice_check_equals_the_reconciliation(web_stack: WebStack, connected: Connected, page: Any) -> None:
    today = datetime.now(UTC).date()
    first = max(today.replace(day=1), today - timedelta(days=HISTORY_DAYS))
    recon = web_stack.api(
        "/v1/reconciliation", connected.headers, **{"from": first.isoformat(), "to": today.isoformat()}
    )
    sign_in(page, web_stack.url, connected.owner, connected.tenant)
    page.goto(web_stack.url + "/invoice")
    billed = page.get_by_test_id("billed-total")
    billed.wait_for()
    assert billed.get_attribute("data-exact") == recon["totals"]["billed"]
    assert page.get_by_test_id("computed-total").get_attribute("data-exact") == recon["totals"]["computed"]
    assert page.get_by_test_id("invoice-matched").inner_text() == f"{recon['trust']['matched_percent']:.1f}%"
    shot(page, "invoice")


def test_budgets_channels_and_a_test_alert(web_stack: WebStack, connected: Connected, page: Any) -> None:
    sign_in(page, web_stack.url, connected.owner, connected.tenant)
    page.goto(web_stack.url + "/budgets")
    page.get_by_text("New channel").click()
    path = f"/{connected.tenant}"
    channel_form = page.get_by_role("form", name="New alert channel")
    channel_form.get_by_label("Name").fill("Receiver")
    channel_form.get_by_label("URL (https)").fill(web_stack.receiver.url(path))
    channel_form.get_by_role("button", name="Add channel").click()
    secret = page.get_by_test_id("channel-secret").locator("code").inner_text()
    web_stack.receiver.expect(path, secret)  # the receiver checks each delivery's signature with it

    page.get_by_text("New budget").click()
    budget_form = page.get_by_role("form", name="New budget")
    budget_form.get_by_label("Name").fill("Team budget")
    budget_form.get_by_label("Amount (USD)").fill("250.50")
    budget_form.get_by_role("button", name="Create budget").click()
    page.get_by_test_id("budget").filter(has_text="Team budget").wait_for()
    assert "$250.50 per month" in page.get_by_test_id("budget").filter(has_text="Team budget").inner_text()

    page.get_by_test_id("channel").filter(has_text="Receiver").get_by_role("button", name="Send a test alert").click()
    assert page.get_by_test_id("test-result").inner_text() == "Test alert delivered."
    assert web_stack.receiver.on(path) and web_stack.receiver.on(path)[-1].verified
    history = page.get_by_test_id("alert-history")
    history.get_by_text("test", exact=True).first.wait_for()
    assert "delivered" in history.inner_text()
    shot(page, "budgets")

    # The overview shows the budget against this month's spend.
    page.goto(web_stack.url + "/")
    assert "Team budget" in page.get_by_test_id("budgets-card").inner_text()


def test_a_viewer_sees_no_write_buttons(web_stack: WebStack, connected: Connected, page: Any) -> None:
    viewer, _ = web_stack.member(connected.tenant, "viewer")
    sign_in(page, web_stack.url, viewer, connected.tenant)
    page.get_by_test_id("role").filter(has_text="viewer").wait_for()
    page.goto(web_stack.url + "/settings/connections")
    page.get_by_test_id("account").first.wait_for()
    page.get_by_test_id("read-only").wait_for()
    for name in ("Connect", "Sync now", "Rotate key", "Disconnect"):
        assert page.get_by_role("button", name=name, exact=True).count() == 0, name
    assert page.get_by_label("Admin key").count() == 0
    shot(page, "connections-viewer")
    page.goto(web_stack.url + "/budgets")
    page.get_by_role("heading", name="Alert history").wait_for()
    assert page.get_by_text("New budget").count() == 0
    assert page.get_by_text("New channel").count() == 0
    for name in ("Send a test alert", "Delete", "Pause"):
        assert page.get_by_role("button", name=name, exact=True).count() == 0, name
    page.goto(web_stack.url + "/settings/members")
    page.get_by_role("table").wait_for()
    assert page.get_by_role("heading", name="Add a member").count() == 0
    assert page.get_by_role("button", name=re.compile("^Remove")).count() == 0
    page.goto(web_stack.url + "/settings/rate-cards")
    page.get_by_role("heading", name="Rate cards").wait_for()
    assert page.get_by_role("button", name="Save rate cards").count() == 0


PAGES = {
    "overview": "/",
    "explore": "/explore",
    "invoice": "/invoice",
    "budgets": "/budgets",
    "whatif": "/whatif",
    "advice": "/advice",
    "export": "/export",
    "connections": "/settings/connections",
    "members": "/settings/members",
    "organization": "/settings/organization",
    "rate-cards": "/settings/rate-cards",
}


def test_every_page_at_laptop_and_phone_width(web_stack: WebStack, connected: Connected, browser: Any) -> None:
    """Every page loads without a script error, labels every field, and fits a 390 px phone."""
    for width, height in ((1280, 900), (390, 844)):
        context = browser.new_context(viewport={"width": width, "height": height})
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda e, errors=errors: errors.append(str(e)))
        try:
            sign_in(page, web_stack.url, connected.owner, connected.tenant)
            for name, path in PAGES.items():
                page.goto(web_stack.url + path)
                page.locator("main h1").first.wait_for()
                page.wait_for_load_state("networkidle")
                unlabelled = page.evaluate(
                    """() => [...document.querySelectorAll('input, select, textarea')]
                        .filter(e => e.type !== 'hidden' && !e.labels?.length && !e.getAttribute('aria-label')
                                     && !e.getAttribute('aria-labelledby'))
                        .map(e => e.outerHTML.slice(0, 120))"""
                )
                assert not unlabelled, f"{name}: fields without a label: {unlabelled}"
                if width < 500:
                    overflow = page.evaluate("document.documentElement.scrollWidth")
                    assert overflow <= width, f"{name} is {overflow} px wide at {width} px"
                shot(page, f"{name}-{width}")
        finally:
            context.close()
        assert not errors, errors


def test_keyboard_reaches_the_navigation_with_a_visible_focus(
    web_stack: WebStack, connected: Connected, page: Any
) -> None:
    sign_in(page, web_stack.url, connected.owner, connected.tenant)
    page.locator("[data-testid=overview-state][data-ready=true]").wait_for(state="attached")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to content"
    page.keyboard.press("Enter")
    for _ in range(30):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.textContent") == "Download CSV":
            break
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline == "solid", "the focused control has no visible outline"


def test_export_page_downloads_the_server_csv(web_stack: WebStack, connected: Connected, page: Any) -> None:
    sign_in(page, web_stack.url, connected.owner, connected.tenant)
    page.goto(web_stack.url + "/export?range=7d")
    page.get_by_role("combobox", name="Provider").select_option("anthropic")
    with page.expect_download() as download:
        page.get_by_role("button", name="Download Usage CSV").click()
    lines = download.value.path().read_text().splitlines()
    assert len(lines) > 1, lines[:3]  # a header and rows
    shot(page, "export")
