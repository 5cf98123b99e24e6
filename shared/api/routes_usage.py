"""Usage: tokens and cost grouped and filtered the way the dashboard asks."""

from __future__ import annotations

from werkzeug.wrappers import Response

from shared.api import models
from shared.api.http import ACCOUNT_ID, Ctx, Route, json_response, parse_date, query_param
from shared.errors import InvalidInput
from shared.services.export import CSV_COLUMNS, FOCUS_COLUMNS, Export
from shared.services.usage_query import FILTER_FIELDS, GROUP_FIELDS, UsageQuery

NULL = "null"
"""The filter value that selects rows where the field is null (the Console key, the Default workspace)."""


def usage_query(ctx: Ctx, *extra: str) -> UsageQuery:
    """The usage query of the request's parameters (shared by the usage view and its exports)."""
    ctx.only_params("from", "to", "group_by", "account_id", "time_zone", *FILTER_FIELDS, *extra)
    args = ctx.request.args
    group_by: list[str] = []
    for value in args.getlist("group_by"):
        group_by += [g.strip() for g in value.split(",") if g.strip()]
    account_id = args.get("account_id") or None
    if account_id is not None and not ACCOUNT_ID.match(account_id):
        raise InvalidInput(f"account_id {account_id[:40]!r} is not an account id", field="account_id")
    filters: list[tuple[str, tuple[str | None, ...]]] = []
    for name in FILTER_FIELDS:
        if name not in args:
            continue
        values: list[str | None] = []
        for raw in args.getlist(name):
            for value in (v.strip() for v in raw.split(",")):
                if not value:
                    raise InvalidInput(f"{name} has an empty value", field=name)
                if len(value) > 200:
                    raise InvalidInput(f"{name} value is too long (at most 200 characters)", field=name)
                values.append(None if value == NULL and name in ("api_key", "workspace") else value)
        filters.append((name, tuple(values)))
    return UsageQuery(
        start=parse_date(args.get("from"), "from"),
        end=parse_date(args.get("to"), "to"),
        group_by=tuple(group_by),
        account_id=account_id,
        time_zone=args.get("time_zone") if "time_zone" in args else None,
        filters=tuple(filters),
    )


def usage(ctx: Ctx) -> Response:
    return json_response(200, ctx.services.usage().query(ctx.tenant_id, usage_query(ctx)))


def _csv(export: Export) -> Response:
    headers = {"Content-Disposition": f'attachment; filename="{export.filename}"', **export.headers}
    return Response(export.lines, status=200, mimetype="text/csv", headers=headers)


def usage_csv(ctx: Ctx) -> Response:
    return _csv(ctx.services.export().csv(ctx.tenant_id, usage_query(ctx)))


def usage_focus(ctx: Ctx) -> Response:
    return _csv(ctx.services.export().focus(ctx.tenant_id, usage_query(ctx)))


def _list_param(name: str, description: str) -> dict[str, object]:
    return {
        **query_param(name, description, {"type": "array", "items": {"type": "string", "minLength": 1}}),
        "style": "form",
        "explode": True,
    }


USAGE_PARAMETERS = (
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
    query_param("account_id", "Only this account.", {"type": "string", "pattern": ACCOUNT_ID.pattern}),
    query_param(
        "time_zone",
        "IANA zone the days and weeks are cut in (default: the tenant's setting). UTC matches the invoice.",
        {"type": "string"},
    ),
    _list_param("provider", "Only these providers (anthropic, openai)."),
    _list_param("model", "Only these models."),
    _list_param("api_key", "Only these API key ids; null for Console/Workbench usage."),
    _list_param("workspace", "Only these workspaces (OpenAI: projects); null for the Default workspace."),
    _list_param("service_tier", "Only these service tiers (standard, batch, priority, ...)."),
)

ROUTES: tuple[Route, ...] = (
    Route(
        "GET",
        "/v1/usage",
        usage,
        "Tokens and cost grouped by provider, account, model, API key, workspace, tier, month, week, day or hour.",
        response=models.UsageResponse,
        query=USAGE_PARAMETERS,
    ),
    Route(
        "GET",
        "/v1/usage/export.csv",
        usage_csv,
        "The usage view as CSV, streamed: one row per group (default: every dimension) and day, exact decimals. "
        f"Columns: {', '.join(CSV_COLUMNS)}.",
        media_type="text/csv",
        query=USAGE_PARAMETERS,
    ),
    Route(
        "GET",
        "/v1/usage/export.focus.csv",
        usage_focus,
        "The same usage in the FinOps Foundation's FOCUS 1.2 format (UTC days; one row per day, account, grouping "
        "and usage class; unpriced usage left out and counted in X-Unpriced-Tokens). "
        f"Columns: {', '.join(FOCUS_COLUMNS)}.",
        media_type="text/csv",
        query=USAGE_PARAMETERS,
    ),
)
