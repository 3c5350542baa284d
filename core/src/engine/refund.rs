//! Refunds of an order's captured payment. Refunds of one order run one at
//! a time (a lock document with a lease), so concurrent refunds can never
//! together exceed what was captured; the provider is called outside any
//! store operation, under a key derived from the order and the caller's
//! idempotency key.

use serde::{Deserialize, Serialize};

use super::cart::{from_json, to_json};
use super::checkout::ORDERS;
use super::{CheckoutOptions, Engine};
use crate::error::{shown, Error, Result};
use crate::money::Money;
use crate::order::{AuditEntry, Order};
use crate::payment::{
    GatewayOutcome, GatewayRequest, PaymentGateway, PaymentMethod, PaymentOp, Replay,
};
use crate::pricing::Timestamp;
use crate::store::{DocumentWrite, EventKind, NewEvent, Store};

const LOCKS: &str = "locks";

#[derive(Debug, Serialize, Deserialize)]
struct Lock {
    busy: bool,
    at: Timestamp,
}

impl<S: Store> Engine<S> {
    /// Refunds `amount` of order `order_id`'s captured payment through
    /// `gateway`. The same `idempotency_key` again returns the order
    /// without refunding twice.
    ///
    /// # Errors
    ///
    /// `refund_in_progress` while another refund of the order runs (retry
    /// later), `refund_exceeds_captured`, `invalid_state`,
    /// `idempotency_key_reused` (the key was used for another amount),
    /// `payment_failed` when the provider refuses, `unknown_order`.
    pub fn refund_order(
        &self,
        order_id: &str,
        amount: Money,
        idempotency_key: &str,
        actor: &str,
        gateway: &dyn PaymentGateway,
        options: &CheckoutOptions,
    ) -> Result<Order> {
        crate::catalog::limits::text("refund", "idempotency_key", idempotency_key, 128)?;
        crate::catalog::limits::text("order", "actor", actor, 128)?;
        self.with_payment_lock(order_id, options, || {
            self.refund_locked(order_id, amount, idempotency_key, actor, gateway, options)
        })
    }

    /// Runs `f` holding order `order_id`'s payment lock (a document with a
    /// lease): refunds, cancellations and return refunds of one order run
    /// one at a time.
    ///
    /// # Errors
    ///
    /// `refund_in_progress` while another holds it; `f`'s errors.
    pub(super) fn with_payment_lock<T>(
        &self,
        order_id: &str,
        options: &CheckoutOptions,
        f: impl FnOnce() -> Result<T>,
    ) -> Result<T> {
        let lock = format!("refund:{order_id}");
        let held = self.take_lock(&lock, order_id, options.in_progress_lease_ms)?;
        let result = f();
        let free = Lock {
            busy: false,
            at: self.clock.now(),
        };
        if let Ok(value) = to_json(&free) {
            // Failing to free it leaves it to the lease.
            let _ = self.store.save(LOCKS, &lock, Some(held), value, Vec::new());
        }
        result
    }

