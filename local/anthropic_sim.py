"""A simulated Anthropic Admin API: a real HTTP server on loopback, for tests, benchmarks and the demo.

It follows the documented request and response shapes (see the reference page on the Admin API):
``/v1/organizations/me``, ``usage_report/messages`` (1m/1h/1d buckets, group_by, filters, paging),
``cost_report`` (cents, per token type), ``api_keys`` and ``workspaces`` (id paging) and the documented
error bodies. It is an independent oracle: nothing here imports the project's own domain or pricing, so
a test that compares the collector's numbers with :meth:`AnthropicSimulator.usage_rows` or
:meth:`AnthropicSimulator.expected_list_cost_usd` checks the project against a second implementation.

Data is generated lazily, one UTC hour at a time, from ``random.Random`` seeded by (profile seed, hour)
and cached per hour, so any window of history can be served in any order and always yields the same
numbers. Nothing reads the global ``random`` state.

Run the demo server with ``python -m local.anthropic_sim --port 8790``.
"""

from __future__ import annotations

import argparse
import base64
import binascii
import contextlib
import functools
import hashlib
import itertools
import json
import math
import random
import socket
import sys
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal, localcontext
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, cast
from urllib.parse import parse_qs, urlsplit

__all__ = [
    "FAST_MODE_BETA",
    "GROUP_FIELDS",
    "AnthropicSimulator",
    "SimOrganization",
    "SimRequest",
    "UsageProfile",
    "list_price_usd_per_mtok",
]

# --------------------------------------------------------------------------------------------------
# Constants of the documented API
# --------------------------------------------------------------------------------------------------

API_VERSIONS = frozenset({"2023-06-01", "2023-01-01"})
FAST_MODE_BETA = "fast-mode-2026-02-01"

GROUP_FIELDS: tuple[str, ...] = (
    "api_key_id",
    "workspace_id",
    "model",
    "service_tier",
    "context_window",
    "inference_geo",
    "account_id",
    "service_account_id",
    "speed",
)
"""Every ``group_by[]`` value of the usage report; internal rows keep their dimensions in this order."""

_IDX = {name: i for i, name in enumerate(GROUP_FIELDS)}
_SPEED = _IDX["speed"]

# Filter parameter (without the ``[]`` suffix) -> dimension index.
_USAGE_FILTERS: dict[str, int] = {
    "api_key_ids": _IDX["api_key_id"],
    "workspace_ids": _IDX["workspace_id"],
    "models": _IDX["model"],
    "service_tiers": _IDX["service_tier"],
    "context_window": _IDX["context_window"],
    "inference_geos": _IDX["inference_geo"],
    "account_ids": _IDX["account_id"],
    "service_account_ids": _IDX["service_account_id"],
}
# Filters whose values are a documented enumeration: anything else is a 400.
_FILTER_ENUMS: dict[str, frozenset[str]] = {
    "service_tiers": frozenset({"standard", "batch", "priority", "priority_on_demand", "flex", "flex_discount"}),
    "context_window": frozenset({"0-200k", "200k-1M"}),
    "inference_geos": frozenset({"global", "us", "not_available"}),
}
# Tiers with no public list price: absent from the cost report (documented for Priority Tier).
_UNPRICED_TIERS = frozenset({"priority", "priority_on_demand"})

# bucket_width -> (width, default limit, max limit)
_USAGE_WIDTHS: dict[str, tuple[timedelta, int, int]] = {
    "1m": (timedelta(minutes=1), 60, 1440),
    "1h": (timedelta(hours=1), 24, 168),
    "1d": (timedelta(days=1), 7, 31),
}
_COST_GROUPS = ("workspace_id", "description")

# Counts of an internal row, in this order.
TOKEN_TYPES: tuple[str, ...] = (
    "uncached_input_tokens",
    "cache_creation.ephemeral_5m_input_tokens",
    "cache_creation.ephemeral_1h_input_tokens",
    "cache_read_input_tokens",
    "output_tokens",
)
_WEB = 5  # index of web_search_requests in a counts tuple
_TOKEN_LABELS: tuple[str, ...] = (
    "Input Tokens",
    "5m Cache Write Input Tokens",
    "1h Cache Write Input Tokens",
    "Cache Read Input Tokens",
    "Output Tokens",
)

