"""Answering "what did we spend, on what, when": a thin aggregation over the ledger read model.

The ledger decides which documents answer (month rollups, priced days) and cuts them into the view's
periods; this groups the pieces by the requested fields, applies the tenant's rate cards for the effective
cost, and says how much is provisional and which days are not imported yet.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from shared.domain.accounts import Account, Names
from shared.domain.money import EXACT, ZERO, usd
from shared.domain.priced import CostRow
from shared.domain.rate_cards import RateCardDiscount
from shared.domain.settings import TenantSettings, time_zone
from shared.domain.usage import (
    COST_CLASSES,
    QUANTITY_FIELDS,
    Dimensions,
)
from shared.errors import BadRequest, InvalidInput
from shared.ledger import Grain, Ledger, Query
from shared.ledger.coverage import coverage_out, missing_days, provisional_out
from shared.ports import AccountStore, LedgerStore, TenantSettingsStore, TenantStore
from shared.providers import PROVIDERS
from shared.providers.anthropic import ANTHROPIC
from shared.services.scope import accounts_in_scope

GROUP_FIELDS = (
    "provider",
    "account",
    "model",
    "api_key",
    "workspace",
    "service_tier",
    "month",
    "week",
    "day",
    "hour",
)
FILTER_FIELDS = ("provider", "model", "api_key", "workspace", "service_tier")
"""Query parameters that keep only some rows (repeatable; a row matches any of a field's values). For
api_key and workspace the value ``null`` selects the Console/Workbench key and the Default workspace."""
MAX_RANGE_DAYS = 400
MAX_HOURLY_RANGE_DAYS = 31
TIME_FIELDS = ("month", "week", "day", "hour")
_DIMENSION_OF = {
    "model": "model",
    "api_key": "api_key_id",
    "workspace": "workspace_id",
    "service_tier": "service_tier",
}


@dataclass(frozen=True, slots=True)
class UsageQuery:
    start: date
    end: date
    group_by: tuple[str, ...] = ()
    account_id: str | None = None
    time_zone: str | None = None
    """IANA zone the days are cut in; None: the tenant's own (UTC matches the provider's invoice)."""
    filters: tuple[tuple[str, tuple[str | None, ...]], ...] = ()

    def validate(self) -> None:
        if self.time_zone is not None:
            try:
                time_zone(self.time_zone)
            except ValueError as exc:
                raise InvalidInput(str(exc), field="time_zone") from None
        for g in self.group_by:
            if g not in GROUP_FIELDS:
                raise InvalidInput(
                    f"group_by has unknown field {g!r}; allowed: {', '.join(GROUP_FIELDS)}", field="group_by"
                )
        if len(set(self.group_by)) != len(self.group_by):
            raise InvalidInput("group_by names a field twice", field="group_by")
        for name, values in self.filters:
            if name not in FILTER_FIELDS:
                raise InvalidInput(f"cannot filter on {name!r}; allowed: {', '.join(FILTER_FIELDS)}", field=name)
            if not values:
                raise InvalidInput(f"{name} needs a value", field=name)
        if self.start > self.end:
            raise BadRequest(f"from ({self.start}) is after to ({self.end})", field="from")
        days = (self.end - self.start).days + 1
        if days > MAX_RANGE_DAYS:
            raise BadRequest(f"the range is {days} days; at most {MAX_RANGE_DAYS} days per query", field="to")
        if "hour" in self.group_by and days > MAX_HOURLY_RANGE_DAYS:
            raise BadRequest(
                f"group_by=hour covers at most {MAX_HOURLY_RANGE_DAYS} days per query (asked {days})",
                field="group_by",
            )


def row_filter(
    filters: Sequence[tuple[str, Sequence[str | None]]], provider_of: Mapping[str, str]
) -> Callable[[str, Dimensions], bool] | None:
    """A predicate over (account, dims) for the usage filters (None: keep everything)."""
    if not filters:
        return None
    wanted = {name: set(values) for name, values in filters}
    providers = wanted.get("provider")
    models = wanted.get("model")
    keys = wanted.get("api_key")
    workspaces = wanted.get("workspace")
    tiers = wanted.get("service_tier")

    def keep(account_id: str, dims: Dimensions) -> bool:
        return (
            (providers is None or provider_of.get(account_id) in providers)
            and (models is None or dims.model in models)
            and (keys is None or dims.api_key_id in keys)
            and (workspaces is None or dims.workspace_id in workspaces)
            and (tiers is None or dims.service_tier in tiers)
        )

    return keep


@dataclass
class _Group:
    fields: dict[str, Any]
    unpriced_tokens: int = 0
    unpriced_units: int = 0
    unpriced_models: set[str] = field(default_factory=set)
    priced_any: bool = False
    effective: Decimal = ZERO
    # The sums are kept as plain numbers in QUANTITY_FIELDS / COST_CLASSES order: a query adds every row it
    # reads, and making two objects per row was most of its time.
    tokens: list[int] = field(default_factory=lambda: [0] * len(QUANTITY_FIELDS))
    cost: list[Decimal] = field(default_factory=lambda: [ZERO] * len(COST_CLASSES))

    def add(self, row: CostRow, factor: Decimal | None = None) -> None:
        """Add a row; ``factor`` is what the organization pays per dollar of list price (its rate card)."""
        s = self.tokens
        for i, q in enumerate(row.tokens.values()):
            if q:
                s[i] += q
        c = row.cost
        if c is None:
            self.unpriced_tokens += row.tokens.total_tokens
            self.unpriced_units += row.tokens.total_units - row.tokens.total_tokens
            self.unpriced_models.add(row.dims.model)
            return
        k = self.cost
        total = ZERO
        for i, v in enumerate(c.values()):
            if v:
                k[i] = EXACT.add(k[i], v)
                total = EXACT.add(total, v)
        self.effective = EXACT.add(self.effective, total if factor is None else EXACT.multiply(total, factor))
        self.priced_any = True

    def merge(self, other: _Group) -> None:
        self.tokens = [a + b for a, b in zip(self.tokens, other.tokens, strict=True)]
        self.cost = [EXACT.add(a, b) for a, b in zip(self.cost, other.cost, strict=True)]
        self.unpriced_tokens += other.unpriced_tokens
        self.unpriced_units += other.unpriced_units
        self.unpriced_models |= other.unpriced_models
        self.priced_any = self.priced_any or other.priced_any
        self.effective = EXACT.add(self.effective, other.effective)

    @property
    def total(self) -> Decimal:
        total = ZERO
        for v in self.cost:
            total = EXACT.add(total, v)
        return total

    def render(self) -> dict[str, Any]:
        out = dict(self.fields)
        out["tokens"] = dict(zip(QUANTITY_FIELDS, self.tokens, strict=True))
        fully_unpriced = bool(self.unpriced_models) and not self.priced_any
        out["cost"] = None if fully_unpriced else {c: usd(v) for c, v in zip(COST_CLASSES, self.cost, strict=True)}
        out["total_cost"] = None if fully_unpriced else usd(self.total)
        out["effective_cost"] = None if fully_unpriced else usd(self.effective)
        out["unpriced"] = bool(self.unpriced_models)
        out["unpriced_tokens"] = self.unpriced_tokens
        out["unpriced_models"] = sorted(self.unpriced_models)
        return out


@dataclass
class UsageQueryService:
    accounts: AccountStore
    ledger: LedgerStore
    tenants: TenantStore | None = None
    today: Callable[[], date] = lambda: datetime.now(UTC).date()
    settings: TenantSettingsStore | None = None
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)

    def check_plan_window(self, tenant_id: str, start: date) -> None:
        """Refuse, naming the limit, a range older than the plan keeps (never silently truncate)."""
        tenant = self.tenants.get_tenant(tenant_id) if self.tenants else None
        if tenant is None:
            return
        earliest = self.today() - timedelta(days=tenant.history_days)
        if start < earliest:
            raise BadRequest(
                f"the {tenant.plan} plan keeps {tenant.history_days} days of history: from must be on or after "
                f"{earliest.isoformat()} (upgrade the plan for more)",
                field="from",
            )

    def query(self, tenant_id: str, q: UsageQuery) -> dict[str, Any]:
        q.validate()
        self.check_plan_window(tenant_id, q.start)
        accounts = accounts_in_scope(self.accounts, tenant_id, q.account_id)
        by_id = {a.id: a for a in accounts}
        provider_of = {a.id: a.provider for a in accounts}
        names = self.accounts.get_names(tenant_id, list(by_id)) if accounts and self._wants_names(q) else {}
        settings = self.settings.get_settings(tenant_id) if self.settings else TenantSettings()
        zone_name = q.time_zone or settings.time_zone
        zone = time_zone(zone_name)
        discount = RateCardDiscount(settings.rate_cards, provider_of)
        timed = [f for f in TIME_FIELDS if f in q.group_by]
        grain: Grain = "hour" if "hour" in q.group_by else ("day" if timed else "total")
        dims = {_DIMENSION_OF[g] for g in q.group_by if g in _DIMENSION_OF}
        dims |= {_DIMENSION_OF[name] for name, _ in q.filters if name in _DIMENSION_OF}
        ledger = Ledger(self.ledger, tenant_id, self.clock)
        query = Query.local_days(
            list(by_id),
            q.start,
            q.end,
            zone,
            grain=grain,
            dims=dims,
            keep=row_filter(q.filters, provider_of),
            day_factors_change=discount.boundaries(),
        )
        reading = ledger.read(query)
        groups: dict[tuple[Any, ...], _Group] = {}
        memo: dict[tuple[Any, ...], _Group] = {}
        for piece in reading.pieces:
            day = _local_day(piece.period, zone)
            key = (piece.account_id, piece.period, piece.row.dims)
            group = memo.get(key)
            if group is None:
                fields = self._fields(q.group_by, piece.row.dims, by_id, names, piece.account_id, piece.period, day)
                group_key = tuple(fields.items())
                group = groups.get(group_key)
                if group is None:
                    group = groups[group_key] = _Group(fields=fields)
                memo[key] = group
            factor = discount(piece.account_id, piece.row.dims.model, piece.when) if discount else None
            group.add(piece.row, factor)
        rows = [g.render() for g in groups.values()]
        time_keys = [f for f in ("month", "week", "day", "hour") if f in q.group_by]
        rows.sort(key=lambda r: (*(r[f] for f in time_keys), -Decimal(r["total_cost"] or ZERO)))
        total = _Group(fields={})
        for g in groups.values():
            total.merge(g)
        now = self.clock()
        missing = missing_days(accounts, query.start, query.end, zone, now, reading.missing_days)
        return {
            "from": q.start.isoformat(),
            "to": q.end.isoformat(),
            "time_zone": zone_name,
            "currency": "USD",
            "group_by": list(q.group_by),
            "filters": {name: list(values) for name, values in q.filters},
            "account_ids": list(by_id),
            "rows": rows,
            "totals": total.render(),
            "rate_cards_applied": sorted(discount.applied),
            "provisional": provisional_out(reading.provisional),
            "coverage": coverage_out(missing),
            "documents_read": reading.documents_read,
        }

    @staticmethod
    def _wants_names(q: UsageQuery) -> bool:
        return "api_key" in q.group_by or "workspace" in q.group_by

    @staticmethod
    def _fields(
        group_by: Sequence[str],
        dims: Dimensions,
        accounts: dict[str, Account],
        names: dict[str, Names],
        account_id: str,
        period: date | datetime | None,
        day: date | None,
    ) -> dict[str, Any]:
        account_names = names.get(account_id, Names())
        account = accounts.get(account_id)
        plugin = PROVIDERS[account.provider] if account is not None else ANTHROPIC
        fields: dict[str, Any] = {}
        for g in group_by:
            if g == "model":
                fields["model"] = dims.model
            elif g == "service_tier":
                fields["service_tier"] = dims.service_tier
            elif g == "provider":
                fields["provider"] = account.provider if account else None
            elif g == "month":
                assert day is not None
                fields["month"] = day.strftime("%Y-%m")
            elif g == "week":
                assert day is not None
                fields["week"] = (day - timedelta(days=day.weekday())).isoformat()  # its Monday
            elif g == "day":
                assert day is not None
                fields["day"] = day.isoformat()
            elif g == "hour":
                assert isinstance(period, datetime)
                fields["hour"] = period.astimezone(UTC).strftime("%Y-%m-%dT%H:00:00Z")
            elif g == "account":
                fields["account_id"] = account_id
                fields["account_name"] = account.name if account else account_id
            elif g == "api_key":
                key = dims.api_key_id
                fields["api_key_id"] = key
                fields["api_key_name"] = plugin.no_key_name if key is None else account_names.api_keys.get(key, key)
                if len(accounts) > 1:
                    fields["account_id"] = account_id
            elif g == "workspace":
                ws = dims.workspace_id
                fields["workspace_id"] = ws
                fields["workspace_name"] = (
                    plugin.default_workspace_name if ws is None else account_names.workspaces.get(ws, ws)
                )
                if len(accounts) > 1 and ws is None:
                    # Each organization has its own Default workspace: keep them apart.
                    fields["account_id"] = account_id
        return fields


def _local_day(period: date | datetime | None, zone: Any) -> date | None:
    if isinstance(period, datetime):
        return period.astimezone(zone).date()
    return period
