"""The hourly tick: one collect request per account whose sync is due, however many there are.

Due accounts are streamed page by page from one query (shared.adapters.firestore.DUE_PAGE at a time) and
their requests published in batches, so one tick dispatches every due account in bounded memory; the
collectors then run in parallel as Pub/Sub delivers. A tick that dies midway is harmless: accounts not yet
dispatched are still due at the next tick, and a duplicate request costs one skipped invocation.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from shared.messages import CollectRequest
from shared.ports import AccountStore, Publisher

log = logging.getLogger(__name__)


@dataclass
class DispatcherService:
    accounts: AccountStore
    publisher: Publisher
    topic_collect_requests: str
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)

    def dispatch(self) -> int:
        """Publish a collect request for every due account; returns how many."""
        now = self.clock()
        requests = (
            CollectRequest(tenant_id=tenant_id, account_id=account_id, reason="scheduled", requested_at=now)
            for tenant_id, account_id in self.accounts.due_for_sync(now)
        )
        count = self.publisher.publish_all(self.topic_collect_requests, requests)
        log.info("dispatched collect requests", extra={"count": count})
        return count
