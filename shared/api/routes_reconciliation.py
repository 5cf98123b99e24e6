"""Reconciliation: computed cost beside the provider's billed cost ledger."""

from __future__ import annotations

from werkzeug.wrappers import Response

from shared.api import models_costs
from shared.api.http import ACCOUNT_ID, Ctx, Route, json_response, parse_date, query_param
from shared.errors import InvalidInput
from shared.services.reconciliation import ReconciliationQuery


def reconciliation(ctx: Ctx) -> Response:
    ctx.only_params("from", "to", "account_id")
    args = ctx.request.args
    account_id = args.get("account_id") or None
    if account_id is not None and not ACCOUNT_ID.match(account_id):
        raise InvalidInput(f"account_id {account_id[:40]!r} is not an account id", field="account_id")
    query = ReconciliationQuery(
        start=parse_date(args.get("from"), "from"),
        end=parse_date(args.get("to"), "to"),
        account_id=account_id,
    )
    service = ctx.services.reconciliation()
    return json_response(200, service.reconcile(ctx.tenant_id, query))


ROUTES: tuple[Route, ...] = (
    Route(
        "GET",
        "/v1/reconciliation",
        reconciliation,
        "Computed cost beside billed cost per UTC day, model and token type, with the known reason for each gap.",
        response=models_costs.ReconciliationResponse,
        query=(
            query_param("from", "First UTC day, inclusive.", {"type": "string", "format": "date"}, True),
            query_param("to", "Last UTC day, inclusive.", {"type": "string", "format": "date"}, True),
            query_param("account_id", "Only this account.", {"type": "string"}),
        ),
    ),
)
