"""Answering "what did we spend, on what, when" from the priced aggregates.

Reads one daily aggregate document per account and day in range (hourly documents only when grouping
by hour), whatever the number of raw rows, and regroups them by the requested fields.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from shared.accounts import Account
from shared.aggregates import CostRow
from shared.errors import BadRequest, InvalidInput
from shared.money import ZERO, usd
from shared.ports import AccountStore, CostStore, Names
from shared.pricing import CostBreakdown
from shared.usage import CONSOLE_KEY_NAME, COST_CLASSES, DEFAULT_WORKSPACE_NAME, TokenCounts

GROUP_FIELDS = ("model", "api_key", "workspace", "account", "day", "hour", "service_tier")
MAX_RANGE_DAYS = 400
MAX_HOURLY_RANGE_DAYS = 31


@dataclass(frozen=True, slots=True)
class UsageQuery:
    start: date
    end: date
    group_by: tuple[str, ...] = ()
    account_id: str | None = None

    def validate(self) -> None:
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
    tokens: TokenCounts = field(default_factory=TokenCounts)
    cost: CostBreakdown = field(default_factory=CostBreakdown)
    unpriced_tokens: int = 0
    unpriced_web_searches: int = 0
    unpriced_models: set[str] = field(default_factory=set)
    priced_any: bool = False

    def add(self, row: CostRow) -> None:
        self.tokens = self.tokens + row.tokens
        if row.cost is None:
            self.unpriced_tokens += row.tokens.total_tokens
            self.unpriced_web_searches += row.tokens.web_search_requests
            self.unpriced_models.add(row.dims.model)
        else:
            self.cost = self.cost + row.cost
            self.priced_any = True

    def render(self) -> dict[str, Any]:
        out = dict(self.fields)
        out["tokens"] = self.tokens.to_dict()
        fully_unpriced = self.unpriced_tokens + self.unpriced_web_searches > 0 and not self.priced_any
        out["cost"] = None if fully_unpriced else {c: usd(getattr(self.cost, c)) for c in COST_CLASSES}
        out["total_cost"] = None if fully_unpriced else usd(self.cost.total)
        out["unpriced"] = bool(self.unpriced_models)
        out["unpriced_tokens"] = self.unpriced_tokens
        out["unpriced_models"] = sorted(self.unpriced_models)
        return out


@dataclass
class UsageQueryService:
    accounts: AccountStore
    costs: CostStore

    def query(self, tenant_id: str, q: UsageQuery) -> dict[str, Any]:
        q.validate()
        accounts = self.accounts.list(tenant_id)
        if q.account_id is not None:
            accounts = [a for a in accounts if a.id == q.account_id]
            if not accounts:
                # Same answer whether the id exists in another tenant or nowhere: no existence leak.
                raise InvalidInput(f"no account {q.account_id}", field="account_id")
        by_id = {a.id: a for a in accounts}
        names = self.accounts.get_names(tenant_id, list(by_id)) if accounts else {}
        ids = list(by_id)
        groups: dict[tuple[Any, ...], _Group] = {}
        documents = 0
        if "hour" in q.group_by:
            for hour in self.costs.read_hours(tenant_id, ids, q.start, q.end):
                documents += 1
                self._add_rows(
                    groups,
                    q.group_by,
                    hour.rows,
                    by_id,
                    names,
                    hour.account_id,
                    hour.hour_start.date(),
                    hour.hour_start,
                )
        else:
            for day in self.costs.read_days(tenant_id, ids, q.start, q.end):
                documents += 1
                self._add_rows(groups, q.group_by, day.rows, by_id, names, day.account_id, day.day, None)
        rows = [g.render() for g in groups.values()]
        time_fields = [f for f in ("day", "hour") if f in q.group_by]
        rows.sort(key=lambda r: (*(r[f] for f in time_fields), -Decimal(r["total_cost"] or ZERO)))
        total = _Group(fields={})
        for g in groups.values():
            total.tokens = total.tokens + g.tokens
            total.cost = total.cost + g.cost
            total.unpriced_tokens += g.unpriced_tokens
            total.unpriced_web_searches += g.unpriced_web_searches
            total.unpriced_models |= g.unpriced_models
            total.priced_any = total.priced_any or g.priced_any
        return {
            "from": q.start.isoformat(),
            "to": q.end.isoformat(),
            "time_zone": "UTC",
            "currency": "USD",
            "group_by": list(q.group_by),
            "account_ids": ids,
            "rows": rows,
            "totals": total.render(),
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
    ) -> None:
        account_names = names.get(account_id, Names())
        for row in rows:
            fields: dict[str, Any] = {}
            for g in group_by:
                if g == "model":
                    fields["model"] = row.dims.model
                elif g == "service_tier":
                    fields["service_tier"] = row.dims.service_tier
                elif g == "day":
                    fields["day"] = day.isoformat()
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
            group_key = tuple(sorted(fields.items()))
            group = groups.get(group_key)
            if group is None:
                group = groups[group_key] = _Group(fields=fields)
            group.add(row)
