//! Guest-to-customer merge at login.

use serde::{Deserialize, Serialize};

use super::Cart;
use crate::checkout::CheckoutCommand;
use crate::error::Result;
use crate::pricing::Timestamp;

/// What happens to a guest's cart when the shopper logs in and already has
/// a cart as a customer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MergeStrategy {
    /// Both carts' lines: the same SKU with the same attributes becomes one
    /// line with the quantities added (capped at the line maximum); coupons
    /// are united; the guest's addresses fill what the customer lacks.
    #[default]
    MergeLines,
    /// The customer's cart as it was; the guest cart is dropped.
    KeepCustomer,
    /// The guest's lines, coupons and addresses replace the customer's.
    KeepGuest,
    /// The guest's cart if the customer's has no lines, else the customer's.
    KeepGuestIfCustomerEmpty,
}

/// Merges `guest` into `customer` by `strategy`. The result keeps the
/// customer cart's id, owner, currency and creation time; the guest cart is
/// to be retired by the caller. Line ids of merged-in lines are the
/// guest's. Quantities that would pass the line maximum are capped.
///
/// # Errors
///
/// `invalid_transition` when the customer's checkout is past the point
/// where lines may change (authorized or ended).
///
/// # Examples
///
/// ```
/// use kassa::cart::{merge, Cart, MergeStrategy};
/// use kassa::catalog::SortedMap;
/// use kassa::pricing::Timestamp;
/// use kassa::Currency;
///
/// let t = Timestamp(0);
/// let mut guest = Cart::new("g", Currency::EUR, t);
/// guest.add_line("g1", "TEE", 1, SortedMap::new(), t)?;
/// guest.add_line("g2", "MUG", 2, SortedMap::new(), t)?;
/// let mut mine = Cart::new("c", Currency::EUR, t);
/// mine.add_line("c1", "TEE", 2, SortedMap::new(), t)?;
/// let merged = merge(&guest, &mine, MergeStrategy::MergeLines, t)?;
/// let lines: Vec<(&str, u64)> = merged.lines.iter().map(|l| (&*l.sku, l.qty)).collect();
/// assert_eq!(lines, [("TEE", 3), ("MUG", 2)]);
/// # Ok::<(), kassa::Error>(())
/// ```
pub fn merge(
    guest: &Cart,
    customer: &Cart,
    strategy: MergeStrategy,
    now: Timestamp,
) -> Result<Cart> {
    let take_guest = match strategy {
        MergeStrategy::KeepCustomer => return Ok(customer.clone()),
        MergeStrategy::KeepGuestIfCustomerEmpty if !customer.lines.is_empty() => {
            return Ok(customer.clone())
        }
        MergeStrategy::KeepGuest | MergeStrategy::KeepGuestIfCustomerEmpty => true,
        MergeStrategy::MergeLines => false,
    };
    let mut out = customer.clone();
    out.step(CheckoutCommand::EditCart, now)?;
    if take_guest {
        out.lines = guest.lines.clone();
        out.saved_for_later = guest.saved_for_later.clone();
        out.coupons = guest.coupons.clone();
        out.shipping_address = guest.shipping_address.clone().or(out.shipping_address);
        out.billing_address = guest.billing_address.clone().or(out.billing_address);
        out.notes = if guest.notes.is_empty() {
            out.notes
        } else {
            guest.notes.clone()
        };
        return Ok(out);
    }
    for line in &guest.lines {
        let same = out
            .lines
            .iter()
            .position(|l| l.sku == line.sku && l.attributes == line.attributes);
        match same {
            Some(i) => {
                let mine = &mut out.lines[i];
                mine.qty = mine.qty.saturating_add(line.qty).min(super::MAX_QUANTITY);
            }
            None if out.lines.len() < super::MAX_LINES => out.lines.push(line.clone()),
            None => out.saved_for_later.push(super::SavedLine {
                sku: String::from(&*line.sku),
                qty: line.qty,
                attributes: line.attributes.clone(),
            }),
        }
    }
    out.saved_for_later
        .extend(guest.saved_for_later.iter().cloned());
    for code in &guest.coupons {
        if out.coupons.len() < super::MAX_COUPONS
            && !out.coupons.iter().any(|c| c.eq_ignore_ascii_case(code))
        {
            out.coupons.push(code.clone());
        }
    }
    if out.shipping_address.is_none() {
        out.shipping_address = guest.shipping_address.clone();
    }
    if out.billing_address.is_none() {
        out.billing_address = guest.billing_address.clone();
    }
    if out.notes.is_empty() {
        out.notes = guest.notes.clone();
    }
    Ok(out)
}
