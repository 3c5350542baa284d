//! Orders: what a completed checkout produced, frozen at the prices,
//! taxes and discounts of the moment it was placed, and what happens
//! after: shipments, cancellation, closing, returns, with an audit trail.

mod audit;
mod edit;
mod lifecycle;
mod model;
mod payments;
mod returns;
#[cfg(test)]
mod tests;

pub use audit::AuditEntry;
pub use edit::{EditStock, EditedLine, LineEdit, OrderEdit};
pub use lifecycle::{Cancellation, CancellationPayment, Fulfilment, LineQty, StockUnits};
pub use model::{CommittedStock, Order, OrderLine, OrderStatus};
pub use payments::{OrderPayment, PaymentPart};
pub use returns::{
    RefundMethod, ReturnItem, ReturnLine, ReturnReason, ReturnRefund, ReturnRequest, ReturnStatus,
};
