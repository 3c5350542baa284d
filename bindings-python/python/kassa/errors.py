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


class InvalidPromotionError(InvalidInputError):
    """A promotion's definition is out of range (a 150 % discount, buy 0 get 1)."""

    code = "invalid_promotion"


class InvalidPriceTableError(InvalidInputError):
    """A tier table or price book entry cannot price anything."""

    code = "invalid_price_table"


class UnknownTaxCategoryError(InvalidInputError):
    """A product names a tax category the tax configuration lacks."""

    code = "unknown_tax_category"


class NotFoundError(KassaError, LookupError):
    """Something the input names does not exist."""

    code = "not_found"


class UnknownSkuError(NotFoundError):
    """A cart line names a SKU that is not in the catalog."""

    code = "unknown_sku"


class NoPriceForCurrencyError(NotFoundError):
    """The product has no price in the cart currency."""

    code = "no_price_for_currency"


class ConflictError(KassaError):
    """The request is well-formed but the current state refuses it."""

    code = "conflict"


class InvalidStateError(ConflictError):
    """The operation is not allowed in the current status."""

    code = "invalid_state"


class CaptureExceedsAuthorizedError(ConflictError):
    """A capture is larger than what is still capturable."""

    code = "capture_exceeds_authorized"


class RefundExceedsCapturedError(ConflictError):
    """A refund is larger than captured minus refunded."""

    code = "refund_exceeds_captured"


class IdempotencyKeyReusedError(ConflictError):
    """An idempotency key was sent again with a different request."""

    code = "idempotency_key_reused"


class CouponUsageLimitReachedError(ConflictError):
    """The coupon's total usage limit is used up."""

    code = "coupon_usage_limit_reached"


class CouponCustomerLimitReachedError(ConflictError):
    """This customer's usage limit of the coupon is used up."""

    code = "coupon_customer_limit_reached"


class UnknownStockError(NotFoundError):
    """No stock record for the SKU at the location."""

    code = "unknown_stock"


class UnknownReservationError(NotFoundError):
    """No open reservation with this id."""

    code = "unknown_reservation"


class InsufficientStockError(ConflictError):
    """Not enough stock for the reservation under the variant's policy."""

    code = "insufficient_stock"


class InvalidStockOperationError(ConflictError):
    """The stock level does not allow the operation."""

    code = "invalid_stock_operation"


class ConcurrentModificationError(ConflictError):
    """Someone else saved first; reload and retry."""

    code = "concurrent_modification"


class InvalidFieldError(InvalidInputError):
    """A catalog field is empty, too long or malformed."""

    code = "invalid_field"


class CategoryCycleError(InvalidInputError):
    """The category move would make a category its own ancestor."""

    code = "category_cycle"


class InvalidAttributeError(InvalidInputError):
    """The attribute is not defined, or its value does not fit the definition."""

    code = "invalid_attribute"


class InvalidCursorError(InvalidInputError):
    """The pagination cursor was not issued for this query."""

    code = "invalid_cursor"


class UnknownCategoryError(NotFoundError):
    """No category with this id."""

    code = "unknown_category"


class UnknownProductError(NotFoundError):
    """No product with this id."""

    code = "unknown_product"


class UnknownCollectionError(NotFoundError):
    """No collection with this id."""

    code = "unknown_collection"


class DuplicateSkuError(ConflictError):
    """Another variant already has this SKU."""

    code = "duplicate_sku"


class InvalidTransitionError(ConflictError):
    """The checkout's state does not allow the command; nothing changed."""

    code = "invalid_transition"


class UnknownLineError(NotFoundError):
    """No line with this id in the cart."""

    code = "unknown_line"


class UnknownCartError(NotFoundError):
    """No cart with this id."""

    code = "unknown_cart"


class InvalidEmailError(InvalidInputError):
    """An email address that is not valid."""

    code = "invalid_email"


class InvalidPhoneError(InvalidInputError):
    """A phone number that is not in E.164 form (+, country code, number)."""

    code = "invalid_phone"


class DuplicateEmailError(ConflictError):
    """Another customer already has this email (letter case ignored)."""

    code = "duplicate_email"


class UnknownCustomerError(NotFoundError):
    """No customer with this id."""

    code = "unknown_customer"


