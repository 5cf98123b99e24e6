"""The simulated OpenAI organizations' data: projects (with the default project), users, project API keys
(user-owned and service-account keys), admin keys, and usage for every usage endpoint, generated
deterministically: lazily, one UTC hour at a time, from ``random.Random`` seeded by (profile seed, hour),
cached per hour (``local.simkit.HourlyUsage``). Nothing reads the global ``random`` state.

What a row means (the semantics ``api.py`` serves; sources in ``api.py``'s docstring):

- A row is ``(dims, counts)`` with ``dims[0]`` the usage endpoint (``KINDS``) and the rest its documented
  ``group_by`` fields in ``GROUP_FIELDS[kind]`` order; ``counts`` in ``COUNT_FIELDS[kind]`` order.
- Completions rows count ten DISJOINT token classes (``oracle.COMPLETION_CLASSES``: uncached text, audio and
  image input; cached text, audio and image input; cache writes; text, audio and image output) and
  ``num_model_requests``. The served totals are derived from them, never stored: ``input_tokens`` = all
  input classes (uncached + cached + cache writes, every modality); ``input_cached_tokens`` = the three
  cached classes; ``output_tokens`` = the three output classes (reasoning tokens are inside text output).
- ``project_id`` None is the organization's default project; ``api_key_id`` None is usage without an API
  key (the Playground); ``user_id`` is the key owner's user id, None for service-account keys.
- Batch rows carry ``batch`` True and ``service_tier`` ``"default"``; flex, scale and priority rows carry
  ``batch`` False. Priority processing is labelled ``"priority"`` in hours before 2026-07-30 UTC and
  ``"fast"`` from then on (the rename).
- Vector store storage (``usage_bytes``) is a level, not a flow: it is kept per project and UTC day outside
  the hourly rows, served as the day's level in any bucket that has started, summed over projects when not
  grouped by project.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal, localcontext
from typing import Any

from local.openai_sim.oracle import (
    COMPLETION_CLASSES,
    FAST_RENAMED,
    GIB,
    CostLine,
    chat_price,
    fine_tuning_line,
    merge_lines,
    row_lines,
    vector_storage_lines,
)
from local.simkit import (
    NIGHT_HOURS,
    SAVINGS_PATTERNS,
    HourlyUsage,
    Row,
    base62,
    check_patterns,
    draw_counts,
    elapsed_seconds,
    hour_start,
    iso,
    rhythm,
    seed_int,
    sum_counts,
    unit,
)

__all__ = ["KINDS", "SimOrganization", "UsageProfile"]

GROUP_FIELDS: dict[str, tuple[str, ...]] = {
    "completions": ("project_id", "user_id", "api_key_id", "model", "batch", "service_tier"),
    "embeddings": ("project_id", "user_id", "api_key_id", "model"),
    "moderations": ("project_id", "user_id", "api_key_id", "model"),
    "images": ("project_id", "user_id", "api_key_id", "model", "size", "source"),
    "audio_speeches": ("project_id", "user_id", "api_key_id", "model"),
    "audio_transcriptions": ("project_id", "user_id", "api_key_id", "model"),
    "vector_stores": ("project_id",),
    "code_interpreter_sessions": ("project_id",),
    "file_search_calls": ("project_id", "user_id", "api_key_id", "vector_store_id"),
    "web_search_calls": ("project_id", "user_id", "api_key_id", "model", "context_level"),
}
"""Each usage endpoint's documented ``group_by`` values, in the order of a row's dimensions."""

KINDS: tuple[str, ...] = tuple(GROUP_FIELDS)

COUNT_FIELDS: dict[str, tuple[str, ...]] = {
    "completions": (*COMPLETION_CLASSES, "num_model_requests"),
    "embeddings": ("input_tokens", "num_model_requests"),
    "moderations": ("input_tokens", "num_model_requests"),
    "images": ("images", "num_model_requests"),
    "audio_speeches": ("characters", "num_model_requests"),
    "audio_transcriptions": ("seconds", "num_model_requests"),
    "vector_stores": ("usage_bytes",),
    "code_interpreter_sessions": ("num_sessions",),
    "file_search_calls": ("num_requests",),
    "web_search_calls": ("num_requests", "num_model_requests"),
}

DEFAULT_CHAT_MODELS: tuple[str, ...] = (
    "gpt-5-2025-08-07",
    "gpt-5-mini-2025-08-07",
    "gpt-4.1-2025-04-14",
    "gpt-4o-mini-2024-07-18",
    "o4-mini-2025-04-16",
    "gpt-5-nano-2025-08-07",
    "gpt-4o-2024-08-06",
    "o3-2025-04-16",
    "gpt-4.1-mini-2025-04-14",
)
AUDIO_MODEL = "gpt-realtime-2025-08-28"
IMAGE_TOKEN_MODEL = "gpt-image-1"


# --------------------------------------------------------------------------------------------------
# Public configuration
# --------------------------------------------------------------------------------------------------


@dataclass
class UsageProfile:
    """How much and what kind of usage an organization generates (deterministic from ``seed``).

    Two organizations with the same profile serve identical data; give each its own seed.
    """

    seed: int = 1
    projects: int = 3  # besides the default project; the last of three or more is archived
    users: int = 4
    api_keys: int = 6  # user-owned project keys, spread over the projects (the default project included)
    service_account_keys: int = 2
    chat_models: tuple[str, ...] = DEFAULT_CHAT_MODELS
    combos_per_hour: int = 14  # completions (project, key, model, tier) combinations active in an average hour
    endpoints: tuple[str, ...] = KINDS  # which usage endpoints have data
    multimodal: bool = True  # gpt-realtime (audio tokens) and gpt-image-1 (image tokens) in completions
    batch_share: float = 0.12
    flex_share: float = 0.08  # of combos on a model that offers flex
    priority_share: float = 0.05  # of combos on a model with a published priority price
    scale_share: float = 0.0  # Scale Tier: no per-token list price, left out of the Costs token lines
    legacy_fields: bool = False  # serve the completions shape documented before July 2026 (see api.py)
    ledger_only_items: bool = True  # fine-tuning training lines that only the Costs ledger shows
    spike: tuple[datetime, float] | None = None
    # Usage patterns for the savings advice (``local.simkit.SAVINGS_PATTERNS`` but ``long_context``: OpenAI's
    # usage has no context field), each on a key of its own, added after the regular data (which stays
    # identical). ``OpenAISimulator.patterns()`` names the keys.
    patterns: tuple[str, ...] = ()
    idle_since: datetime = datetime(2026, 9, 1, tzinfo=UTC)  # the "idle" key has no usage from then on
    appears_at: datetime = datetime(2026, 11, 1, tzinfo=UTC)  # the "new_workspace" key's usage starts then


@dataclass
class SimOrganization:
    """One organization served by the simulator and the keys that reach it.

    ``admin_keys`` read everything. ``restricted_admin_keys`` are admin keys that hold only the listed
    scopes (e.g. ``{"api.management.read"}``: no usage). ``project_keys`` (``sk-proj-...``) and
    ``service_account_keys`` (``sk-svcacct-...``) belong to the organization but are refused (403, missing
    scope). Any other key is unknown (401).
    """

    id: str
    name: str
    admin_keys: list[str]
    project_keys: list[str] = field(default_factory=list)
    service_account_keys: list[str] = field(default_factory=list)
    restricted_admin_keys: dict[str, frozenset[str]] = field(default_factory=dict)
    profile: UsageProfile = field(default_factory=UsageProfile)
    data_starts: datetime | None = None


# --------------------------------------------------------------------------------------------------
# Identities
# --------------------------------------------------------------------------------------------------

_PROJECT_NAMES = ("Production", "Research", "Internal Tools", "Staging", "Data Science", "Support", "Partners")
_KEY_ROLES = ("backend", "web-app", "data-pipeline", "evals", "support-bot", "research", "mobile", "agents")
_USER_NAMES = ("Ada Lovelace", "Grace Hopper", "Alan Turing", "Katherine Johnson", "Edsger Dijkstra", "Barbara Liskov")
_CREATED = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)


def _ts(moment: datetime) -> int:
    return int(moment.timestamp())


@dataclass(frozen=True, slots=True)
class Combo:
    """A recurring usage combination of one endpoint and its habits."""

    dims: tuple[Any, ...]  # (kind, *group fields)
    p_active: float  # probability of being active in an average hour
    base: float  # size of the first count in a peak hour
    ratios: tuple[float, ...]  # every count (but requests) relative to ``base``
    per_request: float  # first count per model request (0: the kind counts no requests)
    starts_at: datetime | None = None  # no usage before this hour
    ends_before: datetime | None = None  # no usage from this hour on
    hours: frozenset[int] | None = None  # active only in these UTC hours of the day
    steady: bool = False  # the same volume every active hour (a scheduled job), whatever the daily rhythm


class OrgData(HourlyUsage):
    """Lazily generated, cached usage of one organization, plus its projects, users and keys."""

    def __init__(self, org: SimOrganization) -> None:
        self.org = org
        p = org.profile
        self.seed = p.seed
        s = p.seed
        default_project = {
            "id": f"proj_{base62(24, s, 'project', 'default')}",
            "object": "organization.project",
            "name": "Default project",
            "created_at": _ts(_CREATED),
            "archived_at": None,
            "status": "active",
        }
        self.projects: list[dict[str, Any]] = [default_project]
        for i in range(p.projects):
            created = _CREATED + timedelta(days=17 * (i + 1), hours=i)
            archived = created + timedelta(days=150) if p.projects >= 3 and i == p.projects - 1 else None
            self.projects.append(
                {
                    "id": f"proj_{base62(24, s, 'project', i)}",
                    "object": "organization.project",
                    "name": _PROJECT_NAMES[i % len(_PROJECT_NAMES)],
                    "created_at": _ts(created),
                    "archived_at": _ts(archived) if archived else None,
                    "status": "archived" if archived else "active",
                }
            )
        self.users: list[dict[str, Any]] = []
        for i in range(max(1, p.users)):
            name = _USER_NAMES[i % len(_USER_NAMES)]
            self.users.append(
                {
                    "object": "organization.user",
                    "id": f"user-{base62(24, s, 'user', i)}",
                    "name": name,
                    "email": f"{name.split()[0].lower()}{'' if i < len(_USER_NAMES) else i}@example.com",
                    "role": "owner" if i == 0 else "reader",
                    "added_at": _ts(_CREATED + timedelta(days=3 * i)),
                }
            )
        # Usage is reported with project_id null for the default project.
        usage_project: list[str | None] = [None, *(pr["id"] for pr in self.projects[1:])]
        self.keys: list[dict[str, Any]] = []  # project API keys; "project_id" and "usage_project" are ours
        for i in range(p.api_keys):
            owner = self.users[i % len(self.users)]
            slot = i % len(self.projects)
            self.keys.append(self._key(i, slot, usage_project[slot], owner=owner))
        for j in range(p.service_account_keys):
            slot = 1 + j % (len(self.projects) - 1) if len(self.projects) > 1 else 0
            self.keys.append(self._key(p.api_keys + j, slot, usage_project[slot], owner=None))
        self.admin_key_items = [self._admin_key(k, n) for n, k in enumerate(org.admin_keys)]
        self.vector_stores = {
            pid: f"vs_{base62(24, s, 'vector_store', pid)}" for pid in usage_project[: max(1, len(usage_project) - 1)]
        }
        self.universe = self._build_universe()
        self.pattern_keys: dict[str, dict[str, Any]] = {}
        check_patterns(p.patterns, (n for n in SAVINGS_PATTERNS if n != "long_context"))
        for name in p.patterns:
            self._add_pattern(name)
        super().__init__(org.data_starts)
        self.spike = (hour_start(p.spike[0]), p.spike[1]) if p.spike is not None else None

    def _key(self, i: int, slot: int, usage_project: str | None, owner: dict[str, Any] | None) -> dict[str, Any]:
        s = self.seed
        created = _CREATED + timedelta(days=11 * i + 5, minutes=13 * i)
        if owner is not None:
            owner_doc: dict[str, Any] = {
                "type": "user",
                "user": {
                    "id": owner["id"],
                    "name": owner["name"],
                    "email": owner["email"],
                    "role": "owner" if owner["role"] == "owner" else "member",
                    "created_at": owner["added_at"],
                },
            }
            prefix, name = "sk-proj-", f"{_KEY_ROLES[i % len(_KEY_ROLES)]}"
        else:
            svc = f"svc_acct_{base62(24, s, 'svc', i)}"
            owner_doc = {
                "type": "service_account",
                "service_account": {"id": svc, "name": f"svc-{i:02d}", "role": "member", "created_at": _ts(created)},
            }
            prefix, name = "sk-svcacct-", f"service account {i:02d}"
        hint = base62(4, s, "hint", i)
        return {
            "object": "organization.project.api_key",
            "id": f"key_{base62(16, s, 'key', i)}",
            "name": name,
            "redacted_value": f"{prefix}****{hint}",
            "created_at": _ts(created),
            "last_used_at": None,
            "owner": owner_doc,
            "owner_project_access": "active",
            # not part of the documented object (removed before serving):
            "project_id": self.projects[slot]["id"],
            "usage_project": usage_project,
            "user_id": owner["id"] if owner is not None else None,
        }

    def _admin_key(self, key: str, n: int) -> dict[str, Any]:
        owner = self.users[0]
        return {
            "object": "organization.admin_api_key",
            "id": f"key_{base62(16, self.seed, 'admin', key)}",
            "name": f"Admin key {n + 1}",
            "redacted_value": f"sk-admin-****{key[-4:]}" if len(key) > 12 else "sk-admin-****",
            "created_at": _ts(_CREATED + timedelta(days=2, hours=n)),
            "last_used_at": None,
            "expires_at": None,
            "owner": {
                "type": "user",
                "object": "organization.user",
                "id": owner["id"],
                "name": owner["name"],
                "created_at": owner["added_at"],
                "role": "owner",
            },
        }

    # -- the universe of recurring combinations ------------------------------------------------------

    def _build_universe(self) -> tuple[Combo, ...]:
        p = self.org.profile
        rng = random.Random(seed_int(p.seed, "openai-universe"))
        combos: list[Combo] = []
        kinds = set(p.endpoints)
        key_w = [1.0 / (i + 1) ** 0.6 for i in range(len(self.keys))]

        def who() -> tuple[str | None, str | None, str | None]:
            """(usage project, user, key) of a request: a project key, or ~6% Playground (no key)."""
            if not self.keys or rng.random() < 0.06:
                user = rng.choice(self.users)["id"]
                return rng.choice([None, *(pr["id"] for pr in self.projects[1:])]), user, None
            key = rng.choices(self.keys, key_w)[0]
            return key["usage_project"], key["user_id"], key["id"]

        if "completions" in kinds and p.chat_models and p.combos_per_hour > 0:
            combos.extend(self._chat_combos(rng, who))
        for kind, tail, active, exponent, per_request in _UNIT_COMBOS:
            if kind in kinds:
                combos.append(
                    Combo(
                        (kind, *who(), *tail),
                        rng.uniform(*active),
                        10 ** rng.uniform(*exponent),
                        (1.0,),
                        rng.uniform(*per_request),
                    )
                )
        if "code_interpreter_sessions" in kinds:
            for pid in list(self.vector_stores)[:2]:
                combos.append(
                    Combo(("code_interpreter_sessions", pid), rng.uniform(0.2, 0.6), rng.uniform(2, 30), (1.0,), 0.0)
                )
        if "file_search_calls" in kinds:
            for pid, vs in self.vector_stores.items():
                proj_keys = [k for k in self.keys if k["usage_project"] == pid] or self.keys[:1]
                key = rng.choice(proj_keys) if proj_keys else None
                user, key_id = (key["user_id"], key["id"]) if key else (None, None)
                combos.append(
                    Combo(
                        ("file_search_calls", pid, user, key_id, vs),
                        rng.uniform(0.3, 0.8),
                        rng.uniform(20, 400),
                        (1.0,),
                        0.0,
                    )
                )
        if "web_search_calls" in kinds:
            for level in ("low", "medium", "high"):
                model = rng.choice(
                    [m for m in p.chat_models if chat_price(m, date(2026, 1, 1))] or ["gpt-5-2025-08-07"]
                )
                combos.append(
                    Combo(
                        ("web_search_calls", *who(), model, level),
                        rng.uniform(0.2, 0.7),
                        rng.uniform(5, 200),
                        (1.0,),
                        1.3,
                    )
                )
        return tuple(combos)

    def _chat_combos(self, rng: random.Random, who: Any) -> list[Combo]:
        p = self.org.profile
        target = max(1, math.ceil(p.combos_per_hour * 2))  # each combo shows up about every other hour
        model_w = [1.0 / (i + 1) ** 0.7 for i in range(len(p.chat_models))]
        probe = date(2026, 1, 1)
        combos: list[Combo] = []
        seen: set[tuple[Any, ...]] = set()
        for _ in range(target * 30):
            if len(combos) >= target:
                break
            model = rng.choices(p.chat_models, model_w)[0]
            price = chat_price(model, probe)
            project, user, key = who()
            u = rng.random()
            batch, tier = False, "default"
            if u < p.batch_share:
                batch = True
            elif u < p.batch_share + p.flex_share and price is not None and price.flex:
                tier = "flex"
            elif u < p.batch_share + p.flex_share + p.priority_share and price is not None and price.priority:
                tier = "priority"
            elif u < p.batch_share + p.flex_share + p.priority_share + p.scale_share:
                tier = "scale"
            dims = ("completions", project, user, key, model, batch, tier)
            if dims in seen:
                continue
            seen.add(dims)
            caching = rng.random() < 0.7
            base = 10 ** rng.uniform(3.8, 5.6) * (2.0 if batch else 1.0)
            cached = rng.uniform(0.3, 6.0) if caching else 0.0
            writes = rng.uniform(0.02, 0.3) if caching and rng.random() < 0.35 else 0.0
            output = rng.uniform(0.05, 0.6) * (2.5 if model.startswith(("o3", "o4", "gpt-5")) else 1.0)
            combos.append(
                Combo(dims, rng.uniform(0.5, 1.5), base, _text_ratios(cached, writes, output), rng.uniform(800, 6000))
            )
        if p.multimodal:
            for model, ratios in (
                (AUDIO_MODEL, (0.3, 1.0, 0.02, 0.2, 0.6, 0.0, 0.0, 0.15, 0.9, 0.0)),
                (IMAGE_TOKEN_MODEL, (0.15, 0.0, 1.0, 0.05, 0.0, 0.1, 0.0, 0.0, 0.0, 1.6)),
            ):
                combos.append(
                    Combo(
                        ("completions", *who(), model, False, "default"),
                        0.5,
                        10 ** rng.uniform(3.5, 4.5),
                        ratios,
                        900.0,
                    )
                )
        # Small profiles may have fewer distinct combos than asked for: then every combo is busier.
        share = p.combos_per_hour / len(combos) if combos else 0.0
        return [replace(c, p_active=min(1.0, c.p_active * share)) for c in combos]

    # -- usage patterns for the savings advice -------------------------------------------------------

    def _add_pattern(self, name: str) -> None:
        """One pattern: its own key (and project for ``new_workspace``) and its recurring combos."""
        p = self.org.profile
        slot = 1 if len(self.projects) > 1 else 0
        if name == "new_workspace":
            self.projects.append(
                {
                    "id": f"proj_{base62(24, p.seed, 'pattern-project', name)}",
                    "object": "organization.project",
                    "name": "Expansion",
                    "created_at": _ts(p.appears_at),
                    "archived_at": None,
                    "status": "active",
                }
            )
            slot = len(self.projects) - 1
        usage_project = self.projects[slot]["id"] if slot else None
        owner = self.users[0]
        key = self._key(1000 + list(SAVINGS_PATTERNS).index(name), slot, usage_project, owner=owner)
        key["name"] = _PATTERN_KEY_NAMES[name]
        if name == "new_workspace":
            key["created_at"] = _ts(p.appears_at)
        self.keys.append(key)

        def dims(model: str) -> tuple[Any, ...]:
            return ("completions", usage_project, owner["id"], key["id"], model, False, "default")

        # ratios of the ten completions classes relative to uncached text input (``_text_ratios``)
        if name == "nightly_batch":
            combo = Combo(
                dims("gpt-5-mini-2025-08-07"),
                1.0,
                4.0e6,
                _text_ratios(0, 0, 0.25),
                4000,
                hours=NIGHT_HOURS,
                steady=True,
            )
        elif name == "uncached_chat":
            combo = Combo(dims("gpt-4.1-2025-04-14"), 1.0, 1.5e6, _text_ratios(0, 0, 0.05), 6000)
        elif name == "cache_rewrite":
            combo = Combo(dims("gpt-5-2025-08-07"), 1.0, 4.0e5, _text_ratios(1.0, 3.0, 0.08), 3000)
        elif name == "idle":
            combo = Combo(
                dims("gpt-4o-mini-2024-07-18"),
                1.0,
                6.0e5,
                _text_ratios(1.5, 0, 0.2),
                2000,
                ends_before=hour_start(p.idle_since),
            )
        else:  # new_workspace: a new project
            combo = Combo(
                dims("gpt-5-2025-08-07"),
                1.0,
                9.0e5,
                _text_ratios(2.0, 0, 0.15),
                3000,
                starts_at=hour_start(p.appears_at),
            )
        self.universe = (*self.universe, combo)
        self.pattern_keys[name] = {
            "api_key_id": key["id"],
            "name": key["name"],
            "project_id": key["project_id"],
            "models": [combo.dims[4]],
            "description": SAVINGS_PATTERNS[name],
        }

    # -- generation ----------------------------------------------------------------------------------

    def _generate_hour(self, hour: datetime) -> tuple[Row, ...]:
        """The full usage of one (complete) hour, before restatements. Cached per hour."""
        if self.data_starts is not None and hour < self.data_starts:
            return ()
        rng = random.Random(seed_int(self.seed, "openai-hour", iso(hour)))
        level = rhythm(hour) * (0.85 + 0.3 * unit(self.seed, "day", hour.date().isoformat()))
        count_factor = (0.4 + 0.9 * level) / 0.82  # fewer combos at night, not only smaller ones
        spike = self.spike[1] if self.spike is not None and self.spike[0] == hour else None
        renamed = hour.date() >= FAST_RENAMED
        rows: list[Row] = []
        for combo in self.universe:
            counts = draw_counts(rng, combo, hour, level, count_factor)
            if counts is None:
                continue
            if combo.per_request:  # num_model_requests follows the volume
                driver = sum(counts[:7]) if combo.dims[0] == "completions" else counts[0]
                counts.append(max(1, round(driver / combo.per_request)) if driver else 0)
            if spike is not None:
                counts = [round(c * spike) for c in counts]
            if not any(counts):
                continue
            dims = combo.dims
            if dims[0] == "completions" and dims[6] == "priority" and renamed:
                dims = (*dims[:6], "fast")
            rows.append((dims, tuple(counts)))
        return tuple(rows)

    # -- vector store storage (a level, not a flow) --------------------------------------------------

    def storage_bytes(self, day: date) -> dict[str | None, int]:
        """Bytes stored in each project's vector store on ``day`` (the same all day)."""
        if "vector_stores" not in self.org.profile.endpoints:
            return {}
        if self.data_starts is not None and day < self.data_starts.date():
            return {}
        out: dict[str | None, int] = {}
        for n, pid in enumerate(self.vector_stores):
            base = (0.35 + 1.1 * unit(self.seed, "vs-base", n)) * GIB
            growth = 1 + 0.004 * (day.toordinal() % 180)
            out[pid] = int(base * growth * (0.97 + 0.06 * unit(self.seed, "vs-day", n, day.isoformat())))
        return out

    # -- the priced view: the Costs ledger ----------------------------------------------------------

    def hour_lines(self, hour: datetime, now: datetime) -> list[CostLine]:
        """List-price cost lines of one hour as served at ``now``: its usage rows and its share of the day's
        vector storage (seconds elapsed / 86400). Ledger-only items are not usage: not here."""
        lines = [line for dims, counts in self.served_hour(hour, now) for line in row_lines(dims, counts, hour.date())]
        lines.extend(vector_storage_lines(self.storage_bytes(hour.date()), Decimal(elapsed_seconds(hour, now)) / 86400))
        return lines

    def day_lines(self, day: date, now: datetime, *, ledger_only: bool = True) -> list[CostLine]:
        """The Costs ledger of one UTC day as it stands at ``now``, summed per (project, key, line item)."""
        start = datetime.combine(day, time(), UTC)
        sums = sum_counts(row for h in range(24) for row in self.served_hour(start + timedelta(hours=h), now))
        with localcontext() as ctx:
            ctx.prec = 50
            lines = [line for dims, counts in sums.items() for line in row_lines(dims, tuple(counts), day)]
            elapsed = max(0, min(86400, int((now - start).total_seconds())))
            lines.extend(vector_storage_lines(self.storage_bytes(day), Decimal(elapsed) / 86400))
            if ledger_only:
                lines.extend(self.ledger_only_lines(day, now))
            return merge_lines(lines)

    def ledger_only_lines(self, day: date, now: datetime) -> list[CostLine]:
        """Fine-tuning training on some complete days: billed in the Costs ledger, absent from every usage
        endpoint (a documented source of gaps between Usage and Costs)."""
        p = self.org.profile
        end = datetime.combine(day, time(), UTC) + timedelta(days=1)
        if not p.ledger_only_items or end > now or unit(self.seed, "ft-day", day.isoformat()) >= 0.25:
            return []
        if self.data_starts is not None and day < self.data_starts.date():
            return []
        project = self.projects[1]["id"] if len(self.projects) > 1 else None
        tokens = int(2_000_000 + 18_000_000 * unit(self.seed, "ft-tokens", day.isoformat()))
        return [fine_tuning_line(project, tokens)]


