//! The outbox. Cursors come from the `event_cursor` counter row, taken at
//! the end of each writing transaction: its row lock is held until the
//! commit, so cursors are handed out in commit order and a reader never
//! sees cursor 7 before cursor 6 has committed (a sequence would hand out
//! numbers in insert order and let a slow transaction commit a smaller
//! cursor behind a reader's back).

use kassa::pricing::Timestamp;
use kassa::store::{Event, EventKind, EventLog, NewEvent};
use kassa::{Error, Result};

use crate::conn::Tx;
use crate::PostgresStore;

/// Appends `events` inside the caller's transaction; call it last. One
/// statement (one round trip) takes the cursors and inserts every event.
pub(crate) fn append(tx: &mut Tx<'_>, events: Vec<NewEvent>) -> Result<()> {
    if events.is_empty() {
        return Ok(());
    }
    let n = i64::try_from(events.len()).unwrap_or(i64::MAX);
    let mut ids: Vec<&[u8]> = Vec::with_capacity(events.len());
    let mut ats = Vec::with_capacity(events.len());
    let mut kinds = Vec::with_capacity(events.len());
    for e in &events {
        ids.push(e.id.as_bytes());
        ats.push(e.at.0);
        kinds.push(
            serde_json::to_string(&e.kind).map_err(|err| Error::Storage {
                reason: format!("cannot encode event {}: {err}", e.id),
            })?,
        );
    }
    tx.execute(
        "WITH c AS (UPDATE counters SET value = value + $1 \
         WHERE name = 'event_cursor' RETURNING value) \
         INSERT INTO events (cursor, id, at, kind) \
         SELECT c.value - $1 + e.ord, e.id, e.at, e.kind FROM c, \
         unnest($2::BYTEA[], $3::BIGINT[], $4::TEXT[]) WITH ORDINALITY AS e (id, at, kind, ord)",
        &[&n, &ids, &ats, &kinds],
    )?;
    Ok(())
}

impl EventLog for PostgresStore {
    fn events_since(&self, cursor: u64, limit: usize) -> Result<Vec<Event>> {
        let cursor = i64::try_from(cursor).unwrap_or(i64::MAX);
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        self.db.read_one(|tx| {
            let rows = tx.query(
                "SELECT cursor, id, at, kind FROM events WHERE cursor > $1 ORDER BY cursor LIMIT $2",
                &[&cursor, &limit],
            )?;
            rows.into_iter()
                .map(|r| {
                    let cursor: i64 = r.get(0);
                    let kind: String = r.get(3);
                    let kind: EventKind =
                        serde_json::from_str(&kind).map_err(|err| Error::Storage {
                            reason: format!("event {cursor} is unreadable: {err}"),
                        })?;
                    Ok(Event {
                        cursor: u64::try_from(cursor).unwrap_or(0),
                        id: crate::text(r.get(1))?,
                        at: Timestamp(r.get(2)),
                        kind,
                    })
                })
                .collect()
        })
    }

    fn discard_events(&self, cursor: u64) -> Result<()> {
        let cursor = i64::try_from(cursor).unwrap_or(i64::MAX);
        self.db.write(|tx| {
            tx.execute("DELETE FROM events WHERE cursor <= $1", &[&cursor])?;
            Ok(())
        })
    }
}
