//! [`Money`]: an exact amount in one currency, bounded at i64 minor units.

use std::cmp::Ordering;
use std::fmt;

use rust_decimal::Decimal;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::parse::{self, MinorUnits};
use super::{Currency, UnroundedMoney};
use crate::error::{shown, Error, Result};

/// An exact amount of money in one currency.
///
/// Internally a signed 64-bit count of the currency's minor units (cents,
/// fils, yen), which makes the invariants structural: every `Money` is a
/// whole number of minor units, within the i64 bound, and has no negative
/// zero. [`Money::amount`] gives the value as a [`Decimal`] with exactly the
/// currency's number of decimals.
///
/// Arithmetic is checked: overflow is `amount_out_of_range` and mixing
/// currencies is `currency_mismatch`, never a panic and never a conversion.
/// `Money` deliberately has no `PartialOrd`: use [`Money::checked_cmp`].
///
/// # Examples
///
/// ```
/// use kassa::{Currency, Money};
///
/// let a = Money::parse("12.3", Currency::USD)?;
/// assert_eq!(a.to_string(), "12.30");
/// assert_eq!(a.minor_units(), 1230);
/// assert_eq!(Money::parse("1000", Currency::JPY)?.to_string(), "1000");
/// assert_eq!(Money::parse("0.25", Currency::KWD)?.to_string(), "0.250");
///
/// let b = Money::parse("0.70", Currency::USD)?;
/// assert_eq!(a.checked_add(b)?.to_string(), "13.00");
/// let yen = Money::parse("5", Currency::JPY)?;
/// assert_eq!(a.checked_add(yen).unwrap_err().code(), "currency_mismatch");
/// # Ok::<(), kassa::Error>(())
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Money {
    minor: i64,
    currency: Currency,
}

impl Money {
    /// Parses a decimal string strictly (see the grammar in the crate docs of
    /// `money`): `"12.30"`, `"-0.5"`, `"1000"`. Trailing zeros beyond the
    /// minor unit are accepted (`"10.000"` USD is 10.00).
    ///
    /// # Errors
    ///
    /// * `invalid_amount`: empty, padded, signed with `+`, exponent form,
    ///   `NaN`, `Infinity`, or anything else that is not a plain decimal.
    /// * `invalid_amount_precision`: needs more decimals than the currency has.
    /// * `amount_out_of_range`: beyond the i64 range of minor units.
    pub fn parse(amount: &str, currency: Currency) -> Result<Money> {
        let lexed = parse::lex(amount).map_err(|reason| Error::InvalidAmount {
            value: shown(amount),
            reason,
        })?;
        match parse::to_minor_units(&lexed, currency.minor_units()) {
            MinorUnits::Value(minor) => Ok(Money { minor, currency }),
            MinorUnits::TooPrecise => Err(Error::InvalidAmountPrecision {
                value: shown(amount),
                currency,
                max_decimals: currency.minor_units(),
            }),
            MinorUnits::OutOfRange => Err(Error::AmountOutOfRange {
                value: shown(amount),
                currency,
            }),
        }
    }

    /// Converts an exact [`Decimal`] without rounding.
    ///
    /// # Errors
    ///
    /// `invalid_amount_precision` if the value has more significant decimals
    /// than the currency allows; `amount_out_of_range` beyond the i64 bound.
    ///
    /// ```
    /// use kassa::{Currency, Decimal, Money};
    /// let m = Money::from_decimal(Decimal::new(1050, 3), Currency::EUR)?; // 1.050
    /// assert_eq!(m.to_string(), "1.05");
    /// # Ok::<(), kassa::Error>(())
    /// ```
    pub fn from_decimal(amount: Decimal, currency: Currency) -> Result<Money> {
        let normalized = amount.normalize();
        if normalized.scale() > u32::from(currency.minor_units()) {
            return Err(Error::InvalidAmountPrecision {
                value: amount.to_string(),
                currency,
                max_decimals: currency.minor_units(),
            });
        }
        UnroundedMoney::new(normalized, currency).round(super::RoundingMode::HalfEven)
    }

