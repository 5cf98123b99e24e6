"""How domain records are written to documents (Firestore maps): Decimals as strings, times as UTC, and
the rows of an hour or a day as one packed table (see ``ROWS_FORMAT``)."""

from __future__ import annotations

import functools
import json
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import fields
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from operator import itemgetter
from typing import Any, overload

from shared.domain.accounts import Account
from shared.domain.billed import LINE_FIELDS, BilledCost, BilledDay, LedgerState
from shared.domain.money import ZERO, parse_usd, usd
from shared.domain.priced import CostRow, DayHours, HourSpend, PricedDay, PricedMonth, RowHours
from shared.domain.usage import (
    COMMON_QUANTITIES,
    COST_CLASSES,
    DIMENSIONS,
    QUANTITY_FIELDS,
    Dimensions,
    TokenCounts,
    UsageBucket,
    UsageDay,
    UsageRow,
)
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
    "names_checked_at",
    "stale_at",
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


def account_field_to_doc(name: str, value: Any) -> Any:
    """One account field as stored (Firestore has no arrays of arrays, and no dates without a time)."""
    if name == "coverage":
        return [{"start": lo, "end": hi} for lo, hi in value]
    if name == "hour_hashes":
        return dict(value)
    if name == "names_ids":
        return list(value)
    if name == "announce_again":
        return [d.isoformat() for d in value]
    if name == "compacted_through":
        return value.isoformat() if value is not None else None
    if name == "billed":
        state: LedgerState = value
        return {
            "read_through": state.read_through.isoformat() if state.read_through else None,
            "last_read_at": state.last_read_at,
            "last_error": state.last_error,
            "day_hashes": dict(state.day_hashes),
        }
    return value


def account_changes(changes: dict[str, Any]) -> dict[str, Any]:
    """Changes to some fields of an account, as stored."""
    return {name: account_field_to_doc(name, value) for name, value in changes.items()}


def account_to_doc(account: Account) -> dict[str, Any]:
    return {f.name: account_field_to_doc(f.name, getattr(account, f.name)) for f in fields(account)}


def account_from_doc(doc: dict[str, Any]) -> Account:
    known = {f.name for f in fields(Account)}
    data = {k: v for k, v in doc.items() if k in known}
    for name in _ACCOUNT_TIME_FIELDS & data.keys():
        data[name] = utc_timestamp(data[name])
    data["extra"] = dict(data.get("extra") or {})
    ranges = []
    for r in data.get("coverage") or ():
        lo, hi = utc_timestamp(r["start"]), utc_timestamp(r["end"])
        if lo is not None and hi is not None:
            ranges.append((lo, hi))
    data["coverage"] = tuple(ranges)
    data["hour_hashes"] = dict(data.get("hour_hashes") or {})
    data["names_ids"] = tuple(data.get("names_ids") or ())
    data["announce_again"] = tuple(date.fromisoformat(d) for d in data.get("announce_again") or ())
    compacted = data.get("compacted_through")
    data["compacted_through"] = date.fromisoformat(compacted) if compacted else None
    billed = data.get("billed") or {}
    data["billed"] = LedgerState(
        read_through=date.fromisoformat(billed["read_through"]) if billed.get("read_through") else None,
        last_read_at=utc_timestamp(billed.get("last_read_at")),
        last_error=billed.get("last_error"),
        day_hashes=dict(billed.get("day_hashes") or {}),
    )
    return Account(**data)


