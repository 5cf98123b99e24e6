"""Request handling of the simulated OpenAI organization Admin API: documented paths, parameters, validation,
paging and errors.

Sources (stored copies read with the project's search tool):

- [SDK] openai/openai-python at e43b422 (2026-08-21): ``src/openai/types/admin/organization/usage_*_params.py``
  and ``usage_*_response.py`` (every usage endpoint, the Costs endpoint, their result objects, parameters,
  group_by values and limits), ``projects``, ``project_api_key``, ``admin_api_key``, ``organization_user``
  types; the SDK sends arrays as ``group_by[]=...``. The 2.46.0 release (2026-07-16) added the detailed
  completions fields and restated the meaning of ``input_tokens``.
- [DOC] developers.openai.com API reference pages for ``/organization/usage/completions`` and
  ``/organization/costs`` (examples: ``amount: {"value": 0.06, "currency": "usd"}``, ``quantity: null``).
- [UNIT] openai/openai-ruby ``cost_quantity_unit.rb`` (and openai-python ``cost_quantity_unit.py``, after
  2026-08-21): ``quantity_unit`` is one of ``tokens``, ``1000_tokens``, ``duration_seconds``,
  ``duration_minutes``, ``duration_hours``, ``gibibyte_hours``, ``images``, ``characters``, or null "if no
  single supported unit applies".
- [FAST] developers.openai.com/api/docs/guides/fast-mode: "Priority processing was renamed Fast mode on July
  30, 2026"; requests may say ``service_tier`` ``priority`` or ``fast``.
- [LINES] Costs ``line_item`` texts seen by users of the real API (third-party code in the search index, 2026):
  ``"gpt-5.5-2026-04-23, input"``, ``", cached input"``, ``", output"``, ``"priority | gpt-5.6-sol, output,
  long context"``, ``"gpt-audio-mini-2025-12-15 audio, input"``, ``"web search tool calls"``,
  ``"Vector storage"``; the usage dashboard shows ``"flex | gpt-5-mini"``.

Field semantics served (the collector's parser should follow the same rules):

- Completions (``organization.usage.completions.result``), 2026 shape [SDK]:
  ``input_tokens`` = ALL input tokens: uncached + cached + cache-write, text + audio + image.
  ``input_cached_tokens`` = cached input of every modality (inside ``input_tokens``).
  ``input_uncached_tokens`` = uncached input of every modality, EXCLUDING cache writes
  = ``input_text_tokens`` + ``input_audio_tokens`` + ``input_image_tokens`` (each UNCACHED).
  ``input_cached_text_tokens`` + ``input_cached_audio_tokens`` + ``input_cached_image_tokens`` =
  ``input_cached_tokens``. ``input_cache_write_tokens`` = tokens written to the cache.
  So ``input_tokens`` = ``input_uncached_tokens`` + ``input_cached_tokens`` + ``input_cache_write_tokens``,
  and uncached input priced at the input rate is ``input_tokens - input_cached_tokens``.
  ``output_tokens`` = ``output_text_tokens`` + ``output_audio_tokens`` + ``output_image_tokens``; reasoning
  tokens are inside output (no separate field). ``num_model_requests`` = requests.
  With ``UsageProfile(legacy_fields=True)`` the pre-July-2026 shape is served instead: only
  ``input_tokens``, ``input_cached_tokens``, ``output_tokens``, ``input_audio_tokens`` (then documented as
  "audio input tokens used, including cached tokens": uncached + cached audio), ``output_audio_tokens`` and
  ``num_model_requests``.
- Group fields: every documented group field is present in every result, null when not grouped by it;
  ``project_id`` null is the default project. ``batch`` is a boolean; batch usage reports ``service_tier``
  ``"default"``. ``service_tier``: ``default``, ``flex``, ``scale``, ``priority`` before 2026-07-30, ``fast``
  from 2026-07-30 [FAST] (the simulator's assumption: the rename applies to usage from that UTC day on).
- Other endpoints [SDK]: embeddings and moderations ``input_tokens``; images ``images`` (``size``,
  ``source``); audio speeches ``characters``; audio transcriptions ``seconds``; vector stores ``usage_bytes``
  (a level: the day's bytes in every bucket, not a sum over hours); code interpreter ``num_sessions``; file
  search calls (object ``organization.usage.file_searches.result``) ``num_requests`` and ``vector_store_id``;
  web search calls (object ``organization.usage.web_searches.result``) ``num_requests``,
  ``num_model_requests`` and ``context_level``. All but vector stores and code interpreter carry
  ``num_model_requests``.
- Buckets: ``{"object": "bucket", "start_time", "end_time", "results"}``; the page
  ``{"object": "page", "data", "has_more", "next_page"}``. ``start_time`` (required, unix seconds) is
  floored to the bucket grid; a bucket is served when it starts before ``end_time`` (exclusive) and has
  started by "now" (the running bucket is partial); oldest first, empty buckets included (``results: []``).
  Limits per ``bucket_width``: 1d default 7 max 31, 1h 24/168, 1m 60/1440; ``next_page`` is the cursor
  (``page_`` + base64 of the next bucket's start), null on the last page.
- Costs (``organization.costs.result``): ``bucket_width`` only ``1d``, ``limit`` 1-180 (default 7),
  ``group_by`` ``project_id``/``line_item``/``api_key_id``, filters ``project_ids``, ``api_key_ids``.
  ``amount.value`` is DOLLARS (a JSON number), ``currency`` ``"usd"``. ``quantity`` and ``quantity_unit``
  are filled only when grouped by ``line_item`` [SDK, UNIT]. Line items: ``"<model>, input"``,
  ``", cached input"`` (cache writes are billed and listed as input), ``", output"``; models that bill
  other modalities say ``"<model> audio, input"``, ``"<model> image, output"``, ``"<model> text, ..."``;
  batch, flex and priority/fast usage is prefixed ``"batch | "``, ``"flex | "``, ``"priority | "`` (the
  ``batch | `` marker is the simulator's assumption: no stored source shows a batch line item). Tools and
  storage: ``"web search tool calls"``, ``"file search tool calls"``, ``"code interpreter sessions"``,
  ``"Vector storage"`` (``gibibyte_hours``). Per-unit endpoints: ``"<model>, input"`` (embeddings),
  ``"<model>, characters"`` (speech), ``"<model>, audio"`` (transcription, ``duration_seconds``),
  ``"<model>, <size> image"`` (``images``). Ledger-only: ``"<model>, fine-tuning training"``.
- Names: ``/v1/organization/projects`` (``include_archived``), ``/projects/{id}/api_keys``,
  ``/admin_api_keys`` (``order``), ``/users`` (``emails``): ``{"object": "list", "data", "first_id",
  "last_id", "has_more"}``, ``limit`` 1-100 (default 20), ``after`` an object id.
- Every answer to a key of a known organization carries ``openai-organization: <org id>``, plus
  ``openai-version`` and ``x-request-id``.
- Errors: ``{"error": {"message", "type", "param", "code"}}``. No key: 401; unknown or revoked key: 401
  ``code: invalid_api_key``; project keys, service-account keys and restricted admin keys without the scope:
  403 ``"You have insufficient permissions for this operation. Missing scopes: api.usage.read"`` (usage and
  costs) or ``api.management.read`` (names); bad parameters: 400 ``invalid_request_error`` naming ``param``;
  429 ``rate_limit_exceeded`` with ``retry-after``; 500 and 503 ``server_error``. The exact ``type`` and
  ``code`` of the 403 and 400 answers could not be verified against a stored source.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from local.openai_sim.data import COUNT_FIELDS, GROUP_FIELDS, OrgData, SimOrganization
from local.simkit import (
    DAY,
    HOUR,
    MINUTE,
    ApiError,
    Counts,
    Dims,
    Window,
    aggregate_rows,
    decode_page,
    encode_page,
    mask_key,
    normalize_query,
    one,
    page_window,
    parse_limit,
)

USAGE_PREFIX = "/v1/organization/usage/"
COSTS_PATH = "/v1/organization/costs"
ORG_HEADER = "openai-organization"
USAGE_SCOPE = "api.usage.read"
MANAGEMENT_SCOPE = "api.management.read"

RESULT_OBJECTS: dict[str, str] = {
    "completions": "organization.usage.completions.result",
    "embeddings": "organization.usage.embeddings.result",
    "moderations": "organization.usage.moderations.result",
    "images": "organization.usage.images.result",
    "audio_speeches": "organization.usage.audio_speeches.result",
    "audio_transcriptions": "organization.usage.audio_transcriptions.result",
    "vector_stores": "organization.usage.vector_stores.result",
    "code_interpreter_sessions": "organization.usage.code_interpreter_sessions.result",
    "file_search_calls": "organization.usage.file_searches.result",
    "web_search_calls": "organization.usage.web_searches.result",
}

# Filter parameter -> the group field it selects on; enumerated values where documented.
_FILTERS: dict[str, str] = {
    "project_ids": "project_id",
    "user_ids": "user_id",
    "api_key_ids": "api_key_id",
    "models": "model",
    "sizes": "size",
    "sources": "source",
    "context_levels": "context_level",
    "vector_store_ids": "vector_store_id",
}
_ENUMS: dict[str, frozenset[str]] = {
    "sizes": frozenset({"256x256", "512x512", "1024x1024", "1792x1792", "1024x1792"}),
    "sources": frozenset({"image.generation", "image.edit", "image.variation"}),
    "context_levels": frozenset({"low", "medium", "high"}),
}
# bucket_width -> (width, default limit, max limit)
_WIDTHS: dict[str, tuple[timedelta, int, int]] = {
    "1m": (MINUTE, 60, 1440),
    "1h": (HOUR, 24, 168),
    "1d": (DAY, 7, 31),
}
_COST_GROUPS = ("project_id", "line_item", "api_key_id")
_PROJECT_KEYS = re.compile(r"^/v1/organization/projects/([^/]+)/api_keys$")
_PRIVATE_KEY_FIELDS = ("project_id", "usage_project", "user_id")

ERROR_TYPES: dict[int, str] = {429: "requests", 500: "server_error", 502: "server_error", 503: "server_error"}
FAULT_MESSAGES: dict[int, str] = {
    429: "Rate limit reached for requests. Please try again later.",
    500: "The server had an error while processing your request. Sorry about that!",
    503: "The server is overloaded or not ready yet.",
}
_FAULT_CODES = {429: "rate_limit_exceeded"}


def error_document(err: ApiError) -> dict[str, Any]:
    """OpenAI's error document."""
    return {
        "error": {
            "message": err.message,
            "type": ERROR_TYPES.get(err.status, "invalid_request_error" if err.status < 500 else "server_error"),
            "param": err.param,
            "code": err.code if err.code is not None else _FAULT_CODES.get(err.status),
        }
    }


