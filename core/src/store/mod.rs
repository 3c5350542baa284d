//! The persistence contract: what a storage backend implements.
//!
//! Writes that must be atomic are trait operations, not a read-modify-write
//! by the caller. Each one takes the events that describe it and appends
//! them in the same atomic write, so the outbox never misses or invents a
//! change. A SQL store implements each operation as one transaction:
//!
//! * [`InventoryStore::reserve`]: a conditional update
//!   (`... SET reserved = reserved + ? WHERE <available suffices>`, rows
//!   affected checked) plus the reservation row and the events.
//! * [`DocumentStore::save`]: `UPDATE ... SET body = ?, version = version + 1
//!   WHERE id = ? AND version = ?`; no row means `concurrent_modification`.
//!
//! Carts, orders and customers (later issues) are stored as versioned
//! documents; stock has its own operations because it is the hottest,
//! most contended record.

mod body;
mod catalog;
mod event;
mod memory;

pub use body::Body;
pub use catalog::{CatalogChange, CatalogItem, CatalogMark, CatalogStore, VariantOf};
pub use event::{Event, EventId, EventKind, EventText, NewEvent};
pub use memory::MemoryStore;

use std::sync::Arc;

use crate::error::{Error, Result};
use crate::inventory::{Reservation, StockKey, StockPolicy, StockRecord};
use crate::pricing::Timestamp;

/// A change to one stock record, applied atomically by the store through
/// the pure transitions of [`crate::inventory::StockLevel`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StockChange {
    /// Set the policy and low-stock threshold (creating the record if needed).
    Configure {
        /// The policy.
        policy: StockPolicy,
        /// The threshold.
        low_stock_threshold: Option<i64>,
    },
    /// Change `on_hand` (creating the record if needed).
    Adjust {
        /// The change.
        delta: i64,
    },
    /// Move units between available and unavailable.
    SetAside {
        /// Units set aside (negative: returned to available).
        delta: i64,
    },
    /// Ship committed units.
    Fulfil {
        /// Units.
        qty: u64,
    },
    /// Commit `qty` more units straight away (an order edit adding
    /// units): taken from what is available under the record's policy, as
    /// a reservation committed at once would be.
    Commit {
        /// Units.
        qty: u64,
    },
    /// Give back committed units that will not ship (a cancellation).
    Uncommit {
        /// Units.
        qty: u64,
    },
}

/// Events to record with a write; `derive` builds the ones that depend on
/// the outcome (the level after it), inside the store's atomic section.
pub type EventsFor<'a> = &'a (dyn Fn(&StockRecord, &StockRecord) -> Vec<NewEvent> + Sync);

/// Events for each reservation of a multi-reservation step or a
/// settlement: `events(reservation, before, after, out)` pushes them onto
/// `out` (the reservation's own event and, now and then, a low-stock
/// one), so a step gathers all of them in one list.
pub type ReservationEvents<'a> =
    &'a (dyn Fn(&Reservation, &StockRecord, &StockRecord, &mut Vec<NewEvent>) + Sync);

/// Stock persistence.
pub trait InventoryStore: Send + Sync {
    /// The record of `key`, if any.
    ///
    /// # Errors
    ///
    /// Storage failures.
    fn stock(&self, key: &StockKey) -> Result<Option<StockRecord>>;

    /// Applies `change` to `key` atomically and records `events(before, after)`.
    ///
    /// # Errors
    ///
    /// The transition's error (nothing is written), or storage failures.
    fn apply_stock(
        &self,
        key: &StockKey,
        change: &StockChange,
        events: EventsFor<'_>,
    ) -> Result<StockRecord>;

