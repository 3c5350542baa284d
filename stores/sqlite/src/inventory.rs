//! Stock: one row per (SKU, location), and reservations. The catalog's
//! per-SKU facts are a sum over the SKU's rows (a range of the primary key),
//! so a stock write touches one row and no totals table.
//!
//! Every operation runs in one `BEGIN IMMEDIATE` transaction: read the row,
//! apply the core's pure transition ([`kassa::inventory::StockLevel`]), and
//! write it back with `UPDATE ... WHERE version = ?` (rows affected
//! checked), so the decision and the write see the same row, the policy
//! rules live in one place (the core), and a lost update is impossible
//! even if two writers ever got past the file lock.

use std::collections::HashMap;

use kassa::error::shown;
use kassa::inventory::{Reservation, StockKey, StockLevel, StockPolicy, StockRecord};
use kassa::pricing::Timestamp;
use kassa::store::{
    apply_change, DocumentWrite, EventsFor, InventoryStore, ReservationEvents, StockChange,
};
use kassa::{Error, Result};
use rusqlite::{params, Connection, OptionalExtension};

use crate::conn::sql;
use crate::documents::put_all;
use crate::events::append;
use crate::SqliteStore;

fn count(v: i64) -> u64 {
    u64::try_from(v).unwrap_or(0)
}

fn signed(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

/// The stock row of `key`, read inside the caller's transaction.
pub(crate) fn read_stock(conn: &Connection, key: &StockKey) -> Result<Option<StockRecord>> {
    let row = conn
        .prepare_cached(
            "SELECT on_hand, reserved, committed, unavailable, policy, low_stock_threshold, \
             version FROM stock WHERE sku = ?1 AND location = ?2",
        )
        .map_err(sql)?
        .query_row(params![key.sku, key.location], |r| {
            Ok((
                StockLevel {
                    on_hand: r.get(0)?,
                    reserved: r.get(1)?,
                    committed: r.get(2)?,
                    unavailable: r.get(3)?,
                },
                r.get::<_, String>(4)?,
                r.get::<_, Option<i64>>(5)?,
                r.get::<_, i64>(6)?,
            ))
        })
        .optional()
        .map_err(sql)?;
    row.map(|(level, policy, low_stock_threshold, version)| {
        Ok(StockRecord {
            level,
            policy: decode_policy(&policy)?,
            low_stock_threshold,
            version: count(version),
        })
    })
    .transpose()
}

fn encode_policy(policy: &StockPolicy) -> Result<String> {
    serde_json::to_string(policy).map_err(|e| Error::Storage {
        reason: format!("cannot encode stock policy: {e}"),
    })
}

fn decode_policy(text: &str) -> Result<StockPolicy> {
    serde_json::from_str(text).map_err(|e| Error::Storage {
        reason: format!("unreadable stock policy {text:?}: {e}"),
    })
}

fn unlimited(record: &StockRecord) -> i64 {
    i64::from(!matches!(record.policy, StockPolicy::Deny))
}

/// Writes `after` over `before` (none: a new row); `sold` units were
/// committed by this write (the row keeps the running count the catalog's
/// best-selling sort reads).
pub(crate) fn put_stock(
    conn: &Connection,
    key: &StockKey,
    before: Option<&StockRecord>,
    after: &StockRecord,
    sold: u64,
) -> Result<()> {
    let policy = encode_policy(&after.policy)?;
    let l = after.level;
    let written = match before {
        Some(b) => conn
            .prepare_cached(
                "UPDATE stock SET on_hand = ?3, reserved = ?4, committed = ?5, unavailable = ?6, \
                 policy = ?7, low_stock_threshold = ?8, version = ?9, unlimited = ?10, \
                 sold = sold + ?11 WHERE sku = ?1 AND location = ?2 AND version = ?12",
            )
            .map_err(sql)?
            .execute(params![
                key.sku,
                key.location,
                l.on_hand,
                l.reserved,
                l.committed,
                l.unavailable,
                policy,
                after.low_stock_threshold,
                signed(after.version),
                unlimited(after),
                signed(sold),
                signed(b.version)
            ]),
        None => conn
            .prepare_cached(
                "INSERT INTO stock (sku, location, on_hand, reserved, committed, unavailable, \
                 policy, low_stock_threshold, version, unlimited, sold) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
            )
            .map_err(sql)?
            .execute(params![
                key.sku,
                key.location,
                l.on_hand,
                l.reserved,
                l.committed,
                l.unavailable,
                policy,
                after.low_stock_threshold,
                signed(after.version),
                unlimited(after),
                signed(sold)
            ]),
    }
    .map_err(sql)?;
    if written != 1 {
        return Err(Error::Storage {
            reason: format!(
                "stock row {:?}@{:?} changed under its transaction",
                shown(&key.sku),
                shown(&key.location)
            ),
        });
    }
    Ok(())
}

pub(crate) fn read_reservation(conn: &Connection, id: &str) -> Result<Option<Reservation>> {
    conn.prepare_cached("SELECT sku, location, qty, expires_at FROM reservations WHERE id = ?1")
        .map_err(sql)?
        .query_row([id], |r| {
            Ok(Reservation {
                id: id.into(),
                key: StockKey::new(r.get::<_, String>(0)?, r.get::<_, String>(1)?),
                qty: count(r.get(2)?),
                expires_at: Timestamp(r.get(3)?),
            })
        })
        .optional()
        .map_err(sql)
}

fn check_new_reservation(conn: &Connection, r: &Reservation) -> Result<()> {
    if read_reservation(conn, &r.id)?.is_some() {
        return Err(Error::InvalidStockOperation {
            operation: "reserve",
            reason: format!("reservation id {:?} is already in use", shown(&r.id)),
        });
    }
    Ok(())
}

/// Stores `r` (after the level accepted it, so its quantity is valid).
fn insert_reservation(conn: &Connection, r: &Reservation) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO reservations (id, sku, location, qty, expires_at) \
         VALUES (?1, ?2, ?3, ?4, ?5)",
    )
    .map_err(sql)?
    .execute(params![
        r.id.as_str(),
        r.key.sku,
        r.key.location,
        signed(r.qty),
        r.expires_at.0
    ])
    .map_err(sql)?;
    Ok(())
}

