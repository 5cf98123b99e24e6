"""Money: Decimal end to end, rounded only for display."""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal, localcontext

ZERO = Decimal(0)
MILLION = Decimal(1_000_000)
CENT = Decimal("0.01")


def cost_of_tokens(tokens: int, usd_per_mtok: Decimal) -> Decimal:
    """Exact cost of ``tokens`` at a per-million-token rate (no rounding)."""
    with localcontext() as ctx:
        ctx.prec = 40
        return (Decimal(tokens) * usd_per_mtok) / MILLION


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
