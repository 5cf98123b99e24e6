"""The month rollups' recent hourly spend (what the hourly spike check reads) and the whole settled days a
partial month answers from its daily table: the same figures as reading priced days, from fewer documents."""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from shared.adapters import codec
from shared.domain.money import EXACT, ZERO
from shared.domain.priced import RECENT_DAYS, PricedMonth, build_month, hourly_spend, month_of
from shared.domain.usage import Dimensions, TokenCounts, UsageBucket, UsageRow
from shared.ledger import Ledger, Query
from shared.pricing import PriceQuote, Rates
from shared.services.costing import CostingService
from tests.fakes import FakeClock, FakeLedger

T = "t1"
ACCOUNTS = ("a1", "a2")
FIRST = date(2026, 10, 20)
NOW = datetime(2026, 11, 14, 10, 30, tzinfo=UTC)  # 25 days after FIRST: the window crosses a month


class Catalogue:
    """Rates that differ per model so sums are not all round; 'mystery' has no price."""

    version = "t-1"

    def quote(self, provider: str, dims: Dimensions, used_at: datetime) -> PriceQuote:
        if dims.model == "mystery":
            return PriceQuote(None, self.version, unpriced_reason="no price known for model mystery")
        rate = Decimal("3") if dims.model == "m1" else Decimal("0.7")
        return PriceQuote(Rates(rate, rate, rate, rate, rate * 5), self.version, model_ref=dims.model)


def world(seed: int = 7, now: datetime = NOW) -> tuple[FakeLedger, CostingService]:
    """Two accounts, every hour from FIRST to NOW, three keys (one none: the Console), three models."""
    rng = random.Random(seed)
    ledger = FakeLedger()
    costing = CostingService(ledger, Catalogue())  # type: ignore[arg-type]
    start = datetime(FIRST.year, FIRST.month, FIRST.day, tzinfo=UTC)
    for account in ACCOUNTS:
        buckets = []
        hour = start
        while hour < now:
            rows = tuple(
                UsageRow(
                    hour,
                    Dimensions(model, key, "ws1"),
                    TokenCounts(
                        uncached_input=rng.randint(1, 90_000),
                        cache_read=rng.randint(0, 5_000),
                        output=rng.randint(0, 9_000),
                    ),
                )
                for key in ("k1", "k2", None)
                for model in ("m1", "m2", "mystery")
                if rng.random() < 0.6
            )
            buckets.append(UsageBucket(hour, rows))
            hour += timedelta(hours=1)
        ledger.write_buckets(T, account, buckets)
        days = sorted({b.hour_start.date() for b in buckets})
        rng.shuffle(days)  # costing sees days in any order (messages arrive out of order)
        for i in range(0, len(days), 4):
            costing.price_days(T, account, "anthropic", days[i : i + 4])
    return ledger, costing


def by_hour_from_priced_days(
    ledger: FakeLedger, start: datetime, end: datetime, now: datetime = NOW
) -> dict[tuple[str, datetime, str, str], Decimal]:
    """The reference: priced days read and cut on the hour by the ledger's general path."""
    reading = Ledger(ledger, T, FakeClock(now)).read(
        Query(ACCOUNTS, start, end, "hour", dims=frozenset({"model", "api_key_id"}))
    )
    out: dict[tuple[str, datetime, str, str], Decimal] = defaultdict(lambda: ZERO)
    for piece in reading.pieces:
        if piece.row.cost is None:
            continue
        assert isinstance(piece.period, datetime)
        key = (piece.account_id, piece.period, "key", piece.row.dims.api_key_id or "")
        out[key] = EXACT.add(out[key], piece.row.cost.total)
        key = (piece.account_id, piece.period, "model", piece.row.dims.model)
        out[key] = EXACT.add(out[key], piece.row.cost.total)
    return dict(out)


def flatten(spend: dict[tuple[str, datetime], object]) -> dict[tuple[str, datetime, str, str], Decimal]:
    out: dict[tuple[str, datetime, str, str], Decimal] = {}
    for (account, hour), s in spend.items():
        out.update({(account, hour, "key", k): v for k, v in s.by_key.items()})  # type: ignore[attr-defined]
        out.update({(account, hour, "model", m): v for m, v in s.by_model.items()})  # type: ignore[attr-defined]
    return out


def test_a_rollup_keeps_the_hourly_spend_of_its_newest_ten_days_whatever_the_order_days_come_in() -> None:
    ledger, _ = world()
    for account in ACCOUNTS:
        for month in (date(2026, 10, 1), date(2026, 11, 1)):
            rolled = ledger.months[(T, account, month)]
            days = [d for d in ledger.priced_days(T, account) if month_of(d.day) == month]
            newest = max(d.day for d in days)
            # Pricing sums each hour's priced rows; a stored day (no hour_spend) is cut on the hour: the same.
            assert all(d.hour_spend is not None for d in days)
            expected = {
                d.day: hourly_spend(replace(d, hour_spend=None))
                for d in days
                if d.day > newest - timedelta(days=RECENT_DAYS)
            }
            assert rolled.recent == expected and len(expected) == min(RECENT_DAYS, len(days))
            assert build_month(account, month, days) == rolled  # rebuilt from its days: the same rollup
            assert codec.priced_month_from_doc(codec.priced_month_to_doc(T, rolled, NOW)) == rolled


