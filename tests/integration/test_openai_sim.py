"""The OpenAI organization Admin API simulator, exercised over real HTTP as a collector will use it."""

from __future__ import annotations

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

from local.openai_sim import (
    FAST_RENAMED,
    GROUP_FIELDS,
    KINDS,
    OpenAISimulator,
    SimOrganization,
    UsageProfile,
    chat_rates,
)

NOW = datetime(2026, 11, 5, 10, 30, tzinfo=UTC)  # a Thursday; the 10:00 hour is half over
ADMIN = "sk-admin-test-admin-key-000000000001"
PROJECT_KEY = "sk-proj-test-project-key-0000000001"
SVCACCT_KEY = "sk-svcacct-test-service-key-00000001"
READ_NAMES_ONLY = "sk-admin-test-restricted-names-only01"
ORG = "org-test"
USAGE = "/v1/organization/usage/"
COMPLETIONS = USAGE + "completions"
COSTS = "/v1/organization/costs"
ROOT = Path(__file__).resolve().parents[2]
DAY = timedelta(days=1)
TIER_PREFIX = {"flex": "flex | ", "priority": "priority | ", "fast": "priority | "}  # Costs line-item markers


def ts(moment: datetime) -> int:
    return int(moment.timestamp())


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


def make_sim(
    seed: int = 1, now: datetime = NOW, data_starts: datetime | None = None, **profile: Any
) -> OpenAISimulator:
    sim = OpenAISimulator(now=lambda: now)
    sim.add_organization(
        SimOrganization(
            id=ORG,
            name="Test Org",
            admin_keys=[ADMIN],
            project_keys=[PROJECT_KEY],
            service_account_keys=[SVCACCT_KEY],
            restricted_admin_keys={READ_NAMES_ONLY: frozenset({"api.management.read"})},
            profile=UsageProfile(seed=seed, **profile),
            data_starts=data_starts,
        )
    )
    return sim


@pytest.fixture
def sim() -> Iterator[OpenAISimulator]:
    simulator = make_sim()
    simulator.start()
    yield simulator
    simulator.stop()


@pytest.fixture
def client(sim: OpenAISimulator) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=sim.base_url, headers={"authorization": f"Bearer {ADMIN}"}, timeout=30) as c:
        yield c


def get(client: httpx.Client, path: str, **params: Any) -> dict[str, Any]:
    response = client.get(path, params=params)
    assert response.status_code == 200, response.text
    assert response.headers["openai-organization"] == ORG
    return response.json()  # type: ignore[no-any-return]


def all_pages(client: httpx.Client, path: str, params: dict[str, Any]) -> list[dict[str, Any]]:
    pages: list[dict[str, Any]] = []
    page: str | None = None
    while True:
        body = get(client, path, **params, **({"page": page} if page else {}))
        assert body["object"] == "page"
        pages.append(body)
        if not body["has_more"]:
            assert body["next_page"] is None
            return pages
        page = body["next_page"]
        assert isinstance(page, str) and page


def assert_error(response: httpx.Response, status: int, param: str | None = None, mentions: str = "") -> None:
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert set(error) == {"message", "type", "param", "code"}
    assert isinstance(error["message"], str) and error["message"]
    assert mentions in error["message"]
    if param is not None:
        assert error["param"] == param
    assert response.headers["x-request-id"].startswith("req_")


def tokens(row: dict[str, Any]) -> tuple[int, ...]:
    return (row["input_tokens"], row["input_cached_tokens"], row["output_tokens"], row["num_model_requests"])


def summed(rows: list[dict[str, Any]]) -> tuple[int, ...]:
    return tuple(map(sum, zip(*(tokens(r) for r in rows), strict=True))) if rows else (0, 0, 0, 0)


# ----------------------------------------------------------------------------------------- shapes


def test_completions_page_shape_and_headers(client: httpx.Client) -> None:
    response = client.get(COMPLETIONS, params={"start_time": ts(utc(2026, 11, 3)), "limit": 1})
    assert response.status_code == 200
    assert response.headers["openai-organization"] == ORG
    assert response.headers["content-type"] == "application/json"
    assert response.headers["x-request-id"].startswith("req_")
    body = response.json()
    assert set(body) == {"object", "data", "has_more", "next_page"} and body["object"] == "page"
    (bucket,) = body["data"]
    assert bucket["object"] == "bucket"
    assert (bucket["start_time"], bucket["end_time"]) == (ts(utc(2026, 11, 3)), ts(utc(2026, 11, 4)))
    (only,) = bucket["results"]  # not grouped: one total, every group field null
    assert only["object"] == "organization.usage.completions.result"
    assert all(only[f] is None for f in GROUP_FIELDS["completions"])
    detailed = [
        "input_uncached_tokens",
        "input_text_tokens",
        "input_audio_tokens",
        "input_image_tokens",
        "input_cached_text_tokens",
        "input_cached_audio_tokens",
        "input_cached_image_tokens",
        "input_cache_write_tokens",
        "output_text_tokens",
        "output_audio_tokens",
        "output_image_tokens",
    ]
    assert set(only) == {"object", "input_tokens", "input_cached_tokens", "output_tokens", "num_model_requests"} | set(
        detailed
    ) | set(GROUP_FIELDS["completions"])


