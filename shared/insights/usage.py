"""One period of an organization's priced usage, as the advice rules read it, and the prices they ask.

Built from two readings of the same priced days: at the hour (`Piece` s per UTC hour, each a priced row) for the
rules that look at the hour of day (batch candidates, cache rewrites), and whole (each day's own rows) for the
others: the hours of a day add up to the day's row exactly, so the day's stored rows are what summing its
hours would give, without cutting and adding them up again. Month rollups before the period say which keys,
workspaces and geographies were in use before it (idle and unusual keys).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from shared.domain.accounts import Account, Names
from shared.domain.money import EXACT
from shared.domain.priced import CostRow, sum_rows
from shared.domain.usage import Dimensions, TokenCounts
from shared.insights.model import Scope
from shared.insights.whatif import WhatIfCatalogue, noon
from shared.ledger import Piece
from shared.pricing import CostBreakdown, Rates, Unpriceable, cost_breakdown
from shared.providers import PROVIDERS

THIRTY = Decimal(30)


@dataclass(frozen=True, slots=True)
class ScopeKey:
    """A key's usage of one model in one workspace of one account: what most advice is about."""

    account_id: str
    api_key_id: str | None
    workspace_id: str | None
    model: str

    @classmethod
    def of(cls, account_id: str, dims: Dimensions) -> ScopeKey:
        return cls(account_id, dims.api_key_id, dims.workspace_id, dims.model)


@dataclass
class AdviceData:
    """What the rules read.

    Attributes:
        first, last: the period's UTC days, both included.
        zone: the tenant's time zone (what "off-hours" means).
        days: per account and UTC day, the day's rows (summed per grouping).
        hours: per UTC hour, the rows of that hour (``Piece.period`` is the hour's start).
        before: per account, (month, row) of the whole months read before the period (``before_months``).
    """

    first: date
    last: date
    zone: ZoneInfo
    accounts: Mapping[str, Account]
    names: Mapping[str, Names]
    days: dict[tuple[str, date], list[CostRow]]
    hours: list[Piece]
    before: dict[str, list[tuple[date, CostRow]]] = field(default_factory=dict)
    before_months: tuple[date, ...] = ()

    @classmethod
    def from_pieces(
        cls,
        first: date,
        last: date,
        zone: ZoneInfo,
        accounts: Iterable[Account],
        names: Mapping[str, Names],
        hours: Sequence[Piece],
        days: Iterable[Piece],
        before: Iterable[Piece] = (),
        before_months: Sequence[date] = (),
    ) -> AdviceData:
        """``hours``: the period at the hour; ``days``: the same period by UTC day (``Piece.when`` the day)."""
        by_day: dict[tuple[str, date], list[CostRow]] = defaultdict(list)
        for piece in days:
            by_day[(piece.account_id, piece.when)].append(piece.row)
        earlier: dict[str, list[tuple[date, CostRow]]] = defaultdict(list)
        for piece in before:
            earlier[piece.account_id].append((piece.when, piece.row))
        return cls(
            first=first,
            last=last,
            zone=zone,
            accounts={a.id: a for a in accounts},
            names=names,
            days={key: sum_rows(rows) for key, rows in sorted(by_day.items())},
            hours=list(hours),
            before=dict(earlier),
            before_months=tuple(before_months),
        )

    @property
    def period_days(self) -> int:
        return (self.last - self.first).days + 1

    def observed_days(self, account_id: str) -> int:
        """The days of the period the account's history covers (an account connected in the middle of the
        period has no usage to show before its history starts: those days are not days without usage)."""
        start = max(self.first, self.accounts[account_id].history_start.astimezone(UTC).date())
        return max(1, (self.last - start).days + 1)

    def monthly(self, amount: Decimal, account_id: str) -> Decimal:
        """An amount of the account's observed days scaled to 30 days (exact)."""
        return EXACT.divide(EXACT.multiply(amount, THIRTY), Decimal(self.observed_days(account_id)))

    def provider(self, account_id: str) -> str:
        return self.accounts[account_id].provider

    def day_rows(self) -> Iterable[tuple[str, date, CostRow]]:
        for (account_id, day), rows in self.days.items():
            for row in rows:
                yield account_id, day, row

    def scope(
        self,
        account_id: str,
        api_key_id: str | None = None,
        workspace_id: str | None = None,
        model: str | None = None,
        *,
        null_key: bool = True,
        null_workspace: bool = True,
    ) -> Scope:
        """The scope with names. A None key (workspace) is the provider's Console key (default workspace) when
        ``null_key`` (``null_workspace``), else "not about one key" (workspace) and has no name."""
        account = self.accounts[account_id]
        plugin = PROVIDERS.get(account.provider)
        names = self.names.get(account_id, Names())
        key_name = names.api_keys.get(api_key_id, api_key_id) if api_key_id is not None else None
        workspace_name = names.workspaces.get(workspace_id, workspace_id) if workspace_id is not None else None
        if plugin is not None and api_key_id is None and null_key:
            key_name = plugin.no_key_name
        if plugin is not None and workspace_id is None and null_workspace:
            workspace_name = plugin.default_workspace_name
        return Scope(
            account_id=account_id,
            account_name=account.name,
            provider=account.provider,
            api_key_id=api_key_id,
            api_key_name=key_name,
            workspace_id=workspace_id,
            workspace_name=workspace_name,
            model=model,
        )

    def scope_of(self, key: ScopeKey) -> Scope:
        return self.scope(key.account_id, key.api_key_id, key.workspace_id, key.model)


class Prices:
    """The catalogue's rates for a row's dimensions on a UTC day, and what some tokens cost at them."""

    def __init__(self, catalogue: WhatIfCatalogue):
        self.catalogue = catalogue

    def rates(self, provider: str, dims: Dimensions, day: date) -> Rates | None:
        return self.catalogue.quote(provider, dims, noon(day)).rates

    def model_ref(self, provider: str, dims: Dimensions, day: date) -> str | None:
        return self.catalogue.quote(provider, dims, noon(day)).model_ref

    def cost(self, provider: str, dims: Dimensions, day: date, tokens: TokenCounts) -> CostBreakdown | None:
        """``tokens`` priced at ``dims``' rates on ``day``; None when they have no price."""
        rates = self.rates(provider, dims, day)
        if rates is None:
            return None
        try:
            return cost_breakdown(tokens, rates)
        except Unpriceable:
            return None

    def cost_as(
        self, provider: str, dims: Dimensions, day: date, tokens: TokenCounts, **changes: str | None
    ) -> CostBreakdown | None:
        """The same tokens priced with some dimensions changed (another tier, context window, speed)."""
        return self.cost(provider, replace(dims.pricing(), **changes), day, tokens)  # type: ignore[arg-type]


def local_hour(piece: Piece, zone: ZoneInfo) -> int:
    """The hour of day, in ``zone``, of an hourly piece."""
    assert isinstance(piece.period, datetime)
    return piece.period.astimezone(zone).hour
