"""Hand-built priced usage for what-if and advice tests: rows per hour, priced by the real catalogue into the
fake ledger (the same costing the pipeline runs), read back through the insights service."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime, timedelta
from typing import Any

from shared.domain.accounts import STATUS_CONNECTED, Account, Names
from shared.domain.usage import Dimensions, TokenCounts, UsageBucket, UsageRow, utc_hour
from shared.pricing import default_catalogue
from shared.services.costing import CostingService
from shared.services.insights import AdviceQuery, InsightsService
from shared.services.usage_query import UsageQuery
from tests.fakes import FakeAccountStore, FakeClock, FakeLedger, FakeSettingsStore

T = "t1"
NOW = datetime(2026, 11, 20, 12, 30, tzinfo=UTC)
"""The default advice period at NOW is 2026-10-21 .. 2026-11-19: 30 UTC days."""


def at(day: str, hour: int = 12) -> datetime:
    return datetime.fromisoformat(day).replace(hour=hour, tzinfo=UTC)


class InsightsWorld:
    def __init__(self, now: datetime = NOW) -> None:
        self.clock = FakeClock(now)
        self.accounts = FakeAccountStore()
        self.ledger = FakeLedger()
        self.settings = FakeSettingsStore()
        self.service = InsightsService(
            self.accounts, self.ledger, default_catalogue, settings=self.settings, clock=self.clock
        )
        self._rows: dict[tuple[str, datetime], list[UsageRow]] = defaultdict(list)
        self._provider: dict[str, str] = {}

    def account(
        self,
        n: int = 1,
        provider: str = "anthropic",
        keys: dict[str, str] | None = None,
        workspaces: dict[str, str] | None = None,
        history_days: int = 200,
    ) -> str:
        start = (self.clock.now - timedelta(days=history_days)).replace(hour=0, minute=0, second=0, microsecond=0)
        account = Account(
            tenant_id=T,
            id=f"acc_{n:016x}",
            provider=provider,
            name=f"Account {n}",
            status=STATUS_CONNECTED,
            created_at=start,
            history_start=start,
            history_days=history_days,
            coverage=((start, utc_hour(self.clock.now)),),
        )
        self.accounts.create(account)
        self.accounts.save_names(T, account.id, Names(dict(keys or {}), dict(workspaces or {})))
        self._provider[account.id] = provider
        return account.id

    def use(self, account_id: str, hour: datetime, model: str, key: str | None = "k1", **counts: Any) -> None:
        """One row: ``counts`` are TokenCounts fields, plus dimension overrides (workspace_id, service_tier,
        context_window, inference_geo, speed)."""
        dim_names = ("workspace_id", "service_tier", "context_window", "inference_geo", "speed")
        dims = {k: counts.pop(k) for k in dim_names if k in counts}
        if "service_tier" not in dims:
            dims["service_tier"] = "standard" if self._provider[account_id] == "anthropic" else "default"
        row = UsageRow(hour, Dimensions(model=model, api_key_id=key, **dims), TokenCounts(**counts))
        self._rows[(account_id, hour)].append(row)

    def price(self) -> None:
        """Store the hours written so far and price their days, as the collector and costing would."""
        by_account: dict[str, dict[datetime, list[UsageRow]]] = defaultdict(dict)
        for (account_id, hour), rows in self._rows.items():
            by_account[account_id][hour] = rows
        costing = CostingService(self.ledger, default_catalogue())
        for account_id, hours in by_account.items():
            buckets = [UsageBucket(h, tuple(rows)) for h, rows in sorted(hours.items())]
            self.ledger.write_buckets(T, account_id, buckets)
            days = sorted({h.date() for h in hours})
            costing.price_days(T, account_id, self._provider[account_id], days)
        self._rows.clear()

    def advice(self, **query: Any) -> dict[str, Any]:
        return self.service.advice(T, AdviceQuery(**query))

    def whatif(self, first: str, last: str, target: str, **filters: Any) -> dict[str, Any]:
        return self.service.whatif(T, _query(first, last, **filters), target)

    def suggestions(self, first: str, last: str, **filters: Any) -> dict[str, Any]:
        return self.service.suggestions(T, _query(first, last, **filters))


def _query(first: str, last: str, time_zone: str | None = None, **filters: Any) -> UsageQuery:
    from datetime import date

    return UsageQuery(
        start=date.fromisoformat(first),
        end=date.fromisoformat(last),
        time_zone=time_zone,
        filters=tuple((name, tuple(values)) for name, values in filters.items()),
    )


def of_kind(body: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [a for a in body["advice"] if a["kind"] == kind]
