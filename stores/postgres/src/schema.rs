//! The schema and its forward-only migrations, applied under an advisory
//! lock so several servers starting at once migrate exactly once.
//!
//! Strings that come from users (SKUs, ids, locations) are `BYTEA`: they
//! are stored byte-identical (PostgreSQL `TEXT` cannot hold a NUL byte)
//! and ordered by bytes, as Rust orders strings, whatever the database's
//! collation. Bodies are JSON text (NUL is escaped there). Counts and
//! timestamps are `BIGINT`; money lives in the JSON bodies as decimal
//! strings with their currency, never as floating point.

use kassa::{Error, Result};

use crate::conn::Tx;

/// Migration `i` takes the schema from version `i` to `i + 1`. Append only.
const MIGRATIONS: &[&str] = &[
    // 1: stock, reservations, documents, the outbox, the catalog.
    "
    CREATE TABLE stock (
        sku BYTEA NOT NULL,
        location BYTEA NOT NULL,
        on_hand BIGINT NOT NULL,
        reserved BIGINT NOT NULL,
        committed BIGINT NOT NULL,
        unavailable BIGINT NOT NULL,
        policy TEXT NOT NULL,
        low_stock_threshold BIGINT,
        version BIGINT NOT NULL,
        unlimited BIGINT NOT NULL,
        sold BIGINT NOT NULL,
        PRIMARY KEY (sku, location)
    );
    CREATE TABLE reservations (
        id BYTEA PRIMARY KEY,
        sku BYTEA NOT NULL,
        location BYTEA NOT NULL,
        qty BIGINT NOT NULL CHECK (qty > 0),
        expires_at BIGINT NOT NULL
    );
    CREATE INDEX reservations_by_expiry ON reservations (expires_at, id);
    CREATE TABLE documents (
        collection BYTEA NOT NULL,
        id BYTEA NOT NULL,
        version BIGINT NOT NULL CHECK (version > 0),
        body TEXT NOT NULL,
        PRIMARY KEY (collection, id)
    );
    CREATE TABLE events (
        cursor BIGINT PRIMARY KEY,
        id BYTEA NOT NULL,
        at BIGINT NOT NULL,
        kind TEXT NOT NULL
    );
    CREATE TABLE products (
        id BYTEA PRIMARY KEY,
        version BIGINT NOT NULL,
        seq BIGINT NOT NULL,
        body TEXT NOT NULL
    );
    CREATE INDEX products_by_seq ON products (seq);
    CREATE TABLE skus (
        sku BYTEA PRIMARY KEY,
        product BYTEA NOT NULL REFERENCES products (id)
    );
    CREATE TABLE catalog_items (
        kind TEXT NOT NULL,
        id BYTEA NOT NULL,
        seq BIGINT NOT NULL,
        body TEXT NOT NULL,
        PRIMARY KEY (kind, id)
    );
    CREATE INDEX catalog_items_by_seq ON catalog_items (seq);
    CREATE TABLE order_carts (
        cart BYTEA PRIMARY KEY,
        order_id BYTEA NOT NULL
    );
    CREATE TABLE counters (
        name TEXT PRIMARY KEY,
        value BIGINT NOT NULL
    );
    INSERT INTO counters (name, value)
        VALUES ('catalog_seq', 0), ('node', 0), ('event_cursor', 0);
    ",
    // 2: writers append events to `events_pending` (numbered by a
    // sequence, no shared row lock); readers move them into `events`,
    // taking cursors from `event_cursor` (see events.rs).
    "
    CREATE SEQUENCE events_arrival;
    CREATE TABLE events_pending (
        arrival BIGINT PRIMARY KEY DEFAULT nextval('events_arrival'),
        id BYTEA NOT NULL,
        at BIGINT NOT NULL,
        kind TEXT NOT NULL
    );
    ",
    // 3: the guard of optimistic writes (see optimistic.rs): a statement
    // that finds a row moved since it was read fails whole with SQLSTATE
    // KA001, and the operation runs again under row locks.
    "
    CREATE FUNCTION kassa_require(ok BOOLEAN) RETURNS BOOLEAN
    LANGUAGE plpgsql AS $$
    BEGIN
        IF ok IS NOT TRUE THEN
            RAISE EXCEPTION 'kassa: a row changed since it was read'
                USING ERRCODE = 'KA001';
        END IF;
        RETURN TRUE;
    END
    $$;
    ",
    // 4: rows of up to a page are stored as they are. By default a row
    // over 2 KiB has its text compressed (pglz) before it is written: a
    // checkout's order and cart documents are, on every insert and
    // update, for the server's CPU (the dearest resource when app servers
    // share it) to save little space on short-lived rows.
    "
    ALTER TABLE documents SET (toast_tuple_target = 8160);
    ALTER TABLE events_pending SET (toast_tuple_target = 8160);
    ALTER TABLE events SET (toast_tuple_target = 8160);
    ",
    // 5: a statement appends its events as one row of arrays (in their
    // order), numbered by the same sequence as `events_pending`: one heap
    // row, one index entry and one sequence step per statement instead of
    // per event. Readers move both tables (rows left in `events_pending`
    // by an older build, or written by one still running, keep their
    // place by arrival).
    "
    CREATE TABLE events_batches (
        arrival BIGINT PRIMARY KEY DEFAULT nextval('events_arrival'),
        ids BYTEA[] NOT NULL,
        ats BIGINT[] NOT NULL,
        kinds TEXT[] NOT NULL
    );
    ALTER TABLE events_batches SET (toast_tuple_target = 8160);
    ",
];

