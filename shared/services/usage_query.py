"""Answering "what did we spend, on what, when" from the priced aggregates.

Reads one daily aggregate document per account and day in range (hourly documents only when grouping
by hour), whatever the number of raw rows, and regroups them by the requested fields.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from shared.domain.accounts import Account
from shared.domain.money import ZERO, usd
from shared.domain.priced import CostRow
from shared.domain.rate_cards import RateCardDiscount
from shared.domain.reconciliation import SETTLING_TIME
from shared.domain.settings import TenantSettings, time_zone
from shared.domain.usage import CONSOLE_KEY_NAME, COST_CLASSES, DEFAULT_WORKSPACE_NAME, TokenCounts, utc_hour
from shared.errors import BadRequest, InvalidInput
from shared.ports import AccountStore, CostStore, Names, TenantSettingsStore, TenantStore
from shared.pricing import CostBreakdown
from shared.services.local_days import DayReader, local_range
from shared.services.scope import accounts_in_scope

GROUP_FIELDS = ("model", "api_key", "workspace", "account", "day", "week", "hour", "service_tier")
MAX_RANGE_DAYS = 400
MAX_HOURLY_RANGE_DAYS = 31


@dataclass(frozen=True, slots=True)
class UsageQuery:
    start: date
    end: date
    group_by: tuple[str, ...] = ()
    account_id: str | None = None
    time_zone: str | None = None
    """IANA zone the days are cut in; None: the tenant's own (UTC matches the provider's invoice)."""

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


@dataclass
class _Group:
    fields: dict[str, Any]
    unpriced_tokens: int = 0
    unpriced_web_searches: int = 0
    unpriced_models: set[str] = field(default_factory=set)
    priced_any: bool = False
    effective: Decimal = ZERO
    # The sums are kept as plain numbers, in TokenCounts / CostBreakdown field order: a query adds every
    # row of every day in range, and making two objects per row was most of its time.
    _tokens: list[int] = field(default_factory=lambda: [0] * 6)
    _cost: list[Decimal] = field(default_factory=lambda: [ZERO] * 6)

    @property
    def tokens(self) -> TokenCounts:
        return TokenCounts(*self._tokens)

    @tokens.setter
    def tokens(self, value: TokenCounts) -> None:
        v = value
        self._tokens = [
            v.uncached_input,
            v.cache_write_5m,
            v.cache_write_1h,
            v.cache_read,
            v.output,
            v.web_search_requests,
        ]

    @property
    def cost(self) -> CostBreakdown:
        return CostBreakdown(*self._cost)

    @cost.setter
    def cost(self, value: CostBreakdown) -> None:
        v = value
        self._cost = [v.uncached_input, v.cache_write_5m, v.cache_write_1h, v.cache_read, v.output, v.web_search]

    def add(self, row: CostRow, factor: Decimal | None = None) -> None:
        """Add a row; ``factor`` is what the organization pays per dollar of list price (its rate card)."""
        t, s = row.tokens, self._tokens
        s[0] += t.uncached_input
        s[1] += t.cache_write_5m
        s[2] += t.cache_write_1h
        s[3] += t.cache_read
        s[4] += t.output
        s[5] += t.web_search_requests
        c = row.cost
        if c is None:
            self.unpriced_tokens += t.total_tokens
            self.unpriced_web_searches += t.web_search_requests
            self.unpriced_models.add(row.dims.model)
        else:
            k = self._cost
            k[0] += c.uncached_input
            k[1] += c.cache_write_5m
            k[2] += c.cache_write_1h
            k[3] += c.cache_read
            k[4] += c.output
            k[5] += c.web_search
            self.effective += c.total if factor is None else c.total * factor
            self.priced_any = True

    def render(self) -> dict[str, Any]:
        out = dict(self.fields)
        out["tokens"] = self.tokens.to_dict()
        fully_unpriced = self.unpriced_tokens + self.unpriced_web_searches > 0 and not self.priced_any
        out["cost"] = None if fully_unpriced else {c: usd(getattr(self.cost, c)) for c in COST_CLASSES}
        out["total_cost"] = None if fully_unpriced else usd(self.cost.total)
        out["effective_cost"] = None if fully_unpriced else usd(self.effective)
        out["unpriced"] = bool(self.unpriced_models)
        out["unpriced_tokens"] = self.unpriced_tokens
        out["unpriced_models"] = sorted(self.unpriced_models)
        return out


@dataclass
class UsageQueryService:
    accounts: AccountStore
    costs: CostStore
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
        names = self.accounts.get_names(tenant_id, list(by_id)) if accounts else {}
        ids = list(by_id)
        groups: dict[tuple[Any, ...], _Group] = {}
        documents = 0
        settings = self.settings.get_settings(tenant_id) if self.settings else TenantSettings()
        zone_name = q.time_zone or settings.time_zone
        discount = RateCardDiscount(settings.rate_cards, {a.id: a.provider for a in accounts})
        reader = DayReader(self.costs, tenant_id, ids, zone_name, utc_hour(self.clock()) - SETTLING_TIME)
        if "hour" in q.group_by:
            zone = time_zone(zone_name)
            first, after = local_range(q.start, q.end, zone)
            for hour in self.costs.read_hours(tenant_id, ids, first.date(), (after - timedelta(hours=1)).date()):
                documents += 1
                if not first <= hour.hour_start < after:
                    continue
                if hour.hour_start >= reader.provisional_since:
                    reader.provisional.add(hour.rows)
                self._add_rows(
                    groups,
                    q.group_by,
                    hour.rows,
                    by_id,
                    names,
                    hour.account_id,
                    hour.hour_start.astimezone(zone).date(),
                    hour.hour_start,
                    discount=discount,
                )
        else:
            memo: dict[tuple[Any, ...], _Group] = {}
            for piece in reader.days(q.start, q.end):
                self._add_rows(
                    groups,
                    q.group_by,
                    piece.rows,
                    by_id,
                    names,
                    piece.account_id,
                    piece.day,
                    None,
                    discount=discount,
                    memo=memo,
                )
            documents += reader.documents_read
        rows = [g.render() for g in groups.values()]
        time_fields = [f for f in ("week", "day", "hour") if f in q.group_by]
        rows.sort(key=lambda r: (*(r[f] for f in time_fields), -Decimal(r["total_cost"] or ZERO)))
        total = _Group(fields={})
        for g in groups.values():
            total.tokens = total.tokens + g.tokens
            total.cost = total.cost + g.cost
            total.unpriced_tokens += g.unpriced_tokens
            total.unpriced_web_searches += g.unpriced_web_searches
            total.unpriced_models |= g.unpriced_models
            total.priced_any = total.priced_any or g.priced_any
            total.effective += g.effective
        return {
            "from": q.start.isoformat(),
            "to": q.end.isoformat(),
            "time_zone": zone_name,
            "currency": "USD",
            "group_by": list(q.group_by),
            "account_ids": ids,
            "rows": rows,
            "totals": total.render(),
            "rate_cards_applied": sorted(discount.applied),
            "provisional": {
                "since": reader.provisional.since.isoformat(),
                "cost": usd(reader.provisional.cost.total),
                "tokens": reader.provisional.tokens,
                "unpriced_tokens": reader.provisional.unpriced_tokens,
            },
            "documents_read": documents,
        }

    @staticmethod
    def _add_rows(
        groups: dict[tuple[Any, ...], _Group],
        group_by: Sequence[str],
        rows: Iterable[CostRow],
        accounts: dict[str, Account],
        names: dict[str, Names],
        account_id: str,
        day: date,
        hour: datetime | None,
        *,
        discount: RateCardDiscount | None = None,
        memo: dict[tuple[Any, ...], _Group] | None = None,
    ) -> None:
        """Add each row to its group. ``memo`` (shared across calls of one query) remembers the group of
        each (account, dimensions) when no time field is asked for: the same groupings recur every day, and
        finding the group once is cheaper than building its fields for every row."""
        account_names = names.get(account_id, Names())
        # With a time field every row of a call has its own dimensions: nothing to remember.
        timed = "day" in group_by or "week" in group_by or "hour" in group_by
        memo = {} if memo is None or timed else memo
        for row in rows:
            known = memo.get((account_id, row.dims)) if memo else None
            if known is not None:
                known.add(row, discount(account_id, row.dims.model, day) if discount else None)
                continue
            fields: dict[str, Any] = {}
            for g in group_by:
                if g == "model":
                    fields["model"] = row.dims.model
                elif g == "service_tier":
                    fields["service_tier"] = row.dims.service_tier
                elif g == "day":
                    fields["day"] = day.isoformat()
                elif g == "week":
                    fields["week"] = (day - timedelta(days=day.weekday())).isoformat()  # its Monday
                elif g == "hour":
                    assert hour is not None
                    fields["hour"] = hour.strftime("%Y-%m-%dT%H:00:00Z")
                elif g == "account":
                    fields["account_id"] = account_id
                    fields["account_name"] = accounts[account_id].name if account_id in accounts else account_id
                elif g == "api_key":
                    key = row.dims.api_key_id
                    fields["api_key_id"] = key
                    fields["api_key_name"] = CONSOLE_KEY_NAME if key is None else account_names.api_keys.get(key, key)
                    if len(accounts) > 1:
                        fields["account_id"] = account_id
                elif g == "workspace":
                    ws = row.dims.workspace_id
                    fields["workspace_id"] = ws
                    fields["workspace_name"] = (
                        DEFAULT_WORKSPACE_NAME if ws is None else account_names.workspaces.get(ws, ws)
                    )
                    if len(accounts) > 1 and ws is None:
                        # Each organization has its own Default workspace: keep them apart.
                        fields["account_id"] = account_id
            # Unsorted: equal fields are always filled in the same order (group_by's), so the items identify
            # the group; sorting them per row cost more than the rest of the lookup.
            group_key = tuple(fields.items())
            group = groups.get(group_key)
            if group is None:
                group = groups[group_key] = _Group(fields=fields)
            if not timed:
                memo[(account_id, row.dims)] = group
            group.add(row, discount(account_id, row.dims.model, day) if discount else None)
