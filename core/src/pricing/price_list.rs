//! Price lists: prices that override or undercut the base price for a
//! scope (currency, customer groups or segments, channels, a validity
//! window, a minimum quantity).
//!
//! # Resolution (deterministic)
//!
//! 1. The base price: the product's tier table in the cart currency, else
//!    its flat price.
//! 2. **Override** lists whose scope matches and that price the SKU: the
//!    most specific one replaces the base price. Specificity counts the
//!    constrained scope dimensions (groups, segments, channels, validity
//!    window, minimum quantity); ties go to the higher `priority`, then the
//!    smaller id.
//! 3. **Sale** lists whose scope matches and that price the SKU: the one
//!    giving the lowest line subtotal applies, and only when it is lower
//!    than the price from steps 1-2 (ties: the more specific, then the
//!    higher priority, then the smaller id).

use std::sync::Arc;

use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

use super::context::{Audience, PricingContext};
use super::prices::{check_price, TierTable};
use crate::error::{shown, Error, Result};
use crate::money::{Currency, Money};

/// How a price list relates to the base price.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PriceListKind {
    /// Replaces the base price whenever its scope matches (a wholesale list).
    Override,
    /// Applies only when it is lower than the price otherwise charged.
    Sale,
}

/// Who and when a price list applies to. Empty lists mean "everyone".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PriceListScope {
    /// The currency of its prices; it applies only to carts in it.
    pub currency: Currency,
    /// Customers, channels and time.
    #[serde(flatten)]
    pub audience: Audience,
    /// Only for lines of at least this many units.
    #[serde(default)]
    pub min_qty: Option<u64>,
}

impl PriceListScope {
    /// A scope of everyone paying in `currency`.
    pub fn new(currency: Currency) -> Self {
        PriceListScope {
            currency,
            audience: Audience::default(),
            min_qty: None,
        }
    }

    fn specificity(&self) -> u8 {
        self.audience.constraints() + u8::from(self.min_qty.is_some())
    }

    fn matches(&self, currency: Currency, qty: u64, ctx: &PricingContext) -> bool {
        self.currency == currency
            && self.audience.admits_customer(ctx)
            && self.audience.admits_channel(ctx)
            && self.audience.is_open(ctx)
            && self.min_qty.is_none_or(|min| qty >= min)
    }
}

/// What a price list says about one SKU.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ListPrice {
    /// A flat unit price.
    Unit {
        /// The unit price.
        price: Money,
    },
    /// A tier table (volume or graduated).
    Tiers {
        /// The table.
        table: TierTable,
    },
}

/// A named price list.
///
/// # Examples
///
/// ```
/// use kassa::pricing::{PriceList, PriceListKind, PriceListScope};
/// use kassa::{Currency, Money};
///
/// let mut wholesale = PriceListScope::new(Currency::EUR);
/// wholesale.audience.customer_groups = vec!["wholesale".into()];
/// let list = PriceList::new("wholesale-eu", PriceListKind::Override, wholesale)
///     .with_price("TEE", Money::parse("9.50", Currency::EUR)?)?;
/// assert_eq!(list.len(), 1);
/// # Ok::<(), kassa::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PriceList {
    id: Arc<str>,
    kind: PriceListKind,
    scope: PriceListScope,
    /// Higher wins among equally specific lists.
    priority: i64,
    entries: FxHashMap<String, ListPrice>,
}

impl PriceList {
    /// An empty list.
    pub fn new(id: impl Into<Arc<str>>, kind: PriceListKind, scope: PriceListScope) -> Self {
        PriceList {
            id: id.into(),
            kind,
            scope,
            priority: 0,
            entries: FxHashMap::default(),
        }
    }

    /// Sets the priority (higher wins among equally specific lists).
    pub fn with_priority(mut self, priority: i64) -> Self {
        self.priority = priority;
        self
    }

    /// Adds a flat unit price for `sku`.
    ///
    /// # Errors
    ///
    /// `currency_mismatch` when the price is not in the list's currency;
    /// `invalid_amount` when it is negative.
    pub fn with_price(mut self, sku: impl Into<String>, price: Money) -> Result<Self> {
        let sku = sku.into();
        self.check_currency(price.currency())?;
        check_price(&sku, price)?;
        self.entries.insert(sku, ListPrice::Unit { price });
        Ok(self)
    }

    /// Adds a tier table for `sku`.
    ///
    /// # Errors
    ///
    /// `currency_mismatch` when the table is not in the list's currency.
    pub fn with_tiers(mut self, sku: impl Into<String>, table: TierTable) -> Result<Self> {
        self.check_currency(table.currency())?;
        self.entries.insert(sku.into(), ListPrice::Tiers { table });
        Ok(self)
    }

    fn check_currency(&self, currency: Currency) -> Result<()> {
        if currency == self.scope.currency {
            Ok(())
        } else {
            Err(Error::CurrencyMismatch {
                expected: self.scope.currency,
                found: currency,
            })
        }
    }

    /// The list's id.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Override or sale.
    pub fn kind(&self) -> PriceListKind {
        self.kind
    }

    /// Who and when it applies to.
    pub fn scope(&self) -> &PriceListScope {
        &self.scope
    }

    /// Number of SKUs it prices.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True when it prices no SKU.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub(crate) fn shared_id(&self) -> Arc<str> {
        self.id.clone()
    }

    pub(crate) fn entry(&self, sku: &str) -> Option<&ListPrice> {
        self.entries.get(sku)
    }

    pub(crate) fn applies(&self, currency: Currency, qty: u64, ctx: &PricingContext) -> bool {
        self.scope.matches(currency, qty, ctx)
    }

    /// Orders candidates: more specific first, then higher priority, then smaller id.
    pub(crate) fn rank(&self) -> (std::cmp::Reverse<u8>, std::cmp::Reverse<i64>, &str) {
        (
            std::cmp::Reverse(self.scope.specificity()),
            std::cmp::Reverse(self.priority),
            &self.id,
        )
    }
}

/// Validates a list id for the book.
pub(crate) fn check_id(list: &PriceList) -> Result<()> {
    if list.id.is_empty() {
        return Err(Error::InvalidPriceTable {
            sku: shown(""),
            reason: "a price list needs an id".to_owned(),
        });
    }
    Ok(())
}
