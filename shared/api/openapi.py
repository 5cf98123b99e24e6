"""The OpenAPI document, generated from the route table and the pydantic models (so it stays true)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from shared.api import models
from shared.api.app import OPENAPI_PATH
from shared.api.http import Route


def _ref(model: type[BaseModel], schemas: dict[str, Any]) -> dict[str, str]:
    schema = model.model_json_schema(ref_template="#/components/schemas/{model}", by_alias=True)
    for name, sub in schema.pop("$defs", {}).items():
        schemas[name] = sub
    schemas[model.__name__] = schema
    return {"$ref": f"#/components/schemas/{model.__name__}"}


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
                "responses": {"200": {"description": "OK"}},
            }
        }
    }
    for route in routes:
        if route.media_type == "application/json":
            content = {"application/json": {"schema": _ref(route.response, schemas) if route.response else {}}}
        else:
            content = {route.media_type: {"schema": {"type": "string"}}}
        op: dict[str, Any] = {
            "operationId": route.handler.__name__,
            "summary": route.summary,
            "security": [{"bearer": []}] if route.auth else [],
            "responses": {
                str(route.status): {"description": "OK", "content": content},
                "400": {"description": "Malformed request; the error names the field.", **error},
                "401": {"description": "Missing, expired or forged token.", **error},
                "404": {"description": "Not found (or another tenant's).", **error},
                "422": {"description": "Invalid input; the error names the field.", **error},
            },
        }
        if route.write:
            op["responses"]["403"] = {"description": "Your role cannot change this.", **error}
        params: list[dict[str, Any]] = [
            {"name": n, "in": "path", "required": True, "schema": {"type": "string"}} for n in route._regex.groupindex
        ]
        params += list(route.query)
        if params:
            op["parameters"] = params
        if route.body is not None:
            op["requestBody"] = {
                "required": True,
                "content": {"application/json": {"schema": _ref(route.body, schemas)}},
            }
            op["responses"]["413"] = {"description": "Body too large.", **error}
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
