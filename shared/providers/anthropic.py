"""The Anthropic provider: its Admin API client (usage report, cost report, key and workspace names) and
its plug-in record (`ANTHROPIC`).

The client takes an ``httpx.Client`` so tests and the local stack can point it anywhere (the simulator, a
user's egress proxy); it retries within a deadline (shared.providers.base.HttpJsonClient). Anthropic's
token classes are already disjoint (uncached input, 5-minute and 1-hour cache writes, cache reads, output):
they map one to one onto ours.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from decimal import Context, Decimal
from typing import TYPE_CHECKING, Any

from shared.domain.accounts import Names
from shared.domain.billed import LINE_FIELDS, BilledCost, ServedDay
from shared.domain.usage import (
    Dimensions,
    SourceHour,
    TokenCounts,
    UsageBucket,
    UsageRow,
    hour_id,
    merge_rows,
    utc_hour,
)
from shared.providers.base import HttpJsonClient, KeyShapeError, Organization, Provider, served_digest
from shared.providers.base import count as _count
from shared.providers.errors import (
    InvalidKey,
    MalformedResponse,
    NotAdminKey,
    ProviderBadRequest,
    ProviderError,
    ProviderUnavailable,
)

if TYPE_CHECKING:
    import httpx  # only types here: clients import it when made (the alert functions never load it)

log = logging.getLogger(__name__)

API_VERSION = "2023-06-01"
MAX_HOURLY_BUCKETS_PER_PAGE = 168
MAX_DAILY_COST_BUCKETS_PER_PAGE = 31
_EXACT = Context(prec=60)
"""Cents to dollars without rounding, whatever the report's number of digits."""
GROUP_BY = ("model", "api_key_id", "workspace_id", "service_tier", "context_window", "inference_geo", "speed")
"""All the dimensions that change a row's price (``speed``: fast mode bills a premium multiple)."""
FAST_MODE_BETA = "fast-mode-2026-02-01"
"""Grouping by ``speed`` needs this beta header."""