# Rows are stored as one compressed table per document, not as an array of maps: a day holds tens to
# thousands of rows, and a map per row costs a nested value per field to encode, to write, to index and to
# decode, and brings a busy day near Firestore's 1 MiB document limit. The table names its columns, so a
# reader maps them by name, a column added later does not break older documents, and a table leaves out
# the quantity and cost columns that are zero in every row (an Anthropic day never carries audio columns).
ROWS_FORMAT = "zlib-json-table/2"
_N_DIMS, _N_Q = len(DIMENSIONS), len(QUANTITY_FIELDS)
_FIRST = COMMON_QUANTITIES  # the quantities every table keeps
_NONE_AFTER_FIRST = (0,) * (_N_Q - _FIRST)
_COST_COLUMNS_ALL = tuple(f"cost.{c}" for c in COST_CLASSES)
_USAGE_COLUMNS = (*DIMENSIONS, *QUANTITY_FIELDS)
_COST_COLUMNS = (*_USAGE_COLUMNS, *_COST_COLUMNS_ALL, "price_ref", "unpriced_reason")
_PRICE_REF, _REASON = len(_COST_COLUMNS) - 2, len(_COST_COLUMNS) - 1
DECODED_CACHE_SIZE = 1024
"""Decoded tables kept per process (tens of KB each for a day of ~100 rows)."""


def _table(columns: list[str], rows: list[list[Any]]) -> dict[str, Any]:
    return {"format": ROWS_FORMAT, "columns": columns, "rows": rows}


def _compress(value: Any, level: int = 1) -> bytes:
    return zlib.compress(json.dumps(value, separators=(",", ":")).encode(), level)


def _pack(columns: list[str], rows: list[list[Any]]) -> bytes:
    return _compress(_table(columns, rows))


def _unpack(blob: bytes, columns: Sequence[str]) -> list[list[Any]]:
    """The table's rows with ``columns`` in this order (a column the table lacks comes back as None)."""
    return _select(json.loads(zlib.decompress(blob)), columns)


def _select(table: dict[str, Any], columns: Sequence[str]) -> list[list[Any]]:
    rows: list[list[Any]] = table["rows"]
    stored = table["columns"]
    if stored == list(columns):
        return rows
    where = {c: i for i, c in enumerate(stored)}
    picks = [where.get(c) for c in columns]
    return [[None if i is None else r[i] for i in picks] for r in rows]


def _dims_cells(d: Dimensions) -> list[Any]:
    return [
        d.model,
        d.api_key_id,
        d.workspace_id,
        d.service_tier,
        d.context_window,
        d.inference_geo,
        d.speed,
        d.user_id,
        d.variant,
    ]


def _dims(r: Sequence[Any]) -> Dimensions:
    return Dimensions(str(r[0]), r[1], r[2], r[3] or "standard", r[4], r[5], r[6], r[7], r[8])


def _tokens(r: Sequence[Any]) -> TokenCounts:
    # None only where a table leaves a column out (zero in every row).
    return TokenCounts.of([v or 0 for v in r[_N_DIMS : _N_DIMS + _N_Q]])


def _used(columns: Sequence[str], table: list[list[Any]], first: int, count: int) -> list[int]:
    """Indexes of the columns in ``[first, first + count)`` that are non-zero somewhere in ``table``."""
    return [i for i in range(first, first + count) if any(row[i] for row in table)]


def _drop_unused(
    columns: Sequence[str], table: list[list[Any]], optional: list[int]
) -> tuple[list[str], list[list[Any]]]:
    unused = {i for i in optional if not any(map(itemgetter(i), table))}
    if not unused:
        return list(columns), table
    keep = [i for i in range(len(columns)) if i not in unused]
    pick = itemgetter(*keep)
    return [columns[i] for i in keep], [list(pick(row)) for row in table]


def _usage_table(rows: Sequence[UsageRow]) -> dict[str, Any]:
    values = [r.tokens.values() for r in rows]
    if all(v[_FIRST:] == _NONE_AFTER_FIRST for v in values):
        # Every optional column unused, so left out: the table `_drop_unused` makes, without its columns.
        common = [[*_dims_cells(r.dims), *v[:_FIRST]] for r, v in zip(rows, values, strict=True)]
        return _table(list(_USAGE_COLUMNS[: _N_DIMS + _FIRST]), common)
    table = [[*_dims_cells(r.dims), *v] for r, v in zip(rows, values, strict=True)]
    columns, table = _drop_unused(_USAGE_COLUMNS, table, list(range(_N_DIMS + _FIRST, _N_DIMS + _N_Q)))
    return _table(columns, table)