class OpenAIApi:
    """The organizations served and the keys that reach them, and the answer to each documented request."""

    def __init__(self) -> None:
        self.orgs: dict[str, OrgData] = {}
        self._keys: dict[str, tuple[str, str, frozenset[str]]] = {}  # key -> (org id, kind, scopes)
        self._lock = threading.Lock()

    def add_organization(self, org: SimOrganization) -> None:
        data = OrgData(org)
        everything = frozenset({USAGE_SCOPE, MANAGEMENT_SCOPE})
        with self._lock:
            self.orgs[org.id] = data
            for key in org.admin_keys:
                self._keys[key] = (org.id, "admin", everything)
            for key, scopes in org.restricted_admin_keys.items():
                self._keys[key] = (org.id, "admin", frozenset(scopes))
            for key in org.project_keys:
                self._keys[key] = (org.id, "project", frozenset())
            for key in org.service_account_keys:
                self._keys[key] = (org.id, "service_account", frozenset())

    def add_admin_key(self, org_id: str, key: str) -> None:
        with self._lock:
            if org_id not in self.orgs:
                raise KeyError(org_id)
            self._keys[key] = (org_id, "admin", frozenset({USAGE_SCOPE, MANAGEMENT_SCOPE}))

    def org(self, org_id: str) -> OrgData:
        try:
            return self.orgs[org_id]
        except KeyError:
            raise KeyError(f"unknown organization {org_id!r}") from None

    def org_of(self, headers: Mapping[str, str], revoked: Callable[[str], bool]) -> str | None:
        """The organization a request's (valid) key belongs to, whatever the key may do."""
        key = _bearer(headers)
        with self._lock:
            entry = self._keys.get(key) if key else None
        return entry[0] if entry is not None and key is not None and not revoked(key) else None

    def answer(
        self,
        method: str,
        path: str,
        raw_query: dict[str, list[str]],
        headers: Mapping[str, str],
        now: datetime,
        revoked: Callable[[str], bool],
    ) -> tuple[Any, dict[str, str]]:
        """The payload and headers of one API request: 404, then 401/403, then the endpoint."""
        route = self._route(method, path)
        org = self._authenticate(headers, revoked, USAGE_SCOPE if route[0] in ("usage", "costs") else MANAGEMENT_SCOPE)
        query = normalize_query(raw_query)
        kind, arg = route
        if kind == "usage":
            payload = usage_page(org, arg, query, now)
        elif kind == "costs":
            payload = costs_page(org, query, now)
        elif kind == "projects":
            items = org.projects
            if (one(query, "include_archived") or "false").lower() not in ("true", "1"):
                items = [pr for pr in items if pr["archived_at"] is None]
            payload = _list_page(items, query)
        elif kind == "project_keys":
            if arg not in {pr["id"] for pr in org.projects}:
                raise ApiError(404, f"No such project: {arg}", param="project_id")
            items = [_public_key(k) for k in org.keys if k["project_id"] == arg]
            payload = _list_page(items, query)
        elif kind == "admin_keys":
            order = one(query, "order") or "asc"
            if order not in ("asc", "desc"):
                raise ApiError(400, f"Invalid value for 'order': {order!r}; expected 'asc' or 'desc'", param="order")
            items = org.admin_key_items if order == "asc" else list(reversed(org.admin_key_items))
            payload = _list_page(items, query)
        else:  # users
            items = org.users
            emails = query.get("emails")
            if emails:
                items = [u for u in items if u["email"] in emails]
            payload = _list_page(items, query)
        return payload, {ORG_HEADER: org.org.id, "openai-version": "2020-10-01"}

    def _route(self, method: str, path: str) -> tuple[str, str]:
        if method == "GET":
            if path.startswith(USAGE_PREFIX) and path[len(USAGE_PREFIX) :] in RESULT_OBJECTS:
                return "usage", path[len(USAGE_PREFIX) :]
            if path == COSTS_PATH:
                return "costs", ""
            if path == "/v1/organization/projects":
                return "projects", ""
            if path == "/v1/organization/admin_api_keys":
                return "admin_keys", ""
            if path == "/v1/organization/users":
                return "users", ""
            match = _PROJECT_KEYS.match(path)
            if match:
                return "project_keys", match.group(1)
        raise ApiError(404, f"Invalid URL ({method} {path})")

    def _authenticate(self, headers: Mapping[str, str], revoked: Callable[[str], bool], scope: str) -> OrgData:
        key = _bearer(headers)
        if not key:
            raise ApiError(
                401,
                "You didn't provide an API key. You need to provide your API key in an Authorization header "
                "using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).",
            )
        with self._lock:
            entry = self._keys.get(key)
        if entry is None or revoked(key):
            raise ApiError(
                401,
                f"Incorrect API key provided: {mask_key(key)}. You can find your API key at "
                "https://platform.openai.com/account/api-keys.",
                code="invalid_api_key",
            )
        org_id, kind, scopes = entry
        if scope not in scopes:
            hint = (
                "This restricted Admin key lacks that scope: an organization Owner can grant it (or create an "
                "Admin key) under Settings > Organization > Admin keys."
                if kind == "admin"
                else "Project and service-account keys cannot read organization usage or costs: an organization "
                "Owner creates an Admin key (sk-admin-...) under Settings > Organization > Admin keys."
            )
            raise ApiError(
                403,
                f"You have insufficient permissions for this operation. Missing scopes: {scope}. Check that you "
                "have the correct role in your organization (Owner), and if you're using a restricted API key, "
                f"that it has the necessary scopes. {hint}",
            )
        return self.orgs[org_id]


