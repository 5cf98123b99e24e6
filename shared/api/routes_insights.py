"""What-if on another model, the cheapest credible alternatives, and savings advice."""

from __future__ import annotations

from werkzeug.wrappers import Response

from shared.api import models_insights
from shared.api.http import ACCOUNT_ID, Ctx, Route, json_response, parse_date, query_param
from shared.api.routes_usage import USAGE_PARAMETERS, usage_query
from shared.errors import InvalidInput
from shared.providers import PROVIDERS
from shared.services.insights import AdviceQuery
from shared.services.usage_query import UsageQuery

WHATIF_FILTERS = ("provider", "model", "api_key", "workspace")
PERIOD = ("from", "to", "account_id", "time_zone")


def _period(ctx: Ctx, *extra: str) -> UsageQuery:
    """The period and filters, parsed and checked as the usage view does (one parser), on fewer parameters."""
    ctx.only_params(*PERIOD, *WHATIF_FILTERS, *extra)
    query = usage_query(ctx, *extra)
    for name, values in query.filters:
        if name == "provider" and any(v not in PROVIDERS for v in values):
            raise InvalidInput(f"provider must be one of {', '.join(PROVIDERS)}", field="provider")
    return query


def whatif(ctx: Ctx) -> Response:
    query = _period(ctx, "target_model")
    target = ctx.request.args.get("target_model") or ""
    return json_response(200, ctx.services.insights().whatif(ctx.tenant_id, query, target))


def suggestions(ctx: Ctx) -> Response:
    return json_response(200, ctx.services.insights().suggestions(ctx.tenant_id, _period(ctx)))


def advice(ctx: Ctx) -> Response:
    ctx.only_params("from", "to", "account_id")
    args = ctx.request.args
    account_id = args.get("account_id") or None
    if account_id is not None and not ACCOUNT_ID.match(account_id):
        raise InvalidInput(f"account_id {account_id[:40]!r} is not an account id", field="account_id")
    query = AdviceQuery(
        start=parse_date(args["from"], "from") if "from" in args else None,
        end=parse_date(args["to"], "to") if "to" in args else None,
        account_id=account_id,
    )
    return json_response(200, ctx.services.insights().advice(ctx.tenant_id, query))


_PERIOD_PARAMETERS = tuple(p for p in USAGE_PARAMETERS if p["name"] in (*PERIOD, *WHATIF_FILTERS))

ROUTES: tuple[Route, ...] = (
    Route(
        "GET",
        "/v1/whatif",
        whatif,
        "What the selected usage would cost on target_model: per source model and in total, tokens per class, "
        "actual cost and the cost on the target as low/expected/high, each UTC day at the target's price that day, "
        "with the class and tier mapping and the tokenizer band. Usage with no price on either side is listed as "
        "not comparable, never $0.",
        response=models_insights.WhatIfResponse,
        query=(
            query_param(
                "target_model",
                "A catalogue model id of any provider (gpt-5, claude-sonnet-4-6), or provider/model.",
                {"type": "string", "minLength": 1, "maxLength": 200},
                True,
            ),
            *_PERIOD_PARAMETERS,
        ),
    ),
    Route(
        "GET",
        "/v1/whatif/suggestions",
        suggestions,
        "The cheapest credible alternatives for the top models: each model's usage re-priced on every peer the "
        "curated equivalence map lists for it, with the peer's basis and sources.",
        response=models_insights.SuggestionsResponse,
        query=_PERIOD_PARAMETERS,
    ),
    Route(
        "GET",
        "/v1/advice",
        advice,
        "Savings recommendations (prompt caching, cache duration, batch, long context, right-sizing, priority "
        "tiers, unpriced models, idle and unusual keys), each with its scope, evidence, monthly savings, "
        "confidence and method, by savings.",
        response=models_insights.AdviceResponse,
        query=(
            query_param("from", "First UTC day (default: 30 days before to).", {"type": "string", "format": "date"}),
            query_param("to", "Last UTC day (default: yesterday).", {"type": "string", "format": "date"}),
            query_param("account_id", "Only this account.", {"type": "string", "pattern": ACCOUNT_ID.pattern}),
        ),
    ),
)
