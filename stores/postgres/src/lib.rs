//! Kassa's shared store: one PostgreSQL database behind many app servers,
//! each embedding Kassa.
//!
//! [`PostgresStore`] implements every store trait of [`kassa::store`] and
//! passes the same conformance suite as the in-memory and SQLite stores,
//! concurrency checks included.
//!
//! * **Synchronous client.** The store traits are synchronous, so this
//!   uses the blocking `postgres` crate (no async runtime leaks into the
//!   host) with an `r2d2` pool; each pooled connection caches its prepared
//!   statements. No SQL is built from values.
//! * **One transaction per operation.** A checkout's reservation and its
//!   order placement are first tried optimistically: on rows as this
//!   store last wrote them (`stock_cache.rs`), else read without locks,
//!   one guarded statement writes everything or nothing (`optimistic.rs`;
//!   the reservation's also takes the order number). Otherwise, and when
//!   that guard finds a row moved,
//!   stock is decided under row locks (`SELECT ... FOR UPDATE`, several
//!   rows always in key order) and written with version-conditional
//!   `UPDATE`s; documents with `UPDATE
//!   ... WHERE version = ?`; the events of a change go into the outbox in
//!   the same transaction, with cursors in commit order. A deadlock or
//!   serialization failure retries the whole operation (bounded). A unique
//!   key on the cart of each order is the last line of defence against a
//!   second order for one cart.
//! * **Schema.** Created and migrated on connect under an advisory lock,
//!   so several servers starting at once migrate exactly once; a database
//!   from a newer build is refused with `schema_too_new`. Each store lives
//!   in one PostgreSQL schema (default `kassa`), so one database can hold
//!   several shops or test runs.
//!
//! # Examples
//!
//! ```no_run
//! let engine = kassa_postgres::open("host=127.0.0.1 user=kassa dbname=shop")?;
//! engine.adjust_stock(&kassa::inventory::StockKey::new("TEE-M", "main"), 5, "delivery")?;
//! # Ok::<(), kassa::Error>(())
//! ```

#![forbid(unsafe_code)]
#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used, clippy::panic))]

mod batch;
mod catalog;
mod columns;
mod conn;
mod documents;
mod events;
mod inventory;
mod optimistic;
mod schema;
mod shape;
mod stock_cache;

use std::str::FromStr;
use std::sync::{Arc, RwLock, RwLockReadGuard, RwLockWriteGuard};
use std::time::Duration;

use kassa::engine::{Engine, NodeIds, SystemClock};
pub(crate) use kassa::error::shown;
use kassa::{Error, Result};

pub use schema::SCHEMA_VERSION;

use catalog::CachedCatalog;
use conn::{Db, Manager};

/// Settings of [`PostgresStore::connect_with`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PostgresOptions {
    /// The PostgreSQL schema holding the store's tables
    /// (`[a-z_][a-z0-9_]{0,62}`).
    pub schema: String,
    /// Most connections this process opens.
    pub pool_size: u32,
    /// How long an operation waits for a free connection.
    pub connection_timeout: Duration,
    /// PostgreSQL's `synchronous_commit` for this store's sessions. `true`
    /// (the default): a commit returns once its WAL is flushed to disk, so
    /// it survives a server crash. `false`: a commit returns before the
    /// flush; a server crash may lose the last commits (well under a
    /// second of them), never part of one, and never corrupts anything.
    pub synchronous_commit: bool,
}

impl Default for PostgresOptions {
    fn default() -> Self {
        PostgresOptions {
            schema: "kassa".into(),
            pool_size: 16,
            connection_timeout: Duration::from_secs(10),
            synchronous_commit: true,
        }
    }
}

/// A store in a PostgreSQL database; share one per process across threads.
#[derive(Debug)]
pub struct PostgresStore {
    db: Db,
    schema: String,
    catalog: RwLock<CachedCatalog>,
    /// Stock rows as last read or written: a guess for optimistic
    /// reservations (see `stock_cache.rs`).
    stock: stock_cache::StockCache,
}

impl PostgresStore {
    /// Connects with a libpq-style connection string (`host=... user=...
    /// dbname=...` or a `postgresql://` URL) and the default options,
    /// migrating the schema.
    ///
    /// # Errors
    ///
    /// `storage_error` when the server cannot be reached or refuses;
    /// `schema_too_new` for a database written by a newer build.
    pub fn connect(url: &str) -> Result<PostgresStore> {
        PostgresStore::connect_with(url, PostgresOptions::default())
    }

