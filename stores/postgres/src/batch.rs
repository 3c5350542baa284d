//! Set-based statements: many rows in one round trip.
//!
//! A checkout's reservation and its placement touch several stock rows,
//! reservations and documents. One statement per row costs a round trip
//! each (60-100 us on loopback), and while stock rows are locked every
//! round trip makes the next checkout of the same SKUs wait. These
//! statements pass the rows as arrays (`unnest`) instead.

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::sync::Arc;

use kassa::inventory::{Reservation, StockKey, StockRecord};
use kassa::pricing::Timestamp;
use kassa::store::{DocumentWrite, NewEvent};
use kassa::{Error, Result};

use crate::conn::Tx;
use crate::events::{append_events_cte, EventRows};
use crate::inventory::{count, policy_text, record, signed, unlimited};
use crate::{shown, text};

/// Locks the stock rows of `keys`, all in one statement in (sku,
/// location) byte order, so two transactions locking overlapping sets
/// cannot deadlock; returns them as read under the lock (missing rows are
/// absent).
pub(crate) fn lock_rows<'k>(
    tx: &mut Tx<'_>,
    keys: impl IntoIterator<Item = &'k StockKey>,
) -> Result<BTreeMap<&'k StockKey, StockRecord>> {
    let sorted: BTreeSet<&StockKey> = keys.into_iter().collect();
    let skus: Vec<&[u8]> = sorted.iter().map(|k| k.sku.as_bytes()).collect();
    let locations: Vec<&[u8]> = sorted.iter().map(|k| k.location.as_bytes()).collect();
    let rows = tx.query(
        "SELECT s.on_hand, s.reserved, s.committed, s.unavailable, s.policy, \
         s.low_stock_threshold, s.version, s.sku, s.location \
         FROM stock s JOIN unnest($1::BYTEA[], $2::BYTEA[]) AS k (sku, location) \
         ON s.sku = k.sku AND s.location = k.location \
         ORDER BY s.sku, s.location FOR UPDATE OF s",
        &[&skus, &locations],
    )?;
    let mut locked = BTreeMap::new();
    for row in &rows {
        let (sku, location): (&[u8], &[u8]) = (row.get(7), row.get(8));
        if let Some(key) = sorted
            .iter()
            .find(|k| k.sku.as_bytes() == sku && k.location.as_bytes() == location)
        {
            locked.insert(*key, record(row)?);
        }
    }
    Ok(locked)
}

