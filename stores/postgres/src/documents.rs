//! Versioned documents and order placement.
//!
//! A save is `INSERT ... ON CONFLICT DO NOTHING` for a new document and
//! `UPDATE ... WHERE version = ?` for an existing one, rows affected
//! checked: under `READ COMMITTED` a concurrent writer of the same row
//! waits for the first and then finds the version moved. Several writes
//! together (an order placement) go in two set-based statements
//! ([`crate::batch`]).

use std::collections::BTreeMap;

use kassa::inventory::{Reservation, ReservationId, StockKey, StockRecord};
use kassa::store::{
    apply_change, Body, CatalogMark, DocumentStore, DocumentWrite, NewEvent, OrderStore,
    StockChange, StockEvents, Versioned, SEQUENCES,
};
use kassa::{Error, Result};

use crate::batch::{lock_rows, open_reservations, put_documents, take_and_lock, write_stock};
use crate::columns::StockWrite;
use crate::conn::Tx;
use crate::events::{append, append_events_cte, EventRows};
use crate::inventory::{put_stock, read_stock};
use crate::{optimistic, shown, text, PostgresStore};

pub(crate) fn version_of(tx: &mut Tx<'_>, collection: &str, id: &str) -> Result<Option<u64>> {
    Ok(tx
        .query_opt(
            "SELECT version FROM documents WHERE collection = $1 AND id = $2",
            &[&collection.as_bytes(), &id.as_bytes()],
        )?
        .map(|r| u64::try_from(r.get::<_, i64>(0)).unwrap_or(0)))
}

/// Writes one document if its stored version is `expected` (none: new)
/// and appends `events` in the same statement, only when the document
/// was written.
fn put(
    tx: &mut Tx<'_>,
    collection: &str,
    id: &str,
    expected: Option<u64>,
    value: &Body,
    events: &[NewEvent],
) -> Result<u64> {
    let body = value.text()?;
    let new_version = expected.unwrap_or(0) + 1;
    let v = i64::try_from(new_version).unwrap_or(i64::MAX);
    let old = i64::try_from(expected.unwrap_or(0)).unwrap_or(i64::MAX);
    let (c, i) = (collection.as_bytes(), id.as_bytes());
    let written = if events.is_empty() {
        match expected {
            None => tx.execute(
                "INSERT INTO documents (collection, id, version, body) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT DO NOTHING",
                &[&c, &i, &v, &body],
            )?,
            Some(_) => tx.execute(
                "UPDATE documents SET version = $3, body = $4 \
                 WHERE collection = $1 AND id = $2 AND version = $5",
                &[&c, &i, &v, &body, &old],
            )?,
        }
    } else {
        let rows = EventRows::of(events)?;
        let row = match expected {
            None => tx.query_one(
                concat!(
                    "WITH d AS (INSERT INTO documents (collection, id, version, body) \
                     VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING RETURNING 1), ",
                    append_events_cte!("$5", "$6", "$7", "EXISTS (SELECT 1 FROM d)"),
                    " SELECT count(*) FROM d"
                ),
                &[&c, &i, &v, &body, &rows.ids, &rows.ats, &rows.kinds],
            )?,
            Some(_) => tx.query_one(
                concat!(
                    "WITH d AS (UPDATE documents SET version = $3, body = $4 \
                     WHERE collection = $1 AND id = $2 AND version = $5 RETURNING 1), ",
                    append_events_cte!("$6", "$7", "$8", "EXISTS (SELECT 1 FROM d)"),
                    " SELECT count(*) FROM d"
                ),
                &[&c, &i, &v, &body, &old, &rows.ids, &rows.ats, &rows.kinds],
            )?,
        };
        u64::try_from(row.get::<_, i64>(0)).unwrap_or(0)
    };
    if written == 1 {
        Ok(new_version)
    } else {
        Err(Error::ConcurrentModification {
            entity: format!("{collection}/{}", shown(id)),
            expected,
            current: version_of(tx, collection, id)?,
        })
    }
}