@pytest.mark.parametrize(
    ("kind", "obj", "counts"),
    [
        ("embeddings", "organization.usage.embeddings.result", {"input_tokens", "num_model_requests"}),
        ("moderations", "organization.usage.moderations.result", {"input_tokens", "num_model_requests"}),
        ("images", "organization.usage.images.result", {"images", "num_model_requests"}),
        ("audio_speeches", "organization.usage.audio_speeches.result", {"characters", "num_model_requests"}),
        ("audio_transcriptions", "organization.usage.audio_transcriptions.result", {"seconds", "num_model_requests"}),
        ("vector_stores", "organization.usage.vector_stores.result", {"usage_bytes"}),
        ("code_interpreter_sessions", "organization.usage.code_interpreter_sessions.result", {"num_sessions"}),
        ("file_search_calls", "organization.usage.file_searches.result", {"num_requests"}),
        ("web_search_calls", "organization.usage.web_searches.result", {"num_requests", "num_model_requests"}),
    ],
)
def test_every_usage_endpoint_serves_its_documented_result(
    client: httpx.Client, kind: str, obj: str, counts: set[str]
) -> None:
    fields = GROUP_FIELDS[kind]
    body = get(client, USAGE + kind, start_time=ts(utc(2026, 11, 3)), limit=1, **{"group_by[]": list(fields)})
    results = body["data"][0]["results"]
    assert results, f"{kind}: no usage on a weekday"
    for row in results:
        assert row["object"] == obj
        assert set(row) == {"object"} | counts | set(fields)
        assert all(isinstance(row[c], int) and row[c] >= 0 for c in counts)


def test_every_group_field_of_an_endpoint_is_rejected_elsewhere(client: httpx.Client) -> None:
    assert_error(
        client.get(USAGE + "embeddings", params={"start_time": ts(utc(2026, 11, 3)), "group_by": "batch"}),
        400,
        "group_by",
    )
    assert_error(
        client.get(USAGE + "vector_stores", params={"start_time": ts(utc(2026, 11, 3)), "group_by": "model"}),
        400,
        "group_by",
    )


# ----------------------------------------------------------------------------------------- paging


@pytest.mark.parametrize(
    ("width", "start", "end", "limit", "pages", "buckets"),
    [
        ("1m", utc(2026, 11, 3, 15), utc(2026, 11, 3, 17), 60, 2, 120),
        ("1h", utc(2026, 11, 1), utc(2026, 11, 3), 24, 2, 48),
        ("1d", utc(2026, 10, 20), utc(2026, 11, 3), 7, 2, 14),
        ("1d", utc(2026, 10, 20), None, 31, 1, 17),  # up to and including the running day
    ],
)
def test_pages_chain_oldest_first_for_every_bucket_width(
    client: httpx.Client, width: str, start: datetime, end: datetime | None, limit: int, pages: int, buckets: int
) -> None:
    params: dict[str, Any] = {"start_time": ts(start), "bucket_width": width, "limit": limit}
    if end is not None:
        params["end_time"] = ts(end)
    chain = all_pages(client, COMPLETIONS, params)
    assert len(chain) == pages
    served = [b for p in chain for b in p["data"]]
    assert len(served) == buckets
    step = {"1m": 60, "1h": 3600, "1d": 86400}[width]
    assert [b["start_time"] for b in served] == [ts(start) + i * step for i in range(buckets)]
    assert all(b["end_time"] - b["start_time"] == step for b in served)


def test_empty_buckets_are_served_and_windows_stop_at_now(client: httpx.Client) -> None:
    sim = make_sim(data_starts=utc(2026, 11, 2))
    sim.start()
    try:
        with httpx.Client(base_url=sim.base_url, headers={"authorization": f"Bearer {ADMIN}"}) as c:
            days = get(c, COMPLETIONS, start_time=ts(utc(2026, 10, 30)), bucket_width="1d")["data"]
    finally:
        sim.stop()
    assert [datetime.fromtimestamp(b["start_time"], UTC).day for b in days] == [30, 31, 1, 2, 3, 4, 5]
    assert [bool(b["results"]) for b in days] == [False, False, False, True, True, True, True]
    # start_time snaps down to the grid; the running hour (10:00-11:00) is the last bucket.
    hours = get(client, COMPLETIONS, start_time=ts(utc(2026, 11, 5, 0, 17)), bucket_width="1h", limit=168)
    assert hours["data"][0]["start_time"] == ts(utc(2026, 11, 5))
    assert len(hours["data"]) == 11 and hours["has_more"] is False
    # A future window is empty; end_time is exclusive (a bucket starting at it is not served).
    assert get(client, COMPLETIONS, start_time=ts(utc(2026, 11, 6)))["data"] == []
    two = get(client, COMPLETIONS, start_time=ts(utc(2026, 11, 3)), end_time=ts(utc(2026, 11, 3, 2)), bucket_width="1h")
    assert len(two["data"]) == 2


