"""How domain records are written to documents (Firestore maps): Decimals as strings, times as UTC, and
the rows of an hour or a day as one packed table (see ``ROWS_FORMAT``)."""

from __future__ import annotations

import functools
import json
import zlib
from collections.abc import Callable, Sequence
from dataclasses import fields
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from shared.domain.accounts import Account
from shared.domain.hourly import HourlySplit
from shared.domain.money import ZERO, parse_usd
from shared.domain.priced import CostDay, CostHour, CostRow
from shared.domain.usage import COST_CLASSES, DIMENSIONS, Dimensions, TokenCounts, UsageBucket, UsageRow
from shared.pricing import CostBreakdown

_ACCOUNT_TIME_FIELDS = {
    "created_at",
    "history_start",
    "synced_through",
    "last_sync_at",
    "last_success_at",
    "next_sync_at",
    "lease_until",
    "disconnected_at",
    "key_created_at",
}


def utc_timestamp(value: Any) -> datetime | None:
    """A stored timestamp as a plain aware UTC datetime (None stays None)."""
    if value is None:
        return None
    if not isinstance(value, datetime):
        raise TypeError(f"expected a timestamp, got {type(value).__name__}")
    # Firestore returns DatetimeWithNanoseconds in UTC; normalise to a plain aware datetime.
    return datetime(
        value.year,
        value.month,
        value.day,
        value.hour,
        value.minute,
        value.second,
        value.microsecond,
        tzinfo=UTC,
    )


def account_to_doc(account: Account) -> dict[str, Any]:
    return {f.name: getattr(account, f.name) for f in fields(account)}


def account_from_doc(doc: dict[str, Any]) -> Account:
    known = {f.name for f in fields(Account)}
    data = {k: v for k, v in doc.items() if k in known}
    for name in _ACCOUNT_TIME_FIELDS & data.keys():
        data[name] = utc_timestamp(data[name])
    data["extra"] = dict(data.get("extra") or {})
    return Account(**data)


# Rows are stored as one compressed table per document, not as an array of maps: an hour or a day holds
# tens to thousands of rows, and a map per row costs a nested value per field to encode, to write (the
# emulator stores ~100-180 such 50-row hours/s against 6,000-9,000/s packed), to index and to decode, and
# it brings a busy day's aggregate near Firestore's 1 MiB document limit (and 500 such hours past the
# emulator's 4 MiB request limit). The table names its columns, so a
# reader maps them by name and a column added later does not break older documents.
ROWS_FORMAT = "zlib-json-table/1"
_TOKEN_FIELDS = tuple(f.name for f in fields(TokenCounts))
_USAGE_COLUMNS = (*DIMENSIONS, *_TOKEN_FIELDS)
_COST_COLUMNS = (*_USAGE_COLUMNS, *(f"cost.{c}" for c in COST_CLASSES), "price_ref", "unpriced_reason")
_N_DIMS, _N_TOKENS = len(DIMENSIONS), len(_TOKEN_FIELDS)
_USAGE_COLUMNS_LIST, _COST_COLUMNS_LIST = list(_USAGE_COLUMNS), list(_COST_COLUMNS)
DECODED_CACHE_SIZE = 512
"""Decoded tables kept per process (about 60 KB each for a day of ~100 rows): a year of one account's days."""


def _pack(columns: list[str], rows: list[list[Any]]) -> bytes:
    text = json.dumps({"format": ROWS_FORMAT, "columns": columns, "rows": rows}, separators=(",", ":"))
    return zlib.compress(text.encode(), 1)


def _unpack(blob: bytes, columns: list[str]) -> list[list[Any]]:
    """The table's rows, reordered to ``columns`` when the stored table names them otherwise
    (a column it lacks comes back as None)."""
    table = json.loads(zlib.decompress(blob))
    rows: list[list[Any]] = table["rows"]
    stored = table["columns"]
    if stored == columns:
        return rows
    where = [stored.index(c) if c in stored else None for c in columns]
    return [[None if i is None else r[i] for i in where] for r in rows]


