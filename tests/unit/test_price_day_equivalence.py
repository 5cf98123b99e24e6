"""`price_day` gives exactly what pricing every hour and summing gives (the original definition of a priced
day), down to the text of every stored Decimal, and the ingest decoders and encoders keep their bytes.

The reference below is how a day was priced before pricing learnt to price a grouping's day at once: each
hour's rows priced (`price_bucket`), summed per grouping (`sum_rows`), their hours listed (`hours_of`) and the
hourly spend summed from the hours' priced rows. Stored text is compared (`pack_cost_rows`,
`row_hours_to_text`, `pack_recent`), not only values: Decimal('1.50') equals Decimal('1.5') but is stored
differently.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bench.ingest import MODELS
from local.anthropic_sim import AnthropicSimulator, SimOrganization, UsageProfile
from shared.adapters import codec
from shared.domain.billed import BilledCost
from shared.domain.money import EXACT, ZERO
from shared.domain.priced import (
    CostRow,
    HourSpend,
    PricedDay,
    PricedMonth,
    RowHours,
    month_of,
    pricing_rows,
    roll_month,
    row_key,
    sum_rows,
)
from shared.domain.usage import QUANTITY_FIELDS, Dimensions, TokenCounts, UsageBucket, UsageDay, UsageRow, utc_hour
from shared.pricing import Catalogue, PriceQuote, Rates, default_catalogue
from shared.pricing.costing import price_bucket, price_day
from shared.providers.anthropic import parse_cost_result, parse_usage_result

NOW = datetime(2026, 11, 20, 14, 25, tzinfo=UTC)


def hours_of(rows: Sequence[CostRow], hours: Iterable[tuple[int, Sequence[CostRow]]]) -> list[RowHours]:
    """The old path's row hours (the code no longer needs it): for each of a day's summed ``rows``, its
    quantities per hour, from the (hour, rows) it was summed from."""
    index = {row_key(row): i for i, row in enumerate(rows)}
    per_row: list[dict[int, TokenCounts]] = [{} for _ in rows]
    for h, hour_rows in sorted(hours, key=lambda x: x[0]):
        for r in hour_rows:
            slot = per_row[index[row_key(r)]]
            slot[h] = slot[h] + r.tokens if h in slot else r.tokens
    return [tuple(slot.items()) for slot in per_row]


def reference_spend(hours: Sequence[tuple[int, Sequence[CostRow]]]) -> dict[int, HourSpend]:
    """The hourly spend as it was summed from each hour's priced rows."""
    keys: dict[int, dict[str, Decimal]] = {}
    models: dict[int, dict[str, Decimal]] = {}
    for hour, rows in hours:
        for row in rows:
            if row.cost is None:
                continue
            total = ZERO
            for value in row.cost.values():
                if value:
                    total = EXACT.add(total, value)
            by_key = keys.setdefault(hour, {})
            by_model = models.setdefault(hour, {})
            key = row.dims.api_key_id or ""
            by_key[key] = EXACT.add(by_key.get(key, ZERO), total)
            by_model[row.dims.model] = EXACT.add(by_model.get(row.dims.model, ZERO), total)
    return {h: HourSpend(keys[h], models[h]) for h in sorted(keys)}


def reference_price_day(provider: str, usage: UsageDay, catalogue: Catalogue) -> PricedDay:
    quotes: dict[tuple[str | None, ...], tuple[PriceQuote, str]] = {}
    hours = [(h, price_bucket(provider, usage.hours[h], catalogue, quotes)) for h in sorted(usage.hours)]
    rows = sum_rows(r for _, hour_rows in hours for r in hour_rows)
    return PricedDay(
        account_id=usage.account_id,
        day=usage.day,
        catalogue_version=catalogue.version,
        source_hash=usage.content_hash(),
        hours_collected=len(usage.hours),
        rows=tuple(rows),
        row_hours=tuple(hours_of(rows, hours)),
        hour_spend=reference_spend(hours),
    )


def stored(day: PricedDay) -> tuple[Any, ...]:
    """Everything a priced day stores or hands on, as text (Decimals by ``str``, in order)."""
    assert day.hour_spend is not None
    spend = {
        h: ([(k, str(v)) for k, v in s.by_key.items()], [(m, str(v)) for m, v in s.by_model.items()])
        for h, s in day.hour_spend.items()
    }
    costs = [None if r.cost is None else [str(v) for v in r.cost.values()] for r in day.rows]
    return (
        codec.pack_cost_rows(day.rows),
        codec.row_hours_to_text(day.row_hours),
        codec.pack_recent({day.day: day.hour_spend}),
        costs,
        [(r.dims, r.tokens, r.price_ref, r.unpriced_reason) for r in day.rows],
        list(day.row_hours),
        spend,
        day.source_hash,
        day.hours_collected,
    )