pub(crate) fn delete_reservation(conn: &Connection, id: &str) -> Result<()> {
    conn.prepare_cached("DELETE FROM reservations WHERE id = ?1")
        .map_err(sql)?
        .execute([id])
        .map_err(sql)?;
    Ok(())
}

fn unknown_stock(key: &StockKey) -> Error {
    Error::UnknownStock {
        sku: shown(&key.sku),
        location: shown(&key.location),
    }
}

/// Commits (or releases) reservation `r` inside the caller's transaction.
pub(crate) fn settle_in(
    conn: &Connection,
    r: &Reservation,
    commit: bool,
) -> Result<(StockRecord, StockRecord)> {
    let before = read_stock(conn, &r.key)?.ok_or_else(|| unknown_stock(&r.key))?;
    let mut after = before;
    after.level = if commit {
        before.level.commit(r.qty)?
    } else {
        before.level.release(r.qty)?
    };
    after.version += 1;
    put_stock(
        conn,
        &r.key,
        Some(&before),
        &after,
        if commit { r.qty } else { 0 },
    )?;
    delete_reservation(conn, &r.id)?;
    Ok((before, after))
}

impl InventoryStore for SqliteStore {
    fn stock(&self, key: &StockKey) -> Result<Option<StockRecord>> {
        self.db.read(|conn| read_stock(conn, key))
    }

