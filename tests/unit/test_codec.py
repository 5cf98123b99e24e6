"""The stored document format: every record survives a round trip exactly, tables read by column name."""

from __future__ import annotations

import json
import zlib
from dataclasses import fields
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from shared.adapters import codec
from shared.domain.accounts import STATUS_SYNCING, Account
from shared.domain.billed import LedgerState
from shared.domain.priced import CostRow, PricedDay, build_month
from shared.domain.usage import DIMENSIONS, QUANTITY_FIELDS, Dimensions, TokenCounts, UsageBucket, UsageRow
from shared.pricing import CostBreakdown

HOUR = datetime(2026, 11, 3, 7, tzinfo=UTC)
FULL = Dimensions("claude-opus-4-6", "apikey_1", "wrkspc_1", "batch", "200k-1M", "us", "fast", "user_1", "1024x1024")
BARE = Dimensions("claude-haiku-4-5")  # console key, default workspace: nulls
TOKENS = TokenCounts(1, 2, 3, 4, 5, 6)
AUDIO = TokenCounts(uncached_input=10, input_audio=7, output_audio=3, images=2, storage_byte_hours=10**12)


def cost_rows() -> tuple[CostRow, ...]:
    exact = CostBreakdown(
        Decimal("0.000003"),
        Decimal("123456789.123456789012345"),
        Decimal(0),
        Decimal("0.0000001650"),
        Decimal("1E-12"),
        Decimal("0.01"),
    )
    audio = CostBreakdown(uncached_input=Decimal("0.1"), input_audio=Decimal("0.7"), images=Decimal("0.08"))
    return (
        CostRow(FULL, TOKENS, exact, "genai-prices 0.2.3 / claude-opus-4-6 / batch"),
        CostRow(BARE, TokenCounts(output=7), None, "v1", "no price known for model claude-haiku-4-5"),
        CostRow(Dimensions("gpt-4o-audio"), AUDIO, audio, "v1 / gpt-4o-audio"),
    )


def test_the_row_table_covers_every_dimension_and_usage_class() -> None:
    assert [f.name for f in fields(Dimensions)] == list(DIMENSIONS)
    assert [f.name for f in fields(TokenCounts)] == list(QUANTITY_FIELDS)
    assert (*DIMENSIONS, *QUANTITY_FIELDS) == codec._USAGE_COLUMNS


def test_usage_hours_round_trip_and_a_day_reads_them_back() -> None:
    bucket = UsageBucket(HOUR, (UsageRow(HOUR, FULL, TOKENS), UsageRow(HOUR, BARE, AUDIO)))
    empty = UsageBucket(HOUR + timedelta(hours=1), ())
    doc = {
        "hours": {"07": codec.usage_hour_field(bucket, HOUR), "08": codec.usage_hour_field(empty, HOUR)},
        "hashes": {"07": bucket.content_hash(), "08": empty.content_hash()},
    }
    day = codec.usage_day_from_doc("acc_1", HOUR.date(), doc)
    assert day.hours == {7: bucket, 8: empty}
    assert codec.usage_hour_hashes(HOUR.date(), {"hashes": doc["hashes"]}) == {
        HOUR: bucket.content_hash(),
        HOUR + timedelta(hours=1): empty.content_hash(),
    }


def test_priced_days_and_months_round_trip_exactly() -> None:
    rows = cost_rows()
    hours = (((7, TOKENS),), ((7, TokenCounts(output=7)),), ((1, AUDIO),))
    day = PricedDay("acc_1", date(2026, 11, 3), "v1", "hash", 24, rows, hours)
    back = codec.priced_day_from_doc(codec.priced_day_to_doc("t1", day, HOUR))
    assert back == day and back.version == "hash/v1"
    priced = back.rows[0].cost
    assert priced is not None and priced.cache_write_5m == Decimal("123456789.123456789012345")
    assert back.rows[1].cost is None and back.rows[1].unpriced_reason == rows[1].unpriced_reason
    month = build_month("acc_1", date(2026, 11, 1), [day])
    doc = codec.priced_month_to_doc("t1", month, HOUR)
    assert codec.priced_month_from_doc(doc) == month
    # A read of only some tables: the others come back empty.
    only_days = codec.priced_month_from_doc({k: v for k, v in doc.items() if k not in ("month_rows", "daily")})
    assert only_days.days == month.days and only_days.rows == () and only_days.daily == {}


def test_a_table_is_read_by_column_name() -> None:
    # A table written with its columns in another order, one missing and one unknown, still reads.
    columns = ["output", "model", "api_key_id", "future_dimension"]
    blob = zlib.compress(json.dumps({"columns": columns, "rows": [[5, "claude-x", "k1", "?"]]}).encode())
    (row,) = codec.unpack_usage_rows(HOUR, blob)
    assert row.dims == Dimensions("claude-x", "k1") and row.tokens == TokenCounts(output=5)


