//! Payments: the pure payment ledger (authorize, capture, refund, void,
//! idempotency keys). The checkout engine drives it through a gateway; the
//! rules here are those of `shared/scenarios/README.md` (payment semantics).

mod ledger;

pub use ledger::{
    parse_payment_amount, PaymentLedger, PaymentOp, PaymentState, PaymentStatus, Replay,
};
