//! Set-based statements: many rows in one round trip.
//!
//! A checkout's reservation and its placement touch several stock rows,
//! reservations and documents. One statement per row costs a round trip
//! each (60-100 us on loopback), and while stock rows are locked every
//! round trip makes the next checkout of the same SKUs wait. These
//! statements pass the rows as arrays (`unnest`) instead.

use std::collections::{BTreeMap, BTreeSet, HashSet};

use kassa::inventory::{Reservation, ReservationId, StockKey, StockRecord};
use kassa::pricing::Timestamp;
use kassa::store::{DocumentWrite, NewEvent};
use kassa::{Error, Result};
use postgres::Row;

use crate::columns::{
    distinct_documents, documents_ctes, new_versions, order_carts_cte, reservations_insert_cte,
    stock_update_cte, DocumentColumns, ReservationColumns, StockColumns, StockWrite,
};
use crate::conn::Tx;
use crate::events::{append_events_cte, EventRows};
use crate::inventory::{count, record};
use crate::{shown, text};

/// The stock rows of `keys` (missing rows are absent), in one statement;
/// with `lock`, locked in (sku, location) byte order, so two transactions
/// locking overlapping sets cannot deadlock.
pub(crate) fn stock_rows<'k>(
    tx: &mut Tx<'_>,
    keys: impl IntoIterator<Item = &'k StockKey>,
    lock: bool,
) -> Result<BTreeMap<&'k StockKey, StockRecord>> {
    macro_rules! select {
        ($tail:literal) => {
            concat!(
                "SELECT s.on_hand, s.reserved, s.committed, s.unavailable, s.policy, \
                 s.low_stock_threshold, s.version, s.sku, s.location \
                 FROM stock s JOIN unnest($1::BYTEA[], $2::BYTEA[]) AS k (sku, location) \
                 ON s.sku = k.sku AND s.location = k.location",
                $tail
            )
        };
    }
    let sorted: BTreeSet<&StockKey> = keys.into_iter().collect();
    let skus: Vec<&[u8]> = sorted.iter().map(|k| k.sku.as_bytes()).collect();
    let locations: Vec<&[u8]> = sorted.iter().map(|k| k.location.as_bytes()).collect();
    let rows = if lock {
        tx.query(
            select!(" ORDER BY s.sku, s.location FOR UPDATE OF s"),
            &[&skus, &locations],
        )?
    } else {
        tx.query(select!(""), &[&skus, &locations])?
    };
    let mut found = BTreeMap::new();
    for row in &rows {
        let (sku, location): (&[u8], &[u8]) = (row.get(7), row.get(8));
        if let Some(key) = sorted
            .iter()
            .find(|k| k.sku.as_bytes() == sku && k.location.as_bytes() == location)
        {
            found.insert(*key, record(row)?);
        }
    }
    Ok(found)
}

/// Locks the stock rows of `keys` ([`stock_rows`] under lock).
pub(crate) fn lock_rows<'k>(
    tx: &mut Tx<'_>,
    keys: impl IntoIterator<Item = &'k StockKey>,
) -> Result<BTreeMap<&'k StockKey, StockRecord>> {
    stock_rows(tx, keys, true)
}

