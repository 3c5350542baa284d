//! Domain events: every state change records one in the same atomic write,
//! in an outbox hosts read by cursor.

use serde::{Deserialize, Serialize};

use crate::catalog::ProductStatus;
use crate::checkout::CheckoutState;
use crate::inventory::{StockKey, StockLevel, StockPolicy};
use crate::money::Money;
use crate::pricing::Timestamp;

fn logged_by_default() -> bool {
    true
}

/// What happened.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum EventKind {
    /// A key's policy or threshold was set.
    StockConfigured {
        /// The key.
        key: StockKey,
        /// Its policy.
        policy: StockPolicy,
        /// Its low-stock threshold.
        low_stock_threshold: Option<i64>,
    },
    /// `on_hand` changed by `delta`.
    StockAdjusted {
        /// The key.
        key: StockKey,
        /// The change.
        delta: i64,
        /// Why (a delivery, a count, damage...).
        reason: EventText,
        /// The level after it.
        level: StockLevel,
    },
    /// Units were set aside as unavailable (or returned when negative).
    StockSetAside {
        /// The key.
        key: StockKey,
        /// The change in unavailable units.
        delta: i64,
        /// Why (damaged, quarantine...).
        reason: EventText,
        /// The level after it.
        level: StockLevel,
    },
    /// Units were reserved.
    StockReserved {
        /// The reservation.
        reservation: crate::inventory::ReservationId,
        /// The key.
        key: StockKey,
        /// Units.
        qty: u64,
        /// The level after it.
        level: StockLevel,
    },
    /// A reservation was released (by the host or by expiry).
    StockReleased {
        /// The reservation.
        reservation: crate::inventory::ReservationId,
        /// The key.
        key: StockKey,
        /// Units.
        qty: u64,
        /// True when released because it expired.
        expired: bool,
        /// The level after it.
        level: StockLevel,
    },
    /// A reservation became committed stock (an order).
    StockCommitted {
        /// The reservation.
        reservation: crate::inventory::ReservationId,
        /// The key.
        key: StockKey,
        /// Units.
        qty: u64,
        /// The level after it.
        level: StockLevel,
    },
    /// Committed units were shipped.
    StockFulfilled {
        /// The key.
        key: StockKey,
        /// Units.
        qty: u64,
        /// The level after it.
        level: StockLevel,
    },
    /// Committed units were given back: their order will not ship them
    /// (cancelled).
    StockUncommitted {
        /// The key.
        key: StockKey,
        /// Units.
        qty: u64,
        /// The level after it.
        level: StockLevel,
    },
    /// A cart was created.
    CartCreated {
        /// The cart id.
        cart: EventText,
        /// Its customer (none: a guest).
        customer: Option<EventText>,
    },
    /// A cart was left idle past its time and expired.
    CartAbandoned {
        /// The cart id.
        cart: EventText,
        /// Its customer (none: a guest).
        customer: Option<EventText>,
        /// Lines it held.
        lines: usize,
    },
    /// A customer profile was created.
    CustomerCreated {
        /// The customer id.
        customer: EventText,
    },
    /// A customer's personal data was erased (profile, behaviour, the
    /// personal fields of their orders and open carts).
    CustomerErased {
        /// The customer id (kept: orders still point to it).
        customer: EventText,
    },
    /// What was recorded under one id (an anonymous visitor, or a
    /// duplicate profile) now belongs to another customer.
    CustomersMerged {
        /// The id merged away.
        from: EventText,
        /// The customer it was merged into.
        into: EventText,
    },
    /// A customer profile changed.
    CustomerUpdated {
        /// The customer id.
        customer: EventText,
        /// Its new version.
        version: u64,
    },
    /// A host recorded something a customer (or an anonymous visitor) did.
    BehaviourRecorded {
        /// The customer id or anonymous id.
        customer: EventText,
        /// Where it happened.
        touchpoint: crate::customer::Touchpoint,
        /// What happened.
        behaviour: crate::customer::BehaviourKind,
        /// Whether the customer's behaviour log already holds it (recorded
        /// through [`crate::engine::Engine::record_behaviour`]); the
        /// engine's own records (cart adds) enter the log at the next
        /// metrics refresh.
        #[serde(default = "logged_by_default")]
        logged: bool,
    },
    /// A cart changed.
    CartUpdated {
        /// The cart id.
        cart: EventText,
        /// Its new version.
        version: u64,
        /// Its checkout state after the change.
        checkout: CheckoutState,
    },
    /// An order was placed.
    OrderPlaced {
        /// The order id.
        order: EventText,
        /// Its number.
        number: u64,
        /// The cart it came from.
        cart: EventText,
        /// Its grand total.
        total: Money,
    },
    /// Part or all of an order was shipped.
    OrderFulfilled {
        /// The order id.
        order: EventText,
        /// The fulfilment's id.
        fulfilment: EventText,
        /// Units shipped in it.
        units: u64,
    },
    /// An order was cancelled (its stock given back, its payment voided
    /// or refunded).
    OrderCancelled {
        /// The order id.
        order: EventText,
        /// Why.
        reason: EventText,
    },
    /// An order's lines were edited and re-priced.
    OrderEdited {
        /// The order id.
        order: EventText,
        /// The grand total before.
        total_before: Money,
        /// The grand total after.
        total_after: Money,
        /// Units ordered before.
        units_before: u64,
        /// Units ordered after.
        units_after: u64,
    },
    /// An order was closed: shipped and nothing more to do.
    OrderCompleted {
        /// The order id.
        order: EventText,
    },
    /// A quote was offered (revision 1), revised, accepted or withdrawn.
    QuoteChanged {
        /// The quote id.
        quote: EventText,
        /// The buyer.
        customer: EventText,
        /// Its status after the change.
        status: crate::cart::QuoteStatus,
        /// The current revision.
        revision: u32,
    },
    /// A return moved to `status` (requested, approved, rejected,
    /// received, refunded).
    ReturnChanged {
        /// The return id.
        return_id: EventText,
        /// The order id.
        order: EventText,
        /// The customer (none: a guest order).
        customer: Option<EventText>,
        /// The new status.
        status: crate::order::ReturnStatus,
        /// Units in the return.
        units: u64,
    },
    /// Store credit was added to (or spent from, when negative) a
    /// customer's balance.
    StoreCreditChanged {
        /// The customer.
        customer: EventText,
        /// The change.
        amount: Money,
        /// Why (a return id, an order id).
        reason: EventText,
    },
    /// An order's payment was captured.
    PaymentCaptured {
        /// The order id.
        order: EventText,
        /// The amount captured.
        amount: Money,
    },
    /// Part of an order's captured payment was refunded.
    PaymentRefunded {
        /// The order id.
        order: EventText,
        /// The amount refunded.
        amount: Money,
    },
    /// A product was saved for the first time.
    ProductCreated {
        /// The product id.
        product: EventText,
        /// Its version (1).
        version: u64,
        /// Its status.
        status: ProductStatus,
    },
    /// A product was saved over an earlier version.
    ProductUpdated {
        /// The product id.
        product: EventText,
        /// Its new version.
        version: u64,
        /// Its status.
        status: ProductStatus,
    },
    /// A category was created or renamed.
    CategorySaved {
        /// The category id.
        category: EventText,
    },
    /// A category moved in the tree (or changed position).
    CategoryMoved {
        /// The category id.
        category: EventText,
        /// Its new parent.
        parent: Option<EventText>,
        /// Its new position.
        position: u32,
    },
    /// A collection was created or replaced.
    CollectionSaved {
        /// The collection id.
        collection: EventText,
    },
    /// An attribute definition was created or replaced.
    AttributeDefined {
        /// The attribute code.
        code: EventText,
    },
    /// `available` fell to or below the key's threshold.
    LowStock {
        /// The key.
        key: StockKey,
        /// Units available now.
        available: i64,
        /// The threshold.
        threshold: i64,
    },
}

