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
}

impl Error {
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
    ];
}

/// Cuts a user-supplied value for display in an error message.
pub(crate) fn shown(value: &str) -> String {
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
