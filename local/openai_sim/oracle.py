"""The simulated OpenAI organization's price oracle: list prices with the dates they apply from and where they
were read, and the exact cost of the simulator's own usage (the Costs ledger is built from it).

This table is the simulator's own: it shares nothing with the project's catalogue (``shared.pricing``, built
on genai-prices), so a test that compares the two checks one implementation against another.

Sources (read with the project's search tool, stored copies; "read" dates are when the stored copy was made):

- [P] OpenAI pricing page, https://developers.openai.com/api/docs/pricing, as carried by pydantic/genai-prices
  ``prices/providers/openai.yml`` (commit 47df840, 2026-08-21; per-model ``prices_checked`` dates below) and
  the project's reference page ``pricing.md`` (gpt-5 $1.25 / $0.125 / $10; cached 0.1x GPT-5, 0.25x gpt-4.1,
  o3, o4-mini, 0.5x gpt-4o; o3 from $10/$40 to $2/$8 on 2025-06-10).
- [PRIO] https://openai.com/api-priority-processing/ (Priority processing price table: GPT-5, GPT-5 mini,
  GPT-4.1, GPT-4.1 mini/nano, GPT-4o 2024-08-06/11-20, GPT-4o mini, o3, o4-mini) and
  https://openai.com/api-fast-mode/ + https://developers.openai.com/api/docs/guides/fast-mode ("Priority
  processing was renamed Fast mode on July 30, 2026 ... use either service_tier: priority or fast"; same
  prices). Models absent from that table (gpt-5-nano) have no priority price and never run priority here.
- [O3] o3 launch prices $10 / $2.50 cached / $40 (platform.openai.com/docs/models/o3, quoted in
  RooCodeInc/Roo-Code PR #2691, 2025-04-17) until 2025-06-10, then $2 / $0.50 / $8 ([P], and the OpenAI
  community post "o3 is 80% cheaper", linked from genai-prices).
- [TOOLS] web search $10 / 1k calls, file search $2.50 / 1k calls, vector storage $0.10 per GB-day with the
  first GB free (pricing page as summarised by modelcostwatch.com, checked 2026-03-12, and community.openai.com
  thread 1363698). Code interpreter $0.03 per session (1 GB container): NOT verified against a stored source.
- [UNIT] tts-1 $15 and tts-1-hd $30 per 1M characters, whisper-1 $0.006 per minute, dall-e-3 standard
  $0.040 (1024x1024) / $0.080 (1024x1792), text-embedding-3-small $0.02 and -large $0.13 per 1M tokens
  ([P] for the embeddings; the audio and image unit prices are OpenAI's long-standing list prices, NOT
  verified against a stored source here).
- Batch: 50% off every token class ([P], pricing.md). Flex: billed at batch rates (pricing.md), offered for
  the GPT-5 family, o3 and o4-mini. Scale Tier: prepaid token units (openai.com/api-scale-tier), no per-token
  list price: its usage is UNPRICED here and left out of the Costs ledger's token lines.
- Moderation models are free ([P]): no Costs line.
- Cache writes (``input_cache_write_tokens``): no model in this table publishes a write price, so they are
  billed at the uncached input rate, on the same ", input" line.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from typing import Any

__all__ = [
    "COMPLETION_CLASSES",
    "FAST_RENAMED",
    "ChatPrice",
    "CostLine",
    "chat_price",
    "chat_rates",
    "merge_lines",
    "row_lines",
    "unit_price",
]

FAST_RENAMED = date(2026, 7, 30)
"""Priority processing is reported as service tier ``fast`` from this UTC day on ([PRIO])."""

COMPLETION_CLASSES: tuple[str, ...] = (
    "text_input",  # uncached text input (input_text_tokens)
    "audio_input",  # uncached audio input (input_audio_tokens)
    "image_input",  # uncached image input (input_image_tokens)
    "cached_text_input",  # input_cached_text_tokens
    "cached_audio_input",  # input_cached_audio_tokens
    "cached_image_input",  # input_cached_image_tokens
    "cache_write",  # input_cache_write_tokens (billed as uncached text input)
    "text_output",  # output_text_tokens (reasoning tokens are inside it)
    "audio_output",  # output_audio_tokens
    "image_output",  # output_image_tokens
)
"""The disjoint token classes of a completions row, in the order of its counts (then ``num_model_requests``)."""
REQUESTS = len(COMPLETION_CLASSES)

D = Decimal
Rates3 = tuple[Decimal, Decimal, Decimal]  # input, cached input, output (USD per 1M tokens)


def _r(a: str, b: str, c: str) -> Rates3:
    return (D(a), D(b), D(c))


@dataclass(frozen=True, slots=True)
class ChatPrice:
    """A chat model's list prices (USD per 1M tokens) from a date on."""

    model: str
    since: date
    text: Rates3
    audio: Rates3 | None = None  # models that take or produce audio
    image: Rates3 | None = None  # models that take or produce images
    priority: Rates3 | None = None  # Priority processing / Fast mode (text)
    flex: bool = False
    source: str = "[P]"


