//! Differential testing of stores: random operation sequences whose
//! results (values, error codes, outbox) must be identical on the
//! in-memory store and on any other store.
//!
//! A store crate runs [`op`] sequences through two [`World`]s and compares
//! each [`World::apply`] and the final [`World::snapshot`].

use std::sync::Arc;

use proptest::prelude::*;
use serde_json::json;

use crate::catalog::{CatalogQuery, Category, Facet, Product, ProductStatus, Sort, Variant};
use crate::engine::{Engine, ManualClock, SequentialIds};
use crate::inventory::{StockKey, StockPolicy};
use crate::money::{Currency, Money};
use crate::pricing::Timestamp;
use crate::store::{DocumentWrite, Store};

/// One operation of a random sequence.
#[derive(Debug, Clone)]
#[allow(missing_docs)]
pub enum Op {
    Configure {
        key: usize,
        policy: u8,
    },
    Adjust {
        key: usize,
        delta: i64,
    },
    SetAside {
        key: usize,
        delta: i64,
    },
    Reserve {
        key: usize,
        qty: u64,
        ttl: i64,
    },
    ReserveItems {
        a: usize,
        b: usize,
        qty: u64,
    },
    Settle {
        which: usize,
        commit: bool,
    },
    Fulfil {
        key: usize,
        qty: u64,
    },
    Advance {
        ms: i64,
    },
    Sweep,
    Save {
        doc: usize,
        expected: Option<u64>,
        n: u32,
    },
    SaveAll {
        a: usize,
        b: usize,
        expected: Option<u64>,
    },
    Product {
        id: usize,
        sku: usize,
        cents: i64,
        category: bool,
    },
    Category {
        id: usize,
        parent: Option<usize>,
    },
    Query {
        in_stock: bool,
        best: bool,
    },
    Discard {
        upto: u64,
    },
}

const SKUS: [&str; 3] = ["TEE", "CAP", "MUG"];
const LOCATIONS: [&str; 2] = ["main", "north"];

fn key(i: usize) -> StockKey {
    StockKey::new(SKUS[i % 3], LOCATIONS[(i / 3) % 2])
}

/// Random operations over three SKUs at two locations, documents, the
/// catalog and the outbox.
pub fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        (0..6usize, 0..3u8).prop_map(|(key, policy)| Op::Configure { key, policy }),
        (0..6usize, -5..20i64).prop_map(|(key, delta)| Op::Adjust { key, delta }),
        (0..6usize, -3..4i64).prop_map(|(key, delta)| Op::SetAside { key, delta }),
        (0..6usize, 0..6u64, 1..3_000i64).prop_map(|(key, qty, ttl)| Op::Reserve { key, qty, ttl }),
        (0..6usize, 0..6usize, 1..5u64).prop_map(|(a, b, qty)| Op::ReserveItems { a, b, qty }),
        (0..8usize, any::<bool>()).prop_map(|(which, commit)| Op::Settle { which, commit }),
        (0..6usize, 1..4u64).prop_map(|(key, qty)| Op::Fulfil { key, qty }),
        (1..2_000i64).prop_map(|ms| Op::Advance { ms }),
        Just(Op::Sweep),
        (0..3usize, proptest::option::of(0..3u64), any::<u32>())
            .prop_map(|(doc, expected, n)| Op::Save { doc, expected, n }),
        (0..3usize, 0..3usize, proptest::option::of(0..3u64))
            .prop_map(|(a, b, expected)| Op::SaveAll { a, b, expected }),
        (0..3usize, 0..4usize, 1..5_000i64, any::<bool>()).prop_map(
            |(id, sku, cents, category)| Op::Product {
                id,
                sku,
                cents,
                category
            }
        ),
        (0..3usize, proptest::option::of(0..3usize))
            .prop_map(|(id, parent)| Op::Category { id, parent }),
        (any::<bool>(), any::<bool>()).prop_map(|(in_stock, best)| Op::Query { in_stock, best }),
        (0..40u64).prop_map(|upto| Op::Discard { upto }),
    ]
}

/// One engine and what the sequence has made so far.
#[derive(Debug)]
pub struct World<S> {
    engine: Engine<S>,
    clock: Arc<ManualClock>,
    reservations: Vec<crate::inventory::ReservationId>,
}

impl<S: Store> World<S> {
    /// A world over `store`, its clock at 1,000 ms, sequential ids.
    pub fn new(store: S) -> Self {
        let clock = Arc::new(ManualClock::new(Timestamp(1_000)));
        World {
            engine: Engine::new(store, clock.clone(), Arc::new(SequentialIds::default())),
            clock,
            reservations: Vec::new(),
        }
    }