def test_running_hour_is_partial_and_minutes_add_up(client: httpx.Client, sim: OpenAISimulator) -> None:
    later = make_sim(now=NOW + timedelta(hours=2))
    hour = utc(2026, 11, 5, 10)
    full = {tuple(r[f] for f in GROUP_FIELDS["completions"]): r for r in later.usage_rows(ORG, hour)}
    for row in sim.usage_rows(ORG, hour):  # 10:30: every count floored to half of the full hour's
        whole = full[tuple(row[f] for f in GROUP_FIELDS["completions"])]
        assert row["output_text_tokens"] == whole["output_text_tokens"] // 2
    assert sim.usage_rows(ORG, hour + timedelta(hours=1)) == []
    minutes = get(client, COMPLETIONS, start_time=ts(utc(2026, 11, 3, 15)), bucket_width="1m", limit=60)["data"]
    one_hour = get(client, COMPLETIONS, start_time=ts(utc(2026, 11, 3, 15)), bucket_width="1h", limit=1)["data"]
    assert summed([r for b in minutes for r in b["results"]]) == summed(one_hour[0]["results"])


def test_a_day_is_the_sum_of_its_hours_for_every_endpoint(client: httpx.Client) -> None:
    for kind in KINDS:
        day = get(client, USAGE + kind, start_time=ts(utc(2026, 11, 3)), limit=1)["data"][0]["results"]
        hours = get(client, USAGE + kind, start_time=ts(utc(2026, 11, 3)), bucket_width="1h", limit=24)["data"]
        count = next(f for f in day[0] if f not in ("object", *GROUP_FIELDS[kind]))
        per_hour = [b["results"][0][count] if b["results"] else 0 for b in hours]
        if kind == "vector_stores":  # storage is a level: every bucket of the day shows the day's bytes
            assert set(per_hour) == {day[0][count]}
        else:
            assert sum(per_hour) == day[0][count], kind


# --------------------------------------------------------------------------------- group_by, filters


def test_group_by_sums_are_consistent_and_parameter_styles_agree(client: httpx.Client, sim: OpenAISimulator) -> None:
    window = {"start_time": ts(utc(2026, 11, 3)), "end_time": ts(utc(2026, 11, 4)), "bucket_width": "1h"}
    plain = get(client, COMPLETIONS, **window)["data"]
    by_model = get(client, COMPLETIONS, **window, **{"group_by[]": "model"})["data"]
    by_all = get(client, COMPLETIONS, **window, **{"group_by[]": list(GROUP_FIELDS["completions"])})["data"]
    for a, b, c in zip(plain, by_model, by_all, strict=True):
        assert summed(a["results"]) == summed(b["results"]) == summed(c["results"])
        models = [r["model"] for r in b["results"]]
        assert len(models) == len(set(models)) and None not in models
    assert by_all[15]["results"] == sim.usage_rows(ORG, utc(2026, 11, 3, 15))
    repeated = get(client, COMPLETIONS, **window, group_by=["model", "batch"])["data"]
    comma = get(client, COMPLETIONS, **window, group_by="model,batch")["data"]
    brackets = get(client, COMPLETIONS, **window, **{"group_by[]": ["model", "batch"]})["data"]
    assert repeated == comma == brackets


def test_filters_select_rows(client: httpx.Client, sim: OpenAISimulator) -> None:
    window = {"start_time": ts(utc(2026, 11, 3)), "limit": 1}
    fields = list(GROUP_FIELDS["completions"])
    rows = get(client, COMPLETIONS, **window, group_by=fields)["data"][0]["results"]
    model = rows[0]["model"]
    only = get(client, COMPLETIONS, **window, models=model, group_by=fields)["data"][0]["results"]
    assert only == [r for r in rows if r["model"] == model]
    batch = get(client, COMPLETIONS, **window, batch="true", group_by=fields)["data"][0]["results"]
    assert batch and batch == [r for r in rows if r["batch"]]
    key = next(r["api_key_id"] for r in rows if r["api_key_id"])
    by_key = get(client, COMPLETIONS, **window, **{"api_key_ids[]": key}, group_by=fields)["data"][0]["results"]
    assert by_key == [r for r in rows if r["api_key_id"] == key]
    project = next(r["project_id"] for r in rows if r["project_id"])
    by_project = get(client, COMPLETIONS, **window, project_ids=project, group_by=fields)["data"][0]["results"]
    assert by_project == [r for r in rows if r["project_id"] == project]
    images = get(client, USAGE + "images", **window, sizes="1024x1792", group_by="size")["data"][0]["results"]
    assert {r["size"] for r in images} == {"1024x1792"}
    web = get(client, USAGE + "web_search_calls", **window, context_levels="high", group_by="context_level")
    assert {r["context_level"] for r in web["data"][0]["results"]} == {"high"}
    # A filter the endpoint does not document is ignored, like any unknown parameter.
    assert get(client, USAGE + "embeddings", **window, batch="true", colour="blue") == get(
        client, USAGE + "embeddings", **window
    )