_EPOCH = date(2024, 1, 1)

CHAT_PRICES: tuple[ChatPrice, ...] = (
    # GPT-5 family: cached input 0.1x. [P] prices_checked 2025-11-13; priority [PRIO].
    ChatPrice("gpt-5-2025-08-07", _EPOCH, _r("1.25", "0.125", "10"), priority=_r("2.50", "0.25", "20"), flex=True),
    ChatPrice(
        "gpt-5-mini-2025-08-07", _EPOCH, _r("0.25", "0.025", "2"), priority=_r("0.45", "0.045", "3.60"), flex=True
    ),
    ChatPrice("gpt-5-nano-2025-08-07", _EPOCH, _r("0.05", "0.005", "0.40"), flex=True),
    # GPT-4.1: cached 0.25x. [P] prices_checked 2025-07-04; priority [PRIO].
    ChatPrice("gpt-4.1-2025-04-14", _EPOCH, _r("2", "0.50", "8"), priority=_r("3.50", "0.875", "14")),
    ChatPrice("gpt-4.1-mini-2025-04-14", _EPOCH, _r("0.40", "0.10", "1.60"), priority=_r("0.70", "0.175", "2.80")),
    # GPT-4o: cached 0.5x. [P] prices_checked 2025-07-04; priority [PRIO] (2024-08-06 and 2024-11-20).
    ChatPrice("gpt-4o-2024-08-06", _EPOCH, _r("2.50", "1.25", "10"), priority=_r("4.25", "2.125", "17")),
    ChatPrice("gpt-4o-mini-2024-07-18", _EPOCH, _r("0.15", "0.075", "0.60"), priority=_r("0.25", "0.125", "1")),
    # o-series. [O3], [P]; priority [PRIO].
    ChatPrice("o3-2025-04-16", _EPOCH, _r("10", "2.50", "40"), flex=True, source="[O3]"),
    ChatPrice("o3-2025-04-16", date(2025, 6, 10), _r("2", "0.50", "8"), priority=_r("3.50", "0.875", "14"), flex=True),
    ChatPrice("o4-mini-2025-04-16", _EPOCH, _r("1.10", "0.275", "4.40"), priority=_r("2", "0.50", "8"), flex=True),
    # Multimodal token classes. [P]: gpt-realtime prices_checked 2026-07-22 (text 4/0.4/16, audio 32/0.4/64,
    # image input 5/0.5); gpt-image-1 prices_checked 2026-07-22 (text 5/1.25, image 10/2.5, image output 40).
    ChatPrice(
        "gpt-realtime-2025-08-28",
        _EPOCH,
        _r("4", "0.40", "16"),
        audio=_r("32", "0.40", "64"),
        image=_r("5", "0.50", "0"),
    ),
    ChatPrice("gpt-image-1", _EPOCH, _r("5", "1.25", "0"), image=_r("10", "2.50", "40")),
)

_BATCH = D("0.5")
BATCH_TIERS = frozenset({"flex"})  # service tiers billed at batch rates
PRIORITY_TIERS = frozenset({"priority", "fast"})
UNPRICED_TIERS = frozenset({"scale"})


@functools.lru_cache(maxsize=512)
def chat_price(model: str, day: date) -> ChatPrice | None:
    """The price entry in force for ``model`` on ``day`` (None: the simulator has no price for it)."""
    best: ChatPrice | None = None
    for entry in CHAT_PRICES:
        if entry.model == model and entry.since <= day and (best is None or entry.since > best.since):
            best = entry
    return best


@functools.lru_cache(maxsize=4096)
def chat_rates(model: str, batch: bool, service_tier: str, day: date) -> tuple[Decimal, ...] | None:
    """USD per 1M tokens for each class of ``COMPLETION_CLASSES`` (None: unpriced, e.g. Scale Tier).

    Batch and flex: half of every class. Priority / fast: the published priority rates (text classes; the
    simulator never runs multimodal models on priority).
    """
    price = chat_price(model, day)
    if price is None or service_tier in UNPRICED_TIERS:
        return None
    text = price.text
    if service_tier in PRIORITY_TIERS:
        if price.priority is None:
            return None
        text = price.priority
    audio = price.audio or (D(0), D(0), D(0))
    image = price.image or (D(0), D(0), D(0))
    rates: tuple[Decimal, ...] = (
        text[0],
        audio[0],
        image[0],
        text[1],
        audio[1],
        image[1],
        text[0],
        text[2],
        audio[2],
        image[2],
    )
    if batch or service_tier in BATCH_TIERS:
        rates = tuple(r * _BATCH for r in rates)
    return rates


