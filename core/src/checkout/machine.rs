//! The checkout transition table.
//!
//! | state \ command | edit cart | set address | select shipping | skip shipping | start payment | authorized | payment failed | complete | cancel | expire |
//! |---|---|---|---|---|---|---|---|---|---|---|
//! | cart | cart | addressed | - | - | - | - | - | - | cancelled | expired |
//! | addressed | addressed | addressed | shipping selected | shipping selected (1) | - | - | - | - | cancelled | expired |
//! | shipping selected | addressed (1) | addressed (1) | shipping selected | shipping selected (1) | payment pending (2) | - | - | - | cancelled | expired |
//! | payment pending | addressed (1, 3) | addressed (1, 3) | shipping selected (3) | shipping selected (1, 3) | payment pending (2, 3) | authorized | shipping selected (3) | - | cancelled (3) | expired (3) |
//! | authorized | - | - | - | - | - | - | - | completed (4) | cancelled (5) | expired (5) |
//! | completed, cancelled, expired | - | - | - | - | - | - | - | - | - | - |
//!
//! Effects: (1) clear the shipping choice (the cart or the address changed,
//! so its rates may have); (2) open a payment for the current total;
//! (3) cancel the open payment; (4) place the order (reserve and commit
//! stock, count coupon uses, create the order, capture per the payment
//! settings); (5) void the authorization. `-` is `invalid_transition`.
//! Skip shipping settles the shipping step with no method, for a cart
//! with nothing to ship (the engine checks that every line is digital).
//! After authorization the cart is frozen: changing it means cancelling
//! (which voids) and starting again, so an order never differs from what
//! was authorized.

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// Where a checkout stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckoutState {
    /// Lines being chosen.
    #[default]
    Cart,
    /// A shipping address is set.
    Addressed,
    /// A shipping method is chosen for that address.
    ShippingSelected,
    /// A payment is open with the provider.
    PaymentPending,
    /// The provider authorized the payment.
    Authorized,
    /// The order was placed (terminal).
    Completed,
    /// Given up by the shopper or the merchant (terminal).
    Cancelled,
    /// Abandoned past its idle time (terminal).
    Expired,
}

/// What a host asks of a checkout.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckoutCommand {
    /// Lines, quantities or coupons changed.
    EditCart,
    /// The shipping address was set or changed.
    SetAddress,
    /// A shipping method was chosen.
    SelectShipping,
    /// Nothing to ship (every line is digital): the shipping step is
    /// settled with no method.
    SkipShipping,
    /// Payment starts for the current total.
    StartPayment,
    /// The provider authorized the payment.
    PaymentAuthorized,
    /// The provider declined or failed the payment.
    PaymentFailed,
    /// Place the order.
    Complete,
    /// Give up.
    Cancel,
    /// The idle time ran out.
    Expire,
}

/// What the engine must do for a transition.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckoutEffect {
    /// Forget the chosen shipping method.
    ClearShipping,
    /// Open a payment with the provider for the current total.
    OpenPayment,
    /// Cancel the open (not yet authorized) payment.
    CancelPayment,
    /// Void the authorization.
    VoidAuthorization,
    /// Place the order.
    PlaceOrder,
}

/// The next state and the effects to carry out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Transition {
    /// The state after the command.
    pub state: CheckoutState,
    /// What the engine must do, in order.
    pub effects: Vec<CheckoutEffect>,
}

impl CheckoutState {
    /// Every state, for exhaustive tests.
    pub const ALL: [CheckoutState; 8] = [
        CheckoutState::Cart,
        CheckoutState::Addressed,
        CheckoutState::ShippingSelected,
        CheckoutState::PaymentPending,
        CheckoutState::Authorized,
        CheckoutState::Completed,
        CheckoutState::Cancelled,
        CheckoutState::Expired,
    ];

    /// The stable snake_case name.
    pub const fn as_str(self) -> &'static str {
        match self {
            CheckoutState::Cart => "cart",
            CheckoutState::Addressed => "addressed",
            CheckoutState::ShippingSelected => "shipping_selected",
            CheckoutState::PaymentPending => "payment_pending",
            CheckoutState::Authorized => "authorized",
            CheckoutState::Completed => "completed",
            CheckoutState::Cancelled => "cancelled",
            CheckoutState::Expired => "expired",
        }
    }

    /// True for completed, cancelled and expired: nothing moves them.
    pub const fn is_terminal(self) -> bool {
        matches!(
            self,
            CheckoutState::Completed | CheckoutState::Cancelled | CheckoutState::Expired
        )
    }
}

