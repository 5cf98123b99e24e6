"""Reading and changing a tenant's settings: its time zone and its rate cards."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from decimal import Decimal
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
        return _settings_out(self.store.get_settings(tenant_id))

    def update(self, tenant_id: str, time_zone: str | None, advice_alert_usd: Decimal | None = None) -> dict[str, Any]:
        """Change what is given (None: keep it)."""
        current = self.store.get_settings(tenant_id)
        settings = current
        try:
            if time_zone is not None:
                settings = replace(settings, time_zone=time_zone)
        except ValueError as exc:
            raise InvalidInput(str(exc), field="time_zone") from None
        try:
            if advice_alert_usd is not None:
                settings = replace(settings, advice_alert_usd=advice_alert_usd)
        except ValueError as exc:
            raise InvalidInput(str(exc), field="advice_alert_usd") from None
        self.store.save_settings(tenant_id, settings)
        return _settings_out(settings)

    def rate_cards(self, tenant_id: str) -> dict[str, Any]:
        return {"rate_cards": [card_out(c) for c in self.store.get_settings(tenant_id).rate_cards]}

    def replace_rate_cards(self, tenant_id: str, cards: Sequence[RateCard]) -> dict[str, Any]:
        current = self.store.get_settings(tenant_id)
        try:
            settings = replace(current, rate_cards=tuple(cards))
        except ValueError as exc:
            raise InvalidInput(str(exc), field="rate_cards") from None
        self.store.save_settings(tenant_id, settings)
        return self.rate_cards(tenant_id)


def _settings_out(settings: TenantSettings) -> dict[str, Any]:
    return {"time_zone": settings.time_zone, "advice_alert_usd": usd(settings.advice_alert_usd)}