/// An event's id: text like a `String` (it derefs to `str` and serializes
/// as a string), held inline up to 24 bytes, so the ids of the sequential
/// sources (`evt_123`) cost no allocation. Longer ids live on the heap.
///
/// ```
/// use kassa::store::EventId;
/// let id = EventId::from("evt_42");
/// assert_eq!(id, "evt_42");
/// assert!(!id.is_heap_allocated());
/// assert_eq!(serde_json::to_string(&id).unwrap(), "\"evt_42\"");
/// ```
pub type EventId = compact_str::CompactString;

/// The text fields of an [`EventKind`] (ids, names, reasons): held inline up
/// to 24 bytes, so an event naming a cart or an order allocates nothing
/// for it; serialized as a plain JSON string.
pub type EventText = compact_str::CompactString;

/// An event as recorded: its position in the outbox, when, and what.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event {
    /// Position in the outbox: strictly increasing, starting at 1.
    pub cursor: u64,
    /// Its id (from the engine's id source).
    pub id: EventId,
    /// When (from the engine's clock).
    pub at: Timestamp,
    /// What happened.
    pub kind: EventKind,
}

/// An event before the store gives it a cursor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewEvent {
    /// Its id.
    pub id: EventId,
    /// When.
    pub at: Timestamp,
    /// What happened.
    pub kind: EventKind,
}
