//! The in-memory store: every trait, behind two locks.
//!
//! One `Mutex` guards stock, documents and the outbox, so each trait
//! operation (state change plus its events) is atomic and the outbox order
//! is the write order. The catalog sits behind its own `RwLock`, so
//! storefront queries run in parallel and do not hold up reservations.
//! Lock order: catalog, then state; a catalog write holds both while it
//! changes the catalog and appends its events.
//!
//! A reserve/release pair takes about a microsecond uncontended (see
//! benches/README.md); contended writers queue on the lock, which is what a
//! single SQLite writer does too.

mod catalog;
mod collection;
mod outbox;
mod scratch;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard, RwLock};

use super::{
    apply_change, Body, DocumentStore, DocumentWrite, Event, EventLog, EventsFor, InventoryStore,
    NewEvent, OrderStore, ReservationEvents, StockChange, StockEvents, Versioned,
};
use crate::catalog::{CatalogIndex, SkuFacts};
use crate::error::{shown, Error, Result};
use crate::inventory::{Reservation, ReservationId, StockKey, StockPolicy, StockRecord};
use crate::pricing::Timestamp;
use rustc_hash::FxHashMap;

#[derive(Debug, Default)]
struct State {
    stock: FxHashMap<StockKey, StockRecord>,
    reservations: FxHashMap<ReservationId, Reservation>,
    /// (expires_at, id) of open reservations, for sweeping in order.
    expiry: BTreeMap<(Timestamp, ReservationId), ()>,
    /// Collection -> its documents (hashed by id, scanned in id order).
    documents: FxHashMap<String, collection::Collection>,
    /// The outbox.
    outbox: outbox::Outbox,
    /// Per SKU, over every location: what the catalog's availability
    /// filter and best-selling sort read.
    by_sku: FxHashMap<Arc<str>, SkuTotals>,
}

#[derive(Debug, Default, Clone, Copy)]
struct SkuTotals {
    available: i64,
    unlimited_locations: u32,
    locations: u32,
    sold: u64,
}

impl SkuTotals {
    fn facts(&self) -> SkuFacts {
        SkuFacts {
            available: self.available,
            unlimited: self.unlimited_locations > 0,
            tracked: self.locations > 0,
            sold: self.sold,
        }
    }
}

fn unlimited(record: &StockRecord) -> u32 {
    u32::from(!matches!(record.policy, StockPolicy::Deny))
}

impl State {
    /// Writes `after` for `key` and keeps the per-SKU totals in step;
    /// `sold` units were committed by this write.
    fn put_stock(&mut self, key: &StockKey, after: StockRecord, sold: u64) {
        let before = match self.stock.get_mut(key) {
            Some(record) => Some(std::mem::replace(record, after)),
            None => {
                self.stock.insert(key.clone(), after);
                None
            }
        };
        let totals = match self.by_sku.get_mut(&key.sku) {
            Some(t) => t,
            None => self.by_sku.entry(key.sku.clone()).or_default(),
        };
        match before {
            Some(b) => {
                totals.available += after.level.available() - b.level.available();
                totals.unlimited_locations -= unlimited(&b);
            }
            None => {
                totals.available += after.level.available();
                totals.locations += 1;
            }
        }
        totals.unlimited_locations += unlimited(&after);
        totals.sold += sold;
    }

    /// The versions `writes` would get, or the first stale one.
    fn check_writes(&self, writes: &[DocumentWrite]) -> Result<Vec<u64>> {
        let mut versions = Vec::with_capacity(writes.len());
        for (i, w) in writes.iter().enumerate() {
            let twice = writes[..i]
                .iter()
                .any(|o| o.collection == w.collection && o.id == w.id);
            let current = self.document(&w.collection, &w.id).map(|d| d.version);
            if twice || current != w.expected {
                return Err(Error::ConcurrentModification {
                    entity: format!("{}/{}", w.collection, shown(&w.id)),
                    expected: w.expected,
                    current,
                });
            }
            versions.push(current.unwrap_or(0) + 1);
        }
        Ok(versions)
    }

    fn document(&self, collection: &str, id: &str) -> Option<&Versioned> {
        self.documents.get(collection)?.get(id)
    }

