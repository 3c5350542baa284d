//! Optimistic writes: a checkout's reservation and its order placement in
//! one round trip each when this store's guess of the rows holds (see
//! `stock_cache.rs`), two when the rows must be read, without a
//! transaction of their own.
//!
//! Under row locks a reservation costs five round trips (`BEGIN`, the
//! key's claim, the rows locked, the write, `COMMIT`) and so does a
//! placement; with the server's two cores shared by eight clients, round
//! trips are what a completion costs. Here the rows are guessed (as this
//! store last wrote them) or read without locks (one statement), the
//! core's pure transition decides on them in Rust, and everything is
//! written by one guarded statement: each stock row only if its version
//! is still the one guessed or read, each document only from
//! its expected version, each reservation taken only if still open, and
//! the statement ends in `kassa_require`, which fails it whole (SQLSTATE
//! `KA001`) unless every row was written; a row it inserts that is
//! already there fails it whole too (`unique_violation`). One statement
//! is one transaction, so a guarded write lands entirely or not at all.
//! The statement has only the `WITH` entries the write needs (see
//! `shape.rs`).
//!
//! When the guard fails on a guess, the rows are read and the write tried
//! again. When it fails on rows read (a concurrent checkout moved one), or
//! the decision on the unlocked rows is a refusal (which a row moved since
//! might reverse), the caller decides again under row locks
//! (`SELECT ... FOR UPDATE` in key order), exactly as before: the locking
//! path gives every error its precise answer, and under heavy contention
//! on one SKU it is the path that makes progress.

use std::collections::BTreeMap;

use kassa::inventory::{Reservation, ReservationId, StockKey, StockRecord};
use kassa::store::{DocumentWrite, NewEvent};
use kassa::Result;

use kassa::store::SEQUENCES;

use crate::batch::{in_order, stock_rows, Held};
use crate::columns::{
    distinct_documents, new_versions, DocumentColumns, ReservationColumns, StockColumns, StockWrite,
};
use crate::conn::{Db, Tx};
use crate::documents::{plan_commit, take_number, CommittedEvent, Placement};
use crate::events::EventRows;
use crate::inventory::plan_reserve;
use crate::shape::{Shape, Shaped};
use crate::stock_cache::StockCache;
use kassa::store::ReservationEvents;

/// One guarded write: stock rows from their read versions, reservations
/// inserted and taken, documents, one-order-per-cart rows and events; and
/// with `number`, the next number of that sequence taken.
struct Guarded<'a> {
    stock: &'a [StockWrite<'a>],
    insert: &'a [Reservation],
    take: &'a [ReservationId],
    writes: &'a [DocumentWrite],
    orders: &'a [(String, &'a str)],
    events: &'a [NewEvent],
    number: Option<&'a str>,
}

/// Writes `g` in one statement of the shape it needs (see `shape.rs`):
/// none when nothing landed because a row was not as read (see the
/// module documentation), else the number taken (none when `g` asked for
/// none).
fn write_guarded(tx: &mut Tx<'_>, g: &Guarded<'_>) -> Result<Option<Option<u64>>> {
    let stock = StockColumns::of(g.stock)?;
    let held = ReservationColumns::of(g.insert);
    let events = EventRows::of(g.events)?;
    let docs = DocumentColumns::of(g.writes)?;
    let carts: Vec<&[u8]> = g.orders.iter().map(|(cart, _)| cart.as_bytes()).collect();
    let order_ids: Vec<&[u8]> = g.orders.iter().map(|(_, id)| id.as_bytes()).collect();
    let take: Vec<&[u8]> = g.take.iter().map(|id| id.as_bytes()).collect();
    let (new_docs, old_docs) = docs.counts();
    // The rows each counted entry must write (none: left out).
    let wanted = [
        g.stock.len(),
        g.insert.len(),
        new_docs,
        old_docs,
        g.orders.len(),
        g.take.len(),
    ]
    .map(|n| i64::try_from(n).unwrap_or(i64::MAX));
    let sequences = SEQUENCES.as_bytes();
    let sequence = g.number.unwrap_or_default().as_bytes();
    let mut shaped = Shaped::default();
    shaped
        // The number's statement commits without waiting for its WAL
        // flush, as `take_number!` says; the placement after it waits,
        // and the WAL is flushed in order.
        .part(Shape::NUMBER, g.number.is_some(), &[&sequences, &sequence])
        .counted(Shape::STOCK, &wanted[0], &stock.params())
        .counted(Shape::RESERVE, &wanted[1], &held.params())
        .part(Shape::EVENTS, !g.events.is_empty(), &events.params())
        .counted(Shape::INSERT, &wanted[2], &docs.insert_params())
        .counted(Shape::UPDATE, &wanted[3], &docs.update_params())
        .counted(Shape::ORDERS, &wanted[4], &[&carts, &order_ids])
        .counted(Shape::TAKE, &wanted[5], &[&take]);
    let (sql, params) = shaped.statement();
    let rows = tx.query_guarded(sql, params)?;
    Ok(rows.map(|rows| {
        rows.first()
            .and_then(|row| row.get::<_, Option<i64>>(1))
            .and_then(|n| u64::try_from(n).ok())
    }))
}