# Per-unit endpoints' recurring combos: (endpoint, group fields after project/user/key, activity range,
# log10 range of the count in a peak hour, count per model request range).
_UNIT_COMBOS: tuple[tuple[str, tuple[str, ...], tuple[float, float], tuple[float, float], tuple[float, float]], ...] = (
    ("embeddings", ("text-embedding-3-small",), (0.4, 0.9), (4.5, 6.0), (300, 3000)),
    ("embeddings", ("text-embedding-3-large",), (0.4, 0.9), (4.5, 6.0), (300, 3000)),
    ("embeddings", ("text-embedding-3-small",), (0.4, 0.9), (4.5, 6.0), (300, 3000)),
    ("moderations", ("omni-moderation-latest",), (0.3, 0.8), (3.5, 5.0), (100, 800)),
    ("moderations", ("omni-moderation-latest",), (0.3, 0.8), (3.5, 5.0), (100, 800)),
    ("images", ("dall-e-3", "1024x1024", "image.generation"), (0.15, 0.5), (0.3, 1.3), (1, 1)),
    ("images", ("dall-e-3", "1024x1024", "image.generation"), (0.15, 0.5), (0.3, 1.3), (1, 1)),
    ("images", ("dall-e-3", "1024x1792", "image.generation"), (0.15, 0.5), (0.3, 1.3), (1, 1)),
    ("audio_speeches", ("tts-1",), (0.2, 0.6), (3.5, 5.0), (300, 1500)),
    ("audio_speeches", ("tts-1-hd",), (0.2, 0.6), (3.5, 5.0), (300, 1500)),
    ("audio_transcriptions", ("whisper-1",), (0.3, 0.7), (2.5, 3.8), (20, 240)),
)

_PATTERN_KEY_NAMES = {
    "nightly_batch": "nightly-etl",
    "uncached_chat": "chat-no-cache",
    "cache_rewrite": "agent-cache-writes",
    "idle": "legacy-idle",
    "new_workspace": "new-region",
}


def _text_ratios(cached: float, writes: float, output: float) -> tuple[float, ...]:
    """Ratios of the ten completions classes for a text model, relative to uncached text input."""
    return (1.0, 0.0, 0.0, cached, 0.0, 0.0, writes, output, 0.0, 0.0)
