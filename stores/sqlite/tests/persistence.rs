//! What only a file can show: state survives reopening, several stores on
//! one file (as several processes would) see each other's writes and never
//! oversell together, and bad files are refused with typed errors.

use std::sync::Arc;

use kassa::catalog::{
    AttributeDef, AttributeKind, CatalogQuery, Category, Collection, CollectionRule,
};
use kassa::engine::{CheckoutOptions, Engine, ManualClock, NodeIds};
use kassa::inventory::StockKey;
use kassa::payment::TestGateway;
use kassa::pricing::Timestamp;
use kassa::testing::conformance::{self, Outcome};
use kassa::testing::fixtures::{ready_cart, tee_shop};
use kassa::testing::shared;
use kassa_sqlite::{SqliteOptions, SqliteStore, Synchronous};

fn engine(path: &std::path::Path, node: &str) -> Engine<SqliteStore> {
    Engine::new(
        SqliteStore::open(path).unwrap(),
        Arc::new(ManualClock::new(Timestamp(1_000))),
        Arc::new(NodeIds::new(node)),
    )
}

#[test]
fn everything_survives_reopening() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("shop.db");
    let key = StockKey::new("TEE", "main");
    let (order, cursor, reservation) = {
        let e = engine(&path, "a");
        e.put_category(Category {
            id: "apparel".into(),
            name: "Apparel".into(),
            parent: None,
            position: 0,
        })
        .unwrap();
        e.define_attribute(AttributeDef::new("fabric", "Fabric", AttributeKind::Text))
            .unwrap();
        e.put_collection(Collection {
            id: "picks".into(),
            name: "Picks".into(),
            rule: CollectionRule::Manual {
                products: vec!["tee".into()],
            },
        })
        .unwrap();
        tee_shop(&e, 10, Some(5)).unwrap();
        let cart = ready_cart(&e, 2, true).unwrap();
        let order = e
            .complete_checkout(
                &cart,
                "k1",
                &TestGateway::default(),
                &CheckoutOptions::default(),
            )
            .unwrap();
        let held = e.reserve(&key, 3, 60_000).unwrap();
        let cursor = e.events_since(0, 10_000).unwrap().last().unwrap().cursor;
        (order, cursor, held.id)
    };
    let e = engine(&path, "b");
    assert_eq!(e.order(&order.id).unwrap().0, *order);
    let level = e.stock(&key).unwrap().unwrap().level;
    assert_eq!((level.on_hand, level.committed, level.reserved), (10, 2, 3));
    assert_eq!(e.categories().unwrap()[0].name, "Apparel");
    assert_eq!(e.collection("picks").unwrap().name, "Picks");
    assert_eq!(e.product_by_sku("TEE").unwrap().0.id, "tee");
    let page = e.query(&CatalogQuery::default()).unwrap();
    assert_eq!(page.total, 1);
    // The outbox continues after the last cursor, and ids from the new node
    // never collide with the old ones.
    e.release(&reservation).unwrap();
    let next = e.events_since(cursor, 10).unwrap();
    assert_eq!(next.len(), 1);
    assert_eq!(next[0].cursor, cursor + 1);
    // The same key replays the stored order after the reopen.
    let again = e
        .complete_checkout(
            &order.cart,
            "k1",
            &TestGateway::default(),
            &CheckoutOptions::default(),
        )
        .unwrap();
    assert_eq!(again, order);
}

#[test]
fn cursors_are_never_reused_after_discarding_and_reopening() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("shop.db");
    let last = {
        let e = engine(&path, "a");
        let key = StockKey::new("TEE", "main");
        for _ in 0..5 {
            e.adjust_stock(&key, 1, "count").unwrap();
        }
        let last = e.events_since(0, 100).unwrap().last().unwrap().cursor;
        e.discard_events(last).unwrap();
        assert!(e.events_since(0, 100).unwrap().is_empty());
        last
    };
    let e = engine(&path, "b");
    e.adjust_stock(&StockKey::new("TEE", "main"), 1, "count")
        .unwrap();
    let events = e.events_since(0, 100).unwrap();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].cursor, last + 1);
}

/// Runs a shared check on two stores opened on one new file.
fn two_stores_on_one_file(check: fn(SqliteStore, SqliteStore) -> Outcome) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("shop.db");
    let open = || SqliteStore::open(&path).unwrap();
    check(open(), open()).unwrap();
}

#[test]
fn two_stores_on_one_file_see_each_others_catalog_writes() {
    two_stores_on_one_file(shared::both_see_the_catalog);
}

#[test]
fn a_checkout_prices_what_another_store_on_the_file_just_wrote() {
    two_stores_on_one_file(shared::checkout_prices_the_latest_catalog);
}

#[test]
fn checkouts_through_two_stores_on_the_file_in_turn_sell_exactly() {
    two_stores_on_one_file(shared::checkouts_in_turn_sell_exactly);
}

#[test]
fn two_stores_on_one_file_never_oversell_together() {
    two_stores_on_one_file(shared::together_never_oversell);
}

#[test]
fn every_engine_opened_on_a_file_gets_its_own_node() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("shop.db");
    let first = SqliteStore::open(&path).unwrap().allocate_node().unwrap();
    let second = SqliteStore::open(&path).unwrap().allocate_node().unwrap();
    assert_eq!((first, second), (1, 2));
    let e = kassa_sqlite::open(&path).unwrap();
    let key = StockKey::new("TEE", "main");
    e.adjust_stock(&key, 1, "count").unwrap();
    let held = e.reserve(&key, 1, 60_000).unwrap();
    assert!(held.id.starts_with("res_n3_"), "{}", held.id);
}

