"""Request handling of the simulated Anthropic Admin API: documented paths, parameters, validation, paging
and errors (see the project's reference page on the Admin API).

- ``GET /v1/organizations/me``: ``{id, type: "organization", name}``.
- ``GET /v1/organizations/usage_report/messages``: ``starting_at`` (RFC 3339, required, snapped down to the
  bucket grid), ``ending_at`` (buckets that end at or before it), ``bucket_width`` 1m/1h/1d (default 1d;
  limits 60/1440, 24/168, 7/31), ``page``, ``group_by[]`` and the documented filters. Buckets oldest first,
  empty ones included, never beyond the bucket holding "now" (the running bucket is partial). ``speed`` is a
  beta field: present (and groupable) only with ``anthropic-beta: fast-mode-2026-02-01``.
- ``GET /v1/organizations/cost_report``: daily buckets, ``amount`` a decimal string in CENTS, one result per
  (workspace, description) when grouped; Priority Tier absent.
- ``GET /v1/organizations/api_keys`` and ``/workspaces``: ``after_id``/``before_id`` paging.
- Errors: ``{"type": "error", "error": {"type", "message"}, "request_id"}``.
"""

from __future__ import annotations

import itertools
import json
import threading
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal, localcontext
from typing import Any, cast

from local.anthropic_sim.data import GROUP_FIELDS, IDX, SPEED, OrgData, SimOrganization, priced
from local.anthropic_sim.oracle import cost_lines, exact
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
    iso,
    normalize_query,
    one,
    page_window,
    parse_limit,
)

API_VERSIONS = frozenset({"2023-06-01", "2023-01-01"})
FAST_MODE_BETA = "fast-mode-2026-02-01"

# Filter parameter (without the ``[]`` suffix) -> dimension index.
_USAGE_FILTERS: dict[str, int] = {
    "api_key_ids": IDX["api_key_id"],
    "workspace_ids": IDX["workspace_id"],
    "models": IDX["model"],
    "service_tiers": IDX["service_tier"],
    "context_window": IDX["context_window"],
    "inference_geos": IDX["inference_geo"],
    "account_ids": IDX["account_id"],
    "service_account_ids": IDX["service_account_id"],
}
# Filters whose values are a documented enumeration: anything else is a 400.
_FILTER_ENUMS: dict[str, frozenset[str]] = {
    "service_tiers": frozenset({"standard", "batch", "priority", "priority_on_demand", "flex", "flex_discount"}),
    "context_window": frozenset({"0-200k", "200k-1M"}),
    "inference_geos": frozenset({"global", "us", "not_available"}),
}
# bucket_width -> (width, default limit, max limit)
_USAGE_WIDTHS: dict[str, tuple[timedelta, int, int]] = {
    "1m": (MINUTE, 60, 1440),
    "1h": (HOUR, 24, 168),
    "1d": (DAY, 7, 31),
}
_COST_GROUPS = ("workspace_id", "description")

ERROR_TYPES: dict[int, str] = {
    400: "invalid_request_error",
    401: "authentication_error",
    403: "permission_error",
    404: "not_found_error",
    413: "request_too_large",
    429: "rate_limit_error",
    500: "api_error",
    502: "api_error",
    503: "api_error",
    504: "timeout_error",
    529: "overloaded_error",
}
FAULT_MESSAGES: dict[int, str] = {
    429: "Number of requests has exceeded your rate limit. Please try again later.",
    500: "Internal server error",
    529: "Overloaded",
}

Handler = Callable[[OrgData, dict[str, list[str]], Mapping[str, str], datetime], Any]


def error_body(err: ApiError, request_id: str) -> bytes:
    """The documented error document."""
    body = {
        "type": "error",
        "error": {"type": ERROR_TYPES.get(err.status, "api_error"), "message": err.message},
        "request_id": request_id,
    }
    return json.dumps(body).encode()


