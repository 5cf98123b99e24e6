"""Savings advice and what-if on the Firestore emulator, from the simulators' savings patterns.

Both simulated Admin APIs serve an organization with every savings pattern on its own key (a nightly
batch-like key, a chat key without caching, long-context prompts, 5-minute cache rewrites, an idle key, a key
appearing in a new workspace); the real collector and costing store and price 40 days through the Firestore
adapters; the API app (over the emulator) must name each pattern's key with the advice it calls for and a
positive saving, and the alert evaluator must raise each alert worth the threshold once, however often the
sweep runs. The clock is 2026-04-20: Sonnet 4.5 still bills the long-context premium (retired 2026-04-30).
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

from local import anthropic_sim, openai_sim
from shared.adapters.firestore import FirestoreAccountStore, FirestoreLedgerStore, FirestoreLedgerUnitOfWork
from shared.adapters.firestore_alerts import FirestoreAlertStore, FirestoreBudgetStore, FirestoreChannelStore
from shared.adapters.firestore_billing import FirestoreTenantSettingsStore
from shared.alerts.evaluator import AlertEvaluator
from shared.alerts.model import ALERT_KINDS, KIND_ADVICE, Channel
from shared.api.app import ApiApp
from shared.api.http import Services
from shared.api.models_insights import AdviceResponse, WhatIfResponse
from shared.api.openapi import build_openapi
from shared.domain.accounts import STATUS_SYNCING, Account
from shared.messages import UsageCollected
from shared.pricing import default_catalogue
from shared.providers.anthropic import AnthropicAdminClient
from shared.providers.base import ProviderClient
from shared.providers.openai import OpenAIAdminClient
from shared.security.auth import LocalTokenIssuer, MembershipCache
from shared.services.collector import CollectorService
from shared.services.costing import CostingService
from shared.services.insights import InsightsService
from tests.fakes import FakeClock, MemorySecretStore, RecordingPublisher

pytestmark = pytest.mark.emulators
NOW = datetime(2026, 4, 20, 10, 30, tzinfo=UTC)
HISTORY_DAYS = 40
T = "t1"
ANTHROPIC_KEY = "sk-ant-admin01-" + "S" * 40 + "sav1"
OPENAI_KEY = "sk-admin-" + "S" * 40 + "sav2"
ORG = "org_savings"
PATTERNS = ("nightly_batch", "uncached_chat", "long_context", "cache_rewrite", "idle", "new_workspace")
PROFILE = dict(seed=17, combos_per_hour=8, idle_since=NOW - timedelta(days=45), appears_at=NOW - timedelta(days=9))


@pytest.fixture
def sims() -> Iterator[tuple[anthropic_sim.AnthropicSimulator, openai_sim.OpenAISimulator]]:
    a = anthropic_sim.AnthropicSimulator(now=lambda: NOW)
    a.add_organization(
        anthropic_sim.SimOrganization(
            ORG,
            "Savings",
            admin_keys=[ANTHROPIC_KEY],
            profile=anthropic_sim.UsageProfile(api_keys=3, workspaces=2, patterns=PATTERNS, **PROFILE),  # type: ignore[arg-type]
        )
    )
    o = openai_sim.OpenAISimulator(now=lambda: NOW)
    o.add_organization(
        openai_sim.SimOrganization(
            ORG,
            "Savings",
            admin_keys=[OPENAI_KEY],
            profile=openai_sim.UsageProfile(
                patterns=tuple(p for p in PATTERNS if p != "long_context"),
                endpoints=("completions",),
                multimodal=False,
                **PROFILE,  # type: ignore[arg-type]
            ),
        )
    )
    a.start()
    o.start()
    yield a, o
    a.stop()
    o.stop()


def test_simulator_patterns_get_their_advice_end_to_end(firestore_client, sims, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    anthropic, openai = sims
    clock = FakeClock(NOW)
    accounts = FirestoreAccountStore(firestore_client)
    publisher = RecordingPublisher()
    secrets = MemorySecretStore()
    http = httpx.Client(timeout=30)

    def client(provider: str, key: str, deadline: float) -> ProviderClient:
        if provider == "openai":
            return OpenAIAdminClient(key, base_url=openai.base_url, http=http, deadline=deadline, sleep=lambda s: None)
        return AnthropicAdminClient(key, base_url=anthropic.base_url, http=http, deadline=deadline)

    collector = CollectorService(
        accounts=accounts,
        ledger=lambda tenant, account: FirestoreLedgerUnitOfWork(firestore_client, tenant, account, clock),
        secrets=secrets,
        publisher=publisher,
        client_factory=client,
        topic_collect_requests="collect",
        topic_usage_collected="collected",
        topic_account_events="events",
        budget_seconds=3000,
        clock=clock,
    )
    day0 = NOW.replace(hour=0, minute=0)
    ids = {"anthropic": "acc_00000000000000b1", "openai": "acc_00000000000000b2"}
    for provider, key in (("anthropic", ANTHROPIC_KEY), ("openai", OPENAI_KEY)):
        account = Account(
            tenant_id=T,
            id=ids[provider],
            provider=provider,
            name=provider.capitalize(),
            status=STATUS_SYNCING,
            created_at=NOW,
            history_start=day0 - timedelta(days=HISTORY_DAYS),
            history_days=HISTORY_DAYS,
            secret_ref=secrets.put(T, ids[provider], key),
            next_sync_at=NOW,
        )
        accounts.create(account)
        assert collector.collect(T, account.id).status == "done"
    http.close()
    costing = CostingService(
        lambda tenant, account: FirestoreLedgerUnitOfWork(firestore_client, tenant, account, clock),
        default_catalogue(),
    )
    for m in publisher.on("collected"):
        message = UsageCollected.model_validate(m)
        costing.price_days(T, message.account_id, message.provider, message.days)

    service = InsightsService(
        accounts,
        FirestoreLedgerStore(firestore_client),
        default_catalogue,
        settings=FirestoreTenantSettingsStore(firestore_client),
        clock=clock,
    )
    issuer = LocalTokenIssuer(tmp_path / "auth", "test-project")
    app = ApiApp(
        verifier=issuer.verifier(),
        memberships=MembershipCache(lambda tenant, user: "viewer" if tenant == T else None, ttl=0),
        services=Services(insights=lambda: service),
        openapi=build_openapi,
        clock=clock,
    )

    def wsgi(environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        return app.handle(Request(environ))(environ, start_response)

    headers = {"Authorization": "Bearer " + issuer.issue(T)}
    r = Client(wsgi).get("/v1/advice", headers=headers)
    assert r.status_code == 200, r.get_data(as_text=True)
    body = AdviceResponse.model_validate(r.get_json())
    assert (body.from_, body.to) == ("2026-03-21", "2026-04-19")
    assert body.coverage.complete
    # 30 priced days and two month rollups per account (the months before the period have none here).
    assert body.documents_read == 2 * (30 + 2)
    found: dict[tuple[str, str, str | None], list[Any]] = {}
    for advice in body.advice:
        found.setdefault((advice.scope.account_id, advice.kind, advice.scope.api_key_id), []).append(advice)

    def advice_for(account: str, kind: str, pattern: str, sim: Any) -> Any:
        key = sim.patterns(ORG)[pattern]["api_key_id"]
        got = found.get((account, kind, key))
        assert got, f"no {kind} advice for the {pattern} key of {account}: {sorted(found)}"
        return got[0]

    expectations = [
        (ids["anthropic"], anthropic, "batch", "nightly_batch"),
        (ids["anthropic"], anthropic, "prompt_caching", "uncached_chat"),
        (ids["anthropic"], anthropic, "right_sizing", "uncached_chat"),
        (ids["anthropic"], anthropic, "long_context", "long_context"),
        (ids["anthropic"], anthropic, "cache_duration", "cache_rewrite"),
        (ids["anthropic"], anthropic, "unusual_key", "new_workspace"),
        (ids["openai"], openai, "batch", "nightly_batch"),
        (ids["openai"], openai, "prompt_caching", "uncached_chat"),
        (ids["openai"], openai, "unusual_key", "new_workspace"),
    ]
    for account, sim, kind, pattern in expectations:
        advice = advice_for(account, kind, pattern, sim)
        assert Decimal(advice.monthly_savings) > 0, (kind, pattern)
        assert advice.scope.api_key_name == sim.patterns(ORG)[pattern]["name"]
    nightly = advice_for(ids["anthropic"], "batch", "nightly_batch", anthropic)
    assert nightly.confidence.level == "high" and sorted(nightly.evidence["busiest_hours"]) == [1, 2, 3, 4]
    assert advice_for(ids["anthropic"], "cache_duration", "cache_rewrite", anthropic).evidence[
        "hours_writing_more_than_reading"
    ]
    appeared = advice_for(ids["anthropic"], "unusual_key", "new_workspace", anthropic)
    assert appeared.scope.workspace_id == anthropic.patterns(ORG)["new_workspace"]["workspace_id"]
    for sim, account in ((anthropic, ids["anthropic"]), (openai, ids["openai"])):
        idle = advice_for(account, "idle_key", "idle", sim)
        assert idle.monthly_savings == "0" and idle.scope.api_key_name == "legacy-idle"
    # The regular keys' daytime traffic is not mistaken for batch work.
    batch_keys = {a.scope.api_key_id for a in body.advice if a.kind == "batch"}
    assert batch_keys == {s.patterns(ORG)["nightly_batch"]["api_key_id"] for s in (anthropic, openai)}

    r = Client(wsgi).get("/v1/whatif?from=2026-04-06&to=2026-04-19&target_model=gpt-5", headers=headers)
    assert r.status_code == 200, r.get_data(as_text=True)
    whatif = WhatIfResponse.model_validate(r.get_json())
    assert Decimal(whatif.totals.compared_actual_cost) > 0 and Decimal(whatif.totals.target_cost.expected) > 0
    # Per account: April's rollup for the settled days (its daily table: what-if needs pricing dimensions only)
    # and the two days within 48 hours of now.
    assert whatif.documents_read == 2 * (1 + 2)

    # The alert path: every recommendation worth the threshold, once.
    channels = FirestoreChannelStore(firestore_client)
    channels.create(
        Channel(T, "chn_00000000000000c1", "ops", "webhook", ALERT_KINDS, True, NOW, NOW, url="https://x.test")
    )
    alerts_published = RecordingPublisher()
    evaluator = AlertEvaluator(
        accounts=accounts,
        ledger=FirestoreLedgerStore(firestore_client),
        budgets=FirestoreBudgetStore(firestore_client),
        channels=channels,
        alerts=FirestoreAlertStore(firestore_client),
        publisher=alerts_published,
        topic_alerts="alerts",
        topic_evaluations="evaluations",
        clock=clock,
        advice=service.alerting_advice,
    )
    raised = [a for a in evaluator.evaluate(T, "daily").raised if a.kind == KIND_ADVICE]
    worth = [a for a in body.advice if Decimal(a.monthly_savings) >= 100]
    assert worth and {a.details["id"] for a in raised} == {a.id for a in worth}
    for _ in range(2):
        assert [a for a in evaluator.evaluate(T, "daily").raised if a.kind == KIND_ADVICE] == []
    assert len([m for _, m in alerts_published.messages if m["kind"] == KIND_ADVICE]) == len(worth)
