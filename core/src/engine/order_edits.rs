//! Editing placed orders: lines added, quantities changed, re-priced,
//! stock moved and the money difference settled.
//!
//! 1. Under the order's payment lock, plan the edit ([`Order::plan_edit`])
//!    and re-price the edited lines through the pricing kernel as at the
//!    order's placement: existing lines keep the unit price they were
//!    charged, new lines get today's catalog price, the order's
//!    promotions and coupons apply as they did (its coupon uses are
//!    already counted), tax and shipping are worked out again.
//! 2. When the total rises beyond what the payments cover (paid plus
//!    still authorized, over the old total), authorize one more payment
//!    for the rise, outside any store operation; a decline refuses the
//!    edit with nothing changed. Money refunded before (a goodwill
//!    refund) is not asked for again.
//! 3. Save the order with its stock moves (units committed for lines that
//!    grew, given back for lines that shrank) in one atomic store step;
//!    not enough stock refuses the edit and voids step 2's authorization.
//! 4. Settle: capture the new payment (when checkouts capture at once),
//!    or refund what was paid beyond the new total, newest payment first.
//!    A failed settlement leaves the edit saved and unsettled; sending the
//!    same edit under the same key settles it.

use std::collections::BTreeMap;
use std::sync::Arc;

use super::cart::to_json;
use super::checkout::ORDERS;
use super::{CheckoutOptions, Engine};
use crate::cart::CartLine;
use crate::error::{shown, Error, Result};
use crate::inventory::StockKey;
use crate::money::Money;
use crate::order::{LineEdit, Order, OrderEdit, OrderPayment};
use crate::payment::{
    GatewayOutcome, GatewayRequest, PaymentGateway, PaymentLedger, PaymentMethod, PaymentOp,
};
use crate::pricing::PriceBreakdown;
use crate::store::{DocumentWrite, EventKind, StockChange, Store};

impl<S: Store> Engine<S> {
    /// Edits order `order_id`'s lines by `edits` under `idempotency_key`,
    /// re-pricing it, moving its stock and settling the difference
    /// through `gateway` (see the module's steps). The same key and edits
    /// again return the order (settling the edit if that failed before).
    /// Provider keys derive from the order and `idempotency_key`, so a
    /// declined extra payment stays declined under that key (as at the
    /// provider): send the edit under a new key to ask afresh.
    ///
    /// # Errors
    ///
    /// `order_change_refused` ([`Order::plan_edit`]'s reasons),
    /// `invalid_quantity`, the pricing kernel's errors (`unknown_sku`,
    /// `no_price_for_currency`), `shipping_unavailable` when the order's
    /// method is gone, `insufficient_stock`, `payment_failed` (a declined
    /// extra payment changes nothing; a failed capture or refund leaves
    /// the edit saved and unsettled), `idempotency_key_reused` (the key
    /// was used for other edits), `refund_in_progress`,
    /// `concurrent_modification`, `unknown_order`.
    ///
    /// # Examples
    ///
    /// See `core/tests/order_edits.rs`.
    pub fn edit_order(
        &self,
        order_id: &str,
        edits: &[LineEdit],
        idempotency_key: &str,
        actor: &str,
        gateway: &dyn PaymentGateway,
        options: &CheckoutOptions,
    ) -> Result<Order> {
        crate::catalog::limits::text("order", "idempotency_key", idempotency_key, 128)?;
        crate::catalog::limits::text("order", "actor", actor, 128)?;
        self.with_payment_lock(order_id, options, || {
            self.edit_locked(order_id, edits, idempotency_key, actor, gateway, options)
        })
    }

