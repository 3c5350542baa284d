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
}

impl TaxConfig {
    /// The rate of `category` for `sku` (zero without a category).
    pub(crate) fn rate_of(&self, category: Option<&str>, sku: &str) -> Result<Rate> {
        match category {
            None => Ok(Rate::ZERO),
            Some(c) => self
                .rates
                .get(c)
                .copied()
                .ok_or_else(|| Error::UnknownTaxCategory {
                    category: crate::error::shown(c),
                    sku: crate::error::shown(sku),
                }),
        }
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
