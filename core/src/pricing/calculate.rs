//! The pricing function: validate the input, price the lines, then hand
//! over to promotion stacking and assembly.
//!
//! Where the time goes: pricing is integer arithmetic on minor units
//! (rates are applied as exact integer ratios, never through decimals), and
//! the per-promotion loop reuses one set of scratch buffers. Target matching
//! uses a compressed index of the targeted SKUs, tags and categories. The
//! remaining allocations are the output itself: a handful of vectors (a
//! line names its SKU by sharing the input's `Arc<str>`); line discounts
//! are kept in one flat vector that names promotions by index.

use std::sync::Arc;

use super::assemble::assemble;
use super::breakdown::PriceBreakdown;
use super::cart::Cart;
use super::context::PricingContext;
use super::prices::{check_price, price_line, LinePrice, PriceBook, PriceSource};
use super::promotion::Promotion;
use super::shipping::ShippingMethod;
use super::stacking::apply_promotions;
use super::tax::TaxConfig;
use crate::error::{shown, Error, Result};
use crate::money::{Currency, Rate, RoundingMode};

/// Everything pricing needs, borrowed: a pure function of these inputs.
#[derive(Debug, Clone, Copy)]
pub struct PricingInput<'a> {
    /// Product prices.
    pub prices: &'a PriceBook,
    /// The cart.
    pub cart: &'a Cart,
    /// Candidate promotions, in any order.
    pub promotions: &'a [Promotion],
    /// The store's tax configuration (none: no tax).
    pub tax: Option<&'a TaxConfig>,
    /// The store's rounding mode.
    pub rounding_mode: RoundingMode,
    /// Customer, channel, coupons and time.
    pub context: &'a PricingContext,
    /// The chosen shipping method (none: no shipping line).
    pub shipping: Option<&'a ShippingMethod>,
}

/// A validated, priced cart line.
#[derive(Debug)]
pub(crate) struct Line<'a> {
    pub(crate) sku: &'a Arc<str>,
    pub(crate) qty: u64,
    pub(crate) price: LinePrice,
    pub(crate) tags: &'a [String],
    pub(crate) categories: &'a [String],
    pub(crate) tax_rate: Rate,
    pub(crate) weight_grams: u64,
}

pub(crate) fn out_of_range(currency: Currency, what: &str) -> Error {
    Error::AmountOutOfRange {
        value: what.to_owned(),
        currency,
    }
}

/// Prices a cart: a pure, deterministic function of its input.
///
/// The steps and their rules are those of `shared/scenarios/README.md`:
/// validate; unit prices (flat, custom or tiers); line subtotals; promotions
/// in ascending `(priority, id)` on running amounts; tax on the discounted
/// amounts; totals. Every promotion that did not apply is listed with a
/// [`super::NotAppliedReason`].
///
/// # Errors
///
/// Any invalid input fails the whole call, with no partial result:
/// `invalid_quantity` (qty 0), `unknown_sku`, `no_price_for_currency`,
/// `currency_mismatch` (a custom line in another currency), `invalid_amount`
/// (a negative price), `amount_out_of_range`, `invalid_promotion`,
/// `unknown_tax_category`.
///
/// # Examples
///
/// ```
/// use kassa::pricing::{price, Action, Cart, CartLine, PriceBook, PricingContext, PricingInput, ProductPrice, Promotion};
/// use kassa::{money::Rate, Currency, Money, RoundingMode};
///
/// let usd = |s| Money::parse(s, Currency::USD).unwrap();
/// let mut book = PriceBook::new();
/// book.insert(ProductPrice::new("TEE", usd("19.99")))?;
/// let cart = Cart { currency: Currency::USD, lines: vec![CartLine::new("TEE", 3)] };
/// let promos = [Promotion::new("ten-off", 1, Action::OrderPercent { value: Rate::parse("0.10")? })];
/// let out = price(&PricingInput {
///     prices: &book, cart: &cart, promotions: &promos, tax: None,
///     rounding_mode: RoundingMode::HalfEven, context: &PricingContext::default(), shipping: None,
/// })?;
/// assert_eq!(out.grand_total.to_string(), "53.97"); // 59.97 - 6.00
/// # Ok::<(), kassa::Error>(())
/// ```
pub fn price(input: &PricingInput<'_>) -> Result<PriceBreakdown> {
    let currency = input.cart.currency;
    let lines = validate_and_price(input)?;
    for promotion in input.promotions {
        promotion.validate()?;
    }
    check_unique_ids(input.promotions)?;

    let mut running: Vec<i64> = lines
        .iter()
        .map(|l| l.price.subtotal.minor_units())
        .collect();
    let subtotal = running
        .iter()
        .try_fold(0i64, |sum, &x| sum.checked_add(x))
        .ok_or_else(|| out_of_range(currency, "cart subtotal"))?;

    let outcome = apply_promotions(input, &lines, &mut running, subtotal)?;
    assemble(input, &lines, &running, subtotal, outcome)
}

