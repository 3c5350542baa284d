//! Orders: what a completed checkout produced, frozen at the prices,
//! taxes and discounts of the moment it was placed.

mod model;

pub use model::{Order, OrderLine, OrderPayment, OrderStatus};
