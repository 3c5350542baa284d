//! Payments: the pure payment ledger (authorize, capture, refund, void,
//! idempotency keys), and the provider boundary ([`PaymentGateway`]) with a
//! deterministic [`TestGateway`]. The checkout engine drives the ledger
//! through a gateway; the rules are those of `shared/scenarios/README.md`
//! (payment semantics).

mod gateway;
mod ledger;

pub use gateway::{GatewayOutcome, GatewayRequest, PaymentGateway, Script, TestGateway};
pub use ledger::{
    parse_payment_amount, PaymentLedger, PaymentOp, PaymentState, PaymentStatus, Replay,
};