def test_hourly_spend_equals_the_priced_days_cut_on_the_hour_from_one_rollup_per_month() -> None:
    ledger, _ = world()
    start, end = NOW.replace(minute=0) - timedelta(hours=215), NOW.replace(minute=0) + timedelta(hours=1)
    reading = Ledger(ledger, T, FakeClock(NOW)).hourly_spend(ACCOUNTS, start, end)
    reference = by_hour_from_priced_days(ledger, start, end)
    assert flatten(reading.spend) == reference and len(reference) > 1_500
    assert reading.missing_days == {}
    assert reading.documents_read == len(ACCOUNTS)  # nine days, all in November: one rollup per account
    # Early in a month the window reaches into the month before: its rollup holds its own last days.
    now = datetime(2026, 11, 3, 10, 30, tzinfo=UTC)
    ledger, _ = world(now=now)
    start, end = now.replace(minute=0) - timedelta(hours=215), now.replace(minute=0) + timedelta(hours=1)
    reading = Ledger(ledger, T, FakeClock(now)).hourly_spend(ACCOUNTS, start, end)
    assert flatten(reading.spend) == by_hour_from_priced_days(ledger, start, end, now)
    assert start.month == 10 and reading.documents_read == 2 * len(ACCOUNTS)


def test_days_a_rollup_does_not_keep_recent_are_read_from_their_priced_days() -> None:
    ledger, _ = world()
    for key, month in list(ledger.months.items()):
        ledger.months[key] = replace(month, recent={})  # as written before rollups kept recent hours
    start, end = datetime(2026, 11, 10, tzinfo=UTC), datetime(2026, 11, 12, 7, tzinfo=UTC)
    reading = Ledger(ledger, T, FakeClock(NOW)).hourly_spend(["a1", "a2", "never-collected"], start, end)
    assert flatten(reading.spend) == by_hour_from_priced_days(ledger, start, end)
    assert reading.documents_read == 3 + 2 * 3  # the rollups (one missing), then three priced days each
    assert reading.missing_days == {"never-collected": [date(2026, 11, d) for d in (10, 11, 12)]}


def test_whole_settled_days_of_a_partial_month_come_from_its_daily_table() -> None:
    ledger, _ = world()
    first, last = date(2026, 10, 26), date(2026, 11, 13)  # six October days, thirteen November ones
    ledger_ = Ledger(ledger, T, FakeClock(NOW))
    by_model = ledger_.read(Query.local_days(ACCOUNTS, first, last, grain="day", dims=["model"]))
    # api_key_id is not in the daily table: the same question by key reads every priced day.
    by_key = Ledger(ledger, T, FakeClock(NOW)).read(
        Query.local_days(ACCOUNTS, first, last, grain="day", dims=["model", "api_key_id"])
    )

    def totals(pieces: list) -> dict[tuple[object, str], Decimal]:  # type: ignore[type-arg]
        out: dict[tuple[object, str], Decimal] = defaultdict(lambda: ZERO)
        for p in pieces:
            if p.row.cost is not None:
                out[(p.period, p.row.dims.model)] = EXACT.add(out[(p.period, p.row.dims.model)], p.row.cost.total)
        return dict(out)

    assert totals(by_model.pieces) == totals(by_key.pieces)
    assert by_model.provisional.cost.total == by_key.provisional.cost.total > 0
    assert by_key.documents_read == 2 * 19
    # Per account: October's and November's rollups, and the two days within 48 hours of now (Nov 12, 13).
    assert by_model.documents_read == 2 * (2 + 2)
    total = Ledger(ledger, T, FakeClock(NOW)).read(Query.local_days(ACCOUNTS, first, last, dims=["model"]))
    assert total.total_cost == by_key.total_cost and total.documents_read == 2 * (2 + 2)


def test_a_rollup_without_a_day_reports_it_missing() -> None:
    ledger, _ = world()
    month: PricedMonth = ledger.months[(T, "a1", date(2026, 11, 1))]
    gone = date(2026, 11, 5)
    ledger.months[(T, "a1", date(2026, 11, 1))] = replace(
        month,
        days={d: v for d, v in month.days.items() if d != gone},
        daily={d: r for d, r in month.daily.items() if d != gone},
    )
    reading = Ledger(ledger, T, FakeClock(NOW)).read(
        Query.local_days(["a1"], date(2026, 11, 3), date(2026, 11, 8), grain="day")
    )
    assert reading.missing_days == {"a1": [gone]}
    assert {p.period for p in reading.pieces} == {date(2026, 11, d) for d in (3, 4, 6, 7, 8)}


def test_summing_rows_column_by_column_equals_adding_them_pairwise() -> None:
    """`sum_rows` sums a grouping's rows in one pass; the result is the pairwise sum's, digit for digit."""
    from shared.domain.priced import CostRow, add_rows, row_key, sum_rows
    from shared.pricing import CostBreakdown

    rng = random.Random(3)
    rows = []
    for _ in range(2_000):
        dims = Dimensions(rng.choice(["m1", "m2"]), rng.choice(["k1", None]), rng.choice(["ws1", None]))
        tokens = TokenCounts(uncached_input=rng.randint(0, 10**7), output=rng.randint(0, 10**5))
        priced = rng.random() < 0.9
        cost = CostBreakdown(Decimal(rng.randint(0, 10**9)).scaleb(-rng.randint(0, 12)), Decimal("0.0000050"))
        rows.append(CostRow(dims, tokens, cost if priced else None, "ref", None if priced else "no price"))
    pairwise: dict[object, CostRow] = {}
    for row in rows:
        key = row_key(row)
        pairwise[key] = add_rows(pairwise[key], row) if key in pairwise else row
    summed = sum_rows(rows)
    assert sorted(map(repr, summed)) == sorted(map(repr, pairwise.values())) and len(summed) == len(pairwise)
