"""Reconciliation: computed cost beside the provider's billed cost ledger."""

from __future__ import annotations

from werkzeug.wrappers import Response

from shared.api import models_costs
from shared.api.http import Ctx, Route, json_response
from shared.services.reconciliation import ReconciliationQuery


def reconciliation(ctx: Ctx) -> Response:
    q = ctx.query(models_costs.ReconciliationQuery)
    query = ReconciliationQuery(start=q.from_, end=q.to, account_id=q.account_id, provider=q.provider)
    service = ctx.services.reconciliation()
    return json_response(200, service.reconcile(ctx.tenant_id, query))


ROUTES: tuple[Route, ...] = (
    Route(
        "GET",
        "/v1/reconciliation",
        reconciliation,
        "Computed cost beside billed cost per UTC day, model and token type, with the known reason for each gap.",
        response=models_costs.ReconciliationResponse,
        query_model=models_costs.ReconciliationQuery,
    ),
)
