"""Managing budgets and channels, sending test alerts, reading the alert history (what the API calls)."""

from __future__ import annotations

import logging
import secrets as pysecrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from shared.alerts.delivery import AlertDelivery, Sealer, channel_aad, channel_url_aad
from shared.alerts.email import EMAIL, MAX_RECIPIENTS
from shared.alerts.model import (
    ALERT_KINDS,
    CHANNEL_EMAIL,
    CHANNEL_TYPES,
    CHANNEL_WEBHOOK,
    PERIODS,
    SCOPES,
    WEBHOOK_FORMATS,
    Alert,
    Budget,
    Channel,
    Delivery,
)
from shared.alerts.ports import AlertStore, BudgetStore, ChannelStore
from shared.alerts.webhooks import TargetPolicy, new_secret, secret_hint, url_hint
from shared.errors import Conflict, InvalidInput, NotFound
from shared.messages import UsagePriced
from shared.ports import AccountStore, Publisher
from shared.providers import PROVIDERS

log = logging.getLogger(__name__)

MAX_BUDGETS = 100
MAX_CHANNELS = 20
MAX_AMOUNT = Decimal(1_000_000_000)
MAX_HISTORY = 200
NULLABLE_BUDGET_FIELDS = ("scope_id",)
"""Budget fields where null means something (no scope id: scope 'tenant'); null anywhere else is refused."""
NULLABLE_CHANNEL_FIELDS = ("url", "format")
"""Channel fields where null means "none" or "the default" at creation; null anywhere else is refused."""


def _refuse_null(fields: dict[str, Any], nullable: Sequence[str]) -> None:
    """Never a silent change: null for a field that has no null value is a 422 naming it (the API's models
    refuse it first; this keeps every other caller honest too)."""
    for name, value in fields.items():
        if value is None and name not in nullable:
            raise InvalidInput(f"{name} must not be null; leave it out to keep its value", field=name)


def _strings(value: Any, name: str) -> list[str]:
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
        raise InvalidInput(f"{name} must be a list of strings", field=name)
    return list(value)


def parse_amount(value: Any, field: str = "amount_usd") -> Decimal:
    """A positive USD amount from a decimal string (never a float: 0.1 would not be 0.1)."""
    if not isinstance(value, str):
        raise InvalidInput(f'{field} must be a decimal string such as "250.00"', field=field)
    try:
        amount = Decimal(value.strip())
    except InvalidOperation:
        raise InvalidInput(f'{field} must be a decimal string such as "250.00"', field=field) from None
    if not amount.is_finite() or amount <= 0 or amount > MAX_AMOUNT or amount.as_tuple().exponent < -6:  # type: ignore[operator]
        raise InvalidInput(
            f"{field} must be more than 0 and at most {MAX_AMOUNT}, with at most 6 decimals", field=field
        )
    return amount


