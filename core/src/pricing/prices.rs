//! What a product costs: flat prices per currency and tier tables.

use std::sync::Arc;

use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

use super::context::PricingContext;
use super::price_list::{check_id, ListPrice, PriceList, PriceListKind};
use crate::error::{shown, Error, Result};
use crate::money::{Currency, Money};

/// How a tier table prices a quantity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TierMode {
    /// The highest break reached prices every unit.
    Volume,
    /// Each band is priced on its own: with breaks 1 / 11 / 101, units 1-10
    /// cost the first price, 11-100 the second, 101 and up the third.
    Graduated,
}

/// One break of a tier table: from `min_qty` units on, `unit_price`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct TierBreak {
    /// The first quantity this break applies to (>= 1).
    pub min_qty: u64,
    /// The unit price from that quantity on.
    pub unit_price: Money,
}

/// A validated tier table in one currency, breaks sorted by `min_qty`.
///
/// # Examples
///
/// ```
/// use kassa::pricing::{TierBreak, TierMode, TierTable};
/// use kassa::{Currency, Money};
///
/// let usd = |s| Money::parse(s, Currency::USD).unwrap();
/// let table = TierTable::new("SOAP", TierMode::Volume, vec![
///     TierBreak { min_qty: 12, unit_price: usd("1.95") },
///     TierBreak { min_qty: 1, unit_price: usd("3.10") },
/// ])?;
/// assert_eq!(table.currency(), Currency::USD);
/// # Ok::<(), kassa::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TierTable {
    mode: TierMode,
    breaks: Vec<TierBreak>,
}

impl TierTable {
    /// Validates and sorts the breaks of `sku`'s table.
    ///
    /// # Errors
    ///
    /// `invalid_price_table` when there are no breaks, none at quantity 1,
    /// two at the same quantity, or breaks in several currencies;
    /// `invalid_amount` for a negative price.
    pub fn new(sku: &str, mode: TierMode, mut breaks: Vec<TierBreak>) -> Result<TierTable> {
        let bad = |reason: &str| Error::InvalidPriceTable {
            sku: shown(sku),
            reason: reason.to_owned(),
        };
        breaks.sort_by_key(|b| b.min_qty);
        let first = breaks
            .first()
            .ok_or_else(|| bad("a tier table needs at least one break"))?;
        if first.min_qty != 1 {
            return Err(bad("a tier table needs a break at min_qty 1"));
        }
        for pair in breaks.windows(2) {
            if pair[0].min_qty == pair[1].min_qty {
                return Err(bad(&format!("two breaks at min_qty {}", pair[0].min_qty)));
            }
        }
        let currency = first.unit_price.currency();
        for b in &breaks {
            if b.unit_price.currency() != currency {
                return Err(bad("breaks in more than one currency"));
            }
            check_price(sku, b.unit_price)?;
        }
        Ok(TierTable { mode, breaks })
    }

    /// The table's mode.
    pub fn mode(&self) -> TierMode {
        self.mode
    }

    /// The table's currency.
    pub fn currency(&self) -> Currency {
        self.breaks[0].unit_price.currency()
    }

    /// The breaks, sorted by `min_qty`.
    pub fn breaks(&self) -> &[TierBreak] {
        &self.breaks
    }
}

/// A price must not be negative.
pub(crate) fn check_price(sku: &str, price: Money) -> Result<()> {
    if price.is_negative() {
        return Err(Error::InvalidAmount {
            value: format!("{price} {} (SKU {})", price.currency(), shown(sku)),
            reason: "a price must not be negative",
        });
    }
    Ok(())
}

/// The prices of one product (or variant): flat prices per currency, tier
/// tables per currency, the tags promotions target and its tax category.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProductPrice {
    /// The SKU, matched exactly (case-sensitive) against cart lines.
    pub sku: String,
    /// At most one flat unit price per currency.
    pub prices: Vec<Money>,
    /// At most one tier table per currency; it takes precedence over the
    /// flat price in its currency.
    pub tiers: Vec<TierTable>,
    /// Labels that promotion targets match.
    pub tags: Vec<String>,
    /// Category ids, including ancestors, that promotion targets match.
    pub categories: Vec<String>,
    /// Key into the tax configuration's rates; `None` is untaxed.
    pub tax_category: Option<String>,
    /// Weight of one unit in grams, for weight-based shipping.
    pub weight_grams: u64,
}

