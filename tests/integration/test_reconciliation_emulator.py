"""Reconciliation end to end on the Firestore emulator with the simulated Admin API.

A sync (usage and the billed ledger) writes through the real Firestore adapters, costing prices the
days, and GET /v1/reconciliation (the real API app, over the emulator) must show computed and billed
cost agreeing to the cent on the simulator's data, with nothing unexplained.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
from werkzeug.test import Client
from werkzeug.wrappers import Request

from local.anthropic_sim import AnthropicSimulator, SimOrganization, UsageProfile
from shared.adapters.firestore import FirestoreAccountStore, FirestoreLedgerStore, FirestoreLedgerUnitOfWork
from shared.adapters.firestore_billing import FirestoreBilledCostStore
from shared.api.app import ApiApp
from shared.api.http import Services
from shared.api.openapi import build_openapi
from shared.domain.accounts import STATUS_SYNCING, Account
from shared.domain.money import to_cents
from shared.messages import UsageCollected
from shared.pricing import default_catalogue
from shared.providers.anthropic import AnthropicAdminClient
from shared.security.auth import LocalTokenIssuer, MembershipCache
from shared.services.billing import BilledLedgerCollector
from shared.services.collector import CollectorService
from shared.services.costing import CostingService
from shared.services.reconciliation import ReconciliationService
from tests.fakes import FakeClock, MemorySecretStore, RecordingPublisher

pytestmark = pytest.mark.emulators
NOW = datetime(2026, 11, 20, 14, 25, tzinfo=UTC)
KEY = "sk-ant-admin01-" + "R" * 40 + "rec1"
HISTORY_DAYS = 6


@pytest.fixture
def sim() -> Iterator[AnthropicSimulator]:
    s = AnthropicSimulator(now=lambda: NOW)
    s.add_organization(
        SimOrganization(
            id="org_rec",
            name="Rec Org",
            admin_keys=[KEY],
            profile=UsageProfile(seed=21, api_keys=3, workspaces=2, combos_per_hour=10, fast_share=0.3),
        )
    )
    s.start()
    yield s
    s.stop()


def test_reconciliation_on_the_emulator_agrees_to_the_cent(firestore_client, sim, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    clock = FakeClock(NOW)
    accounts = FirestoreAccountStore(firestore_client)

    def ledger(tenant_id: str, account_id: str) -> FirestoreLedgerUnitOfWork:
        return FirestoreLedgerUnitOfWork(firestore_client, tenant_id, account_id, clock)

    costs = FirestoreLedgerStore(firestore_client)
    billed = FirestoreBilledCostStore(firestore_client)
    secrets = MemorySecretStore()
    publisher = RecordingPublisher()
    http = httpx.Client(timeout=10)
    collector = CollectorService(
        accounts=accounts,
        ledger=ledger,
        secrets=secrets,
        publisher=publisher,
        client_factory=lambda provider, key, deadline: AnthropicAdminClient(
            key, base_url=sim.base_url, http=http, deadline=deadline
        ),
        topic_collect_requests="collect",
        topic_usage_collected="collected",
        topic_account_events="events",
        clock=clock,
        billed=BilledLedgerCollector(clock=clock),
    )
    day0 = NOW.replace(hour=0, minute=0)
    account = Account(
        tenant_id="t1",
        id="acc_00000000000000a1",
        provider="anthropic",
        name="Rec",
        status=STATUS_SYNCING,
        created_at=NOW,
        history_start=day0 - timedelta(days=HISTORY_DAYS),
        history_days=HISTORY_DAYS,
        secret_ref=secrets.put("t1", "acc_00000000000000a1", KEY),
        next_sync_at=NOW,
    )
    accounts.create(account)
    assert collector.collect("t1", account.id).status == "done"
    http.close()
    costing = CostingService(ledger, default_catalogue())
    for m in publisher.on("collected"):
        message = UsageCollected.model_validate(m)
        costing.price_days("t1", account.id, "anthropic", message.days)

    issuer = LocalTokenIssuer(tmp_path / "auth", "test-project")
    app = ApiApp(
        verifier=issuer.verifier(),
        memberships=MembershipCache(lambda tenant, user: "viewer" if tenant == "t1" else None, ttl=0),
        services=Services(reconciliation=lambda: ReconciliationService(accounts, costs, billed, clock=clock)),
        openapi=build_openapi,
        clock=clock,
    )

    def wsgi(environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        return app.handle(Request(environ))(environ, start_response)

    first, last = account.history_start.date(), NOW.date()
    r = Client(wsgi).get(
        f"/v1/reconciliation?from={first}&to={last}",
        headers={"Authorization": "Bearer " + issuer.issue("t1")},
    )
    assert r.status_code == 200, r.get_data(as_text=True)
    body = r.get_json()
    # A billed day per day; the settled days from November's rollup (its daily table), the three within 48 hours
    # of now from their priced days.
    assert body["documents_read"] == (HISTORY_DAYS + 1) + 1 + 3
    assert body["coverage"] == {"complete": True, "missing_days": []}
    totals = body["totals"]
    assert totals["agree_to_the_cent"] is True
    assert to_cents(Decimal(totals["computed"])) == to_cents(Decimal(totals["billed"]))
    expected = sim.expected_list_cost_usd("org_rec", account.history_start, NOW)
    assert Decimal(totals["billed"]) == expected
    assert body["trust"]["matched_percent"] == 100.0 and body["trust"]["unexplained_lines"] == 0
    assert {row["status"] for row in body["rows"]} == {"matched"}
    classes = {row["token_type"] for row in body["rows"]}
    assert {"uncached_input", "cache_write_5m", "cache_write_1h", "cache_read", "output", "web_search"} <= classes
    assert any(row["provisional"] for row in body["rows"]) and not all(row["provisional"] for row in body["rows"])
    ledger = body["trust"]["accounts"][0]
    assert ledger["ledger_read_through"] == NOW.date().isoformat() and ledger["ledger_last_error"] is None