    /// Reserves `reservation.qty` units of `reservation.key` if its policy
    /// allows (a conditional decrement), stores the reservation, and records
    /// the events, all atomically.
    ///
    /// # Errors
    ///
    /// `insufficient_stock` (nothing is written), `unknown_stock` when the
    /// key has no record, or storage failures.
    fn reserve(&self, reservation: &Reservation, events: EventsFor<'_>) -> Result<StockRecord>;

    /// Reserves every one of `reservations` or none (a cart, a kit): the
    /// demand on each key is added up before it is checked, so two lines
    /// drawing on one SKU cannot pass separately and oversell together.
    /// `events(reservation, before, after, out)` is called for each, in order.
    ///
    /// # Errors
    ///
    /// `insufficient_stock` naming the total demand on the first key that
    /// lacks it, `unknown_stock`, `invalid_stock_operation`; nothing is
    /// written.
    fn reserve_all(
        &self,
        reservations: &[Reservation],
        events: ReservationEvents<'_>,
    ) -> Result<Vec<StockRecord>> {
        Ok(self
            .reserve_all_and_write(reservations, events, Vec::new())?
            .0)
    }

    /// [`InventoryStore::reserve_all`] and `writes` (conditional document
    /// writes, as [`OrderStore::place_order`] takes them) in one atomic
    /// step: all of it or nothing. A checkout claims its idempotency key
    /// this way, together with the stock it holds (one commit, not two).
    /// Returns the records after and the documents' new versions.
    ///
    /// # Errors
    ///
    /// As [`InventoryStore::reserve_all`]; `concurrent_modification` for a
    /// stale document (an idempotency key someone else claimed); nothing
    /// is written.
    fn reserve_all_and_write(
        &self,
        reservations: &[Reservation],
        events: ReservationEvents<'_>,
        writes: Vec<DocumentWrite>,
    ) -> Result<(Vec<StockRecord>, Vec<u64>)>;

    /// [`InventoryStore::reserve_all_and_write`], also taking the next
    /// number of `sequence` (as [`DocumentStore::next_number`]) in the
    /// same atomic step when the store can at no extra cost: a server
    /// database adds it to the reservation's statement instead of asking
    /// for it in a round trip of its own before the placement. The number
    /// is then spent whatever follows: a checkout whose payment or
    /// placement fails leaves a gap, as a number taken in a statement of
    /// its own does.
    ///
    /// The default, for stores that take the number in the placement's
    /// own atomic step ([`OrderStore::place_numbered_order`]: no gap for a
    /// failed checkout), takes none (`None`); so may a server database
    /// that reserved another way (under row locks).
    ///
    /// # Errors
    ///
    /// As [`InventoryStore::reserve_all_and_write`]; a stock refusal takes
    /// no number.
    fn reserve_all_and_write_numbered(
        &self,
        reservations: &[Reservation],
        events: ReservationEvents<'_>,
        writes: Vec<DocumentWrite>,
        sequence: &str,
    ) -> Result<(Vec<StockRecord>, Vec<u64>, Option<u64>)> {
        let _ = sequence;
        let (after, versions) = self.reserve_all_and_write(reservations, events, writes)?;
        Ok((after, versions, None))
    }

    /// Removes reservation `id` and gives its units back (`commit: false`) or
    /// turns them into committed stock (`commit: true`), atomically with the
    /// events. Returns the reservation and the record after.
    ///
    /// # Errors
    ///
    /// `unknown_reservation`, or storage failures.
    fn settle(
        &self,
        id: &str,
        commit: bool,
        events: ReservationEvents<'_>,
    ) -> Result<(Reservation, StockRecord)>;

    /// Reservations that expire at or before `now`, oldest first, at most `limit`.
    ///
    /// # Errors
    ///
    /// Storage failures.
    fn expired(&self, now: Timestamp, limit: usize) -> Result<Vec<Reservation>>;
}

/// A stored JSON document and its version. The body is shared: the
/// memory store hands the same text to every reader instead of a copy.
#[derive(Debug, Clone, PartialEq)]
pub struct Versioned {
    /// The document's JSON text.
    pub value: Body,
    /// Its version (1 after the first save).
    pub version: u64,
}

/// Versioned documents (carts, orders, customers), saved with optimistic
/// concurrency.
pub trait DocumentStore: Send + Sync {
    /// Whether this store keeps documents as values in this process (the
    /// memory store): then writers hand it typed bodies
    /// ([`Body::typed`]), serialized only when a reader asks for the text.
    /// A store that writes text (the default) gets bodies already
    /// serialized, on the writer's own thread rather than in the store's
    /// critical section.
    fn keeps_values(&self) -> bool {
        false
    }

    /// The document `id` of `collection`, if any.
    ///
    /// # Errors
    ///
    /// Storage failures.
    fn load(&self, collection: &str, id: &str) -> Result<Option<Versioned>>;

    /// The documents named by `keys` (`(collection, id)` pairs), in their
    /// order: what [`DocumentStore::load`] gives for each. A server
    /// database reads them in one round trip; the default loads them one
    /// by one. Each is as stored at some moment during the call; callers
    /// that write back check versions, as after single loads.
    ///
    /// # Errors
    ///
    /// Storage failures.
    ///
    /// # Examples
    ///
    /// ```
    /// use kassa::store::{Body, DocumentStore, MemoryStore};
    ///
    /// let store = MemoryStore::new();
    /// store.save("carts", "c1", None, Body::from_text("{}"), Vec::new())?;
    /// let found = store.load_many(&[("carts", "c1"), ("carts", "c2")])?;
    /// assert_eq!(found[0].as_ref().map(|d| d.version), Some(1));
    /// assert!(found[1].is_none());
    /// # Ok::<(), kassa::Error>(())
    /// ```
    fn load_many(&self, keys: &[(&str, &str)]) -> Result<Vec<Option<Versioned>>> {
        keys.iter().map(|(c, id)| self.load(c, id)).collect()
    }

