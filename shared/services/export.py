"""Exports of priced usage as CSV: TokenMeter's own columns, and the FinOps Foundation's FOCUS 1.2.

Both read through the ledger read model (the plain export through the usage view, FOCUS directly) and
write every amount as the exact decimal stored, never a float.

The plain export: one row per group and day, the groups and filters of ``GET /v1/usage``; columns in
`CSV_COLUMNS` (documented in the OpenAPI description of the route).

FOCUS 1.2 (https://focus.finops.org, columns checked against the FOCUS_Spec repository at tag v1.2): one
row per UTC day, account, grouping and usage class (a token class has its own unit price), ChargeCategory
"Usage", costs at list price (ListCost) and after the organization's rate cards (EffectiveCost, BilledCost,
ContractedCost: a negotiated discount is "Standard" pricing in FOCUS). Every Mandatory column is present,
and the Conditional ones that apply (ConsumedQuantity/Unit, ListUnitPrice, ContractedUnitPrice,
PricingCategory, SkuId, SkuPriceId, SubAccountId/Name, ResourceId/Name, RegionId, Tags); our own columns
start with ``x_``. Usage with no known price cannot be a FOCUS charge (its cost is unknown, and never $0):
it is left out, and counted in the response's ``X-Unpriced-Tokens`` header.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from shared.domain.accounts import Names
from shared.domain.money import EXACT, usd
from shared.domain.priced import month_of, next_month
from shared.domain.rate_cards import RateCardDiscount
from shared.domain.settings import TenantSettings
from shared.domain.usage import QUANTITY_FIELDS, USAGE_CLASSES, UsageClass, day_start
from shared.ledger import Ledger, Query
from shared.ports import AccountStore, LedgerStore, TenantSettingsStore
from shared.providers import PROVIDERS
from shared.services.scope import accounts_in_scope
from shared.services.usage_query import TIME_FIELDS, UsageQuery, UsageQueryService, row_filter

GROUP_COLUMNS = (
    "provider",
    "account_id",
    "account_name",
    "model",
    "api_key_id",
    "api_key_name",
    "workspace_id",
    "workspace_name",
    "service_tier",
)
DEFAULT_GROUPS = ("provider", "account", "model", "api_key", "workspace", "service_tier")
CSV_COLUMNS: tuple[str, ...] = (
    "day",
    *GROUP_COLUMNS,
    *QUANTITY_FIELDS,
    *(f"cost_{c.name}" for c in USAGE_CLASSES),
    "total_cost",
    "effective_cost",
    "unpriced",
    "unpriced_models",
)
"""The plain export's columns: the day (in the view's time zone), the group fields (empty when not grouped
by them), each usage class's quantity, each class's cost in USD, the total at list price, the total after
rate cards, and whether some of the group's usage has no known price (its models)."""

FOCUS_COLUMNS: tuple[str, ...] = (
    "BilledCost",
    "BillingAccountId",
    "BillingAccountName",
    "BillingCurrency",
    "BillingPeriodEnd",
    "BillingPeriodStart",
    "ChargeCategory",
    "ChargeClass",
    "ChargeDescription",
    "ChargePeriodEnd",
    "ChargePeriodStart",
    "ConsumedQuantity",
    "ConsumedUnit",
    "ContractedCost",
    "ContractedUnitPrice",
    "EffectiveCost",
    "InvoiceIssuerName",
    "ListCost",
    "ListUnitPrice",
    "PricingCategory",
    "PricingQuantity",
    "PricingUnit",
    "ProviderName",
    "PublisherName",
    "RegionId",
    "ResourceId",
    "ResourceName",
    "ServiceCategory",
    "ServiceName",
    "ServiceSubcategory",
    "SkuId",
    "SkuPriceId",
    "SubAccountId",
    "SubAccountName",
    "Tags",
    "x_TokenMeterAccountId",
    "x_UsageClass",
    "x_ServiceTier",
    "x_Provisional",
)
"""FOCUS 1.2's Mandatory columns, the Conditional ones that apply, and ours (x_), alphabetically as the
specification lists them."""

_UNIT_NAMES = {
    "token": "Tokens",
    "request": "Requests",
    "call": "Requests",
    "session": "Sessions",
    "image": "Images",
    "character": "Characters",
    "second": "Seconds",
    "byte-hour": "B-Hours",
}


