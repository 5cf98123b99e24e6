"""Usage records: aggregate quantities per hour and grouping, as the providers report them.

The domain knows nothing of Firestore or HTTP. A `UsageRow` is one result of one hourly bucket of a
provider's usage report, in our usage classes: every class is disjoint from the others and billed at its
own rate (uncached input, 5-minute and 1-hour cache writes, cache reads, output, audio and image tokens,
and per-unit items such as web searches). A provider adapter maps the provider's fields onto these
classes (OpenAI's ``input_tokens`` includes its cached tokens, so the adapter subtracts them; Anthropic
reports them apart): nothing downstream ever needs to know which provider a row came from to price it
without double counting.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any


@dataclass(frozen=True, slots=True)
class UsageClass:
    """One billed class of usage.

    Attributes:
        name: the class as costs name it (``uncached_input``, ``web_search``).
        quantity: the `TokenCounts` field that counts it (``uncached_input``, ``web_search_requests``).
        unit: what one unit of the quantity is (``token``, ``request``, ...).
        per: a rate for this class is USD per ``per`` units (per million tokens, per request, ...).
        label: how a person reads it.
        rate_unit: how a person reads its rate.
    """

    name: str
    quantity: str
    unit: str
    per: int
    label: str
    rate_unit: str = "USD per million tokens"

    @property
    def is_token(self) -> bool:
        return self.unit == "token"


_MTOK = 1_000_000
USAGE_CLASSES: tuple[UsageClass, ...] = (
    UsageClass("uncached_input", "uncached_input", "token", _MTOK, "Input"),
    UsageClass("cache_write_5m", "cache_write_5m", "token", _MTOK, "Cache writes (5 min)"),
    UsageClass("cache_write_1h", "cache_write_1h", "token", _MTOK, "Cache writes (1 hour)"),
    UsageClass("cache_read", "cache_read", "token", _MTOK, "Cache reads"),
    UsageClass("output", "output", "token", _MTOK, "Output"),
    UsageClass("web_search", "web_search_requests", "request", 1, "Web searches", "USD per request"),
    UsageClass("input_audio", "input_audio", "token", _MTOK, "Audio input"),
    UsageClass("cache_read_audio", "cache_read_audio", "token", _MTOK, "Cached audio input"),
    UsageClass("output_audio", "output_audio", "token", _MTOK, "Audio output"),
    UsageClass("input_image", "input_image", "token", _MTOK, "Image input"),
    UsageClass("cache_read_image", "cache_read_image", "token", _MTOK, "Cached image input"),
    UsageClass("output_image", "output_image", "token", _MTOK, "Image output"),
    UsageClass("file_search", "file_search_calls", "call", 1, "File search calls", "USD per call"),
    UsageClass(
        "code_interpreter", "code_interpreter_sessions", "session", 1, "Code interpreter sessions", "USD per session"
    ),
    UsageClass("images", "images", "image", 1, "Images generated", "USD per image"),
    UsageClass("characters", "characters", "character", _MTOK, "Speech characters", "USD per million characters"),
    UsageClass("audio_seconds", "audio_seconds", "second", 60, "Transcribed audio", "USD per minute"),
    UsageClass("storage", "storage_byte_hours", "byte-hour", 24 * 10**9, "Vector store storage", "USD per GB-day"),
)
"""Every class a row can cost, in storage and display order. A rate is USD per ``per`` units: per million
tokens or characters, per request, call, session or image, per minute of audio (60 s), per GB-day of
storage (24e9 byte-hours)."""

CLASS_BY_NAME: Mapping[str, UsageClass] = {c.name: c for c in USAGE_CLASSES}
COST_CLASSES: tuple[str, ...] = tuple(c.name for c in USAGE_CLASSES)
"""The names costs are broken down by (one per usage class)."""
TOKEN_CLASSES: tuple[str, ...] = tuple(c.name for c in USAGE_CLASSES if c.is_token)
"""The classes counted in tokens (their names are also their `TokenCounts` fields)."""
TEXT_TOKEN_CLASSES: tuple[str, ...] = ("uncached_input", "cache_write_5m", "cache_write_1h", "cache_read", "output")
"""Text token classes: what every chat model prices."""
QUANTITY_FIELDS: tuple[str, ...] = tuple(c.quantity for c in USAGE_CLASSES)
COMMON_QUANTITIES = 6
"""The first quantities (the text token classes and web searches) are what every Anthropic row has; the
others are zero unless a provider reports audio, image or per-unit usage (OpenAI)."""
_NONE_AFTER_COMMON = (0,) * (len(QUANTITY_FIELDS) - COMMON_QUANTITIES)
_ZEROS_AFTER_COMMON = ",0" * (len(QUANTITY_FIELDS) - COMMON_QUANTITIES)

DIMENSIONS: tuple[str, ...] = (
    "model",
    "api_key_id",
    "workspace_id",
    "service_tier",
    "context_window",
    "inference_geo",
    "speed",
    "user_id",
    "variant",
)
"""What a row is about. ``workspace_id`` is the provider's unit of organization inside an account: an
Anthropic workspace or an OpenAI project. ``variant`` carries what else a unit price depends on (an image's
size and quality, an endpoint), empty for token rows."""

PRICING_DIMENSIONS: tuple[str, ...] = ("model", "service_tier", "context_window", "inference_geo", "speed", "variant")
"""The dimensions a price depends on (besides the day): key, workspace and user never change a price."""


def utc_hour(moment: datetime) -> datetime:
    """Floor a timezone-aware moment to the start of its UTC hour."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime: every time in TokenMeter is timezone-aware UTC")
    return moment.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


