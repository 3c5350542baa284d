//! Shipping methods and how a shipping line is priced.
//!
//! The shipping price depends on the merchandise total after promotions (a
//! "free above 50.00" threshold looks at what the customer actually pays
//! for goods), so it is priced after the merchandise promotions; shipping
//! promotions then work on it (see [`super::price`]).

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::error::{shown, Error, Result};
use crate::money::{Currency, Money};

/// How a method's price is found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ShippingRate {
    /// One price for any cart.
    Flat {
        /// The price.
        price: Money,
    },
    /// By total weight: the first band whose `up_to_grams` covers the cart's
    /// weight; a band without a limit covers everything heavier.
    Weight {
        /// Bands in ascending `up_to_grams`.
        bands: Vec<WeightBand>,
    },
    /// By merchandise subtotal (after promotions): the band with the highest
    /// `from` that the subtotal reaches.
    Subtotal {
        /// Bands; one must start at zero.
        bands: Vec<SubtotalBand>,
    },
}

/// A weight band.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct WeightBand {
    /// Inclusive upper limit in grams (`None`: no limit).
    pub up_to_grams: Option<u64>,
    /// The price for carts in this band.
    pub price: Money,
}

/// A subtotal band.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubtotalBand {
    /// The band applies from this merchandise subtotal on.
    pub from: Money,
    /// The price for carts in this band.
    pub price: Money,
}

/// A shipping method the customer chose.
///
/// # Examples
///
/// ```
/// use kassa::pricing::{ShippingMethod, ShippingRate};
/// use kassa::{Currency, Money};
///
/// let eur = |s| Money::parse(s, Currency::EUR).unwrap();
/// let standard = ShippingMethod::new("standard", ShippingRate::Flat { price: eur("4.90") })
///     .free_above(eur("50.00"))
///     .taxed_as("standard");
/// assert!(standard.validate().is_ok());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShippingMethod {
    /// The method's id, reported in the breakdown.
    pub id: Arc<str>,
    /// How it is priced.
    pub rate: ShippingRate,
    /// Free when the merchandise subtotal (after promotions) reaches this.
    #[serde(default)]
    pub free_above: Option<Money>,
    /// Its tax category (none: untaxed).
    #[serde(default)]
    pub tax_category: Option<String>,
    /// The ISO country codes it ships to (upper case); empty: everywhere.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub countries: Vec<String>,
}

impl ShippingMethod {
    /// A method with no threshold and no tax category.
    pub fn new(id: impl Into<Arc<str>>, rate: ShippingRate) -> Self {
        ShippingMethod {
            id: id.into(),
            rate,
            free_above: None,
            tax_category: None,
            countries: Vec::new(),
        }
    }

    /// Ships only to these countries (ISO codes).
    pub fn only_to<C: Into<String>>(mut self, countries: impl IntoIterator<Item = C>) -> Self {
        self.countries = countries.into_iter().map(Into::into).collect();
        self
    }

    /// Whether it ships to `country` (an ISO code, any letter case).
    pub fn ships_to(&self, country: &str) -> bool {
        self.countries.is_empty()
            || self
                .countries
                .iter()
                .any(|c| c.eq_ignore_ascii_case(country))
    }

    /// Free from this merchandise subtotal on.
    pub fn free_above(mut self, threshold: Money) -> Self {
        self.free_above = Some(threshold);
        self
    }

    /// Taxed at the rate of `category`.
    pub fn taxed_as(mut self, category: impl Into<String>) -> Self {
        self.tax_category = Some(category.into());
        self
    }

    fn amounts(&self) -> Vec<Money> {
        let mut all: Vec<Money> = match &self.rate {
            ShippingRate::Flat { price } => vec![*price],
            ShippingRate::Weight { bands } => bands.iter().map(|b| b.price).collect(),
            ShippingRate::Subtotal { bands } => {
                bands.iter().flat_map(|b| [b.from, b.price]).collect()
            }
        };
        all.extend(self.free_above);
        all
    }

    /// Checks the method can price a cart.
    ///
    /// # Errors
    ///
    /// `invalid_price_table` for no bands, unsorted weight bands, a limit
    /// band that is not last, no subtotal band from zero, or amounts in
    /// several currencies; `invalid_amount` for a negative amount.
    pub fn validate(&self) -> Result<()> {
        let bad = |reason: &str| Error::InvalidPriceTable {
            sku: format!("shipping method {}", shown(&self.id)),
            reason: reason.to_owned(),
        };
        let amounts = self.amounts();
        let currency = amounts.first().map(Money::currency);
        for m in &amounts {
            if Some(m.currency()) != currency {
                return Err(bad("amounts in more than one currency"));
            }
            if m.is_negative() {
                return Err(Error::InvalidAmount {
                    value: format!("{m} {} (shipping method {})", m.currency(), shown(&self.id)),
                    reason: "a shipping amount must not be negative",
                });
            }
        }
        match &self.rate {
            ShippingRate::Flat { .. } => {}
            ShippingRate::Weight { bands } => {
                if bands.is_empty() {
                    return Err(bad("a weight rate needs at least one band"));
                }
                let limits: Vec<Option<u64>> = bands.iter().map(|b| b.up_to_grams).collect();
                if limits[..limits.len() - 1].iter().any(Option::is_none) {
                    return Err(bad("only the last weight band may be unlimited"));
                }
                if limits
                    .windows(2)
                    .any(|w| matches!((w[0], w[1]), (Some(a), Some(b)) if a >= b))
                {
                    return Err(bad("weight bands must ascend"));
                }
            }
            ShippingRate::Subtotal { bands } => {
                if !bands.iter().any(|b| b.from.is_zero()) {
                    return Err(bad("a subtotal rate needs a band from zero"));
                }
            }
        }
        Ok(())
    }

    /// The currency of the method's amounts.
    pub fn currency(&self) -> Option<Currency> {
        self.amounts().first().map(Money::currency)
    }

    /// The price before promotions for a cart of `weight_grams` whose
    /// merchandise subtotal (after promotions) is `subtotal`, and whether the
    /// free-above threshold made it free.
    pub(crate) fn price_for(&self, subtotal: Money, weight_grams: u128) -> Result<(Money, bool)> {
        let currency = subtotal.currency();
        if let Some(threshold) = self.free_above {
            if subtotal.minor_units() >= threshold.minor_units() {
                return Ok((Money::zero(currency), true));
            }
        }
        let price = match &self.rate {
            ShippingRate::Flat { price } => *price,
            ShippingRate::Weight { bands } => bands
                .iter()
                .find(|b| {
                    b.up_to_grams
                        .is_none_or(|max| weight_grams <= u128::from(max))
                })
                .map(|b| b.price)
                .ok_or_else(|| Error::InvalidPriceTable {
                    sku: format!("shipping method {}", shown(&self.id)),
                    reason: format!("no weight band covers {weight_grams} g"),
                })?,
            ShippingRate::Subtotal { bands } => bands
                .iter()
                .filter(|b| b.from.minor_units() <= subtotal.minor_units())
                .max_by_key(|b| b.from.minor_units())
                .map(|b| b.price)
                .unwrap_or(Money::zero(currency)),
        };
        Ok((price, false))
    }
}
