"""Webhooks: where they may point (no server-side request forgery), how they are signed, what they carry.

A target is checked when a channel is saved and again at every delivery: its host is resolved and every
address must be public (not private, loopback, link-local, multicast, reserved, carrier-grade NAT...);
the request then goes to the address that was checked, with the host name kept for the Host header and
TLS (SNI and certificate check), so a DNS answer that changes between check and connect (rebinding)
cannot redirect it. Redirects are not followed. Local mode allows http and loopback, for a receiver on
the developer's machine.

Signature: ``X-TokenMeter-Signature: sha256=<hex HMAC-SHA256(secret, f"{timestamp}.{body}")>`` with
``X-TokenMeter-Timestamp`` (Unix seconds). A receiver recomputes it over the raw body, compares in
constant time, and refuses timestamps older than a few minutes (replays).

Idempotency: ``Idempotency-Key`` (and ``X-TokenMeter-Alert-Id``) carry the alert id, the same on every
delivery of one alert; delivery is at least once, so a receiver drops an id it has already processed.
The OpenAPI document describes the webhook (``webhooks.alert``).
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import secrets as pysecrets
import socket
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx

from shared.errors import InvalidInput

SIGNATURE_HEADER = "X-TokenMeter-Signature"
TIMESTAMP_HEADER = "X-TokenMeter-Timestamp"
ALERT_ID_HEADER = "X-TokenMeter-Alert-Id"
IDEMPOTENCY_HEADER = "Idempotency-Key"
SECRET_PREFIX = "whsec_"
MAX_URL_LENGTH = 2048

Resolver = Callable[[str, int], list[str]]
"""(host, port) -> the IP addresses the host resolves to."""


def system_resolver(host: str, port: int) -> list[str]:
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return sorted({str(info[4][0]) for info in infos})


def new_secret() -> str:
    return SECRET_PREFIX + pysecrets.token_urlsafe(32)


def secret_hint(secret: str) -> str:
    return f"{SECRET_PREFIX}...{secret[-4:]}"


def url_hint(url: str) -> str:
    """What a person may see of a webhook URL: scheme://host/...last4 (the path of a Slack URL is its secret)."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if parts.port is not None:
        host = f"{host}:{parts.port}"
    return f"{parts.scheme.lower()}://{host}/...{url[-4:]}"