_ERROR_TYPES: dict[int, str] = {
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
_ERROR_MESSAGES: dict[int, str] = {
    429: "Number of requests has exceeded your rate limit. Please try again later.",
    500: "Internal server error",
    529: "Overloaded",
}

Dims = tuple[str | None, ...]
Counts = tuple[int, ...]
Row = tuple[Dims, Counts]
"""An internal usage row: dimensions in ``GROUP_FIELDS`` order and six counts (five token classes in
``TOKEN_TYPES`` order, then web search requests)."""

# --------------------------------------------------------------------------------------------------
# The simulator's own price table (from pricing.md), independent of the project's catalogue
# --------------------------------------------------------------------------------------------------

_LC_INPUT_X = Decimal(2)  # long context: $3 -> $6, $5 -> $10, cache classes scaled the same way
_LC_OUTPUT_X = Decimal("1.5")  # long context: $15 -> $22.50, $25 -> $37.50
_GEO_US_X = Decimal("1.1")
_FAST_X = Decimal(6)
_BATCH_X = Decimal("0.5")
_WEB_SEARCH_USD = Decimal("0.01")  # $10 per 1,000 requests
_SONNET_45_LC_RETIRED = date(2026, 4, 30)
_GEN46_LC_PREMIUM_ENDS = date(2026, 3, 13)


@dataclass(frozen=True, slots=True)
class _ModelPrice:
    """List prices of one model family (USD per million tokens) and the rules that modify them."""

    prefix: str
    display: str
    rates: tuple[Decimal, Decimal, Decimal, Decimal, Decimal]  # input, 5m write, 1h write, read, output
    gen46: bool = False  # Claude 4.6 and later: data residency 1.1x
    fast: bool = False  # fast mode available (Opus 4.6+), 6x
    lc_supported: bool = False  # usage may carry context_window "200k-1M"
    lc_available_before: date | None = None  # long context usage ends (retired) on this date
    lc_premium_before: date | None = None  # long-context premium applies before this date (None: never)


def _r(*values: str) -> tuple[Decimal, Decimal, Decimal, Decimal, Decimal]:
    a, b, c, d, e = (Decimal(v) for v in values)
    return (a, b, c, d, e)


_OPUS_NEW = _r("5", "6.25", "10", "0.50", "25")
_OPUS_OLD = _r("15", "18.75", "30", "1.50", "75")
_SONNET = _r("3", "3.75", "6", "0.30", "15")
_SONNET_5 = _r("2", "2.50", "4", "0.20", "10")
_FOREVER = date.max

_PRICE_TABLE: tuple[_ModelPrice, ...] = (
    _ModelPrice("claude-opus-5", "Claude Opus 5", _OPUS_NEW, gen46=True, fast=True, lc_supported=True),
    _ModelPrice("claude-opus-4-8", "Claude Opus 4.8", _OPUS_NEW, gen46=True, fast=True, lc_supported=True),
    _ModelPrice("claude-opus-4-7", "Claude Opus 4.7", _OPUS_NEW, gen46=True, fast=True, lc_supported=True),
    _ModelPrice(
        "claude-opus-4-6",
        "Claude Opus 4.6",
        _OPUS_NEW,
        gen46=True,
        fast=True,
        lc_supported=True,
        lc_premium_before=_GEN46_LC_PREMIUM_ENDS,
    ),
    _ModelPrice("claude-opus-4-5", "Claude Opus 4.5", _OPUS_NEW),
    _ModelPrice("claude-opus-4-1", "Claude Opus 4.1", _OPUS_OLD),
    _ModelPrice("claude-opus-4-0", "Claude Opus 4", _OPUS_OLD),
    _ModelPrice("claude-opus-4-2025", "Claude Opus 4", _OPUS_OLD),
    _ModelPrice("claude-3-opus", "Claude Opus 3", _OPUS_OLD),
    _ModelPrice("claude-sonnet-5", "Claude Sonnet 5", _SONNET_5, gen46=True, lc_supported=True),
    _ModelPrice(
        "claude-sonnet-4-6",
        "Claude Sonnet 4.6",
        _SONNET,
        gen46=True,
        lc_supported=True,
        lc_premium_before=_GEN46_LC_PREMIUM_ENDS,
    ),
    _ModelPrice(
        "claude-sonnet-4-5",
        "Claude Sonnet 4.5",
        _SONNET,
        lc_supported=True,
        lc_available_before=_SONNET_45_LC_RETIRED,
        lc_premium_before=_FOREVER,
    ),
    _ModelPrice(
        "claude-sonnet-4-0",
        "Claude Sonnet 4",
        _SONNET,
        lc_supported=True,
        lc_available_before=_SONNET_45_LC_RETIRED,
        lc_premium_before=_FOREVER,
    ),
    _ModelPrice(
        "claude-sonnet-4-2025",
        "Claude Sonnet 4",
        _SONNET,
        lc_supported=True,
        lc_available_before=_SONNET_45_LC_RETIRED,
        lc_premium_before=_FOREVER,
    ),
    _ModelPrice("claude-3-7-sonnet", "Claude Sonnet 3.7", _SONNET),
    _ModelPrice("claude-haiku-4-5", "Claude Haiku 4.5", _r("1", "1.25", "2", "0.10", "5")),
    _ModelPrice("claude-3-5-haiku", "Claude Haiku 3.5", _r("0.80", "1", "1.60", "0.08", "4")),
    _ModelPrice("claude-3-haiku", "Claude Haiku 3", _r("0.25", "0.30", "0.50", "0.03", "1.25")),
)


@functools.lru_cache(maxsize=256)
def _model_price(model: str) -> _ModelPrice:
    """The family of ``model`` by longest id prefix.

    An unknown model still costs money on the invoice: the simulator bills it at Sonnet 4.5 rates under
    its own id, so a catalogue that does not know the model shows a reconciliation gap (never $0).
    """
    best: _ModelPrice | None = None
    for entry in _PRICE_TABLE:
        if model.startswith(entry.prefix) and (best is None or len(entry.prefix) > len(best.prefix)):
            best = entry
    return best if best is not None else _ModelPrice(model, model, _SONNET)


@functools.lru_cache(maxsize=8192)
def list_price_usd_per_mtok(
    model: str,
    service_tier: str | None,
    context_window: str | None,
    inference_geo: str | None,
    speed: str | None,
    day: date,
) -> tuple[Decimal, ...] | None:
    """The simulator's list rates (USD per million tokens) for the five token classes of a row.

    Modifiers as documented: batch 50% off every token class, long-context premium (Sonnet 4/4.5
    while offered, Opus/Sonnet 4.6 until 2026-03-13), data residency ``us`` 1.1x for 4.6+, fast mode 6x.
    Returns None for tiers with no list price (priority), which the cost report leaves out.
    """
    if service_tier in _UNPRICED_TIERS:
        return None
    price = _model_price(model)
    mult = [Decimal(1)] * 5
    if context_window == "200k-1M" and price.lc_premium_before is not None and day < price.lc_premium_before:
        mult = [_LC_INPUT_X] * 4 + [_LC_OUTPUT_X]
    extra = Decimal(1)
    if service_tier in ("batch", "flex", "flex_discount"):
        extra *= _BATCH_X
    if inference_geo == "us" and price.gen46:
        extra *= _GEO_US_X
    if speed == "fast" and price.fast:
        extra *= _FAST_X
    return tuple(rate * m * extra for rate, m in zip(price.rates, mult, strict=True))


def _exact(value: Decimal) -> str:
    """A decimal as plain text without exponent or trailing zeros (``"37.0371"``, ``"0"``)."""
    if value == 0:
        return "0"
    return format(value.normalize(), "f")


# --------------------------------------------------------------------------------------------------
# Public configuration
# --------------------------------------------------------------------------------------------------


@dataclass
class UsageProfile:
    """How much and what kind of usage an organization generates (deterministic from ``seed``).

    Two organizations with the same profile serve identical data; give each its own seed.
    """

    seed: int = 1
    api_keys: int = 5
    workspaces: int = 2
    models: tuple[str, ...] = ("claude-sonnet-4-5-20250929", "claude-opus-4-6", "claude-haiku-4-5-20251001")
    combos_per_hour: int = 12
    spike: tuple[datetime, float] | None = None
    # Extensions (defaults keep the documented demo data): share of combos on the Priority Tier (no list
    # price, absent from the cost report) and of Opus 4.6+ standard-tier combos in fast mode.
    priority_share: float = 0.0
    fast_share: float = 0.0


@dataclass
class SimOrganization:
    """One organization served by the simulator and the keys that reach it."""

    id: str
    name: str
    admin_keys: list[str]
    workspace_keys: list[str] = field(default_factory=list)
    profile: UsageProfile = field(default_factory=UsageProfile)
    data_starts: datetime | None = None


@dataclass(frozen=True, slots=True)
class SimRequest:
    """One request the simulator answered (control endpoints under ``/_sim`` are not logged)."""

    method: str
    path: str
    query: dict[str, list[str]]
    status: int


# --------------------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------------------

_B62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def _digest(*parts: object) -> bytes:
    return hashlib.sha256(":".join(str(p) for p in parts).encode()).digest()


def _seed_int(*parts: object) -> int:
    return int.from_bytes(_digest(*parts)[:16], "big")


def _unit(*parts: object) -> float:
    """A deterministic float in [0, 1) from the parts."""
    return int.from_bytes(_digest(*parts)[:7], "big") / float(1 << 56)


def _ident(prefix: str, *parts: object) -> str:
    """An Anthropic-looking id: ``prefix`` + ``01`` + 22 base62 characters, deterministic from parts."""
    n = int.from_bytes(_digest(*parts), "big")
    chars = []
    for _ in range(22):
        n, rem = divmod(n, 62)
        chars.append(_B62[rem])
    return f"{prefix}01{''.join(chars)}"


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _floor(moment: datetime, width: timedelta) -> datetime:
    moment = moment.astimezone(UTC)
    if width == timedelta(days=1):
        return moment.replace(hour=0, minute=0, second=0, microsecond=0)
    if width == timedelta(hours=1):
        return moment.replace(minute=0, second=0, microsecond=0)
    return moment.replace(second=0, microsecond=0)


def _hour(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValueError("naive datetime: the simulator works in timezone-aware UTC")
    return _floor(moment, timedelta(hours=1))


def _rhythm(hour: datetime) -> float:
    """Relative activity of an hour: a daytime peak (~16 UTC, Europe + US overlap) and quiet weekends."""
    daily = 0.3 + 0.7 * math.exp(-(((hour.hour - 16) / 5.0) ** 2))
    weekly = (1.0, 1.0, 1.0, 1.0, 0.95, 0.5, 0.42)[hour.weekday()]
    return daily * weekly


class _ApiError(Exception):
    def __init__(self, status: int, message: str, headers: Mapping[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = dict(headers or {})


@dataclass(slots=True)
class _Response:
    status: int
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(slots=True)
class _Fault:
    status: int
    remaining: int
    retry_after: int | None
    path_prefix: str


@dataclass(slots=True)
class _Malformed:
    remaining: int
    path_prefix: str
    kind: str
    served: int = 0


@dataclass(frozen=True, slots=True)
class _Combo:
    """A recurring (key, workspace, model, tier, ...) combination and its usage habits."""

    dims: Dims
    p_active: float  # probability of being active in an average hour
    base: float  # uncached input tokens in a peak hour
    ratios: tuple[float, float, float, float, float]  # the five token classes relative to ``base``
    web_rate: float  # web search requests in a peak hour (0: never searches)
    ends_before: datetime | None  # no usage from this hour on (long context retired)


# --------------------------------------------------------------------------------------------------
# One organization's data
# --------------------------------------------------------------------------------------------------

_KEY_ROLES = (
    "backend",
    "frontend",
    "data-pipeline",
    "evals",
    "support-bot",
    "research",
    "mobile",
    "batch-jobs",
    "analytics",
    "search",
    "agents",
    "docs-assistant",
)
_WORKSPACE_NAMES = (
    "Research",
    "Production",
    "Staging",
    "Data Science",
    "Marketing",
    "Customer Support",
    "Internal Tools",
    "Partners",
)
_COLORS = ("#6C5BB9", "#3D8B5F", "#C2571A", "#2F6FB5", "#A83279", "#7A7A2E", "#1F8A8A", "#8A4B2F")
_KEYS_CREATED = datetime(2025, 6, 2, 9, 0, tzinfo=UTC)
_WORKSPACES_CREATED = datetime(2025, 5, 12, 15, 30, tzinfo=UTC)
# Hours kept generated (~85 days). An hour of 100 rows is ~30 kB; regenerating one takes ~0.2 ms, far less
# than serialising it, so a bound that keeps memory modest costs little.
_HOUR_CACHE = 2048


class _OrgData:
    """Lazily generated, cached usage of one organization, plus its key and workspace listings."""

    def __init__(self, org: SimOrganization) -> None:
        self.org = org
        p = org.profile
        self.seed = p.seed
        self.workspaces: list[dict[str, Any]] = []
        for i in range(p.workspaces):
            created = _WORKSPACES_CREATED + timedelta(days=23 * i, hours=i)
            # The last of three or more workspaces is archived, so include_archived has something to do.
            archived = created + timedelta(days=120) if p.workspaces >= 3 and i == p.workspaces - 1 else None
            self.workspaces.append(
                {
                    "id": _ident("wrkspc_", p.seed, "workspace", i),
                    "type": "workspace",
                    "name": _WORKSPACE_NAMES[i % len(_WORKSPACE_NAMES)]
                    + ("" if i < len(_WORKSPACE_NAMES) else f" {i // len(_WORKSPACE_NAMES) + 1}"),
                    "created_at": _iso(created),
                    "archived_at": _iso(archived) if archived else None,
                    "display_color": _COLORS[i % len(_COLORS)],
                }
            )
        ws_ids: list[str | None] = [None, *(w["id"] for w in self.workspaces)]
        creator = {"id": _ident("user_", p.seed, "user", 0), "type": "user"}
        self.api_keys: list[dict[str, Any]] = []
        for i in range(p.api_keys):
            hint = _ident("", p.seed, "hint", i)
            self.api_keys.append(
                {
                    "id": _ident("apikey_", p.seed, "apikey", i),
                    "type": "api_key",
                    "name": f"Key {i + 1:02d} – {_KEY_ROLES[i % len(_KEY_ROLES)]}",  # noqa: RUF001 (en dash)
                    # Every fifth key has been deactivated (its history still counts).
                    "status": "inactive" if i % 5 == 4 else "active",
                    "workspace_id": ws_ids[i % len(ws_ids)],
                    "created_at": _iso(_KEYS_CREATED + timedelta(days=9 * i, minutes=17 * i)),
                    "created_by": creator,
                    "expires_at": None,
                    "partial_key_hint": f"sk-ant-api03-{hint[2:5]}...{hint[-4:]}AA",
                }
            )
        self.universe = self._build_universe()
        # Fields with a single value across all combos never split rows: skipping the re-aggregation
        # when only such fields are left out of group_by keeps the common "group by all" path O(rows).
        self.single_valued = tuple(len({c.dims[i] for c in self.universe}) <= 1 for i in range(len(GROUP_FIELDS)))
        self.restatements: dict[datetime, float] = {}
        self._restate_lock = threading.Lock()
        self.base_hour = functools.lru_cache(maxsize=_HOUR_CACHE)(self._generate_hour)
        self.data_starts = _hour(org.data_starts) if org.data_starts is not None else None
        self.spike = (_hour(p.spike[0]), p.spike[1]) if p.spike is not None else None

    # -- generation ----------------------------------------------------------------------------------

    def _build_universe(self) -> tuple[_Combo, ...]:
        p = self.org.profile
        if not p.models or p.combos_per_hour <= 0:
            return ()
        rng = random.Random(_seed_int(p.seed, "universe"))
        # Twice as many recurring combos as active per hour: each shows up about every other hour.
        target = max(1, math.ceil(p.combos_per_hour * 2))
        model_w = [1.0 / (i + 1) ** 0.8 for i in range(len(p.models))]
        key_w = [1.0 / (i + 1) ** 0.7 for i in range(len(self.api_keys))]
        ws_ids: list[str | None] = [None, *(w["id"] for w in self.workspaces)]
        seen: set[Dims] = set()
        combos: list[_Combo] = []
        # Every model that offers long context gets at least one long-context combo (when there is room),
        # so the demo always shows some "200k-1M" rows.
        forced_lc = [m for m in p.models if _model_price(m).lc_supported] if target >= 2 * len(p.models) else []
        for _ in range(target * 30):
            if len(combos) >= target:
                break
            key: dict[str, Any] | None = None
            if self.api_keys and rng.random() >= 0.08:  # ~8% of combos are Console Workbench (no key)
                key = rng.choices(self.api_keys, key_w)[0]
            workspace = key["workspace_id"] if key is not None else rng.choice(ws_ids)
            model = forced_lc[0] if forced_lc else rng.choices(p.models, model_w)[0]
            price = _model_price(model)
            u = rng.random()
            tier = "priority" if u < p.priority_share else ("batch" if u < p.priority_share + 0.15 else "standard")
            long_ctx = bool(forced_lc) or (price.lc_supported and rng.random() < 0.1)
            geo = "us" if price.gen46 and rng.random() < 0.3 else "global"
            fast = price.fast and tier == "standard" and not long_ctx and rng.random() < p.fast_share
            dims: Dims = (
                key["id"] if key is not None else None,
                workspace,
                model,
                tier,
                "200k-1M" if long_ctx else "0-200k",
                geo,
                None,  # account_id: API usage is attributed to keys, not user accounts
                None,  # service_account_id
                "fast" if fast else "standard",
            )
            if dims in seen:
                continue
            seen.add(dims)
            if forced_lc:
                forced_lc.pop(0)
            caching = rng.random() < 0.7
            base = 10 ** rng.uniform(3.6, 5.4)
            if model.startswith("claude-haiku") or "-haiku" in model:
                base *= 1.6
            if tier == "batch":
                base *= 2.0
            if long_ctx:
                base *= 2.5
            ratios = (
                1.0,
                rng.uniform(0.05, 0.4) if caching else 0.0,
                rng.uniform(0.02, 0.25) if caching and rng.random() < 0.45 else 0.0,
                rng.uniform(0.5, 8.0) if caching else 0.0,
                rng.uniform(0.04, 0.5),
            )
            web_rate = rng.uniform(0.5, 30.0) if tier != "batch" and rng.random() < 0.25 else 0.0
            ends = (
                datetime.combine(price.lc_available_before, datetime.min.time(), UTC)
                if long_ctx and price.lc_available_before is not None
                else None
            )
            combos.append(_Combo(dims, rng.uniform(0.5, 1.5), base, ratios, web_rate, ends))
        # Small profiles may have fewer distinct combos than asked for: then every combo is busier.
        share = p.combos_per_hour / len(combos) if combos else 0.0
        return tuple(replace(c, p_active=min(1.0, c.p_active * share)) for c in combos)

    def _generate_hour(self, hour: datetime) -> tuple[Row, ...]:
        """The full usage of one (complete) hour, before restatements. Cached per hour."""
        if self.data_starts is not None and hour < self.data_starts:
            return ()
        rng = random.Random(_seed_int(self.seed, "hour", _iso(hour)))
        level = _rhythm(hour) * (0.85 + 0.3 * _unit(self.seed, "day", hour.date().isoformat()))
        # Fewer distinct combos at night, not just smaller ones; the average stays near combos_per_hour.
        count_factor = (0.4 + 0.9 * level) / 0.82  # 0.82: its weekly mean
        spike = self.spike[1] if self.spike is not None and self.spike[0] == hour else None
        rows: list[Row] = []
        for combo in self.universe:
            if combo.ends_before is not None and hour >= combo.ends_before:
                continue
            if rng.random() >= combo.p_active * count_factor:
                continue
            scale = combo.base * level * math.exp(rng.gauss(0.0, 0.35))
            counts = [int(scale * ratio * rng.uniform(0.8, 1.2)) if ratio else 0 for ratio in combo.ratios]
            web = int(combo.web_rate * level * rng.uniform(0.5, 1.5) + rng.random()) if combo.web_rate else 0
            counts.append(web)
            if spike is not None:
                counts = [round(c * spike) for c in counts]
            if any(counts):
                rows.append((combo.dims, tuple(counts)))
        return tuple(rows)

    # -- serving -------------------------------------------------------------------------------------

    def restate(self, hour: datetime, factor: float) -> None:
        with self._restate_lock:
            self.restatements[hour] = self.restatements.get(hour, 1.0) * factor

    def full_hour(self, hour: datetime) -> tuple[Row, ...]:
        """The complete hour's rows with restatements applied."""
        rows = self.base_hour(hour)
        factor = self.restatements.get(hour)
        if factor is None or factor == 1.0:
            return rows
        out: list[Row] = []
        for dims, counts in rows:
            scaled = tuple(round(c * factor) for c in counts)
            if any(scaled):
                out.append((dims, scaled))
        return tuple(out)

    def served_hour(self, hour: datetime, now: datetime) -> tuple[Row, ...]:
        """The hour as served at ``now``: the running hour scaled by its elapsed fraction (floored)."""
        elapsed = _elapsed_seconds(hour, now)
        if elapsed <= 0:
            return ()
        rows = self.full_hour(hour)
        if elapsed >= 3600:
            return rows
        return _slice(rows, 0, elapsed)

    def served_minute(self, minute: datetime, now: datetime) -> tuple[Row, ...]:
        """One minute of an hour: the hour's tokens spread evenly, so minutes add up to the hour exactly."""
        hour = _hour(minute)
        elapsed = _elapsed_seconds(hour, now)
        lo = (minute - hour).seconds
        if elapsed <= lo:
            return ()
        return _slice(self.full_hour(hour), lo, min(lo + 60, elapsed, 3600))


def _elapsed_seconds(hour: datetime, now: datetime) -> int:
    return max(0, min(3600, int((now - hour).total_seconds())))


def _slice(rows: Iterable[Row], lo: int, hi: int) -> tuple[Row, ...]:
    """The share of each row that falls in seconds [lo, hi) of its hour, as ``C(hi) - C(lo)`` with
    ``C(s) = count * s // 3600``: prefixes of any partition sum exactly to ``C(end)``."""
    out: list[Row] = []
    for dims, counts in rows:
        part = tuple(c * hi // 3600 - c * lo // 3600 for c in counts)
        if any(part):
            out.append((dims, part))
    return tuple(out)


# --------------------------------------------------------------------------------------------------
# Request parsing
# --------------------------------------------------------------------------------------------------


def _normalize_query(raw: Mapping[str, list[str]]) -> dict[str, list[str]]:
    """Merge ``name[]`` into ``name`` (httpx sends ``group_by[]=x`` when the caller uses that key)."""
    out: dict[str, list[str]] = {}
    for key, values in raw.items():
        out.setdefault(key.removesuffix("[]"), []).extend(values)
    return out


def _one(query: Mapping[str, list[str]], name: str) -> str | None:
    values = query.get(name)
    return values[-1] if values else None


def _parse_time(query: Mapping[str, list[str]], name: str, *, required: bool) -> datetime | None:
    text = _one(query, name)
    if text is None or text == "":
        if required:
            raise _ApiError(400, f"{name}: field required")
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise _ApiError(400, f"{name}: invalid RFC 3339 datetime {text!r}") from None
    if moment.tzinfo is None:
        raise _ApiError(400, f"{name}: datetime must carry a UTC offset (RFC 3339), got {text!r}")
    return moment.astimezone(UTC)


def _parse_limit(query: Mapping[str, list[str]], default: int, maximum: int, context: str = "") -> int:
    text = _one(query, "limit")
    if text is None:
        return default
    try:
        limit = int(text)
    except ValueError:
        raise _ApiError(400, f"limit: not an integer: {text!r}") from None
    if not 1 <= limit <= maximum:
        raise _ApiError(400, f"limit: must be between 1 and {maximum}{context}, got {limit}")
    return limit


def _encode_page(moment: datetime) -> str:
    return "page_" + base64.b64encode(_iso(moment).encode()).decode()


def _decode_page(token: str) -> datetime:
    try:
        if not token.startswith("page_"):
            raise ValueError("prefix")
        payload = token[5:]
        text = base64.b64decode(payload + "=" * (-len(payload) % 4), altchars=b"-_").decode()
        moment = datetime.fromisoformat(text)
        if moment.tzinfo is None:
            raise ValueError("naive")
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise _ApiError(400, f"page: invalid page token {token!r}") from None
    return moment.astimezone(UTC)


@dataclass(frozen=True, slots=True)
class _Window:
    """The buckets of one page."""

    starts: list[datetime]
    width: timedelta
    next_start: datetime | None


def _window(query: Mapping[str, list[str]], width: timedelta, limit: int, now: datetime) -> _Window:
    """Buckets from ``starting_at`` (or the page cursor) that end at or before ``ending_at`` and never
    beyond the bucket that holds ``now``; at most ``limit`` of them."""
    page = _one(query, "page")
    starting = _parse_time(query, "starting_at", required=page is None)
    ending = _parse_time(query, "ending_at", required=False)
    if starting is not None and ending is not None and ending <= starting:
        raise _ApiError(400, "ending_at: must be after starting_at")
    start = _decode_page(page) if page else cast(datetime, starting)
    start = _floor(start, width)
    cap = _floor(now, width) + width
    if ending is not None:
        cap = min(cap, ending)
    starts: list[datetime] = []
    cur = start
    while cur + width <= cap and len(starts) < limit:
        starts.append(cur)
        cur += width
    next_start = cur if starts and cur + width <= cap else None
    return _Window(starts, width, next_start)


def _api_error_body(status: int, message: str, request_id: str) -> bytes:
    body = {
        "type": "error",
        "error": {"type": _ERROR_TYPES.get(status, "api_error"), "message": message},
        "request_id": request_id,
    }
    return json.dumps(body).encode()


def _usage_result(dims: Dims, counts: Counts, mask: Sequence[bool], with_speed: bool) -> dict[str, Any]:
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
        out["speed"] = dims[_SPEED] if mask[_SPEED] else None
    return out


# --------------------------------------------------------------------------------------------------
# The HTTP server
# --------------------------------------------------------------------------------------------------


class _Server(ThreadingHTTPServer):
    """Threading server that can close its keep-alive connections and join their threads on stop."""

    daemon_threads = True
    block_on_close = True  # server_close() joins handler threads (after we shut their sockets down)
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], sim: AnthropicSimulator) -> None:
        self.sim = sim
        self._conns: set[socket.socket] = set()
        self._conns_lock = threading.Lock()
        super().__init__(address, _Handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._conns_lock:
            self._conns.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._conns_lock:
            self._conns.discard(request)
        super().shutdown_request(request)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Clients that hang up (or a stop() mid-request) are normal here; anything else is printed."""
        if not isinstance(sys.exception(), OSError):
            super().handle_error(request, client_address)

    def close_connections(self) -> None:
        """Wake handler threads blocked on idle keep-alive connections so they can finish."""
        with self._conns_lock:
            conns = list(self._conns)
        for conn in conns:
            with contextlib.suppress(OSError):  # already closed by the client
                conn.shutdown(socket.SHUT_RDWR)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: benchmarks page through thousands of buckets
    # Headers and body go out in separate writes: without TCP_NODELAY, Nagle plus delayed ACK stalls
    # every keep-alive response by ~40 ms.
    disable_nagle_algorithm = True
    server_version = "AnthropicSim/1.0"
    sys_version = ""

    def log_message(self, format: str, *args: Any) -> None:
        """Silence the default stderr access log."""

    def do_GET(self) -> None:
        self._serve("GET")

    def do_POST(self) -> None:
        self._serve("POST")

    def do_PUT(self) -> None:
        self._serve("PUT")

    def do_DELETE(self) -> None:
        self._serve("DELETE")

    def _serve(self, method: str) -> None:
        sim = cast(_Server, self.server).sim
        split = urlsplit(self.path)
        raw_query = parse_qs(split.query, keep_blank_values=True)
        length = int(self.headers.get("content-length") or 0)
        body = self.rfile.read(length) if length > 0 else b""
        if split.path.startswith("/_sim/"):
            response = sim._control(method, split.path, body)
        else:
            headers = {k.lower(): v for k, v in self.headers.items()}
            response = sim._handle(method, split.path, raw_query, headers)
        self.send_response(response.status)
        for name, value in response.headers.items():
            self.send_header(name, value)
        self.send_header("content-length", str(len(response.body)))
        self.end_headers()
        self.wfile.write(response.body)


class AnthropicSimulator:
    """A local, deterministic Anthropic Admin API.

    Usage::

        sim = AnthropicSimulator(now=lambda: datetime(2026, 11, 5, 10, 30, tzinfo=UTC))
        sim.add_organization(SimOrganization("org_1", "Acme", admin_keys=["sk-ant-admin01-x"]))
        base_url = sim.start()
        ...
        sim.stop()

    ``now`` fixes the simulated clock (usage exists up to it; the running hour is partial).
    """

    def __init__(self, host: str = "127.0.0.1", port: int = 0, now: Callable[[], datetime] | None = None) -> None:
        self._host = host
        self._port = port
        self._now_fn: Callable[[], datetime] = now or (lambda: datetime.now(UTC))
        self._orgs: dict[str, _OrgData] = {}
        self._admin_keys: dict[str, str] = {}  # key -> org id
        self._workspace_keys: dict[str, str] = {}
        self._revoked: set[str] = set()
        self._faults: list[_Fault] = []
        self._malformed: list[_Malformed] = []
        self._latency = 0.0
        self._lock = threading.Lock()
        self._requests: list[SimRequest] = []
        self._request_counter = 0
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle -----------------------------------------------------------------------------------

    def start(self) -> str:
        """Bind and serve in a daemon thread; returns the base URL."""
        if self._server is not None:
            raise RuntimeError("simulator already started")
        self._server = _Server((self._host, self._port), self)
        # A short poll interval keeps stop() fast (tests start and stop a server per test).
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="anthropic-sim",
            daemon=True,
        )
        self._thread.start()
        return self.base_url

    def stop(self) -> None:
        """Stop serving, close open connections and join every server thread. Idempotent."""
        server, thread = self._server, self._thread
        if server is None:
            return
        server.shutdown()
        server.close_connections()
        server.server_close()
        if thread is not None:
            thread.join()
        self._server = None
        self._thread = None

    def __enter__(self) -> AnthropicSimulator:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        if self._server is None:
            raise RuntimeError("simulator not started")
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    # -- configuration -------------------------------------------------------------------------------

    def add_organization(self, org: SimOrganization) -> None:
        """Serve ``org``; its admin keys read it, its workspace keys get 403 on admin endpoints."""
        data = _OrgData(org)
        with self._lock:
            self._orgs[org.id] = data
            for key in org.admin_keys:
                self._admin_keys[key] = org.id
            for key in org.workspace_keys:
                self._workspace_keys[key] = org.id

    def add_admin_key(self, org_id: str, key: str) -> None:
        """A new Admin key of an organization (as an admin creates one in the Console to rotate)."""
        with self._lock:
            if org_id not in self._orgs:
                raise KeyError(org_id)
            self._admin_keys[key] = org_id

    def revoke_key(self, key: str) -> None:
        """The key answers 401 from now on."""
        with self._lock:
            self._revoked.add(key)

    def inject_faults(self, status: int, count: int = 1, retry_after: int | None = None, path_prefix: str = "") -> None:
        """The next ``count`` API requests whose path starts with ``path_prefix`` answer ``status`` with
        the documented error body. A 429 always carries ``retry-after`` (1 s unless given); other statuses
        carry it only when ``retry_after`` is given."""
        if count > 0:
            with self._lock:
                self._faults.append(_Fault(status, count, retry_after, path_prefix))

    def inject_malformed(self, count: int = 1, path_prefix: str = "", kind: str = "mixed") -> None:
        """The next ``count`` matching requests answer 200 with a broken body.

        ``kind``: ``"invalid_json"`` (a truncated document), ``"wrong_shape"`` (valid JSON, not the
        documented shape) or ``"mixed"`` (alternating, invalid JSON first).
        """
        if kind not in ("mixed", "invalid_json", "wrong_shape"):
            raise ValueError(f"unknown malformed kind {kind!r}")
        if count > 0:
            with self._lock:
                self._malformed.append(_Malformed(count, path_prefix, kind))

    def set_latency(self, seconds: float) -> None:
        """Delay every API answer by ``seconds``."""
        self._latency = max(0.0, seconds)

    def restate(self, org_id: str, hour_start: datetime, factor: float) -> None:
        """The provider restates an hour: its usage is multiplied by ``factor`` (0 removes it).
        Restating the same hour again multiplies again."""
        if factor < 0:
            raise ValueError("factor must be >= 0")
        self._org(org_id).restate(_hour(hour_start), factor)

    @property
    def requests(self) -> list[SimRequest]:
        """A snapshot of the API requests answered so far (oldest first)."""
        with self._lock:
            return list(self._requests)

    def reset_requests(self) -> None:
        with self._lock:
            self._requests.clear()

    # -- ground truth for tests ----------------------------------------------------------------------

    def usage_rows(self, org_id: str, hour_start: datetime) -> list[dict[str, Any]]:
        """The hour's results as served when grouped by every field (with the fast-mode beta, so
        ``speed`` is present): the ground truth a collector's rows must equal."""
        data = self._org(org_id)
        mask = [True] * len(GROUP_FIELDS)
        return [_usage_result(d, c, mask, True) for d, c in data.served_hour(_hour(hour_start), self._now())]

    def expected_list_cost_usd(self, org_id: str, start: datetime, end: datetime) -> Decimal:
        """List-price cost (exact, USD) of the usage in the hours starting in ``[hour(start), end)``, by
        the simulator's own price table. Priority Tier usage has no list price and is left out, as in the
        cost report."""
        data = self._org(org_id)
        now = self._now()
        by_day: dict[date, list[datetime]] = {}
        hour = _hour(start)
        while hour < end:
            by_day.setdefault(hour.date(), []).append(hour)
            hour += timedelta(hours=1)
        total = Decimal(0)
        with localcontext() as ctx:
            ctx.prec = 50
            for day, hours in by_day.items():
                rows = itertools.chain.from_iterable(data.served_hour(h, now) for h in hours)
                total += sum(_cost_lines(rows, day).values(), Decimal(0))
            return total / 100

    # -- internals -----------------------------------------------------------------------------------

    def _now(self) -> datetime:
        now = self._now_fn()
        if now.tzinfo is None:
            raise ValueError("now() must return a timezone-aware datetime")
        return now.astimezone(UTC)

    def _org(self, org_id: str) -> _OrgData:
        try:
            return self._orgs[org_id]
        except KeyError:
            raise KeyError(f"unknown organization {org_id!r}") from None

    def _next_request_id(self) -> str:
        with self._lock:
            self._request_counter += 1
            n = self._request_counter
        return "req_" + _ident("", "request", n)[2:]

    def _take_fault(self, path: str) -> _Fault | None:
        with self._lock:
            for fault in self._faults:
                if fault.remaining > 0 and path.startswith(fault.path_prefix):
                    fault.remaining -= 1
                    self._faults = [f for f in self._faults if f.remaining > 0]
                    return fault
        return None

    def _take_malformed(self, path: str) -> str | None:
        with self._lock:
            for m in self._malformed:
                if m.remaining > 0 and path.startswith(m.path_prefix):
                    m.remaining -= 1
                    kind = m.kind
                    if kind == "mixed":
                        kind = "invalid_json" if m.served % 2 == 0 else "wrong_shape"
                    m.served += 1
                    self._malformed = [x for x in self._malformed if x.remaining > 0]
                    return kind
        return None

    def _handle(self, method: str, path: str, raw_query: dict[str, list[str]], headers: Mapping[str, str]) -> _Response:
        """Answer one API request and log it."""
        if self._latency:
            time.sleep(self._latency)
        request_id = self._next_request_id()
        try:
            response = self._route(method, path, raw_query, headers, request_id)
        except _ApiError as err:
            response = _Response(
                err.status,
                _api_error_body(err.status, err.message, request_id),
                {"content-type": "application/json", **err.headers},
            )
        response.headers.setdefault("request-id", request_id)
        with self._lock:
            self._requests.append(SimRequest(method, path, raw_query, response.status))
        return response

    def _route(
        self,
        method: str,
        path: str,
        raw_query: dict[str, list[str]],
        headers: Mapping[str, str],
        request_id: str,
    ) -> _Response:
        fault = self._take_fault(path)
        if fault is not None:
            extra: dict[str, str] = {}
            retry_after = fault.retry_after if fault.retry_after is not None else (1 if fault.status == 429 else None)
            if retry_after is not None:
                extra["retry-after"] = str(retry_after)
            message = _ERROR_MESSAGES.get(fault.status, f"Simulated error {fault.status}")
            raise _ApiError(fault.status, message, extra)

        routes: dict[str, Callable[[_OrgData, dict[str, list[str]], Mapping[str, str]], Any]] = {
            "/v1/organizations/me": self._me,
            "/v1/organizations/usage_report/messages": self._usage,
            "/v1/organizations/cost_report": self._cost,
            "/v1/organizations/api_keys": self._api_keys,
            "/v1/organizations/workspaces": self._workspaces,
        }
        handler = routes.get(path)
        if handler is None or method != "GET":
            raise _ApiError(404, f"{method} {path}: not found")
        org = self._authenticate(headers)
        if not headers.get("anthropic-version"):
            raise _ApiError(400, "anthropic-version: header is required")
        if headers["anthropic-version"] not in API_VERSIONS:
            raise _ApiError(400, f"anthropic-version: unknown version {headers['anthropic-version']!r}")
        payload = handler(org, _normalize_query(raw_query), headers)
        malformed = self._take_malformed(path)
        response_headers = {"content-type": "application/json", "anthropic-organization-id": org.org.id}
        if malformed == "invalid_json":
            body = json.dumps(payload).encode()
            return _Response(200, body[: max(1, len(body) // 2)], response_headers)
        if malformed == "wrong_shape":
            wrong = {"data": {"unexpected": "shape"}, "has_more": "perhaps", "next_page": 42}
            return _Response(200, json.dumps(wrong).encode(), response_headers)
        return _Response(200, json.dumps(payload, separators=(",", ":")).encode(), response_headers)

    def _authenticate(self, headers: Mapping[str, str]) -> _OrgData:
        key = headers.get("x-api-key")
        if not key:
            raise _ApiError(401, "x-api-key header is required")
        with self._lock:
            revoked = key in self._revoked
            org_id = self._admin_keys.get(key)
            ws_org = self._workspace_keys.get(key)
        if revoked or (org_id is None and ws_org is None):
            raise _ApiError(401, "invalid x-api-key")
        if org_id is None:
            raise _ApiError(
                403,
                "This API key cannot use the Admin API: use an admin key (sk-ant-admin01-...)",
            )
        return self._orgs[org_id]

    # -- endpoints -----------------------------------------------------------------------------------

    def _me(self, org: _OrgData, query: dict[str, list[str]], headers: Mapping[str, str]) -> dict[str, Any]:
        return {"id": org.org.id, "type": "organization", "name": org.org.name}

    def _usage(self, org: _OrgData, query: dict[str, list[str]], headers: Mapping[str, str]) -> dict[str, Any]:
        width_name = _one(query, "bucket_width") or "1d"
        if width_name not in _USAGE_WIDTHS:
            raise _ApiError(400, f"bucket_width: must be one of 1m, 1h, 1d, got {width_name!r}")
        width, default_limit, max_limit = _USAGE_WIDTHS[width_name]
        limit = _parse_limit(query, default_limit, max_limit, f" for bucket_width {width_name}")
        betas = {b.strip() for b in headers.get("anthropic-beta", "").split(",") if b.strip()}
        with_speed = FAST_MODE_BETA in betas
        groups = query.get("group_by", [])
        for g in groups:
            if g not in _IDX:
                raise _ApiError(400, f"group_by: unknown value {g!r}; expected one of {', '.join(GROUP_FIELDS)}")
        if "speed" in groups and not with_speed:
            raise _ApiError(400, f"group_by: 'speed' requires the anthropic-beta header {FAST_MODE_BETA}")
        mask = tuple(name in groups for name in GROUP_FIELDS)
        filters: list[tuple[int, frozenset[str]]] = []
        for param, idx in _USAGE_FILTERS.items():
            values = query.get(param)
            if not values:
                continue
            allowed = _FILTER_ENUMS.get(param)
            for v in values:
                if allowed is not None and v not in allowed:
                    raise _ApiError(400, f"{param}: unknown value {v!r}")
            filters.append((idx, frozenset(values)))
        now = self._now()
        win = _window(query, width, limit, now)
        # Rows pass through unchanged when every field left out of group_by has one value anyway.
        passthrough = all(m or single for m, single in zip(mask, org.single_valued, strict=True))
        buckets = []
        for start in win.starts:
            if width == timedelta(hours=1):
                parts: list[tuple[Row, ...]] = [org.served_hour(start, now)]
            elif width == timedelta(minutes=1):
                parts = [org.served_minute(start, now)]
            else:
                parts = [org.served_hour(start + timedelta(hours=h), now) for h in range(24)]
            results = [
                _usage_result(d, c, mask, with_speed)
                for d, c in _aggregate(parts, mask, filters, passthrough and len(parts) == 1)
            ]
            buckets.append({"starting_at": _iso(start), "ending_at": _iso(start + width), "results": results})
        return {
            "data": buckets,
            "has_more": win.next_start is not None,
            "next_page": _encode_page(win.next_start) if win.next_start is not None else None,
        }

    def _cost(self, org: _OrgData, query: dict[str, list[str]], headers: Mapping[str, str]) -> dict[str, Any]:
        width_name = _one(query, "bucket_width") or "1d"
        if width_name != "1d":
            raise _ApiError(400, f"bucket_width: the cost report only supports 1d, got {width_name!r}")
        limit = _parse_limit(query, 7, 31)
        groups = query.get("group_by", [])
        for g in groups:
            if g not in _COST_GROUPS:
                raise _ApiError(400, f"group_by: unknown value {g!r}; expected workspace_id or description")
        by_ws, by_desc = "workspace_id" in groups, "description" in groups
        now = self._now()
        win = _window(query, timedelta(days=1), limit, now)
        buckets = []
        with localcontext() as ctx:
            ctx.prec = 50
            for start in win.starts:
                totals: dict[tuple[Any, ...], Decimal] = {}
                rows = itertools.chain.from_iterable(
                    org.served_hour(start + timedelta(hours=h), now) for h in range(24)
                )
                for (line, desc), cents in _cost_lines(rows, start.date()).items():
                    # line = (workspace, cost_type, token_type, model, tier, context_window, geo)
                    key = (line[0] if by_ws else None, *((desc, *line[1:]) if by_desc else ()))
                    totals[key] = totals.get(key, Decimal(0)) + cents
                results = []
                for key, cents in totals.items():
                    item: dict[str, Any] = {
                        "currency": "USD",
                        "amount": _exact(cents),
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
                buckets.append(
                    {
                        "starting_at": _iso(start),
                        "ending_at": _iso(start + timedelta(days=1)),
                        "results": results,
                    }
                )
        return {
            "data": buckets,
            "has_more": win.next_start is not None,
            "next_page": _encode_page(win.next_start) if win.next_start is not None else None,
        }

    def _api_keys(self, org: _OrgData, query: dict[str, list[str]], headers: Mapping[str, str]) -> dict[str, Any]:
        items = org.api_keys
        status = _one(query, "status")
        if status is not None:
            if status not in ("active", "inactive", "archived"):
                raise _ApiError(400, f"status: unknown value {status!r}")
            items = [k for k in items if k["status"] == status]
        workspace = _one(query, "workspace_id")
        if workspace is not None:
            items = [k for k in items if k["workspace_id"] == workspace]
        return _id_page(items, query, default=20, maximum=1000)

    def _workspaces(self, org: _OrgData, query: dict[str, list[str]], headers: Mapping[str, str]) -> dict[str, Any]:
        items = org.workspaces
        if (_one(query, "include_archived") or "false").lower() not in ("true", "1"):
            items = [w for w in items if w["archived_at"] is None]
        return _id_page(items, query, default=20, maximum=1000)

    # -- demo control endpoints ----------------------------------------------------------------------

    def _control(self, method: str, path: str, body: bytes) -> _Response:
        """``/_sim/...``: unauthenticated controls for the local demo (never part of the real API)."""
        try:
            args: dict[str, Any] = json.loads(body) if body.strip() else {}
            if not isinstance(args, dict):
                raise ValueError("body must be a JSON object")
            if method == "GET" and path == "/_sim/requests":
                reqs = self.requests
                by_status: dict[str, int] = {}
                for r in reqs:
                    by_status[str(r.status)] = by_status.get(str(r.status), 0) + 1
                result: dict[str, Any] = {"count": len(reqs), "by_status": by_status}
            elif method == "POST" and path == "/_sim/faults":
                retry = args.get("retry_after")
                self.inject_faults(
                    int(args["status"]),
                    int(args.get("count", 1)),
                    int(retry) if retry is not None else None,
                    str(args.get("path_prefix", "")),
                )
                result = {"ok": True}
            elif method == "POST" and path == "/_sim/malformed":
                self.inject_malformed(
                    int(args.get("count", 1)),
                    str(args.get("path_prefix", "")),
                    str(args.get("kind", "mixed")),
                )
                result = {"ok": True}
            elif method == "POST" and path == "/_sim/revoke":
                self.revoke_key(str(args["key"]))
                result = {"ok": True}
            elif method == "POST" and path == "/_sim/latency":
                self.set_latency(float(args["seconds"]))
                result = {"ok": True}
            elif method == "POST" and path == "/_sim/restate":
                hour = datetime.fromisoformat(str(args["hour_start"]))
                self.restate(str(args["org_id"]), hour, float(args["factor"]))
                result = {"ok": True}
            elif method == "POST" and path == "/_sim/reset_requests":
                self.reset_requests()
                result = {"ok": True}
            else:
                return _Response(404, json.dumps({"error": f"no control {method} {path}"}).encode(), _JSON)
        except (KeyError, ValueError, TypeError) as err:
            return _Response(400, json.dumps({"error": f"bad control request: {err!s}"}).encode(), _JSON)
        return _Response(200, json.dumps(result).encode(), {"content-type": "application/json"})


_JSON = {"content-type": "application/json"}


def _aggregate(
    parts: Sequence[tuple[Row, ...]],
    mask: Sequence[bool],
    filters: Sequence[tuple[int, frozenset[str]]],
    passthrough: bool,
) -> Iterable[Row]:
    """Filter rows and sum them over the fields not grouped by (those become null), in first-seen order."""
    if filters:
        parts = [tuple(r for r in rows if all(r[0][i] in vals for i, vals in filters)) for rows in parts]
    if passthrough:
        return parts[0]
    sums: dict[Dims, list[int]] = {}
    for rows in parts:
        for dims, counts in rows:
            key = tuple(d if m else None for d, m in zip(dims, mask, strict=True))
            acc = sums.get(key)
            if acc is None:
                sums[key] = list(counts)
            else:
                for i, c in enumerate(counts):
                    acc[i] += c
    return [(k, tuple(v)) for k, v in sums.items()]


def _cost_lines(rows: Iterable[Row], day: date) -> dict[tuple[tuple[Any, ...], str], Decimal]:
    """Cost lines (in cents, exact) of some rows: one per (workspace, cost type, token type, model,
    tier, context window, geo), with the line's description. Web search is one line per workspace."""
    # Sum integer counts per priced combination first: far fewer Decimal operations than per row.
    sums: dict[tuple[str | None, ...], list[int]] = {}
    for dims, counts in rows:
        combo = (dims[1], dims[2], dims[3], dims[4], dims[5], dims[_SPEED])
        acc = sums.get(combo)
        if acc is None:
            sums[combo] = list(counts)
        else:
            for i, c in enumerate(counts):
                acc[i] += c
    lines: dict[tuple[tuple[Any, ...], str], Decimal] = {}
    key: tuple[tuple[Any, ...], str]
    for (workspace, model, tier, cw, geo, speed), summed in sums.items():
        assert model is not None
        rates = list_price_usd_per_mtok(model, tier, cw, geo, speed, day)
        if rates is None:
            continue
        price = _model_price(model)
        qualifiers = [
            q
            for q, on in (
                ("Batch", tier == "batch"),
                ("Long Context", cw == "200k-1M"),
                ("US Inference", geo == "us"),
                ("Fast Mode", speed == "fast"),
            )
            if on
        ]
        suffix = f" ({', '.join(qualifiers)})" if qualifiers else ""
        for i, token_type in enumerate(TOKEN_TYPES):
            if summed[i]:
                key = (
                    (workspace, "tokens", token_type, model, tier, cw, geo),
                    f"{price.display} Usage - {_TOKEN_LABELS[i]}{suffix}",
                )
                # cents = tokens * USD per MTok * 100 / 1e6
                lines[key] = lines.get(key, Decimal(0)) + Decimal(summed[i]) * rates[i] / 10_000
        if summed[_WEB]:
            key = ((workspace, "web_search", None, None, None, None, None), "Web Search Usage")
            lines[key] = lines.get(key, Decimal(0)) + Decimal(summed[_WEB]) * _WEB_SEARCH_USD * 100
    return lines


def _id_page(
    items: Sequence[dict[str, Any]], query: Mapping[str, list[str]], default: int, maximum: int
) -> dict[str, Any]:
    """``after_id``/``before_id`` paging with ``first_id``, ``last_id`` and ``has_more``."""
    limit = _parse_limit(query, default, maximum)
    after, before = _one(query, "after_id"), _one(query, "before_id")
    if after and before:
        raise _ApiError(400, "after_id: cannot be combined with before_id")
    ids = [item["id"] for item in items]
    if after:
        if after not in ids:
            raise _ApiError(400, f"after_id: unknown id {after!r}")
        lo = ids.index(after) + 1
        page = list(items[lo : lo + limit])
        has_more = lo + limit < len(items)
    elif before:
        if before not in ids:
            raise _ApiError(400, f"before_id: unknown id {before!r}")
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


# --------------------------------------------------------------------------------------------------
# CLI
# --------------------------------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    """Serve a demo organization until Ctrl-C."""
    parser = argparse.ArgumentParser(prog="python -m local.anthropic_sim", description="Simulated Anthropic Admin API")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8790)
    parser.add_argument("--org-id", default="org_demo")
    parser.add_argument("--org-name", default="Demo Org")
    parser.add_argument("--admin-key", action="append", default=[], help="repeatable")
    parser.add_argument("--workspace-key", action="append", default=[], help="repeatable (answers 403)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--api-keys", type=int, default=5)
    parser.add_argument("--workspaces", type=int, default=2)
    parser.add_argument("--combos-per-hour", type=int, default=12)
    parser.add_argument("--history-days", type=int, default=0, help="usage starts this many days ago (0: unlimited)")
    parser.add_argument("--latency", type=float, default=0.0)
    args = parser.parse_args(argv)

    admin_keys = args.admin_key or ["sk-ant-admin01-local-demo-key"]
    data_starts = datetime.now(UTC) - timedelta(days=args.history_days) if args.history_days > 0 else None
    profile = UsageProfile(
        seed=args.seed,
        api_keys=args.api_keys,
        workspaces=args.workspaces,
        combos_per_hour=args.combos_per_hour,
    )
    sim = AnthropicSimulator(host=args.host, port=args.port)
    sim.add_organization(
        SimOrganization(
            id=args.org_id,
            name=args.org_name,
            admin_keys=admin_keys,
            workspace_keys=list(args.workspace_key),
            profile=profile,
            data_starts=data_starts,
        )
    )
    sim.set_latency(args.latency)
    url = sim.start()
    print(f"Anthropic Admin API simulator for {args.org_name} ({args.org_id}) at {url}", flush=True)
    print(f"admin key(s): {', '.join(admin_keys)}", flush=True)
    print(
        "controls: POST /_sim/faults, /_sim/revoke, /_sim/malformed, /_sim/latency; GET /_sim/requests",
        flush=True,
    )
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        sim.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
