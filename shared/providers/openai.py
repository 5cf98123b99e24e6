"""The OpenAI provider: its organization Usage and Costs API client and its plug-in record (`OPENAI`).

Usage is read from every endpoint OpenAI bills by (completions, embeddings, moderations, images, audio
speeches and transcriptions, vector stores, code interpreter sessions, file search and web search calls),
in hourly buckets, and mapped onto our disjoint usage classes. The mapping rules (see
../shared/reference/openai-admin-api.md and the 2026 API reference):

- ``input_tokens`` INCLUDES ``input_cached_tokens`` (and, since mid-2026, cache writes): uncached input is
  ``input_tokens - input_cached_tokens``; the cached part is ``cache_read``; never both. Cache writes are
  billed at the input rate, so they stay in uncached input.
- With the detailed fields (mid-2026 on: ``input_text_tokens``, ``input_audio_tokens``,
  ``input_image_tokens`` uncached, ``input_cached_{text,audio,image}_tokens``, ``output_{text,audio,image}
  _tokens``), ``input_tokens`` counts every modality: audio and image tokens are their own classes and are
  taken out of the text classes. Without them (the earlier shape) ``input_tokens`` is text only and
  ``input_audio_tokens`` is audio input including its cached part (priced as uncached audio: the split is
  not reported).
- Reasoning tokens are inside ``output_tokens``. ``batch: true`` is service tier ``batch``; ``flex``,
  ``scale``, ``priority`` and ``fast`` (priority's name from 2026-07-30) stay as reported.
- Per-unit usage: images (``images``; ``variant`` is the image size), speech characters, transcribed
  seconds, vector store bytes (a level per bucket: byte-hours), code interpreter sessions, file and web
  search calls. Rows that have no model carry the tool as their model (``tool:web_search``, ...).
- A null project is the organization's default project; in our views a project sits where an Anthropic
  workspace sits (``workspace_id``).

The Costs API is the billed ledger: daily amounts in DOLLARS (not cents) by project and line item
(``"gpt-4o-2024-08-06, cached input"``, ``"batch | gpt-5, output"``, ``"web search tool calls"``).
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from shared.domain.accounts import Names
from shared.domain.billed import BilledCost, ServedDay
from shared.domain.usage import Dimensions, SourceHour, TokenCounts, UsageBucket, UsageRow, merge_rows, utc_hour
from shared.providers.base import HttpJsonClient, KeyShapeError, Organization, Provider, count, unix
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

MAX_HOURLY_BUCKETS_PER_PAGE = 168
MAX_DAILY_COST_BUCKETS_PER_PAGE = 180
ORG_HEADER = "openai-organization"
ADMIN_KEY_PREFIX = "sk-admin-"

ENDPOINTS: Mapping[str, tuple[str, ...]] = {
    "completions": ("project_id", "user_id", "api_key_id", "model", "batch", "service_tier"),
    "embeddings": ("project_id", "user_id", "api_key_id", "model"),
    "moderations": ("project_id", "user_id", "api_key_id", "model"),
    "images": ("project_id", "user_id", "api_key_id", "model", "size"),
    "audio_speeches": ("project_id", "user_id", "api_key_id", "model"),
    "audio_transcriptions": ("project_id", "user_id", "api_key_id", "model"),
    "vector_stores": ("project_id",),
    "code_interpreter_sessions": ("project_id",),
    "file_search_calls": ("project_id", "user_id", "api_key_id"),
    "web_search_calls": ("project_id", "user_id", "api_key_id", "model", "context_level"),
}
"""Every usage endpoint OpenAI bills by, and what we group each by (every field that can change a price or
that a view groups by)."""

TOOL_MODELS: Mapping[str, str] = {
    "vector_stores": "tool:vector_storage",
    "code_interpreter_sessions": "tool:code_interpreter",
    "file_search_calls": "tool:file_search",
    "web_search_calls": "tool:web_search",
}
"""The model a row without one carries: the tool it is usage of."""

_DETAIL_FIELDS = ("input_text_tokens", "input_uncached_tokens", "input_cached_text_tokens", "output_text_tokens")


def parse_completions(result: Mapping[str, Any]) -> TokenCounts:
    """A completions result in our disjoint classes (see the module docstring)."""
    total_in = count(result.get("input_tokens"))
    cached = count(result.get("input_cached_tokens"))
    if cached > total_in:
        raise ValueError(f"input_cached_tokens {cached} is more than input_tokens {total_in}")
    total_out = count(result.get("output_tokens"))
    if any(result.get(f) is not None for f in _DETAIL_FIELDS):
        audio_in = count(result.get("input_audio_tokens"))
        image_in = count(result.get("input_image_tokens"))
        cached_audio = count(result.get("input_cached_audio_tokens"))
        cached_image = count(result.get("input_cached_image_tokens"))
        audio_out = count(result.get("output_audio_tokens"))
        image_out = count(result.get("output_image_tokens"))
        cached_text = cached - cached_audio - cached_image
        text_in = total_in - cached - audio_in - image_in  # uncached text, cache writes included
        text_out = total_out - audio_out - image_out
        uncached = result.get("input_uncached_tokens")
        writes = count(result.get("input_cache_write_tokens"))
        text = result.get("input_text_tokens")
        if (
            min(cached_text, text_in, text_out) < 0
            or (uncached is not None and count(uncached) + cached + writes != total_in)
            or (text is not None and count(text) + writes != text_in)
        ):
            raise ValueError("the modality fields do not add up to the totals")
        return TokenCounts(
            uncached_input=text_in,
            cache_read=cached_text,
            output=text_out,
            input_audio=audio_in,
            cache_read_audio=cached_audio,
            output_audio=audio_out,
            input_image=image_in,
            cache_read_image=cached_image,
            output_image=image_out,
        )
    # The earlier shape: input_tokens and output_tokens are text; audio is reported apart.
    return TokenCounts(
        uncached_input=total_in - cached,
        cache_read=cached,
        output=total_out,
        input_audio=count(result.get("input_audio_tokens")),
        output_audio=count(result.get("output_audio_tokens")),
    )


def _tokens(endpoint: str, result: Mapping[str, Any], hours: int) -> TokenCounts:
    if endpoint == "completions":
        return parse_completions(result)
    if endpoint in ("embeddings", "moderations"):
        return TokenCounts(uncached_input=count(result.get("input_tokens")))
    if endpoint == "images":
        return TokenCounts(images=count(result.get("images")))
    if endpoint == "audio_speeches":
        return TokenCounts(characters=count(result.get("characters")))
    if endpoint == "audio_transcriptions":
        return TokenCounts(audio_seconds=count(result.get("seconds")))
    if endpoint == "vector_stores":
        # A level (bytes stored), not a sum: the bucket's hours of storage.
        return TokenCounts(storage_byte_hours=count(result.get("usage_bytes")) * hours)
    if endpoint == "code_interpreter_sessions":
        return TokenCounts(code_interpreter_sessions=count(result.get("num_sessions")))
    if endpoint == "file_search_calls":
        return TokenCounts(file_search_calls=count(result.get("num_requests")))
    if endpoint == "web_search_calls":
        return TokenCounts(web_search_requests=count(result.get("num_requests")))
    raise ValueError(f"unknown usage endpoint {endpoint}")


def _optional(result: Mapping[str, Any], name: str) -> str | None:
    value = result.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValueError(f"{name} must be a string or null, got {value!r}")
    return value


def parse_usage_result(endpoint: str, hour_start: datetime, result: Mapping[str, Any], hours: int = 1) -> UsageRow:
    """One result of one usage endpoint's bucket, as our row. Unknown fields are ignored (new ones appear)."""
    batch = result.get("batch")
    if batch is not None and not isinstance(batch, bool):
        raise ValueError(f"batch must be a boolean, got {batch!r}")
    tier = "batch" if batch else (_optional(result, "service_tier") or "default")
    model = _optional(result, "model") or TOOL_MODELS.get(endpoint) or "unknown"
    variant = _optional(result, "size") if endpoint == "images" else None
    if endpoint == "web_search_calls":
        variant = _optional(result, "context_level")
    dims = Dimensions(
        model=model,
        api_key_id=_optional(result, "api_key_id"),
        workspace_id=_optional(result, "project_id"),
        service_tier=tier,
        user_id=_optional(result, "user_id"),
        variant=variant,
    )
    return UsageRow(hour_start=hour_start, dims=dims, tokens=_tokens(endpoint, result, hours))


