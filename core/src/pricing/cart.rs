//! The pricing view of a cart: currency and lines.

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::error::{shown, Error, Result};
use crate::money::{Currency, Money};

/// Parses a quantity given as text (a host's number printed as-is): a
/// plain integer >= 1. `"0"`, `"-2"`, `"2.5"`, `"1e3"` and `" 3"` are
/// `invalid_quantity`; so is anything beyond `u64`.
///
/// # Examples
///
/// ```
/// use kassa::pricing::parse_quantity;
/// assert_eq!(parse_quantity("5000000000")?, 5_000_000_000);
/// for bad in ["0", "-2", "2.5", "3.0", "", "1e3"] {
///     assert_eq!(parse_quantity(bad).unwrap_err().code(), "invalid_quantity");
/// }
/// # Ok::<(), kassa::Error>(())
/// ```
///
/// # Errors
///
/// `invalid_quantity`, naming the value.
pub fn parse_quantity(text: &str) -> Result<u64> {
    let invalid = |reason| Error::InvalidQuantity {
        value: format!("{:?}", shown(text)),
        reason,
    };
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(invalid("must be a whole number >= 1"));
    }
    match text.parse::<u64>() {
        Ok(0) => Err(invalid("must be >= 1")),
        Ok(qty) => Ok(qty),
        Err(_) => Err(invalid("too large")),
    }
}

/// One cart line to price.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CartLine {
    /// The SKU (exact, case-sensitive); for a custom line, any label.
    /// Shared: the breakdown's line names it without a copy.
    pub sku: Arc<str>,
    /// Units, >= 1.
    pub qty: u64,
    /// A custom line's own unit price (engraving, gift wrap); such a line
    /// needs no catalog entry.
    #[serde(default)]
    pub unit_price: Option<Money>,
}

impl CartLine {
    /// A catalog line.
    pub fn new(sku: impl Into<Arc<str>>, qty: u64) -> Self {
        CartLine {
            sku: sku.into(),
            qty,
            unit_price: None,
        }
    }

    /// A custom line priced by its own unit price.
    pub fn custom(label: impl Into<Arc<str>>, qty: u64, unit_price: Money) -> Self {
        CartLine {
            sku: label.into(),
            qty,
            unit_price: Some(unit_price),
        }
    }
}

/// A cart to price: a currency and its lines, in order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cart {
    /// The currency everything is priced in; there is never any conversion.
    pub currency: Currency,
    /// The lines, in cart order.
    pub lines: Vec<CartLine>,
}
