//! Tax configuration and the tax step of pricing.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::money::{allocate, Currency, Money, Rate, RoundingMode};

/// Where tax is rounded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TaxRounding {
    /// Each line's tax is rounded on its own.
    #[default]
    PerLine,
    /// Lines are grouped by rate value; each group's tax is rounded once and
    /// split back to its lines by largest remainder, weighted by amount.
    PerInvoice,
}

/// At which level the rate is applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TaxCalculation {
    /// `round(line amount x rate)`.
    #[default]
    Line,
    /// `round(line amount / qty x rate) x qty`. With `per_invoice`
    /// rounding the group total is taxed as one amount, so this setting
    /// matters only per line.
    Unit,
}

/// A store's tax configuration: whether prices include tax, the rate of
/// each tax category, and where rounding happens.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct TaxConfig {
    /// Catalog prices are gross (tax included) when true.
    pub prices_include_tax: bool,
    /// Rate per tax category. A product without a category is untaxed; a
    /// category missing here is the error `unknown_tax_category`.
    pub rates: BTreeMap<String, Rate>,
    /// Per line or per invoice.
    #[serde(default)]
    pub rounding: TaxRounding,
    /// Line or unit level.
    #[serde(default)]
    pub calculation: TaxCalculation,
    /// Rates that differ by destination (see [`TaxConfig::rate_of`]).
    #[serde(default)]
    pub zones: Vec<TaxZone>,
}

/// Where goods are taxed: an ISO 3166-1 alpha-2 country and, optionally, a
/// region (an ISO 3166-2 subdivision code such as `"CA"` for California).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct TaxLocation {
    /// Two upper-case letters, e.g. `"DE"`.
    pub country: String,
    /// A subdivision, e.g. `"BY"`.
    #[serde(default)]
    pub region: Option<String>,
}

/// Rates for one destination: a country, or a region of it. A zone lists
/// only the categories whose rate differs there.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaxZone {
    /// Two upper-case letters.
    pub country: String,
    /// A subdivision; `None` covers the whole country.
    #[serde(default)]
    pub region: Option<String>,
    /// Rate per tax category in this zone.
    pub rates: BTreeMap<String, Rate>,
}

impl TaxConfig {
    /// The rate of `category` (for the item `sku`) at `location`: the zone of
    /// the location's region if it lists the category, else the zone of its
    /// country, else the store-wide `rates`. No category means untaxed.
    ///
    /// # Errors
    ///
    /// `unknown_tax_category` when no table lists the category.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::collections::BTreeMap;
    /// use kassa::pricing::{TaxConfig, TaxLocation, TaxZone};
    /// use kassa::money::Rate;
    ///
    /// let r = |s| Rate::parse(s).unwrap();
    /// let config = TaxConfig {
    ///     rates: BTreeMap::from([("standard".into(), r("0.19"))]),
    ///     zones: vec![TaxZone { country: "AT".into(), region: None, rates: BTreeMap::from([("standard".into(), r("0.20"))]) }],
    ///     ..TaxConfig::default()
    /// };
    /// let vienna = TaxLocation { country: "AT".into(), region: Some("9".into()) };
    /// assert_eq!(config.rate_of(Some("standard"), "TEE", Some(&vienna))?, r("0.20"));
    /// assert_eq!(config.rate_of(Some("standard"), "TEE", None)?, r("0.19"));
    /// # Ok::<(), kassa::Error>(())
    /// ```
    pub fn rate_of(
        &self,
        category: Option<&str>,
        sku: &str,
        location: Option<&TaxLocation>,
    ) -> Result<Rate> {
        let Some(category) = category else {
            return Ok(Rate::ZERO);
        };
        if let Some(at) = location.filter(|_| !self.zones.is_empty()) {
            let zone_rate = |region: Option<&String>| {
                self.zones
                    .iter()
                    .find(|z| z.country == at.country && z.region.as_ref() == region)
                    .and_then(|z| z.rates.get(category).copied())
            };
            if let Some(rate) = at
                .region
                .as_ref()
                .and_then(|r| zone_rate(Some(r)))
                .or_else(|| zone_rate(None))
            {
                return Ok(rate);
            }
        }
        self.rates
            .get(category)
            .copied()
            .ok_or_else(|| Error::UnknownTaxCategory {
                category: crate::error::shown(category),
                sku: crate::error::shown(sku),
            })
    }
}

/// One taxable line: its discounted amount (net, or gross when prices
/// include tax), quantity and rate.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Taxable {
    pub amount: i64,
    pub qty: u64,
    pub rate: Rate,
}

fn overflow(currency: Currency) -> Error {
    Error::AmountOutOfRange {
        value: "tax computation".to_owned(),
        currency,
    }
}

/// The tax of each line, in minor units.
pub(crate) fn compute(
    config: &TaxConfig,
    lines: &[Taxable],
    currency: Currency,
    mode: RoundingMode,
) -> Result<Vec<i64>> {
    let one = |amount: i64, qty: u64, rate: Rate, per_unit: bool| -> Result<i64> {
        let tax = if config.prices_include_tax {
            rate.within_minor(amount, mode)
        } else if per_unit {
            rate.of_minor(amount, qty, mode)
                .and_then(|t| t.checked_mul(i64::try_from(qty).ok()?))
        } else {
            rate.of_minor(amount, 1, mode)
        };
        tax.ok_or_else(|| overflow(currency))
    };
    match config.rounding {
        TaxRounding::PerLine => {
            let per_unit = config.calculation == TaxCalculation::Unit;
            lines
                .iter()
                .map(|l| one(l.amount, l.qty, l.rate, per_unit))
                .collect()
        }
        TaxRounding::PerInvoice => {
            let mut taxes = vec![0i64; lines.len()];
            // Group by rate value, in order of first appearance.
            let mut groups: Vec<(Rate, Vec<usize>)> = Vec::new();
            for (i, l) in lines.iter().enumerate() {
                match groups.iter_mut().find(|(r, _)| *r == l.rate) {
                    Some((_, members)) => members.push(i),
                    None => groups.push((l.rate, vec![i])),
                }
            }
            for (rate, members) in groups {
                let total: i64 = members
                    .iter()
                    .try_fold(0i64, |sum, &i| sum.checked_add(lines[i].amount))
                    .ok_or_else(|| overflow(currency))?;
                let group_tax = one(total, 1, rate, false)?;
                let weights: Vec<u64> = members
                    .iter()
                    .map(|&i| lines[i].amount.unsigned_abs())
                    .collect();
                let shares = if weights.iter().all(|&w| w == 0) {
                    vec![Money::zero(currency); members.len()]
                } else {
                    allocate(Money::from_minor_units(group_tax, currency), &weights)?
                };
                for (&i, share) in members.iter().zip(shares) {
                    taxes[i] = share.minor_units();
                }
            }
            Ok(taxes)
        }
    }
}