# --------------------------------------------------------------------------------------------------
# The Costs API's line items


_TIER_PREFIX = re.compile(r"^(?P<tier>[a-z_]+) \| (?P<rest>.+)$")
_LINE = re.compile(r"^(?P<model>[^,]+?)(?: (?P<modality>text|audio|image))?, (?P<kind>[^,]+?)(?:, (?P<extra>.+))?$")
_KIND_CLASSES: Mapping[tuple[str, str], str] = {
    ("text", "input"): "uncached_input",
    ("text", "cached input"): "cache_read",
    ("text", "output"): "output",
    ("audio", "input"): "input_audio",
    ("audio", "cached input"): "cache_read_audio",
    ("audio", "output"): "output_audio",
    ("image", "input"): "input_image",
    ("image", "cached input"): "cache_read_image",
    ("image", "output"): "output_image",
    ("text", "characters"): "characters",
    ("text", "audio"): "audio_seconds",
}
_TOOL_LINES: Mapping[str, str] = {
    "web search tool calls": "web_search",
    "file search tool calls": "file_search",
    "code interpreter sessions": "code_interpreter",
    "vector storage": "storage",
}
TIER_NAMES: Mapping[str, str] = {"priority": "priority", "fast": "fast", "flex": "flex", "batch": "batch"}