# Per-unit prices: (USD per unit, the Costs quantity unit or None when no documented unit applies).
UNIT_PRICES: dict[tuple[str, str], tuple[Decimal, str | None]] = {
    # embeddings: per token. [P]
    ("embeddings", "text-embedding-3-small"): (D("0.02") / 1_000_000, "tokens"),
    ("embeddings", "text-embedding-3-large"): (D("0.13") / 1_000_000, "tokens"),
    # audio speech: per character. [UNIT]
    ("audio_speeches", "tts-1"): (D("15") / 1_000_000, "characters"),
    ("audio_speeches", "tts-1-hd"): (D("30") / 1_000_000, "characters"),
    # transcription: per second of audio ($0.006 / minute). [UNIT]
    ("audio_transcriptions", "whisper-1"): (D("0.006") / 60, "duration_seconds"),
    # images: per image by size (standard quality). [UNIT]
    ("images", "dall-e-3|1024x1024"): (D("0.040"), "images"),
    ("images", "dall-e-3|1024x1792"): (D("0.080"), "images"),
    # built-in tools. [TOOLS]
    ("web_search_calls", "*"): (D("0.01"), None),
    ("file_search_calls", "*"): (D("0.0025"), None),
    ("code_interpreter_sessions", "*"): (D("0.03"), None),
}
VECTOR_STORAGE_USD_PER_GIB_DAY = D("0.10")
VECTOR_STORAGE_FREE_GIB = D(1)  # per organization [TOOLS]
GIB = 1 << 30
# A ledger-only item (no usage endpoint reports fine-tuning jobs): the simulator's own assumed rate.
FINE_TUNING_MODEL = "gpt-4.1-mini-2025-04-14"
FINE_TUNING_USD_PER_MTOK = D(5)

# Costs ledger line items for what is not a model's token line.
TOOL_LINE_ITEMS = {
    "web_search_calls": "web search tool calls",
    "file_search_calls": "file search tool calls",
    "code_interpreter_sessions": "code interpreter sessions",
    "vector_stores": "Vector storage",
}


def unit_price(kind: str, model: str | None, size: str | None = None) -> tuple[Decimal, str | None] | None:
    """The per-unit price of a non-token usage row (None: free or unknown to the simulator)."""
    if kind in ("web_search_calls", "file_search_calls", "code_interpreter_sessions"):
        return UNIT_PRICES[(kind, "*")]
    if kind == "images":
        return UNIT_PRICES.get((kind, f"{model}|{size}"))
    return UNIT_PRICES.get((kind, model or ""))


@dataclass(frozen=True, slots=True)
class CostLine:
    """One line of the Costs ledger for one day: what was billed, to which project and key, and how much."""

    project_id: str | None
    api_key_id: str | None
    line_item: str
    amount_usd: Decimal
    quantity: Decimal | None
    quantity_unit: str | None
    model: str | None  # the model the line bills (None for tools, storage and ledger-only items)


def tier_prefix(batch: bool, service_tier: str) -> str:
    """The tier marker at the head of a line item: ``batch | ``, ``flex | ``, ``priority | ``."""
    if batch:
        return "batch | "
    if service_tier == "flex":
        return "flex | "
    if service_tier in PRIORITY_TIERS:
        # The ledger keeps the label "priority" (observed in 2026 line items such as
        # "priority | gpt-5.6-sol, output, long context"); usage rows say "fast" from 2026-07-30.
        return "priority | "
    return ""


_CLASS_LINES: tuple[tuple[str, str], ...] = (
    ("text", "input"),
    ("audio", "input"),
    ("image", "input"),
    ("text", "cached input"),
    ("audio", "cached input"),
    ("image", "cached input"),
    ("text", "input"),  # cache writes: billed and listed as input
    ("text", "output"),
    ("audio", "output"),
    ("image", "output"),
)


def completion_lines(
    project_id: str | None,
    api_key_id: str | None,
    model: str,
    batch: bool,
    service_tier: str,
    counts: Iterable[int],
    day: date,
) -> list[CostLine]:
    """The Costs lines of one day's completions usage of one (project, key, model, batch, tier).

    Line items read ``"<tier> | <model>[ <modality>], <input|cached input|output>"``: the modality word only for
    models that bill more than text (``"gpt-realtime-2025-08-28 audio, input"``), the tier marker only for
    batch, flex and priority.
    """
    counts = tuple(counts)
    rates = chat_rates(model, batch, service_tier, day)
    if rates is None:
        return []
    price = chat_price(model, day)
    multimodal = price is not None and (price.audio is not None or price.image is not None)
    prefix = tier_prefix(batch, service_tier)
    merged: dict[str, list[Decimal]] = {}
    for i, (modality, kind) in enumerate(_CLASS_LINES):
        if not counts[i]:
            continue
        item = f"{prefix}{model}{' ' + modality if multimodal else ''}, {kind}"
        acc = merged.setdefault(item, [D(0), D(0)])
        acc[0] += D(counts[i]) * rates[i] / 1_000_000
        acc[1] += counts[i]
    return [
        CostLine(project_id, api_key_id, item, amount, quantity, "tokens", model)
        for item, (amount, quantity) in merged.items()
    ]