    /// [`DocumentStore::load_many`], and how far the database's catalog
    /// had got at the same moment ([`CatalogMark`]), in one round trip: an
    /// operation that prices a cart after reading ahead hands the mark to
    /// [`CatalogStore::pricing_catalog_as_of`] instead of the store asking
    /// the database again. The default, for stores whose catalog is not
    /// checked against anything (in this process, or one file), gives no
    /// mark.
    ///
    /// # Errors
    ///
    /// Storage failures.
    fn load_many_marked(
        &self,
        keys: &[(&str, &str)],
    ) -> Result<(Vec<Option<Versioned>>, Option<CatalogMark>)> {
        Ok((self.load_many(keys)?, None))
    }

    /// Whether [`DocumentStore::load_many`] costs less than loading one by
    /// one (a server database: one round trip). Callers read ahead only
    /// then; a store in this process (the default, `false`) is asked for
    /// each document when it is needed.
    fn batches_reads(&self) -> bool {
        false
    }

    /// Saves `value` if the stored version is `expected` (`None`: the
    /// document must not exist yet), and records `events`, atomically.
    /// Returns the new version.
    ///
    /// # Errors
    ///
    /// `concurrent_modification` naming the current version (nothing is
    /// written), or storage failures.
    fn save(
        &self,
        collection: &str,
        id: &str,
        expected: Option<u64>,
        value: Body,
        events: Vec<NewEvent>,
    ) -> Result<u64>;

