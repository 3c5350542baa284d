//! The outbox: `events`, appended in the transaction of the change that
//! records them. `cursor` is the rowid, so it follows commit order (one
//! writer at a time). Discarding never deletes the newest row (SQLite gives
//! the next event the largest rowid + 1, so a cursor is never reused) and
//! records how far it went in `counters`; reads start after that point.
//! This costs no extra page per append, unlike `AUTOINCREMENT`.

use kassa::pricing::Timestamp;
use kassa::store::{Event, EventKind, EventLog, NewEvent};
use kassa::{Error, Result};
use rusqlite::{params, Connection};

use crate::conn::sql;
use crate::SqliteStore;

/// Appends `events` inside the caller's transaction.
pub(crate) fn append(tx: &Connection, events: Vec<NewEvent>) -> Result<()> {
    if events.is_empty() {
        return Ok(());
    }
    let mut insert = tx
        .prepare_cached("INSERT INTO events (id, at, kind) VALUES (?1, ?2, ?3)")
        .map_err(sql)?;
    for e in events {
        let kind = serde_json::to_string(&e.kind).map_err(|err| Error::Storage {
            reason: format!("cannot encode event {}: {err}", e.id),
        })?;
        insert
            .execute(params![e.id.as_str(), e.at.0, kind])
            .map_err(sql)?;
    }
    Ok(())
}

impl EventLog for SqliteStore {
    fn events_since(&self, cursor: u64, limit: usize) -> Result<Vec<Event>> {
        let cursor = i64::try_from(cursor).unwrap_or(i64::MAX);
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        self.db.read(|conn| {
            let mut select = conn
                .prepare_cached(
                    "SELECT cursor, id, at, kind FROM events WHERE cursor > max(?1, \
                     (SELECT value FROM counters WHERE name = 'events_discarded')) \
                     ORDER BY cursor LIMIT ?2",
                )
                .map_err(sql)?;
            let rows = select
                .query_map(params![cursor, limit], |r| {
                    Ok((
                        r.get::<_, i64>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, i64>(2)?,
                        r.get::<_, String>(3)?,
                    ))
                })
                .map_err(sql)?;
            let mut events = Vec::new();
            for row in rows {
                let (cursor, id, at, kind) = row.map_err(sql)?;
                let kind: EventKind =
                    serde_json::from_str(&kind).map_err(|err| Error::Storage {
                        reason: format!("event {cursor} is unreadable: {err}"),
                    })?;
                events.push(Event {
                    cursor: u64::try_from(cursor).unwrap_or(0),
                    id: id.into(),
                    at: Timestamp(at),
                    kind,
                });
            }
            Ok(events)
        })
    }

    fn discard_events(&self, cursor: u64) -> Result<()> {
        let cursor = i64::try_from(cursor).unwrap_or(i64::MAX);
        self.db.write(|tx| {
            tx.prepare_cached(
                "UPDATE counters SET value = max(value, \
                 min(?1, (SELECT coalesce(max(cursor), 0) FROM events))) \
                 WHERE name = 'events_discarded'",
            )
            .map_err(sql)?
            .execute([cursor])
            .map_err(sql)?;
            tx.prepare_cached(
                "DELETE FROM events WHERE cursor <= ?1 \
                 AND cursor < (SELECT max(cursor) FROM events)",
            )
            .map_err(sql)?
            .execute([cursor])
            .map_err(sql)?;
            Ok(())
        })
    }
}