def pack_usage_rows(rows: Sequence[UsageRow]) -> bytes:
    return _compress(_usage_table(rows))


def unpack_usage_rows(
    hour: datetime, blob: bytes, dims_seen: dict[tuple[Any, ...], Dimensions] | None = None
) -> tuple[UsageRow, ...]:
    """An hour's raw rows from a packed table.

    Args:
        dims_seen: dimensions already decoded, by their cells: pass the same dict for every hour of a day,
            so a grouping's rows share one (immutable) `Dimensions`.
    """
    return _usage_rows(hour, json.loads(zlib.decompress(blob)), dims_seen)


def _usage_rows(
    hour: datetime, table: dict[str, Any], dims_seen: dict[tuple[Any, ...], Dimensions] | None
) -> tuple[UsageRow, ...]:
    rows: list[list[Any]] = table["rows"]
    stored = table["columns"]
    # The common table: every dimension, then the first quantities, in order (the others left out).
    n = len(stored) - _N_DIMS
    if 0 < n <= _N_Q and stored == list(_USAGE_COLUMNS[: _N_DIMS + n]):
        dims_seen = {} if dims_seen is None else dims_seen
        out: list[UsageRow] = []
        for r in rows:
            cells = tuple(r[:_N_DIMS])
            dims = dims_seen.get(cells)
            if dims is None:
                dims = dims_seen[cells] = _dims(r)
            counts = r[_N_DIMS:]
            if None in counts:  # read as 0, as `_tokens` does (this code never stores one)
                counts = [v or 0 for v in counts]
            # Counts as this code stored them (from checked TokenCounts): not checked again.
            out.append(UsageRow(hour, dims, TokenCounts.of(counts)))
        return tuple(out)
    return tuple(UsageRow(hour, _dims(r), _tokens(r)) for r in _select(table, _USAGE_COLUMNS))


def _cost_cells(row: CostRow) -> list[Any]:
    cells = [*_dims_cells(row.dims), *row.tokens.values()]
    c = row.cost
    # str() of a Decimal is exact and reads back identically (exponent and all); "0" for the zeros.
    cells += [None] * len(COST_CLASSES) if c is None else [str(v) if v else "0" for v in c.values()]
    cells += [row.price_ref, row.unpriced_reason]
    return cells


_OPTIONAL_COST_COLUMNS = [
    *range(_N_DIMS + _FIRST, _N_DIMS + _N_Q),
    *range(_N_DIMS + _N_Q + _FIRST, _N_DIMS + _N_Q + len(COST_CLASSES)),
]
"""The columns a cost table may leave out: quantities and costs past the six every row has."""


def pack_cost_rows(rows: Sequence[CostRow], day_of: Sequence[date] | None = None) -> bytes:
    """A packed table of priced rows (``day_of``: a leading ``day`` column, for a month's daily rows)."""
    table = [_cost_cells(row) for row in rows]
    columns = list(_COST_COLUMNS)
    # A cost column is "used" when some row has a non-zero amount in it ("0" and None are zero).
    for cells in table:
        for i in range(_N_DIMS + _N_Q, _N_DIMS + _N_Q + len(COST_CLASSES)):
            if cells[i] == "0":
                cells[i] = 0
    columns, table = _drop_unused(columns, table, _OPTIONAL_COST_COLUMNS)
    if day_of is not None:
        columns = ["day", *columns]
        table = [[d.isoformat(), *cells] for d, cells in zip(day_of, table, strict=True)]
    return _pack(columns, table)


def _amount(value: Any) -> Decimal:
    return ZERO if not value or value == "0" else Decimal(value)