#[test]
fn a_file_from_a_newer_build_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("shop.db");
    drop(SqliteStore::open(&path).unwrap());
    // A newer build migrated the file past what this one knows.
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute("UPDATE kassa_schema SET version = version + 1", [])
        .unwrap();
    drop(conn);
    let err = SqliteStore::open(&path).unwrap_err();
    assert_eq!(err.code(), "schema_too_new");
    assert_eq!(err.kind(), kassa::ErrorKind::Storage);
    assert!(err
        .to_string()
        .contains(&format!("{}", kassa_sqlite::SCHEMA_VERSION + 1)));
}

#[test]
fn a_file_that_is_not_a_database_is_a_storage_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("notes.txt");
    std::fs::write(&path, "not a database, just some words ".repeat(100)).unwrap();
    let err = SqliteStore::open(&path).unwrap_err();
    assert_eq!(err.code(), "storage_error");
    assert!(err.to_string().contains("sqlite"), "{err}");
}

#[test]
fn hostile_text_builds_no_statement() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("shop.db");
    let store = SqliteStore::open_with(
        &path,
        SqliteOptions {
            synchronous: Synchronous::Full,
            ..SqliteOptions::default()
        },
    )
    .unwrap();
    conformance::hostile_keys_and_documents_round_trip(store).unwrap();
    // No statement was built from a value: every table is still there.
    let conn = rusqlite::Connection::open(&path).unwrap();
    let tables: i64 = conn
        .query_row(
            "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN \
             ('documents', 'stock', 'events', 'products', 'reservations')",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(tables, 5);
}

#[test]
fn expired_reservations_are_swept_from_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let clock = Arc::new(ManualClock::new(Timestamp(0)));
    let e = Engine::new(
        SqliteStore::open(dir.path().join("shop.db")).unwrap(),
        clock.clone(),
        Arc::new(NodeIds::new("s")),
    );
    let key = StockKey::new("TEE", "main");
    e.adjust_stock(&key, 10, "delivery").unwrap();
    let short = e.reserve(&key, 2, 1_000).unwrap();
    let long = e.reserve(&key, 3, 60_000).unwrap();
    clock.advance(999);
    assert_eq!(e.sweep_expired(100).unwrap(), 0);
    clock.advance(1);
    assert_eq!(e.sweep_expired(100).unwrap(), 1);
    assert_eq!(
        e.release(&short.id).unwrap_err().code(),
        "unknown_reservation"
    );
    assert_eq!(e.stock(&key).unwrap().unwrap().level.reserved, 3);
    e.commit(&long.id).unwrap();
    assert_eq!(e.stock_total("TEE").unwrap().sold, 3);
}

/// A CSV of `products` two-variant products where some rows are bad: a SKU
/// already used by an earlier product, a price with too many decimals, an
/// unknown category.
fn messy_csv(products: usize) -> String {
    let mut csv = String::from(
        "product_id,name,status,categories,tags,attributes,sku,options,prices,components\n",
    );
    let mut row = 0;
    for p in 0..products {
        for v in 0..2 {
            row += 1;
            let sku = if row % 53 == 0 && p > 10 {
                format!("SKU-{}-0", p - 7)
            } else {
                format!("SKU-{p}-{v}")
            };
            let price = if row % 71 == 0 {
                "1.001 EUR"
            } else {
                "12.50 EUR"
            };
            let category = if row % 97 == 0 { "nowhere" } else { "" };
            csv.push_str(&format!(
                "p{p},Product {p},active,{category},,,{sku},size={v},{price},\n"
            ));
        }
    }
    csv
}

#[test]
fn bulk_import_in_one_transaction_per_batch_matches_the_memory_store() {
    let dir = tempfile::tempdir().unwrap();
    let sqlite = engine(&dir.path().join("shop.db"), "a");
    let memory = Engine::new(
        kassa::store::MemoryStore::new(),
        Arc::new(ManualClock::new(Timestamp(1_000))),
        Arc::new(NodeIds::new("a")),
    );
    let csv = messy_csv(3_000);
    let from_sqlite = sqlite.import_csv(csv.as_bytes()).unwrap();
    let from_memory = memory.import_csv(csv.as_bytes()).unwrap();
    assert!(
        from_memory.errors.len() > 100,
        "{}",
        from_memory.errors.len()
    );
    assert!(from_memory.products > 2_500, "{}", from_memory.products);
    assert_eq!(from_sqlite, from_memory);
    let export = |e: &dyn Fn(&mut Vec<u8>) -> kassa::Result<()>| {
        let mut out = Vec::new();
        e(&mut out).unwrap();
        out
    };
    let a = export(&|out| sqlite.export_jsonl(out));
    let b = export(&|out| memory.export_jsonl(out));
    assert_eq!(a, b);
    // Reopened, the file holds the same catalog.
    drop(sqlite);
    let reopened = engine(&dir.path().join("shop.db"), "b");
    assert_eq!(export(&|out| reopened.export_jsonl(out)), b);
    assert_eq!(
        reopened.events_since(0, 100_000).unwrap().len(),
        memory.events_since(0, 100_000).unwrap().len()
    );
}