    /// The documents of `collection` with ids after `after` (none: from
    /// the start), in id order.
    fn page<'s>(
        &'s mut self,
        collection: &str,
        after: Option<&'s str>,
    ) -> impl Iterator<Item = (&'s str, &'s Versioned)> + 's {
        if let Some(docs) = self.documents.get_mut(collection) {
            docs.settle();
        }
        self.documents
            .get(collection)
            .into_iter()
            .flat_map(move |docs| docs.after(after))
    }

    /// Saves `doc` as `id` in `collection` (created on its first document).
    fn put_document(&mut self, collection: &str, id: &str, doc: Versioned) {
        match self.documents.get_mut(collection) {
            Some(docs) => docs.put(id, doc),
            None => {
                let mut docs = collection::Collection::default();
                docs.put(id, doc);
                self.documents.insert(collection.to_owned(), docs);
            }
        }
    }

    fn write_all(&mut self, writes: Vec<DocumentWrite>, versions: &[u64]) {
        for (w, &version) in writes.into_iter().zip(versions) {
            let value = w.value;
            self.put_document(&w.collection, &w.id, Versioned { value, version });
        }
    }

    fn sku_facts(&self, sku: &str) -> SkuFacts {
        self.by_sku
            .get(sku)
            .map(SkuTotals::facts)
            .unwrap_or_default()
    }

    fn append(&mut self, events: Vec<NewEvent>) {
        self.outbox.append(events);
    }
}

