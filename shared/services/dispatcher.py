"""The hourly tick: one collect request per account whose sync is due."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from shared.ports import AccountStore, Publisher

log = logging.getLogger(__name__)


@dataclass
class DispatcherService:
    accounts: AccountStore
    publisher: Publisher
    topic_collect_requests: str
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)
    batch_limit: int = 5000

    def dispatch(self) -> int:
        """Publish a collect request for every due account. Safe to repeat: the collector's lease and
        idempotent writes make a duplicate request cost one skipped invocation, nothing more."""
        now = self.clock()
        due = self.accounts.due_for_sync(now, self.batch_limit)
        for account in due:
            self.publisher.publish(
                self.topic_collect_requests,
                {
                    "tenant_id": account.tenant_id,
                    "account_id": account.id,
                    "reason": "scheduled",
                    "requested_at": now.isoformat(),
                },
            )
        log.info("dispatched collect requests", extra={"count": len(due)})
        return len(due)
