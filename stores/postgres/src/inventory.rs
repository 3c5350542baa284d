//! Stock rows and reservations.
//!
//! A checkout's reservation (`reserve_all_and_write`) is tried first
//! without locks (`optimistic.rs`); every operation otherwise locks the
//! stock rows it decides on (`SELECT ... FOR UPDATE`, several rows always
//! in key order, so two multi-line reservations cannot deadlock), applies the core's pure transition, and
//! writes back with `UPDATE ... WHERE version = ?`. A reservation is
//! claimed by deleting it (`DELETE ... RETURNING`), so two settles of one
//! reservation cannot both win.

use std::collections::BTreeMap;

use kassa::inventory::{Reservation, StockKey, StockLevel, StockPolicy, StockRecord};
use kassa::pricing::Timestamp;
use kassa::store::{
    apply_change, DocumentWrite, EventsFor, InventoryStore, NewEvent, ReservationEvents,
    StockChange,
};
use kassa::{Error, Result};
use postgres::Row;

use crate::batch::{lock_rows, write_stock};
use crate::columns::StockWrite;
use crate::conn::Tx;
use crate::documents::put_all;
use crate::events::append;
use crate::{optimistic, shown, text, PostgresStore};

pub(crate) fn count(v: i64) -> u64 {
    u64::try_from(v).unwrap_or(0)
}

