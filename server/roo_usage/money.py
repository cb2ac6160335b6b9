"""Exact money: USD amounts are kept as integer pico-dollars (1e-12 USD).

The extensions record cost as JavaScript floats (``0.058584000000000006``). Converting through the
shortest decimal representation and rounding to 1e-12 keeps every figure the extension showed, and
integer sums make every breakdown add up exactly to its total.
"""

from __future__ import annotations

from decimal import MAX_EMAX, MAX_PREC, MIN_EMIN, ROUND_HALF_EVEN, Context, Decimal

PICO_PER_USD = 10**12
_PICO = Decimal(1).scaleb(-12)
_EXACT = Context(prec=MAX_PREC, Emax=MAX_EMAX, Emin=MIN_EMIN)


def usd_to_pico(value: float | int | str | Decimal) -> int:
    """Convert a recorded USD amount (float, int or decimal string) to integer pico-dollars."""
    if value.__class__ is float and -1e3 < value < 1e3:
        # Below $1000 the product is within 0.02 pico of the exact decimal amount, so away
        # from a half it rounds the same way; near a half, decide with Decimal below.
        scaled = value * 1e12
        nearest = round(scaled)
        if abs(scaled - nearest) < 0.25:
            return nearest
    if isinstance(value, float):
        value = repr(value)
    amount = Decimal(value)
    if not amount.is_finite():
        raise ValueError(f"not a finite amount: {value!r}")
    # exact at any size (the default 28-digit context raised InvalidOperation above 1e16 USD)
    pico = amount.scaleb(12, context=_EXACT)
    return int(pico.to_integral_value(rounding=ROUND_HALF_EVEN, context=_EXACT))


def pico_to_decimal(pico: int) -> Decimal:
    """The exact decimal USD amount of ``pico`` pico-dollars, without trailing zeros."""
    if pico == 0:
        return Decimal(0)
    return Decimal(pico).scaleb(-12).normalize()


def pico_to_usd(pico: int) -> float:
    """The nearest float to the exact USD amount (for JSON numbers)."""
    return float(pico_to_decimal(pico))


def pico_to_text(pico: int) -> str:
    """The exact USD amount as a plain decimal string, e.g. ``"0.165987"``."""
    return format(pico_to_decimal(pico), "f")


def format_usd(pico: int) -> str:
    """Human formatting: ``$12.34``; small amounts keep two significant digits (``$0.0042``)."""
    amount = pico_to_decimal(pico)
    if amount == 0:
        return "$0.00"
    if abs(amount) >= Decimal("0.01"):
        return f"${amount.quantize(Decimal('0.01')):,}"
    digits = -amount.adjusted() + 1  # two significant digits
    rounded = amount.quantize(Decimal(1).scaleb(-digits))
    if rounded.adjusted() > amount.adjusted():  # rounded up to a power of ten: 0.00100 -> 0.0010
        rounded = rounded.quantize(Decimal(1).scaleb(1 - digits))
        if abs(rounded) >= Decimal("0.01"):
            return f"${rounded.quantize(Decimal('0.01')):,}"
    return f"${rounded:f}"
