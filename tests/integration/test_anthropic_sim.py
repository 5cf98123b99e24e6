"""The Anthropic Admin API simulator, exercised over real HTTP as the collector will use it."""

from __future__ import annotations

import base64
import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest

from local.anthropic_sim import (
    FAST_MODE_BETA,
    GROUP_FIELDS,
    AnthropicSimulator,
    SimOrganization,
    UsageProfile,
    list_price_usd_per_mtok,
)

NOW = datetime(2026, 11, 5, 10, 30, tzinfo=UTC)  # a Thursday; the 10:00 hour is half over
ADMIN = "sk-ant-admin01-test-admin-key"
WORKSPACE_KEY = "sk-ant-api03-test-workspace-key"
ORG = "org_test"
USAGE = "/v1/organizations/usage_report/messages"
COST = "/v1/organizations/cost_report"
HEADERS = {"x-api-key": ADMIN, "anthropic-version": "2023-06-01"}
BETA_HEADERS = {**HEADERS, "anthropic-beta": FAST_MODE_BETA}
ROOT = Path(__file__).resolve().parents[2]


def make_sim(
    seed: int = 1, now: datetime = NOW, data_starts: datetime | None = None, **profile: Any
) -> AnthropicSimulator:
    sim = AnthropicSimulator(now=lambda: now)
    sim.add_organization(
        SimOrganization(
            id=ORG,
            name="Test Org",
            admin_keys=[ADMIN],
            workspace_keys=[WORKSPACE_KEY],
            profile=UsageProfile(seed=seed, **profile),
            data_starts=data_starts,
        )
    )
    return sim


@pytest.fixture
def sim() -> Iterator[AnthropicSimulator]:
    simulator = make_sim()
    simulator.start()
    yield simulator
    simulator.stop()


@pytest.fixture
def client(sim: AnthropicSimulator) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=sim.base_url, headers=HEADERS, timeout=30) as c:
        yield c


def counts(row: dict[str, Any]) -> tuple[int, ...]:
    """The six counts of a usage result."""
    return (
        row["uncached_input_tokens"],
        row["cache_creation"]["ephemeral_5m_input_tokens"],
        row["cache_creation"]["ephemeral_1h_input_tokens"],
        row["cache_read_input_tokens"],
        row["output_tokens"],
        row["server_tool_use"]["web_search_requests"],
    )


def total(rows: list[dict[str, Any]]) -> tuple[int, ...]:
    return tuple(sum(c) for c in zip(*(counts(r) for r in rows), strict=True)) if rows else (0,) * 6


def usage(client: httpx.Client, **params: Any) -> dict[str, Any]:
    response = client.get(USAGE, params=params)
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def all_pages(client: httpx.Client, path: str, params: dict[str, Any]) -> list[dict[str, Any]]:
    pages: list[dict[str, Any]] = []
    page: str | None = None
    while True:
        response = client.get(path, params={**params, **({"page": page} if page else {})})
        assert response.status_code == 200, response.text
        body = response.json()
        pages.append(body)
        if not body["has_more"]:
            assert body["next_page"] is None
            return pages
        page = body["next_page"]
        assert isinstance(page, str) and page.startswith("page_")


def assert_error(response: httpx.Response, status: int, error_type: str, mentions: str = "") -> None:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["type"] == "error"
    assert body["error"]["type"] == error_type
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    assert mentions in body["error"]["message"]
    assert body["request_id"].startswith("req_")


# ---------------------------------------------------------------------------------------------- auth


def test_missing_and_unknown_keys_are_401(sim: AnthropicSimulator) -> None:
    with httpx.Client(base_url=sim.base_url) as c:
        assert_error(
            c.get("/v1/organizations/me", headers={"anthropic-version": "2023-06-01"}), 401, "authentication_error"
        )
        unknown = {"x-api-key": "sk-ant-admin01-nope", "anthropic-version": "2023-06-01"}
        assert_error(c.get("/v1/organizations/me", headers=unknown), 401, "authentication_error")


def test_revoked_key_is_401_from_then_on(sim: AnthropicSimulator, client: httpx.Client) -> None:
    assert client.get("/v1/organizations/me").status_code == 200
    sim.revoke_key(ADMIN)
    assert_error(client.get("/v1/organizations/me"), 401, "authentication_error")
    assert_error(client.get(USAGE, params={"starting_at": "2026-11-01T00:00:00Z"}), 401, "authentication_error")


