"""Re-pricing history when the price catalogue changes (a new genai-prices pin or an override table edit).

Every sync prices the days it collected with the current catalogue; older days keep the version they were
priced with. Each "usage collected" message carries the version the account's history is priced with
(``Account.priced_with``); when costing sees it differs from its own catalogue's, ``check`` asks for the
account's whole history to be priced again: "price these days" messages (reason ``reprice``), at most 31
days each, on the costing topic, and records the new version on the account so the fan-out happens once
per version and account. Costing prices again only the days built with another version (a redelivered or
duplicate request finds none left: idempotent, and order does not matter).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from shared.domain.usage import days_between
from shared.messages import UsageCollected
from shared.ports import AccountStore, Publisher

log = logging.getLogger(__name__)

DAYS_PER_REQUEST = 31


@dataclass
class RepricingService:
    accounts: AccountStore
    catalogue_version: str
    publisher: Publisher
    topic_usage_collected: str
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)

    def check(self, tenant_id: str, account_id: str, priced_with: str | None) -> int:
        """Ask for the account's history to be priced again if the catalogue changed since it last was.

        Args:
            priced_with: the version the message that triggered costing says the history is priced with.

        Returns:
            The number of re-price requests published (0 when the history is current).
        """
        if priced_with == self.catalogue_version:
            return 0
        account = self.accounts.get(tenant_id, account_id)
        if account is None or account.priced_with == self.catalogue_version:
            return 0  # the message was older than the account's last re-pricing
        now = self.clock()
        days = days_between(account.history_start.astimezone(UTC).date(), now.astimezone(UTC).date())
        messages = [
            UsageCollected(
                tenant_id=tenant_id,
                account_id=account_id,
                provider=account.provider,
                days=days[i : i + DAYS_PER_REQUEST],
                reason="reprice",
                collected_at=now,
                priced_with=self.catalogue_version,
            )
            for i in range(0, len(days), DAYS_PER_REQUEST)
        ]
        published = self.publisher.publish_all(self.topic_usage_collected, messages)
        # Recorded after publishing: a crash in between publishes again next time (harmless, idempotent).
        self.accounts.update(tenant_id, account_id, {"priced_with": self.catalogue_version})
        log.info(
            "history re-pricing requested",
            extra={
                "account_id": account_id,
                "from_version": account.priced_with or None,
                "to_version": self.catalogue_version,
                "requests": published,
                "days": len(days),
                "oldest": (now - timedelta(days=len(days))).date().isoformat(),
            },
        )
        return published
