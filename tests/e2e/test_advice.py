"""Savings advice end to end on the emulators: the simulated Anthropic Admin API serves an organization with the
savings patterns (a nightly batch-like key, a chat key without caching, long-context prompts, 5-minute cache
rewrites, an idle key, a key appearing in a new workspace); connecting imports and prices its history through
the functions; GET /v1/advice names each pattern's key; the daily sweep raises one signed webhook per
recommendation worth the tenant's threshold, and further sweeps raise nothing again.

Real time: today (late 2026) Sonnet 4.6 bills its whole 1M window at base rates, so the long-context key gets
no long-context advice (the premium case is covered on a fixed clock in tests/integration/test_insights_emulator.py).
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from local.alert_receiver import AlertReceiver
from local.anthropic_sim import AnthropicSimulator, SimOrganization, UsageProfile
from local.secret_manager_server import LocalSecretManager
from local.wiring import create_topology, start_functions
from shared import topology
from shared.alerts.evaluator import DAILY_SWEEP_HOUR
from tests.e2e.test_alerts import Stack, wait_for, wait_quiet

pytestmark = pytest.mark.emulators
KEY = "sk-ant-admin01-" + "D" * 40 + "adv1"
ORG = "org_advice"
PATTERNS = ("nightly_batch", "uncached_chat", "long_context", "cache_rewrite", "idle", "new_workspace")
THRESHOLD = Decimal(50)


@pytest.fixture
def stack(project_id: str, tmp_path: Path) -> Iterator[Stack]:
    now = datetime.now(UTC)
    sim = AnthropicSimulator()
    profile = UsageProfile(
        seed=29,
        api_keys=3,
        workspaces=2,
        combos_per_hour=6,
        patterns=PATTERNS,
        idle_since=now - timedelta(days=40),
        appears_at=(now - timedelta(days=3)).replace(minute=0, second=0, microsecond=0),
    )
    sim.add_organization(SimOrganization(ORG, "Advice Org", admin_keys=[KEY], profile=profile))
    sim.start()
    secrets = LocalSecretManager()
    secrets.start()
    receiver = AlertReceiver(log_path=tmp_path / "alert-receiver.log").start()
    env = {
        "GOOGLE_CLOUD_PROJECT": project_id,
        "TM_MODE": "local",
        "TM_LOCAL_DIR": str(tmp_path / "local"),
        "ANTHROPIC_API_BASE_URL": sim.base_url,
        "TM_SECRET_MANAGER_EMULATOR_HOST": secrets.host,
        "TM_HISTORY_DAYS": "12",
    }
    functions = start_functions(env, tmp_path / "logs")
    try:
        create_topology(project_id, functions.ports)
        s = Stack(project_id, tmp_path, sim, functions)
        s.receiver = receiver
        yield s
        s.subscriber.close()
    finally:
        functions.stop()
        receiver.stop()
        secrets.stop()
        sim.stop()
        for log in sorted((tmp_path / "logs").glob("*.log")):
            text = log.read_text(errors="replace")
            assert "Traceback" not in text, f"{log.name} has a traceback:\n{text[-3000:]}"


def tick(stack: Stack) -> None:
    """What Cloud Scheduler publishes at the daily sweep's hour (the alert sweep asks every alerting tenant
    for its daily evaluation, savings advice included)."""
    at = datetime.now(UTC).replace(hour=DAILY_SWEEP_HOUR, minute=0, second=5)
    payload = json.dumps({"tick_at": at.isoformat()}).encode()
    topic = stack.publisher.topic_path(stack.project, topology.TOPIC_SCHEDULER_TICKS)
    stack.publisher.publish(topic, payload).result(timeout=10)


def test_pattern_keys_get_their_advice_and_new_advice_is_alerted_once(stack: Stack) -> None:
    stack.tenant("saver")
    stack.webhook("saver", "/advice", ["advice"])
    r = stack.call("PUT", "/v1/settings", "saver", json={"advice_alert_usd": str(THRESHOLD)})
    assert r.status_code == 200 and r.json()["advice_alert_usd"] == "50", r.text
    stack.connect("saver", KEY)
    wait_quiet(stack, "saver")

    r = stack.call("GET", "/v1/advice", "saver")
    assert r.status_code == 200, r.text
    body = r.json()
    keys = {name: info["api_key_id"] for name, info in stack.sim.patterns(ORG).items()}
    found: dict[tuple[str, str | None], dict[str, Any]] = {}
    for advice in body["advice"]:
        found.setdefault((advice["kind"], advice["scope"]["api_key_id"]), advice)
    for kind, pattern in (
        ("batch", "nightly_batch"),
        ("prompt_caching", "uncached_chat"),
        ("right_sizing", "uncached_chat"),
        ("cache_duration", "cache_rewrite"),
        ("unusual_key", "new_workspace"),
    ):
        advice = found.get((kind, keys[pattern]))
        assert advice is not None, (kind, pattern, sorted(found))
        assert Decimal(advice["monthly_savings"]) > 0, advice
        assert advice["scope"]["api_key_name"] == stack.sim.patterns(ORG)[pattern]["name"]
        assert advice["method"] and advice["confidence"]["why"]
    assert found[("idle_key", keys["idle"])]["scope"]["api_key_name"] == "legacy-idle"
    assert ("long_context", keys["long_context"]) not in found  # no premium on Sonnet 4.6 any more
    assert found[("batch", keys["nightly_batch"])]["evidence"]["off_hours_share"] == "1"

    worth = {a["id"] for a in body["advice"] if Decimal(a["monthly_savings"]) >= THRESHOLD}
    assert worth
    tick(stack)

    def delivered() -> set[str]:
        got = {r.alert["details"]["id"] for r in stack.receiver.on("/advice") if r.verified}
        return got if got >= worth else set()

    assert wait_for("the advice webhooks", delivered, 180) == worth
    received = stack.receiver.on("/advice")
    assert all(r.alert["kind"] == "advice" and r.status == 204 for r in received)
    # Later sweeps (and any redelivery) find the same advice: nothing is raised or delivered again.
    tick(stack)
    tick(stack)
    time.sleep(15)
    assert len(stack.receiver.on("/advice")) == len(received)
    assert {a["rule_id"] for a in stack.alerts("saver", "advice")} == {f"advice:{i}" for i in worth}
