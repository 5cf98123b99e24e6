"""Building blocks for API handlers: routes, the request context, JSON bodies and parameter parsing."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, TypeVar

from pydantic import BaseModel, ValidationError
from werkzeug.wrappers import Request, Response

from shared.errors import BadRequest, InvalidInput, NotFound, PayloadTooLarge
from shared.security.auth import Identity, Principal

if TYPE_CHECKING:  # types only: the api function imports a service when a request first needs it
    from shared.alerts.admin import AlertAdmin
    from shared.services.accounts import AccountService
    from shared.services.explain import ExplainService
    from shared.services.export import ExportService
    from shared.services.insights import InsightsService
    from shared.services.reconciliation import ReconciliationService
    from shared.services.settings import SettingsService
    from shared.services.tenancy import TenancyService
    from shared.services.usage_query import UsageQueryService

ACCOUNT_ID = re.compile(r"^acc_[0-9a-f]{16}$")


def _not_wired(name: str) -> Callable[[], Any]:
    def missing() -> Any:
        raise RuntimeError(f"the {name} service is not wired in this app")

    return missing


@dataclass(frozen=True)
class Services:
    """The services handlers call, each built on first use (a handler pays only for what it calls). Typed:
    a misspelt service or method is a mypy error."""

    accounts: Callable[[], AccountService] = field(default_factory=lambda: _not_wired("accounts"))
    tenancy: Callable[[], TenancyService] = field(default_factory=lambda: _not_wired("tenancy"))
    usage: Callable[[], UsageQueryService] = field(default_factory=lambda: _not_wired("usage"))
    reconciliation: Callable[[], ReconciliationService] = field(default_factory=lambda: _not_wired("reconciliation"))
    explain: Callable[[], ExplainService] = field(default_factory=lambda: _not_wired("explain"))
    settings: Callable[[], SettingsService] = field(default_factory=lambda: _not_wired("settings"))
    alerts: Callable[[], AlertAdmin] = field(default_factory=lambda: _not_wired("alerts"))
    export: Callable[[], ExportService] = field(default_factory=lambda: _not_wired("export"))
    insights: Callable[[], InsightsService] = field(default_factory=lambda: _not_wired("insights"))


WRITE_ROLES = ("owner", "admin")
M = TypeVar("M", bound=BaseModel)


@dataclass
class Ctx:
    """What a handler gets: the request, who is asking, the path parameters and the services."""

    request: Request
    principal: Principal
    params: dict[str, str]
    services: Services
    clock: Callable[[], datetime]
    max_body_bytes: int
    identity: Identity | None = None

    @property
    def tenant_id(self) -> str:
        return self.principal.tenant_id

    def body(self, model: type[M]) -> M:
        """The JSON body, size-checked and validated; unknown fields are refused by the model."""
        request = self.request
        length = request.content_length
        if length is not None and length > self.max_body_bytes:
            raise PayloadTooLarge(f"the body is {length} bytes; at most {self.max_body_bytes}", field="body")
        raw = request.get_data(cache=False)[: self.max_body_bytes + 1]
        if len(raw) > self.max_body_bytes:
            raise PayloadTooLarge(f"the body is over {self.max_body_bytes} bytes", field="body")
        if request.mimetype != "application/json":
            raise BadRequest("send the body as JSON with Content-Type: application/json", field="body")
        try:
            data = json.loads(raw or b"null")
        except (ValueError, UnicodeDecodeError):
            raise BadRequest("the body is not valid JSON", field="body") from None
        if not isinstance(data, dict):
            raise BadRequest("the body must be a JSON object", field="body")
        try:
            return model.model_validate(data)
        except ValidationError as exc:
            raise validation_error(exc) from None

    def only_params(self, *allowed: str) -> None:
        for name in self.request.args:
            if name not in allowed:
                raise InvalidInput(
                    f"unknown query parameter {name!r}; allowed: {', '.join(allowed) or 'none'}", field=name
                )

    def account_id(self, value: str | None = None) -> str:
        """The ``{id}`` path parameter as an account id; a malformed one is simply not found."""
        value = self.params["id"] if value is None else value
        if not ACCOUNT_ID.match(value):
            raise NotFound(f"no account {value[:40]!r}", field="account_id")
        return value


@dataclass(frozen=True)
class Route:
    """One endpoint and what the OpenAPI document says of it."""

    method: str
    pattern: str  # e.g. /v1/accounts/{id}
    handler: Callable[[Ctx], Response]
    summary: str
    auth: bool = True
    write: bool = False  # owners and admins only
    owner_only: bool = False  # owners only (members, plan)
    tenant_scoped: bool = True  # False: acts for the signed-in user, before any tenant (creating one)
    status: int = 200
    response: type[BaseModel] | None = None
    media_type: str = "application/json"
    """What a successful answer is (text/csv for exports: its columns are in the summary)."""
    body: type[BaseModel] | None = None
    query: tuple[dict[str, Any], ...] = ()
    _regex: re.Pattern[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        regex = "^" + re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", self.pattern) + "$"
        object.__setattr__(self, "_regex", re.compile(regex))

    def match_path(self, path: str) -> dict[str, str] | None:
        m = self._regex.match(path)
        return m.groupdict() if m else None


def json_response(status: int, body: Any, headers: dict[str, str] | None = None) -> Response:
    return Response(json.dumps(body, default=str), status=status, headers=headers, mimetype="application/json")


def validation_error(exc: ValidationError) -> InvalidInput:
    first = exc.errors()[0]
    where = ".".join(str(p) for p in first.get("loc", ())) or "body"
    kind = first.get("type")
    if kind == "extra_forbidden":
        return InvalidInput(f"unknown field {where!r}", field=where)
    if kind == "missing":
        return InvalidInput(f"{where} is required", field=where)
    return InvalidInput(f"{where}: {first.get('msg')}", field=where)


def parse_date(value: str | None, name: str) -> date:
    if value is None or value == "":
        raise InvalidInput(f"{name} is required (YYYY-MM-DD)", field=name)
    try:
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            raise ValueError
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidInput(f"{name} must be a date as YYYY-MM-DD, got {value[:40]!r}", field=name) from None


def query_param(name: str, description: str, schema: dict[str, Any], required: bool = False) -> dict[str, Any]:
    """An OpenAPI query parameter description."""
    return {"name": name, "in": "query", "required": required, "schema": schema, "description": description}