    /// Connects with `options`.
    ///
    /// # Errors
    ///
    /// As [`PostgresStore::connect`]; `invalid_field` for a bad schema name.
    pub fn connect_with(url: &str, options: PostgresOptions) -> Result<PostgresStore> {
        if !schema::valid_schema_name(&options.schema) {
            return Err(Error::InvalidField {
                entity: "postgres".into(),
                field: "schema".into(),
                reason: format!(
                    "{:?} must match [a-z_][a-z0-9_]{{0,62}}",
                    shown(&options.schema)
                ),
            });
        }
        let mut config = postgres::Config::from_str(url).map_err(conn::pg)?;
        let sync = if options.synchronous_commit {
            "on"
        } else {
            "off"
        };
        // Every statement of this store finds its rows by key, and its
        // joins match rows passed as arrays (`unnest`) to their rows by
        // primary key. Hashing a small, often-updated table (a shop's stock
        // rows) looks cheaper to the planner than a few index probes, but
        // it reads every row and every dead row version (a millisecond at
        // 2,000 SKUs); with hash and merge joins off the planner probes the
        // keys. For the same reason one plan serves every call of a
        // statement: without `force_generic_plan` the server plans each
        // call afresh (a custom plan for its values) whenever it guesses
        // the generic plan's cost from arrays it cannot see into as
        // higher, and planning the checkout's statements cost more than
        // running them (8 clients: 730/s with custom plans, 1,040-1,140/s
        // without).
        config.options(&format!(
            "-c search_path={} -c synchronous_commit={sync} \
             -c enable_hashjoin=off -c enable_mergejoin=off \
             -c plan_cache_mode=force_generic_plan",
            options.schema
        ));
        let pool = r2d2::Pool::builder()
            .max_size(options.pool_size)
            .min_idle(Some(0))
            .connection_timeout(options.connection_timeout)
            .test_on_check_out(false)
            .build(Manager { config })
            .map_err(|e| Error::Storage {
                reason: format!("postgres pool: {e}"),
            })?;
        let store = PostgresStore {
            db: Db::new(pool),
            schema: options.schema,
            catalog: RwLock::new(CachedCatalog::default()),
            stock: stock_cache::StockCache::default(),
        };
        let schema_name = store.schema.clone();
        store.db.write(|tx| schema::migrate(tx, &schema_name))?;
        store.load_catalog()?;
        Ok(store)
    }

    /// The PostgreSQL schema this store lives in.
    pub fn schema(&self) -> &str {
        &self.schema
    }

    /// The schema version of the database (always [`SCHEMA_VERSION`] once
    /// connected).
    ///
    /// # Errors
    ///
    /// `storage_error`.
    pub fn schema_version(&self) -> Result<u64> {
        self.db.read_one(|tx| {
            let v: i64 = tx
                .query_one("SELECT version FROM kassa_schema", &[])?
                .get(0);
            Ok(u64::try_from(v).unwrap_or(0))
        })
    }

    /// A number no other caller on this database ever gets: a node name
    /// for [`NodeIds`], so servers sharing the database never hand out the
    /// same reservation or event id.
    ///
    /// # Errors
    ///
    /// `storage_error`.
    pub fn allocate_node(&self) -> Result<u64> {
        self.db.write(|tx| {
            let v: i64 = tx
                .query_one(
                    "UPDATE counters SET value = value + 1 WHERE name = 'node' RETURNING value",
                    &[],
                )?
                .get(0);
            Ok(u64::try_from(v).unwrap_or(0))
        })
    }

    fn read_cache(&self) -> RwLockReadGuard<'_, CachedCatalog> {
        // The index changes only after a commit and never half-way, so a
        // poisoned lock still guards a usable index.
        self.catalog.read().unwrap_or_else(|p| p.into_inner())
    }

    fn write_cache(&self) -> RwLockWriteGuard<'_, CachedCatalog> {
        self.catalog.write().unwrap_or_else(|p| p.into_inner())
    }
}

/// An engine over the database at `url` (schema `kassa`): the system
/// clock, and ids scoped by a node number the database allocates.
///
/// # Errors
///
/// As [`PostgresStore::connect`].
pub fn open(url: &str) -> Result<Engine<PostgresStore>> {
    let store = PostgresStore::connect(url)?;
    let node = store.allocate_node()?;
    Ok(Engine::new(
        store,
        Arc::new(SystemClock),
        Arc::new(NodeIds::new(format!("n{node}"))),
    ))
}

/// A stored key back as text.
pub(crate) fn text(bytes: Vec<u8>) -> Result<String> {
    String::from_utf8(bytes).map_err(|e| Error::Storage {
        reason: format!("a stored key is not UTF-8: {e}"),
    })
}
