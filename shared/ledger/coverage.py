"""Which days of an asked range are not imported yet: the accounts' coverage (hours read from the provider
at least once) held against the range, and the days the ledger found no priced record for."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from shared.domain.accounts import Account, missing_ranges
from shared.domain.money import usd
from shared.domain.usage import day_start, hours_between, utc_hour
from shared.ledger.reader import Provisional


def missing_days(
    accounts: Sequence[Account],
    start: datetime,
    end: datetime,
    zone: ZoneInfo,
    now: datetime,
    unpriced_days: Mapping[str, Iterable[date]] = {},
) -> list[date]:
    """The days of ``zone`` in ``[start, end)`` (up to the current hour) some account has not imported: hours
    of its history window never read, or read but not priced yet. Days before an account's history window
    are not missing: the plan does not keep them (the API refuses such a range outright)."""
    stop = min(end, utc_hour(now) + timedelta(hours=1))
    out: set[date] = set()
    for account in accounts:
        lo = max(start, account.history_start)
        if lo >= stop:
            continue
        for gap_lo, gap_hi in missing_ranges(lo, min(stop, utc_hour(now)), account.coverage):
            out.update(h.astimezone(zone).date() for h in hours_between(gap_lo, gap_hi))
        for day in unpriced_days.get(account.id, ()):
            first = max(day_start(day), lo)
            last = min(day_start(day) + timedelta(days=1), stop)
            out.update(h.astimezone(zone).date() for h in hours_between(first, last))
    return sorted(out)


def coverage_out(missing: Sequence[date]) -> dict[str, Any]:
    """The ``coverage`` field of an answer: whether every day asked is imported, and which are not."""
    return {"complete": not missing, "missing_days": [d.isoformat() for d in missing]}


def provisional_out(provisional: Provisional) -> dict[str, Any]:
    """The ``provisional`` field of an answer: how much of what was read may still be restated."""
    return {
        "since": provisional.since.isoformat(),
        "cost": usd(provisional.cost.total),
        "tokens": provisional.tokens,
        "unpriced_tokens": provisional.unpriced_tokens,
    }


__all__ = ["UTC", "coverage_out", "missing_days", "provisional_out"]
