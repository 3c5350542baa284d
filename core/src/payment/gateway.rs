//! The boundary to a payment provider, and a deterministic test provider.
//!
//! The engine derives every provider idempotency key itself and persists it
//! before the call, so a retry after a timeout sends the same key and the
//! provider answers with the first outcome instead of charging twice. The
//! provider call never runs inside a store transaction.

use std::collections::{BTreeMap, VecDeque};
use std::sync::{Arc, Mutex};

use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

use crate::money::Money;

/// What to ask a provider.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum GatewayRequest {
    /// Hold `amount` on the shopper's method.
    Authorize {
        /// The amount.
        amount: Money,
        /// The host's name for the method, from a split-tender checkout's
        /// [`crate::payment::Tender::Gateway`] (`gift_card`, `card`; empty:
        /// the shop's default), so one gateway can route to several
        /// providers.
        #[serde(default, skip_serializing_if = "String::is_empty")]
        method: String,
    },
    /// Take `amount` of an authorization; `is_final` releases the rest.
    Capture {
        /// The provider's reference of the authorization.
        reference: String,
        /// The amount.
        amount: Money,
        /// Release what stays uncaptured.
        is_final: bool,
    },
    /// Release an authorization.
    Void {
        /// The provider's reference of the authorization.
        reference: String,
    },
    /// Give back `amount` of what was captured.
    Refund {
        /// The provider's reference of the authorization.
        reference: String,
        /// The amount.
        amount: Money,
    },
}

impl GatewayRequest {
    /// The stable name of the operation.
    pub const fn op(&self) -> &'static str {
        match self {
            GatewayRequest::Authorize { .. } => "authorize",
            GatewayRequest::Capture { .. } => "capture",
            GatewayRequest::Void { .. } => "void",
            GatewayRequest::Refund { .. } => "refund",
        }
    }
}

/// What a provider answered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum GatewayOutcome {
    /// Done; `reference` names the payment at the provider.
    Approved {
        /// The provider's reference.
        reference: String,
    },
    /// Refused (insufficient funds, fraud check); retrying will not help.
    Declined {
        /// The provider's reason.
        reason: String,
    },
    /// No answer, or a provider error: the operation may or may not have
    /// happened. Retry with the same idempotency key.
    Unknown {
        /// What went wrong.
        reason: String,
    },
}

/// A payment provider. Implementations must honour idempotency keys: the
/// same key returns the first outcome and does not act twice.
pub trait PaymentGateway: Send + Sync + std::fmt::Debug {
    /// Sends `request` under `idempotency_key`.
    fn call(&self, request: &GatewayRequest, idempotency_key: &str) -> GatewayOutcome;
}

/// How the test provider answers one call.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Script {
    /// Approve.
    Approve,
    /// Decline with a reason.
    Decline(String),
    /// Fail before acting (nothing happened).
    Error(String),
    /// Act, then lose the answer: the caller sees `Unknown`, a retry with
    /// the same key sees the approval.
    TimeoutAfterSuccess,
}

#[derive(Debug, Default)]
struct TestState {
    scripts: BTreeMap<&'static str, VecDeque<Script>>,
    /// key -> (request, the outcome the provider settled on); hashed, as
    /// it grows by a key per call for the provider's whole life.
    seen: FxHashMap<Arc<str>, (GatewayRequest, GatewayOutcome)>,
    /// The keys of the operations the provider carried out, in order
    /// (each with its request in `seen`).
    acted: Vec<Arc<str>>,
    next: u64,
}

/// A deterministic provider for tests and demos: it approves unless told
/// otherwise per operation, remembers every idempotency key, and records
/// what it actually did, so a test can check that a retried capture was
/// carried out once.
///
/// # Examples
///
/// ```
/// use kassa::payment::{GatewayOutcome, GatewayRequest, PaymentGateway, Script, TestGateway};
/// use kassa::{Currency, Money};
///
/// let gateway = TestGateway::default();
/// gateway.script("authorize", Script::TimeoutAfterSuccess);
/// let auth = GatewayRequest::Authorize {
///     amount: Money::parse("10.00", Currency::EUR)?,
///     method: String::new(),
/// };
/// assert!(matches!(gateway.call(&auth, "k1"), GatewayOutcome::Unknown { .. }));
/// assert!(matches!(gateway.call(&auth, "k1"), GatewayOutcome::Approved { .. })); // the retry
/// assert_eq!(gateway.acted().len(), 1); // authorized once
/// # Ok::<(), kassa::Error>(())
/// ```
#[derive(Debug, Default)]
pub struct TestGateway {
    state: Mutex<TestState>,
}