pub(crate) fn signed(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

pub(crate) fn record(row: &Row) -> Result<StockRecord> {
    let policy: String = row.get(4);
    Ok(StockRecord {
        level: StockLevel {
            on_hand: row.get(0),
            reserved: row.get(1),
            committed: row.get(2),
            unavailable: row.get(3),
        },
        policy: serde_json::from_str(&policy).map_err(|e| Error::Storage {
            reason: format!("unreadable stock policy {policy:?}: {e}"),
        })?,
        low_stock_threshold: row.get(5),
        version: count(row.get(6)),
    })
}

/// The stock row of `key`; `lock` takes its row lock until the commit.
pub(crate) fn read_stock(
    tx: &mut Tx<'_>,
    key: &StockKey,
    lock: bool,
) -> Result<Option<StockRecord>> {
    let params: [&(dyn postgres::types::ToSql + Sync); 2] =
        [&key.sku.as_bytes(), &key.location.as_bytes()];
    let row = if lock {
        tx.query_opt(
            "SELECT on_hand, reserved, committed, unavailable, policy, low_stock_threshold, \
             version FROM stock WHERE sku = $1 AND location = $2 FOR UPDATE",
            &params,
        )?
    } else {
        tx.query_opt(
            "SELECT on_hand, reserved, committed, unavailable, policy, low_stock_threshold, \
             version FROM stock WHERE sku = $1 AND location = $2",
            &params,
        )?
    };
    row.as_ref().map(record).transpose()
}

pub(crate) fn unlimited(record: &StockRecord) -> i64 {
    i64::from(!matches!(record.policy, StockPolicy::Deny))
}

/// The stored form of a row's policy.
pub(crate) fn policy_text(record: &StockRecord) -> Result<String> {
    serde_json::to_string(&record.policy).map_err(|e| Error::Storage {
        reason: format!("cannot encode stock policy: {e}"),
    })
}

/// Writes `after` over `before` (none: a new row); `sold` units were
/// committed by this write.
pub(crate) fn put_stock(
    tx: &mut Tx<'_>,
    key: &StockKey,
    before: Option<&StockRecord>,
    after: &StockRecord,
    sold: u64,
) -> Result<()> {
    let policy = policy_text(after)?;
    let l = after.level;
    let (version, unlimited, sold) = (signed(after.version), unlimited(after), signed(sold));
    let (sku, location) = (key.sku.as_bytes(), key.location.as_bytes());
    let written = match before {
        Some(b) => tx.execute(
            "UPDATE stock SET on_hand = $3, reserved = $4, committed = $5, unavailable = $6, \
             policy = $7, low_stock_threshold = $8, version = $9, unlimited = $10, \
             sold = sold + $11 WHERE sku = $1 AND location = $2 AND version = $12",
            &[
                &sku,
                &location,
                &l.on_hand,
                &l.reserved,
                &l.committed,
                &l.unavailable,
                &policy,
                &after.low_stock_threshold,
                &version,
                &unlimited,
                &sold,
                &signed(b.version),
            ],
        )?,
        None => tx.execute(
            "INSERT INTO stock (sku, location, on_hand, reserved, committed, unavailable, \
             policy, low_stock_threshold, version, unlimited, sold) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) ON CONFLICT DO NOTHING",
            &[
                &sku,
                &location,
                &l.on_hand,
                &l.reserved,
                &l.committed,
                &l.unavailable,
                &policy,
                &after.low_stock_threshold,
                &version,
                &unlimited,
                &sold,
            ],
        )?,
    };
    if written != 1 {
        // Another transaction created or changed the row first: start over.
        tx.retry_later();
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

fn reservation(id: &str, row: &Row) -> Result<Reservation> {
    Ok(Reservation {
        id: id.into(),
        key: StockKey::new(text(row.get(0))?, text(row.get(1))?),
        qty: count(row.get(2)),
        expires_at: Timestamp(row.get(3)),
    })
}

/// Removes reservation `id` and returns it (none: not open).
pub(crate) fn take_reservation(tx: &mut Tx<'_>, id: &str) -> Result<Option<Reservation>> {
    tx.query_opt(
        "DELETE FROM reservations WHERE id = $1 RETURNING sku, location, qty, expires_at",
        &[&id.as_bytes()],
    )?
    .map(|row| reservation(id, &row))
    .transpose()
}

fn unknown_stock(key: &StockKey) -> Error {
    Error::UnknownStock {
        sku: shown(&key.sku),
        location: shown(&key.location),
    }
}

/// Commits (or releases) the taken reservation `r`.
pub(crate) fn settle_taken(
    tx: &mut Tx<'_>,
    r: &Reservation,
    commit: bool,
) -> Result<(StockRecord, StockRecord)> {
    let before = read_stock(tx, &r.key, true)?.ok_or_else(|| unknown_stock(&r.key))?;
    let mut after = before;
    after.level = if commit {
        before.level.commit(r.qty)?
    } else {
        before.level.release(r.qty)?
    };
    after.version += 1;
    put_stock(
        tx,
        &r.key,
        Some(&before),
        &after,
        if commit { r.qty } else { 0 },
    )?;
    Ok((before, after))
}

fn reservation_in_use(tx: &mut Tx<'_>, r: &Reservation) -> Result<()> {
    let found = tx.query_opt(
        "SELECT 1 FROM reservations WHERE id = $1",
        &[&r.id.as_bytes()],
    )?;
    match found {
        Some(_) => Err(Error::InvalidStockOperation {
            operation: "reserve",
            reason: format!("reservation id {:?} is already in use", shown(&r.id)),
        }),
        None => Ok(()),
    }
}

fn insert_reservation(tx: &mut Tx<'_>, r: &Reservation) -> Result<()> {
    let written = tx.execute(
        "INSERT INTO reservations (id, sku, location, qty, expires_at) \
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
        &[
            &r.id.as_bytes(),
            &r.key.sku.as_bytes(),
            &r.key.location.as_bytes(),
            &signed(r.qty),
            &r.expires_at.0,
        ],
    )?;
    if written != 1 {
        return Err(Error::InvalidStockOperation {
            operation: "reserve",
            reason: format!("reservation id {:?} is already in use", shown(&r.id)),
        });
    }
    Ok(())
}

/// What holding `reservations` does to the `stored` rows (pure): the rows
/// to write, each reservation's record after it, and their events. They
/// are applied in order on copies, so two lines on one key add up.
///
/// # Errors
///
/// `insufficient_stock` naming the total demand on the key that lacks it,
/// `unknown_stock`, `invalid_stock_operation` for a repeated id.
pub(crate) fn plan_reserve<'k>(
    reservations: &'k [Reservation],
    stored: &BTreeMap<&StockKey, StockRecord>,
    events: ReservationEvents<'_>,
) -> Result<(Vec<StockWrite<'k>>, Vec<StockRecord>, Vec<NewEvent>)> {
    let mut current: BTreeMap<&StockKey, (StockRecord, StockRecord)> = BTreeMap::new();
    let mut steps = Vec::with_capacity(reservations.len());
    for (i, r) in reservations.iter().enumerate() {
        if reservations[..i].iter().any(|o| o.id == r.id) {
            return Err(Error::InvalidStockOperation {
                operation: "reserve",
                reason: format!("reservation id {:?} is already in use", shown(&r.id)),
            });
        }
        let before = match current.get(&r.key) {
            Some((_, now)) => *now,
            None => {
                let record = *stored.get(&r.key).ok_or_else(|| unknown_stock(&r.key))?;
                current.insert(&r.key, (record, record));
                record
            }
        };
        let mut after = before;
        after.level = before.level.reserve(r.qty, before.policy).map_err(|e| {
            let start = current
                .get(&r.key)
                .map_or(0, |(stored, _)| stored.level.available());
            r.shortfall_in(reservations, start, e)
        })?;
        after.version += 1;
        if let Some(entry) = current.get_mut(&r.key) {
            entry.1 = after;
        }
        steps.push((before, after));
    }
    let rows = current
        .into_iter()
        .map(|(key, (stored, now))| (key, stored, now, 0))
        .collect();
    let mut new_events = Vec::new();
    for (r, (before, after)) in reservations.iter().zip(&steps) {
        events(r, before, after, &mut new_events);
    }
    let afters = steps.into_iter().map(|(_, after)| after).collect();
    Ok((rows, afters, new_events))
}

impl PostgresStore {
    /// [`InventoryStore::reserve_all_and_write_numbered`] (`number`:
    /// the sequence) or without a number.
    fn reserve_maybe_numbered(
        &self,
        reservations: &[Reservation],
        events: ReservationEvents<'_>,
        writes: Vec<DocumentWrite>,
        number: Option<&str>,
    ) -> Result<optimistic::Reserved> {
        // Decided on rows read without locks and written in one guarded
        // statement; when a row moved meanwhile (or the decision is a
        // refusal, to be confirmed), decided again under row locks.
        if let Some(done) =
            optimistic::reserve(&self.db, &self.stock, reservations, events, &writes, number)?
        {
            return Ok(done);
        }
        let (afters, versions, rows) = self.db.write(|tx| {
            // The documents first: a claim someone else holds fails before
            // any stock row is locked.
            let versions = if writes.is_empty() {
                Vec::new()
            } else {
                put_all(tx, &writes, &[])?
            };
            let stored = lock_rows(tx, reservations.iter().map(|r| &r.key))?;
            let (rows, afters, new_events) = plan_reserve(reservations, &stored, events)?;
            // Reservations, stock rows and events in one statement: one
            // round trip under the row locks before the commit.
            write_stock(tx, &rows, reservations, &new_events)?;
            let rows: Vec<_> = optimistic::written(&rows).collect();
            Ok((afters, versions, rows))
        })?;
        self.stock.remember(rows);
        self.stock.opened(reservations);
        Ok((afters, versions, None))
    }
}

impl InventoryStore for PostgresStore {
    fn stock(&self, key: &StockKey) -> Result<Option<StockRecord>> {
        self.db.read_one(|tx| read_stock(tx, key, false))
    }

    fn apply_stock(
        &self,
        key: &StockKey,
        change: &StockChange,
        events: EventsFor<'_>,
    ) -> Result<StockRecord> {
        let done = self.db.write(|tx| {
            let before = read_stock(tx, key, true)?;
            let after = apply_change(before.as_ref(), change)?;
            let new_events = events(&before.unwrap_or_default(), &after);
            put_stock(tx, key, before.as_ref(), &after, 0)?;
            append(tx, new_events)?;
            Ok(after)
        });
        self.stock.written(key, done.as_ref().ok().copied());
        done
    }

    fn reserve(&self, reservation: &Reservation, events: EventsFor<'_>) -> Result<StockRecord> {
        let done = self.db.write(|tx| {
            let before = read_stock(tx, &reservation.key, true)?
                .ok_or_else(|| unknown_stock(&reservation.key))?;
            reservation_in_use(tx, reservation)?;
            let mut after = before;
            after.level = before.level.reserve(reservation.qty, before.policy)?;
            after.version += 1;
            insert_reservation(tx, reservation)?;
            put_stock(tx, &reservation.key, Some(&before), &after, 0)?;
            append(tx, events(&before, &after))?;
            Ok(after)
        });
        self.stock
            .written(&reservation.key, done.as_ref().ok().copied());
        if done.is_ok() {
            self.stock.opened(std::slice::from_ref(reservation));
        }
        done
    }

    fn reserve_all_and_write(
        &self,
        reservations: &[Reservation],
        events: ReservationEvents<'_>,
        writes: Vec<DocumentWrite>,
    ) -> Result<(Vec<StockRecord>, Vec<u64>)> {
        let (afters, versions, _) =
            self.reserve_maybe_numbered(reservations, events, writes, None)?;
        Ok((afters, versions))
    }

    /// The number is taken by the optimistic statement only; after a
    /// fallback under row locks, none is (the placement takes it). That
    /// statement commits without waiting for its WAL flush (see
    /// `take_number!`), so the reservation and the key claim it carries
    /// are as durable as the placement that follows them: a server crash
    /// before then loses the reservation as if the checkout had not
    /// begun, and a retry claims the key again at the same version, so it
    /// asks the provider under the same idempotency key.
    fn reserve_all_and_write_numbered(
        &self,
        reservations: &[Reservation],
        events: ReservationEvents<'_>,
        writes: Vec<DocumentWrite>,
        sequence: &str,
    ) -> Result<(Vec<StockRecord>, Vec<u64>, Option<u64>)> {
        self.reserve_maybe_numbered(reservations, events, writes, Some(sequence))
    }

    fn settle(
        &self,
        id: &str,
        commit: bool,
        events: ReservationEvents<'_>,
    ) -> Result<(Reservation, StockRecord)> {
        self.stock.closed([id]);
        let (r, after) = self.db.write(|tx| {
            let r = take_reservation(tx, id)?
                .ok_or_else(|| Error::UnknownReservation { id: shown(id) })?;
            let (before, after) = settle_taken(tx, &r, commit)?;
            let mut new_events = Vec::with_capacity(1);
            events(&r, &before, &after, &mut new_events);
            append(tx, new_events)?;
            Ok((r, after))
        })?;
        // A failure before the commit changed no row; one in the commit
        // leaves the row unknown, and the guard catches a stale guess.
        self.stock.written(&r.key, Some(after));
        Ok((r, after))
    }

    fn expired(&self, now: Timestamp, limit: usize) -> Result<Vec<Reservation>> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        self.db.read_one(|tx| {
            tx.query(
                "SELECT sku, location, qty, expires_at, id FROM reservations \
                 WHERE expires_at <= $1 ORDER BY expires_at, id LIMIT $2",
                &[&now.0, &limit],
            )?
            .iter()
            .map(|row| reservation(&text(row.get(4))?, row))
            .collect()
        })
    }
}
