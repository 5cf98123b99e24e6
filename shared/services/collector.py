"""Collecting one account's usage: the plan's history on connect, then every hour with a trailing re-read.

What is read is decided by coverage, not by a watermark: every run reads the hours of the history window
never read yet (whatever left them out: a crash, a plan change racing an import, a redelivery) and the
trailing window the provider may still restate, newest first, in chunks of one provider request. Each
chunk is stored, added to the account's coverage and the lease renewed in one checkpoint, so a crash loses
at most the chunk in flight, and a crashed run's lease runs out within a minute for the next run to take
over.

Writes only where something changed: an hour whose content is unchanged is not rewritten, and only the
days whose hours changed are sent to costing. Every write is idempotent: an hour is stored whole under an
id derived from the account and the hour.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import secrets as pysecrets
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, Protocol

from shared.domain.accounts import (
    LEASE,
    STATUS_CONNECTED,
    STATUS_ERROR,
    STATUS_SYNCING,
    Account,
    HourRange,
    Names,
    merge_ranges,
    missing_ranges,
)
from shared.domain.billed import BilledDay
from shared.domain.usage import SourceHour, UsageBucket, hour_id, hours_between, utc_hour
from shared.messages import AccountEvent, CollectRequest, UsageCollected
from shared.ports import AccountChanged, AccountStore, LedgerUnitOfWork, Publisher, SecretStore, UnitOfWorkFactory
from shared.providers.base import ProviderClient
from shared.providers.errors import InvalidKey, NotAdminKey, ProviderError
from shared.services.billing import BilledRead
from shared.services.unit_of_work import run_unit

log = logging.getLogger(__name__)

CHUNK_HOURS = 168
"""One provider page holds at most 168 hourly buckets: a chunk is exactly one request."""


class BilledLedger(Protocol):
    """Reads the billed cost ledger for the days a sync collected (see shared.services.billing)."""

    def collect(
        self, account: Account, client: ProviderClient, start: datetime, end: datetime, deadline: float
    ) -> BilledRead: ...


ClientFactory = Callable[[str, str, float], ProviderClient]
"""(provider, api_key, monotonic deadline) -> a client for that provider."""


@dataclass(frozen=True)
class _Hold:
    """What entitles a run to write the account: its lease (``lease_id``), or, for a run of one provider
    request that took none, the version of the account it read (``version``)."""

    lease_id: str = ""
    version: str = ""


class LeaseHeld(Exception):
    """Another sync of the account holds a lease that it stopped renewing: try again when it runs out."""


@dataclass(frozen=True)
class CollectOutcome:
    status: str  # "done", "partial", "skipped", "failed"
    hours_written: int = 0
    rows_written: int = 0
    provider_requests: int = 0
    detail: str = ""
    hours_read: int = 0


NAMES_REFRESH = timedelta(hours=24)
"""How often the provider's key and workspace lists are read again when usage names no unknown id (two
provider requests, half of an hourly sync's: names are for display, and a new key is noticed at once)."""


class _NameBook:
    """The account's key and workspace names during one sync: read from the provider when due (never read,
    or older than NAMES_REFRESH) or when a changed hour names an id they lack; stored only when changed.
    The ids they hold are kept on the account, so checking a sync's ids reads nothing."""

    def __init__(self, accounts: AccountStore, account: Account, client: ProviderClient, now: datetime):
        self._accounts, self._account, self._client, self._now = accounts, account, client, now
        self.digest = account.names_hash
        self.checked_at = account.names_checked_at
        self._known: set[str] | None = set(account.names_ids) if account.names_ids else None
        if self.checked_at is None or now - self.checked_at >= NAMES_REFRESH:
            self._refresh()

    def _refresh(self) -> None:
        names = self._client.names()
        digest = names_digest(names)
        if digest != self.digest:
            self._accounts.save_names(self._account.tenant_id, self._account.id, names)
        self.digest, self.checked_at = digest, self._now
        self._known = set(names.api_keys) | set(names.workspaces)

    def see(self, buckets: Sequence[UsageBucket]) -> None:
        """Read the lists again if these hours name a key or workspace they do not have."""
        ids = {i for b in buckets for r in b.rows for i in (r.dims.api_key_id, r.dims.workspace_id) if i}
        if not ids:
            return
        if self._known is None:
            # An account whose lists were stored before their ids were kept on it (or hold none): read them.
            stored = self._accounts.get_names(self._account.tenant_id, [self._account.id]).get(self._account.id)
            self._known = set(stored.api_keys) | set(stored.workspaces) if stored else set()
        if ids - self._known:
            self._refresh()

    def changes(self) -> dict[str, Any]:
        out: dict[str, Any] = {"names_hash": self.digest, "names_checked_at": self.checked_at}
        if self._known is not None:
            out["names_ids"] = tuple(sorted(self._known))
        return out