@dataclass
class AlertAdmin:
    budgets: BudgetStore
    channels: ChannelStore
    alerts: AlertStore
    accounts: AccountStore
    sealer: Sealer
    targets: TargetPolicy
    delivery: Callable[[], AlertDelivery]
    publisher: Publisher
    topic_evaluations: str
    email_configured: bool
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)

    # -- budgets ----------------------------------------------------------------------------------

    def list_budgets(self, tenant_id: str) -> list[Budget]:
        return sorted(self.budgets.list(tenant_id), key=lambda b: b.created_at)

    def get_budget(self, tenant_id: str, budget_id: str) -> Budget:
        budget = self.budgets.get(tenant_id, budget_id)
        if budget is None:
            raise NotFound(f"no budget {budget_id[:40]!r}", field="budget_id")
        return budget

    def create_budget(self, tenant_id: str, fields: dict[str, Any]) -> Budget:
        if len(self.budgets.list(tenant_id)) >= MAX_BUDGETS:
            raise Conflict(f"a tenant has at most {MAX_BUDGETS} budgets; delete one first", field="body")
        now = self.clock()
        budget = Budget(
            tenant_id=tenant_id,
            id="bud_" + pysecrets.token_hex(8),
            name="",
            amount=Decimal(0),
            period="month",
            scope="tenant",
            scope_id=None,
            thresholds=(50, 80, 100),
            forecast=True,
            channel_ids=(),
            enabled=True,
            created_at=now,
            updated_at=now,
        )
        budget = self._apply_budget(tenant_id, budget, fields)
        self.budgets.create(budget)
        self.channels.mark_alerting(tenant_id)
        self._ask_evaluation(tenant_id)
        return budget

    def update_budget(self, tenant_id: str, budget_id: str, fields: dict[str, Any]) -> Budget:
        budget = self._apply_budget(tenant_id, self.get_budget(tenant_id, budget_id), fields)
        budget = budget.with_changes(updated_at=self.clock())
        self.budgets.save(budget)
        self._ask_evaluation(tenant_id)
        return budget

    def delete_budget(self, tenant_id: str, budget_id: str) -> None:
        if not self.budgets.delete(tenant_id, budget_id):
            raise NotFound(f"no budget {budget_id[:40]!r}", field="budget_id")

    def _apply_budget(self, tenant_id: str, budget: Budget, fields: dict[str, Any]) -> Budget:
        _refuse_null(fields, NULLABLE_BUDGET_FIELDS)
        changes: dict[str, Any] = {}
        if "name" in fields:
            name = str(fields["name"]).strip()
            if not name:
                raise InvalidInput("name must not be blank", field="name")
            changes["name"] = name
        if "amount_usd" in fields:
            changes["amount"] = parse_amount(fields["amount_usd"])
        if "period" in fields:
            if fields["period"] not in PERIODS:
                raise InvalidInput(f"period must be one of {', '.join(PERIODS)}", field="period")
            changes["period"] = fields["period"]
        if "thresholds" in fields:
            thresholds = fields["thresholds"]
            if (
                not isinstance(thresholds, list | tuple)
                or not thresholds
                or len(thresholds) > 10
                or any(not isinstance(t, int) or isinstance(t, bool) or not 1 <= t <= 1000 for t in thresholds)
            ):
                raise InvalidInput("thresholds must be 1 to 10 percentages between 1 and 1000", field="thresholds")
            if len(set(thresholds)) != len(thresholds):
                raise InvalidInput("thresholds names a percentage twice", field="thresholds")
            changes["thresholds"] = tuple(sorted(thresholds))
        for flag in ("forecast", "enabled"):
            if flag in fields:
                if not isinstance(fields[flag], bool):
                    raise InvalidInput(f"{flag} must be true or false", field=flag)
                changes[flag] = fields[flag]
        if "channel_ids" in fields:
            ids = _strings(fields["channel_ids"], "channel_ids")
            if len(set(ids)) != len(ids):
                raise InvalidInput("channel_ids names a channel twice", field="channel_ids")
            known = {c.id for c in self.channels.list(tenant_id)}
            for cid in ids:
                if cid not in known:
                    raise InvalidInput(f"channel_ids: no channel {cid[:40]!r}", field="channel_ids")
            changes["channel_ids"] = tuple(ids)
        scope = fields.get("scope", budget.scope)
        scope_id = fields.get("scope_id", budget.scope_id)
        if "scope" in fields or "scope_id" in fields:
            if scope not in SCOPES:
                raise InvalidInput(f"scope must be one of {', '.join(SCOPES)}", field="scope")
            if scope == "tenant":
                if scope_id is not None:
                    raise InvalidInput("scope_id must be null for scope 'tenant'", field="scope_id")
            else:
                if not isinstance(scope_id, str) or not scope_id.strip():
                    raise InvalidInput(f"scope_id is required for scope {scope!r}", field="scope_id")
                scope_id = scope_id.strip()
                if scope == "provider" and scope_id not in PROVIDERS:
                    raise InvalidInput(
                        f"scope_id must be one of {', '.join(PROVIDERS)} for scope 'provider'", field="scope_id"
                    )
                if scope == "account" and self.accounts.get(tenant_id, scope_id) is None:
                    raise InvalidInput(f"scope_id: no account {scope_id[:40]!r}", field="scope_id")
            changes["scope"], changes["scope_id"] = scope, scope_id
        result = budget.with_changes(**changes)
        if not result.name:
            raise InvalidInput("name is required", field="name")
        if result.amount <= 0:
            raise InvalidInput("amount_usd is required", field="amount_usd")
        return result

    def _ask_evaluation(self, tenant_id: str) -> None:
        # So that a budget already exceeded says so now, not at the next sync.
        try:
            self.publisher.publish(
                self.topic_evaluations, UsagePriced(tenant_id=tenant_id, reason="budget_changed", at=self.clock())
            )
        except Exception:
            log.exception("could not ask for an alert evaluation", extra={"tenant_id": tenant_id})

    # -- channels ---------------------------------------------------------------------------------

    def list_channels(self, tenant_id: str) -> list[Channel]:
        return sorted(self.channels.list(tenant_id), key=lambda c: c.created_at)

    def get_channel(self, tenant_id: str, channel_id: str) -> Channel:
        channel = self.channels.get(tenant_id, channel_id)
        if channel is None:
            raise NotFound(f"no alert channel {channel_id[:40]!r}", field="channel_id")
        return channel

    def create_channel(self, tenant_id: str, fields: dict[str, Any]) -> tuple[Channel, str | None]:
        """Create a channel; returns it and, for a webhook, its signing secret (shown this once only)."""
        if len(self.channels.list(tenant_id)) >= MAX_CHANNELS:
            raise Conflict(f"a tenant has at most {MAX_CHANNELS} alert channels; delete one first", field="body")
        kind = fields.get("type")
        if kind not in CHANNEL_TYPES:
            raise InvalidInput(f"type must be one of {', '.join(CHANNEL_TYPES)}", field="type")
        now = self.clock()
        channel = Channel(
            tenant_id=tenant_id,
            id="chn_" + pysecrets.token_hex(8),
            name="",
            type=kind,
            kinds=ALERT_KINDS,
            enabled=True,
            created_at=now,
            updated_at=now,
        )
        channel = self._apply_channel(channel, fields)
        secret = None
        if channel.type == CHANNEL_WEBHOOK:
            channel, secret = self._with_new_secret(channel)
        self.channels.create(channel)
        self.channels.mark_alerting(tenant_id)
        return channel, secret

    def update_channel(self, tenant_id: str, channel_id: str, fields: dict[str, Any]) -> tuple[Channel, str | None]:
        """Change a channel; with ``rotate_secret`` a webhook gets a new secret, returned this once."""
        fields = dict(fields)
        rotate = bool(fields.pop("rotate_secret", False))
        channel = self.get_channel(tenant_id, channel_id)
        if "type" in fields and fields["type"] != channel.type:
            raise InvalidInput("type cannot change; create another channel", field="type")
        channel = self._apply_channel(channel, fields).with_changes(updated_at=self.clock())
        secret = None
        if rotate:
            if channel.type != CHANNEL_WEBHOOK:
                raise InvalidInput("only webhook channels have a secret", field="rotate_secret")
            channel, secret = self._with_new_secret(channel)
        self.channels.save(channel)
        return channel, secret

    def delete_channel(self, tenant_id: str, channel_id: str) -> None:
        if not self.channels.delete(tenant_id, channel_id):
            raise NotFound(f"no alert channel {channel_id[:40]!r}", field="channel_id")

    def test_channel(self, tenant_id: str, channel_id: str) -> tuple[Alert, str | None]:
        channel = self.get_channel(tenant_id, channel_id)
        return self.delivery().send_test(channel)

    def _with_url(self, channel: Channel, url: str) -> Channel:
        """The URL, checked, then sealed (a Slack webhook URL is a credential): only a hint stays readable."""
        self.targets.check(url)  # raises InvalidInput(field="url")
        sealed = self.sealer.seal(url, channel_url_aad(channel.tenant_id, channel.id))
        return channel.with_changes(sealed_url=sealed, url_hint=url_hint(url), url=None)

    def _with_new_secret(self, channel: Channel) -> tuple[Channel, str]:
        secret = new_secret()
        sealed = self.sealer.seal(secret, channel_aad(channel.tenant_id, channel.id))
        return channel.with_changes(sealed_secret=sealed, secret_hint=secret_hint(secret)), secret

    def _apply_channel(self, channel: Channel, fields: dict[str, Any]) -> Channel:
        _refuse_null(fields, NULLABLE_CHANNEL_FIELDS)
        changes: dict[str, Any] = {}
        if "name" in fields:
            name = str(fields["name"]).strip()
            if not name:
                raise InvalidInput("name must not be blank", field="name")
            changes["name"] = name
        if "kinds" in fields:
            kinds = _strings(fields["kinds"], "kinds")
            if not kinds or any(k not in ALERT_KINDS for k in kinds):
                raise InvalidInput(f"kinds must name at least one of {', '.join(ALERT_KINDS)}", field="kinds")
            if len(set(kinds)) != len(kinds):
                raise InvalidInput("kinds names a kind twice", field="kinds")
            changes["kinds"] = tuple(k for k in ALERT_KINDS if k in kinds)
        if "enabled" in fields:
            if not isinstance(fields["enabled"], bool):
                raise InvalidInput("enabled must be true or false", field="enabled")
            changes["enabled"] = fields["enabled"]
        url = None
        if channel.type == CHANNEL_WEBHOOK:
            if fields.get("emails"):
                raise InvalidInput("emails is for email channels; a webhook has a url", field="emails")
            if "url" in fields:
                if not isinstance(fields["url"], str):
                    raise InvalidInput("url is required for a webhook channel", field="url")
                url = fields["url"]
            if "format" in fields and fields["format"] is not None:
                if fields["format"] not in WEBHOOK_FORMATS:
                    raise InvalidInput(f"format must be one of {', '.join(WEBHOOK_FORMATS)}", field="format")
                changes["format"] = fields["format"]
        else:
            if fields.get("url") is not None:
                raise InvalidInput("url is for webhook channels; an email channel has emails", field="url")
            if fields.get("format") not in (None, "json"):
                raise InvalidInput("format is for webhook channels", field="format")
            if not self.email_configured:
                raise InvalidInput(
                    "email delivery is not configured on this server (TM_SMTP_HOST, TM_SMTP_FROM)", field="type"
                )
            if "emails" in fields:
                changes["emails"] = _emails(_strings(fields["emails"], "emails"))
        result = channel.with_changes(**changes)
        if not result.name:
            raise InvalidInput("name is required", field="name")
        if url is not None:
            result = self._with_url(result, url)
        if result.type == CHANNEL_WEBHOOK and not result.has_url:
            raise InvalidInput("url is required for a webhook channel", field="url")
        if result.type == CHANNEL_EMAIL and not result.emails:
            raise InvalidInput("emails is required for an email channel", field="emails")
        return result

    # -- history ----------------------------------------------------------------------------------

    def history(self, tenant_id: str, limit: int = 50, kind: str | None = None) -> list[tuple[Alert, list[Delivery]]]:
        if not 1 <= limit <= MAX_HISTORY:
            raise InvalidInput(f"limit must be between 1 and {MAX_HISTORY}", field="limit")
        if kind is not None and kind not in (*ALERT_KINDS, "test"):
            raise InvalidInput(f"kind must be one of {', '.join((*ALERT_KINDS, 'test'))}", field="kind")
        alerts = self.alerts.list(tenant_id, limit, kind)
        deliveries = self.alerts.deliveries(tenant_id, alerts) if alerts else {}
        return [(a, deliveries.get(a.id, [])) for a in alerts]


def _emails(values: Sequence[Any]) -> tuple[str, ...]:
    emails = [str(v).strip() for v in values]
    if not emails or len(emails) > MAX_RECIPIENTS:
        raise InvalidInput(f"emails must list 1 to {MAX_RECIPIENTS} addresses", field="emails")
    for e in emails:
        if len(e) > 254 or not EMAIL.match(e):
            raise InvalidInput(f"emails: {e[:80]!r} is not an email address", field="emails")
    if len({e.lower() for e in emails}) != len(emails):
        raise InvalidInput("emails lists an address twice", field="emails")
    return tuple(emails)