def _bearer(headers: Mapping[str, str]) -> str | None:
    auth = headers.get("authorization", "")
    scheme, _, token = auth.partition(" ")
    return (token.strip() or None) if scheme.lower() == "bearer" else None


# --------------------------------------------------------------------------------------------------
# Parameters
# --------------------------------------------------------------------------------------------------


def _unix(query: Mapping[str, list[str]], name: str, *, required: bool) -> datetime | None:
    text = one(query, name)
    if text is None or text == "":
        if required:
            raise ApiError(400, f"Missing required parameter: '{name}'.", param=name)
        return None
    try:
        return datetime.fromtimestamp(int(text), UTC)
    except (ValueError, OverflowError, OSError):
        raise ApiError(400, f"Invalid '{name}': expected Unix seconds, got {text!r}.", param=name) from None


def _values(query: Mapping[str, list[str]], name: str) -> list[str]:
    """A list parameter: repeated (``name[]=a&name[]=b`` or ``name=a&name=b``) or comma-separated."""
    return [v.strip() for raw in query.get(name, []) for v in raw.split(",") if v.strip()]


def _window(query: Mapping[str, list[str]], width: timedelta, limit: int, now: datetime) -> Window:
    start = _unix(query, "start_time", required=True)
    end = _unix(query, "end_time", required=False)
    assert start is not None
    if end is not None and end <= start:
        raise ApiError(400, "Invalid 'end_time': must be after 'start_time'.", param="end_time")
    page = one(query, "page")
    if page:
        start = decode_page(page)
    return page_window(start, end, width, limit, now, overlap=True)


