"""Costing benchmark: our costing path beside genai-prices' own per-request ``calc_price``, same rows, same run.

One million usage rows (by default) across 20 models (12 Anthropic, 8 OpenAI) and every modifier the
catalogue knows: batch (both sides of genai-prices' 2026-10-14 batch prices), flex and priority (OpenAI),
priority tier (Anthropic: unpriced), long context (``context_window`` 200k-1M), data residency
(``inference_geo`` us), fast mode, 5-minute and 1-hour cache writes, cache reads and web search, on days
spread over 2026 (so dated prices and the end of the long-context premium are crossed).

Timed:
- ours: ``shared.pricing.costing.price_day(provider, UsageDay, catalogue)`` for each account-day (what the
  costing service runs for a day, without Firestore): a quote per row (memoized per pricing dimensions and
  day), exact Decimal costs per token class, the day's rows summed per grouping with their hours.
- reference: ``genai_prices.calc_price`` once per row (building its ``Usage`` included), the way a
  tracker prices request by request.

Both sides are timed in CPU seconds of this process (``time.process_time``), so that other work on the
machine does not tilt the comparison; they run interleaved, one account-day at a time.

Checked: the priced day's total equals the sum of its rows priced hour by hour (``price_bucket``, what the
day is summed from), exactly; and on every row where both are meant to give the same number (standard or a
mode genai-prices prices itself, no data-residency or fast-mode premium of ours, and a prompt size that does
not make the per-request tier differ from the row's ``context_window``), the two totals must be identical,
exactly.

Run: ``python -m bench.costing`` (1M rows, a few minutes: calc_price is the slow side) or
``python -m bench.costing --rows 100000`` (``--small``: 20,000 rows).
"""

from __future__ import annotations

import argparse
import math
import random
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from genai_prices import Usage, calc_price

from shared.domain.usage import Dimensions, TokenCounts, UsageBucket, UsageDay, UsageRow
from shared.pricing import default_catalogue
from shared.pricing.costing import price_bucket, price_day

ANTHROPIC = (
    "claude-opus-4-6",
    "claude-opus-4-5-20251101",
    "claude-opus-4-1-20250805",
    "claude-opus-4-20250514",
    "claude-sonnet-4-5-20250929",
    "claude-sonnet-4-6",
    "claude-sonnet-4-20250514",
    "claude-3-7-sonnet-20250219",
    "claude-haiku-4-5-20251001",
    "claude-3-5-haiku-20241022",
    "claude-3-haiku-20240307",
    "claude-sonnet-5",
)
OPENAI = ("gpt-5", "gpt-5-mini", "gpt-4.1", "gpt-4.1-mini", "gpt-4o", "gpt-4o-mini", "o3", "o4-mini")
LONG_CONTEXT = frozenset(
    {"claude-opus-4-6", "claude-sonnet-4-5-20250929", "claude-sonnet-4-6", "claude-sonnet-4-20250514"}
)
FAST = frozenset({"claude-opus-4-6"})
GEN_46 = frozenset({"claude-opus-4-6", "claude-sonnet-4-6", "claude-sonnet-5"})
SMALL_PROMPT = 200_000
GENAI_MODES = {
    ("anthropic", "batch"): {"processing": "batch"},
    ("openai", "batch"): {"processing": "batch"},
    ("openai", "flex"): {"service_tier": "flex"},
    ("openai", "priority"): {"service_tier": "priority"},
}


@dataclass
class Totals:
    rows: int = 0
    seconds: float = 0.0
    unpriced: int = 0
    cost: Decimal = Decimal(0)


@dataclass
class Comparison:
    eligible: int = 0
    identical: int = 0
    mismatches: list[str] = field(default_factory=list)