class InvalidSegmentRuleError(InvalidInputError):
    """A segment rule that does not parse; the message gives the byte position."""

    code = "invalid_segment_rule"


class UnknownSegmentError(NotFoundError):
    """No segment with this id."""

    code = "unknown_segment"


class UnknownOrderError(NotFoundError):
    """No order with this id."""

    code = "unknown_order"


class UnknownReturnError(NotFoundError):
    """No return with this id."""

    code = "unknown_return"


class UnknownQuoteError(NotFoundError):
    """No quote with this id."""

    code = "unknown_quote"


class ShippingUnavailableError(ConflictError):
    """A shipping method the cart cannot use (not the shop's, or not to its address)."""

    code = "shipping_unavailable"


class TenderMismatchError(ConflictError):
    """Split-tender parts that do not add up to the order's total."""

    code = "tender_mismatch"


class InsufficientStoreCreditError(ConflictError):
    """More store credit asked for than the customer has."""

    code = "insufficient_store_credit"


class QuoteExpiredError(ConflictError):
    """A quote used after its expiry."""

    code = "quote_expired"


class QuoteRefusedError(ConflictError):
    """A change the quote's state does not allow (revising an accepted quote, a superseded revision)."""

    code = "quote_refused"


class OrderChangeRefusedError(ConflictError):
    """A change the order's state does not allow (shipping more than ordered, cancelling after shipping)."""

    code = "order_change_refused"


class CheckoutInProgressError(ConflictError):
    """A checkout with this idempotency key is still running."""

    code = "checkout_in_progress"


class RefundInProgressError(ConflictError):
    """Another refund of the order is running; retry later."""

    code = "refund_in_progress"


class StorageError(KassaError):
    """The storage backend failed or refused the database; nothing was written."""

    code = "storage_error"


class SchemaTooNewError(StorageError):
    """The database was written by a newer Kassa; it was not opened."""

    code = "schema_too_new"


class PaymentFailedError(KassaError):
    """The payment failed; nothing was consumed."""

    code = "payment_failed"


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
        InvalidPromotionError,
        InvalidPriceTableError,
        UnknownTaxCategoryError,
        UnknownSkuError,
        NoPriceForCurrencyError,
        InvalidStateError,
        CaptureExceedsAuthorizedError,
        RefundExceedsCapturedError,
        IdempotencyKeyReusedError,
        CouponUsageLimitReachedError,
        CouponCustomerLimitReachedError,
        PaymentFailedError,
        UnknownStockError,
        UnknownReservationError,
        InsufficientStockError,
        InvalidStockOperationError,
        ConcurrentModificationError,
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
        StorageError,
        SchemaTooNewError,
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
    "InvalidPromotionError",
    "InvalidPriceTableError",
    "UnknownTaxCategoryError",
    "NotFoundError",
    "UnknownSkuError",
    "NoPriceForCurrencyError",
    "ConflictError",
    "InvalidStateError",
    "CaptureExceedsAuthorizedError",
    "RefundExceedsCapturedError",
    "IdempotencyKeyReusedError",
    "CouponUsageLimitReachedError",
    "CouponCustomerLimitReachedError",
    "PaymentFailedError",
    "UnknownStockError",
    "UnknownReservationError",
    "InsufficientStockError",
    "InvalidStockOperationError",
    "ConcurrentModificationError",
    "InvalidFieldError",
    "CategoryCycleError",
    "InvalidAttributeError",
    "InvalidCursorError",
    "UnknownCategoryError",
    "UnknownProductError",
    "UnknownCollectionError",
    "DuplicateSkuError",
    "InvalidTransitionError",
    "UnknownLineError",
    "UnknownCartError",
    "InvalidEmailError",
    "InvalidPhoneError",
    "DuplicateEmailError",
    "UnknownCustomerError",
    "InvalidSegmentRuleError",
    "UnknownSegmentError",
    "UnknownOrderError",
    "UnknownReturnError",
    "UnknownQuoteError",
    "ShippingUnavailableError",
    "TenderMismatchError",
    "InsufficientStoreCreditError",
    "QuoteExpiredError",
    "QuoteRefusedError",
    "OrderChangeRefusedError",
    "CheckoutInProgressError",
    "RefundInProgressError",
    "StorageError",
    "SchemaTooNewError",
]
