//! The one error type of Kassa, with stable machine-readable codes.
//!
//! Every variant has a snake_case [`Error::code`] that never changes once
//! published: hosts match on it, and the bindings raise native errors that
//! carry it (`KassaError.code` in Python, `err.code` in Node,
//! `KassaException.*.code` in Kotlin/Swift). The codes listed in
//! `shared/scenarios/README.md` are part of that contract.
//!
//! Messages name the offending value. Values taken from input are shown
//! quoted and cut to [`SHOWN_VALUE_MAX`] characters, so a hostile 10 MB
//! string never ends up in a log line.

use crate::money::Currency;

/// Longest prefix of a user-supplied value that an error message repeats.
pub const SHOWN_VALUE_MAX: usize = 64;

/// A `Result` whose error is [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong in Kassa. Match on [`Error::code`] for a
/// stable identifier; the enum is `#[non_exhaustive]` and grows with the
/// engine.
///
/// # Examples
///
/// ```
/// use kassa::{Currency, Money};
///
/// let err = Money::parse("10.005", Currency::USD).unwrap_err();
/// assert_eq!(err.code(), "invalid_amount_precision");
/// assert_eq!(
///     err.to_string(),
///     "amount \"10.005\" has more decimals than USD allows (2)"
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A currency code that is not an active ISO 4217 code.
    #[error("unknown currency {code:?}: not an active ISO 4217 code")]
    UnknownCurrency {
        /// The code as given (cut to [`SHOWN_VALUE_MAX`] characters).
        code: String,
    },

    /// A string (or host value) that is not a plain decimal number, or a
    /// payment amount that is not positive.
    #[error("invalid amount {value:?}: {reason}")]
    InvalidAmount {
        /// The value as given (cut to [`SHOWN_VALUE_MAX`] characters).
        value: String,
        /// What is wrong with it.
        reason: &'static str,
    },

    /// An amount that needs more decimals than its currency has minor units.
    #[error("amount {value:?} has more decimals than {currency} allows ({max_decimals})")]
    InvalidAmountPrecision {
        /// The value as given (cut to [`SHOWN_VALUE_MAX`] characters).
        value: String,
        /// The currency whose minor unit was exceeded.
        currency: Currency,
        /// The currency's number of minor-unit digits.
        max_decimals: u8,
    },

    /// An amount, or the result of arithmetic on amounts, beyond the signed
    /// 64-bit range of minor units.
    #[error("amount out of range: {value} {currency} exceeds the i64 minor-unit bound")]
    AmountOutOfRange {
        /// The value or the operation that overflowed.
        value: String,
        /// The currency of the amount.
        currency: Currency,
    },

    /// Arithmetic or comparison across two currencies. Kassa never converts.
    #[error("currency mismatch: expected {expected}, found {found}")]
    CurrencyMismatch {
        /// The currency the operation works in.
        expected: Currency,
        /// The other currency that was supplied.
        found: Currency,
    },

    /// A rate or percentage that is not a plain decimal number.
    #[error("invalid rate {value:?}: {reason}")]
    InvalidRate {
        /// The value as given (cut to [`SHOWN_VALUE_MAX`] characters).
        value: String,
        /// What is wrong with it.
        reason: &'static str,
    },

    /// A quantity that is not an integer >= 1 (or not representable).
    #[error("invalid quantity {value}: {reason}")]
    InvalidQuantity {
        /// The value as given.
        value: String,
        /// What is wrong with it.
        reason: &'static str,
    },

    /// Allocation weights that cannot split the total (none, or all zero
    /// under a non-zero total).
    #[error("invalid allocation weights: {reason}")]
    InvalidWeights {
        /// What is wrong with them.
        reason: String,
    },

    /// A rounding mode name other than `half_even` or `half_up`.
    #[error("invalid rounding mode {value:?}: expected \"half_even\" or \"half_up\"")]
    InvalidRoundingMode {
        /// The value as given (cut to [`SHOWN_VALUE_MAX`] characters).
        value: String,
    },

    /// A cart line names a SKU that is not in the catalog (exact match).
    #[error("unknown SKU {sku:?}{}", cart_line(*line))]
    UnknownSku {
        /// The SKU as given (cut to [`SHOWN_VALUE_MAX`] characters).
        sku: String,
        /// The 1-based cart line; 0 for a lookup outside a cart.
        line: usize,
    },

    /// The product has no price (nor tier table) in the cart currency.
    #[error("SKU {sku:?} has no price in {currency}")]
    NoPriceForCurrency {
        /// The SKU (cut to [`SHOWN_VALUE_MAX`] characters).
        sku: String,
        /// The cart currency.
        currency: Currency,
    },

    /// A promotion whose definition is out of range (a 150 % discount, a
    /// buy-0-get-1, an empty id).
    #[error("invalid promotion {id:?}: {field} {reason}")]
    InvalidPromotion {
        /// The promotion id (cut to [`SHOWN_VALUE_MAX`] characters).
        id: String,
        /// The offending field, e.g. `value`.
        field: &'static str,
        /// What is wrong with it.
        reason: String,
    },

    /// A price table (tiers, price list) that cannot price anything.
    #[error("invalid price table for {sku:?}: {reason}")]
    InvalidPriceTable {
        /// The SKU (cut to [`SHOWN_VALUE_MAX`] characters).
        sku: String,
        /// What is wrong with it.
        reason: String,
    },

    /// A product names a tax category that the tax configuration lacks.
    #[error("unknown tax category {category:?} (SKU {sku:?})")]
    UnknownTaxCategory {
        /// The category name.
        category: String,
        /// The SKU that names it.
        sku: String,
    },

    /// A payment operation not allowed in the payment's current status.
    #[error("cannot {operation} a payment in status {status}")]
    InvalidState {
        /// The operation attempted (`capture`, `refund`, `void`).
        operation: &'static str,
        /// The current status.
        status: &'static str,
    },

    /// A capture larger than what is still capturable.
    #[error("capture of {requested} exceeds the capturable {capturable}")]
    CaptureExceedsAuthorized {
        /// The amount requested.
        requested: String,
        /// What is still capturable.
        capturable: String,
    },

    /// A refund larger than captured minus refunded.
    #[error("refund of {requested} exceeds the refundable {refundable}")]
    RefundExceedsCaptured {
        /// The amount requested.
        requested: String,
        /// Captured minus already refunded.
        refundable: String,
    },

    /// An idempotency key sent again with a different request.
    #[error("idempotency key {key:?} was used for a different request")]
    IdempotencyKeyReused {
        /// The key (cut to [`SHOWN_VALUE_MAX`] characters).
        key: String,
    },

    /// The coupon's total usage limit is used up.
    #[error("coupon {code:?} has reached its usage limit of {limit}")]
    CouponUsageLimitReached {
        /// The coupon code.
        code: String,
        /// The total limit.
        limit: u64,
    },

    /// This customer's usage limit of the coupon is used up.
    #[error("customer {customer:?} has used coupon {code:?} {limit} time(s), its limit")]
    CouponCustomerLimitReached {
        /// The coupon code.
        code: String,
        /// The customer.
        customer: String,
        /// The per-customer limit.
        limit: u64,
    },

    /// The order's payment failed; nothing was consumed.
    #[error("payment failed: {reason}")]
    PaymentFailed {
        /// What the payment provider said.
        reason: String,
    },

    /// Not enough stock for a reservation under the variant's policy.
    #[error("insufficient stock: {requested} requested, {available} available")]
    InsufficientStock {
        /// Units requested.
        requested: u64,
        /// Units available.
        available: i64,
    },

    /// A stock operation that the current level does not allow (releasing
    /// more than is reserved, shipping more than is committed).
    #[error("cannot {operation} stock: {reason}")]
    InvalidStockOperation {
        /// The operation.
        operation: &'static str,
        /// Why not.
        reason: String,
    },

    /// No stock record for a SKU at a location.
    #[error("no stock record for SKU {sku:?} at location {location:?}")]
    UnknownStock {
        /// The SKU (cut to [`SHOWN_VALUE_MAX`] characters).
        sku: String,
        /// The location (cut to [`SHOWN_VALUE_MAX`] characters).
        location: String,
    },

    /// No open reservation with this id (released, committed or never made).
    #[error("no open reservation {id:?}")]
    UnknownReservation {
        /// The id (cut to [`SHOWN_VALUE_MAX`] characters).
        id: String,
    },

    /// A versioned save whose expected version is not the stored one.
    #[error(
        "concurrent modification of {entity}: expected version {expected:?}, found {current:?}"
    )]
    ConcurrentModification {
        /// What was being saved (`collection/id`).
        entity: String,
        /// The version the writer read.
        expected: Option<u64>,
        /// The version stored now.
        current: Option<u64>,
    },

    /// A catalog field that is empty, too long or malformed. Limits are in
    /// [`crate::catalog::limits`].
    #[error("invalid {field} of {entity:?}: {reason}")]
    InvalidField {
        /// The record (product id, category id, CSV row...), cut to [`SHOWN_VALUE_MAX`].
        entity: String,
        /// The field, e.g. `variants[2].sku`.
        field: String,
        /// What is wrong with it.
        reason: String,
    },

    /// A SKU that another variant already has.
    #[error("duplicate SKU {sku:?}: already used by product {product:?}")]
    DuplicateSku {
        /// The SKU (cut to [`SHOWN_VALUE_MAX`] characters).
        sku: String,
        /// The product that holds it.
        product: String,
    },

    /// A category id that does not exist.
    #[error("unknown category {id:?}")]
    UnknownCategory {
        /// The id (cut to [`SHOWN_VALUE_MAX`] characters).
        id: String,
    },

    /// A category move that would make a category its own ancestor.
    #[error("moving category {id:?} under {parent:?} would make a cycle")]
    CategoryCycle {
        /// The category moved.
        id: String,
        /// The requested parent (the category itself or one of its descendants).
        parent: String,
    },

    /// A product id that does not exist.
    #[error("unknown product {id:?}")]
    UnknownProduct {
        /// The id (cut to [`SHOWN_VALUE_MAX`] characters).
        id: String,
    },

    /// A collection id that does not exist.
    #[error("unknown collection {id:?}")]
    UnknownCollection {
        /// The id (cut to [`SHOWN_VALUE_MAX`] characters).
        id: String,
    },

    /// An attribute that is not defined, or whose value does not fit its definition.
    #[error("invalid attribute {code:?}: {reason}")]
    InvalidAttribute {
        /// The attribute code (cut to [`SHOWN_VALUE_MAX`] characters).
        code: String,
        /// What is wrong.
        reason: String,
    },

    /// A pagination cursor that this catalog did not issue for this query.
    #[error("invalid cursor {cursor:?}: {reason}")]
    InvalidCursor {
        /// The cursor (cut to [`SHOWN_VALUE_MAX`] characters).
        cursor: String,
        /// What is wrong.
        reason: &'static str,
    },

    /// An order id that does not exist.
    #[error("unknown order {id:?}")]
    UnknownOrder {
        /// The id (cut to [`SHOWN_VALUE_MAX`] characters).
        id: String,
    },

    /// A return id that does not exist.
    #[error("unknown return {id:?}")]
    UnknownReturn {
        /// The id (cut to [`SHOWN_VALUE_MAX`] characters).
        id: String,
    },

    /// A shipping method the cart cannot use: not one of the shop's, or
    /// not shipping to the cart's address.
    #[error("shipping method {method:?} cannot be used: {reason}")]
    ShippingUnavailable {
        /// The method id (cut to [`SHOWN_VALUE_MAX`] characters).
        method: String,
        /// Why (the shop's methods, or the country).
        reason: String,
    },

    /// Split-tender parts that do not add up to what is due.
    #[error("the tenders add up to {tendered}, not the total {total}")]
    TenderMismatch {
        /// What is due.
        total: String,
        /// What the tenders cover.
        tendered: String,
    },

    /// More store credit asked for than the customer has.
    #[error("store credit of {requested} asked for; the balance is {balance}")]
    InsufficientStoreCredit {
        /// The amount asked for.
        requested: String,
        /// The customer's balance.
        balance: String,
    },

    /// A quote id that does not exist.
    #[error("unknown quote {id:?}")]
    UnknownQuote {
        /// The id (cut to [`SHOWN_VALUE_MAX`] characters).
        id: String,
    },

    /// A quote used after its expiry (accepted, or a cart priced at it).
    #[error("quote {quote:?} expired at {expired_at} ms")]
    QuoteExpired {
        /// The quote id (cut to [`SHOWN_VALUE_MAX`] characters).
        quote: String,
        /// When it expired (milliseconds since the Unix epoch).
        expired_at: i64,
    },

    /// A change to a quote that its state does not allow (revising an
    /// accepted quote, accepting a superseded revision, a quoted cart
    /// whose lines no longer match the quote).
    #[error("quote {quote:?}: cannot {action}: {reason}")]
    QuoteRefused {
        /// The quote id (cut to [`SHOWN_VALUE_MAX`] characters).
        quote: String,
        /// The change (`revise`, `accept`, `withdraw`, `price`).
        action: &'static str,
        /// Why.
        reason: String,
    },

    /// A change to a placed order that its state does not allow (shipping
    /// more than was ordered, cancelling after shipping, returning what
    /// never shipped).
    #[error("order {order:?}: cannot {action}: {reason}")]
    OrderChangeRefused {
        /// The order id (cut to [`SHOWN_VALUE_MAX`] characters).
        order: String,
        /// The change (`fulfil`, `cancel`, `complete`, `return`, ...).
        action: &'static str,
        /// Why, naming the line and the numbers.
        reason: String,
    },

    /// A checkout with this idempotency key is still running.
    #[error("a checkout with idempotency key {key:?} is still in progress")]
    CheckoutInProgress {
        /// The key (cut to [`SHOWN_VALUE_MAX`] characters).
        key: String,
    },

    /// Another refund of the order is running; retry later.
    #[error("a refund of order {order:?} is in progress")]
    RefundInProgress {
        /// The order (cut to [`SHOWN_VALUE_MAX`] characters).
        order: String,
    },

    /// The storage backend failed (I/O, a locked or corrupt database, a
    /// lost connection). Nothing was written by the failed operation.
    #[error("storage failure: {reason}")]
    Storage {
        /// What the backend reported.
        reason: String,
    },

    /// The database was written by a newer Kassa (its schema version is
    /// higher than this build knows); it is not opened, so nothing newer
    /// is damaged.
    #[error("database schema version {found} is newer than this build supports ({supported})")]
    SchemaTooNew {
        /// The schema version in the database.
        found: u64,
        /// The newest version this build knows.
        supported: u64,
    },

    /// A cart id that does not exist.
    #[error("unknown cart {id:?}")]
    UnknownCart {
        /// The id (cut to [`SHOWN_VALUE_MAX`] characters).
        id: String,
    },

    /// A cart line id that is not in the cart.
    #[error("no line {id:?} in the cart")]
    UnknownLine {
        /// The line id (cut to [`SHOWN_VALUE_MAX`] characters).
        id: String,
    },

    /// An email address that is not valid.
    #[error("invalid email {value:?}: {reason}")]
    InvalidEmail {
        /// The value (cut to [`SHOWN_VALUE_MAX`] characters).
        value: String,
        /// What is wrong with it.
        reason: String,
    },

    /// A phone number that is not in E.164 form.
    #[error("invalid phone number {value:?}: {reason}")]
    InvalidPhone {
        /// The value (cut to [`SHOWN_VALUE_MAX`] characters).
        value: String,
        /// What is wrong with it.
        reason: String,
    },

    /// Another customer already has this email (letter case ignored).
    #[error("email {email:?} already belongs to customer {customer:?}")]
    DuplicateEmail {
        /// The email.
        email: String,
        /// The customer holding it.
        customer: String,
    },

    /// A customer id that does not exist.
    #[error("unknown customer {id:?}")]
    UnknownCustomer {
        /// The id (cut to [`SHOWN_VALUE_MAX`] characters).
        id: String,
    },

    /// A segment id that is not stored.
    #[error("unknown segment {id:?}")]
    UnknownSegment {
        /// The id (cut to [`SHOWN_VALUE_MAX`] characters).
        id: String,
    },

    /// A segment rule that does not parse or asks for something unknown.
    #[error("invalid segment rule at byte {position}: {reason}")]
    InvalidSegmentRule {
        /// Where the problem was found (byte offset in the rule).
        position: usize,
        /// What is wrong.
        reason: String,
    },

    /// A checkout command the current state does not allow; nothing changed.
    #[error("cannot {command} a checkout in state {state}")]
    InvalidTransition {
        /// The checkout state.
        state: &'static str,
        /// The command refused.
        command: &'static str,
    },
}

