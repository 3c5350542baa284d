//! An order's payments: one per tender of a split checkout, plus one for
//! each order edit that raised the total. Each has its own ledger; the
//! order adds them up, and refunds are planned across them, newest
//! payment first (an edit's extra payment, then the card, then store
//! credit or a gift card listed before it at checkout).

use serde::{Deserialize, Serialize};

use super::lifecycle::CancellationPayment;
use super::model::Order;
use crate::error::{Error, Result};
use crate::money::Money;
use crate::payment::{PaymentLedger, PaymentMethod, PaymentOp, PaymentStatus};

/// One payment behind an order: how it was made, the provider's reference
/// and the ledger of what was authorized, captured and refunded (the rules
/// of the scenarios: captures never exceed the authorization, refunds
/// never exceed the captures).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderPayment {
    /// The provider's reference (for store credit, the customer's id).
    pub reference: String,
    /// Authorized, captured, refunded, status, and the keys seen.
    pub ledger: PaymentLedger,
    /// When the money is due, for an order paid later under payment terms
    /// (on account): the parts, each paid in due order as money is
    /// recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schedule: Option<crate::payment::Schedule>,
    /// How it was made (absent: the shop's default gateway method).
    #[serde(default, skip_serializing_if = "PaymentMethod::is_default")]
    pub method: PaymentMethod,
}

impl OrderPayment {
    /// What settling a cancellation asks of this payment: refund what is
    /// captured and not refunded, or void an authorization, or nothing.
    pub fn cancellation(&self) -> CancellationPayment {
        let state = self.ledger.state();
        let kept = state.captured.checked_sub(state.refunded).ok();
        match state.status {
            PaymentStatus::Authorized => CancellationPayment::Void,
            PaymentStatus::PartiallyCaptured
            | PaymentStatus::Captured
            | PaymentStatus::PartiallyRefunded => match kept {
                Some(amount) if amount.minor_units() > 0 => CancellationPayment::Refund(amount),
                _ => CancellationPayment::Nothing,
            },
            PaymentStatus::Refunded | PaymentStatus::Voided | PaymentStatus::Failed => {
                CancellationPayment::Nothing
            }
        }
    }

    /// What can still be refunded: captured less refunded.
    pub fn refundable(&self) -> Money {
        let state = self.ledger.state();
        state
            .captured
            .checked_sub(state.refunded)
            .unwrap_or(Money::zero(state.captured.currency()))
    }
}

/// A share of a refund (or a capture) that falls on one of an order's
/// payments.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PaymentPart {
    /// The payment's index in [`Order::payments`].
    pub payment: usize,
    /// The amount.
    pub amount: Money,
}

impl Order {
    /// Every payment, in the order they were made (the first is
    /// [`Order::payment`]).
    pub fn payments(&self) -> impl Iterator<Item = &OrderPayment> {
        std::iter::once(&self.payment).chain(self.more_payments.iter())
    }

    /// Payment `index` of [`Order::payments`], to change.
    pub fn payment_mut(&mut self, index: usize) -> Option<&mut OrderPayment> {
        match index {
            0 => Some(&mut self.payment),
            i => self.more_payments.get_mut(i - 1),
        }
    }

    /// Captured less refunded, over every payment.
    ///
    /// # Errors
    ///
    /// `amount_out_of_range` on overflow.
    pub fn net_paid(&self) -> Result<Money> {
        self.payments()
            .try_fold(Money::zero(self.currency), |sum, p| {
                sum.checked_add(p.refundable())
            })
    }

    /// What authorizations still hold and may be captured, over every
    /// payment.
    ///
    /// # Errors
    ///
    /// `amount_out_of_range` on overflow.
    pub fn capturable(&self) -> Result<Money> {
        self.payments()
            .try_fold(Money::zero(self.currency), |sum, p| {
                sum.checked_add(p.ledger.state().capturable)
            })
    }

    /// How a refund of `amount` falls on the payments: newest payment
    /// first, each up to what it can still refund.
    ///
    /// # Errors
    ///
    /// `invalid_amount` unless positive, `currency_mismatch`,
    /// `refund_exceeds_captured` beyond what all payments together can
    /// refund (nothing changes).
    pub fn plan_refund(&self, amount: Money) -> Result<Vec<PaymentPart>> {
        if amount.currency() != self.currency {
            return Err(Error::CurrencyMismatch {
                expected: self.currency,
                found: amount.currency(),
            });
        }
        if amount.minor_units() <= 0 {
            return Err(Error::InvalidAmount {
                value: amount.to_string(),
                reason: "a payment amount must be greater than zero",
            });
        }
        let refundable = self.net_paid()?;
        if amount.minor_units() > refundable.minor_units() {
            return Err(Error::RefundExceedsCaptured {
                requested: amount.to_string(),
                refundable: refundable.to_string(),
            });
        }
        let payments: Vec<&OrderPayment> = self.payments().collect();
        let mut left = amount;
        let mut parts = Vec::new();
        for (index, payment) in payments.iter().enumerate().rev() {
            if left.is_zero() {
                break;
            }
            let can = payment.refundable();
            if can.minor_units() <= 0 {
                continue;
            }
            let take = if can.minor_units() < left.minor_units() {
                can
            } else {
                left
            };
            left = left.checked_sub(take)?;
            parts.push(PaymentPart {
                payment: index,
                amount: take,
            });
        }
        Ok(parts)
    }

    /// What a refund under ledger key `key` refunded before, over every
    /// payment (`None`: the key was never used for a refund).
    pub fn refunded_under(&self, key: &str) -> Option<Money> {
        let mut found: Option<Money> = None;
        for payment in self.payments() {
            if let Some(PaymentOp::Refund { amount }) = payment.ledger.op_for(key) {
                let sum = match found {
                    Some(s) => s.checked_add(*amount).ok()?,
                    None => *amount,
                };
                found = Some(sum);
            }
        }
        found
    }
}
