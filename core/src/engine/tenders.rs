//! Paying a checkout with one or several tenders ([`CheckoutOptions::tenders`]):
//! the payments an order will hold, their authorizations (outside any
//! store operation, each under a key derived from the checkout attempt and
//! its index), the store credit spent in the placement step, and the
//! captures after placement.

use super::refund::part_key;
use super::{CheckoutOptions, Engine};
use crate::cart::Cart;
use crate::error::{Error, Result};
use crate::money::Money;
use crate::order::{Order, OrderPayment};
use crate::payment::{
    split_tenders, GatewayOutcome, GatewayRequest, PaymentGateway, PaymentLedger, PaymentMethod,
    PaymentOp, Schedule, Tender, TenderPart,
};
use crate::pricing::Timestamp;
use crate::store::{DocumentWrite, EventKind, NewEvent, Store};

impl<S: Store> Engine<S> {
    /// The payments an order of `cart` for `amount` will hold, one per
    /// tender part, not yet authorized: gateway parts authorized for their
    /// amount (the open one, else the last one, carries the payment
    /// terms' schedule), store
    /// credit captured (it is spent when the order is placed). Nothing to
    /// pay gives one payment with nothing due.
    ///
    /// # Errors
    ///
    /// [`split_tenders`]' errors; a schedule's.
    pub(super) fn prepare_payments(
        &self,
        cart: &Cart,
        amount: Money,
        options: &CheckoutOptions,
        now: Timestamp,
    ) -> Result<Vec<OrderPayment>> {
        if amount.is_zero() {
            return Ok(vec![OrderPayment {
                reference: "nothing_due".into(),
                ledger: PaymentLedger::nothing_due(amount.currency()),
                schedule: None,
                method: PaymentMethod::default(),
            }]);
        }
        let wants_credit = options
            .tenders
            .iter()
            .any(|t| matches!(t, Tender::StoreCredit { .. }));
        let balance = match (&cart.customer, wants_credit) {
            (Some(customer), true) => self.store_credit(customer)?.balance(amount.currency()),
            _ => Money::zero(amount.currency()),
        };
        let parts = split_tenders(amount, &options.tenders, balance)?;
        // Payment terms schedule the money paid later: the open gateway
        // part, or the last gateway part when the fixed ones leave nothing
        // open (none when store credit pays it all).
        let scheduled = parts.iter().position(|p| p.open).or_else(|| {
            parts
                .iter()
                .rposition(|p| matches!(p.method, PaymentMethod::Gateway { .. }))
        });
        let mut payments = Vec::with_capacity(parts.len());
        for (
            i,
            TenderPart {
                method,
                amount: part,
                ..
            },
        ) in parts.into_iter().enumerate()
        {
            let mut ledger = PaymentLedger::authorize(part)?;
            let mut reference = String::new();
            if method == PaymentMethod::StoreCredit {
                let capture = PaymentOp::Capture {
                    amount: part,
                    is_final: true,
                };
                ledger.apply(capture, Some("capture"))?;
                reference = cart.customer.as_deref().unwrap_or_default().to_owned();
            }
            let schedule = match options.terms {
                Some((terms, plan)) if Some(i) == scheduled => {
                    Some(Schedule::new(part, now, terms, plan)?)
                }
                _ => None,
            };
            payments.push(OrderPayment {
                reference,
                ledger,
                schedule,
                method,
            });
        }
        Ok(payments)
    }