    /// Up to `limit` documents of `collection` with ids after `after`
    /// (none: from the start), in id order: for sweeps and exports.
    ///
    /// # Errors
    ///
    /// Storage failures.
    fn scan(
        &self,
        collection: &str,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Vec<(String, Versioned)>>;

    /// Deletes document `id` of `collection` if its stored version is
    /// `expected`: for housekeeping (idempotency keys past their
    /// retention). A document saved again after a delete starts over at
    /// version 1, so only delete what no writer still holds.
    ///
    /// # Errors
    ///
    /// `concurrent_modification` naming the current version (none: not
    /// stored) when it is not `expected`; nothing is deleted.
    fn delete(&self, collection: &str, id: &str, expected: u64) -> Result<()>;

    /// Calls `visit(id, version)` for up to `limit` documents of
    /// `collection` with ids after `after`, in id order, without reading
    /// their bodies: how a reader keeping parsed copies finds the documents
    /// that changed since it read them. Returns how many were visited
    /// (fewer than `limit`: the walk reached the end). `visit` must not
    /// call the store (a store may hold a lock while it runs).
    ///
    /// The provided method is built on [`DocumentStore::scan`]; stores
    /// override it to skip the bodies.
    ///
    /// # Errors
    ///
    /// Storage failures.
    ///
    /// # Examples
    ///
    /// ```
    /// use kassa::store::{DocumentStore, MemoryStore};
    /// let store = MemoryStore::new();
    /// store.save("notes", "a", None, serde_json::json!({}).into(), Vec::new())?;
    /// store.save("notes", "b", None, serde_json::json!({}).into(), Vec::new())?;
    /// store.save("notes", "b", Some(1), serde_json::json!({"x": 1}).into(), Vec::new())?;
    /// let mut seen = Vec::new();
    /// let visited = store.scan_versions("notes", None, 10, &mut |id, v| seen.push((id.to_owned(), v)))?;
    /// assert_eq!(visited, 2);
    /// assert_eq!(seen, [("a".to_owned(), 1), ("b".to_owned(), 2)]);
    /// # Ok::<(), kassa::Error>(())
    /// ```
    fn scan_versions(
        &self,
        collection: &str,
        after: Option<&str>,
        limit: usize,
        visit: &mut dyn FnMut(&str, u64),
    ) -> Result<usize> {
        let page = self.scan(collection, after, limit)?;
        for (id, doc) in &page {
            visit(id, doc.version);
        }
        Ok(page.len())
    }

    /// Saves every write if every expected version holds, and records
    /// `events`, all in one atomic step (an order, its cart and its
    /// idempotency record together). Returns the new versions in order.
    ///
    /// # Errors
    ///
    /// `concurrent_modification` naming the first stale document; nothing
    /// is written.
    fn save_all(&self, writes: Vec<DocumentWrite>, events: Vec<NewEvent>) -> Result<Vec<u64>>;

    /// The next number of the counter `name` (1, 2, 3, ...), such as order
    /// numbers: atomically, so no two calls ever get the same number. A
    /// number taken by an operation that then fails is not handed out
    /// again, so the numbers used may have gaps. The counter is the
    /// document `name` of the collection `sequences`, `{"next": n}`.
    ///
    /// The default reads and saves that document, retrying when another
    /// caller saved first; a SQL store does it in one statement or one
    /// transaction, so concurrent callers queue instead of retrying.
    ///
    /// # Errors
    ///
    /// Storage failures; `concurrent_modification` if 1,000 attempts in a
    /// row lost to other callers.
    fn next_number(&self, name: &str) -> Result<u64> {
        for _ in 0..1_000 {
            let (next, expected) = match self.load(SEQUENCES, name)? {
                Some(doc) => (sequence_next(&doc.value), Some(doc.version)),
                None => (1, None),
            };
            let counter = SequenceCounter {
                next: next.saturating_add(1),
            };
            let value = if self.keeps_values() {
                Body::typed(Arc::new(counter))
            } else {
                Body::of(&counter)?
            };
            match self.save(SEQUENCES, name, expected, value, Vec::new()) {
                Ok(_) => return Ok(next),
                Err(Error::ConcurrentModification { .. }) => continue,
                Err(e) => return Err(e),
            }
        }
        Err(Error::ConcurrentModification {
            entity: format!("{SEQUENCES}/{}", crate::error::shown(name)),
            expected: None,
            current: None,
        })
    }
}

/// The collection of [`DocumentStore::next_number`]'s counters.
pub const SEQUENCES: &str = "sequences";

/// A counter document of [`SEQUENCES`]: `{"next": n}`, the number it
/// hands out next.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SequenceCounter {
    /// The number handed out next.
    pub next: u64,
}

/// The number a stored counter document hands out next (1 when unreadable
/// or new). A counter this process wrote is read as it is, with no JSON.
///
/// ```
/// use kassa::store::{sequence_next, Body, SequenceCounter};
/// use std::sync::Arc;
/// assert_eq!(sequence_next(&Body::from_text(r#"{"next": 41}"#)), 41);
/// assert_eq!(sequence_next(&Body::typed(Arc::new(SequenceCounter { next: 7 }))), 7);
/// assert_eq!(sequence_next(&Body::from_text(r#"{"next": -3}"#)), 1);
/// assert_eq!(sequence_next(&Body::from_text("not json")), 1);
/// ```
pub fn sequence_next(body: &Body) -> u64 {
    body.shared::<SequenceCounter>()
        .map(|c| c.next)
        .or_else(|| {
            body.parse::<SequenceCounter>("counter")
                .ok()
                .map(|c| c.next)
        })
        .unwrap_or(1)
        .max(1)
}

/// A collection name or a document id in a [`DocumentWrite`]: held inline
/// up to 24 bytes (the engine's collections and ids are), so a write
/// allocates nothing for its address.
pub type DocumentName = compact_str::CompactString;

/// One document write of [`DocumentStore::save_all`].
#[derive(Debug, Clone, PartialEq)]
pub struct DocumentWrite {
    /// The collection.
    pub collection: DocumentName,
    /// The id.
    pub id: DocumentName,
    /// The version the writer read (none: the document must be new).
    pub expected: Option<u64>,
    /// The new body.
    pub value: Body,
}

impl DocumentWrite {
    /// A write of `value` to `collection/id` over version `expected`.
    pub fn new(
        collection: &str,
        id: &str,
        expected: Option<u64>,
        value: impl Into<Body>,
    ) -> DocumentWrite {
        DocumentWrite {
            collection: collection.into(),
            id: id.into(),
            expected,
            value: value.into(),
        }
    }
}

/// Placing an order: the one write that spans documents and stock.
pub trait OrderStore: Send + Sync {
    /// Commits the reservations `commit` (their units become committed
    /// stock), saves `writes` (the order, its cart, its idempotency record,
    /// counters), and records `events` plus `committed(reservation, after)`
    /// for each reservation, all in one atomic step. A SQL store does it in
    /// one transaction, with a unique constraint on the order per cart as
    /// the last line of defence.
    ///
    /// # Errors
    ///
    /// `concurrent_modification` for a stale document, `unknown_reservation`
    /// for a reservation no longer open (expired and swept); nothing is
    /// written.
    fn place_order(
        &self,
        writes: Vec<DocumentWrite>,
        commit: &[crate::inventory::ReservationId],
        events: Vec<NewEvent>,
        committed: &(dyn Fn(&Reservation, &StockRecord) -> NewEvent + Sync),
    ) -> Result<Vec<u64>>;

