"""A tenant's priced spend as the evaluator needs it: totals over a range, per-day totals, and per key or
model series. A thin aggregation over the ledger read model: one `Ledger` per evaluation, so a document
several rules need is read once."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from shared.alerts.model import CONSOLE_KEY_SCOPE_ID
from shared.domain.money import EXACT, ZERO
from shared.domain.priced import PricedMonth, provisional_since
from shared.domain.usage import Dimensions, days_between, utc_hour
from shared.ledger import Ledger, Piece, Query
from shared.ports import LedgerStore

RowFilter = Callable[[str, Dimensions], bool]
"""(account_id, dims) -> whether the row counts."""

HOUR = timedelta(hours=1)
SCOPE_DIMS = frozenset({"model", "api_key_id", "workspace_id"})
"""What budget scopes and spike series look at (decides which stored tables can answer)."""


@dataclass(frozen=True, slots=True)
class SpendTotal:
    """Priced spend over a range, with what it leaves out and what may still change.

    Attributes:
        usd: the priced part, exact.
        unpriced_tokens: tokens of models with no known price (not counted as $0, not counted at all).
        provisional_usd: the part from hours younger than the settling time.
    """

    usd: Decimal
    unpriced_tokens: int
    provisional_usd: Decimal


def key_series(account_id: str, api_key_id: str | None) -> tuple[str, str]:
    """The spike series of an API key: per account (usage with no key is the account's Console series)."""
    return ("api_key", f"{account_id}/{api_key_id or CONSOLE_KEY_SCOPE_ID}")


def series_keys(account_id: str, dims: Dimensions) -> list[tuple[str, str]]:
    """The spike series a row belongs to: its API key (per account) and its model (across accounts)."""
    return [key_series(account_id, dims.api_key_id), ("model", dims.model)]


class TenantSpend:
    """One evaluation's view of a tenant's priced rows. Not thread-safe; build one per evaluation."""

    def __init__(
        self,
        store: LedgerStore,
        tenant_id: str,
        account_ids: Sequence[str],
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        known: Sequence[PricedMonth] = (),
    ):
        """``known``: month rollups the caller holds as stored (costing's, just written): not read again."""
        # An evaluation asks for month totals, days and recent hours: each rollup is read once, whole.
        self._ledger = Ledger(store, tenant_id, clock, month_parts=Ledger.WHOLE_MONTH)
        self._ledger.prime(known)
        self._accounts = tuple(account_ids)
        self._clock = clock

    @property
    def documents_read(self) -> int:
        return self._ledger.documents_read

    def total(self, start: datetime, end: datetime, keep: RowFilter, dims: frozenset[str] = SCOPE_DIMS) -> SpendTotal:
        """Spend of the rows ``keep`` accepts in ``[start, end)`` (UTC instants; any time zone's days);
        ``dims``: the dimensions ``keep`` looks at.

        The provisional share is measured on the recent hours (`Ledger.hourly_spend`, kept per key and per
        model on the month rollups) when ``keep`` looks at most at one of those, else on the priced days."""
        by = "model" if dims <= {"model"} else "api_key_id" if dims == {"api_key_id"} else None
        query = Query(self._accounts, start, end, "total", dims=dims, keep=keep, provisional=by is None)
        reading = self._ledger.read(query)
        usd = ZERO
        unpriced = 0
        for piece in reading.pieces:
            if piece.row.cost is None:
                unpriced += piece.row.tokens.total_tokens
            else:
                usd = EXACT.add(usd, piece.row.cost.total)
        provisional = reading.provisional.cost.total if by is None else self._young(start, end, keep, by)
        return SpendTotal(usd, unpriced, provisional)

    def _young(self, start: datetime, end: datetime, keep: RowFilter, by: str) -> Decimal:
        """The priced spend ``keep`` accepts in the hours of ``[start, end)`` younger than the settling time,
        from the recent hours per model (or per key): ``keep`` sees each as a row of that model (or key)."""
        lo = max(start, provisional_since(self._clock()))
        if lo >= end:
            return ZERO
        young = ZERO
        for (account_id, _), spent in self._ledger.hourly_spend(self._accounts, lo, end).spend.items():
            if by == "model":
                parts = [(Dimensions(model), usd) for model, usd in spent.by_model.items()]
            else:
                parts = [(Dimensions("", api_key_id=key or None), usd) for key, usd in spent.by_key.items()]
            for dims, usd in parts:
                if keep(account_id, dims):
                    young = EXACT.add(young, usd)
        return young

    def daily_totals(
        self, first: date, last: date, zone: ZoneInfo, keep: RowFilter, dims: frozenset[str] = SCOPE_DIMS
    ) -> dict[date, Decimal]:
        """The priced spend of each day of ``zone`` in ``[first, last]`` that has data (``dims``: as `total`)."""
        query = Query.local_days(
            self._accounts, first, last, zone, grain="day", dims=dims, keep=keep, provisional=False
        )
        out: dict[date, Decimal] = {}
        for piece in self._ledger.read(query).pieces:
            if piece.row.cost is not None and isinstance(piece.period, date):
                out[piece.period] = EXACT.add(out.get(piece.period, ZERO), piece.row.cost.total)
        return out

    def hourly_series(
        self, first: datetime, end: datetime
    ) -> tuple[list[datetime], dict[tuple[str, str], list[Decimal | None]]]:
        """Per key and per model, the priced spend of each hour in ``[first, end)``; None = not collected."""
        hours: list[datetime] = []
        hour = utc_hour(first)
        while hour < end:
            hours.append(hour)
            hour += HOUR
        if not hours:
            return hours, {}
        reading = self._ledger.hourly_spend(self._accounts, hours[0], hours[-1] + HOUR)
        missing = _missing_everywhere(self._accounts, reading.missing_days)
        length = len(hours)
        series: dict[tuple[str, str], list[Decimal | None]] = defaultdict(lambda: [None] * length)
        index = {h: i for i, h in enumerate(hours)}
        for (account_id, hour), spent in reading.spend.items():
            i = index.get(hour)
            if i is None:
                continue
            for key_id, usd in spent.by_key.items():
                values = series[key_series(account_id, key_id)]
                values[i] = EXACT.add(values[i] or ZERO, usd)
            for model, usd in spent.by_model.items():
                values = series[("model", model)]
                values[i] = EXACT.add(values[i] or ZERO, usd)
        return hours, _zero_filled(series, [h.date() not in missing for h in hours])

    def daily_series(self, first: date, last: date) -> tuple[list[date], dict[tuple[str, str], list[Decimal | None]]]:
        """Per key and per model, the priced spend of each UTC day in ``[first, last]``."""
        days = days_between(first, last)
        query = Query.local_days(self._accounts, first, last, grain="day", dims=SCOPE_DIMS, provisional=False)
        reading = self._ledger.read(query)
        index: dict[date | datetime | None, int] = {d: i for i, d in enumerate(days)}
        missing = _missing_everywhere(self._accounts, reading.missing_days)
        return days, _series(len(days), [d not in missing for d in days], reading.pieces, index)

    def unpriced_models(self, start: datetime, end: datetime) -> dict[str, tuple[int, list[str]]]:
        """Models with rows of no known price in ``[start, end)`` (UTC instants): their quantities, and why
        they have no price (an unknown model, a tier with no public price, a class the model's price lacks).
        Asked for a whole period (a month): its whole UTC months come from their rollups, not day by day."""
        query = Query(self._accounts, start, end, "total", dims=frozenset({"model"}), provisional=False)
        reading = self._ledger.read(query)
        quantities: dict[str, int] = defaultdict(int)
        reasons: dict[str, set[str]] = defaultdict(set)
        for piece in reading.pieces:
            if piece.row.cost is None:
                quantities[piece.row.dims.model] += piece.row.tokens.total_units
                reasons[piece.row.dims.model].add(piece.row.unpriced_reason or "no price known")
        return {m: (q, sorted(reasons[m])) for m, q in quantities.items()}


def _missing_everywhere(accounts: Sequence[str], missing: Mapping[str, Sequence[date]]) -> set[date]:
    """Days no account has a record of (a day one account has counts as collected)."""
    sets = [set(missing.get(a, ())) for a in accounts]
    return set.intersection(*sets) if sets else set()


def _series(
    length: int,
    collected: list[bool],
    pieces: Sequence[Piece],
    index: dict[date | datetime | None, int],
) -> dict[tuple[str, str], list[Decimal | None]]:
    series: dict[tuple[str, str], list[Decimal | None]] = defaultdict(lambda: [None] * length)
    for piece in pieces:
        row = piece.row
        i = index.get(piece.period)
        if i is None or row.cost is None:
            continue
        for key in series_keys(piece.account_id, row.dims):
            values = series[key]
            values[i] = EXACT.add(values[i] or ZERO, row.cost.total)
    return _zero_filled(series, collected)


def _zero_filled(
    series: dict[tuple[str, str], list[Decimal | None]], collected: list[bool]
) -> dict[tuple[str, str], list[Decimal | None]]:
    """Hours or days that were collected and had no spend count as $0; the others stay None."""
    for values in series.values():
        for i, ok in enumerate(collected):
            if ok and values[i] is None:
                values[i] = ZERO
    return dict(series)
