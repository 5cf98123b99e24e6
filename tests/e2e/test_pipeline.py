"""The whole pipeline on the emulators: API -> Pub/Sub -> collector -> Firestore -> costing -> API.

Every function runs under functions-framework, wired by push subscriptions exactly as local.wiring (and
infra/) wire them; the provider is the simulated Anthropic Admin API on loopback.
"""

from __future__ import annotations

import json
import random
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import httpx
import pytest
from google.cloud import firestore

from shared import topology
from shared.domain.money import to_cents
from tests.e2e.conftest import HISTORY_DAYS, KEY, OPENAI_KEY, OPENAI_ORG, Stack, drain_tap

pytestmark = pytest.mark.emulators


def settled_usage(stack: Stack, start: str, end: str, group_by: str = "day,model,api_key,workspace") -> dict:
    """Poll until every day is priced and two consecutive answers agree (the pipeline has gone quiet)."""
    previous: dict | None = None

    def check() -> dict | None:
        nonlocal previous
        r = stack.get(f"/v1/usage?from={start}&to={end}&group_by={group_by}")
        assert r.status_code == 200, r.text
        body = r.json()
        # Quiet: every day priced (costing may still be behind the collector) and two answers alike.
        stable = body if previous == body and body["rows"] and body["coverage"]["complete"] else None
        previous = body
        if stable is None:
            time.sleep(1.5)
        return stable

    return stack.wait_for("usage to settle", check)


def connect(stack: Stack, provider: str, name: str, key: str) -> dict:
    r = httpx.post(
        stack.api + "/v1/accounts",
        headers=stack.headers(),
        timeout=60,
        json={"provider": provider, "name": name, "api_key": key},
    )
    assert r.status_code == 201, r.text
    account: dict = r.json()

    def imported() -> dict | None:
        a = stack.get(f"/v1/accounts/{account['id']}").json()
        return a if a["status"] == "connected" and a["history"]["complete"] else None

    done = stack.wait_for(f"{provider} history import", imported, timeout=180)
    assert done["last_success_at"] is not None and done["history"]["days_imported"] == HISTORY_DAYS
    return account


def test_connect_collect_price_and_replay_changes_nothing(stack: Stack) -> None:
    """One tenant with an Anthropic and an OpenAI organization: both priced to the cent against their
    simulators' own list-price oracles, per provider and model; then every Pub/Sub message of the run
    replayed twice, shuffled, changes nothing."""
    assert stack.openai is not None
    anthropic = connect(stack, "anthropic", "Production", KEY)
    assert anthropic["organization"] == {"id": "org_e2e", "name": "E2E Org"}
    openai = connect(stack, "openai", "OpenAI", OPENAI_KEY)
    # OpenAI's Admin API names the organization only by id (the openai-organization header).
    assert openai["organization"] == {"id": OPENAI_ORG, "name": OPENAI_ORG}
    listed = stack.get("/v1/accounts").json()["accounts"]
    # Projects sit where Anthropic's workspaces sit; the provider's own word stays visible.
    assert {(a["provider"], a["workspace_word"]) for a in listed} == {("anthropic", "workspace"), ("openai", "project")}

    today = datetime.now(UTC).date()
    start = (today - timedelta(days=HISTORY_DAYS)).isoformat()
    yesterday = (today - timedelta(days=1)).isoformat()
    before = settled_usage(stack, start, yesterday)
    assert before["documents_read"] == 2 * HISTORY_DAYS  # one priced day per account and day
    assert before["coverage"] == {"complete": True, "missing_days": []}
    # Settled past days equal each simulator's own list-price costing, to the cent.
    day0 = datetime.fromisoformat(start).replace(tzinfo=UTC)
    midnight = datetime.combine(today, datetime.min.time(), UTC)
    by_provider = settled_usage(stack, start, yesterday, group_by="provider,model")
    cost: dict[str, dict[str, Decimal]] = {"anthropic": {}, "openai": {}}
    tools = Decimal(0)
    unpriced: set[str] = set()
    for row in by_provider["rows"]:
        if row["unpriced"]:
            unpriced.add(row["model"])
        if row["total_cost"] is None:
            continue
        search = Decimal(row["cost"].get("web_search", "0")) + Decimal(row["cost"].get("file_search", "0"))
        tools += search if row["provider"] == "openai" else Decimal(0)
        cost[row["provider"]][row["model"]] = Decimal(row["total_cost"]) - (
            search if row["provider"] == "openai" else Decimal(0)
        )
    expected_anthropic = stack.sim.expected_list_cost_usd("org_e2e", day0, midnight)
    assert to_cents(sum(cost["anthropic"].values(), Decimal(0))) == to_cents(expected_anthropic)
    expected_openai = stack.openai.expected_cost_by_model(OPENAI_ORG, day0, midnight)
    per_unit = ("web search tool calls", "file search tool calls")
    no_list_price = ("code interpreter sessions", "Vector storage")
    for model, usd in expected_openai.items():
        if model not in per_unit + no_list_price:
            assert to_cents(cost["openai"].get(model, Decimal(0))) == to_cents(usd), model
    assert to_cents(tools) == to_cents(sum((expected_openai.get(m, Decimal(0)) for m in per_unit), Decimal(0)))
    # What has no list price is unpriced, never $0.
    assert {"tool:code_interpreter", "tool:vector_storage"} <= unpriced
    # Totals add across providers.
    assert Decimal(by_provider["totals"]["total_cost"]) == sum(
        (Decimal(r["total_cost"]) for r in by_provider["rows"] if r["total_cost"] is not None), Decimal(0)
    )
    names = {row["workspace_name"] for row in before["rows"]}
    assert {"Default workspace", "Default project"} <= names
    assert all(not n.startswith(("wrkspc_", "proj_")) for n in names)  # named from the workspace/project lists
    # One provider's share, through explain and reconciliation.
    explained = stack.get(f"/v1/usage/explain?from={start}&to={yesterday}&provider=openai").json()
    assert explained["lines"] and {line["provider"] for line in explained["lines"]} == {"openai"}
    reconciled = stack.get(f"/v1/reconciliation?from={start}&to={yesterday}&provider=anthropic").json()
    assert reconciled["account_ids"] == [anthropic["id"]] and reconciled["rows"]
    assert {r["account_id"] for r in reconciled["rows"]} == {anthropic["id"]}

    # Pub/Sub delivers at least once and out of order: replay every message twice, shuffled.
    messages = drain_tap(stack)
    kinds = {t for t, _ in messages}
    assert {topology.TOPIC_COLLECT_REQUESTS, topology.TOPIC_USAGE_COLLECTED} <= kinds
    replay = messages * 2
    random.Random(5).shuffle(replay)
    db = firestore.Client(project=stack.project)
    built = {d.reference.path: d.get("built_at") for d in db.collection_group("priced_days").stream()}
    costing_log = stack.tmp / "logs" / "function-costing.log"
    priced_before = costing_log.read_text().count('"days priced"')
    costing_messages = sum(1 for t, _ in replay if t == topology.TOPIC_USAGE_COLLECTED)
    for topic, data in replay:
        stack.publisher.publish(stack.publisher.topic_path(stack.project, topic), data).result(timeout=10)

    def replay_processed() -> bool:
        return costing_log.read_text().count('"days priced"') >= priced_before + costing_messages

    stack.wait_for("replayed messages to be processed", replay_processed, timeout=300)
    after = settled_usage(stack, start, yesterday)
    # Nothing changed, so nothing settled was written again (the running hour's day may have moved on).
    rebuilt = {d.reference.path: d.get("built_at") for d in db.collection_group("priced_days").stream()}

    def settled(built_at: dict) -> dict:
        return {k: v for k, v in built_at.items() if k.rsplit("/", 1)[1] <= yesterday}

    assert settled(rebuilt) == settled(built)
    # "provisional" is measured from the wall clock (the last 48 hours): it moves when an hour turns.
    after.pop("provisional", None)
    before.pop("provisional", None)
    assert after == before
    again = settled_usage(stack, start, yesterday, group_by="provider,model")
    again.pop("provisional", None)
    by_provider.pop("provisional", None)
    assert again == by_provider