/// Writes each stock row over its locked row, inserts `reservations` (if
/// any) and appends `events`, all in one statement: the last round trip
/// before the commit while the rows are locked.
///
/// # Errors
///
/// `invalid_stock_operation` when a reservation id is already in use; a
/// retryable storage error when a stock row changed under its lock.
pub(crate) fn write_stock(
    tx: &mut Tx<'_>,
    rows: &[StockWrite<'_>],
    reservations: &[Reservation],
    events: &[NewEvent],
) -> Result<()> {
    let stock = StockColumns::of(rows)?;
    let held = ReservationColumns::of(reservations);
    let events = EventRows::of(events)?;
    let mut params = Vec::with_capacity(20);
    params.extend(stock.params());
    params.extend(held.params());
    params.extend(events.params());
    let row = tx.query_one(
        concat!(
            "WITH ",
            stock_update_cte!(),
            ", ",
            reservations_insert_cte!(),
            ", ",
            append_events_cte!("$18", "$19", "$20", "TRUE"),
            " SELECT (SELECT count(*) FROM s), ARRAY(SELECT id FROM r)"
        ),
        &params,
    )?;
    let written: i64 = row.get(0);
    let inserted: Vec<Vec<u8>> = row.get(1);
    if let Some(taken) = reservations
        .iter()
        .find(|r| !inserted.iter().any(|id| id.as_slice() == r.id.as_bytes()))
    {
        return Err(Error::InvalidStockOperation {
            operation: "reserve",
            reason: format!("reservation id {:?} is already in use", shown(&taken.id)),
        });
    }
    if written != rows.len() as i64 {
        // Rows are locked, so this means another transaction got in
        // between: start over.
        tx.retry_later();
        return Err(Error::Storage {
            reason: format!(
                "{} of {} stock rows changed under their transaction",
                rows.len() as i64 - written,
                rows.len()
            ),
        });
    }
    Ok(())
}

/// Reservations in the order asked for, and their stock rows.
pub(crate) type Held = (Vec<Reservation>, BTreeMap<StockKey, StockRecord>);

/// A row of the reservation readers: the stock row (columns 0-6, as
/// [`record`] reads them), then the reservation's id, sku, location,
/// quantity and expiry (7-11).
fn reservation_and_stock(row: &Row) -> Result<(Reservation, StockRecord)> {
    let reservation = Reservation {
        id: text(row.get(7))?.into(),
        key: StockKey::new(text(row.get(8))?, text(row.get(9))?),
        qty: count(row.get(10)),
        expires_at: Timestamp(row.get(11)),
    };
    Ok((reservation, record(row)?))
}

/// Removes the reservations `ids` and locks their stock rows, in one
/// statement (rows locked in (sku, location) byte order, as
/// [`lock_rows`] does); returns the reservations in the order of `ids`
/// and the stock rows as read under the lock.
///
/// # Errors
///
/// `unknown_reservation` for the first id not open (each id is taken once:
/// a repeated id is unknown the second time).
pub(crate) fn take_and_lock(tx: &mut Tx<'_>, ids: &[ReservationId]) -> Result<Held> {
    let wanted: Vec<&[u8]> = ids.iter().map(|id| id.as_bytes()).collect();
    let rows = tx.query(
        "WITH t AS (DELETE FROM reservations WHERE id = ANY($1) \
             RETURNING id, sku, location, qty, expires_at) \
         SELECT s.on_hand, s.reserved, s.committed, s.unavailable, s.policy, \
             s.low_stock_threshold, s.version, t.id, t.sku, t.location, t.qty, t.expires_at, \
             ARRAY(SELECT id FROM t) \
         FROM t JOIN stock s ON s.sku = t.sku AND s.location = t.location \
         ORDER BY t.sku, t.location FOR UPDATE OF s",
        &[&wanted],
    )?;
    let mut found: BTreeMap<ReservationId, Reservation> = BTreeMap::new();
    let mut locked = BTreeMap::new();
    for row in &rows {
        let (r, stock) = reservation_and_stock(row)?;
        locked.insert(r.key.clone(), stock);
        found.insert(r.id.clone(), r);
    }
    let taken: Vec<Vec<u8>> = rows.first().map(|row| row.get(12)).unwrap_or_default();
    if taken.len() != found.len() {
        // Stock rows are never deleted, so a reservation always has one.
        return Err(Error::Storage {
            reason: format!(
                "{} reservation(s) have no stock row",
                taken.len().abs_diff(found.len())
            ),
        });
    }
    let reservations = ids
        .iter()
        .map(|id| {
            found
                .remove(&**id)
                .ok_or_else(|| Error::UnknownReservation { id: shown(id) })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok((reservations, locked))
}

/// The open reservations `ids`, in their order, and their stock rows, as
/// one statement reads them (nothing locked or removed); none when one of
/// them is not open or an id repeats.
pub(crate) fn open_reservations(tx: &mut Tx<'_>, ids: &[ReservationId]) -> Result<Option<Held>> {
    let wanted: Vec<&[u8]> = ids.iter().map(|id| id.as_bytes()).collect();
    let rows = tx.query(
        "SELECT s.on_hand, s.reserved, s.committed, s.unavailable, s.policy, \
             s.low_stock_threshold, s.version, r.id, r.sku, r.location, r.qty, r.expires_at \
         FROM reservations r JOIN stock s ON s.sku = r.sku AND s.location = r.location \
         WHERE r.id = ANY($1)",
        &[&wanted],
    )?;
    in_order(ids, &rows)
}

/// The reservations `ids` in their order, and their stock rows, from
/// `rows` of the reservation readers; none when one is missing or an id
/// repeats.
pub(crate) fn in_order<'r>(
    ids: &[ReservationId],
    rows: impl IntoIterator<Item = &'r Row>,
) -> Result<Option<Held>> {
    let mut found: BTreeMap<ReservationId, Reservation> = BTreeMap::new();
    let mut stock = BTreeMap::new();
    for row in rows {
        let (r, record) = reservation_and_stock(row)?;
        stock.insert(r.key.clone(), record);
        found.insert(r.id.clone(), r);
    }
    let in_order: Option<Vec<Reservation>> = ids.iter().map(|id| found.remove(&**id)).collect();
    Ok(in_order.map(|reservations| (reservations, stock)))
}

/// Saves `writes` (each if its stored version is the expected one) and
/// records each `(cart, order)` of `orders` as the cart's only order, in
/// one statement; returns the new versions in order, or
/// `concurrent_modification` for the first stale write, then for the
/// first cart that already has an order (the caller's transaction then
/// rolls back). `None` when two writes name one document: the caller
/// writes them one by one instead.
pub(crate) fn put_documents(
    tx: &mut Tx<'_>,
    writes: &[DocumentWrite],
    orders: &[(String, &str)],
) -> Result<Option<Vec<u64>>> {
    if !distinct_documents(writes) {
        return Ok(None);
    }
    let docs = DocumentColumns::of(writes)?;
    let carts: Vec<&[u8]> = orders.iter().map(|(cart, _)| cart.as_bytes()).collect();
    let order_ids: Vec<&[u8]> = orders.iter().map(|(_, order)| order.as_bytes()).collect();
    let mut params = Vec::with_capacity(11);
    params.extend(docs.params());
    params.push(&carts);
    params.push(&order_ids);
    let rows = tx.query(
        concat!(
            "WITH ",
            documents_ctes!("$1", "$2", "$3", "$4", "$5", "$6", "$7", "$8", "$9"),
            ", ",
            order_carts_cte!("$10", "$11"),
            " SELECT collection, id FROM n UNION ALL SELECT collection, id FROM o \
             UNION ALL SELECT NULL, cart FROM k"
        ),
        &params,
    )?;
    let mut written: HashSet<(Vec<u8>, Vec<u8>)> = HashSet::new();
    let mut recorded: HashSet<Vec<u8>> = HashSet::new();
    for row in rows {
        match row.get::<_, Option<Vec<u8>>>(0) {
            Some(collection) => {
                written.insert((collection, row.get::<_, Vec<u8>>(1)));
            }
            None => {
                recorded.insert(row.get::<_, Vec<u8>>(1));
            }
        }
    }
    for w in writes {
        let key = (w.collection.as_bytes().to_vec(), w.id.as_bytes().to_vec());
        if !written.contains(&key) {
            return Err(Error::ConcurrentModification {
                entity: format!("{}/{}", w.collection, shown(&w.id)),
                expected: w.expected,
                current: crate::documents::version_of(tx, &w.collection, &w.id)?,
            });
        }
    }
    if let Some((cart, _)) = orders
        .iter()
        .find(|(cart, _)| !recorded.contains(cart.as_bytes()))
    {
        return Err(Error::ConcurrentModification {
            entity: format!("orders/cart={}", shown(cart)),
            expected: None,
            current: Some(1),
        });
    }
    Ok(Some(new_versions(writes)))
}
