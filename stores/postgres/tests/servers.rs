//! What only a shared database can show: several servers on one schema
//! see each other's writes and never oversell together, migrations run
//! once when servers start at once, and bad databases and settings are
//! refused with typed errors.

mod common;

use std::sync::{Arc, Barrier};
use std::thread;

use kassa::testing::conformance::Outcome;
use kassa::testing::shared;
use kassa_postgres::{PostgresOptions, PostgresStore, SCHEMA_VERSION};

/// Runs a shared check on two stores on one new schema, as two app
/// servers would open it (skipped, saying so, without a server).
fn on_two_servers(check: fn(PostgresStore, PostgresStore) -> Outcome) {
    let Some(url) = common::url("postgres servers") else {
        return;
    };
    let schemas = common::Schemas::new(url);
    let schema = schemas.name();
    check(schemas.store_in(&schema), schemas.store_in(&schema)).unwrap();
}

#[test]
fn two_servers_see_each_others_catalog_writes() {
    on_two_servers(shared::both_see_the_catalog);
}

#[test]
fn a_checkout_prices_what_another_server_just_wrote() {
    on_two_servers(shared::checkout_prices_the_latest_catalog);
}

#[test]
fn checkouts_through_two_servers_in_turn_sell_exactly() {
    on_two_servers(shared::checkouts_in_turn_sell_exactly);
}

#[test]
fn two_servers_never_oversell_together() {
    on_two_servers(shared::together_never_oversell);
}

#[test]
fn servers_starting_at_once_migrate_exactly_once() {
    let Some(url) = common::url("postgres servers") else {
        return;
    };
    let schemas = Arc::new(common::Schemas::new(url));
    let schema = schemas.name();
    let barrier = Arc::new(Barrier::new(6));
    let handles: Vec<_> = (0..6)
        .map(|_| {
            let (schemas, schema, barrier) =
                (Arc::clone(&schemas), schema.clone(), Arc::clone(&barrier));
            thread::spawn(move || {
                barrier.wait();
                schemas.store_in(&schema).schema_version().unwrap()
            })
        })
        .collect();
    for h in handles {
        assert_eq!(h.join().unwrap(), SCHEMA_VERSION);
    }
    let mut client = schemas.client();
    let rows = client
        .query_one(&format!("SELECT count(*) FROM {schema}.kassa_schema"), &[])
        .unwrap()
        .get::<_, i64>(0);
    assert_eq!(rows, 1);
    let counters = client
        .query_one(&format!("SELECT count(*) FROM {schema}.counters"), &[])
        .unwrap()
        .get::<_, i64>(0);
    assert_eq!(counters, 3, "the seed rows were inserted once");
}

#[test]
fn a_database_from_a_newer_build_is_refused() {
    let Some(url) = common::url("postgres servers") else {
        return;
    };
    let schemas = common::Schemas::new(url);
    let schema = schemas.name();
    drop(schemas.store_in(&schema));
    schemas
        .client()
        .batch_execute(&format!(
            "UPDATE {schema}.kassa_schema SET version = version + 1"
        ))
        .unwrap();
    let err = PostgresStore::connect_with(
        &schemas.url,
        PostgresOptions {
            schema: schema.clone(),
            ..PostgresOptions::default()
        },
    )
    .unwrap_err();
    assert_eq!(err.code(), "schema_too_new");
    assert_eq!(err.kind(), kassa::ErrorKind::Storage);
}

#[test]
fn bad_settings_and_unreachable_servers_are_typed_errors() {
    let Some(url) = common::url("postgres servers") else {
        return;
    };
    for bad in ["Shop", "a;drop schema public", "", "1x"] {
        let err = PostgresStore::connect_with(
            &url,
            PostgresOptions {
                schema: bad.into(),
                ..PostgresOptions::default()
            },
        )
        .unwrap_err();
        assert_eq!(err.code(), "invalid_field", "{bad:?}");
    }
    let err = PostgresStore::connect_with(
        "host=127.0.0.1 port=1 user=nobody dbname=none connect_timeout=2",
        PostgresOptions {
            connection_timeout: std::time::Duration::from_secs(2),
            ..PostgresOptions::default()
        },
    )
    .unwrap_err();
    assert_eq!(err.code(), "storage_error");
}

#[test]
fn every_server_gets_its_own_node_and_ids() {
    let Some(url) = common::url("postgres servers") else {
        return;
    };
    let schemas = common::Schemas::new(url);
    let schema = schemas.name();
    let a = schemas.store_in(&schema).allocate_node().unwrap();
    let b = schemas.store_in(&schema).allocate_node().unwrap();
    assert_eq!((a, b), (1, 2));
}

#[test]
fn events_left_by_an_older_build_keep_their_place() {
    use kassa::checkout::CheckoutState;
    use kassa::pricing::Timestamp;
    use kassa::store::{Body, DocumentStore, EventKind, EventLog, NewEvent};

    let Some(url) = common::url("postgres servers") else {
        return;
    };
    let schemas = common::Schemas::new(url);
    let schema = schemas.name();
    let store = schemas.store_in(&schema);
    let event = |id: &str| NewEvent {
        id: id.into(),
        at: Timestamp(1),
        kind: EventKind::CartUpdated {
            cart: format!("cart-{id}").into(),
            version: 1,
            checkout: CheckoutState::Cart,
        },
    };
    let body = || Body::from_text("{}");
    store
        .save("things", "a", None, body(), vec![event("e1")])
        .unwrap();
    // An older build appends one row per event to `events_pending`.
    schemas
        .client()
        .execute(
            &format!("INSERT INTO {schema}.events_pending (id, at, kind) VALUES ($1, 2, $2)"),
            &[
                &b"e2".as_slice(),
                &r#"{"type":"cart_updated","cart":"cart-e2","version":1,"checkout":"cart"}"#,
            ],
        )
        .unwrap();
    store
        .save("things", "b", None, body(), vec![event("e3"), event("e4")])
        .unwrap();
    let events = store.events_since(0, 10).unwrap();
    let ids: Vec<&str> = events.iter().map(|e| e.id.as_str()).collect();
    assert_eq!(ids, ["e1", "e2", "e3", "e4"]);
    let cursors: Vec<u64> = events.iter().map(|e| e.cursor).collect();
    assert_eq!(cursors, [1, 2, 3, 4]);
    assert_eq!(
        events[1].kind,
        EventKind::CartUpdated {
            cart: "cart-e2".into(),
            version: 1,
            checkout: CheckoutState::Cart,
        }
    );
}