impl ProductPrice {
    /// A product with one flat price.
    pub fn new(sku: impl Into<String>, price: Money) -> Self {
        ProductPrice {
            sku: sku.into(),
            prices: vec![price],
            tiers: Vec::new(),
            tags: Vec::new(),
            categories: Vec::new(),
            tax_category: None,
            weight_grams: 0,
        }
    }
}

fn duplicate(sku: &str) -> Error {
    Error::InvalidPriceTable {
        sku: shown(sku),
        reason: "duplicate SKU".to_owned(),
    }
}

/// A [`ProductPrice`] checked once (no negative price, one flat price and
/// one tier table per currency) and shared: cloning it is a reference
/// count. See [`PriceBook::insert_shared`].
#[derive(Debug, Clone)]
pub struct SharedPrice {
    sku: Arc<str>,
    price: Arc<ProductPrice>,
}

impl SharedPrice {
    /// Checks `product` for a price book.
    ///
    /// # Errors
    ///
    /// `invalid_price_table` for two flat prices or two tier tables in one
    /// currency; `invalid_amount` for a negative price.
    pub fn new(product: ProductPrice) -> Result<Self> {
        let bad = |reason: String| Error::InvalidPriceTable {
            sku: shown(&product.sku),
            reason,
        };
        for (i, p) in product.prices.iter().enumerate() {
            check_price(&product.sku, *p)?;
            if product.prices[..i]
                .iter()
                .any(|q| q.currency() == p.currency())
            {
                return Err(bad(format!("two prices in {}", p.currency())));
            }
        }
        for (i, t) in product.tiers.iter().enumerate() {
            if product.tiers[..i]
                .iter()
                .any(|u| u.currency() == t.currency())
            {
                return Err(bad(format!("two tier tables in {}", t.currency())));
            }
        }
        Ok(SharedPrice {
            sku: product.sku.as_str().into(),
            price: Arc::new(product),
        })
    }

    /// The product's prices.
    pub fn get(&self) -> &ProductPrice {
        &self.price
    }

    /// The SKU, shared (a key for maps of shared prices).
    pub(crate) fn key(&self) -> &Arc<str> {
        &self.sku
    }
}

/// Every product's prices, looked up by SKU, and the price lists that
/// override or undercut them (see [`super::PriceList`] for the resolution
/// order).
#[derive(Debug, Clone, Default)]
pub struct PriceBook {
    by_sku: FxHashMap<Arc<str>, Arc<ProductPrice>>,
    /// Sorted by rank: more specific first, then higher priority, then id.
    lists: Vec<PriceList>,
}

impl PriceBook {
    /// An empty price book.
    pub fn new() -> Self {
        PriceBook::default()
    }

    /// An empty book with room for `products` products.
    pub fn with_capacity(products: usize) -> Self {
        PriceBook {
            by_sku: FxHashMap::with_capacity_and_hasher(products, Default::default()),
            lists: Vec::new(),
        }
    }

    /// Adds a product.
    ///
    /// # Errors
    ///
    /// `invalid_price_table` for a duplicate SKU, two flat prices or two
    /// tier tables in one currency; `invalid_amount` for a negative price.
    pub fn insert(&mut self, product: ProductPrice) -> Result<()> {
        if self.by_sku.contains_key(product.sku.as_str()) {
            return Err(duplicate(&product.sku));
        }
        self.insert_shared(SharedPrice::new(product)?)
    }

