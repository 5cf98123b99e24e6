"""What-if, advice and their settings in headless Chromium, against the insights tenant: an Anthropic and an
OpenAI organization whose simulated usage carries the savings patterns (a nightly batch key, a chat key without
caching, 5-minute cache rewrites, an idle key, a key appearing in a new workspace, a model with no price).
What the pages show must equal the API's answer for the same query, to the cent, in the same order."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import InsightsTenant, WebStack, cents, shot, sign_in

pytestmark = pytest.mark.emulators


EN_DASH = "\u2013"
TIMES = "\u00d7"


def signed_cents(amount: str) -> str:
    """A difference as the dashboard shows it: "+$1.20", "-$0.03", "$0.00"."""
    shown = cents(amount)
    if shown in ("$0.00", "-$0.00"):
        return "$0.00"
    return shown if shown.startswith("-") else "+" + shown


def band_text(band: dict[str, str], signed: bool = False) -> str:
    """A band as the dashboard shows it: "$262.19 - $289.66, expected $281.15" (an en dash), or one amount."""
    show = signed_cents if signed else cents
    low, expected, high = show(band["low"]), show(band["expected"]), show(band["high"])
    return expected if low == high else f"{low} {EN_DASH} {high}, expected {expected}"


def period(page: Any, prefix: str) -> dict[str, str]:
    """The days a page says its figures cover (its ``<prefix>-from`` and ``<prefix>-to``)."""
    return {side: page.get_by_test_id(f"{prefix}-{side}").inner_text() for side in ("from", "to")}


def check_band(locator: Any, band: dict[str, str], signed: bool = False) -> None:
    for side in ("low", "expected", "high"):
        assert locator.get_attribute(f"data-{side}") == band[side], side  # the exact decimal, not a float
    assert locator.inner_text() == band_text(band, signed)


def check_whatif(page: Any, answer: dict[str, Any]) -> None:
    """The totals, every model's row and the not-comparable lines on the page equal ``answer``."""
    totals = answer["totals"]
    expect(page.get_by_test_id("whatif-target")).to_have_attribute("data-expected", totals["target_cost"]["expected"])
    assert page.get_by_test_id("whatif-actual").get_attribute("data-exact") == totals["actual_cost"]
    assert page.get_by_test_id("whatif-actual").inner_text() == cents(totals["actual_cost"])
    assert page.get_by_test_id("whatif-compared").inner_text() == cents(totals["compared_actual_cost"])
    check_band(page.get_by_test_id("whatif-target"), totals["target_cost"])
    check_band(page.get_by_test_id("whatif-difference"), totals["difference"], signed=True)
    assert page.get_by_test_id("whatif-not-comparable-total").inner_text() == cents(
        totals["not_comparable_actual_cost"]
    )

    rows = page.get_by_test_id("whatif-models").locator("tbody tr").all()
    assert [r.locator("td[data-col=model]").inner_text() for r in rows] == [m["model"] for m in answer["models"]]
    for row, model in zip(rows, answer["models"], strict=True):
        actual = row.locator("td[data-col=actual_cost]").inner_text()
        assert actual == ("unpriced" if model["model_ref"] is None else cents(model["actual_cost"])), model["model"]
        if model["comparable"]:
            check_band(row.get_by_test_id("model-target"), model["target_cost"])
        else:
            assert row.locator("td[data-col=target]").inner_text() == "not comparable", model["model"]

    lines = page.get_by_test_id("whatif-not-comparable").locator("tbody tr").all()
    assert len(lines) == len(answer["not_comparable"])
    for row, line in zip(lines, answer["not_comparable"], strict=True):
        shown = row.locator("td[data-col=actual_cost]").inner_text()
        # Usage with no price on the source has no actual cost (null): shown "unpriced", never $0.
        assert shown == ("unpriced" if line["actual_cost"] is None else cents(line["actual_cost"])), line


def test_whatif_totals_and_rows_equal_the_api_to_the_cent(
    web_stack: WebStack, insights: InsightsTenant, page: Any
) -> None:
    sign_in(page, web_stack.url, insights.owner, insights.tenant)
    page.goto(web_stack.url + "/whatif?range=7d")
    page.get_by_label("Target model").fill("gpt-5")
    page.get_by_role("button", name="Compare", exact=True).click()
    result = page.get_by_test_id("whatif-result")
    result.wait_for()
    span = period(page, "whatif")
    answer = web_stack.api("/v1/whatif", insights.headers, target_model="gpt-5", **span)
    assert {m["provider"] for m in answer["models"]} == {"anthropic", "openai"}  # both simulators' usage
    assert any(line["usage_class"] == "all" for line in answer["not_comparable"])  # the model with no price
    check_whatif(page, answer)
    assert page.get_by_test_id("whatif-method").inner_text() == answer["method"]
    # The class mapping and tokenizer band of a cross-provider model are said.
    sonnet = page.get_by_test_id("model-details").filter(has_text="claude-sonnet-4-5-20250929").first
    sonnet.locator("summary").click()
    assert "Cache write 5 m → Input (uncached)" in sonnet.inner_text()
    assert TIMES in sonnet.inner_text()  # the tokenizer ratio
    shot(page, "whatif")

    # A filter narrows both the page and the API the same way.
    page.get_by_text("Filters", exact=True).click()
    page.get_by_label("Provider").select_option("anthropic")
    page.wait_for_url(re.compile(r"provider=anthropic"))
    narrowed = web_stack.api("/v1/whatif", insights.headers, target_model="gpt-5", provider="anthropic", **span)
    assert {m["provider"] for m in narrowed["models"]} == {"anthropic"}
    check_whatif(page, narrowed)


