"""Usage: tokens and cost grouped the way the dashboard asks."""

from __future__ import annotations

from werkzeug.wrappers import Response

from shared.api import models
from shared.api.http import ACCOUNT_ID, Ctx, Route, json_response, parse_date, query_param
from shared.errors import InvalidInput
from shared.services.usage_query import GROUP_FIELDS, UsageQuery, UsageQueryService


def usage(ctx: Ctx) -> Response:
    ctx.only_params("from", "to", "group_by", "account_id", "time_zone")
    args = ctx.request.args
    group_by: list[str] = []
    for value in args.getlist("group_by"):
        group_by += [g.strip() for g in value.split(",") if g.strip()]
    account_id = args.get("account_id") or None
    if account_id is not None and not ACCOUNT_ID.match(account_id):
        raise InvalidInput(f"account_id {account_id[:40]!r} is not an account id", field="account_id")
    query = UsageQuery(
        start=parse_date(args.get("from"), "from"),
        end=parse_date(args.get("to"), "to"),
        group_by=tuple(group_by),
        account_id=account_id,
        time_zone=args.get("time_zone") if "time_zone" in args else None,
    )
    service: UsageQueryService = ctx.service("usage")
    return json_response(200, service.query(ctx.tenant_id, query))


ROUTES: tuple[Route, ...] = (
    Route(
        "GET",
        "/v1/usage",
        usage,
        "Tokens and cost grouped by model, API key, workspace, account, day, hour...",
        response=models.UsageResponse,
        query=(
            query_param("from", "First day (in time_zone), inclusive.", {"type": "string", "format": "date"}, True),
            query_param("to", "Last day (in time_zone), inclusive.", {"type": "string", "format": "date"}, True),
            {
                **query_param(
                    "group_by",
                    "Repeat or comma-separate. hour covers at most 31 days.",
                    {"type": "array", "items": {"type": "string", "enum": list(GROUP_FIELDS)}},
                ),
                "style": "form",
                "explode": True,
            },
            query_param("account_id", "Only this account.", {"type": "string"}),
            query_param(
                "time_zone",
                "IANA zone the days and weeks are cut in (default: the tenant's setting). UTC matches the invoice.",
                {"type": "string"},
            ),
        ),
    ),
)