def _page(win: Window, buckets: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "object": "page",
        "data": buckets,
        "has_more": win.next_start is not None,
        "next_page": encode_page(win.next_start) if win.next_start is not None else None,
    }


def _bucket(start: datetime, width: timedelta, results: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "object": "bucket",
        "start_time": int(start.timestamp()),
        "end_time": int((start + width).timestamp()),
        "results": results,
    }


# --------------------------------------------------------------------------------------------------
# Usage
# --------------------------------------------------------------------------------------------------


def usage_page(org: OrgData, kind: str, query: Mapping[str, list[str]], now: datetime) -> dict[str, Any]:
    """One page of ``/v1/organization/usage/{kind}``."""
    width_name = one(query, "bucket_width") or "1d"
    if width_name not in _WIDTHS:
        raise ApiError(
            400, f"Invalid 'bucket_width': {width_name!r}; expected one of 1m, 1h, 1d.", param="bucket_width"
        )
    width, default_limit, max_limit = _WIDTHS[width_name]
    limit = parse_limit(query, default_limit, max_limit, f" for bucket_width {width_name}")
    fields = GROUP_FIELDS[kind]
    groups = _values(query, "group_by")
    for g in groups:
        if g not in fields:
            raise ApiError(400, f"Invalid 'group_by': {g!r}; {kind} supports {', '.join(fields)}.", param="group_by")
    mask = tuple(f in groups for f in fields)
    filters = _usage_filters(kind, query)
    win = _window(query, width, limit, now)
    legacy = org.org.profile.legacy_fields
    buckets = []
    for start in win.starts:
        parts = served_parts(org, kind, start, width, now)
        results = [usage_result(kind, d, c, mask, legacy) for d, c in aggregate_rows(parts, mask, filters, False)]
        buckets.append(_bucket(start, width, results))
    return _page(win, buckets)


