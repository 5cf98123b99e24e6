"""Pricing newly collected hours and rebuilding the daily aggregates they belong to."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from shared.aggregates import CostDay, CostHour
from shared.costing import price_day
from shared.ports import CostStore
from shared.pricing import Catalogue
from shared.usage import UsageBucket, utc_hour

log = logging.getLogger(__name__)


def days_touched(start: datetime, end: datetime) -> list[date]:
    """UTC days that overlap ``[start, end)``."""
    first = utc_hour(start).date()
    last = (utc_hour(end) - timedelta(microseconds=1)).date() if end > start else first
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


@dataclass
class CostingService:
    costs: CostStore
    catalogue: Catalogue

    def price_range(self, tenant_id: str, account_id: str, provider: str, start: datetime, end: datetime) -> int:
        """Re-price every day the range touches, from the raw hours as they are now. Idempotent and
        order-independent: each day is rebuilt whole from stored state, inside one transaction."""
        rebuilt = 0
        for day in days_touched(start, end):

            def compute(buckets: list[UsageBucket], day: date = day) -> tuple[list[CostHour], CostDay]:
                return price_day(account_id, provider, day, buckets, self.catalogue)

            self.costs.rebuild_day(tenant_id, account_id, day, compute)
            rebuilt += 1
        return rebuilt
