"""Delivering alerts to channels, once each.

One subscriber function per channel type (webhook, email) receives every alert from tm-alerts and
delivers it to the alert's channels of its type. Before sending, it claims the (alert, channel) delivery
record: a delivered one is skipped (redelivery, replay), and so is one that another attempt is sending
right now (that attempt's message stays unacknowledged until it succeeds, so nothing is lost). A failed
attempt is recorded and the function raises, so Pub/Sub retries with backoff; the attempt that reaches
the subscription's maximum records ``dead_lettered`` and Pub/Sub moves the message to the dead-letter
topic. The alert history shows each outcome.

A crash after the receiver got a request but before ``delivered`` was recorded can still send twice;
receivers drop duplicates by the alert id, sent as the ``Idempotency-Key`` header (and
``X-TokenMeter-Alert-Id``).
"""

from __future__ import annotations

import logging
import secrets as pysecrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from shared.alerts.email import EmailError, EmailSender, alert_email
from shared.alerts.model import (
    CHANNEL_EMAIL,
    CHANNEL_WEBHOOK,
    DELIVERY_DEAD_LETTERED,
    DELIVERY_DELIVERED,
    DELIVERY_FAILED,
    KIND_TEST,
    Alert,
    Channel,
)
from shared.alerts.ports import AlertStore, ChannelStore
from shared.alerts.webhooks import WebhookError, WebhookSender, webhook_body

log = logging.getLogger(__name__)


class Sealer(Protocol):
    """Seals and opens channel secrets (shared.security.sealing.Keyring)."""

    def seal(self, plaintext: str, aad: bytes) -> str: ...

    def open(self, sealed: str, aad: bytes) -> str: ...


@dataclass
class LazySealer:
    """Builds the real sealer on first use: the email function never opens a secret, so it never needs
    (nor is granted) the sealing key."""

    factory: Callable[[], Sealer]

    def seal(self, plaintext: str, aad: bytes) -> str:
        return self.factory().seal(plaintext, aad)

    def open(self, sealed: str, aad: bytes) -> str:
        return self.factory().open(sealed, aad)


def channel_aad(tenant_id: str, channel_id: str) -> bytes:
    """Associated data binding a sealed secret to its channel: it cannot be moved to another one."""
    return f"tokenmeter|alert-channel-secret|{tenant_id}|{channel_id}".encode()


def channel_url_aad(tenant_id: str, channel_id: str) -> bytes:
    """Associated data binding a sealed webhook URL to its channel (and telling it from the secret)."""
    return f"tokenmeter|alert-channel-url|{tenant_id}|{channel_id}".encode()


class DeliveryIncomplete(Exception):
    """Some channel could not be served this time; raised so that Pub/Sub redelivers the alert."""


@dataclass
class DeliveryReport:
    delivered: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    dead_lettered: list[str] = field(default_factory=list)


