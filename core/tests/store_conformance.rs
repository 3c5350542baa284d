//! The in-memory store passes the conformance suite, and a store with a
//! non-atomic reserve (read, then write), a reserve that checks lines one
//! by one, or a catalog generation that stands still fails the check made
//! for it.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use kassa::catalog::{
    AttributeDef, CatalogPage, CatalogQuery, Category, Collection, Product, Saved, SkuFacts,
};
use kassa::engine::{Engine, ManualClock, SequentialIds};
use kassa::inventory::{Reservation, StockKey, StockRecord};
use kassa::pricing::Timestamp;
use kassa::store::{
    apply_change, CatalogChange, CatalogStore, DocumentStore, DocumentWrite, Event, EventLog,
    EventsFor, InventoryStore, MemoryStore, NewEvent, OrderStore, ReservationEvents, StockChange,
    StockEvents, Versioned,
};
use kassa::testing::conformance;
use kassa::{Error, Result};

#[test]
fn memory_store_passes_the_conformance_suite() {
    conformance::check_all(&MemoryStore::new).unwrap();
}

#[test]
fn memory_store_sweeps_expired_reservations() {
    let clock = std::sync::Arc::new(ManualClock::new(Timestamp(0)));
    let engine = Engine::new(
        MemoryStore::new(),
        clock.clone(),
        std::sync::Arc::new(SequentialIds::default()),
    );
    let key = StockKey::new("TEE", "main");
    engine.adjust_stock(&key, 10, "delivery").unwrap();
    let short = engine.reserve(&key, 2, 1_000).unwrap();
    let long = engine.reserve(&key, 3, 60_000).unwrap();
    clock.advance(999);
    assert_eq!(engine.sweep_expired(100).unwrap(), 0);
    clock.advance(1);
    assert_eq!(engine.sweep_expired(100).unwrap(), 1);
    assert_eq!(
        engine.release(&short.id).unwrap_err().code(),
        "unknown_reservation"
    );
    assert_eq!(engine.stock(&key).unwrap().unwrap().level.reserved, 3);
    let last = engine.events_since(0, 100).unwrap().pop().unwrap();
    assert!(matches!(
        last.kind,
        kassa::store::EventKind::StockReleased { expired: true, .. }
    ));
    engine.commit(&long.id).unwrap();
}

/// Stock in a map whose reserve reads, yields, then writes: the classic
/// read-modify-write race the trait exists to forbid.
#[derive(Default)]
struct RacyStore {
    stock: Mutex<HashMap<StockKey, StockRecord>>,
    inner: MemoryStore,
    /// A catalog generation that never moves (`None`: the store numbers
    /// no writes, as the trait's default).
    frozen_generation: Option<u64>,
}

impl InventoryStore for RacyStore {
    fn stock(&self, key: &StockKey) -> Result<Option<StockRecord>> {
        Ok(self.stock.lock().unwrap().get(key).copied())
    }

    fn apply_stock(
        &self,
        key: &StockKey,
        change: &StockChange,
        events: EventsFor<'_>,
    ) -> Result<StockRecord> {
        let mut map = self.stock.lock().unwrap();
        let before = map.get(key).copied();
        let after = apply_change(before.as_ref(), change)?;
        let _ = events(&before.unwrap_or_default(), &after);
        map.insert(key.clone(), after);
        Ok(after)
    }

    fn reserve(&self, reservation: &Reservation, _events: EventsFor<'_>) -> Result<StockRecord> {
        let before = self.stock(&reservation.key)?.ok_or(Error::UnknownStock {
            sku: reservation.key.sku.to_string(),
            location: reservation.key.location.to_string(),
        })?;
        let mut after = before;
        after.level = before.level.reserve(reservation.qty, before.policy)?;
        std::thread::yield_now(); // another writer gets in here
        self.stock
            .lock()
            .unwrap()
            .insert(reservation.key.clone(), after);
        Ok(after)
    }

    fn reserve_all_and_write(
        &self,
        reservations: &[Reservation],
        _events: ReservationEvents<'_>,
        writes: Vec<DocumentWrite>,
    ) -> Result<(Vec<StockRecord>, Vec<u64>)> {
        // Each checked on its own: the demand is never added up; the
        // documents after, not atomically.
        let afters = reservations
            .iter()
            .map(|r| self.reserve(r, &|_, _| Vec::new()))
            .collect::<Result<Vec<_>>>()?;
        Ok((afters, self.inner.save_all(writes, Vec::new())?))
    }

    fn settle(
        &self,
        id: &str,
        _commit: bool,
        _events: ReservationEvents<'_>,
    ) -> Result<(Reservation, StockRecord)> {
        Err(Error::UnknownReservation { id: id.to_owned() })
    }

    fn expired(&self, _now: Timestamp, _limit: usize) -> Result<Vec<Reservation>> {
        Ok(Vec::new())
    }
}

