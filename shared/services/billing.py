"""Collecting the billed cost ledger (the provider's cost report) on every sync.

Runs as part of a collector run, with its last usage chunk, with the same client and deadline. It reads
whole UTC days, from the oldest day not yet read after it ended (or the start of the run's usage window,
whichever is older: the same trailing re-read as usage), through today, and hands back the days whose
lines changed; the collector stores them whole (a day the report restates to nothing loses its old lines)
in the same unit of work as the chunk's usage hours, where a day's hours and billed lines are one write.

A failure here never fails the sync: its usage is stored all the same. It is recorded in the ledger state (on the
account) and logged, and the next run reads the same days again.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from typing import Protocol

from shared.domain.accounts import Account
from shared.domain.billed import BilledDay, LedgerState, ServedDay
from shared.providers.errors import ProviderError

log = logging.getLogger(__name__)

DAYS_PER_REQUEST = 31
"""The cost report's largest page of daily buckets: one request per 31 days."""
KEEP_HASHES = timedelta(days=7)
"""Days whose digests the state keeps (those a trailing re-read reads again)."""


class CostReportClient(Protocol):
    def billed_sources(self, start: date, end: date) -> dict[date, ServedDay]: ...


def _day_start(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


@dataclass(frozen=True)
class BilledRead:
    """What reading the cost report found: the account's new ledger state (the caller stores it with the rest
    of the sync's outcome) and the days whose lines changed (the caller stores them)."""

    state: LedgerState
    changed: list[BilledDay] = field(default_factory=list)


@dataclass
class BilledLedgerCollector:
    """Reads an account's cost report for the days a sync touched, and those not yet read since they ended.

    Args:
        seconds_per_request: the budget a request and its write need; no request starts with less left.
    """

    seconds_per_request: float = 30.0
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)
    monotonic: Callable[[], float] = time.monotonic

    def collect(
        self, account: Account, client: CostReportClient, start: datetime, end: datetime, deadline: float
    ) -> BilledRead:
        """Read the ledger for the UTC days of ``[start, end)`` and every earlier day still due.

        Args:
            start, end: the usage window the sync just collected (timezone-aware).
            deadline: the sync's monotonic deadline.
        """
        state = account.billed
        now = self.clock()
        first = start.astimezone(UTC).date()
        if state.read_through is not None:
            first = min(first, state.read_through)
        first = max(first, account.history_start.astimezone(UTC).date())
        today = now.astimezone(UTC).date()
        last = min((end.astimezone(UTC) - timedelta(microseconds=1)).date(), today)
        hashes = dict(state.day_hashes)
        changed: list[BilledDay] = []
        cursor = first
        while cursor <= last:
            if deadline - self.monotonic() < self.seconds_per_request:
                return BilledRead(
                    self._state(state, cursor, now, hashes, "time budget used; the next sync continues"), changed
                )
            window_end = min(cursor + timedelta(days=DAYS_PER_REQUEST), last + timedelta(days=1))
            try:
                report = client.billed_sources(cursor, window_end)
                served = [
                    report.get(d) or ServedDay.parsed(d, ())
                    for d in (cursor + timedelta(days=i) for i in range((window_end - cursor).days))
                    # A day the report has not served yet (it ends at the current day) is not written as empty.
                    if d in report or _day_start(d) + timedelta(days=1) <= now
                ]
                # Only the days whose digest differs from the last read are parsed, and written.
                changed += [
                    BilledDay(account.id, s.day, s.parse(), now)
                    for s in served
                    if hashes.get(s.day.isoformat()) != s.digest
                ]
            except ProviderError as exc:
                log.warning(
                    "billed ledger read failed",
                    extra={"account_id": account.id, "error": exc.code, "from": cursor.isoformat()},
                )
                error = f"could not read the cost report: {exc.message}"
                return BilledRead(self._state(state, cursor, now, hashes, error), changed)
            for s in served:
                hashes[s.day.isoformat()] = s.digest
            cursor = window_end
        # Today is never final: it is the first day due next time.
        return BilledRead(self._state(state, min(cursor, today), now, hashes, None), changed)

    @staticmethod
    def _state(
        state: LedgerState, due_from: date, now: datetime, hashes: dict[str, str], error: str | None
    ) -> LedgerState:
        # Never move the watermark back past what an earlier run finished (a trailing re-read starts earlier).
        read_through = due_from if state.read_through is None else max(state.read_through, due_from)
        oldest = (now - KEEP_HASHES).date().isoformat()
        return replace(
            state,
            read_through=read_through,
            last_read_at=now if error is None else state.last_read_at,
            last_error=error,
            day_hashes={d: h for d, h in hashes.items() if d >= oldest},
        )
