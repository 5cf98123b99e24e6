"""Evaluating a tenant's alert rules, and raising each alert once.

Runs after costing (in costing's invocation, or on tm-usage-priced), on account events (tm-account-events) and on
the periodic sweep.
Whatever triggers it, an evaluation looks at the current state (this day and month, the last 48 hours)
and raises every alert whose condition holds. An alert's id derives from its rule, period and threshold
and its document is created only if absent: re-evaluation and redelivery raise nothing twice. An alert
is published on tm-alerts after it is stored and marked published after that; an evaluation that finds
it stored but unpublished (a crash in between) publishes it again (delivery skips what was delivered).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any, Literal
from zoneinfo import ZoneInfo

from shared.alerts import rules
from shared.alerts.model import (
    CONSOLE_KEY_SCOPE_ID,
    KIND_ADVICE,
    KIND_BUDGET,
    KIND_CONNECTION,
    KIND_FORECAST,
    KIND_ROTATION,
    KIND_SPIKE,
    KIND_STALE,
    KIND_UNPRICED,
    Alert,
    Budget,
    Channel,
    alert_id,
)
from shared.alerts.ports import AlertStore, BudgetStore, ChannelStore
from shared.alerts.spend import TenantSpend
from shared.domain.accounts import ROTATION_DAYS, STATUS_ERROR, Account, Names
from shared.domain.money import ZERO, to_cents
from shared.domain.priced import SETTLING_TIME, PricedMonth, provisional_since
from shared.domain.usage import utc_hour
from shared.insights.model import KIND_UNUSUAL_KEY, Advice
from shared.messages import AlertEvent, UsagePriced
from shared.ports import AccountStore, LedgerStore, Publisher
from shared.providers import PROVIDERS

SETTLING_HOURS = int(SETTLING_TIME.total_seconds() // 3600)

log = logging.getLogger(__name__)

DAILY_SWEEP_HOUR = 6
"""The UTC hour whose sweep is the daily one (spend rules again as a safety net, savings advice): early in
Europe's morning, before the Americas', after Asia's working day."""


def money(value: Decimal) -> str:
    """An amount as alerts show it: USD rounded to the cent."""
    return str(to_cents(value))


@dataclass(frozen=True)
class AccountEventIn:
    """What the evaluator needs of an account event (shared.services.messages.AccountEvent)."""

    type: str
    tenant_id: str
    account_id: str
    status: str
    reason: str | None
    at: datetime


@dataclass
class EvaluationReport:
    raised: list[Alert] = field(default_factory=list)
    considered: int = 0
    documents_read: int = 0
    skipped: str = ""


def route(kind: str, channels: Sequence[Channel], budget: Budget | None = None) -> tuple[str, ...]:
    """Channels an alert goes to: the budget's own, else every enabled channel subscribed to its kind."""
    if budget is not None and budget.channel_ids:
        by_id = {c.id: c for c in channels}
        return tuple(cid for cid in budget.channel_ids if cid in by_id and by_id[cid].enabled)
    return tuple(c.id for c in channels if c.wants(kind))


def routed(alert: Alert, channels: Sequence[Channel], budgets: Mapping[str, Budget]) -> Alert:
    """The alert with the channels it goes to (`route`): a budget's alerts, crossed and forecast, as the budget
    routes them (``budgets`` by id: the budget is the alert's rule); every other alert by its kind."""
    if alert.kind in (KIND_BUDGET, KIND_FORECAST):
        return replace(alert, channel_ids=route(KIND_BUDGET, channels, budgets[alert.rule_id]))
    return replace(alert, channel_ids=route(alert.kind, channels))