    fn edit_locked(
        &self,
        order_id: &str,
        edits: &[LineEdit],
        key: &str,
        actor: &str,
        gateway: &dyn PaymentGateway,
        options: &CheckoutOptions,
    ) -> Result<Order> {
        let (mut order, version) = self.order(order_id)?;
        if let Some(done) = order.edits.iter().find(|e| e.key == key) {
            if done.edits != edits {
                return Err(Error::IdempotencyKeyReused { key: shown(key) });
            }
            if done.settled {
                return Ok(order);
            }
            return self.settle_edit(order, version, key, actor, gateway, options);
        }
        let planned = order.plan_edit(edits)?;
        let priced = self.reprice(&order, &planned)?;
        let new_skus: Vec<&str> = planned
            .iter()
            .filter(|l| l.line.is_none())
            .map(|l| l.sku.as_str())
            .collect();
        let components = self.kit_components(&new_skus)?;
        let record = OrderEdit {
            key: key.to_owned(),
            at: self.clock.now(),
            actor: actor.to_owned(),
            edits: edits.to_vec(),
            total_before: order.grand_total,
            total_after: priced.grand_total,
            units_before: 0,
            units_after: 0,
            payment: None,
            settled: false,
        };
        let before = order.grand_total;
        let stock = order.apply_edit(&planned, &priced, &components, record)?;
        // The rise in the total, less what authorizations already cover
        // beyond the old total (an earlier edit lowered it). Money given
        // back before (a goodwill refund) is not asked for again.
        let covered = order.net_paid()?.checked_add(order.capturable()?)?;
        let surplus = (covered.minor_units() - before.minor_units()).max(0);
        let rise = order.grand_total.minor_units() - before.minor_units();
        let extra = Money::from_minor_units((rise - surplus).max(0), order.currency);
        let base = format!("edit:{order_id}:{key}");
        if extra.minor_units() > 0 {
            let request = GatewayRequest::Authorize {
                amount: extra,
                method: String::new(),
            };
            let reference = match self.call(
                gateway,
                &request,
                &format!("auth:{base}"),
                options.gateway_retries,
            ) {
                GatewayOutcome::Approved { reference } => reference,
                GatewayOutcome::Declined { reason } | GatewayOutcome::Unknown { reason } => {
                    return Err(Error::PaymentFailed { reason })
                }
            };
            order.more_payments.push(OrderPayment {
                reference,
                ledger: PaymentLedger::authorize(extra)?,
                schedule: None,
                method: PaymentMethod::default(),
            });
            let index = order.more_payments.len();
            if let Some(edit) = order.edits.last_mut() {
                edit.payment = Some(index);
            }
        }
        let refund_due = order.net_paid()?.minor_units() > order.grand_total.minor_units();
        let capture_due = extra.minor_units() > 0 && options.capture_now;
        if !refund_due && !capture_due {
            if let Some(edit) = order.edits.last_mut() {
                edit.settled = true;
            }
        }
        let saved = self.save_edit(&order, version, &stock);
        let new_version = match saved {
            Ok(v) => v,
            Err(e) => {
                if let Some(added) = order
                    .more_payments
                    .last()
                    .filter(|_| extra.minor_units() > 0)
                {
                    let added = std::slice::from_ref(added);
                    self.void_payments(added, &format!("void:{base}"), gateway, options);
                }
                return Err(e);
            }
        };
        if !refund_due && !capture_due {
            return Ok(order);
        }
        self.settle_edit(order, new_version, key, actor, gateway, options)
    }

    /// `order` re-priced with `planned` lines, as at its placement (see
    /// the module's step 1).
    fn reprice(
        &self,
        order: &Order,
        planned: &[crate::order::EditedLine],
    ) -> Result<PriceBreakdown> {
        let mut cart = Arc::unwrap_or_clone(self.cart(&order.cart)?.0);
        cart.lines = planned
            .iter()
            .filter(|l| l.qty > 0)
            .enumerate()
            .map(|(i, l)| {
                CartLine {
                    id: format!("edit{i}").into(),
                    sku: Arc::from(l.sku.as_str()),
                    qty: l.qty,
                    attributes: Default::default(),
                    snapshot: None,
                }
                .into()
            })
            .collect();
        cart.customer = order.customer.as_deref().map(Arc::from);
        cart.coupons.clone_from(&order.coupons);
        cart.shipping_address.clone_from(&order.shipping_address);
        cart.shipping_method.clone_from(&order.shipping_method);
        cart.quote = None;
        let (mut settings, _) = self.pricing()?;
        // The order holds its coupon uses already: no limit applies again.
        for promo in &mut settings.promotions {
            let held = promo
                .coupon_code
                .as_ref()
                .is_some_and(|c| order.coupons.iter().any(|u| u.eq_ignore_ascii_case(c)));
            if held {
                promo.coupon_usage = None;
            }
        }
        let pinned: BTreeMap<String, Money> = planned
            .iter()
            .filter_map(|l| Some((l.sku.clone(), l.unit_price?)))
            .collect();
        // An order from a quote keeps the quote's terms: no promotions.
        let promotions = order.quote.is_none();
        self.price_at(
            &cart,
            &settings,
            order.placed_at,
            &|sku| pinned.get(sku).copied(),
            promotions,
            super::cart_pricing::Audience::Lookup,
            None,
        )
    }