def day_start(day: date) -> datetime:
    """The UTC instant a UTC day starts."""
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


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


def days_between(first: date, last: date) -> list[date]:
    """Every day of ``[first, last]``."""
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def days_touched(start: datetime, end: datetime) -> list[date]:
    """UTC days that overlap ``[start, end)``."""
    first = utc_hour(start).date()
    last = (utc_hour(end) - timedelta(microseconds=1)).date() if end > start else first
    return days_between(first, last)


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
    user_id: str | None = None
    variant: str | None = None

    def key(self) -> str:
        """A stable key for this grouping, used in document ids and merges."""
        # Spelled out rather than looped over DIMENSIONS: this runs several times per row when pricing.
        return "|".join(
            [
                str(self.model),
                self.api_key_id or "",
                self.workspace_id or "",
                self.service_tier or "",
                self.context_window or "",
                self.inference_geo or "",
                self.speed or "",
                self.user_id or "",
                self.variant or "",
            ]
        )

    def pricing(self) -> Dimensions:
        """Only what a price depends on (key, workspace and user cleared)."""
        if self.api_key_id is None and self.workspace_id is None and self.user_id is None:
            return self
        return replace(self, api_key_id=None, workspace_id=None, user_id=None)

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
            user_id=data.get("user_id"),
            variant=data.get("variant"),
        )


@dataclass(frozen=True, slots=True)
class TokenCounts:
    """How much of each usage class a row used: tokens per token class, units per per-unit class.

    The first six fields are what every Anthropic row has; the others are zero unless a provider reports
    audio, image or per-unit usage (OpenAI). Field order is `QUANTITY_FIELDS`.
    """

    uncached_input: int = 0
    cache_write_5m: int = 0
    cache_write_1h: int = 0
    cache_read: int = 0
    output: int = 0
    web_search_requests: int = 0
    input_audio: int = 0
    cache_read_audio: int = 0
    output_audio: int = 0
    input_image: int = 0
    cache_read_image: int = 0
    output_image: int = 0
    file_search_calls: int = 0
    code_interpreter_sessions: int = 0
    images: int = 0
    characters: int = 0
    audio_seconds: int = 0
    storage_byte_hours: int = 0

    def __post_init__(self) -> None:
        # One pass for the common case (every count a plain non-negative int): this runs for every row
        # read, priced and summed, several times per row.
        for value in self.values():
            if type(value) is not int or value < 0:
                break
        else:
            return
        for name in QUANTITY_FIELDS:
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise ValueError(f"{name} must be a non-negative integer, got {value!r}")

    @classmethod
    def of(cls, values: Sequence[int]) -> TokenCounts:
        """Counts known to be non-negative integers already, in `QUANTITY_FIELDS` order (those left out are 0):
        sums of counts, rows as this code stored them, counts a parser has checked. Built without the check
        `__init__` makes (half the cost: every row read, parsed and summed is built this way).
        """
        counts = object.__new__(cls)
        for set_quantity, value in zip(_SET_QUANTITY, values):  # noqa: B905 (shorter: the rest are 0)
            set_quantity(counts, value)
        for set_quantity in _SET_QUANTITY[len(values) :]:
            set_quantity(counts, 0)
        return counts

    def values(self) -> tuple[int, ...]:
        """The quantities in `QUANTITY_FIELDS` order."""
        return (
            self.uncached_input,
            self.cache_write_5m,
            self.cache_write_1h,
            self.cache_read,
            self.output,
            self.web_search_requests,
            self.input_audio,
            self.cache_read_audio,
            self.output_audio,
            self.input_image,
            self.cache_read_image,
            self.output_image,
            self.file_search_calls,
            self.code_interpreter_sessions,
            self.images,
            self.characters,
            self.audio_seconds,
            self.storage_byte_hours,
        )

    def __add__(self, other: TokenCounts) -> TokenCounts:
        return TokenCounts.of([a + b for a, b in zip(self.values(), other.values(), strict=True)])

    def __sub__(self, other: TokenCounts) -> TokenCounts:
        """The difference; raises ValueError when ``other`` has more of a class than this."""
        return TokenCounts(*[a - b for a, b in zip(self.values(), other.values(), strict=True)])

    def __bool__(self) -> bool:
        return any(self.values())

    def quantity(self, usage_class: str) -> int:
        """The quantity of a usage class, by its cost name (``web_search`` -> web search requests)."""
        return int(getattr(self, CLASS_BY_NAME[usage_class].quantity))

    @property
    def total_tokens(self) -> int:
        """Every token class summed (per-unit quantities such as web searches are not tokens)."""
        return (
            self.uncached_input
            + self.cache_write_5m
            + self.cache_write_1h
            + self.cache_read
            + self.output
            + self.input_audio
            + self.cache_read_audio
            + self.output_audio
            + self.input_image
            + self.cache_read_image
            + self.output_image
        )

    @property
    def total_units(self) -> int:
        """Every quantity, tokens and units alike: zero only for an empty row."""
        return sum(self.values())

    def to_dict(self) -> dict[str, int]:
        return dict(zip(QUANTITY_FIELDS, self.values(), strict=True))

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> TokenCounts:
        return cls(**{f.name: int(data.get(f.name, 0) or 0) for f in fields(cls)})


