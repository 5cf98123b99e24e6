"""Money: Decimal end to end, rounded only for display."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import ROUND_HALF_EVEN, Context, Decimal

ZERO = Decimal(0)
MILLION = Decimal(1_000_000)
CENT = Decimal("0.01")


# One shared context avoids the cost of opening a local context per class (this runs for every row of
# every hour).
EXACT = Context(prec=60)
"""For sums and products of amounts: 60 digits hold any realistic total exactly (the default context's 28
could round a long sum of amounts with many decimals)."""
_EXACT = EXACT


def cost_of_tokens(tokens: int, usd_per_mtok: Decimal) -> Decimal:
    """Exact cost of ``tokens`` at a per-million-token rate (no rounding)."""
    return _EXACT.multiply(Decimal(tokens), usd_per_mtok).scaleb(-6, _EXACT)


def cost_of_units(quantity: int, usd_per: Decimal, per: int) -> Decimal:
    """Exact cost of ``quantity`` units at ``usd_per`` USD per ``per`` units (no rounding)."""
    if per == 1:
        return _EXACT.multiply(Decimal(quantity), usd_per)
    if per == 1_000_000:
        return cost_of_tokens(quantity, usd_per)
    return _EXACT.divide(_EXACT.multiply(Decimal(quantity), usd_per), Decimal(per))


def exact_sum(values: Iterable[Decimal]) -> Decimal:
    """The exact sum of amounts."""
    total = ZERO
    for value in values:
        total = _EXACT.add(total, value)
    return total


def usd(value: Decimal) -> str:
    """A stored or transported amount: the exact decimal, normalised (no exponent)."""
    if value == 0:
        return "0"
    text = format(value.normalize(), "f")
    return text


def parse_usd(text: str) -> Decimal:
    """Parse a stored amount; refuses floats' artefacts (NaN, infinity)."""
    value = Decimal(text)
    if not value.is_finite():
        raise ValueError(f"not a finite amount: {text!r}")
    return value


def to_cents(value: Decimal) -> Decimal:
    """Round to the cent (banker's rounding, as invoices do for display)."""
    return value.quantize(CENT, rounding=ROUND_HALF_EVEN)
