//! Rounding to a currency's minor unit, at named points, with an explicit mode.

use std::fmt;
use std::str::FromStr;

use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Serialize};

use super::{Currency, Money};
use crate::error::{shown, Error, Result};

/// How a value exactly half way between two minor units is rounded. Values
/// not exactly half way always go to the nearest neighbour.
///
/// # Examples
///
/// ```
/// use kassa::{round, Currency, RoundingMode};
/// use rust_decimal::Decimal;
///
/// let half_cent = Decimal::new(7125, 3); // 7.125
/// assert_eq!(round(half_cent, Currency::USD, RoundingMode::HalfEven)?.to_string(), "7.12");
/// assert_eq!(round(half_cent, Currency::USD, RoundingMode::HalfUp)?.to_string(), "7.13");
/// assert_eq!("half_up".parse::<RoundingMode>()?, RoundingMode::HalfUp);
/// # Ok::<(), kassa::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RoundingMode {
    /// Banker's rounding: half way goes to the even neighbour (the default).
    #[default]
    HalfEven,
    /// Half way goes away from zero: 2.5 -> 3, -2.5 -> -3.
    HalfUp,
}

impl RoundingMode {
    /// The stable name: `"half_even"` or `"half_up"`.
    pub const fn as_str(self) -> &'static str {
        match self {
            RoundingMode::HalfEven => "half_even",
            RoundingMode::HalfUp => "half_up",
        }
    }

    const fn strategy(self) -> RoundingStrategy {
        match self {
            RoundingMode::HalfEven => RoundingStrategy::MidpointNearestEven,
            RoundingMode::HalfUp => RoundingStrategy::MidpointAwayFromZero,
        }
    }
}

impl fmt::Display for RoundingMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for RoundingMode {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        match s {
            "half_even" => Ok(RoundingMode::HalfEven),
            "half_up" => Ok(RoundingMode::HalfUp),
            _ => Err(Error::InvalidRoundingMode { value: shown(s) }),
        }
    }
}

/// An exact, not yet rounded amount in a currency: the product of money and
/// a rate (tax, percentage discount) before its rounding point. It becomes
/// [`Money`] only through [`UnroundedMoney::round`], with an explicit mode.
///
/// # Examples
///
/// ```
/// use kassa::{Currency, Money, RoundingMode};
/// use rust_decimal::Decimal;
///
/// let net = Money::parse("0.1575", Currency::UYW)?;
/// let tax = net.multiply_rate(Decimal::new(22, 2))?; // 0.034650 exactly
/// assert_eq!(tax.value(), Decimal::new(3465, 5));
/// assert_eq!(tax.round(RoundingMode::HalfUp)?.to_string(), "0.0347");
/// assert_eq!(tax.round(RoundingMode::HalfEven)?.to_string(), "0.0346");
/// # Ok::<(), kassa::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UnroundedMoney {
    value: Decimal,
    currency: Currency,
}

impl UnroundedMoney {
    /// Wraps an exact value in a currency.
    pub const fn new(value: Decimal, currency: Currency) -> Self {
        UnroundedMoney { value, currency }
    }

    /// The exact value, with as many decimals as it needs.
    pub const fn value(&self) -> Decimal {
        self.value
    }

    /// The currency.
    pub const fn currency(&self) -> Currency {
        self.currency
    }

    /// Rounds to the currency's minor unit.
    ///
    /// # Errors
    ///
    /// `amount_out_of_range` when the rounded value is beyond the i64
    /// minor-unit bound.
    pub fn round(self, mode: RoundingMode) -> Result<Money> {
        let exponent = u32::from(self.currency.minor_units());
        let rounded = self.value.round_dp_with_strategy(exponent, mode.strategy());
        // After rounding, scale <= exponent: scale the mantissa up to minor units.
        let shift = exponent.saturating_sub(rounded.scale());
        let minor = 10i128
            .checked_pow(shift)
            .and_then(|factor| rounded.mantissa().checked_mul(factor))
            .and_then(|m| i64::try_from(m).ok())
            .ok_or_else(|| Error::AmountOutOfRange {
                value: self.value.to_string(),
                currency: self.currency,
            })?;
        Ok(Money::from_minor_units(minor, self.currency))
    }
}