    /// Money from an integer count of minor units (always valid).
    ///
    /// ```
    /// use kassa::{Currency, Money};
    /// assert_eq!(Money::from_minor_units(-5, Currency::USD).to_string(), "-0.05");
    /// ```
    pub const fn from_minor_units(minor: i64, currency: Currency) -> Money {
        Money { minor, currency }
    }

    /// Zero in `currency`.
    pub const fn zero(currency: Currency) -> Money {
        Money { minor: 0, currency }
    }

    /// The amount as a decimal with exactly the currency's number of decimals.
    pub fn amount(&self) -> Decimal {
        Decimal::new(self.minor, u32::from(self.currency.minor_units()))
    }

    /// The currency.
    pub const fn currency(&self) -> Currency {
        self.currency
    }

    /// The amount as an integer count of minor units (1230 for USD 12.30).
    pub const fn minor_units(&self) -> i64 {
        self.minor
    }

    /// True when the amount is zero.
    pub const fn is_zero(&self) -> bool {
        self.minor == 0
    }

    /// True when the amount is below zero.
    pub const fn is_negative(&self) -> bool {
        self.minor < 0
    }

    fn same_currency(&self, other: &Money) -> Result<()> {
        if self.currency == other.currency {
            Ok(())
        } else {
            Err(Error::CurrencyMismatch {
                expected: self.currency,
                found: other.currency,
            })
        }
    }

    fn out_of_range(&self, operation: fmt::Arguments<'_>) -> Error {
        Error::AmountOutOfRange {
            value: operation.to_string(),
            currency: self.currency,
        }
    }

    /// `self + other`.
    ///
    /// # Errors
    ///
    /// `currency_mismatch` across currencies; `amount_out_of_range` on overflow.
    #[inline]
    pub fn checked_add(self, other: Money) -> Result<Money> {
        self.same_currency(&other)?;
        match self.minor.checked_add(other.minor) {
            Some(minor) => Ok(Money { minor, ..self }),
            None => Err(self.out_of_range(format_args!("{self} + {other}"))),
        }
    }

    /// `self - other`.
    ///
    /// # Errors
    ///
    /// `currency_mismatch` across currencies; `amount_out_of_range` on overflow.
    #[inline]
    pub fn checked_sub(self, other: Money) -> Result<Money> {
        self.same_currency(&other)?;
        match self.minor.checked_sub(other.minor) {
            Some(minor) => Ok(Money { minor, ..self }),
            None => Err(self.out_of_range(format_args!("{self} - {other}"))),
        }
    }

    /// `-self`.
    ///
    /// # Errors
    ///
    /// `amount_out_of_range` for the one value whose negation does not fit
    /// (the most negative amount).
    pub fn checked_neg(self) -> Result<Money> {
        match self.minor.checked_neg() {
            Some(minor) => Ok(Money { minor, ..self }),
            None => Err(self.out_of_range(format_args!("-({self})"))),
        }
    }

    /// `self x quantity`, exact: a unit price times a count.
    ///
    /// # Errors
    ///
    /// `amount_out_of_range` when the product exceeds the i64 minor-unit bound.
    ///
    /// ```
    /// use kassa::{Currency, Money};
    /// let clip = Money::parse("0.01", Currency::USD)?;
    /// assert_eq!(clip.multiply_quantity(5_000_000_000)?.to_string(), "50000000.00");
    /// # Ok::<(), kassa::Error>(())
    /// ```
    pub fn multiply_quantity(self, quantity: u64) -> Result<Money> {
        let product = i128::from(self.minor) * i128::from(quantity);
        match i64::try_from(product) {
            Ok(minor) => Ok(Money { minor, ..self }),
            Err(_) => Err(self.out_of_range(format_args!("{self} x {quantity}"))),
        }
    }

