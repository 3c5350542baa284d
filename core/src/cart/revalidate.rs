//! Revalidation: what moved since each line was shown, reported as typed
//! warnings the host can show. Nothing in the cart changes.

use serde::{Deserialize, Serialize};

use super::Cart;
use crate::catalog::ProductStatus;
use crate::money::Money;

/// What the catalog and stock say about a SKU now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CurrentVariant {
    /// The product's status.
    pub status: ProductStatus,
    /// Its unit price in the cart currency now (none: not sold in it).
    pub unit_price: Option<Money>,
    /// Units that can be sold now (none: not limited).
    pub sellable: Option<i64>,
}

/// Something the shopper should know before paying.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum CartWarning {
    /// The unit price is not what the line was shown at.
    PriceChanged {
        /// The line id.
        line: String,
        /// The price shown.
        was: Money,
        /// The price now.
        now: Money,
    },
    /// The variant is no longer sold (archived, draft, or gone).
    Unavailable {
        /// The line id.
        line: String,
        /// `archived`, `draft`, `unknown_sku` or `no_price`.
        reason: String,
    },
    /// Fewer units can be sold than the line asks for.
    OutOfStock {
        /// The line id.
        line: String,
        /// Units on the line.
        requested: u64,
        /// Units that can be sold now.
        available: i64,
    },
    /// A coupon no longer applies; `reason` is the pricing kernel's.
    CouponNotApplied {
        /// The code.
        code: String,
        /// Why (e.g. `coupon_expired`, `coupon_usage_limit_reached`).
        reason: String,
    },
}

/// Compares each line with what the catalog and stock say now, in line
/// order. Lines without a snapshot are not checked for price changes.
///
/// # Examples
///
/// ```
/// use kassa::cart::{revalidate, Cart, CartWarning, CurrentVariant, LineSnapshot};
/// use kassa::catalog::{ProductStatus, SortedMap};
/// use kassa::pricing::Timestamp;
/// use kassa::{Currency, Money};
///
/// let t = Timestamp(0);
/// let mut cart = Cart::new("c", Currency::USD, t);
/// cart.add_line("l1", "TEE", 3, SortedMap::new(), t)?;
/// cart.lines[0].snapshot = Some(LineSnapshot { unit_price: Money::parse("19.99", Currency::USD)?, name: "Tee".into(), at: t });
/// let now = CurrentVariant { status: ProductStatus::Active, unit_price: Some(Money::parse("21.00", Currency::USD)?), sellable: Some(2) };
/// let warnings = revalidate(&cart, &|_| Some(now.clone()));
/// assert!(matches!(warnings[0], CartWarning::PriceChanged { .. }));
/// assert!(matches!(warnings[1], CartWarning::OutOfStock { requested: 3, available: 2, .. }));
/// # Ok::<(), kassa::Error>(())
/// ```
pub fn revalidate(
    cart: &Cart,
    current: &dyn Fn(&str) -> Option<CurrentVariant>,
) -> Vec<CartWarning> {
    let mut warnings = Vec::new();
    // Stock is shared by lines of one SKU (different attributes).
    let demand = |sku: &str| -> u64 {
        cart.lines
            .iter()
            .filter(|l| &*l.sku == sku)
            .fold(0, |n, l| n.saturating_add(l.qty))
    };
    for line in &cart.lines {
        let unavailable = |reason: &str| CartWarning::Unavailable {
            line: line.id.as_str().to_owned(),
            reason: reason.to_owned(),
        };
        let Some(now) = current(&line.sku) else {
            warnings.push(unavailable("unknown_sku"));
            continue;
        };
        match now.status {
            ProductStatus::Active => {}
            ProductStatus::Archived => {
                warnings.push(unavailable("archived"));
                continue;
            }
            ProductStatus::Draft => {
                warnings.push(unavailable("draft"));
                continue;
            }
        }
        let Some(price) = now.unit_price else {
            warnings.push(unavailable("no_price"));
            continue;
        };
        if let Some(shown) = &line.snapshot {
            if shown.unit_price != price {
                warnings.push(CartWarning::PriceChanged {
                    line: line.id.as_str().to_owned(),
                    was: shown.unit_price,
                    now: price,
                });
            }
        }
        if let Some(sellable) = now.sellable {
            let wanted = demand(&line.sku);
            if i128::from(sellable) < i128::from(wanted) {
                warnings.push(CartWarning::OutOfStock {
                    line: line.id.as_str().to_owned(),
                    requested: line.qty,
                    available: sellable,
                });
            }
        }
    }
    warnings
}