def served_parts(
    org: OrgData, kind: str, start: datetime, width: timedelta, now: datetime
) -> list[tuple[tuple[Dims, Counts], ...]]:
    """The rows of one bucket of one endpoint (dimensions without the endpoint tag), one tuple per hour."""
    if kind == "vector_stores":
        if start > now:
            return [()]
        return [tuple(((pid,), (used,)) for pid, used in org.storage_bytes(start.date()).items() if used)]
    return [tuple((d[1:], c) for d, c in rows if d[0] == kind) for rows in org.served(start, width, now)]


def _usage_filters(kind: str, query: Mapping[str, list[str]]) -> list[tuple[int, frozenset[Any]]]:
    fields = GROUP_FIELDS[kind]
    filters: list[tuple[int, frozenset[Any]]] = []
    for param, field_name in _FILTERS.items():
        if field_name not in fields:
            continue  # not a filter of this endpoint: ignored like any unknown parameter
        values = _values(query, param)
        if not values:
            continue
        allowed = _ENUMS.get(param)
        for v in values:
            if allowed is not None and v not in allowed:
                raise ApiError(400, f"Invalid value for '{param}': {v!r}.", param=param)
        filters.append((fields.index(field_name), frozenset(values)))
    if kind == "completions":
        batch = one(query, "batch")
        if batch is not None:
            if batch.lower() not in ("true", "false"):
                raise ApiError(400, f"Invalid value for 'batch': {batch!r}; expected true or false.", param="batch")
            filters.append((fields.index("batch"), frozenset({batch.lower() == "true"})))
    return filters