def unit_line(
    kind: str, project_id: str | None, api_key_id: str | None, model: str | None, size: str | None, quantity: int
) -> CostLine | None:
    """The Costs line of a per-unit usage row (embeddings, images, speech, transcription, tool calls)."""
    price = unit_price(kind, model, size)
    if price is None or quantity == 0:
        return None
    usd, unit_name = price
    if kind in TOOL_LINE_ITEMS:
        item, line_model = TOOL_LINE_ITEMS[kind], None
    elif kind == "images":
        item, line_model = f"{model}, {size} image", model
    elif kind == "audio_transcriptions":
        item, line_model = f"{model}, audio", model
    elif kind == "audio_speeches":
        item, line_model = f"{model}, characters", model
    else:
        item, line_model = f"{model}, input", model
    return CostLine(project_id, api_key_id, item, D(quantity) * usd, D(quantity), unit_name, line_model)


def vector_storage_lines(bytes_by_project: dict[str | None, int], day_fraction: Decimal) -> list[CostLine]:
    """One day's vector storage (a share ``day_fraction`` of it for the running day): $0.10 per GiB-day
    beyond the organization's free GiB, the billed amount shared between projects by their bytes."""
    total = sum(bytes_by_project.values())
    if total == 0 or day_fraction == 0:
        return []
    total_gib = D(total) / GIB
    billable = max(D(0), total_gib - VECTOR_STORAGE_FREE_GIB)
    amount = billable * VECTOR_STORAGE_USD_PER_GIB_DAY * day_fraction
    lines = []
    for project, used in bytes_by_project.items():
        if used:
            share = D(used) / total
            gib_hours = D(used) / GIB * 24 * day_fraction
            item = TOOL_LINE_ITEMS["vector_stores"]
            lines.append(CostLine(project, None, item, amount * share, gib_hours, "gibibyte_hours", None))
    return lines


def row_lines(dims: tuple[Any, ...], counts: tuple[int, ...], day: date) -> list[CostLine]:
    """The Costs lines of one usage row of ``day``. ``dims`` is (endpoint, *its group fields) as
    ``data.GROUP_FIELDS`` lays them out: project_id first, then user_id and api_key_id where the endpoint
    has them, then model, ... Moderations (free) and unpriced tiers give no line."""
    kind = dims[0]
    if kind == "completions":
        _, project, _user, key, model, batch, tier = dims
        return completion_lines(project, key, model, batch, tier, counts[:REQUESTS], day)
    if kind == "code_interpreter_sessions":
        line = unit_line(kind, dims[1], None, None, None, counts[0])
    elif kind == "file_search_calls":
        line = unit_line(kind, dims[1], dims[3], None, None, counts[0])
    elif kind == "images":
        line = unit_line(kind, dims[1], dims[3], dims[4], dims[5], counts[0])
    else:  # embeddings, moderations, audio_speeches, audio_transcriptions, web_search_calls
        line = unit_line(kind, dims[1], dims[3], dims[4], None, counts[0])
    return [line] if line is not None else []


def fine_tuning_line(project_id: str | None, tokens: int) -> CostLine:
    """A ledger-only line: a fine-tuning job's training tokens (no usage endpoint reports them)."""
    return CostLine(
        project_id,
        None,
        f"{FINE_TUNING_MODEL}, fine-tuning training",
        D(tokens) * FINE_TUNING_USD_PER_MTOK / 1_000_000,
        D(tokens),
        "tokens",
        None,
    )


def merge_lines(lines: Iterable[CostLine]) -> list[CostLine]:
    """Lines summed per (project, key, line item), in first-seen order."""
    merged: dict[tuple[str | None, str | None, str], CostLine] = {}
    for line in lines:
        key = (line.project_id, line.api_key_id, line.line_item)
        seen = merged.get(key)
        if seen is None:
            merged[key] = line
        else:
            quantity = None if seen.quantity is None or line.quantity is None else seen.quantity + line.quantity
            merged[key] = replace(seen, amount_usd=seen.amount_usd + line.amount_usd, quantity=quantity)
    return list(merged.values())
