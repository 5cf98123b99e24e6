"""Firestore adapters for the billed cost ledger and tenant settings (paths: shared.adapters.paths)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import date, timedelta
from typing import Any

from google.cloud import firestore

from shared.adapters import paths
from shared.adapters.codec import pack_billed_lines, unpack_billed_lines, utc_timestamp
from shared.domain.billed import BilledDay
from shared.domain.money import parse_usd, usd
from shared.domain.rate_cards import RateCard
from shared.domain.settings import DEFAULT_ADVICE_ALERT_USD, UTC_NAME, TenantSettings

BATCH_LIMIT = 500


def billed_day_to_doc(tenant_id: str, billed: BilledDay) -> dict[str, Any]:
    return {
        "tenant_id": tenant_id,
        "account_id": billed.account_id,
        "day": billed.day.isoformat(),
        "read_at": billed.read_at,
        "total_usd": usd(billed.total_usd),
        "line_count": len(billed.lines),
        "lines": pack_billed_lines(billed.lines),
    }


def billed_day_from_doc(doc: dict[str, Any]) -> BilledDay:
    day = date.fromisoformat(doc["day"])
    lines = unpack_billed_lines(day, doc["lines"]) if doc.get("lines") else ()
    return BilledDay(account_id=doc["account_id"], day=day, lines=lines, read_at=utc_timestamp(doc.get("read_at")))


class FirestoreBilledCostStore:
    def __init__(self, client: firestore.Client):
        self.db = client

    def write_days(self, tenant_id: str, account_id: str, days: Sequence[BilledDay]) -> None:
        for i in range(0, len(days), BATCH_LIMIT):
            batch = self.db.batch()
            for billed in days[i : i + BATCH_LIMIT]:
                batch.set(
                    paths.billed_day(self.db, tenant_id, account_id, billed.day), billed_day_to_doc(tenant_id, billed)
                )
            batch.commit()

    def read_days(self, tenant_id: str, account_ids: Sequence[str], start: date, end: date) -> Iterator[BilledDay]:
        days = [start + timedelta(days=i) for i in range((end - start).days + 1)]
        refs = [paths.billed_day(self.db, tenant_id, a, d) for a in account_ids for d in days]
        if not refs:
            return
        for snap in self.db.get_all(refs):
            if snap.exists:
                yield billed_day_from_doc(snap.to_dict() or {})


class FirestoreTenantSettingsStore:
    """Settings are fields of the tenant's own document (merged, never overwriting other fields)."""

    def __init__(self, client: firestore.Client):
        self.db = client

    def get_settings(self, tenant_id: str) -> TenantSettings:
        snap = paths.tenant(self.db, tenant_id).get()
        data = (snap.to_dict() or {}) if snap.exists else {}
        cards = tuple(_card_from_map(m) for m in data.get("rate_cards") or [])
        threshold = parse_usd(data["advice_alert_usd"]) if data.get("advice_alert_usd") else DEFAULT_ADVICE_ALERT_USD
        try:
            return TenantSettings(
                time_zone=data.get("time_zone") or UTC_NAME, rate_cards=cards, advice_alert_usd=threshold
            )
        except ValueError:
            # A zone this runtime's tz database no longer knows: answer in UTC rather than fail every view.
            return TenantSettings(rate_cards=cards, advice_alert_usd=threshold)

    def save_settings(self, tenant_id: str, settings: TenantSettings) -> None:
        paths.tenant(self.db, tenant_id).set(
            {
                "id": tenant_id,
                "time_zone": settings.time_zone,
                "rate_cards": [_card_to_map(c) for c in settings.rate_cards],
                "advice_alert_usd": usd(settings.advice_alert_usd),
            },
            merge=True,
        )


def _card_to_map(card: RateCard) -> dict[str, Any]:
    return {
        "provider": card.provider,
        "model": card.model,
        "percent_off": usd(card.percent_off),
        "effective_from": card.effective_from.isoformat(),
        "until": card.until.isoformat() if card.until else None,
        "note": card.note,
    }


def _card_from_map(m: dict[str, Any]) -> RateCard:
    return RateCard(
        provider=m["provider"],
        model=m.get("model"),
        percent_off=parse_usd(m["percent_off"]),
        effective_from=date.fromisoformat(m["effective_from"]),
        until=date.fromisoformat(m["until"]) if m.get("until") else None,
        note=m.get("note") or "",
    )
