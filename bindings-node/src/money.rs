//! JavaScript wrappers of `kassa::money`: the `Money` class, `roundAmount`,
//! `allocate`, `minorUnits`, `currencies`.

use napi::bindgen_prelude::BigInt;
use napi_derive::napi;

use kassa::money::{parse_decimal, parse_rate};
use kassa::{Currency, RoundingMode};

use crate::count::{describe, to_u64, JsCount};
use crate::error::{to_js, IntoJs, Result};

fn currency(code: &str) -> Result<Currency> {
    Currency::from_code(code).into_js()
}

fn mode(mode: Option<String>) -> Result<RoundingMode> {
    match mode {
        None => Ok(RoundingMode::HalfEven),
        Some(m) => m.parse().into_js(),
    }
}

/// The JSON shape of a `Money`: `{ amount: "12.30", currency: "USD" }`.
#[napi(object)]
#[derive(Debug)]
pub struct MoneyJson {
    /// Decimal string with exactly the currency's decimals.
    pub amount: String,
    /// ISO 4217 code.
    pub currency: String,
}

/// An exact amount of money in one currency (immutable).
#[napi]
#[derive(Debug, Clone)]
pub struct Money {
    inner: kassa::Money,
}

impl Money {
    fn wrap(inner: kassa::Money) -> Self {
        Money { inner }
    }
}

#[napi]
impl Money {
    /// Parses a decimal string strictly ("12.30", "-0.5", "1000").
    #[napi(factory)]
    pub fn parse(amount: String, currency_code: String) -> Result<Money> {
        kassa::Money::parse(&amount, currency(&currency_code)?)
            .map(Money::wrap)
            .into_js()
    }

    /// Money from an integer count of minor units (1230n USD is 12.30).
    #[napi(factory)]
    pub fn from_minor_units(units: BigInt, currency_code: String) -> Result<Money> {
        let cur = currency(&currency_code)?;
        let (value, lossless) = units.get_i64();
        if !lossless {
            return Err(to_js(kassa::Error::AmountOutOfRange {
                value: "a bigint beyond the i64 range".to_owned(),
                currency: cur,
            }));
        }
        Ok(Money::wrap(kassa::Money::from_minor_units(value, cur)))
    }

    /// Zero in a currency.
    #[napi(factory)]
    pub fn zero(currency_code: String) -> Result<Money> {
        Ok(Money::wrap(kassa::Money::zero(currency(&currency_code)?)))
    }

    /// The amount as a decimal string with exactly the currency's decimals.
    #[napi(getter)]
    pub fn amount(&self) -> String {
        self.inner.to_string()
    }

    /// The ISO 4217 code.
    #[napi(getter)]
    pub fn currency(&self) -> &'static str {
        self.inner.currency().code()
    }

    /// The amount in minor units.
    #[napi(getter)]
    pub fn minor_units(&self) -> BigInt {
        BigInt::from(self.inner.minor_units())
    }

    /// `this + other`; throws `currency_mismatch` / `amount_out_of_range`.
    #[napi]
    pub fn add(&self, other: &Money) -> Result<Money> {
        self.inner
            .checked_add(other.inner)
            .map(Money::wrap)
            .into_js()
    }

    /// `this - other`; throws `currency_mismatch` / `amount_out_of_range`.
    #[napi]
    pub fn subtract(&self, other: &Money) -> Result<Money> {
        self.inner
            .checked_sub(other.inner)
            .map(Money::wrap)
            .into_js()
    }

    /// `-this`.
    #[napi]
    pub fn negate(&self) -> Result<Money> {
        self.inner.checked_neg().map(Money::wrap).into_js()
    }

    /// `this x quantity` (a safe integer `number` or a `bigint`, >= 0).
    #[napi(ts_args_type = "quantity: number | bigint")]
    pub fn multiply_quantity(&self, quantity: JsCount<'_>) -> Result<Money> {
        let qty = to_u64(&quantity, "quantity")?.ok_or_else(|| {
            to_js(kassa::Error::InvalidQuantity {
                value: describe(&quantity),
                reason: "must be a whole number >= 0 (a safe integer or a bigint)",
            })
        })?;
        self.inner.multiply_quantity(qty).map(Money::wrap).into_js()
    }

    /// `this x rate` rounded once to the minor unit (default `half_even`).
    #[napi(ts_args_type = "rate: string, mode?: 'half_even' | 'half_up'")]
    pub fn multiply_rate(&self, rate: String, mode: Option<String>) -> Result<Money> {
        let rate = parse_rate(&rate).into_js()?;
        let mode = self::mode(mode)?;
        self.inner
            .multiply_rate(rate)
            .and_then(|u| u.round(mode))
            .map(Money::wrap)
            .into_js()
    }

    /// Splits this amount by weights (largest remainder, ties to the earlier part).
    #[napi(ts_args_type = "weights: Array<number | bigint>")]
    pub fn allocate(&self, weights: Vec<JsCount<'_>>) -> Result<Vec<Money>> {
        allocate_by(self.inner, &weights)
    }

    /// True when both have the same amount and currency.
    #[napi]
    pub fn equals(&self, other: &Money) -> bool {
        self.inner == other.inner
    }

    /// -1, 0 or 1; throws `currency_mismatch` across currencies.
    #[napi]
    pub fn compare(&self, other: &Money) -> Result<i32> {
        let ordering = self.inner.checked_cmp(&other.inner).into_js()?;
        Ok(ordering as i32)
    }

    /// The canonical decimal string ("12.30").
    #[napi(js_name = "toString")]
    pub fn to_js_string(&self) -> String {
        self.inner.to_string()
    }

    /// `{ amount, currency }` for `JSON.stringify`.
    #[napi(js_name = "toJSON")]
    pub fn to_json(&self) -> MoneyJson {
        MoneyJson {
            amount: self.inner.to_string(),
            currency: self.inner.currency().code().to_owned(),
        }
    }
}

fn allocate_by(total: kassa::Money, weights: &[JsCount<'_>]) -> Result<Vec<Money>> {
    let mut parsed = Vec::with_capacity(weights.len());
    for weight in weights {
        let value = to_u64(weight, "weight")?.ok_or_else(|| {
            to_js(kassa::Error::InvalidWeights {
                reason: format!("weight {} is not a whole number >= 0", describe(weight)),
            })
        })?;
        parsed.push(value);
    }
    kassa::allocate(total, &parsed)
        .map(|parts| parts.into_iter().map(Money::wrap).collect())
        .into_js()
}

/// Rounds an exact decimal string to the currency's minor unit.
#[napi(ts_args_type = "value: string, currencyCode: string, mode?: 'half_even' | 'half_up'")]
pub fn round_amount(value: String, currency_code: String, mode: Option<String>) -> Result<Money> {
    let exact = parse_decimal(&value).into_js()?;
    kassa::round(exact, currency(&currency_code)?, self::mode(mode)?)
        .map(Money::wrap)
        .into_js()
}

/// Splits `total` by weights (largest remainder, ties to the earlier part).
#[napi(ts_args_type = "total: Money, weights: Array<number | bigint>")]
pub fn allocate(total: &Money, weights: Vec<JsCount<'_>>) -> Result<Vec<Money>> {
    allocate_by(total.inner, &weights)
}

/// The number of minor-unit digits of an ISO 4217 currency.
#[napi]
pub fn minor_units(currency_code: String) -> Result<u32> {
    Ok(u32::from(currency(&currency_code)?.minor_units()))
}

/// Every known currency code, sorted.
#[napi]
pub fn currencies() -> Vec<&'static str> {
    Currency::all().map(Currency::code).collect()
}
