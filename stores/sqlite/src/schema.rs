//! The schema and its forward-only migrations.
//!
//! `kassa_schema` holds one row: the version the file is at. Opening a file
//! applies every newer migration in one `BEGIN IMMEDIATE` transaction (so
//! several processes opening a new file at once migrate it exactly once)
//! and refuses a file from a newer build with `schema_too_new`.

use kassa::{Error, Result};
use rusqlite::{Connection, OptionalExtension, TransactionBehavior};

use crate::conn::sql;

/// Migration `i` takes the schema from version `i` to `i + 1`. Append only:
/// a published migration never changes.
const MIGRATIONS: &[&str] = &[
    // 1: stock, reservations, documents, the outbox, the catalog.
    "
    CREATE TABLE stock (
        sku TEXT NOT NULL,
        location TEXT NOT NULL,
        on_hand INTEGER NOT NULL,
        reserved INTEGER NOT NULL,
        committed INTEGER NOT NULL,
        unavailable INTEGER NOT NULL,
        policy TEXT NOT NULL,
        low_stock_threshold INTEGER,
        version INTEGER NOT NULL,
        unlimited INTEGER NOT NULL,
        sold INTEGER NOT NULL,
        PRIMARY KEY (sku, location)
    ) WITHOUT ROWID;
    CREATE TABLE reservations (
        id TEXT PRIMARY KEY,
        sku TEXT NOT NULL,
        location TEXT NOT NULL,
        qty INTEGER NOT NULL CHECK (qty > 0),
        expires_at INTEGER NOT NULL
    ) WITHOUT ROWID;
    CREATE INDEX reservations_by_expiry ON reservations (expires_at, id);
    CREATE TABLE documents (
        collection TEXT NOT NULL,
        id TEXT NOT NULL,
        version INTEGER NOT NULL CHECK (version > 0),
        body TEXT NOT NULL,
        PRIMARY KEY (collection, id)
    ) WITHOUT ROWID;
    CREATE TABLE events (
        cursor INTEGER PRIMARY KEY,
        id TEXT NOT NULL,
        at INTEGER NOT NULL,
        kind TEXT NOT NULL
    );
    CREATE TABLE products (
        id TEXT PRIMARY KEY,
        version INTEGER NOT NULL,
        seq INTEGER NOT NULL,
        body TEXT NOT NULL
    ) WITHOUT ROWID;
    CREATE INDEX products_by_seq ON products (seq);
    CREATE TABLE skus (
        sku TEXT PRIMARY KEY,
        product TEXT NOT NULL REFERENCES products (id)
    ) WITHOUT ROWID;
    CREATE TABLE catalog_items (
        kind TEXT NOT NULL,
        id TEXT NOT NULL,
        seq INTEGER NOT NULL,
        body TEXT NOT NULL,
        PRIMARY KEY (kind, id)
    ) WITHOUT ROWID;
    CREATE INDEX catalog_items_by_seq ON catalog_items (seq);
    CREATE TABLE counters (
        name TEXT PRIMARY KEY,
        value INTEGER NOT NULL
    ) WITHOUT ROWID;
    INSERT INTO counters (name, value)
        VALUES ('catalog_seq', 0), ('node', 0), ('events_discarded', 0);
    ",
    // 2: documents in a rowid table. Carts and orders are 1-3 KB; in a
    // WITHOUT ROWID table a row over about 1 KB spills into overflow
    // pages (an index b-tree keeps little of a row on its page), so every
    // load and save of a cart read and wrote a chain of pages. A rowid
    // table keeps up to about 4 KB on the page; the key goes to a small
    // unique index.
    "
    CREATE TABLE documents_rowid (
        collection TEXT NOT NULL,
        id TEXT NOT NULL,
        version INTEGER NOT NULL CHECK (version > 0),
        body TEXT NOT NULL,
        UNIQUE (collection, id)
    );
    INSERT INTO documents_rowid (collection, id, version, body)
        SELECT collection, id, version, body FROM documents;
    DROP TABLE documents;
    ALTER TABLE documents_rowid RENAME TO documents;
    ",
];

/// The schema version this build writes.
pub const SCHEMA_VERSION: u64 = MIGRATIONS.len() as u64;

/// Brings the file to [`SCHEMA_VERSION`]; returns the version it was at.
pub(crate) fn migrate(conn: &mut Connection) -> Result<u64> {
    migrate_to(conn, MIGRATIONS)
}

