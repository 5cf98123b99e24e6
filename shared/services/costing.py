"""Pricing the days whose raw usage changed, and keeping each month's rollup the sum of its days.

One unit of work per month of the message: it reads the month's rollup, and for each day the raw day and
the priced day; a day whose priced record was built from the same raw hours with the same catalogue is
left alone (a redelivered or duplicate message writes nothing and publishes nothing). A changed day is
priced again whole and its month rolled up in the same commit, so the rollup always equals its days.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

from shared.domain.money import ZERO, exact_sum
from shared.domain.priced import PricedDay, PricedMonth, build_month, month_days, month_of, roll_month
from shared.domain.usage import days_touched
from shared.messages import UsagePriced
from shared.ports import LedgerUnitOfWork, Publisher, UnitOfWorkFactory
from shared.pricing import Catalogue
from shared.pricing.costing import price_day
from shared.services.unit_of_work import run_unit

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CostingOutcome:
    days_checked: int
    days_priced: list[date]
    total_before: Decimal = ZERO
    """The priced cost of the days priced again, before (USD, exact)."""
    total_after: Decimal = ZERO
    alerts: str = ""
    """How the tenant's alerts were judged after pricing: "evaluated" here, "asked" of the alert evaluator
    function, or "" (nothing priced)."""


def _total(day: PricedDay | None) -> Decimal:
    return exact_sum(r.cost.total for r in day.rows if r.cost is not None) if day is not None else ZERO


@dataclass
class CostingService:
    ledger: UnitOfWorkFactory
    catalogue: Catalogue
    # After days are priced, "usage priced" goes out on this topic (the alert evaluator listens) unless
    # `evaluate` does the evaluation here. Without a publisher nothing is published. A failed publish raises;
    # the redelivered message finds the days priced already and asks for nothing: an evaluation judges the
    # current state, so the next one (the next sync's, or the sweep's) catches up.
    publisher: Publisher | None = None
    topic_usage_priced: str = ""
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)
    evaluate: Callable[[UsagePriced, Sequence[PricedMonth]], object] | None = None
    """Evaluates the tenant's alerts in this invocation, given the month rollups just written (bootstrap wires
    the alert evaluator): a function invocation, a message and a rollup read fewer per sync than asking the
    alert evaluator function. If it fails, "usage priced" is published instead, for that function to retry."""

    def price_days(self, tenant_id: str, account_id: str, provider: str, days: Sequence[date]) -> CostingOutcome:
        """Price these UTC days of an account from their raw hours as they are now. Idempotent and
        order-independent: a day is rebuilt whole, or left alone when nothing it is built from changed."""
        changed: list[tuple[PricedDay | None, PricedDay]] = []
        months: list[PricedMonth] = []
        by_month: dict[date, list[date]] = {}
        for day in sorted(set(days)):
            by_month.setdefault(month_of(day), []).append(day)
        for month, wanted in by_month.items():

            def work(
                uow: LedgerUnitOfWork, month: date = month, wanted: list[date] = wanted
            ) -> tuple[list[tuple[PricedDay | None, PricedDay]], PricedMonth | None]:
                return self._price_month(uow, provider, account_id, month, wanted)

            days_changed, rollup = run_unit(self.ledger(tenant_id, account_id), work)
            changed += days_changed
            if rollup is not None:
                months.append(rollup)
        priced = [new.day for _, new in changed]
        alerts = ""
        if priced:
            message = UsagePriced(tenant_id=tenant_id, account_id=account_id, days=priced, at=self.clock())
            alerts = self._after_priced(message, months)
        return CostingOutcome(
            len(set(days)),
            priced,
            exact_sum(_total(old) for old, _ in changed),
            exact_sum(_total(new) for _, new in changed),
            alerts,
        )

    def price_range(
        self, tenant_id: str, account_id: str, provider: str, start: datetime, end: datetime
    ) -> CostingOutcome:
        """Price every UTC day ``[start, end)`` touches (see `price_days`)."""
        return self.price_days(tenant_id, account_id, provider, days_touched(start, end))

    def _after_priced(self, message: UsagePriced, months: Sequence[PricedMonth]) -> str:
        if self.evaluate is not None:
            try:
                self.evaluate(message, months)
                return "evaluated"
            except Exception:
                log.exception("alert evaluation after costing failed: asking the alert evaluator function")
        if self.publisher is not None and self.topic_usage_priced:
            self.publisher.publish(self.topic_usage_priced, message)
            return "asked"
        return ""

    def _price_month(
        self, uow: LedgerUnitOfWork, provider: str, account_id: str, month: date, days: list[date]
    ) -> tuple[list[tuple[PricedDay | None, PricedDay]], PricedMonth | None]:
        """The days priced again (old and new) and the month's rollup as written; nothing when none changed."""
        rollup = uow.months.get(month)
        changed: list[tuple[PricedDay | None, PricedDay]] = []
        consistent = True
        for day in days:
            raw = uow.usage.get(day)
            if raw is None:
                continue  # nothing collected for it: nothing to price
            old = uow.priced.get(day)
            held = rollup.days.get(day) if rollup is not None else None
            if old is not None and held != old.version:
                consistent = False  # the rollup does not hold this day as it is stored: rebuild it whole
            version = f"{raw.content_hash()}/{self.catalogue.version}"
            if old is not None and old.version == version and held == version:
                continue
            changed.append((old, price_day(provider, raw, self.catalogue)))
        if not changed:
            return [], None
        for _, new in changed:
            uow.priced.put(new)
        if consistent:
            for old, new in changed:
                rollup = roll_month(rollup, account_id, old, new)
        else:
            rollup = self._rebuilt(uow, account_id, month, {new.day: new for _, new in changed})
            log.warning("month rollup rebuilt from its days", extra={"account_id": account_id, "month": str(month)})
        assert rollup is not None
        uow.months.put(rollup)
        uow.commit()
        return changed, rollup

    @staticmethod
    def _rebuilt(uow: LedgerUnitOfWork, account_id: str, month: date, fresh: dict[date, PricedDay]) -> PricedMonth:
        days: list[PricedDay] = []
        for day in month_days(month):
            found = fresh.get(day) or uow.priced.get(day)
            if found is not None:
                days.append(found)
        return build_month(account_id, month, days)