    /// Adds a product checked once and shared between books (a reference
    /// count, no copy): a caller that prices many carts keeps one
    /// [`SharedPrice`] per product version.
    ///
    /// # Errors
    ///
    /// `invalid_price_table` for a duplicate SKU.
    ///
    /// # Examples
    ///
    /// ```
    /// use kassa::pricing::{PriceBook, ProductPrice, SharedPrice};
    /// use kassa::{Currency, Money};
    /// let tee = SharedPrice::new(ProductPrice::new("TEE", Money::parse("20.00", Currency::EUR)?))?;
    /// let mut monday = PriceBook::new();
    /// let mut tuesday = PriceBook::new();
    /// monday.insert_shared(tee.clone())?;
    /// tuesday.insert_shared(tee.clone())?;
    /// assert_eq!(monday.get("TEE"), tuesday.get("TEE"));
    /// assert_eq!(monday.insert_shared(tee).unwrap_err().code(), "invalid_price_table");
    /// # Ok::<(), kassa::Error>(())
    /// ```
    pub fn insert_shared(&mut self, product: SharedPrice) -> Result<()> {
        match self.by_sku.entry(product.sku) {
            std::collections::hash_map::Entry::Occupied(e) => Err(duplicate(e.key())),
            std::collections::hash_map::Entry::Vacant(e) => {
                e.insert(product.price);
                Ok(())
            }
        }
    }

    /// Adds a price list.
    ///
    /// # Errors
    ///
    /// `invalid_price_table` for an empty or duplicate list id.
    pub fn add_price_list(&mut self, list: PriceList) -> Result<()> {
        check_id(&list)?;
        if self.lists.iter().any(|l| l.id() == list.id()) {
            return Err(Error::InvalidPriceTable {
                sku: shown(list.id()),
                reason: "duplicate price list id".to_owned(),
            });
        }
        let at = self.lists.partition_point(|l| l.rank() < list.rank());
        self.lists.insert(at, list);
        Ok(())
    }

    /// The price lists, most specific first.
    pub fn price_lists(&self) -> &[PriceList] {
        &self.lists
    }

    /// The product with exactly this SKU.
    pub fn get(&self, sku: &str) -> Option<&ProductPrice> {
        self.by_sku.get(sku).map(|p| &**p)
    }

    /// The book's own shared copy of `sku`, when it prices it: a cart line
    /// built from it names its SKU without a copy.
    pub fn shared_sku(&self, sku: &str) -> Option<Arc<str>> {
        self.by_sku.get_key_value(sku).map(|(k, _)| Arc::clone(k))
    }

    /// Number of products.
    pub fn len(&self) -> usize {
        self.by_sku.len()
    }

    /// True when there are no products.
    pub fn is_empty(&self) -> bool {
        self.by_sku.is_empty()
    }
}

/// Where a line's unit price came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum PriceSource {
    /// The product's flat price in the cart currency.
    Base,
    /// The line's own price (a custom item such as engraving).
    Custom,
    /// A tier table; `min_qty` is the break reached (volume) or the highest
    /// band used (graduated).
    Tier {
        /// Volume or graduated.
        mode: TierMode,
        /// The break that priced the line (the highest band reached).
        min_qty: u64,
    },
    /// A price list (an override, or a sale that was lower).
    PriceList {
        /// The list's id.
        id: Arc<str>,
        /// Override or sale.
        list_kind: PriceListKind,
        /// The tier reached, when the list prices by tiers: (mode, min_qty).
        tier: Option<(TierMode, u64)>,
    },
}

/// A priced line before promotions.
#[derive(Debug, Clone)]
pub(crate) struct LinePrice {
    /// `None` for graduated lines (no single unit price).
    pub unit_price: Option<Money>,
    pub subtotal: Money,
    pub source: PriceSource,
    /// Units per unit price, cheapest first, for graduated lines (empty otherwise).
    pub bands: Vec<(i64, u64)>,
}