def test_a_table_leaves_out_the_classes_no_row_uses() -> None:
    text_only = cost_rows()[:2]
    columns = json.loads(zlib.decompress(codec.pack_cost_rows(text_only)))["columns"]
    assert "input_audio" not in columns and "cost.input_audio" not in columns and "cost.output" in columns
    assert codec.unpack_cost_rows(codec.pack_cost_rows(text_only)) == text_only
    all_columns = json.loads(zlib.decompress(codec.pack_cost_rows(cost_rows())))["columns"]
    assert "input_audio" in all_columns and "cost.images" in all_columns


def test_packed_rows_are_small() -> None:
    rows = [
        UsageRow(HOUR, Dimensions("claude-sonnet-4-5", f"apikey_01{i:022d}", "wrkspc_01" + "x" * 22), TOKENS)
        for i in range(50)
    ]
    assert len(codec.pack_usage_rows(rows)) < 2_000  # against ~20 KB as an array of maps


def test_row_hours_are_stored_compressed_and_read_lazily() -> None:
    hours = tuple(((3, TokenCounts(1200, 0, 0, 400, 50)), (14, TokenCounts(output=7))) for _ in range(50))
    day = PricedDay("acc_1", date(2026, 11, 3), "v1", "h", 24, cost_rows()[:1] * 50, hours)
    doc = codec.priced_day_to_doc("t1", day, HOUR)
    text = codec.row_hours_to_text(hours)
    assert text.startswith("3:1200,,,400,50;14:,,,,7|")  # trailing zeros dropped
    assert isinstance(doc["hours"], bytes) and len(doc["hours"]) < len(text) / 10
    back = codec.priced_day_from_doc(doc)
    assert isinstance(back.row_hours, codec.LazyRowHours) and back.row_hours._decoded is None
    assert tuple(back.row_hours) == hours


def test_decoding_the_same_stored_table_twice_gives_equal_rows() -> None:
    blob = codec.pack_cost_rows(cost_rows())
    assert codec.unpack_cost_rows(bytes(blob)) == codec.unpack_cost_rows(bytes(blob)) == cost_rows()


def test_a_priced_day_reads_from_its_listed_fields_alone() -> None:
    day = PricedDay("acc_1", date(2026, 11, 3), "v1", "h", 24, cost_rows(), (((3, TOKENS),),) * 3)
    doc = codec.priced_day_to_doc("t1", day, HOUR)
    assert codec.priced_day_from_doc({k: v for k, v in doc.items() if k in codec.PRICED_DAY_FIELDS}) == day


def test_account_sync_state_round_trips() -> None:
    now = datetime(2026, 11, 20, 12, tzinfo=UTC)
    account = Account(
        "t1",
        "acc_1",
        "anthropic",
        "Prod",
        STATUS_SYNCING,
        now,
        now - timedelta(days=30),
        30,
        coverage=((now - timedelta(days=30), now - timedelta(days=2)), (now - timedelta(hours=5), now)),
        hour_hashes={"2026-11-20T11": "abc"},
        billed=LedgerState(date(2026, 11, 19), now, None, {"2026-11-19": "d1"}),
    )
    doc = codec.account_to_doc(account)
    assert doc["coverage"][0] == {"start": account.coverage[0][0], "end": account.coverage[0][1]}
    assert codec.account_from_doc(doc) == account


def test_billed_lines_survive_a_round_trip_exactly_as_one_packed_table_on_the_raw_day() -> None:
    from shared.domain.billed import BilledCost, BilledDay

    day = date(2026, 11, 3)
    lines = (
        BilledCost(
            day,
            "wrkspc_1",
            "claude-opus-4-6",
            "uncached_input_tokens",
            "tokens",
            "standard",
            "0-200k",
            "us",
            "Claude Opus 4.6 \u2013 input",
            Decimal("123.4567891234"),
            "uncached_input",
        ),
        BilledCost(day, None, None, None, "web_search", None, None, None, None, Decimal("0.01")),
        BilledCost(
            day,
            None,
            "gpt-5",
            None,
            "code_execution",
            None,
            None,
            None,
            "naïve ✓ \u200f",
            Decimal("-0.5"),
            "code_execution",
        ),
    )
    billed = BilledDay("a1", day, lines, read_at=HOUR)
    doc, merge = codec.billed_day_write("a1", billed)
    # A field of the raw day document, merged: the day's usage hours are left as they are.
    assert merge == ["account_id", "day", "billed"] and set(doc) == {"account_id", "day", "billed"}
    field = doc["billed"]
    assert isinstance(field["lines"], bytes) and field["line_count"] == 3 and field["total_usd"] == "122.9667891234"
    raw_day = {"hours": {"00": {"rows": b""}}, "hashes": {"00": "x"}, **doc}
    back = codec.billed_day_from_doc("a1", day, raw_day)
    assert back == billed and back.content_hash() == billed.content_hash()
    empty = codec.billed_day_from_doc("a1", day, {**doc, "billed": {**field, "lines": b"", "line_count": 0}})
    assert empty is not None and empty.lines == ()
    assert codec.billed_day_from_doc("a1", day, {"hours": {}}) is None  # the report not read for the day yet
