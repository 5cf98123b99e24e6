"""Alerts end to end on the emulators: usage priced -> evaluator -> tm-alerts -> webhook and email functions ->
a real HTTP receiver on 127.0.0.1 that checks signatures and a real SMTP server (aiosmtpd).

Every function runs under functions-framework, wired by push subscriptions with dead-letter topics as
local.wiring (and infra/) wire them; the provider is the simulated Anthropic Admin API.
"""

from __future__ import annotations

import random
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from email import message_from_bytes
from email.policy import default as default_policy
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiosmtpd.controller import Controller
from google.cloud import firestore, pubsub_v1

from local.alert_receiver import AlertReceiver
from local.anthropic_sim import AnthropicSimulator, SimOrganization, UsageProfile
from local.procs import free_port
from local.secret_manager_server import LocalSecretManager
from local.wiring import FunctionsHost, create_topology, start_functions
from shared import topology
from shared.security.auth import LocalTokenIssuer

pytestmark = pytest.mark.emulators
KEY_A = "sk-ant-admin01-" + "A" * 40 + "alr1"
KEY_SPIKE = "sk-ant-admin01-" + "B" * 40 + "alr2"
KEY_STEADY = "sk-ant-admin01-" + "C" * 40 + "alr3"


class Mailbox:
    """aiosmtpd handler: keeps every message it accepts."""

    def __init__(self) -> None:
        self.messages: list[bytes] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(envelope.content)
        return "250 OK"


class Stack:
    def __init__(self, project: str, tmp: Path, sim: AnthropicSimulator, functions: FunctionsHost):
        self.project = project
        self.sim = sim
        self.functions = functions
        self.api = functions.url("api")
        self.issuer = LocalTokenIssuer(tmp / "local", project)
        self.publisher = pubsub_v1.PublisherClient()
        self.subscriber = pubsub_v1.SubscriberClient()
        self.receiver: AlertReceiver
        self.mailbox: Mailbox
        self.users: dict[str, str] = {}

    def tenant(self, tenant: str) -> dict[str, str]:
        """Sign up as the owner of a new tenant; returns that owner's headers."""
        user = f"owner-{tenant}"
        signup = {"Authorization": "Bearer " + self.issuer.issue(None, user_id=user)}
        r = httpx.post(f"{self.api}/v1/tenants", headers=signup, json={"id": tenant, "name": tenant}, timeout=30)
        assert r.status_code == 201, r.text
        self.users[tenant] = user
        return self.headers(tenant)

    def headers(self, tenant: str) -> dict[str, str]:
        return {"Authorization": "Bearer " + self.issuer.issue(tenant, user_id=self.users[tenant])}

    def call(self, method: str, path: str, tenant: str, **kw: Any) -> httpx.Response:
        return httpx.request(method, self.api + path, headers=self.headers(tenant), timeout=60, **kw)

    def webhook(self, tenant: str, path: str, kinds: list[str]) -> str:
        r = self.call(
            "POST",
            "/v1/alert-channels",
            tenant,
            json={"name": path, "type": "webhook", "url": self.receiver.url(path), "kinds": kinds},
        )
        assert r.status_code == 201, r.text
        self.receiver.expect(path, r.json()["secret"])
        return str(r.json()["id"])

    def connect(self, tenant: str, key: str) -> str:
        r = self.call("POST", "/v1/accounts", tenant, json={"provider": "anthropic", "name": "Prod", "api_key": key})
        assert r.status_code == 201, r.text
        account_id = str(r.json()["id"])

        def imported() -> bool:
            a = self.call("GET", f"/v1/accounts/{account_id}", tenant).json()
            return bool(a["status"] == "connected" and a["history"]["complete"])

        wait_for("history import", imported, 180)
        return account_id

    def alerts(self, tenant: str, kind: str | None = None) -> list[dict[str, Any]]:
        r = self.call("GET", "/v1/alerts?limit=200" + (f"&kind={kind}" if kind else ""), tenant)
        assert r.status_code == 200, r.text
        alerts: list[dict[str, Any]] = r.json()["alerts"]
        return alerts