def _cost_row(r: Sequence[Any], dims_seen: dict[tuple[Any, ...], Dimensions]) -> CostRow:
    key = tuple(r[:_N_DIMS])
    dims = dims_seen.get(key)
    if dims is None:
        dims = dims_seen[key] = _dims(r)
    first_cost = _N_DIMS + _N_Q
    # An unpriced row has no amounts; a priced one has at least the first class's (never left out).
    priced = r[first_cost] is not None
    cost = CostBreakdown(*[_amount(v) for v in r[first_cost : first_cost + len(COST_CLASSES)]]) if priced else None
    return CostRow(dims, _tokens(r), cost, r[_PRICE_REF] or "", r[_REASON])


@functools.lru_cache(maxsize=DECODED_CACHE_SIZE)
def unpack_cost_rows(blob: bytes) -> tuple[CostRow, ...]:
    """Priced rows from a packed table. Memoized on the bytes themselves: the same stored table always
    decodes to the same (immutable) rows, so a dashboard that asks for the same days again skips decoding."""
    dims_seen: dict[tuple[Any, ...], Dimensions] = {}
    return tuple(_cost_row(r, dims_seen) for r in _unpack(blob, _COST_COLUMNS))


@functools.lru_cache(maxsize=DECODED_CACHE_SIZE)
def unpack_daily_rows(blob: bytes) -> dict[date, tuple[CostRow, ...]]:
    """A month's daily table: rows per day."""
    dims_seen: dict[tuple[Any, ...], Dimensions] = {}
    out: dict[date, list[CostRow]] = {}
    for r in _unpack(blob, ("day", *_COST_COLUMNS)):
        out.setdefault(date.fromisoformat(r[0]), []).append(_cost_row(r[1:], dims_seen))
    return {d: tuple(rows) for d, rows in out.items()}


# --------------------------------------------------------------------------------------------------
# Hours of a day's rows, as compact text: rows in the day's order separated by "|", hours within a row by
# ";", each hour as "HH:q1,q2,..." in QUANTITY_FIELDS order with zeros left empty and trailing zeros
# dropped: "3:1200,,,400,50|3:10,,,,2;14:7,,,,1". Parsed only when a view needs hours (a time zone's day,
# the provisional share, group by hour); the common UTC daily view never does.


def _hour_text(hour: int, t: TokenCounts) -> str:
    values = t.values()
    if values[_FIRST:] == _NONE_AFTER_FIRST:
        values = values[:_FIRST]  # trailing zeros are dropped anyway: skip the usual ones (no audio, ...)
    # Trailing zeros dropped: the cells of the last non-zero quantity end in a digit, so stripping the
    # trailing commas drops exactly the trailing empty cells.
    return f"{hour}:" + ",".join([str(v) if v else "" for v in values]).rstrip(",")


def row_hours_to_text(row_hours: Sequence[RowHours]) -> str:
    return "|".join(";".join(_hour_text(h, t) for h, t in hours) for hours in row_hours)


@functools.lru_cache(maxsize=DECODED_CACHE_SIZE)
def row_hours_from_text(text: str) -> tuple[RowHours, ...]:
    out: list[RowHours] = []
    for segment in text.split("|"):
        hours: list[tuple[int, TokenCounts]] = []
        for item in segment.split(";") if segment else ():
            hour, _, counts = item.partition(":")
            hours.append((int(hour), TokenCounts(*[int(v) if v else 0 for v in counts.split(",")])))
        out.append(tuple(hours))
    return tuple(out)


class LazyRowHours(Sequence[RowHours]):
    """A day's row hours decoded on first use (most reads never need them)."""

    __slots__ = ("_decoded", "_text")

    def __init__(self, text: str) -> None:
        self._text = text
        self._decoded: tuple[RowHours, ...] | None = None

    def _rows(self) -> tuple[RowHours, ...]:
        if self._decoded is None:
            self._decoded = row_hours_from_text(self._text) if self._text else ()
        return self._decoded

    @overload
    def __getitem__(self, index: int) -> RowHours: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[RowHours]: ...

    def __getitem__(self, index: int | slice) -> RowHours | Sequence[RowHours]:
        return self._rows()[index]

    def __len__(self) -> int:
        return len(self._rows())

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Sequence) and tuple(self) == tuple(other)

    def __hash__(self) -> int:
        return hash(self._text)


