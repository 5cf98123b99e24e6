"""Delivery over fakes: signed webhooks, Slack format, email, exactly-once, retries and dead-lettering;
webhook target validation (no SSRF, DNS rebinding caught at delivery)."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
from datetime import UTC, datetime, timedelta

import pytest

from shared.alerts.delivery import AlertDelivery, DeliveryIncomplete, channel_aad
from shared.alerts.email import SmtpSettings
from shared.alerts.model import ALERT_KINDS, Alert, Channel, alert_id
from shared.alerts.webhooks import (
    ALERT_ID_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    TargetPolicy,
    WebhookSender,
    sign,
    verify,
)
from shared.errors import InvalidInput
from shared.security.sealing import Keyring
from tests.alerts_fakes import FakeAlertStore, FakeChannelStore, RecordingEmailSender, RecordingWebhookTransport
from tests.fakes import FakeClock

NOW = datetime(2026, 11, 20, 12, 30, tzinfo=UTC)
SECRET = "whsec_" + "s" * 43
PUBLIC = "93.184.215.14"


def test_signature_is_hmac_sha256_over_timestamp_dot_body() -> None:
    body = b'{"a":1}'
    expected = hmac.new(SECRET.encode(), b"1700000000." + body, hashlib.sha256).hexdigest()
    assert sign(SECRET, 1700000000, body) == "sha256=" + expected
    assert verify(SECRET, "1700000000", body, "sha256=" + expected, now=1700000100)
    assert not verify(SECRET, "1700000000", body + b" ", "sha256=" + expected, now=1700000100)  # body changed
    assert not verify("whsec_other", "1700000000", body, "sha256=" + expected, now=1700000100)  # other secret
    assert not verify(SECRET, "1700000000", body, "sha256=" + expected, now=1700000000 + 3600)  # replayed late
    assert not verify(SECRET, "17e8", body, "sha256=" + expected, now=1700000000)


# -- target validation --------------------------------------------------------------------------------


def resolver(*addresses: str):  # type: ignore[no-untyped-def]
    return lambda host, port: list(addresses)


CLOUD = TargetPolicy(resolve=resolver(PUBLIC))


@pytest.mark.parametrize(
    ("address", "why"),
    [
        ("10.1.2.3", "private"),
        ("172.16.0.9", "private"),
        ("192.168.1.1", "private"),
        ("127.0.0.1", "loopback"),
        ("169.254.169.254", "link-local"),
        ("0.0.0.0", "unspecified"),
        ("100.64.0.1", "not a public"),
        ("224.0.0.1", "multicast"),
        ("240.0.0.1", "reserved"),
        ("::1", "loopback"),
        ("fe80::1", "link-local"),
        ("fc00::1", "private"),
        ("::ffff:10.0.0.1", "private"),
        ("2002:a00:1::", "private"),  # 6to4 of 10.0.0.1
        ("ff02::1", "multicast"),
    ],
)
def test_webhooks_to_non_public_addresses_are_refused(address: str, why: str) -> None:
    policy = TargetPolicy(resolve=resolver(address))
    with pytest.raises(InvalidInput) as caught:
        policy.check("https://hooks.example.com/x")
    assert caught.value.field == "url" and why in caught.value.message


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("http://hooks.example.com/x", "https"),
        ("ftp://hooks.example.com/x", "https"),
        ("https://user:pw@hooks.example.com/x", "user name"),
        ("https:///x", "no host"),
        ("https://hooks.example.com:99999/x", "valid URL"),
        ("https://hooks.example.com/x#frag", "fragment"),
        ("https://10.0.0.1/x", "private"),
        ("https://[::1]/x", "loopback"),
        ("https://" + "a" * 3000 + ".com/", "2048"),
    ],
)
def test_malformed_or_unsafe_urls_are_refused(url: str, why: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        CLOUD.check(url)
    assert why in caught.value.message and caught.value.field == "url"


def test_a_name_with_one_private_address_among_public_ones_is_refused() -> None:
    with pytest.raises(InvalidInput):
        TargetPolicy(resolve=resolver(PUBLIC, "10.0.0.5")).check("https://hooks.example.com/x")


def test_unresolvable_hosts_are_refused() -> None:
    def nxdomain(host: str, port: int) -> list[str]:
        raise OSError("Name or service not known")

    with pytest.raises(InvalidInput) as caught:
        TargetPolicy(resolve=nxdomain).check("https://nowhere.invalid/x")
    assert "does not resolve" in caught.value.message


def test_local_mode_allows_http_and_loopback_but_never_private_ranges() -> None:
    local = TargetPolicy(allow_http=True, allow_loopback=True, resolve=resolver("127.0.0.1"))
    target = local.check("http://localhost:8999/hook")
    assert (target.address, target.port, target.scheme) == ("127.0.0.1", 8999, "http")
    with pytest.raises(InvalidInput):
        TargetPolicy(allow_http=True, allow_loopback=True, resolve=resolver("192.168.0.2")).check("http://nas/x")
    with pytest.raises(InvalidInput):
        TargetPolicy(allow_http=True, allow_loopback=True).check("http://169.254.169.254/computeMetadata/v1/")


def test_the_request_goes_to_the_checked_address_with_the_name_for_host_and_tls() -> None:
    transport = RecordingWebhookTransport()
    sender = WebhookSender(CLOUD, transport=transport.transport(), clock=lambda: 1700000000.0)
    assert sender.send("https://hooks.example.com:8443/in?x=1", b"{}", SECRET, "alr_1") == 200
    (request,) = transport.requests
    assert str(request.url) == f"https://{PUBLIC}:8443/in?x=1"
    assert request.headers["host"] == "hooks.example.com:8443"
    assert request.extensions["sni_hostname"] == "hooks.example.com"
    assert request.headers[TIMESTAMP_HEADER] == "1700000000"
    assert request.headers[SIGNATURE_HEADER] == sign(SECRET, 1700000000, b"{}")
    assert request.headers[ALERT_ID_HEADER] == "alr_1"


# -- delivery ---------------------------------------------------------------------------------------------


class DeliveryWorld:
    def __init__(self, statuses: tuple[int, ...] = (), resolve_to: str = PUBLIC) -> None:
        self.clock = FakeClock(NOW)
        self.channels = FakeChannelStore()
        self.alerts = FakeAlertStore()
        self.keyring = Keyring(lambda: {1: os.urandom(32)})
        self.transport = RecordingWebhookTransport(statuses)
        self.addresses = [resolve_to]
        self.policy = TargetPolicy(resolve=lambda host, port: list(self.addresses))
        self.email = RecordingEmailSender(SmtpSettings("smtp.example.com", 587, "alerts@example.com"))
        self.delivery = AlertDelivery(
            channels=self.channels,
            alerts=self.alerts,
            sealer=self.keyring,
            webhooks=WebhookSender(self.policy, transport=self.transport.transport(), clock=lambda: 1700000000.0),
            email=self.email,  # type: ignore[arg-type]
            max_attempts=3,
            clock=self.clock,
        )

    def webhook(self, n: int = 1, fmt: str = "json") -> Channel:
        cid = f"chn_{n:016x}"
        channel = Channel(
            tenant_id="t1",
            id=cid,
            name=f"hook {n}",
            type="webhook",
            kinds=ALERT_KINDS,
            enabled=True,
            created_at=NOW,
            updated_at=NOW,
            url=f"https://hooks{n}.example.com/tm",
            format=fmt,
            sealed_secret=self.keyring.seal(SECRET, channel_aad("t1", cid)),
        )
        self.channels.create(channel)
        return channel

    def mailbox(self, n: int = 9) -> Channel:
        channel = Channel(
            tenant_id="t1",
            id=f"chn_{n:016x}",
            name="ops mail",
            type="email",
            kinds=ALERT_KINDS,
            enabled=True,
            created_at=NOW,
            updated_at=NOW,
            emails=("ops@example.com", "cto@example.com"),
        )
        self.channels.create(channel)
        return channel

    def alert(self, *channels: Channel) -> dict:
        alert = Alert(
            tenant_id="t1",
            id=alert_id("t1", "bud_1", "2026-11", "80"),
            kind="budget",
            rule_id="bud_1",
            period="2026-11",
            threshold="80",
            severity="warning",
            title="Budget 'Monthly' reached 80%: $850.00 of $1000.00 this month",
            message="Spend on all accounts is $850.00 this month.",
            created_at=NOW,
            details={"spent_usd": "850.00", "amount_usd": "1000.00"},
            channel_ids=tuple(c.id for c in channels),
            published=True,
        )
        self.alerts.create_if_absent(alert)
        return json.loads(json.dumps(alert.to_event()))


def test_webhook_is_signed_and_delivered_once_however_often_it_is_redelivered() -> None:
    w = DeliveryWorld()
    hook = w.webhook()
    event = w.alert(hook)
    assert w.delivery.deliver(event, "webhook").delivered == [hook.id]
    (request,) = w.transport.requests
    body = request.content
    assert verify(SECRET, request.headers[TIMESTAMP_HEADER], body, request.headers[SIGNATURE_HEADER], 1700000000)
    payload = json.loads(body)
    assert payload["type"] == "tokenmeter.alert" and payload["alert"]["id"] == event["id"]
    assert payload["alert"]["details"]["spent_usd"] == "850.00"
    for _ in range(3):
        assert w.delivery.deliver(event, "webhook").skipped == [hook.id]
    assert len(w.transport.requests) == 1
    record = w.alerts.records[("t1", event["id"], hook.id)]
    assert (record.status, record.attempts, record.duplicates_skipped) == ("delivered", 1, 3)
    assert SECRET not in repr(w.channels.channels)  # only sealed


def test_slack_format() -> None:
    w = DeliveryWorld()
    hook = w.webhook(fmt="slack")
    w.delivery.deliver(w.alert(hook), "webhook")
    payload = json.loads(w.transport.requests[0].content)
    assert payload["text"].startswith(":warning: *Budget 'Monthly' reached 80%")
    assert payload["blocks"][0]["type"] == "section"


def test_failures_retry_then_dead_letter_and_the_history_says_so() -> None:
    w = DeliveryWorld(statuses=(500, 503, 502))
    hook = w.webhook()
    event = w.alert(hook)
    for attempt in (1, 2):
        with pytest.raises(DeliveryIncomplete):
            w.delivery.deliver(event, "webhook")
        record = w.alerts.records[("t1", event["id"], hook.id)]
        assert (record.status, record.attempts) == ("failed", attempt)
        assert "HTTP 5" in (record.last_error or "")
    with pytest.raises(DeliveryIncomplete):  # raised so that Pub/Sub moves it to the dead-letter topic
        w.delivery.deliver(event, "webhook")
    record = w.alerts.records[("t1", event["id"], hook.id)]
    assert (record.status, record.attempts) == ("dead_lettered", 3)


def test_a_failure_on_one_channel_does_not_resend_to_the_others() -> None:
    w = DeliveryWorld(statuses=(200, 500))
    good, bad = w.webhook(1), w.webhook(2)
    event = w.alert(good, bad)
    with pytest.raises(DeliveryIncomplete):
        w.delivery.deliver(event, "webhook")
    w.delivery.deliver(event, "webhook")  # the retry: only the failed channel is tried again
    hosts = [r.headers["host"] for r in w.transport.requests]
    assert hosts == ["hooks1.example.com", "hooks2.example.com", "hooks2.example.com"]


def test_an_attempt_in_progress_elsewhere_is_not_doubled() -> None:
    w = DeliveryWorld()
    hook = w.webhook()
    event = w.alert(hook)
    w.alerts.claim_delivery("t1", event["id"], hook.id, "webhook", NOW, NOW + timedelta(seconds=90))
    # A second copy while the first is being sent: dropped (the first one's message is retried if it fails).
    assert w.delivery.deliver(event, "webhook").skipped == [hook.id]
    assert w.transport.requests == []
    w.clock.advance(seconds=91)  # that attempt died: its lease ran out, and its message comes back
    assert w.delivery.deliver(event, "webhook").delivered == [hook.id]
    assert len(w.transport.requests) == 1
    assert w.alerts.records[("t1", event["id"], hook.id)].attempts == 2


def test_dns_rebinding_is_caught_at_delivery_time() -> None:
    w = DeliveryWorld()
    hook = w.webhook()
    w.addresses[:] = ["169.254.169.254"]  # the name now points at the metadata server
    with pytest.raises(DeliveryIncomplete):
        w.delivery.deliver(w.alert(hook), "webhook")
    assert w.transport.requests == []
    record = next(iter(w.alerts.records.values()))
    assert "link-local" in (record.last_error or "")


def test_email_channels_and_the_split_between_functions() -> None:
    w = DeliveryWorld()
    hook, mail = w.webhook(), w.mailbox()
    event = w.alert(hook, mail)
    assert w.delivery.deliver(event, "email").delivered == [mail.id]
    assert w.transport.requests == []  # the webhook is the other function's
    (message,) = w.email.sent
    assert message["To"] == "ops@example.com, cto@example.com"
    assert message["Subject"].startswith("[TokenMeter] Budget 'Monthly' reached 80%")
    assert message["X-TokenMeter-Alert-Id"] == event["id"]
    assert "$850.00" in message.get_content()
    w.delivery.deliver(event, "email")
    assert len(w.email.sent) == 1
    w2 = DeliveryWorld()
    mail2 = w2.mailbox()
    w2.email.fail = 1
    event2 = w2.alert(mail2)
    with pytest.raises(DeliveryIncomplete):
        w2.delivery.deliver(event2, "email")
    w2.delivery.deliver(event2, "email")
    assert len(w2.email.sent) == 1


def test_deleted_or_disabled_channels_are_skipped() -> None:
    w = DeliveryWorld()
    hook = w.webhook()
    event = w.alert(hook)
    w.channels.save(hook.with_changes(enabled=False))
    assert w.delivery.deliver(event, "webhook").delivered == []
    w.channels.delete("t1", hook.id)
    assert w.delivery.deliver(event, "webhook").delivered == []
    assert w.transport.requests == []


def test_a_secret_sealed_for_another_channel_does_not_open() -> None:
    w = DeliveryWorld()
    hook = w.webhook(1)
    other = w.webhook(2)
    w.channels.save(other.with_changes(sealed_secret=hook.sealed_secret))  # moved across channels
    with pytest.raises(DeliveryIncomplete):
        w.delivery.deliver(w.alert(other), "webhook")
    assert "cannot be opened" in (next(iter(w.alerts.records.values())).last_error or "")


def test_send_test_reports_the_outcome_and_keeps_it_in_history() -> None:
    w = DeliveryWorld(statuses=(200, 404))
    hook = w.webhook()
    alert, error = w.delivery.send_test(hook)
    assert error is None and alert.test and alert.kind == "test"
    alert2, error2 = w.delivery.send_test(hook)
    assert error2 is not None and "404" in error2
    statuses = {a: d.status for (_, a, _), d in w.alerts.records.items()}
    assert statuses == {alert.id: "delivered", alert2.id: "failed"}


def test_every_address_the_api_accepts_makes_a_sendable_email() -> None:
    """Some local parts the address rule allows crash the standard library's header parser when the list is
    one joined string (schemathesis found "R%@E.e" beside others); built from parts, each one renders."""
    import random

    from shared.alerts.email import EMAIL, alert_email

    rng = random.Random(20261130)
    chars = "Az09.!#$%&'*+/=?^_`{|}~-"
    recipients: list[str] = []
    while len(recipients) < 400:
        local = "".join(rng.choice(chars) for _ in range(rng.randint(1, 8)))
        address = f"{local}@e{len(recipients)}.example"
        if EMAIL.match(address):
            recipients.append(address)
    event = {"id": "alr_1", "title": "t", "message": "m", "kind": "test", "severity": "info"}
    for i in range(0, len(recipients), 10):
        batch = recipients[i : i + 10]
        message = alert_email(event, "alerts@tokenmeter.test", batch)
        message.as_string()  # renders (what smtplib sends)
        sent_to = [f"{a.username}@{a.domain}" for a in message["To"].addresses]
        assert sent_to == batch