impl CheckoutCommand {
    /// Every command, for exhaustive tests.
    pub const ALL: [CheckoutCommand; 10] = [
        CheckoutCommand::EditCart,
        CheckoutCommand::SetAddress,
        CheckoutCommand::SelectShipping,
        CheckoutCommand::SkipShipping,
        CheckoutCommand::StartPayment,
        CheckoutCommand::PaymentAuthorized,
        CheckoutCommand::PaymentFailed,
        CheckoutCommand::Complete,
        CheckoutCommand::Cancel,
        CheckoutCommand::Expire,
    ];

    /// The stable snake_case name.
    pub const fn as_str(self) -> &'static str {
        match self {
            CheckoutCommand::EditCart => "edit_cart",
            CheckoutCommand::SetAddress => "set_address",
            CheckoutCommand::SelectShipping => "select_shipping",
            CheckoutCommand::SkipShipping => "skip_shipping",
            CheckoutCommand::StartPayment => "start_payment",
            CheckoutCommand::PaymentAuthorized => "payment_authorized",
            CheckoutCommand::PaymentFailed => "payment_failed",
            CheckoutCommand::Complete => "complete",
            CheckoutCommand::Cancel => "cancel",
            CheckoutCommand::Expire => "expire",
        }
    }
}

/// Applies `command` to `state`.
///
/// # Errors
///
/// `invalid_transition` naming the state and the command, for every pair
/// the table in this module's documentation marks `-`.
///
/// # Examples
///
/// ```
/// use kassa::checkout::{transition, CheckoutCommand as C, CheckoutEffect, CheckoutState as S};
///
/// let t = transition(S::ShippingSelected, C::SetAddress)?;
/// assert_eq!((t.state, t.effects), (S::Addressed, vec![CheckoutEffect::ClearShipping]));
/// assert_eq!(transition(S::Cart, C::Complete).unwrap_err().code(), "invalid_transition");
/// # Ok::<(), kassa::Error>(())
/// ```
pub fn transition(state: CheckoutState, command: CheckoutCommand) -> Result<Transition> {
    use CheckoutCommand as C;
    use CheckoutEffect as E;
    use CheckoutState as S;
    let to = |state, effects: &[CheckoutEffect]| {
        Ok(Transition {
            state,
            effects: effects.to_vec(),
        })
    };
    match (state, command) {
        (S::Cart, C::EditCart) => to(S::Cart, &[]),
        (S::Cart | S::Addressed, C::SetAddress) | (S::Addressed, C::EditCart) => {
            to(S::Addressed, &[])
        }
        (S::Addressed | S::ShippingSelected, C::SelectShipping) => to(S::ShippingSelected, &[]),
        (S::Addressed | S::ShippingSelected, C::SkipShipping) => {
            to(S::ShippingSelected, &[E::ClearShipping])
        }
        (S::PaymentPending, C::SkipShipping) => {
            to(S::ShippingSelected, &[E::CancelPayment, E::ClearShipping])
        }
        (S::ShippingSelected, C::EditCart | C::SetAddress) => to(S::Addressed, &[E::ClearShipping]),
        (S::ShippingSelected, C::StartPayment) => to(S::PaymentPending, &[E::OpenPayment]),
        (S::PaymentPending, C::EditCart | C::SetAddress) => {
            to(S::Addressed, &[E::CancelPayment, E::ClearShipping])
        }
        (S::PaymentPending, C::SelectShipping | C::PaymentFailed) => {
            to(S::ShippingSelected, &[E::CancelPayment])
        }
        (S::PaymentPending, C::StartPayment) => {
            to(S::PaymentPending, &[E::CancelPayment, E::OpenPayment])
        }
        (S::PaymentPending, C::PaymentAuthorized) => to(S::Authorized, &[]),
        (S::Authorized, C::Complete) => to(S::Completed, &[E::PlaceOrder]),
        (S::Cart | S::Addressed | S::ShippingSelected, C::Cancel) => to(S::Cancelled, &[]),
        (S::Cart | S::Addressed | S::ShippingSelected, C::Expire) => to(S::Expired, &[]),
        (S::PaymentPending, C::Cancel) => to(S::Cancelled, &[E::CancelPayment]),
        (S::PaymentPending, C::Expire) => to(S::Expired, &[E::CancelPayment]),
        (S::Authorized, C::Cancel) => to(S::Cancelled, &[E::VoidAuthorization]),
        (S::Authorized, C::Expire) => to(S::Expired, &[E::VoidAuthorization]),
        _ => Err(Error::InvalidTransition {
            state: state.as_str(),
            command: command.as_str(),
        }),
    }
}