class AnthropicApi:
    """The organizations served and the keys that reach them, and the answer to each documented request."""

    def __init__(self) -> None:
        self.orgs: dict[str, OrgData] = {}
        self.admin_keys: dict[str, str] = {}  # key -> org id
        self.workspace_keys: dict[str, str] = {}
        self._lock = threading.Lock()
        self._routes: dict[str, Handler] = {
            "/v1/organizations/me": _me,
            "/v1/organizations/usage_report/messages": _usage,
            "/v1/organizations/cost_report": _cost,
            "/v1/organizations/api_keys": _api_keys,
            "/v1/organizations/workspaces": _workspaces,
        }

    def add_organization(self, org: SimOrganization) -> None:
        data = OrgData(org)
        with self._lock:
            self.orgs[org.id] = data
            for key in org.admin_keys:
                self.admin_keys[key] = org.id
            for key in org.workspace_keys:
                self.workspace_keys[key] = org.id

    def add_admin_key(self, org_id: str, key: str) -> None:
        with self._lock:
            if org_id not in self.orgs:
                raise KeyError(org_id)
            self.admin_keys[key] = org_id

    def org(self, org_id: str) -> OrgData:
        try:
            return self.orgs[org_id]
        except KeyError:
            raise KeyError(f"unknown organization {org_id!r}") from None

    def answer(
        self,
        method: str,
        path: str,
        raw_query: dict[str, list[str]],
        headers: Mapping[str, str],
        now: datetime,
        revoked: Callable[[str], bool],
    ) -> tuple[Any, dict[str, str]]:
        """The payload and headers of one API request (404, then 401/403, then version, then the endpoint)."""
        handler = self._routes.get(path)
        if handler is None or method != "GET":
            raise ApiError(404, f"{method} {path}: not found")
        org = self._authenticate(headers, revoked)
        if not headers.get("anthropic-version"):
            raise ApiError(400, "anthropic-version: header is required")
        if headers["anthropic-version"] not in API_VERSIONS:
            raise ApiError(400, f"anthropic-version: unknown version {headers['anthropic-version']!r}")
        payload = handler(org, normalize_query(raw_query), headers, now)
        return payload, {"anthropic-organization-id": org.org.id}

    def _authenticate(self, headers: Mapping[str, str], revoked: Callable[[str], bool]) -> OrgData:
        key = headers.get("x-api-key")
        if not key:
            raise ApiError(401, "x-api-key header is required")
        with self._lock:
            org_id = self.admin_keys.get(key)
            ws_org = self.workspace_keys.get(key)
        if revoked(key) or (org_id is None and ws_org is None):
            raise ApiError(401, "invalid x-api-key")
        if org_id is None:
            raise ApiError(403, "This API key cannot use the Admin API: use an admin key (sk-ant-admin01-...)")
        return self.orgs[org_id]


# --------------------------------------------------------------------------------------------------
# Request parsing
# --------------------------------------------------------------------------------------------------


def _parse_time(query: Mapping[str, list[str]], name: str, *, required: bool) -> datetime | None:
    text = one(query, name)
    if text is None or text == "":
        if required:
            raise ApiError(400, f"{name}: field required")
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise ApiError(400, f"{name}: invalid RFC 3339 datetime {text!r}") from None
    if moment.tzinfo is None:
        raise ApiError(400, f"{name}: datetime must carry a UTC offset (RFC 3339), got {text!r}")
    return moment.astimezone(UTC)


def _window(query: Mapping[str, list[str]], width: timedelta, limit: int, now: datetime) -> Window:
    """Buckets from ``starting_at`` (or the page cursor) that end at or before ``ending_at`` and never
    beyond the bucket that holds ``now``; at most ``limit`` of them."""
    page = one(query, "page")
    starting = _parse_time(query, "starting_at", required=page is None)
    ending = _parse_time(query, "ending_at", required=False)
    if starting is not None and ending is not None and ending <= starting:
        raise ApiError(400, "ending_at: must be after starting_at")
    start = decode_page(page) if page else cast(datetime, starting)
    return page_window(start, ending, width, limit, now, overlap=False)


