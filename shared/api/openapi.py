"""The OpenAPI document, generated from the route table and the pydantic models."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from shared.api import models
from shared.api.app import ROUTES

_RESPONSES: dict[str, tuple[int, type[BaseModel] | None]] = {
    "openapi": (200, None),
    "connect": (201, models.AccountOut),
    "list_accounts": (200, models.AccountList),
    "get_account": (200, models.AccountOut),
    "disconnect": (200, models.AccountOut),
    "sync": (202, models.SyncAccepted),
    "usage": (200, models.UsageResponse),
}
_BODIES: dict[str, type[BaseModel]] = {"connect": models.ConnectAccountRequest}
_QUERY: dict[str, list[dict[str, Any]]] = {
    "list_accounts": [
        {
            "name": "include_disconnected",
            "in": "query",
            "required": False,
            "schema": {"type": "boolean", "default": False},
        },
    ],
    "usage": [
        {
            "name": "from",
            "in": "query",
            "required": True,
            "schema": {"type": "string", "format": "date"},
            "description": "First UTC day, inclusive.",
        },
        {
            "name": "to",
            "in": "query",
            "required": True,
            "schema": {"type": "string", "format": "date"},
            "description": "Last UTC day, inclusive.",
        },
        {
            "name": "group_by",
            "in": "query",
            "required": False,
            "style": "form",
            "explode": True,
            "schema": {
                "type": "array",
                "items": {
                    "type": "string",
                    "enum": ["model", "api_key", "workspace", "account", "day", "hour", "service_tier"],
                },
            },
            "description": "Repeat or comma-separate. hour covers at most 31 days.",
        },
        {"name": "account_id", "in": "query", "required": False, "schema": {"type": "string"}},
    ],
}


def _ref(model: type[BaseModel], schemas: dict[str, Any]) -> dict[str, str]:
    schema = model.model_json_schema(ref_template="#/components/schemas/{model}", by_alias=True)
    for name, sub in schema.pop("$defs", {}).items():
        schemas[name] = sub
    schemas[model.__name__] = schema
    return {"$ref": f"#/components/schemas/{model.__name__}"}


def build_openapi() -> dict[str, Any]:
    schemas: dict[str, Any] = {}
    error_ref = _ref(models.ErrorOut, schemas)
    paths: dict[str, dict[str, Any]] = {}
    for route in ROUTES:
        status, model = _RESPONSES[route.handler]
        op: dict[str, Any] = {
            "operationId": route.handler,
            "summary": route.summary,
            "responses": {
                str(status): {
                    "description": "OK",
                    "content": {"application/json": {"schema": _ref(model, schemas) if model else {"type": "object"}}},
                },
                "4XX": {
                    "description": "Bad input, named",
                    "content": {"application/json": {"schema": error_ref}},
                },
            },
        }
        if route.auth:
            op["security"] = [{"bearer": []}]
        else:
            op["security"] = []
        params = [
            {"name": n, "in": "path", "required": True, "schema": {"type": "string"}}
            for n in ("id",)
            if "{id}" in route.pattern
        ]
        params += _QUERY.get(route.handler, [])
        if params:
            op["parameters"] = params
        if route.handler in _BODIES:
            op["requestBody"] = {
                "required": True,
                "content": {"application/json": {"schema": _ref(_BODIES[route.handler], schemas)}},
            }
        paths.setdefault(route.pattern, {})[route.method.lower()] = op
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "TokenMeter API",
            "version": "1.0.0",
            "description": "What your LLM API usage costs. Money is USD as decimal strings; times are UTC.",
        },
        "servers": [{"url": "/"}],
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}},
        },
    }
