from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from werkzeug.test import Client
from werkzeug.wrappers import Request

from shared.api.app import ApiApp
from shared.api.openapi import build_openapi
from shared.auth import LocalTokenIssuer
from shared.providers.anthropic import Organization
from shared.services.accounts import AccountService
from shared.services.usage_query import UsageQueryService
from tests.fakes import (
    FakeAccountStore,
    FakeClock,
    FakeCostStore,
    FakeUsageStore,
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
        self.usage = FakeUsageStore()
        self.costs = FakeCostStore(self.usage)
        self.secrets = MemorySecretStore()
        self.publisher = RecordingPublisher()
        self.verifier = FakeVerifier()
        self.verifier.orgs[GOOD_KEY] = Organization("org_1", "Org One")
        self.verifier.orgs[OTHER_KEY] = Organization("org_2", "Org Two")
        self.issuer = LocalTokenIssuer(tmp / "auth", "test-project")
        self.account_service = AccountService(
            accounts=self.accounts,
            secrets=self.secrets,
            publisher=self.publisher,
            verify_key=self.verifier,
            fingerprint_pepper=b"pepper",
            history_days=30,
            topic_collect_requests="collect",
            clock=self.clock,
        )
        self.app = ApiApp(
            verifier=self.issuer.verifier(),
            services={
                "accounts": lambda: self.account_service,
                "usage": lambda: UsageQueryService(self.accounts, self.costs),
            },
            openapi=build_openapi,
            max_body_bytes=4096,
            clock=self.clock,
        )

        def wsgi(environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
            return self.app.handle(Request(environ))(environ, start_response)

        self.client = Client(wsgi)

    def token(self, tenant: str = "t1", role: str = "owner") -> dict[str, str]:
        return {"Authorization": "Bearer " + self.issuer.issue(tenant, role=role)}


@pytest.fixture
def world(tmp_path: Path) -> World:
    return World(tmp_path)