def _usage_cells(dims: Dimensions, tokens: TokenCounts) -> list[Any]:
    return [
        dims.model,
        dims.api_key_id,
        dims.workspace_id,
        dims.service_tier,
        dims.context_window,
        dims.inference_geo,
        dims.speed,
        tokens.uncached_input,
        tokens.cache_write_5m,
        tokens.cache_write_1h,
        tokens.cache_read,
        tokens.output,
        tokens.web_search_requests,
    ]


def _dims(r: list[Any]) -> Dimensions:
    return Dimensions(str(r[0]), r[1], r[2], r[3] or "standard", r[4], r[5], r[6])


def _tokens(r: list[Any]) -> TokenCounts:
    # Columns 7-12; None only where an older table lacks a column.
    return TokenCounts(r[7] or 0, r[8] or 0, r[9] or 0, r[10] or 0, r[11] or 0, r[12] or 0)


def pack_usage_rows(rows: Sequence[UsageRow]) -> bytes:
    return _pack(_USAGE_COLUMNS_LIST, [_usage_cells(r.dims, r.tokens) for r in rows])


def unpack_usage_rows(hour: datetime, blob: bytes) -> tuple[UsageRow, ...]:
    return tuple(UsageRow(hour, _dims(r), _tokens(r)) for r in _unpack(blob, _USAGE_COLUMNS_LIST))


def pack_cost_rows(rows: Sequence[CostRow]) -> bytes:
    table = []
    for row in rows:
        cells = _usage_cells(row.dims, row.tokens)
        c = row.cost
        if c is None:
            cells += [None] * len(COST_CLASSES)
        else:
            # str() of a Decimal is exact and reads back identically (exponent and all).
            cells += [
                str(c.uncached_input),
                str(c.cache_write_5m),
                str(c.cache_write_1h),
                str(c.cache_read),
                str(c.output),
                str(c.web_search),
            ]
        cells += [row.price_ref, row.unpriced_reason]
        table.append(cells)
    return _pack(_COST_COLUMNS_LIST, table)


def _amount(text: str | None) -> Decimal:
    return ZERO if text == "0" or text is None else Decimal(text)


@functools.lru_cache(maxsize=DECODED_CACHE_SIZE)
def unpack_cost_rows(blob: bytes) -> tuple[CostRow, ...]:
    """Priced rows from a packed table. Memoized on the bytes themselves: the same stored table always
    decodes to the same (immutable) rows, so a dashboard that asks for the same days again skips decoding."""
    out = []
    dims_seen: dict[tuple[Any, ...], Dimensions] = {}
    for r in _unpack(blob, _COST_COLUMNS_LIST):
        key = tuple(r[:_N_DIMS])
        dims = dims_seen.get(key)
        if dims is None:
            dims = dims_seen[key] = _dims(r)
        cost = (
            None
            if r[13] is None
            else CostBreakdown(
                _amount(r[13]), _amount(r[14]), _amount(r[15]), _amount(r[16]), _amount(r[17]), _amount(r[18])
            )
        )
        out.append(CostRow(dims, _tokens(r), cost, r[19] or "", r[20]))
    return tuple(out)


@functools.lru_cache(maxsize=DECODED_CACHE_SIZE)
def _unpack_text(blob: bytes) -> str:
    return zlib.decompress(blob).decode()


def pack_text(text: str) -> bytes | str:
    """A long text field, compressed (an empty one stays an empty string)."""
    return zlib.compress(text.encode(), 1) if text else ""


def unpack_text(value: bytes | str | None) -> str:
    """A text field as written by ``pack_text``, or as plain text by older writers."""
    return _unpack_text(value) if isinstance(value, bytes) else value or ""


