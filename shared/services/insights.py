"""What-if, alternatives and savings advice for a tenant: reads through the ledger, prices through the catalogue.

- what-if and suggestions read the period at the day (per UTC day, so each day is priced at that day's price):
  from month rollups' daily tables where the reader can, else from priced days;
- advice reads the period at the hour (the hour-of-day rules need it) and by UTC day (the others: each day's
  own rows, from the same documents, read once) and the whole months before it from their rollups (what was
  in use before: idle and unusual keys).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from shared.domain.accounts import Account
from shared.domain.money import EXACT, usd
from shared.domain.priced import month_of
from shared.domain.settings import TenantSettings, time_zone
from shared.domain.usage import DIMENSIONS, PRICING_DIMENSIONS, day_start
from shared.errors import BadRequest, InvalidInput, NotFound
from shared.insights.model import Advice
from shared.insights.rules import advise
from shared.insights.suggestions import suggest, suggestions_method
from shared.insights.usage import AdviceData, Prices
from shared.insights.whatif import (
    AmbiguousTarget,
    Repricer,
    UnknownTarget,
    WhatIfCatalogue,
    method_text,
    resolve_target,
    what_if,
)
from shared.ledger import Ledger, Query, Reading, local_window
from shared.ledger.coverage import coverage_out, missing_days, provisional_out
from shared.ports import AccountStore, LedgerStore, TenantSettingsStore
from shared.services.scope import accounts_in_scope
from shared.services.usage_query import UsageQuery, row_filter

ADVICE_DAYS = 30
"""The default advice period: the last 30 complete UTC days."""
MAX_ADVICE_DAYS = 93
LOOKBACK_MONTHS = 2
"""Whole UTC months before the advice period read from their rollups (what was in use before it)."""
_FILTER_DIMENSIONS = {"api_key": "api_key_id", "workspace": "workspace_id"}


@dataclass(frozen=True, slots=True)
class AdviceQuery:
    start: date | None = None
    end: date | None = None
    account_id: str | None = None

    def window(self, today: date) -> tuple[date, date]:
        """The period asked, or the last 30 complete UTC days (and up to 30 days around the one bound given)."""
        if self.start is None and self.end is None:
            last = today - timedelta(days=1)
            return last - timedelta(days=ADVICE_DAYS - 1), last
        if self.start is None:
            assert self.end is not None
            return self.end - timedelta(days=ADVICE_DAYS - 1), self.end
        if self.end is None:
            return self.start, min(self.start + timedelta(days=ADVICE_DAYS - 1), today - timedelta(days=1))
        return self.start, self.end


@dataclass
class InsightsService:
    accounts: AccountStore
    ledger: LedgerStore
    catalogue_factory: Callable[[], WhatIfCatalogue]
    """Built on first use (loading the catalogue costs a moment)."""
    settings: TenantSettingsStore | None = None
    plan_window: Callable[[str, date], None] | None = None
    """Refuses a range older than the tenant's plan keeps (the usage view's own check)."""
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)

    # -- what-if ------------------------------------------------------------------------------------

    def whatif(self, tenant_id: str, q: UsageQuery, target_model: str) -> dict[str, Any]:
        """Per source model and in total: tokens, actual cost and the cost on ``target_model`` (low, expected,
        high), day by day at the target's price that day."""
        q.validate()
        accounts = accounts_in_scope(self.accounts, tenant_id, q.account_id)  # another tenant's id: 404 first
        if not target_model or len(target_model) > 200:
            raise InvalidInput("target_model is required: a catalogue model id such as gpt-5", field="target_model")
        catalogue = self.catalogue_factory()
        try:
            target = resolve_target(catalogue, target_model, self.clock().astimezone(UTC).date())
        except UnknownTarget as exc:
            raise NotFound(str(exc), field="target_model") from None
        except AmbiguousTarget as exc:
            raise BadRequest(str(exc), field="target_model") from None
        answer, reading, accounts, provider_of = self._read_days(tenant_id, q, accounts)
        pieces = [(p.account_id, p.when, p.row) for p in reading.pieces]
        result = what_if(Repricer(catalogue, target), pieces, provider_of)
        models = [m.render(target) for m in result.models]
        return {
            **answer,
            "target": {"provider": target.provider, "model": target.model, "model_ref": target.model_ref},
            "models": models,
            "not_comparable": [
                {"provider": m["provider"], "model": m["model"], **line} for m in models for line in m["not_comparable"]
            ],
            "totals": result.totals(),
            "method": method_text(target, catalogue.version, sorted(set(provider_of.values()))),
            "catalogue_version": catalogue.version,
            **self._reading_out(reading, accounts, q.start, q.end, answer["time_zone"]),
        }

    def suggestions(self, tenant_id: str, q: UsageQuery) -> dict[str, Any]:
        """The cheapest credible alternatives for the tenant's top models (``equivalents.json``)."""
        answer, reading, accounts, provider_of = self._read_days(tenant_id, q)
        catalogue = self.catalogue_factory()
        days = Decimal((q.end - q.start).days + 1)
        found = suggest(
            catalogue,
            [(p.account_id, p.when, p.row) for p in reading.pieces],
            provider_of,
            lambda amount: EXACT.divide(EXACT.multiply(amount, Decimal(30)), days),
        )
        return {
            **answer,
            **found,
            "method": suggestions_method(catalogue.version),
            "catalogue_version": catalogue.version,
            **self._reading_out(reading, accounts, q.start, q.end, answer["time_zone"]),
        }

    def _read_days(
        self, tenant_id: str, q: UsageQuery, accounts: list[Account] | None = None
    ) -> tuple[dict[str, Any], Reading, list[Account], dict[str, str]]:
        q.validate()
        if self.plan_window is not None:
            self.plan_window(tenant_id, q.start)
        if accounts is None:
            accounts = accounts_in_scope(self.accounts, tenant_id, q.account_id)
        provider_of = {a.id: a.provider for a in accounts}
        settings = self._settings(tenant_id)
        zone_name = q.time_zone or settings.time_zone
        dims = set(PRICING_DIMENSIONS) | {_FILTER_DIMENSIONS[n] for n, _ in q.filters if n in _FILTER_DIMENSIONS}
        query = Query.local_days(
            list(provider_of),
            q.start,
            q.end,
            time_zone(zone_name),
            grain="day",
            dims=dims,
            keep=row_filter(q.filters, provider_of),
        )
        reading = Ledger(self.ledger, tenant_id, self.clock).read(query)
        answer = {
            "from": q.start.isoformat(),
            "to": q.end.isoformat(),
            "time_zone": zone_name,
            "currency": "USD",
            "filters": {name: list(values) for name, values in q.filters},
            "account_ids": list(provider_of),
        }
        return answer, reading, accounts, provider_of

    def _reading_out(
        self, reading: Reading, accounts: Sequence[Account], first: date, last: date, zone_name: str
    ) -> dict[str, Any]:
        """What every answer says of its reading: the provisional share, the coverage, the documents read."""
        zone = time_zone(zone_name)
        start, end = local_window(first, last, zone)
        missing = missing_days(accounts, start, end, zone, self.clock(), reading.missing_days)
        return {
            "provisional": provisional_out(reading.provisional),
            "coverage": coverage_out(missing),
            "documents_read": reading.documents_read,
        }

    # -- advice -------------------------------------------------------------------------------------

    def advice(self, tenant_id: str, q: AdviceQuery) -> dict[str, Any]:
        """Savings recommendations for the period, by monthly savings."""
        first, last, found, reading, accounts, settings = self._advise(tenant_id, q)
        return {
            "from": first.isoformat(),
            "to": last.isoformat(),
            "time_zone": "UTC",
            "hours_in": settings.time_zone,
            "currency": "USD",
            "account_ids": [a.id for a in accounts],
            "advice": [a.to_dict() for a in found],
            "counts": {kind: sum(1 for a in found if a.kind == kind) for kind in sorted({a.kind for a in found})},
            "alert_threshold_usd": usd(settings.advice_alert_usd),
            **self._reading_out(reading, accounts, first, last, "UTC"),
        }

    def alerting_advice(self, tenant_id: str) -> tuple[list[Advice], Decimal]:
        """The default period's advice worth at least the tenant's alert threshold a month, and the threshold."""
        _, _, found, _, _, settings = self._advise(tenant_id, AdviceQuery())
        threshold = settings.advice_alert_usd
        return [a for a in found if a.monthly_savings >= threshold and a.monthly_savings > 0], threshold

    def _advise(
        self, tenant_id: str, q: AdviceQuery
    ) -> tuple[date, date, list[Advice], Reading, list[Account], TenantSettings]:
        now = self.clock().astimezone(UTC)
        first, last = q.window(now.date())
        if first > last:
            raise BadRequest(f"from ({first}) is after to ({last})", field="from")
        days = (last - first).days + 1
        if days > MAX_ADVICE_DAYS:
            raise BadRequest(f"the range is {days} days; at most {MAX_ADVICE_DAYS} days of advice", field="to")
        if self.plan_window is not None:
            self.plan_window(tenant_id, first)
        accounts = accounts_in_scope(self.accounts, tenant_id, q.account_id, keep=lambda a: a.active)
        ids = [a.id for a in accounts]
        settings = self._settings(tenant_id)
        names = self.accounts.get_names(tenant_id, ids) if ids else {}
        ledger = Ledger(self.ledger, tenant_id, self.clock)
        reading = ledger.read(Query.local_days(ids, first, last, grain="hour", dims=DIMENSIONS))
        # The same days whole, from the documents just read: the rules by day take each day's rows as stored
        # instead of adding up the hours the first reading cut them into.
        whole_days = ledger.read(Query.local_days(ids, first, last, grain="day", dims=DIMENSIONS, provisional=False))
        months = _months_before(first, LOOKBACK_MONTHS)
        before = ledger.read(
            Query(tuple(ids), day_start(months[0]), day_start(month_of(first)), "total", dims=frozenset(DIMENSIONS))
        )
        data = AdviceData.from_pieces(
            first,
            last,
            time_zone(settings.time_zone),
            accounts,
            names,
            reading.pieces,
            whole_days.pieces,
            before.pieces,
            months,
        )
        found = advise(data, Prices(self.catalogue_factory())) if reading.pieces or names else []
        reading.documents_read = ledger.documents_read  # the period's days and the months before it
        return first, last, found, reading, accounts, settings

    def _settings(self, tenant_id: str) -> TenantSettings:
        return self.settings.get_settings(tenant_id) if self.settings is not None else TenantSettings()


def _months_before(day: date, count: int) -> list[date]:
    """The ``count`` whole UTC months before ``day``'s month, oldest first."""
    months = [month_of(day)]
    for _ in range(count):
        months.insert(0, month_of(months[0] - timedelta(days=1)))
    return months[:-1]


__all__ = ["AdviceQuery", "InsightsService"]
