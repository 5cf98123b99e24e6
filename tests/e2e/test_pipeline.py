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
from tests.e2e.conftest import HISTORY_DAYS, KEY, Stack, drain_tap

pytestmark = pytest.mark.emulators


def settled_usage(stack: Stack, start: str, end: str, group_by: str = "day,model,api_key,workspace") -> dict:
    """Poll until two consecutive answers agree (the pipeline has gone quiet)."""
    previous: dict | None = None

    def check() -> dict | None:
        nonlocal previous
        r = stack.get(f"/v1/usage?from={start}&to={end}&group_by={group_by}")
        assert r.status_code == 200, r.text
        body = r.json()
        stable = body if previous == body and body["rows"] else None
        previous = body
        if stable is None:
            time.sleep(1.5)
        return stable

    return stack.wait_for("usage to settle", check)


def test_connect_collect_price_and_replay_changes_nothing(stack: Stack) -> None:
    r = httpx.post(
        stack.api + "/v1/accounts",
        headers=stack.headers(),
        timeout=60,
        json={"provider": "anthropic", "name": "Production", "api_key": KEY},
    )
    assert r.status_code == 201, r.text
    account = r.json()
    assert account["organization"] == {"id": "org_e2e", "name": "E2E Org"}

    def connected() -> dict | None:
        a = stack.get(f"/v1/accounts/{account['id']}").json()
        return a if a["status"] == "connected" and a["history"]["complete"] else None

    done = stack.wait_for("history import", connected)
    assert done["last_success_at"] is not None and done["history"]["days_imported"] == HISTORY_DAYS

    today = datetime.now(UTC).date()
    start = (today - timedelta(days=HISTORY_DAYS)).isoformat()
    yesterday = (today - timedelta(days=1)).isoformat()
    before = settled_usage(stack, start, yesterday)
    assert before["documents_read"] == HISTORY_DAYS  # one priced day per day (no whole month in range)
    assert before["coverage"] == {"complete": True, "missing_days": []}
    # Settled past days equal the simulator's own list-price costing, to the cent.
    day0 = datetime.fromisoformat(start).replace(tzinfo=UTC)
    expected = stack.sim.expected_list_cost_usd("org_e2e", day0, datetime.combine(today, datetime.min.time(), UTC))
    assert to_cents(Decimal(before["totals"]["total_cost"])) == to_cents(expected)
    names = {row["workspace_name"] for row in before["rows"]}
    assert "Default workspace" in names
    assert all(not n.startswith("wrkspc_") for n in names)  # named from the workspace list

    # Pub/Sub delivers at least once and out of order: replay every message twice, shuffled.
    messages = drain_tap(stack)
    kinds = {t for t, _ in messages}
    assert {topology.TOPIC_COLLECT_REQUESTS, topology.TOPIC_USAGE_COLLECTED} <= kinds
    replay = messages * 2
    random.Random(5).shuffle(replay)
    db = firestore.Client(project=stack.project)
    built = {d.id: d.get("built_at") for d in db.collection_group("priced_days").stream()}
    costing_log = stack.tmp / "logs" / "function-costing.log"
    priced_before = costing_log.read_text().count('"days priced"')
    costing_messages = sum(1 for t, _ in replay if t == topology.TOPIC_USAGE_COLLECTED)
    for topic, data in replay:
        stack.publisher.publish(stack.publisher.topic_path(stack.project, topic), data).result(timeout=10)

    def replay_processed() -> bool:
        return costing_log.read_text().count('"days priced"') >= priced_before + costing_messages

    stack.wait_for("replayed messages to be processed", replay_processed, timeout=240)
    after = settled_usage(stack, start, yesterday)
    # Nothing changed, so nothing settled was written again (the running hour's day may have moved on).
    rebuilt = {d.id: d.get("built_at") for d in db.collection_group("priced_days").stream()}
    assert {k: v for k, v in rebuilt.items() if k <= yesterday} == {k: v for k, v in built.items() if k <= yesterday}
    # "provisional" is measured from the wall clock (the last 48 hours): it moves when an hour turns.
    after.pop("provisional", None)
    before.pop("provisional", None)
    assert after == before


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
