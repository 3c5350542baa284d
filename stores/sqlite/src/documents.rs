//! Versioned documents (carts, orders, idempotency records, counters) and
//! order placement.
//!
//! A save is `INSERT` for a new document and `UPDATE ... WHERE version = ?`
//! for an existing one, rows affected checked, in the transaction that
//! appends its events.

use kassa::error::shown;
use kassa::inventory::{Reservation, StockKey, StockRecord};
use kassa::store::{
    apply_change, sequence_next, Body, DocumentStore, DocumentWrite, NewEvent, OrderStore,
    StockChange, StockEvents, Versioned, SEQUENCES,
};
use kassa::{Error, Result};
use rusqlite::{params, Connection, OptionalExtension};

use crate::conn::sql;
use crate::events::append;
use crate::inventory::{put_stock, read_reservation, read_stock, settle_in};
use crate::SqliteStore;

fn version_of(conn: &Connection, collection: &str, id: &str) -> Result<Option<u64>> {
    conn.prepare_cached("SELECT version FROM documents WHERE collection = ?1 AND id = ?2")
        .map_err(sql)?
        .query_row([collection, id], |r| r.get::<_, i64>(0))
        .optional()
        .map_err(sql)
        .map(|v| v.map(|v| u64::try_from(v).unwrap_or(0)))
}

fn stale(collection: &str, id: &str, expected: Option<u64>, current: Option<u64>) -> Error {
    Error::ConcurrentModification {
        entity: format!("{collection}/{}", shown(id)),
        expected,
        current,
    }
}

/// Writes one document if its stored version is `expected`; returns the
/// new version.
fn put(
    conn: &Connection,
    collection: &str,
    id: &str,
    expected: Option<u64>,
    value: &Body,
) -> Result<u64> {
    let body = value.text()?;
    let new_version = expected.unwrap_or(0) + 1;
    let v = i64::try_from(new_version).unwrap_or(i64::MAX);
    let written = match expected {
        None => conn
            .prepare_cached(
                "INSERT INTO documents (collection, id, version, body) VALUES (?1, ?2, ?3, ?4) \
                 ON CONFLICT (collection, id) DO NOTHING",
            )
            .map_err(sql)?
            .execute(params![collection, id, v, body]),
        Some(old) => conn
            .prepare_cached(
                "UPDATE documents SET version = ?3, body = ?4 \
                 WHERE collection = ?1 AND id = ?2 AND version = ?5",
            )
            .map_err(sql)?
            .execute(params![
                collection,
                id,
                v,
                body,
                i64::try_from(old).unwrap_or(i64::MAX)
            ]),
    }
    .map_err(sql)?;
    if written == 1 {
        Ok(new_version)
    } else {
        Err(stale(
            collection,
            id,
            expected,
            version_of(conn, collection, id)?,
        ))
    }
}

/// Saves `writes`, commits the reservations `commit` and records
/// `events` with a `committed` event each, inside `tx`.
fn place_in(
    tx: &Connection,
    writes: &[DocumentWrite],
    commit: &[kassa::inventory::ReservationId],
    events: Vec<NewEvent>,
    committed: &(dyn Fn(&Reservation, &StockRecord) -> NewEvent + Sync),
) -> Result<Vec<u64>> {
    let versions = put_all(tx, writes)?;
    let mut all = events;
    for id in commit {
        let r =
            read_reservation(tx, id)?.ok_or_else(|| Error::UnknownReservation { id: shown(id) })?;
        let (_, after) = settle_in(tx, &r, true)?;
        all.push(committed(&r, &after));
    }
    append(tx, all)?;
    Ok(versions)
}

/// Takes the next number of the sequence `name` inside `tx` (see
/// [`DocumentStore::next_number`]).
fn next_number_in(tx: &Connection, name: &str) -> Result<u64> {
    let stored = tx
        .prepare_cached("SELECT version, body FROM documents WHERE collection = ?1 AND id = ?2")
        .map_err(sql)?
        .query_row([SEQUENCES, name], |r| {
            Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?))
        })
        .optional()
        .map_err(sql)?;
    let (next, expected) = match stored {
        Some((version, body)) => (
            sequence_next(&decode(body)),
            Some(u64::try_from(version).unwrap_or(0)),
        ),
        None => (1, None),
    };
    let value = serde_json::json!({ "next": next.saturating_add(1) });
    put(tx, SEQUENCES, name, expected, &value.into())?;
    Ok(next)
}

/// Saves `writes` in order inside `conn`'s transaction.
pub(crate) fn put_all(conn: &Connection, writes: &[DocumentWrite]) -> Result<Vec<u64>> {
    writes
        .iter()
        .map(|w| put(conn, &w.collection, &w.id, w.expected, &w.value))
        .collect()
}

/// A stored body as it is: parsing it (by the reader, into its own type)
/// reports a malformed one.
fn decode(body: String) -> Body {
    Body::from_text(body)
}

impl DocumentStore for SqliteStore {
    /// Read and written in one write transaction: callers queue on the
    /// writer instead of retrying.
    fn next_number(&self, name: &str) -> Result<u64> {
        self.db.write(|tx| next_number_in(tx, name))
    }

