"""Explain: how a cost was computed, tokens x rate per class, with the price each row used."""

from __future__ import annotations

from werkzeug.wrappers import Response

from shared.api import models_costs
from shared.api.http import Ctx, Route, json_response
from shared.services.explain import ExplainQuery


def explain(ctx: Ctx) -> Response:
    q = ctx.query(models_costs.ExplainQuery)
    query = ExplainQuery(start=q.from_, end=q.to, filters=q.filters(), account_id=q.account_id, provider=q.provider)
    service = ctx.services.explain()
    return json_response(200, service.explain(ctx.tenant_id, query))


ROUTES: tuple[Route, ...] = (
    Route(
        "GET",
        "/v1/usage/explain",
        explain,
        "How the cost of the selected rows was computed: tokens x rate per class, per UTC day and price.",
        response=models_costs.ExplainResponse,
        query_model=models_costs.ExplainQuery,
    ),
)
