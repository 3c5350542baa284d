//! Kotlin/Swift wrappers of `kassa::money`.

use std::sync::Arc;

use kassa::money::{parse_decimal, parse_rate};
use kassa::Currency;

use crate::decimal::DecimalAmount;
use crate::error::Result;

fn currency(code: &str) -> Result<Currency> {
    Ok(Currency::from_code(code)?)
}

/// How a value exactly half way between two minor units is rounded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum RoundingMode {
    /// Half way goes to the even neighbour (banker's rounding).
    HalfEven,
    /// Half way goes away from zero.
    HalfUp,
}

impl From<RoundingMode> for kassa::RoundingMode {
    fn from(mode: RoundingMode) -> Self {
        match mode {
            RoundingMode::HalfEven => kassa::RoundingMode::HalfEven,
            RoundingMode::HalfUp => kassa::RoundingMode::HalfUp,
        }
    }
}

/// An exact amount of money in one currency (immutable, thread-safe).
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Object)]
#[uniffi::export(Display, Eq, Hash)]
pub struct Money {
    inner: kassa::Money,
}

impl std::fmt::Display for Money {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.inner.fmt(f)
    }
}

impl std::hash::Hash for Money {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.inner.hash(state);
    }
}

fn wrap(inner: kassa::Money) -> Arc<Money> {
    Arc::new(Money { inner })
}

#[uniffi::export]
impl Money {
    /// Money from a decimal (`BigDecimal` / `Decimal`); no rounding happens.
    #[uniffi::constructor]
    pub fn of(amount: DecimalAmount, currency_code: String) -> Result<Arc<Money>> {
        Self::parse(amount.0, currency_code)
    }

    /// Parses a decimal string strictly ("12.30", "-0.5", "1000").
    #[uniffi::constructor]
    pub fn parse(amount: String, currency_code: String) -> Result<Arc<Money>> {
        Ok(wrap(kassa::Money::parse(
            &amount,
            currency(&currency_code)?,
        )?))
    }

    /// Money from an integer count of minor units.
    #[uniffi::constructor]
    pub fn from_minor_units(units: i64, currency_code: String) -> Result<Arc<Money>> {
        Ok(wrap(kassa::Money::from_minor_units(
            units,
            currency(&currency_code)?,
        )))
    }

    /// The amount, with exactly the currency's decimals (scale).
    pub fn amount(&self) -> DecimalAmount {
        DecimalAmount(self.inner.to_string())
    }

    /// The ISO 4217 code.
    pub fn currency(&self) -> String {
        self.inner.currency().code().to_owned()
    }

    /// The amount in minor units.
    pub fn minor_units(&self) -> i64 {
        self.inner.minor_units()
    }

    /// `this + other`.
    pub fn add(&self, other: Arc<Money>) -> Result<Arc<Money>> {
        Ok(wrap(self.inner.checked_add(other.inner)?))
    }

    /// `this - other`.
    pub fn subtract(&self, other: Arc<Money>) -> Result<Arc<Money>> {
        Ok(wrap(self.inner.checked_sub(other.inner)?))
    }

    /// `-this`.
    pub fn negate(&self) -> Result<Arc<Money>> {
        Ok(wrap(self.inner.checked_neg()?))
    }

    /// `this x quantity`.
    pub fn multiply_quantity(&self, quantity: u64) -> Result<Arc<Money>> {
        Ok(wrap(self.inner.multiply_quantity(quantity)?))
    }

    /// `this x rate`, rounded once to the minor unit with `mode`.
    pub fn multiply_rate(&self, rate: DecimalAmount, mode: RoundingMode) -> Result<Arc<Money>> {
        let rate = parse_rate(&rate.0)?;
        Ok(wrap(self.inner.multiply_rate(rate)?.round(mode.into())?))
    }

    /// Splits this amount by weights (largest remainder, ties to the earlier part).
    pub fn allocate(&self, weights: Vec<u64>) -> Result<Vec<Arc<Money>>> {
        Ok(kassa::allocate(self.inner, &weights)?
            .into_iter()
            .map(wrap)
            .collect())
    }

    /// -1, 0 or 1; `currency_mismatch` across currencies.
    pub fn compare(&self, other: Arc<Money>) -> Result<i32> {
        Ok(self.inner.checked_cmp(&other.inner)? as i32)
    }
}

/// Rounds an exact decimal to the currency's minor unit.
#[uniffi::export]
pub fn round_amount(
    value: DecimalAmount,
    currency_code: String,
    mode: RoundingMode,
) -> Result<Arc<Money>> {
    let exact = parse_decimal(&value.0)?;
    Ok(wrap(kassa::round(
        exact,
        currency(&currency_code)?,
        mode.into(),
    )?))
}

/// The number of minor-unit digits of an ISO 4217 currency.
#[uniffi::export]
pub fn minor_units(currency_code: String) -> Result<u8> {
    Ok(currency(&currency_code)?.minor_units())
}

/// Every known currency code, sorted.
#[uniffi::export]
pub fn currencies() -> Vec<String> {
    Currency::all().map(|c| c.code().to_owned()).collect()
}
