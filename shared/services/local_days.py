"""Days as the tenant sees them: priced usage cut into calendar days of a time zone, from daily documents.

In UTC a day is one daily aggregate per account. In another zone a local day spans two UTC days; the
aggregates carry per-hour subtotals (shared.domain.hourly), so N local days are cut from the N + 1 UTC daily
documents that overlap them: still about one document per account and day, correct across daylight-saving
changes (a local day of 23 or 25 hours takes exactly its hours). Hours are assigned to the local day they
start in (in zones offset by a half or quarter hour, the hour that straddles midnight goes to the day it
starts in).

The same cut gives the provisional share: the cost of the hours younger than the settling time.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from shared.domain.hourly import split_rows
from shared.domain.priced import CostDay, CostRow, sum_rows
from shared.domain.settings import UTC_NAME
from shared.ports import CostStore
from shared.pricing import CostBreakdown


@dataclass(frozen=True, slots=True)
class DayPiece:
    """An account's priced rows for one day of the view's zone."""

    account_id: str
    day: date
    rows: Sequence[CostRow]


@dataclass
class Provisional:
    """How much of what was read is younger than the settling time (not final at the provider yet)."""

    since: datetime
    cost: CostBreakdown = field(default_factory=CostBreakdown)
    tokens: int = 0
    unpriced_tokens: int = 0

    def add(self, rows: Sequence[CostRow]) -> None:
        for row in rows:
            if row.cost is None:
                self.unpriced_tokens += row.tokens.total_tokens
            else:
                self.cost = self.cost + row.cost
            self.tokens += row.tokens.total_tokens


def local_range(start: date, end: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """The UTC instants that begin local day ``start`` and end local day ``end``."""
    first = datetime.combine(start, time(0), zone).astimezone(UTC)
    after = datetime.combine(end + timedelta(days=1), time(0), zone).astimezone(UTC)
    return first, after


@dataclass
class DayReader:
    """Reads the days of ``[start, end]`` in ``zone`` for some accounts, and tallies the provisional part."""

    costs: CostStore
    tenant_id: str
    account_ids: Sequence[str]
    zone_name: str
    provisional_since: datetime
    documents_read: int = 0
    provisional: Provisional = field(init=False)

    def __post_init__(self) -> None:
        self.provisional = Provisional(since=self.provisional_since)
        self._zone = None if self.zone_name == UTC_NAME else ZoneInfo(self.zone_name)

    def days(self, start: date, end: date) -> Iterator[DayPiece]:
        if self._zone is None:
            for day in self.costs.read_days(self.tenant_id, self.account_ids, start, end):
                self.documents_read += 1
                self._tally(day)
                yield DayPiece(day.account_id, day.day, day.rows)
            return
        zone = self._zone
        first, after = local_range(start, end, zone)
        utc_first, utc_last = first.date(), (after - timedelta(microseconds=1)).date()
        for day in self.costs.read_days(self.tenant_id, self.account_ids, utc_first, utc_last):
            self.documents_read += 1
            pieces = split_rows(day.day, day.rows, day.hourly, lambda hour: hour.astimezone(zone).date())
            if pieces is None:
                pieces = self._from_hours(day)
            for local_day, rows in sorted(pieces.items()):
                if start <= local_day <= end:
                    yield DayPiece(day.account_id, local_day, rows)
            self._tally(day, lambda hour: start <= hour.astimezone(zone).date() <= end)

    def _from_hours(self, day: CostDay) -> dict[date, list[CostRow]]:
        """For an aggregate without per-hour subtotals (built before they existed): its hourly documents."""
        assert self._zone is not None
        out: dict[date, list[CostRow]] = {}
        for hour in self.costs.read_hours(self.tenant_id, [day.account_id], day.day, day.day):
            self.documents_read += 1
            out.setdefault(hour.hour_start.astimezone(self._zone).date(), []).extend(hour.rows)
        return {d: sum_rows(rows) for d, rows in out.items()}

    def _tally(self, day: CostDay, in_view: Callable[[datetime], bool] | None = None) -> None:
        """Add the day's hours at or after ``provisional_since`` (and inside the view) to the provisional part."""
        start = datetime(day.day.year, day.day.month, day.day.day, tzinfo=UTC)
        since = self.provisional_since
        if start + timedelta(days=1) <= since:
            return

        def provisional(hour: datetime) -> bool:
            return hour >= since and (in_view is None or in_view(hour))

        pieces = split_rows(day.day, day.rows, day.hourly, provisional)
        if pieces is None:  # no per-hour subtotals: count the whole day, never less than the truth
            self.provisional.add(day.rows)
            return
        self.provisional.add(pieces.get(True, []))


__all__ = ["DayPiece", "DayReader", "Provisional", "local_range"]