    /// `self x rate`, exact and unrounded: round it with
    /// [`UnroundedMoney::round`] at the rounding point.
    ///
    /// # Errors
    ///
    /// `amount_out_of_range` when the product does not fit a [`Decimal`]
    /// (28 significant digits).
    pub fn multiply_rate(self, rate: Decimal) -> Result<UnroundedMoney> {
        match self.amount().checked_mul(rate) {
            Some(value) => Ok(UnroundedMoney::new(value, self.currency)),
            None => Err(self.out_of_range(format_args!("{self} x {rate}"))),
        }
    }

    /// Compares two amounts of the same currency.
    ///
    /// # Errors
    ///
    /// `currency_mismatch` across currencies.
    pub fn checked_cmp(&self, other: &Money) -> Result<Ordering> {
        self.same_currency(other)?;
        Ok(self.minor.cmp(&other.minor))
    }

    /// Splits this amount by `weights` (see [`super::allocate`]).
    ///
    /// # Errors
    ///
    /// `invalid_weights` when there are no weights, or all are zero while
    /// the amount is not.
    pub fn allocate(self, weights: &[u64]) -> Result<Vec<Money>> {
        super::allocate(self, weights)
    }
}

impl Money {
    /// Writes the canonical string: exactly the currency's decimals, never `-0`.
    fn write_canonical(&self, out: &mut impl fmt::Write) -> fmt::Result {
        out.write_str(Canonical::of(self).as_str())
    }
}

/// The canonical text of an amount, written into a stack buffer without
/// the formatting machinery (money is written with every cart and order):
/// at most 19 digits, a sign, a point and the leading zeros of a currency
/// with up to 4 decimals.
struct Canonical {
    buf: [u8; 32],
    start: usize,
}

impl Canonical {
    fn of(money: &Money) -> Self {
        let exponent = usize::from(money.currency.minor_units());
        let mut magnitude = money.minor.unsigned_abs();
        let mut buf = [b'0'; 32];
        let mut at = buf.len();
        let mut digits = 0;
        loop {
            if digits == exponent && exponent > 0 {
                at -= 1;
                buf[at] = b'.';
            }
            at -= 1;
            buf[at] = b'0' + (magnitude % 10) as u8;
            magnitude /= 10;
            digits += 1;
            if magnitude == 0 && digits > exponent {
                break;
            }
        }
        if money.minor < 0 {
            at -= 1;
            buf[at] = b'-';
        }
        Canonical { buf, start: at }
    }

    fn as_str(&self) -> &str {
        // Only ASCII digits, '-' and '.' were written.
        std::str::from_utf8(&self.buf[self.start..]).unwrap_or_default()
    }
}

impl fmt::Display for Money {
    /// The canonical string: exactly the currency's decimals, never `-0`.
    /// Width and alignment (`{:>12}`) are honoured.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if f.width().is_none() {
            return self.write_canonical(f);
        }
        let mut text = String::with_capacity(24);
        self.write_canonical(&mut text)?;
        f.pad(&text)
    }
}

impl fmt::Debug for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Money({self} {})", self.currency)
    }
}

/// The wire shape: `{"amount": "12.30", "currency": "USD"}`.
#[derive(Serialize, Deserialize)]
struct Wire<'a> {
    #[serde(borrow)]
    amount: std::borrow::Cow<'a, str>,
    currency: Currency,
}

impl Serialize for Money {
    fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        /// The amount from a stack buffer (no heap string in between:
        /// money is serialized with every cart and order).
        struct Amount<'a>(&'a Money);
        impl Serialize for Amount<'_> {
            fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
                s.serialize_str(Canonical::of(self.0).as_str())
            }
        }
        let mut wire = serializer.serialize_struct("Wire", 2)?;
        wire.serialize_field("amount", &Amount(self))?;
        wire.serialize_field("currency", &self.currency)?;
        wire.end()
    }
}

impl<'de> Deserialize<'de> for Money {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> std::result::Result<Self, D::Error> {
        let wire = Wire::deserialize(deserializer)?;
        Money::parse(&wire.amount, wire.currency).map_err(serde::de::Error::custom)
    }
}