def usage_result(kind: str, dims: Dims, counts: Counts, mask: Sequence[bool], legacy: bool = False) -> dict[str, Any]:
    """One result object of a usage endpoint: its counts and every group field (null when not grouped)."""
    out: dict[str, Any] = {"object": RESULT_OBJECTS[kind]}
    if kind == "completions":
        ti, ai, ii, ct, ca, ci, cw, to, ao, io, requests = counts
        out["input_tokens"] = ti + ai + ii + ct + ca + ci + cw
        out["output_tokens"] = to + ao + io
        out["input_cached_tokens"] = ct + ca + ci
        if legacy:
            out["input_audio_tokens"] = ai + ca
            out["output_audio_tokens"] = ao
        else:
            out.update(
                input_uncached_tokens=ti + ai + ii,
                input_text_tokens=ti,
                input_audio_tokens=ai,
                input_image_tokens=ii,
                input_cached_text_tokens=ct,
                input_cached_audio_tokens=ca,
                input_cached_image_tokens=ci,
                input_cache_write_tokens=cw,
                output_text_tokens=to,
                output_audio_tokens=ao,
                output_image_tokens=io,
            )
        out["num_model_requests"] = requests
    else:
        out.update(zip(COUNT_FIELDS[kind], counts, strict=True))
    for name, value, grouped in zip(GROUP_FIELDS[kind], dims, mask, strict=True):
        out[name] = value if grouped else None
    return out


# --------------------------------------------------------------------------------------------------
# Costs
# --------------------------------------------------------------------------------------------------


def costs_page(org: OrgData, query: Mapping[str, list[str]], now: datetime) -> dict[str, Any]:
    """One page of ``/v1/organization/costs``."""
    width_name = one(query, "bucket_width") or "1d"
    if width_name != "1d":
        raise ApiError(400, f"Invalid 'bucket_width': {width_name!r}; costs support only 1d.", param="bucket_width")
    limit = parse_limit(query, 7, 180)
    groups = _values(query, "group_by")
    for g in groups:
        if g not in _COST_GROUPS:
            raise ApiError(
                400, f"Invalid 'group_by': {g!r}; costs support project_id, line_item, api_key_id.", param="group_by"
            )
    by_project, by_line, by_key = (g in groups for g in _COST_GROUPS)
    projects = frozenset(_values(query, "project_ids"))
    keys = frozenset(_values(query, "api_key_ids"))
    win = _window(query, DAY, limit, now)
    buckets = []
    for start in win.starts:
        totals: dict[tuple[Any, ...], list[Any]] = {}
        for line in org.day_lines(start.date(), now):
            if (projects and line.project_id not in projects) or (keys and line.api_key_id not in keys):
                continue
            key = (
                line.project_id if by_project else None,
                line.line_item if by_line else None,
                line.api_key_id if by_key else None,
            )
            acc = totals.setdefault(key, [Decimal(0), Decimal(0), line.quantity_unit])
            acc[0] += line.amount_usd
            if by_line and line.quantity is not None:
                acc[1] += line.quantity
        results = [
            {
                "object": "organization.costs.result",
                "amount": {"value": dollars(amount), "currency": "usd"},
                "line_item": line_item,
                "project_id": project,
                "api_key_id": api_key,
                "quantity": float(quantity) if line_item is not None else None,
                "quantity_unit": unit_name if line_item is not None else None,
            }
            for (project, line_item, api_key), (amount, quantity, unit_name) in totals.items()
        ]
        buckets.append(_bucket(start, DAY, results))
    return _page(win, buckets)


def dollars(amount: Decimal) -> float:
    """A dollar amount as the JSON number OpenAI sends (rounded to 1e-10 dollars, far below a cent)."""
    return float(amount.quantize(Decimal("1e-10")))


# --------------------------------------------------------------------------------------------------
# Names
# --------------------------------------------------------------------------------------------------


def _public_key(key: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in key.items() if k not in _PRIVATE_KEY_FIELDS}


def _list_page(items: Sequence[dict[str, Any]], query: Mapping[str, list[str]]) -> dict[str, Any]:
    """``after`` (an object id) paging: ``{"object": "list", "data", "first_id", "last_id", "has_more"}``."""
    limit = parse_limit(query, 20, 100)
    after = one(query, "after")
    lo = 0
    if after:
        ids = [item["id"] for item in items]
        if after not in ids:
            raise ApiError(400, f"Invalid 'after': no object with id {after!r}.", param="after")
        lo = ids.index(after) + 1
    page = list(items[lo : lo + limit])
    return {
        "object": "list",
        "data": page,
        "first_id": page[0]["id"] if page else None,
        "last_id": page[-1]["id"] if page else None,
        "has_more": lo + limit < len(items),
    }
