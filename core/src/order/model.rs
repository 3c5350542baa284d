//! The order record.

use serde::{Deserialize, Serialize};

use crate::cart::{Address, Cart};
use crate::money::{Currency, Money};
use crate::payment::PaymentLedger;
use crate::pricing::{PriceBreakdown, Timestamp};

/// Where an order stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrderStatus {
    /// Placed; payment authorized, not yet captured.
    Placed,
    /// Placed and paid (captured in full).
    Paid,
}

/// One line, as charged.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderLine {
    /// The variant.
    pub sku: String,
    /// Units.
    pub qty: u64,
    /// The unit price charged.
    pub unit_price: Option<Money>,
    /// Before discounts.
    pub subtotal: Money,
    /// Discounts on the line.
    pub discount: Money,
    /// Tax on the line.
    pub tax: Money,
    /// What the line costs.
    pub total: Money,
}

/// The payment behind an order: the provider's reference and the ledger
/// of what was authorized, captured and refunded (the rules of the
/// scenarios: captures never exceed the authorization, refunds never
/// exceed the captures).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderPayment {
    /// The provider's reference.
    pub reference: String,
    /// Authorized, captured, refunded, status, and the keys seen.
    pub ledger: PaymentLedger,
}

/// A placed order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Order {
    /// Its id: one order per cart, so the id derives from the cart's.
    pub id: String,
    /// The store's order number (1, 2, 3, ...).
    pub number: u64,
    /// The cart it came from.
    pub cart: String,
    /// The customer (none: a guest).
    pub customer: Option<String>,
    /// The currency.
    pub currency: Currency,
    /// The lines as charged.
    pub lines: Vec<OrderLine>,
    /// Before discounts.
    pub subtotal: Money,
    /// All discounts.
    pub discount_total: Money,
    /// All tax.
    pub tax_total: Money,
    /// What the customer pays.
    pub grand_total: Money,
    /// Coupon codes that were used.
    pub coupons: Vec<String>,
    /// Where it ships.
    pub shipping_address: Option<Address>,
    /// The shipping method.
    pub shipping_method: Option<String>,
    /// The stock reservations it committed.
    pub reservations: Vec<String>,
    /// The payment.
    pub payment: OrderPayment,
    /// Its status.
    pub status: OrderStatus,
    /// When it was placed.
    pub placed_at: Timestamp,
}

impl Order {
    /// The id of the order of `cart`.
    pub fn id_for(cart: &str) -> String {
        format!("ord_{cart}")
    }

    /// The order of `cart` priced as `priced`, paid by `payment`.
    pub fn place(
        cart: &Cart,
        priced: &PriceBreakdown,
        number: u64,
        coupons: Vec<String>,
        reservations: Vec<String>,
        payment: OrderPayment,
        now: Timestamp,
    ) -> Order {
        Order {
            id: Order::id_for(&cart.id),
            number,
            cart: cart.id.clone(),
            customer: cart.customer.clone(),
            currency: priced.currency,
            lines: priced
                .lines
                .iter()
                .map(|l| OrderLine {
                    sku: l.sku.clone(),
                    qty: l.qty,
                    unit_price: l.unit_price,
                    subtotal: l.line_subtotal,
                    discount: l.discount,
                    tax: l.tax,
                    total: l.line_total,
                })
                .collect(),
            subtotal: priced.subtotal,
            discount_total: priced.discount_total,
            tax_total: priced.tax_total,
            grand_total: priced.grand_total,
            coupons,
            shipping_address: cart.shipping_address.clone(),
            shipping_method: cart.shipping_method.clone(),
            reservations,
            payment,
            status: OrderStatus::Placed,
            placed_at: now,
        }
    }
}