/// What an optimistic reservation gives: the records after, the
/// documents' new versions, and the number taken (when asked).
pub(crate) type Reserved = (Vec<StockRecord>, Vec<u64>, Option<u64>);

/// [`kassa::store::InventoryStore::reserve_all_and_write`] optimistically:
/// the records after and the documents' new versions, or none when the
/// caller must decide under row locks (nothing was written). Tried first
/// on the rows as `cache` remembers them (no read), then on rows read now.
pub(crate) fn reserve(
    db: &Db,
    cache: &StockCache,
    reservations: &[Reservation],
    events: ReservationEvents<'_>,
    writes: &[DocumentWrite],
    number: Option<&str>,
) -> Result<Option<Reserved>> {
    if !distinct_documents(writes) {
        return Ok(None);
    }
    let keys = || reservations.iter().map(|r| &r.key);
    if let Some(remembered) = cache.rows_of(keys()) {
        let done = reserve_on(db, cache, reservations, &remembered, events, writes, number)?;
        if done.is_some() {
            return Ok(done);
        }
    }
    let stored = db.read_one(|tx| stock_rows(tx, keys(), false))?;
    cache.remember(stored.iter().map(|(key, record)| (*key, *record)));
    reserve_on(db, cache, reservations, &stored, events, writes, number)
}

/// [`reserve`] decided on `stored` and written guarded.
fn reserve_on(
    db: &Db,
    cache: &StockCache,
    reservations: &[Reservation],
    stored: &BTreeMap<&StockKey, StockRecord>,
    events: ReservationEvents<'_>,
    writes: &[DocumentWrite],
    number: Option<&str>,
) -> Result<Option<Reserved>> {
    let Ok((rows, afters, new_events)) = plan_reserve(reservations, stored, events) else {
        return Ok(None);
    };
    let guarded = Guarded {
        stock: &rows,
        insert: reservations,
        take: &[],
        writes,
        orders: &[],
        events: &new_events,
        number,
    };
    let Some(taken) = db.write_one(|tx| write_guarded(tx, &guarded))? else {
        return Ok(None);
    };
    cache.remember(written(&rows));
    cache.opened(reservations);
    Ok(Some((afters, new_versions(writes), taken)))
}

/// The rows `rows` as written: each key with its record after.
pub(crate) fn written<'r, 'k: 'r>(
    rows: &'r [StockWrite<'k>],
) -> impl Iterator<Item = (&'k StockKey, StockRecord)> + 'r {
    rows.iter().map(|(key, _, after, _)| (*key, *after))
}

/// [`kassa::store::OrderStore::place_order`] optimistically: the
/// documents' new versions, or none when the caller must decide under row
/// locks (nothing was written).
/// `stored` is what [`crate::batch::open_reservations`] read (none: one is not open).
pub(crate) fn place(
    db: &Db,
    cache: &StockCache,
    p: &Placement<'_>,
    stored: Option<Held>,
    committed: CommittedEvent<'_>,
) -> Result<Option<Vec<u64>>> {
    let Some((taken, stored)) = stored else {
        return Ok(None);
    };
    if !distinct_documents(p.writes) {
        return Ok(None);
    }
    let Ok((rows, all)) = plan_commit(&taken, &stored, p.events, committed) else {
        return Ok(None);
    };
    let guarded = Guarded {
        stock: &rows,
        insert: &[],
        take: p.commit,
        writes: p.writes,
        orders: p.orders,
        events: &all,
        number: None,
    };
    let landed = db.write_one(|tx| write_guarded(tx, &guarded))?.is_some();
    if landed {
        cache.remember(written(&rows));
    }
    Ok(landed.then(|| new_versions(p.writes)))
}

/// Takes the next number of `sequence` and reads the open reservations
/// `ids` with their stock rows, in one statement (its own transaction:
/// the number is taken whatever comes next); the reservations as
/// [`crate::batch::open_reservations`] gives them.
pub(crate) fn number_and_open_reservations(
    tx: &mut Tx<'_>,
    sequence: &str,
    ids: &[ReservationId],
) -> Result<(u64, Option<Held>)> {
    let wanted: Vec<&[u8]> = ids.iter().map(|id| id.as_bytes()).collect();
    let rows = tx.query(
        concat!(
            "WITH num AS (",
            take_number!(),
            ") SELECT s.on_hand, s.reserved, s.committed, s.unavailable, s.policy, \
                 s.low_stock_threshold, s.version, r.id, r.sku, r.location, r.qty, \
                 r.expires_at, num.number \
             FROM num LEFT JOIN (reservations r JOIN stock s \
                 ON s.sku = r.sku AND s.location = r.location) ON r.id = ANY($3)"
        ),
        &[&SEQUENCES.as_bytes(), &sequence.as_bytes(), &wanted],
    )?;
    let number = rows
        .first()
        .map(|row| u64::try_from(row.get::<_, i64>(12)).unwrap_or(0))
        .unwrap_or(0);
    // Without open reservations the one row has the number only.
    let found = rows
        .iter()
        .filter(|row| row.get::<_, Option<&[u8]>>(7).is_some());
    Ok((number, in_order(ids, found)?))
}