@pytest.mark.parametrize(
    ("path", "params", "param"),
    [
        (COMPLETIONS, {}, "start_time"),
        (COMPLETIONS, {"start_time": "yesterday"}, "start_time"),
        (COMPLETIONS, {"start_time": ts(utc(2026, 11, 2)), "end_time": ts(utc(2026, 11, 1))}, "end_time"),
        (COMPLETIONS, {"start_time": ts(utc(2026, 11, 1)), "bucket_width": "1w"}, "bucket_width"),
        (COMPLETIONS, {"start_time": ts(utc(2026, 11, 1)), "bucket_width": "1d", "limit": 32}, "limit"),
        (COMPLETIONS, {"start_time": ts(utc(2026, 11, 1)), "bucket_width": "1h", "limit": 169}, "limit"),
        (COMPLETIONS, {"start_time": ts(utc(2026, 11, 1)), "bucket_width": "1m", "limit": 1441}, "limit"),
        (COMPLETIONS, {"start_time": ts(utc(2026, 11, 1)), "limit": 0}, "limit"),
        (COMPLETIONS, {"start_time": ts(utc(2026, 11, 1)), "group_by": "colour"}, "group_by"),
        (COMPLETIONS, {"start_time": ts(utc(2026, 11, 1)), "batch": "maybe"}, "batch"),
        (COMPLETIONS, {"start_time": ts(utc(2026, 11, 1)), "page": "page_!!!"}, "page"),
        (USAGE + "images", {"start_time": ts(utc(2026, 11, 1)), "sizes": "9x9"}, "sizes"),
        (COSTS, {"start_time": ts(utc(2026, 11, 1)), "bucket_width": "1h"}, "bucket_width"),
        (COSTS, {"start_time": ts(utc(2026, 11, 1)), "limit": 181}, "limit"),
        (COSTS, {"start_time": ts(utc(2026, 11, 1)), "group_by": "model"}, "group_by"),
        ("/v1/organization/projects", {"limit": 101}, "limit"),
        ("/v1/organization/projects", {"after": "proj_nope"}, "after"),
    ],
)
def test_bad_parameters_are_400_naming_the_parameter(
    client: httpx.Client, path: str, params: dict[str, Any], param: str
) -> None:
    response = client.get(path, params=params)
    assert_error(response, 400, param)
    assert response.json()["error"]["type"] == "invalid_request_error"


def test_unknown_path_is_404(client: httpx.Client) -> None:
    assert_error(client.get("/v1/organization/usage/telepathy", params={"start_time": 0}), 404, mentions="Invalid URL")


# -------------------------------------------------------------------------------------------- keys


def test_key_kinds(sim: OpenAISimulator) -> None:
    params = {"start_time": ts(utc(2026, 11, 3)), "limit": 1}
    with httpx.Client(base_url=sim.base_url) as c:
        for key in (PROJECT_KEY, SVCACCT_KEY):
            for path in (COMPLETIONS, COSTS):
                response = c.get(path, params=params, headers={"authorization": f"Bearer {key}"})
                assert_error(response, 403, mentions="Missing scopes: api.usage.read")
                assert "Admin key" in response.json()["error"]["message"]
                assert response.headers["openai-organization"] == ORG  # the key is the organization's
        restricted = {"authorization": f"Bearer {READ_NAMES_ONLY}"}
        assert_error(c.get(COMPLETIONS, params=params, headers=restricted), 403, mentions="api.usage.read")
        assert c.get("/v1/organization/projects", headers=restricted).status_code == 200
        unknown = c.get(COMPLETIONS, params=params, headers={"authorization": "Bearer sk-admin-test-unknown-key-9999"})
        assert_error(unknown, 401)
        assert unknown.json()["error"]["code"] == "invalid_api_key"
        assert "sk-admin-test-unknown-key-9999" not in unknown.text and "...9999" in unknown.text
        assert "openai-organization" not in unknown.headers
        assert_error(c.get(COMPLETIONS, params=params), 401, mentions="didn't provide an API key")
        admin = {"authorization": f"Bearer {ADMIN}"}
        assert c.get(COMPLETIONS, params=params, headers=admin).status_code == 200
        sim.revoke_key(ADMIN)
        assert_error(c.get(COMPLETIONS, params=params, headers=admin), 401)
        sim.add_admin_key(ORG, "sk-admin-test-rotated-key-0000002")
        rotated = {"authorization": "Bearer sk-admin-test-rotated-key-0000002"}
        assert c.get(COMPLETIONS, params=params, headers=rotated).status_code == 200


# ------------------------------------------------------------------------------------------ switches