def test_suggestions_show_the_api_alternatives(web_stack: WebStack, insights: InsightsTenant, page: Any) -> None:
    sign_in(page, web_stack.url, insights.owner, insights.tenant)
    page.goto(web_stack.url + "/whatif?range=7d")
    suggestions = page.get_by_test_id("suggestions")
    suggestions.get_by_test_id("suggested-model").first.wait_for()
    span = period(page, "suggestions")
    answer = web_stack.api("/v1/whatif/suggestions", insights.headers, **span)
    shown = suggestions.get_by_test_id("suggested-model").all()
    assert [s.get_attribute("data-model") for s in shown] == [m["model"] for m in answer["models"]]
    first = answer["models"][0]["alternatives"][0]
    alternative = shown[0].get_by_test_id("alternative").first
    assert alternative.get_attribute("data-target") == f"{first['provider']}/{first['model']}"
    monthly = alternative.get_by_test_id("monthly-savings-expected")
    assert monthly.get_attribute("data-exact") == first["monthly_savings_expected"]
    assert cents(first["monthly_savings_expected"]).lstrip("-") in monthly.inner_text()
    for source in first["sources"]:
        link = alternative.get_by_role("link", name=source["url"])
        assert link.get_attribute("href") == source["url"]
        assert f"seen {source['seen']}" in alternative.inner_text()
    assert first["evidence"] in alternative.inner_text() and first["caveats"] in alternative.inner_text()
    shot(page, "whatif-suggestions")

    # "Compare in detail" runs the what-if on that alternative.
    alternative.get_by_role("button", name=re.compile("^Compare .* in detail$")).click()
    page.wait_for_url(re.compile("target="))
    page.get_by_test_id("whatif-result").wait_for()
    assert page.get_by_label("Target model").input_value() == f"{first['provider']}/{first['model']}"


def advice_shown(page: Any) -> list[tuple[str, str, str]]:
    return [
        (
            r.get_attribute("data-id"),
            r.get_by_test_id("advice-title").inner_text(),
            r.get_by_test_id("monthly-savings").get_attribute("data-exact"),
        )
        for r in page.get_by_test_id("recommendation").all()
    ]


def test_advice_lists_the_api_recommendations_in_order(
    web_stack: WebStack, insights: InsightsTenant, page: Any
) -> None:
    sign_in(page, web_stack.url, insights.owner, insights.tenant)
    page.goto(web_stack.url + "/advice")
    page.get_by_test_id("advice-list").wait_for()
    span = period(page, "advice")
    answer = web_stack.api("/v1/advice", insights.headers, **span)
    kinds = {a["kind"] for a in answer["advice"]}
    assert {"batch", "prompt_caching", "right_sizing", "unusual_key", "idle_key", "unpriced_model"} <= kinds, kinds

    assert advice_shown(page) == [(a["id"], a["title"], a["monthly_savings"]) for a in answer["advice"]]
    for card, advice in zip(page.get_by_test_id("recommendation").all(), answer["advice"], strict=True):
        savings = card.get_by_test_id("monthly-savings").inner_text()
        if Decimal(advice["monthly_savings"]) > 0:
            assert savings == f"{cents(advice['monthly_savings'])} a month", advice["title"]
        else:
            assert savings == "No saving in dollars", advice["title"]
        assert advice["confidence"]["why"] in card.inner_text()
        assert advice["method"] in card.inner_text()
    # The counts per kind, the alert threshold and the note that savings overlap (no total).
    counts = page.get_by_test_id("advice-counts")
    for kind, count in answer["counts"].items():
        assert counts.locator(f"[data-kind={kind}] .count").inner_text() == str(count), kind
    assert page.get_by_test_id("advice-threshold").inner_text() == cents(answer["alert_threshold_usd"])
    assert "do not add up" in page.get_by_test_id("advice-overlap").inner_text()
    # The batch advice's evidence: the off-hours share as a percent, its costs as money.
    batch = page.locator("[data-testid=recommendation][data-kind=batch]").first
    evidence = batch.get_by_test_id("advice-evidence")
    assert evidence.locator("[data-key=off_hours_share] dd").inner_text() == "100%"
    first_batch = next(a for a in answer["advice"] if a["kind"] == "batch")
    assert evidence.locator("[data-key=batch_cost] dd").inner_text() == cents(first_batch["evidence"]["batch_cost"])
    shot(page, "advice")

    # One account: the OpenAI organization's advice only, as the API answers it.
    page.get_by_label("Account", exact=True).select_option(insights.account_ids["openai"])
    page.wait_for_url(re.compile("account_id="))
    scoped = web_stack.api("/v1/advice", insights.headers, account_id=insights.account_ids["openai"], **span)
    expected = [(a["id"], a["title"], a["monthly_savings"]) for a in scoped["advice"]]
    assert expected and all(a["scope"]["provider"] == "openai" for a in scoped["advice"])
    page.wait_for_function(
        "n => document.querySelectorAll('[data-testid=recommendation]').length === n", arg=len(expected)
    )
    assert advice_shown(page) == expected