fn migrate_to(conn: &mut Connection, migrations: &[&str]) -> Result<u64> {
    let supported = migrations.len() as u64;
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(sql)?;
    tx.execute_batch("CREATE TABLE IF NOT EXISTS kassa_schema (version INTEGER NOT NULL)")
        .map_err(sql)?;
    let found: Option<i64> = tx
        .query_row("SELECT version FROM kassa_schema", [], |r| r.get(0))
        .optional()
        .map_err(sql)?;
    let found = u64::try_from(found.unwrap_or(0)).unwrap_or(0);
    if found > supported {
        return Err(Error::SchemaTooNew { found, supported });
    }
    for migration in migrations.iter().skip(found as usize) {
        tx.execute_batch(migration).map_err(sql)?;
    }
    if found == 0 {
        tx.execute(
            "INSERT INTO kassa_schema (version) VALUES (?1)",
            [supported as i64],
        )
    } else {
        tx.execute("UPDATE kassa_schema SET version = ?1", [supported as i64])
    }
    .map_err(sql)?;
    tx.commit().map_err(sql)?;
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn version(conn: &Connection) -> i64 {
        conn.query_row("SELECT version FROM kassa_schema", [], |r| r.get(0))
            .unwrap()
    }

    #[test]
    fn a_new_file_is_migrated_once_and_reopening_changes_nothing() {
        let mut conn = Connection::open_in_memory().unwrap();
        assert_eq!(migrate(&mut conn).unwrap(), 0);
        assert_eq!(version(&conn), SCHEMA_VERSION as i64);
        assert_eq!(migrate(&mut conn).unwrap(), SCHEMA_VERSION);
        let rows: i64 = conn
            .query_row("SELECT count(*) FROM kassa_schema", [], |r| r.get(0))
            .unwrap();
        assert_eq!(rows, 1);
    }

    #[test]
    fn a_later_migration_is_applied_on_top_of_an_older_file() {
        let mut conn = Connection::open_in_memory().unwrap();
        migrate_to(&mut conn, &MIGRATIONS[..1]).unwrap();
        let mut later = MIGRATIONS.to_vec();
        later.push("CREATE TABLE later (x INTEGER)");
        assert_eq!(migrate_to(&mut conn, &later).unwrap(), 1);
        assert_eq!(version(&conn), SCHEMA_VERSION as i64 + 1);
        conn.execute("INSERT INTO later (x) VALUES (1)", [])
            .unwrap();
    }

    #[test]
    fn documents_written_under_version_1_survive_the_move_to_a_rowid_table() {
        let mut conn = Connection::open_in_memory().unwrap();
        migrate_to(&mut conn, &MIGRATIONS[..1]).unwrap();
        conn.execute(
            "INSERT INTO documents (collection, id, version, body) VALUES ('carts', 'c''1', 3, ?1)",
            [&"x".repeat(5_000)],
        )
        .unwrap();
        assert_eq!(migrate(&mut conn).unwrap(), 1);
        let (version, body): (i64, String) = conn
            .query_row(
                "SELECT version, body FROM documents WHERE collection = 'carts' AND id = 'c''1'",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap();
        assert_eq!((version, body.len()), (3, 5_000));
        let duplicate = conn.execute(
            "INSERT INTO documents (collection, id, version, body) VALUES ('carts', 'c''1', 1, '{}')",
            [],
        );
        assert!(duplicate.is_err(), "(collection, id) must stay unique");
    }

    #[test]
    fn a_file_from_a_newer_build_is_refused_and_left_alone() {
        let mut conn = Connection::open_in_memory().unwrap();
        migrate(&mut conn).unwrap();
        conn.execute("UPDATE kassa_schema SET version = 99", [])
            .unwrap();
        let err = migrate(&mut conn).unwrap_err();
        assert_eq!(err.code(), "schema_too_new");
        assert!(err.to_string().contains("99"), "{err}");
        assert_eq!(version(&conn), 99);
    }

    #[test]
    fn a_failing_migration_leaves_the_file_at_its_old_version() {
        let mut conn = Connection::open_in_memory().unwrap();
        migrate(&mut conn).unwrap();
        let mut later = MIGRATIONS.to_vec();
        later.push("CREATE TABLE ok (x INTEGER); CREATE TABLE stock (x INTEGER);");
        assert_eq!(
            migrate_to(&mut conn, &later).unwrap_err().code(),
            "storage_error"
        );
        assert_eq!(version(&conn), SCHEMA_VERSION as i64);
        let ok: i64 = conn
            .query_row(
                "SELECT count(*) FROM sqlite_master WHERE name = 'ok'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(ok, 0, "a half-applied migration must roll back");
    }
}