    fn apply_stock(
        &self,
        key: &StockKey,
        change: &StockChange,
        events: EventsFor<'_>,
    ) -> Result<StockRecord> {
        self.db.write(|tx| {
            let before = read_stock(tx, key)?;
            let after = apply_change(before.as_ref(), change)?;
            let new_events = events(&before.unwrap_or_default(), &after);
            put_stock(tx, key, before.as_ref(), &after, 0)?;
            append(tx, new_events)?;
            Ok(after)
        })
    }

    fn reserve(&self, reservation: &Reservation, events: EventsFor<'_>) -> Result<StockRecord> {
        self.db.write(|tx| {
            let before =
                read_stock(tx, &reservation.key)?.ok_or_else(|| unknown_stock(&reservation.key))?;
            check_new_reservation(tx, reservation)?;
            let mut after = before;
            after.level = before.level.reserve(reservation.qty, before.policy)?;
            after.version += 1;
            insert_reservation(tx, reservation)?;
            put_stock(tx, &reservation.key, Some(&before), &after, 0)?;
            append(tx, events(&before, &after))?;
            Ok(after)
        })
    }

    fn reserve_all_and_write(
        &self,
        reservations: &[Reservation],
        events: ReservationEvents<'_>,
        writes: Vec<DocumentWrite>,
    ) -> Result<(Vec<StockRecord>, Vec<u64>)> {
        self.db.write(|tx| {
            let versions = put_all(tx, &writes)?;
            // Applied one after another in the transaction, so two lines on
            // one key see each other's units; `start` keeps what each key
            // had, for the error message.
            let mut start: HashMap<&StockKey, i64> = HashMap::new();
            let mut steps = Vec::with_capacity(reservations.len());
            for r in reservations {
                let before = read_stock(tx, &r.key)?.ok_or_else(|| unknown_stock(&r.key))?;
                start.entry(&r.key).or_insert(before.level.available());
                check_new_reservation(tx, r)?;
                let mut after = before;
                after.level = before.level.reserve(r.qty, before.policy).map_err(|e| {
                    r.shortfall_in(reservations, start.get(&r.key).copied().unwrap_or(0), e)
                })?;
                after.version += 1;
                insert_reservation(tx, r)?;
                put_stock(tx, &r.key, Some(&before), &after, 0)?;
                steps.push((before, after));
            }
            // Events only once every reservation passed (they take ids).
            let mut new_events = Vec::new();
            for (r, (before, after)) in reservations.iter().zip(&steps) {
                events(r, before, after, &mut new_events);
            }
            append(tx, new_events)?;
            let afters = steps.into_iter().map(|(_, after)| after).collect();
            Ok((afters, versions))
        })
    }

    fn settle(
        &self,
        id: &str,
        commit: bool,
        events: ReservationEvents<'_>,
    ) -> Result<(Reservation, StockRecord)> {
        self.db.write(|tx| {
            let r = read_reservation(tx, id)?
                .ok_or_else(|| Error::UnknownReservation { id: shown(id) })?;
            let (before, after) = settle_in(tx, &r, commit)?;
            let mut new_events = Vec::with_capacity(1);
            events(&r, &before, &after, &mut new_events);
            append(tx, new_events)?;
            Ok((r, after))
        })
    }

    fn expired(&self, now: Timestamp, limit: usize) -> Result<Vec<Reservation>> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        self.db.read(|conn| {
            let mut select = conn
                .prepare_cached(
                    "SELECT id, sku, location, qty, expires_at FROM reservations \
                     WHERE expires_at <= ?1 ORDER BY expires_at, id LIMIT ?2",
                )
                .map_err(sql)?;
            let rows = select
                .query_map(params![now.0, limit], |r| {
                    Ok(Reservation {
                        id: r.get::<_, String>(0)?.into(),
                        key: StockKey::new(r.get::<_, String>(1)?, r.get::<_, String>(2)?),
                        qty: count(r.get(3)?),
                        expires_at: Timestamp(r.get(4)?),
                    })
                })
                .map_err(sql)?;
            rows.collect::<rusqlite::Result<Vec<_>>>().map_err(sql)
        })
    }
}