def _row(rng: random.Random, provider: str, hour: datetime, key: int) -> UsageRow:
    model = rng.choice(ANTHROPIC if provider == "anthropic" else OPENAI)
    u = rng.random()
    if provider == "anthropic":
        tier = "batch" if u < 0.2 else ("priority" if u < 0.25 else "standard")
        long_ctx = model in LONG_CONTEXT and rng.random() < 0.15
        geo = "us" if model in GEN_46 and rng.random() < 0.25 else "global"
        speed = "fast" if model in FAST and tier == "standard" and not long_ctx and rng.random() < 0.2 else "standard"
        dims = Dimensions(model, f"key_{key}", f"ws_{key % 7}", tier, "200k-1M" if long_ctx else "0-200k", geo, speed)
    else:
        tier = "batch" if u < 0.15 else ("flex" if u < 0.22 else ("priority" if u < 0.27 else "default"))
        long_ctx = False
        dims = Dimensions(model, f"key_{key}", None, tier)
    # Four rows in ten are small (a few requests in the hour), the rest are busy aggregates.
    total = int(rng.uniform(2_000, 150_000)) if rng.random() < 0.4 else int(10 ** rng.uniform(5.4, 7.3))
    if long_ctx:
        total = max(total, SMALL_PROMPT + 1_000)
    cached = rng.random() < 0.7
    read = int(total * rng.uniform(0.3, 0.8)) if cached else 0
    write_5m = int(total * rng.uniform(0.0, 0.1)) if cached and provider == "anthropic" else 0
    write_1h = int(total * rng.uniform(0.0, 0.05)) if cached and provider == "anthropic" and rng.random() < 0.4 else 0
    uncached = max(total - read - write_5m - write_1h, 0)
    tokens = TokenCounts(
        uncached_input=uncached,
        cache_write_5m=write_5m,
        cache_write_1h=write_1h,
        cache_read=read,
        output=int(total * rng.uniform(0.02, 0.3)),
        # Web search: not on batch, and not on Claude 3 Haiku (it has no web search tool).
        web_search_requests=rng.randint(1, 40)
        if tier != "batch" and model != "claude-3-haiku-20240307" and rng.random() < 0.15
        else 0,
    )
    return UsageRow(hour, dims, tokens)


