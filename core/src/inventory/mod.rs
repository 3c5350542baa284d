//! Inventory: stock per variant per location, policies, reservations.
//!
//! Pure: the transitions of [`StockLevel`] and the reservation rules. The
//! store applies them atomically (a conditional decrement, never a
//! read-modify-write by the caller) and the engine records their events.

mod level;
mod reservation;

pub use level::{StockLevel, StockPolicy};
pub use reservation::{Reservation, ReservationId, StockKey, StockRecord};