_BILLED_COLUMNS = (*LINE_FIELDS, "amount_usd")


def pack_billed_lines(lines: Sequence[BilledCost]) -> bytes:
    """A day's billed lines as one packed table (a list of maps costs an index entry and an encoding pass
    per value; the ledger of a busy organization has hundreds of lines a day)."""
    rows = [[*(getattr(line, f) for f in LINE_FIELDS), usd(line.amount_usd)] for line in lines]
    return _pack(list(_BILLED_COLUMNS), rows)


def unpack_billed_lines(day: date, blob: bytes) -> tuple[BilledCost, ...]:
    last = len(LINE_FIELDS)
    return tuple(
        BilledCost(
            day=day,
            **{f: r[i] for i, f in enumerate(LINE_FIELDS) if f != "cost_class"},
            amount_usd=parse_usd(r[last]),
            cost_class=r[LINE_FIELDS.index("cost_class")] or "other",
        )
        for r in _unpack(blob, _BILLED_COLUMNS)
    )


def _pack_text(text: str) -> bytes | str:
    return zlib.compress(text.encode(), 1) if text else ""


@functools.lru_cache(maxsize=DECODED_CACHE_SIZE)
def _unpack_text(blob: bytes) -> str:
    return zlib.decompress(blob).decode()


# --------------------------------------------------------------------------------------------------
# Documents


def usage_hour_field(bucket: UsageBucket, fetched_at: datetime) -> dict[str, Any]:
    """One hour of a raw day document (the value under ``hours.HH``): its `usage_hour_entry` with the rows'
    table compressed on its own."""
    entry = usage_hour_entry(bucket, fetched_at)
    return {"hash": entry["hash"], "fetched_at": fetched_at, "n": entry["n"], "rows": _compress(entry["table"])}


DAY_FORMAT = "zlib-json-day/1"
PACKED_FIELD = "packed"
"""A raw day's hours as one compressed text (`pack_day`): what a whole day read at once (an import) is written
as, and what a day is compacted to once it is settled. Written hour by hour, a day holds each hour as its own
field under ``hours`` (a sync replaces only the hours that changed); compressed one by one, those repeat every
key, workspace and model name 24 times: the packed day takes less than half their bytes. An hour under
``hours`` is newer than the packed one (written after the packing) and wins."""
DAY_LEVEL = 6
"""zlib level of a packed day: about 2.5 ms for a busy day, a quarter smaller than level 1."""


def usage_hour_entry(bucket: UsageBucket, fetched_at: datetime) -> dict[str, Any]:
    """One hour of a packed day: its hash, when it was read, its row count and its rows' table."""
    return {
        "hash": bucket.content_hash(),
        "fetched_at": fetched_at,
        "n": len(bucket.rows),
        "table": _usage_table(bucket.rows),
    }


def pack_day(entries: Mapping[str, Mapping[str, Any]]) -> bytes:
    """A raw day's hours (``"HH"`` -> `usage_hour_entry`) as the `PACKED_FIELD` blob."""
    hours = {
        key: {**entry, "fetched_at": entry["fetched_at"].astimezone(UTC).isoformat()}
        for key, entry in sorted(entries.items())
    }
    return _compress({"format": DAY_FORMAT, "hours": hours}, DAY_LEVEL)


