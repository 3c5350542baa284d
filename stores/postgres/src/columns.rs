//! Rows as statement parameters: one array per column, read back as rows
//! with `unnest`, and the `WITH` entries that write them. The set-based
//! statements of [`crate::batch`] and the guarded statement of
//! [`crate::optimistic`] share these, so a stock row, a reservation or a
//! document is written by the same SQL whichever path writes it.

use kassa::inventory::{Reservation, StockKey, StockRecord};
use kassa::store::DocumentWrite;
use kassa::Result;

use crate::inventory::{policy_text, signed, unlimited};

/// A stock row to write: `(key, before, after, sold)`, `before` as read
/// (under the row lock, or checked by version in the same statement);
/// `sold` units were committed by this write.
pub(crate) type StockWrite<'k> = (&'k StockKey, StockRecord, StockRecord, u64);

/// The stock update as a `WITH` entry named `s` (one row per row
/// written), reading [`StockColumns`] from parameters `$1`-`$12`; a row
/// whose version is no longer the one read is not written.
macro_rules! stock_update_cte {
    () => {
        "s AS (UPDATE stock AS s SET on_hand = u.on_hand, reserved = u.reserved, \
         committed = u.committed, unavailable = u.unavailable, policy = u.policy, \
         low_stock_threshold = u.threshold, version = u.version, unlimited = u.unlimited, \
         sold = s.sold + u.sold \
         FROM unnest($1::BYTEA[], $2::BYTEA[], $3::BIGINT[], $4::BIGINT[], $5::BIGINT[], \
             $6::BIGINT[], $7::TEXT[], $8::BIGINT[], $9::BIGINT[], $10::BIGINT[], \
             $11::BIGINT[], $12::BIGINT[]) \
         AS u (sku, location, on_hand, reserved, committed, unavailable, policy, threshold, \
             version, unlimited, sold, old) \
         WHERE s.sku = u.sku AND s.location = u.location AND s.version = u.old \
         RETURNING 1)"
    };
}
pub(crate) use stock_update_cte;

/// The reservations insert as a `WITH` entry named `r` (the ids
/// inserted), reading [`ReservationColumns`] from parameters
/// `$13`-`$17`; an id already in use is not inserted.
macro_rules! reservations_insert_cte {
    () => {
        "r AS (INSERT INTO reservations (id, sku, location, qty, expires_at) \
         SELECT * FROM unnest($13::BYTEA[], $14::BYTEA[], $15::BYTEA[], $16::BIGINT[], \
             $17::BIGINT[]) \
         ON CONFLICT DO NOTHING RETURNING id)"
    };
}
pub(crate) use reservations_insert_cte;

/// New documents inserted, as a `WITH` entry named `n` returning
/// `(collection, id)` of the rows written, reading collection, id,
/// version and body from the four parameters named; a document already
/// stored is not inserted.
macro_rules! documents_insert_cte {
    ($nc:literal, $ni:literal, $nv:literal, $nb:literal) => {
        concat!(
            "n AS (INSERT INTO documents (collection, id, version, body) \
             SELECT * FROM unnest(",
            $nc,
            "::BYTEA[], ",
            $ni,
            "::BYTEA[], ",
            $nv,
            "::BIGINT[], ",
            $nb,
            "::TEXT[]) ON CONFLICT DO NOTHING RETURNING collection, id)"
        )
    };
}
pub(crate) use documents_insert_cte;

/// Stored documents updated from their expected version, as a `WITH`
/// entry named `o` returning `(collection, id)` of the rows written,
/// reading collection, id, version, body and expected version from the
/// five parameters named.
macro_rules! documents_update_cte {
    ($oc:literal, $oi:literal, $ov:literal, $ob:literal, $oe:literal) => {
        concat!(
            "o AS (UPDATE documents AS d SET version = u.v, body = u.b \
             FROM unnest(",
            $oc,
            "::BYTEA[], ",
            $oi,
            "::BYTEA[], ",
            $ov,
            "::BIGINT[], ",
            $ob,
            "::TEXT[], ",
            $oe,
            "::BIGINT[]) AS u (c, i, v, b, o) \
             WHERE d.collection = u.c AND d.id = u.i AND d.version = u.o \
             RETURNING d.collection, d.id)"
        )
    };
}
pub(crate) use documents_update_cte;

