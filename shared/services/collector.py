"""Collecting one account's usage: history on connect, then every hour with a trailing re-read.

Idempotent by construction: every hour bucket read is written whole under an id derived from the
account and the hour, so a redelivered or concurrent request overwrites with the same content. A lease
keeps two runs of one account from working at once; a watermark (``synced_through``) lets a crash or a
timeout resume where it stopped.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any, Protocol

from shared.domain.accounts import STATUS_CONNECTED, STATUS_ERROR, STATUS_SYNCING, Account
from shared.domain.billed import BilledCost
from shared.domain.usage import UsageBucket, hours_between, utc_hour
from shared.ports import AccountStore, Names, Publisher, SecretStore, UsageStore
from shared.providers.anthropic import Organization
from shared.providers.errors import InvalidKey, NotAdminKey, ProviderError

log = logging.getLogger(__name__)

CHUNK_HOURS = 168
"""One provider page holds at most 168 hourly buckets: a chunk is exactly one request."""


class UsageClient(Protocol):
    requests_made: int

    def organization(self) -> Organization: ...

    def usage_buckets(self, start: datetime, end: datetime) -> Iterator[UsageBucket]: ...

    def api_key_names(self) -> dict[str, str]: ...

    def workspace_names(self) -> dict[str, str]: ...

    def cost_report(self, start: date, end: date) -> dict[date, tuple[BilledCost, ...]]: ...


class BilledLedger(Protocol):
    """Reads the billed cost ledger for the days a sync collected (see shared.services.billing)."""

    def collect(
        self, account: Account, client: UsageClient, start: datetime, end: datetime, deadline: float
    ) -> Any: ...


ClientFactory = Callable[[str, str, float], UsageClient]
"""(provider, api_key, monotonic deadline) -> a client for that provider."""


@dataclass(frozen=True)
class CollectOutcome:
    status: str  # "done", "partial", "skipped", "failed"
    hours_written: int = 0
    rows_written: int = 0
    provider_requests: int = 0
    detail: str = ""


@dataclass
class CollectorService:
    accounts: AccountStore
    usage: UsageStore
    secrets: SecretStore
    publisher: Publisher
    client_factory: ClientFactory
    topic_collect_requests: str
    topic_usage_collected: str
    topic_account_events: str
    sync_interval: timedelta = timedelta(hours=1)
    trailing: timedelta = timedelta(hours=48)
    budget_seconds: float = 480.0
    max_failures: int = 5
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)
    monotonic: Callable[[], float] = time.monotonic
    stats: dict[str, Any] = field(default_factory=dict)
    billed: BilledLedger | None = None

    def collect(self, tenant_id: str, account_id: str) -> CollectOutcome:
        account = self.accounts.get(tenant_id, account_id)
        if account is None or not account.active:
            return CollectOutcome("skipped", detail="account missing or disconnected")
        now = self.clock()
        started = self.monotonic()
        deadline = started + self.budget_seconds
        lease_until = now + timedelta(seconds=self.budget_seconds + 60)
        if not self.accounts.acquire_lease(tenant_id, account_id, now, lease_until):
            return CollectOutcome("skipped", detail="another sync of this account is running")
        try:
            return self._collect(account, now, deadline)
        finally:
            self.accounts.release_lease(tenant_id, account_id)

    def _collect(self, account: Account, now: datetime, deadline: float) -> CollectOutcome:
        hours_written = rows_written = 0
        client: UsageClient | None = None
        try:
            api_key = self.secrets.get(account.tenant_id, account.id, account.secret_ref)
            client = self.client_factory(account.provider, api_key, deadline)
            del api_key
            names = Names(api_keys=client.api_key_names(), workspaces=client.workspace_names())
            self.accounts.save_names(account.tenant_id, account.id, names)

            end = utc_hour(now) + timedelta(hours=1)  # includes the current, partial hour
            trailing_start = utc_hour(now) - self.trailing
            # First run: the plan's whole history window. Later runs: from the watermark or the trailing
            # window, whichever is older (providers restate recent hours; a crash resumes where it stopped).
            if account.synced_through is None:
                start = account.history_start
            else:
                start = min(account.synced_through, trailing_start)
            start = max(start, account.history_start)
            synced_through = account.synced_through
            cursor = start
            while cursor < end:
                # Keep a fifth of the budget back: a chunk takes one provider request and one batch write.
                remaining = deadline - self.monotonic()
                if remaining < self.budget_seconds * 0.2:
                    self._continue_later(account, synced_through, now)
                    return CollectOutcome(
                        "partial", hours_written, rows_written, client.requests_made, "time budget used"
                    )
                chunk_end = min(cursor + timedelta(hours=CHUNK_HOURS), end)
                buckets = self._read_chunk(client, cursor, chunk_end)
                self.usage.write_buckets(account.tenant_id, account.id, buckets)
                hours_written += len(buckets)
                rows_written += sum(len(b.rows) for b in buckets)
                if synced_through is None or chunk_end > synced_through:
                    synced_through = chunk_end
                self.accounts.update(account.tenant_id, account.id, {"synced_through": synced_through})
                self.publisher.publish(
                    self.topic_usage_collected,
                    {
                        "tenant_id": account.tenant_id,
                        "account_id": account.id,
                        "provider": account.provider,
                        "start": cursor.isoformat(),
                        "end": chunk_end.isoformat(),
                        "collected_at": now.isoformat(),
                    },
                )
                cursor = chunk_end
            if self.billed is not None:  # the invoice side of the same days; never fails the sync
                self.billed.collect(account, client, start, end, deadline)
        except (InvalidKey, NotAdminKey) as exc:
            return self._failed(account, now, exc, permanent=True, requests=client.requests_made if client else 0)
        except ProviderError as exc:
            return self._failed(account, now, exc, permanent=False, requests=client.requests_made if client else 0)

        changes = {
            "status": STATUS_CONNECTED,
            "status_reason": None,
            "last_sync_at": now,
            "last_success_at": now,
            "next_sync_at": now + self.sync_interval,
            "consecutive_failures": 0,
            "synced_through": synced_through,
        }
        self.accounts.update(account.tenant_id, account.id, changes)
        if account.status != STATUS_CONNECTED:
            self._event(account, "account.connected", STATUS_CONNECTED, None, now)
        if account.rotation_due(now) and account.rotation_reminded_key != account.key_fingerprint:
            # Once per key: the reminder is an event the alerts work delivers; re-runs do not repeat it.
            self._event(
                account,
                "account.rotation_due",
                STATUS_CONNECTED,
                f"the key {account.key_hint} is {account.key_age_days(now)} days old; rotate it",
                now,
            )
            self.accounts.update(account.tenant_id, account.id, {"rotation_reminded_key": account.key_fingerprint})
        return CollectOutcome("done", hours_written, rows_written, client.requests_made)

    @staticmethod
    def _read_chunk(client: UsageClient, start: datetime, end: datetime) -> list[UsageBucket]:
        """Every hour of the chunk, with the hours the provider did not return written as empty.

        Writing empties matters: when the provider restates an hour to nothing, the old rows must go.
        """
        got = {b.hour_start: b for b in client.usage_buckets(start, end)}
        return [got.get(h) or UsageBucket(h, ()) for h in hours_between(start, end)]

    def _continue_later(self, account: Account, synced_through: datetime | None, now: datetime) -> None:
        self.accounts.update(
            account.tenant_id,
            account.id,
            {
                "status": STATUS_SYNCING,
                "status_reason": "importing history",
                "last_sync_at": now,
                "synced_through": synced_through,
            },
        )
        self.publisher.publish(
            self.topic_collect_requests,
            {
                "tenant_id": account.tenant_id,
                "account_id": account.id,
                "reason": "continue",
                "requested_at": now.isoformat(),
            },
        )

    def _failed(
        self, account: Account, now: datetime, exc: ProviderError, *, permanent: bool, requests: int
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
        self.accounts.update(
            account.tenant_id,
            account.id,
            {
                "status": status,
                "status_reason": reason,
                "last_sync_at": now,
                "consecutive_failures": failures,
                "next_sync_at": next_sync,
            },
        )
        log.warning(
            "sync failed",
            extra={"account_id": account.id, "error": exc.code, "failures": failures, "permanent": permanent},
        )
        if status == STATUS_ERROR and account.status != STATUS_ERROR:
            self._event(account, "account.error", status, reason, now)
        return CollectOutcome("failed", provider_requests=requests, detail=reason)

    def _event(self, account: Account, kind: str, status: str, reason: str | None, now: datetime) -> None:
        try:
            self.publisher.publish(
                self.topic_account_events,
                {
                    "type": kind,
                    "tenant_id": account.tenant_id,
                    "account_id": account.id,
                    "status": status,
                    "reason": reason,
                    "at": now.isoformat(),
                },
            )
        except Exception:
            log.exception("could not publish account event", extra={"account_id": account.id})
