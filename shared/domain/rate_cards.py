"""Organization rate cards: negotiated discounts off list price, per provider or per model, from a date.

A discount is a multiple of the list price, so it is applied when costs are read, not when they are
stored: list costs stay what the catalogue says (and what reconciliation compares with the invoice at
list price), the effective cost is list x (1 - percent off), and changing a card re-prices every view at
once without rewriting history.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

ONE = Decimal(1)
HUNDRED = Decimal(100)


@dataclass(frozen=True, slots=True)
class RateCard:
    """``percent_off`` off the list price of ``provider``'s usage (of models starting with ``model``, if
    given) on UTC days from ``effective_from`` (inclusive) until ``until`` (exclusive, open if None)."""

    provider: str
    percent_off: Decimal
    effective_from: date
    model: str | None = None
    until: date | None = None
    note: str = ""

    def __post_init__(self) -> None:
        if not self.percent_off.is_finite() or not 0 <= self.percent_off <= 100:
            raise ValueError(f"percent_off must be between 0 and 100, got {self.percent_off}")
        if self.until is not None and self.until <= self.effective_from:
            raise ValueError(f"until {self.until} must be after effective_from {self.effective_from}")

    @property
    def factor(self) -> Decimal:
        """What is paid per dollar of list price."""
        return ONE - self.percent_off / HUNDRED

    def applies(self, provider: str, model: str, day: date) -> bool:
        return (
            self.provider == provider
            and (self.model is None or model.startswith(self.model))
            and self.effective_from <= day
            and (self.until is None or day < self.until)
        )

    def describe(self) -> str:
        scope = self.provider + (f" {self.model}*" if self.model else "")
        return f"{self.percent_off}% off {scope} from {self.effective_from}" + (
            f" until {self.until}" if self.until else ""
        )


def card_for(cards: Sequence[RateCard], provider: str, model: str, day: date) -> RateCard | None:
    """The card that applies: a model's own card before a provider-wide one, then the latest start."""
    best: RateCard | None = None
    for card in cards:
        if not card.applies(provider, model, day):
            continue
        if best is None or (len(card.model or ""), card.effective_from) > (len(best.model or ""), best.effective_from):
            best = card
    return best


def check_no_overlap(cards: Sequence[RateCard]) -> None:
    """Two cards for the same provider and model scope must not cover the same day.

    Raises:
        ValueError: naming the overlapping cards.
    """
    for i, a in enumerate(cards):
        for b in cards[i + 1 :]:
            if (a.provider, a.model) != (b.provider, b.model):
                continue
            if (a.until is None or b.effective_from < a.until) and (b.until is None or a.effective_from < b.until):
                raise ValueError(f"rate cards overlap: {a.describe()} and {b.describe()}")


class RateCardDiscount:
    """What an account pays per dollar of list price for a model on a day, remembering which cards applied.

    Called once per row of a view: answers are memoized per (account, model, day).
    """

    def __init__(self, cards: Sequence[RateCard], provider_of: Mapping[str, str]):
        self._cards = tuple(cards)
        self._provider_of = provider_of
        self._memo: dict[tuple[str, str, date], Decimal | None] = {}
        self.applied: set[str] = set()

    def __bool__(self) -> bool:
        return bool(self._cards)

    def boundaries(self) -> set[date]:
        """The UTC days on which some card of these accounts' providers starts or ends (what a card pays
        is the same on every day between two of them)."""
        providers = set(self._provider_of.values())
        out: set[date] = set()
        for card in self._cards:
            if card.provider in providers:
                out.add(card.effective_from)
                if card.until is not None:
                    out.add(card.until)
        return out

    def __call__(self, account_id: str, model: str, day: date) -> Decimal | None:
        key = (account_id, model, day)
        if key not in self._memo:
            card = card_for(self._cards, self._provider_of.get(account_id, ""), model, day)
            if card is not None:
                self.applied.add(card.describe())
            self._memo[key] = None if card is None else card.factor
        return self._memo[key]
