"""The stored document format: every record survives a round trip exactly, and old documents still read."""

from __future__ import annotations

import json
import zlib
from dataclasses import fields
from datetime import UTC, date, datetime
from decimal import Decimal

from shared.adapters import codec
from shared.domain.hourly import HourlySplit
from shared.domain.priced import CostDay, CostHour, CostRow
from shared.domain.usage import DIMENSIONS, Dimensions, TokenCounts, UsageBucket, UsageRow
from shared.pricing import CostBreakdown

HOUR = datetime(2026, 11, 3, 7, tzinfo=UTC)
FULL = Dimensions("claude-opus-4-6", "apikey_1", "wrkspc_1", "batch", "200k-1M", "us", "fast")
BARE = Dimensions("claude-haiku-4-5")  # console key, default workspace: nulls
TOKENS = TokenCounts(1, 2, 3, 4, 5, 6)


def cost_rows() -> tuple[CostRow, ...]:
    exact = CostBreakdown(
        Decimal("0.000003"),
        Decimal("123456789.123456789012345"),
        Decimal(0),
        Decimal("0.0000001650"),
        Decimal("1E-12"),
        Decimal("0.01"),
    )
    return (
        CostRow(FULL, TOKENS, exact, "genai-prices 0.2.3 / claude-opus-4-6 / batch"),
        CostRow(BARE, TokenCounts(output=7), None, "v1", "no price known for model claude-haiku-4-5"),
    )


def test_the_row_table_covers_every_dimension_and_token_class() -> None:
    assert [f.name for f in fields(Dimensions)] == list(DIMENSIONS)
    assert (*DIMENSIONS, *(f.name for f in fields(TokenCounts))) == codec._USAGE_COLUMNS


def test_usage_bucket_round_trip() -> None:
    bucket = UsageBucket(HOUR, (UsageRow(HOUR, FULL, TOKENS), UsageRow(HOUR, BARE, TokenCounts(uncached_input=9))))
    doc = codec.bucket_to_doc("acc_1", bucket, HOUR)
    assert isinstance(doc["rows"], bytes) and doc["row_count"] == 2
    back = codec.bucket_from_doc(doc)
    assert back == bucket
    assert back.content_hash() == doc["content_hash"]
    assert codec.bucket_from_doc(codec.bucket_to_doc("acc_1", UsageBucket(HOUR, ()), HOUR)).rows == ()


def test_cost_hour_and_day_round_trip_exactly() -> None:
    hour = CostHour("acc_1", HOUR, "hash", "v1", cost_rows())
    assert codec.cost_hour_from_doc(codec.cost_hour_to_doc("t1", hour)) == hour
    day = CostDay("acc_1", date(2026, 11, 3), "v1", 24, cost_rows())
    back = codec.cost_day_from_doc(codec.cost_day_to_doc("t1", day, HOUR))
    assert back.rows == day.rows and back.hours_collected == 24 and back.day == day.day
    priced = back.rows[0].cost
    assert priced is not None and priced.cache_write_5m == Decimal("123456789.123456789012345")
    assert back.rows[1].cost is None and back.rows[1].unpriced_reason == day.rows[1].unpriced_reason


def test_a_table_is_read_by_column_name() -> None:
    # A table written with its columns in another order, one missing and one unknown, still reads.
    columns = ["output", "model", "api_key_id", "future_dimension"]
    blob = zlib.compress(json.dumps({"columns": columns, "rows": [[5, "claude-x", "k1", "?"]]}).encode())
    (row,) = codec.unpack_usage_rows(HOUR, blob)
    assert row.dims == Dimensions("claude-x", "k1") and row.tokens == TokenCounts(output=5)


def test_documents_written_as_arrays_of_maps_still_read() -> None:
    legacy_row = {"dims": FULL.to_dict(), "tokens": TOKENS.to_dict()}
    bucket = codec.bucket_from_doc({"hour_start": HOUR, "rows": [legacy_row]})
    assert bucket.rows == (UsageRow(HOUR, FULL, TOKENS),)
    cost = {c: "0.5" for c in ("uncached_input", "cache_write_5m", "cache_write_1h", "cache_read", "output")}
    legacy_cost = {**legacy_row, "cost": {**cost, "web_search": "0"}, "price_ref": "v0", "unpriced_reason": None}
    day = codec.cost_day_from_doc({"account_id": "acc_1", "day": "2026-11-03", "rows": [legacy_cost]})
    assert day.rows[0].cost is not None and day.rows[0].cost.total == Decimal("2.5")


def test_packed_rows_are_small() -> None:
    rows = [
        UsageRow(HOUR, Dimensions("claude-sonnet-4-5", f"apikey_01{i:022d}", "wrkspc_01" + "x" * 22), TOKENS)
        for i in range(50)
    ]
    doc = codec.bucket_to_doc("acc_1", UsageBucket(HOUR, tuple(rows)), HOUR)
    assert len(doc["rows"]) < 2_000  # against ~20 KB as an array of maps


def test_the_hourly_split_is_stored_compressed_and_old_plain_text_still_reads() -> None:
    text = "3:1200,,,400,50,|3:10,,,,2,;14:7,,,,1," * 50
    day = CostDay("acc_1", date(2026, 11, 3), "v1", 24, cost_rows(), HourlySplit(text))
    doc = codec.cost_day_to_doc("t1", day, HOUR)
    assert isinstance(doc["hourly"], bytes) and len(doc["hourly"]) < len(text) / 10
    assert codec.cost_day_from_doc(doc).hourly == HourlySplit(text)
    assert codec.cost_day_from_doc({**doc, "hourly": text}).hourly == HourlySplit(text)
    assert codec.cost_day_from_doc({**doc, "hourly": ""}).hourly == HourlySplit("")


def test_decoding_the_same_stored_table_twice_gives_equal_rows() -> None:
    blob = codec.pack_cost_rows(cost_rows())
    assert codec.unpack_cost_rows(bytes(blob)) == codec.unpack_cost_rows(bytes(blob)) == cost_rows()


def test_a_cost_day_reads_from_its_listed_fields_alone() -> None:
    day = CostDay("acc_1", date(2026, 11, 3), "v1", 24, cost_rows(), HourlySplit("3:1,,,,,"))
    doc = codec.cost_day_to_doc("t1", day, HOUR)
    assert codec.cost_day_from_doc({k: v for k, v in doc.items() if k in codec.COST_DAY_FIELDS}) == day
