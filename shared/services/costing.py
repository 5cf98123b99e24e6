"""Pricing newly collected hours and rebuilding the daily aggregates they belong to."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from shared.domain.priced import CostDay, CostHour
from shared.domain.usage import UsageBucket, utc_hour
from shared.ports import CostStore, Publisher
from shared.pricing import Catalogue
from shared.pricing.costing import price_day

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
    # After the days are rebuilt, "usage priced" goes out on this topic (the alert evaluator listens).
    # Without a publisher nothing is published. A failed publish raises: the redelivered message rebuilds
    # the same days again (idempotent) and publishes then.
    publisher: Publisher | None = None
    topic_usage_priced: str = ""

    def price_range(self, tenant_id: str, account_id: str, provider: str, start: datetime, end: datetime) -> int:
        """Re-price every day the range touches, from the raw hours as they are now. Idempotent and
        order-independent: each day is rebuilt whole from stored state, inside one transaction."""
        rebuilt = 0
        days = days_touched(start, end)
        for day in days:

            def compute(buckets: list[UsageBucket], day: date = day) -> tuple[list[CostHour], CostDay]:
                return price_day(account_id, provider, day, buckets, self.catalogue)

            self.costs.rebuild_day(tenant_id, account_id, day, compute)
            rebuilt += 1
        if self.publisher is not None and self.topic_usage_priced:
            self.publisher.publish(
                self.topic_usage_priced,
                {"tenant_id": tenant_id, "account_id": account_id, "days": [d.isoformat() for d in days]},
            )
        return rebuilt