@dataclass
class AlertEvaluator:
    accounts: AccountStore
    ledger: LedgerStore
    budgets: BudgetStore
    channels: ChannelStore
    alerts: AlertStore
    publisher: Publisher
    topic_alerts: str
    topic_evaluations: str
    time_zone_of: Callable[[str], str] = lambda tenant_id: "UTC"
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)
    stale_after: timedelta = timedelta(hours=6)
    rotation_after: timedelta = timedelta(days=ROTATION_DAYS)
    spike_lookback: timedelta = SETTLING_TIME
    hourly: rules.SpikePolicy = rules.HOURLY
    daily: rules.SpikePolicy = rules.DAILY
    advice: Callable[[str], tuple[Sequence[Advice], Decimal]] | None = None
    """A tenant's savings advice worth an alert, and the tenant's threshold (InsightsService.alerting_advice).
    Asked on the daily sweep only: it reads a month of usage."""

    # -- entry points -----------------------------------------------------------------------------

    def evaluate(
        self, tenant_id: str, reason: str = "priced", days: Sequence[date] = (), known: Sequence[PricedMonth] = ()
    ) -> EvaluationReport:
        """Evaluate every rule of a tenant against its current data; raise what holds. ``known``: month rollups
        as stored that the caller holds (costing evaluates right after writing them): not read again."""
        now = self.clock()
        report = EvaluationReport()
        accounts = self.accounts.list(tenant_id)
        # Candidates are built unrouted: the channels are read only if one of them is raised (`_raise_all`).
        candidates: list[Alert] = []
        candidates += self._account_alerts(tenant_id, accounts, now)
        budgets: list[Budget] = []
        if reason == "sweep":
            # Only costing changes spend, and it asks for an evaluation when it does: the hourly sweep checks
            # what time alone makes true (stale data, key age), which needs no time zone or spend.
            report.skipped = "hourly sweep: account rules only"
            return self._raise_all(tenant_id, report, candidates, budgets)
        tz = self._zone(tenant_id)
        month = rules.budget_period("month", now, tz)
        oldest_relevant = min(month.start, now - self.spike_lookback).astimezone(UTC).date() - timedelta(days=1)
        if reason == "priced" and days and max(days) < oldest_relevant:
            # History import of old days: they change no current period and no recent hour.
            report.skipped = "only days before the current period changed"
        else:
            spend = TenantSpend(self.ledger, tenant_id, [a.id for a in accounts], self.clock, known)
            ids = [a.id for a in accounts]
            # Key names label spike alerts only: read when one is raised, not on every evaluation.
            labels = _Labels(accounts, lambda: self.accounts.get_names(tenant_id, ids) if ids else {})
            # Spikes read their recent days with their hours first: the budgets' forecast then finds the same
            # days in the evaluation's ledger instead of reading them again.
            spikes = self._spike_alerts(tenant_id, spend, labels, now, with_days=reason == "daily")
            budgets = self.budgets.list(tenant_id)
            candidates += self._budget_alerts(tenant_id, spend, budgets, accounts, now, tz)
            candidates += spikes
            candidates += self._unpriced_alerts(tenant_id, spend, now, month)
            report.documents_read = spend.documents_read
        if reason == "daily" and self.advice is not None:
            candidates += self._advice_alerts(tenant_id, now)
        return self._raise_all(tenant_id, report, candidates, budgets)

    def _raise_all(
        self, tenant_id: str, report: EvaluationReport, candidates: list[Alert], budgets: Sequence[Budget]
    ) -> EvaluationReport:
        """Route and raise the candidates not stored yet. What holds keeps holding (a crossed budget, standing
        advice): one batch read finds the stored ones, instead of a refused create and a read for each, every
        hour; a stored one never published (a crash in between) goes through `raise_alert` to be published.

        The tenant's channels only route an alert that is raised: they are read for the first one, so an
        evaluation that raises nothing (most of them) does not read them."""
        report.considered = len(candidates)
        stored = self.alerts.existing(tenant_id, [a.id for a in candidates]) if candidates else {}
        channels: list[Channel] | None = None
        by_id = {b.id: b for b in budgets}
        for candidate in candidates:
            if stored.get(candidate.id):
                continue
            if channels is None:
                channels = self.channels.list(tenant_id)
            alert = routed(candidate, channels, by_id)
            if self.raise_alert(alert):
                report.raised.append(alert)
        return report

    def on_account_event(self, event: AccountEventIn) -> Alert | None:
        """A connection broke (key revoked or expired, not an admin key, syncs failing): raise its alert.
        A key is due for rotation (``account.rotation_due``): raise the rotation alert.

        For a broken connection, the event's time is the alert's period: the same breakage redelivered
        raises nothing new; a new breakage after a recovery raises a new alert.
        """
        if event.type == "account.rotation_due":
            # The collector's once-per-key reminder: the same alert (same id) as the evaluator's own check.
            due = self.accounts.get(event.tenant_id, event.account_id)
            if due is None or not due.active:
                return None
            alert = routed(self._rotation_alert(due, self.clock()), self.channels.list(event.tenant_id), {})
            return alert if self.raise_alert(alert) else None
        if event.type != "account.error":
            return None
        account = self.accounts.get(event.tenant_id, event.account_id)
        name = account.name if account is not None else event.account_id
        channels = self.channels.list(event.tenant_id)
        reason = (event.reason or "the provider refused the request")[:500]
        at = event.at.astimezone(UTC)
        alert = Alert(
            tenant_id=event.tenant_id,
            id=alert_id(event.tenant_id, f"connection:{event.account_id}", at.isoformat(), "error"),
            kind=KIND_CONNECTION,
            rule_id=f"connection:{event.account_id}",
            period=at.isoformat(),
            threshold="error",
            severity="critical",
            title=f"Account '{name}' cannot sync",
            message=f"Syncing account '{name}' stopped: {reason}. Replace the key or fix the account, then sync.",
            created_at=self.clock(),
            details={"account_id": event.account_id, "account_name": name, "status": event.status, "reason": reason},
            channel_ids=route(KIND_CONNECTION, channels),
        )
        return alert if self.raise_alert(alert) else None

    def _rotation_alert(self, account: Account, now: datetime) -> Alert:
        """One per key: the period is the key's creation (or connection) time, so a new key starts over.
        Unrouted (`routed`)."""
        key_created = account.key_created_at or account.created_at
        rule_id = f"rotation:{account.id}"
        age = (now - key_created).days
        return Alert(
            tenant_id=account.tenant_id,
            id=alert_id(account.tenant_id, rule_id, key_created.isoformat(), "rotation"),
            kind=KIND_ROTATION,
            rule_id=rule_id,
            period=key_created.isoformat(),
            threshold=f"{self.rotation_after.days}d",
            severity="info",
            title=f"The key of account '{account.name}' is {age} days old: rotate it",
            message=f"The Admin API key of account '{account.name}' ({account.key_hint}) was created or connected "
            f"on {key_created:%Y-%m-%d}, {age} days ago. Create a new key, replace it in TokenMeter, then revoke "
            "the old one.",
            created_at=now,
            details={
                "account_id": account.id,
                "account_name": account.name,
                "key_hint": account.key_hint,
                "key_created_at": key_created.isoformat(),
                "key_age_days": age,
                "key_created_known": account.key_created_at is not None,
            },
        )

    def sweep(self, tick_at: datetime | None = None) -> int:
        """What needs no new usage to become true: every hour, ask for an evaluation of the tenants with an
        account past its ``stale_at`` (no sync succeeded for ``stale_after``; a key's age is reminded by the
        collector as it syncs); on the tick of DAILY_SWEEP_HOUR (UTC), of every tenant that set up alerting
        (spend rules again as a safety net, savings advice, key age). Returns how many were asked for."""
        now = self.clock()
        at = (tick_at or now).astimezone(UTC)
        reason: Literal["sweep", "daily"] = "daily" if at.hour == DAILY_SWEEP_HOUR else "sweep"
        daily = reason == "daily"
        tenants = self.channels.alerting_tenants() if daily else sorted(self.accounts.stale_tenants(now))
        return self.publisher.publish_all(
            self.topic_evaluations, (UsagePriced(tenant_id=t, reason=reason, at=now) for t in tenants)
        )

    def raise_alert(self, alert: Alert) -> bool:
        """Store the alert if new and publish it; True when this call created it."""
        created = self.alerts.create_if_absent(alert)
        if not created:
            stored = self.alerts.get(alert.tenant_id, alert.id)
            if stored is None or stored.published:
                return False
            alert = stored
        self.publisher.publish(self.topic_alerts, AlertEvent.model_validate(alert.to_event()))
        self.alerts.mark_published(alert.tenant_id, alert.id)
        log.info("alert raised", extra={"alert_id": alert.id, "kind": alert.kind, "rule_id": alert.rule_id})
        return created

    # -- rules ------------------------------------------------------------------------------------

    def _zone(self, tenant_id: str) -> ZoneInfo:
        name = "UTC"
        try:
            name = self.time_zone_of(tenant_id) or "UTC"
            return ZoneInfo(name)
        except Exception:
            log.warning("unknown tenant time zone; using UTC", extra={"tenant_id": tenant_id, "zone": name[:64]})
            return ZoneInfo("UTC")

    def _budget_alerts(
        self,
        tenant_id: str,
        spend: TenantSpend,
        budgets: Sequence[Budget],
        accounts: Sequence[Account],
        now: datetime,
        tz: ZoneInfo,
    ) -> list[Alert]:
        """Unrouted (`routed`: as the budget routes them)."""
        out: list[Alert] = []
        provisional_after = provisional_since(now)
        history_start = min((a.history_start for a in accounts), default=now)
        provider_of = {a.id: a.provider for a in accounts}
        for budget in budgets:
            if not budget.enabled:
                continue
            period = rules.budget_period(budget.period, now, tz)

            def keep(account_id: str, dims: Any, b: Budget = budget) -> bool:
                return rules.row_in_scope(b.scope, b.scope_id, account_id, provider_of.get(account_id, ""), dims)

            # The whole period: nothing after this hour is priced yet, and a whole UTC month is then read from
            # its rollup (one document) rather than day by day.
            dims = rules.DIMS_OF_SCOPE[budget.scope]
            total = spend.total(period.start, period.end, keep, dims)
            base: dict[str, Any] = {
                "budget_id": budget.id,
                "budget_name": budget.name,
                "scope": budget.scope,
                "scope_id": budget.scope_id,
                "period": budget.period,
                "period_key": period.key,
                "period_start": period.start.isoformat(),
                "period_end": period.end.isoformat(),
                "time_zone": str(tz.key),
                "amount_usd": money(budget.amount),
                "spent_usd": money(total.usd),
                "percent": str(rules.percent_of(total.usd, budget.amount)),
                # The period reaches into the last 48 hours: its total may still change.
                "provisional": min(period.end, now) > provisional_after,
                "provisional_usd": money(total.provisional_usd),
                "unpriced_tokens": total.unpriced_tokens,
            }
            where = _scope_text(budget)
            when = "today" if budget.period == "day" else "this month"
            note = _provisional_note(
                min(period.end, now) > provisional_after, total.provisional_usd, total.unpriced_tokens
            )
            highest = rules.highest_crossed(total.usd, budget.amount, budget.thresholds)
            if highest is not None:
                higher = [alert_id(tenant_id, budget.id, period.key, str(t)) for t in budget.thresholds if t > highest]
                if not higher or not self.alerts.existing(tenant_id, higher):
                    out.append(
                        Alert(
                            tenant_id=tenant_id,
                            id=alert_id(tenant_id, budget.id, period.key, str(highest)),
                            kind=KIND_BUDGET,
                            rule_id=budget.id,
                            period=period.key,
                            threshold=str(highest),
                            severity="critical" if highest >= 100 else "warning",
                            title=f"Budget '{budget.name}' reached {highest}%: ${money(total.usd)} of "
                            f"${money(budget.amount)} {when}",
                            message=f"Spend on {where} is ${money(total.usd)} {when} ({base['percent']}% of the "
                            f"${money(budget.amount)} budget for {period.key}, {tz.key}).{note}",
                            created_at=now,
                            details={**base, "threshold_percent": highest},
                        )
                    )
            if budget.period == "month" and budget.forecast and total.usd < budget.amount:
                projected = self._projection(spend, keep, dims, total.usd, now, period, tz, history_start)
                if projected is not None and projected > budget.amount:
                    out.append(
                        Alert(
                            tenant_id=tenant_id,
                            id=alert_id(tenant_id, budget.id, period.key, "forecast"),
                            kind=KIND_FORECAST,
                            rule_id=budget.id,
                            period=period.key,
                            threshold="forecast",
                            severity="warning",
                            title=f"Budget '{budget.name}' is on course for ${money(projected)} this month "
                            f"(budget ${money(budget.amount)})",
                            message=f"Spend on {where} is ${money(total.usd)} so far in {period.key}; at the "
                            f"average daily spend of the last {rules.FORECAST_TRAILING_DAYS} days it reaches "
                            f"${money(projected)} by the end of the month, past the ${money(budget.amount)} "
                            f"budget.{note}",
                            created_at=now,
                            details={
                                **base,
                                "projected_usd": money(projected),
                                "projection": "month-to-date + mean of the last 7 complete days x days left",
                            },
                        )
                    )
        return out

    @staticmethod
    def _projection(
        spend: TenantSpend,
        keep: Callable[[str, Any], bool],
        dims: frozenset[str],
        spent: Decimal,
        now: datetime,
        period: rules.Period,
        tz: ZoneInfo,
        history_start: datetime,
    ) -> Decimal | None:
        today = now.astimezone(tz).date()
        days = [
            day
            for day in (today - timedelta(days=back) for back in range(rules.FORECAST_TRAILING_DAYS, 0, -1))
            # A day before the account's history would read as $0.
            if datetime.combine(day, datetime.min.time(), tz).astimezone(UTC) >= history_start
        ]
        if not days:
            return None
        totals = spend.daily_totals(days[0], days[-1], tz, keep, dims)
        trailing = [totals.get(day, ZERO) for day in days]
        return rules.project_month_end(spent, trailing, now, period.end)

    def _spike_alerts(
        self,
        tenant_id: str,
        spend: TenantSpend,
        labels: _Labels,
        now: datetime,
        with_days: bool,
    ) -> list[Alert]:
        """Spiking hours on every evaluation; spiking days (``with_days``) on the daily one only: a day's spike is
        a judgement on a day (yesterday whole, today so far), and its two weeks of per-key history are the
        evaluation's largest read, too much to repeat every hour for what an hourly spike already catches
        sooner."""
        out: list[Alert] = []
        # Hours: every hour of the last 48 (the current, partial one included: it only grows) against the
        # week before it.
        current = utc_hour(now)
        candidates = int(self.spike_lookback.total_seconds() // 3600)
        first = current - timedelta(hours=candidates - 1 + self.hourly.window)
        hours, hourly = spend.hourly_series(first, current + timedelta(hours=1))
        spiked_days: set[tuple[tuple[str, str], date]] = set()
        for key, values in hourly.items():
            for i in range(self.hourly.window, len(hours)):
                value = values[i]
                if value is None or value <= 0:
                    continue
                spike = rules.detect_spike(value, values[i - self.hourly.window : i], self.hourly)
                if spike is None:
                    continue
                spiked_days.add((key, hours[i].date()))
                period = hours[i].strftime("%Y-%m-%dT%H")
                when = f"the hour from {hours[i]:%Y-%m-%d %H:00} UTC"
                out.append(self._spike_alert(tenant_id, key, labels, self.hourly, period, when, spike, now))
        if not with_days:
            return out
        # Days: today and yesterday (UTC days, from the daily aggregates) against the two weeks before; a
        # day whose spike is one spiking hour already reported is not reported again.
        today = now.astimezone(UTC).date()
        days, daily = spend.daily_series(today - timedelta(days=self.daily.window + 1), today)
        for key, values in daily.items():
            for i in range(self.daily.window, len(days)):
                value = values[i]
                if value is None or value <= 0 or (key, days[i]) in spiked_days:
                    continue
                spike = rules.detect_spike(value, values[i - self.daily.window : i], self.daily)
                if spike is None:
                    continue
                when = f"{days[i]} (UTC day)"
                period = days[i].isoformat()
                out.append(self._spike_alert(tenant_id, key, labels, self.daily, period, when, spike, now))
        return out

    def _spike_alert(
        self,
        tenant_id: str,
        key: tuple[str, str],
        labels: _Labels,
        policy: rules.SpikePolicy,
        period: str,
        when: str,
        spike: rules.Spike,
        now: datetime,
    ) -> Alert:
        dimension, value = key
        label = labels.series(dimension, value)
        rule_id = f"spike:{policy.unit}:{dimension}:{value}"
        return Alert(
            tenant_id=tenant_id,
            id=alert_id(tenant_id, rule_id, period, "spike"),
            kind=KIND_SPIKE,
            rule_id=rule_id,
            period=period,
            threshold="spike",
            severity="warning",
            title=f"Spend spike on {label}: ${money(spike.value)} in {when}, ${money(spike.jump)} above usual",
            message=f"{label[0].upper()}{label[1:]} spent ${money(spike.value)} in {when}: ${money(spike.jump)} "
            f"more than its usual ${money(spike.baseline)} per {policy.unit} (median of the last "
            f"{spike.history} {policy.unit}s). Recent data is provisional: the provider may still restate it.",
            created_at=now,
            details={
                "dimension": dimension,
                "series": value,
                "label": label,
                "unit": policy.unit,
                "spend_usd": money(spike.value),
                "baseline_usd": money(spike.baseline),
                "jump_usd": money(spike.jump),
                "threshold_usd": money(spike.threshold),
                "history_points": spike.history,
                "provisional": True,
            },
        )

    def _unpriced_alerts(self, tenant_id: str, spend: TenantSpend, now: datetime, month: rules.Period) -> list[Alert]:
        models = spend.unpriced_models(month.start, month.end)
        out = []
        for model, (tokens, reasons) in sorted(models.items()):
            rule_id = f"unpriced:{model}"
            why = "; ".join(reasons)
            out.append(
                Alert(
                    tenant_id=tenant_id,
                    id=alert_id(tenant_id, rule_id, month.key, "unpriced"),
                    kind=KIND_UNPRICED,
                    rule_id=rule_id,
                    period=month.key,
                    threshold="unpriced",
                    severity="info",
                    title=f"Some usage of {model} has no known price",
                    message=f"Usage of {model} ({tokens} units so far in {month.key}) has no known price ({why}): it "
                    "is shown as unpriced and left out of cost totals and budgets until the catalogue prices it (a "
                    "tier with no public price stays unpriced: the invoice check shows what was billed for it).",
                    created_at=now,
                    details={"model": model, "tokens": tokens, "month": month.key, "reasons": reasons},
                )
            )
        return out

    def _advice_alerts(self, tenant_id: str, now: datetime) -> list[Alert]:
        """New savings advice worth the tenant's threshold a month: one alert per recommendation, ever (its id
        is the period; a recommendation that comes back, or grows, raises nothing new)."""
        assert self.advice is not None
        try:
            found, threshold = self.advice(tenant_id)
        except Exception:
            # Advice is a recommendation: its failure must not hold back budget and spike alerts.
            log.exception("savings advice could not be evaluated", extra={"tenant_id": tenant_id})
            return []
        out: list[Alert] = []
        for advice in found:
            rule_id = f"advice:{advice.id}"
            savings = money(advice.monthly_savings)
            out.append(
                Alert(
                    tenant_id=tenant_id,
                    id=alert_id(tenant_id, rule_id, "once", KIND_ADVICE),
                    kind=KIND_ADVICE,
                    rule_id=rule_id,
                    period="once",
                    threshold=money(threshold),
                    severity="warning" if advice.kind == KIND_UNUSUAL_KEY else "info",
                    title=f"{advice.title} (about ${savings} a month)",
                    message=f"{advice.title}. Estimated ${savings} a month ({advice.confidence.level} confidence: "
                    f"{advice.confidence.why}) {advice.method} See GET /v1/advice.",
                    created_at=now,
                    details={**advice.to_dict(), "threshold_usd": money(threshold)},
                )
            )
        return out

    def _account_alerts(self, tenant_id: str, accounts: Sequence[Account], now: datetime) -> list[Alert]:
        out: list[Alert] = []
        for account in accounts:
            if not account.active:
                continue
            # Stale data: a connected account whose last successful sync is too old. An account in error
            # has its connection alert already.
            since = account.last_success_at or account.created_at
            if account.status != STATUS_ERROR and now - since > self.stale_after:
                hours = int((now - since).total_seconds() // 3600)
                rule_id = f"stale:{account.id}"
                out.append(
                    Alert(
                        tenant_id=tenant_id,
                        id=alert_id(tenant_id, rule_id, since.isoformat(), "stale"),
                        kind=KIND_STALE,
                        rule_id=rule_id,
                        period=since.isoformat(),
                        threshold=f"{int(self.stale_after.total_seconds() // 3600)}h",
                        severity="warning",
                        title=f"No new data from account '{account.name}' for {hours} hours",
                        message=f"The last successful sync of account '{account.name}' was at "
                        f"{since:%Y-%m-%d %H:%M} UTC ({hours} hours ago); data is older than expected.",
                        created_at=now,
                        details={
                            "account_id": account.id,
                            "account_name": account.name,
                            "last_success_at": since.isoformat(),
                            "status": account.status,
                            "status_reason": account.status_reason,
                        },
                    )
                )
            # Key rotation: the key's creation date when the account knows it, else the day it was connected
            # (a key is at least that old, so the reminder is never early, at worst late).
            if now - (account.key_created_at or account.created_at) >= self.rotation_after:
                out.append(self._rotation_alert(account, now))
        return out


class _Labels:
    """Human names for spike series: API key names and account names instead of ids."""

    def __init__(self, accounts: Sequence[Account], names: Callable[[], dict[str, Names]]):
        self._accounts = {a.id: a.name for a in accounts}
        self._read_names = names
        self._names: dict[str, Names] | None = None

    def series(self, dimension: str, value: str) -> str:
        if dimension == "model":
            return f"model {value}"
        account_id, _, key_id = value.partition("/")
        account = self._accounts.get(account_id, account_id)
        if key_id == CONSOLE_KEY_SCOPE_ID:
            return f"Console/Workbench usage of account '{account}'"
        if self._names is None:
            self._names = self._read_names()
        name = self._names.get(account_id, Names()).api_keys.get(key_id)
        return (
            f"API key '{name}' ({key_id}, account '{account}')" if name else f"API key {key_id} (account '{account}')"
        )


def _scope_text(budget: Budget) -> str:
    provider = PROVIDERS.get(budget.scope_id or "")
    return {
        "tenant": "all accounts",
        "provider": f"all {provider.label} accounts" if provider else f"provider {budget.scope_id}",
        "account": f"account {budget.scope_id}",
        "workspace": f"workspace {budget.scope_id}",
        "api_key": f"API key {budget.scope_id}",
        "model": f"model {budget.scope_id}",
    }[budget.scope]


def _provisional_note(provisional: bool, provisional_usd: Decimal, unpriced_tokens: int) -> str:
    note = ""
    if provisional_usd > 0:
        note += (
            f" ${money(provisional_usd)} of it is from the last {SETTLING_HOURS} hours, which the provider "
            "may still restate (provisional)."
        )
    elif provisional:
        note += f" Usage of the last {SETTLING_HOURS} hours is provisional (it may still arrive or change)."
    if unpriced_tokens:
        note += f" {unpriced_tokens} tokens of models with no known price are not counted."
    return note
