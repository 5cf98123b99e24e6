"""A tenant's own settings: the time zone its daily and weekly views are cut in, and its rate cards."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from importlib import resources
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from shared.domain.rate_cards import RateCard, check_no_overlap

UTC_NAME = "UTC"
DEFAULT_ADVICE_ALERT_USD = Decimal(100)

TIME_ZONES: tuple[str, ...] = tuple(
    sorted(set(resources.files("tzdata").joinpath("zones").read_text().split()) - {"Factory"})
)
"""The IANA zone names we accept: those of the pinned tzdata package, so the API and its schema are the same on
every machine and deploy (the host's own zone files differ, and hold names such as "localtime")."""


def time_zone(name: str) -> ZoneInfo:
    """The IANA zone called ``name`` (``Europe/Paris``, ``UTC``).

    Raises:
        ValueError: ``name`` is not an IANA time zone name.
    """
    if not isinstance(name, str) or not name or len(name) > 64 or name.startswith(("/", ".")) or ".." in name:
        raise ValueError(f"not an IANA time zone name: {str(name)[:64]!r}")
    if name not in TIME_ZONES:
        raise ValueError(f"unknown time zone {name[:64]!r}; use an IANA name such as Europe/Paris or UTC")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise ValueError(f"unknown time zone {name[:64]!r}; use an IANA name such as Europe/Paris or UTC") from None


@dataclass(frozen=True, slots=True)
class TenantSettings:
    time_zone: str = UTC_NAME
    rate_cards: tuple[RateCard, ...] = ()
    """Negotiated discounts off list price (see shared.domain.rate_cards)."""
    advice_alert_usd: Decimal = DEFAULT_ADVICE_ALERT_USD
    """New savings advice worth at least this much a month (USD) raises an alert, once."""

    def __post_init__(self) -> None:
        time_zone(self.time_zone)  # refuse what zoneinfo cannot load
        check_no_overlap(self.rate_cards)
        if not self.advice_alert_usd.is_finite() or self.advice_alert_usd < 0:
            raise ValueError(f"the advice alert threshold must be a non-negative amount, got {self.advice_alert_usd}")