/// Saves `writes` and records each `(cart, order)` of `orders` as the
/// cart's only order: one statement, or one per write when two writes name
/// one document.
pub(crate) fn put_all(
    tx: &mut Tx<'_>,
    writes: &[DocumentWrite],
    orders: &[(String, &str)],
) -> Result<Vec<u64>> {
    if writes.len() > 1 || !orders.is_empty() {
        if let Some(versions) = put_documents(tx, writes, orders)? {
            return Ok(versions);
        }
    }
    let versions = writes
        .iter()
        .map(|w| put(tx, &w.collection, &w.id, w.expected, &w.value, &[]))
        .collect::<Result<Vec<_>>>()?;
    one_order_per_cart(tx, orders)?;
    Ok(versions)
}

/// The smallest id a scan after `after` returns: the empty id for none,
/// else `after` followed by a zero byte (the next byte string in order).
/// One range condition serves both, so the statement has one plan.
fn lower_bound(after: Option<&str>) -> Vec<u8> {
    let mut from = after.map(|a| a.as_bytes().to_vec()).unwrap_or_default();
    if after.is_some() {
        from.push(0);
    }
    from
}

/// A stored body as it is: parsing it (by the reader, into its own type)
/// reports a malformed one.
fn decode(body: &str) -> Body {
    Body::from_text(body)
}

/// The statement taking the next number of the sequence named by `$2`
/// (its document in collection `$1`): one upsert, returning it as
/// `number`. The row lock makes concurrent callers queue for the
/// statement only, and the statement's own commit does not wait for its
/// WAL to reach the disk (`synchronous_commit` off for it alone): the
/// counter row stays locked until that commit, so waiting there would
/// queue every checkout of the shop behind one disk flush after another.
/// A number is durable once anything committed after it is (the WAL is
/// flushed in order), so an order that holds it never loses it; a server
/// crash can only hand out again a number nothing stored.
macro_rules! take_number {
    () => {
        take_number!("$1", "$2")
    };
    ($sequences:literal, $name:literal) => {
        concat!(
            "INSERT INTO documents (collection, id, version, body) \
         SELECT ",
            $sequences,
            "::BYTEA, ",
            $name,
            "::BYTEA, 1, '{\"next\":2}' \
         FROM (SELECT set_config('synchronous_commit', 'off', true)) AS async_commit \
         ON CONFLICT (collection, id) DO UPDATE SET \
             version = documents.version + 1, \
             body = json_build_object('next', \
                 GREATEST(COALESCE((documents.body::json->>'next')::BIGINT, 1), 1) + 1)::TEXT \
         RETURNING (body::json->>'next')::BIGINT - 1 AS number"
        )
    };
}
pub(crate) use take_number;

/// The documents `keys` in one statement (see
/// [`DocumentStore::load_many`]); with `marked`, also the catalog sequence
/// as the same snapshot has it (a row of position 0).
fn read_many(
    tx: &mut Tx<'_>,
    keys: &[(&str, &str)],
    marked: bool,
) -> Result<(Vec<Option<Versioned>>, Option<CatalogMark>)> {
    let collections: Vec<&[u8]> = keys.iter().map(|(c, _)| c.as_bytes()).collect();
    let ids: Vec<&[u8]> = keys.iter().map(|(_, id)| id.as_bytes()).collect();
    macro_rules! documents {
        () => {
            "SELECT k.ord, d.version, d.body \
             FROM unnest($1::BYTEA[], $2::BYTEA[]) WITH ORDINALITY AS k (c, i, ord) \
             JOIN documents d ON d.collection = k.c AND d.id = k.i"
        };
    }
    let sql = if marked {
        concat!(
            documents!(),
            " UNION ALL SELECT 0, value, NULL FROM counters WHERE name = 'catalog_seq'"
        )
    } else {
        documents!()
    };
    let rows = tx.query(sql, &[&collections, &ids])?;
    let mut found: Vec<Option<Versioned>> = keys.iter().map(|_| None).collect();
    let mut mark = None;
    for r in &rows {
        let (at, version) = (r.get::<_, i64>(0), r.get::<_, i64>(1));
        let version = u64::try_from(version).unwrap_or(0);
        if at == 0 {
            mark = Some(CatalogMark(version));
            continue;
        }
        let at = usize::try_from(at - 1).ok();
        if let (Some(slot), Some(body)) = (
            at.and_then(|i| found.get_mut(i)),
            r.get::<_, Option<&str>>(2),
        ) {
            *slot = Some(Versioned {
                value: decode(body),
                version,
            });
        }
    }
    Ok((found, mark))
}