/// The document writes as `WITH` entries `n` ([`documents_insert_cte`])
/// and `o` ([`documents_update_cte`]), reading [`DocumentColumns`] from
/// the nine parameters named (new: collection, id, version, body; old:
/// collection, id, version, body, expected version).
macro_rules! documents_ctes {
    ($nc:literal, $ni:literal, $nv:literal, $nb:literal,
     $oc:literal, $oi:literal, $ov:literal, $ob:literal, $oe:literal) => {
        concat!(
            $crate::columns::documents_insert_cte!($nc, $ni, $nv, $nb),
            ", ",
            $crate::columns::documents_update_cte!($oc, $oi, $ov, $ob, $oe)
        )
    };
}
pub(crate) use documents_ctes;

/// The one-order-per-cart insert as a `WITH` entry named `k` (the carts
/// recorded), reading carts and order ids from the two parameters named;
/// a cart that already has an order is not recorded.
macro_rules! order_carts_cte {
    ($carts:literal, $orders:literal) => {
        concat!(
            "k AS (INSERT INTO order_carts (cart, order_id) SELECT * FROM unnest(",
            $carts,
            "::BYTEA[], ",
            $orders,
            "::BYTEA[]) ON CONFLICT DO NOTHING RETURNING cart)"
        )
    };
}
pub(crate) use order_carts_cte;

/// Stock rows to write, by column ([`stock_update_cte`]).
pub(crate) struct StockColumns<'k> {
    skus: Vec<&'k [u8]>,
    locations: Vec<&'k [u8]>,
    on_hand: Vec<i64>,
    reserved: Vec<i64>,
    committed: Vec<i64>,
    unavailable: Vec<i64>,
    policies: Vec<String>,
    thresholds: Vec<Option<i64>>,
    versions: Vec<i64>,
    unlimiteds: Vec<i64>,
    solds: Vec<i64>,
    olds: Vec<i64>,
}

