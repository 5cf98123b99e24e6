"""Building blocks for API handlers: routes, the request context, JSON bodies and parameter parsing.

One place reads a request: ``Ctx.body(Model)`` for the JSON body and ``Ctx.query(Model)`` for the query
string each validate once against a pydantic model, and the OpenAPI document is generated from the same
models and path parameters, so the contract states exactly the bounds the server enforces.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError
from werkzeug.routing import BaseConverter, Map, Rule
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
MAX_JSON_DEPTH = 16
"""Deepest nesting a JSON body may have (our bodies need 3): a deeper one is refused before validation."""


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


# -- path parameters --------------------------------------------------------------------------------


@dataclass(frozen=True)
class PathParameter:
    """What a path parameter looks like: routing matches this regex, and the OpenAPI document states it.

    A path whose parameter does not match is not routed: it answers 404 like any unknown path.
    """

    regex: str
    description: str = ""

    @classmethod
    def of(cls, pattern: re.Pattern[str], description: str = "") -> PathParameter:
        """From an anchored id pattern such as ``^acc_[0-9a-f]{16}$``."""
        return cls(pattern.pattern.removeprefix("^").removesuffix("$"), description)

    def schema(self) -> dict[str, Any]:
        return {"type": "string", "pattern": f"^{self.regex}$"}


ANY_SEGMENT = PathParameter(r"[^/]+")
ACCOUNT = PathParameter.of(ACCOUNT_ID, "An account id (acc_ and 16 hex digits).")


# -- bodies and query strings ---------------------------------------------------------------------


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise BadRequest(f"the body names {key[:60]!r} twice", field=key[:100])
        out[key] = value
    return out


def _refuse_constant(name: str) -> Any:
    raise BadRequest(f"the body holds {name}, which is not JSON", field="body")


def _strings(value: Any) -> Iterator[tuple[str, str]]:
    """Every string of a parsed JSON document (keys too) with its dotted path, without recursion."""
    stack: list[tuple[Any, str]] = [(value, "")]
    while stack:
        node, path = stack.pop()
        if isinstance(node, str):
            yield node, path or "body"
        elif isinstance(node, dict):
            for k, v in node.items():
                where = f"{path}.{k}" if path else str(k)
                stack += [(k, where), (v, where)]
        elif isinstance(node, list):
            stack += [(v, f"{path}.{i}" if path else str(i)) for i, v in enumerate(node)]


def _depth(text: str) -> int:
    """The nesting depth of a JSON text (brackets inside strings not counted)."""
    depth = deepest = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth -= 1
    return deepest


def _is_text(value: str) -> bool:
    """False for strings holding lone UTF-16 surrogates (valid JSON escapes, but no valid text)."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def parse_json_body(raw: bytes) -> dict[str, Any]:
    """A JSON object from a request body, or a 400/422 naming what is wrong.

    Refused: invalid JSON or UTF-8, NaN and Infinity, a key given twice, nesting deeper than
    MAX_JSON_DEPTH (a 2 KB body can nest 1,000 arrays), and strings holding lone UTF-16 surrogates
    (``"\\ud800"`` is valid JSON but not text: it could not be stored).
    """
    try:
        text = raw.decode("utf-8") if raw else "null"
    except UnicodeDecodeError:
        raise BadRequest("the body is not UTF-8", field="body") from None
    if _depth(text) > MAX_JSON_DEPTH:
        raise BadRequest(f"the body nests deeper than {MAX_JSON_DEPTH} levels", field="body")
    try:
        data = json.loads(text, object_pairs_hook=_no_duplicate_keys, parse_constant=_refuse_constant)
    except (ValueError, RecursionError):
        raise BadRequest("the body is not valid JSON", field="body") from None
    if not isinstance(data, dict):
        raise BadRequest("the body must be a JSON object", field="body")
    for value, where in _strings(data):
        if not _is_text(value):
            where = where.encode("utf-8", "replace").decode()[:100]
            raise InvalidInput(f"{where}: holds a lone UTF-16 surrogate, which is not text", field=where)
    return data


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
        data = parse_json_body(raw)
        try:
            return model.model_validate(data)
        except ValidationError as exc:
            raise validation_error(exc) from None

    def query(self, model: type[M]) -> M:
        """The query string validated by ``model`` (see ``query_parameters``): unknown names, a name given
        twice where one value is expected, and values outside the documented bounds are a 422 naming it."""
        args = self.request.args
        fields = {info.alias or name: info for name, info in model.model_fields.items()}
        data: dict[str, Any] = {}
        for name in args:
            if name not in fields:
                raise InvalidInput(
                    f"unknown query parameter {name[:60]!r}; allowed: {', '.join(fields) or 'none'}", field=name[:100]
                )
            values = args.getlist(name)
            if _is_list(fields[name].annotation):
                data[name] = values
            elif len(values) > 1:
                raise InvalidInput(f"give {name} once", field=name)
            else:
                data[name] = values[0]
        try:
            return model.model_validate(data)
        except ValidationError as exc:
            raise validation_error(exc) from None

    def only_params(self, *allowed: str) -> None:
        for name in self.request.args:
            if name not in allowed:
                raise InvalidInput(
                    f"unknown query parameter {name[:60]!r}; allowed: {', '.join(allowed) or 'none'}", field=name
                )

    def account_id(self, value: str | None = None) -> str:
        """The ``{id}`` path parameter as an account id; a malformed one is simply not found."""
        value = self.params["id"] if value is None else value
        if not ACCOUNT_ID.match(value):
            raise NotFound(f"no account {value[:40]!r}", field="account_id")
        return value


