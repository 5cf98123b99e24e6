from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from werkzeug.test import Client
from werkzeug.wrappers import Request

from shared.api.app import ApiApp
from shared.api.http import Services
from shared.api.openapi import build_openapi
from shared.domain.tenancy import Member, Tenant
from shared.pricing import default_catalogue
from shared.providers.anthropic import Organization
from shared.security.auth import LocalTokenIssuer, MembershipCache
from shared.services.accounts import AccountService
from shared.services.explain import ExplainService
from shared.services.export import ExportService
from shared.services.insights import InsightsService
from shared.services.reconciliation import ReconciliationService
from shared.services.retention import RetentionService
from shared.services.settings import SettingsService
from shared.services.tenancy import TenancyService
from shared.services.usage_query import UsageQueryService
from tests.fakes import (
    FakeAccountStore,
    FakeAuditLog,
    FakeClock,
    FakeLedger,
    FakeSettingsStore,
    FakeTenantStore,
    FakeVerifier,
    MemorySecretStore,
    RecordingPublisher,
)

GOOD_KEY = "sk-ant-admin01-" + "A" * 40 + "good"
OTHER_KEY = "sk-ant-admin01-" + "B" * 40 + "othr"


class World:
    """A whole API over fakes: what a unit test needs to act as a user."""

    def __init__(self, tmp: Path):
        self.clock = FakeClock(datetime(2026, 11, 20, 12, 30, tzinfo=UTC))
        self.accounts = FakeAccountStore()
        self.ledger = FakeLedger()
        self.billed = self.ledger.billed
        self.ledger.accounts = self.accounts
        self.settings = FakeSettingsStore()
        self.secrets = MemorySecretStore()
        self.publisher = RecordingPublisher()
        self.verifier = FakeVerifier()
        self.verifier.orgs[GOOD_KEY] = Organization("org_1", "Org One")
        self.verifier.orgs[OTHER_KEY] = Organization("org_2", "Org Two")
        self.issuer = LocalTokenIssuer(tmp / "auth", "test-project")
        self.tenants = FakeTenantStore()
        self.audit = FakeAuditLog()
        self.purged: list[tuple[str, str]] = []
        world = self

        class Purger:
            def purge_account_data(self, tenant_id: str, account_id: str) -> int:
                world.purged.append((tenant_id, account_id))
                return 7

            def purge_before(self, tenant_id: str, account_id: str, first: date, cutoff: date) -> int:
                world.purged.append((tenant_id, account_id))
                return 3

        self.account_service = AccountService(
            accounts=self.accounts,
            secrets=self.secrets,
            publisher=self.publisher,
            verify_key=self.verifier,
            fingerprint_pepper=b"pepper",
            history_days=30,
            topic_collect_requests="collect",
            clock=self.clock,
            tenants=self.tenants,
            audit=self.audit,
            purger=Purger(),
            retention=RetentionService(self.tenants, self.accounts, Purger(), self.ledger, self.audit, self.clock),
        )
        self.memberships = MembershipCache(lambda t, u: m.role if (m := self.tenants.get_member(t, u)) else None, ttl=0)
        self.tenancy = TenancyService(self.tenants, self.audit, self.memberships, clock=self.clock)

        def usage() -> UsageQueryService:
            return UsageQueryService(
                self.accounts, self.ledger, self.tenants, today=lambda: self.clock.now.date(), clock=self.clock
            )

        self.app = ApiApp(
            verifier=self.issuer.verifier(),
            memberships=self.memberships,
            services=Services(
                accounts=lambda: self.account_service,
                usage=self.usage_service,
                tenancy=lambda: self.tenancy,
                reconciliation=lambda: ReconciliationService(self.accounts, self.ledger, self.billed, self.clock),
                explain=lambda: ExplainService(self.accounts, self.ledger, default_catalogue, self.clock),
                settings=lambda: SettingsService(self.settings),
                export=lambda: ExportService(
                    self.accounts, self.ledger, self.usage_service(), self.settings, clock=lambda: self.clock.now
                ),
                insights=lambda: InsightsService(
                    self.accounts,
                    self.ledger,
                    default_catalogue,
                    settings=self.settings,
                    plan_window=self.usage_service().check_plan_window,
                    clock=self.clock,
                ),
            ),
            openapi=build_openapi,
            max_body_bytes=4096,
            clock=self.clock,
        )

        def wsgi(environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
            return self.app.handle(Request(environ))(environ, start_response)

        self.client = Client(wsgi)

    def usage_service(self) -> UsageQueryService:
        return UsageQueryService(
            self.accounts, self.ledger, self.tenants, today=lambda: self.clock.now.date(), clock=self.clock
        )

    def token(self, tenant: str = "t1", role: str = "owner", user: str | None = None) -> dict[str, str]:
        """A signed-in member of ``tenant`` with ``role`` (the tenant and membership are created)."""
        user = user or f"user-{role}-{tenant}"
        if tenant not in self.tenants.tenants:
            self.tenants.tenants[tenant] = Tenant(id=tenant)
        self.tenants.put_member(tenant, Member(user, role))
        return {"Authorization": "Bearer " + self.issuer.issue(tenant, user_id=user)}


@pytest.fixture
def world(tmp_path: Path) -> World:
    return World(tmp_path)
