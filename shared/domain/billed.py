"""The billed cost ledger: what the provider says it charged, per UTC day, as its cost report states it.

This is the invoice side that computed costs are reconciled against. Amounts are exact USD Decimals
(the Anthropic cost report gives cents as decimal strings; "123.45" cents is $1.2345).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from shared.domain.money import ZERO

TOKEN_TYPE_CLASSES: dict[str, str] = {
    "uncached_input_tokens": "uncached_input",
    "cache_creation.ephemeral_5m_input_tokens": "cache_write_5m",
    "cache_creation.ephemeral_1h_input_tokens": "cache_write_1h",
    "cache_read_input_tokens": "cache_read",
    "output_tokens": "output",
}
"""The cost report's ``token_type`` -> our token class (see shared.domain.usage.TOKEN_CLASSES)."""

COST_TYPE_CLASSES: dict[str, str] = {
    "web_search": "web_search",
    "code_execution": "code_execution",
    "session_usage": "session_usage",
}
"""Cost types that are not token costs -> the class a reconciliation shows them under."""


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

    @property
    def cost_class(self) -> str:
        """The class this line is billed under: a token class, ``web_search``, ``code_execution``, ...

        A token line whose type we do not know keeps the report's own name, so it shows rather than vanishes.
        """
        if self.token_type is not None:
            return TOKEN_TYPE_CLASSES.get(self.token_type, self.token_type)
        if self.cost_type is not None:
            return COST_TYPE_CLASSES.get(self.cost_type, self.cost_type)
        return "other"


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
        parts = sorted(repr((*(getattr(line, f) for f in _LINE_FIELDS), str(line.amount_usd))) for line in self.lines)
        digest = hashlib.sha256(self.day.isoformat().encode())
        for part in parts:
            digest.update(b"\n" + part.encode())
        return digest.hexdigest()[:32]


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
