"""The API's dispatch, authentication, role checks, CORS and error mapping.

`ApiApp.handle()` takes a werkzeug/flask request and returns a werkzeug response. Every error a user
can cause becomes a 4xx whose JSON names the field; anything unexpected is logged and answered 500
without details.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from werkzeug.wrappers import Request, Response

from shared.api.http import WRITE_ROLES, Ctx, Route, Services, json_response
from shared.errors import Forbidden, NotFound, TokenMeterError
from shared.security.auth import TENANT_HEADER, MembershipCache, Principal, TokenVerifier, requested_tenant

log = logging.getLogger(__name__)

OPENAPI_PATH = "/v1/openapi.json"


def error_response(exc: TokenMeterError) -> Response:
    return json_response(exc.status, {"error": {"code": exc.code, "message": exc.message, "field": exc.field}})


def _default_routes() -> tuple[Route, ...]:
    from shared.api.routes import ROUTES

    return ROUTES


@dataclass
class ApiApp:
    verifier: TokenVerifier
    memberships: MembershipCache
    services: Services
    openapi: Callable[[], dict[str, Any]]
    max_body_bytes: int = 16 * 1024
    cors_origin: str = ""
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)
    routes: tuple[Route, ...] = field(default_factory=_default_routes)

    def handle(self, request: Request) -> Response:
        if request.method == "OPTIONS":
            return self._cors(Response(status=204), preflight=True)
        try:
            response = self._dispatch(request)
        except TokenMeterError as exc:
            response = error_response(exc)
        except Exception:
            log.exception("unhandled error", extra={"path": request.path, "method": request.method})
            response = json_response(500, {"error": {"code": "internal", "message": "internal error", "field": None}})
        return self._cors(response)

    def _cors(self, response: Response, preflight: bool = False) -> Response:
        if self.cors_origin:
            response.headers["Access-Control-Allow-Origin"] = self.cors_origin
            response.headers["Vary"] = "Origin"
            if preflight:
                response.headers["Access-Control-Allow-Methods"] = "GET, POST, PUT, PATCH, DELETE, OPTIONS"
                response.headers["Access-Control-Allow-Headers"] = f"Authorization, Content-Type, {TENANT_HEADER}"
                response.headers["Access-Control-Max-Age"] = "3600"
        return response

    def _dispatch(self, request: Request) -> Response:
        path = request.path.rstrip("/") or "/"
        if path == OPENAPI_PATH and request.method == "GET":
            # The contract itself is public: it names no tenant and no data.
            return json_response(200, self.openapi())
        allowed: list[str] = []
        for route in self.routes:
            params = route.match_path(path)
            if params is None:
                continue
            if route.method != request.method:
                allowed.append(route.method)
                continue
            identity = self.verifier.verify(request.headers.get("Authorization"))
            if route.tenant_scoped:
                tenant_id = requested_tenant(identity, request.headers.get(TENANT_HEADER))
                role = self.memberships.role(tenant_id, identity.user_id)
                if role is None:
                    # The same answer whether the tenant exists or not: no existence leak.
                    raise Forbidden(f"you are not a member of tenant {tenant_id!r}", field=TENANT_HEADER)
                if route.owner_only and role != "owner":
                    raise Forbidden(f"only an owner can do this (your role: {role})")
                if route.write and role not in WRITE_ROLES:
                    raise Forbidden(f"your role ({role}) can read but not change this")
                principal = Principal(identity.user_id, tenant_id, role)
            else:
                principal = Principal(identity.user_id, "", "")
            ctx = Ctx(request, principal, params, self.services, self.clock, self.max_body_bytes, identity)
            return route.handler(ctx)
        if allowed:
            return json_response(
                405,
                {
                    "error": {
                        "code": "method_not_allowed",
                        "message": f"{request.method} is not allowed here; use {', '.join(allowed)}",
                        "field": None,
                    }
                },
                headers={"Allow": ", ".join(allowed)},
            )
        raise NotFound(f"no such endpoint: {request.method} {path[:100]}")


__all__ = ["ApiApp", "Services", "error_response"]
