"""Retention on the emulator: a shorter window schedules the deletion of older history, the grace keeps it,
and enforcement deletes exactly what lies beyond the window then in force (issue 10).

Real Firestore adapters throughout; usage from the simulated Anthropic Admin API, collected and priced.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import httpx
import pytest

from local.anthropic_sim import AnthropicSimulator, SimOrganization, UsageProfile
from shared.adapters import paths
from shared.adapters.firestore import FirestoreAccountStore, FirestoreLedgerStore, FirestoreLedgerUnitOfWork
from shared.adapters.firestore_billing import FirestoreBilledCostStore
from shared.adapters.firestore_tenancy import FirestoreAuditLog, FirestoreTenantStore, FirestoreUsagePurger
from shared.domain.accounts import STATUS_SYNCING, Account
from shared.domain.money import EXACT, ZERO
from shared.domain.priced import build_month, month_of
from shared.domain.tenancy import RETENTION_GRACE, Member, Tenant
from shared.ledger import Ledger, Query
from shared.messages import UsageCollected
from shared.pricing import default_catalogue
from shared.providers.anthropic import AnthropicAdminClient
from shared.services.accounts import AccountService
from shared.services.billing import BilledLedgerCollector
from shared.services.collector import CollectorService
from shared.services.costing import CostingService
from shared.services.retention import RetentionService
from tests.fakes import FakeClock, MemorySecretStore, RecordingPublisher

pytestmark = pytest.mark.emulators

NOW = datetime(2026, 11, 20, 14, 25, tzinfo=UTC)
KEY = "sk-ant-admin01-" + "T" * 40 + "ret1"
T = "keeper"
ACCOUNT = "acc_00000000000000c1"


@pytest.fixture
def sim() -> Iterator[AnthropicSimulator]:
    s = AnthropicSimulator(now=lambda: NOW)
    s.add_organization(
        SimOrganization(
            id="org_ret",
            name="Ret Org",
            admin_keys=[KEY],
            profile=UsageProfile(seed=31, api_keys=2, workspaces=1, combos_per_hour=3),
        )
    )
    s.start()
    yield s
    s.stop()


def test_a_downgrade_deletes_older_history_after_the_grace_and_nothing_inside_the_window(  # type: ignore[no-untyped-def]
    firestore_client, sim: AnthropicSimulator
) -> None:
    db = firestore_client
    clock = FakeClock(NOW)
    accounts = FirestoreAccountStore(db)
    tenants = FirestoreTenantStore(db)
    audit = FirestoreAuditLog(db)

    def ledger(tenant_id: str, account_id: str) -> FirestoreLedgerUnitOfWork:
        return FirestoreLedgerUnitOfWork(db, tenant_id, account_id, clock)

    store = FirestoreLedgerStore(db)
    secrets = MemorySecretStore()
    publisher = RecordingPublisher()
    retention = RetentionService(tenants, accounts, FirestoreUsagePurger(db), ledger, audit, clock=clock)
    service = AccountService(
        accounts=accounts,
        secrets=secrets,
        publisher=publisher,
        verify_key=lambda provider, key: None,  # type: ignore[arg-type,return-value]
        fingerprint_pepper=b"p",
        history_days=30,
        topic_collect_requests="collect",
        tenants=tenants,
        audit=audit,
        retention=retention,
        clock=clock,
    )
    tenants.create_tenant(Tenant(id=T, plan="pro", history_days_override=60), Member("owner", "owner"))
    account = Account(
        tenant_id=T,
        id=ACCOUNT,
        provider="anthropic",
        name="Ret",
        status=STATUS_SYNCING,
        created_at=NOW,
        history_start=NOW.replace(hour=0, minute=0) - timedelta(days=60),
        history_days=60,
        secret_ref=secrets.put(T, ACCOUNT, KEY),
        next_sync_at=NOW,
    )
    accounts.create(account)
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
    assert collector.collect(T, ACCOUNT).status == "done"
    http.close()
    costing = CostingService(ledger, default_catalogue())
    for m in publisher.on("collected"):
        costing.price_days(T, ACCOUNT, "anthropic", UsageCollected.model_validate(m).days)

    def total(first: datetime, last: datetime) -> Decimal:
        reading = Ledger(store, T, clock).read(Query.local_days([ACCOUNT], first.date(), last.date()))
        out = ZERO
        for piece in reading.pieces:
            if piece.row.cost is not None:
                out = EXACT.add(out, piece.row.cost.total)
        return out

    def days_in(name: str) -> list[str]:
        return sorted(d.id for d in paths.account_collection(db, T, ACCOUNT, name).stream())

    def billed_days() -> list[str]:
        """Days with a billed ledger (a field of the raw day documents)."""
        found = FirestoreBilledCostStore(db).read_days(T, [ACCOUNT], NOW.date() - timedelta(days=400), NOW.date())
        return sorted(b.day.isoformat() for b in found)

    assert len(billed_days()) == 61

    all_days = days_in(paths.PRICED_DAYS)
    assert len(all_days) == 61

    # The owner downgrades to 30 days: nothing is deleted yet, the schedule and the audit log say what will go.
    service.apply_plan(T, "free", None, "owner")
    scheduled = tenants.get_tenant(T)
    assert scheduled is not None and scheduled.retention is not None
    assert scheduled.retention.keep_days == 30 and scheduled.retention.due_at == NOW + RETENTION_GRACE
    (entry,) = [e for e in audit.entries(T, 10) if e.action == "retention_scheduled"]
    assert entry.detail["keep_days"] == 30 and entry.detail["previous_days"] == 60
    assert retention.enforce_due() == 0  # within the grace: nothing happens
    assert days_in(paths.PRICED_DAYS) == all_days

    # After the grace, the tick deletes what lies beyond the 30 days then in force.
    clock.advance(seconds=RETENTION_GRACE.total_seconds() + 3600)
    now = clock.now
    cutoff = (now - timedelta(days=30)).date()
    kept_from = datetime.combine(cutoff, datetime.min.time(), UTC)
    kept_before = total(kept_from, NOW)
    assert kept_before > 0
    assert retention.enforce_due() == 1
    for left in (days_in(paths.USAGE_DAYS), days_in(paths.PRICED_DAYS), billed_days()):
        assert left and min(left) == cutoff.isoformat()
    assert min(days_in(paths.PRICED_MONTHS)) == cutoff.strftime("%Y-%m")  # months wholly before it are gone
    # The cutoff's month rollup holds exactly the days kept (what reads of whole months sum).
    month = month_of(cutoff)
    with ledger(T, ACCOUNT) as uow:
        rollup = uow.months.get(month)
        kept_days = [p for d in rollup.days if (p := uow.priced.get(d)) is not None] if rollup else []
    assert rollup is not None and min(rollup.days) == cutoff
    assert rollup == build_month(ACCOUNT, month, kept_days)
    # Nothing inside the window was touched: the kept days total what they did.
    assert total(kept_from, NOW) == kept_before
    stored = accounts.get(T, ACCOUNT)
    assert stored is not None and stored.history_start.date() == cutoff
    assert min(lo for lo, _ in stored.coverage).date() == cutoff
    after = tenants.get_tenant(T)
    assert after is not None and after.retention is None
    (applied,) = [e for e in audit.entries(T, 10) if e.action == "retention_applied"]
    assert applied.detail["deleted_before"] == cutoff.isoformat() and applied.detail["documents_deleted"] > 0
    # Nothing older than the cutoff is left anywhere under the account.
    for left in (days_in(paths.USAGE_DAYS), days_in(paths.PRICED_DAYS), billed_days()):
        assert min(left) >= cutoff.isoformat()
    # Run again: nothing is due, nothing more goes.
    assert retention.enforce_due() == 0


def test_an_upgrade_during_the_grace_keeps_what_its_window_covers(firestore_client) -> None:  # type: ignore[no-untyped-def]
    db = firestore_client
    clock = FakeClock(NOW)
    tenants = FirestoreTenantStore(db)
    accounts = FirestoreAccountStore(db)
    purger = FirestoreUsagePurger(db)
    deleted_before: list[str] = []

    class Recording(FirestoreUsagePurger):
        def purge_before(self, tenant_id, account_id, first, cutoff):  # type: ignore[no-untyped-def]
            deleted_before.append(cutoff.isoformat())
            return purger.purge_before(tenant_id, account_id, first, cutoff)

    retention = RetentionService(
        tenants,
        accounts,
        Recording(db),
        lambda t, a: FirestoreLedgerUnitOfWork(db, t, a, clock),
        FirestoreAuditLog(db),
        clock=clock,
    )
    tenants.create_tenant(Tenant(id="up", plan="enterprise"), Member("owner", "owner"))
    accounts.create(
        Account(
            tenant_id="up",
            id=ACCOUNT,
            provider="anthropic",
            name="Up",
            status=STATUS_SYNCING,
            created_at=NOW,
            history_start=NOW - timedelta(days=365),
            history_days=365,
        )
    )
    before = tenants.get_tenant("up")
    assert before is not None
    tenants.set_plan("up", "free", None)
    retention.window_changed(before, 30, "owner")  # downgraded to 30 days...
    upgraded = tenants.get_tenant("up")
    assert upgraded is not None
    tenants.set_plan("up", "pro", None)  # ... then, within the grace, upgraded to 180
    assert retention.window_changed(upgraded, 180, "owner") is not None  # the schedule stands
    clock.advance(days=15)
    assert retention.enforce_due() == 1
    # The window in force (180 days) wins over the 30 days scheduled.
    assert deleted_before == [(clock.now - timedelta(days=180)).date().isoformat()]