def _rfc3339(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _parse_time(value: Any) -> datetime:
    if not isinstance(value, str):
        raise ValueError(f"expected an RFC 3339 string, got {value!r}")
    moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        raise ValueError(f"timestamp without zone: {value!r}")
    return moment.astimezone(UTC)


def parse_usage_result(
    hour_start: datetime, result: dict[str, Any], dims_seen: dict[tuple[Any, ...], Dimensions] | None = None
) -> UsageRow:
    """Turn one documented usage result into a row. Unknown fields are ignored (new ones appear).

    Args:
        dims_seen: dimensions already made, by the fields they were made of: pass the same dict for every
            result of a report, so a grouping's rows share one (immutable) `Dimensions`.
    """
    # One look-up per field and no keyword arguments: this runs for every row of every hour read.
    get = result.get
    cache = get("cache_creation") or {}
    tools = get("server_tool_use") or {}
    if not isinstance(cache, dict) or not isinstance(tools, dict):
        raise ValueError("cache_creation and server_tool_use must be objects")
    fields = (
        get("model"),
        get("api_key_id"),
        get("workspace_id"),
        get("service_tier"),
        get("context_window"),
        get("inference_geo"),
        get("speed"),
    )
    dims = None if dims_seen is None else dims_seen.get(fields)
    if dims is None:
        model, key, workspace, tier, context, geo, speed = fields
        dims = Dimensions(str(model) if model else "unknown", key, workspace, tier or "standard", context, geo, speed)
        if dims_seen is not None:
            dims_seen[fields] = dims
    counts: tuple[Any, ...] = (
        get("uncached_input_tokens"),
        cache.get("ephemeral_5m_input_tokens"),
        cache.get("ephemeral_1h_input_tokens"),
        get("cache_read_input_tokens"),
        get("output_tokens"),
        tools.get("web_search_requests"),
    )
    for value in counts:
        if type(value) is not int or value < 0:
            # Not all plain counts: each one read as a count (null is 0), refused with the field's error.
            counts = tuple(_count(v) for v in counts)
            break
    return UsageRow(hour_start, dims, TokenCounts.of(counts))  # checked just above


def parse_cost_result(day: date, result: dict[str, Any]) -> BilledCost:
    """Turn one documented cost report result into a billed line; the amount in cents becomes exact USD."""
    if not isinstance(result, dict):
        raise ValueError("a cost result must be an object")
    currency = result.get("currency") or "USD"
    if currency != "USD":
        raise ValueError(f"currency {currency!r} is not USD")
    amount = result.get("amount")
    if isinstance(amount, bool) or not isinstance(amount, str | int):
        raise ValueError(f"amount must be a decimal string of cents, got {amount!r}")
    cents = Decimal(amount)
    if not cents.is_finite():
        raise ValueError(f"amount is not a finite number: {amount!r}")
    get = result.get
    texts = [get(name) for name in _COST_TEXT_FIELDS]
    for name, value in zip(_COST_TEXT_FIELDS, texts, strict=True):
        if value is not None and not isinstance(value, str):
            raise ValueError(f"{name} must be a string or null, got {value!r}")
    workspace_id, model, token_type, cost_type, service_tier, context_window, inference_geo, description = texts
    return BilledCost(
        day=day,
        workspace_id=workspace_id,
        model=model,
        token_type=token_type,
        cost_type=cost_type,
        service_tier=service_tier,
        context_window=context_window,
        inference_geo=inference_geo,
        description=description,
        amount_usd=cents.scaleb(-2, _EXACT),
        cost_class=_cost_class(token_type, cost_type),
    )


_COST_TEXT_FIELDS = tuple(f for f in LINE_FIELDS if f != "cost_class")
"""A cost result's text fields (each a string or null), checked in this order (a line's own, but the class,
which is derived)."""


TOKEN_TYPE_CLASSES: dict[str, str] = {
    "uncached_input_tokens": "uncached_input",
    "cache_creation.ephemeral_5m_input_tokens": "cache_write_5m",
    "cache_creation.ephemeral_1h_input_tokens": "cache_write_1h",
    "cache_read_input_tokens": "cache_read",
    "output_tokens": "output",
}
"""The cost report's ``token_type`` -> our usage class."""

COST_TYPE_CLASSES: dict[str, str] = {"web_search": "web_search"}
"""Cost types that are usage classes; others (code_execution, session_usage) keep the report's own name."""


def _cost_class(token_type: str | None, cost_type: str | None) -> str:
    if token_type is not None:
        return TOKEN_TYPE_CLASSES.get(token_type, token_type)
    if cost_type is not None:
        return COST_TYPE_CLASSES.get(cost_type, cost_type)
    return "other"


def _source_hour(hour: datetime, results: list[Any], dims_seen: dict[tuple[Any, ...], Dimensions]) -> SourceHour:
    try:
        digest = served_digest(hour_id(hour), results)
    except (TypeError, ValueError) as exc:
        raise MalformedResponse(f"usage report page is not the documented shape: {exc}") from exc

    def parse() -> UsageBucket:
        try:
            rows = [parse_usage_result(hour, r, dims_seen) for r in results]
        except (KeyError, TypeError, ValueError) as exc:
            raise MalformedResponse(f"usage report page is not the documented shape: {exc}") from exc
        return UsageBucket(hour, tuple(merge_rows(rows)), digest)

    return SourceHour(hour, digest, parse)


def _served_day(day: date, results: list[Any]) -> ServedDay:
    def parse() -> tuple[BilledCost, ...]:
        try:
            return tuple(parse_cost_result(day, r) for r in results)
        except (KeyError, TypeError, ValueError, ArithmeticError) as exc:
            raise MalformedResponse(f"cost report page is not the documented shape: {exc}") from exc

    return ServedDay(day, served_digest(day.isoformat(), results), parse)


class AnthropicAdminClient(HttpJsonClient):
    """Reads one organization's usage with its Admin key."""

    provider_label = "Anthropic"

    def __init__(
        self,
        api_key: str,
        *,
        base_url: str,
        http: httpx.Client,
        deadline: float | None = None,
        max_attempts: int = 6,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(
            base_url=base_url, http=http, deadline=deadline, max_attempts=max_attempts, sleep=sleep, clock=clock
        )
        self._key = api_key

    def _headers(self) -> dict[str, str]:
        return {
            "x-api-key": self._key,
            "anthropic-version": API_VERSION,
            "anthropic-beta": FAST_MODE_BETA,
            "accept": "application/json",
        }

    def _error_for(self, response: httpx.Response) -> ProviderError:
        status = response.status_code
        message, request_id = "", None
        try:
            body = response.json()
            if isinstance(body, dict):
                err = body.get("error") or {}
                message = str(err.get("message") or "") if isinstance(err, dict) else ""
                request_id = body.get("request_id")
        except ValueError:
            pass
        detail = f": {message}" if message else ""
        if status == 401:
            return InvalidKey(
                f"Anthropic rejected the key (invalid, revoked or expired){detail}",
                status=status,
                request_id=request_id,
            )
        if status == 403:
            return NotAdminKey(
                "the key cannot read organization usage: it must be an Admin API key (sk-ant-admin01-...) "
                f"of an organization{detail}",
                status=status,
                request_id=request_id,
            )
        if status == 429:
            return ProviderUnavailable(
                f"Anthropic rate limit{detail}",
                status=status,
                request_id=request_id,
                retry_after=self.retry_after(response),
            )
        if status >= 500:
            kind = "overloaded" if status == 529 else "server error"
            return ProviderUnavailable(f"Anthropic {kind} ({status}){detail}", status=status, request_id=request_id)
        return ProviderBadRequest(
            f"Anthropic refused the request ({status}){detail}", status=status, request_id=request_id
        )

    # -- endpoints -------------------------------------------------------------------------------

    def organization(self) -> Organization:
        """``GET /v1/organizations/me``: verifies the key and names the organization."""
        body = self._get("/v1/organizations/me")
        org_id, name = body.get("id"), body.get("name")
        if not isinstance(org_id, str) or not org_id:
            raise MalformedResponse("organizations/me answered without an organization id")
        return Organization(id=org_id, name=str(name or org_id))

    def usage_buckets(self, start: datetime, end: datetime) -> Iterator[UsageBucket]:
        """Hourly buckets in ``[start, end)``, every one of them (empty ones too), oldest first.

        Follows pagination. Rows a page splits are merged per hour and grouping.
        """
        for hour in self.usage_hours(start, end):
            yield hour.parse()

    def usage_hours(self, start: datetime, end: datetime) -> Iterator[SourceHour]:
        """The hours of `usage_buckets`, each with the digest of the results served for it (`served_digest`:
        the content hash its bucket carries), parsed only when asked."""
        start, end = utc_hour(start), utc_hour(end)
        if end <= start:
            return
        hours = int((end - start).total_seconds() // 3600)
        params: list[tuple[str, str]] = [
            ("starting_at", _rfc3339(start)),
            ("ending_at", _rfc3339(end)),
            ("bucket_width", "1h"),
            ("limit", str(min(MAX_HOURLY_BUCKETS_PER_PAGE, hours))),
        ]
        params += [("group_by[]", g) for g in GROUP_BY]
        seen: dict[datetime, list[Any]] = {}
        dims_seen: dict[tuple[Any, ...], Dimensions] = {}  # a grouping's rows share one (a few hundred in all)
        for page in self._report_pages("/v1/organizations/usage_report/messages", params, "usage report"):
            try:
                for bucket, results in page:
                    seen.setdefault(utc_hour(_parse_time(bucket["starting_at"])), []).extend(results)
            except (KeyError, TypeError, ValueError) as exc:
                raise MalformedResponse(f"usage report page is not the documented shape: {exc}") from exc
            # Yield the hours that are complete (every hour before the newest seen); a page may end mid-hour
            # only in theory, so the newest hour is held until the next page or the end.
            newest = max(seen) if seen else None
            for hour in sorted(h for h in seen if newest is not None and h < newest):
                yield _source_hour(hour, seen.pop(hour), dims_seen)
        for hour in sorted(seen):
            yield _source_hour(hour, seen.pop(hour), dims_seen)

    def billed_days(self, start: date, end: date) -> dict[date, tuple[BilledCost, ...]]:
        """The billed cost ledger for the UTC days in ``[start, end)``, by workspace and description.

        Every day the report returned is in the answer (days with no cost as empty tuples); days it did not
        return yet (the future) are absent. One request per 31 days, following pagination.
        """
        return {day: served.parse() for day, served in self.billed_sources(start, end).items()}

    def billed_sources(self, start: date, end: date) -> dict[date, ServedDay]:
        """The days of `billed_days`, each with the digest of the results served for it, parsed when asked."""
        if end <= start:
            return {}
        days = (end - start).days
        params: list[tuple[str, str]] = [
            ("starting_at", _rfc3339(datetime(start.year, start.month, start.day, tzinfo=UTC))),
            ("ending_at", _rfc3339(datetime(end.year, end.month, end.day, tzinfo=UTC))),
            ("bucket_width", "1d"),
            ("limit", str(min(MAX_DAILY_COST_BUCKETS_PER_PAGE, days))),
            ("group_by[]", "workspace_id"),
            ("group_by[]", "description"),
        ]
        out: dict[date, list[Any]] = {}
        for page in self._report_pages("/v1/organizations/cost_report", params, "cost report"):
            try:
                for bucket, results in page:
                    out.setdefault(_parse_time(bucket["starting_at"]).date(), []).extend(results)
            except (KeyError, TypeError, ValueError) as exc:
                raise MalformedResponse(f"cost report page is not the documented shape: {exc}") from exc
        return {day: _served_day(day, results) for day, results in sorted(out.items()) if start <= day < end}

    def names(self) -> Names:
        """Every API key's and workspace's name (archived ones too: they still have history)."""
        keys = {
            str(k["id"]): str(k.get("name") or k["id"])
            for k in self._list("/v1/organizations/api_keys", [], limit=1000, cursor="after_id")
        }
        workspaces = {
            str(w["id"]): str(w.get("name") or w["id"])
            for w in self._list(
                "/v1/organizations/workspaces", [("include_archived", "true")], limit=1000, cursor="after_id"
            )
        }
        return Names(keys, workspaces)


ADMIN_KEY = re.compile(r"^sk-ant-admin01-[A-Za-z0-9_\-]{16,300}$")
WORKSPACE_KEY_PREFIX = "sk-ant-api03-"


def check_key(api_key: str) -> None:
    """Refuse keys that cannot be an Anthropic Admin key before calling anyone, saying what to do."""
    if api_key.startswith(WORKSPACE_KEY_PREFIX):
        raise KeyShapeError(
            "this is a workspace API key (sk-ant-api03-...), which cannot read usage. Create an Admin API key "
            "(sk-ant-admin01-...) in the Anthropic Console under Settings > Admin keys (organization admins only)",
            "workspace_key",
        )
    if api_key.startswith("sk-admin-") or api_key.startswith("sk-proj-"):
        raise KeyShapeError("this looks like an OpenAI key; connect it with provider 'openai'", "wrong_provider")
    if not ADMIN_KEY.match(api_key):
        raise KeyShapeError(
            "api_key is not an Anthropic Admin API key: it must start with sk-ant-admin01- followed by the key's "
            "characters",
            "invalid_input",
        )


def _client(api_key: str, base_url: str, http: httpx.Client, deadline: float | None) -> AnthropicAdminClient:
    return AnthropicAdminClient(api_key, base_url=base_url, http=http, deadline=deadline)


ANTHROPIC = Provider(
    name="anthropic",
    label="Anthropic",
    key_prefix="sk-ant-admin01-",
    admin_key=ADMIN_KEY,
    check_key=check_key,
    client=_client,
    ledger_name="cost report",
    base_url_setting="ANTHROPIC_API_BASE_URL",
    workspace_word="workspace",
    default_workspace_name="Default workspace",
    no_key_name="Console/Workbench",
    admin_key_help="an organization admin creates an Admin API key in the Anthropic Console, Settings > Admin keys",
    tiers_not_billed=frozenset({"priority", "priority_on_demand"}),
)


__all__ = ["ANTHROPIC", "AnthropicAdminClient", "Organization", "parse_cost_result", "parse_usage_result"]
