"""The collector against the simulated OpenAI organization Admin API (a real HTTP server), with fake stores.

The simulator is the oracle: its own usage rows and its Costs ledger, generated and priced by code that
shares nothing with ours.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import httpx
import pytest

from local.openai_sim import OpenAISimulator, SimOrganization, UsageProfile
from shared.domain.accounts import STATUS_CONNECTED, STATUS_ERROR, STATUS_SYNCING, Account
from shared.domain.money import to_cents
from shared.domain.usage import merge_rows
from shared.messages import UsageCollected
from shared.pricing import default_catalogue
from shared.providers.errors import NotAdminKey
from shared.providers.openai import ENDPOINTS, OpenAIAdminClient, parse_usage_result
from shared.services.billing import BilledLedgerCollector
from shared.services.collector import CollectorService
from shared.services.costing import CostingService
from tests.fakes import (
    FakeAccountStore,
    FakeClock,
    FakeLedger,
    MemorySecretStore,
    RecordingPublisher,
)

NOW = datetime(2026, 11, 20, 14, 25, tzinfo=UTC)
KEY = "sk-admin-" + "T" * 40 + "test"
PROJECT_KEY = "sk-proj-" + "p" * 40 + "test"
ORG = "org_openai_test"


@pytest.fixture
def sim() -> Iterator[OpenAISimulator]:
    s = OpenAISimulator(now=lambda: NOW)
    s.add_organization(
        SimOrganization(
            id=ORG,
            name="OpenAI Test Org",
            admin_keys=[KEY],
            project_keys=[PROJECT_KEY],
            profile=UsageProfile(seed=11, combos_per_hour=10),
        )
    )
    s.start()
    yield s
    s.stop()


class Rig:
    def __init__(self, sim: OpenAISimulator, history_days: int = 5):
        self.sim = sim
        self.clock = FakeClock(NOW)
        self.accounts = FakeAccountStore()
        self.ledger = FakeLedger()
        self.billed = self.ledger.billed
        self.ledger.accounts = self.accounts
        self.secrets = MemorySecretStore()
        self.publisher = RecordingPublisher()
        self.http = httpx.Client(timeout=10)
        self.collector = CollectorService(
            accounts=self.accounts,
            ledger=self.ledger,
            secrets=self.secrets,
            publisher=self.publisher,
            client_factory=lambda provider, key, deadline: OpenAIAdminClient(
                key, base_url=sim.base_url, http=self.http, deadline=deadline, sleep=lambda s: None
            ),
            topic_collect_requests="collect",
            topic_usage_collected="collected",
            topic_account_events="events",
            clock=self.clock,
            billed=BilledLedgerCollector(clock=self.clock),
        )
        day0 = NOW.replace(hour=0, minute=0, second=0, microsecond=0)
        self.account = Account(
            tenant_id="t1",
            id="acc_00000000000000a1",
            provider="openai",
            name="OpenAI",
            status=STATUS_SYNCING,
            created_at=NOW,
            history_start=day0 - timedelta(days=history_days),
            history_days=history_days,
            secret_ref=self.secrets.put("t1", "acc_00000000000000a1", KEY),
            next_sync_at=NOW,
        )
        self.accounts.create(self.account)

    def stored(self) -> Account:
        account = self.accounts.get("t1", self.account.id)
        assert account is not None
        return account

    def price(self) -> None:
        costing = CostingService(self.ledger, default_catalogue())
        for message in self.publisher.on("collected"):
            m = UsageCollected.model_validate(message)
            costing.price_days("t1", m.account_id, m.provider, m.days)


@pytest.fixture
def rig(sim: OpenAISimulator) -> Iterator[Rig]:
    r = Rig(sim)
    yield r
    r.http.close()


def expected_rows(sim: OpenAISimulator, hour: datetime) -> dict[str, tuple[int, ...]]:
    rows = [
        parse_usage_result(endpoint, hour, r) for endpoint in ENDPOINTS for r in sim.usage_rows(ORG, hour, endpoint)
    ]
    return {r.dims.key(): r.tokens.values() for r in merge_rows(rows) if r.tokens}


def stored_rows(rig: Rig, hour: datetime) -> dict[str, tuple[int, ...]]:
    bucket = rig.ledger.usage[("t1", rig.account.id, hour.date())][hour.hour]
    return {r.dims.key(): r.tokens.values() for r in bucket.rows}


def test_first_sync_stores_every_endpoint_as_served(rig: Rig) -> None:
    outcome = rig.collector.collect("t1", rig.account.id)
    assert outcome.status == "done", outcome
    account = rig.stored()
    assert account.status == STATUS_CONNECTED and account.history_progress(NOW)["complete"]
    start = account.history_start
    for h in (start, start + timedelta(hours=31), NOW.replace(minute=0) - timedelta(hours=2)):
        assert stored_rows(rig, h) == expected_rows(rig.sim, h)
    hours = int((NOW.replace(minute=0) + timedelta(hours=1) - start).total_seconds() // 3600)
    # Every endpoint once per 168 hours, the projects and each project's keys, the Costs ledger once.
    projects = len(rig.sim.projects(ORG))
    assert outcome.provider_requests == len(ENDPOINTS) * -(-hours // 168) + 1 + projects + 1
    names = rig.accounts.names[("t1", rig.account.id)]
    assert "Production" in names.workspaces.values() and len(names.api_keys) >= 6
    rows = [r for b in rig.ledger.usage.values() for h in b.values() for r in h.rows]
    assert {"tool:file_search", "tool:code_interpreter", "tool:vector_storage"} <= {r.dims.model for r in rows}
    assert sum(r.tokens.web_search_requests for r in rows) > 0 and sum(r.tokens.images for r in rows) > 0


def test_cached_tokens_are_inside_input_and_stored_once(rig: Rig) -> None:
    rig.collector.collect("t1", rig.account.id)
    hour = NOW.replace(minute=0) - timedelta(hours=3)
    served = [r for r in rig.sim.usage_rows(ORG, hour, "completions") if r["input_cached_tokens"]]
    assert served
    stored = rig.ledger.usage[("t1", rig.account.id, hour.date())][hour.hour]
    input_served = sum(r["input_tokens"] for r in rig.sim.usage_rows(ORG, hour, "completions"))
    completions = [
        r for r in stored.rows if not r.dims.model.startswith("tool:") and r.tokens.uncached_input + r.tokens.cache_read
    ]
    stored_input = sum(
        r.tokens.uncached_input
        + r.tokens.cache_read
        + r.tokens.input_audio
        + r.tokens.cache_read_audio
        + r.tokens.input_image
        + r.tokens.cache_read_image
        for r in completions
        if r.dims.model not in ("text-embedding-3-small", "text-embedding-3-large", "omni-moderation-latest")
    )
    assert stored_input == input_served  # input_tokens already counts its cached part: never added twice


def test_the_costs_ledger_is_read_in_dollars_and_agrees_with_the_simulator(rig: Rig) -> None:
    rig.collector.collect("t1", rig.account.id)
    days = {d: v for (_, _, d), v in rig.billed.days.items()}
    start = rig.account.history_start.date()
    assert sorted(days) == [start + timedelta(days=i) for i in range((NOW.date() - start).days + 1)]
    for day, billed in days.items():
        lo = datetime(day.year, day.month, day.day, tzinfo=UTC)
        expected = rig.sim.billed_cost_usd(ORG, lo, min(lo + timedelta(days=1), NOW))
        assert to_cents(billed.total_usd) == to_cents(expected)
    classes = {line.cost_class for billed in days.values() for line in billed.lines}
    assert {"uncached_input", "cache_read", "output", "web_search", "storage"} <= classes


def test_a_project_key_is_refused_with_where_to_create_an_admin_key(sim: OpenAISimulator) -> None:
    with httpx.Client(timeout=10) as http:
        with pytest.raises(NotAdminKey, match="Admin keys"):
            OpenAIAdminClient(PROJECT_KEY, base_url=sim.base_url, http=http).organization()
        assert OpenAIAdminClient(KEY, base_url=sim.base_url, http=http).organization().id == ORG


def test_revoked_key_turns_the_account_to_error(rig: Rig) -> None:
    rig.collector.collect("t1", rig.account.id)
    rig.sim.revoke_key(KEY)
    rig.clock.advance(hours=1)
    assert rig.collector.collect("t1", rig.account.id).status == "failed"
    account = rig.stored()
    assert account.status == STATUS_ERROR and "rejected the key" in (account.status_reason or "")
    assert KEY not in (account.status_reason or "")


def test_faults_and_malformed_pages_lose_no_row(rig: Rig) -> None:
    rig.sim.inject_faults(429, count=1, retry_after=1, path_prefix="/v1/organization/usage/completions")
    rig.sim.inject_faults(503, count=2, path_prefix="/v1/organization/usage/images")
    rig.sim.inject_malformed(count=1, path_prefix="/v1/organization/usage/embeddings")
    assert rig.collector.collect("t1", rig.account.id).status == "done"
    start = rig.account.history_start
    for h in (start, NOW.replace(minute=0) - timedelta(hours=1)):
        assert stored_rows(rig, h) == expected_rows(rig.sim, h)


def test_priced_totals_are_exact_sums_of_the_rows(rig: Rig) -> None:
    rig.collector.collect("t1", rig.account.id)
    rig.price()
    priced = rig.ledger.priced_days("t1", rig.account.id)
    assert priced and all(d.hours_collected for d in priced)
    total = sum((r.cost.total for d in priced for r in d.rows if r.cost), Decimal(0))
    assert total > 0


def test_costs_match_the_simulators_own_list_prices_to_the_cent_model_by_model(rig: Rig) -> None:
    rig.collector.collect("t1", rig.account.id)
    rig.price()
    start, end = rig.account.history_start, NOW.replace(minute=0) + timedelta(hours=1)
    ours: dict[str, Decimal] = {}
    tools = {"web_search": Decimal(0), "file_search": Decimal(0)}
    unpriced: set[str] = set()
    for day in rig.ledger.priced_days("t1", rig.account.id):
        for row in day.rows:
            if row.cost is None:
                unpriced.add(row.dims.model)
                continue
            tools["web_search"] += row.cost.web_search
            tools["file_search"] += row.cost.file_search
            ours[row.dims.model] = (
                ours.get(row.dims.model, Decimal(0)) + row.cost.total - row.cost.web_search - row.cost.file_search
            )
    expected = rig.sim.expected_cost_by_model(ORG, start, end)
    for model, cost in expected.items():
        if model in ("web search tool calls", "file search tool calls", "code interpreter sessions", "Vector storage"):
            continue
        assert to_cents(ours.get(model, Decimal(0))) == to_cents(cost), model
    assert to_cents(tools["web_search"]) == to_cents(expected["web search tool calls"])
    assert to_cents(tools["file_search"]) == to_cents(expected["file search tool calls"])
    # What has no per-row list price is unpriced, never $0: containers bill by memory and minutes since
    # 2026-03-31, and storage's free first GB is the organization's.
    assert unpriced == {"tool:code_interpreter", "tool:vector_storage"}