def sign(secret: str, timestamp: int, body: bytes) -> str:
    mac = hmac.new(secret.encode(), str(timestamp).encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def verify(secret: str, timestamp: str, body: bytes, signature: str, now: int, tolerance: int = 300) -> bool:
    """What a receiver does (and our tests): constant-time compare, refuse stale timestamps."""
    try:
        ts = int(timestamp)
    except ValueError:
        return False
    if abs(now - ts) > tolerance:
        return False
    return hmac.compare_digest(sign(secret, ts, body), signature)


def _blocked(ip: ipaddress.IPv4Address | ipaddress.IPv6Address, allow_loopback: bool) -> str | None:
    """Why an address may not be a webhook target, or None when it may."""
    if isinstance(ip, ipaddress.IPv6Address):
        mapped = ip.ipv4_mapped or ip.sixtofour
        if mapped is not None:
            return _blocked(mapped, allow_loopback)
        if ip.teredo is not None:
            return "a Teredo tunnel address"
    if ip.is_loopback:
        return None if allow_loopback else "a loopback address"
    if ip.is_link_local:
        return "a link-local address (cloud metadata lives there)"
    if ip.is_multicast:
        return "a multicast address"
    if ip.is_unspecified:
        return "an unspecified address"
    if ip.is_reserved:
        return "a reserved address"
    if ip.is_private:
        return "a private address"
    if not ip.is_global:
        return "not a public address"
    return None


@dataclass(frozen=True, slots=True)
class Target:
    """A checked webhook target: the URL as given and the address to connect to."""

    url: str
    scheme: str
    host: str
    port: int
    address: str

    def pinned_url(self) -> str:
        """The URL with its host replaced by the checked address (the Host header keeps the name)."""
        parts = urlsplit(self.url)
        host = f"[{self.address}]" if ":" in self.address else self.address
        return urlunsplit((parts.scheme, f"{host}:{self.port}", parts.path or "/", parts.query, ""))

    @property
    def host_header(self) -> str:
        default = 443 if self.scheme == "https" else 80
        host = f"[{self.host}]" if ":" in self.host else self.host
        return host if self.port == default else f"{host}:{self.port}"


@dataclass(frozen=True)
class TargetPolicy:
    """Which webhook URLs are allowed. Outside local mode: https only, public addresses only."""

    allow_http: bool = False
    allow_loopback: bool = False
    resolve: Resolver = system_resolver

    def check(self, url: str) -> Target:
        """Parse, resolve and vet a target; raises InvalidInput naming ``url`` when refused."""

        def refuse(why: str) -> InvalidInput:
            return InvalidInput(f"url {why}", field="url")

        if not isinstance(url, str) or not url or len(url) > MAX_URL_LENGTH:
            raise refuse(f"must be a URL of at most {MAX_URL_LENGTH} characters")
        try:
            parts = urlsplit(url)
            port = parts.port
        except ValueError:
            raise refuse("is not a valid URL") from None
        scheme = parts.scheme.lower()
        allowed = ("https", "http") if self.allow_http else ("https",)
        if scheme not in allowed:
            raise refuse("must use https" if not self.allow_http else "must use http or https")
        if parts.username is not None or parts.password is not None:
            raise refuse("must not carry a user name or password")
        if parts.fragment:
            raise refuse("must not have a #fragment")
        host = (parts.hostname or "").rstrip(".").lower()
        if not host:
            raise refuse("has no host")
        port = port or (443 if scheme == "https" else 80)
        try:
            literal: ipaddress.IPv4Address | ipaddress.IPv6Address | None = ipaddress.ip_address(host)
        except ValueError:
            literal = None
        if literal is not None:
            addresses = [str(literal)]
        else:
            try:
                addresses = self.resolve(host, port)
            except (OSError, UnicodeError):
                raise refuse(f"host {host[:100]!r} does not resolve") from None
            if not addresses:
                raise refuse(f"host {host[:100]!r} does not resolve")
        # Every address must pass: a name that resolves to one public and one private address is refused.
        for address in addresses:
            try:
                ip = ipaddress.ip_address(address.split("%")[0])
            except ValueError:
                raise refuse(f"host {host[:100]!r} resolves to something that is not an IP address") from None
            why = _blocked(ip, self.allow_loopback)
            if why is not None:
                raise refuse(f"host {host[:100]!r} resolves to {ip}, {why}: webhooks must reach a public address")
        return Target(url=url, scheme=scheme, host=host, port=port, address=addresses[0])


def slack_payload(event: dict[str, Any]) -> dict[str, Any]:
    """A Slack incoming-webhook message (also accepted by Mattermost, Discord's /slack endpoint...)."""
    icon = {"critical": ":rotating_light:", "warning": ":warning:"}.get(
        event.get("severity", ""), ":information_source:"
    )
    text = f"{icon} *{event['title']}*\n{event['message']}"
    return {
        "text": text,
        "blocks": [
            {"type": "section", "text": {"type": "mrkdwn", "text": text}},
            {
                "type": "context",
                "elements": [
                    {"type": "mrkdwn", "text": f"TokenMeter · {event['kind']} · alert {event['id']}"},
                ],
            },
        ],
    }


def webhook_body(event: dict[str, Any], fmt: str) -> bytes:
    payload = slack_payload(event) if fmt == "slack" else {"type": "tokenmeter.alert", "alert": event}
    return json.dumps(payload, separators=(",", ":"), sort_keys=True, ensure_ascii=False).encode()


class WebhookError(Exception):
    """A delivery attempt failed; the message says why (no secret in it)."""


@dataclass
class WebhookSender:
    """Posts signed bodies to checked targets. ``transport`` lets tests see the requests."""

    policy: TargetPolicy
    timeout: float = 10.0
    transport: httpx.BaseTransport | None = None
    clock: Callable[[], float] | None = None

    def send(self, url: str, body: bytes, secret: str, alert_id: str) -> int:
        """POST ``body``; returns the HTTP status (2xx). Raises WebhookError otherwise."""
        try:
            target = self.policy.check(url)  # again at delivery: DNS may have changed since it was saved
        except InvalidInput as exc:
            raise WebhookError(exc.message) from None
        import time

        timestamp = int((self.clock or time.time)())
        headers = {
            "Host": target.host_header,
            "Content-Type": "application/json",
            "User-Agent": "TokenMeter-Alerts/1",
            TIMESTAMP_HEADER: str(timestamp),
            SIGNATURE_HEADER: sign(secret, timestamp, body),
            ALERT_ID_HEADER: alert_id,
            IDEMPOTENCY_HEADER: alert_id,
        }
        extensions = {"sni_hostname": target.host} if target.scheme == "https" else {}
        try:
            with httpx.Client(
                timeout=httpx.Timeout(self.timeout, connect=5.0),
                follow_redirects=False,
                trust_env=False,  # no proxy from the environment: the checked address is the one reached
                transport=self.transport,
            ) as client:
                response = client.post(target.pinned_url(), content=body, headers=headers, extensions=extensions)
        except httpx.HTTPError as exc:
            raise WebhookError(f"could not reach {target.host}: {type(exc).__name__}") from None
        if not 200 <= response.status_code < 300:
            raise WebhookError(f"{target.host} answered HTTP {response.status_code}")
        return response.status_code
