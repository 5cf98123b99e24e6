"""The savings advice rules: each reads one period of usage (`AdviceData`) and returns its recommendations.

Every rule prices what it proposes day by day at the catalogue's rates for that day (`Prices`), from the
same tokens the organization used: period savings are exact; monthly savings scale them to 30 days. What a
rule cannot see in admin data (prompts, request sizes, latency needs) is an assumption stated in its method
and reflected in its confidence.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from shared.domain.money import EXACT, ZERO, exact_sum, to_cents, usd
from shared.domain.priced import CostRow
from shared.domain.usage import TokenCounts
from shared.insights.model import (
    KIND_BATCH,
    KIND_CACHE_DURATION,
    KIND_IDLE_KEY,
    KIND_LONG_CONTEXT,
    KIND_PRIORITY_TIER,
    KIND_PROMPT_CACHING,
    KIND_RIGHT_SIZING,
    KIND_UNPRICED_MODEL,
    KIND_UNUSUAL_KEY,
    Advice,
    Confidence,
    Level,
    Scope,
)
from shared.insights.usage import AdviceData, Prices, ScopeKey, local_hour
from shared.insights.whatif import (
    BATCH_TIER,
    LONG_CONTEXT,
    PRIORITY_TIERS,
    SHORT_CONTEXT,
    STANDARD_TIER,
    STANDARD_TIERS,
    Repricer,
    Target,
    what_if,
)
from shared.ledger import Piece

MIN_MONTHLY_SAVINGS = Decimal(1)
"""Advice worth less than this a month is not shown (kinds that save no dollars are always shown)."""

CACHE_REUSE_SHARE = Decimal("0.5")
"""Prompt caching: the share of uncached input assumed to be a repeated prefix (prompts are not visible)."""
CACHE_WRITE_SHARE = Decimal("0.1")
"""Prompt caching: of the repeated prefix, the share written to the cache (the rest read from it)."""
CACHE_READ_SHARE_MAX = Decimal("0.1")
"""Prompt caching: a key and model already reading at least this share of its input from cache is caching."""
REWRITE_SHARE = Decimal("0.5")
"""Cache duration: of the 5-minute writes in hours that write more than they read, the share assumed to be
rewrites of a prefix written earlier in the same hour (which a 1-hour write would have kept)."""
OFF_HOURS = frozenset({22, 23, 0, 1, 2, 3, 4, 5})
"""Hours of the day (the tenant's time zone) outside working hours."""
BATCH_OFF_HOURS_SHARE = Decimal("0.8")
BATCH_TOP_HOURS = 4
BATCH_TOP_HOURS_SHARE = Decimal("0.9")
BATCH_MAX_DAILY_CV = 0.35
BATCH_MIN_DAY_SHARE = Decimal("0.5")
SMALL_OUTPUT_SHARE = Decimal("0.1")
"""Right-sizing: output tokens at most this share of all tokens (extraction, classification, short answers)."""
BASELINE_DAYS = 7
"""Unusual keys: an account's first days with usage in the period (with the months before it) are its baseline."""
NO_GEO = frozenset({None, "global", "not_available"})

_LEVELS: tuple[Level, ...] = ("low", "medium", "high")


def _lower(level: Level) -> Level:
    return _LEVELS[max(0, _LEVELS.index(level) - 1)]


def _share(part: Decimal | int, whole: Decimal | int) -> Decimal:
    if not whole:
        return ZERO
    return EXACT.divide(Decimal(part), Decimal(whole))


def _pct(share: Decimal) -> str:
    return f"{(share * 100).quantize(Decimal('0.1'))}%"


def _ratio_out(share: Decimal) -> str:
    return usd(share.quantize(Decimal("0.0001")))


def _dollars(amount: Decimal) -> str:
    return f"${to_cents(amount)}"


def _key_label(scope: Scope) -> str:
    return f"API key '{scope.api_key_name}'" if scope.api_key_id is not None else f"{scope.api_key_name} usage"


@dataclass
class _Draft:
    """A recommendation before its savings are scaled to the month."""

    kind: str
    title: str
    scope: Scope
    evidence: dict[str, Any]
    period_savings: Decimal
    confidence: Confidence
    method: str
    variant: str = ""
    actions: tuple[str, ...] = ()
    always: bool = False
    """Shown whatever its savings (a security or completeness finding, not a dollar one)."""
    monthly_override: Decimal | None = None

    def build(self, data: AdviceData) -> Advice | None:
        monthly = self.monthly_override
        if monthly is None:
            monthly = data.monthly(self.period_savings, self.scope.account_id)
        if not self.always and monthly < MIN_MONTHLY_SAVINGS:
            return None
        return Advice(
            kind=self.kind,
            title=self.title,
            scope=self.scope,
            evidence=self.evidence,
            period_savings=self.period_savings,
            monthly_savings=monthly,
            confidence=self.confidence,
            method=self.method,
            variant=self.variant,
            actions=self.actions,
        )


# Both groupings key rows by a plain tuple and build one ScopeKey per group: a frozen dataclass per row of a
# month of hours was most of the grouping's time. Groups keep the order of their first row.
_Scope = tuple[str, str | None, str | None, str]


def _priced_by_scope(data: AdviceData) -> dict[ScopeKey, list[tuple[date, CostRow]]]:
    groups: dict[_Scope, list[tuple[date, CostRow]]] = defaultdict(list)
    for account_id, day, row in data.day_rows():
        if row.cost is not None:
            d = row.dims
            groups[(account_id, d.api_key_id, d.workspace_id, d.model)].append((day, row))
    return {ScopeKey(*key): rows for key, rows in groups.items()}


def _hours_by_scope(data: AdviceData) -> dict[ScopeKey, dict[datetime, list[Piece]]]:
    groups: dict[_Scope, dict[datetime, list[Piece]]] = defaultdict(lambda: defaultdict(list))
    for piece in data.hours:
        if piece.row.cost is not None and isinstance(piece.period, datetime):
            d = piece.row.dims
            groups[(piece.account_id, d.api_key_id, d.workspace_id, d.model)][piece.period].append(piece)
    return {ScopeKey(*key): by_hour for key, by_hour in groups.items()}


def _cache_tokens(pieces: Sequence[Piece]) -> tuple[int, int, int]:
    """An hour's 5-minute cache writes, 1-hour cache writes and cache reads (one pass over its rows)."""
    w5 = w1 = reads = 0
    for p in pieces:
        tokens = p.row.tokens
        w5 += tokens.cache_write_5m
        w1 += tokens.cache_write_1h
        reads += tokens.cache_read
    return w5, w1, reads


# --------------------------------------------------------------------------------------------------
# Prompt caching
# --------------------------------------------------------------------------------------------------


def prompt_caching(data: AdviceData, prices: Prices) -> list[_Draft]:
    """Keys and models with large uncached input and few cache reads."""
    out: list[_Draft] = []
    for key, rows in _priced_by_scope(data).items():
        provider = data.provider(key.account_id)
        uncached = sum(r.tokens.uncached_input for _, r in rows)
        reads = sum(r.tokens.cache_read for _, r in rows)
        writes = sum(r.tokens.cache_write_5m + r.tokens.cache_write_1h for _, r in rows)
        read_share = _share(reads, uncached + reads + writes)
        if not uncached or read_share >= CACHE_READ_SHARE_MAX:
            continue
        saved = ZERO
        uncached_cost = ZERO
        for day, row in rows:
            u = row.tokens.uncached_input
            assert row.cost is not None
            cost = (
                prices.cost(provider, row.dims, day, TokenCounts(uncached_input=u, cache_write_5m=u, cache_read=u))
                if u
                else None
            )
            if cost is None:
                continue
            cached = EXACT.add(
                EXACT.multiply(CACHE_WRITE_SHARE, cost.cache_write_5m),
                EXACT.multiply(1 - CACHE_WRITE_SHARE, cost.cache_read),
            )
            saved = EXACT.add(saved, EXACT.multiply(CACHE_REUSE_SHARE, EXACT.subtract(cost.uncached_input, cached)))
            uncached_cost = EXACT.add(uncached_cost, row.cost.uncached_input)
        scope = data.scope_of(key)
        who = _key_label(scope)
        if provider == "openai":
            title = f"Put the stable part of {key.model} prompts first on {who}, so OpenAI's automatic caching applies"
            actions = (
                "Order each prompt static-first (instructions, tools, examples, documents), variable part last: "
                "OpenAI caches identical prefixes of 1,024 tokens or more by itself, with no write charge",
                "Send a prompt_cache_key for requests that share a prefix, so they reach the same cache",
            )
            write_words = "1 in 10 at the input rate (OpenAI charges no cache write)"
        else:
            title = f"Turn on prompt caching for {key.model} on {who}"
            actions = (
                "Mark the stable prefix of each prompt (system prompt, tools, documents) with cache_control",
                "Keep the cached prefix byte-identical between requests; put what changes after it",
            )
            write_words = "1 in 10 written to the 5-minute cache at the model's cache-write rate"
        out.append(
            _Draft(
                kind=KIND_PROMPT_CACHING,
                title=title,
                scope=scope,
                evidence={
                    "uncached_input_tokens": uncached,
                    "cache_read_tokens": reads,
                    "cache_write_tokens": writes,
                    "cache_read_share": _ratio_out(read_share),
                    "uncached_input_cost": usd(uncached_cost),
                    "assumed_repeated_share": usd(CACHE_REUSE_SHARE),
                    "assumed_write_share": usd(CACHE_WRITE_SHARE),
                },
                period_savings=saved,
                confidence=Confidence(
                    "medium",
                    f"Only {_pct(read_share)} of this input came from the cache. Usage data has no prompts, so "
                    f"the share of input that repeats ({_pct(CACHE_REUSE_SHARE)}) is an assumption, not a "
                    "measurement.",
                ),
                method=(
                    f"Savings if {_pct(CACHE_REUSE_SHARE)} of the uncached input tokens were a repeated prefix "
                    f"served from the cache, each UTC day at the model's rates that day: {write_words}, 9 in 10 "
                    "read at the cache-read rate, instead of all at the input rate. Period savings scaled to 30 "
                    "days. List prices."
                ),
                actions=actions,
            )
        )
    return out


# --------------------------------------------------------------------------------------------------
# Cache duration: 5-minute writes rewritten within the hour, 1-hour writes read only soon after
# --------------------------------------------------------------------------------------------------


def cache_duration(data: AdviceData, prices: Prices) -> list[_Draft]:
    out: list[_Draft] = []
    for key, by_hour in _hours_by_scope(data).items():
        provider = data.provider(key.account_id)
        scope = data.scope_of(key)
        hours = [(pieces, _cache_tokens(pieces)) for pieces in by_hour.values()]
        out += _five_to_one_hour(data, prices, provider, scope, hours)
        out += _one_hour_to_five(prices, provider, scope, hours)
    return out


_CacheHour = tuple[list[Piece], tuple[int, int, int]]
"""An hour's rows of one key and model, and their cache tokens (`_cache_tokens`)."""


def _five_to_one_hour(
    data: AdviceData, prices: Prices, provider: str, scope: Scope, hours: list[_CacheHour]
) -> list[_Draft]:
    write_hours = rewrite_hours = 0
    written = rewritten = 0
    rewriting: list[list[Piece]] = []
    for pieces, (w5, _, reads) in hours:
        if not w5:
            continue
        write_hours += 1
        written += w5
        if w5 <= reads:
            continue
        rewrite_hours += 1
        rewritten += w5
        rewriting.append(pieces)
    if not rewritten or rewritten * 2 < written:
        return []  # decided by the quantities alone: nothing to price
    saved = ZERO
    for pieces in rewriting:
        for p in pieces:
            t = p.row.tokens.cache_write_5m
            if not t:
                continue
            cost = prices.cost(
                provider, p.row.dims, p.when, TokenCounts(cache_write_5m=t, cache_write_1h=t, cache_read=t)
            )
            if cost is None:
                continue
            kept = EXACT.multiply(REWRITE_SHARE, EXACT.subtract(cost.cache_write_5m, cost.cache_read))
            dearer = EXACT.multiply(1 - REWRITE_SHARE, EXACT.subtract(cost.cache_write_1h, cost.cache_write_5m))
            saved = EXACT.add(saved, EXACT.subtract(kept, dearer))
    if saved <= 0:
        return []
    hour_share = _share(rewrite_hours, write_hours)
    level: Level = "medium" if hour_share >= Decimal("0.8") else "low"
    return [
        _Draft(
            kind=KIND_CACHE_DURATION,
            variant="5m->1h",
            title=f"Use 1-hour cache writes for {scope.model} on {_key_label(scope)}: its 5-minute cache expires "
            "and is written again",
            scope=scope,
            evidence={
                "hours_with_5m_writes": write_hours,
                "hours_writing_more_than_reading": rewrite_hours,
                "cache_write_5m_tokens": written,
                "cache_write_5m_tokens_in_those_hours": rewritten,
                "assumed_rewrite_share": usd(REWRITE_SHARE),
            },
            period_savings=saved,
            confidence=Confidence(
                level,
                f"In {rewrite_hours} of the {write_hours} hours with 5-minute cache writes more was written than "
                "read back: entries expire before they are reused. That the writes repeat one prefix within the "
                "hour is an assumption (hourly totals cannot show it).",
            ),
            method=(
                "In each hour where 5-minute cache writes exceed cache reads, "
                f"{_pct(REWRITE_SHARE)} of the writes are taken as rewrites of a prefix written earlier that hour: "
                "with a 1-hour cache they would be cache reads, and the remaining writes cost the 1-hour write "
                "rate instead of the 5-minute one; at the model's rates each UTC day. Period savings scaled to 30 "
                "days. List prices."
            ),
            actions=('Set cache_control {"type": "ephemeral", "ttl": "1h"} on the prefixes this key reuses',),
        )
    ]


def _one_hour_to_five(prices: Prices, provider: str, scope: Scope, hours: list[_CacheHour]) -> list[_Draft]:
    written = 0
    hours_writing = 0
    reads_alone = 0
    writing: list[list[Piece]] = []
    for pieces, (w5, w1, reads) in hours:
        if reads and not w1 and not w5:
            reads_alone += 1
        if not w1:
            continue
        hours_writing += 1
        written += w1
        writing.append(pieces)
    if not written or reads_alone:
        return []  # decided by the quantities alone: nothing to price
    saved = ZERO
    for pieces in writing:
        for p in pieces:
            t = p.row.tokens.cache_write_1h
            if not t:
                continue
            cost = prices.cost(provider, p.row.dims, p.when, TokenCounts(cache_write_5m=t, cache_write_1h=t))
            if cost is not None:
                saved = EXACT.add(saved, EXACT.subtract(cost.cache_write_1h, cost.cache_write_5m))
    if saved <= 0:
        return []
    return [
        _Draft(
            kind=KIND_CACHE_DURATION,
            variant="1h->5m",
            title=f"Use 5-minute cache writes for {scope.model} on {_key_label(scope)}: its 1-hour cache is never "
            "read in a later hour",
            scope=scope,
            evidence={
                "cache_write_1h_tokens": written,
                "hours_with_1h_writes": hours_writing,
                "hours_with_reads_and_no_write": reads_alone,
            },
            period_savings=saved,
            confidence=Confidence(
                "low",
                "No cache read came in an hour without a cache write, so the 1-hour lifetime is never needed "
                "across hours; hourly data cannot show whether reads come within 5 minutes of the write.",
            ),
            method=(
                "Savings if the 1-hour cache writes were 5-minute writes (1-hour write rate minus 5-minute write "
                "rate, at the model's rates each UTC day), assuming every read comes within 5 minutes of its "
                "write. Period savings scaled to 30 days. List prices."
            ),
            actions=("Drop the 1-hour ttl from cache_control on this key's prompts (5 minutes is the default)",),
        )
    ]


# --------------------------------------------------------------------------------------------------
# Batch candidates
# --------------------------------------------------------------------------------------------------


@dataclass
class _Pattern:
    by_hour: list[Decimal] = field(default_factory=lambda: [ZERO] * 24)
    by_day: dict[date, Decimal] = field(default_factory=dict)

    def add(self, hour: int, day: date, cost: Decimal) -> None:
        self.by_hour[hour] = EXACT.add(self.by_hour[hour], cost)
        self.by_day[day] = EXACT.add(self.by_day.get(day, ZERO), cost)

    @property
    def total(self) -> Decimal:
        return exact_sum(self.by_hour)

    def off_hours_share(self) -> Decimal:
        return _share(exact_sum(self.by_hour[h] for h in OFF_HOURS), self.total)

    def top_hours(self, n: int) -> list[int]:
        return sorted(range(24), key=lambda h: (-self.by_hour[h], h))[:n]

    def top_hours_share(self, n: int) -> Decimal:
        return _share(exact_sum(self.by_hour[h] for h in self.top_hours(n)), self.total)

    def daily_cv(self) -> float:
        values = [float(v) for v in self.by_day.values()]
        if len(values) < 2 or not statistics.fmean(values):
            return 0.0
        return statistics.pstdev(values) / statistics.fmean(values)


def _usage_pattern(data: AdviceData, keep: Callable[[Piece], bool]) -> dict[tuple[str, str | None], _Pattern]:
    """Per (account, key): priced cost of the pieces ``keep`` accepts, by local hour of day and by UTC day."""
    patterns: dict[tuple[str, str | None], _Pattern] = defaultdict(_Pattern)
    hour_of: dict[date | datetime | None, int] = {}  # a month of rows falls in 720 hours: convert each once
    for piece in data.hours:
        if piece.row.cost is not None and keep(piece):
            key = (piece.account_id, piece.row.dims.api_key_id)
            hour = hour_of.get(piece.period)
            if hour is None:
                hour = hour_of[piece.period] = local_hour(piece, data.zone)
            patterns[key].add(hour, piece.when, piece.row.cost.total)
    return patterns


def batch_candidates(data: AdviceData, prices: Prices) -> list[_Draft]:
    """Keys whose standard-tier usage runs off-hours, or at the same few hours every day: work that can wait
    for the Batch API's 50% discount."""
    out: list[_Draft] = []
    patterns = _usage_pattern(data, lambda p: p.row.dims.service_tier in STANDARD_TIERS)
    by_key: dict[tuple[str, str | None], list[tuple[date, CostRow]]] = defaultdict(list)
    for account_id, day, row in data.day_rows():
        if row.cost is not None and row.dims.service_tier in STANDARD_TIERS:
            by_key[(account_id, row.dims.api_key_id)].append((day, row))
    for (account_id, key_id), pattern in patterns.items():
        if key_id is None or not pattern.total:
            continue
        period = data.observed_days(account_id)
        days = len(pattern.by_day)
        off = pattern.off_hours_share()
        top = pattern.top_hours_share(BATCH_TOP_HOURS)
        cv = pattern.daily_cv()
        if Decimal(days) < BATCH_MIN_DAY_SHARE * period:
            continue
        if off < BATCH_OFF_HOURS_SHARE and not (top >= BATCH_TOP_HOURS_SHARE and cv <= BATCH_MAX_DAILY_CV):
            continue
        provider = data.provider(account_id)
        actual = batch = ZERO
        models: set[str] = set()
        workspaces: set[str | None] = set()
        no_batch: set[str] = set()
        for day, row in by_key[(account_id, key_id)]:
            d = row.dims
            assert row.cost is not None
            priced = prices.cost_as(provider, d, day, row.tokens, service_tier=BATCH_TIER)
            if priced is None:
                no_batch.add(d.model)
                continue
            actual = EXACT.add(actual, row.cost.total)
            batch = EXACT.add(batch, priced.total)
            models.add(d.model)
            workspaces.add(d.workspace_id)
        saved = EXACT.subtract(actual, batch)
        if saved <= 0:
            continue
        level: Level = (
            "high" if off >= Decimal("0.9") and cv <= 0.2 and Decimal(days) >= Decimal("0.8") * period else "medium"
        )
        shape = (
            f"{_pct(off)} of its standard-tier spend falls between 22:00 and 06:00 ({data.zone.key})"
            if off >= BATCH_OFF_HOURS_SHARE
            else f"{_pct(top)} of its standard-tier spend falls in the same {BATCH_TOP_HOURS} hours of the day"
        )
        model = next(iter(models)) if len(models) == 1 else None
        workspace = next(iter(workspaces)) if len(workspaces) == 1 else None
        scope = data.scope(account_id, key_id, workspace, model, null_workspace=len(workspaces) == 1)
        out.append(
            _Draft(
                kind=KIND_BATCH,
                title=f"Send the scheduled work on {_key_label(scope)} through the Batch API (50% off)",
                scope=scope,
                evidence={
                    "off_hours_share": _ratio_out(off),
                    f"top_{BATCH_TOP_HOURS}_hours_share": _ratio_out(top),
                    "busiest_hours": pattern.top_hours(BATCH_TOP_HOURS),
                    "time_zone": data.zone.key,
                    "days_with_usage": days,
                    "period_days": period,
                    "daily_cost_cv": f"{cv:.3f}",
                    "standard_tier_cost": usd(actual),
                    "batch_cost": usd(batch),
                    "models": sorted(models),
                    "models_without_batch_price": sorted(no_batch),
                },
                period_savings=saved,
                confidence=Confidence(
                    level,
                    f"{shape}, on {days} of {period} days (daily spend varies by {cv:.0%}): a scheduled, "
                    "non-interactive pattern. Whether its results can wait up to 24 hours is yours to judge.",
                ),
                method=(
                    "The key's standard-tier rows re-priced at the same model's batch price (the provider's "
                    "batch discount from the catalogue), each UTC day at that day's price; models with no batch "
                    "price are left out. The pattern is the key's spend by hour of day and by day over the "
                    "period. Period savings scaled to 30 days. List prices."
                ),
                actions=(
                    "Submit these requests as a message batch (Anthropic) or a Batch API job (OpenAI); results "
                    "arrive within 24 hours, usually much sooner",
                ),
            )
        )
    return out


# --------------------------------------------------------------------------------------------------
# Long context
# --------------------------------------------------------------------------------------------------


def long_context(data: AdviceData, prices: Prices) -> list[_Draft]:
    """Spend in the 200k-1M context tier and what it costs over the model's base tier."""
    out: list[_Draft] = []
    for key, rows in _priced_by_scope(data).items():
        provider = data.provider(key.account_id)
        actual = base = ZERO
        tokens = 0
        days: set[date] = set()
        for day, row in rows:
            assert row.cost is not None
            if row.dims.context_window != LONG_CONTEXT:
                continue
            short = prices.cost_as(provider, row.dims, day, row.tokens, context_window=SHORT_CONTEXT)
            if short is None:
                continue
            actual = EXACT.add(actual, row.cost.total)
            base = EXACT.add(base, short.total)
            tokens += row.tokens.total_tokens
            days.add(day)
        premium = EXACT.subtract(actual, base)
        if premium <= 0:
            continue
        scope = data.scope_of(key)
        out.append(
            _Draft(
                kind=KIND_LONG_CONTEXT,
                title=f"{_key_label(scope)} pays the long-context premium on {key.model}: "
                f"{_dollars(data.monthly(premium, key.account_id))} a month over base rates",
                scope=scope,
                evidence={
                    "long_context_tokens": tokens,
                    "long_context_cost": usd(actual),
                    "cost_at_base_rates": usd(base),
                    "premium": usd(premium),
                    "days": len(days),
                },
                period_savings=premium,
                confidence=Confidence(
                    "medium",
                    "The premium is exact (the rows are billed in the 200k-1M window); saving it needs prompts "
                    "under 200k tokens, or a model that bills its whole window at base rates.",
                ),
                method=(
                    "Rows in the 200k-1M context window re-priced at the same model's base (0-200k) rates, each "
                    "UTC day at that day's price; the premium is the difference. Period savings scaled to 30 "
                    "days. List prices."
                ),
                actions=(
                    "Keep prompts under 200k tokens: retrieve only the relevant passages, trim history, compact",
                    "Or move these requests to a model that bills its full window at base rates",
                ),
            )
        )
    return out


# --------------------------------------------------------------------------------------------------
# Right-sizing
# --------------------------------------------------------------------------------------------------


def right_sizing(data: AdviceData, prices: Prices) -> list[_Draft]:
    """Models with a cheaper credible peer (``equivalents.json``) on keys whose outputs are small."""
    from shared.insights.whatif import equivalence_map

    peers_map = equivalence_map()
    repricers: dict[tuple[str, str], Repricer] = {}
    out: list[_Draft] = []
    for key, rows in _priced_by_scope(data).items():
        provider = data.provider(key.account_id)
        tokens = sum((r.tokens for _, r in rows), TokenCounts())
        if not tokens.total_tokens or _share(tokens.output, tokens.total_tokens) > SMALL_OUTPUT_SHARE:
            continue
        first_day, first_row = rows[0]
        model_ref = prices.model_ref(provider, first_row.dims, first_day) or key.model
        best: tuple[Decimal, Any, Any, Target] | None = None
        for peer, entry in peers_map.peers(provider, model_ref):
            target = Target(peer.provider, peer.model, peer.model)
            repricer = repricers.get((peer.provider, peer.model))
            if repricer is None:
                repricer = repricers[(peer.provider, peer.model)] = Repricer(prices.catalogue, target)
            result = what_if(repricer, ((key.account_id, d, r) for d, r in rows), {key.account_id: provider})
            (model,) = result.models
            if not model.comparable or not model.compared_actual:
                continue
            saved = EXACT.subtract(model.compared_actual, model.band()[1])
            if saved > 0 and (best is None or saved > best[0]):
                best = (saved, model, entry, target)
        if best is None:
            continue
        saved, model, entry, target = best
        low, expected, high = model.band()
        level: Level = "high" if entry.similarity == "same_model" else "medium"
        doubts = []
        if high > model.compared_actual:
            doubts.append("at the high end of the tokenizer band the peer would cost more")
        if not model.ratio_known or (model.ratio is not None and model.ratio.derived):
            doubts.append("the tokenizer ratio is " + ("unknown" if not model.ratio_known else "derived"))
        if doubts:
            level = _lower(level)
        scope = data.scope_of(key)
        share = _share(tokens.output, tokens.total_tokens)
        out.append(
            _Draft(
                kind=KIND_RIGHT_SIZING,
                title=f"Try {target.label} instead of {key.model} on {_key_label(scope)} (small outputs): "
                f"{_dollars(data.monthly(saved, key.account_id))} a month less",
                scope=scope,
                evidence={
                    "output_share": _ratio_out(share),
                    "actual_cost": usd(model.compared_actual),
                    "target": {"provider": target.provider, "model": target.model},
                    "target_cost": {"low": usd(low), "expected": usd(expected), "high": usd(high)},
                    "peer": {
                        "basis": entry.basis,
                        "similarity": entry.similarity,
                        "evidence": entry.evidence,
                        "caveats": entry.caveats,
                        "sources": [c.url for c in entry.sources],
                    },
                    "tokenizer_known": model.ratio_known,
                    "not_comparable_cost": usd(exact_sum(line.actual for line in model.not_comparable.values())),
                },
                period_savings=saved,
                confidence=Confidence(
                    level,
                    f"{entry.basis.capitalize()} basis ({entry.similarity}): {entry.evidence} Caveats: "
                    f"{entry.caveats}" + (f" Also: {'; '.join(doubts)}." if doubts else ""),
                ),
                method=(
                    f"Outputs are {_pct(share)} of this key's tokens on {key.model} (at most "
                    f"{_pct(SMALL_OUTPUT_SHARE)}: extraction, classification, short answers, work a smaller model "
                    "often does as well). Its usage re-priced on each peer that equivalents.json lists for the "
                    "model (the what-if: each UTC day at the peer's price that day, classes mapped between "
                    "providers, tokens scaled by the tokenizer ratio); the cheapest expected cost is shown. "
                    "Period savings scaled to 30 days. List prices."
                ),
                actions=(
                    f"Run a sample of this key's requests on {target.model} and compare the answers before moving",
                ),
            )
        )
    return out


# --------------------------------------------------------------------------------------------------
# Priority and fast tiers
# --------------------------------------------------------------------------------------------------


def priority_tiers(data: AdviceData, prices: Prices) -> list[_Draft]:
    """Priority tier or fast mode where the standard tier might do: the premium paid over standard rates."""
    out: list[_Draft] = []
    # The premium usage's hours, read only when there is a premium to explain (most tenants pay none).
    off_hours: dict[tuple[str, str | None], _Pattern] | None = None
    for key, rows in _priced_by_scope(data).items():
        provider = data.provider(key.account_id)
        actual = standard = ZERO
        tiers: set[str] = set()
        for day, row in rows:
            assert row.cost is not None
            if not _premium_row(row):
                continue
            plain = prices.cost_as(
                provider, row.dims, day, row.tokens, service_tier=STANDARD_TIER[provider], speed=None
            )
            if plain is None:
                continue
            actual = EXACT.add(actual, row.cost.total)
            standard = EXACT.add(standard, plain.total)
            tiers.add(f"speed {row.dims.speed}" if row.dims.speed == "fast" else f"tier {row.dims.service_tier}")
        premium = EXACT.subtract(actual, standard)
        if premium <= 0:
            continue
        if off_hours is None:
            off_hours = _usage_pattern(data, lambda p: _premium_row(p.row))
        pattern = off_hours.get((key.account_id, key.api_key_id))
        off = pattern.off_hours_share() if pattern is not None else ZERO
        scope = data.scope_of(key)
        what = " and ".join(sorted(tiers))
        out.append(
            _Draft(
                kind=KIND_PRIORITY_TIER,
                title=f"{_key_label(scope)} pays {_dollars(data.monthly(premium, key.account_id))} a month for "
                f"{what} on {key.model}: use the standard tier where latency does not matter",
                scope=scope,
                evidence={
                    "premium_cost": usd(actual),
                    "cost_at_standard": usd(standard),
                    "premium": usd(premium),
                    "off_hours_share": _ratio_out(off),
                    "tiers": sorted(tiers),
                },
                period_savings=premium,
                confidence=Confidence(
                    "medium" if off >= Decimal("0.5") else "low",
                    f"{_pct(off)} of this premium usage runs between 22:00 and 06:00 ({data.zone.key}), when "
                    "latency rarely matters"
                    if off >= Decimal("0.5")
                    else "The premium is exact, but only you know which requests need the faster tier.",
                ),
                method=(
                    "Rows on a priority tier or in fast mode re-priced at the same model's standard tier and "
                    "speed, each UTC day at that day's price; the premium is the difference. Period savings "
                    "scaled to 30 days. List prices."
                ),
                actions=("Send only latency-critical requests on the premium tier; the rest on the standard tier",),
            )
        )
    return out


def _premium_row(row: CostRow) -> bool:
    return row.dims.service_tier in PRIORITY_TIERS or row.dims.speed == "fast"


# --------------------------------------------------------------------------------------------------
# Unpriced models
# --------------------------------------------------------------------------------------------------


def unpriced_models(data: AdviceData, prices: Prices) -> list[_Draft]:
    """Usage with no price: shown as unpriced, never $0; a catalogue price fixes it (a tier with no public price
    stays unpriced: the invoice check shows what was billed)."""
    groups: dict[tuple[str, str], list[tuple[date, CostRow]]] = defaultdict(list)
    for account_id, day, row in data.day_rows():
        if row.cost is None:
            groups[(account_id, row.dims.model)].append((day, row))
    out: list[_Draft] = []
    for (account_id, model), rows in sorted(groups.items()):
        units = sum(r.tokens.total_units for _, r in rows)
        reasons = sorted({r.unpriced_reason or "no price known" for _, r in rows})
        tiers = sorted({r.dims.service_tier for _, r in rows})
        scope = data.scope(account_id, model=model, null_key=False, null_workspace=False)
        tier_only = all(t not in STANDARD_TIERS for t in tiers)
        out.append(
            _Draft(
                kind=KIND_UNPRICED_MODEL,
                title=f"{units} units of {model} have no price: they are left out of every total",
                scope=scope,
                evidence={
                    "units": units,
                    "tokens": sum(r.tokens.total_tokens for _, r in rows),
                    "days": len({d for d, _ in rows}),
                    "service_tiers": tiers,
                    "reasons": reasons,
                },
                period_savings=ZERO,
                confidence=Confidence("high", "These rows have no price: a fact of the catalogue, not an estimate."),
                method="Rows of the period whose cost is unknown (unpriced), counted per model.",
                actions=(
                    (
                        f"The {', '.join(tiers)} tier has no public list price: compare its usage with what the "
                        "invoice check shows billed (TokenMeter does not yet take an organization's own tier rates)"
                    )
                    if tier_only
                    else f"Add {model}'s price: run `make missing-models` to see what the catalogue lacks",
                ),
                always=True,
            )
        )
    return out


# --------------------------------------------------------------------------------------------------
# Idle and unusual keys
# --------------------------------------------------------------------------------------------------


def idle_keys(data: AdviceData, prices: Prices) -> list[_Draft]:
    """API keys the provider lists that had no usage in the period: revoke what nobody uses."""
    out: list[_Draft] = []
    used: dict[str, set[str | None]] = defaultdict(set)
    for account_id, _, row in data.day_rows():
        used[account_id].add(row.dims.api_key_id)
    for account_id in sorted(data.accounts):
        names = data.names.get(account_id)
        if names is None:
            continue
        seen: dict[str, date] = {}
        for month, row in data.before.get(account_id, ()):
            if row.dims.api_key_id is not None:
                seen[row.dims.api_key_id] = max(month, seen.get(row.dims.api_key_id, month))
        for key_id in sorted(set(names.api_keys) - used[account_id]):
            scope = data.scope(account_id, key_id, null_workspace=False)
            last = seen.get(key_id)
            when = f"since {last:%Y-%m}" if last is not None else f"from {data.first} to {data.last}"
            checked = ", ".join(f"{m:%Y-%m}" for m in data.before_months) or "none"
            out.append(
                _Draft(
                    kind=KIND_IDLE_KEY,
                    title=f"{_key_label(scope)} has no usage {when}: revoke it if nobody needs it",
                    scope=scope,
                    evidence={
                        "period": {"from": data.first.isoformat(), "to": data.last.isoformat()},
                        "last_used_month": f"{last:%Y-%m}" if last is not None else None,
                        "months_checked_before": [f"{m:%Y-%m}" for m in data.before_months],
                    },
                    period_savings=ZERO,
                    confidence=Confidence(
                        "medium" if last is not None else "low",
                        f"It was used in {last:%Y-%m} and not since: an unused credential is risk without value."
                        if last is not None
                        else f"No usage in the period or in the months checked before it ({checked}). The provider "
                        "lists the key but usage data does not say whether it is new or already disabled.",
                    ),
                    method=(
                        "Keys the provider's key list names, with no usage row in the period; the month rollups "
                        "before the period say when a key was last used."
                    ),
                    actions=("Revoke the key in the provider's console, or note who still needs it",),
                    always=True,
                )
            )
    return out


@dataclass
class _Newcomer:
    first_seen: date
    workspaces: set[str | None] = field(default_factory=set)
    geos: set[str] = field(default_factory=set)
    spend: Decimal = ZERO
    tokens: int = 0
    new_key: bool = False


def unusual_keys(data: AdviceData, prices: Prices) -> list[_Draft]:
    """Keys whose usage appears from a workspace or a geography new to the account (or new to the key): a
    leaked key is often used from somewhere else. Look at it."""
    out: list[_Draft] = []
    for account_id in sorted(data.accounts):
        window = sorted(
            ((day, row) for (acc, day), rows in data.days.items() if acc == account_id for row in rows),
            key=lambda dr: dr[0],
        )
        if not window:
            continue
        # The baseline: the months before the period when they have usage, else the account's first days in it.
        earlier = [row for _, row in data.before.get(account_id, ())]
        baseline_end = window[0][0].toordinal() + (0 if earlier else BASELINE_DAYS)
        baseline = earlier or [row for day, row in window if day.toordinal() < baseline_end]
        if window[-1][0].toordinal() < baseline_end:
            continue  # nothing after the baseline days
        workspaces = {r.dims.workspace_id for r in baseline}
        geos = {_geo(r.dims.inference_geo) for r in baseline}
        keys = {r.dims.api_key_id for r in baseline}
        key_places = {(r.dims.api_key_id, r.dims.workspace_id, _geo(r.dims.inference_geo)) for r in baseline}
        found: dict[str | None, _Newcomer] = {}
        for day, row in window:
            if day.toordinal() < baseline_end:
                continue
            d = row.dims
            geo = _geo(d.inference_geo)
            new_workspace = d.workspace_id not in workspaces
            new_geo = geo not in geos
            moved = d.api_key_id in keys and (d.api_key_id, d.workspace_id, geo) not in key_places
            if not (new_workspace or new_geo or moved):
                continue
            item = found.setdefault(d.api_key_id, _Newcomer(day, new_key=d.api_key_id not in keys))
            item.first_seen = min(item.first_seen, day)
            if new_workspace or moved:
                item.workspaces.add(d.workspace_id)
            if new_geo or moved:
                item.geos.add(geo)
            item.tokens += row.tokens.total_tokens
            if row.cost is not None:
                item.spend = EXACT.add(item.spend, row.cost.total)
        for key_id, item in sorted(found.items(), key=lambda kv: kv[1].first_seen):
            if item.spend < MIN_MONTHLY_SAVINGS and not item.tokens:
                continue
            workspace = next(iter(item.workspaces)) if len(item.workspaces) == 1 else None
            scope = data.scope(account_id, key_id, workspace, null_workspace=len(item.workspaces) == 1)
            places = [f"workspace '{data.scope(account_id, None, w).workspace_name}'" for w in item.workspaces]
            places += [f"geography {g}" for g in sorted(item.geos)]
            days_since = (data.last - item.first_seen).days + 1
            monthly = EXACT.divide(EXACT.multiply(item.spend, Decimal(30)), Decimal(days_since))
            out.append(
                _Draft(
                    kind=KIND_UNUSUAL_KEY,
                    title=f"{_key_label(scope)} started spending from {' and '.join(places)} on "
                    f"{item.first_seen}: check that it is yours",
                    scope=scope,
                    evidence={
                        "first_seen": item.first_seen.isoformat(),
                        "new_key": item.new_key,
                        "workspaces": sorted(w or "default" for w in item.workspaces),
                        "geos": sorted(item.geos),
                        "spend_since": usd(item.spend),
                        "tokens_since": item.tokens,
                        "baseline": "the months before the period and the account's first "
                        f"{BASELINE_DAYS} days with usage in it",
                    },
                    period_savings=item.spend,
                    monthly_override=monthly,
                    confidence=Confidence(
                        "low",
                        "A new workspace or geography is often legitimate (a new team, data residency); the "
                        "saving is real only if this usage is not yours.",
                    ),
                    method=(
                        "Usage from a workspace or an inference geography the account had not used before (the "
                        "months before the period and its first days in it), or from one a known key had not "
                        "used; the monthly figure is the spend since it appeared, scaled to 30 days: what "
                        "revoking the key would stop if the usage is not yours."
                    ),
                    actions=("Check who created the key and the workspace; if nobody did, revoke the key now",),
                    always=True,
                )
            )
    return out


def _geo(geo: str | None) -> str:
    return "global" if geo in NO_GEO else str(geo)


# --------------------------------------------------------------------------------------------------

RULES: tuple[Callable[[AdviceData, Prices], list[_Draft]], ...] = (
    prompt_caching,
    cache_duration,
    batch_candidates,
    long_context,
    right_sizing,
    priority_tiers,
    unpriced_models,
    idle_keys,
    unusual_keys,
)


def advise(
    data: AdviceData, prices: Prices, rules: Sequence[Callable[[AdviceData, Prices], list[_Draft]]] = RULES
) -> list[Advice]:
    """Every rule's recommendations worth showing, by monthly savings (highest first)."""
    found = [a for rule in rules for draft in rule(data, prices) if (a := draft.build(data)) is not None]
    return sorted(found, key=lambda a: (-a.monthly_savings, _KIND_ORDER.index(a.kind), a.title))


_KIND_ORDER = (
    KIND_UNUSUAL_KEY,
    KIND_BATCH,
    KIND_PROMPT_CACHING,
    KIND_RIGHT_SIZING,
    KIND_LONG_CONTEXT,
    KIND_CACHE_DURATION,
    KIND_PRIORITY_TIER,
    KIND_UNPRICED_MODEL,
    KIND_IDLE_KEY,
)
"""Ties in savings (the dollar-less kinds) are shown in this order: what to look at first."""