    /// Applies `op`; the result as text (a value or an error code).
    pub fn apply(&mut self, op: &Op) -> String {
        fn show<T: std::fmt::Debug>(r: crate::Result<T>) -> String {
            match r {
                Ok(v) => format!("ok {v:?}"),
                Err(e) => format!("err {}", e.code()),
            }
        }
        let e = &self.engine;
        match op {
            Op::Configure { key: k, policy } => {
                let policy = match policy {
                    0 => StockPolicy::Deny,
                    1 => StockPolicy::Backorder { limit: Some(3) },
                    _ => StockPolicy::NotTracked,
                };
                show(e.configure_stock(&key(*k), policy, Some(2)))
            }
            Op::Adjust { key: k, delta } => show(e.adjust_stock(&key(*k), *delta, "count")),
            Op::SetAside { key: k, delta } => show(e.set_aside(&key(*k), *delta, "damaged")),
            Op::Reserve { key: k, qty, ttl } => {
                let r = e.reserve(&key(*k), *qty, *ttl);
                if let Ok(r) = &r {
                    self.reservations.push(r.id.clone());
                }
                show(r)
            }
            Op::ReserveItems { a, b, qty } => {
                let items = [(SKUS[a % 3], *qty), (SKUS[b % 3], 1)];
                let r = e.reserve_items("main", &items, 1_000);
                if let Ok(list) = &r {
                    self.reservations.extend(list.iter().map(|r| r.id.clone()));
                }
                show(r)
            }
            Op::Settle { which, commit } => {
                let Some(id) = self.reservations.get(*which).cloned() else {
                    return "none".into();
                };
                if *commit {
                    show(e.commit(&id))
                } else {
                    show(e.release(&id))
                }
            }
            Op::Fulfil { key: k, qty } => show(e.fulfil(&key(*k), *qty)),
            Op::Advance { ms } => {
                self.clock.advance(*ms);
                "advanced".into()
            }
            Op::Sweep => show(e.sweep_expired(100)),
            Op::Save { doc, expected, n } => show(e.store().save(
                "notes",
                &format!("d{doc}"),
                *expected,
                json!({ "n": n }).into(),
                Vec::new(),
            )),
            Op::SaveAll { a, b, expected } => {
                let write = |d: usize| DocumentWrite {
                    collection: "notes".into(),
                    id: format!("d{d}").into(),
                    expected: *expected,
                    value: json!({ "both": [a, b] }).into(),
                };
                show(e.store().save_all(vec![write(*a), write(*b)], Vec::new()))
            }
            Op::Product {
                id,
                sku,
                cents,
                category,
            } => {
                let mut p = Product::new(format!("p{id}"), format!("Product {id}"));
                p.status = ProductStatus::Active;
                if *category {
                    p.categories = vec!["c0".into()];
                }
                let mut v = Variant::new(["TEE", "CAP", "MUG", "HAT"][*sku]);
                v.prices = vec![Money::from_minor_units(*cents, Currency::EUR)];
                p.variants.push(v);
                match e.product(&p.id) {
                    Ok((_, version)) => show(e.update_product(p, version)),
                    Err(_) => show(e.create_product(p)),
                }
            }
            Op::Category { id, parent } => show(e.put_category(Category {
                id: format!("c{id}"),
                name: format!("Category {id}"),
                parent: parent.map(|p| format!("c{p}")),
                position: 0,
            })),
            Op::Query { in_stock, best } => {
                let query = CatalogQuery {
                    in_stock: *in_stock,
                    sort: if *best {
                        Sort::BestSelling
                    } else {
                        Sort::PriceAsc
                    },
                    currency: Some(Currency::EUR),
                    facets: vec![Facet::InStock, Facet::Categories],
                    ..CatalogQuery::default()
                };
                show(e.query(&query))
            }
            Op::Discard { upto } => show(e.discard_events(*upto)),
        }
    }

    /// Stock, documents, the outbox and the catalog, as text.
    pub fn snapshot(&self) -> String {
        let e = &self.engine;
        let stock: Vec<_> = (0..6)
            .map(|k| e.stock(&key(k)).map(|s| s.map(|s| s.level)))
            .collect();
        let docs = e.store().scan("notes", None, 100);
        let events = e.events_since(0, 10_000);
        let products = e.query(&CatalogQuery::default());
        format!("{stock:?}\n{docs:?}\n{events:?}\n{products:?}")
    }
}
