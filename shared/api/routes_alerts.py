"""Alerts: budgets, alert channels (webhook, email), test alerts and the alert history."""

from __future__ import annotations

from typing import Any

from werkzeug.wrappers import Response

from shared.alerts.admin import AlertAdmin
from shared.alerts.model import BUDGET_ID, CHANNEL_ID, Alert, Budget, Channel, Delivery
from shared.alerts.webhooks import url_hint
from shared.api import models_alerts as m
from shared.api.http import Ctx, PathParameter, Route, json_response, no_content
from shared.domain.money import usd

BUDGET = PathParameter.of(BUDGET_ID, "A budget id (bud_ and 16 hex digits).")
CHANNEL = PathParameter.of(CHANNEL_ID, "An alert channel id (chn_ and 16 hex digits).")
BUDGET_REFUSED = (
    "Invalid input; the error names the field. Beyond the schema: scope_id must name an account of the tenant "
    "for scope 'account', channel_ids channels of the tenant, and a PATCH of scope or scope_id must leave a "
    "scope_id that fits the scope."
)
CHANNEL_REFUSED = (
    "Invalid input; the error names the field. Beyond the schema: the url must resolve to addresses a webhook may "
    "reach, email needs SMTP configured on the server, a PATCH cannot change type or give a webhook emails."
)
TOO_MANY = "The tenant has as many as it may have; delete one first."


def _admin(ctx: Ctx) -> AlertAdmin:
    service = ctx.services.alerts()
    return service


def budget_out(b: Budget) -> dict[str, Any]:
    return m.BudgetOut(
        id=b.id,
        name=b.name,
        amount_usd=usd(b.amount),
        period=b.period,
        scope=b.scope,
        scope_id=b.scope_id,
        thresholds=list(b.thresholds),
        forecast=b.forecast,
        channel_ids=list(b.channel_ids),
        enabled=b.enabled,
        created_at=b.created_at,
        updated_at=b.updated_at,
    ).model_dump(mode="json")


def channel_out(c: Channel, secret: str | None = None) -> dict[str, Any]:
    out = m.ChannelOut(
        id=c.id,
        name=c.name,
        type=c.type,
        url_hint=c.url_hint or (url_hint(c.url) if c.url else None),
        format=c.format,
        emails=list(c.emails),
        kinds=list(c.kinds),
        enabled=c.enabled,
        secret_hint=c.secret_hint,
        created_at=c.created_at,
        updated_at=c.updated_at,
        secret=secret,
    ).model_dump(mode="json")
    if secret is None:
        out.pop("secret")
    return out


def alert_out(a: Alert, deliveries: list[Delivery]) -> dict[str, Any]:
    return m.AlertOut(
        id=a.id,
        kind=a.kind,
        severity=a.severity,
        title=a.title,
        message=a.message,
        rule_id=a.rule_id,
        period=a.period,
        threshold=a.threshold,
        details=a.details,
        created_at=a.created_at,
        test=a.test,
        deliveries=[
            m.DeliveryOut(
                channel_id=d.channel_id,
                channel_type=d.channel_type,
                status=d.status,
                attempts=d.attempts,
                last_error=d.last_error,
                last_attempt_at=d.last_attempt_at,
                delivered_at=d.delivered_at,
                duplicates_skipped=d.duplicates_skipped,
            )
            for d in deliveries
        ],
    ).model_dump(mode="json")


# -- budgets --------------------------------------------------------------------------------------------


def create_budget(ctx: Ctx) -> Response:
    ctx.only_params()
    body = ctx.body(m.BudgetIn)
    budget = _admin(ctx).create_budget(ctx.tenant_id, body.model_dump())
    return json_response(201, budget_out(budget), headers={"Location": f"/v1/budgets/{budget.id}"})


def list_budgets(ctx: Ctx) -> Response:
    ctx.only_params()
    return json_response(200, {"budgets": [budget_out(b) for b in _admin(ctx).list_budgets(ctx.tenant_id)]})


def get_budget(ctx: Ctx) -> Response:
    ctx.only_params()
    return json_response(200, budget_out(_admin(ctx).get_budget(ctx.tenant_id, ctx.params["id"])))


def update_budget(ctx: Ctx) -> Response:
    ctx.only_params()
    budget_id = ctx.params["id"]
    body = ctx.body(m.BudgetPatch)
    budget = _admin(ctx).update_budget(ctx.tenant_id, budget_id, body.model_dump(exclude_unset=True))
    return json_response(200, budget_out(budget))


def delete_budget(ctx: Ctx) -> Response:
    ctx.only_params()
    _admin(ctx).delete_budget(ctx.tenant_id, ctx.params["id"])
    return no_content()


