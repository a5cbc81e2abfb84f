"""Money inside the simulator: integer micro-dollars, shown as six-decimal dollar strings."""

from __future__ import annotations

from decimal import Decimal

MICROS_PER_USD = 1_000_000


def usd_string(micros: int) -> str:
    """Render micro-dollars as the API's fixed six-decimal dollar string, e.g. "12.340000"."""
    sign = "-" if micros < 0 else ""
    whole, frac = divmod(abs(micros), MICROS_PER_USD)
    return f"{sign}{whole}.{frac:06d}"


def usd_decimal(micros: int) -> Decimal:
    """Micro-dollars as an exact Decimal number of dollars."""
    return Decimal(micros).scaleb(-6)


def micros_from_usd(amount: Decimal | int | str) -> int:
    """Dollars (exact, at most six decimals) as integer micro-dollars."""
    scaled = Decimal(amount) * MICROS_PER_USD
    if scaled != scaled.to_integral_value():
        raise ValueError(f"{amount} has more than six decimals")
    return int(scaled)
