//! Money recorded for orders paid later (bank transfer, cash on delivery,
//! on account): each payment is captured on the order's ledger, pays the
//! order's schedule in due order, and is audited, under the order's
//! payment lock and an idempotency key of the caller.

use super::refund::part_key;
use super::{CheckoutOptions, Engine};
use crate::error::Result;
use crate::money::Money;
use crate::order::Order;
use crate::payment::{PaymentGateway, PaymentOp, Replay};
use crate::store::{EventKind, Store};

impl<S: Store> Engine<S> {
    /// Records `amount` received for order `order_id` (placed with
    /// [`CheckoutOptions::capture_now`] off): captured on the ledger
    /// through `gateway` (for a manual method, a
    /// [`crate::payment::ManualGateway`]), the last capture final once the
    /// whole authorized amount is in. With a schedule, the payment settles
    /// its parts oldest first. The same `idempotency_key` records once.
    ///
    /// # Errors
    ///
    /// `unknown_order`; `capture_exceeds_authorized` for more than is
    /// owed; `invalid_state` once the ledger is captured in full, voided or
    /// refunded; `currency_mismatch`; `refund_in_progress` while another
    /// payment change of the order runs; `payment_failed`; nothing is
    /// recorded on error.
    ///
    /// # Examples
    ///
    /// See `core/tests/orders_on_account.rs`.
    pub fn record_payment(
        &self,
        order_id: &str,
        amount: Money,
        idempotency_key: &str,
        actor: &str,
        gateway: &dyn PaymentGateway,
        options: &CheckoutOptions,
    ) -> Result<Order> {
        crate::catalog::limits::text("payment", "idempotency_key", idempotency_key, 128)?;
        crate::catalog::limits::text("order", "actor", actor, 128)?;
        self.with_payment_lock(order_id, options, || {
            let (mut order, version) = self.order(order_id)?;
            // The payment still owed: the one on a schedule, else the
            // first with an authorization left to capture.
            let payments: Vec<&crate::order::OrderPayment> = order.payments().collect();
            let index = payments
                .iter()
                .position(|p| p.schedule.is_some())
                .or_else(|| {
                    payments
                        .iter()
                        .position(|p| p.ledger.state().capturable.minor_units() > 0)
                })
                .unwrap_or(0);
            let owed = order.grand_total.checked_sub(order.net_paid()?)?;
            let Some(payment) = order.payments().nth(index) else {
                return Ok(order);
            };
            let state = payment.ledger.state();
            // Never more than the order still owes (an edit may have
            // lowered its total below what was authorized).
            let over =
                amount.currency() == owed.currency() && amount.minor_units() > owed.minor_units();
            let before = payment.ledger.op_for(idempotency_key).copied();
            if over && before.is_none() {
                return Err(crate::Error::CaptureExceedsAuthorized {
                    requested: amount.to_string(),
                    capturable: owed.to_string(),
                });
            }
            // A replay is the same request as the first time.
            let is_final = match before {
                Some(PaymentOp::Capture {
                    amount: first,
                    is_final,
                }) if first == amount => is_final,
                _ => state.captured.checked_add(amount)? == state.authorized || amount == owed,
            };
            let provider_key = part_key(&format!("payment:{order_id}:{idempotency_key}"), index);
            let op = PaymentOp::Capture { amount, is_final };
            let replay = self.pay(
                &mut order,
                index,
                op,
                idempotency_key,
                &provider_key,
                gateway,
                options,
            )?;
            if replay == Replay::Replayed {
                return Ok(order);
            }
            // The ledger took it, so the schedule owes at least as much
            // (both start from the payment's amount).
            if let Some(schedule) = order.payment_mut(index).and_then(|p| p.schedule.as_mut()) {
                schedule.pay(amount)?;
            }
            let event = EventKind::PaymentCaptured {
                order: (&*order.id).into(),
                amount,
            };
            let what = format!("{amount} under key {idempotency_key}");
            let events = vec![self.event(event)];
            self.save_payment_change(
                order,
                version,
                actor,
                "payment recorded",
                what,
                Vec::new(),
                events,
            )
        })
    }
}
