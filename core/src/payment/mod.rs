//! Payments: the pure payment ledger (authorize, capture, refund, void,
//! idempotency keys), and the provider boundary ([`PaymentGateway`]) with a
//! deterministic [`TestGateway`]. The checkout engine drives the ledger
//! through a gateway; the rules are those of `shared/scenarios/README.md`
//! (payment semantics). Business customers' payment terms (net N days)
//! and deposit-and-installment schedules are in [`Schedule`].

mod gateway;
mod key_log;
mod ledger;
mod manual;
mod tender;
mod terms;

pub use gateway::{GatewayOutcome, GatewayRequest, PaymentGateway, Script, TestGateway};
pub use ledger::{
    parse_payment_amount, PaymentLedger, PaymentOp, PaymentState, PaymentStatus, Replay,
};
pub use manual::{ManualGateway, ManualMethod};
pub use tender::{split_tenders, PaymentMethod, Tender, TenderPart};
pub use terms::{Part, PartStatus, PaymentTerms, Plan, Schedule, MAX_INSTALLMENTS};
