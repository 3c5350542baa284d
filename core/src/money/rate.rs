//! [`Rate`]: an exact, non-negative decimal rate (a tax rate, a percentage).

use std::fmt;

use rust_decimal::Decimal;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::rounding::{round_ratio, round_ratio_i64};
use super::{Money, RoundingMode};
use crate::error::{Error, Result};

/// An exact non-negative rate: `0.0825` is 8.25 %, `1` is 100 %.
///
/// Applying a rate to money is exact integer arithmetic on minor units
/// (`amount x numerator / denominator`), rounded once with an explicit
/// [`RoundingMode`], so there is no intermediate precision to lose and ties
/// are detected exactly.
///
/// # Examples
///
/// ```
/// use kassa::{money::Rate, Currency, Money, RoundingMode};
///
/// let vat = Rate::parse("0.22")?;
/// let net = Money::parse("0.1575", Currency::UYW)?;
/// assert_eq!(vat.of(net, RoundingMode::HalfUp)?.to_string(), "0.0347");
///
/// // Tax contained in a gross price: gross x r / (1 + r).
/// let gross = Money::parse("3.29", Currency::EUR)?;
/// assert_eq!(Rate::parse("0.135")?.within(gross, RoundingMode::HalfEven)?.to_string(), "0.39");
/// assert_eq!(Rate::parse("-0.1").unwrap_err().code(), "invalid_rate");
/// # Ok::<(), kassa::Error>(())
/// ```
#[derive(Clone, Copy)]
pub struct Rate {
    value: Decimal,
    /// `value = numerator / denominator`, precomputed for the hot paths.
    numerator: i128,
    denominator: i128,
}

// Values are normalized, so equal rates have equal (numerator, denominator):
// comparing integers is much cheaper than comparing decimals.
impl PartialEq for Rate {
    fn eq(&self, other: &Self) -> bool {
        self.numerator == other.numerator && self.denominator == other.denominator
    }
}

impl Eq for Rate {}

impl std::hash::Hash for Rate {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.numerator.hash(state);
        self.denominator.hash(state);
    }
}

impl Rate {
    /// Zero.
    pub const ZERO: Rate = Rate {
        value: Decimal::ZERO,
        numerator: 0,
        denominator: 1,
    };

    /// One (100 %).
    pub const ONE: Rate = Rate {
        value: Decimal::ONE,
        numerator: 1,
        denominator: 1,
    };

    /// A rate from an exact decimal.
    ///
    /// # Errors
    ///
    /// `invalid_rate` for a negative value.
    pub fn new(value: Decimal) -> Result<Rate> {
        if value.is_sign_negative() && !value.is_zero() {
            return Err(Error::InvalidRate {
                value: value.to_string(),
                reason: "must not be negative",
            });
        }
        let value = value.normalize();
        Ok(Rate {
            value,
            numerator: value.mantissa(),
            // A Decimal's scale is at most 28, and 10^28 < 2^127.
            denominator: 10i128.pow(value.scale()),
        })
    }

    /// Parses a rate with the strict decimal grammar (`"0.0825"`).
    ///
    /// # Errors
    ///
    /// `invalid_rate` for anything but a plain non-negative decimal.
    pub fn parse(text: &str) -> Result<Rate> {
        Rate::new(super::parse_rate(text)?)
    }

    /// The rate as an exact decimal.
    pub const fn value(&self) -> Decimal {
        self.value
    }

    /// True when the rate is zero.
    pub fn is_zero(&self) -> bool {
        self.value.is_zero()
    }

    /// True when the rate is at most 1 (100 %).
    pub fn is_fraction(&self) -> bool {
        self.value <= Decimal::ONE
    }

    /// `(numerator, denominator)` with `value = numerator / denominator`.
    fn ratio(&self) -> (i128, i128) {
        (self.numerator, self.denominator)
    }

    /// `round(amount x rate)` in minor units.
    pub(crate) fn of_minor(&self, minor: i64, divisor: u64, mode: RoundingMode) -> Option<i64> {
        let (num, den) = self.ratio();
        // The usual case in 64 bits: rates have few digits, amounts fit.
        if let (Ok(n), Ok(d), Ok(q)) = (
            i64::try_from(num),
            i64::try_from(den),
            i64::try_from(divisor),
        ) {
            if let (Some(a), Some(b)) = (minor.checked_mul(n), d.checked_mul(q)) {
                if b > 0 {
                    return Some(round_ratio_i64(a, b, mode));
                }
            }
        }
        let numerator = i128::from(minor).checked_mul(num)?;
        let denominator = den.checked_mul(i128::from(divisor))?;
        i64::try_from(round_ratio(numerator, denominator, mode)?).ok()
    }

    /// `round(gross x rate / (1 + rate))` in minor units: the tax inside a
    /// tax-inclusive amount.
    pub(crate) fn within_minor(&self, gross: i64, mode: RoundingMode) -> Option<i64> {
        let (num, den) = self.ratio();
        if let (Ok(n), Ok(d)) = (i64::try_from(num), i64::try_from(den)) {
            if let (Some(a), Some(b)) = (gross.checked_mul(n), d.checked_add(n)) {
                return Some(round_ratio_i64(a, b, mode));
            }
        }
        let numerator = i128::from(gross).checked_mul(num)?;
        let denominator = den.checked_add(num)?;
        i64::try_from(round_ratio(numerator, denominator, mode)?).ok()
    }

    /// `amount x rate`, rounded once to the minor unit.
    ///
    /// # Errors
    ///
    /// `amount_out_of_range` when the product exceeds the i64 bound.
    pub fn of(&self, amount: Money, mode: RoundingMode) -> Result<Money> {
        self.of_minor(amount.minor_units(), 1, mode)
            .map(|m| Money::from_minor_units(m, amount.currency()))
            .ok_or_else(|| out_of_range(amount, *self))
    }

    /// The tax contained in a tax-inclusive `gross`: `gross x r / (1 + r)`,
    /// rounded once (the net is never rounded first).
    ///
    /// # Errors
    ///
    /// `amount_out_of_range` when the computation exceeds the i64 bound.
    pub fn within(&self, gross: Money, mode: RoundingMode) -> Result<Money> {
        self.within_minor(gross.minor_units(), mode)
            .map(|m| Money::from_minor_units(m, gross.currency()))
            .ok_or_else(|| out_of_range(gross, *self))
    }
}

fn out_of_range(amount: Money, rate: Rate) -> Error {
    Error::AmountOutOfRange {
        value: format!("{amount} x {rate}"),
        currency: amount.currency(),
    }
}

impl fmt::Display for Rate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.value, f)
    }
}

impl fmt::Debug for Rate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Rate({})", self.value)
    }
}

impl Serialize for Rate {
    fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        serializer.collect_str(&self.value)
    }
}

impl<'de> Deserialize<'de> for Rate {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> std::result::Result<Self, D::Error> {
        let text = std::borrow::Cow::<'de, str>::deserialize(deserializer)?;
        Rate::parse(&text).map_err(serde::de::Error::custom)
    }
}