def _is_list(annotation: Any) -> bool:
    origin = getattr(annotation, "__origin__", None)
    if origin is list:
        return True
    return any(_is_list(a) for a in getattr(annotation, "__args__", ()) if a is not type(None))


class NoQuery(BaseModel):
    """The query model of endpoints that take no query parameter."""

    model_config = ConfigDict(extra="forbid")


# -- routes ---------------------------------------------------------------------------------------

ERROR_DESCRIPTIONS: Mapping[int, str] = MappingProxyType(
    {
        400: "Malformed request (not JSON, nested too deep, a semantic rule such as from <= to); names the field.",
        401: "Missing, expired or forged token.",
        403: "Not a member of the tenant, or your role cannot do this.",
        404: "Not found (or another tenant's).",
        409: "Conflicts with the current state (the error says which).",
        413: "Body too large.",
        422: "Invalid input; the error names the field.",
        503: "A provider could not be reached, or the store was busy (Retry-After); nothing was changed. Try again.",
    }
)


@dataclass(frozen=True)
class Route:
    """One endpoint and what the OpenAPI document says of it.

    ``pattern`` names path parameters as ``{name}``; ``path`` says what each looks like (default: any
    segment). ``query_model`` is the pydantic model of the query string (``Ctx.query`` validates against
    it, and ``query`` is generated from it); routes without one describe ``query`` by hand. ``errors``
    lists the statuses beyond those every route can answer (409, 503...), with why when it helps.
    """

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
    query_model: type[BaseModel] | None = None
    path: Mapping[str, PathParameter] = field(default_factory=dict)
    errors: Mapping[int, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        unknown = set(self.path) - set(self.path_names)
        if unknown:
            raise ValueError(f"{self.pattern}: no path parameter {sorted(unknown)}")
        if self.query_model is not None:
            object.__setattr__(self, "query", query_parameters(self.query_model))

    @property
    def path_names(self) -> list[str]:
        return re.findall(r"\{(\w+)\}", self.pattern)

    def parameter(self, name: str) -> PathParameter:
        return self.path.get(name, ANY_SEGMENT)

    def rule_string(self, converters: Mapping[str, str]) -> str:
        """The werkzeug rule: each ``{name}`` becomes ``<converter:name>``, the converter holding its regex."""
        return re.sub(r"\{(\w+)\}", lambda m: f"<{converters[self.parameter(m[1]).regex]}:{m[1]}>", self.pattern)


def route_map(routes: tuple[Route, ...]) -> Map:
    """The werkzeug routing map of a route table (endpoint = index in the table): it matches paths, and
    knows which methods a path allows (405)."""
    names: dict[str, str] = {}
    converters: dict[str, type[BaseConverter]] = {}
    for route in routes:
        for name in route.path_names:
            regex = route.parameter(name).regex
            if regex not in names:
                names[regex] = f"param{len(names)}"
                converters[names[regex]] = type("PathConverter", (BaseConverter,), {"regex": regex})
    rules = [Rule(r.rule_string(names), methods=[r.method], endpoint=i) for i, r in enumerate(routes)]
    return Map(rules, converters=converters, strict_slashes=False, merge_slashes=False)


def json_response(status: int, body: Any, headers: dict[str, str] | None = None) -> Response:
    return Response(json.dumps(body, default=str), status=status, headers=headers, mimetype="application/json")


def no_content(headers: dict[str, str] | None = None) -> Response:
    """204: no body and no Content-Type (werkzeug would otherwise say text/plain)."""
    response = Response(status=204, headers=headers)
    del response.headers["Content-Type"]
    return response


def validation_error(exc: ValidationError) -> InvalidInput:
    first = exc.errors()[0]
    where = ".".join(str(p) for p in first.get("loc", ())) or "body"
    kind = first.get("type")
    if kind == "extra_forbidden":
        return InvalidInput(f"unknown field {where[:100]!r}", field=where[:100])
    if kind == "missing":
        return InvalidInput(f"{where} is required", field=where)
    message = str(first.get("msg", "invalid")).removeprefix("Value error, ")
    return InvalidInput(f"{where}: {message}", field=where)


def query_param(name: str, description: str, schema: dict[str, Any], required: bool = False) -> dict[str, Any]:
    """An OpenAPI query parameter description."""
    return {"name": name, "in": "query", "required": required, "schema": schema, "description": description}


def query_parameters(model: type[BaseModel]) -> tuple[dict[str, Any], ...]:
    """The OpenAPI query parameters of a query model: one per field, with the field's own schema."""
    schema = model.model_json_schema()
    if "$defs" in schema:
        raise ValueError(f"{model.__name__}: query parameters must be plain values or lists of them")
    required = set(schema.get("required", ()))
    out = []
    for name, prop in schema.get("properties", {}).items():
        prop = dict(prop)
        description = prop.pop("description", "")
        prop.pop("title", None)
        param = query_param(name, description, prop, name in required)
        if prop.get("type") == "array":
            param.update(style="form", explode=True)
        out.append(param)
    return tuple(out)
