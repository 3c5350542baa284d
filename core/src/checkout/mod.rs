//! Checkout: the state machine a cart walks from first line to a placed
//! order. Pure: [`transition`] maps `(state, command)` to the next state
//! and the effects the engine must carry out, or to `invalid_transition`,
//! which changes nothing.

mod machine;

pub use machine::{transition, CheckoutCommand, CheckoutEffect, CheckoutState, Transition};
