"""Answering "does what we computed match what the provider billed?" for a tenant's accounts.

Reads one priced daily aggregate and one billed-ledger document per account and day, whatever the row
count, and sets them side by side (see shared.domain.reconciliation for the rules).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from shared.domain.money import ZERO, to_cents, usd
from shared.domain.priced import SETTLING_TIME
from shared.domain.reconciliation import EXPLAINED, MATCHED, UNEXPLAINED, LedgerRules, Line, reconcile
from shared.errors import BadRequest
from shared.ledger import Ledger, Query
from shared.ledger.coverage import coverage_out, missing_days
from shared.ports import AccountStore, BilledCostStore, LedgerStore
from shared.providers import PROVIDERS, Provider
from shared.services.scope import accounts_in_scope

MAX_RANGE_DAYS = 400


@dataclass(frozen=True, slots=True)
class ReconciliationQuery:
    start: date
    end: date
    account_id: str | None = None
    provider: str | None = None

    def validate(self) -> None:
        if self.start > self.end:
            raise BadRequest(f"from ({self.start}) is after to ({self.end})", field="from")
        days = (self.end - self.start).days + 1
        if days > MAX_RANGE_DAYS:
            raise BadRequest(f"the range is {days} days; at most {MAX_RANGE_DAYS} days per query", field="to")


def _share(part: Decimal, whole: Decimal) -> float:
    """A percentage for display (not money)."""
    return 100.0 if whole == 0 else round(float(part * 100 / whole), 2)


@dataclass
class _Sums:
    billed: Decimal = ZERO
    computed: Decimal = ZERO
    matched_billed: Decimal = ZERO
    explained_billed: Decimal = ZERO
    unexplained_billed: Decimal = ZERO
    unexplained_lines: int = 0
    computed_not_billed: Decimal = ZERO

    def add(self, line: Line) -> None:
        self.billed += line.billed
        self.computed += line.computed
        if line.status == MATCHED:
            self.matched_billed += line.billed
        elif line.status == EXPLAINED:
            self.explained_billed += line.billed
        else:
            self.unexplained_billed += line.billed
            self.unexplained_lines += 1
        if line.billed == 0:
            self.computed_not_billed += line.computed

    def totals(self) -> dict[str, Any]:
        return {
            "billed": usd(self.billed),
            "computed": usd(self.computed),
            "difference": usd(self.computed - self.billed),
            "agree_to_the_cent": to_cents(self.billed) == to_cents(self.computed),
        }

    def panel(self) -> dict[str, Any]:
        return {
            "billed": usd(self.billed),
            "matched_billed": usd(self.matched_billed),
            "matched_percent": _share(self.matched_billed, self.billed),
            "explained_billed": usd(self.explained_billed),
            "unexplained_billed": usd(self.unexplained_billed),
            "unexplained_lines": self.unexplained_lines,
            "computed_not_billed": usd(self.computed_not_billed),
        }


@dataclass
class ReconciliationService:
    accounts: AccountStore
    ledger: LedgerStore
    billed: BilledCostStore
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)

    def reconcile(self, tenant_id: str, q: ReconciliationQuery) -> dict[str, Any]:
        q.validate()
        accounts = accounts_in_scope(self.accounts, tenant_id, q.account_id, provider=q.provider)
        ids = [a.id for a in accounts]
        now = self.clock()
        # Per UTC day, model and class: the day grain of the ledger (month rollups answer whole months).
        query = Query.local_days(ids, q.start, q.end, grain="day", dims={"model", "service_tier"})
        reading = Ledger(self.ledger, tenant_id, self.clock).read(query)
        billed_days = list(self.billed.read_days(tenant_id, ids, q.start, q.end)) if ids else []
        rules = {a.id: ledger_rules(PROVIDERS[a.provider]) for a in accounts}
        lines = reconcile(((p.account_id, p.when, p.row) for p in reading.pieces), billed_days, now, rules)

        total, settled = _Sums(), _Sums()
        per_account = {a.id: _Sums() for a in accounts}
        for line in lines:
            total.add(line)
            per_account[line.account_id].add(line)
            if not line.provisional:
                settled.add(line)
        ledger = []
        for a in accounts:
            state = a.billed
            ledger.append(
                {
                    "account_id": a.id,
                    "account_name": a.name,
                    **per_account[a.id].panel(),
                    "ledger_read_through": state.read_through.isoformat() if state.read_through else None,
                    "ledger_last_read_at": state.last_read_at.isoformat() if state.last_read_at else None,
                    "ledger_last_error": state.last_error,
                }
            )
        missing = missing_days(accounts, query.start, query.end, query.zone, now, reading.missing_days)
        return {
            "from": q.start.isoformat(),
            "to": q.end.isoformat(),
            "time_zone": "UTC",
            "currency": "USD",
            "settling_hours": int(SETTLING_TIME.total_seconds() // 3600),
            "account_ids": ids,
            "rows": [_render(line) for line in lines],
            "totals": total.totals(),
            "settled_totals": settled.totals(),
            "trust": {**total.panel(), "settled": settled.panel(), "accounts": ledger},
            "coverage": coverage_out(missing),
            "documents_read": reading.documents_read + len(billed_days),
        }


def ledger_rules(provider: Provider) -> LedgerRules:
    return LedgerRules(provider.tiers_not_billed, f"{provider.label}'s {provider.ledger_name}")


def _render(line: Line) -> dict[str, Any]:
    return {
        "account_id": line.account_id,
        "day": line.day.isoformat(),
        "model": line.model,
        "token_type": line.cost_class,
        "billed": usd(line.billed),
        "computed": usd(line.computed),
        "difference": usd(line.difference),
        "status": line.status,
        "provisional": line.provisional,
        "reasons": [{"code": r.code, "message": r.message} for r in line.reasons],
        "tokens": line.tokens,
        "unpriced_tokens": line.unpriced_tokens,
    }


__all__ = ["EXPLAINED", "MATCHED", "UNEXPLAINED", "ReconciliationQuery", "ReconciliationService"]
