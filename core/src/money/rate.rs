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
    /// Normalized (no trailing zeros), and zero unsigned, so equal rates
    /// have equal bits.
    value: Decimal,
    /// `value = small.0 / small.1` when both fit 32 bits (any rate of up
    /// to nine decimals), precomputed for the hot paths; `(0, 0)` when
    /// they do not. (A rate sits in every priced line: kept as an `i128`
    /// ratio it made the rate 48 bytes and 16-aligned; it is 24 now.)
    small: (i32, i32),
}

/// `10^scale` for every scale a `Decimal` can have (0..=28; 10^28 < 2^127).
const POWERS_OF_TEN: [i128; 29] = {
    let mut powers = [1i128; 29];
    let mut i = 1;
    while i < 29 {
        powers[i] = powers[i - 1] * 10;
        i += 1;
    }
    powers
};

// Values are normalized (and zero is unsigned), so equal rates have
// equal bits: comparing them is much cheaper than comparing decimals.
impl PartialEq for Rate {
    fn eq(&self, other: &Self) -> bool {
        self.value.serialize() == other.value.serialize()
    }
}

impl Eq for Rate {}

impl std::hash::Hash for Rate {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.value.serialize().hash(state);
    }
}

impl Rate {
    /// Zero.
    pub const ZERO: Rate = Rate {
        value: Decimal::ZERO,
        small: (0, 1),
    };

    /// One (100 %).
    pub const ONE: Rate = Rate {
        value: Decimal::ONE,
        small: (1, 1),
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
        if value.is_zero() {
            return Ok(Rate::ZERO);
        }
        let value = value.normalize();
        let mut rate = Rate {
            value,
            small: (0, 0),
        };
        let (numerator, denominator) = rate.ratio();
        if let (Ok(n), Ok(d)) = (i32::try_from(numerator), i32::try_from(denominator)) {
            rate.small = (n, d);
        }
        Ok(rate)
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
        if self.small.1 != 0 {
            return (i128::from(self.small.0), i128::from(self.small.1));
        }
        let scale = self.value.scale() as usize;
        // A Decimal's scale is at most 28: always in the table.
        let denominator = POWERS_OF_TEN.get(scale).copied().unwrap_or(i128::MAX);
        (self.value.mantissa(), denominator)
    }

    /// `round(amount x rate)` in minor units.
    #[inline]
    pub(crate) fn of_minor(&self, minor: i64, divisor: u64, mode: RoundingMode) -> Option<i64> {
        // The usual case in 64 bits: rates have few digits, amounts fit.
        let (n, d) = (i64::from(self.small.0), i64::from(self.small.1));
        if let (true, Ok(q)) = (d != 0, i64::try_from(divisor)) {
            if let (Some(a), Some(b)) = (minor.checked_mul(n), d.checked_mul(q)) {
                if b > 0 {
                    return Some(round_ratio_i64(a, b, mode));
                }
            }
        }
        let (num, den) = self.ratio();
        let numerator = i128::from(minor).checked_mul(num)?;
        let denominator = den.checked_mul(i128::from(divisor))?;
        i64::try_from(round_ratio(numerator, denominator, mode)?).ok()
    }

    /// `round(gross x rate / (1 + rate))` in minor units: the tax inside a
    /// tax-inclusive amount.
    pub(crate) fn within_minor(&self, gross: i64, mode: RoundingMode) -> Option<i64> {
        let (n, d) = (i64::from(self.small.0), i64::from(self.small.1));
        if d != 0 {
            if let (Some(a), Some(b)) = (gross.checked_mul(n), d.checked_add(n)) {
                return Some(round_ratio_i64(a, b, mode));
            }
        }
        let (num, den) = self.ratio();
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::money::Currency;
    use rust_decimal::RoundingStrategy;

    /// Rates kept as a 32-bit ratio and rates that are not (too many
    /// digits, too large) give the exact decimal result, rounded once.
    #[test]
    fn short_and_long_rates_round_the_exact_product() {
        let rates = [
            ("0.19", true),
            ("0.135", true),
            ("2", true),
            ("0.000000001", true),
            ("0.0000000001", false),
            ("3000000000", false),
            ("0.3333333333333333333333333333", false),
        ];
        let amounts = [1i64, 5, 99, 1_005, -1_005, 123_456_789, -7];
        let strategies = [
            (
                RoundingMode::HalfEven,
                RoundingStrategy::MidpointNearestEven,
            ),
            (RoundingMode::HalfUp, RoundingStrategy::MidpointAwayFromZero),
        ];
        for (text, short) in rates {
            let rate = Rate::parse(text).unwrap();
            assert_eq!(rate.small.1 != 0, short, "{text}");
            for minor in amounts {
                let amount = Money::from_minor_units(minor, Currency::EUR);
                for (mode, strategy) in strategies {
                    let exact = amount.amount() * rate.value();
                    let expected = exact.round_dp_with_strategy(2, strategy);
                    assert_eq!(
                        rate.of(amount, mode).unwrap().amount(),
                        expected,
                        "{minor} x {text} ({mode:?})"
                    );
                    let inside = exact / (Decimal::ONE + rate.value());
                    let expected = inside.round_dp_with_strategy(2, strategy);
                    assert_eq!(
                        rate.within(amount, mode).unwrap().amount(),
                        expected,
                        "{minor} within {text} ({mode:?})"
                    );
                }
            }
        }
    }

    #[test]
    fn equal_rates_are_equal_however_written() {
        use std::collections::HashSet;
        let same = ["0.1", "0.10", "0.100000"].map(|t| Rate::parse(t).unwrap());
        assert!(same.iter().all(|r| *r == same[0]));
        let zeros = ["0", "0.00", "-0"].map(|t| Rate::parse(t).unwrap());
        assert!(zeros.iter().all(|r| *r == Rate::ZERO && r.is_zero()));
        assert_ne!(Rate::parse("0.1").unwrap(), Rate::parse("0.01").unwrap());
        let set: HashSet<Rate> = same.into_iter().chain(zeros).collect();
        assert_eq!(set.len(), 2);
        assert_eq!(Rate::parse("1").unwrap(), Rate::ONE);
    }
}
