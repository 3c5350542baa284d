//! The in-memory store: every trait, behind one lock.
//!
//! One `Mutex` guards the whole state, so each trait operation (state change
//! plus its events) is atomic and the outbox order is the write order. A
//! reserve/release pair takes well under a microsecond uncontended (see
//! benches/README.md); contended writers queue on the lock, which is what a
//! single SQLite writer does too.

use std::collections::BTreeMap;
use std::sync::{Mutex, MutexGuard};

use rustc_hash::FxHashMap;
use serde_json::Value;

use super::{
    apply_change, DocumentStore, Event, EventLog, EventsFor, InventoryStore, NewEvent, StockChange,
    Versioned,
};
use crate::error::{shown, Error, Result};
use crate::inventory::{Reservation, StockKey, StockRecord};
use crate::pricing::Timestamp;

#[derive(Debug, Default)]
struct State {
    stock: FxHashMap<StockKey, StockRecord>,
    reservations: FxHashMap<String, Reservation>,
    /// (expires_at, id) of open reservations, for sweeping in order.
    expiry: BTreeMap<(Timestamp, String), ()>,
    documents: FxHashMap<(String, String), Versioned>,
    events: Vec<Event>,
}

impl State {
    fn append(&mut self, events: Vec<NewEvent>) {
        for e in events {
            let cursor = self.events.len() as u64 + 1;
            self.events.push(Event {
                cursor,
                id: e.id,
                at: e.at,
                kind: e.kind,
            });
        }
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
        match state.stock.get_mut(key) {
            Some(record) => *record = after,
            None => {
                state.stock.insert(key.clone(), after);
            }
        }
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
        if let Some(record) = state.stock.get_mut(&reservation.key) {
            *record = after;
        }
        state
            .expiry
            .insert((reservation.expires_at, reservation.id.clone()), ());
        state
            .reservations
            .insert(reservation.id.clone(), reservation.clone());
        state.append(new_events);
        Ok(after)
    }

    fn settle(
        &self,
        id: &str,
        commit: bool,
        events: &(dyn Fn(&Reservation, &StockRecord, &StockRecord) -> Vec<NewEvent> + Sync),
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
        let new_events = events(&reservation, &before, &after);
        match state.stock.get_mut(&reservation.key) {
            Some(record) => *record = after,
            None => {
                state.stock.insert(reservation.key.clone(), after);
            }
        }
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
    fn load(&self, collection: &str, id: &str) -> Result<Option<Versioned>> {
        Ok(self
            .lock()
            .documents
            .get(&(collection.to_owned(), id.to_owned()))
            .cloned())
    }

    fn save(
        &self,
        collection: &str,
        id: &str,
        expected: Option<u64>,
        value: Value,
        events: Vec<NewEvent>,
    ) -> Result<u64> {
        let mut state = self.lock();
        let key = (collection.to_owned(), id.to_owned());
        let current = state.documents.get(&key).map(|d| d.version);
        if current != expected {
            return Err(Error::ConcurrentModification {
                entity: format!("{collection}/{}", shown(id)),
                expected,
                current,
            });
        }
        let version = current.unwrap_or(0) + 1;
        state.documents.insert(key, Versioned { value, version });
        state.append(events);
        Ok(version)
    }
}

impl EventLog for MemoryStore {
    fn events_since(&self, cursor: u64, limit: usize) -> Result<Vec<Event>> {
        let state = self.lock();
        let start = usize::try_from(cursor)
            .unwrap_or(usize::MAX)
            .min(state.events.len());
        Ok(state.events[start..].iter().take(limit).cloned().collect())
    }
}