@dataclass
class AlertDelivery:
    channels: ChannelStore
    alerts: AlertStore
    sealer: Sealer
    webhooks: WebhookSender
    email: EmailSender
    max_attempts: int
    lease: timedelta = timedelta(seconds=90)
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)

    def deliver(self, event: dict[str, Any], channel_type: str) -> DeliveryReport:
        """Deliver one alert event to its channels of ``channel_type``.

        Raises:
            DeliveryIncomplete: a channel failed (Pub/Sub retries the message; channels already served
                are skipped then).
        """
        tenant_id, alert_id = event["tenant_id"], event["id"]
        report = DeliveryReport()
        for channel_id in event.get("channel_ids") or []:
            channel = self.channels.get(tenant_id, channel_id)
            if channel is None or channel.type != channel_type or not channel.enabled:
                continue  # deleted or disabled since the alert was raised, or the other function's
            now = self.clock()
            claim = self.alerts.claim_delivery(tenant_id, alert_id, channel_id, channel_type, now, now + self.lease)
            if claim.state == "done":
                self.alerts.note_duplicate(tenant_id, alert_id, channel_id)
                report.skipped.append(channel_id)
                continue
            if claim.state == "busy":
                # Another attempt is sending it now: the alert was published twice (two evaluations raced
                # to publish it). That attempt's message stays unacknowledged until it succeeds, so if it
                # fails its redelivery sends it: this copy can be dropped. (The same message cannot be in
                # flight twice: a send takes at most ~15 s, the ack deadline is the function's timeout.)
                report.skipped.append(channel_id)
                continue
            try:
                self._send(channel, event)
            except (WebhookError, EmailError) as exc:
                last = claim.attempt >= self.max_attempts
                status = DELIVERY_DEAD_LETTERED if last else DELIVERY_FAILED
                self.alerts.finish_delivery(tenant_id, alert_id, channel_id, status, self.clock(), str(exc)[:500])
                report.failed[channel_id] = str(exc)
                if last:
                    report.dead_lettered.append(channel_id)
                log.warning(
                    "alert delivery failed",
                    extra={"alert_id": alert_id, "channel_id": channel_id, "attempt": claim.attempt, "status": status},
                )
                continue
            self.alerts.finish_delivery(tenant_id, alert_id, channel_id, DELIVERY_DELIVERED, self.clock(), None)
            report.delivered.append(channel_id)
        if report.failed:
            raise DeliveryIncomplete(f"alert {alert_id}: {len(report.failed)} channel(s) failed")
        return report

    def send_test(self, channel: Channel) -> tuple[Alert, str | None]:
        """Send a test alert to one channel now; returns the alert and the error (None when delivered).

        The test alert is kept in the history with its delivery outcome like any other.
        """
        now = self.clock()
        alert = Alert(
            tenant_id=channel.tenant_id,
            id="alr_" + pysecrets.token_hex(16),
            kind=KIND_TEST,
            rule_id=f"test:{channel.id}",
            period=now.isoformat(),
            threshold="test",
            severity="info",
            title=f"Test alert for channel '{channel.name}'",
            message="This is a test alert from TokenMeter. If you can read it, the channel works.",
            created_at=now,
            details={"channel_id": channel.id},
            channel_ids=(channel.id,),
            published=True,
            test=True,
        )
        self.alerts.create_if_absent(alert)
        self.alerts.claim_delivery(channel.tenant_id, alert.id, channel.id, channel.type, now, now + self.lease)
        try:
            self._send(channel, alert.to_event())
        except (WebhookError, EmailError) as exc:
            self.alerts.finish_delivery(
                channel.tenant_id, alert.id, channel.id, DELIVERY_FAILED, self.clock(), str(exc)[:500]
            )
            return alert, str(exc)
        self.alerts.finish_delivery(channel.tenant_id, alert.id, channel.id, DELIVERY_DELIVERED, self.clock(), None)
        return alert, None

    def _send(self, channel: Channel, event: dict[str, Any]) -> None:
        if channel.type == CHANNEL_WEBHOOK:
            if not channel.has_url or not channel.sealed_secret:
                raise WebhookError("the channel has no URL or secret")
            try:
                secret = self.sealer.open(channel.sealed_secret, channel_aad(channel.tenant_id, channel.id))
            except Exception:
                raise WebhookError("the channel's signing secret cannot be opened; rotate it") from None
            url = channel.url
            if channel.sealed_url:
                try:
                    url = self.sealer.open(channel.sealed_url, channel_url_aad(channel.tenant_id, channel.id))
                except Exception:
                    raise WebhookError("the channel's URL cannot be opened; set it again") from None
            assert url is not None
            self.webhooks.send(url, webhook_body(event, channel.format), secret, event["id"])
        elif channel.type == CHANNEL_EMAIL:
            self.email.send(alert_email(event, self.email.settings.sender, channel.emails))
        else:
            raise WebhookError(f"unknown channel type {channel.type!r}")