def _rows_field(rows: Any, unpack: Callable[[bytes], tuple[Any, ...]], legacy: Callable[[Any], Any]) -> tuple[Any, ...]:
    """Rows from a stored ``rows`` field: a packed table, or the array of maps of documents written
    before the table format."""
    if isinstance(rows, bytes):
        return unpack(rows)
    return tuple(legacy(r) for r in rows or ())


def _legacy_cost_row(m: dict[str, Any]) -> CostRow:
    cost = m.get("cost")
    return CostRow(
        dims=Dimensions.from_dict(m["dims"]),
        tokens=TokenCounts.from_dict(m["tokens"]),
        cost=None if cost is None else CostBreakdown(**{c: parse_usd(cost[c]) for c in COST_CLASSES}),
        price_ref=m.get("price_ref") or "",
        unpriced_reason=m.get("unpriced_reason"),
    )


def bucket_to_doc(account_id: str, bucket: UsageBucket, fetched_at: datetime) -> dict[str, Any]:
    return {
        "account_id": account_id,
        "hour_start": bucket.hour_start,
        "day": bucket.hour_start.date().isoformat(),
        "content_hash": bucket.content_hash(),
        "fetched_at": fetched_at,
        "row_count": len(bucket.rows),
        "rows": pack_usage_rows(bucket.rows),
    }


def bucket_from_doc(doc: dict[str, Any]) -> UsageBucket:
    hour = utc_timestamp(doc["hour_start"])
    assert hour is not None
    rows = _rows_field(
        doc["rows"],
        lambda blob: unpack_usage_rows(hour, blob),
        lambda r: UsageRow(hour, Dimensions.from_dict(r["dims"]), TokenCounts.from_dict(r["tokens"])),
    )
    return UsageBucket(hour, rows)


def cost_hour_to_doc(tenant_id: str, hour: CostHour) -> dict[str, Any]:
    return {
        "tenant_id": tenant_id,
        "account_id": hour.account_id,
        "hour_start": hour.hour_start,
        "day": hour.hour_start.date().isoformat(),
        "source_hash": hour.source_hash,
        "catalogue_version": hour.catalogue_version,
        "row_count": len(hour.rows),
        "rows": pack_cost_rows(hour.rows),
    }


def cost_hour_from_doc(doc: dict[str, Any]) -> CostHour:
    hour = utc_timestamp(doc["hour_start"])
    assert hour is not None
    return CostHour(
        account_id=doc["account_id"],
        hour_start=hour,
        source_hash=doc.get("source_hash", ""),
        catalogue_version=doc.get("catalogue_version", ""),
        rows=_rows_field(doc.get("rows"), unpack_cost_rows, _legacy_cost_row),
    )


def cost_day_to_doc(tenant_id: str, day: CostDay, built_at: datetime) -> dict[str, Any]:
    return {
        "tenant_id": tenant_id,
        "account_id": day.account_id,
        "day": day.day.isoformat(),
        "catalogue_version": day.catalogue_version,
        "hours_collected": day.hours_collected,
        "built_at": built_at,
        "row_count": len(day.rows),
        "rows": pack_cost_rows(day.rows),
        "hourly": pack_text(day.hourly.text),  # one value: cheap to store and to skip (see shared.domain.hourly)
    }


COST_DAY_FIELDS = ["account_id", "day", "catalogue_version", "hours_collected", "rows", "hourly"]
"""The fields ``cost_day_from_doc`` reads (a reader may fetch only these)."""


def cost_day_from_doc(doc: dict[str, Any]) -> CostDay:
    return CostDay(
        account_id=doc["account_id"],
        day=date.fromisoformat(doc["day"]),
        catalogue_version=doc.get("catalogue_version", ""),
        hours_collected=int(doc.get("hours_collected", 0)),
        rows=_rows_field(doc.get("rows"), unpack_cost_rows, _legacy_cost_row),
        hourly=HourlySplit(unpack_text(doc.get("hourly"))),
    )