def parse_line_item(line_item: str) -> tuple[str | None, str, str | None]:
    """(model, cost class, service tier) of a Costs line item; a line we cannot map keeps its text as its
    class (it shows, rather than vanishes) with no model."""
    text = line_item.strip()
    tool = _TOOL_LINES.get(text.lower())
    if tool is not None:
        return None, tool, None
    tier = None
    prefixed = _TIER_PREFIX.match(text)
    if prefixed is not None:
        tier, text = TIER_NAMES.get(prefixed["tier"], prefixed["tier"]), prefixed["rest"]
    m = _LINE.match(text)
    if m is None:
        return None, line_item, tier
    kind = m["kind"]
    if kind.endswith(" image") and m["modality"] is None:  # "dall-e-3, 1024x1024 image"
        return m["model"], "images", tier
    cls = _KIND_CLASSES.get((m["modality"] or "text", kind))
    if cls is None:  # "fine-tuning training": what only the ledger knows, under its own name
        return m["model"], re.sub(r"[^a-z0-9]+", "_", kind.lower()).strip("_"), tier
    return m["model"], cls, tier


def parse_cost_result(day: date, result: Mapping[str, Any]) -> BilledCost:
    """One Costs result as a billed line; ``amount.value`` is dollars (a JSON number, exact as written)."""
    amount = result.get("amount")
    if not isinstance(amount, dict):
        raise ValueError("amount must be an object")
    currency = str(amount.get("currency") or "usd").lower()
    if currency != "usd":
        raise ValueError(f"currency {currency!r} is not USD")
    value = amount.get("value")
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ValueError(f"amount.value must be a number, got {value!r}")
    # repr of a JSON number is the shortest text that reads back as it: the amount exactly as written.
    dollars = Decimal(repr(value) if isinstance(value, float) else str(value))
    if not dollars.is_finite():
        raise ValueError(f"amount.value is not finite: {value!r}")
    line_item = _optional(result, "line_item") or ""
    model, cost_class, tier = parse_line_item(line_item) if line_item else (None, "other", None)
    return BilledCost(
        day=day,
        workspace_id=_optional(result, "project_id"),
        model=model,
        token_type=None,
        cost_type=None,
        service_tier=tier,
        context_window=None,
        inference_geo=None,
        description=line_item or None,
        amount_usd=dollars,
        cost_class=cost_class,
    )


# --------------------------------------------------------------------------------------------------
# The client


