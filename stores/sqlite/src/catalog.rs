//! The catalog: tables are the truth, an in-memory [`CatalogIndex`] is the
//! query engine.
//!
//! `products` (one JSON body per product, with its version), `skus` (a
//! unique index: the last line of defence against a duplicate SKU) and
//! `catalog_items` (categories, collections, attribute definitions) hold the
//! catalog. Every catalog write bumps the `catalog_seq` counter and stamps
//! the rows it writes with it. Each process keeps the index of the rows up
//! to the sequence it has seen; before a read it compares that with the
//! counter and loads only the rows written since (by any process), in
//! write order. A write refreshes the index inside its `BEGIN IMMEDIATE`
//! transaction, checks the change against it, writes the rows and the
//! events, and updates the index only after the commit, so a failed write
//! never leaves the index ahead of the file.

use std::cell::RefCell;
use std::sync::{Arc, RwLockReadGuard};

use kassa::catalog::{
    self, AttributeDef, CatalogIndex, CatalogPage, CatalogQuery, Category, CategoryTree,
    Collection, Product, Saved, SkuFacts,
};
use kassa::pricing::Timestamp;
use kassa::store::{CatalogChange, CatalogItem, CatalogStore, NewEvent};
use kassa::{Error, Result};
use rusqlite::{params, Connection};

use crate::conn::sql;
use crate::events::append;
use crate::SqliteStore;

/// The index and the catalog sequence it reflects.
#[derive(Debug, Default)]
pub(crate) struct CachedCatalog {
    index: CatalogIndex,
    seq: i64,
}

fn encode<T: serde::Serialize>(what: &str, value: &T) -> Result<String> {
    serde_json::to_string(value).map_err(|e| Error::Storage {
        reason: format!("cannot encode {what}: {e}"),
    })
}

fn decode<T: serde::de::DeserializeOwned>(what: &str, body: &str) -> Result<T> {
    serde_json::from_str(body).map_err(|e| Error::Storage {
        reason: format!("stored {what} is unreadable: {e}"),
    })
}

pub(crate) fn catalog_seq(conn: &Connection) -> Result<i64> {
    conn.prepare_cached("SELECT value FROM counters WHERE name = 'catalog_seq'")
        .map_err(sql)?
        .query_row([], |r| r.get(0))
        .map_err(sql)
}

fn next_seq(conn: &Connection) -> Result<i64> {
    conn.prepare_cached(
        "UPDATE counters SET value = value + 1 WHERE name = 'catalog_seq' RETURNING value",
    )
    .map_err(sql)?
    .query_row([], |r| r.get(0))
    .map_err(sql)
}

/// Loads every catalog row written after `cache.seq`, in write order.
pub(crate) fn refresh(cache: &mut CachedCatalog, conn: &Connection) -> Result<()> {
    let seq = catalog_seq(conn)?;
    if seq <= cache.seq {
        return Ok(());
    }
    {
        let mut items = conn
            .prepare_cached("SELECT kind, body FROM catalog_items WHERE seq > ?1 ORDER BY seq")
            .map_err(sql)?;
        let rows = items
            .query_map([cache.seq], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
            })
            .map_err(sql)?;
        for row in rows {
            let (kind, body) = row.map_err(sql)?;
            CatalogItem::from_json(&kind, &body)?.restore_into(&mut cache.index);
        }
    }
    let mut products = conn
        .prepare_cached("SELECT version, body FROM products WHERE seq > ?1 ORDER BY seq")
        .map_err(sql)?;
    let rows = products
        .query_map([cache.seq], |r| {
            Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?))
        })
        .map_err(sql)?;
    for row in rows {
        let (version, body) = row.map_err(sql)?;
        let product: Product = decode("product", &body)?;
        cache
            .index
            .restore(product, u64::try_from(version).unwrap_or(0));
    }
    cache.seq = seq;
    Ok(())
}

fn put_item(conn: &Connection, kind: &str, id: &str, body: &str, seq: i64) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO catalog_items (kind, id, seq, body) VALUES (?1, ?2, ?3, ?4) \
         ON CONFLICT (kind, id) DO UPDATE SET seq = excluded.seq, body = excluded.body",
    )
    .map_err(sql)?
    .execute(params![kind, id, seq, body])
    .map_err(sql)?;
    Ok(())
}