    /// Applies `op` to payment `index` of `order` under ledger key `key`
    /// (so an impossible operation is refused before the provider hears of
    /// it), then asks the provider under `provider_key`, outside any store
    /// operation; the order's ledger changes only once the provider
    /// approves. A replay of `key` calls nobody.
    ///
    /// # Errors
    ///
    /// The ledger's refusals, `payment_failed` when the provider declines
    /// or its outcome stays unknown.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn pay(
        &self,
        order: &mut Order,
        index: usize,
        op: PaymentOp,
        key: &str,
        provider_key: &str,
        gateway: &dyn PaymentGateway,
        options: &CheckoutOptions,
    ) -> Result<Replay> {
        let Some(payment) = order.payment_mut(index) else {
            return Err(Error::InvalidState {
                operation: "pay",
                status: "no such payment",
            });
        };
        let mut ledger = payment.ledger.clone();
        if ledger.apply(op, Some(key))? == Replay::Replayed {
            return Ok(Replay::Replayed);
        }
        let reference = payment.reference.clone();
        let request = match op {
            PaymentOp::Capture { amount, is_final } => GatewayRequest::Capture {
                reference,
                amount,
                is_final,
            },
            PaymentOp::Refund { amount } => GatewayRequest::Refund { reference, amount },
            PaymentOp::Void => GatewayRequest::Void { reference },
        };
        match self.call(gateway, &request, provider_key, options.gateway_retries) {
            GatewayOutcome::Approved { .. } => {}
            GatewayOutcome::Declined { reason } | GatewayOutcome::Unknown { reason } => {
                return Err(Error::PaymentFailed { reason })
            }
        }
        payment.ledger = ledger;
        Ok(Replay::Executed)
    }

    /// Refunds `amount` of `order` under ledger key `key`, spread over
    /// its payments newest first ([`Order::plan_refund`]): gateway
    /// payments through `gateway` under `provider_key` (suffixed with the
    /// payment's index after the first), store credit back onto the
    /// customer's balance. Returns the credit write and events to save
    /// with the order; a replay of `key` changes nothing.
    ///
    /// # Errors
    ///
    /// `refund_exceeds_captured`, `idempotency_key_reused` (the key
    /// refunded another amount), `payment_failed`; nothing is kept.
    pub(super) fn refund_payments(
        &self,
        order: &mut Order,
        amount: Money,
        key: &str,
        provider_key: &str,
        gateway: &dyn PaymentGateway,
        options: &CheckoutOptions,
    ) -> Result<(Replay, Vec<DocumentWrite>, Vec<NewEvent>)> {
        if let Some(before) = order.refunded_under(key) {
            if before == amount {
                return Ok((Replay::Replayed, Vec::new(), Vec::new()));
            }
            return Err(Error::IdempotencyKeyReused { key: shown(key) });
        }
        let mut writes = Vec::new();
        let mut events = Vec::new();
        for part in order.plan_refund(amount)? {
            let op = PaymentOp::Refund {
                amount: part.amount,
            };
            let credit = matches!(
                order.payment_mut(part.payment).map(|p| &p.method),
                Some(PaymentMethod::StoreCredit)
            );
            if credit {
                let (write, event) = self.credit_back(order, part.payment, op, key)?;
                writes.push(write);
                events.push(event);
            } else {
                let provider_key = part_key(provider_key, part.payment);
                self.pay(
                    order,
                    part.payment,
                    op,
                    key,
                    &provider_key,
                    gateway,
                    options,
                )?;
            }
        }
        events.push(self.event(EventKind::PaymentRefunded {
            order: (&*order.id).into(),
            amount,
        }));
        Ok((Replay::Executed, writes, events))
    }

    /// Gives store-credit payment `index` of `order` back to the
    /// customer's balance (`op` is its refund): the ledger changes, and
    /// the credit write and its event are returned to save with the order.
    pub(super) fn credit_back(
        &self,
        order: &mut Order,
        index: usize,
        op: PaymentOp,
        key: &str,
    ) -> Result<(DocumentWrite, NewEvent)> {
        let PaymentOp::Refund { amount } = op else {
            return Err(Error::InvalidState {
                operation: "credit back",
                status: "not a refund",
            });
        };
        let order_id = order.id.clone();
        let Some(payment) = order.payment_mut(index) else {
            return Err(Error::InvalidState {
                operation: "credit back",
                status: "no such payment",
            });
        };
        payment.ledger.apply(op, Some(key))?;
        let customer = payment.reference.clone();
        let (write, event, _) = self.credit_change(&customer, amount, &order_id)?;
        Ok((write, event))
    }

    fn take_lock(&self, lock: &str, order_id: &str, lease_ms: i64) -> Result<u64> {
        let now = self.clock.now();
        let busy = to_json(&Lock {
            busy: true,
            at: now,
        })?;
        let expected = match self.store.load(LOCKS, lock)? {
            None => None,
            Some(doc) => {
                let held: Lock = from_json("lock", doc.value)?;
                if held.busy && now.0.saturating_sub(held.at.0) < lease_ms {
                    return Err(Error::RefundInProgress {
                        order: shown(order_id),
                    });
                }
                Some(doc.version)
            }
        };
        self.store
            .save(LOCKS, lock, expected, busy, Vec::new())
            .map_err(|e| match e {
                Error::ConcurrentModification { .. } => Error::RefundInProgress {
                    order: shown(order_id),
                },
                other => other,
            })
    }

    fn refund_locked(
        &self,
        order_id: &str,
        amount: Money,
        key: &str,
        actor: &str,
        gateway: &dyn PaymentGateway,
        options: &CheckoutOptions,
    ) -> Result<Order> {
        let (mut order, version) = self.order(order_id)?;
        let provider_key = format!("refund:{order_id}:{key}");
        let (replay, writes, events) =
            self.refund_payments(&mut order, amount, key, &provider_key, gateway, options)?;
        if replay == Replay::Replayed {
            return Ok(order);
        }
        let what = format!("{amount} under key {key}");
        self.save_payment_change(order, version, actor, "refunded", what, writes, events)
    }

    /// Audits a payment change of `order` (read at `version`) and saves it
    /// with `writes` (store credit given back) and `events`, atomically.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn save_payment_change(
        &self,
        mut order: Order,
        version: u64,
        actor: &str,
        action: &str,
        what: String,
        mut writes: Vec<DocumentWrite>,
        events: Vec<NewEvent>,
    ) -> Result<Order> {
        order.record(AuditEntry::new(self.clock.now(), actor, action, what));
        writes.push(DocumentWrite::new(
            ORDERS,
            &order.id,
            Some(version),
            to_json(&order)?,
        ));
        self.store.save_all(writes, events)?;
        Ok(order)
    }
}

/// The provider key of payment `index`'s share of an operation keyed
/// `base` (the first payment keeps `base`, as before split tender).
pub(super) fn part_key(base: &str, index: usize) -> String {
    if index == 0 {
        base.to_owned()
    } else {
        format!("{base}:{index}")
    }
}