    /// [`OrderStore::place_order`] with the order's number taken from the
    /// sequence `sequence` by the store: `build(number)` gives the writes
    /// and events to place. Returns the number, or none when the store
    /// does not number placements (the default): the caller then takes
    /// one first with [`DocumentStore::next_number`]. A store whose
    /// writers queue anyway (SQLite) takes it in the placement's atomic
    /// step, saving a transaction per order, and a placement that fails
    /// takes no number. A server database keeps the shared counter out of
    /// the placement's transaction (its lock would be held until the
    /// commit) and takes it in a statement of its own that also does other
    /// work of the placement (PostgreSQL: reading the reservations), so a
    /// placement that fails there leaves a gap, as a number taken first
    /// would.
    ///
    /// # Errors
    ///
    /// As [`OrderStore::place_order`]; `build`'s; nothing is written.
    fn place_numbered_order(
        &self,
        sequence: &str,
        build: &dyn Fn(u64) -> Result<(Vec<DocumentWrite>, Vec<NewEvent>)>,
        commit: &[crate::inventory::ReservationId],
        committed: &(dyn Fn(&Reservation, &StockRecord) -> NewEvent + Sync),
    ) -> Result<Option<u64>> {
        let _ = (sequence, build, commit, committed);
        Ok(None)
    }

    /// Saves `writes` and applies the stock changes `stock`, in order,
    /// recording `events` plus `changed(key, before, after)` for each
    /// change, all in one atomic step: an order changed after placement
    /// (fulfilled, cancelled, returned) moves its document and its stock
    /// together or not at all. A SQL store locks the stock rows in key
    /// order, so two such changes cannot deadlock.
    ///
    /// # Errors
    ///
    /// `concurrent_modification` for a stale document, the stock
    /// transition's error (`invalid_stock_operation`); nothing is written.
    fn change_order(
        &self,
        writes: Vec<DocumentWrite>,
        stock: &[(StockKey, StockChange)],
        events: Vec<NewEvent>,
        changed: StockEvents<'_>,
    ) -> Result<Vec<u64>>;
}

/// Events for each stock change of [`OrderStore::change_order`]:
/// `(key, before, after)`.
pub type StockEvents<'a> =
    &'a (dyn Fn(&StockKey, &StockRecord, &StockRecord) -> Vec<NewEvent> + Sync);

/// The outbox.
pub trait EventLog: Send + Sync {
    /// Up to `limit` events with a cursor greater than `cursor`, in order.
    ///
    /// # Errors
    ///
    /// Storage failures.
    fn events_since(&self, cursor: u64, limit: usize) -> Result<Vec<Event>>;

    /// Forgets the events up to and including `cursor`, once every consumer
    /// has processed them (retention). Later cursors never change; reading
    /// from a discarded cursor starts at the oldest event kept.
    ///
    /// # Errors
    ///
    /// Storage failures.
    fn discard_events(&self, cursor: u64) -> Result<()>;
}

/// Everything a store provides.
pub trait Store: InventoryStore + DocumentStore + EventLog + CatalogStore + OrderStore {}

impl<T: InventoryStore + DocumentStore + EventLog + CatalogStore + OrderStore> Store for T {}

/// The pure effect of a [`StockChange`] on a record (a new record starts at zero).
pub fn apply_change(before: Option<&StockRecord>, change: &StockChange) -> Result<StockRecord> {
    let base = before.copied().unwrap_or_default();
    let mut after = base;
    match *change {
        StockChange::Configure {
            policy,
            low_stock_threshold,
        } => {
            after.policy = policy;
            after.low_stock_threshold = low_stock_threshold;
        }
        StockChange::Adjust { delta } => after.level = base.level.adjust(delta)?,
        StockChange::SetAside { delta } => after.level = base.level.set_aside(delta)?,
        StockChange::Fulfil { qty } => after.level = base.level.fulfil(qty)?,
        StockChange::Commit { qty } => {
            after.level = base.level.reserve(qty, base.policy)?.commit(qty)?;
        }
        StockChange::Uncommit { qty } => after.level = base.level.uncommit(qty)?,
    }
    after.version = base.version + 1;
    Ok(after)
}