def wait_for(what: str, check: Any, timeout: float = 120.0) -> Any:
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
            "org_a", "Org A", admin_keys=[KEY_A], profile=UsageProfile(seed=11, api_keys=3, combos_per_hour=8)
        )
    )
    spike_hour = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) - timedelta(hours=3)
    sim.add_organization(
        SimOrganization(
            "org_spike",
            "Spiky Org",
            admin_keys=[KEY_SPIKE],
            profile=UsageProfile(seed=23, api_keys=3, combos_per_hour=8, spike=(spike_hour, 25.0)),
        )
    )
    sim.add_organization(
        SimOrganization(
            "org_steady",
            "Steady Org",
            admin_keys=[KEY_STEADY],
            profile=UsageProfile(seed=11, api_keys=3, combos_per_hour=8),
        )
    )
    sim.start()
    secrets = LocalSecretManager()
    secrets.start()
    mailbox = Mailbox()
    smtp = Controller(mailbox, hostname="127.0.0.1", port=free_port())
    smtp.start()
    receiver = AlertReceiver(log_path=tmp_path / "alert-receiver.log").start()
    env = {
        "GOOGLE_CLOUD_PROJECT": project_id,
        "TM_MODE": "local",
        "TM_LOCAL_DIR": str(tmp_path / "local"),
        "ANTHROPIC_API_BASE_URL": sim.base_url,
        "TM_SECRET_MANAGER_EMULATOR_HOST": secrets.host,
        "TM_SMTP_HOST": "127.0.0.1",
        "TM_SMTP_PORT": str(smtp.port),
        "TM_SMTP_FROM": "alerts@tokenmeter.test",
        "TM_SMTP_STARTTLS": "false",
    }
    functions = start_functions(env, tmp_path / "logs")
    try:
        create_topology(project_id, functions.ports)
        s = Stack(project_id, tmp_path, sim, functions)
        s.receiver, s.mailbox = receiver, mailbox
        # A tap on every topic (and the alert functions' dead-letter topics) records every message.
        for topic in (
            *topology.TOPICS,
            *(topology.dead_letter_topic(f) for f in topology.FUNCTIONS if f.trigger_topic),
        ):
            s.subscriber.create_subscription(
                name=s.subscriber.subscription_path(project_id, f"tap-{topic}"),
                topic=s.publisher.topic_path(project_id, topic),
            )
        yield s
        s.subscriber.close()
    finally:
        functions.stop()
        receiver.stop()
        smtp.stop()
        secrets.stop()
        sim.stop()
        for log in sorted((tmp_path / "logs").glob("*.log")):
            text = log.read_text(errors="replace")
            # A failed webhook delivery raises on purpose (Pub/Sub retries it): no other traceback is allowed.
            for block in text.split("Traceback")[1:]:
                assert "DeliveryIncomplete" in block[:5000], f"{log.name} has a traceback:\n{block[:3000]}"


def wait_quiet(stack: Stack, tenant: str, quiet_for: float = 6.0, timeout: float = 120.0) -> None:
    """Wait until the tenant's priced days have not been rebuilt for ``quiet_for`` seconds (costing,
    and the evaluation it triggers, have finished)."""
    db = firestore.Client(project=stack.project)
    accounts = db.collection("tenants").document(tenant).collection("accounts")

    def latest() -> Any:
        built = [d.get("built_at") for a in accounts.stream() for d in a.reference.collection("priced_days").stream()]
        return max(built, default=None)

    deadline = time.monotonic() + timeout
    last, since = latest(), time.monotonic()
    while time.monotonic() - since < quiet_for:
        assert time.monotonic() < deadline, f"{tenant}'s pipeline did not go quiet"
        time.sleep(1)
        current = latest()
        if current != last:
            last, since = current, time.monotonic()
    time.sleep(2)  # the evaluation triggered by the last rebuild


def drain(stack: Stack, topics: list[str]) -> list[tuple[str, bytes]]:
    out: list[tuple[str, bytes]] = []
    for topic in topics:
        path = stack.subscriber.subscription_path(stack.project, f"tap-{topic}")
        while True:
            resp = stack.subscriber.pull(subscription=path, max_messages=500, timeout=1)
            if not resp.received_messages:
                break
            out += [(topic, m.message.data) for m in resp.received_messages]
            stack.subscriber.acknowledge(subscription=path, ack_ids=[m.ack_id for m in resp.received_messages])
    return out


