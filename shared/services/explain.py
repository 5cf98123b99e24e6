"""Explaining a cost: for the rows a filter selects, tokens x rate per class and the price each used.

Costs are stored per row with the ``price_ref`` they were priced with. The rates themselves are
re-derived here from the catalogue's quote for the row's dimensions and UTC day; when the stored costs
were computed with another catalogue version, the answer says so (and whether the amounts still agree).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from shared.domain.money import ZERO, cost_of_units, usd
from shared.domain.usage import PRICING_DIMENSIONS, TOKEN_CLASSES, USAGE_CLASSES, Dimensions, TokenCounts
from shared.errors import BadRequest, InvalidInput
from shared.ledger import Ledger, Query
from shared.ledger.coverage import coverage_out, missing_days
from shared.ports import AccountStore, LedgerStore
from shared.pricing import Catalogue, CostBreakdown, Unpriceable, cost_breakdown
from shared.services.scope import accounts_in_scope

MAX_RANGE_DAYS = 93
FILTER_FIELDS = (
    "model",
    "service_tier",
    "context_window",
    "inference_geo",
    "speed",
    "variant",
    "workspace_id",
    "api_key_id",
    "user_id",
)
"""Row dimensions a caller may filter on; the value ``null`` selects rows where the field is null."""
PRICING_FIELDS = PRICING_DIMENSIONS
"""What a price depends on (besides the day): lines are per day and these."""


@dataclass(frozen=True, slots=True)
class ExplainQuery:
    start: date
    end: date
    filters: tuple[tuple[str, str | None], ...] = ()
    account_id: str | None = None
    provider: str | None = None

    def validate(self) -> None:
        if self.start > self.end:
            raise BadRequest(f"from ({self.start}) is after to ({self.end})", field="from")
        days = (self.end - self.start).days + 1
        if days > MAX_RANGE_DAYS:
            raise BadRequest(f"the range is {days} days; at most {MAX_RANGE_DAYS} days per explanation", field="to")
        for name, _ in self.filters:
            if name not in FILTER_FIELDS:
                raise InvalidInput(f"cannot filter on {name!r}; allowed: {', '.join(FILTER_FIELDS)}", field=name)

    def selects(self, dims: Dimensions) -> bool:
        return all(getattr(dims, name) == value for name, value in self.filters)


@dataclass
class _Line:
    provider: str
    day: date
    dims: Dimensions
    tokens: TokenCounts = field(default_factory=TokenCounts)
    stored: CostBreakdown | None = field(default_factory=CostBreakdown)
    price_refs: set[str] = field(default_factory=set)
    catalogue_versions: set[str] = field(default_factory=set)
    unpriced_reasons: set[str] = field(default_factory=set)


@dataclass
class ExplainService:
    accounts: AccountStore
    ledger: LedgerStore
    catalogue_factory: Callable[[], Catalogue]
    """Built on first use: loading the catalogue costs a moment, and only this endpoint needs it."""
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)

    def explain(self, tenant_id: str, q: ExplainQuery) -> dict[str, Any]:
        q.validate()
        accounts = accounts_in_scope(self.accounts, tenant_id, q.account_id, provider=q.provider)
        provider_of = {a.id: a.provider for a in accounts}
        lines: dict[tuple[str, date, tuple[str | None, ...]], _Line] = {}
        query = Query.local_days(
            list(provider_of),
            q.start,
            q.end,
            grain="day",
            dims={name for name, _ in q.filters} | set(PRICING_FIELDS),
            keep=lambda account_id, dims: q.selects(dims),
        )
        reading = Ledger(self.ledger, tenant_id, self.clock).read(query)
        for piece in reading.pieces:
            row = piece.row
            provider = provider_of[piece.account_id]
            pricing = row.dims.pricing()
            key = (provider, piece.when, tuple(getattr(pricing, f) for f in PRICING_FIELDS))
            line = lines.get(key)
            if line is None:
                line = lines[key] = _Line(provider, piece.when, pricing)
            line.tokens = line.tokens + row.tokens
            line.stored = None if line.stored is None or row.cost is None else line.stored + row.cost
            line.price_refs.add(row.price_ref)
            line.catalogue_versions.add(row.price_ref.split(" / ")[0])
            if row.unpriced_reason:
                line.unpriced_reasons.add(row.unpriced_reason)
        catalogue = self.catalogue_factory() if lines else None
        rendered = [self._render(line, catalogue) for line in sorted(lines.values(), key=_order)]
        total_tokens = sum((line.tokens for line in lines.values()), TokenCounts())
        stored_total = sum((Decimal(r["stored_cost"]) for r in rendered if r["stored_cost"] is not None), ZERO)
        recomputed_total = sum((Decimal(r["cost"]) for r in rendered if r["cost"] is not None), ZERO)
        missing = missing_days(accounts, query.start, query.end, query.zone, self.clock(), reading.missing_days)
        return {
            "from": q.start.isoformat(),
            "to": q.end.isoformat(),
            "time_zone": "UTC",
            "currency": "USD",
            "filters": {name: value for name, value in q.filters},
            "catalogue_version": catalogue.version if catalogue is not None else None,
            "lines": rendered,
            "totals": {
                "tokens": total_tokens.to_dict(),
                "cost": usd(recomputed_total),
                "stored_cost": usd(stored_total),
                "unpriced_lines": sum(1 for r in rendered if r["cost"] is None),
                "catalogue_version_differs": any(r["catalogue_version_differs"] for r in rendered),
                "agrees": all(r["agrees"] for r in rendered),
            },
            "coverage": coverage_out(missing),
            "documents_read": reading.documents_read,
        }

    @staticmethod
    def _render(line: _Line, catalogue: Catalogue | None) -> dict[str, Any]:
        assert catalogue is not None
        noon = datetime(line.day.year, line.day.month, line.day.day, tzinfo=UTC) + timedelta(hours=12)
        quote = catalogue.quote(line.provider, line.dims, noon)
        stored_versions = sorted(line.catalogue_versions)
        differs = stored_versions != [catalogue.version]
        try:
            recomputed = None if quote.rates is None else cost_breakdown(line.tokens, quote.rates)
        except Unpriceable:
            recomputed = None
        classes: list[dict[str, Any]] = []
        for usage_class in USAGE_CLASSES:
            cls = usage_class.name
            quantity = line.tokens.quantity(cls)
            rate = None if quote.rates is None else quote.rates.rate(cls)
            cost = None if rate is None else cost_of_units(quantity, rate, usage_class.per)
            stored = None if line.stored is None else line.stored.amount(cls)
            if not quantity and not stored:
                continue
            classes.append(
                {
                    "token_class": cls,
                    "quantity": quantity,
                    "rate": None if rate is None else usd(rate),
                    "rate_unit": usage_class.rate_unit,
                    "cost": None if cost is None else usd(cost),
                    "stored_cost": None if stored is None else usd(stored),
                }
            )
        stored_total = None if line.stored is None else line.stored.total
        recomputed_total = None if recomputed is None else recomputed.total
        note = None
        if differs:
            note = (
                f"stored costs were computed with catalogue {', '.join(stored_versions)}; the rates shown are from "
                f"{catalogue.version}" + ("" if stored_total == recomputed_total else ", which prices this differently")
            )
        return {
            "day": line.day.isoformat(),
            "provider": line.provider,
            **{f: getattr(line.dims, f) for f in PRICING_FIELDS},
            "classes": classes,
            "cost": None if recomputed_total is None else usd(recomputed_total),
            "stored_cost": None if stored_total is None else usd(stored_total),
            "agrees": stored_total == recomputed_total,
            "price": {
                "catalogue_version": quote.catalogue_version,
                "model_ref": quote.model_ref,
                "effective_from": quote.effective_from.isoformat() if quote.effective_from else None,
                "modifiers": list(quote.modifiers),
                "unpriced_reason": quote.unpriced_reason,
            },
            "stored_price_refs": sorted(line.price_refs),
            "stored_catalogue_versions": stored_versions,
            "catalogue_version_differs": differs,
            "note": note,
            "unpriced_reasons": sorted(line.unpriced_reasons),
        }


def _order(line: _Line) -> tuple[date, str, str]:
    return (line.day, line.dims.model, line.dims.key())


__all__ = ["FILTER_FIELDS", "TOKEN_CLASSES", "ExplainQuery", "ExplainService"]
