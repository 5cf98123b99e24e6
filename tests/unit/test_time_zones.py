"""Days cut in the tenant's time zone from priced days (per-hour quantities), across DST; provisional share."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shared.domain.accounts import STATUS_CONNECTED, Account
from shared.domain.priced import cut_day
from shared.domain.settings import TenantSettings
from shared.domain.usage import COST_CLASSES, Dimensions, TokenCounts, UsageBucket, UsageDay, UsageRow
from shared.pricing import CostBreakdown, PriceQuote, Rates
from shared.pricing.costing import price_bucket, price_day
from shared.services.costing import CostingService
from shared.services.usage_query import UsageQuery, UsageQueryService
from tests.fakes import FakeAccountStore, FakeClock, FakeLedger, FakeSettingsStore
from tests.unit.conftest import World

ACC = "acc_0000000000000001"


class DollarPerHourCatalogue:
    """$1 per million tokens on every class, $0.01 per web search: an hour of 1M output tokens costs $1."""

    version = "flat"

    def quote(self, provider: str, dims: Dimensions, used_at: datetime) -> PriceQuote:
        if dims.model == "mystery":
            return PriceQuote(None, self.version, unpriced_reason="no price known for model mystery")
        one = Decimal(1)
        return PriceQuote(Rates(one, one, one, one, one, Decimal("0.01")), self.version, model_ref=dims.model)


def hourly_usage(first: datetime, hours: int, model: str = "m1") -> list[UsageBucket]:
    out = []
    for h in range(hours):
        hour = first + timedelta(hours=h)
        out.append(UsageBucket(hour, (UsageRow(hour, Dimensions(model, "k1"), TokenCounts(output=1_000_000)),)))
    return out


class Rig:
    def __init__(self, now: datetime, tz: str | None = None):
        self.accounts = FakeAccountStore()
        self.accounts.create(
            Account("t1", ACC, "anthropic", "Prod", STATUS_CONNECTED, now, now - timedelta(days=90), 90)
        )
        self.ledger = FakeLedger()
        self.settings = FakeSettingsStore()
        if tz:
            self.settings.save_settings("t1", TenantSettings(tz))
        self.service = UsageQueryService(self.accounts, self.ledger, settings=self.settings, clock=FakeClock(now))

    def load(self, buckets: list[UsageBucket], catalogue: object = None) -> None:
        self.ledger.write_buckets("t1", ACC, buckets)
        costing = CostingService(self.ledger, catalogue or DollarPerHourCatalogue())  # type: ignore[arg-type]
        costing.price_days("t1", ACC, "anthropic", sorted({b.hour_start.date() for b in buckets}))

    def days(self, start: str, end: str, tz: str | None = None, group_by: tuple[str, ...] = ("day",)) -> dict:
        return self.service.query(
            "t1", UsageQuery(date.fromisoformat(start), date.fromisoformat(end), group_by, None, tz)
        )


def per_day(body: dict) -> dict[str, str]:
    return {r["day"]: r["total_cost"] for r in body["rows"]}


NOW = datetime(2026, 11, 20, 12, tzinfo=UTC)


def test_paris_autumn_day_has_25_hours_and_spring_day_23() -> None:
    rig = Rig(NOW)
    rig.load(hourly_usage(datetime(2026, 10, 23, tzinfo=UTC), 24 * 4))  # 23..26 October, UTC
    rig.load(hourly_usage(datetime(2026, 3, 27, tzinfo=UTC), 24 * 4))  # 27..30 March, UTC
    body = rig.days("2026-10-24", "2026-10-26", "Europe/Paris")
    assert body["time_zone"] == "Europe/Paris"
    assert per_day(body) == {"2026-10-24": "24", "2026-10-25": "25", "2026-10-26": "24"}
    assert body["documents_read"] == 4  # UTC days 23..26: N + 1 daily documents, no hourly ones
    assert per_day(rig.days("2026-03-28", "2026-03-30", "Europe/Paris")) == {
        "2026-03-28": "24",
        "2026-03-29": "23",
        "2026-03-30": "24",
    }
    # The same data in UTC: whole UTC days; and the range total in UTC is what the invoice says.
    utc = rig.days("2026-10-24", "2026-10-25", "UTC")
    # (two settled UTC days of one month: its rollup's daily table, one document)
    assert per_day(utc) == {"2026-10-24": "24", "2026-10-25": "24"} and utc["documents_read"] == 1


def test_new_york_and_half_hour_zones() -> None:
    rig = Rig(NOW)
    rig.load(hourly_usage(datetime(2026, 10, 31, tzinfo=UTC), 24 * 4))  # US DST ends 1 November
    assert per_day(rig.days("2026-11-01", "2026-11-02", "America/New_York")) == {"2026-11-01": "25", "2026-11-02": "24"}
    # India is UTC+5:30: each hour goes to the local day it starts in (18:00 UTC = 23:30 IST -> that day).
    body = rig.days("2026-11-01", "2026-11-02", "Asia/Kolkata")
    assert per_day(body) == {"2026-11-01": "24", "2026-11-02": "24"}


def test_the_tenant_zone_is_the_default_and_the_answer_names_it() -> None:
    rig = Rig(NOW, tz="Asia/Tokyo")
    rig.load(hourly_usage(datetime(2026, 11, 1, tzinfo=UTC), 24 * 3))
    body = rig.days("2026-11-02", "2026-11-02")
    assert body["time_zone"] == "Asia/Tokyo" and per_day(body) == {"2026-11-02": "24"}
    assert rig.days("2026-11-02", "2026-11-02", "UTC")["time_zone"] == "UTC"


def test_hour_and_week_grouping_in_a_zone() -> None:
    rig = Rig(NOW)
    rig.load(hourly_usage(datetime(2026, 10, 23, tzinfo=UTC), 24 * 4))
    body = rig.days("2026-10-25", "2026-10-25", "Europe/Paris", ("day", "hour"))
    assert len(body["rows"]) == 25 and {r["day"] for r in body["rows"]} == {"2026-10-25"}
    assert body["rows"][0]["hour"] == "2026-10-24T22:00:00Z"
    weeks = rig.days("2026-10-24", "2026-10-26", "Europe/Paris", ("week",))
    assert {r["week"]: r["total_cost"] for r in weeks["rows"]} == {"2026-10-19": "49", "2026-10-26": "24"}


def test_bad_time_zone_is_422_naming_it(world: World) -> None:
    r = world.client.get("/v1/usage?from=2026-11-01&to=2026-11-02&time_zone=Mars/Base", headers=world.token())
    assert r.status_code == 422 and r.get_json()["error"]["field"] == "time_zone"
    r = world.client.get("/v1/usage?from=2026-11-01&to=2026-11-02&time_zone=", headers=world.token())
    assert r.status_code == 422 and r.get_json()["error"]["field"] == "time_zone"
    ok = world.client.get("/v1/usage?from=2026-11-01&to=2026-11-02&time_zone=UTC", headers=world.token())
    assert ok.status_code == 200 and ok.get_json()["time_zone"] == "UTC"


def test_provisional_share_is_the_cost_of_the_last_48_hours() -> None:
    now = datetime(2026, 11, 20, 12, 30, tzinfo=UTC)
    rig = Rig(now)
    rig.load(hourly_usage(datetime(2026, 11, 15, tzinfo=UTC), 24 * 5 + 13))  # through the running hour 12:00
    body = rig.days("2026-11-15", "2026-11-20", "UTC")
    # Hours from 2026-11-18T12:00 to 2026-11-20T12:00 inclusive: 49 hours at $1.
    assert body["provisional"] == {
        "since": "2026-11-18T12:00:00+00:00",
        "cost": "49",
        "tokens": 49_000_000,
        "unpriced_tokens": 0,
    }
    assert body["totals"]["total_cost"] == str(24 * 5 + 13)
    # Only what the view covers: a range ending before the settling window has nothing provisional.
    assert rig.days("2026-11-15", "2026-11-17", "UTC")["provisional"]["cost"] == "0"
    assert rig.days("2026-11-19", "2026-11-19", "Europe/Paris")["provisional"]["cost"] == "24"
    assert rig.days("2026-11-15", "2026-11-20", "UTC", ("hour",))["provisional"]["cost"] == "49"


@st.composite
def day_rows(draw: st.DrawFn) -> tuple[list[UsageBucket], date]:
    day = date(2026, 11, 3)
    start = datetime(day.year, day.month, day.day, tzinfo=UTC)
    models = ["m1", "m2", "mystery"]
    buckets = []
    for h in sorted(draw(st.sets(st.integers(0, 23), min_size=1, max_size=24))):
        hour = start + timedelta(hours=h)
        rows = []
        for model in draw(st.sets(st.sampled_from(models), min_size=1)):
            counts = draw(st.lists(st.integers(0, 10**9), min_size=6, max_size=6))
            rows.append(UsageRow(hour, Dimensions(model), TokenCounts(*counts)))
        buckets.append(UsageBucket(hour, tuple(rows)))
    return buckets, day


class OddRates:
    version = "odd"

    def quote(self, provider: str, dims: Dimensions, used_at: datetime) -> PriceQuote:
        if dims.model == "mystery":
            return PriceQuote(None, self.version, unpriced_reason="unknown")
        r = [Decimal("3.75"), Decimal("0.3"), Decimal("6.1"), Decimal("0.075"), Decimal("22.5")]
        return PriceQuote(Rates(*r, web_search=Decimal("0.01")), self.version)


@settings(max_examples=60, deadline=None)
@given(day_rows(), st.integers(1, 23), st.integers(1, 23))
def test_cutting_a_day_anywhere_adds_up_to_the_day_exactly(data, cut1: int, cut2: int) -> None:  # type: ignore[no-untyped-def]
    buckets, day = data
    usage = UsageDay(ACC, day, {b.hour_start.hour: b for b in buckets})
    priced = price_day("anthropic", usage, OddRates())
    lo, hi = sorted((cut1, cut2))

    def piece_of(hour: datetime) -> int:
        return 0 if hour.hour < lo else (1 if hour.hour < hi else 2)

    pieces = cut_day(priced, piece_of)
    # Per piece, the cost of its hours priced hour by hour, exactly.
    for key, rows in pieces.items():
        in_piece = [price_bucket("anthropic", b, OddRates()) for b in buckets if piece_of(b.hour_start) == key]
        for cls in COST_CLASSES:
            got = sum((r.cost.amount(cls) for r in rows if r.cost), Decimal(0))
            want = sum((r.cost.amount(cls) for h in in_piece for r in h if r.cost), Decimal(0))
            assert got == want
        assert sum((r.tokens for r in rows), TokenCounts()) == sum(
            (r.tokens for h in in_piece for r in h), TokenCounts()
        )
    total = sum((r.cost for rows in pieces.values() for r in rows if r.cost), CostBreakdown())
    assert total == sum((r.cost for r in priced.rows if r.cost), CostBreakdown())


def test_hours_that_do_not_add_up_are_refused_not_shown_as_whole() -> None:
    buckets = hourly_usage(datetime(2026, 11, 3, tzinfo=UTC), 3)
    priced = price_day(
        "anthropic", UsageDay(ACC, date(2026, 11, 3), {b.hour_start.hour: b for b in buckets}), DollarPerHourCatalogue()
    )
    assert cut_day(priced, lambda h: h.hour)[1][0].tokens.output == 1_000_000
    broken = replace(priced, row_hours=(((0, TokenCounts(output=5)),),))
    with pytest.raises(ValueError, match="do not add up"):
        cut_day(broken, lambda h: h.date())
    with pytest.raises(ValueError, match="hour lists"):
        cut_day(replace(priced, row_hours=()), lambda h: h.date())


@pytest.mark.parametrize("tz", ["UTC", "Europe/Paris", "Pacific/Auckland", "America/Los_Angeles"])
def test_local_totals_equal_the_hours_they_cover(tz: str) -> None:
    from zoneinfo import ZoneInfo

    rig = Rig(NOW)
    usage = []
    for i, b in enumerate(hourly_usage(datetime(2026, 10, 20, tzinfo=UTC), 24 * 20)):
        usage.append(
            UsageBucket(
                b.hour_start,
                tuple(UsageRow(b.hour_start, r.dims, TokenCounts(output=1000 * (i % 7 + 1))) for r in b.rows),
            )
        )
    rig.load(usage)
    body = rig.days("2026-10-22", "2026-11-05", tz)
    zone = ZoneInfo(tz)
    want: dict[str, Decimal] = {}
    for b in usage:
        local = b.hour_start.astimezone(zone).date()
        if date(2026, 10, 22) <= local <= date(2026, 11, 5):
            want[local.isoformat()] = want.get(local.isoformat(), Decimal(0)) + Decimal(b.rows[0].tokens.output) / 10**6
    assert {d: Decimal(c) for d, c in per_day(body).items()} == want


def _cut_class_by_class(priced, piece_of):  # type: ignore[no-untyped-def]
    """The plain cut, every class of every piece in turn: what `cut_day` must give, to the exponent."""
    from shared.domain.money import EXACT, ZERO
    from shared.domain.priced import CostRow

    out: dict = {}
    for row, hours in zip(priced.rows, priced.row_hours, strict=True):
        grouped: dict = {}
        for h, tokens in hours:
            key = piece_of(priced.start + timedelta(hours=h))
            grouped[key] = grouped[key] + tokens if key in grouped else tokens
        if len(grouped) == 1:
            out.setdefault(next(iter(grouped)), []).append(row)
            continue
        whole = row.cost.values() if row.cost is not None else None
        spent = [ZERO] * len(COST_CLASSES)
        totals = row.tokens.values()
        for i, (key, tokens) in enumerate(grouped.items()):
            cost = None
            if whole is not None:
                if i == len(grouped) - 1:
                    cost = CostBreakdown(*[EXACT.subtract(w, s) for w, s in zip(whole, spent, strict=True)])
                else:
                    q = tokens.values()
                    values = [
                        w
                        if q[c] == totals[c]
                        else ZERO
                        if not q[c] or not totals[c]
                        else EXACT.divide(EXACT.multiply(w, Decimal(q[c])), Decimal(totals[c]))
                        for c, w in enumerate(whole)
                    ]
                    spent = [EXACT.add(s, v) for s, v in zip(spent, values, strict=True)]
                    cost = CostBreakdown(*values)
            out.setdefault(key, []).append(CostRow(row.dims, tokens, cost, row.price_ref, row.unpriced_reason))
    return out


@settings(max_examples=60, deadline=None)
@given(day_rows(), st.integers(1, 23), st.integers(1, 23))
def test_cutting_skips_the_classes_a_row_does_not_use_without_changing_a_digit(data, cut1: int, cut2: int) -> None:  # type: ignore[no-untyped-def]
    # cut_day works only on the classes a row has quantities or cost in: the pieces must be the plain
    # class-by-class cut exactly, exponents of every amount (zeros included) too.
    buckets, day = data
    priced = price_day("anthropic", UsageDay(ACC, day, {b.hour_start.hour: b for b in buckets}), OddRates())
    lo, hi = sorted((cut1, cut2))
    for piece_of in (lambda h: h.hour, lambda h: 0 if h.hour < lo else (1 if h.hour < hi else 2)):
        assert repr(cut_day(priced, piece_of)) == repr(_cut_class_by_class(priced, piece_of))