/// What a caller can do about an error: the small, stable grouping the
/// mobile bindings expose as exception classes, and Python as base classes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// The input was malformed or out of bounds; fix it and retry.
    InvalidInput,
    /// Something named by the input does not exist.
    NotFound,
    /// The request is well-formed but the current state refuses it
    /// (payment status, usage limits, idempotency keys).
    Conflict,
    /// The payment provider declined or failed; nothing was consumed.
    PaymentFailed,
    /// The storage backend failed or refused the database; retry later or
    /// fix the deployment. Nothing was written.
    Storage,
}

impl Error {
    /// The group this error belongs to.
    ///
    /// ```
    /// use kassa::{Currency, ErrorKind};
    /// assert_eq!(Currency::from_code("ZZZ").unwrap_err().kind(), ErrorKind::InvalidInput);
    /// ```
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::UnknownSku { .. }
            | Error::NoPriceForCurrency { .. }
            | Error::UnknownStock { .. }
            | Error::UnknownReservation { .. }
            | Error::UnknownCategory { .. }
            | Error::UnknownProduct { .. }
            | Error::UnknownCollection { .. }
            | Error::UnknownLine { .. }
            | Error::UnknownCart { .. }
            | Error::UnknownCustomer { .. }
            | Error::UnknownSegment { .. }
            | Error::UnknownOrder { .. }
            | Error::UnknownReturn { .. }
            | Error::UnknownQuote { .. } => ErrorKind::NotFound,
            Error::InvalidState { .. }
            | Error::CaptureExceedsAuthorized { .. }
            | Error::RefundExceedsCaptured { .. }
            | Error::IdempotencyKeyReused { .. }
            | Error::CouponUsageLimitReached { .. }
            | Error::CouponCustomerLimitReached { .. }
            | Error::InsufficientStock { .. }
            | Error::InvalidStockOperation { .. }
            | Error::ConcurrentModification { .. }
            | Error::DuplicateSku { .. }
            | Error::DuplicateEmail { .. }
            | Error::InvalidTransition { .. }
            | Error::CheckoutInProgress { .. }
            | Error::RefundInProgress { .. }
            | Error::OrderChangeRefused { .. }
            | Error::QuoteExpired { .. }
            | Error::QuoteRefused { .. }
            | Error::ShippingUnavailable { .. }
            | Error::TenderMismatch { .. }
            | Error::InsufficientStoreCredit { .. } => ErrorKind::Conflict,
            Error::PaymentFailed { .. } => ErrorKind::PaymentFailed,
            Error::Storage { .. } | Error::SchemaTooNew { .. } => ErrorKind::Storage,
            Error::UnknownCurrency { .. }
            | Error::InvalidAmount { .. }
            | Error::InvalidAmountPrecision { .. }
            | Error::AmountOutOfRange { .. }
            | Error::CurrencyMismatch { .. }
            | Error::InvalidRate { .. }
            | Error::InvalidQuantity { .. }
            | Error::InvalidWeights { .. }
            | Error::InvalidRoundingMode { .. }
            | Error::InvalidPromotion { .. }
            | Error::InvalidPriceTable { .. }
            | Error::UnknownTaxCategory { .. }
            | Error::InvalidField { .. }
            | Error::InvalidEmail { .. }
            | Error::InvalidPhone { .. }
            | Error::InvalidSegmentRule { .. }
            | Error::CategoryCycle { .. }
            | Error::InvalidAttribute { .. }
            | Error::InvalidCursor { .. } => ErrorKind::InvalidInput,
        }
    }

    /// The stable snake_case identifier of this error.
    ///
    /// ```
    /// assert_eq!(kassa::Currency::from_code("ZZZ").unwrap_err().code(), "unknown_currency");
    /// ```
    pub fn code(&self) -> &'static str {
        match self {
            Error::UnknownCurrency { .. } => "unknown_currency",
            Error::InvalidAmount { .. } => "invalid_amount",
            Error::InvalidAmountPrecision { .. } => "invalid_amount_precision",
            Error::AmountOutOfRange { .. } => "amount_out_of_range",
            Error::CurrencyMismatch { .. } => "currency_mismatch",
            Error::InvalidRate { .. } => "invalid_rate",
            Error::InvalidQuantity { .. } => "invalid_quantity",
            Error::InvalidWeights { .. } => "invalid_weights",
            Error::InvalidRoundingMode { .. } => "invalid_rounding_mode",
            Error::UnknownSku { .. } => "unknown_sku",
            Error::NoPriceForCurrency { .. } => "no_price_for_currency",
            Error::InvalidPromotion { .. } => "invalid_promotion",
            Error::InvalidPriceTable { .. } => "invalid_price_table",
            Error::UnknownTaxCategory { .. } => "unknown_tax_category",
            Error::InvalidState { .. } => "invalid_state",
            Error::CaptureExceedsAuthorized { .. } => "capture_exceeds_authorized",
            Error::RefundExceedsCaptured { .. } => "refund_exceeds_captured",
            Error::IdempotencyKeyReused { .. } => "idempotency_key_reused",
            Error::CouponUsageLimitReached { .. } => "coupon_usage_limit_reached",
            Error::CouponCustomerLimitReached { .. } => "coupon_customer_limit_reached",
            Error::PaymentFailed { .. } => "payment_failed",
            Error::InsufficientStock { .. } => "insufficient_stock",
            Error::InvalidStockOperation { .. } => "invalid_stock_operation",
            Error::UnknownStock { .. } => "unknown_stock",
            Error::UnknownReservation { .. } => "unknown_reservation",
            Error::ConcurrentModification { .. } => "concurrent_modification",
            Error::InvalidField { .. } => "invalid_field",
            Error::DuplicateSku { .. } => "duplicate_sku",
            Error::UnknownCategory { .. } => "unknown_category",
            Error::CategoryCycle { .. } => "category_cycle",
            Error::UnknownProduct { .. } => "unknown_product",
            Error::UnknownCollection { .. } => "unknown_collection",
            Error::InvalidAttribute { .. } => "invalid_attribute",
            Error::InvalidCursor { .. } => "invalid_cursor",
            Error::InvalidTransition { .. } => "invalid_transition",
            Error::UnknownLine { .. } => "unknown_line",
            Error::UnknownCart { .. } => "unknown_cart",
            Error::InvalidEmail { .. } => "invalid_email",
            Error::InvalidPhone { .. } => "invalid_phone",
            Error::DuplicateEmail { .. } => "duplicate_email",
            Error::UnknownCustomer { .. } => "unknown_customer",
            Error::InvalidSegmentRule { .. } => "invalid_segment_rule",
            Error::UnknownSegment { .. } => "unknown_segment",
            Error::UnknownOrder { .. } => "unknown_order",
            Error::UnknownReturn { .. } => "unknown_return",
            Error::UnknownQuote { .. } => "unknown_quote",
            Error::ShippingUnavailable { .. } => "shipping_unavailable",
            Error::TenderMismatch { .. } => "tender_mismatch",
            Error::InsufficientStoreCredit { .. } => "insufficient_store_credit",
            Error::QuoteExpired { .. } => "quote_expired",
            Error::QuoteRefused { .. } => "quote_refused",
            Error::OrderChangeRefused { .. } => "order_change_refused",
            Error::CheckoutInProgress { .. } => "checkout_in_progress",
            Error::RefundInProgress { .. } => "refund_in_progress",
            Error::Storage { .. } => "storage_error",
            Error::SchemaTooNew { .. } => "schema_too_new",
        }
    }

    /// Every code this version can return, for hosts that build their own
    /// error tables (the bindings' tests check that each one maps).
    pub const CODES: &'static [&'static str] = &[
        "unknown_currency",
        "invalid_amount",
        "invalid_amount_precision",
        "amount_out_of_range",
        "currency_mismatch",
        "invalid_rate",
        "invalid_quantity",
        "invalid_weights",
        "invalid_rounding_mode",
        "unknown_sku",
        "no_price_for_currency",
        "invalid_promotion",
        "invalid_price_table",
        "unknown_tax_category",
        "invalid_state",
        "capture_exceeds_authorized",
        "refund_exceeds_captured",
        "idempotency_key_reused",
        "coupon_usage_limit_reached",
        "coupon_customer_limit_reached",
        "payment_failed",
        "insufficient_stock",
        "invalid_stock_operation",
        "unknown_stock",
        "unknown_reservation",
        "concurrent_modification",
        "invalid_field",
        "duplicate_sku",
        "unknown_category",
        "category_cycle",
        "unknown_product",
        "unknown_collection",
        "invalid_attribute",
        "invalid_cursor",
        "invalid_transition",
        "unknown_line",
        "unknown_cart",
        "invalid_email",
        "invalid_phone",
        "duplicate_email",
        "unknown_customer",
        "invalid_segment_rule",
        "unknown_segment",
        "unknown_order",
        "unknown_return",
        "unknown_quote",
        "shipping_unavailable",
        "tender_mismatch",
        "insufficient_store_credit",
        "quote_expired",
        "quote_refused",
        "order_change_refused",
        "checkout_in_progress",
        "refund_in_progress",
        "storage_error",
        "schema_too_new",
    ];
}

