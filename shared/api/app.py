"""The API's routing, validation and error mapping, independent of the serving framework.

`ApiApp.handle()` takes a werkzeug/flask request and returns a werkzeug response. Every error a user
can cause becomes a 4xx whose JSON names the field; anything unexpected is logged and answered 500
without details.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from pydantic import ValidationError
from werkzeug.wrappers import Request, Response

from shared.accounts import Account
from shared.api import models
from shared.auth import Principal, TokenVerifier
from shared.errors import (
    BadRequest,
    Forbidden,
    InvalidInput,
    NotFound,
    PayloadTooLarge,
    TokenMeterError,
)
from shared.services.accounts import AccountService
from shared.services.usage_query import UsageQuery, UsageQueryService

log = logging.getLogger(__name__)

ACCOUNT_ID = re.compile(r"^acc_[0-9a-f]{16}$")
WRITE_ROLES = ("owner", "admin")


@dataclass(frozen=True)
class Route:
    method: str
    pattern: str  # e.g. /v1/accounts/{id}
    handler: str
    summary: str
    auth: bool = True
    write: bool = False

    def match(self, method: str, path: str) -> dict[str, str] | None:
        if method != self.method:
            return None
        regex = "^" + re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", self.pattern) + "$"
        m = re.match(regex, path)
        return m.groupdict() if m else None


ROUTES: tuple[Route, ...] = (
    Route("GET", "/v1/openapi.json", "openapi", "This document.", auth=False),
    Route("POST", "/v1/accounts", "connect", "Connect a provider organization (key verified live).", write=True),
    Route("GET", "/v1/accounts", "list_accounts", "List connected accounts."),
    Route("GET", "/v1/accounts/{id}", "get_account", "One account with its sync status and history progress."),
    Route(
        "DELETE",
        "/v1/accounts/{id}",
        "disconnect",
        "Disconnect: delete the key, stop syncing, keep history.",
        write=True,
    ),
    Route("POST", "/v1/accounts/{id}/sync", "sync", "Start a sync now.", write=True),
    Route("GET", "/v1/usage", "usage", "Tokens and cost grouped by model, key, workspace, account, day, hour..."),
)


def _json(status: int, body: Any, headers: dict[str, str] | None = None) -> Response:
    return Response(json.dumps(body, default=str), status=status, headers=headers, mimetype="application/json")


def error_response(exc: TokenMeterError) -> Response:
    return _json(exc.status, {"error": {"code": exc.code, "message": exc.message, "field": exc.field}})


def account_out(account: Account, now: datetime) -> dict[str, Any]:
    out = models.AccountOut(
        id=account.id,
        provider=account.provider,
        name=account.name,
        status=account.status,
        status_reason=account.status_reason,
        organization=models.OrganizationOut(id=account.organization_id, name=account.organization_name),
        key_hint=account.key_hint,
        created_at=account.created_at,
        last_sync_at=account.last_sync_at,
        last_success_at=account.last_success_at,
        next_sync_at=account.next_sync_at,
        synced_through=account.synced_through,
        history=models.HistoryProgress(**account.history_progress(now)),
    )
    return out.model_dump(mode="json")


def _parse_date(value: str | None, name: str) -> date:
    if value is None or value == "":
        raise InvalidInput(f"{name} is required (YYYY-MM-DD)", field=name)
    try:
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            raise ValueError
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidInput(f"{name} must be a date as YYYY-MM-DD, got {value!r}", field=name) from None


def _validation_error(exc: ValidationError) -> InvalidInput:
    first = exc.errors()[0]
    where = ".".join(str(p) for p in first.get("loc", ())) or "body"
    kind = first.get("type")
    if kind == "extra_forbidden":
        return InvalidInput(f"unknown field {where!r}", field=where)
    if kind == "missing":
        return InvalidInput(f"{where} is required", field=where)
    return InvalidInput(f"{where}: {first.get('msg')}", field=where)


@dataclass
class ApiApp:
    verifier: TokenVerifier
    accounts: Callable[[], AccountService]
    usage: Callable[[], UsageQueryService]
    openapi: Callable[[], dict[str, Any]]
    max_body_bytes: int = 16 * 1024
    cors_origin: str = ""
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)

    def handle(self, request: Request) -> Response:
        if request.method == "OPTIONS":
            return self._cors(Response(status=204), preflight=True)
        try:
            response = self._dispatch(request)
        except TokenMeterError as exc:
            response = error_response(exc)
        except Exception:
            log.exception("unhandled error", extra={"path": request.path, "method": request.method})
            response = _json(500, {"error": {"code": "internal", "message": "internal error", "field": None}})
        return self._cors(response)

    def _cors(self, response: Response, preflight: bool = False) -> Response:
        if self.cors_origin:
            response.headers["Access-Control-Allow-Origin"] = self.cors_origin
            response.headers["Vary"] = "Origin"
            if preflight:
                response.headers["Access-Control-Allow-Methods"] = "GET, POST, DELETE, OPTIONS"
                response.headers["Access-Control-Allow-Headers"] = "Authorization, Content-Type"
                response.headers["Access-Control-Max-Age"] = "3600"
        return response

    def _dispatch(self, request: Request) -> Response:
        path = request.path.rstrip("/") or "/"
        allowed: list[str] = []
        for route in ROUTES:
            params = route.match(request.method, path)
            if params is None:
                if route.match(route.method, path) is not None:
                    allowed.append(route.method)
                continue
            principal: Principal | None = None
            if route.auth:
                principal = self.verifier.verify(request.headers.get("Authorization"))
                if route.write and principal.role not in WRITE_ROLES:
                    raise Forbidden(f"your role ({principal.role}) can read but not change accounts")
            handler: Callable[..., Response] = getattr(self, "_" + route.handler)
            return handler(request, principal, **params)
        if allowed:
            return _json(
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
        raise NotFound(f"no such endpoint: {request.method} {path}")

    # -- helpers --------------------------------------------------------------------------------

    def _body(self, request: Request) -> dict[str, Any]:
        length = request.content_length
        if length is not None and length > self.max_body_bytes:
            raise PayloadTooLarge(f"the body is {length} bytes; at most {self.max_body_bytes}", field="body")
        raw = request.get_data(cache=False)[: self.max_body_bytes + 1]
        if len(raw) > self.max_body_bytes:
            raise PayloadTooLarge(f"the body is over {self.max_body_bytes} bytes", field="body")
        if request.mimetype != "application/json":
            raise BadRequest("send the body as JSON with Content-Type: application/json", field="body")
        try:
            body = json.loads(raw or b"null")
        except (ValueError, UnicodeDecodeError):
            raise BadRequest("the body is not valid JSON", field="body") from None
        if not isinstance(body, dict):
            raise BadRequest("the body must be a JSON object", field="body")
        return body

    @staticmethod
    def _account_id(value: str) -> str:
        if not ACCOUNT_ID.match(value):
            raise NotFound(f"no account {value[:40]!r}", field="account_id")
        return value

    @staticmethod
    def _no_unknown_params(request: Request, allowed: tuple[str, ...]) -> None:
        for name in request.args:
            if name not in allowed:
                raise InvalidInput(f"unknown query parameter {name!r}; allowed: {', '.join(allowed)}", field=name)

    # -- handlers -------------------------------------------------------------------------------

    def _openapi(self, request: Request, principal: Principal | None) -> Response:
        return _json(200, self.openapi())

    def _connect(self, request: Request, principal: Principal) -> Response:
        try:
            body = models.ConnectAccountRequest.model_validate(self._body(request))
        except ValidationError as exc:
            raise _validation_error(exc) from None
        account = self.accounts().connect(principal.tenant_id, body.provider, body.name.strip(), body.api_key)
        return _json(201, account_out(account, self.clock()), headers={"Location": f"/v1/accounts/{account.id}"})

    def _list_accounts(self, request: Request, principal: Principal) -> Response:
        self._no_unknown_params(request, ("include_disconnected",))
        raw = request.args.get("include_disconnected", "false").lower()
        if raw not in ("true", "false"):
            raise InvalidInput("include_disconnected must be true or false", field="include_disconnected")
        now = self.clock()
        accounts = self.accounts().list(principal.tenant_id, include_disconnected=raw == "true")
        return _json(200, {"accounts": [account_out(a, now) for a in accounts]})

    def _get_account(self, request: Request, principal: Principal, id: str) -> Response:
        account = self.accounts().get(principal.tenant_id, self._account_id(id))
        return _json(200, account_out(account, self.clock()))

    def _disconnect(self, request: Request, principal: Principal, id: str) -> Response:
        self._no_unknown_params(request, ())
        account = self.accounts().disconnect(principal.tenant_id, self._account_id(id))
        return _json(200, account_out(account, self.clock()))

    def _sync(self, request: Request, principal: Principal, id: str) -> Response:
        account = self.accounts().request_sync(principal.tenant_id, self._account_id(id))
        return _json(202, {"account_id": account.id, "status": "accepted"})

    def _usage(self, request: Request, principal: Principal) -> Response:
        self._no_unknown_params(request, ("from", "to", "group_by", "account_id"))
        group_by: list[str] = []
        for value in request.args.getlist("group_by"):
            group_by += [g.strip() for g in value.split(",") if g.strip()]
        account_id = request.args.get("account_id") or None
        if account_id is not None and not ACCOUNT_ID.match(account_id):
            raise InvalidInput(f"account_id {account_id[:40]!r} is not an account id", field="account_id")
        query = UsageQuery(
            start=_parse_date(request.args.get("from"), "from"),
            end=_parse_date(request.args.get("to"), "to"),
            group_by=tuple(group_by),
            account_id=account_id,
        )
        return _json(200, self.usage().query(principal.tenant_id, query))
