"""Computed cost beside billed cost, per account, UTC day, model and token class, with the known reasons
they differ. Pure: the service reads the documents, this decides what they say.

Known reasons (each a ``Reason.code``):
- ``tier_not_billed``: usage of a tier the provider bills apart (Anthropic's Priority Tier, OpenAI's Scale
  Tier) is not in the billed ledger (its rate is the organization's own).
- ``only_in_report``: what usage never reports (code execution, sessions, fine-tuning) is in the ledger only.
- ``unpriced``: some tokens have no known price (an unknown model, ...): computed cost leaves them out.
- ``provisional``: the day has hours younger than the provider's settling time; either side may still change.
- ``ledger_not_read``: the cost report for the day has not been read yet.
A line whose computed and billed cost differ by a cent or more and that none of these explain is
``unexplained``: a bug to look at.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from shared.domain.billed import BilledDay
from shared.domain.money import CENT, ZERO
from shared.domain.priced import CostRow, is_provisional
from shared.domain.usage import COST_CLASSES, TOKEN_CLASSES

CLASS_ORDER: tuple[str, ...] = (*COST_CLASSES, "code_execution", "session_usage")


@dataclass(frozen=True, slots=True)
class LedgerRules:
    """What an account's provider leaves out of its billed ledger (shared.providers.base.Provider).

    Attributes:
        tiers_not_billed: service tiers billed apart (committed capacity): computed, never in the ledger.
        ledger: what the provider calls its billed ledger, for messages ("the cost report", "Costs").
    """

    tiers_not_billed: frozenset[str] = frozenset()
    ledger: str = "the billed ledger"


MATCHED = "matched"
EXPLAINED = "explained"
UNEXPLAINED = "unexplained"


@dataclass(frozen=True, slots=True)
class Reason:
    code: str
    message: str


@dataclass
class Line:
    """Billed and computed cost of one account, day, model and cost class."""

    account_id: str
    day: date
    model: str | None
    cost_class: str
    billed: Decimal = ZERO
    computed: Decimal = ZERO
    tokens: int = 0
    unpriced_tokens: int = 0
    tier_tokens: int = 0
    tier_computed: Decimal = ZERO
    tiers: set[str] = field(default_factory=set)
    unpriced_reasons: set[str] = field(default_factory=set)
    billed_lines: int = 0
    status: str = MATCHED
    reasons: list[Reason] = field(default_factory=list)
    provisional: bool = False

    @property
    def difference(self) -> Decimal:
        """Computed minus billed: positive when we compute more than the provider billed."""
        return self.computed - self.billed

    @property
    def matched(self) -> bool:
        return abs(self.difference) < CENT

    def sort_key(self) -> tuple[date, str, str, int, str]:
        order = CLASS_ORDER.index(self.cost_class) if self.cost_class in CLASS_ORDER else len(CLASS_ORDER)
        return (self.day, self.account_id, self.model or "~", order, self.cost_class)


def reconcile(
    computed: Iterable[tuple[str, date, CostRow]],
    billed_days: Iterable[BilledDay],
    now: datetime,
    rules: Mapping[str, LedgerRules] | None = None,
) -> list[Line]:
    """Every line either side has, classified. Days with neither computed nor billed cost have no line."""
    lines: dict[tuple[str, date, str | None, str], Line] = {}

    def line(account_id: str, day: date, model: str | None, cost_class: str) -> Line:
        key = (account_id, day, model, cost_class)
        found = lines.get(key)
        if found is None:
            found = lines[key] = Line(account_id, day, model, cost_class)
        return found

    ledger_read: set[tuple[str, date]] = set()
    for billed in billed_days:
        ledger_read.add((billed.account_id, billed.day))
        for b in billed.lines:
            cls = b.cost_class
            # Token costs are billed per model; web search and tool costs are per workspace only.
            entry = line(billed.account_id, billed.day, b.model if cls in TOKEN_CLASSES else None, cls)
            entry.billed += b.amount_usd
            entry.billed_lines += 1

    rules = rules or {}
    for account_id, day, row in computed:
        priority = row.dims.service_tier in rules.get(account_id, NO_RULES).tiers_not_billed
        counts: list[tuple[str, str | None, int]] = [
            # Token costs are billed per model; per-unit items (web search, ...) per workspace only.
            (c, row.dims.model if c in TOKEN_CLASSES else None, row.tokens.quantity(c))
            for c in COST_CLASSES
        ]
        for cls, model, count in counts:
            amount = None if row.cost is None else row.cost.amount(cls)
            if not count and not amount:
                continue
            entry = line(account_id, day, model, cls)
            entry.tokens += count
            if amount is None:
                if priority:
                    entry.tier_tokens += count
                    entry.tiers.add(row.dims.service_tier)
                else:
                    entry.unpriced_tokens += count
                    entry.unpriced_reasons.add(row.unpriced_reason or "no price known")
                continue
            entry.computed += amount
            if priority:
                entry.tier_tokens += count
                entry.tier_computed += amount
                entry.tiers.add(row.dims.service_tier)

    for entry in lines.values():
        _classify(
            entry,
            (entry.account_id, entry.day) in ledger_read,
            is_provisional(entry.day, now),
            rules.get(entry.account_id, NO_RULES),
        )
    return sorted(lines.values(), key=Line.sort_key)


def _classify(entry: Line, ledger_read: bool, provisional: bool, rules: LedgerRules) -> None:
    entry.provisional = provisional
    if entry.tier_tokens:
        priced = "priced at the organization's own rate" if entry.tier_computed else "unpriced"
        tiers = ", ".join(sorted(entry.tiers))
        entry.reasons.append(
            Reason(
                "tier_not_billed",
                f"{entry.tier_tokens} {tiers} tier tokens ({priced}): {rules.ledger} leaves the {tiers} tier out",
            )
        )
    if entry.cost_class not in COST_CLASSES:
        # Usage never reports it (code execution, fine-tuning, ...): only the ledger knows its cost.
        entry.reasons.append(Reason("only_in_report", f"{entry.cost_class} is billed in {rules.ledger} only"))
    if entry.unpriced_tokens:
        entry.reasons.append(
            Reason(
                "unpriced",
                f"{entry.unpriced_tokens} tokens have no known price and are not in the computed cost: "
                + "; ".join(sorted(entry.unpriced_reasons)),
            )
        )
    if not ledger_read:
        entry.reasons.append(Reason("ledger_not_read", f"{rules.ledger} for this day has not been read yet"))
    if provisional:
        entry.reasons.append(
            Reason("provisional", "usage younger than the provider's settling time: not final on either side")
        )
    if entry.matched:
        entry.status = MATCHED
    elif _explained(entry):
        entry.status = EXPLAINED
    else:
        entry.status = UNEXPLAINED


NO_RULES = LedgerRules()


def _explained(entry: Line) -> bool:
    """Whether the known reasons account for the gap (a provisional day or unread ledger explains any gap)."""
    codes = {r.code for r in entry.reasons}
    if codes & {"provisional", "ledger_not_read", "only_in_report"}:
        return True
    gap = entry.difference
    if "tier_not_billed" in codes:
        gap -= entry.tier_computed  # what we priced for that tier is exactly what the ledger leaves out
        if abs(gap) < CENT:
            return True
    # Unpriced tokens can only make the computed side smaller than what was billed.
    return "unpriced" in codes and gap < 0
