//! The outbox, without a lock shared by writers.
//!
//! A writing statement appends its events to `events_batches` as one row
//! of arrays, in their order, numbered by a sequence in arrival order: no
//! row lock, so transactions on different rows commit side by side (and
//! share disk flushes), and one row per statement, not per event (a
//! checkout's guarded statements carry 5 to 7 events each; a row each
//! cost the server a heap row, an index entry and a sequence step).
//! Cursors are handed out by readers: `events_since` first moves every
//! committed pending event into `events`, in arrival order and then in
//! their order within a row, numbering them after the last cursor under
//! the `event_cursor` row lock (one mover at a time). Rows of one event
//! in `events_pending` (schema 2 to 4, or a server of an older build
//! still running) are moved with them, by the same arrival sequence.
//! An event still uncommitted when a reader moves the others simply gets a
//! later cursor when it commits, so a reader never skips one, cursors are
//! dense and never reused, and the events of one caller's successive
//! operations keep their order.

use kassa::pricing::Timestamp;
use kassa::store::{Event, EventKind, EventLog, NewEvent};
use kassa::{Error, Result};

use crate::conn::Tx;
use crate::PostgresStore;

/// The outbox rows of `events` as statement parameters: ids, times and
/// encoded kinds, in order.
pub(crate) struct EventRows<'e> {
    pub(crate) ids: Vec<&'e [u8]>,
    pub(crate) ats: Vec<i64>,
    pub(crate) kinds: Vec<String>,
}

impl<'e> EventRows<'e> {
    /// Encodes `events`.
    pub(crate) fn of(events: &'e [NewEvent]) -> Result<EventRows<'e>> {
        let mut rows = EventRows {
            ids: Vec::with_capacity(events.len()),
            ats: Vec::with_capacity(events.len()),
            kinds: Vec::with_capacity(events.len()),
        };
        for e in events {
            rows.ids.push(e.id.as_bytes());
            rows.ats.push(e.at.0);
            rows.kinds.push(
                serde_json::to_string(&e.kind).map_err(|err| Error::Storage {
                    reason: format!("cannot encode event {}: {err}", e.id),
                })?,
            );
        }
        Ok(rows)
    }

    /// The three parameters of [`append_events_cte`], in its order.
    pub(crate) fn params(&self) -> [&(dyn postgres::types::ToSql + Sync); 3] {
        [&self.ids, &self.ats, &self.kinds]
    }
}

/// The outbox insert as a `WITH` entry named `e`, reading the events'
/// ids, times and kinds from parameters `$a`, `$b`, `$c` (`EventRows`):
/// one row holding them in their order, inserted only when there is an
/// event and `$cond` (an SQL condition on earlier entries) holds.
macro_rules! append_events_cte {
    ($a:literal, $b:literal, $c:literal, $cond:literal) => {
        concat!(
            "e AS (INSERT INTO events_batches (ids, ats, kinds) SELECT ",
            $a,
            "::BYTEA[], ",
            $b,
            "::BIGINT[], ",
            $c,
            "::TEXT[] WHERE cardinality(",
            $a,
            "::BYTEA[]) > 0 AND ",
            $cond,
            " RETURNING 1)"
        )
    };
}
pub(crate) use append_events_cte;

/// Appends `events` inside the caller's transaction: one statement.
pub(crate) fn append(tx: &mut Tx<'_>, events: Vec<NewEvent>) -> Result<()> {
    if events.is_empty() {
        return Ok(());
    }
    let rows = EventRows::of(&events)?;
    tx.execute(
        concat!(
            "WITH ",
            append_events_cte!("$1", "$2", "$3", "TRUE"),
            " SELECT 1"
        ),
        &[&rows.ids, &rows.ats, &rows.kinds],
    )?;
    Ok(())
}

/// Gives every committed pending event its cursor (see the module
/// documentation).
fn number_pending(tx: &mut Tx<'_>) -> Result<()> {
    // The row lock makes movers take turns; the next statement starts
    // after it is granted, so it sees everything committed before.
    let last: i64 = tx
        .query_one(
            "SELECT value FROM counters WHERE name = 'event_cursor' FOR UPDATE",
            &[],
        )?
        .get(0);
    let moved: i64 = tx
        .query_one(
            "WITH single AS (DELETE FROM events_pending RETURNING arrival, id, at, kind), \
             batches AS (DELETE FROM events_batches RETURNING arrival, ids, ats, kinds), \
             moved AS (SELECT arrival, 1::BIGINT AS ord, id, at, kind FROM single \
                 UNION ALL SELECT b.arrival, u.ord, u.id, u.at, u.kind FROM batches b, \
                     unnest(b.ids, b.ats, b.kinds) WITH ORDINALITY AS u (id, at, kind, ord)), \
             numbered AS (INSERT INTO events (cursor, id, at, kind) \
                 SELECT $1 + row_number() OVER (ORDER BY arrival, ord), id, at, kind \
                 FROM moved RETURNING cursor) \
             SELECT count(*) FROM numbered",
            &[&last],
        )?
        .get(0);
    if moved > 0 {
        tx.execute(
            "UPDATE counters SET value = $1 WHERE name = 'event_cursor'",
            &[&(last + moved)],
        )?;
    }
    Ok(())
}

impl EventLog for PostgresStore {
    fn events_since(&self, cursor: u64, limit: usize) -> Result<Vec<Event>> {
        let cursor = i64::try_from(cursor).unwrap_or(i64::MAX);
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        self.db.write(|tx| {
            number_pending(tx)?;
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
                        id: crate::text(r.get(1))?.into(),
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
            // Events committed before this call have cursors first, so
            // the cut is the same as a reader would see.
            number_pending(tx)?;
            tx.execute("DELETE FROM events WHERE cursor <= $1", &[&cursor])?;
            Ok(())
        })
    }
}
