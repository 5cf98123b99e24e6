"""Request and response shapes of the API. The OpenAPI document is generated from these."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated, Any, ClassVar, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    GetCoreSchemaHandler,
    GetJsonSchemaHandler,
    ValidationInfo,
    WithJsonSchema,
    create_model,
    field_validator,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema, core_schema

from shared.alerts.email import EMAIL
from shared.api.http import ACCOUNT_ID
from shared.domain.accounts import ProviderName
from shared.domain.settings import TIME_ZONES
from shared.domain.tenancy import PLANS
from shared.domain.usage import COST_CLASSES, QUANTITY_FIELDS
from shared.providers import PROVIDERS
from shared.security.auth import TENANT_ID
from shared.services.usage_query import FILTER_FIELDS as USAGE_FILTER_FIELDS
from shared.services.usage_query import GROUP_FIELDS

# -- text ---------------------------------------------------------------------------------------------

_SPACE = r" \u00a0\u1680\u2000-\u200a\u202f\u205f\u3000"
"""White space that may surround text (it is trimmed): every str.isspace() character not refused below."""
_REFUSED = r"\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069"
"""Control characters (NUL, line breaks...), line and paragraph separators, bidi embeddings, overrides and
isolates (U+202A-U+202E, U+2066-U+2069: they make a name display as something else)."""
TEXT_PATTERN = f"^[{_SPACE}]*[^{_SPACE}{_REFUSED}][^{_REFUSED}]*$"
OPTIONAL_TEXT_PATTERN = f"^[^{_REFUSED}]*$"
TEXT_RULES = (
    "names and other free text refuse control characters (U+0000-U+001F, U+007F-U+009F), line and paragraph "
    "separators and bidi overrides and isolates (U+202A-U+202E, U+2066-U+2069); white space around them is "
    "trimmed, and they are not blank."
)


def text(max_length: int, *, optional: bool = False, description: str | None = None) -> Any:
    """The constraints of names and free text: the pattern refuses what ``TEXT_RULES`` says (validated here
    and stated in the OpenAPI document), the length bound applies to the text as sent. Use it in an
    ``Annotated[str, text(n), Trimmed]`` alias: ``Name`` and ``Note`` are the common ones."""
    return Field(
        min_length=0 if optional else 1,
        max_length=max_length,
        pattern=OPTIONAL_TEXT_PATTERN if optional else TEXT_PATTERN,
        description=description,
    )


Trimmed = AfterValidator(str.strip)
"""Surrounding white space is trimmed after validation (a blank name cannot pass the pattern)."""

Name = Annotated[str, text(120), Trimmed]
"""A display name: account, tenant, budget, channel."""
Note = Annotated[str, text(200, optional=True), Trimmed]
"""Free text that may be empty."""
Email = Annotated[str, Field(max_length=254, pattern=EMAIL.pattern, description="An email address.")]


class _Distinct:
    """Annotated marker of a list whose items are all different: ``uniqueItems`` in the schema, checked here."""

    @staticmethod
    def _check(values: list[Any]) -> list[Any]:
        for i, value in enumerate(values):
            if value in values[:i]:
                raise ValueError(f"names {value!r} twice")
        return values

    def __get_pydantic_core_schema__(self, source: Any, handler: GetCoreSchemaHandler) -> CoreSchema:
        return core_schema.no_info_after_validator_function(self._check, handler(source))

    def __get_pydantic_json_schema__(self, schema: CoreSchema, handler: GetJsonSchemaHandler) -> JsonSchemaValue:
        out = handler(schema)
        out["uniqueItems"] = True
        return out


Distinct = _Distinct()


# -- query strings ------------------------------------------------------------------------------------


def _query_bool(value: Any) -> Any:
    if value in ("true", "false"):
        return value == "true"
    if isinstance(value, bool):
        return value
    raise ValueError("must be true or false")


def _query_int(value: Any) -> Any:
    if isinstance(value, str):
        if not re.fullmatch(r"-?[0-9]{1,9}", value):
            raise ValueError("must be a whole number")
        return int(value)
    return value


QueryBool = Annotated[bool, BeforeValidator(_query_bool)]
"""A query-string boolean: exactly true or false."""
QueryInt = Annotated[int, BeforeValidator(_query_int)]
"""A query-string integer: digits only (bounds go on the field)."""


EARLIEST_DATE = date(2000, 1, 1)
LATEST_DATE = date(2999, 12, 31)
"""Dates the API takes: usage starts in this century; the bounds keep day arithmetic (a default 30 days
before ``to``, a month's rollup) from overflowing Python's date range on a year-1 or year-9999 input."""


def _iso_date(value: Any) -> Any:
    """Dates are YYYY-MM-DD strings: a number (0 would be 1970-01-01) or a timestamp is refused."""
    if not isinstance(value, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        raise ValueError("must be a date as YYYY-MM-DD")
    try:
        parsed = date.fromisoformat(value)
    except ValueError:
        raise ValueError("must be a real date as YYYY-MM-DD") from None
    if not EARLIEST_DATE <= parsed <= LATEST_DATE:
        raise ValueError(f"must be between {EARLIEST_DATE} and {LATEST_DATE}")
    return parsed


def _time_zone(value: Any) -> Any:
    if value not in TIME_ZONES:
        raise ValueError("must be an IANA time zone name such as Europe/Paris or UTC")
    return value


DATE_PATTERN = r"^2\d{3}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$"
"""The contract's form of a date the API takes (YYYY-MM-DD in 2000..2999; a real day is checked on top)."""
IsoDate = Annotated[
    date, BeforeValidator(_iso_date), WithJsonSchema({"type": "string", "format": "date", "pattern": DATE_PATTERN})
]
TimeZone = Annotated[
    str,
    BeforeValidator(_time_zone),
    Field(json_schema_extra={"enum": list(TIME_ZONES)}, description="An IANA time zone name."),
]


def _without_null(schema: JsonSchemaValue, keep: frozenset[str] = frozenset()) -> JsonSchemaValue:
    """The schema of a model whose optional fields are "left out or a value": no null (but in ``keep``)."""
    for name, prop in schema.get("properties", {}).items():
        if name in keep:
            continue
        if prop.get("default", 0) is None:
            prop.pop("default")
        variants = prop.get("anyOf")
        if variants is not None:
            rest = [v for v in variants if v != {"type": "null"}]
            prop.pop("anyOf")
            prop.update(rest[0] if len(rest) == 1 else {"anyOf": rest})
    return schema


class Query(BaseModel):
    """A query string's model (``Ctx.query``): unknown parameters are refused; an optional parameter is
    left out or has a value (there is no null in a query string)."""

    model_config = ConfigDict(extra="forbid")

    @classmethod
    def __get_pydantic_json_schema__(cls, schema_: CoreSchema, handler: GetJsonSchemaHandler) -> JsonSchemaValue:
        return _without_null(handler.resolve_ref_schema(handler(schema_)))


class AccountListQuery(Query):
    include_disconnected: QueryBool = Field(False, description="Include disconnected accounts.")


class DisconnectQuery(Query):
    purge: QueryBool = Field(False, description="Also delete every usage document of the account.")


class AuditQuery(Query):
    limit: QueryInt = Field(100, ge=1, le=1000, description="At most this many, newest first.")


# -- bodies -------------------------------------------------------------------------------------------

ADMIN_KEY_PATTERN = "|".join(f"(?:{p.admin_key.pattern})" for p in PROVIDERS.values())
"""Any provider's Admin key shape (which provider's key it must be, the server says with a reason code)."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


def _json_int(value: Any) -> Any:
    """JSON Schema's integer is any number without a fraction: 80.0 is 80 (true is not 1)."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


JsonInteger = BeforeValidator(_json_int)
"""Marks an integer of a request body (strict: no strings, no booleans; 80.0 counts as 80, as JSON Schema
says). Put it outside the bounds: ``Annotated[Annotated[int, Field(ge=1)], JsonInteger]``."""


class Body(BaseModel):
    """A request body: unknown fields are refused and JSON types are taken as they are (0 is not false,
    "5" is not 5): what the schema says is exactly what passes. Integers are ``JsonInt``."""

    model_config = ConfigDict(extra="forbid", strict=True)


class Patch(Body):
    """A PATCH body: a field left out keeps its value. ``null`` is refused (422 naming the field) unless
    the field is in ``nullable``, where it means what the field's description says; the schema states
    which fields take null."""

    nullable: ClassVar[frozenset[str]] = frozenset()

    @field_validator("*", mode="before")
    @classmethod
    def _null_only_where_documented(cls, value: Any, info: ValidationInfo) -> Any:
        if value is None and info.field_name not in cls.nullable:
            raise ValueError("must not be null; leave the field out to keep its value")
        return value

    @classmethod
    def __get_pydantic_json_schema__(cls, schema_: CoreSchema, handler: GetJsonSchemaHandler) -> JsonSchemaValue:
        return _without_null(handler.resolve_ref_schema(handler(schema_)), cls.nullable)


class ConnectAccountRequest(Body):
    provider: ProviderName = Field(description="The provider of the organization.")
    name: Name = Field(description="A display name for the account.")
    api_key: str = Field(
        min_length=1,
        max_length=400,
        description="The organization's Admin API key (Anthropic: sk-ant-admin01-..., OpenAI: sk-admin-...). It is "
        "verified live: a key the provider refuses is a 422 key_rejected, not_admin_key, workspace_key, project_key, "
        "service_account_key or wrong_provider.",
        json_schema_extra={"pattern": ADMIN_KEY_PATTERN},
    )


class OrganizationOut(_Strict):
    id: str | None
    name: str | None


class HourRangeOut(_Strict):
    start: str
    end: str


class HistoryProgress(_Strict):
    days_due: int
    days_imported: int
    percent: float = Field(description="Share of the history window's hours read from the provider.")
    complete: bool = Field(description="Every hour of the history window has been read at least once.")
    missing: list[HourRangeOut] = Field(description="Hour ranges not read yet (the first 20), UTC, [start, end).")


class AccountOut(_Strict):
    id: str
    provider: str
    name: str
    status: Literal["connected", "syncing", "error", "disconnected"]
    status_reason: str | None
    organization: OrganizationOut
    key_hint: str = Field(description="The key's kind and last four characters; never the key.")
    created_at: datetime
    last_sync_at: datetime | None
    last_success_at: datetime | None
    next_sync_at: datetime | None
    synced_through: datetime | None
    history: HistoryProgress
    key_created_at: datetime | None = Field(description="When the current key was connected or rotated in.")
    key_age_days: int
    rotation_due: bool = Field(description="The key is 90 days old or more: rotate it.")
    workspace_word: str = Field(
        description="What the provider calls the unit the views call a workspace (OpenAI: project)."
    )


class AccountList(_Strict):
    accounts: list[AccountOut]


class SyncAccepted(_Strict):
    account_id: str
    status: Literal["queued", "running"] = Field(
        description="queued: a sync will start; running: one is under way (nothing more is queued)."
    )
    detail: str
    progress: HistoryProgress


Tokens = create_model(
    "Tokens",
    __base__=_Strict,
    __doc__="Quantity per usage class: tokens for token classes, units (requests, calls, ...) for the others.",
    **{name: (int, ...) for name in QUANTITY_FIELDS},  # type: ignore[call-overload]
)

Costs = create_model(
    "Costs",
    __base__=_Strict,
    __doc__="USD per usage class, exact decimal strings.",
    **{name: (str, ...) for name in COST_CLASSES},  # type: ignore[call-overload]
)


class CoverageOut(_Strict):
    complete: bool = Field(description="Every day of the asked range is imported and priced.")
    missing_days: list[str] = Field(
        description="Days of the range (in the answer's time zone, up to now) some account has not imported or "
        "priced yet: the totals leave them out."
    )


class UsageRowOut(BaseModel):
    """One group. Group fields present are those asked for in group_by."""

    model_config = ConfigDict(extra="forbid")
    provider: str | None = None
    model: str | None = None
    api_key_id: str | None = None
    api_key_name: str | None = None
    workspace_id: str | None = None
    workspace_name: str | None = None
    account_id: str | None = None
    account_name: str | None = None
    month: str | None = Field(default=None, description="YYYY-MM, in the answer's time_zone.")
    day: str | None = None
    week: str | None = Field(default=None, description="The Monday the week starts on, in the answer's time_zone.")
    hour: str | None = None
    service_tier: str | None = None
    tokens: Tokens
    cost: Costs | None = Field(description="USD per cost class as decimal strings; null when wholly unpriced.")
    total_cost: str | None = Field(description="USD, decimal string, of the priced part; null when wholly unpriced.")
    effective_cost: str | None = Field(
        default=None, description="total_cost after the organization's rate cards (equal to it without any)."
    )
    unpriced: bool = Field(description="True when some tokens of the group have no known price (never counted as $0).")
    unpriced_tokens: int
    unpriced_models: list[str]


class ProvisionalOut(_Strict):
    """The part of the totals younger than the provider's settling time: it may still change."""

    since: str = Field(description="Hours starting at or after this UTC instant are provisional.")
    cost: str = Field(description="USD, decimal string, of the provisional part of total_cost.")
    tokens: int
    unpriced_tokens: int


def _comma_list(value: Any) -> Any:
    """A repeatable query parameter of names: each value may also hold several, comma-separated (``a,b``)."""
    if isinstance(value, list):
        return [part.strip() for v in value for part in (v.split(",") if isinstance(v, str) else [v])]
    return value


def _group_field(value: str) -> str:
    if value not in GROUP_FIELDS:
        raise ValueError(f"must be one of {', '.join(GROUP_FIELDS)}")
    return value


UsageGroup = Annotated[str, AfterValidator(_group_field), Field(json_schema_extra={"enum": list(GROUP_FIELDS)})]
UsageFilter = Annotated[
    list[Annotated[str, Field(min_length=1, max_length=200, pattern=r"^[^,]+(,[^,]+)*$")]],
    AfterValidator(lambda values: [part for value in values for part in value.split(",")]),
]
"""A repeatable filter; one value may list several, comma-separated (``model=a,b``), none empty."""


class PeriodParams(Query):
    """A period of days and the accounts it covers: the base of the usage view's and the insights' queries."""

    from_: IsoDate = Field(alias="from", description="First day (in time_zone), inclusive.")
    to: IsoDate = Field(description="Last day (in time_zone), inclusive (on or after from, else 400).")
    account_id: Annotated[str, Field(pattern=ACCOUNT_ID.pattern)] | None = Field(None, description="Only this account.")
    time_zone: TimeZone | None = Field(
        None,
        description="IANA zone the days and weeks are cut in (default: the tenant's setting). UTC matches the invoice.",
    )


class SelectionParams(PeriodParams):
    """A period and the rows of it to count (repeatable filters; a row matches any of a filter's values)."""

    provider: Annotated[list[ProviderName], BeforeValidator(_comma_list)] | None = Field(
        None, description="Only these providers."
    )
    model: UsageFilter | None = Field(None, description="Only these models.")
    api_key: UsageFilter | None = Field(
        None, description="Only these API key ids; null for Console/Workbench usage (no key)."
    )
    workspace: UsageFilter | None = Field(
        None, description="Only these workspaces (OpenAI: projects); null for the default one."
    )

    def filters(self) -> tuple[tuple[str, tuple[str | None, ...]], ...]:
        """The filters given, in the service's order; ``null`` selects the keyless and default-workspace rows."""
        out: list[tuple[str, tuple[str | None, ...]]] = []
        for name in USAGE_FILTER_FIELDS:
            values: list[str] | None = getattr(self, name, None)
            if values is not None:
                nullable = name in ("api_key", "workspace")
                out.append((name, tuple(None if nullable and v == "null" else v for v in values)))
        return tuple(out)


class UsageParams(SelectionParams):
    """The query of ``GET /v1/usage`` and its exports."""

    group_by: Annotated[list[UsageGroup], BeforeValidator(_comma_list), Distinct] = Field(
        default_factory=list, description="Repeat or comma-separate. hour covers at most 31 days."
    )
    service_tier: UsageFilter | None = Field(
        None, description="Only these service tiers (standard, batch, flex, priority, ...)."
    )


assert set(UsageParams.model_fields) == {"from_", "to", "group_by", "account_id", "time_zone", *USAGE_FILTER_FIELDS}


class UsageResponse(_Strict):
    from_: str = Field(alias="from")
    to: str
    time_zone: str
    currency: Literal["USD"]
    group_by: list[str]
    filters: dict[str, list[str | None]] = Field(default_factory=dict)
    account_ids: list[str]
    rows: list[UsageRowOut]
    totals: UsageRowOut
    provisional: ProvisionalOut
    rate_cards_applied: list[str] = Field(default_factory=list, description="The rate cards effective_cost used.")
    coverage: CoverageOut
    documents_read: int


class ErrorBody(_Strict):
    code: str
    message: str
    field: str | None


class ErrorOut(_Strict):
    error: ErrorBody


class RotateKeyRequest(Body):
    api_key: str = Field(
        min_length=1,
        max_length=400,
        description="A new Admin API key of the same organization (verified live).",
        json_schema_extra={"pattern": ADMIN_KEY_PATTERN},
    )


class CreateTenantRequest(Body):
    id: str = Field(
        pattern=TENANT_ID.pattern,
        description="2-63 lowercase letters, digits and dashes, starting with a letter or digit.",
    )
    name: Name


class RetentionOut(_Strict):
    """History beyond the window, scheduled for deletion (a shorter window keeps it for a grace period)."""

    keep_days: int = Field(description="Days kept (or the plan's window then, if longer).")
    due_at: datetime = Field(description="When the older history is deleted (UTC).")
    deletes_before: date = Field(description="The first UTC day kept, if the plan is unchanged until then.")
    scheduled_at: datetime


class TenantOut(_Strict):
    id: str
    name: str
    plan: Literal["free", "pro", "enterprise"]
    history_days: int
    retention: RetentionOut | None = Field(
        None, description="A scheduled deletion of history beyond the window; null when none is pending."
    )


class MyTenant(_Strict):
    id: str
    name: str
    role: Literal["owner", "admin", "viewer"]


class MeOut(_Strict):
    user_id: str
    tenants: list[MyTenant]


class PlanRequest(Body):
    plan: Literal["free", "pro", "enterprise"]
    history_days: Annotated[Annotated[int, Field(ge=1, le=max(PLANS.values()))], JsonInteger] | None = Field(
        default=None,
        description="A shorter history window than the plan's ("
        + ", ".join(f"{plan} {days}" for plan, days in PLANS.items())
        + " days); more than the plan's is a 403. Null or left out: the plan's window.",
    )


class PlanOut(_Strict):
    tenant: TenantOut
    accounts_importing_older_history: int


class MemberRequest(Body):
    role: Literal["owner", "admin", "viewer"]
    email: Email | None = None


class MemberOut(_Strict):
    user_id: str
    role: str
    email: str | None
    added_by: str | None
    added_at: datetime | None


class MemberList(_Strict):
    members: list[MemberOut]


class AuditEntryOut(_Strict):
    at: datetime
    actor: str
    action: str
    account_id: str | None
    outcome: str
    detail: dict[str, Any]


class AuditList(_Strict):
    entries: list[AuditEntryOut]


# -- the alert webhook (documented in the OpenAPI document's webhooks) -----------------------------------


class AlertEvent(_Strict):
    id: str = Field(description="The alert id: the same on every delivery of this alert (the idempotency key).")
    tenant_id: str
    kind: str = Field(description="budget, budget_forecast, spike, connection, stale_data, rotation_due, ...")
    rule_id: str = Field(description="The budget id, account id, ... the alert is about.")
    period: str
    threshold: str
    severity: Literal["info", "warning", "critical"]
    title: str
    message: str
    details: dict[str, Any] = Field(description="Amounts are USD decimal strings rounded to the cent.")
    channel_ids: list[str]
    created_at: datetime
    test: bool


class AlertWebhookBody(_Strict):
    """The body of a JSON webhook (format "json"); Slack-format channels get a Slack message instead."""

    type: Literal["tokenmeter.alert"]
    alert: AlertEvent