def test_faults_latency_malformed_and_the_request_log(client: httpx.Client, sim: OpenAISimulator) -> None:
    params = {"start_time": ts(utc(2026, 11, 3)), "limit": 1}
    sim.inject_faults(429, count=2, retry_after=3)
    for _ in range(2):
        limited = client.get(COMPLETIONS, params=params)
        assert_error(limited, 429)
        assert limited.headers["retry-after"] == "3" and limited.json()["error"]["code"] == "rate_limit_exceeded"
        assert limited.headers["openai-organization"] == ORG
    assert client.get(COMPLETIONS, params=params).status_code == 200
    sim.inject_faults(503, count=1, path_prefix=COSTS)
    sim.inject_faults(500, count=1, path_prefix=USAGE + "embeddings")
    assert client.get(COMPLETIONS, params=params).status_code == 200  # other paths unaffected
    assert client.get(COSTS, params=params).status_code == 503
    outage = client.get(USAGE + "embeddings", params=params)
    assert outage.status_code == 500 and outage.json()["error"]["type"] == "server_error"
    sim.inject_malformed(count=2)
    broken = client.get(COMPLETIONS, params=params)
    assert broken.status_code == 200
    with pytest.raises(ValueError):
        broken.json()
    assert client.get(COMPLETIONS, params=params).json()["data"] == {"unexpected": "shape"}
    assert client.get(COMPLETIONS, params=params).json()["object"] == "page"
    log = sim.requests()
    assert [r.status for r in log] == [429, 429, 200, 200, 503, 500, 200, 200, 200]
    assert sim.requests == log and log[0].path == COMPLETIONS and log[0].query["limit"] == ["1"]
    assert all(ADMIN not in repr(r) for r in log)  # keys are never logged
    with httpx.Client(base_url=sim.base_url) as control:  # the same switches over HTTP
        assert control.get("/_sim/requests").json()["by_path"][COSTS] == 1
        assert control.post("/_sim/faults", json={"status": 429, "count": 1}).status_code == 200
        assert client.get(COMPLETIONS, params=params).headers["retry-after"] == "1"
        assert control.post("/_sim/latency", json={"seconds": 0.2}).status_code == 200
        started = datetime.now(UTC)
        assert client.get(COMPLETIONS, params=params).status_code == 200
        assert datetime.now(UTC) - started >= timedelta(seconds=0.2)
        assert control.post("/_sim/latency", json={"seconds": 0}).status_code == 200
        assert control.post("/_sim/revoke", json={"key": ADMIN}).status_code == 200
        assert client.get(COMPLETIONS, params=params).status_code == 401
        assert control.post("/_sim/faults", json={"count": 1}).status_code == 400
        assert control.post("/_sim/reset_requests").status_code == 200
    assert sim.requests() == []


def test_restating_an_hour_changes_usage_and_costs(client: httpx.Client, sim: OpenAISimulator) -> None:
    hour = utc(2026, 11, 3, 15)
    before_usage = summed(sim.usage_rows(ORG, hour))
    before_cost = sim.billed_cost_usd(ORG, hour, hour + DAY)
    with httpx.Client(base_url=sim.base_url) as control:
        body = {"org_id": ORG, "hour_start": hour.isoformat(), "factor": 2.0}
        assert control.post("/_sim/restate", json=body).status_code == 200
    assert summed(sim.usage_rows(ORG, hour))[0] in range(2 * before_usage[0] - 50, 2 * before_usage[0] + 50)
    assert sim.billed_cost_usd(ORG, hour, hour + DAY) > before_cost
    sim.restate(ORG, hour, 0)
    assert sim.usage_rows(ORG, hour) == []
    served = get(client, COMPLETIONS, start_time=ts(hour), bucket_width="1h", limit=1)["data"][0]["results"]
    assert served == []


# ------------------------------------------------------------------------------ token semantics


def test_cached_and_cache_write_tokens_are_inside_input(sim: OpenAISimulator) -> None:
    rows = [r for h in range(24) for r in sim.usage_rows(ORG, utc(2026, 11, 3, h))]
    assert any(r["input_cached_tokens"] for r in rows) and any(r["input_cache_write_tokens"] for r in rows)
    assert any(r["input_audio_tokens"] for r in rows) and any(r["output_image_tokens"] for r in rows)
    for r in rows:
        assert (
            r["input_tokens"] == r["input_uncached_tokens"] + r["input_cached_tokens"] + r["input_cache_write_tokens"]
        )
        assert r["input_uncached_tokens"] == r["input_text_tokens"] + r["input_audio_tokens"] + r["input_image_tokens"]
        assert r["input_cached_tokens"] == (
            r["input_cached_text_tokens"] + r["input_cached_audio_tokens"] + r["input_cached_image_tokens"]
        )
        assert r["output_tokens"] == r["output_text_tokens"] + r["output_audio_tokens"] + r["output_image_tokens"]
        assert r["input_cached_tokens"] <= r["input_tokens"]