impl<'k> StockColumns<'k> {
    /// The columns of `rows`.
    pub(crate) fn of(rows: &[StockWrite<'k>]) -> Result<StockColumns<'k>> {
        let n = rows.len();
        let mut c = StockColumns {
            skus: Vec::with_capacity(n),
            locations: Vec::with_capacity(n),
            on_hand: Vec::with_capacity(n),
            reserved: Vec::with_capacity(n),
            committed: Vec::with_capacity(n),
            unavailable: Vec::with_capacity(n),
            policies: Vec::with_capacity(n),
            thresholds: Vec::with_capacity(n),
            versions: Vec::with_capacity(n),
            unlimiteds: Vec::with_capacity(n),
            solds: Vec::with_capacity(n),
            olds: Vec::with_capacity(n),
        };
        for (key, before, after, sold) in rows {
            c.skus.push(key.sku.as_bytes());
            c.locations.push(key.location.as_bytes());
            c.on_hand.push(after.level.on_hand);
            c.reserved.push(after.level.reserved);
            c.committed.push(after.level.committed);
            c.unavailable.push(after.level.unavailable);
            c.policies.push(policy_text(after)?);
            c.thresholds.push(after.low_stock_threshold);
            c.versions.push(signed(after.version));
            c.unlimiteds.push(unlimited(after));
            c.solds.push(signed(*sold));
            c.olds.push(signed(before.version));
        }
        Ok(c)
    }

    /// Parameters `$1`-`$12`.
    pub(crate) fn params(&self) -> [&(dyn postgres::types::ToSql + Sync); 12] {
        [
            &self.skus,
            &self.locations,
            &self.on_hand,
            &self.reserved,
            &self.committed,
            &self.unavailable,
            &self.policies,
            &self.thresholds,
            &self.versions,
            &self.unlimiteds,
            &self.solds,
            &self.olds,
        ]
    }
}

/// Reservations to insert, by column ([`reservations_insert_cte`]).
pub(crate) struct ReservationColumns<'r> {
    ids: Vec<&'r [u8]>,
    skus: Vec<&'r [u8]>,
    locations: Vec<&'r [u8]>,
    qtys: Vec<i64>,
    expiries: Vec<i64>,
}

impl<'r> ReservationColumns<'r> {
    /// The columns of `reservations`.
    pub(crate) fn of(reservations: &'r [Reservation]) -> ReservationColumns<'r> {
        ReservationColumns {
            ids: reservations.iter().map(|r| r.id.as_bytes()).collect(),
            skus: reservations.iter().map(|r| r.key.sku.as_bytes()).collect(),
            locations: reservations
                .iter()
                .map(|r| r.key.location.as_bytes())
                .collect(),
            qtys: reservations.iter().map(|r| signed(r.qty)).collect(),
            expiries: reservations.iter().map(|r| r.expires_at.0).collect(),
        }
    }

    /// Parameters `$13`-`$17`.
    pub(crate) fn params(&self) -> [&(dyn postgres::types::ToSql + Sync); 5] {
        [
            &self.ids,
            &self.skus,
            &self.locations,
            &self.qtys,
            &self.expiries,
        ]
    }
}

/// Document writes, by column ([`documents_ctes`]): new documents and
/// stored ones apart.
pub(crate) struct DocumentColumns<'w> {
    new_collections: Vec<&'w [u8]>,
    new_ids: Vec<&'w [u8]>,
    new_versions: Vec<i64>,
    new_bodies: Vec<&'w str>,
    old_collections: Vec<&'w [u8]>,
    old_ids: Vec<&'w [u8]>,
    old_versions: Vec<i64>,
    old_bodies: Vec<&'w str>,
    expected: Vec<i64>,
}

impl<'w> DocumentColumns<'w> {
    /// The columns of `writes`.
    pub(crate) fn of(writes: &'w [DocumentWrite]) -> Result<DocumentColumns<'w>> {
        let mut c = DocumentColumns {
            new_collections: Vec::new(),
            new_ids: Vec::new(),
            new_versions: Vec::new(),
            new_bodies: Vec::new(),
            old_collections: Vec::new(),
            old_ids: Vec::new(),
            old_versions: Vec::new(),
            old_bodies: Vec::new(),
            expected: Vec::new(),
        };
        for w in writes {
            let version = signed(w.expected.unwrap_or(0) + 1);
            match w.expected {
                None => {
                    c.new_collections.push(w.collection.as_bytes());
                    c.new_ids.push(w.id.as_bytes());
                    c.new_versions.push(version);
                    c.new_bodies.push(w.value.text()?);
                }
                Some(old) => {
                    c.old_collections.push(w.collection.as_bytes());
                    c.old_ids.push(w.id.as_bytes());
                    c.old_versions.push(version);
                    c.old_bodies.push(w.value.text()?);
                    c.expected.push(signed(old));
                }
            }
        }
        Ok(c)
    }

    /// The nine parameters of [`documents_ctes`], in its order.
    pub(crate) fn params(&self) -> [&(dyn postgres::types::ToSql + Sync); 9] {
        let [a, b, c, d] = self.insert_params();
        let [e, f, g, h, i] = self.update_params();
        [a, b, c, d, e, f, g, h, i]
    }

    /// The four parameters of [`documents_insert_cte`], in its order.
    pub(crate) fn insert_params(&self) -> [&(dyn postgres::types::ToSql + Sync); 4] {
        [
            &self.new_collections,
            &self.new_ids,
            &self.new_versions,
            &self.new_bodies,
        ]
    }

    /// The five parameters of [`documents_update_cte`], in its order.
    pub(crate) fn update_params(&self) -> [&(dyn postgres::types::ToSql + Sync); 5] {
        [
            &self.old_collections,
            &self.old_ids,
            &self.old_versions,
            &self.old_bodies,
            &self.expected,
        ]
    }

    /// How many documents are new, and how many stored ones are updated.
    pub(crate) fn counts(&self) -> (usize, usize) {
        (self.new_ids.len(), self.old_ids.len())
    }
}

/// True when no two of `writes` name one document (a set-based statement
/// cannot write one row twice).
pub(crate) fn distinct_documents(writes: &[DocumentWrite]) -> bool {
    let mut names = std::collections::HashSet::with_capacity(writes.len());
    writes
        .iter()
        .all(|w| names.insert((w.collection.as_str(), w.id.as_str())))
}

/// The version each of `writes` has once written.
pub(crate) fn new_versions(writes: &[DocumentWrite]) -> Vec<u64> {
    writes.iter().map(|w| w.expected.unwrap_or(0) + 1).collect()
}
