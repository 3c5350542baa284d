//! The commerce behaviour the engine records itself from cart changes:
//! products added to and removed from a customer's cart, and the start of
//! a checkout. The events are saved with the cart; the cart adds enter the
//! customer's behaviour log at the next metrics refresh.

use super::Engine;
use crate::cart::Cart;
use crate::checkout::CheckoutState;
use crate::customer::{BehaviourKind, Touchpoint};
use crate::error::Result;
use crate::store::{EventKind, NewEvent, Store};

/// Units per SKU over a cart's lines.
fn units(cart: &Cart) -> Vec<(&str, u64)> {
    let mut out: Vec<(&str, u64)> = Vec::new();
    for line in &cart.lines {
        match out.iter_mut().find(|(sku, _)| *sku == line.sku) {
            Some((_, n)) => *n = n.saturating_add(line.qty),
            None => out.push((line.sku.as_str(), line.qty)),
        }
    }
    out
}

/// Where a cart's channel says it was used (`mobile`, `store`, `phone`;
/// anything else is the web shop).
pub(super) fn touchpoint(cart: &Cart) -> Touchpoint {
    match cart.channel.as_deref() {
        Some("mobile" | "app") => Touchpoint::Mobile,
        Some("store" | "pos") => Touchpoint::Store,
        Some("phone") => Touchpoint::Phone,
        _ => Touchpoint::Web,
    }
}

impl<S: Store> Engine<S> {
    /// The behaviour events of a customer's cart going from `before` to
    /// `after`: one `added_to_cart` per SKU whose units grew, one
    /// `removed_from_cart` per SKU whose units shrank (named by product;
    /// `known` gives a `(sku, product)` already looked up), and
    /// `checkout_started` when the cart left the line-choosing state. None
    /// for a guest cart.
    pub(super) fn cart_behaviour(
        &self,
        before: &Cart,
        after: &Cart,
        known: Option<(&str, &str)>,
    ) -> Result<Vec<NewEvent>> {
        let Some(customer) = &after.customer else {
            return Ok(Vec::new());
        };
        let (was, now) = (units(before), units(after));
        let mut changed: Vec<(&str, bool)> = Vec::new();
        for &(sku, n) in &now {
            let had = was.iter().find(|(s, _)| *s == sku).map_or(0, |&(_, n)| n);
            if n != had {
                changed.push((sku, n > had));
            }
        }
        for &(sku, _) in &was {
            if !now.iter().any(|(s, _)| *s == sku) {
                changed.push((sku, false));
            }
        }
        let mut kinds = Vec::new();
        let unknown: Vec<&str> = changed
            .iter()
            .map(|&(sku, _)| sku)
            .filter(|sku| known.is_none_or(|(k, _)| k != *sku))
            .collect();
        let found = if unknown.is_empty() {
            Vec::new()
        } else {
            self.store.products_by_skus(&unknown)?
        };
        for (sku, grew) in changed {
            let product = match known {
                Some((k, product)) if k == sku => Some(product.to_owned()),
                _ => unknown
                    .iter()
                    .position(|u| *u == sku)
                    .and_then(|i| found.get(i).cloned().flatten())
                    .map(|(p, _)| p.id.clone()),
            };
            // A SKU no longer in the catalog names no product.
            let Some(product) = product else { continue };
            kinds.push(if grew {
                BehaviourKind::AddedToCart { product }
            } else {
                BehaviourKind::RemovedFromCart { product }
            });
        }
        if before.checkout == CheckoutState::Cart && after.checkout == CheckoutState::Addressed {
            kinds.push(BehaviourKind::CheckoutStarted);
        }
        Ok(kinds
            .into_iter()
            .map(|behaviour| {
                self.event(EventKind::BehaviourRecorded {
                    customer: customer.clone(),
                    touchpoint: touchpoint(after),
                    behaviour,
                    logged: false,
                })
            })
            .collect())
    }
}