/// Rounds an exact `value` to `currency`'s minor unit with `mode`.
///
/// # Errors
///
/// `amount_out_of_range` when the result is beyond the i64 minor-unit bound.
///
/// # Examples
///
/// ```
/// use kassa::{round, Currency, RoundingMode};
/// use rust_decimal::Decimal;
///
/// // Never "-0.00": a negative value that rounds to zero is plain zero.
/// assert_eq!(round(Decimal::new(-49, 4), Currency::GBP, RoundingMode::HalfUp)?.to_string(), "0.00");
/// # Ok::<(), kassa::Error>(())
/// ```
pub fn round(value: Decimal, currency: Currency, mode: RoundingMode) -> Result<Money> {
    UnroundedMoney::new(value, currency).round(mode)
}

/// Rounds the exact fraction `numerator / denominator` to a whole number
/// with `mode`. This is the integer twin of [`round`], used on hot paths
/// where values are counted in minor units: no decimal arithmetic, no
/// precision limit, exact ties.
///
/// `denominator` must be positive; a non-positive one returns `None`.
pub(crate) fn round_ratio(numerator: i128, denominator: i128, mode: RoundingMode) -> Option<i128> {
    if denominator <= 0 {
        return None;
    }
    if let (Ok(n), Ok(d)) = (i64::try_from(numerator), i64::try_from(denominator)) {
        // The usual case: 64-bit division is several times faster than 128-bit.
        let (q, r) = (n.div_euclid(d), n.rem_euclid(d));
        return Some(i128::from(settle(q, r, d, n >= 0, mode)));
    }
    let (q, r) = (
        numerator.div_euclid(denominator),
        numerator.rem_euclid(denominator),
    );
    // Compare r with denominator - r, i.e. the fraction with one half.
    Some(match r.cmp(&(denominator - r)) {
        std::cmp::Ordering::Less => q,
        std::cmp::Ordering::Greater => q + 1,
        std::cmp::Ordering::Equal => match mode {
            RoundingMode::HalfEven if q % 2 == 0 => q,
            RoundingMode::HalfEven => q + 1,
            // q is the floor: for a negative value it already lies away from zero.
            RoundingMode::HalfUp if numerator >= 0 => q + 1,
            RoundingMode::HalfUp => q,
        },
    })
}

/// [`round_ratio`] for 64-bit operands; `denominator` must be positive.
#[inline]
pub(crate) fn round_ratio_i64(numerator: i64, denominator: i64, mode: RoundingMode) -> i64 {
    let (q, r) = (
        numerator.div_euclid(denominator),
        numerator.rem_euclid(denominator),
    );
    settle(q, r, denominator, numerator >= 0, mode)
}

/// Rounds `q + r/d` (0 <= r < d) to an integer: the 64-bit tail of
/// [`round_ratio`].
#[inline]
fn settle(q: i64, r: i64, d: i64, non_negative: bool, mode: RoundingMode) -> i64 {
    match r.cmp(&(d - r)) {
        std::cmp::Ordering::Less => q,
        std::cmp::Ordering::Greater => q + 1,
        std::cmp::Ordering::Equal => match mode {
            RoundingMode::HalfEven if q % 2 == 0 => q,
            RoundingMode::HalfEven => q + 1,
            RoundingMode::HalfUp if non_negative => q + 1,
            RoundingMode::HalfUp => q,
        },
    }
}

#[cfg(test)]
mod ratio_tests {
    use super::*;

    #[test]
    fn round_ratio_table() {
        use RoundingMode::{HalfEven as E, HalfUp as U};
        let cases: &[(i128, i128, RoundingMode, i128)] = &[
            (5, 2, E, 2),
            (5, 2, U, 3),
            (7, 2, E, 4),
            (-5, 2, E, -2),
            (-5, 2, U, -3),
            (-7, 2, E, -4),
            (1, 3, U, 0),
            (2, 3, E, 1),
            (-1, 3, U, 0),
            (-2, 3, E, -1),
            (10, 5, E, 2),
            (0, 7, U, 0),
        ];
        for &(n, d, mode, want) in cases {
            assert_eq!(round_ratio(n, d, mode), Some(want), "{n}/{d} {mode}");
        }
        assert_eq!(round_ratio(1, 0, E), None);
        // The 128-bit path agrees with the 64-bit one.
        let big = i128::from(i64::MAX) * 4;
        assert_eq!(round_ratio(big + 2, 4, E), Some(i128::from(i64::MAX) + 1));
        assert_eq!(round_ratio(big + 6, 4, E), Some(i128::from(i64::MAX) + 1));
        assert_eq!(round_ratio(big + 2, 4, U), Some(i128::from(i64::MAX) + 1));
        assert_eq!(
            round_ratio(-(big + 2), 4, U),
            Some(-(i128::from(i64::MAX) + 1))
        );
    }
}