/// ` (line N)` for a cart line, nothing for a lookup outside a cart.
fn cart_line(line: usize) -> String {
    if line == 0 {
        String::new()
    } else {
        format!(" (line {line})")
    }
}

/// Cuts a user-supplied value for display in an error message (to
/// [`SHOWN_VALUE_MAX`] characters, with its length when cut). Store crates
/// use it too, so every message names values the same way.
pub fn shown(value: &str) -> String {
    match value.char_indices().nth(SHOWN_VALUE_MAX) {
        None => value.to_owned(),
        Some((cut, _)) => format!("{}… ({} bytes)", &value[..cut], value.len()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shown_keeps_short_values_and_cuts_long_ones() {
        assert_eq!(shown("12.3a"), "12.3a");
        let long = "9".repeat(10_000);
        let cut = shown(&long);
        assert!(cut.starts_with(&"9".repeat(SHOWN_VALUE_MAX)));
        assert!(cut.ends_with("… (10000 bytes)"));
        // Multi-byte characters are cut on a character boundary.
        let wide = "é".repeat(100);
        assert!(shown(&wide).starts_with(&"é".repeat(SHOWN_VALUE_MAX)));
    }

    /// One sample of every variant; `CODES` must list exactly their codes.
    pub(crate) fn one_of_each() -> Vec<Error> {
        use crate::money::Currency;
        let s = || "x".to_owned();
        vec![
            Error::UnknownCurrency { code: s() },
            Error::InvalidAmount {
                value: s(),
                reason: "r",
            },
            Error::InvalidAmountPrecision {
                value: s(),
                currency: Currency::USD,
                max_decimals: 2,
            },
            Error::AmountOutOfRange {
                value: s(),
                currency: Currency::USD,
            },
            Error::CurrencyMismatch {
                expected: Currency::USD,
                found: Currency::EUR,
            },
            Error::InvalidRate {
                value: s(),
                reason: "r",
            },
            Error::InvalidQuantity {
                value: s(),
                reason: "r",
            },
            Error::InvalidWeights { reason: s() },
            Error::InvalidRoundingMode { value: s() },
            Error::UnknownSku { sku: s(), line: 1 },
            Error::NoPriceForCurrency {
                sku: s(),
                currency: Currency::USD,
            },
            Error::InvalidPromotion {
                id: s(),
                field: "value",
                reason: s(),
            },
            Error::InvalidPriceTable {
                sku: s(),
                reason: s(),
            },
            Error::UnknownTaxCategory {
                category: s(),
                sku: s(),
            },
            Error::InvalidState {
                operation: "void",
                status: "captured",
            },
            Error::CaptureExceedsAuthorized {
                requested: s(),
                capturable: s(),
            },
            Error::RefundExceedsCaptured {
                requested: s(),
                refundable: s(),
            },
            Error::IdempotencyKeyReused { key: s() },
            Error::CouponUsageLimitReached {
                code: s(),
                limit: 1,
            },
            Error::CouponCustomerLimitReached {
                code: s(),
                customer: s(),
                limit: 1,
            },
            Error::PaymentFailed { reason: s() },
            Error::InsufficientStock {
                requested: 2,
                available: 1,
            },
            Error::InvalidStockOperation {
                operation: "release",
                reason: s(),
            },
            Error::UnknownStock {
                sku: s(),
                location: s(),
            },
            Error::UnknownReservation { id: s() },
            Error::ConcurrentModification {
                entity: s(),
                expected: Some(1),
                current: Some(2),
            },
            Error::InvalidField {
                entity: s(),
                field: s(),
                reason: s(),
            },
            Error::DuplicateSku {
                sku: s(),
                product: s(),
            },
            Error::UnknownCategory { id: s() },
            Error::CategoryCycle {
                id: s(),
                parent: s(),
            },
            Error::UnknownProduct { id: s() },
            Error::UnknownCollection { id: s() },
            Error::InvalidAttribute {
                code: s(),
                reason: s(),
            },
            Error::InvalidCursor {
                cursor: s(),
                reason: "r",
            },
            Error::InvalidTransition {
                state: "cart",
                command: "complete",
            },
            Error::UnknownLine { id: s() },
            Error::UnknownCart { id: s() },
            Error::InvalidEmail {
                value: s(),
                reason: s(),
            },
            Error::InvalidPhone {
                value: s(),
                reason: s(),
            },
            Error::DuplicateEmail {
                email: s(),
                customer: s(),
            },
            Error::UnknownCustomer { id: s() },
            Error::InvalidSegmentRule {
                position: 3,
                reason: s(),
            },
            Error::UnknownSegment { id: s() },
            Error::UnknownOrder { id: s() },
            Error::UnknownReturn { id: s() },
            Error::UnknownQuote { id: s() },
            Error::ShippingUnavailable {
                method: s(),
                reason: s(),
            },
            Error::TenderMismatch {
                total: s(),
                tendered: s(),
            },
            Error::InsufficientStoreCredit {
                requested: s(),
                balance: s(),
            },
            Error::QuoteExpired {
                quote: s(),
                expired_at: 1,
            },
            Error::QuoteRefused {
                quote: s(),
                action: "accept",
                reason: s(),
            },
            Error::OrderChangeRefused {
                order: s(),
                action: "cancel",
                reason: s(),
            },
            Error::CheckoutInProgress { key: s() },
            Error::RefundInProgress { order: s() },
            Error::Storage { reason: s() },
            Error::SchemaTooNew {
                found: 3,
                supported: 2,
            },
        ]
    }

    #[test]
    fn codes_lists_every_variant_once() {
        let mut seen: Vec<&str> = one_of_each().iter().map(Error::code).collect();
        seen.sort_unstable();
        seen.dedup();
        let mut listed = Error::CODES.to_vec();
        listed.sort_unstable();
        assert_eq!(seen, listed);
        // Every message is non-empty and names its value.
        for e in one_of_each() {
            assert!(!e.to_string().is_empty());
            let _ = e.kind();
        }
    }

    #[test]
    fn every_code_is_listed_once() {
        let mut codes = Error::CODES.to_vec();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), Error::CODES.len());
        assert!(codes
            .iter()
            .all(|c| c.chars().all(|ch| ch.is_ascii_lowercase() || ch == '_')));
    }
}