/// A thread-safe store in memory: the default for tests and for hosts that
/// persist elsewhere.
///
/// # Examples
///
/// ```
/// use kassa::store::{EventLog, MemoryStore};
/// let store = MemoryStore::new();
/// assert!(store.events_since(0, 10)?.is_empty());
/// # Ok::<(), kassa::Error>(())
/// ```
#[derive(Debug, Default)]
pub struct MemoryStore {
    state: Mutex<State>,
    catalog: RwLock<CatalogIndex>,
    /// Moved on by every catalog write ([`super::CatalogStore::catalog_generation`]).
    catalog_generation: std::sync::atomic::AtomicU64,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        MemoryStore::default()
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic while holding the lock cannot leave a half-written change:
        // every operation computes its result before mutating. So a poisoned
        // lock still guards consistent state.
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl InventoryStore for MemoryStore {
    fn stock(&self, key: &StockKey) -> Result<Option<StockRecord>> {
        Ok(self.lock().stock.get(key).copied())
    }

    fn apply_stock(
        &self,
        key: &StockKey,
        change: &StockChange,
        events: EventsFor<'_>,
    ) -> Result<StockRecord> {
        let mut state = self.lock();
        let before = state.stock.get(key).copied();
        let after = apply_change(before.as_ref(), change)?;
        let new_events = events(&before.unwrap_or_default(), &after);
        state.put_stock(key, after, 0);
        state.append(new_events);
        Ok(after)
    }

    fn reserve(&self, reservation: &Reservation, events: EventsFor<'_>) -> Result<StockRecord> {
        let mut state = self.lock();
        let before = *state
            .stock
            .get(&reservation.key)
            .ok_or_else(|| Error::UnknownStock {
                sku: shown(&reservation.key.sku),
                location: shown(&reservation.key.location),
            })?;
        if state.reservations.contains_key(&reservation.id) {
            return Err(Error::InvalidStockOperation {
                operation: "reserve",
                reason: format!(
                    "reservation id {:?} is already in use",
                    shown(&reservation.id)
                ),
            });
        }
        let mut after = before;
        after.level = before.level.reserve(reservation.qty, before.policy)?;
        after.version += 1;
        let new_events = events(&before, &after);
        state.put_stock(&reservation.key, after, 0);
        state
            .expiry
            .insert((reservation.expires_at, reservation.id.clone()), ());
        state
            .reservations
            .insert(reservation.id.clone(), reservation.clone());
        state.append(new_events);
        Ok(after)
    }

    fn reserve_all_and_write(
        &self,
        reservations: &[Reservation],
        events: ReservationEvents<'_>,
        writes: Vec<DocumentWrite>,
    ) -> Result<(Vec<StockRecord>, Vec<u64>)> {
        let mut state = self.lock();
        let versions = state.check_writes(&writes)?;
        // Apply in order to scratch copies: a failure leaves the state untouched.
        let mut scratch = scratch::ScratchStock::for_steps(reservations.len());
        let mut steps = Vec::with_capacity(reservations.len());
        for (i, r) in reservations.iter().enumerate() {
            if state.reservations.contains_key(&r.id)
                || reservations[..i].iter().any(|o| o.id == r.id)
            {
                return Err(Error::InvalidStockOperation {
                    operation: "reserve",
                    reason: format!("reservation id {:?} is already in use", shown(&r.id)),
                });
            }
            let before = match scratch.get(&r.key) {
                Some(record) => record,
                None => *state.stock.get(&r.key).ok_or_else(|| Error::UnknownStock {
                    sku: shown(&r.key.sku),
                    location: shown(&r.key.location),
                })?,
            };
            let mut after = before;
            after.level = before.level.reserve(r.qty, before.policy).map_err(|e| {
                let start = state.stock.get(&r.key).map_or(0, |s| s.level.available());
                r.shortfall_in(reservations, start, e)
            })?;
            after.version += 1;
            scratch.insert(&r.key, after);
            steps.push((before, after));
        }
        // A reservation's event, and a low-stock one now and then (room
        // for one: the vector grows in the rare case).
        let mut new_events = Vec::with_capacity(reservations.len() + 1);
        for (r, (before, after)) in reservations.iter().zip(&steps) {
            events(r, before, after, &mut new_events);
            state.put_stock(&r.key, *after, 0);
            state.expiry.insert((r.expires_at, r.id.clone()), ());
            state.reservations.insert(r.id.clone(), r.clone());
        }
        state.write_all(writes, &versions);
        state.append(new_events);
        let afters = steps.into_iter().map(|(_, after)| after).collect();
        Ok((afters, versions))
    }

    fn settle(
        &self,
        id: &str,
        commit: bool,
        events: ReservationEvents<'_>,
    ) -> Result<(Reservation, StockRecord)> {
        let mut state = self.lock();
        let reservation = state
            .reservations
            .get(id)
            .cloned()
            .ok_or_else(|| Error::UnknownReservation { id: shown(id) })?;
        let before = state
            .stock
            .get(&reservation.key)
            .copied()
            .unwrap_or_default();
        let mut after = before;
        after.level = if commit {
            before.level.commit(reservation.qty)?
        } else {
            before.level.release(reservation.qty)?
        };
        after.version += 1;
        let mut new_events = Vec::with_capacity(1);
        events(&reservation, &before, &after, &mut new_events);
        let sold = if commit { reservation.qty } else { 0 };
        state.put_stock(&reservation.key, after, sold);
        state.reservations.remove(id);
        state
            .expiry
            .remove(&(reservation.expires_at, reservation.id.clone()));
        state.append(new_events);
        Ok((reservation, after))
    }

    fn expired(&self, now: Timestamp, limit: usize) -> Result<Vec<Reservation>> {
        let state = self.lock();
        Ok(state
            .expiry
            .keys()
            .take_while(|(at, _)| *at <= now)
            .take(limit)
            .filter_map(|(_, id)| state.reservations.get(id).cloned())
            .collect())
    }
}

impl DocumentStore for MemoryStore {
    fn keeps_values(&self) -> bool {
        true
    }

    fn load(&self, collection: &str, id: &str) -> Result<Option<Versioned>> {
        Ok(self.lock().document(collection, id).cloned())
    }

    fn save(
        &self,
        collection: &str,
        id: &str,
        expected: Option<u64>,
        value: Body,
        events: Vec<NewEvent>,
    ) -> Result<u64> {
        let mut state = self.lock();
        let saved = match state.documents.get_mut(collection) {
            Some(docs) => docs.put_if(id, expected, value),
            None if expected.is_none() => {
                state.put_document(collection, id, Versioned { value, version: 1 });
                Ok(1)
            }
            None => Err(None),
        };
        match saved {
            Ok(version) => {
                state.append(events);
                Ok(version)
            }
            Err(current) => Err(Error::ConcurrentModification {
                entity: format!("{collection}/{}", shown(id)),
                expected,
                current,
            }),
        }
    }

