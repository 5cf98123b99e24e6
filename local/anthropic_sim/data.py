"""The simulated Anthropic organizations' data: workspaces, API keys and usage, generated deterministically.

Usage is generated lazily, one UTC hour at a time, from ``random.Random`` seeded by (profile seed, hour) and
cached per hour (``local.simkit.HourlyUsage``), so any window of history can be served in any order and
always yields the same numbers. Nothing reads the global ``random`` state.

An internal usage row is ``(dims, counts)``: the dimensions in ``GROUP_FIELDS`` order and six counts (the
five token classes of ``oracle.TOKEN_TYPES``, then web search requests). Token classes are disjoint, as the
usage report documents: uncached input, 5-minute and 1-hour cache writes, cache reads and output.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from local.anthropic_sim.oracle import PricedKey, model_price
from local.simkit import (
    NIGHT_HOURS,
    SAVINGS_PATTERNS,
    HourlyUsage,
    Row,
    base62,
    check_patterns,
    draw_counts,
    hour_start,
    iso,
    rhythm,
    seed_int,
    unit,
)

__all__ = ["GROUP_FIELDS", "SimOrganization", "UsageProfile"]

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

IDX = {name: i for i, name in enumerate(GROUP_FIELDS)}
SPEED = IDX["speed"]

Dims = tuple[str | None, ...]


def priced(row: Row) -> tuple[PricedKey, tuple[int, ...]]:
    """A row as the oracle prices it: (workspace, model, tier, context window, geo, speed) and its counts."""
    d, counts = row
    return (d[1], d[2], d[3], d[4], d[5], d[SPEED]), counts


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
    # Usage patterns for the savings advice (``local.simkit.SAVINGS_PATTERNS``), each on a key of its own,
    # added after the regular data (which stays identical). ``AnthropicSimulator.patterns()`` names the keys.
    patterns: tuple[str, ...] = ()
    idle_since: datetime = datetime(2026, 9, 1, tzinfo=UTC)  # the "idle" key has no usage from then on
    appears_at: datetime = datetime(2026, 11, 1, tzinfo=UTC)  # the "new_workspace" key's usage starts then


@dataclass
class SimOrganization:
    """One organization served by the simulator and the keys that reach it."""

    id: str
    name: str
    admin_keys: list[str]
    workspace_keys: list[str] = field(default_factory=list)
    profile: UsageProfile = field(default_factory=UsageProfile)
    data_starts: datetime | None = None


def ident(prefix: str, *parts: object) -> str:
    """An Anthropic-looking id: ``prefix`` + ``01`` + 22 base62 characters, deterministic from parts."""
    return f"{prefix}01{base62(22, *parts)}"


@dataclass(frozen=True, slots=True)
class Combo:
    """A recurring (key, workspace, model, tier, ...) combination and its usage habits."""

    dims: Dims
    p_active: float  # probability of being active in an average hour
    base: float  # uncached input tokens in a peak hour
    ratios: tuple[float, float, float, float, float]  # the five token classes relative to ``base``
    web_rate: float  # web search requests in a peak hour (0: never searches)
    ends_before: datetime | None  # no usage from this hour on (long context retired)
    starts_at: datetime | None = None  # no usage before this hour
    hours: frozenset[int] | None = None  # active only in these UTC hours of the day
    steady: bool = False  # the same volume every active hour (a scheduled job), whatever the daily rhythm


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


class OrgData(HourlyUsage):
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
                    "id": ident("wrkspc_", p.seed, "workspace", i),
                    "type": "workspace",
                    "name": _WORKSPACE_NAMES[i % len(_WORKSPACE_NAMES)]
                    + ("" if i < len(_WORKSPACE_NAMES) else f" {i // len(_WORKSPACE_NAMES) + 1}"),
                    "created_at": iso(created),
                    "archived_at": iso(archived) if archived else None,
                    "display_color": _COLORS[i % len(_COLORS)],
                }
            )
        ws_ids: list[str | None] = [None, *(w["id"] for w in self.workspaces)]
        creator = {"id": ident("user_", p.seed, "user", 0), "type": "user"}
        self.api_keys: list[dict[str, Any]] = []
        for i in range(p.api_keys):
            hint = ident("", p.seed, "hint", i)
            self.api_keys.append(
                {
                    "id": ident("apikey_", p.seed, "apikey", i),
                    "type": "api_key",
                    "name": f"Key {i + 1:02d} – {_KEY_ROLES[i % len(_KEY_ROLES)]}",  # noqa: RUF001 (en dash)
                    # Every fifth key has been deactivated (its history still counts).
                    "status": "inactive" if i % 5 == 4 else "active",
                    "workspace_id": ws_ids[i % len(ws_ids)],
                    "created_at": iso(_KEYS_CREATED + timedelta(days=9 * i, minutes=17 * i)),
                    "created_by": creator,
                    "expires_at": None,
                    "partial_key_hint": f"sk-ant-api03-{hint[2:5]}...{hint[-4:]}AA",
                }
            )
        self.universe = self._build_universe()
        self.pattern_keys: dict[str, dict[str, Any]] = {}
        check_patterns(p.patterns, SAVINGS_PATTERNS)
        for name in p.patterns:
            self._add_pattern(name)
        # Fields with a single value across all combos never split rows: skipping the re-aggregation
        # when only such fields are left out of group_by keeps the common "group by all" path O(rows).
        self.single_valued = tuple(len({c.dims[i] for c in self.universe}) <= 1 for i in range(len(GROUP_FIELDS)))
        super().__init__(org.data_starts)
        self.spike = (hour_start(p.spike[0]), p.spike[1]) if p.spike is not None else None

    # -- generation ----------------------------------------------------------------------------------

    def _build_universe(self) -> tuple[Combo, ...]:
        p = self.org.profile
        if not p.models or p.combos_per_hour <= 0:
            return ()
        rng = random.Random(seed_int(p.seed, "universe"))
        # Twice as many recurring combos as active per hour: each shows up about every other hour.
        target = max(1, math.ceil(p.combos_per_hour * 2))
        model_w = [1.0 / (i + 1) ** 0.8 for i in range(len(p.models))]
        key_w = [1.0 / (i + 1) ** 0.7 for i in range(len(self.api_keys))]
        ws_ids: list[str | None] = [None, *(w["id"] for w in self.workspaces)]
        seen: set[Dims] = set()
        combos: list[Combo] = []
        # Every model that offers long context gets at least one long-context combo (when there is room),
        # so the demo always shows some "200k-1M" rows.
        forced_lc = [m for m in p.models if model_price(m).lc_supported] if target >= 2 * len(p.models) else []
        for _ in range(target * 30):
            if len(combos) >= target:
                break
            key: dict[str, Any] | None = None
            if self.api_keys and rng.random() >= 0.08:  # ~8% of combos are Console Workbench (no key)
                key = rng.choices(self.api_keys, key_w)[0]
            workspace = key["workspace_id"] if key is not None else rng.choice(ws_ids)
            model = forced_lc[0] if forced_lc else rng.choices(p.models, model_w)[0]
            price = model_price(model)
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
            combos.append(Combo(dims, rng.uniform(0.5, 1.5), base, ratios, web_rate, ends))
        # Small profiles may have fewer distinct combos than asked for: then every combo is busier.
        share = p.combos_per_hour / len(combos) if combos else 0.0
        return tuple(replace(c, p_active=min(1.0, c.p_active * share)) for c in combos)

    def _generate_hour(self, hour: datetime) -> tuple[Row, ...]:
        """The full usage of one (complete) hour, before restatements. Cached per hour."""
        if self.data_starts is not None and hour < self.data_starts:
            return ()
        rng = random.Random(seed_int(self.seed, "hour", iso(hour)))
        level = rhythm(hour) * (0.85 + 0.3 * unit(self.seed, "day", hour.date().isoformat()))
        # Fewer distinct combos at night, not just smaller ones; the average stays near combos_per_hour.
        count_factor = (0.4 + 0.9 * level) / 0.82  # 0.82: its weekly mean
        spike = self.spike[1] if self.spike is not None and self.spike[0] == hour else None
        rows: dict[Dims, tuple[int, ...]] = {}
        for combo in self.universe:
            counts = draw_counts(rng, combo, hour, level, count_factor)
            if counts is None:
                continue
            web = int(combo.web_rate * level * rng.uniform(0.5, 1.5) + rng.random()) if combo.web_rate else 0
            counts.append(web)
            if spike is not None:
                counts = [round(c * spike) for c in counts]
            if any(counts):
                dims = _after_fast_mode(combo.dims, hour)
                prev = rows.get(dims)
                rows[dims] = tuple(counts) if prev is None else tuple(a + b for a, b in zip(prev, counts, strict=True))
        return tuple(rows.items())

    # -- usage patterns for the savings advice -------------------------------------------------------

    def _add_pattern(self, name: str) -> None:
        """One pattern: its own key (and workspace for ``new_workspace``) and its recurring combos."""
        p = self.org.profile
        workspace = self.workspaces[0]["id"] if self.workspaces else None
        if name == "new_workspace":
            workspace = ident("wrkspc_", p.seed, "pattern-workspace", name)
            self.workspaces.append(
                {
                    "id": workspace,
                    "type": "workspace",
                    "name": "Expansion (US)",
                    "created_at": iso(p.appears_at),
                    "archived_at": None,
                    "display_color": _COLORS[len(self.workspaces) % len(_COLORS)],
                }
            )
        hint = ident("", p.seed, "pattern-hint", name)
        key: dict[str, Any] = {
            "id": ident("apikey_", p.seed, "pattern", name),
            "type": "api_key",
            "name": _PATTERN_KEY_NAMES[name],
            "status": "active",
            "workspace_id": workspace,
            "created_at": iso(min(_KEYS_CREATED + timedelta(days=40), p.appears_at)),
            "created_by": {"id": ident("user_", p.seed, "user", 0), "type": "user"},
            "expires_at": None,
            "partial_key_hint": f"sk-ant-api03-{hint[2:5]}...{hint[-4:]}AA",
        }
        if name == "new_workspace":
            key["created_at"] = iso(p.appears_at)
        self.api_keys.append(key)

        def dims(model: str, cw: str = "0-200k", geo: str = "global") -> Dims:
            return (key["id"], workspace, model, "standard", cw, geo, None, None, "standard")

        # ratios: uncached input, 5m writes, 1h writes, cache reads, output (relative to ``base``)
        combos: list[Combo]
        if name == "nightly_batch":
            combos = [Combo(dims(_HAIKU), 1.0, 3.0e6, (1.0, 0, 0, 0, 0.25), 0.0, None, hours=NIGHT_HOURS, steady=True)]
        elif name == "uncached_chat":
            combos = [Combo(dims(_SONNET_45), 1.0, 1.5e6, (1.0, 0, 0, 0, 0.06), 0.0, None)]
        elif name == "long_context":
            # Sonnet 4.5's 1M window bills the premium until it is retired on 2026-04-30; the key then runs
            # the same long prompts on Sonnet 4.6, whose full window bills at standard rates.
            retired = datetime(2026, 4, 30, tzinfo=UTC)
            ratios = (1.0, 0.05, 0, 0.6, 0.04)
            combos = [
                Combo(dims(_SONNET_45, "200k-1M"), 1.0, 2.5e6, ratios, 0.0, retired),
                Combo(dims(_SONNET_46, "200k-1M"), 1.0, 2.5e6, ratios, 0.0, None, starts_at=retired),
            ]
        elif name == "cache_rewrite":
            combos = [Combo(dims(_SONNET_45), 1.0, 4.0e5, (0.3, 3.0, 0, 1.0, 0.08), 0.0, None)]
        elif name == "idle":
            combos = [Combo(dims(_HAIKU), 1.0, 6.0e5, (1.0, 0.1, 0, 1.5, 0.2), 0.0, hour_start(p.idle_since))]
        else:  # new_workspace
            combos = [
                Combo(
                    dims(_OPUS_46, geo="us"),
                    1.0,
                    9.0e5,
                    (1.0, 0.1, 0, 2.0, 0.15),
                    0.0,
                    None,
                    starts_at=hour_start(p.appears_at),
                )
            ]
        self.universe = (*self.universe, *combos)
        self.pattern_keys[name] = {
            "api_key_id": key["id"],
            "name": key["name"],
            "workspace_id": workspace,
            "models": sorted({c.dims[2] for c in combos if c.dims[2] is not None}),
            "description": SAVINGS_PATTERNS[name],
        }


_HAIKU = "claude-haiku-4-5-20251001"
_SONNET_45 = "claude-sonnet-4-5-20250929"
_SONNET_46 = "claude-sonnet-4-6"
_OPUS_46 = "claude-opus-4-6"
_PATTERN_KEY_NAMES = {
    "nightly_batch": "nightly-etl",
    "uncached_chat": "chat-no-cache",
    "long_context": "long-context-rag",
    "cache_rewrite": "agent-5m-cache",
    "idle": "legacy-idle",
    "new_workspace": "new-region",
}


def _after_fast_mode(dims: Dims, hour: datetime) -> Dims:
    """Once fast mode is removed for a model, its requests run, and are reported, at standard speed."""
    speed_at = len(dims) - 1
    if dims[speed_at] != "fast":
        return dims
    until = model_price(str(dims[2])).fast_until
    if until is None or hour.date() < until:
        return dims
    return (*dims[:speed_at], "standard")