    /// Authorizes each gateway payment through `gateway` under
    /// `auth_base` (suffixed with its index after the first), filling in
    /// the provider's reference. When one is refused, the ones before it
    /// are voided under `void_base`.
    ///
    /// # Errors
    ///
    /// `payment_failed`.
    pub(super) fn authorize_payments(
        &self,
        payments: &mut [OrderPayment],
        auth_base: &str,
        void_base: &str,
        gateway: &dyn PaymentGateway,
        options: &CheckoutOptions,
    ) -> Result<()> {
        for i in 0..payments.len() {
            let payment = &payments[i];
            let PaymentMethod::Gateway { label } = &payment.method else {
                continue;
            };
            let amount = payment.ledger.state().authorized;
            if amount.is_zero() {
                continue;
            }
            let request = GatewayRequest::Authorize {
                amount,
                method: label.clone(),
            };
            let key = part_key(auth_base, i);
            match self.call(gateway, &request, &key, options.gateway_retries) {
                GatewayOutcome::Approved { reference } => payments[i].reference = reference,
                GatewayOutcome::Declined { reason } | GatewayOutcome::Unknown { reason } => {
                    self.void_payments(&payments[..i], void_base, gateway, options);
                    return Err(Error::PaymentFailed { reason });
                }
            }
        }
        Ok(())
    }

    /// Voids the gateway authorizations among `payments` (a checkout that
    /// failed after authorizing), under `void_base` suffixed with each
    /// index after the first. Best effort: an authorization left behind
    /// expires at the provider.
    pub(super) fn void_payments(
        &self,
        payments: &[OrderPayment],
        void_base: &str,
        gateway: &dyn PaymentGateway,
        options: &CheckoutOptions,
    ) {
        for (i, payment) in payments.iter().enumerate() {
            let authorized = !payment.ledger.state().authorized.is_zero();
            if matches!(payment.method, PaymentMethod::Gateway { .. })
                && authorized
                && !payment.reference.is_empty()
            {
                let request = GatewayRequest::Void {
                    reference: payment.reference.clone(),
                };
                let _ = self.call(
                    gateway,
                    &request,
                    &part_key(void_base, i),
                    options.gateway_retries,
                );
            }
        }
    }

    /// The store credit `order` spends, as a write at the version read and
    /// its event, for the placement step (none without a store-credit
    /// payment).
    ///
    /// # Errors
    ///
    /// `insufficient_store_credit` when the balance no longer covers it.
    pub(super) fn spend_credit(&self, order: &Order) -> Result<Option<(DocumentWrite, NewEvent)>> {
        let Some(payment) = order
            .payments()
            .find(|p| p.method == PaymentMethod::StoreCredit)
        else {
            return Ok(None);
        };
        let amount = payment.ledger.state().captured.checked_neg()?;
        let (write, event, _) = self.credit_change(&payment.reference, amount, &order.id)?;
        Ok(Some((write, event)))
    }

    /// Captures every authorized gateway payment of a just-placed `order`
    /// in full, under keys derived from the order; returns the events of
    /// the captures that the provider approved (the others stay
    /// authorized, to capture later).
    ///
    /// # Errors
    ///
    /// The ledger's or the schedule's refusals (none for a fresh order).
    pub(super) fn capture_payments(
        &self,
        order: &mut Order,
        gateway: &dyn PaymentGateway,
        options: &CheckoutOptions,
    ) -> Result<Vec<NewEvent>> {
        let base = ["capture:", &order.id].concat();
        let order_id = order.id.clone();
        let mut events = Vec::new();
        let count = order.payments().count();
        for i in 0..count {
            let Some(payment) = order.payment_mut(i) else {
                continue;
            };
            let amount = payment.ledger.state().capturable;
            if payment.method == PaymentMethod::StoreCredit || amount.is_zero() {
                continue;
            }
            let request = GatewayRequest::Capture {
                reference: payment.reference.clone(),
                amount,
                is_final: true,
            };
            let outcome = self.call(
                gateway,
                &request,
                &part_key(&base, i),
                options.gateway_retries,
            );
            if let GatewayOutcome::Approved { .. } = outcome {
                let capture = PaymentOp::Capture {
                    amount,
                    is_final: true,
                };
                payment.ledger.apply(capture, Some("capture"))?;
                if let Some(schedule) = &mut payment.schedule {
                    schedule.pay(amount)?;
                }
                events.push(self.event(EventKind::PaymentCaptured {
                    order: (&*order_id).into(),
                    amount,
                }));
            }
        }
        Ok(events)
    }
}
