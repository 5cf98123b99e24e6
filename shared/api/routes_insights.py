"""What-if on another model, the cheapest credible alternatives, and savings advice."""

from __future__ import annotations

from werkzeug.wrappers import Response

from shared.api import models, models_insights
from shared.api.http import Ctx, Route, json_response
from shared.api.routes_usage import usage_query
from shared.services.insights import AdviceQuery


def whatif(ctx: Ctx) -> Response:
    params = ctx.query(models_insights.WhatIfParams)
    query = usage_query(ctx, models_insights.WhatIfParams)
    return json_response(200, ctx.services.insights().whatif(ctx.tenant_id, query, params.target_model))


def suggestions(ctx: Ctx) -> Response:
    query = usage_query(ctx, models.SelectionParams)
    return json_response(200, ctx.services.insights().suggestions(ctx.tenant_id, query))


def advice(ctx: Ctx) -> Response:
    q = ctx.query(models_insights.AdviceParams)
    query = AdviceQuery(start=q.from_, end=q.to, account_id=q.account_id)
    return json_response(200, ctx.services.insights().advice(ctx.tenant_id, query))


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
        query_model=models_insights.WhatIfParams,
    ),
    Route(
        "GET",
        "/v1/whatif/suggestions",
        suggestions,
        "The cheapest credible alternatives for the top models: each model's usage re-priced on every peer the "
        "curated equivalence map lists for it, with the peer's basis and sources.",
        response=models_insights.SuggestionsResponse,
        query_model=models.SelectionParams,
    ),
    Route(
        "GET",
        "/v1/advice",
        advice,
        "Savings recommendations (prompt caching, cache duration, batch, long context, right-sizing, priority "
        "tiers, unpriced models, idle and unusual keys), each with its scope, evidence, monthly savings, "
        "confidence and method, by savings.",
        response=models_insights.AdviceResponse,
        query_model=models_insights.AdviceParams,
    ),
)