    fn scan(
        &self,
        collection: &str,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Vec<(String, Versioned)>> {
        Ok(self
            .lock()
            .page(collection, after)
            .take(limit)
            .map(|(id, doc)| (id.to_owned(), doc.clone()))
            .collect())
    }

    fn delete(&self, collection: &str, id: &str, expected: u64) -> Result<()> {
        let mut state = self.lock();
        let current = state.document(collection, id).map(|d| d.version);
        if current != Some(expected) {
            return Err(Error::ConcurrentModification {
                entity: format!("{collection}/{}", shown(id)),
                expected: Some(expected),
                current,
            });
        }
        if let Some(docs) = state.documents.get_mut(collection) {
            docs.remove(id);
        }
        Ok(())
    }

    fn scan_versions(
        &self,
        collection: &str,
        after: Option<&str>,
        limit: usize,
        visit: &mut dyn FnMut(&str, u64),
    ) -> Result<usize> {
        let mut state = self.lock();
        let mut visited = 0;
        for (id, doc) in state.page(collection, after).take(limit) {
            visit(id, doc.version);
            visited += 1;
        }
        Ok(visited)
    }

    fn save_all(&self, writes: Vec<DocumentWrite>, events: Vec<NewEvent>) -> Result<Vec<u64>> {
        let mut state = self.lock();
        let versions = state.check_writes(&writes)?;
        state.write_all(writes, &versions);
        state.append(events);
        Ok(versions)
    }
}

impl OrderStore for MemoryStore {
    fn place_order(
        &self,
        writes: Vec<DocumentWrite>,
        commit: &[ReservationId],
        events: Vec<NewEvent>,
        committed: &(dyn Fn(&Reservation, &StockRecord) -> NewEvent + Sync),
    ) -> Result<Vec<u64>> {
        let mut state = self.lock();
        let versions = state.check_writes(&writes)?;
        // Check every step on scratch records first, borrowing the state:
        // a failure leaves it untouched.
        let mut afters = Vec::with_capacity(commit.len());
        {
            let mut scratch = scratch::ScratchStock::for_steps(commit.len());
            for id in commit {
                let r = state
                    .reservations
                    .get(id)
                    .ok_or_else(|| Error::UnknownReservation { id: shown(id) })?;
                let before = match scratch.get(&r.key) {
                    Some(record) => record,
                    None => state.stock.get(&r.key).copied().unwrap_or_default(),
                };
                let mut after = before;
                after.level = before.level.commit(r.qty)?;
                after.version += 1;
                scratch.insert(&r.key, after);
                afters.push(after);
            }
        }
        state.write_all(writes, &versions);
        let mut all = events;
        all.reserve(commit.len());
        for (id, after) in commit.iter().zip(afters) {
            // Checked above, and the lock has been held since.
            let Some(r) = state.reservations.remove(id) else {
                continue;
            };
            all.push(committed(&r, &after));
            state.put_stock(&r.key, after, r.qty);
            state.expiry.remove(&(r.expires_at, r.id));
        }
        state.append(all);
        Ok(versions)
    }

    fn change_order(
        &self,
        writes: Vec<DocumentWrite>,
        stock: &[(StockKey, StockChange)],
        events: Vec<NewEvent>,
        changed: StockEvents<'_>,
    ) -> Result<Vec<u64>> {
        let mut state = self.lock();
        let versions = state.check_writes(&writes)?;
        let mut scratch: FxHashMap<&StockKey, StockRecord> = FxHashMap::default();
        let mut all = events;
        for (key, change) in stock {
            let before = match scratch.get(key) {
                Some(record) => Some(*record),
                None => state.stock.get(key).copied(),
            };
            let after = apply_change(before.as_ref(), change)?;
            all.extend(changed(key, &before.unwrap_or_default(), &after));
            scratch.insert(key, after);
        }
        state.write_all(writes, &versions);
        for (key, after) in scratch {
            state.put_stock(key, after, 0);
        }
        state.append(all);
        Ok(versions)
    }
}

impl EventLog for MemoryStore {
    fn events_since(&self, cursor: u64, limit: usize) -> Result<Vec<Event>> {
        Ok(self.lock().outbox.since(cursor, limit))
    }

    fn discard_events(&self, cursor: u64) -> Result<()> {
        self.lock().outbox.discard(cursor);
        Ok(())
    }
}