fn validate_and_price<'a>(input: &PricingInput<'a>) -> Result<Vec<Line<'a>>> {
    let currency = input.cart.currency;
    let mut lines = Vec::with_capacity(input.cart.lines.len());
    let mut rates: Vec<(&str, Rate)> = Vec::new();
    for (index, line) in input.cart.lines.iter().enumerate() {
        if line.qty == 0 {
            return Err(Error::InvalidQuantity {
                value: format!("0 (line {}, SKU {:?})", index + 1, shown(&line.sku)),
                reason: "must be an integer >= 1",
            });
        }
        let (price, tags, categories, category, weight_grams): (
            LinePrice,
            &[String],
            &[String],
            Option<&str>,
            u64,
        ) = match line.unit_price {
            Some(own) => {
                if own.currency() != currency {
                    return Err(Error::CurrencyMismatch {
                        expected: currency,
                        found: own.currency(),
                    });
                }
                check_price(&line.sku, own)?;
                let price = LinePrice {
                    unit_price: Some(own),
                    subtotal: own.multiply_quantity(line.qty)?,
                    source: PriceSource::Custom,
                    bands: Vec::new(),
                };
                (price, &[], &[], None, 0)
            }
            None => {
                let product = input
                    .prices
                    .get(&line.sku)
                    .ok_or_else(|| Error::UnknownSku {
                        sku: shown(&line.sku),
                        line: index + 1,
                    })?;
                let price = price_line(input.prices, product, currency, line.qty, input.context)?;
                (
                    price,
                    &product.tags,
                    &product.categories,
                    product.tax_category.as_deref(),
                    product.weight_grams,
                )
            }
        };
        let tax_rate = match (input.tax, category) {
            (Some(config), Some(category)) => {
                // The rate depends on the category and the place only: a
                // cart's first few categories are looked up once each.
                match rates.iter().find(|(c, _)| *c == category) {
                    Some(&(_, rate)) => rate,
                    None => {
                        let location = input.context.tax_location.as_ref();
                        let rate = config.rate_of(Some(category), &line.sku, location)?;
                        if rates.len() < 8 {
                            rates.push((category, rate));
                        }
                        rate
                    }
                }
            }
            _ => Rate::ZERO,
        };
        lines.push(Line {
            sku: &line.sku,
            qty: line.qty,
            price,
            tags,
            categories,
            tax_rate,
            weight_grams,
        });
    }
    if let Some(method) = input.shipping {
        method.validate()?;
        if let Some(found) = method.currency().filter(|&c| c != currency) {
            return Err(Error::CurrencyMismatch {
                expected: currency,
                found,
            });
        }
    }
    Ok(lines)
}

/// The breakdown reports promotions by id, so ids must be unique.
fn check_unique_ids(promotions: &[Promotion]) -> Result<()> {
    let mut seen: rustc_hash::FxHashSet<&str> =
        rustc_hash::FxHashSet::with_capacity_and_hasher(promotions.len(), Default::default());
    // The smallest id used twice, so the error does not depend on the order.
    let twice = promotions
        .iter()
        .filter(|p| !seen.insert(&p.id))
        .map(|p| &*p.id)
        .min();
    match twice {
        Some(id) => Err(Error::InvalidPromotion {
            id: shown(id),
            field: "id",
            reason: "is used by more than one promotion".to_owned(),
        }),
        None => Ok(()),
    }
}