def days_of_usage(rows: int, rows_per_hour: int, seed: int) -> Iterator[tuple[str, date, list[UsageBucket]]]:
    """(provider, day, that account-day's hourly buckets): ``rows`` rows in all, on days spread over 2026."""
    rng = random.Random(seed)
    days = math.ceil(rows / (rows_per_hour * 24))
    first, last = date(2026, 1, 5), date(2026, 11, 19)
    produced = 0
    for i in range(days):
        day = first + timedelta(days=(last - first).days * i // max(days - 1, 1))
        for provider, share in (("anthropic", 0.7), ("openai", 0.3)):
            buckets = []
            for h in range(24):
                hour = datetime(day.year, day.month, day.day, h, tzinfo=UTC)
                want = min(round(rows_per_hour * share), rows - produced)
                seen: dict[str, UsageRow] = {}
                key = 0
                while len(seen) < want:
                    row = _row(rng, provider, hour, key)
                    key += 1
                    seen.setdefault(row.dims.key(), row)
                buckets.append(UsageBucket(hour, tuple(seen.values())))
                produced += len(seen)
            yield provider, day, buckets


def genai_usage(provider: str, tokens: TokenCounts) -> Usage:
    """One row as genai-prices' per-request ``Usage`` (its input_tokens is the total input)."""
    writes = tokens.cache_write_5m + tokens.cache_write_1h
    values = {
        "input_tokens": tokens.uncached_input + tokens.cache_read + writes,
        "cache_read_tokens": tokens.cache_read,
        "output_tokens": tokens.output,
    }
    if writes:
        values |= {
            "cache_write_tokens": writes,
            "cache_write_5m_tokens": tokens.cache_write_5m,
            "cache_write_1h_tokens": tokens.cache_write_1h,
        }
    if tokens.web_search_requests:
        values["web_searches"] = tokens.web_search_requests
    return Usage(**values)


def comparable(provider: str, row: UsageRow, modifiers: tuple[str, ...]) -> bool:
    """Whether genai-prices, asked per request, is meant to give our number for this aggregate row."""
    dims = row.dims
    if dims.inference_geo not in (None, "global") or dims.speed not in (None, "standard"):
        return False  # data residency and fast mode: premiums genai-prices does not apply (or we apply ours)
    if any("genai-prices" not in m for m in modifiers if not m.startswith("context_window")):
        return False  # a rule of our override table (batch before genai-prices has it, a dated change, ...)
    prompt = row.tokens.uncached_input + row.tokens.cache_read + row.tokens.cache_write_5m + row.tokens.cache_write_1h
    if dims.context_window == "200k-1M":
        return prompt > SMALL_PROMPT and dims.model != "claude-sonnet-4-20250514"  # its long context is ours
    return prompt <= SMALL_PROMPT  # above it, a per-request tier would misprice the aggregate (pricing.md trap 5)


def run(rows: int, rows_per_hour: int, seed: int) -> None:
    catalogue = default_catalogue()
    ours, reference = Totals(), Totals()
    comparison = Comparison()
    day_totals_exact = True
    models: set[str] = set()
    modifiers: dict[str, int] = {}
    for provider, day, buckets in days_of_usage(rows, rows_per_hour, seed):
        usage = UsageDay("acc_bench", day, {b.hour_start.hour: b for b in buckets})
        started = time.process_time()
        priced_day = price_day(provider, usage, catalogue)
        ours.seconds += time.process_time() - started
        # The same rows hour by hour (untimed): what the day is summed from, row for row with the reference.
        quotes: dict[tuple[str | None, ...], Any] = {}
        priced = [r for bucket in buckets for r in price_bucket(provider, bucket, catalogue, quotes)]
        day_total = sum((r.cost.total for r in priced_day.rows if r.cost is not None), Decimal(0))
        hours_total = sum((r.cost.total for r in priced if r.cost is not None), Decimal(0))
        day_totals_exact = day_totals_exact and day_total == hours_total

        started = time.process_time()
        answers = []
        for bucket in buckets:
            for row in bucket.rows:
                context = GENAI_MODES.get((provider, row.dims.service_tier))
                if row.dims.speed == "fast":
                    context = {"speed": "fast"}
                try:
                    answers.append(
                        calc_price(
                            genai_usage(provider, row.tokens),
                            row.dims.model,
                            provider_id=provider,
                            genai_request_timestamp=row.hour_start,
                            price_context=context,
                        ).total_price
                    )
                except (LookupError, ValueError):
                    answers.append(None)
        reference.seconds += time.process_time() - started

        rows_of_day = [row for bucket in buckets for row in bucket.rows]
        for row, mine, theirs in zip(rows_of_day, priced, answers, strict=True):
            ours.rows += 1
            reference.rows += 1
            models.add(row.dims.model)
            for name, on in (
                (f"{provider} {row.dims.service_tier}", True),
                ("long context", row.dims.context_window == "200k-1M"),
                ("inference_geo us", row.dims.inference_geo == "us"),
                ("fast", row.dims.speed == "fast"),
                ("1h cache write", row.tokens.cache_write_1h > 0),
                ("web search", row.tokens.web_search_requests > 0),
            ):
                if on:
                    modifiers[name] = modifiers.get(name, 0) + 1
            if mine.cost is None:
                ours.unpriced += 1
            else:
                ours.cost += mine.cost.total
            if theirs is None:
                reference.unpriced += 1
            else:
                reference.cost += theirs
            quote = catalogue.quote(provider, row.dims, row.hour_start)
            if mine.cost is not None and theirs is not None and comparable(provider, row, quote.modifiers):
                comparison.eligible += 1
                if mine.cost.total == theirs:
                    comparison.identical += 1
                elif len(comparison.mismatches) < 10:
                    comparison.mismatches.append(
                        f"{provider} {row.dims} {row.tokens}: ours {mine.cost.total}, genai {theirs}"
                    )

    ours_rate = ours.rows / ours.seconds
    ref_rate = reference.rows / reference.seconds
    days = math.ceil(rows / (rows_per_hour * 24))
    print(f"rows:        {ours.rows} usage rows, {len(models)} models, {days} days spread over 2026, two accounts")
    print("modifiers:   " + ", ".join(f"{k} {v}" for k, v in sorted(modifiers.items())))
    print(
        f"ours:        {ours.seconds:.1f} s, {ours_rate:,.0f} rows/s (price_day: quote, exact costs, the day's rows "
        f"summed with their hours); {ours.unpriced} rows unpriced (never $0)"
    )
    print(f"calc_price:  {reference.seconds:.1f} s, {ref_rate:,.0f} rows/s (one call per row)")
    speedup = ours_rate / ref_rate
    print(
        f"day totals:  every priced day's total equals its rows priced hour by hour, exactly: "
        f"{'OK' if day_totals_exact else 'MISMATCH'}"
    )
    print(f"speed-up:    {speedup:.1f}x (target >= 5x): {'OK' if speedup >= 5 else 'MISSED'}")
    print(
        f"identical:   {comparison.identical} of {comparison.eligible} comparable rows have exactly the same total "
        f"({100 * comparison.eligible / max(ours.rows, 1):.0f}% of rows are comparable): "
        f"{'OK' if comparison.identical == comparison.eligible and comparison.eligible else 'MISMATCH'}"
    )
    for line in comparison.mismatches:
        print("  mismatch:  " + line)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--rows-per-hour", type=int, default=700)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--small", action="store_true", help="smoke run: 20,000 rows")
    args = parser.parse_args(argv)
    if args.small:
        args.rows = 20_000
    print(f"== costing: {args.rows:,} usage rows, {args.rows_per_hour} a busy hour")
    run(args.rows, args.rows_per_hour, args.seed)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
