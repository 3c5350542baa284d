//! The engine: the facade hosts call. It reads through the store, runs the
//! pure logic, and writes the result with its events atomically; time and
//! ids are injected ([`Clock`], [`IdSource`]).

mod audience;
mod behaviour;
mod built_book;
mod cart;
mod cart_behaviour;
mod cart_pricing;
mod catalog;
mod checkout;
mod clock;
mod crm;
mod crm_settings;
mod customer;
mod customer_view;
mod exchanges;
mod idempotency;
mod inventory;
mod manual_payments;
mod merge;
mod order_edits;
mod orders;
mod parsed_customers;
mod price_entries;
mod privacy;
mod quotes;
mod read_ahead;
mod recommendations;
mod refund;
mod returns;
mod segment_rules;
mod shipping;
mod store_credit;
mod tenders;
mod wishlists;

use std::sync::Arc;

pub use cart_pricing::PricingSettings;
pub use checkout::CheckoutOptions;
pub use clock::{Clock, IdSource, ManualClock, NodeIds, SequentialIds, SystemClock, EVENT_PREFIX};
pub use crm::CustomerIndex;
pub use crm_settings::CrmSettings;
pub use customer_view::{CustomerView, VIEW_RECENT};
pub use idempotency::MIN_KEY_RETENTION_MS;
pub use privacy::Erasure;
pub use shipping::ShippingOption;
pub use wishlists::{Skipped, MAX_LISTS};

use crate::error::Result;
use crate::store::{Event, EventKind, MemoryStore, NewEvent, Store};

/// The Kassa engine over a store `S`.
///
/// # Examples
///
/// ```
/// use std::sync::Arc;
/// use kassa::engine::{Engine, ManualClock, SequentialIds};
/// use kassa::pricing::Timestamp;
/// use kassa::store::MemoryStore;
///
/// let engine = Engine::new(MemoryStore::new(), Arc::new(ManualClock::new(Timestamp(0))), Arc::new(SequentialIds::default()));
/// assert!(engine.events_since(0, 1)?.is_empty());
/// # Ok::<(), kassa::Error>(())
/// ```
#[derive(Debug)]
pub struct Engine<S> {
    store: S,
    clock: Arc<dyn Clock>,
    ids: Arc<dyn IdSource>,
    recommender: std::sync::RwLock<recommendations::Recommender>,
    /// Parsed profiles and metrics by customer, with the document versions
    /// they were parsed from (see `parsed_customers.rs`).
    parsed: std::sync::Mutex<parsed_customers::ParsedCustomers>,
    /// The stored segment rules as last parsed (see `segment_rules.rs`).
    segment_rules: std::sync::Mutex<segment_rules::SegmentRules>,
    /// The pricing settings as last parsed, with their version.
    pricing: std::sync::Mutex<Option<(u64, Arc<PricingSettings>)>>,
    /// Carts as last parsed or written, with the stored body of each
    /// (see `Engine::shared_cart`).
    carts: std::sync::Mutex<
        rustc_hash::FxHashMap<String, (crate::store::Body, Arc<crate::cart::Cart>)>,
    >,
    /// Price book entries derived from the catalog (see `price_entries.rs`).
    price_entries: price_entries::PriceEntries,
    /// The last price book built (see `built_book.rs`).
    last_book: built_book::LastBook,
}

/// A page of documents: `(id, document)` in id order.
pub(crate) type Page = Vec<(String, crate::store::Versioned)>;

impl<S: Store> Engine<S> {
    /// An engine over `store` with the given clock and id source.
    pub fn new(store: S, clock: Arc<dyn Clock>, ids: Arc<dyn IdSource>) -> Self {
        Engine {
            store,
            clock,
            ids,
            recommender: std::sync::RwLock::default(),
            parsed: std::sync::Mutex::default(),
            segment_rules: std::sync::Mutex::default(),
            pricing: std::sync::Mutex::default(),
            carts: std::sync::Mutex::default(),
            price_entries: price_entries::PriceEntries::default(),
            last_book: built_book::LastBook::default(),
        }
    }

    /// The store.
    pub fn store(&self) -> &S {
        &self.store
    }

    /// The clock.
    pub fn clock(&self) -> &dyn Clock {
        self.clock.as_ref()
    }

    /// Up to `limit` events after `cursor`, in order (the outbox).
    ///
    /// # Errors
    ///
    /// Storage failures.
    pub fn events_since(&self, cursor: u64, limit: usize) -> Result<Vec<Event>> {
        self.store.events_since(cursor, limit)
    }

    /// Forgets the events up to and including `cursor` once every consumer
    /// has processed them, so the outbox does not grow without bound.
    ///
    /// # Errors
    ///
    /// Storage failures.
    pub fn discard_events(&self, cursor: u64) -> Result<()> {
        self.store.discard_events(cursor)
    }

    /// Calls `f(id, document)` for every document of `collection`, in id
    /// order, reading the store a page at a time.
    ///
    /// # Errors
    ///
    /// Storage failures, and the first error of `f` (which stops the walk).
    pub(crate) fn each_document(
        &self,
        collection: &str,
        mut f: impl FnMut(String, crate::store::Versioned) -> Result<()>,
    ) -> Result<()> {
        let mut after: Option<String> = None;
        loop {
            let page = self.store.scan(collection, after.as_deref(), 512)?;
            let Some((last, _)) = page.last() else {
                return Ok(());
            };
            after = Some(last.clone());
            for (id, doc) in page {
                f(id, doc)?;
            }
        }
    }

    /// Up to `limit` documents of `collection` after the id `after`, in id
    /// order, and where the next page starts (none: this page ends the
    /// collection). The sweeps walk a collection this way, a call per
    /// page.
    ///
    /// # Errors
    ///
    /// Storage failures.
    pub(crate) fn scan_page(
        &self,
        collection: &str,
        after: Option<&str>,
        limit: usize,
    ) -> Result<(Page, Option<String>)> {
        let page = self.store.scan(collection, after, limit)?;
        let next = (page.len() == limit)
            .then(|| page.last().map(|(id, _)| id.clone()))
            .flatten();
        Ok((page, next))
    }

    /// Saves a sweep's change to document `id` of `collection` read at
    /// `version`, with `events`; false when the document changed meanwhile
    /// (the sweep skips it, and the next one sees it again).
    ///
    /// # Errors
    ///
    /// Storage failures other than the version conflict.
    pub(crate) fn save_swept(
        &self,
        collection: &str,
        id: &str,
        version: u64,
        body: crate::store::Body,
        events: Vec<NewEvent>,
    ) -> Result<bool> {
        match self.store.save(collection, id, Some(version), body, events) {
            Ok(_) => Ok(true),
            Err(crate::Error::ConcurrentModification { .. }) => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// A new event happening now.
    pub(crate) fn event(&self, kind: EventKind) -> NewEvent {
        self.event_at(kind, self.clock.now())
    }

    /// A new event happening at `at` (an operation recording several
    /// events reads the clock once).
    pub(crate) fn event_at(&self, kind: EventKind, at: crate::pricing::Timestamp) -> NewEvent {
        NewEvent {
            id: self.ids.next_event_id(),
            at,
            kind,
        }
    }
}

impl Engine<MemoryStore> {
    /// An engine over a fresh in-memory store, with the system clock and
    /// sequential ids.
    pub fn in_memory() -> Self {
        Engine::new(
            MemoryStore::new(),
            Arc::new(SystemClock),
            Arc::new(SequentialIds::default()),
        )
    }
}
