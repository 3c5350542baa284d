//! Exchanges: the units of a received return replaced by other variants of
//! the same products at the same price (another size or colour), shipped
//! on a replacement order instead of being refunded.
//!
//! The original order keeps its revenue (nothing is refunded); the
//! replacement order has nothing to pay, commits the new variants' stock
//! when it is placed and ships like any order. The replacement, the
//! original order and the return are saved together with the stock commit.

use super::cart::to_json;
use super::checkout::ORDERS;
use super::returns::RETURNS;
use super::{CheckoutOptions, Engine};
use crate::error::{shown, Error, Result};
use crate::money::Money;
use crate::order::{AuditEntry, Order, OrderLine, OrderPayment, OrderStatus, ReturnRequest};
use crate::payment::PaymentLedger;
use crate::store::{DocumentWrite, Store};

impl<S: Store> Engine<S> {
    /// Exchanges received return `id`: its line `i` is replaced by the
    /// same units of `replacements[i]`, a variant of the same product with
    /// the same catalog price in the order's currency. Places the
    /// replacement order (id `ord_exchange_<return id>`, nothing to pay),
    /// committing the new variants' stock at the original order's
    /// location, and marks the return exchanged. Asked again for an
    /// exchanged return, returns what was done.
    ///
    /// # Errors
    ///
    /// `unknown_return`; `invalid_transition` unless received;
    /// `order_change_refused` for a wrong number of replacements, a
    /// variant of another product or at another price;
    /// `insufficient_stock`; `unknown_sku`; `concurrent_modification`.
    /// Nothing is written on error.
    pub fn exchange_return(
        &self,
        id: &str,
        replacements: &[&str],
        actor: &str,
        options: &CheckoutOptions,
    ) -> Result<(ReturnRequest, Order)> {
        crate::catalog::limits::text("order", "actor", actor, 128)?;
        let (mut ret, ret_version) = self.return_request(id)?;
        let replacement_id = format!("ord_exchange_{}", ret.id);
        if let Some(done) = &ret.exchange {
            let (order, _) = self.order(done)?;
            return Ok((ret, order));
        }
        let (mut order, order_version) = self.order(&ret.order)?;
        let refused = |reason: String| Error::OrderChangeRefused {
            order: shown(&order.id),
            action: "exchange",
            reason,
        };
        if replacements.len() != ret.lines.len() {
            return Err(refused(format!(
                "{} replacements for {} return lines",
                replacements.len(),
                ret.lines.len()
            )));
        }
        for (line, new_sku) in ret.lines.iter().zip(replacements) {
            let (old, old_index) = self.product_by_sku(&line.sku)?;
            let (new, new_index) = self.product_by_sku(new_sku)?;
            if old.id != new.id {
                return Err(refused(format!(
                    "{} is not a variant of product {} (of {})",
                    shown(new_sku),
                    shown(&old.id),
                    shown(&line.sku)
                )));
            }
            let old_price = old
                .variants
                .get(old_index)
                .and_then(|v| v.price(order.currency));
            let new_price = new
                .variants
                .get(new_index)
                .and_then(|v| v.price(order.currency));
            if old_price != new_price {
                return Err(refused(format!(
                    "{} and {} have different prices; refund and order again instead",
                    shown(&line.sku),
                    shown(new_sku)
                )));
            }
        }
        let now = self.clock.now();
        // The pure step first: refuses anything but a received return.
        ret.mark_exchanged(&mut order, &replacement_id, now, actor)?;
        let items: Vec<(&str, u64)> = ret
            .lines
            .iter()
            .zip(replacements)
            .map(|(l, sku)| (*sku, l.qty))
            .collect();
        let (reservations, parts) =
            self.reserve_lines(&order.location, &items, options.reservation_ttl_ms)?;
        // Everything after the reservation undoes it on failure.
        let placed = (|| {
            let replacement = self.replacement_order(
                &replacement_id,
                &order,
                &ret,
                &items,
                parts,
                &reservations,
            )?;
            let writes = vec![
                DocumentWrite::new(ORDERS, &replacement.id, None, to_json(&replacement)?),
                DocumentWrite::new(ORDERS, &order.id, Some(order_version), to_json(&order)?),
                DocumentWrite::new(RETURNS, &ret.id, Some(ret_version), to_json(&ret)?),
            ];
            let events = vec![self.return_event(&ret)];
            self.place_committing(writes, &replacement.reservations, events, self.clock.now())?;
            Ok(replacement)
        })();
        match placed {
            Ok(replacement) => Ok((ret, replacement)),
            Err(e) => {
                for r in &reservations {
                    let _ = self.release(&r.id);
                }
                Err(e)
            }
        }
    }

    /// The replacement order `id` of exchange `ret` of `order`: `items` at
    /// nothing to pay, numbered in the store's sequence.
    fn replacement_order(
        &self,
        id: &str,
        order: &Order,
        ret: &ReturnRequest,
        items: &[(&str, u64)],
        parts: Vec<Vec<crate::catalog::Component>>,
        reservations: &[crate::inventory::Reservation],
    ) -> Result<Order> {
        let zero = Money::zero(order.currency);
        let number = self.store.next_number(ORDERS)?;
        let now = self.clock.now();
        let mut replacement = order.clone();
        replacement.id = id.into();
        replacement.number = number;
        replacement.cart = format!("exchange:{}", ret.id).into();
        replacement.lines = items
            .iter()
            .zip(parts)
            .map(|(&(sku, qty), components)| OrderLine {
                sku: std::sync::Arc::from(sku),
                qty,
                unit_price: Some(zero),
                subtotal: zero,
                discount: zero,
                tax: zero,
                total: zero,
                components,
                fulfilled: 0,
                returned: 0,
                refunded: 0,
            })
            .collect();
        replacement.subtotal = zero;
        replacement.discount_total = zero;
        replacement.tax_total = zero;
        replacement.grand_total = zero;
        replacement.coupons = Vec::new();
        replacement.reservations = reservations.iter().map(|r| r.id.clone()).collect();
        replacement.payment = OrderPayment {
            reference: format!("exchange:{}", ret.id),
            ledger: PaymentLedger::nothing_due(order.currency),
            schedule: None,
            method: Default::default(),
        };
        replacement.more_payments = Vec::new();
        replacement.status = OrderStatus::Placed;
        replacement.placed_at = now;
        replacement.fulfilments = Vec::new();
        replacement.cancellation = None;
        replacement.completed_at = None;
        replacement.returns = Vec::new();
        replacement.edits = Vec::new();
        replacement.quote = None;
        replacement.history = vec![AuditEntry::new(
            now,
            "system",
            "placed_as_exchange",
            format!("replaces return {} of order {}", ret.id, order.id),
        )];
        Ok(replacement)
    }
}
