"""Re-pricing history when the price catalogue changes (a new genai-prices pin or an override table edit).

Every sync re-prices the trailing window with the current catalogue anyway; older days keep the version
they were priced with. After each costing run, ``check`` compares the account's pricing state with the
current catalogue version; when they differ it publishes re-price requests (usage-collected messages with
reason "reprice", one per 31 days of the account's history) on the costing topic and records the new
version, so the fan-out happens once per version and account.

``reprice`` handles one request: it rebuilds, from the raw hours, only the days whose aggregate was priced
with another version (a redelivered or duplicate request finds none left: idempotent, and order does not
matter), and logs the totals before and after.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, Protocol

from shared.domain.money import ZERO, usd
from shared.ports import AccountStore, CostStore, Publisher
from shared.pricing import Catalogue

log = logging.getLogger(__name__)

DAYS_PER_REQUEST = 31


@dataclass(frozen=True, slots=True)
class PricingState:
    """The catalogue version an account's whole history was (or is being) re-priced to."""

    catalogue_version: str | None = None
    requested_at: datetime | None = None


class PricingStateStore(Protocol):
    def get_pricing_state(self, tenant_id: str, account_id: str) -> PricingState: ...

    def set_pricing_state(self, tenant_id: str, account_id: str, state: PricingState) -> None: ...


class RangePricer(Protocol):
    def price_range(self, tenant_id: str, account_id: str, provider: str, start: datetime, end: datetime) -> int: ...


@dataclass(frozen=True)
class RepriceOutcome:
    days_checked: int
    days_repriced: int
    total_before: str
    total_after: str


def _start(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


@dataclass
class RepricingService:
    accounts: AccountStore
    costs: CostStore
    costing: RangePricer
    catalogue: Catalogue
    state: PricingStateStore
    publisher: Publisher
    topic_usage_collected: str
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)

    def check(self, tenant_id: str, account_id: str, provider: str) -> int:
        """Ask for the account's history to be re-priced if the catalogue changed since it last was.

        Returns the number of re-price requests published (0 when the history is current).
        """
        current = self.state.get_pricing_state(tenant_id, account_id)
        if current.catalogue_version == self.catalogue.version:
            return 0
        account = self.accounts.get(tenant_id, account_id)
        if account is None:
            return 0
        now = self.clock()
        first, last = account.history_start.astimezone(UTC).date(), now.astimezone(UTC).date()
        published = 0
        cursor = first
        while cursor <= last:
            end = min(cursor + timedelta(days=DAYS_PER_REQUEST), last + timedelta(days=1))
            message: dict[str, Any] = {
                "tenant_id": tenant_id,
                "account_id": account_id,
                "provider": provider,
                "start": _start(cursor).isoformat(),
                "end": _start(end).isoformat(),
                "collected_at": now.isoformat(),
                "reason": "reprice",
            }
            self.publisher.publish(self.topic_usage_collected, message)
            published += 1
            cursor = end
        # Recorded after publishing: a crash in between publishes again next time (harmless, idempotent).
        self.state.set_pricing_state(tenant_id, account_id, PricingState(self.catalogue.version, now))
        log.info(
            "history re-pricing requested",
            extra={
                "account_id": account_id,
                "from_version": current.catalogue_version,
                "to_version": self.catalogue.version,
                "requests": published,
            },
        )
        return published

    def reprice(self, tenant_id: str, account_id: str, provider: str, start: datetime, end: datetime) -> RepriceOutcome:
        """Rebuild the days of ``[start, end)`` priced with another catalogue version; log totals before/after."""
        first = start.astimezone(UTC).date()
        last = (end.astimezone(UTC) - timedelta(microseconds=1)).date()
        before = {d.day: d for d in self.costs.read_days(tenant_id, [account_id], first, last)}
        stale = sorted(day for day, d in before.items() if d.catalogue_version != self.catalogue.version)
        for run_start, run_end in _runs(stale):
            self.costing.price_range(tenant_id, account_id, provider, _start(run_start), _start(run_end))
        after = {d.day: d for d in self.costs.read_days(tenant_id, [account_id], first, last)} if stale else before

        def total(days: dict[date, Any]) -> str:
            return usd(sum((r.cost.total for d in stale if d in days for r in days[d].rows if r.cost), ZERO))

        outcome = RepriceOutcome(len(before), len(stale), total(before), total(after))
        log.info(
            "re-priced history",
            extra={
                "account_id": account_id,
                "from": first.isoformat(),
                "to": last.isoformat(),
                "days_checked": outcome.days_checked,
                "days_repriced": outcome.days_repriced,
                "from_versions": sorted({before[d].catalogue_version for d in stale}),
                "to_version": self.catalogue.version,
                "total_before_usd": outcome.total_before,
                "total_after_usd": outcome.total_after,
            },
        )
        return outcome


def _runs(days: list[date]) -> list[tuple[date, date]]:
    """Consecutive days as [first, day after last) ranges."""
    runs: list[tuple[date, date]] = []
    for day in days:
        if runs and runs[-1][1] == day:
            runs[-1] = (runs[-1][0], day + timedelta(days=1))
        else:
            runs.append((day, day + timedelta(days=1)))
    return runs