def day_entries(doc: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """Every hour a raw day document holds (``"HH"`` -> `usage_hour_entry`): packed ones, then those written
    hour by hour since (each replacing its packed hour)."""
    out: dict[str, dict[str, Any]] = {}
    packed = doc.get(PACKED_FIELD)
    if packed:
        for key, entry in json.loads(zlib.decompress(packed))["hours"].items():
            out[key] = {**entry, "fetched_at": datetime.fromisoformat(entry["fetched_at"])}
    for key, value in (doc.get("hours") or {}).items():
        fetched = utc_timestamp(value.get("fetched_at")) or datetime.min.replace(tzinfo=UTC)
        table = json.loads(zlib.decompress(value["rows"]))
        out[key] = {"hash": value.get("hash") or "", "fetched_at": fetched, "n": value.get("n"), "table": table}
    return out


def packed_day_doc(
    account_id: str, day: date, entries: Mapping[str, Mapping[str, Any]]
) -> tuple[dict[str, Any], list[str]]:
    """What writing a raw day packed sets on its document, and the field paths it merges: its hours as one
    blob, their hashes, and the hour-by-hour fields removed (the day's billed ledger stays)."""
    from google.cloud.firestore import DELETE_FIELD

    doc = {
        "account_id": account_id,
        "day": day.isoformat(),
        PACKED_FIELD: pack_day(entries),
        "hashes": {key: entry["hash"] for key, entry in entries.items()},
        "hours": DELETE_FIELD,
    }
    return doc, ["account_id", "day", PACKED_FIELD, "hashes", "hours"]


def holds_usage(doc: Mapping[str, Any]) -> bool:
    """Whether a raw day document holds usage hours (one may hold only the day's billed ledger)."""
    return bool(doc.get("hours") or doc.get(PACKED_FIELD))


def usage_day_from_doc(account_id: str, day: date, doc: dict[str, Any]) -> UsageDay:
    start = datetime(day.year, day.month, day.day, tzinfo=UTC)
    hours: dict[int, UsageBucket] = {}
    dims_seen: dict[tuple[Any, ...], Dimensions] = {}  # a grouping's hours share its dimensions
    for key, entry in day_entries(doc).items():
        hour = start + timedelta(hours=int(key))
        # The hash stored with the hour is the one its rows were written with: not computed again.
        rows = _usage_rows(hour, entry["table"], dims_seen)
        hours[int(key)] = UsageBucket(hour, rows, str(entry["hash"] or ""))
    return UsageDay(account_id, day, hours)


BILLED_FIELD = "billed"
"""The field of a raw day document that holds the day's billed ledger (the provider's cost report for the
account and UTC day). It lives on the raw day because the collector writes both in the same sync: the day's
usage hours and its billed lines are then one document write, not two."""


def billed_day_field(billed: BilledDay) -> dict[str, Any]:
    """A day's billed ledger as the raw day's `BILLED_FIELD` (replaced whole: a day the report restates to
    nothing loses its old lines)."""
    return {
        "read_at": billed.read_at,
        "total_usd": usd(billed.total_usd),
        "line_count": len(billed.lines),
        "lines": pack_billed_lines(billed.lines),
    }


def billed_day_write(account_id: str, billed: BilledDay) -> tuple[dict[str, Any], list[str]]:
    """What writing a day's billed ledger sets on its raw day document, and the field paths it merges (the
    usage hours stay as they are)."""
    doc = {"account_id": account_id, "day": billed.day.isoformat(), BILLED_FIELD: billed_day_field(billed)}
    return doc, ["account_id", "day", BILLED_FIELD]


def billed_day_from_doc(account_id: str, day: date, doc: dict[str, Any]) -> BilledDay | None:
    """The billed ledger a raw day document holds; None when the report has not been read for the day."""
    billed = doc.get(BILLED_FIELD)
    if not isinstance(billed, dict):
        return None
    lines = unpack_billed_lines(day, billed["lines"]) if billed.get("lines") else ()
    return BilledDay(account_id=account_id, day=day, lines=lines, read_at=utc_timestamp(billed.get("read_at")))


def usage_hour_hashes(day: date, doc: dict[str, Any]) -> dict[datetime, str]:
    """The content hash of each stored hour of a raw day (its ``hashes`` map: readable without the rows)."""
    start = datetime(day.year, day.month, day.day, tzinfo=UTC)
    return {start + timedelta(hours=int(k)): str(v) for k, v in (doc.get("hashes") or {}).items()}


def priced_day_to_doc(tenant_id: str, day: PricedDay, built_at: datetime) -> dict[str, Any]:
    return {
        "tenant_id": tenant_id,
        "account_id": day.account_id,
        "day": day.day.isoformat(),
        "catalogue_version": day.catalogue_version,
        "source_hash": day.source_hash,
        "version": day.version,
        "hours_collected": day.hours_collected,
        "built_at": built_at,
        "row_count": len(day.rows),
        "rows": pack_cost_rows(day.rows),
        "hours": _pack_text(row_hours_to_text(day.row_hours)),  # one value: cheap to store and to skip
    }


PRICED_DAY_FIELDS = ["account_id", "day", "catalogue_version", "source_hash", "hours_collected", "rows", "hours"]
"""The fields ``priced_day_from_doc`` reads (a reader may fetch only these, or fewer: without ``hours``)."""


def priced_day_from_doc(doc: dict[str, Any]) -> PricedDay:
    hours = doc.get("hours")
    return PricedDay(
        account_id=doc["account_id"],
        day=date.fromisoformat(doc["day"]),
        catalogue_version=doc.get("catalogue_version", ""),
        source_hash=doc.get("source_hash", ""),
        hours_collected=int(doc.get("hours_collected", 0)),
        rows=unpack_cost_rows(doc["rows"]),
        row_hours=LazyRowHours(_unpack_text(hours) if isinstance(hours, bytes) else hours or ""),
    )


def priced_month_to_doc(tenant_id: str, month: PricedMonth, built_at: datetime) -> dict[str, Any]:
    daily_days = [d for d in sorted(month.daily) for _ in month.daily[d]]
    daily_rows = [r for d in sorted(month.daily) for r in month.daily[d]]
    return {
        "tenant_id": tenant_id,
        "account_id": month.account_id,
        "month": month.month.strftime("%Y-%m"),
        "days": {d.isoformat(): v for d, v in sorted(month.days.items())},
        "built_at": built_at,
        "row_count": len(month.rows),
        # Not "rows": a read of months and days together selects each kind's tables by name.
        "month_rows": pack_cost_rows(month.rows),
        "daily": pack_cost_rows(daily_rows, daily_days),
        "recent": pack_recent(month.recent),
    }


def pack_recent(recent: Mapping[date, DayHours]) -> bytes:
    """A rollup's recent hourly spend: {day: {hour: [{key: usd}, {model: usd}]}} as compressed JSON (amounts
    as exact decimal strings)."""
    table = {
        d.isoformat(): {
            str(h): [{k: str(v) for k, v in s.by_key.items()}, {m: str(v) for m, v in s.by_model.items()}]
            for h, s in sorted(hours.items())
        }
        for d, hours in sorted(recent.items())
    }
    return zlib.compress(json.dumps(table, separators=(",", ":")).encode(), 1)


def unpack_recent(blob: bytes) -> dict[date, DayHours]:
    out: dict[date, DayHours] = {}
    for d, hours in json.loads(zlib.decompress(blob)).items():
        out[date.fromisoformat(d)] = {
            int(h): HourSpend({k: Decimal(v) for k, v in keys.items()}, {m: Decimal(v) for m, v in models.items()})
            for h, (keys, models) in hours.items()
        }
    return out


def priced_month_from_doc(doc: dict[str, Any]) -> PricedMonth:
    """A month rollup; a table left out of the read (``month_rows``, ``daily`` or ``recent``) comes back
    empty (a rollup written before ``recent`` existed has none: readers fall back to its priced days)."""
    rows, daily, recent = doc.get("month_rows"), doc.get("daily"), doc.get("recent")
    return PricedMonth(
        account_id=doc["account_id"],
        month=date.fromisoformat(doc["month"] + "-01"),
        days={date.fromisoformat(d): v for d, v in (doc.get("days") or {}).items()},
        rows=unpack_cost_rows(rows) if isinstance(rows, bytes) else (),
        daily=unpack_daily_rows(daily) if isinstance(daily, bytes) else {},
        recent=unpack_recent(recent) if isinstance(recent, bytes) else {},
    )