def names_digest(names: Names) -> str:
    text = repr((sorted(names.api_keys.items()), sorted(names.workspaces.items())))
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def plan_ranges(account: Account, now: datetime, trailing: timedelta) -> list[HourRange]:
    """What a run reads: the history window's never-read hours and the trailing window, newest first."""
    end = utc_hour(now) + timedelta(hours=1)  # includes the current, partial hour
    start = account.history_start
    wanted = missing_ranges(start, end, account.coverage)
    wanted.append((max(start, utc_hour(now) - trailing), end))
    return list(reversed(merge_ranges(wanted)))


def chunks(ranges: list[HourRange]) -> Iterator[HourRange]:
    """Each range cut into provider requests, newest first (recent spend shows first during an import)."""
    for lo, hi in ranges:
        cursor = hi
        while cursor > lo:
            start = max(lo, cursor - timedelta(hours=CHUNK_HOURS))
            yield start, cursor
            cursor = start


@dataclass
class CollectorService:
    accounts: AccountStore
    ledger: UnitOfWorkFactory
    secrets: SecretStore
    publisher: Publisher
    client_factory: ClientFactory
    topic_collect_requests: str
    topic_usage_collected: str
    topic_account_events: str
    sync_interval: timedelta = timedelta(hours=1)
    stale_after: timedelta = timedelta(hours=6)
    trailing: timedelta = timedelta(hours=48)
    budget_seconds: float = 480.0
    lease: timedelta = LEASE
    max_failures: int = 5
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)
    monotonic: Callable[[], float] = time.monotonic
    billed: BilledLedger | None = None

    def collect(self, tenant_id: str, account_id: str, requested_at: datetime | None = None) -> CollectOutcome:
        """Run one sync for a request made at ``requested_at``.

        Raises:
            LeaseHeld: another sync holds the account's lease (or, for a sync that takes none, the account was
                written while it ran, and it wrote nothing). Pub/Sub then delivers the request again after
                a backoff: if that sync was alive, it has finished by then and this request is a skip (a sync
                that started after the request was made covered it); if it died, its lease runs out within
                ``lease`` and the redelivered request takes over. Acknowledging it now instead would lose the
                request when the holder is dead (nothing would resume its import until the next tick).
        """

        def ran(account: Account) -> bool:
            return requested_at is not None and account.last_sync_at is not None and account.last_sync_at > requested_at

        now = self.clock()

        def not_wanted(current: Account | None) -> CollectOutcome | None:
            if current is None or not current.active:
                return CollectOutcome("skipped", detail="account missing or disconnected")
            if ran(current):
                return CollectOutcome("skipped", detail="a sync that started after this request already ran")
            return None

        found = self.accounts.get_versioned(tenant_id, account_id)
        if found is None:
            return CollectOutcome("skipped", detail="account missing or disconnected")
        account, version = found
        skip = not_wanted(account)
        if skip is not None:
            return skip
        held = account.lease_until
        if held is not None and held > now:
            raise LeaseHeld(f"another sync of {account_id} holds the lease until {held.isoformat()}")
        if len(list(chunks(plan_ranges(account, now, self.trailing)))) <= 1:
            # An hourly sync is one provider request: it takes no lease (a write, and a read to give it back).
            # Its usage, billed lines and account state land in one commit guarded by the version it read: a
            # concurrent writer of the account (another run, an import taking the lease, an edit) makes it
            # write nothing, and the request is delivered again unless a newer run covered it.
            try:
                return self._collect(account, _Hold(version=version), now)
            except AccountChanged:
                skip = not_wanted(self.accounts.get(tenant_id, account_id))
                if skip is not None:
                    return skip
                raise LeaseHeld(f"{account_id} changed during the sync; it runs again") from None
        # An import (or a catch-up after an outage) spans requests and invocations: it holds the lease, and
        # checkpoints each chunk under it.
        lease_id = pysecrets.token_hex(8)
        taken = self.accounts.acquire_lease(
            tenant_id, account_id, lease_id, now, now + self.lease, wanted=lambda a: not_wanted(a) is None
        )
        if taken is None:
            skip = not_wanted(self.accounts.get(tenant_id, account_id))
            if skip is not None:
                return skip
            raise LeaseHeld(f"another sync of {account_id} took the lease")
        return self._collect(taken, _Hold(lease_id=lease_id), now)

    def _collect(self, account: Account, hold: _Hold, now: datetime) -> CollectOutcome:
        started = self.monotonic()
        deadline = started + self.budget_seconds
        client: ProviderClient | None = None
        hours_written = rows_written = hours_read = 0
        coverage = account.coverage
        hashes = dict(account.hour_hashes)
        newest = account.synced_through
        billed = account.billed  # the cost report is read with the last chunk; it never fails the sync
        billed_days: list[BilledDay] = []
        pending: list[UsageBucket] = []  # the last chunk's changed hours, stored with the final write
        trailing_start = utc_hour(now) - self.trailing
        try:
            api_key = self.secrets.get(account.tenant_id, account.id, account.secret_ref)
            client = self.client_factory(account.provider, api_key, deadline)
            del api_key
            book = _NameBook(self.accounts, account, client, now)
            ranges = plan_ranges(account, now, self.trailing)
            planned = list(chunks(ranges))
            for index, (lo, hi) in enumerate(planned):
                # Keep a fifth of the budget back: a chunk takes one provider request and one write.
                if deadline - self.monotonic() < self.budget_seconds * 0.2:
                    return self._continue_later(
                        account,
                        hold,
                        coverage,
                        hashes,
                        book,
                        now,
                        hours_written,
                        rows_written,
                        client.requests_made,
                        hours_read,
                    )
                served = self._read_chunk(client, lo, hi)
                hours_read += len(served)
                known = self._known_hashes(account, hashes, coverage, lo, hi, trailing_start)
                # Only the hours whose digest differs from the one stored are parsed, and written.
                changed = [h.parse() for h in served if known.get(hour_id(h.hour_start)) != h.digest]
                book.see(changed)
                last = index == len(planned) - 1
                if last:
                    # Stored with the sync's final write below; the invoice side of the same days is read
                    # first, so that a day's usage hours and billed lines go in one unit, one document write.
                    pending = changed
                    if self.billed is not None:
                        read = self.billed.collect(account, client, ranges[-1][0], ranges[0][1], deadline)
                        billed, billed_days = read.state, read.changed
                elif changed:
                    run_unit(
                        self.ledger(account.tenant_id, account.id),
                        functools.partial(_store, buckets=changed, billed=[]),
                    )
                if changed:
                    hours_written += len(changed)
                    rows_written += sum(len(b.rows) for b in changed)
                coverage = merge_ranges([*coverage, (lo, hi)])
                for h in served:
                    if h.hour_start >= trailing_start:
                        hashes[hour_id(h.hour_start)] = h.digest
                hashes = {h: v for h, v in hashes.items() if h >= hour_id(trailing_start)}
                newest = max(hi, newest or hi)
                if last:
                    break
                # The last chunk's progress goes with the sync's final write; the others are announced to
                # costing as they are stored, then checkpointed: a run that dies in between leaves the chunk
                # uncovered, so the next run reads, writes and announces it again (costing leaves a day priced
                # from the same hours alone), where the other order could leave it covered and never priced.
                self._announce(account, sorted({b.hour_start.date() for b in changed}), now)
                if not self._checkpoint(
                    account,
                    hold,
                    {
                        "coverage": coverage,
                        "hour_hashes": hashes,
                        "synced_through": newest,
                        "lease_until": self.clock() + self.lease,
                    },
                ):
                    return CollectOutcome(
                        "skipped",
                        hours_written,
                        rows_written,
                        client.requests_made,
                        "another sync took the lease over",
                        hours_read,
                    )
        except (InvalidKey, NotAdminKey) as exc:
            return self._failed(
                account,
                hold,
                now,
                exc,
                permanent=True,
                requests=client.requests_made if client else 0,
                coverage=coverage,
                hashes=hashes,
            )
        except ProviderError as exc:
            return self._failed(
                account,
                hold,
                now,
                exc,
                permanent=False,
                requests=client.requests_made if client else 0,
                coverage=coverage,
                hashes=hashes,
            )

        changes: dict[str, Any] = {
            "status": STATUS_CONNECTED,
            "status_reason": None,
            "last_sync_at": now,
            "last_success_at": now,
            "next_sync_at": now + self.sync_interval,
            "stale_at": now + self.stale_after,
            "consecutive_failures": 0,
            "lease_until": None,
            "lease_id": "",
            "billed": billed,
            **book.changes(),
            "coverage": coverage,
            "hour_hashes": hashes,
        }
        if newest is not None:
            changes["synced_through"] = newest
        due = account.rotation_due(now) and account.rotation_reminded_key != account.key_fingerprint
        if due:
            changes["rotation_reminded_key"] = account.key_fingerprint
        # The days the last run announced after its commit are announced again (costing leaves a day priced
        # from the same hours alone): had its process died between the two, no later run would see those hours
        # as changed.
        days = sorted({b.hour_start.date() for b in pending} | set(account.announce_again))
        # Settled days are packed as they leave the trailing window (one a day); an import (under the lease)
        # packs all it left hour by hour at once, its one-off cost.
        # Its own unit, before the final one: that one may write hours of those days (an import's oldest), which
        # then land beside the packed hours, as a restated hour does.
        most = COMPACT_DAYS if hold.version else COMPACT_IMPORT_DAYS
        compact, changes["compacted_through"] = _to_compact(account, trailing_start, most)
        if compact:
            run_unit(self.ledger(account.tenant_id, account.id), functools.partial(_compact, days=compact))
        store = functools.partial(_store, buckets=pending, billed=billed_days)
        if hold.version:
            # One commit: the last chunk's hours, the billed days and the account, or nothing (AccountChanged);
            # costing is told after it, so that it reads what was committed.
            changes["announce_again"] = tuple(sorted({b.hour_start.date() for b in pending}))
            run_unit(
                self.ledger(account.tenant_id, account.id), functools.partial(store, account=(changes, hold.version))
            )
            self._announce(account, days, now)
        else:
            # Under the lease: stored, announced, then checkpointed (a crash before the checkpoint leaves the
            # hours to read again, and so to announce again).
            if pending or billed_days:
                run_unit(self.ledger(account.tenant_id, account.id), store)
            self._announce(account, days, now)
            changes["announce_again"] = ()
            self.accounts.checkpoint(account.tenant_id, account.id, hold.lease_id, changes)
        if account.status != STATUS_CONNECTED:
            self._event(account, "account.connected", STATUS_CONNECTED, None, now)
        if due:
            # Once per key: the reminder is an event the alerts work delivers; re-runs do not repeat it.
            self._event(
                account,
                "account.rotation_due",
                STATUS_CONNECTED,
                f"the key {account.key_hint} is {account.key_age_days(now)} days old; rotate it",
                now,
            )
        return CollectOutcome("done", hours_written, rows_written, client.requests_made, hours_read=hours_read)

    def _known_hashes(
        self,
        account: Account,
        hashes: dict[str, str],
        coverage: tuple[HourRange, ...],
        lo: datetime,
        hi: datetime,
        trailing_start: datetime,
    ) -> dict[str, str]:
        """The stored hash of each hour of ``[lo, hi)`` that was stored before (none for never-read hours)."""
        if lo >= trailing_start or missing_ranges(lo, hi, coverage) == [(lo, hi)]:
            return hashes  # the trailing window's are on the account; hours never read have none stored
        # Hours read before, outside the trailing window (a re-import): ask the stored days.
        days = sorted({h.date() for h in hours_between(lo, hi)})

        def read(uow: LedgerUnitOfWork) -> dict[datetime, str]:
            return uow.usage.hour_hashes(days)

        stored = run_unit(self.ledger(account.tenant_id, account.id), read)
        return {**hashes, **{hour_id(h): v for h, v in stored.items()}}

    @staticmethod
    def _read_chunk(client: ProviderClient, start: datetime, end: datetime) -> list[SourceHour]:
        """Every hour of the chunk, with the hours the provider did not return as empty.

        Empty hours matter: when the provider restates an hour to nothing, the old rows must go.
        """
        got = {h.hour_start: h for h in client.usage_hours(start, end)}
        return [got.get(h) or SourceHour.parsed(UsageBucket(h, ())) for h in hours_between(start, end)]

    def _continue_later(
        self,
        account: Account,
        hold: _Hold,
        coverage: tuple[HourRange, ...],
        hashes: dict[str, str],
        book: _NameBook,
        now: datetime,
        hours_written: int,
        rows_written: int,
        requests: int,
        hours_read: int,
    ) -> CollectOutcome:
        self._checkpoint(
            account,
            hold,
            {
                "status": STATUS_SYNCING if account.status != STATUS_ERROR else account.status,
                "status_reason": "importing history",
                "last_sync_at": now,
                "stale_at": self._stale_at(account),
                "coverage": coverage,
                "hour_hashes": hashes,
                **book.changes(),
                "lease_until": None,
                "lease_id": "",
            },
        )
        self.publisher.publish(
            self.topic_collect_requests,
            CollectRequest(tenant_id=account.tenant_id, account_id=account.id, reason="continue", requested_at=now),
        )
        return CollectOutcome("partial", hours_written, rows_written, requests, "time budget used", hours_read)

    def _failed(
        self,
        account: Account,
        hold: _Hold,
        now: datetime,
        exc: ProviderError,
        *,
        permanent: bool,
        requests: int,
        coverage: tuple[HourRange, ...],
        hashes: dict[str, str],
    ) -> CollectOutcome:
        failures = account.consecutive_failures + 1
        if permanent:
            status, reason = STATUS_ERROR, exc.message
        else:
            status = STATUS_ERROR if failures >= self.max_failures else account.status
            reason = f"sync failed {failures} time(s) in a row: {exc.message}"
        if failures >= self.max_failures:
            # Stop the hourly retries: a person has to act (rotate the key, or ask for a sync).
            next_sync: datetime | None = None
            reason += "; automatic retries stopped until the key is replaced or a sync is requested"
        else:
            backoff = timedelta(minutes=5) * (2 ** (failures - 1)) if not permanent else self.sync_interval
            next_sync = now + min(backoff, self.sync_interval * 6)
        self._checkpoint(
            account,
            hold,
            {
                "status": status,
                "status_reason": reason,
                "last_sync_at": now,
                "consecutive_failures": failures,
                "next_sync_at": next_sync,
                "stale_at": self._stale_at(account),
                "coverage": coverage,
                "hour_hashes": hashes,
                "lease_until": None,
                "lease_id": "",
            },
        )
        log.warning(
            "sync failed",
            extra={"account_id": account.id, "error": exc.code, "failures": failures, "permanent": permanent},
        )
        if status == STATUS_ERROR and account.status != STATUS_ERROR:
            self._event(account, "account.error", status, reason, now)
        return CollectOutcome("failed", provider_requests=requests, detail=reason)

    def _checkpoint(self, account: Account, hold: _Hold, changes: dict[str, Any]) -> bool:
        """Write the run's progress on the account: under its lease, or guarded by the version it read; False
        (nothing written) when another run or writer got there first."""
        if not hold.version:
            return self.accounts.checkpoint(account.tenant_id, account.id, hold.lease_id, changes)
        try:
            run_unit(
                self.ledger(account.tenant_id, account.id),
                functools.partial(_store, buckets=[], billed=[], account=(changes, hold.version)),
            )
        except AccountChanged:
            return False
        return True

    def _announce(self, account: Account, days: Sequence[date], now: datetime) -> None:
        """Ask costing to price these days (their changed hours are stored)."""
        if not days:
            return
        self.publisher.publish(
            self.topic_usage_collected,
            UsageCollected(
                tenant_id=account.tenant_id,
                account_id=account.id,
                provider=account.provider,
                days=list(days),
                collected_at=now,
                priced_with=account.priced_with or None,
            ),
        )

    def _stale_at(self, account: Account) -> datetime:
        """Unchanged by a sync that did not succeed: stale from the last success (or the connection) on."""
        return account.stale_at or (account.last_success_at or account.created_at) + self.stale_after

    def _event(self, account: Account, kind: str, status: str, reason: str | None, now: datetime) -> None:
        try:
            self.publisher.publish(
                self.topic_account_events,
                AccountEvent(
                    type=kind, tenant_id=account.tenant_id, account_id=account.id, status=status, reason=reason, at=now
                ),
            )
        except Exception:
            log.exception("could not publish account event", extra={"account_id": account.id})


