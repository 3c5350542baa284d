//! The payment ledger: a state machine over amounts, with idempotency keys.

use serde::{Deserialize, Serialize};

use super::key_log::KeyLog;
use crate::error::{shown, Error, Result};
use crate::money::{Currency, Money};

/// Where a payment stands. `Refunded` and `Voided` are terminal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PaymentStatus {
    /// Authorized, nothing captured.
    Authorized,
    /// Some captured, more still capturable.
    PartiallyCaptured,
    /// Nothing more capturable.
    Captured,
    /// Some of the captured amount refunded.
    PartiallyRefunded,
    /// Everything captured was refunded.
    Refunded,
    /// Released before any capture.
    Voided,
    /// The authorization failed.
    Failed,
}

impl PaymentStatus {
    /// The stable snake_case name.
    pub const fn as_str(self) -> &'static str {
        match self {
            PaymentStatus::Authorized => "authorized",
            PaymentStatus::PartiallyCaptured => "partially_captured",
            PaymentStatus::Captured => "captured",
            PaymentStatus::PartiallyRefunded => "partially_refunded",
            PaymentStatus::Refunded => "refunded",
            PaymentStatus::Voided => "voided",
            PaymentStatus::Failed => "failed",
        }
    }
}

/// The amounts and status of one payment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentState {
    /// What was authorized.
    pub authorized: Money,
    /// What can still be captured.
    pub capturable: Money,
    /// What was captured.
    pub captured: Money,
    /// What was refunded.
    pub refunded: Money,
    /// The status.
    pub status: PaymentStatus,
}

/// An operation on a payment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum PaymentOp {
    /// Capture `amount`; a final capture releases whatever stays uncaptured.
    Capture {
        /// The amount (> 0).
        amount: Money,
        /// Release the rest after this capture (the default in the scenarios).
        is_final: bool,
    },
    /// Refund `amount` of what was captured.
    Refund {
        /// The amount (> 0).
        amount: Money,
    },
    /// Release the authorization before any capture.
    Void,
}

/// Whether an accepted operation ran or was an idempotent replay.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Replay {
    /// The operation ran and changed the state.
    Executed,
    /// The same key with the same request succeeded before: nothing ran.
    Replayed,
}

/// Parses a payment amount: any malformed, over-precise or non-positive
/// amount is `invalid_amount` (the payment rules use that one code).
///
/// # Errors
///
/// `invalid_amount`.
pub fn parse_payment_amount(text: &str, currency: Currency) -> Result<Money> {
    match Money::parse(text, currency) {
        Ok(m) if m.minor_units() > 0 => Ok(m),
        Ok(_) => Err(Error::InvalidAmount {
            value: shown(text),
            reason: "a payment amount must be greater than zero",
        }),
        Err(e) if e.code() == "invalid_amount" => Err(e),
        Err(_) => Err(Error::InvalidAmount {
            value: shown(text),
            reason: "not a valid amount in the payment currency",
        }),
    }
}

/// One payment's ledger: its state and the requests remembered by
/// idempotency key. Pure: no I/O; the engine persists it.
///
/// # Examples
///
/// ```
/// use kassa::payment::{PaymentLedger, PaymentOp, PaymentStatus, Replay};
/// use kassa::{Currency, Money};
///
/// let bhd = |s| Money::parse(s, Currency::BHD).unwrap();
/// let mut ledger = PaymentLedger::authorize(bhd("250.000"))?;
/// let capture = PaymentOp::Capture { amount: bhd("80.000"), is_final: false };
/// assert_eq!(ledger.apply(capture, Some("cap-1"))?, Replay::Executed);
/// assert_eq!(ledger.apply(capture, Some("cap-1"))?, Replay::Replayed);
/// assert_eq!(ledger.state().status, PaymentStatus::PartiallyCaptured);
/// assert_eq!(ledger.state().capturable.to_string(), "170.000");
/// let err = ledger.apply(PaymentOp::Void, None).unwrap_err();
/// assert_eq!(err.code(), "invalid_state");
/// # Ok::<(), kassa::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentLedger {
    state: PaymentState,
    keys: KeyLog,
}

impl PaymentLedger {
    /// The ledger of an order with nothing to pay (a fully discounted
    /// cart, an exchange's replacement): nothing authorized or captured,
    /// and nothing can be.
    pub fn nothing_due(currency: crate::money::Currency) -> Self {
        let zero = Money::zero(currency);
        PaymentLedger {
            state: PaymentState {
                authorized: zero,
                capturable: zero,
                captured: zero,
                refunded: zero,
                status: PaymentStatus::Captured,
            },
            keys: KeyLog::default(),
        }
    }

