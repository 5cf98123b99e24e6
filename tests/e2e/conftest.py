"""The whole stack for end-to-end tests: emulators, local Secret Manager, simulator, every function
under functions-framework wired by push subscriptions, and a tap subscription on every topic."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from google.cloud import firestore, pubsub_v1

from local import openai_sim
from local.anthropic_sim import AnthropicSimulator, SimOrganization, UsageProfile
from local.secret_manager_server import LocalSecretManager
from local.wiring import FunctionsHost, create_topology, start_functions
from shared import topology
from shared.adapters.firestore_tenancy import FirestoreTenantStore
from shared.domain.tenancy import Member, Tenant
from shared.security.auth import LocalTokenIssuer

KEY = "sk-ant-admin01-" + "E" * 40 + "e2e1"
OPENAI_KEY = "sk-admin-" + "E" * 40 + "e2e2"
OPENAI_ORG = "org-e2e-openai"
HISTORY_DAYS = 10
LEASE_SECONDS = 8


class Stack:
    def __init__(
        self,
        project: str,
        tmp: Path,
        sim: AnthropicSimulator,
        functions: FunctionsHost,
        secret_manager: LocalSecretManager | None = None,
        openai: openai_sim.OpenAISimulator | None = None,
    ):
        self.project = project
        self.tmp = tmp
        self.secret_manager = secret_manager
        self.sim = sim
        self.openai = openai
        self.supervisor_log: list[str] = []
        self.functions = functions
        self.api = functions.url("api")
        self.issuer = LocalTokenIssuer(tmp / "local", project)
        self.publisher = pubsub_v1.PublisherClient()
        self.subscriber = pubsub_v1.SubscriberClient()
        self.db = firestore.Client(project=project)

    def headers(self, tenant: str = "acme", role: str = "owner", history_days: int = HISTORY_DAYS) -> dict[str, str]:
        """A signed-in member of ``tenant`` (the membership is what grants the role)."""
        user = f"{role}@{tenant}"
        store = FirestoreTenantStore(self.db)
        member = Member(user, role)
        if not store.create_tenant(Tenant(id=tenant, history_days_override=history_days), member):
            store.put_member(tenant, member)
        return {"Authorization": "Bearer " + self.issuer.issue(tenant, user_id=user)}

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
    # A small OpenAI organization beside it: every endpoint, batch/flex/priority tiers, a few combos an hour.
    openai = openai_sim.OpenAISimulator()
    openai.add_organization(
        openai_sim.SimOrganization(
            id=OPENAI_ORG,
            name="E2E OpenAI Org",
            admin_keys=[OPENAI_KEY],
            profile=openai_sim.UsageProfile(seed=12, projects=2, api_keys=3, combos_per_hour=4),
        )
    )
    openai.start()
    secret_manager = LocalSecretManager()
    secret_manager.start()
    env = {
        "TM_SECRET_MANAGER_EMULATOR_HOST": secret_manager.host,
        "GOOGLE_CLOUD_PROJECT": project_id,
        "TM_MODE": "local",
        "TM_LOCAL_DIR": str(tmp_path / "local"),
        "ANTHROPIC_API_BASE_URL": sim.base_url,
        "OPENAI_API_BASE_URL": openai.base_url,
        "TM_HISTORY_DAYS": str(HISTORY_DAYS),
        # A short lease, so a request meeting a dead sync's lease takes over within seconds (tests/e2e/test_faults).
        "TM_LEASE_SECONDS": str(LEASE_SECONDS),
    }
    functions = start_functions(env, tmp_path / "logs")
    try:
        create_topology(project_id, functions.ports)
        s = Stack(project_id, tmp_path, sim, functions, secret_manager, openai)
        # As make run does: a function process that dies is started again (tests/e2e/test_faults.py).
        functions.supervise(s.supervisor_log.append)
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
        openai.stop()
        secret_manager.stop()
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