# -- channels -------------------------------------------------------------------------------------------


def create_channel(ctx: Ctx) -> Response:
    ctx.only_params()
    body = ctx.body(m.ChannelIn)
    fields = body.model_dump(exclude_unset=True)
    channel, secret = _admin(ctx).create_channel(ctx.tenant_id, fields)
    return json_response(201, channel_out(channel, secret), headers={"Location": f"/v1/alert-channels/{channel.id}"})


def list_channels(ctx: Ctx) -> Response:
    ctx.only_params()
    return json_response(200, {"channels": [channel_out(c) for c in _admin(ctx).list_channels(ctx.tenant_id)]})


def get_channel(ctx: Ctx) -> Response:
    ctx.only_params()
    return json_response(200, channel_out(_admin(ctx).get_channel(ctx.tenant_id, ctx.params["id"])))


def update_channel(ctx: Ctx) -> Response:
    ctx.only_params()
    channel_id = ctx.params["id"]
    body = ctx.body(m.ChannelPatch)
    channel, secret = _admin(ctx).update_channel(ctx.tenant_id, channel_id, body.model_dump(exclude_unset=True))
    return json_response(200, channel_out(channel, secret))


def delete_channel(ctx: Ctx) -> Response:
    ctx.only_params()
    _admin(ctx).delete_channel(ctx.tenant_id, ctx.params["id"])
    return no_content()


def test_channel(ctx: Ctx) -> Response:
    ctx.only_params()
    alert, error = _admin(ctx).test_channel(ctx.tenant_id, ctx.params["id"])
    return json_response(200, {"alert_id": alert.id, "delivered": error is None, "error": error})


# -- history --------------------------------------------------------------------------------------------


def list_alerts(ctx: Ctx) -> Response:
    query = ctx.query(m.AlertsQuery)
    history = _admin(ctx).history(ctx.tenant_id, query.limit, query.kind)
    return json_response(200, {"alerts": [alert_out(a, d) for a, d in history]})


ROUTES: tuple[Route, ...] = (
    Route(
        "POST",
        "/v1/budgets",
        create_budget,
        "Create a budget (per tenant, account, workspace, API key or model; monthly or daily).",
        write=True,
        status=201,
        response=m.BudgetOut,
        body=m.BudgetIn,
        errors={409: TOO_MANY, 422: BUDGET_REFUSED},
    ),
    Route("GET", "/v1/budgets", list_budgets, "List budgets.", response=m.BudgetList),
    Route("GET", "/v1/budgets/{id}", get_budget, "One budget.", response=m.BudgetOut, path={"id": BUDGET}),
    Route(
        "PATCH",
        "/v1/budgets/{id}",
        update_budget,
        "Change a budget (only the fields sent).",
        write=True,
        response=m.BudgetOut,
        body=m.BudgetPatch,
        path={"id": BUDGET},
        errors={422: BUDGET_REFUSED},
    ),
    Route("DELETE", "/v1/budgets/{id}", delete_budget, "Delete a budget.", write=True, status=204, path={"id": BUDGET}),
    Route(
        "POST",
        "/v1/alert-channels",
        create_channel,
        "Create an alert channel: a signed webhook (its secret is in this answer only) or email.",
        write=True,
        status=201,
        response=m.ChannelOut,
        body=m.ChannelIn,
        errors={409: TOO_MANY, 422: CHANNEL_REFUSED},
    ),
    Route("GET", "/v1/alert-channels", list_channels, "List alert channels.", response=m.ChannelList),
    Route(
        "GET", "/v1/alert-channels/{id}", get_channel, "One alert channel.", response=m.ChannelOut, path={"id": CHANNEL}
    ),
    Route(
        "PATCH",
        "/v1/alert-channels/{id}",
        update_channel,
        "Change an alert channel; rotate_secret makes a new webhook secret (in this answer only).",
        write=True,
        response=m.ChannelOut,
        body=m.ChannelPatch,
        path={"id": CHANNEL},
        errors={422: CHANNEL_REFUSED},
    ),
    Route(
        "DELETE",
        "/v1/alert-channels/{id}",
        delete_channel,
        "Delete an alert channel.",
        write=True,
        status=204,
        path={"id": CHANNEL},
    ),
    Route(
        "POST",
        "/v1/alert-channels/{id}/test",
        test_channel,
        "Send a test alert to the channel now and say whether it was delivered.",
        write=True,
        response=m.ChannelTestOut,
        path={"id": CHANNEL},
    ),
    Route(
        "GET",
        "/v1/alerts",
        list_alerts,
        "Alert history, newest first, with each delivery's outcome (delivered, failed attempts, dead-lettered).",
        response=m.AlertList,
        query_model=m.AlertsQuery,
    ),
)
