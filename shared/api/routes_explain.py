"""Explain: how a cost was computed, tokens x rate per class, with the price each row used."""

from __future__ import annotations

from werkzeug.wrappers import Response

from shared.api import models_costs
from shared.api.http import ACCOUNT_ID, Ctx, Route, json_response, parse_date, query_param
from shared.errors import InvalidInput
from shared.services.explain import FILTER_FIELDS, ExplainQuery


def explain(ctx: Ctx) -> Response:
    ctx.only_params("from", "to", "account_id", *FILTER_FIELDS)
    args = ctx.request.args
    account_id = args.get("account_id") or None
    if account_id is not None and not ACCOUNT_ID.match(account_id):
        raise InvalidInput(f"account_id {account_id[:40]!r} is not an account id", field="account_id")
    filters: list[tuple[str, str | None]] = []
    for name in FILTER_FIELDS:
        values = args.getlist(name)
        if len(values) > 1:
            raise InvalidInput(f"give {name} once", field=name)
        if values:
            value = values[0]
            if not value or len(value) > 200:
                raise InvalidInput(f"{name} must be a value (or null)", field=name)
            filters.append((name, None if value == "null" else value))
    query = ExplainQuery(
        start=parse_date(args.get("from"), "from"),
        end=parse_date(args.get("to"), "to"),
        filters=tuple(filters),
        account_id=account_id,
    )
    service = ctx.services.explain()
    return json_response(200, service.explain(ctx.tenant_id, query))


ROUTES: tuple[Route, ...] = (
    Route(
        "GET",
        "/v1/usage/explain",
        explain,
        "How the cost of the selected rows was computed: tokens x rate per class, per UTC day and price.",
        response=models_costs.ExplainResponse,
        query=(
            query_param("from", "First UTC day, inclusive.", {"type": "string", "format": "date"}, True),
            query_param("to", "Last UTC day, inclusive (at most 93 days).", {"type": "string", "format": "date"}, True),
            query_param("account_id", "Only this account.", {"type": "string"}),
            *(
                query_param(name, f"Only rows with this {name} (null: rows where it is null).", {"type": "string"})
                for name in FILTER_FIELDS
            ),
        ),
    ),
)
