//! Set-based statements: many rows in one round trip.
//!
//! A checkout's reservation and its placement touch several stock rows,
//! reservations and documents. One statement per row costs a round trip
//! each (60-100 us on loopback), and while stock rows are locked every
//! round trip makes the next checkout of the same SKUs wait. These
//! statements pass the rows as arrays (`unnest`) instead.

use std::collections::{BTreeMap, BTreeSet, HashSet};

use kassa::inventory::{Reservation, StockKey, StockRecord};
use kassa::pricing::Timestamp;
use kassa::store::DocumentWrite;
use kassa::{Error, Result};

use crate::conn::Tx;
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

/// Writes each `(key, before, after, sold)` over its locked row (`before`
/// is what was read under the lock); `sold` units were committed by this
/// write.
pub(crate) fn put_stocks(
    tx: &mut Tx<'_>,
    rows: &[(&StockKey, StockRecord, StockRecord, u64)],
) -> Result<()> {
    if rows.is_empty() {
        return Ok(());
    }
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
    let written = tx.execute(
        "UPDATE stock AS s SET on_hand = u.on_hand, reserved = u.reserved, \
         committed = u.committed, unavailable = u.unavailable, policy = u.policy, \
         low_stock_threshold = u.threshold, version = u.version, unlimited = u.unlimited, \
         sold = s.sold + u.sold \
         FROM unnest($1::BYTEA[], $2::BYTEA[], $3::BIGINT[], $4::BIGINT[], $5::BIGINT[], \
             $6::BIGINT[], $7::TEXT[], $8::BIGINT[], $9::BIGINT[], $10::BIGINT[], \
             $11::BIGINT[], $12::BIGINT[]) \
         AS u (sku, location, on_hand, reserved, committed, unavailable, policy, threshold, \
             version, unlimited, sold, old) \
         WHERE s.sku = u.sku AND s.location = u.location AND s.version = u.old",
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
        ],
    )?;
    if written != rows.len() as u64 {
        // Rows are locked, so this means another transaction got in
        // between: start over.
        tx.retry_later();
        return Err(Error::Storage {
            reason: format!(
                "{} of {} stock rows changed under their transaction",
                rows.len() as u64 - written,
                rows.len()
            ),
        });
    }
    Ok(())
}

/// The ids among `reservations` already held by an open reservation.
pub(crate) fn reservations_in_use(
    tx: &mut Tx<'_>,
    reservations: &[Reservation],
) -> Result<HashSet<String>> {
    let ids: Vec<&[u8]> = reservations.iter().map(|r| r.id.as_bytes()).collect();
    tx.query("SELECT id FROM reservations WHERE id = ANY($1)", &[&ids])?
        .iter()
        .map(|row| text(row.get(0)))
        .collect()
}

/// Inserts `reservations` (their ids checked free by the caller).
pub(crate) fn insert_reservations(tx: &mut Tx<'_>, reservations: &[Reservation]) -> Result<()> {
    let ids: Vec<&[u8]> = reservations.iter().map(|r| r.id.as_bytes()).collect();
    let skus: Vec<&[u8]> = reservations.iter().map(|r| r.key.sku.as_bytes()).collect();
    let locations: Vec<&[u8]> = reservations
        .iter()
        .map(|r| r.key.location.as_bytes())
        .collect();
    let qtys: Vec<i64> = reservations.iter().map(|r| signed(r.qty)).collect();
    let expiries: Vec<i64> = reservations.iter().map(|r| r.expires_at.0).collect();
    let written = tx.execute(
        "INSERT INTO reservations (id, sku, location, qty, expires_at) \
         SELECT * FROM unnest($1::BYTEA[], $2::BYTEA[], $3::BYTEA[], $4::BIGINT[], $5::BIGINT[]) \
         ON CONFLICT DO NOTHING",
        &[&ids, &skus, &locations, &qtys, &expiries],
    )?;
    if written != reservations.len() as u64 {
        // Taken between the check and the insert: start over.
        tx.retry_later();
        return Err(Error::Storage {
            reason: "a reservation id was taken under its transaction".into(),
        });
    }
    Ok(())
}