/// The schema version this build writes.
pub const SCHEMA_VERSION: u64 = MIGRATIONS.len() as u64;

/// True for a schema name safe to put in DDL: `[a-z_][a-z0-9_]{0,62}`.
pub(crate) fn valid_schema_name(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some('a'..='z' | '_'))
        && name.len() <= 63
        && chars.all(|c| matches!(c, 'a'..='z' | '0'..='9' | '_'))
}

/// Brings `schema` to [`SCHEMA_VERSION`] (the connection's `search_path`
/// is `schema`); returns the version it was at.
pub(crate) fn migrate(tx: &mut Tx<'_>, schema: &str) -> Result<u64> {
    migrate_to(tx, schema, MIGRATIONS)
}

pub(crate) fn migrate_to(tx: &mut Tx<'_>, schema: &str, migrations: &[&str]) -> Result<u64> {
    if !valid_schema_name(schema) {
        return Err(Error::InvalidField {
            entity: "postgres".into(),
            field: "schema".into(),
            reason: format!("{schema:?} must match [a-z_][a-z0-9_]{{0,62}}"),
        });
    }
    let supported = migrations.len() as u64;
    // Held until this transaction ends: one migrator per schema at a time.
    tx.execute(
        "SELECT pg_advisory_xact_lock(hashtext('kassa-migrate:' || $1))",
        &[&schema],
    )?;
    tx.batch(&format!(
        "CREATE SCHEMA IF NOT EXISTS {schema}; \
         CREATE TABLE IF NOT EXISTS {schema}.kassa_schema (version BIGINT NOT NULL)"
    ))?;
    let found: i64 = tx
        .query_opt("SELECT version FROM kassa_schema", &[])?
        .map(|r| r.get(0))
        .unwrap_or(0);
    let found = u64::try_from(found).unwrap_or(0);
    if found > supported {
        return Err(Error::SchemaTooNew { found, supported });
    }
    for migration in migrations.iter().skip(found as usize) {
        tx.batch(migration)?;
    }
    let v = supported as i64;
    if found == 0 {
        tx.execute("INSERT INTO kassa_schema (version) VALUES ($1)", &[&v])?;
    } else {
        tx.execute("UPDATE kassa_schema SET version = $1", &[&v])?;
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::valid_schema_name;

    #[test]
    fn only_plain_lowercase_identifiers_are_schema_names() {
        for ok in ["kassa", "shop_1", "_x", "a"] {
            assert!(valid_schema_name(ok), "{ok}");
        }
        for bad in ["", "1x", "Kassa", "a-b", "a;drop", "x\"y", &"a".repeat(64)] {
            assert!(!valid_schema_name(bad), "{bad}");
        }
    }
}
