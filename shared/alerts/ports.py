"""The stores alerting depends on. Firestore adapters implement them (shared/adapters/firestore_alerts.py);
unit tests use the fakes in tests/alerts_fakes.py."""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from shared.alerts.model import Alert, Budget, Channel, Delivery


class BudgetStore(Protocol):
    def create(self, budget: Budget) -> None: ...

    def get(self, tenant_id: str, budget_id: str) -> Budget | None: ...

    def list(self, tenant_id: str) -> list[Budget]: ...

    def save(self, budget: Budget) -> None: ...

    def delete(self, tenant_id: str, budget_id: str) -> bool:
        """Remove the budget; False when there was none."""
        ...


class ChannelStore(Protocol):
    def create(self, channel: Channel) -> None: ...

    def get(self, tenant_id: str, channel_id: str) -> Channel | None: ...

    def list(self, tenant_id: str) -> list[Channel]: ...

    def save(self, channel: Channel) -> None: ...

    def delete(self, tenant_id: str, channel_id: str) -> bool: ...

    def alerting_tenants(self) -> builtins.list[str]:
        """Tenants that have set up alerting (a channel or a budget): the periodic sweep evaluates these."""
        ...

    def mark_alerting(self, tenant_id: str) -> None: ...


@dataclass(frozen=True, slots=True)
class Claim:
    """The answer to "may I send this alert to this channel now?".

    ``state``: ``"go"`` (send; this is attempt number ``attempt``), ``"done"`` (already delivered: skip)
    or ``"busy"`` (another attempt holds an unexpired lease: retry later).
    """

    state: str
    attempt: int = 0


class AlertStore(Protocol):
    def create_if_absent(self, alert: Alert) -> bool:
        """Create the alert under its deterministic id; False (and no change) when it already exists."""
        ...

    def get(self, tenant_id: str, alert_id: str) -> Alert | None: ...

    def existing(self, tenant_id: str, alert_ids: Sequence[str]) -> dict[str, bool]:
        """Which of these alerts are stored, each with whether it was published (one batch read)."""
        ...

    def mark_published(self, tenant_id: str, alert_id: str) -> None: ...

    def list(self, tenant_id: str, limit: int, kind: str | None = None) -> list[Alert]:
        """Newest first."""
        ...

    def claim_delivery(
        self, tenant_id: str, alert_id: str, channel_id: str, channel_type: str, now: datetime, lease_until: datetime
    ) -> Claim:
        """Atomically: skip if delivered, refuse while another attempt's lease runs, else count an attempt."""
        ...

    def finish_delivery(
        self, tenant_id: str, alert_id: str, channel_id: str, status: str, now: datetime, error: str | None
    ) -> None: ...

    def note_duplicate(self, tenant_id: str, alert_id: str, channel_id: str) -> None:
        """Count a redelivery that found the alert already delivered (nothing was sent)."""
        ...

    def deliveries(self, tenant_id: str, alerts: Sequence[Alert]) -> dict[str, builtins.list[Delivery]]:
        """The delivery records of these alerts, by alert id."""
        ...