/// Removes the reservations `ids` and returns them in that order;
/// `unknown_reservation` for the first one not open.
pub(crate) fn take_reservations(tx: &mut Tx<'_>, ids: &[String]) -> Result<Vec<Reservation>> {
    let wanted: Vec<&[u8]> = ids.iter().map(|id| id.as_bytes()).collect();
    let rows = tx.query(
        "DELETE FROM reservations WHERE id = ANY($1) \
         RETURNING id, sku, location, qty, expires_at",
        &[&wanted],
    )?;
    let mut found: BTreeMap<String, Reservation> = BTreeMap::new();
    for row in &rows {
        let id = text(row.get(0))?;
        let r = Reservation {
            id: id.clone(),
            key: StockKey::new(text(row.get(1))?, text(row.get(2))?),
            qty: count(row.get(3)),
            expires_at: Timestamp(row.get(4)),
        };
        found.insert(id, r);
    }
    // Each taken once: a repeated id is unknown the second time.
    ids.iter()
        .map(|id| {
            found
                .remove(id)
                .ok_or_else(|| Error::UnknownReservation { id: shown(id) })
        })
        .collect()
}

/// Saves `writes` (each if its stored version is the expected one) in two
/// statements; returns the new versions in order, or
/// `concurrent_modification` for the first stale one (the caller's
/// transaction then rolls back). `None` when two writes name one document:
/// the caller writes them one by one instead.
pub(crate) fn put_documents(tx: &mut Tx<'_>, writes: &[DocumentWrite]) -> Result<Option<Vec<u64>>> {
    let mut names = HashSet::new();
    if !writes
        .iter()
        .all(|w| names.insert((w.collection.as_str(), w.id.as_str())))
    {
        return Ok(None);
    }
    let mut bodies = Vec::with_capacity(writes.len());
    for w in writes {
        bodies.push(w.value.as_str());
    }
    let version = |w: &DocumentWrite| signed(w.expected.unwrap_or(0) + 1);
    let (new, old): (Vec<usize>, Vec<usize>) =
        (0..writes.len()).partition(|&i| writes[i].expected.is_none());
    let mut written: HashSet<(Vec<u8>, Vec<u8>)> = HashSet::new();
    for (indexes, sql) in [
        (
            &new,
            "INSERT INTO documents (collection, id, version, body) \
             SELECT c, i, v, b FROM unnest($1::BYTEA[], $2::BYTEA[], $3::BIGINT[], $4::TEXT[], \
                 $5::BIGINT[]) AS u (c, i, v, b, o) \
             ON CONFLICT DO NOTHING RETURNING collection, id",
        ),
        (
            &old,
            "UPDATE documents AS d SET version = u.v, body = u.b \
             FROM unnest($1::BYTEA[], $2::BYTEA[], $3::BIGINT[], $4::TEXT[], $5::BIGINT[]) \
                 AS u (c, i, v, b, o) \
             WHERE d.collection = u.c AND d.id = u.i AND d.version = u.o \
             RETURNING d.collection, d.id",
        ),
    ] {
        if indexes.is_empty() {
            continue;
        }
        let collections: Vec<&[u8]> = indexes
            .iter()
            .map(|&i| writes[i].collection.as_bytes())
            .collect();
        let ids: Vec<&[u8]> = indexes.iter().map(|&i| writes[i].id.as_bytes()).collect();
        let versions: Vec<i64> = indexes.iter().map(|&i| version(&writes[i])).collect();
        let texts: Vec<&str> = indexes.iter().map(|&i| bodies[i]).collect();
        let olds: Vec<i64> = indexes
            .iter()
            .map(|&i| signed(writes[i].expected.unwrap_or(0)))
            .collect();
        for row in tx.query(sql, &[&collections, &ids, &versions, &texts, &olds])? {
            written.insert((row.get::<_, Vec<u8>>(0), row.get::<_, Vec<u8>>(1)));
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
    Ok(Some(
        writes.iter().map(|w| w.expected.unwrap_or(0) + 1).collect(),
    ))
}
