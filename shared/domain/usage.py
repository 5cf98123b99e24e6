"""Usage records: aggregate token counts per hour and grouping, as the providers report them.

The domain knows nothing of Firestore or HTTP. A `UsageRow` is one result of one hourly bucket of a
provider's usage report; its token classes are disjoint (Anthropic semantics: uncached input, 5-minute
and 1-hour cache writes, cache reads and output are each billed at their own rate).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

TOKEN_CLASSES: tuple[str, ...] = (
    "uncached_input",
    "cache_write_5m",
    "cache_write_1h",
    "cache_read",
    "output",
)
"""Disjoint token classes, each billed at its own per-million-token rate."""

COST_CLASSES: tuple[str, ...] = (*TOKEN_CLASSES, "web_search")
"""Everything a usage row can cost: the token classes plus web search requests."""

DIMENSIONS: tuple[str, ...] = (
    "model",
    "api_key_id",
    "workspace_id",
    "service_tier",
    "context_window",
    "inference_geo",
    "speed",
)
"""The grouping fields the collector asks the provider for (all of them, so nothing is lost)."""

DEFAULT_WORKSPACE_NAME = "Default workspace"
CONSOLE_KEY_NAME = "Console/Workbench"


def utc_hour(moment: datetime) -> datetime:
    """Floor a timezone-aware moment to the start of its UTC hour."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime: every time in TokenMeter is timezone-aware UTC")
    return moment.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


def hour_id(hour_start: datetime) -> str:
    """A stable, sortable id for an hour bucket: ``2026-11-03T07``."""
    return utc_hour(hour_start).strftime("%Y-%m-%dT%H")


def hours_between(start: datetime, end: datetime) -> list[datetime]:
    """Every hour start in ``[start, end)`` (both floored to the hour)."""
    out: list[datetime] = []
    cur, stop = utc_hour(start), utc_hour(end)
    while cur < stop:
        out.append(cur)
        cur += timedelta(hours=1)
    return out


@dataclass(frozen=True, slots=True)
class Dimensions:
    """What one usage row is about. ``None`` means the provider reported null (see names)."""

    model: str
    api_key_id: str | None = None
    workspace_id: str | None = None
    service_tier: str = "standard"
    context_window: str | None = None
    inference_geo: str | None = None
    speed: str | None = None

    def key(self) -> str:
        """A stable key for this grouping, used in document ids and merges."""
        # Spelled out rather than looped over DIMENSIONS: this runs several times per row when pricing.
        return "|".join(
            [
                str(self.model),
                "" if self.api_key_id is None else str(self.api_key_id),
                "" if self.workspace_id is None else str(self.workspace_id),
                "" if self.service_tier is None else str(self.service_tier),
                "" if self.context_window is None else str(self.context_window),
                "" if self.inference_geo is None else str(self.inference_geo),
                "" if self.speed is None else str(self.speed),
            ]
        )

    def to_dict(self) -> dict[str, str | None]:
        return {n: getattr(self, n) for n in DIMENSIONS}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Dimensions:
        return cls(
            model=str(data["model"]),
            api_key_id=data.get("api_key_id"),
            workspace_id=data.get("workspace_id"),
            service_tier=data.get("service_tier") or "standard",
            context_window=data.get("context_window"),
            inference_geo=data.get("inference_geo"),
            speed=data.get("speed"),
        )


@dataclass(frozen=True, slots=True)
class TokenCounts:
    """Token counts per disjoint class, plus web search requests."""

    uncached_input: int = 0
    cache_write_5m: int = 0
    cache_write_1h: int = 0
    cache_read: int = 0
    output: int = 0
    web_search_requests: int = 0

    def __post_init__(self) -> None:
        # One expression for the common case (every count a plain non-negative int): this runs for every
        # row read, priced and summed, several times per row.
        a, b, c, d, e, f = (
            self.uncached_input,
            self.cache_write_5m,
            self.cache_write_1h,
            self.cache_read,
            self.output,
            self.web_search_requests,
        )
        if (
            type(a) is int
            and type(b) is int
            and type(c) is int
            and type(d) is int
            and type(e) is int
            and type(f) is int
            and a >= 0
            and b >= 0
            and c >= 0
            and d >= 0
            and e >= 0
            and f >= 0
        ):
            return
        for name in _TOKEN_COUNT_FIELDS:
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise ValueError(f"{name} must be a non-negative integer, got {value!r}")

    def __add__(self, other: TokenCounts) -> TokenCounts:
        return TokenCounts(
            self.uncached_input + other.uncached_input,
            self.cache_write_5m + other.cache_write_5m,
            self.cache_write_1h + other.cache_write_1h,
            self.cache_read + other.cache_read,
            self.output + other.output,
            self.web_search_requests + other.web_search_requests,
        )

    @property
    def total_tokens(self) -> int:
        return sum(getattr(self, c) for c in TOKEN_CLASSES)

    def to_dict(self) -> dict[str, int]:
        return {
            "uncached_input": self.uncached_input,
            "cache_write_5m": self.cache_write_5m,
            "cache_write_1h": self.cache_write_1h,
            "cache_read": self.cache_read,
            "output": self.output,
            "web_search_requests": self.web_search_requests,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> TokenCounts:
        return cls(**{f.name: int(data.get(f.name, 0) or 0) for f in fields(cls)})


_TOKEN_COUNT_FIELDS = tuple(f.name for f in fields(TokenCounts))


@dataclass(frozen=True, slots=True)
class UsageRow:
    """One provider-reported result: an hour, a grouping and its token counts."""

    hour_start: datetime
    dims: Dimensions
    tokens: TokenCounts = field(default_factory=TokenCounts)

    @property
    def day(self) -> date:
        return self.hour_start.astimezone(UTC).date()


@dataclass(frozen=True, slots=True)
class UsageBucket:
    """Every row of one account for one UTC hour, exactly as last read from the provider.

    A bucket is stored and overwritten whole: when the provider restates an hour (rows change or
    disappear), the new read replaces the old one, so no stale row survives.
    """

    hour_start: datetime
    rows: tuple[UsageRow, ...]

    def content_hash(self) -> str:
        """A digest of the bucket's content, independent of row order."""
        parts = sorted(r.dims.key() + "#" + ",".join(str(v) for v in r.tokens.to_dict().values()) for r in self.rows)
        digest = hashlib.sha256(hour_id(self.hour_start).encode())
        for p in parts:
            digest.update(b"\n" + p.encode())
        return digest.hexdigest()[:32]


def merge_rows(rows: Iterable[UsageRow]) -> list[UsageRow]:
    """Merge rows that share hour and dimensions (a provider may split them across pages)."""
    merged: dict[tuple[datetime, str], UsageRow] = {}
    for row in rows:
        k = (row.hour_start, row.dims.key())
        prev = merged.get(k)
        merged[k] = row if prev is None else replace(prev, tokens=prev.tokens + row.tokens)
    return list(merged.values())
