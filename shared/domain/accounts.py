"""Connected provider accounts and their sync state."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any, Literal, get_args

from shared.domain.billed import LedgerState

ProviderName = Literal["anthropic", "openai"]
"""The providers an account can belong to (shared.providers has one plug-in per name; a test holds them equal)."""
PROVIDER_NAMES: tuple[str, ...] = get_args(ProviderName)

STATUS_CONNECTED = "connected"
STATUS_SYNCING = "syncing"
STATUS_ERROR = "error"
STATUS_DISCONNECTED = "disconnected"
STATUSES = (STATUS_CONNECTED, STATUS_SYNCING, STATUS_ERROR, STATUS_DISCONNECTED)

ROTATION_DAYS = 90


def stale_after(sync_interval: timedelta) -> timedelta:
    """How long without a successful sync before an account's data is stale (alerted): six hours, or three
    missed syncs when they are further apart."""
    return max(timedelta(hours=6), 3 * sync_interval)


def key_fingerprint(api_key: str, pepper: bytes) -> str:
    """A keyed digest to recognise the same key connected twice, without storing the key."""
    return hmac.new(pepper, api_key.encode(), hashlib.sha256).hexdigest()


@dataclass(frozen=True, slots=True)
class Names:
    """Display names for a provider organization's ids (its API keys and workspaces / projects)."""

    api_keys: dict[str, str] = field(default_factory=dict)
    workspaces: dict[str, str] = field(default_factory=dict)


HourRange = tuple[datetime, datetime]
"""``[start, end)``, UTC hour starts."""

LEASE = timedelta(seconds=60)
"""How long a sync's lease lasts without a heartbeat: a sync renews it after every chunk, so a crashed
sync's lease runs out within a minute and the next request takes over."""


def merge_ranges(ranges: Iterable[HourRange]) -> tuple[HourRange, ...]:
    """Ranges merged where they touch or overlap, sorted."""
    out: list[HourRange] = []
    for start, end in sorted(r for r in ranges if r[1] > r[0]):
        if out and start <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], end))
        else:
            out.append((start, end))
    return tuple(out)


def missing_ranges(start: datetime, end: datetime, covered: Iterable[HourRange]) -> list[HourRange]:
    """The parts of ``[start, end)`` that ``covered`` does not cover."""
    gaps: list[HourRange] = []
    cursor = start
    for lo, hi in merge_ranges(covered):
        if hi <= cursor:
            continue
        if lo >= end:
            break
        if lo > cursor:
            gaps.append((cursor, lo))
        cursor = max(cursor, hi)
    if cursor < end:
        gaps.append((cursor, end))
    return gaps


def _hours(ranges: Iterable[HourRange]) -> int:
    return sum(int((hi - lo).total_seconds() // 3600) for lo, hi in ranges)


@dataclass(frozen=True, slots=True)
class Account:
    """One connected provider organization of a tenant."""

    tenant_id: str
    id: str
    provider: str
    name: str
    status: str
    created_at: datetime
    history_start: datetime
    history_days: int
    secret_ref: str = ""
    key_hint: str = ""
    key_fingerprint: str = ""
    organization_id: str | None = None
    organization_name: str | None = None
    status_reason: str | None = None
    synced_through: datetime | None = None
    last_sync_at: datetime | None = None
    last_success_at: datetime | None = None
    next_sync_at: datetime | None = None
    consecutive_failures: int = 0
    lease_until: datetime | None = None
    disconnected_at: datetime | None = None
    key_created_at: datetime | None = None
    rotation_reminded_key: str = ""
    extra: dict[str, Any] = field(default_factory=dict)
    coverage: tuple[HourRange, ...] = ()
    """The hour ranges read from the provider at least once (what completeness is measured by)."""
    hour_hashes: Mapping[str, str] = field(default_factory=dict)
    """hour id -> content hash of the hours of the trailing window as last stored (unchanged ones are
    not rewritten)."""
    lease_id: str = ""
    """Which sync holds the lease (until ``lease_until``)."""
    names_hash: str = ""
    """A digest of the key and workspace names as last stored (unchanged ones are not rewritten)."""
    names_checked_at: datetime | None = None
    """When the provider's key and workspace lists were last read (see CollectorService: daily, or sooner
    when usage names an id they lack)."""
    announce_again: tuple[date, ...] = ()
    """The UTC days whose changed hours the last hourly sync announced to costing after its commit: the next
    sync announces them again, in case its process died in between (costing leaves a day priced alone)."""
    compacted_through: date | None = None
    """Every raw day up to this one is stored packed (or held nothing to pack): see `UsageDays.compact`."""
    names_ids: tuple[str, ...] = ()
    """The key and workspace ids those lists held (sorted): a sync checks the ids its usage names against
    them without reading the stored names."""
    billed: LedgerState = field(default_factory=LedgerState)
    """How far the provider's billed ledger has been read."""
    priced_with: str = ""
    """The catalogue version the account's whole history was (or is being) re-priced to."""
    stale_at: datetime | None = None
    """When its data turns stale if no sync succeeds before (set by the collector; none once disconnected):
    what the hourly alert sweep queries, instead of evaluating every tenant every hour."""

    def with_changes(self, **changes: Any) -> Account:
        return replace(self, **changes)

    def key_age_days(self, now: datetime) -> int:
        return max(0, (now - (self.key_created_at or self.created_at)).days)

    def rotation_due(self, now: datetime) -> bool:
        """Keys older than 90 days are due for rotation."""
        return self.active and self.key_age_days(now) >= ROTATION_DAYS

    @property
    def active(self) -> bool:
        return self.status != STATUS_DISCONNECTED

    def gaps(self, now: datetime) -> list[HourRange]:
        """The hours of the history window never read yet (up to the current hour, excluded)."""
        end = now.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
        return missing_ranges(self.history_start, end, self.coverage)

    def history_progress(self, now: datetime) -> dict[str, Any]:
        """How much of the plan's history window has been imported, measured by coverage (not a watermark:
        a hole left by a crash or a plan change counts as missing until it is read)."""
        end = now.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
        total = max(_hours([(self.history_start, end)]), 1)
        gaps = missing_ranges(self.history_start, end, self.coverage)
        missing = _hours(gaps)
        complete = not gaps
        done = total - missing
        percent = 100.0 if complete else min(99.9, round(100.0 * done / total, 1))
        return {
            "days_due": self.history_days,
            "days_imported": self.history_days if complete else min(self.history_days, done // 24),
            "percent": percent,
            "complete": complete,
            "missing": [{"start": lo.isoformat(), "end": hi.isoformat()} for lo, hi in gaps[:20]],
        }
