"""Hand-written fakes of the alerting stores (shared/alerts/ports.py), for fast unit tests."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from email.message import EmailMessage

import httpx

from shared.alerts.email import EmailError, SmtpSettings
from shared.alerts.model import DELIVERY_DELIVERED, DELIVERY_SENDING, Alert, Budget, Channel, Delivery
from shared.alerts.ports import Claim


class FakeBudgetStore:
    def __init__(self) -> None:
        self.budgets: dict[tuple[str, str], Budget] = {}

    def create(self, budget: Budget) -> None:
        key = (budget.tenant_id, budget.id)
        assert key not in self.budgets
        self.budgets[key] = budget

    def get(self, tenant_id: str, budget_id: str) -> Budget | None:
        return self.budgets.get((tenant_id, budget_id))

    def list(self, tenant_id: str) -> list[Budget]:
        return [b for (t, _), b in self.budgets.items() if t == tenant_id]

    def save(self, budget: Budget) -> None:
        self.budgets[(budget.tenant_id, budget.id)] = budget

    def delete(self, tenant_id: str, budget_id: str) -> bool:
        return self.budgets.pop((tenant_id, budget_id), None) is not None


class FakeChannelStore:
    def __init__(self) -> None:
        self.channels: dict[tuple[str, str], Channel] = {}
        self.alerting: set[str] = set()
        self.lists = 0
        """How many times a tenant's channels were listed (a Firestore query each)."""

    def create(self, channel: Channel) -> None:
        key = (channel.tenant_id, channel.id)
        assert key not in self.channels
        self.channels[key] = channel

    def get(self, tenant_id: str, channel_id: str) -> Channel | None:
        return self.channels.get((tenant_id, channel_id))

    def list(self, tenant_id: str) -> list[Channel]:
        self.lists += 1
        return [c for (t, _), c in self.channels.items() if t == tenant_id]

    def save(self, channel: Channel) -> None:
        self.channels[(channel.tenant_id, channel.id)] = channel

    def delete(self, tenant_id: str, channel_id: str) -> bool:
        return self.channels.pop((tenant_id, channel_id), None) is not None

    def mark_alerting(self, tenant_id: str) -> None:
        self.alerting.add(tenant_id)

    def alerting_tenants(self) -> list[str]:
        return sorted(self.alerting)


class FakeAlertStore:
    def __init__(self) -> None:
        self.alerts: dict[tuple[str, str], Alert] = {}
        self.records: dict[tuple[str, str, str], Delivery] = {}
        self.leases: dict[tuple[str, str, str], datetime] = {}

    def create_if_absent(self, alert: Alert) -> bool:
        key = (alert.tenant_id, alert.id)
        if key in self.alerts:
            return False
        self.alerts[key] = alert
        return True

    def get(self, tenant_id: str, alert_id: str) -> Alert | None:
        return self.alerts.get((tenant_id, alert_id))

    def existing(self, tenant_id: str, alert_ids: Sequence[str]) -> dict[str, bool]:
        return {a: self.alerts[(tenant_id, a)].published for a in alert_ids if (tenant_id, a) in self.alerts}

    def mark_published(self, tenant_id: str, alert_id: str) -> None:
        key = (tenant_id, alert_id)
        self.alerts[key] = replace(self.alerts[key], published=True)

    def list(self, tenant_id: str, limit: int, kind: str | None = None) -> list[Alert]:
        found = [a for (t, _), a in self.alerts.items() if t == tenant_id and (kind is None or a.kind == kind)]
        return sorted(found, key=lambda a: a.created_at, reverse=True)[:limit]

    def claim_delivery(
        self, tenant_id: str, alert_id: str, channel_id: str, channel_type: str, now: datetime, lease_until: datetime
    ) -> Claim:
        key = (tenant_id, alert_id, channel_id)
        record = self.records.get(key)
        if record is not None and record.status == DELIVERY_DELIVERED:
            return Claim("done")
        lease = self.leases.get(key)
        if record is not None and record.status == DELIVERY_SENDING and lease is not None and lease > now:
            return Claim("busy")
        attempt = (record.attempts if record else 0) + 1
        base = record or Delivery(alert_id, channel_id, channel_type, DELIVERY_SENDING)
        self.records[key] = replace(base, status=DELIVERY_SENDING, attempts=attempt, last_attempt_at=now)
        self.leases[key] = lease_until
        return Claim("go", attempt)

    def finish_delivery(
        self, tenant_id: str, alert_id: str, channel_id: str, status: str, now: datetime, error: str | None
    ) -> None:
        key = (tenant_id, alert_id, channel_id)
        delivered = now if status == DELIVERY_DELIVERED else self.records[key].delivered_at
        self.records[key] = replace(self.records[key], status=status, last_error=error, delivered_at=delivered)
        self.leases.pop(key, None)

    def note_duplicate(self, tenant_id: str, alert_id: str, channel_id: str) -> None:
        key = (tenant_id, alert_id, channel_id)
        self.records[key] = replace(self.records[key], duplicates_skipped=self.records[key].duplicates_skipped + 1)

    def deliveries(self, tenant_id: str, alerts: Sequence[Alert]) -> dict[str, list[Delivery]]:
        out: dict[str, list[Delivery]] = {}
        for (t, a, _), d in sorted(self.records.items()):
            if t == tenant_id and any(x.id == a for x in alerts):
                out.setdefault(a, []).append(d)
        return out

    def of_kind(self, tenant_id: str, kind: str) -> list[Alert]:
        return [a for (t, _), a in self.alerts.items() if t == tenant_id and a.kind == kind]


class RecordingWebhookTransport:
    """An httpx transport that records requests and answers with queued statuses (200 when none left)."""

    def __init__(self, statuses: Sequence[int] = ()) -> None:
        self.requests: list[httpx.Request] = []
        self.statuses = list(statuses)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        status = self.statuses.pop(0) if self.statuses else 200
        return httpx.Response(status, text="ok")

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self)


class RecordingEmailSender:
    """Stands in for SMTP: keeps the messages; fails while ``fail`` > 0."""

    def __init__(self, settings: SmtpSettings) -> None:
        self.settings = settings
        self.sent: list[EmailMessage] = []
        self.fail = 0

    def send(self, message: EmailMessage) -> None:
        if self.fail > 0:
            self.fail -= 1
            raise EmailError("SMTP 127.0.0.1:25 failed: ConnectionRefusedError")
        self.sent.append(message)
