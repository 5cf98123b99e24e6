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

from werkzeug.exceptions import HTTPException, MethodNotAllowed
from werkzeug.exceptions import NotFound as NoRoute
from werkzeug.routing import Map
from werkzeug.wrappers import Request, Response

from shared.api.http import WRITE_ROLES, Ctx, Route, Services, json_response, no_content, route_map
from shared.errors import Forbidden, NotFound, TokenMeterError
from shared.security.auth import TENANT_HEADER, MembershipCache, Principal, TokenVerifier, requested_tenant

log = logging.getLogger(__name__)

OPENAPI_PATH = "/v1/openapi.json"


def error_response(exc: TokenMeterError, headers: dict[str, str] | None = None) -> Response:
    return json_response(
        exc.status, {"error": {"code": exc.code, "message": exc.message, "field": exc.field}}, headers=headers
    )


def http_error_response(exc: HTTPException) -> Response:
    """A werkzeug/Flask HTTP error (a path the framework could not route, a body it could not read) as our
    JSON error, so that no answer is HTML."""
    status = exc.code or 500
    if status >= 500:
        return json_response(500, {"error": {"code": "internal", "message": "internal error", "field": None}})
    code = {404: "not_found", 405: "method_not_allowed", 413: "payload_too_large"}.get(status, "bad_request")
    headers = (
        {"Allow": ", ".join(exc.valid_methods)} if isinstance(exc, MethodNotAllowed) and exc.valid_methods else None
    )
    message = {404: "no such endpoint"}.get(status, exc.description or exc.name)
    return json_response(status, {"error": {"code": code, "message": message, "field": None}}, headers=headers)


def _default_routes() -> tuple[Route, ...]:
    from shared.api.routes import ROUTES

    return ROUTES


def _transient(exc: BaseException) -> bool:
    from google.api_core import exceptions as gexc

    return isinstance(exc, gexc.Aborted | gexc.ServiceUnavailable | gexc.DeadlineExceeded)


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
    _map: Map = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._map = route_map(self.routes)

    def handle(self, request: Request) -> Response:
        try:
            response = self._dispatch(request)
        except TokenMeterError as exc:
            response = error_response(exc)
        except HTTPException as exc:
            response = http_error_response(exc)
        except Exception as exc:
            if _transient(exc):
                # Contention or a busy store (Firestore's Aborted, Unavailable, DeadlineExceeded): nothing was
                # half-done (each write is one transaction or one document), so the client may simply retry.
                log.warning("store busy", extra={"path": request.path, "method": request.method})
                return self._cors(
                    json_response(
                        503,
                        {"error": {"code": "busy", "message": "the store is busy; try again shortly", "field": None}},
                        {"Retry-After": "2"},
                    )
                )
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
        if path == OPENAPI_PATH:
            if request.method in ("GET", "HEAD"):
                # The contract itself is public: it names no tenant and no data.
                return json_response(200, self.openapi())
            return self._not_allowed(request, ["GET", "HEAD"])
        adapter = self._map.bind("api")
        if request.method == "OPTIONS":
            methods = adapter.allowed_methods(path)
            if not methods:
                raise NotFound(f"no such endpoint: {path[:100]}")
            return self._cors(no_content({"Allow": ", ".join(methods)}), preflight=True)
        try:
            index, params = adapter.match(path, request.method)
        except NoRoute:
            raise NotFound(f"no such endpoint: {request.method} {path[:100]}") from None
        except MethodNotAllowed as exc:
            return self._not_allowed(request, list(exc.valid_methods or ()))
        route: Route = self.routes[index]
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
        ctx = Ctx(request, principal, dict(params), self.services, self.clock, self.max_body_bytes, identity)
        response: Response = route.handler(ctx)
        return response

    @staticmethod
    def _not_allowed(request: Request, allowed: list[str]) -> Response:
        return json_response(
            405,
            {
                "error": {
                    "code": "method_not_allowed",
                    "message": f"{request.method[:20]} is not allowed here; use {', '.join(allowed)}",
                    "field": None,
                }
            },
            headers={"Allow": ", ".join(allowed)},
        )


__all__ = ["ApiApp", "Services", "error_response", "http_error_response"]