def test_costs_token_lines_match_usage_counts(client: httpx.Client) -> None:
    """The Costs quantity of "<model>, input" is input_tokens - input_cached_tokens (cache writes included),
    and of "<model>, cached input" is input_cached_tokens: cached tokens counted once."""
    day = {"start_time": ts(utc(2026, 11, 3)), "limit": 1}
    rows = get(client, COMPLETIONS, **day, group_by=["model", "batch", "service_tier"])["data"][0]["results"]
    lines = get(client, COSTS, **day, group_by="line_item")["data"][0]["results"]
    quantity = {r["line_item"]: r["quantity"] for r in lines}
    for row in rows:
        if row["model"] in ("gpt-realtime-2025-08-28", "gpt-image-1") or row["service_tier"] == "scale":
            continue  # multimodal lines are per modality; Scale Tier is not in the ledger
        prefix = "batch | " if row["batch"] else TIER_PREFIX.get(row["service_tier"], "")
        name = f"{prefix}{row['model']}"
        uncached = row["input_tokens"] - row["input_cached_tokens"]
        assert quantity.get(f"{name}, input", 0) == uncached
        assert quantity.get(f"{name}, cached input", 0) == row["input_cached_tokens"]
        assert quantity.get(f"{name}, output", 0) == row["output_tokens"]
        assert all(u == "tokens" for r in lines if r["line_item"].startswith(name + ",") for u in [r["quantity_unit"]])


def test_legacy_shape_serves_only_the_old_fields() -> None:
    legacy, current = make_sim(legacy_fields=True), make_sim()
    hour = utc(2026, 11, 3, 15)
    old, new = legacy.usage_rows(ORG, hour), current.usage_rows(ORG, hour)
    assert len(old) == len(new)
    for o, n in zip(old, new, strict=True):
        assert set(o) == {
            "object",
            "input_tokens",
            "input_cached_tokens",
            "output_tokens",
            "input_audio_tokens",
            "output_audio_tokens",
            "num_model_requests",
            *GROUP_FIELDS["completions"],
        }
        assert (o["input_tokens"], o["input_cached_tokens"], o["output_tokens"]) == tokens(n)[:3]
        assert o["input_audio_tokens"] == n["input_audio_tokens"] + n["input_cached_audio_tokens"]


# ------------------------------------------------------------------------------- tiers and rename


def test_priority_is_reported_as_fast_from_the_rename() -> None:
    sim = make_sim(now=utc(2026, 8, 2), priority_share=0.6, seed=5)
    before = [r for h in range(24) for r in sim.usage_rows(ORG, utc(2026, 7, 29, h))]
    after = [r for h in range(24) for r in sim.usage_rows(ORG, utc(2026, 7, 30, h))]
    assert date(2026, 7, 30) == FAST_RENAMED
    assert "priority" in {r["service_tier"] for r in before} and "fast" not in {r["service_tier"] for r in before}
    assert "fast" in {r["service_tier"] for r in after} and "priority" not in {r["service_tier"] for r in after}
    # Same published rates under both names; the Costs ledger keeps the "priority | " label.
    for model in ("gpt-5-2025-08-07", "gpt-4.1-2025-04-14"):
        assert chat_rates(model, False, "priority", date(2026, 7, 29)) == chat_rates(
            model, False, "fast", date(2026, 7, 30)
        )
    assert chat_rates("gpt-5-2025-08-07", False, "fast", date(2026, 7, 30)) == (
        Decimal("2.50"),
        *(Decimal(0),) * 2,
        Decimal("0.25"),
        *(Decimal(0),) * 2,
        Decimal("2.50"),
        Decimal(20),
        *(Decimal(0),) * 2,
    )
    lines = [ln.line_item for ln in sim.billed_cost_lines(ORG, date(2026, 7, 30))]
    assert any(item.startswith("priority | ") for item in lines) and not any("fast" in item for item in lines)


def test_batch_and_flex_are_half_price_and_scale_is_unpriced() -> None:
    day = date(2026, 11, 3)
    standard = chat_rates("gpt-5-mini-2025-08-07", False, "default", day)
    assert standard is not None
    half = tuple(r / 2 for r in standard)
    assert chat_rates("gpt-5-mini-2025-08-07", True, "default", day) == half
    assert chat_rates("gpt-5-mini-2025-08-07", False, "flex", day) == half
    assert chat_rates("gpt-5-mini-2025-08-07", False, "scale", day) is None
    assert chat_rates("gpt-5-nano-2025-08-07", False, "priority", day) is None  # no published priority price
    assert chat_rates("o3-2025-04-16", False, "default", date(2025, 6, 9))[0] == Decimal(10)  # type: ignore[index]
    assert chat_rates("o3-2025-04-16", False, "default", date(2025, 6, 10))[0] == Decimal(2)  # type: ignore[index]
    sim = make_sim(scale_share=0.3, seed=4)
    rows = [r for h in range(24) for r in sim.usage_rows(ORG, utc(2026, 11, 3, h))]
    assert "scale" in {r["service_tier"] for r in rows}
    assert {r["service_tier"] for r in rows} >= {"default", "flex", "scale"} and any(r["batch"] for r in rows)
    assert not any("scale" in line.line_item for line in sim.billed_cost_lines(ORG, day))


# ------------------------------------------------------------------------------------------ costs