def test_tenant_isolation_and_bad_input_over_http(stack: Stack) -> None:
    r = httpx.post(
        stack.api + "/v1/accounts",
        headers=stack.headers("acme"),
        timeout=60,
        json={"provider": "anthropic", "name": "P", "api_key": KEY},
    )
    assert r.status_code == 201
    acc = r.json()["id"]
    other = stack.headers("globex")
    assert stack.get(f"/v1/accounts/{acc}", headers=other).status_code == 404
    assert httpx.delete(f"{stack.api}/v1/accounts/{acc}", headers=other).status_code == 404
    assert httpx.post(f"{stack.api}/v1/accounts/{acc}/sync", headers=other).status_code == 404
    assert stack.get("/v1/accounts").json()["accounts"][0]["id"] == acc
    bad = stack.get("/v1/usage?from=2026-02-30&to=2026-03-01")
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "from"
    assert stack.get("/v1/accounts", headers={"Authorization": "Bearer x"}).status_code == 401
    big = httpx.post(
        stack.api + "/v1/accounts", headers=stack.headers(), content=b"{" + b" " * 100_000 + b"}", timeout=30
    )
    assert big.status_code == 413
    spec = stack.get("/v1/openapi.json").json()
    assert "/v1/usage" in spec["paths"]
    # a workspace key is refused with a clear reason and nothing is stored
    r = httpx.post(
        stack.api + "/v1/accounts",
        headers=stack.headers("acme"),
        timeout=60,
        json={"provider": "anthropic", "name": "W", "api_key": "sk-ant-api03-" + "w" * 40},
    )
    assert r.status_code == 422 and r.json()["error"]["code"] == "workspace_key"
    assert len(stack.get("/v1/accounts").json()["accounts"]) == 1


def test_scheduler_tick_dispatches_due_accounts(stack: Stack) -> None:
    r = httpx.post(
        stack.api + "/v1/accounts",
        headers=stack.headers(),
        timeout=60,
        json={"provider": "anthropic", "name": "P", "api_key": KEY},
    )
    acc = r.json()["id"]
    stack.wait_for("first sync", lambda: stack.get(f"/v1/accounts/{acc}").json()["status"] == "connected")
    first = stack.get(f"/v1/accounts/{acc}").json()["last_sync_at"]
    db = firestore.Client(project=stack.project)
    db.collection("tenants").document("acme").collection("accounts").document(acc).update(
        {"next_sync_at": datetime.now(UTC) - timedelta(minutes=1)}
    )
    tick = json.dumps({"tick_at": datetime.now(UTC).isoformat()}).encode()
    stack.publisher.publish(stack.publisher.topic_path(stack.project, topology.TOPIC_SCHEDULER_TICKS), tick).result()
    stack.wait_for("scheduled sync", lambda: stack.get(f"/v1/accounts/{acc}").json()["last_sync_at"] != first)
