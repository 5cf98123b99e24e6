"""The OpenAPI document, generated from the route table and the pydantic models (so it stays true).

Every bound the server enforces comes from the same place the server reads it: body and query models,
path parameter patterns (the routing regexes), the statuses a route declares. Errors share one schema.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from shared.alerts import webhooks
from shared.api import models
from shared.api.app import OPENAPI_PATH
from shared.api.http import ERROR_DESCRIPTIONS, Route
from shared.api.models import TEXT_RULES

DESCRIPTION = f"""What your LLM API usage costs. Money is USD as decimal strings; times are UTC.

Every error is `{{"error": {{"code", "message", "field"}}}}` with the field it is about. Unknown fields and
query parameters are refused (422 naming them); `null` is accepted only where a field says so (a PATCH
leaves out what it does not change). Text: {TEXT_RULES} No string of a body may hold a lone UTF-16
surrogate (`\\ud800`): that is refused with 422. Bodies are JSON objects of at most the server's
configured size (413 beyond), nested at most 16 levels deep (400 beyond).
"""


def _ref(model: type[BaseModel], schemas: dict[str, Any]) -> dict[str, str]:
    schema = model.model_json_schema(ref_template="#/components/schemas/{model}", by_alias=True)
    for name, sub in schema.pop("$defs", {}).items():
        schemas[name] = sub
    schemas[model.__name__] = schema
    return {"$ref": f"#/components/schemas/{model.__name__}"}


def _statuses(route: Route) -> dict[int, str]:
    """The error statuses a route can answer, with why."""
    # Every route may meet a busy store (503 with Retry-After: contention on the same document).
    out: dict[int, str] = {404: ERROR_DESCRIPTIONS[404], 503: ERROR_DESCRIPTIONS[503]}
    if route.auth:
        out[401] = ERROR_DESCRIPTIONS[401]
    if route.tenant_scoped:
        out[403] = ERROR_DESCRIPTIONS[403]
    if route.body is not None or route.query:
        out[400] = ERROR_DESCRIPTIONS[400]
        out[422] = ERROR_DESCRIPTIONS[422]
    if route.body is not None:
        out[413] = ERROR_DESCRIPTIONS[413]
    for status, why in route.errors.items():
        out[status] = why or ERROR_DESCRIPTIONS[status]
    return dict(sorted(out.items()))


def _webhook(schemas: dict[str, Any]) -> dict[str, Any]:
    """The alert webhook TokenMeter sends (OpenAPI 3.1 webhooks): its headers and body."""

    def header(description: str) -> dict[str, Any]:
        return {"required": True, "description": description, "schema": {"type": "string"}}

    return {
        "post": {
            "operationId": "alert_webhook",
            "summary": "An alert, POSTed to a webhook channel's URL (at least once: see the idempotency key).",
            "parameters": [
                {
                    "name": webhooks.IDEMPOTENCY_HEADER,
                    "in": "header",
                    **header(
                        "The alert id: the same on every delivery of one alert (retries, the rare double send "
                        "after a crash). Keep the ids you have processed and drop a repeat."
                    ),
                },
                {
                    "name": webhooks.ALERT_ID_HEADER,
                    "in": "header",
                    **header(f"The alert id too (the same value as {webhooks.IDEMPOTENCY_HEADER})."),
                },
                {"name": webhooks.TIMESTAMP_HEADER, "in": "header", **header("Unix seconds when it was sent.")},
                {
                    "name": webhooks.SIGNATURE_HEADER,
                    "in": "header",
                    **header(
                        "sha256=<hex HMAC-SHA256 of '<timestamp>.<raw body>' keyed by the channel's secret>. "
                        "Compare in constant time; refuse timestamps more than 5 minutes old."
                    ),
                },
            ],
            "requestBody": {
                "required": True,
                "content": {"application/json": {"schema": _ref(models.AlertWebhookBody, schemas)}},
            },
            "responses": {"2XX": {"description": "Delivered. Anything else is retried, then dead-lettered."}},
        }
    }


def build_openapi(routes: tuple[Route, ...] | None = None) -> dict[str, Any]:
    if routes is None:
        from shared.api.routes import ROUTES

        routes = ROUTES
    schemas: dict[str, Any] = {}
    error = {"content": {"application/json": {"schema": _ref(models.ErrorOut, schemas)}}}
    paths: dict[str, dict[str, Any]] = {
        OPENAPI_PATH: {
            "get": {
                "operationId": "openapi",
                "summary": "This document.",
                "security": [],
                "responses": {"200": {"description": "OK", "content": {"application/json": {"schema": {}}}}},
            }
        }
    }
    for route in routes:
        success: dict[str, Any] = {"description": "OK" if route.status != 204 else "Done; no body."}
        if route.status != 204:
            if route.media_type == "application/json":
                schema = _ref(route.response, schemas) if route.response else {}
            else:
                schema = {"type": "string"}
            success["content"] = {route.media_type: {"schema": schema}}
        responses: dict[str, Any] = {str(route.status): success}
        for status, why in _statuses(route).items():
            responses[str(status)] = {"description": why, **error}
        op: dict[str, Any] = {
            "operationId": route.handler.__name__,
            "summary": route.summary,
            "security": [{"bearer": []}] if route.auth else [],
            "responses": responses,
        }
        params: list[dict[str, Any]] = []
        for name in route.path_names:
            parameter = route.parameter(name)
            params.append({"name": name, "in": "path", "required": True, "schema": parameter.schema()})
            if parameter.description:
                params[-1]["description"] = parameter.description
        params += list(route.query)
        if params:
            op["parameters"] = params
        if route.body is not None:
            op["requestBody"] = {
                "required": True,
                "content": {"application/json": {"schema": _ref(route.body, schemas)}},
            }
        paths.setdefault(route.pattern, {})[route.method.lower()] = op
    return {
        "openapi": "3.1.0",
        "info": {"title": "TokenMeter API", "version": "1.0.0", "description": DESCRIPTION},
        "servers": [{"url": "/"}],
        "paths": paths,
        "webhooks": {"alert": _webhook(schemas)},
        "components": {
            "schemas": schemas,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}},
        },
    }