fn write_product(
    conn: &Connection,
    product: &Product,
    old: Option<&Product>,
    version: u64,
    seq: i64,
) -> Result<()> {
    let body = encode("product", product)?;
    let v = i64::try_from(version).unwrap_or(i64::MAX);
    conn.prepare_cached(
        "INSERT INTO products (id, version, seq, body) VALUES (?1, ?2, ?3, ?4) \
         ON CONFLICT (id) DO UPDATE SET version = excluded.version, seq = excluded.seq, \
         body = excluded.body",
    )
    .map_err(sql)?
    .execute(params![product.id, v, seq, body])
    .map_err(sql)?;
    if let Some(old) = old {
        let mut delete = conn
            .prepare_cached("DELETE FROM skus WHERE sku = ?1 AND product = ?2")
            .map_err(sql)?;
        for variant in &old.variants {
            delete.execute([&variant.sku, &product.id]).map_err(sql)?;
        }
    }
    let mut insert = conn
        .prepare_cached("INSERT INTO skus (sku, product) VALUES (?1, ?2)")
        .map_err(sql)?;
    for variant in &product.variants {
        insert.execute([&variant.sku, &product.id]).map_err(sql)?;
    }
    Ok(())
}

fn read_facts(conn: &Connection, sku: &str) -> Result<SkuFacts> {
    let row = conn
        .prepare_cached(
            "SELECT coalesce(sum(on_hand - reserved - committed - unavailable), 0), \
             coalesce(sum(unlimited), 0), count(*), coalesce(sum(sold), 0) \
             FROM stock WHERE sku = ?1",
        )
        .map_err(sql)?
        .query_row([sku], |r| {
            Ok(SkuFacts {
                available: r.get(0)?,
                unlimited: r.get::<_, i64>(1)? > 0,
                tracked: r.get::<_, i64>(2)? > 0,
                sold: u64::try_from(r.get::<_, i64>(3)?).unwrap_or(0),
            })
        })
        .map_err(sql)?;
    Ok(row)
}

impl SqliteStore {
    /// The index, brought up to the file's catalog sequence first.
    fn fresh_catalog(&self) -> Result<RwLockReadGuard<'_, CachedCatalog>> {
        let seq = self.db.read(catalog_seq)?;
        {
            let cache = self.read_cache();
            if cache.seq >= seq {
                return Ok(cache);
            }
        }
        {
            let mut cache = self.write_cache();
            self.db.read(|conn| refresh(&mut cache, conn))?;
        }
        Ok(self.read_cache())
    }
}

impl CatalogStore for SqliteStore {
    fn product(&self, id: &str) -> Result<Option<(Arc<Product>, u64)>> {
        Ok(self.fresh_catalog()?.index.product(id))
    }

    fn product_by_sku(&self, sku: &str) -> Result<Option<(Arc<Product>, usize)>> {
        Ok(self.fresh_catalog()?.index.by_sku(sku))
    }

    fn products_by_skus(&self, skus: &[&str]) -> Result<Vec<Option<kassa::store::VariantOf>>> {
        let cache = self.fresh_catalog()?;
        Ok(skus.iter().map(|sku| cache.index.by_sku(sku)).collect())
    }

    fn pricing_catalog(
        &self,
        skus: &[&str],
    ) -> Result<(Vec<Option<kassa::store::VariantOf>>, CategoryTree)> {
        let cache = self.fresh_catalog()?;
        let found = skus.iter().map(|sku| cache.index.by_sku(sku)).collect();
        Ok((found, cache.index.categories().clone()))
    }

    fn save_product(
        &self,
        product: Product,
        expected: Option<u64>,
        now: Timestamp,
        events: &dyn Fn(&Product, &Saved) -> Vec<NewEvent>,
    ) -> Result<Saved> {
        let mut cache = self.write_cache();
        let done = self.db.write_alone(|tx| {
            refresh(&mut cache, tx)?;
            let (stamped, saved, old) = cache.index.prepare_save(product.clone(), expected, now)?;
            let seq = next_seq(tx)?;
            write_product(tx, &stamped, old.as_deref(), saved.version, seq)?;
            append(tx, events(&stamped, &saved))?;
            Ok((stamped, saved, seq))
        })?;
        let (stamped, saved, seq) = done;
        cache.index.restore(stamped, saved.version);
        cache.seq = seq;
        Ok(saved)
    }

