"""How domain records are written to documents (Firestore maps): Decimals as strings, times as UTC."""

from __future__ import annotations

from dataclasses import fields
from datetime import UTC, date, datetime
from typing import Any

from shared.accounts import Account
from shared.aggregates import CostDay, CostHour, CostRow
from shared.money import parse_usd, usd
from shared.pricing import CostBreakdown
from shared.usage import COST_CLASSES, Dimensions, TokenCounts, UsageBucket, UsageRow

_ACCOUNT_TIME_FIELDS = {
    "created_at",
    "history_start",
    "synced_through",
    "last_sync_at",
    "last_success_at",
    "next_sync_at",
    "lease_until",
    "disconnected_at",
}


def _utc(value: Any) -> datetime | None:
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
        data[name] = _utc(data[name])
    data["extra"] = dict(data.get("extra") or {})
    return Account(**data)


def _row_to_map(dims: Dimensions, tokens: TokenCounts) -> dict[str, Any]:
    return {"dims": dims.to_dict(), "tokens": tokens.to_dict()}


def bucket_to_doc(account_id: str, bucket: UsageBucket, fetched_at: datetime) -> dict[str, Any]:
    return {
        "account_id": account_id,
        "hour_start": bucket.hour_start,
        "day": bucket.hour_start.date().isoformat(),
        "content_hash": bucket.content_hash(),
        "fetched_at": fetched_at,
        "rows": [_row_to_map(r.dims, r.tokens) for r in bucket.rows],
    }


def bucket_from_doc(doc: dict[str, Any]) -> UsageBucket:
    hour = _utc(doc["hour_start"])
    assert hour is not None
    rows = tuple(
        UsageRow(hour, Dimensions.from_dict(r["dims"]), TokenCounts.from_dict(r["tokens"])) for r in doc["rows"]
    )
    return UsageBucket(hour, rows)


def _cost_row_to_map(row: CostRow) -> dict[str, Any]:
    out = _row_to_map(row.dims, row.tokens)
    out["cost"] = None if row.cost is None else {c: usd(getattr(row.cost, c)) for c in COST_CLASSES}
    out["price_ref"] = row.price_ref
    out["unpriced_reason"] = row.unpriced_reason
    return out


def _cost_row_from_map(m: dict[str, Any]) -> CostRow:
    cost = m.get("cost")
    return CostRow(
        dims=Dimensions.from_dict(m["dims"]),
        tokens=TokenCounts.from_dict(m["tokens"]),
        cost=None if cost is None else CostBreakdown(**{c: parse_usd(cost[c]) for c in COST_CLASSES}),
        price_ref=m.get("price_ref") or "",
        unpriced_reason=m.get("unpriced_reason"),
    )


def cost_hour_to_doc(tenant_id: str, hour: CostHour) -> dict[str, Any]:
    return {
        "tenant_id": tenant_id,
        "account_id": hour.account_id,
        "hour_start": hour.hour_start,
        "day": hour.hour_start.date().isoformat(),
        "source_hash": hour.source_hash,
        "catalogue_version": hour.catalogue_version,
        "rows": [_cost_row_to_map(r) for r in hour.rows],
    }


def cost_hour_from_doc(doc: dict[str, Any]) -> CostHour:
    hour = _utc(doc["hour_start"])
    assert hour is not None
    return CostHour(
        account_id=doc["account_id"],
        hour_start=hour,
        source_hash=doc.get("source_hash", ""),
        catalogue_version=doc.get("catalogue_version", ""),
        rows=tuple(_cost_row_from_map(r) for r in doc.get("rows", [])),
    )


def cost_day_to_doc(tenant_id: str, day: CostDay, built_at: datetime) -> dict[str, Any]:
    return {
        "tenant_id": tenant_id,
        "account_id": day.account_id,
        "day": day.day.isoformat(),
        "catalogue_version": day.catalogue_version,
        "hours_collected": day.hours_collected,
        "built_at": built_at,
        "rows": [_cost_row_to_map(r) for r in day.rows],
    }


def cost_day_from_doc(doc: dict[str, Any]) -> CostDay:
    return CostDay(
        account_id=doc["account_id"],
        day=date.fromisoformat(doc["day"]),
        catalogue_version=doc.get("catalogue_version", ""),
        hours_collected=int(doc.get("hours_collected", 0)),
        rows=tuple(_cost_row_from_map(r) for r in doc.get("rows", [])),
    )
