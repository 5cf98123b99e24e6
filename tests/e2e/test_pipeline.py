"""The whole pipeline on the emulators: API -> Pub/Sub -> collector -> Firestore -> costing -> API.

Every function runs under functions-framework, wired by push subscriptions exactly as local.wiring (and
infra/) wire them; the provider is the simulated Anthropic Admin API on loopback.
"""

from __future__ import annotations

import base64
import json
import random
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
from google.cloud import firestore, pubsub_v1

from local.anthropic_sim import AnthropicSimulator, SimOrganization, UsageProfile
from local.wiring import FunctionsHost, create_topology, start_functions
from shared import topology
from shared.auth import LocalTokenIssuer
from shared.money import to_cents

pytestmark = pytest.mark.emulators
KEY = "sk-ant-admin01-" + "E" * 40 + "e2e1"
HISTORY_DAYS = 10


class Stack:
    def __init__(self, project: str, tmp: Path, sim: AnthropicSimulator, functions: FunctionsHost):
        self.project = project
        self.sim = sim
        self.functions = functions
        self.api = functions.url("api")
        self.issuer = LocalTokenIssuer(tmp / "local", project)
        self.publisher = pubsub_v1.PublisherClient()
        self.subscriber = pubsub_v1.SubscriberClient()

    def headers(self, tenant: str = "acme", role: str = "owner") -> dict[str, str]:
        return {"Authorization": "Bearer " + self.issuer.issue(tenant, role=role)}

    def get(self, path: str, **kw: Any) -> httpx.Response:
        return httpx.get(self.api + path, headers=kw.pop("headers", None) or self.headers(), timeout=30, **kw)

    def wait_for(self, what: str, check, timeout: float = 120.0) -> Any:  # type: ignore[no-untyped-def]
        deadline = time.monotonic() + timeout
        last = None
        while time.monotonic() < deadline:
            last = check()
            if last:
                return last
            time.sleep(0.5)
        raise AssertionError(f"timed out waiting for {what}; last={last!r}")


@pytest.fixture
def stack(project_id: str, tmp_path: Path) -> Iterator[Stack]:
    sim = AnthropicSimulator()
    sim.add_organization(
        SimOrganization(
            id="org_e2e",
            name="E2E Org",
            admin_keys=[KEY],
            profile=UsageProfile(seed=11, api_keys=3, workspaces=2, combos_per_hour=8),
        )
    )
    sim.start()
    env = {
        "GOOGLE_CLOUD_PROJECT": project_id,
        "TM_MODE": "local",
        "TM_LOCAL_DIR": str(tmp_path / "local"),
        "ANTHROPIC_API_BASE_URL": sim.base_url,
        "TM_HISTORY_DAYS": str(HISTORY_DAYS),
    }
    functions = start_functions(env, tmp_path / "logs")
    try:
        create_topology(project_id, functions.ports)
        s = Stack(project_id, tmp_path, sim, functions)
        # A tap on every topic records every message, so the test can replay them all.
        for topic in topology.TOPICS:
            s.subscriber.create_subscription(
                name=s.subscriber.subscription_path(project_id, f"tap-{topic}"),
                topic=s.publisher.topic_path(project_id, topic),
            )
        yield s
        s.subscriber.close()
    finally:
        functions.stop()
        sim.stop()
        for log in sorted((tmp_path / "logs").glob("*.log")):
            text = log.read_text(errors="replace")
            assert "Traceback" not in text, f"{log.name} has a traceback:\n{text[-3000:]}"


def drain_tap(stack: Stack) -> list[tuple[str, bytes]]:
    out: list[tuple[str, bytes]] = []
    for topic in topology.TOPICS:
        path = stack.subscriber.subscription_path(stack.project, f"tap-{topic}")
        while True:
            resp = stack.subscriber.pull(subscription=path, max_messages=500, timeout=5)
            if not resp.received_messages:
                break
            out += [(topic, m.message.data) for m in resp.received_messages]
            stack.subscriber.acknowledge(subscription=path, ack_ids=[m.ack_id for m in resp.received_messages])
    return out


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
    assert before["documents_read"] == HISTORY_DAYS  # one aggregate document per day
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
    replay_started = datetime.now(UTC)
    for topic, data in replay:
        stack.publisher.publish(stack.publisher.topic_path(stack.project, topic), data).result(timeout=10)
    db = firestore.Client(project=stack.project)

    def replay_processed() -> bool:
        days = db.collection_group("cost_days").stream()
        return all(d.get("built_at") >= replay_started for d in days if d.get("day") <= yesterday)

    stack.wait_for("replayed messages to be processed", replay_processed)
    after = settled_usage(stack, start, yesterday)
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
    assert base64  # (imported for readers decoding tap payloads by hand)
