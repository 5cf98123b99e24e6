"""Firestore adapters for the billed cost ledger, tenant settings and the re-pricing state.

Layout (scoped by tenant, beside the usage documents of shared.adapters.firestore):
    tenants/{tenant}                                            fields time_zone, rate_cards (tenant settings)
    tenants/{tenant}/accounts/{account}/billed_days/{YYYY-MM-DD}  the day's billed lines, overwritten whole
    tenants/{tenant}/accounts/{account}/meta/billed_ledger        how far the ledger has been read
    tenants/{tenant}/accounts/{account}/meta/pricing              the catalogue version history is priced to
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import date, timedelta
from typing import Any

from google.cloud import firestore

from shared.adapters.codec import utc_timestamp
from shared.domain.billed import BilledCost, BilledDay, LedgerState
from shared.domain.money import parse_usd, usd
from shared.domain.rate_cards import RateCard
from shared.domain.settings import UTC_NAME, TenantSettings
from shared.services.repricing import PricingState

BATCH_LIMIT = 500
_LINE_FIELDS = (
    "workspace_id",
    "model",
    "token_type",
    "cost_type",
    "service_tier",
    "context_window",
    "inference_geo",
    "description",
)


def billed_day_to_doc(tenant_id: str, billed: BilledDay) -> dict[str, Any]:
    return {
        "tenant_id": tenant_id,
        "account_id": billed.account_id,
        "day": billed.day.isoformat(),
        "read_at": billed.read_at,
        "total_usd": usd(billed.total_usd),
        "lines": [
            {**{f: getattr(line, f) for f in _LINE_FIELDS}, "amount_usd": usd(line.amount_usd)} for line in billed.lines
        ],
    }


def billed_day_from_doc(doc: dict[str, Any]) -> BilledDay:
    day = date.fromisoformat(doc["day"])
    lines = tuple(
        BilledCost(day=day, **{f: m.get(f) for f in _LINE_FIELDS}, amount_usd=parse_usd(m["amount_usd"]))
        for m in doc.get("lines", [])
    )
    return BilledDay(account_id=doc["account_id"], day=day, lines=lines, read_at=utc_timestamp(doc.get("read_at")))


class FirestoreBilledCostStore:
    def __init__(self, client: firestore.Client):
        self.db = client

    def _account_ref(self, tenant_id: str, account_id: str) -> Any:
        return self.db.collection("tenants").document(tenant_id).collection("accounts").document(account_id)

    def write_days(self, tenant_id: str, account_id: str, days: Sequence[BilledDay]) -> None:
        col = self._account_ref(tenant_id, account_id).collection("billed_days")
        for i in range(0, len(days), BATCH_LIMIT):
            batch = self.db.batch()
            for billed in days[i : i + BATCH_LIMIT]:
                batch.set(col.document(billed.day.isoformat()), billed_day_to_doc(tenant_id, billed))
            batch.commit()

    def read_days(self, tenant_id: str, account_ids: Sequence[str], start: date, end: date) -> Iterator[BilledDay]:
        days = [start + timedelta(days=i) for i in range((end - start).days + 1)]
        refs = [
            self._account_ref(tenant_id, a).collection("billed_days").document(d.isoformat())
            for a in account_ids
            for d in days
        ]
        if not refs:
            return
        for snap in self.db.get_all(refs):
            if snap.exists:
                yield billed_day_from_doc(snap.to_dict() or {})

    def _state_ref(self, tenant_id: str, account_id: str) -> Any:
        return self._account_ref(tenant_id, account_id).collection("meta").document("billed_ledger")

    def get_state(self, tenant_id: str, account_id: str) -> LedgerState:
        snap = self._state_ref(tenant_id, account_id).get()
        if not snap.exists:
            return LedgerState()
        data = snap.to_dict() or {}
        through = data.get("read_through")
        return LedgerState(
            read_through=date.fromisoformat(through) if through else None,
            last_read_at=utc_timestamp(data.get("last_read_at")),
            last_error=data.get("last_error"),
        )

    def set_state(self, tenant_id: str, account_id: str, state: LedgerState) -> None:
        self._state_ref(tenant_id, account_id).set(
            {
                "read_through": state.read_through.isoformat() if state.read_through else None,
                "last_read_at": state.last_read_at,
                "last_error": state.last_error,
            }
        )


class FirestoreTenantSettingsStore:
    """Settings are fields of the tenant's own document (merged, never overwriting other fields)."""

    def __init__(self, client: firestore.Client):
        self.db = client

    def get_settings(self, tenant_id: str) -> TenantSettings:
        snap = self.db.collection("tenants").document(tenant_id).get()
        data = (snap.to_dict() or {}) if snap.exists else {}
        cards = tuple(_card_from_map(m) for m in data.get("rate_cards") or [])
        try:
            return TenantSettings(time_zone=data.get("time_zone") or UTC_NAME, rate_cards=cards)
        except ValueError:
            # A zone this runtime's tz database no longer knows: answer in UTC rather than fail every view.
            return TenantSettings(rate_cards=cards)

    def save_settings(self, tenant_id: str, settings: TenantSettings) -> None:
        self.db.collection("tenants").document(tenant_id).set(
            {
                "id": tenant_id,
                "time_zone": settings.time_zone,
                "rate_cards": [_card_to_map(c) for c in settings.rate_cards],
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


class FirestorePricingStateStore:
    """tenants/{tenant}/accounts/{account}/meta/pricing: the catalogue version history was re-priced to."""

    def __init__(self, client: firestore.Client):
        self.db = client

    def _ref(self, tenant_id: str, account_id: str) -> Any:
        account = self.db.collection("tenants").document(tenant_id).collection("accounts").document(account_id)
        return account.collection("meta").document("pricing")

    def get_pricing_state(self, tenant_id: str, account_id: str) -> PricingState:
        snap = self._ref(tenant_id, account_id).get()
        data = (snap.to_dict() or {}) if snap.exists else {}
        return PricingState(data.get("catalogue_version"), utc_timestamp(data.get("requested_at")))

    def set_pricing_state(self, tenant_id: str, account_id: str, state: PricingState) -> None:
        self._ref(tenant_id, account_id).set(
            {"catalogue_version": state.catalogue_version, "requested_at": state.requested_at}
        )