def _lines(rows: Iterator[Sequence[Any]], header: Sequence[str]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    yield buffer.getvalue()
    for row in rows:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow(["" if v is None else v for v in row])
        yield buffer.getvalue()


@dataclass(frozen=True)
class Export:
    """A CSV document, streamed: the lines, and what the response should say beside them."""

    lines: Iterator[str]
    filename: str
    headers: dict[str, str]


@dataclass
class ExportService:
    accounts: AccountStore
    ledger: LedgerStore
    usage: UsageQueryService
    settings: TenantSettingsStore | None = None
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)

    def csv(self, tenant_id: str, q: UsageQuery) -> Export:
        """One row per group and day, as ``GET /v1/usage`` groups and filters (the day always added)."""
        q.validate()  # as asked, before the day is added (an hourly grouping keeps its 31-day limit)
        groups = tuple(g for g in (q.group_by or DEFAULT_GROUPS) if g not in TIME_FIELDS)
        body = self.usage.query(tenant_id, replace(q, group_by=("day", *groups)))

        def rows() -> Iterator[list[Any]]:
            for r in body["rows"]:
                cost = r["cost"] or {}
                yield [
                    r["day"],
                    *(r.get(c) for c in GROUP_COLUMNS),
                    *(r["tokens"][f] for f in QUANTITY_FIELDS),
                    *(cost.get(c.name) for c in USAGE_CLASSES),
                    r["total_cost"],
                    r["effective_cost"],
                    "true" if r["unpriced"] else "false",
                    " ".join(r["unpriced_models"]),
                ]

        return Export(
            _lines(rows(), CSV_COLUMNS),
            f"tokenmeter-usage-{q.start}-{q.end}.csv",
            {
                "X-Time-Zone": body["time_zone"],
                "X-Coverage-Complete": "true" if body["coverage"]["complete"] else "false",
            },
        )

    def focus(self, tenant_id: str, q: UsageQuery) -> Export:
        """FOCUS 1.2 rows (see the module docstring); days are UTC days, as FOCUS requires."""
        q.validate()  # the usage view's limits: from <= to, at most MAX_RANGE_DAYS
        self.usage.check_plan_window(tenant_id, q.start)
        accounts = accounts_in_scope(self.accounts, tenant_id, q.account_id)
        by_id = {a.id: a for a in accounts}
        provider_of = {a.id: a.provider for a in accounts}
        names = self.accounts.get_names(tenant_id, list(by_id)) if accounts else {}
        settings = self.settings.get_settings(tenant_id) if self.settings else TenantSettings()
        discount = RateCardDiscount(settings.rate_cards, provider_of)
        query = Query.local_days(
            list(by_id),
            q.start,
            q.end,
            grain="day",
            dims={"model", "api_key_id", "workspace_id", "service_tier"},
            keep=row_filter(q.filters, provider_of),
        )
        reading = Ledger(self.ledger, tenant_id, self.clock).read(query)
        since = reading.provisional.since
        unpriced = sum(p.row.tokens.total_units for p in reading.pieces if p.row.cost is None)

        def rows() -> Iterator[list[Any]]:
            for piece in sorted(reading.pieces, key=lambda p: (p.when, p.account_id, p.row.dims.key())):
                row = piece.row
                if row.cost is None:
                    continue
                account = by_id[piece.account_id]
                plugin = PROVIDERS[account.provider]
                account_names = names.get(account.id, Names())
                day = piece.when
                factor = discount(account.id, row.dims.model, day) if discount else None
                for usage_class in USAGE_CLASSES:
                    quantity = row.tokens.quantity(usage_class.name)
                    if not quantity:
                        continue
                    list_cost = row.cost.amount(usage_class.name)
                    effective = list_cost if factor is None else EXACT.multiply(list_cost, factor)
                    pricing_quantity = EXACT.divide(Decimal(quantity), Decimal(usage_class.per))
                    ws, key = row.dims.workspace_id, row.dims.api_key_id
                    yield [
                        usd(effective),
                        account.organization_id or account.id,
                        account.organization_name or account.name,
                        "USD",
                        _iso(day_start(next_month(month_of(day)))),
                        _iso(day_start(month_of(day))),
                        "Usage",
                        None,
                        _description(row.dims.model, usage_class, row.dims.service_tier),
                        _iso(day_start(day) + timedelta(days=1)),
                        _iso(day_start(day)),
                        quantity,
                        _UNIT_NAMES.get(usage_class.unit, usage_class.unit),
                        usd(effective),
                        usd(_unit_price(effective, pricing_quantity)),
                        usd(effective),
                        plugin.label,
                        usd(list_cost),
                        usd(_unit_price(list_cost, pricing_quantity)),
                        "Standard",
                        usd(pricing_quantity),
                        _pricing_unit(usage_class),
                        plugin.label,
                        plugin.label,
                        row.dims.inference_geo,
                        key,
                        plugin.no_key_name if key is None else account_names.api_keys.get(key, key),
                        "AI and Machine Learning",
                        f"{plugin.label} API",
                        "Generative AI",
                        row.dims.model,
                        row.price_ref,
                        ws,
                        plugin.default_workspace_name if ws is None else account_names.workspaces.get(ws, ws),
                        json.dumps(_tags(row.dims), sort_keys=True),
                        account.id,
                        usage_class.name,
                        row.dims.service_tier,
                        "true" if day_start(day) + timedelta(days=1) > since else "false",
                    ]

        return Export(
            _lines(rows(), FOCUS_COLUMNS),
            f"tokenmeter-focus-{q.start}-{q.end}.csv",
            {"X-Unpriced-Tokens": str(unpriced), "X-Focus-Version": "1.2"},
        )


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _unit_price(cost: Decimal, pricing_quantity: Decimal) -> Decimal:
    return EXACT.divide(cost, pricing_quantity) if pricing_quantity else Decimal(0)


def _pricing_unit(usage_class: UsageClass) -> str:
    unit = _UNIT_NAMES.get(usage_class.unit, usage_class.unit)
    if usage_class.unit == "byte-hour":
        return "GB-Days"
    if usage_class.unit == "second" and usage_class.per == 60:
        return "Minutes"
    return unit if usage_class.per == 1 else f"{usage_class.per} {unit}"


def _description(model: str, usage_class: UsageClass, tier: str) -> str:
    return f"{model} {usage_class.label.lower()}" + ("" if tier in ("standard", "default") else f" ({tier} tier)")


def _tags(dims: Any) -> dict[str, str]:
    out = {}
    for name in ("context_window", "inference_geo", "speed", "variant", "user_id"):
        value = getattr(dims, name)
        if value is not None:
            out[name] = value
    return out


__all__ = ["CSV_COLUMNS", "FOCUS_COLUMNS", "Export", "ExportService"]