def test_costs_are_dollars_and_match_the_oracle_to_the_cent(client: httpx.Client, sim: OpenAISimulator) -> None:
    start, end = utc(2026, 10, 27), utc(2026, 11, 5)
    pages = all_pages(client, COSTS, {"start_time": ts(start), "limit": 4, "group_by": ["line_item", "project_id"]})
    assert len(pages) == 3  # 27 Oct .. 5 Nov (running day): 10 daily buckets
    buckets = [b for p in pages for b in p["data"]]
    assert len(buckets) == 10
    ledger_only = Decimal(0)
    for bucket in buckets:
        day = datetime.fromtimestamp(bucket["start_time"], UTC)
        results = bucket["results"]
        assert results and all(r["object"] == "organization.costs.result" for r in results)
        assert all(r["amount"]["currency"] == "usd" and isinstance(r["amount"]["value"], float) for r in results)
        served = sum(Decimal(str(r["amount"]["value"])) for r in results)
        only = sum(Decimal(str(r["amount"]["value"])) for r in results if "fine-tuning" in r["line_item"])
        ledger_only += only
        expected = sim.expected_list_cost_usd(ORG, day, day + DAY)
        assert abs(served - only - expected) < Decimal("0.01"), day  # dollars, not cents
        assert abs(served - sim.billed_cost_usd(ORG, day, day + DAY)) < Decimal("0.01")
    assert ledger_only > 0  # items only the Costs ledger shows (fine-tuning training)
    total = sim.billed_cost_usd(ORG, start, end)
    assert Decimal(100) < total < Decimal(10_000)  # a week and a half of a busy demo organization
    by_model = sim.expected_cost_by_model(ORG, start, end)
    assert {"gpt-5-2025-08-07", "text-embedding-3-small", "web search tool calls", "Vector storage"} <= set(by_model)
    assert "omni-moderation-latest" not in by_model  # moderation is free
    assert abs(sum(by_model.values()) - sim.expected_list_cost_usd(ORG, start, end)) < Decimal("1e-20")


def test_costs_hand_priced_from_usage(client: httpx.Client, sim: OpenAISimulator) -> None:
    """Text models priced by hand from the served usage (uncached = input - cached) equal the ledger."""
    day = utc(2026, 11, 3)
    rows = get(client, COMPLETIONS, start_time=ts(day), limit=1, group_by=["model", "batch", "service_tier"])
    lines: dict[str, Decimal] = {}
    for ln in sim.billed_cost_lines(ORG, day.date()):  # one line per project and key: sum them per item
        lines[ln.line_item] = lines.get(ln.line_item, Decimal(0)) + ln.amount_usd
    for row in rows["data"][0]["results"]:
        rates = chat_rates(row["model"], row["batch"], row["service_tier"], day.date())
        if rates is None or row["model"] in ("gpt-realtime-2025-08-28", "gpt-image-1"):
            continue
        by_hand = (
            Decimal(row["input_tokens"] - row["input_cached_tokens"]) * rates[0]
            + Decimal(row["input_cached_tokens"]) * rates[3]
            + Decimal(row["output_tokens"]) * rates[7]
        ) / 1_000_000
        prefix = "batch | " if row["batch"] else TIER_PREFIX.get(row["service_tier"], "")
        ledger = sum(
            (amount for item, amount in lines.items() if item.startswith(f"{prefix}{row['model']},")), Decimal(0)
        )
        assert by_hand == ledger, row["model"]


def test_costs_grouping_filters_and_paging(client: httpx.Client) -> None:
    day = {"start_time": ts(utc(2026, 11, 3)), "limit": 1}
    (total,) = get(client, COSTS, **day)["data"][0]["results"]
    assert total["line_item"] is None and total["project_id"] is None and total["quantity"] is None
    assert total["quantity_unit"] is None
    by_project = get(client, COSTS, **day, group_by="project_id")["data"][0]["results"]
    assert None in {r["project_id"] for r in by_project} and len(by_project) >= 3
    assert abs(sum(r["amount"]["value"] for r in by_project) - total["amount"]["value"]) < 1e-6
    project = next(r["project_id"] for r in by_project if r["project_id"])
    filtered = get(client, COSTS, **day, project_ids=project, group_by="project_id")["data"][0]["results"]
    assert [r["project_id"] for r in filtered] == [project]
    by_key = get(client, COSTS, **day, group_by=["api_key_id", "line_item"])["data"][0]["results"]
    assert any(r["api_key_id"] for r in by_key) and any(r["api_key_id"] is None for r in by_key)
    units = {r["line_item"].split(", ")[-1]: r["quantity_unit"] for r in by_key}
    assert units["Vector storage"] == "gibibyte_hours" and units["web search tool calls"] is None
    assert units["cached input"] == "tokens"
    long = all_pages(client, COSTS, {"start_time": ts(utc(2026, 5, 1)), "limit": 180})
    assert len(long) == 2 and len(long[0]["data"]) == 180


# ------------------------------------------------------------------------------------------- names