impl DocumentStore for PostgresStore {
    /// One upsert: the row lock makes concurrent callers queue (for the
    /// statement only) instead of retrying.
    fn next_number(&self, name: &str) -> Result<u64> {
        self.db.write_one(|tx| {
            let row = tx.query_one(take_number!(), &[&SEQUENCES.as_bytes(), &name.as_bytes()])?;
            Ok(u64::try_from(row.get::<_, i64>(0)).unwrap_or(0))
        })
    }

    fn load(&self, collection: &str, id: &str) -> Result<Option<Versioned>> {
        self.db.read_one(|tx| {
            let row = tx.query_opt(
                "SELECT version, body FROM documents WHERE collection = $1 AND id = $2",
                &[&collection.as_bytes(), &id.as_bytes()],
            )?;
            row.map(|r| {
                Ok(Versioned {
                    value: decode(r.get(1)),
                    version: u64::try_from(r.get::<_, i64>(0)).unwrap_or(0),
                })
            })
            .transpose()
        })
    }

    fn batches_reads(&self) -> bool {
        true
    }

    /// One statement: the keys as arrays, matched to their rows by
    /// primary key, each row placed by its key's position.
    fn load_many(&self, keys: &[(&str, &str)]) -> Result<Vec<Option<Versioned>>> {
        Ok(self.db.read_one(|tx| read_many(tx, keys, false))?.0)
    }

    /// The statement of [`DocumentStore::load_many`] with one row more:
    /// the catalog sequence, read in the same snapshot.
    fn load_many_marked(
        &self,
        keys: &[(&str, &str)],
    ) -> Result<(Vec<Option<Versioned>>, Option<CatalogMark>)> {
        self.db.read_one(|tx| read_many(tx, keys, true))
    }

    fn save(
        &self,
        collection: &str,
        id: &str,
        expected: Option<u64>,
        value: Body,
        events: Vec<NewEvent>,
    ) -> Result<u64> {
        // One statement, its own transaction: the document and its events
        // commit together or not at all.
        self.db
            .write_one(|tx| put(tx, collection, id, expected, &value, &events))
    }

    fn scan(
        &self,
        collection: &str,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Vec<(String, Versioned)>> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let from = lower_bound(after);
        self.db.read_one(|tx| {
            tx.query(
                "SELECT id, version, body FROM documents WHERE collection = $1 \
                 AND id >= $2 ORDER BY id LIMIT $3",
                &[&collection.as_bytes(), &from, &limit],
            )?
            .iter()
            .map(|r| {
                let id = text(r.get(0))?;
                Ok((
                    id,
                    Versioned {
                        value: decode(r.get(2)),
                        version: u64::try_from(r.get::<_, i64>(1)).unwrap_or(0),
                    },
                ))
            })
            .collect()
        })
    }

    fn delete(&self, collection: &str, id: &str, expected: u64) -> Result<()> {
        self.db.write(|tx| {
            let deleted = tx.execute(
                "DELETE FROM documents WHERE collection = $1 AND id = $2 AND version = $3",
                &[
                    &collection.as_bytes(),
                    &id.as_bytes(),
                    &i64::try_from(expected).unwrap_or(i64::MAX),
                ],
            )?;
            if deleted == 1 {
                Ok(())
            } else {
                Err(Error::ConcurrentModification {
                    entity: format!("{collection}/{}", shown(id)),
                    expected: Some(expected),
                    current: version_of(tx, collection, id)?,
                })
            }
        })
    }

    fn scan_versions(
        &self,
        collection: &str,
        after: Option<&str>,
        limit: usize,
        visit: &mut dyn FnMut(&str, u64),
    ) -> Result<usize> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let from = lower_bound(after);
        let page = self.db.read_one(|tx| {
            tx.query(
                "SELECT id, version FROM documents WHERE collection = $1 \
                 AND id >= $2 ORDER BY id LIMIT $3",
                &[&collection.as_bytes(), &from, &limit],
            )?
            .iter()
            .map(|r| {
                Ok((
                    text(r.get(0))?,
                    u64::try_from(r.get::<_, i64>(1)).unwrap_or(0),
                ))
            })
            .collect::<Result<Vec<_>>>()
        })?;
        for (id, version) in &page {
            visit(id, *version);
        }
        Ok(page.len())
    }

    fn save_all(&self, writes: Vec<DocumentWrite>, events: Vec<NewEvent>) -> Result<Vec<u64>> {
        self.db.write(|tx| {
            let versions = put_all(tx, &writes, &[])?;
            append(tx, events.clone())?;
            Ok(versions)
        })
    }
}

