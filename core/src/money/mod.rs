//! Money: ISO 4217 currencies, exact amounts, rounding and allocation.
//!
//! This module depends on nothing else in the crate. Its rules:
//!
//! * An amount is a whole number of its currency's minor units, bounded by
//!   the signed 64-bit range of minor units.
//! * Strings are parsed strictly: `-?[0-9]+(\.[0-9]+)?`, no padding, no
//!   `+`, no exponent, no `NaN`/`Infinity`. Trailing zeros beyond the minor
//!   unit are fine; significant extra decimals are `invalid_amount_precision`.
//! * Arithmetic is checked (`amount_out_of_range`) and never mixes
//!   currencies (`currency_mismatch`).
//! * Rates produce an [`UnroundedMoney`]; it becomes [`Money`] only through
//!   an explicit [`RoundingMode`].
//! * [`allocate`] is the single splitting function.
//! * Printing gives exactly the currency's decimals and never `-0`.

mod allocate;
mod amount;
mod currency;
mod iso4217;
mod parse;
mod rate;
mod rounding;

pub use allocate::allocate;
pub(crate) use allocate::{allocate_minor, AllocScratch};
pub use amount::Money;
pub use currency::Currency;
pub use rate::Rate;
pub use rounding::{round, RoundingMode, UnroundedMoney};

use crate::error::{shown, Error, Result};
use rust_decimal::Decimal;

/// Parses a rate or percentage given as a decimal string (`"0.0825"` is
/// 8.25 %), with the same strict grammar as amounts.
///
/// # Errors
///
/// `invalid_rate` for anything but a plain decimal of at most 28
/// significant digits.
///
/// ```
/// assert_eq!(kassa::money::parse_rate("0.0825")?, kassa::Decimal::new(825, 4));
/// assert_eq!(kassa::money::parse_rate("8.25%").unwrap_err().code(), "invalid_rate");
/// # Ok::<(), kassa::Error>(())
/// ```
pub fn parse_rate(rate: &str) -> Result<Decimal> {
    parse::parse_decimal(rate).map_err(|reason| Error::InvalidRate {
        value: shown(rate),
        reason,
    })
}

/// Parses an exact decimal value of any precision (for example a value to
/// be rounded with [`round`]); strict grammar, at most 28 significant digits.
///
/// # Errors
///
/// `invalid_amount` for anything but a plain decimal number.
pub fn parse_decimal(value: &str) -> Result<Decimal> {
    parse::parse_decimal(value).map_err(|reason| Error::InvalidAmount {
        value: shown(value),
        reason,
    })
}

#[cfg(test)]
mod tests;