def simulated_days(profile: UsageProfile, days: int) -> list[UsageDay]:
    """``days`` whole UTC days of the simulator's usage, read as the collector reads them."""
    sim = AnthropicSimulator(now=lambda: NOW)
    sim.add_organization(SimOrganization(id="org", name="Org", admin_keys=["k"], profile=profile))
    first = utc_hour(NOW).replace(hour=0) - timedelta(days=days)
    out = []
    for d in range(days):
        start = first + timedelta(days=d)
        buckets = {}
        for h in range(24):
            hour = start + timedelta(hours=h)
            buckets[h] = UsageBucket(hour, tuple(parse_usage_result(hour, r) for r in sim.usage_rows("org", hour)))
        out.append(UsageDay("acc_1", start.date(), buckets))
    return out


BENCH_PROFILE = UsageProfile(seed=2026, api_keys=20, workspaces=3, models=MODELS, combos_per_hour=50)
MIXED_PROFILE = UsageProfile(
    seed=7, api_keys=6, workspaces=2, models=MODELS, combos_per_hour=20, priority_share=0.2, fast_share=0.3
)


@pytest.mark.parametrize("profile", [BENCH_PROFILE, MIXED_PROFILE], ids=["bench", "priority-and-fast"])
def test_a_simulated_day_prices_as_its_hours_summed(profile: UsageProfile) -> None:
    catalogue = default_catalogue()
    for usage in simulated_days(profile, 3):
        assert stored(price_day("anthropic", usage, catalogue)) == stored(
            reference_price_day("anthropic", usage, catalogue)
        )


def _digest(parts: Sequence[Any]) -> str:
    h = hashlib.sha256()
    for part in parts:
        h.update(part if isinstance(part, bytes) else repr(part).encode())
    return h.hexdigest()[:24]


def test_simulated_days_store_the_bytes_they_always_stored() -> None:
    """A digest of what a week of the bench organization stores, raw and priced, recorded before pricing
    and the codecs were made faster: any change to a stored byte or Decimal's text changes it."""
    catalogue = default_catalogue()
    parts: list[Any] = []
    for usage in simulated_days(BENCH_PROFILE, 7):
        doc = {"hours": {}}
        for h, bucket in usage.hours.items():
            field = codec.usage_hour_field(bucket, NOW)
            parts += [field["hash"], field["rows"]]
            doc["hours"][f"{h:02d}"] = field
        read = codec.usage_day_from_doc(usage.account_id, usage.day, doc)
        assert {h: b.rows for h, b in read.hours.items()} == {h: b.rows for h, b in usage.hours.items()}
        priced = price_day("anthropic", read, catalogue)
        parts += stored(priced)
        assert codec.row_hours_from_text(codec.row_hours_to_text(priced.row_hours)) == tuple(priced.row_hours)
    assert _digest(parts) == GOLDEN


GOLDEN = "b18810978b39dcb6ab5cf4fc"


# -- edge cases: rates with odd exponents, zero rates, classes without a rate, unpriced models ----------

_RATES = st.sampled_from(
    [Decimal("3"), Decimal("0.30"), Decimal("3.750"), Decimal("0"), Decimal("1E+7"), Decimal("15.00"), Decimal("0.1")]
)


class ChosenRates:
    """A catalogue that prices each model with rates drawn by the test (None: no price at all)."""

    version = "chosen"

    def __init__(self, rates: Mapping[str, Rates | None]):
        self._rates = rates
        self.asked: list[tuple[str, datetime]] = []

    def quote(self, provider: str, dims: Dimensions, used_at: datetime) -> PriceQuote:
        self.asked.append((dims.model, used_at))
        rates = self._rates[dims.model]
        if rates is None:
            return PriceQuote(None, self.version, unpriced_reason=f"no price for {dims.model}")
        return PriceQuote(rates, self.version, model_ref=dims.model, modifiers=("x1",))


@st.composite
def rates(draw: st.DrawFn) -> Rates | None:
    if draw(st.integers(0, 5)) == 0:
        return None
    text = [draw(_RATES) for _ in range(5)]
    web = draw(st.one_of(st.none(), _RATES))
    audio = draw(st.one_of(st.none(), _RATES))
    seconds = draw(st.one_of(st.none(), _RATES))
    return Rates(*text, web_search=web, input_audio=audio, audio_seconds=seconds)


_COUNT = st.one_of(st.just(0), st.integers(1, 5), st.integers(0, 10**12))


