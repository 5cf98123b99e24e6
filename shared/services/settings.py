"""Reading and changing a tenant's settings: its time zone and its rate cards."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from shared.domain.money import usd
from shared.domain.rate_cards import RateCard
from shared.domain.settings import TenantSettings
from shared.errors import InvalidInput
from shared.ports import TenantSettingsStore


def card_out(card: RateCard) -> dict[str, Any]:
    return {
        "provider": card.provider,
        "model": card.model,
        "percent_off": usd(card.percent_off),
        "effective_from": card.effective_from.isoformat(),
        "until": card.until.isoformat() if card.until else None,
        "note": card.note,
    }


class SettingsService:
    def __init__(self, store: TenantSettingsStore):
        self.store = store

    def get(self, tenant_id: str) -> dict[str, Any]:
        return {"time_zone": self.store.get_settings(tenant_id).time_zone}

    def update(self, tenant_id: str, time_zone: str) -> dict[str, Any]:
        current = self.store.get_settings(tenant_id)
        try:
            settings = replace(current, time_zone=time_zone)
        except ValueError as exc:
            raise InvalidInput(str(exc), field="time_zone") from None
        self.store.save_settings(tenant_id, settings)
        return {"time_zone": settings.time_zone}

    def rate_cards(self, tenant_id: str) -> dict[str, Any]:
        return {"rate_cards": [card_out(c) for c in self.store.get_settings(tenant_id).rate_cards]}

    def replace_rate_cards(self, tenant_id: str, cards: Sequence[RateCard]) -> dict[str, Any]:
        current = self.store.get_settings(tenant_id)
        try:
            settings = TenantSettings(time_zone=current.time_zone, rate_cards=tuple(cards))
        except ValueError as exc:
            raise InvalidInput(str(exc), field="rate_cards") from None
        self.store.save_settings(tenant_id, settings)
        return self.rate_cards(tenant_id)
