"""Kassa's exception hierarchy.

Every exception raised by Kassa is a :class:`KassaError` carrying a stable
snake_case ``code`` (the same code as in Rust, Node and Kotlin). Errors about
bad input are also :class:`ValueError`, so generic handlers keep working.
"""

from __future__ import annotations

from typing import Dict, Tuple, Type


class KassaError(Exception):
    """Base class of every Kassa error. ``code`` is stable; the message is for people."""

    code: str = "kassa_error"

    def __init__(self, message: str, code: str | None = None) -> None:
        super().__init__(message)
        if code is not None:
            self.code = code

    @property
    def message(self) -> str:
        return str(self.args[0]) if self.args else ""

    def __reduce__(self) -> Tuple[Type[KassaError], Tuple[str, str]]:  # keep .code through pickling
        return (type(self), (self.message, self.code))


class InvalidInputError(KassaError, ValueError):
    """The input was malformed or out of bounds; nothing was changed."""

    code = "invalid_input"


class UnknownCurrencyError(InvalidInputError):
    """The currency is not an active ISO 4217 code."""

    code = "unknown_currency"


class InvalidAmountError(InvalidInputError):
    """The amount is not a plain decimal number (or not positive where it must be)."""

    code = "invalid_amount"


class InvalidAmountPrecisionError(InvalidAmountError):
    """The amount has more decimals than its currency allows."""

    code = "invalid_amount_precision"


class AmountOutOfRangeError(InvalidInputError):
    """The amount, or the result of arithmetic on amounts, exceeds the i64 minor-unit bound."""

    code = "amount_out_of_range"


class CurrencyMismatchError(InvalidInputError):
    """Two amounts in different currencies met; Kassa never converts."""

    code = "currency_mismatch"


class InvalidRateError(InvalidInputError):
    """A rate or percentage is not a plain decimal number."""

    code = "invalid_rate"


class InvalidQuantityError(InvalidInputError):
    """A quantity is not a whole number in range."""

    code = "invalid_quantity"


class InvalidWeightsError(InvalidInputError):
    """Allocation weights cannot split the total."""

    code = "invalid_weights"


class InvalidRoundingModeError(InvalidInputError):
    """The rounding mode is not ``"half_even"`` or ``"half_up"``."""

    code = "invalid_rounding_mode"


_BY_CODE: Dict[str, Type[KassaError]] = {
    cls.code: cls
    for cls in (
        UnknownCurrencyError,
        InvalidAmountError,
        InvalidAmountPrecisionError,
        AmountOutOfRangeError,
        CurrencyMismatchError,
        InvalidRateError,
        InvalidQuantityError,
        InvalidWeightsError,
        InvalidRoundingModeError,
    )
}


def _from_code(code: str, message: str) -> KassaError:
    """Builds the exception for a core error code (called by the native module)."""
    return _BY_CODE.get(code, KassaError)(message, code)


__all__ = [
    "KassaError",
    "InvalidInputError",
    "UnknownCurrencyError",
    "InvalidAmountError",
    "InvalidAmountPrecisionError",
    "AmountOutOfRangeError",
    "CurrencyMismatchError",
    "InvalidRateError",
    "InvalidQuantityError",
    "InvalidWeightsError",
    "InvalidRoundingModeError",
]
