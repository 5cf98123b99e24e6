"""Usage: tokens and cost grouped and filtered the way the dashboard asks."""

from __future__ import annotations

from werkzeug.wrappers import Response

from shared.api import models
from shared.api.http import Ctx, Route, json_response
from shared.services.export import CSV_COLUMNS, FOCUS_COLUMNS, Export
from shared.services.usage_query import UsageQuery


def usage_query(ctx: Ctx, params: type[models.SelectionParams] = models.UsageParams) -> UsageQuery:
    """The usage query of the request's parameters (the usage view, its exports, and the insights' periods)."""
    q = ctx.query(params)
    return UsageQuery(
        start=q.from_,
        end=q.to,
        group_by=tuple(q.group_by) if isinstance(q, models.UsageParams) else (),
        account_id=q.account_id,
        time_zone=q.time_zone,
        filters=q.filters(),
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


ROUTES: tuple[Route, ...] = (
    Route(
        "GET",
        "/v1/usage",
        usage,
        "Tokens and cost grouped by provider, account, model, API key, workspace, tier, month, week, day or hour.",
        response=models.UsageResponse,
        query_model=models.UsageParams,
    ),
    Route(
        "GET",
        "/v1/usage/export.csv",
        usage_csv,
        "The usage view as CSV, streamed: one row per group (default: every dimension) and day, exact decimals. "
        f"Columns: {', '.join(CSV_COLUMNS)}.",
        media_type="text/csv",
        query_model=models.UsageParams,
    ),
    Route(
        "GET",
        "/v1/usage/export.focus.csv",
        usage_focus,
        "The same usage in the FinOps Foundation's FOCUS 1.2 format (UTC days; one row per day, account, grouping "
        "and usage class; unpriced usage left out and counted in X-Unpriced-Tokens). "
        f"Columns: {', '.join(FOCUS_COLUMNS)}.",
        media_type="text/csv",
        query_model=models.UsageParams,
    ),
)
