//! Orders after placement: shipping, cancelling, closing, and a
//! customer's order history. Each change saves the order (at the version
//! read) together with the stock it moves and its events, in one atomic
//! store step ([`crate::store::OrderStore::change_order`]); a stale order
//! is `concurrent_modification` and nothing is written.

use super::cart::{from_json, to_json};
use super::checkout::ORDERS;
use super::crm::CustomerIndex;
use super::refund::part_key;
use super::{CheckoutOptions, Engine};
use crate::error::Result;
use crate::inventory::StockKey;
use crate::order::{CancellationPayment, LineQty, Order, StockUnits};
use crate::payment::{PaymentGateway, PaymentMethod, PaymentOp};
use crate::store::{DocumentWrite, EventKind, NewEvent, StockChange, Store};

/// How order stock moves: shipped, given back, or put back on the shelf.
#[derive(Debug, Clone, Copy)]
pub(super) enum Movement<'a> {
    Ship,
    GiveBack,
    Restock { reason: &'a str },
}

impl<S: Store> Engine<S> {
    /// Ships `lines` of order `order_id` (each at most what is left to
    /// ship of its line): their committed stock leaves the shelf, and the
    /// order records the fulfilment (with `carrier` and `tracking` when
    /// given) and who did it.
    ///
    /// # Errors
    ///
    /// `order_change_refused` (cancelled, unknown line, too many units),
    /// `invalid_field` for an oversized carrier or tracking number,
    /// `concurrent_modification` when the order changed meanwhile,
    /// `unknown_order`. Nothing is written on error.
    pub fn fulfil_order(
        &self,
        order_id: &str,
        lines: &[LineQty],
        carrier: Option<&str>,
        tracking: Option<&str>,
        actor: &str,
    ) -> Result<Order> {
        crate::catalog::limits::text("order", "actor", actor, 128)?;
        for (field, value) in [("carrier", carrier), ("tracking", tracking)] {
            if let Some(v) = value {
                crate::catalog::limits::text("fulfilment", field, v, 128)?;
            }
        }
        let (mut order, version) = self.order(order_id)?;
        let id = self.ids.next_id("ful");
        let units = order.fulfil(&id, lines, carrier, tracking, self.clock.now(), actor)?;
        let event = self.event(EventKind::OrderFulfilled {
            order: (&*order.id).into(),
            fulfilment: id.into(),
            units: lines.iter().map(|l| l.qty).sum(),
        });
        self.save_order_change(
            &order,
            version,
            &units,
            Movement::Ship,
            Vec::new(),
            vec![event],
        )?;
        Ok(order)
    }

    /// Cancels order `order_id` before anything shipped: its committed
    /// stock becomes available again in the same atomic step, then its
    /// payment is voided (nothing captured) or what was captured is
    /// refunded, through `gateway` under keys derived from the order.
    /// Cancelling a cancelled order whose payment step failed retries that
    /// step; once settled, it returns the order unchanged.
    ///
    /// # Errors
    ///
    /// `order_change_refused` (units shipped, completed),
    /// `refund_in_progress` while a refund of the order runs,
    /// `payment_failed` when the provider refuses (the order stays
    /// cancelled; cancel again to retry the payment step),
    /// `concurrent_modification`, `unknown_order`.
    pub fn cancel_order(
        &self,
        order_id: &str,
        reason: &str,
        actor: &str,
        gateway: &dyn PaymentGateway,
        options: &CheckoutOptions,
    ) -> Result<Order> {
        crate::catalog::limits::text("order", "actor", actor, 128)?;
        crate::catalog::limits::text("order", "reason", reason, 512)?;
        let (mut order, version) = self.order(order_id)?;
        if order.cancellation.is_none() {
            let units = order.cancel(reason, self.clock.now(), actor)?;
            let event = self.event(EventKind::OrderCancelled {
                order: (&*order.id).into(),
                reason: reason.into(),
            });
            self.save_order_change(
                &order,
                version,
                &units,
                Movement::GiveBack,
                Vec::new(),
                vec![event],
            )?;
        }
        if order.cancellation.as_ref().is_some_and(|c| c.settled) {
            return Ok(order);
        }
        self.with_payment_lock(order_id, options, || {
            self.settle_cancellation(order_id, actor, gateway, options)
        })
    }