_SET_QUANTITY: tuple[Callable[[TokenCounts, int], None], ...] = tuple(
    TokenCounts.__dict__[name].__set__ for name in QUANTITY_FIELDS
)
"""Each quantity's slot setter (what a frozen dataclass's own `__init__` goes through, one call per field)."""


@dataclass(frozen=True, slots=True)
class UsageRow:
    """One provider-reported result: an hour, a grouping and its quantities."""

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
    digest: str = field(default="", compare=False, repr=False)
    """The content hash when known already (stored beside the rows); computed once otherwise."""

    def content_hash(self) -> str:
        """A digest of the bucket's content, independent of row order."""
        if self.digest:
            return self.digest
        parts = sorted([r.dims.key() + "#" + _counts_text(r.tokens) for r in self.rows])
        # The hour, then each part after a newline: hashed as one text (the same digest as feeding them
        # one by one, with one call).
        text = "\n".join([hour_id(self.hour_start), *parts])
        value = hashlib.sha256(text.encode()).hexdigest()[:32]
        object.__setattr__(self, "digest", value)  # frozen, but the digest is a cache of its own content
        return value


def _counts_text(tokens: TokenCounts) -> str:
    """Every quantity, comma-separated (zeros as "0"): what a bucket's digest is made of."""
    values = tokens.values()
    if values[COMMON_QUANTITIES:] == _NONE_AFTER_COMMON:  # the usual row: the same text, built in one join
        return ",".join(map(str, values[:COMMON_QUANTITIES])) + _ZEROS_AFTER_COMMON
    return ",".join(map(str, values))


@dataclass(frozen=True, slots=True)
class SourceHour:
    """One hour as a provider's report served it, before its rows are parsed.

    ``digest`` is the hour's content hash as the bucket ``parse`` builds will carry it: a sync compares it
    with the one it stored last and parses only the hours that differ (most of the trailing window it reads
    again every hour has not changed).
    """

    hour_start: datetime
    digest: str
    parse: Callable[[], UsageBucket]

    @classmethod
    def parsed(cls, bucket: UsageBucket) -> SourceHour:
        """An hour whose bucket is at hand already (its digest: the bucket's content hash)."""
        return cls(bucket.hour_start, bucket.content_hash(), functools.partial(_itself, bucket))


def _itself(bucket: UsageBucket) -> UsageBucket:
    return bucket


@dataclass(frozen=True, slots=True)
class UsageDay:
    """One account's raw usage of one UTC day: the hours read so far, each as last read.

    Attributes:
        hours: hour of the day (0-23) -> that hour's bucket. An hour read and found empty is present with
            no rows; an hour never read is absent.
    """

    account_id: str
    day: date
    hours: Mapping[int, UsageBucket]

    def content_hash(self) -> str:
        """A digest of every hour read (what a priced day records as its source)."""
        digest = hashlib.sha256(self.day.isoformat().encode())
        for hour in sorted(self.hours):
            digest.update(f"\n{hour}:{self.hours[hour].content_hash()}".encode())
        return digest.hexdigest()[:32]

    def rows(self) -> list[UsageRow]:
        return [row for hour in sorted(self.hours) for row in self.hours[hour].rows]


def merge_rows(rows: Iterable[UsageRow]) -> list[UsageRow]:
    """Merge rows that share hour and dimensions (a provider may split them across pages)."""
    merged: dict[tuple[datetime, str], UsageRow] = {}
    for row in rows:
        k = (row.hour_start, row.dims.key())
        prev = merged.get(k)
        merged[k] = row if prev is None else replace(prev, tokens=prev.tokens + row.tokens)
    return list(merged.values())
