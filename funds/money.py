"""Money: CNY amounts as `Decimal`, built through one constructor.

Every amount that enters Fundbook passes through `parse_amount` (text from a
person or a client) or `cents` (a value already trusted), so no float ever
comes near an amount and every amount has exactly two decimal places.
"""

from __future__ import annotations

import re
from decimal import Decimal

CURRENCY = "CNY"
CENT = Decimal("0.01")
ZERO = Decimal("0.00")

# At most 16 integer digits so every amount fits Numeric(18, 2).
_AMOUNT_TEXT = re.compile(r"(0|[1-9][0-9]{0,15})(\.[0-9]{1,2})?")


class InvalidAmount(ValueError):
    """Text or a value that is not a well-formed CNY amount."""


def parse_amount(text: object, *, allow_zero: bool = False) -> Decimal:
    """Parse a client's amount: a string like "1234.50", positive, <= 2 decimals.

    JSON numbers, exponents, signs, NaN, infinities, spaces and thousands
    separators are refused.
    """
    if not isinstance(text, str):
        raise InvalidAmount('amount must be a string such as "1234.50", not a number')
    if not _AMOUNT_TEXT.fullmatch(text):
        raise InvalidAmount(
            f"amount {text[:40]!r} is not a positive decimal with at most two decimals"
        )
    value = Decimal(text).quantize(CENT)
    if value == 0 and not allow_zero:
        raise InvalidAmount("amount must be greater than zero")
    return value


def cents(value: Decimal | int | str) -> Decimal:
    """A trusted value as an amount with exactly two decimals; refuses sub-cent values."""
    if isinstance(value, float):  # pragma: no cover - guarded by the type checker
        raise InvalidAmount("floats are never amounts")
    number = Decimal(value)
    if not number.is_finite():
        raise InvalidAmount(f"{value!r} is not a finite amount")
    quantized = number.quantize(CENT)
    if quantized != number:
        raise InvalidAmount(f"{value!r} has more than two decimals")
    return quantized


def format_amount(value: Decimal) -> str:
    """The API's text form of an amount: "1234.50"."""
    return f"{cents(value):f}"