/// A stock row to write: `(key, before, after, sold)`, `before` as read
/// under the row lock; `sold` units were committed by this write.
pub(crate) type StockWrite<'k> = (&'k StockKey, StockRecord, StockRecord, u64);

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
    let mut skus: Vec<&[u8]> = Vec::new();
    let mut locations: Vec<&[u8]> = Vec::new();
    let (mut on_hand, mut reserved, mut committed, mut unavailable) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let (mut policies, mut thresholds, mut versions) = (Vec::new(), Vec::new(), Vec::new());
    let (mut unlimiteds, mut solds, mut olds) = (Vec::new(), Vec::new(), Vec::new());
    for (key, before, after, sold) in rows {
        skus.push(key.sku.as_bytes());
        locations.push(key.location.as_bytes());
        on_hand.push(after.level.on_hand);
        reserved.push(after.level.reserved);
        committed.push(after.level.committed);
        unavailable.push(after.level.unavailable);
        policies.push(policy_text(after)?);
        thresholds.push(after.low_stock_threshold);
        versions.push(signed(after.version));
        unlimiteds.push(unlimited(after));
        solds.push(signed(*sold));
        olds.push(signed(before.version));
    }
    let ids: Vec<&[u8]> = reservations.iter().map(|r| r.id.as_bytes()).collect();
    let r_skus: Vec<&[u8]> = reservations.iter().map(|r| r.key.sku.as_bytes()).collect();
    let r_locations: Vec<&[u8]> = reservations
        .iter()
        .map(|r| r.key.location.as_bytes())
        .collect();
    let qtys: Vec<i64> = reservations.iter().map(|r| signed(r.qty)).collect();
    let expiries: Vec<i64> = reservations.iter().map(|r| r.expires_at.0).collect();
    let events = EventRows::of(events)?;
    let row = tx.query_one(
        concat!(
            "WITH s AS (UPDATE stock AS s SET on_hand = u.on_hand, reserved = u.reserved, \
             committed = u.committed, unavailable = u.unavailable, policy = u.policy, \
             low_stock_threshold = u.threshold, version = u.version, unlimited = u.unlimited, \
             sold = s.sold + u.sold \
             FROM unnest($1::BYTEA[], $2::BYTEA[], $3::BIGINT[], $4::BIGINT[], $5::BIGINT[], \
                 $6::BIGINT[], $7::TEXT[], $8::BIGINT[], $9::BIGINT[], $10::BIGINT[], \
                 $11::BIGINT[], $12::BIGINT[]) \
             AS u (sku, location, on_hand, reserved, committed, unavailable, policy, threshold, \
                 version, unlimited, sold, old) \
             WHERE s.sku = u.sku AND s.location = u.location AND s.version = u.old \
             RETURNING 1), \
             r AS (INSERT INTO reservations (id, sku, location, qty, expires_at) \
             SELECT * FROM unnest($13::BYTEA[], $14::BYTEA[], $15::BYTEA[], $16::BIGINT[], \
                 $17::BIGINT[]) \
             ON CONFLICT DO NOTHING RETURNING id), ",
            append_events_cte!("$18", "$19", "$20", "TRUE"),
            " SELECT (SELECT count(*) FROM s), ARRAY(SELECT id FROM r)"
        ),
        &[
            &skus,
            &locations,
            &on_hand,
            &reserved,
            &committed,
            &unavailable,
            &policies,
            &thresholds,
            &versions,
            &unlimiteds,
            &solds,
            &olds,
            &ids,
            &r_skus,
            &r_locations,
            &qtys,
            &expiries,
            &events.ids,
            &events.ats,
            &events.kinds,
        ],
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

/// Removes the reservations `ids` and locks their stock rows, in one
/// statement (rows locked in (sku, location) byte order, as
/// [`lock_rows`] does); returns the reservations in the order of `ids`
/// and the stock rows as read under the lock.
///
/// # Errors
///
/// `unknown_reservation` for the first id not open (each id is taken once:
/// a repeated id is unknown the second time).
pub(crate) fn take_and_lock(
    tx: &mut Tx<'_>,
    ids: &[Arc<str>],
) -> Result<(Vec<Reservation>, BTreeMap<StockKey, StockRecord>)> {
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
    let mut found: BTreeMap<Arc<str>, Reservation> = BTreeMap::new();
    let mut locked = BTreeMap::new();
    for row in &rows {
        let id: Arc<str> = text(row.get(7))?.into();
        let key = StockKey::new(text(row.get(8))?, text(row.get(9))?);
        let r = Reservation {
            id: Arc::clone(&id),
            key: key.clone(),
            qty: count(row.get(10)),
            expires_at: Timestamp(row.get(11)),
        };
        locked.insert(key, record(row)?);
        found.insert(id, r);
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
    let mut names = HashSet::new();
    if !writes
        .iter()
        .all(|w| names.insert((w.collection.as_str(), w.id.as_str())))
    {
        return Ok(None);
    }
    let (new, old): (Vec<&DocumentWrite>, Vec<&DocumentWrite>) =
        writes.iter().partition(|w| w.expected.is_none());
    fn columns<'w>(set: &[&'w DocumentWrite]) -> (Vec<&'w [u8]>, Vec<&'w [u8]>, Vec<i64>) {
        let collections = set.iter().map(|w| w.collection.as_bytes()).collect();
        let ids = set.iter().map(|w| w.id.as_bytes()).collect();
        let versions = set
            .iter()
            .map(|w| signed(w.expected.unwrap_or(0) + 1))
            .collect();
        (collections, ids, versions)
    }
    let (new_collections, new_ids, new_versions) = columns(&new);
    let new_bodies = new
        .iter()
        .map(|w| w.value.text())
        .collect::<Result<Vec<&str>>>()?;
    let (old_collections, old_ids, old_versions) = columns(&old);
    let old_bodies = old
        .iter()
        .map(|w| w.value.text())
        .collect::<Result<Vec<&str>>>()?;
    let expected: Vec<i64> = old
        .iter()
        .map(|w| signed(w.expected.unwrap_or(0)))
        .collect();
    let carts: Vec<&[u8]> = orders.iter().map(|(cart, _)| cart.as_bytes()).collect();
    let order_ids: Vec<&[u8]> = orders.iter().map(|(_, order)| order.as_bytes()).collect();
    let rows = tx.query(
        "WITH n AS (INSERT INTO documents (collection, id, version, body) \
             SELECT * FROM unnest($1::BYTEA[], $2::BYTEA[], $3::BIGINT[], $4::TEXT[]) \
             ON CONFLICT DO NOTHING RETURNING collection, id), \
         o AS (UPDATE documents AS d SET version = u.v, body = u.b \
             FROM unnest($5::BYTEA[], $6::BYTEA[], $7::BIGINT[], $8::TEXT[], $9::BIGINT[]) \
                 AS u (c, i, v, b, o) \
             WHERE d.collection = u.c AND d.id = u.i AND d.version = u.o \
             RETURNING d.collection, d.id), \
         k AS (INSERT INTO order_carts (cart, order_id) \
             SELECT * FROM unnest($10::BYTEA[], $11::BYTEA[]) \
             ON CONFLICT DO NOTHING RETURNING cart) \
         SELECT collection, id FROM n UNION ALL SELECT collection, id FROM o \
         UNION ALL SELECT NULL, cart FROM k",
        &[
            &new_collections,
            &new_ids,
            &new_versions,
            &new_bodies,
            &old_collections,
            &old_ids,
            &old_versions,
            &old_bodies,
            &expected,
            &carts,
            &order_ids,
        ],
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
    Ok(Some(
        writes.iter().map(|w| w.expected.unwrap_or(0) + 1).collect(),
    ))
}
