//! Payment methods without a provider: bank transfer, cash on delivery,
//! on account (B2B). Checkout "authorizes" them at once (the order is
//! owed), and the money is recorded when it arrives
//! (`Engine::record_payment`), which captures it on the order's ledger.

use serde::{Deserialize, Serialize};

use super::{GatewayOutcome, GatewayRequest, PaymentGateway};

/// A way to pay that no provider handles.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ManualMethod {
    /// The buyer transfers the money to the shop's account.
    BankTransfer,
    /// The carrier collects the money on delivery.
    CashOnDelivery,
    /// Invoiced to a company account, due under its payment terms.
    OnAccount,
}

impl ManualMethod {
    /// The stable name (`bank_transfer`, `cash_on_delivery`, `on_account`).
    pub const fn name(self) -> &'static str {
        match self {
            ManualMethod::BankTransfer => "bank_transfer",
            ManualMethod::CashOnDelivery => "cash_on_delivery",
            ManualMethod::OnAccount => "on_account",
        }
    }
}

/// The [`PaymentGateway`] of a manual method: every call is approved (the
/// shop's own books are the provider), and the reference of an
/// authorization is the method's name and the idempotency key, so the same
/// key always gives the same reference.
///
/// # Examples
///
/// ```
/// use kassa::payment::{GatewayOutcome, GatewayRequest, ManualGateway, ManualMethod, PaymentGateway};
/// use kassa::{Currency, Money};
/// let gateway = ManualGateway::new(ManualMethod::OnAccount);
/// let request = GatewayRequest::Authorize {
///     amount: Money::from_minor_units(500, Currency::EUR),
///     method: String::new(),
/// };
/// assert_eq!(
///     gateway.call(&request, "auth:cart-1"),
///     GatewayOutcome::Approved { reference: "on_account:auth:cart-1".into() }
/// );
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ManualGateway {
    method: ManualMethod,
}

impl ManualGateway {
    /// The gateway of `method`.
    pub const fn new(method: ManualMethod) -> Self {
        ManualGateway { method }
    }
}

impl PaymentGateway for ManualGateway {
    fn call(&self, request: &GatewayRequest, idempotency_key: &str) -> GatewayOutcome {
        let reference = match request {
            GatewayRequest::Authorize { .. } => {
                format!("{}:{idempotency_key}", self.method.name())
            }
            GatewayRequest::Capture { reference, .. }
            | GatewayRequest::Void { reference }
            | GatewayRequest::Refund { reference, .. } => reference.clone(),
        };
        GatewayOutcome::Approved { reference }
    }
}