/// Prices `qty` units of `product` in `currency`: the base price, then the
/// price lists of `book` that apply in `ctx`.
pub(crate) fn price_line(
    book: &PriceBook,
    product: &ProductPrice,
    currency: Currency,
    qty: u64,
    ctx: &PricingContext,
) -> Result<LinePrice> {
    let base = base_price(product, currency, qty);
    if book.lists.is_empty() {
        return base;
    }
    let candidates = book
        .lists
        .iter()
        .filter_map(|list| list.entry(&product.sku).map(|entry| (list, entry)))
        .filter(|(list, _)| list.applies(currency, qty, ctx));
    // Lists are sorted by rank, so the first override is the most specific.
    let mut current = base;
    let mut overridden = false;
    for (list, entry) in candidates {
        match list.kind() {
            PriceListKind::Override if !overridden => {
                current = Ok(from_list(list, entry, currency, qty)?);
                overridden = true;
            }
            PriceListKind::Override => {}
            PriceListKind::Sale => {
                let sale = from_list(list, entry, currency, qty)?;
                let lower = match &current {
                    Ok(price) => sale.subtotal.minor_units() < price.subtotal.minor_units(),
                    Err(_) => true,
                };
                if lower {
                    current = Ok(sale);
                }
            }
        }
    }
    current
}

fn from_list(
    list: &PriceList,
    entry: &ListPrice,
    currency: Currency,
    qty: u64,
) -> Result<LinePrice> {
    let mut price = match entry {
        ListPrice::Unit { price } => LinePrice {
            unit_price: Some(*price),
            subtotal: price.multiply_quantity(qty)?,
            source: PriceSource::Base,
            bands: Vec::new(),
        },
        ListPrice::Tiers { table } => from_table(table, currency, qty)?,
    };
    let tier = match price.source {
        PriceSource::Tier { mode, min_qty } => Some((mode, min_qty)),
        _ => None,
    };
    price.source = PriceSource::PriceList {
        id: list.shared_id(),
        list_kind: list.kind(),
        tier,
    };
    Ok(price)
}

/// The product's own price: its tier table in `currency`, else its flat price.
fn base_price(product: &ProductPrice, currency: Currency, qty: u64) -> Result<LinePrice> {
    if let Some(table) = product.tiers.iter().find(|t| t.currency() == currency) {
        return from_table(table, currency, qty);
    }
    match product.prices.iter().find(|p| p.currency() == currency) {
        Some(price) => Ok(LinePrice {
            unit_price: Some(*price),
            subtotal: price.multiply_quantity(qty)?,
            source: PriceSource::Base,
            bands: Vec::new(),
        }),
        None => Err(Error::NoPriceForCurrency {
            sku: shown(&product.sku),
            currency,
        }),
    }
}

fn from_table(table: &TierTable, currency: Currency, qty: u64) -> Result<LinePrice> {
    Ok(match table.mode {
        TierMode::Volume => {
            // Breaks are sorted and start at 1, so one is always reached.
            let reached = table
                .breaks
                .iter()
                .rev()
                .find(|b| b.min_qty <= qty)
                .unwrap_or(&table.breaks[0]);
            LinePrice {
                unit_price: Some(reached.unit_price),
                subtotal: reached.unit_price.multiply_quantity(qty)?,
                source: PriceSource::Tier {
                    mode: TierMode::Volume,
                    min_qty: reached.min_qty,
                },
                bands: Vec::new(),
            }
        }
        TierMode::Graduated => graduated(table, currency, qty)?,
    })
}

fn graduated(table: &TierTable, currency: Currency, qty: u64) -> Result<LinePrice> {
    let mut subtotal = Money::zero(currency);
    let mut bands = Vec::with_capacity(table.breaks.len());
    let mut highest = 1;
    for (i, b) in table.breaks.iter().enumerate() {
        if b.min_qty > qty {
            break;
        }
        let band_end = table
            .breaks
            .get(i + 1)
            .map_or(qty, |next| (next.min_qty - 1).min(qty));
        let units = band_end - b.min_qty + 1;
        subtotal = subtotal.checked_add(b.unit_price.multiply_quantity(units)?)?;
        bands.push((b.unit_price.minor_units(), units));
        highest = b.min_qty;
    }
    bands.sort_by_key(|&(price, _)| price);
    Ok(LinePrice {
        unit_price: None,
        subtotal,
        source: PriceSource::Tier {
            mode: TierMode::Graduated,
            min_qty: highest,
        },
        bands,
    })
}
