//! The order record.

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::audit::AuditEntry;
use super::lifecycle::{Cancellation, Fulfilment};
use super::payments::OrderPayment;
use crate::cart::{Address, Cart, Shared};
use crate::catalog::Component;
use crate::money::{Currency, Money};
use crate::pricing::{PriceBreakdown, Timestamp};

/// Where an order stands, derived from its fulfilments, its payment and
/// whether it was cancelled or closed ([`Order::derive_status`]). The
/// first that holds wins: cancelled, completed, fulfilled (every unit
/// shipped), partially fulfilled, paid (captured in full), partially paid,
/// placed. The payment's own status is in its ledger.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrderStatus {
    /// Placed; payment authorized, not yet captured.
    Placed,
    /// Part of the total captured.
    PartiallyPaid,
    /// Placed and paid (captured in full).
    Paid,
    /// Some units shipped, not all.
    PartiallyFulfilled,
    /// Every unit shipped.
    Fulfilled,
    /// Closed: shipped and nothing more to do (returns stay possible).
    Completed,
    /// Cancelled before shipping: stock given back, payment voided or
    /// refunded. Absorbing.
    Cancelled,
}

impl OrderStatus {
    /// The stable snake_case name.
    pub const fn as_str(self) -> &'static str {
        match self {
            OrderStatus::Placed => "placed",
            OrderStatus::PartiallyPaid => "partially_paid",
            OrderStatus::Paid => "paid",
            OrderStatus::PartiallyFulfilled => "partially_fulfilled",
            OrderStatus::Fulfilled => "fulfilled",
            OrderStatus::Completed => "completed",
            OrderStatus::Cancelled => "cancelled",
        }
    }
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

/// One line, as charged.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderLine {
    /// The variant.
    pub sku: Arc<str>,
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
    /// For a kit: what one unit draws from stock (empty: the SKU itself).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub components: Vec<Component>,
    /// Units shipped.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub fulfilled: u64,
    /// Units in returns that were not rejected.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub returned: u64,
    /// Units whose return was refunded (each unit's share of `total` is
    /// fixed by [`crate::allocate`], so partial refunds add up exactly).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub refunded: u64,
}

/// A placed order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Order {
    /// Its id: one order per cart, so the id derives from the cart's
    /// (shared by the order's versions).
    pub id: Arc<str>,
    /// The store's order number (1, 2, 3, ...).
    pub number: u64,
    /// The cart it came from (shared by the order's versions).
    pub cart: Arc<str>,
    /// The customer (none: a guest).
    pub customer: Option<String>,
    /// The currency.
    pub currency: Currency,
    /// The lines as charged (shared between copies of the order until one
    /// changes: see [`Shared`]).
    pub lines: Shared<Vec<OrderLine>>,
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
    /// Where it ships (shared with the cart it came from).
    pub shipping_address: Option<Shared<Address>>,
    /// The shipping method.
    pub shipping_method: Option<String>,
    /// The stock reservations it committed.
    pub reservations: Vec<crate::inventory::ReservationId>,
    /// The payment (with split tender, the first part).
    pub payment: OrderPayment,
    /// The other payments, in the order they were made: the further parts
    /// of a split tender, then payments for order edits that raised the
    /// total. See [`Order::payments`].
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub more_payments: Vec<OrderPayment>,
    /// Its status.
    pub status: OrderStatus,
    /// When it was placed.
    pub placed_at: Timestamp,
    /// The stock location its units were committed at.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub location: String,
    /// Its shipments, in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fulfilments: Vec<Fulfilment>,
    /// Set once cancelled.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cancellation: Option<Cancellation>,
    /// When it was closed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub completed_at: Option<Timestamp>,
    /// Its returns' ids, oldest first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub returns: Vec<String>,
    /// Its edits, oldest first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub edits: Vec<super::edit::OrderEdit>,
    /// Who changed what, and when, after placement.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub history: Vec<AuditEntry>,
    /// The company the customer bought for (their company membership when
    /// the order was placed), for B2B.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub company: Option<String>,
    /// The quote the order was placed from, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quote: Option<String>,
}

impl Order {
    /// The id of the order of `cart`.
    pub fn id_for(cart: &str) -> String {
        ["ord_", cart].concat()
    }

    /// The order of `cart` priced as `priced`, paid by `payment`, its
    /// stock committed by `stock` (whose `parts` give each line's kit
    /// components, empty for a plain variant).
    pub fn place(
        cart: &Cart,
        priced: &PriceBreakdown,
        number: u64,
        coupons: Vec<String>,
        stock: &CommittedStock,
        payment: OrderPayment,
        now: Timestamp,
    ) -> Order {
        Order {
            id: Order::id_for(&cart.id).into(),
            number,
            cart: Arc::clone(&cart.id),
            customer: cart.customer.as_deref().map(str::to_owned),
            currency: priced.currency,
            lines: priced
                .lines
                .iter()
                .enumerate()
                .map(|(i, l)| OrderLine {
                    sku: Arc::clone(&l.sku),
                    qty: l.qty,
                    unit_price: l.unit_price,
                    subtotal: l.line_subtotal,
                    discount: l.discount,
                    tax: l.tax,
                    total: l.line_total,
                    components: stock.parts.get(i).cloned().unwrap_or_default(),
                    fulfilled: 0,
                    returned: 0,
                    refunded: 0,
                })
                .collect(),
            subtotal: priced.subtotal,
            discount_total: priced.discount_total,
            tax_total: priced.tax_total,
            grand_total: priced.grand_total,
            coupons,
            shipping_address: cart.shipping_address.clone(),
            shipping_method: cart.shipping_method.clone(),
            reservations: stock.reservations.clone(),
            payment,
            more_payments: Vec::new(),
            status: OrderStatus::Placed,
            placed_at: now,
            location: stock.location.clone(),
            fulfilments: Vec::new(),
            cancellation: None,
            completed_at: None,
            returns: Vec::new(),
            edits: Vec::new(),
            history: Vec::new(),
            company: None,
            quote: cart.quote.clone(),
        }
    }
}

/// The stock a placement commits: reservation ids, the location, and per
/// cart line its kit components.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CommittedStock {
    /// The reservations committed.
    pub reservations: Vec<crate::inventory::ReservationId>,
    /// Where.
    pub location: String,
    /// Per line, in cart order: kit components (empty: the SKU itself).
    pub parts: Vec<Vec<Component>>,
}
