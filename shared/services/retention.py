"""History beyond a shrunk window: scheduled for deletion when the window shrinks, deleted after a grace.

A downgrade (or a shorter ``history_days``) shrinks the window the tenant sees at once (reads older than
the window are refused) but deletes nothing yet: ``Retention`` records what will go and when, the audit
log says so, and the tenant's answer shows it. After ``RETENTION_GRACE`` the hourly tick's enforcement
deletes every usage, priced and billed day older than the window then in force (the current plan always
wins: an upgrade in the meantime keeps what its window covers), rebuilds the rollup of the month the cutoff
falls in, trims the accounts' coverage, clears the schedule and writes an audit entry with the counts.

Enforcement is idempotent and resumable: the schedule is cleared last, so a run that dies half-way is
simply run again by the next tick.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from shared.domain.accounts import Account, HourRange
from shared.domain.priced import PricedDay, build_month, month_days, month_of
from shared.domain.tenancy import RETENTION_GRACE, AuditEntry, Retention, Tenant
from shared.domain.usage import day_start
from shared.ports import AccountStore, AuditLog, LedgerUnitOfWork, TenantStore, UnitOfWorkFactory, UsagePurger
from shared.services.unit_of_work import run_unit

log = logging.getLogger(__name__)


@dataclass
class RetentionService:
    tenants: TenantStore
    accounts: AccountStore
    purger: UsagePurger
    ledger: UnitOfWorkFactory
    audit: AuditLog
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)
    grace: timedelta = RETENTION_GRACE

    def window_changed(self, before: Tenant, new_days: int, actor: str) -> Retention | None:
        """Called when a tenant's window changes from ``before.history_days`` to ``new_days``: a shorter
        window schedules the deletion of what lies beyond it (the grace starting now); a longer one changes
        nothing (enforcement never deletes inside the window in force). Returns the schedule in force."""
        if new_days >= before.history_days:
            return before.retention
        now = self.clock()
        retention = Retention(keep_days=new_days, due_at=now + self.grace, scheduled_at=now)
        self.tenants.set_retention(before.id, retention)
        self.audit.record(
            AuditEntry(
                before.id,
                now,
                actor,
                "retention_scheduled",
                None,
                "ok",
                {
                    "keep_days": new_days,
                    "previous_days": before.history_days,
                    "due_at": retention.due_at.isoformat(),
                    "deletes_before": retention.cutoff(retention.due_at, new_days).isoformat(),
                },
            )
        )
        return retention

    def enforce_due(self) -> int:
        """Apply every schedule that is due; returns how many tenants. One failing tenant does not stop the
        others (its schedule stays, so the next tick tries again)."""
        done = 0
        for tenant in self.tenants.retention_due(self.clock()):
            try:
                self.enforce(tenant)
                done += 1
            except Exception:
                log.exception("retention could not be applied", extra={"tenant_id": tenant.id})
        return done

    def enforce(self, tenant: Tenant) -> int:
        """Delete the tenant's history before its cutoff; returns the documents deleted."""
        if tenant.retention is None:
            return 0
        now = self.clock()
        cutoff = tenant.retention.cutoff(now, tenant.history_days)
        deleted = 0
        accounts = self.accounts.list(tenant.id)
        for account in accounts:
            if cutoff.day != 1:
                self._rebuild_month(tenant.id, account.id, cutoff, now.date())
            # The oldest day the account can hold: its history start, or what it imported before that.
            first = min([account.history_start, *(lo for lo, _ in account.coverage)]).date()
            deleted += self.purger.purge_before(tenant.id, account.id, first, cutoff)
            self.accounts.update(tenant.id, account.id, _trimmed(account, day_start(cutoff)))
        self.tenants.set_retention(tenant.id, None)
        self.audit.record(
            AuditEntry(
                tenant.id,
                now,
                "system",
                "retention_applied",
                None,
                "ok",
                {
                    "deleted_before": cutoff.isoformat(),
                    "keep_days": max(tenant.retention.keep_days, tenant.history_days),
                    "accounts": len(accounts),
                    "documents_deleted": deleted,
                },
            )
        )
        log.info("retention applied", extra={"tenant_id": tenant.id, "cutoff": cutoff.isoformat(), "deleted": deleted})
        return deleted

    def _rebuild_month(self, tenant_id: str, account_id: str, cutoff: date, today: date) -> None:
        """The cutoff's month rollup holds only the days kept (before the older days are deleted, so a read
        in between never sums a day that is going)."""
        month = month_of(cutoff)
        kept = [d for d in month_days(month) if cutoff <= d <= today]

        def work(uow: LedgerUnitOfWork) -> None:
            if uow.months.get(month) is None:
                return
            days: list[PricedDay] = [p for d in kept if (p := uow.priced.get(d)) is not None]
            uow.months.put(build_month(account_id, month, days))
            uow.commit()

        run_unit(self.ledger(tenant_id, account_id), work)


def _trimmed(account: Account, start: datetime) -> dict[str, object]:
    """The account's coverage and history start no earlier than ``start`` (what was deleted is not held)."""
    coverage: list[HourRange] = [(max(lo, start), hi) for lo, hi in account.coverage if hi > start]
    return {"coverage": tuple(coverage), "history_start": max(account.history_start, start)}