COMPACT_DAYS = 31
"""Settled days an hourly sync packs at most (`UsageDays.compact`): one a day in steady state."""
COMPACT_IMPORT_DAYS = 400
"""... and an import's last run: every day of the history (most were written whole, so packed already; the
days its requests split are packed here), in one unit of at most this many reads."""


def _to_compact(account: Account, trailing_start: datetime, most: int) -> tuple[list[date], date | None]:
    """The settled raw days this sync packs (those wholly before the trailing window and not packed yet, oldest
    first, at most ``most``), and how far every day then is packed (the account's ``compacted_through``)."""
    done = account.compacted_through
    first = done + timedelta(days=1) if done is not None else account.history_start.astimezone(UTC).date()
    last = trailing_start.astimezone(UTC).date() - timedelta(days=1)
    days = [first + timedelta(days=i) for i in range(min((last - first).days + 1, most))]
    return days, days[-1] if days else done


def _compact(uow: LedgerUnitOfWork, days: Sequence[date]) -> None:
    uow.usage.compact(days)
    uow.commit()


def _store(
    uow: LedgerUnitOfWork,
    buckets: list[UsageBucket],
    billed: list[BilledDay],
    account: tuple[dict[str, Any], str] | None = None,
) -> None:
    if buckets:
        uow.usage.put_hours(buckets)
    if billed:
        uow.usage.put_billed(billed)
    if account is not None:
        uow.update_account(*account)
    uow.commit()
