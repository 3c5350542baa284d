//! Kassa's embedded store: the whole engine state in one SQLite file.
//!
//! [`SqliteStore`] implements every store trait of [`kassa::store`] and
//! passes the same conformance suite as the in-memory store, concurrency
//! checks included. It is the default on disk: a phone, a single server, a
//! script.
//!
//! * **One file, WAL mode.** Readers never block the writer and the writer
//!   never blocks readers. Durability is [`Synchronous::Normal`] by default
//!   (a commit survives a crash of the process; see [`Synchronous`]).
//! * **Atomic operations are transactions.** Each trait operation is one
//!   `BEGIN IMMEDIATE` transaction holding the change and its events;
//!   stock and documents are written with version-conditional updates,
//!   rows affected checked. Statements are prepared and cached; no SQL is
//!   built from values.
//! * **Threads and processes.** Writes from this process queue on one
//!   writer connection; other processes wait on the file lock (a bounded
//!   busy timeout, then bounded retries, then `storage_error`). Reads use a
//!   small pool of connections.
//! * **Schema.** Created and migrated on open (forward only, one
//!   transaction); a file from a newer build is refused with
//!   `schema_too_new`.
//!
//! # Examples
//!
//! ```
//! use kassa::inventory::StockKey;
//! let dir = tempfile::tempdir()?;
//! let engine = kassa_sqlite::open(dir.path().join("shop.db"))?;
//! let key = StockKey::new("TEE-M", "main");
//! engine.adjust_stock(&key, 5, "delivery")?;
//! drop(engine);
//!
//! // Reopened, the stock is still there.
//! let engine = kassa_sqlite::open(dir.path().join("shop.db"))?;
//! assert_eq!(engine.stock(&key)?.map(|s| s.level.on_hand), Some(5));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![forbid(unsafe_code)]
#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used, clippy::panic))]

mod catalog;
mod conn;
mod documents;
mod events;
mod inventory;
mod schema;
mod writer;

use std::path::Path;
use std::sync::{Arc, RwLock, RwLockReadGuard, RwLockWriteGuard};

use kassa::engine::{Engine, NodeIds, SystemClock};
use kassa::Result;

pub use conn::{SqliteOptions, Synchronous};
pub use schema::SCHEMA_VERSION;

use catalog::CachedCatalog;
use conn::{sql, Db};

/// A store in one SQLite file. Cheap to share across threads (`Send +
/// Sync`); open it once per process and share it.
#[derive(Debug)]
pub struct SqliteStore {
    db: Db,
    catalog: RwLock<CachedCatalog>,
}

impl SqliteStore {
    /// Opens (creating if needed) the database at `path` with the default
    /// [`SqliteOptions`], migrating its schema.
    ///
    /// # Errors
    ///
    /// `schema_too_new` for a file written by a newer build;
    /// `storage_error` when the file cannot be opened or is not a database.
    pub fn open(path: impl AsRef<Path>) -> Result<SqliteStore> {
        SqliteStore::open_with(path, SqliteOptions::default())
    }

    /// Opens the database at `path` with `options`.
    ///
    /// # Errors
    ///
    /// As [`SqliteStore::open`].
    pub fn open_with(path: impl AsRef<Path>, options: SqliteOptions) -> Result<SqliteStore> {
        let db = Db::open(path.as_ref(), options)?;
        db.with_writer(schema::migrate)?;
        let mut cache = CachedCatalog::default();
        db.read(|conn| catalog::refresh(&mut cache, conn))?;
        Ok(SqliteStore {
            db,
            catalog: RwLock::new(cache),
        })
    }

    /// The schema version of the open file (always [`SCHEMA_VERSION`]
    /// once opened).
    ///
    /// # Errors
    ///
    /// `storage_error`.
    pub fn schema_version(&self) -> Result<u64> {
        self.db.read(|conn| {
            conn.query_row("SELECT version FROM kassa_schema", [], |r| {
                r.get::<_, i64>(0)
            })
            .map(|v| u64::try_from(v).unwrap_or(0))
            .map_err(sql)
        })
    }

    /// A number no other caller on this file ever gets (1, 2, ...): a node
    /// name for [`NodeIds`], so processes sharing the file (and a process
    /// reopening it) never hand out the same reservation or event id.
    ///
    /// # Errors
    ///
    /// `storage_error`.
    pub fn allocate_node(&self) -> Result<u64> {
        self.db.write(|tx| {
            tx.query_row(
                "UPDATE counters SET value = value + 1 WHERE name = 'node' RETURNING value",
                [],
                |r| r.get::<_, i64>(0),
            )
            .map(|v| u64::try_from(v).unwrap_or(0))
            .map_err(sql)
        })
    }

    fn read_cache(&self) -> RwLockReadGuard<'_, CachedCatalog> {
        // Catalog writes change the index only after their commit and
        // never half-way, so a poisoned lock still guards a usable index.
        self.catalog.read().unwrap_or_else(|p| p.into_inner())
    }

    fn write_cache(&self) -> RwLockWriteGuard<'_, CachedCatalog> {
        self.catalog.write().unwrap_or_else(|p| p.into_inner())
    }
}

/// An engine over the SQLite file at `path`: the system clock, and ids
/// scoped by a node number the file allocates ([`SqliteStore::allocate_node`]),
/// so they never collide with ids from an earlier run or another process.
///
/// # Errors
///
/// As [`SqliteStore::open`].
pub fn open(path: impl AsRef<Path>) -> Result<Engine<SqliteStore>> {
    let store = SqliteStore::open(path)?;
    let node = store.allocate_node()?;
    Ok(Engine::new(
        store,
        Arc::new(SystemClock),
        Arc::new(NodeIds::new(format!("n{node}"))),
    ))
}
