"""Kassa: an embeddable e-commerce + CRM engine with exact money.

Amounts are :class:`decimal.Decimal` (or ``str``/``int``) in and
:class:`decimal.Decimal` out; floats are refused with ``TypeError``. Every
error is a :class:`KassaError` with a stable ``code``.

>>> from decimal import Decimal
>>> from kassa import Money
>>> price = Money("19.99", "USD")
>>> str(price * 3)
'59.97'
>>> (price * 3).multiply_rate(Decimal("0.0825")).amount
Decimal('4.95')
"""

from __future__ import annotations

from ._kassa import ERROR_CODES, Money, __version__, allocate, currencies, minor_units, round
from . import errors
from .errors import (
    AmountOutOfRangeError,
    CaptureExceedsAuthorizedError,
    ConcurrentModificationError,
    ConflictError,
    CouponCustomerLimitReachedError,
    CouponUsageLimitReachedError,
    IdempotencyKeyReusedError,
    InsufficientStockError,
    InvalidPriceTableError,
    InvalidPromotionError,
    InvalidStateError,
    InvalidStockOperationError,
    NoPriceForCurrencyError,
    NotFoundError,
    PaymentFailedError,
    RefundExceedsCapturedError,
    UnknownSkuError,
    UnknownTaxCategoryError,
    CurrencyMismatchError,
    InvalidAmountError,
    InvalidAmountPrecisionError,
    InvalidInputError,
    InvalidQuantityError,
    InvalidRateError,
    InvalidRoundingModeError,
    InvalidWeightsError,
    KassaError,
    UnknownCurrencyError,
    InvalidFieldError,
    CategoryCycleError,
    InvalidAttributeError,
    InvalidCursorError,
    UnknownCategoryError,
    UnknownProductError,
    UnknownCollectionError,
    DuplicateSkuError,
    InvalidTransitionError,
    UnknownLineError,
    UnknownCartError,
    InvalidEmailError,
    InvalidPhoneError,
    DuplicateEmailError,
    UnknownCustomerError,
    InvalidSegmentRuleError,
    UnknownSegmentError,
    UnknownOrderError,
    UnknownReturnError,
    UnknownQuoteError,
    ShippingUnavailableError,
    TenderMismatchError,
    InsufficientStoreCreditError,
    QuoteExpiredError,
    QuoteRefusedError,
    OrderChangeRefusedError,
    CheckoutInProgressError,
    RefundInProgressError,
    SchemaTooNewError,
    StorageError,
)

__all__ = [
    "ERROR_CODES",
    "Money",
    "__version__",
    "allocate",
    "currencies",
    "minor_units",
    "round",
]
__all__ += errors.__all__