    /// A payment authorized for `amount`.
    ///
    /// # Errors
    ///
    /// `invalid_amount` unless the amount is positive.
    pub fn authorize(amount: Money) -> Result<Self> {
        check_positive(amount)?;
        let zero = Money::zero(amount.currency());
        Ok(PaymentLedger {
            state: PaymentState {
                authorized: amount,
                capturable: amount,
                captured: zero,
                refunded: zero,
                status: PaymentStatus::Authorized,
            },
            keys: KeyLog::default(),
        })
    }

    /// The operation that idempotency key `key` carried out, if any.
    pub fn op_for(&self, key: &str) -> Option<&PaymentOp> {
        self.keys.get(key)
    }

    /// The current state.
    pub fn state(&self) -> &PaymentState {
        &self.state
    }

    /// Applies `op`. A rejected operation changes nothing and its key is not
    /// remembered; a key that succeeded before replays the same request
    /// (nothing runs) and rejects a different one.
    ///
    /// # Errors
    ///
    /// `invalid_amount` (checked first), `idempotency_key_reused`,
    /// `invalid_state`, `capture_exceeds_authorized`, `refund_exceeds_captured`,
    /// `currency_mismatch`.
    pub fn apply(&mut self, op: PaymentOp, idempotency_key: Option<&str>) -> Result<Replay> {
        if let PaymentOp::Capture { amount, .. } | PaymentOp::Refund { amount } = op {
            check_positive(amount)?;
            if amount.currency() != self.state.authorized.currency() {
                return Err(Error::CurrencyMismatch {
                    expected: self.state.authorized.currency(),
                    found: amount.currency(),
                });
            }
        }
        if let Some(key) = idempotency_key {
            if let Some(previous) = self.keys.get(key) {
                return if *previous == op {
                    Ok(Replay::Replayed)
                } else {
                    Err(Error::IdempotencyKeyReused { key: shown(key) })
                };
            }
        }
        self.state = transition(&self.state, op)?;
        if let Some(key) = idempotency_key {
            self.keys.insert(key, op);
        }
        Ok(Replay::Executed)
    }
}

fn check_positive(amount: Money) -> Result<()> {
    if amount.minor_units() > 0 {
        Ok(())
    } else {
        Err(Error::InvalidAmount {
            value: amount.to_string(),
            reason: "a payment amount must be greater than zero",
        })
    }
}

/// The pure transition: the next state, or a typed error (state unchanged).
fn transition(state: &PaymentState, op: PaymentOp) -> Result<PaymentState> {
    use PaymentStatus::*;
    let refuse = |operation: &'static str| Error::InvalidState {
        operation,
        status: state.status.as_str(),
    };
    let mut next = *state;
    match op {
        PaymentOp::Capture { amount, is_final } => {
            if !matches!(state.status, Authorized | PartiallyCaptured) {
                return Err(refuse("capture"));
            }
            if amount.minor_units() > state.capturable.minor_units() {
                return Err(Error::CaptureExceedsAuthorized {
                    requested: amount.to_string(),
                    capturable: state.capturable.to_string(),
                });
            }
            next.captured = state.captured.checked_add(amount)?;
            next.capturable = if is_final {
                Money::zero(amount.currency())
            } else {
                state.capturable.checked_sub(amount)?
            };
            next.status = if next.capturable.is_zero() {
                Captured
            } else {
                PartiallyCaptured
            };
        }
        PaymentOp::Refund { amount } => {
            if state.captured.is_zero() || matches!(state.status, Voided | Failed) {
                return Err(refuse("refund"));
            }
            let refundable = state.captured.checked_sub(state.refunded)?;
            if amount.minor_units() > refundable.minor_units() {
                return Err(Error::RefundExceedsCaptured {
                    requested: amount.to_string(),
                    refundable: refundable.to_string(),
                });
            }
            next.refunded = state.refunded.checked_add(amount)?;
            next.status = if next.refunded == state.captured {
                Refunded
            } else {
                PartiallyRefunded
            };
        }
        PaymentOp::Void => {
            if state.status != Authorized {
                return Err(refuse("void"));
            }
            next.capturable = Money::zero(state.authorized.currency());
            next.status = Voided;
        }
    }
    Ok(next)
}