impl TestGateway {
    /// Queues how the next call of `op` (`authorize`, `capture`, `void`,
    /// `refund`) with a new key is answered; unscripted calls approve.
    pub fn script(&self, op: &'static str, script: Script) {
        self.lock().scripts.entry(op).or_default().push_back(script);
    }

    /// What the provider carried out, with the key of each, in order.
    pub fn acted(&self) -> Vec<(GatewayRequest, String)> {
        let state = self.lock();
        state
            .acted
            .iter()
            .filter_map(|key| {
                let (request, _) = state.seen.get(key)?;
                Some((request.clone(), String::from(&**key)))
            })
            .collect()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, TestState> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl PaymentGateway for TestGateway {
    fn call(&self, request: &GatewayRequest, idempotency_key: &str) -> GatewayOutcome {
        let mut state = self.lock();
        if let Some((first, outcome)) = state.seen.get(idempotency_key) {
            return if first == request {
                outcome.clone()
            } else {
                GatewayOutcome::Declined {
                    reason: "idempotency key reused with another request".into(),
                }
            };
        }
        let script = state
            .scripts
            .get_mut(request.op())
            .and_then(VecDeque::pop_front)
            .unwrap_or(Script::Approve);
        let reference = match request {
            GatewayRequest::Authorize { .. } => {
                state.next += 1;
                ["pay_", itoa::Buffer::new().format(state.next)].concat()
            }
            GatewayRequest::Capture { reference, .. }
            | GatewayRequest::Void { reference }
            | GatewayRequest::Refund { reference, .. } => reference.clone(),
        };
        let (settled, answer) = match script {
            Script::Approve => {
                let ok = GatewayOutcome::Approved { reference };
                (Some(ok.clone()), ok)
            }
            Script::TimeoutAfterSuccess => (
                Some(GatewayOutcome::Approved { reference }),
                GatewayOutcome::Unknown {
                    reason: "timed out".into(),
                },
            ),
            Script::Decline(reason) => {
                let no = GatewayOutcome::Declined { reason };
                (Some(no.clone()), no)
            }
            // Nothing happened: the key stays free for a retry.
            Script::Error(reason) => (None, GatewayOutcome::Unknown { reason }),
        };
        if let Some(outcome) = settled {
            let key: Arc<str> = idempotency_key.into();
            if matches!(outcome, GatewayOutcome::Approved { .. }) {
                state.acted.push(Arc::clone(&key));
            }
            state.seen.insert(key, (request.clone(), outcome));
        }
        answer
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::money::Currency;

    #[test]
    fn scripted_outcomes_and_replays() {
        let g = TestGateway::default();
        let eur = |s| Money::parse(s, Currency::EUR).unwrap();
        let auth = GatewayRequest::Authorize {
            amount: eur("5.00"),
            method: String::new(),
        };
        g.script("authorize", Script::Decline("insufficient funds".into()));
        g.script("authorize", Script::Error("503".into()));
        assert!(matches!(
            g.call(&auth, "a"),
            GatewayOutcome::Declined { .. }
        ));
        assert!(
            matches!(g.call(&auth, "a"), GatewayOutcome::Declined { .. }),
            "a replay"
        );
        assert!(matches!(g.call(&auth, "b"), GatewayOutcome::Unknown { .. }));
        // After an error before acting, the same key may succeed.
        let GatewayOutcome::Approved { reference } = g.call(&auth, "b") else {
            panic!()
        };
        let capture = GatewayRequest::Capture {
            reference,
            amount: eur("5.00"),
            is_final: true,
        };
        g.script("capture", Script::TimeoutAfterSuccess);
        assert!(matches!(
            g.call(&capture, "c"),
            GatewayOutcome::Unknown { .. }
        ));
        assert!(matches!(
            g.call(&capture, "c"),
            GatewayOutcome::Approved { .. }
        ));
        assert!(
            matches!(g.call(&auth, "c"), GatewayOutcome::Declined { .. }),
            "key reused"
        );
        let ops: Vec<&str> = g.acted().iter().map(|(r, _)| r.op()).collect();
        assert_eq!(ops, ["authorize", "capture"]);
    }
}
