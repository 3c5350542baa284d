//! The catalog: tables are the truth, an in-memory [`CatalogIndex`] per
//! server is the query engine (the same design as `kassa-sqlite`).
//!
//! Every catalog write takes the `catalog_seq` counter row first (`UPDATE
//! ... RETURNING`): its row lock serializes catalog writers across servers
//! until the commit, and the new value stamps the rows written. A server
//! refreshes its index before a read when the committed counter is ahead
//! of it, loading only the rows written since, in write order; a writer
//! refreshes inside its transaction, after taking the lock, so its checks
//! (versions, duplicate SKUs, categories) see every committed write.

use std::sync::{Arc, RwLockReadGuard};

use kassa::catalog::{
    self, AttributeDef, CatalogIndex, CatalogPage, CatalogQuery, Category, CategoryTree,
    Collection, Product, Saved, SkuFacts,
};
use kassa::pricing::Timestamp;
use kassa::store::{CatalogChange, CatalogItem, CatalogMark, CatalogStore, NewEvent};
use kassa::{Error, Result};

use crate::conn::Tx;
use crate::events::append;
use crate::PostgresStore;

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

pub(crate) fn catalog_seq(tx: &mut Tx<'_>) -> Result<i64> {
    Ok(tx
        .query_one("SELECT value FROM counters WHERE name = 'catalog_seq'", &[])?
        .get(0))
}

/// Loads the catalog rows written after `cache.seq` up to `upto`, in
/// write order.
pub(crate) fn refresh(cache: &mut CachedCatalog, tx: &mut Tx<'_>, upto: i64) -> Result<()> {
    if upto <= cache.seq {
        return Ok(());
    }
    let bounds: [&(dyn postgres::types::ToSql + Sync); 2] = [&cache.seq, &upto];
    for row in tx.query(
        "SELECT kind, body FROM catalog_items WHERE seq > $1 AND seq <= $2 ORDER BY seq",
        &bounds,
    )? {
        let (kind, body): (String, String) = (row.get(0), row.get(1));
        CatalogItem::from_json(&kind, &body)?.restore_into(&mut cache.index);
    }
    for row in tx.query(
        "SELECT version, body FROM products WHERE seq > $1 AND seq <= $2 ORDER BY seq",
        &bounds,
    )? {
        let product: Product = decode("product", row.get(1))?;
        cache
            .index
            .restore(product, u64::try_from(row.get::<_, i64>(0)).unwrap_or(0));
    }
    cache.seq = upto;
    Ok(())
}

/// Takes the catalog lock and the next sequence, and brings `cache` up to
/// the one before it.
fn begin_catalog_write(cache: &mut CachedCatalog, tx: &mut Tx<'_>) -> Result<i64> {
    let seq: i64 = tx
        .query_one(
            "UPDATE counters SET value = value + 1 WHERE name = 'catalog_seq' RETURNING value",
            &[],
        )?
        .get(0);
    refresh(cache, tx, seq - 1)?;
    Ok(seq)
}

fn put_item(tx: &mut Tx<'_>, kind: &str, id: &str, body: &str, seq: i64) -> Result<()> {
    tx.execute(
        "INSERT INTO catalog_items (kind, id, seq, body) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (kind, id) DO UPDATE SET seq = excluded.seq, body = excluded.body",
        &[&kind, &id.as_bytes(), &seq, &body],
    )?;
    Ok(())
}

fn write_product(
    tx: &mut Tx<'_>,
    product: &Product,
    old: Option<&Product>,
    version: u64,
    seq: i64,
) -> Result<()> {
    let body = encode("product", product)?;
    let v = i64::try_from(version).unwrap_or(i64::MAX);
    let id = product.id.as_bytes();
    tx.execute(
        "INSERT INTO products (id, version, seq, body) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (id) DO UPDATE SET version = excluded.version, seq = excluded.seq, \
         body = excluded.body",
        &[&id, &v, &seq, &body],
    )?;
    if let Some(old) = old {
        for variant in &old.variants {
            tx.execute(
                "DELETE FROM skus WHERE sku = $1 AND product = $2",
                &[&variant.sku.as_bytes(), &id],
            )?;
        }
    }
    for variant in &product.variants {
        tx.execute(
            "INSERT INTO skus (sku, product) VALUES ($1, $2)",
            &[&variant.sku.as_bytes(), &id],
        )?;
    }
    Ok(())
}