    fn settle_cancellation(
        &self,
        order_id: &str,
        actor: &str,
        gateway: &dyn PaymentGateway,
        options: &CheckoutOptions,
    ) -> Result<Order> {
        let (mut order, version) = self.order(order_id)?;
        let mut writes = Vec::new();
        let mut events = Vec::new();
        let mut done = Vec::new();
        let count = order.payments().count();
        for index in 0..count {
            let Some(payment) = order.payment_mut(index) else {
                continue;
            };
            let credit = payment.method == PaymentMethod::StoreCredit;
            let op = match payment.cancellation() {
                CancellationPayment::Void => {
                    done.push("authorization voided".to_owned());
                    PaymentOp::Void
                }
                CancellationPayment::Refund(amount) => {
                    events.push(self.event(EventKind::PaymentRefunded {
                        order: (&*order.id).into(),
                        amount,
                    }));
                    done.push(format!("{amount} refunded"));
                    PaymentOp::Refund { amount }
                }
                CancellationPayment::Nothing => continue,
            };
            if credit {
                let (write, event) = self.credit_back(&mut order, index, op, "cancel")?;
                writes.push(write);
                events.push(event);
            } else {
                let provider_key = part_key(&format!("cancel:{order_id}"), index);
                self.pay(
                    &mut order,
                    index,
                    op,
                    "cancel",
                    &provider_key,
                    gateway,
                    options,
                )?;
            }
        }
        let detail = if done.is_empty() {
            "nothing to give back".to_owned()
        } else {
            done.join(", ")
        };
        if let Some(c) = order.cancellation.as_mut() {
            c.settled = true;
        }
        order.record(crate::order::AuditEntry::new(
            self.clock.now(),
            actor,
            "cancellation_settled",
            detail,
        ));
        writes.push(DocumentWrite::new(
            ORDERS,
            order_id,
            Some(version),
            to_json(&order)?,
        ));
        self.store.save_all(writes, events)?;
        Ok(order)
    }

    /// Closes order `order_id` once every unit shipped.
    ///
    /// # Errors
    ///
    /// `order_change_refused` while units are left to ship or when
    /// cancelled, `concurrent_modification`, `unknown_order`.
    pub fn complete_order(&self, order_id: &str, actor: &str) -> Result<Order> {
        crate::catalog::limits::text("order", "actor", actor, 128)?;
        let (mut order, version) = self.order(order_id)?;
        order.complete(self.clock.now(), actor)?;
        let event = self.event(EventKind::OrderCompleted {
            order: (&*order.id).into(),
        });
        self.store.save(
            ORDERS,
            order_id,
            Some(version),
            to_json(&order)?,
            vec![event],
        )?;
        Ok(order)
    }

    /// Customer `customer`'s orders, newest first, at most `limit`, as
    /// counted by [`Engine::refresh_customer_metrics`] (call it first for
    /// orders placed since).
    ///
    /// # Errors
    ///
    /// Storage failures.
    pub fn customer_orders(&self, customer: &str, limit: usize) -> Result<Vec<Order>> {
        let index: CustomerIndex = match self.store.load(super::crm::INDEX, customer)? {
            Some(doc) => from_json("customer index", doc.value)?,
            None => CustomerIndex::default(),
        };
        index
            .orders
            .iter()
            .rev()
            .take(limit)
            .map(|id| Ok(self.order(id)?.0))
            .collect()
    }

    /// Saves `order` over `version` with `extra` documents, moving `units`
    /// of its stock as `movement` says, with `events`, atomically.
    pub(super) fn save_order_change(
        &self,
        order: &Order,
        version: u64,
        units: &[StockUnits],
        movement: Movement<'_>,
        extra: Vec<DocumentWrite>,
        events: Vec<NewEvent>,
    ) -> Result<Vec<u64>> {
        let location = if order.location.is_empty() {
            CheckoutOptions::default().location
        } else {
            order.location.clone()
        };
        let stock: Vec<(StockKey, StockChange)> = units
            .iter()
            .map(|u| {
                let key = StockKey::new(u.sku.clone(), location.clone());
                let change = match movement {
                    Movement::Ship => StockChange::Fulfil { qty: u.qty },
                    Movement::GiveBack => StockChange::Uncommit { qty: u.qty },
                    Movement::Restock { .. } => StockChange::Adjust {
                        delta: i64::try_from(u.qty).unwrap_or(i64::MAX),
                    },
                };
                (key, change)
            })
            .collect();
        let mut writes = vec![DocumentWrite::new(
            ORDERS,
            &order.id,
            Some(version),
            to_json(order)?,
        )];
        writes.extend(extra);
        self.store
            .change_order(writes, &stock, events, &|key, before, after| {
                let qty =
                    u64::try_from(before.level.committed - after.level.committed).unwrap_or(0);
                let kind = match movement {
                    Movement::Ship => EventKind::StockFulfilled {
                        key: key.clone(),
                        qty,
                        level: after.level,
                    },
                    Movement::GiveBack => EventKind::StockUncommitted {
                        key: key.clone(),
                        qty,
                        level: after.level,
                    },
                    Movement::Restock { reason } => EventKind::StockAdjusted {
                        key: key.clone(),
                        delta: after.level.on_hand - before.level.on_hand,
                        reason: reason.into(),
                        level: after.level,
                    },
                };
                vec![self.event(kind)]
            })
    }
}
