"""Email delivery over SMTP (settings from configuration: TM_SMTP_*)."""

from __future__ import annotations

import re
import smtplib
import ssl
from collections.abc import Sequence
from dataclasses import dataclass
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Any

# The local part is a dot-atom (RFC 5322): no leading, trailing or doubled dot. Those need quoting, and
# unquoted they break the standard library's address-list parser when the alert email is built. (No
# look-ahead for the local part's 64 characters: JSON Schema patterns have none; the whole is at most 254.)
EMAIL = re.compile(
    r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$"
)
MAX_RECIPIENTS = 10


class EmailError(Exception):
    """Sending failed; the message says why (never the password)."""


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    sender: str
    user: str = ""
    password: str = ""
    starttls: bool = True
    timeout: float = 20.0

    @property
    def configured(self) -> bool:
        return bool(self.host and self.sender)

    def __repr__(self) -> str:  # never print the password
        return f"SmtpSettings(host={self.host!r}, port={self.port}, sender={self.sender!r}, user={self.user!r})"


def alert_email(event: dict[str, Any], sender: str, recipients: Sequence[str]) -> EmailMessage:
    message = EmailMessage()
    message["Subject"] = f"[TokenMeter] {event['title']}"[:250]
    message["From"] = sender
    # Address objects, not one joined string: the header parser chokes on some local parts the address rule
    # allows (a TypeError deep in the standard library); built from parts, they are quoted where needed.
    message["To"] = tuple(
        Address(username=local, domain=domain) for local, _, domain in (r.rpartition("@") for r in recipients)
    )
    message["Date"] = formatdate(usegmt=True)
    message["Message-ID"] = make_msgid(idstring=event["id"], domain="tokenmeter")
    message["X-TokenMeter-Alert-Id"] = event["id"]
    lines = [event["message"], "", f"Kind: {event['kind']}  Severity: {event['severity']}", f"Alert: {event['id']}"]
    details = event.get("details") or {}
    if details:
        lines += ["", "Details:"] + [f"  {k}: {v}" for k, v in sorted(details.items())]
    message.set_content("\n".join(lines) + "\n")
    return message


@dataclass
class EmailSender:
    settings: SmtpSettings

    def send(self, message: EmailMessage) -> None:
        s = self.settings
        if not s.configured:
            raise EmailError("email delivery is not configured (TM_SMTP_HOST and TM_SMTP_FROM)")
        try:
            with smtplib.SMTP(s.host, s.port, timeout=s.timeout) as smtp:
                if s.starttls:
                    smtp.starttls(context=ssl.create_default_context())
                if s.user:
                    smtp.login(s.user, s.password)
                smtp.send_message(message)
        except (smtplib.SMTPException, OSError) as exc:
            raise EmailError(f"SMTP {s.host}:{s.port} failed: {type(exc).__name__}: {str(exc)[:200]}") from None
