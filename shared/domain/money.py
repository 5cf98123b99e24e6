"""Money: Decimal end to end, rounded only for display."""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Context, Decimal

ZERO = Decimal(0)
MILLION = Decimal(1_000_000)
CENT = Decimal("0.01")


# 40 digits hold any realistic token count times any rate exactly; one shared context avoids the cost
# of opening a local context per token class (this runs for every row of every hour).
_EXACT = Context(prec=40)


def cost_of_tokens(tokens: int, usd_per_mtok: Decimal) -> Decimal:
    """Exact cost of ``tokens`` at a per-million-token rate (no rounding)."""
    return _EXACT.multiply(Decimal(tokens), usd_per_mtok).scaleb(-6, _EXACT)


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