def _page(win: Window, buckets: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "data": buckets,
        "has_more": win.next_start is not None,
        "next_page": encode_page(win.next_start) if win.next_start is not None else None,
    }


def usage_result(dims: Dims, counts: Counts, mask: Sequence[bool], with_speed: bool) -> dict[str, Any]:
    """One result of the usage report: the token classes and the grouped fields (null when not grouped)."""
    out: dict[str, Any] = {
        "uncached_input_tokens": counts[0],
        "cache_creation": {"ephemeral_5m_input_tokens": counts[1], "ephemeral_1h_input_tokens": counts[2]},
        "cache_read_input_tokens": counts[3],
        "output_tokens": counts[4],
        "server_tool_use": {"web_search_requests": counts[5]},
        "model": dims[2] if mask[2] else None,
        "service_tier": dims[3] if mask[3] else None,
        "context_window": dims[4] if mask[4] else None,
        "inference_geo": dims[5] if mask[5] else None,
        "api_key_id": dims[0] if mask[0] else None,
        "workspace_id": dims[1] if mask[1] else None,
        "account_id": dims[6] if mask[6] else None,
        "service_account_id": dims[7] if mask[7] else None,
    }
    if with_speed:  # a beta field: only present when the caller opted into the beta
        out["speed"] = dims[SPEED] if mask[SPEED] else None
    return out


# --------------------------------------------------------------------------------------------------
# Endpoints
# --------------------------------------------------------------------------------------------------


def _me(org: OrgData, query: dict[str, list[str]], headers: Mapping[str, str], now: datetime) -> dict[str, Any]:
    return {"id": org.org.id, "type": "organization", "name": org.org.name}


def _usage(org: OrgData, query: dict[str, list[str]], headers: Mapping[str, str], now: datetime) -> dict[str, Any]:
    width_name = one(query, "bucket_width") or "1d"
    if width_name not in _USAGE_WIDTHS:
        raise ApiError(400, f"bucket_width: must be one of 1m, 1h, 1d, got {width_name!r}")
    width, default_limit, max_limit = _USAGE_WIDTHS[width_name]
    limit = parse_limit(query, default_limit, max_limit, f" for bucket_width {width_name}")
    betas = {b.strip() for b in headers.get("anthropic-beta", "").split(",") if b.strip()}
    with_speed = FAST_MODE_BETA in betas
    groups = query.get("group_by", [])
    for g in groups:
        if g not in IDX:
            raise ApiError(400, f"group_by: unknown value {g!r}; expected one of {', '.join(GROUP_FIELDS)}")
    if "speed" in groups and not with_speed:
        raise ApiError(400, f"group_by: 'speed' requires the anthropic-beta header {FAST_MODE_BETA}")
    mask = tuple(name in groups for name in GROUP_FIELDS)
    filters: list[tuple[int, frozenset[Any]]] = []
    for param, idx in _USAGE_FILTERS.items():
        values = query.get(param)
        if not values:
            continue
        allowed = _FILTER_ENUMS.get(param)
        for v in values:
            if allowed is not None and v not in allowed:
                raise ApiError(400, f"{param}: unknown value {v!r}")
        filters.append((idx, frozenset(values)))
    win = _window(query, width, limit, now)
    # Rows pass through unchanged when every field left out of group_by has one value anyway.
    passthrough = all(m or single for m, single in zip(mask, org.single_valued, strict=True))
    buckets = []
    for start in win.starts:
        parts = org.served(start, width, now)
        results = [
            usage_result(d, c, mask, with_speed)
            for d, c in aggregate_rows(parts, mask, filters, passthrough and len(parts) == 1)
        ]
        buckets.append({"starting_at": iso(start), "ending_at": iso(start + width), "results": results})
    return _page(win, buckets)