    /// One transaction for the whole batch (one `catalog_seq` for all of
    /// it). The index takes each product as it is written, so later ones are
    /// checked against it; if the transaction fails, the index is rebuilt
    /// from the file.
    fn save_products(
        &self,
        products: Vec<(Product, Option<u64>)>,
        now: Timestamp,
        events: &dyn Fn(&Product, &Saved) -> Vec<NewEvent>,
    ) -> (usize, Option<Error>) {
        let mut cache = self.write_cache();
        let mut dirty = false;
        let outcome = self.db.write_alone(|tx| {
            if dirty {
                *cache = CachedCatalog::default();
            }
            refresh(&mut cache, tx)?;
            dirty = true;
            let seq = next_seq(tx)?;
            let (mut saved, mut refusal, mut new_events) = (0, None, Vec::new());
            for (product, expected) in &products {
                let (product, outcome, old) =
                    match cache.index.prepare_save(product.clone(), *expected, now) {
                        Ok(prepared) => prepared,
                        Err(e) => {
                            refusal = Some(e);
                            break;
                        }
                    };
                write_product(tx, &product, old.as_deref(), outcome.version, seq)?;
                new_events.extend(events(&product, &outcome));
                cache.index.restore(product, outcome.version);
                saved += 1;
            }
            append(tx, new_events)?;
            cache.seq = seq;
            Ok((saved, refusal))
        });
        match outcome {
            Ok(done) => done,
            Err(e) => {
                if dirty {
                    *cache = CachedCatalog::default();
                    // If this fails too, the next read retries it: the
                    // cache is at sequence 0.
                    let _ = self.db.read(|conn| refresh(&mut cache, conn));
                }
                (0, Some(e))
            }
        }
    }

    fn change_catalog(&self, change: CatalogChange, events: Vec<NewEvent>) -> Result<()> {
        let mut cache = self.write_cache();
        let (item, seq) = self.db.write_alone(|tx| {
            refresh(&mut cache, tx)?;
            // Checked on a copy, so the index changes only after the commit.
            let item = change.plan(&cache.index)?;
            let seq = next_seq(tx)?;
            put_item(tx, item.kind(), item.id(), &item.to_json()?, seq)?;
            append(tx, events.clone())?;
            Ok((item, seq))
        })?;
        item.restore_into(&mut cache.index);
        cache.seq = seq;
        Ok(())
    }

    fn query_catalog(&self, query: &CatalogQuery) -> Result<CatalogPage> {
        let cache = self.fresh_catalog()?;
        if !query.needs_stock() {
            return catalog::run(&cache.index, query, &|_| SkuFacts::default());
        }
        // Stock facts come from one read snapshot; a failed read is
        // reported after the query instead of being taken for "no stock".
        self.db.read(|conn| {
            let failure: RefCell<Option<Error>> = RefCell::new(None);
            let page = catalog::run(&cache.index, query, &|sku| {
                read_facts(conn, sku).unwrap_or_else(|e| {
                    failure.borrow_mut().get_or_insert(e);
                    SkuFacts::default()
                })
            })?;
            match failure.into_inner() {
                Some(e) => Err(e),
                None => Ok(page),
            }
        })
    }

    fn categories(&self) -> Result<Vec<Category>> {
        Ok(self
            .fresh_catalog()?
            .index
            .categories()
            .all()
            .into_iter()
            .cloned()
            .collect())
    }

    fn collection(&self, id: &str) -> Result<Option<Collection>> {
        Ok(self.fresh_catalog()?.index.collection(id).cloned())
    }

    fn attribute(&self, code: &str) -> Result<Option<AttributeDef>> {
        Ok(self.fresh_catalog()?.index.attribute(code).cloned())
    }

    fn all_products(&self) -> Result<Vec<Arc<Product>>> {
        Ok(self.fresh_catalog()?.index.products())
    }

    fn sku_facts(&self, sku: &str) -> Result<SkuFacts> {
        self.db.read(|conn| read_facts(conn, sku))
    }
}