/// The `(cart, order)` of every new order among `writes`: the last line of
/// defence against a second order for one cart is a unique key on the
/// cart of every order written.
fn new_orders(writes: &[DocumentWrite]) -> Vec<(String, &str)> {
    // An order names its cart; only that field is read.
    #[derive(serde::Deserialize)]
    struct OrderCart {
        cart: String,
    }
    writes
        .iter()
        .filter(|w| w.collection == "orders" && w.expected.is_none())
        .filter_map(|w| {
            let OrderCart { cart } = serde_json::from_str(w.value.text().ok()?).ok()?;
            Some((cart, w.id.as_str()))
        })
        .collect()
}

/// Records each `(cart, order)` as the cart's only order, one statement
/// each.
fn one_order_per_cart(tx: &mut Tx<'_>, orders: &[(String, &str)]) -> Result<()> {
    for (cart, order) in orders {
        let inserted = tx.execute(
            "INSERT INTO order_carts (cart, order_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
            &[&cart.as_bytes(), &order.as_bytes()],
        )?;
        if inserted != 1 {
            return Err(Error::ConcurrentModification {
                entity: format!("orders/cart={}", shown(cart)),
                expected: None,
                current: Some(1),
            });
        }
    }
    Ok(())
}

/// The event recorded for each reservation a placement commits, from the
/// record after it.
pub(crate) type CommittedEvent<'a> = &'a (dyn Fn(&Reservation, &StockRecord) -> NewEvent + Sync);

/// An order placement's parts.
pub(crate) struct Placement<'a> {
    /// The documents to write.
    pub(crate) writes: &'a [DocumentWrite],
    /// `(cart, order)` of each new order among them.
    pub(crate) orders: &'a [(String, &'a str)],
    /// The reservations to commit.
    pub(crate) commit: &'a [ReservationId],
    /// The placement's own events.
    pub(crate) events: &'a [NewEvent],
}

/// What committing the `taken` reservations does to their `stored` rows
/// (pure): the rows to write (in key order), and `events` followed by
/// each reservation's `committed` event. Applied in order on copies, so
/// two reservations of one key add up; one write per row.
///
/// # Errors
///
/// `unknown_stock` for a reservation without its row; the commit
/// transition's error.
pub(crate) fn plan_commit<'k>(
    taken: &'k [Reservation],
    stored: &BTreeMap<StockKey, StockRecord>,
    events: &[NewEvent],
    committed: CommittedEvent<'_>,
) -> Result<(Vec<StockWrite<'k>>, Vec<NewEvent>)> {
    let mut current: BTreeMap<&StockKey, (StockRecord, StockRecord, u64)> = BTreeMap::new();
    let mut all = events.to_vec();
    for r in taken {
        let entry = match current.get_mut(&r.key) {
            Some(entry) => entry,
            None => {
                let record = *stored.get(&r.key).ok_or_else(|| Error::UnknownStock {
                    sku: shown(&r.key.sku),
                    location: shown(&r.key.location),
                })?;
                current.entry(&r.key).or_insert((record, record, 0))
            }
        };
        entry.1.level = entry.1.level.commit(r.qty)?;
        entry.1.version += 1;
        entry.2 = entry.2.saturating_add(r.qty);
        all.push(committed(r, &entry.1));
    }
    let rows = current
        .into_iter()
        .map(|(key, (stored, now, sold))| (key, stored, now, sold))
        .collect();
    Ok((rows, all))
}

