"""Tenants, members, the audit log and purging, on the Firestore emulator."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from shared.adapters import paths
from shared.adapters.firestore import FirestoreAccountStore, FirestoreLedgerUnitOfWork
from shared.adapters.firestore_tenancy import FirestoreAuditLog, FirestoreTenantStore, FirestoreUsagePurger
from shared.domain.accounts import Names
from shared.domain.tenancy import AuditEntry, Member, Tenant
from shared.domain.usage import Dimensions, TokenCounts, UsageBucket, UsageRow
from shared.pricing import default_catalogue
from shared.services.costing import CostingService

pytestmark = pytest.mark.emulators
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def test_tenant_creation_is_once_and_members_round_trip(firestore_client) -> None:  # type: ignore[no-untyped-def]
    store = FirestoreTenantStore(firestore_client)
    assert store.create_tenant(Tenant("acme", "Acme", created_at=NOW), Member("u1", "owner", added_at=NOW))
    assert not store.create_tenant(Tenant("acme", "Other"), Member("u2", "owner"))
    assert store.get_member("acme", "u2") is None
    tenant = store.get_tenant("acme")
    assert tenant is not None and tenant.plan == "free" and tenant.history_days == 30 and tenant.created_at == NOW
    store.set_plan("acme", "pro", None)
    assert store.get_tenant("acme").history_days == 180  # type: ignore[union-attr]
    store.put_member("acme", Member("u3", "viewer", "v@example.com"))
    assert [(m.user_id, m.role) for m in store.list_members("acme")] == [("u1", "owner"), ("u3", "viewer")]
    store.remove_member("acme", "u3")
    assert store.get_member("acme", "u3") is None
    assert store.get_tenant("nope") is None


def test_audit_log_lists_newest_first_per_tenant(firestore_client) -> None:  # type: ignore[no-untyped-def]
    log = FirestoreAuditLog(firestore_client)
    for i in range(3):
        log.record(AuditEntry("acme", NOW + timedelta(seconds=i), "u1", f"a{i}", "acc_1", "ok", {"n": i}))
    log.record(AuditEntry("other", NOW, "u9", "x", None))
    assert [e.action for e in log.entries("acme", 2)] == ["a2", "a1"]
    assert [e.action for e in log.entries("other", 10)] == ["x"]


def test_purge_deletes_every_usage_document_of_the_account_only(firestore_client) -> None:  # type: ignore[no-untyped-def]
    hour = NOW.replace(minute=0)
    bucket = UsageBucket(hour, (UsageRow(hour, Dimensions("m"), TokenCounts(output=1)),))

    def ledger(tenant_id: str, account_id: str) -> FirestoreLedgerUnitOfWork:
        return FirestoreLedgerUnitOfWork(firestore_client, tenant_id, account_id, lambda: NOW)

    for account_id in ("acc_1", "acc_2"):
        with ledger("acme", account_id) as uow:
            uow.usage.put_hours([bucket])
            uow.commit()
        CostingService(ledger, default_catalogue()).price_days("acme", account_id, "anthropic", [hour.date()])
        FirestoreAccountStore(firestore_client).save_names("acme", account_id, Names({"k": "Key"}, {}))
    deleted = FirestoreUsagePurger(firestore_client).purge_account_data("acme", "acc_1")
    assert deleted == 4  # the raw day, the priced day, the month rollup, the names
    for name in paths.ACCOUNT_DATA:  # every collection under the account, whatever it holds
        assert list(paths.account_collection(firestore_client, "acme", "acc_1", name).stream()) == []
    with ledger("acme", "acc_2") as uow:
        assert uow.usage.get(hour.date()) is not None and uow.priced.get(hour.date()) is not None
