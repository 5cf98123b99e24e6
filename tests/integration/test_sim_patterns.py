"""Usage patterns for the savings advice, in both simulators: off by default, each on a key a test can name."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest

from local import anthropic_sim, openai_sim
from local.simkit import NIGHT_HOURS, SAVINGS_PATTERNS

NOW = datetime(2026, 11, 5, 10, 30, tzinfo=UTC)
ANTHROPIC_ADMIN = "sk-ant-admin01-test-patterns-key"
OPENAI_ADMIN = "sk-admin-test-patterns-key-000001"
ORG = "org_patterns"
ALL_ANTHROPIC = tuple(SAVINGS_PATTERNS)
ALL_OPENAI = tuple(n for n in SAVINGS_PATTERNS if n != "long_context")


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


def hours(start: datetime, end: datetime) -> Iterable[datetime]:
    h = start
    while h < end:
        yield h
        h += timedelta(hours=1)


def anthropic(now: datetime = NOW, **profile: Any) -> anthropic_sim.AnthropicSimulator:
    sim = anthropic_sim.AnthropicSimulator(now=lambda: now)
    sim.add_organization(
        anthropic_sim.SimOrganization(
            ORG, "Patterns", admin_keys=[ANTHROPIC_ADMIN], profile=anthropic_sim.UsageProfile(seed=3, **profile)
        )
    )
    return sim


def openai(now: datetime = NOW, **profile: Any) -> openai_sim.OpenAISimulator:
    sim = openai_sim.OpenAISimulator(now=lambda: now)
    sim.add_organization(
        openai_sim.SimOrganization(
            ORG, "Patterns", admin_keys=[OPENAI_ADMIN], profile=openai_sim.UsageProfile(seed=3, **profile)
        )
    )
    return sim


def rows_of(sim: Any, start: datetime, end: datetime, key: str | None = None) -> list[tuple[datetime, dict[str, Any]]]:
    return [(h, r) for h in hours(start, end) for r in sim.usage_rows(ORG, h) if key is None or r["api_key_id"] == key]


def test_patterns_are_off_by_default_and_leave_the_regular_data_unchanged() -> None:
    week = (utc(2026, 10, 26), utc(2026, 11, 2))
    for plain, patterned, names in (
        (anthropic(), anthropic(patterns=ALL_ANTHROPIC), ALL_ANTHROPIC),
        (openai(), openai(patterns=ALL_OPENAI), ALL_OPENAI),
    ):
        assert plain.patterns(ORG) == {}
        named = patterned.patterns(ORG)
        assert set(named) == set(names)
        pattern_keys = {info["api_key_id"] for info in named.values()}
        assert len(pattern_keys) == len(names)
        regular = [r for _, r in rows_of(patterned, *week) if r["api_key_id"] not in pattern_keys]
        assert regular == [r for _, r in rows_of(plain, *week)]
        assert all(info["description"] == SAVINGS_PATTERNS[name] for name, info in named.items())


def test_unknown_or_unsupported_patterns_are_refused() -> None:
    with pytest.raises(ValueError, match="unknown usage pattern"):
        anthropic(patterns=("thrifty",))
    with pytest.raises(ValueError, match="not supported"):
        openai(patterns=("long_context",))  # OpenAI usage carries no context window


@pytest.mark.parametrize("make", [anthropic, openai])
def test_nightly_batch_key_runs_steadily_off_hours_on_the_standard_tier(make: Any) -> None:
    sim = make(patterns=("nightly_batch",))
    key = sim.patterns(ORG)["nightly_batch"]["api_key_id"]
    rows = rows_of(sim, utc(2026, 10, 26), utc(2026, 11, 2), key)  # a week, weekend included
    assert {h.hour for h, _ in rows} == set(NIGHT_HOURS)
    assert len({h.date() for h, _ in rows}) == 7  # every day, Saturday and Sunday too
    assert {r["service_tier"] for _, r in rows} <= {"standard", "default"}
    assert not any(r.get("batch") for _, r in rows)
    volumes = [r.get("uncached_input_tokens", r.get("input_tokens")) for _, r in rows]
    assert max(volumes) < 1.4 * min(volumes)  # a scheduled job, not a daily rhythm


@pytest.mark.parametrize("make", [anthropic, openai])
def test_uncached_chat_key_sends_large_input_without_caching(make: Any) -> None:
    sim = make(patterns=("uncached_chat",))
    key = sim.patterns(ORG)["uncached_chat"]["api_key_id"]
    rows = [r for _, r in rows_of(sim, utc(2026, 11, 3), utc(2026, 11, 4), key)]
    assert len(rows) >= 12
    if make is anthropic:
        assert all(
            r["cache_read_input_tokens"] == 0 and r["cache_creation"]["ephemeral_5m_input_tokens"] == 0 for r in rows
        )
        uncached = sum(r["uncached_input_tokens"] for r in rows)
    else:
        assert all(r["input_cached_tokens"] == 0 and r["input_cache_write_tokens"] == 0 for r in rows)
        uncached = sum(r["input_tokens"] for r in rows)
    assert uncached > 10_000_000


@pytest.mark.parametrize("make", [anthropic, openai])
def test_cache_rewrite_key_writes_more_than_it_reads(make: Any) -> None:
    sim = make(patterns=("cache_rewrite",))
    key = sim.patterns(ORG)["cache_rewrite"]["api_key_id"]
    rows = [r for _, r in rows_of(sim, utc(2026, 11, 3), utc(2026, 11, 4), key)]
    assert len(rows) >= 12
    for r in rows:
        if make is anthropic:
            writes, reads = r["cache_creation"]["ephemeral_5m_input_tokens"], r["cache_read_input_tokens"]
            assert r["cache_creation"]["ephemeral_1h_input_tokens"] == 0
        else:
            writes, reads = r["input_cache_write_tokens"], r["input_cached_tokens"]
        assert writes > 2 * reads > 0


@pytest.mark.parametrize("make", [anthropic, openai])
def test_idle_key_stops_and_stays_listed(make: Any) -> None:
    sim = make(patterns=("idle",), idle_since=utc(2026, 9, 20))
    info = sim.patterns(ORG)["idle"]
    key = info["api_key_id"]
    before = rows_of(sim, utc(2026, 9, 18), utc(2026, 9, 20), key)
    after = rows_of(sim, utc(2026, 9, 20), utc(2026, 9, 23), key) + rows_of(
        sim, utc(2026, 11, 3), utc(2026, 11, 4), key
    )
    assert before and not after  # 46 days without usage at NOW
    sim.start()
    try:
        if make is anthropic:
            headers = {"x-api-key": ANTHROPIC_ADMIN, "anthropic-version": "2023-06-01"}
            listed = httpx.get(f"{sim.base_url}/v1/organizations/api_keys", headers=headers).json()["data"]
        else:
            headers = {"authorization": f"Bearer {OPENAI_ADMIN}"}
            path = f"{sim.base_url}/v1/organization/projects/{info['project_id']}/api_keys"
            listed = httpx.get(path, headers=headers).json()["data"]
    finally:
        sim.stop()
    assert [k["name"] for k in listed if k["id"] == key] == ["legacy-idle"]


def test_new_workspace_key_appears_suddenly_in_a_new_workspace_and_geo() -> None:
    sim = anthropic(patterns=("new_workspace",), appears_at=utc(2026, 11, 2, 9))
    info = sim.patterns(ORG)["new_workspace"]
    rows = rows_of(sim, utc(2026, 10, 30), utc(2026, 11, 5), info["api_key_id"])
    assert rows and min(h for h, _ in rows) >= utc(2026, 11, 2, 9)
    assert {(r["workspace_id"], r["inference_geo"]) for _, r in rows} == {(info["workspace_id"], "us")}
    sim.start()
    try:
        headers = {"x-api-key": ANTHROPIC_ADMIN, "anthropic-version": "2023-06-01"}
        workspaces = httpx.get(f"{sim.base_url}/v1/organizations/workspaces", headers=headers).json()["data"]
    finally:
        sim.stop()
    (new,) = [w for w in workspaces if w["id"] == info["workspace_id"]]
    assert new["created_at"] == "2026-11-02T09:00:00Z"
    # Every other key stays in the workspaces it always had.
    old = {
        r["workspace_id"]
        for _, r in rows_of(sim, utc(2026, 10, 30), utc(2026, 11, 5))
        if r["api_key_id"] != info["api_key_id"]
    }
    assert info["workspace_id"] not in old


def test_new_project_key_appears_suddenly_in_openai() -> None:
    sim = openai(patterns=("new_workspace",), appears_at=utc(2026, 11, 2, 9))
    info = sim.patterns(ORG)["new_workspace"]
    rows = rows_of(sim, utc(2026, 10, 30), utc(2026, 11, 5), info["api_key_id"])
    assert rows and min(h for h, _ in rows) >= utc(2026, 11, 2, 9)
    assert {r["project_id"] for _, r in rows} == {info["project_id"]}
    assert [p["created_at"] for p in sim.projects(ORG) if p["id"] == info["project_id"]] == [
        int(utc(2026, 11, 2, 9).timestamp())
    ]


def test_long_context_rows_bill_the_premium_while_the_model_does() -> None:
    sim = anthropic(now=utc(2026, 5, 10), patterns=("long_context",))
    info = sim.patterns(ORG)["long_context"]
    assert info["models"] == ["claude-sonnet-4-5-20250929", "claude-sonnet-4-6"]
    before = rows_of(sim, utc(2026, 4, 28), utc(2026, 4, 29), info["api_key_id"])
    after = rows_of(sim, utc(2026, 5, 4), utc(2026, 5, 5), info["api_key_id"])
    assert {(r["model"], r["context_window"]) for _, r in before} == {("claude-sonnet-4-5-20250929", "200k-1M")}
    assert {(r["model"], r["context_window"]) for _, r in after} == {("claude-sonnet-4-6", "200k-1M")}
    premium = anthropic_sim.list_price_usd_per_mtok(
        "claude-sonnet-4-5-20250929", "standard", "200k-1M", "global", "standard", date(2026, 4, 28)
    )
    standard = anthropic_sim.list_price_usd_per_mtok(
        "claude-sonnet-4-6", "standard", "200k-1M", "global", "standard", date(2026, 5, 4)
    )
    assert premium is not None and standard is not None
    assert (premium[0], premium[4]) == (Decimal(6), Decimal("22.5")) and (standard[0], standard[4]) == (3, 15)