@st.composite
def usage_days(draw: st.DrawFn) -> tuple[UsageDay, dict[str, Rates | None]]:
    models = ["m1", "m2", "m3"]
    prices = {m: draw(rates()) for m in models}
    day = date(2026, 11, 3)
    start = datetime(2026, 11, 3, tzinfo=UTC)
    hours: dict[int, UsageBucket] = {}
    for h in sorted(draw(st.sets(st.integers(0, 23), max_size=6))):
        hour = start + timedelta(hours=h)
        rows = []
        for _ in range(draw(st.integers(0, 5))):
            dims = Dimensions(draw(st.sampled_from(models)), draw(st.sampled_from([None, "k1", "k2"])))
            counts = {name: draw(_COUNT) for name in QUANTITY_FIELDS[:6]}
            if draw(st.integers(0, 6)) == 0:
                counts["input_audio"] = draw(_COUNT)
            if draw(st.integers(0, 8)) == 0:
                counts["audio_seconds"] = draw(_COUNT)
            rows.append(UsageRow(hour, dims, TokenCounts(**counts)))
        hours[h] = UsageBucket(hour, tuple(rows))
    return UsageDay("acc_1", day, hours), prices


@settings(max_examples=400, deadline=None)
@given(usage_days())
def test_any_day_prices_as_its_hours_summed(case: tuple[UsageDay, dict[str, Rates | None]]) -> None:
    usage, prices = case
    new, old = ChosenRates(prices), ChosenRates(prices)
    assert stored(price_day("anthropic", usage, new)) == stored(reference_price_day("anthropic", usage, old))
    assert new.asked == old.asked  # the same quotes, asked at the same hours


# -- the provider parser still refuses what it refused -------------------------------------------------

HOUR = datetime(2026, 11, 3, 7, tzinfo=UTC)
GOOD = {
    "model": "claude-opus-4-6",
    "api_key_id": "apikey_1",
    "workspace_id": None,
    "service_tier": "standard",
    "uncached_input_tokens": 10,
    "cache_creation": {"ephemeral_5m_input_tokens": 2, "ephemeral_1h_input_tokens": 0},
    "cache_read_input_tokens": 3,
    "output_tokens": 4,
    "server_tool_use": {"web_search_requests": 1},
}


@pytest.mark.parametrize("bad", [-1, True, 1.5, "12", [1]])
@pytest.mark.parametrize(
    "where",
    [
        ("uncached_input_tokens",),
        ("cache_creation", "ephemeral_1h_input_tokens"),
        ("output_tokens",),
        ("server_tool_use", "web_search_requests"),
    ],
)
def test_the_parser_refuses_a_bad_count_with_its_error(bad: object, where: tuple[str, ...]) -> None:
    result: dict[str, Any] = {**GOOD, "cache_creation": dict(GOOD["cache_creation"])}
    result["server_tool_use"] = dict(GOOD["server_tool_use"])
    if len(where) == 1:
        result[where[0]] = bad
    else:
        result[where[0]][where[1]] = bad
    with pytest.raises(ValueError, match=f"^expected a count, got {re.escape(repr(bad))}$"):
        parse_usage_result(HOUR, result)


def test_the_parser_reads_null_and_missing_counts_as_zero() -> None:
    row = parse_usage_result(HOUR, {"model": None, "output_tokens": None, "cache_creation": None})
    assert row == UsageRow(HOUR, Dimensions("unknown"), TokenCounts())
    assert parse_usage_result(HOUR, GOOD) == UsageRow(
        HOUR, Dimensions("claude-opus-4-6", "apikey_1"), TokenCounts(10, 2, 0, 3, 4, 1)
    )


@given(st.lists(st.integers(0, 10**15), min_size=0, max_size=len(QUANTITY_FIELDS)))
def test_counts_built_unchecked_equal_counts_built_checked(values: list[int]) -> None:
    unchecked = TokenCounts.of(values)
    assert unchecked == TokenCounts(*values)
    assert hash(unchecked) == hash(TokenCounts(*values))
    assert unchecked + unchecked == TokenCounts(*[2 * v for v in values])
    with pytest.raises(ValueError, match="must be a non-negative integer"):
        TokenCounts(*values, -1) if len(values) < len(QUANTITY_FIELDS) else TokenCounts(-1)


