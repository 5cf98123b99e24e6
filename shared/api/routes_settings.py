"""Tenant settings: the time zone daily views are cut in, and the organization's rate cards."""

from __future__ import annotations

from decimal import Decimal

from werkzeug.wrappers import Response

from shared.api import models_costs
from shared.api.http import Ctx, Route, json_response
from shared.domain.rate_cards import RateCard
from shared.errors import InvalidInput


def get_settings(ctx: Ctx) -> Response:
    ctx.only_params()
    service = ctx.services.settings()
    return json_response(200, service.get(ctx.tenant_id))


def put_settings(ctx: Ctx) -> Response:
    ctx.only_params()
    body = ctx.body(models_costs.SettingsBody)
    if body.time_zone is None and body.advice_alert_usd is None:
        raise InvalidInput("give time_zone or advice_alert_usd", field="body")
    threshold = None if body.advice_alert_usd is None else Decimal(body.advice_alert_usd)
    service = ctx.services.settings()
    return json_response(200, service.update(ctx.tenant_id, body.time_zone, threshold))


def get_rate_cards(ctx: Ctx) -> Response:
    ctx.only_params()
    service = ctx.services.settings()
    return json_response(200, service.rate_cards(ctx.tenant_id))


def put_rate_cards(ctx: Ctx) -> Response:
    ctx.only_params()
    body = ctx.body(models_costs.RateCardsBody)
    for i, c in enumerate(body.rate_cards):
        if c.until is not None and c.until <= c.effective_from:
            raise InvalidInput("until must be after effective_from", field=f"rate_cards.{i}.until")
    cards = [
        RateCard(
            provider=c.provider,
            percent_off=Decimal(c.percent_off),
            effective_from=c.effective_from,
            model=c.model,
            until=c.until,
            note=c.note,
        )
        for c in body.rate_cards
    ]
    service = ctx.services.settings()
    return json_response(200, service.replace_rate_cards(ctx.tenant_id, cards))


ROUTES: tuple[Route, ...] = (
    Route("GET", "/v1/settings", get_settings, "The tenant's settings.", response=models_costs.SettingsOut),
    Route(
        "PUT",
        "/v1/settings",
        put_settings,
        "Change the tenant's settings (each field optional): time_zone is an IANA name daily views are cut in; "
        "advice_alert_usd: new savings advice worth at least this much a month raises an alert, once.",
        write=True,
        response=models_costs.SettingsOut,
        body=models_costs.SettingsBody,
    ),
    Route(
        "GET",
        "/v1/rate-cards",
        get_rate_cards,
        "The organization's negotiated discounts off list price.",
        response=models_costs.RateCardsOut,
    ),
    Route(
        "PUT",
        "/v1/rate-cards",
        put_rate_cards,
        "Replace the rate cards (percent off list, per provider or model, from a date); views show list and effective.",
        write=True,
        response=models_costs.RateCardsOut,
        body=models_costs.RateCardsBody,
    ),
)