def _cost(org: OrgData, query: dict[str, list[str]], headers: Mapping[str, str], now: datetime) -> dict[str, Any]:
    width_name = one(query, "bucket_width") or "1d"
    if width_name != "1d":
        raise ApiError(400, f"bucket_width: the cost report only supports 1d, got {width_name!r}")
    limit = parse_limit(query, 7, 31)
    groups = query.get("group_by", [])
    for g in groups:
        if g not in _COST_GROUPS:
            raise ApiError(400, f"group_by: unknown value {g!r}; expected workspace_id or description")
    by_ws, by_desc = "workspace_id" in groups, "description" in groups
    win = _window(query, DAY, limit, now)
    buckets = []
    with localcontext() as ctx:
        ctx.prec = 50
        for start in win.starts:
            totals: dict[tuple[Any, ...], Decimal] = {}
            rows = itertools.chain.from_iterable(org.served(start, DAY, now))
            for (line, desc), cents in cost_lines(map(priced, rows), start.date()).items():
                # line = (workspace, cost_type, token_type, model, tier, context_window, geo)
                key = (line[0] if by_ws else None, *((desc, *line[1:]) if by_desc else ()))
                totals[key] = totals.get(key, Decimal(0)) + cents
            results = []
            for key, cents in totals.items():
                item: dict[str, Any] = {
                    "currency": "USD",
                    "amount": exact(cents),
                    "workspace_id": key[0],
                    "description": None,
                    "cost_type": None,
                    "context_window": None,
                    "model": None,
                    "service_tier": None,
                    "token_type": None,
                    "inference_geo": None,
                }
                if by_desc:
                    desc, cost_type, token_type, model, tier, cw, geo = key[1:]
                    item.update(
                        description=desc,
                        cost_type=cost_type,
                        token_type=token_type,
                        model=model,
                        service_tier=tier,
                        context_window=cw,
                        inference_geo=geo,
                    )
                results.append(item)
            buckets.append({"starting_at": iso(start), "ending_at": iso(start + DAY), "results": results})
    return _page(win, buckets)


def _api_keys(org: OrgData, query: dict[str, list[str]], headers: Mapping[str, str], now: datetime) -> dict[str, Any]:
    items = org.api_keys
    status = one(query, "status")
    if status is not None:
        if status not in ("active", "inactive", "archived"):
            raise ApiError(400, f"status: unknown value {status!r}")
        items = [k for k in items if k["status"] == status]
    workspace = one(query, "workspace_id")
    if workspace is not None:
        items = [k for k in items if k["workspace_id"] == workspace]
    return _id_page(items, query, default=20, maximum=1000)


def _workspaces(org: OrgData, query: dict[str, list[str]], headers: Mapping[str, str], now: datetime) -> dict[str, Any]:
    items = org.workspaces
    if (one(query, "include_archived") or "false").lower() not in ("true", "1"):
        items = [w for w in items if w["archived_at"] is None]
    return _id_page(items, query, default=20, maximum=1000)


def _id_page(
    items: Sequence[dict[str, Any]], query: Mapping[str, list[str]], default: int, maximum: int
) -> dict[str, Any]:
    """``after_id``/``before_id`` paging with ``first_id``, ``last_id`` and ``has_more``."""
    limit = parse_limit(query, default, maximum)
    after, before = one(query, "after_id"), one(query, "before_id")
    if after and before:
        raise ApiError(400, "after_id: cannot be combined with before_id")
    ids = [item["id"] for item in items]
    if after:
        if after not in ids:
            raise ApiError(400, f"after_id: unknown id {after!r}")
        lo = ids.index(after) + 1
        page = list(items[lo : lo + limit])
        has_more = lo + limit < len(items)
    elif before:
        if before not in ids:
            raise ApiError(400, f"before_id: unknown id {before!r}")
        hi = ids.index(before)
        page = list(items[max(0, hi - limit) : hi])
        has_more = hi - limit > 0
    else:
        page = list(items[:limit])
        has_more = limit < len(items)
    return {
        "data": page,
        "has_more": has_more,
        "first_id": page[0]["id"] if page else None,
        "last_id": page[-1]["id"] if page else None,
    }