def test_workspace_key_is_403_on_admin_endpoints(sim: AnthropicSimulator) -> None:
    headers = {"x-api-key": WORKSPACE_KEY, "anthropic-version": "2023-06-01"}
    with httpx.Client(base_url=sim.base_url, headers=headers) as c:
        for path in ("/v1/organizations/me", USAGE, COST, "/v1/organizations/api_keys"):
            assert_error(c.get(path, params={"starting_at": "2026-11-01T00:00:00Z"}), 403, "permission_error")


def test_missing_version_is_400_and_unknown_path_404(client: httpx.Client) -> None:
    response = client.get("/v1/organizations/me", headers={"anthropic-version": ""})
    assert_error(response, 400, "invalid_request_error", "anthropic-version")
    assert_error(client.get("/v1/organizations/nothing_here"), 404, "not_found_error")
    assert response.headers["request-id"].startswith("req_")


def test_me_names_the_organization(client: httpx.Client) -> None:
    response = client.get("/v1/organizations/me")
    assert response.status_code == 200
    assert response.json() == {"id": ORG, "type": "organization", "name": "Test Org"}
    assert response.headers["content-type"] == "application/json"


# ----------------------------------------------------------------------------------- usage buckets


def test_hourly_pages_chain_oldest_first_with_empty_buckets() -> None:
    # Usage only starts on 2026-10-25: the first five days of the window are empty but still served.
    sim = make_sim(data_starts=datetime(2026, 10, 25, tzinfo=UTC))
    sim.start()
    try:
        with httpx.Client(base_url=sim.base_url, headers=HEADERS) as c:
            params = {
                "starting_at": "2026-10-20T00:00:00Z",
                "ending_at": "2026-10-30T00:00:00Z",
                "bucket_width": "1h",
                "limit": 24,
            }
            pages = all_pages(c, USAGE, params)
    finally:
        sim.stop()
    assert len(pages) == 10  # 240 hours / 24 per page
    assert all(p["has_more"] for p in pages[:-1]) and not pages[-1]["has_more"]
    # The cursor is base64 of the next page's starting_at.
    first_cursor = pages[0]["next_page"]
    assert base64.b64decode(first_cursor.removeprefix("page_")).decode() == "2026-10-21T00:00:00Z"
    buckets = [b for p in pages for b in p["data"]]
    assert len(buckets) == 240
    expected = datetime(2026, 10, 20, tzinfo=UTC)
    for bucket in buckets:
        assert bucket["starting_at"] == expected.strftime("%Y-%m-%dT%H:%M:%SZ")
        assert bucket["ending_at"] == (expected + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
        expected += timedelta(hours=1)
    assert all(b["results"] == [] for b in buckets[: 5 * 24])
    assert all(b["results"] for b in buckets[5 * 24 :])  # default profile: every hour has some usage


def test_starting_at_snaps_to_grid_and_pages_stop_at_now(client: httpx.Client, sim: AnthropicSimulator) -> None:
    pages = all_pages(client, USAGE, {"starting_at": "2026-11-04T00:17:45Z", "bucket_width": "1h", "limit": 168})
    assert len(pages) == 1
    buckets = pages[0]["data"]
    assert buckets[0]["starting_at"] == "2026-11-04T00:00:00Z"
    # Up to and including the running hour (10:00-11:00 on 2026-11-05), never beyond.
    assert len(buckets) == 24 + 11
    assert buckets[-1]["ending_at"] == "2026-11-05T11:00:00Z"
    # Daily buckets: the running day is the last one.
    days = usage(client, starting_at="2026-11-01T00:00:00Z", bucket_width="1d")
    assert [b["starting_at"][:10] for b in days["data"]] == [f"2026-11-0{d}" for d in range(1, 6)]
    assert days["has_more"] is False and days["next_page"] is None
    # A window that starts in the future is empty.
    assert usage(client, starting_at="2026-11-06T00:00:00Z")["data"] == []


def test_running_hour_is_scaled_by_elapsed_fraction() -> None:
    half, later = make_sim(now=NOW), make_sim(now=NOW + timedelta(hours=2))
    hour = datetime(2026, 11, 5, 10, tzinfo=UTC)
    full = {tuple(r[f] for f in GROUP_FIELDS): r for r in later.usage_rows(ORG, hour)}
    partial = half.usage_rows(ORG, hour)
    assert partial and len(partial) <= len(full)
    for row in partial:  # 10:30 is half the hour: every count is floored to half
        assert counts(row) == tuple(c // 2 for c in counts(full[tuple(row[f] for f in GROUP_FIELDS)]))
    assert half.usage_rows(ORG, hour + timedelta(hours=1)) == []  # the future has no usage


def test_group_by_sums_are_consistent(client: httpx.Client, sim: AnthropicSimulator) -> None:
    window = {"starting_at": "2026-11-03T00:00:00Z", "ending_at": "2026-11-04T00:00:00Z", "bucket_width": "1h"}
    ungrouped = usage(client, **window)["data"]
    by_model = usage(client, **window, **{"group_by[]": "model"})["data"]
    by_all = usage(client, **window, **{"group_by[]": [g for g in GROUP_FIELDS if g != "speed"]})["data"]
    assert len(ungrouped) == len(by_model) == len(by_all) == 24
    for plain, model, everything in zip(ungrouped, by_model, by_all, strict=True):
        assert len(plain["results"]) == 1
        only = plain["results"][0]
        assert all(only[f] is None for f in GROUP_FIELDS if f != "speed")
        assert "speed" not in only  # a beta field, absent without the beta header
        assert total(model["results"]) == counts(only) == total(everything["results"])
        models = [r["model"] for r in model["results"]]
        assert len(models) == len(set(models)) and None not in models
        assert all(r["api_key_id"] is None and r["workspace_id"] is None for r in model["results"])
    # The ground truth per hour is what the simulator serves when grouped by everything.
    hour = datetime(2026, 11, 3, 15, tzinfo=UTC)
    truth = sim.usage_rows(ORG, hour)
    assert [{k: v for k, v in r.items() if k != "speed"} for r in truth] == by_all[15]["results"]
    assert all(r["speed"] == "standard" for r in truth)
    # One daily bucket is the sum of its 24 hours.
    day = usage(client, starting_at="2026-11-03T00:00:00Z", limit=1)["data"][0]["results"]
    assert counts(day[0]) == tuple(map(sum, zip(*(counts(b["results"][0]) for b in ungrouped), strict=True)))


def test_minute_buckets_add_up_to_the_hour(client: httpx.Client) -> None:
    minutes = usage(client, starting_at="2026-11-03T15:00:00Z", bucket_width="1m", limit=60)
    hour = usage(client, starting_at="2026-11-03T15:00:00Z", bucket_width="1h", limit=1)
    assert len(minutes["data"]) == 60 and minutes["has_more"] is True
    summed = tuple(map(sum, zip(*(total(b["results"]) for b in minutes["data"]), strict=True)))
    assert summed == counts(hour["data"][0]["results"][0])


def test_filters_select_rows(client: httpx.Client, sim: AnthropicSimulator) -> None:
    window = {"starting_at": "2026-11-03T00:00:00Z", "limit": 1}
    by_model = usage(client, **window, **{"group_by[]": "model"})["data"][0]["results"]
    sonnet = usage(client, **window, **{"models[]": "claude-sonnet-4-5-20250929"})["data"][0]["results"]
    expected = [r for r in by_model if r["model"] == "claude-sonnet-4-5-20250929"]
    assert len(sonnet) == 1 and len(expected) == 1
    assert counts(sonnet[0]) == counts(expected[0])
    batch = usage(client, **window, **{"service_tiers[]": "batch", "group_by[]": ["service_tier", "api_key_id"]})
    rows = batch["data"][0]["results"]
    assert rows and {r["service_tier"] for r in rows} == {"batch"}
    keys = client.get("/v1/organizations/api_keys").json()["data"]
    first_key = keys[0]["id"]
    one_key = usage(client, **window, **{"api_key_ids[]": first_key, "group_by[]": "api_key_id"})
    assert {r["api_key_id"] for r in one_key["data"][0]["results"]} == {first_key}
    # Parameters without the [] suffix are accepted too.
    plain = usage(client, **window, group_by="model")["data"][0]["results"]
    assert plain == by_model


def test_speed_needs_the_beta_header(client: httpx.Client) -> None:
    params: dict[str, Any] = {"starting_at": "2026-11-03T00:00:00Z", "limit": 1, "group_by[]": "speed"}
    assert_error(client.get(USAGE, params=params), 400, "invalid_request_error", "group_by")
    response = client.get(USAGE, params=params, headers={"anthropic-beta": FAST_MODE_BETA})
    assert response.status_code == 200
    assert {r["speed"] for r in response.json()["data"][0]["results"]} == {"standard"}


def test_fast_mode_rows_are_priced_at_six_times_until_fast_mode_ends() -> None:
    sim = make_sim(seed=3, fast_share=1.0, models=("claude-opus-4-6",))
    rows = [r for h in range(24) for r in sim.usage_rows(ORG, datetime(2026, 6, 3, h, tzinfo=UTC))]
    assert {r["speed"] for r in rows} == {"fast", "standard"}  # batch and long context stay standard
    fast = list_price_usd_per_mtok("claude-opus-4-6", "standard", "0-200k", "global", "fast", date(2026, 6, 3))
    assert fast is not None and fast[0] == Decimal(30) and fast[4] == Decimal(150)
    # Opus 4.6 lost fast mode on 2026-06-29: its requests run, and are reported, at standard speed.
    later = [r for h in range(24) for r in sim.usage_rows(ORG, datetime(2026, 11, 3, h, tzinfo=UTC))]
    assert {r["speed"] for r in later} == {"standard"}


@pytest.mark.parametrize(
    ("params", "named"),
    [
        ({"starting_at": "2026-11-01T00:00:00Z", "bucket_width": "1h", "limit": 169}, "limit"),
        ({"starting_at": "2026-11-01T00:00:00Z", "bucket_width": "1d", "limit": 32}, "limit"),
        ({"starting_at": "2026-11-01T00:00:00Z", "bucket_width": "1m", "limit": 1441}, "limit"),
        ({"starting_at": "2026-11-01T00:00:00Z", "limit": "ten"}, "limit"),
        ({"starting_at": "yesterday"}, "starting_at"),
        ({"starting_at": "2026-11-01T00:00:00"}, "starting_at"),  # no offset: not RFC 3339
        ({}, "starting_at"),
        ({"starting_at": "2026-11-01T00:00:00Z", "ending_at": "2026-13-01T00:00:00Z"}, "ending_at"),
        ({"starting_at": "2026-11-02T00:00:00Z", "ending_at": "2026-11-01T00:00:00Z"}, "ending_at"),
        ({"starting_at": "2026-11-01T00:00:00Z", "bucket_width": "1w"}, "bucket_width"),
        ({"starting_at": "2026-11-01T00:00:00Z", "group_by[]": "colour"}, "group_by"),
        ({"starting_at": "2026-11-01T00:00:00Z", "service_tiers[]": "gold"}, "service_tiers"),
        ({"starting_at": "2026-11-01T00:00:00Z", "page": "page_!!!"}, "page"),
    ],
)
def test_bad_parameters_are_400_naming_the_parameter(client: httpx.Client, params: dict[str, Any], named: str) -> None:
    assert_error(client.get(USAGE, params=params), 400, "invalid_request_error", named)


def test_unknown_parameters_are_ignored(client: httpx.Client) -> None:
    plain = usage(client, starting_at="2026-11-03T00:00:00Z", limit=1)
    assert usage(client, starting_at="2026-11-03T00:00:00Z", limit=1, colour="blue") == plain


def test_demo_data_looks_real(sim: AnthropicSimulator) -> None:
    week = [
        r for h in range(7 * 24) for r in sim.usage_rows(ORG, datetime(2026, 10, 26, tzinfo=UTC) + timedelta(hours=h))
    ]
    assert len({r["model"] for r in week}) == 3
    assert len({r["api_key_id"] for r in week}) >= 4 and None in {r["api_key_id"] for r in week}
    assert None in {r["workspace_id"] for r in week} and len({r["workspace_id"] for r in week}) >= 2
    assert {r["service_tier"] for r in week} == {"standard", "batch"}
    assert {(r["model"], r["context_window"]) for r in week if r["context_window"] == "200k-1M"} == {
        ("claude-opus-4-6", "200k-1M")  # Sonnet 4.5's 1M beta was retired on 2026-04-30
    }
    assert {r["inference_geo"] for r in week if r["model"] != "claude-opus-4-6"} == {"global"}
    assert "us" in {r["inference_geo"] for r in week}
    assert all(any(counts(r)) for r in week)  # no all-zero rows
    sums = total(week)
    assert all(s > 0 for s in sums)  # every token class and web search occur
    # Weekdays are busier than the weekend, afternoons busier than nights.
    per_day = [
        sum(
            r["output_tokens"]
            for h in range(24)
            for r in sim.usage_rows(ORG, datetime(2026, 10, 26, h, tzinfo=UTC) + timedelta(days=d))
        )
        for d in range(7)
    ]
    assert min(per_day[:5]) > max(per_day[5:])
    busiest = max(r["uncached_input_tokens"] for r in week)
    assert 10**4 < busiest < 10**7


def test_spike_multiplies_one_hour() -> None:
    hour = datetime(2026, 11, 3, 15, tzinfo=UTC)
    plain, spiked = make_sim(), make_sim(spike=(hour, 10.0))
    assert [counts(r) for r in spiked.usage_rows(ORG, hour)] == [
        tuple(round(c * 10) for c in counts(r)) for r in plain.usage_rows(ORG, hour)
    ]
    other = hour + timedelta(hours=1)
    assert spiked.usage_rows(ORG, other) == plain.usage_rows(ORG, other)


# --------------------------------------------------------------------------------- faults and drift


def test_rate_limit_with_retry_after_then_recovery(client: httpx.Client, sim: AnthropicSimulator) -> None:
    sim.inject_faults(429, count=2, retry_after=3)
    for _ in range(2):
        response = client.get("/v1/organizations/me")
        assert_error(response, 429, "rate_limit_error")
        assert response.headers["retry-after"] == "3"
    assert client.get("/v1/organizations/me").status_code == 200
    assert [r.status for r in sim.requests] == [429, 429, 200]


def test_overloaded_and_server_errors_only_on_matching_paths(client: httpx.Client, sim: AnthropicSimulator) -> None:
    sim.inject_faults(529, count=1, path_prefix=USAGE)
    sim.inject_faults(500, count=1, path_prefix=COST)
    assert client.get("/v1/organizations/me").status_code == 200  # not matching: untouched
    assert_error(client.get(USAGE, params={"starting_at": "2026-11-03T00:00:00Z"}), 529, "overloaded_error")
    assert_error(client.get(COST, params={"starting_at": "2026-11-03T00:00:00Z"}), 500, "api_error")
    assert client.get(USAGE, params={"starting_at": "2026-11-03T00:00:00Z"}).status_code == 200
    sim.inject_faults(429)
    assert client.get("/v1/organizations/me").headers["retry-after"] == "1"  # documented default


def test_malformed_pages_then_recovery(client: httpx.Client, sim: AnthropicSimulator) -> None:
    sim.inject_malformed(count=2, path_prefix=USAGE)
    params = {"starting_at": "2026-11-03T00:00:00Z"}
    first = client.get(USAGE, params=params)
    assert first.status_code == 200
    with pytest.raises(json.JSONDecodeError):
        json.loads(first.content)
    second = client.get(USAGE, params=params)
    assert second.status_code == 200 and not isinstance(second.json()["data"], list)
    third = client.get(USAGE, params=params)
    assert isinstance(third.json()["data"], list) and len(third.json()["data"]) == 3


def test_restate_changes_one_hour(client: httpx.Client, sim: AnthropicSimulator) -> None:
    hour = datetime(2026, 11, 3, 15, tzinfo=UTC)
    params = {"starting_at": "2026-11-03T14:00:00Z", "bucket_width": "1h", "limit": 3}
    before = usage(client, **params)["data"]
    cost_before = sim.expected_list_cost_usd(ORG, hour, hour + timedelta(hours=1))
    sim.restate(ORG, hour, 2.0)
    after = usage(client, **params)["data"]
    assert after[0] == before[0] and after[2] == before[2]
    assert counts(after[1]["results"][0]) == tuple(2 * c for c in counts(before[1]["results"][0]))
    assert sim.expected_list_cost_usd(ORG, hour, hour + timedelta(hours=1)) == 2 * cost_before
    sim.restate(ORG, hour, 0)
    assert usage(client, **params)["data"][1]["results"] == []
    assert sim.usage_rows(ORG, hour) == []


# ------------------------------------------------------------------------------------- cost report


# The test's own list prices (USD per MTok: input, 5m write, 1h write, cache read, output) for the
# default models in November 2026 (no long-context premium any more, 1.1x US inference for 4.6).
RATES = {
    "claude-sonnet-4-5-20250929": ("3", "3.75", "6", "0.30", "15"),
    "claude-opus-4-6": ("5", "6.25", "10", "0.50", "25"),
    "claude-haiku-4-5-20251001": ("1", "1.25", "2", "0.10", "5"),
}


def hand_priced_usd(rows: list[dict[str, Any]]) -> Decimal:
    cost = Decimal(0)
    for row in rows:
        factor = Decimal("0.5") if row["service_tier"] == "batch" else Decimal(1)
        if row["inference_geo"] == "us":
            factor *= Decimal("1.1")
        rates = [Decimal(r) for r in RATES[row["model"]]]
        for tokens, rate in zip(counts(row)[:5], rates, strict=True):
            cost += tokens * rate * factor / 1_000_000
        cost += row["server_tool_use"]["web_search_requests"] * Decimal("0.01")
    return cost


def test_cost_report_matches_expected_list_cost_to_the_cent(client: httpx.Client, sim: AnthropicSimulator) -> None:
    start, end = datetime(2026, 10, 29, tzinfo=UTC), datetime(2026, 11, 5, tzinfo=UTC)
    params = {"starting_at": "2026-10-29T00:00:00Z", "ending_at": "2026-11-05T00:00:00Z"}
    plain = client.get(COST, params=params).json()
    assert len(plain["data"]) == 7 and plain["has_more"] is False
    detailed = client.get(COST, params={**params, "group_by[]": ["workspace_id", "description"]}).json()
    cents_plain = sum(Decimal(r["amount"]) for b in plain["data"] for r in b["results"])
    cents_detailed = sum(Decimal(r["amount"]) for b in detailed["data"] for r in b["results"])
    expected = sim.expected_list_cost_usd(ORG, start, end)
    assert cents_plain == cents_detailed == expected * 100  # exact, so certainly to the cent
    assert expected > Decimal(10)
    # A third, independent costing from the raw rows and this test's own price list.
    hours = [start + timedelta(hours=h) for h in range(7 * 24)]
    assert hand_priced_usd([r for h in hours for r in sim.usage_rows(ORG, h)]) == expected
    for bucket in plain["data"]:
        assert all(r["currency"] == "USD" and r["description"] is None for r in bucket["results"])
    rows = [r for b in detailed["data"] for r in b["results"]]
    assert {r["cost_type"] for r in rows} == {"tokens", "web_search"}
    assert {r["token_type"] for r in rows if r["cost_type"] == "tokens"} == {
        "uncached_input_tokens",
        "output_tokens",
        "cache_read_input_tokens",
        "cache_creation.ephemeral_5m_input_tokens",
        "cache_creation.ephemeral_1h_input_tokens",
    }
    assert "Claude Sonnet 4.5 Usage - Input Tokens" in {r["description"] for r in rows}
    assert all(r["model"] is None and r["token_type"] is None for r in rows if r["cost_type"] == "web_search")
    assert None in {r["workspace_id"] for r in rows}


def test_cost_report_parameters_and_paging(client: httpx.Client) -> None:
    assert_error(
        client.get(COST, params={"starting_at": "2026-11-01T00:00:00Z", "bucket_width": "1h"}),
        400,
        "invalid_request_error",
        "bucket_width",
    )
    assert_error(
        client.get(COST, params={"starting_at": "2026-10-01T00:00:00Z", "limit": 32}),
        400,
        "invalid_request_error",
        "limit",
    )
    assert_error(
        client.get(COST, params={"starting_at": "2026-10-01T00:00:00Z", "group_by[]": "api_key_id"}),
        400,
        "invalid_request_error",
        "group_by",
    )
    pages = all_pages(client, COST, {"starting_at": "2026-10-01T00:00:00Z", "ending_at": "2026-11-01T00:00:00Z"})
    assert [len(p["data"]) for p in pages] == [7, 7, 7, 7, 3]


def test_priority_tier_is_left_out_of_the_cost_report() -> None:
    sim = make_sim(seed=5, priority_share=0.3)
    hours = [datetime(2026, 11, 3, h, tzinfo=UTC) for h in range(24)]
    rows = [r for h in hours for r in sim.usage_rows(ORG, h)]
    assert "priority" in {r["service_tier"] for r in rows}
    priced = [r for r in rows if r["service_tier"] != "priority"]
    assert sim.expected_list_cost_usd(ORG, hours[0], hours[0] + timedelta(days=1)) == hand_priced_usd(priced)


def test_dated_price_rules() -> None:
    def rates(model: str, window: str, day: date, tier: str = "standard", geo: str = "global") -> list[str]:
        found = list_price_usd_per_mtok(model, tier, window, geo, "standard", day)
        assert found is not None
        return [format(r.normalize(), "f") for r in found]

    sonnet, opus = "claude-sonnet-4-5-20250929", "claude-opus-4-6"
    assert rates(sonnet, "200k-1M", date(2026, 2, 1)) == ["6", "7.5", "12", "0.6", "22.5"]
    assert rates(opus, "200k-1M", date(2026, 3, 12)) == ["10", "12.5", "20", "1", "37.5"]
    assert rates(opus, "200k-1M", date(2026, 3, 13)) == ["5", "6.25", "10", "0.5", "25"]
    assert rates(opus, "0-200k", date(2026, 11, 1), tier="batch", geo="us") == [
        "2.75",
        "3.4375",
        "5.5",
        "0.275",
        "13.75",
    ]
    assert list_price_usd_per_mtok(opus, "priority", "0-200k", "global", None, date(2026, 11, 1)) is None


# ------------------------------------------------------------------------------------ id listings


def test_api_keys_page_by_id(client: httpx.Client) -> None:
    everything = client.get("/v1/organizations/api_keys").json()
    assert len(everything["data"]) == 5 and everything["has_more"] is False
    assert everything["data"][0]["name"] == "Key 01 – backend"  # noqa: RUF001
    item = everything["data"][0]
    assert item["id"].startswith("apikey_01") and item["type"] == "api_key"
    assert set(item) >= {"status", "workspace_id", "created_at", "created_by", "expires_at", "partial_key_hint"}
    seen: list[str] = []
    params: dict[str, Any] = {"limit": 2}
    while True:
        page = client.get("/v1/organizations/api_keys", params=params).json()
        seen += [k["id"] for k in page["data"]]
        assert page["first_id"] == page["data"][0]["id"] and page["last_id"] == page["data"][-1]["id"]
        if not page["has_more"]:
            break
        params = {"limit": 2, "after_id": page["last_id"]}
    assert seen == [k["id"] for k in everything["data"]]
    back = client.get("/v1/organizations/api_keys", params={"limit": 2, "before_id": seen[3]}).json()
    assert [k["id"] for k in back["data"]] == seen[1:3] and back["has_more"] is True
    inactive = client.get("/v1/organizations/api_keys", params={"status": "inactive"}).json()["data"]
    assert [k["name"] for k in inactive] == ["Key 05 – support-bot"]  # noqa: RUF001
    assert_error(
        client.get("/v1/organizations/api_keys", params={"limit": 1001}), 400, "invalid_request_error", "limit"
    )


def test_workspaces_hide_archived_unless_asked() -> None:
    sim = make_sim(workspaces=3)
    sim.start()
    try:
        with httpx.Client(base_url=sim.base_url, headers=HEADERS) as c:
            active = c.get("/v1/organizations/workspaces").json()
            every = c.get("/v1/organizations/workspaces", params={"include_archived": "true"}).json()
            paged = c.get(
                "/v1/organizations/workspaces",
                params={"limit": 1, "after_id": every["data"][0]["id"], "include_archived": "true"},
            ).json()
    finally:
        sim.stop()
    assert [w["name"] for w in active["data"]] == ["Research", "Production"]
    assert [w["name"] for w in every["data"]] == ["Research", "Production", "Staging"]
    assert every["data"][2]["archived_at"] is not None and every["data"][0]["type"] == "workspace"
    assert paged["data"][0]["name"] == "Production" and paged["has_more"] is True


# --------------------------------------------------------------------------------- determinism etc.


def test_same_seed_serves_identical_data() -> None:
    params: dict[str, Any] = {
        "starting_at": "2026-10-01T00:00:00Z",
        "bucket_width": "1h",
        "limit": 168,
        "group_by[]": list(GROUP_FIELDS),
    }
    bodies: list[list[bytes]] = []
    for seed in (7, 7, 8):
        sim = make_sim(seed=seed)
        sim.start()
        try:
            with httpx.Client(base_url=sim.base_url, headers=BETA_HEADERS) as c:
                # Serve a later page first: generation is per hour, so order must not matter.
                late = c.get(USAGE, params={**params, "starting_at": "2026-10-08T00:00:00Z"}).content
                early = c.get(USAGE, params=params).content
                cost = c.get(COST, params={"starting_at": "2026-10-01T00:00:00Z", "group_by[]": "description"}).content
                keys = c.get("/v1/organizations/api_keys").content
                bodies.append([early, late, cost, keys])
        finally:
            sim.stop()
    assert bodies[0] == bodies[1]
    assert all(a != b for a, b in zip(bodies[0], bodies[2], strict=True))


def test_request_log_and_http_controls(client: httpx.Client, sim: AnthropicSimulator) -> None:
    client.get("/v1/organizations/me")
    client.get(USAGE, params={"group_by[]": "model", "starting_at": "2026-11-03T00:00:00Z"})
    logged = sim.requests
    assert [(r.method, r.path, r.status) for r in logged] == [
        ("GET", "/v1/organizations/me", 200),
        ("GET", USAGE, 200),
    ]
    assert logged[1].query["group_by[]"] == ["model"]
    with httpx.Client(base_url=sim.base_url) as control:  # no auth for the demo controls
        assert control.get("/_sim/requests").json()["count"] == 2
        assert control.post("/_sim/faults", json={"status": 429, "count": 1, "retry_after": 2}).status_code == 200
        limited = client.get("/v1/organizations/me")
        assert limited.status_code == 429 and limited.headers["retry-after"] == "2"
        assert control.post("/_sim/revoke", json={"key": ADMIN}).status_code == 200
        assert client.get("/v1/organizations/me").status_code == 401
        assert control.post("/_sim/faults", json={"count": 1}).status_code == 400
    sim.reset_requests()
    assert sim.requests == []


def test_stop_closes_idle_keep_alive_connections() -> None:
    sim = make_sim()
    sim.start()
    with httpx.Client(base_url=sim.base_url, headers=HEADERS) as c:
        assert c.get("/v1/organizations/me").status_code == 200
        sim.stop()  # the client still holds an idle connection: stop must not hang
        sim.stop()  # idempotent
        with pytest.raises(httpx.TransportError):
            c.get("/v1/organizations/me")


def test_cli_serves_until_interrupted() -> None:
    # The key comes from the environment, never from the command line (ps shows it), and is never printed.
    command = [sys.executable, "-m", "local.anthropic_sim", "--port", "0"]
    env = {**os.environ, "ANTHROPIC_SIM_ADMIN_KEYS": ADMIN}
    with subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, text=True, env=env) as proc:
        try:
            assert proc.stdout is not None
            first_line = proc.stdout.readline()
            url = first_line.rsplit(" at ", 1)[1].strip()
            keys_line = proc.stdout.readline()
            assert ADMIN not in keys_line and "sk-ant-admin01-...-key" in keys_line
            me = httpx.get(f"{url}/v1/organizations/me", headers=HEADERS)
            assert me.json() == {"id": "org_demo", "type": "organization", "name": "Demo Org"}
        finally:
            # Stops on SIGINT even when started with SIGINT ignored (a background job); never hangs the suite.
            proc.send_signal(signal.SIGINT)
            try:
                code = proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                raise
            assert code == 0


def test_cli_refuses_a_key_on_the_command_line() -> None:
    refused = subprocess.run(
        [sys.executable, "-m", "local.anthropic_sim", "--port", "0", "--admin-key", ADMIN],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert refused.returncode == 2 and "--admin-key was removed" in refused.stderr and ADMIN not in refused.stderr