impl DocumentStore for RacyStore {
    fn load(&self, collection: &str, id: &str) -> Result<Option<Versioned>> {
        self.inner.load(collection, id)
    }

    fn next_number(&self, name: &str) -> Result<u64> {
        self.inner.next_number(name)
    }

    fn save(
        &self,
        collection: &str,
        id: &str,
        expected: Option<u64>,
        value: kassa::store::Body,
        events: Vec<NewEvent>,
    ) -> Result<u64> {
        self.inner.save(collection, id, expected, value, events)
    }

    fn save_all(&self, writes: Vec<DocumentWrite>, events: Vec<NewEvent>) -> Result<Vec<u64>> {
        self.inner.save_all(writes, events)
    }

    fn delete(&self, collection: &str, id: &str, expected: u64) -> Result<()> {
        self.inner.delete(collection, id, expected)
    }

    fn scan(
        &self,
        collection: &str,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Vec<(String, Versioned)>> {
        self.inner.scan(collection, after, limit)
    }
}

impl EventLog for RacyStore {
    fn events_since(&self, cursor: u64, limit: usize) -> Result<Vec<Event>> {
        self.inner.events_since(cursor, limit)
    }

    fn discard_events(&self, cursor: u64) -> Result<()> {
        self.inner.discard_events(cursor)
    }
}

impl OrderStore for RacyStore {
    fn place_order(
        &self,
        writes: Vec<DocumentWrite>,
        commit: &[kassa::inventory::ReservationId],
        events: Vec<NewEvent>,
        committed: &(dyn Fn(&Reservation, &StockRecord) -> NewEvent + Sync),
    ) -> Result<Vec<u64>> {
        self.inner.place_order(writes, commit, events, committed)
    }

    fn change_order(
        &self,
        writes: Vec<DocumentWrite>,
        stock: &[(StockKey, StockChange)],
        events: Vec<NewEvent>,
        changed: StockEvents<'_>,
    ) -> Result<Vec<u64>> {
        self.inner.change_order(writes, stock, events, changed)
    }
}

impl CatalogStore for RacyStore {
    fn product(&self, id: &str) -> Result<Option<(Arc<Product>, u64)>> {
        self.inner.product(id)
    }
    fn product_by_sku(&self, sku: &str) -> Result<Option<(Arc<Product>, usize)>> {
        self.inner.product_by_sku(sku)
    }
    fn products_by_skus(&self, skus: &[&str]) -> Result<Vec<Option<kassa::store::VariantOf>>> {
        self.inner.products_by_skus(skus)
    }
    fn save_product(
        &self,
        product: Product,
        expected: Option<u64>,
        now: Timestamp,
        events: &dyn Fn(&Product, &Saved) -> Vec<NewEvent>,
    ) -> Result<Saved> {
        self.inner.save_product(product, expected, now, events)
    }
    fn change_catalog(&self, change: CatalogChange, events: Vec<NewEvent>) -> Result<()> {
        self.inner.change_catalog(change, events)
    }
    fn query_catalog(&self, query: &CatalogQuery) -> Result<CatalogPage> {
        self.inner.query_catalog(query)
    }
    fn categories(&self) -> Result<Vec<Category>> {
        self.inner.categories()
    }
    fn collection(&self, id: &str) -> Result<Option<Collection>> {
        self.inner.collection(id)
    }
    fn attribute(&self, code: &str) -> Result<Option<AttributeDef>> {
        self.inner.attribute(code)
    }
    fn all_products(&self) -> Result<Vec<Arc<Product>>> {
        self.inner.all_products()
    }
    fn sku_facts(&self, sku: &str) -> Result<SkuFacts> {
        self.inner.sku_facts(sku)
    }
    fn catalog_generation(&self) -> Option<u64> {
        self.frozen_generation
    }
}

#[test]
fn a_non_atomic_reserve_fails_the_concurrency_check() {
    // A race is a matter of scheduling: give it several chances to show.
    let failure = (0..20).find_map(|_| conformance::no_oversell(RacyStore::default()).err());
    let message = failure.expect("the conformance suite did not catch a read-then-write reserve");
    assert!(
        message.contains("oversell") || message.contains("lost update"),
        "{message}"
    );
}

#[test]
fn a_catalog_generation_that_stands_still_fails_its_check() {
    // Unnumbered, the wrapper passes: pricing reads the catalog every time.
    conformance::catalog_generation_follows_writes(RacyStore::default()).unwrap();
    let frozen = RacyStore {
        frozen_generation: Some(7),
        ..RacyStore::default()
    };
    let message = conformance::catalog_generation_follows_writes(frozen)
        .expect_err("a number that misses writes must be caught");
    assert!(message.contains("catalog generation"), "{message}");
}

#[test]
fn a_reserve_all_that_checks_lines_separately_fails_the_aggregation_check() {
    let message = conformance::reserve_all_adds_up_demand(RacyStore::default())
        .expect_err("checking each line on its own must be caught");
    assert!(message.contains("aggregated"), "{message}");
}
