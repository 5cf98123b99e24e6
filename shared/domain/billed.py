"""The billed cost ledger: what the provider says it charged, per UTC day, as its cost report states it.

This is the invoice side that computed costs are reconciled against. Amounts are exact USD Decimals
(the provider adapters convert: Anthropic's cost report gives cents as decimal strings, "123.45" cents
is $1.2345; OpenAI's Costs API gives dollars).
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from shared.domain.money import ZERO


@dataclass(frozen=True, slots=True)
class BilledCost:
    """One line of the provider's cost report for one UTC day.

    Fields are as the report names them; a field the report leaves null is None. ``amount_usd`` is exact.
    """

    day: date
    workspace_id: str | None
    model: str | None
    token_type: str | None
    cost_type: str | None
    service_tier: str | None
    context_window: str | None
    inference_geo: str | None
    description: str | None
    amount_usd: Decimal
    cost_class: str = "other"
    """The class the line is billed under, as the provider adapter mapped it: one of our usage classes
    (``shared.domain.usage.COST_CLASSES``), or the ledger's own name for what usage never reports
    (``code_execution``, ``fine_tuning``, ...), so it shows rather than vanishes."""


LINE_FIELDS: tuple[str, ...] = (
    "workspace_id",
    "model",
    "token_type",
    "cost_type",
    "service_tier",
    "context_window",
    "inference_geo",
    "description",
    "cost_class",
)


@dataclass(frozen=True, slots=True)
class BilledDay:
    """Every billed line of one account for one UTC day, as last read (stored and overwritten whole)."""

    account_id: str
    day: date
    lines: tuple[BilledCost, ...]
    read_at: datetime | None = None

    @property
    def total_usd(self) -> Decimal:
        return sum((line.amount_usd for line in self.lines), ZERO)

    def content_hash(self) -> str:
        """A digest of the day's lines, independent of their order."""
        return lines_digest(self.day, self.lines)


def lines_digest(day: date, lines: Sequence[BilledCost]) -> str:
    """A digest of a day's billed lines, independent of their order."""
    parts = sorted(repr((*(getattr(line, f) for f in LINE_FIELDS), str(line.amount_usd))) for line in lines)
    digest = hashlib.sha256(day.isoformat().encode())
    for part in parts:
        digest.update(b"\n" + part.encode())
    return digest.hexdigest()[:32]


@dataclass(frozen=True, slots=True)
class ServedDay:
    """One day of a provider's cost report as served, before its lines are parsed: ``digest`` tells a sync
    whether the day changed since it was last read (most of the days a sync reads again have not)."""

    day: date
    digest: str
    parse: Callable[[], tuple[BilledCost, ...]]

    @classmethod
    def parsed(cls, day: date, lines: tuple[BilledCost, ...]) -> ServedDay:
        """A day whose lines are at hand already (its digest: `lines_digest`)."""
        return cls(day, lines_digest(day, lines), functools.partial(_same_lines, lines))


def _same_lines(lines: tuple[BilledCost, ...]) -> tuple[BilledCost, ...]:
    return lines


@dataclass(frozen=True, slots=True)
class LedgerState:
    """How far an account's billed ledger has been read, and the last problem reading it."""

    read_through: date | None = None
    """Days before this one have been read after they ended; this day and later are due (re-)reads."""
    last_read_at: datetime | None = None
    last_error: str | None = None
    day_hashes: Mapping[str, str] = field(default_factory=dict)
    """ISO day -> digest of its lines as last stored, for the days still re-read (unchanged ones are not
    rewritten)."""