    /// Saves the edited `order` over `version` with its stock moves and
    /// an `order_edited` event, atomically; returns the new version.
    fn save_edit(
        &self,
        order: &Order,
        version: u64,
        stock: &crate::order::EditStock,
    ) -> Result<u64> {
        let location = if order.location.is_empty() {
            CheckoutOptions::default().location
        } else {
            order.location.clone()
        };
        let key = |sku: &str| StockKey::new(sku, location.clone());
        let mut changes: Vec<(StockKey, StockChange)> = Vec::new();
        for u in &stock.commit {
            changes.push((key(&u.sku), StockChange::Commit { qty: u.qty }));
        }
        for u in &stock.give_back {
            changes.push((key(&u.sku), StockChange::Uncommit { qty: u.qty }));
        }
        let Some(edit) = order.edits.last() else {
            return Err(Error::InvalidState {
                operation: "edit",
                status: "no edit recorded",
            });
        };
        let event = self.event(EventKind::OrderEdited {
            order: (&*order.id).into(),
            total_before: edit.total_before,
            total_after: edit.total_after,
            units_before: edit.units_before,
            units_after: edit.units_after,
        });
        let label: crate::inventory::ReservationId =
            format!("{}:edit:{}", order.id, edit.key).into();
        let write = DocumentWrite::new(ORDERS, &order.id, Some(version), to_json(order)?);
        let versions = self.store.change_order(
            vec![write],
            &changes,
            vec![event],
            &|key, before, after| {
                let kind = if after.level.committed > before.level.committed {
                    EventKind::StockCommitted {
                        reservation: label.clone(),
                        key: key.clone(),
                        qty: u64::try_from(after.level.committed - before.level.committed)
                            .unwrap_or(0),
                        level: after.level,
                    }
                } else {
                    EventKind::StockUncommitted {
                        key: key.clone(),
                        qty: u64::try_from(before.level.committed - after.level.committed)
                            .unwrap_or(0),
                        level: after.level,
                    }
                };
                vec![self.event(kind)]
            },
        )?;
        Ok(versions.first().copied().unwrap_or(version + 1))
    }

    /// Settles edit `key` of `order` (read at `version`): captures its
    /// extra payment when checkouts capture at once, refunds what was
    /// paid beyond the total, and marks it settled.
    fn settle_edit(
        &self,
        mut order: Order,
        version: u64,
        key: &str,
        actor: &str,
        gateway: &dyn PaymentGateway,
        options: &CheckoutOptions,
    ) -> Result<Order> {
        let base = format!("edit:{}:{key}", order.id);
        let payment = order
            .edits
            .iter()
            .find(|e| e.key == key)
            .and_then(|e| e.payment);
        let mut events = Vec::new();
        let mut writes = Vec::new();
        let mut done = Vec::new();
        if let (Some(index), true) = (payment, options.capture_now) {
            let amount = order
                .payments()
                .nth(index)
                .map(|p| p.ledger.state().capturable)
                .unwrap_or(Money::zero(order.currency));
            if amount.minor_units() > 0 {
                let op = PaymentOp::Capture {
                    amount,
                    is_final: true,
                };
                let provider_key = format!("capture:{base}");
                self.pay(
                    &mut order,
                    index,
                    op,
                    "capture",
                    &provider_key,
                    gateway,
                    options,
                )?;
                events.push(self.event(EventKind::PaymentCaptured {
                    order: (&*order.id).into(),
                    amount,
                }));
                done.push(format!("{amount} captured"));
            }
        }
        let paid = order.net_paid()?;
        if paid.minor_units() > order.grand_total.minor_units() {
            let amount = paid.checked_sub(order.grand_total)?;
            let ledger_key = format!("edit:{key}");
            let (_, credit, refunded) = self.refund_payments(
                &mut order,
                amount,
                &ledger_key,
                &format!("refund:{base}"),
                gateway,
                options,
            )?;
            writes.extend(credit);
            events.extend(refunded);
            done.push(format!("{amount} refunded"));
        }
        if let Some(edit) = order.edits.iter_mut().find(|e| e.key == key) {
            edit.settled = true;
        }
        let what = format!("edit {key}: {}", done.join(", "));
        self.save_payment_change(order, version, actor, "edit_settled", what, writes, events)
    }
}
