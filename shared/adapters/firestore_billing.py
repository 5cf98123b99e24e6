"""Firestore adapters for the billed cost ledger and tenant settings (paths: shared.adapters.paths)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import date, timedelta
from typing import Any

from google.cloud import firestore

from shared.adapters import paths
from shared.adapters.codec import BILLED_FIELD, billed_day_from_doc, billed_day_write
from shared.domain.billed import BilledDay
from shared.domain.money import parse_usd, usd
from shared.domain.rate_cards import RateCard
from shared.domain.settings import DEFAULT_ADVICE_ALERT_USD, UTC_NAME, TenantSettings

BATCH_LIMIT = 500


class FirestoreBilledCostStore:
    """The billed ledger of a day is a field of the account's raw day document (`codec.BILLED_FIELD`): the
    collector stages it in the same unit of work as the day's usage hours (one write for both); this store
    reads it, and writes days on their own (a field-path merge that leaves the usage hours alone)."""

    def __init__(self, client: firestore.Client):
        self.db = client

    def write_days(self, tenant_id: str, account_id: str, days: Sequence[BilledDay]) -> None:
        for i in range(0, len(days), BATCH_LIMIT):
            batch = self.db.batch()
            for billed in days[i : i + BATCH_LIMIT]:
                doc, merge = billed_day_write(account_id, billed)
                batch.set(paths.usage_day(self.db, tenant_id, account_id, billed.day), doc, merge=merge)
            batch.commit()

    def read_days(self, tenant_id: str, account_ids: Sequence[str], start: date, end: date) -> Iterator[BilledDay]:
        days = [start + timedelta(days=i) for i in range((end - start).days + 1)]
        refs = [paths.usage_day(self.db, tenant_id, a, d) for a in account_ids for d in days]
        if not refs:
            return
        # Only the billed field: the day's usage hours are the bulk of the document.
        for snap in self.db.get_all(refs, field_paths=["account_id", "day", BILLED_FIELD]):
            if snap.exists:
                doc = snap.to_dict() or {}
                billed = billed_day_from_doc(str(doc["account_id"]), date.fromisoformat(doc["day"]), doc)
                if billed is not None:
                    yield billed


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