def test_the_advice_threshold_saves_and_reloads(web_stack: WebStack, page: Any) -> None:
    tenant, owner, headers = web_stack.tenant("owner")
    sign_in(page, web_stack.url, owner, tenant)
    page.goto(web_stack.url + "/settings/organization")
    field = page.get_by_label("Alert threshold (USD a month)")
    expect(field).to_have_value(web_stack.api("/v1/settings", headers)["advice_alert_usd"])
    zone = page.get_by_label("Time zone", exact=True)
    assert zone.locator("option").count() > 400  # the API's zones
    field.fill("42.5")
    page.get_by_role("button", name="Save threshold").click()
    page.get_by_text("Advice alert threshold saved.").wait_for()
    settings = web_stack.api("/v1/settings", headers)
    assert Decimal(settings["advice_alert_usd"]) == Decimal("42.5")
    assert settings["time_zone"] == "UTC"  # left as it was
    page.reload()
    expect(page.get_by_label("Alert threshold (USD a month)")).to_have_value(settings["advice_alert_usd"])
    assert page.get_by_test_id("advice-threshold-saved").inner_text() == "$42.50"
    shot(page, "settings-advice-threshold")

    # More decimals than the API takes: the form refuses it before sending, and nothing changes.
    page.get_by_label("Alert threshold (USD a month)").fill("1.1234567")
    page.get_by_role("button", name="Save threshold").click()
    assert page.get_by_label("Alert threshold (USD a month)").evaluate("e => e.validity.valid") is False
    assert Decimal(web_stack.api("/v1/settings", headers)["advice_alert_usd"]) == Decimal("42.5")


def test_a_provider_budget_and_an_advice_channel_can_be_created(web_stack: WebStack, page: Any) -> None:
    tenant, owner, headers = web_stack.tenant("owner")
    sign_in(page, web_stack.url, owner, tenant)
    page.goto(web_stack.url + "/budgets")
    page.get_by_text("New budget").click()
    form = page.get_by_role("form", name="New budget")
    form.get_by_label("Name").fill("OpenAI spend")
    form.get_by_label("Amount (USD)").fill("75")
    form.get_by_label("Applies to").select_option("provider")
    form.get_by_label("Provider").select_option("openai")
    form.get_by_role("button", name="Create budget").click()
    row = page.get_by_test_id("budget").filter(has_text="OpenAI spend")
    row.wait_for()
    assert "$75.00 per month for OpenAI" in row.inner_text()
    budgets = web_stack.api("/v1/budgets", headers)["budgets"]
    assert [(b["scope"], b["scope_id"], b["amount_usd"]) for b in budgets] == [("provider", "openai", "75")]

    page.get_by_text("New channel").click()
    channel = page.get_by_role("form", name="New alert channel")
    channel.get_by_label("Name").fill("Advice only")
    channel.get_by_label("URL (https)").fill(web_stack.receiver.url(f"/{tenant}/advice"))
    for box in channel.get_by_role("checkbox").all():
        box.uncheck()
    channel.get_by_label("Savings advice").check()
    channel.get_by_role("button", name="Add channel").click()
    page.get_by_test_id("channel-secret").wait_for()
    channels = web_stack.api("/v1/alert-channels", headers)["channels"]
    assert [(c["name"], c["kinds"]) for c in channels] == [("Advice only", ["advice"])]
    assert "url" not in channels[0] and channels[0]["url_hint"]  # the URL is sealed: only its hint comes back
    assert "Savings advice" in page.get_by_test_id("channel").filter(has_text="Advice only").inner_text()
    shot(page, "budgets-provider")