class OpenAIAdminClient(HttpJsonClient):
    """Reads one organization's usage and costs with its admin key."""

    provider_label = "OpenAI"

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
        endpoints: Mapping[str, tuple[str, ...]] = ENDPOINTS,
    ) -> None:
        super().__init__(
            base_url=base_url, http=http, deadline=deadline, max_attempts=max_attempts, sleep=sleep, clock=clock
        )
        self._key = api_key
        self._endpoints = endpoints

    def _headers(self) -> dict[str, str]:
        return {"authorization": f"Bearer {self._key}", "accept": "application/json"}

    def _error_for(self, response: httpx.Response) -> ProviderError:
        status = response.status_code
        message, code = "", None
        try:
            body = response.json()
            err = body.get("error") if isinstance(body, dict) else None
            if isinstance(err, dict):
                message, code = str(err.get("message") or ""), err.get("code")
        except ValueError:
            pass
        detail = f": {message}" if message else ""
        request_id = response.headers.get("x-request-id")
        if status == 401:
            return InvalidKey(
                f"OpenAI rejected the key (invalid, revoked or deleted){detail}", status=status, request_id=request_id
            )
        if status == 403:
            return NotAdminKey(
                "the key cannot read the organization's usage. It must be an organization Admin key (sk-admin-...) "
                "with read access to the Usage API and to organization administration: an organization owner "
                f"creates one at platform.openai.com, Settings > Organization > Admin keys{detail}",
                status=status,
                request_id=request_id,
            )
        if status == 429:
            return ProviderUnavailable(
                f"OpenAI rate limit{detail}",
                status=status,
                request_id=request_id,
                retry_after=self.retry_after(response),
            )
        if status >= 500:
            return ProviderUnavailable(f"OpenAI server error ({status}){detail}", status=status, request_id=request_id)
        return ProviderBadRequest(
            f"OpenAI refused the request ({status}, {code or 'error'}){detail}", status=status, request_id=request_id
        )

    # -- endpoints -------------------------------------------------------------------------------

    def organization(self) -> Organization:
        """Verifies the key on an endpoint only admin keys may read; the organization comes from the
        ``openai-organization`` header (usage and cost rows do not name it)."""
        now = str(unix(utc_hour(datetime.now(UTC))))
        self._get("/v1/organization/usage/completions", [("start_time", now), ("bucket_width", "1d"), ("limit", "1")])
        org_id = self.last_headers.get(ORG_HEADER)
        if not org_id:
            raise MalformedResponse("OpenAI answered without naming the organization (openai-organization header)")
        return Organization(id=org_id, name=org_id)

    def usage_buckets(self, start: datetime, end: datetime) -> Iterator[UsageBucket]:
        """Hourly buckets of ``[start, end)`` from every usage endpoint, merged per hour, oldest first."""
        start, end = utc_hour(start), utc_hour(end)
        if end <= start:
            return
        rows: dict[datetime, list[UsageRow]] = {}
        for endpoint, group_by in self._endpoints.items():
            for hour, row in self._endpoint_rows(endpoint, group_by, start, end):
                rows.setdefault(hour, []).append(row)
        hour = start
        while hour < end:
            if hour in rows:
                yield UsageBucket(hour, tuple(merge_rows(rows[hour])))
            hour += timedelta(hours=1)

    def usage_hours(self, start: datetime, end: datetime) -> Iterator[SourceHour]:
        """The hours of `usage_buckets`, parsed as served (an hour merges several endpoints' reports: its
        digest is its bucket's content hash)."""
        for bucket in self.usage_buckets(start, end):
            yield SourceHour.parsed(bucket)

    def _endpoint_rows(
        self, endpoint: str, group_by: tuple[str, ...], start: datetime, end: datetime
    ) -> Iterator[tuple[datetime, UsageRow]]:
        hours = int((end - start).total_seconds() // 3600)
        params: list[tuple[str, str]] = [
            ("start_time", str(unix(start))),
            ("end_time", str(unix(end))),
            ("bucket_width", "1h"),
            ("limit", str(min(MAX_HOURLY_BUCKETS_PER_PAGE, hours))),
        ]
        params += [("group_by", g) for g in group_by]
        for page in self._report_pages(f"/v1/organization/usage/{endpoint}", params, f"{endpoint} usage"):
            try:
                for bucket, results in page:
                    hour = utc_hour(datetime.fromtimestamp(int(bucket["start_time"]), UTC))
                    width = max(1, (int(bucket["end_time"]) - int(bucket["start_time"])) // 3600)
                    for r in results:
                        if not isinstance(r, dict):
                            raise TypeError("a result is not an object")
                        row = parse_usage_result(endpoint, hour, r, width)
                        if row.tokens:
                            yield hour, row
            except (KeyError, TypeError, ValueError, OverflowError) as exc:
                raise MalformedResponse(f"{endpoint} usage page is not the documented shape: {exc}") from exc

    def billed_days(self, start: date, end: date) -> dict[date, tuple[BilledCost, ...]]:
        """The Costs ledger for the UTC days of ``[start, end)``, by project and line item."""
        if end <= start:
            return {}
        days = (end - start).days
        first = datetime(start.year, start.month, start.day, tzinfo=UTC)
        params: list[tuple[str, str]] = [
            ("start_time", str(unix(first))),
            ("end_time", str(unix(first + timedelta(days=days)))),
            ("bucket_width", "1d"),
            ("limit", str(min(MAX_DAILY_COST_BUCKETS_PER_PAGE, days))),
            ("group_by", "project_id"),
            ("group_by", "line_item"),
        ]
        out: dict[date, list[BilledCost]] = {}
        for page in self._report_pages("/v1/organization/costs", params, "costs"):
            try:
                for bucket, results in page:
                    day = datetime.fromtimestamp(int(bucket["start_time"]), UTC).date()
                    out.setdefault(day, []).extend(parse_cost_result(day, r) for r in results)
            except (KeyError, TypeError, ValueError, ArithmeticError, OverflowError) as exc:
                raise MalformedResponse(f"costs page is not the documented shape: {exc}") from exc
        return {day: tuple(lines) for day, lines in sorted(out.items()) if start <= day < end}

    def billed_sources(self, start: date, end: date) -> dict[date, ServedDay]:
        """The days of `billed_days`, parsed as served (their digest: the lines' own)."""
        return {day: ServedDay.parsed(day, lines) for day, lines in self.billed_days(start, end).items()}

    def names(self) -> Names:
        """Project names, and the names of every project's API keys (archived projects too: they have history)."""
        projects = list(
            self._list("/v1/organization/projects", [("include_archived", "true")], limit=100, cursor="after")
        )
        workspaces = {str(p["id"]): str(p.get("name") or p["id"]) for p in projects}
        keys: dict[str, str] = {}
        for project in projects:
            for key in self._list(f"/v1/organization/projects/{project['id']}/api_keys", [], limit=100, cursor="after"):
                keys[str(key["id"])] = str(key.get("name") or key.get("redacted_value") or key["id"])
        return Names(keys, workspaces)


ADMIN_KEY = re.compile(r"^sk-admin-[A-Za-z0-9_\-]{16,300}$")


def check_key(api_key: str) -> None:
    """Refuse keys that cannot be an OpenAI organization Admin key before calling anyone, saying what to do."""
    where = "an organization owner creates an Admin key at platform.openai.com, Settings > Organization > Admin keys"
    if api_key.startswith("sk-proj-"):
        raise KeyShapeError(
            f"this is a project API key (sk-proj-...), which cannot read organization usage: {where}", "project_key"
        )
    if api_key.startswith("sk-svcacct-"):
        raise KeyShapeError(
            f"this is a service account key (sk-svcacct-...), which cannot read organization usage: {where}",
            "service_account_key",
        )
    if api_key.startswith("sk-ant-"):
        raise KeyShapeError("this looks like an Anthropic key; connect it with provider 'anthropic'", "wrong_provider")
    if not ADMIN_KEY.match(api_key):
        raise KeyShapeError(
            f"api_key is not an OpenAI Admin key: it must start with sk-admin- ({where})", "invalid_input"
        )


def _client(api_key: str, base_url: str, http: httpx.Client, deadline: float | None) -> OpenAIAdminClient:
    return OpenAIAdminClient(api_key, base_url=base_url, http=http, deadline=deadline)


OPENAI = Provider(
    name="openai",
    label="OpenAI",
    key_prefix=ADMIN_KEY_PREFIX,
    admin_key=ADMIN_KEY,
    check_key=check_key,
    client=_client,
    ledger_name="Costs ledger",
    base_url_setting="OPENAI_API_BASE_URL",
    workspace_word="project",
    default_workspace_name="Default project",
    no_key_name="No API key",
    admin_key_help="an organization owner creates an Admin key at platform.openai.com, Settings > Organization > "
    "Admin keys, with read access to Usage and to organization administration",
    tiers_not_billed=frozenset({"scale"}),
)

__all__ = ["OPENAI", "OpenAIAdminClient", "parse_completions", "parse_cost_result", "parse_line_item"]