fn read_facts(tx: &mut Tx<'_>, sku: &str) -> Result<SkuFacts> {
    let row = tx.query_one(
        "SELECT coalesce(sum(on_hand - reserved - committed - unavailable), 0)::BIGINT, \
         coalesce(sum(unlimited), 0)::BIGINT, count(*), coalesce(sum(sold), 0)::BIGINT \
         FROM stock WHERE sku = $1",
        &[&sku.as_bytes()],
    )?;
    Ok(SkuFacts {
        available: row.get(0),
        unlimited: row.get::<_, i64>(1) > 0,
        tracked: row.get::<_, i64>(2) > 0,
        sold: u64::try_from(row.get::<_, i64>(3)).unwrap_or(0),
    })
}

impl PostgresStore {
    /// The index, brought up to the database's catalog sequence first.
    fn fresh_catalog(&self) -> Result<RwLockReadGuard<'_, CachedCatalog>> {
        let seq = self.db.read_one(catalog_seq)?;
        self.catalog_at_least(seq)
    }

    /// The index, brought up to the database's catalog sequence if it is
    /// behind `seq` (a sequence the database had reached).
    fn catalog_at_least(&self, seq: i64) -> Result<RwLockReadGuard<'_, CachedCatalog>> {
        {
            let cache = self.read_cache();
            if cache.seq >= seq {
                return Ok(cache);
            }
        }
        {
            let mut cache = self.write_cache();
            self.db.read(|tx| {
                let upto = catalog_seq(tx)?;
                refresh(&mut cache, tx, upto)
            })?;
        }
        Ok(self.read_cache())
    }

    pub(crate) fn load_catalog(&self) -> Result<()> {
        let mut cache = self.write_cache();
        self.db.read(|tx| {
            let upto = catalog_seq(tx)?;
            refresh(&mut cache, tx, upto)
        })
    }
}

impl CatalogStore for PostgresStore {
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

    fn save_product(
        &self,
        product: Product,
        expected: Option<u64>,
        now: Timestamp,
        events: &dyn Fn(&Product, &Saved) -> Vec<NewEvent>,
    ) -> Result<Saved> {
        let mut cache = self.write_cache();
        let done = self.db.write(|tx| {
            let seq = begin_catalog_write(&mut cache, tx)?;
            let (stamped, saved, old) = cache.index.prepare_save(product.clone(), expected, now)?;
            write_product(tx, &stamped, old.as_deref(), saved.version, seq)?;
            append(tx, events(&stamped, &saved))?;
            Ok((stamped, saved, seq))
        })?;
        let (stamped, saved, seq) = done;
        cache.index.restore(stamped, saved.version);
        cache.seq = seq;
        Ok(saved)
    }

    fn change_catalog(&self, change: CatalogChange, events: Vec<NewEvent>) -> Result<()> {
        let mut cache = self.write_cache();
        let (item, seq) = self.db.write(|tx| {
            let seq = begin_catalog_write(&mut cache, tx)?;
            let item = change.plan(&cache.index)?;
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
        // One snapshot for every SKU's facts; a failed read is reported
        // after the query instead of being taken for "no stock".
        self.db.read(|tx| {
            let tx = std::cell::RefCell::new(tx);
            let failure: std::cell::RefCell<Option<Error>> = std::cell::RefCell::new(None);
            let page = catalog::run(&cache.index, query, &|sku| {
                read_facts(&mut tx.borrow_mut(), sku).unwrap_or_else(|e| {
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

    fn pricing_catalog(
        &self,
        skus: &[&str],
    ) -> Result<(Vec<Option<kassa::store::VariantOf>>, CategoryTree)> {
        self.pricing_catalog_as_of(skus, None)
    }

    /// With a mark, the cache is compared with the sequence the mark's
    /// read saw (no round trip unless the cache is behind it).
    fn pricing_catalog_as_of(
        &self,
        skus: &[&str],
        mark: Option<CatalogMark>,
    ) -> Result<(Vec<Option<kassa::store::VariantOf>>, CategoryTree)> {
        let cache = match mark {
            Some(CatalogMark(seq)) => {
                self.catalog_at_least(i64::try_from(seq).unwrap_or(i64::MAX))?
            }
            None => self.fresh_catalog()?,
        };
        let found = skus.iter().map(|sku| cache.index.by_sku(sku)).collect();
        Ok((found, cache.index.categories().clone()))
    }

    fn categories(&self) -> Result<Vec<Category>> {
        Ok(all_categories(&self.fresh_catalog()?.index))
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
        self.db.read_one(|tx| read_facts(tx, sku))
    }
}

/// Every category of `index`, copied out of its lock.
fn all_categories(index: &CatalogIndex) -> Vec<Category> {
    index.categories().all().into_iter().cloned().collect()
}