def test_projects_keys_users_and_admin_keys(client: httpx.Client, sim: OpenAISimulator) -> None:
    projects = get(client, "/v1/organization/projects")
    assert projects["object"] == "list" and projects["has_more"] is False
    names = [p["name"] for p in projects["data"]]
    assert names[0] == "Default project" and len(names) == 3  # the third project is archived
    everything = get(client, "/v1/organization/projects", include_archived="true")["data"]
    assert len(everything) == 4 and everything[-1]["status"] == "archived" and everything[-1]["archived_at"]
    first = get(client, "/v1/organization/projects", limit=2, include_archived="true")
    assert first["has_more"] is True and first["last_id"] == everything[1]["id"]
    rest = get(client, "/v1/organization/projects", limit=2, after=first["last_id"], include_archived="true")
    assert [p["id"] for p in rest["data"]] == [p["id"] for p in everything[2:]] and rest["has_more"] is False
    owners: set[str] = set()
    for project in everything:
        keys = get(client, f"/v1/organization/projects/{project['id']}/api_keys")["data"]
        for key in keys:
            assert key["object"] == "organization.project.api_key" and key["id"].startswith("key_")
            assert set(key) == {
                "object",
                "id",
                "name",
                "redacted_value",
                "created_at",
                "last_used_at",
                "owner",
                "owner_project_access",
            }
            owners.add(key["owner"]["type"])
    assert owners == {"user", "service_account"}
    assert_error(client.get("/v1/organization/projects/proj_nope/api_keys"), 404)
    admin = get(client, "/v1/organization/admin_api_keys")["data"]
    assert [k["object"] for k in admin] == ["organization.admin_api_key"]
    assert ADMIN not in str(admin) and admin[0]["redacted_value"].endswith(ADMIN[-4:])
    users = get(client, "/v1/organization/users")["data"]
    assert all(u["object"] == "organization.user" and u["id"].startswith("user-") for u in users)
    one = get(client, "/v1/organization/users", emails=users[1]["email"])["data"]
    assert one == [users[1]]
    # Usage names only ids: every key id and user id it reports is listed.
    rows = [r for h in range(24) for r in sim.usage_rows(ORG, utc(2026, 11, 3, h))]
    listed_keys = {k["id"] for p in everything for k in sim.api_keys(ORG) if k["project_id"] == p["id"]}
    assert {r["api_key_id"] for r in rows} - {None} <= listed_keys
    assert {r["user_id"] for r in rows} - {None} <= {u["id"] for u in users}


# ------------------------------------------------------------------------------------- determinism


def test_same_seed_serves_identical_data() -> None:
    bodies = []
    for seed in (7, 7, 8):
        sim = make_sim(seed=seed)
        sim.start()
        try:
            with httpx.Client(base_url=sim.base_url, headers={"authorization": f"Bearer {ADMIN}"}) as c:
                params = {"start_time": ts(utc(2026, 11, 2)), "bucket_width": "1h", "limit": 48, "group_by": "model"}
                bodies.append(
                    [
                        c.get(COMPLETIONS, params=params).content,
                        c.get(COSTS, params={"start_time": ts(utc(2026, 10, 1)), "limit": 30}).content,
                        c.get("/v1/organization/projects").content,
                    ]
                )
        finally:
            sim.stop()
    assert bodies[0] == bodies[1]
    assert all(a != b for a, b in zip(bodies[0], bodies[2], strict=True))


def test_endpoints_and_models_follow_the_profile() -> None:
    sim = make_sim(endpoints=("completions",), chat_models=("gpt-4o-mini-2024-07-18",), multimodal=False)
    rows = [r for h in range(24) for r in sim.usage_rows(ORG, utc(2026, 11, 3, h))]
    assert {r["model"] for r in rows} == {"gpt-4o-mini-2024-07-18"}
    assert all(sim.usage_rows(ORG, utc(2026, 11, 3, 15), kind) == [] for kind in KINDS if kind != "completions")


# --------------------------------------------------------------------------------------------- CLI


def test_cli_takes_keys_from_the_environment_and_never_prints_them(tmp_path: Path) -> None:
    key_file = tmp_path / "project-keys"
    key_file.write_text(f"# project keys\n{PROJECT_KEY}\n")
    command = [sys.executable, "-m", "local.openai_sim", "--port", "0", "--project-key-file", str(key_file)]
    env = {**os.environ, "OPENAI_SIM_ADMIN_KEYS": ADMIN}
    with subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, text=True, env=env) as proc:
        try:
            assert proc.stdout is not None
            url = proc.stdout.readline().rsplit(" at ", 1)[1].strip()
            keys_line = proc.stdout.readline()
            assert ADMIN not in keys_line and "sk-admin-...0001" in keys_line
            ok = httpx.get(f"{url}/v1/organization/projects", headers={"authorization": f"Bearer {ADMIN}"})
            assert ok.status_code == 200 and ok.headers["openai-organization"] == "org-demo"
            refused = httpx.get(f"{url}/v1/organization/projects", headers={"authorization": f"Bearer {PROJECT_KEY}"})
            assert refused.status_code == 403
        finally:
            # Stops on SIGTERM even when started with SIGINT ignored (a background job); never hangs the suite.
            proc.send_signal(signal.SIGTERM)
            try:
                code = proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                raise
            assert code == 0
    rejected = subprocess.run(
        [sys.executable, "-m", "local.openai_sim", "--admin-key", ADMIN], cwd=ROOT, capture_output=True, text=True
    )
    assert rejected.returncode == 2 and ADMIN not in rejected.stderr