    fn load(&self, collection: &str, id: &str) -> Result<Option<Versioned>> {
        self.db.read(|conn| {
            let row = conn
                .prepare_cached(
                    "SELECT version, body FROM documents WHERE collection = ?1 AND id = ?2",
                )
                .map_err(sql)?
                .query_row([collection, id], |r| {
                    Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?))
                })
                .optional()
                .map_err(sql)?;
            row.map(|(version, body)| {
                Ok(Versioned {
                    value: decode(body),
                    version: u64::try_from(version).unwrap_or(0),
                })
            })
            .transpose()
        })
    }

    fn save(
        &self,
        collection: &str,
        id: &str,
        expected: Option<u64>,
        value: Body,
        events: Vec<NewEvent>,
    ) -> Result<u64> {
        self.db.write(|tx| {
            let version = put(tx, collection, id, expected, &value)?;
            append(tx, events.clone())?;
            Ok(version)
        })
    }

    fn scan(
        &self,
        collection: &str,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Vec<(String, Versioned)>> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        self.db.read(|conn| {
            let mut select = conn
                .prepare_cached(
                    "SELECT id, version, body FROM documents \
                     WHERE collection = ?1 AND (?2 IS NULL OR id > ?2) ORDER BY id LIMIT ?3",
                )
                .map_err(sql)?;
            let rows = select
                .query_map(params![collection, after, limit], |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, i64>(1)?,
                        r.get::<_, String>(2)?,
                    ))
                })
                .map_err(sql)?;
            let mut out = Vec::new();
            for row in rows {
                let (id, version, body) = row.map_err(sql)?;
                out.push((
                    id,
                    Versioned {
                        value: decode(body),
                        version: u64::try_from(version).unwrap_or(0),
                    },
                ));
            }
            Ok(out)
        })
    }

    fn delete(&self, collection: &str, id: &str, expected: u64) -> Result<()> {
        self.db.write(|tx| {
            let deleted = tx
                .prepare_cached(
                    "DELETE FROM documents WHERE collection = ?1 AND id = ?2 AND version = ?3",
                )
                .map_err(sql)?
                .execute(params![
                    collection,
                    id,
                    i64::try_from(expected).unwrap_or(i64::MAX)
                ])
                .map_err(sql)?;
            if deleted == 1 {
                Ok(())
            } else {
                Err(stale(
                    collection,
                    id,
                    Some(expected),
                    version_of(tx, collection, id)?,
                ))
            }
        })
    }

    fn scan_versions(
        &self,
        collection: &str,
        after: Option<&str>,
        limit: usize,
        visit: &mut dyn FnMut(&str, u64),
    ) -> Result<usize> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        // The page is read first and visited after the read connection is
        // given back, so `visit` never runs inside the store.
        let page = self.db.read(|conn| {
            let mut select = conn
                .prepare_cached(
                    "SELECT id, version FROM documents \
                     WHERE collection = ?1 AND (?2 IS NULL OR id > ?2) ORDER BY id LIMIT ?3",
                )
                .map_err(sql)?;
            let rows = select
                .query_map(params![collection, after, limit], |r| {
                    Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?))
                })
                .map_err(sql)?;
            rows.map(|row| row.map_err(sql)).collect::<Result<Vec<_>>>()
        })?;
        for (id, version) in &page {
            visit(id, u64::try_from(*version).unwrap_or(0));
        }
        Ok(page.len())
    }

    fn save_all(&self, writes: Vec<DocumentWrite>, events: Vec<NewEvent>) -> Result<Vec<u64>> {
        self.db.write(|tx| {
            let versions = put_all(tx, &writes)?;
            append(tx, events.clone())?;
            Ok(versions)
        })
    }
}

impl OrderStore for SqliteStore {
    fn place_order(
        &self,
        writes: Vec<DocumentWrite>,
        commit: &[kassa::inventory::ReservationId],
        events: Vec<NewEvent>,
        committed: &(dyn Fn(&Reservation, &StockRecord) -> NewEvent + Sync),
    ) -> Result<Vec<u64>> {
        self.db
            .write(|tx| place_in(tx, &writes, commit, events.clone(), committed))
    }

    fn place_numbered_order(
        &self,
        sequence: &str,
        build: &dyn Fn(u64) -> Result<(Vec<DocumentWrite>, Vec<NewEvent>)>,
        commit: &[kassa::inventory::ReservationId],
        committed: &(dyn Fn(&Reservation, &StockRecord) -> NewEvent + Sync),
    ) -> Result<Option<u64>> {
        // Writers queue for the one write connection anyway: taking the
        // number here costs no concurrency and saves a transaction.
        self.db.write(|tx| {
            let number = next_number_in(tx, sequence)?;
            let (writes, events) = build(number)?;
            place_in(tx, &writes, commit, events, committed)?;
            Ok(Some(number))
        })
    }

    fn change_order(
        &self,
        writes: Vec<DocumentWrite>,
        stock: &[(StockKey, StockChange)],
        events: Vec<NewEvent>,
        changed: StockEvents<'_>,
    ) -> Result<Vec<u64>> {
        self.db.write(|tx| {
            let versions = put_all(tx, &writes)?;
            let mut all = events.clone();
            // One after another in the transaction: each change reads what
            // the previous one wrote.
            for (key, change) in stock {
                let before = read_stock(tx, key)?;
                let after = apply_change(before.as_ref(), change)?;
                all.extend(changed(key, &before.unwrap_or_default(), &after));
                put_stock(tx, key, before.as_ref(), &after, 0)?;
            }
            append(tx, all)?;
            Ok(versions)
        })
    }
}