/// Places `p`: optimistically on `stored` (the reservations and their
/// rows as [`open_reservations`] read them), else in one transaction under
/// row locks, the documents first, then the reservations taken and their
/// stock rows locked in key order. Returns the documents' new versions.
fn place(
    store: &PostgresStore,
    p: &Placement<'_>,
    stored: Option<crate::batch::Held>,
    committed: CommittedEvent<'_>,
) -> Result<Vec<u64>> {
    let (db, cache) = (&store.db, &store.stock);
    if let Some(versions) = optimistic::place(db, cache, p, stored, committed)? {
        return Ok(versions);
    }
    let (versions, rows) = db.write(|tx| {
        let versions = put_all(tx, p.writes, p.orders)?;
        let (taken, locked) = take_and_lock(tx, p.commit)?;
        let (rows, all) = plan_commit(&taken, &locked, p.events, committed)?;
        write_stock(tx, &rows, &[], &all)?;
        let rows: Vec<_> = optimistic::written(&rows)
            .map(|(key, after)| (key.clone(), after))
            .collect();
        Ok((versions, rows))
    })?;
    cache.remember(rows.iter().map(|(key, after)| (key, *after)));
    Ok(versions)
}

impl PostgresStore {
    /// Places `p` as [`place`] does, first on its reservations and their
    /// rows as this store remembers them (no read: the guard checks the
    /// guess), then on ones read now.
    fn place_guessing(&self, p: &Placement<'_>, committed: CommittedEvent<'_>) -> Result<Vec<u64>> {
        if let Some(held) = self.stock.held(p.commit) {
            if let Some(versions) =
                optimistic::place(&self.db, &self.stock, p, Some(held), committed)?
            {
                return Ok(versions);
            }
        }
        let stored = self.db.read_one(|tx| open_reservations(tx, p.commit))?;
        place(self, p, stored, committed)
    }
}

impl OrderStore for PostgresStore {
    fn place_order(
        &self,
        writes: Vec<DocumentWrite>,
        commit: &[ReservationId],
        events: Vec<NewEvent>,
        committed: CommittedEvent<'_>,
    ) -> Result<Vec<u64>> {
        let orders = new_orders(&writes);
        // Decided on rows read without locks and written in one guarded
        // statement; when a row moved meanwhile (or a reservation is not
        // open), decided again under row locks.
        let placement = Placement {
            writes: &writes,
            orders: &orders,
            commit,
            events: &events,
        };
        let done = self.place_guessing(&placement, committed);
        self.stock.closed(commit.iter().map(|id| &**id));
        done
    }

    /// The number is taken in the statement that reads the reservations
    /// (its own transaction: the counter's row lock is not held through
    /// the placement), so a placement that fails leaves a gap, as a
    /// number taken first would.
    fn place_numbered_order(
        &self,
        sequence: &str,
        build: &dyn Fn(u64) -> Result<(Vec<DocumentWrite>, Vec<NewEvent>)>,
        commit: &[ReservationId],
        committed: CommittedEvent<'_>,
    ) -> Result<Option<u64>> {
        let (number, stored) = self
            .db
            .write_one(|tx| optimistic::number_and_open_reservations(tx, sequence, commit))?;
        let (writes, events) = build(number)?;
        let orders = new_orders(&writes);
        let placement = Placement {
            writes: &writes,
            orders: &orders,
            commit,
            events: &events,
        };
        let done = place(self, &placement, stored, committed);
        self.stock.closed(commit.iter().map(|id| &**id));
        done?;
        Ok(Some(number))
    }

    fn change_order(
        &self,
        writes: Vec<DocumentWrite>,
        stock: &[(StockKey, StockChange)],
        events: Vec<NewEvent>,
        changed: StockEvents<'_>,
    ) -> Result<Vec<u64>> {
        let done = self.db.write(|tx| {
            let versions = put_all(tx, &writes, &[])?;
            // Locked in key order first, so two changes of one order's
            // stock never deadlock; then applied in the caller's order,
            // each reading what the previous one wrote.
            lock_rows(tx, stock.iter().map(|(key, _)| key))?;
            let mut all = events.clone();
            for (key, change) in stock {
                let before = read_stock(tx, key, false)?;
                let after = apply_change(before.as_ref(), change)?;
                all.extend(changed(key, &before.unwrap_or_default(), &after));
                put_stock(tx, key, before.as_ref(), &after, 0)?;
            }
            append(tx, all)?;
            Ok(versions)
        });
        self.stock.forget(stock.iter().map(|(key, _)| key));
        done
    }
}