def test_a_simulated_month_stores_the_bytes_it_always_stored() -> None:
    """The month rollup of those days (each rolled in, then one priced again and rolled over its old self):
    a digest recorded before sum_rows and pricing_rows were made faster."""
    catalogue = default_catalogue()
    days = [price_day("anthropic", usage, catalogue) for usage in simulated_days(MIXED_PROFILE, 6)]
    month: PricedMonth | None = None
    parts: list[Any] = []
    for day in days:
        month = roll_month(month if month is not None and month.month == month_of(day.day) else None, "a", None, day)
        parts.append(codec.priced_month_to_doc("t", month, NOW))
    assert month is not None
    again = replace(days[-2], source_hash="again")
    month = roll_month(month, "a", days[-2], again)
    parts.append(codec.priced_month_to_doc("t", month, NOW))
    parts.append(codec.pack_cost_rows(pricing_rows(r for d in days for r in d.rows)))
    assert _digest(parts) == GOLDEN_MONTH


GOLDEN_MONTH = "f9dd4f79318d409621ebb89f"


COST = {
    "currency": "USD",
    "amount": "1234.5",
    "workspace_id": "wrkspc_1",
    "model": "claude-opus-4-6",
    "token_type": "cache_creation.ephemeral_5m_input_tokens",
    "cost_type": "tokens",
    "service_tier": "standard",
    "context_window": "0-200k",
    "inference_geo": None,
    "description": "Claude Opus 4.6 Usage - Input Tokens, Cache Write",
}


def test_a_cost_result_becomes_a_billed_line() -> None:
    line = parse_cost_result(date(2026, 11, 3), COST)
    assert line == BilledCost(
        date(2026, 11, 3),
        "wrkspc_1",
        "claude-opus-4-6",
        "cache_creation.ephemeral_5m_input_tokens",
        "tokens",
        "standard",
        "0-200k",
        None,
        "Claude Opus 4.6 Usage - Input Tokens, Cache Write",
        Decimal("12.345"),
        "cache_write_5m",
    )
    assert str(line.amount_usd) == "12.345"
    assert parse_cost_result(date(2026, 11, 3), {"amount": "7", "cost_type": "web_search"}).cost_class == "web_search"


@pytest.mark.parametrize("name", ["workspace_id", "model", "cost_type", "inference_geo"])
def test_a_cost_result_with_a_text_field_not_text_is_refused_naming_the_first(name: str) -> None:
    with pytest.raises(ValueError, match=f"^{name} must be a string or null, got 5$"):
        parse_cost_result(date(2026, 11, 3), {**COST, name: 5, "description": 6})


# -- encoders against their former selves, on any quantities (the simulator's rows have no audio) -------


def former_pack_usage_rows(rows: Sequence[UsageRow]) -> bytes:
    table = [[*codec._dims_cells(r.dims), *r.tokens.values()] for r in rows]
    n_dims = len(codec.DIMENSIONS)
    optional = list(range(n_dims + 6, n_dims + len(QUANTITY_FIELDS)))
    columns = list(codec._USAGE_COLUMNS)
    keep = [i for i in range(len(columns)) if i not in set(optional)]
    keep = sorted([*keep, *(i for i in optional if any(row[i] for row in table))])
    if len(keep) != len(columns):
        columns, table = [columns[i] for i in keep], [[row[i] for i in keep] for row in table]
    return codec._pack(columns, table)


def former_content_hash(bucket: UsageBucket) -> str:
    parts = sorted(r.dims.key() + "#" + ",".join(map(str, r.tokens.values())) for r in bucket.rows)
    digest = hashlib.sha256(bucket.hour_start.strftime("%Y-%m-%dT%H").encode())
    for p in parts:
        digest.update(b"\n" + p.encode())
    return digest.hexdigest()[:32]


def former_hour_text(hour: int, t: TokenCounts) -> str:
    values = [str(v) if v else "" for v in t.values()]
    while values and not values[-1]:
        values.pop()
    return f"{hour}:" + ",".join(values)


_ANY_COUNTS = st.lists(st.one_of(st.just(0), st.integers(0, 10**9)), min_size=18, max_size=18).map(
    lambda values: TokenCounts(*values)
)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["m1", "m2"]), st.sampled_from([None, "k1", "k|2"]), _ANY_COUNTS)))
def test_raw_rows_encode_as_they_did(rows: list[tuple[str, str | None, TokenCounts]]) -> None:
    usage = tuple(UsageRow(HOUR, Dimensions(model, key), tokens) for model, key, tokens in rows)
    bucket = UsageBucket(HOUR, usage)
    assert codec.pack_usage_rows(usage) == former_pack_usage_rows(usage)
    assert bucket.content_hash() == former_content_hash(bucket)
    assert codec.unpack_usage_rows(HOUR, codec.pack_usage_rows(usage)) == usage
    for h, (_, _, tokens) in enumerate(rows):
        assert codec._hour_text(h, tokens) == former_hour_text(h, tokens)