def test_budget_crossing_80_percent_sends_one_signed_webhook_and_one_email_even_when_replayed(stack: Stack) -> None:
    stack.tenant("acme")
    hook = stack.webhook("acme", "/acme", ["budget"])
    r = stack.call(
        "POST",
        "/v1/alert-channels",
        "acme",
        json={"name": "ops", "type": "email", "emails": ["ops@acme.test"], "kinds": ["budget"]},
    )
    assert r.status_code == 201, r.text
    mail = r.json()["id"]
    # Month-to-date spend as the simulator will serve it, and a budget it will pass 80% (not 100%) of.
    now = datetime.now(UTC)
    month_start = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    expected = stack.sim.expected_list_cost_usd("org_a", month_start, now)
    amount = (expected / Decimal("0.9")).quantize(Decimal("0.01"))
    r = stack.call(
        "POST",
        "/v1/budgets",
        "acme",
        json={"name": "Monthly", "amount_usd": str(amount), "thresholds": [80, 100], "forecast": False},
    )
    assert r.status_code == 201, r.text
    budget = r.json()["id"]

    stack.connect("acme", KEY_A)  # history import -> costing -> tm-usage-priced -> evaluator -> tm-alerts

    wait_for("the webhook", lambda: stack.receiver.on("/acme"))
    wait_for("the email", lambda: stack.mailbox.messages)
    (received,) = stack.receiver.on("/acme")
    assert received.verified and received.status == 204
    assert received.alert["kind"] == "budget" and received.alert["rule_id"] == budget
    assert received.alert["threshold"] == "80" and received.alert["details"]["provisional"] is True
    assert Decimal(received.alert["details"]["amount_usd"]) == amount
    assert 80 <= float(received.alert["details"]["percent"]) < 100
    (raw,) = stack.mailbox.messages
    email = message_from_bytes(raw, policy=default_policy)
    assert str(email["Subject"]).strip().startswith("[TokenMeter] Budget 'Monthly' reached 80%")
    assert email["To"] == "ops@acme.test" and email["X-TokenMeter-Alert-Id"] == received.alert["id"]

    (alert,) = stack.alerts("acme", "budget")
    deliveries = {d["channel_id"]: d for d in alert["deliveries"]}
    assert {deliveries[hook]["status"], deliveries[mail]["status"]} == {"delivered"}
    assert deliveries[hook]["attempts"] == 1 and deliveries[mail]["attempts"] == 1

    # Pub/Sub delivers at least once and out of order: replay every message of the run, twice, shuffled.
    priced = drain(stack, [topology.TOPIC_USAGE_PRICED])
    assert priced, "costing published no tm-usage-priced message"
    messages = priced + drain(stack, [t for t in topology.TOPICS if t != topology.TOPIC_USAGE_PRICED])
    assert {topology.TOPIC_ALERTS, topology.TOPIC_COLLECT_REQUESTS} <= {t for t, _ in messages}
    replay = messages * 2
    random.Random(6).shuffle(replay)
    for topic, data in replay:
        stack.publisher.publish(stack.publisher.topic_path(stack.project, topic), data).result(timeout=10)

    def replayed_alerts_seen() -> bool:
        (a,) = stack.alerts("acme", "budget")
        return all(d["duplicates_skipped"] >= 2 for d in a["deliveries"])

    wait_for("the replayed alert messages to be processed", replayed_alerts_seen)
    wait_quiet(stack, "acme")  # the replayed collect requests, costing and evaluations have run too
    assert len(stack.receiver.on("/acme")) == 1
    assert len(stack.mailbox.messages) == 1
    assert [a["id"] for a in stack.alerts("acme", "budget")] == [alert["id"]]


def test_spike_raises_an_alert_steady_data_does_not_and_a_revoked_key_does(stack: Stack) -> None:
    stack.tenant("spiky")
    stack.tenant("steady")
    spiky_hook = stack.webhook("spiky", "/spiky", ["spike"])
    broken = stack.webhook("spiky", "/broken", ["spike"])
    stack.receiver.fail("/broken", 10_000)  # always answers 500: retried, then dead-lettered
    stack.webhook("steady", "/steady", ["spike", "connection"])
    stack.connect("spiky", KEY_SPIKE)
    steady_account = stack.connect("steady", KEY_STEADY)

    spikes = wait_for("a spike webhook", lambda: stack.receiver.on("/spiky"))
    alert = spikes[0].alert
    assert spikes[0].verified and alert["kind"] == "spike"
    spike_hour = (datetime.now(UTC) - timedelta(hours=3)).strftime("%Y-%m-%dT%H")
    assert alert["period"] == spike_hour, alert
    assert Decimal(alert["details"]["jump_usd"]) >= 5 and "above usual" in alert["title"]
    assert {a["kind"] for a in stack.alerts("spiky")} >= {"spike"}

    # Steady data: every evaluation of the import has run (costing and the evaluator have gone quiet).
    wait_quiet(stack, "steady")
    assert stack.alerts("steady", "spike") == []
    assert stack.receiver.on("/steady") == []

    # A revoked key: the next sync fails with 401 and a connection alert arrives.
    stack.sim.revoke_key(KEY_STEADY)
    r = stack.call("POST", f"/v1/accounts/{steady_account}/sync", "steady")
    assert r.status_code == 202, r.text
    (connection,) = wait_for("the connection alert", lambda: stack.receiver.on("/steady"))
    assert connection.verified and connection.alert["kind"] == "connection"
    assert connection.alert["details"]["account_id"] == steady_account
    assert "cannot sync" in connection.alert["title"]

    # The always-failing channel: its deliveries are recorded as failing (retried by Pub/Sub). Reaching the
    # dead-letter topic takes minutes of emulator backoff and proved too timing-sensitive for CI under load;
    # retry-then-dead-letter is covered by tests/unit/test_alert_delivery.py.
    def failing() -> list[dict[str, Any]]:
        rows = [d for a in stack.alerts("spiky", "spike") for d in a["deliveries"] if d["channel_id"] == broken]
        return rows if rows and all(d["status"] in ("failed", "dead_lettered") for d in rows) else []

    rows = wait_for("failed deliveries", failing, 120)
    assert all("HTTP 500" in d["last_error"] and d["attempts"] >= 1 for d in rows), rows
    ok = [d for a in stack.alerts("spiky", "spike") for d in a["deliveries"] if d["channel_id"] == spiky_hook]
    assert ok and all(d["status"] == "delivered" and d["attempts"] == 1 for d in ok)
    assert len(stack.receiver.on("/spiky")) == len(ok)  # each spike alert reached the good channel once
