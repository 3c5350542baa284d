//! The in-memory store's catalog: a [`CatalogIndex`] behind a `RwLock`.

use std::ops::{Deref, DerefMut};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLockReadGuard, RwLockWriteGuard};

use super::MemoryStore;
use crate::catalog::{
    self, AttributeDef, CatalogIndex, CatalogPage, CatalogQuery, Category, CategoryTree,
    Collection, Product, Saved, SkuFacts,
};
use crate::error::Result;
use crate::pricing::Timestamp;
use crate::store::{CatalogChange, CatalogStore, NewEvent};

impl MemoryStore {
    fn read_catalog(&self) -> RwLockReadGuard<'_, CatalogIndex> {
        // Catalog writes check everything before changing anything, so a
        // poisoned lock still guards a consistent index.
        self.catalog.read().unwrap_or_else(|p| p.into_inner())
    }

    fn write_catalog(&self) -> CatalogWrite<'_> {
        CatalogWrite {
            index: self.catalog.write().unwrap_or_else(|p| p.into_inner()),
            generation: &self.catalog_generation,
        }
    }
}

/// The catalog, held for a write: moves the store's catalog generation on
/// when dropped, before the lock is released, so a reader that sees the
/// new generation reads the written catalog (a failed write moves it on
/// too, which only costs the next pricing call a read).
struct CatalogWrite<'a> {
    index: RwLockWriteGuard<'a, CatalogIndex>,
    generation: &'a AtomicU64,
}

impl Deref for CatalogWrite<'_> {
    type Target = CatalogIndex;

    fn deref(&self) -> &CatalogIndex {
        &self.index
    }
}

impl DerefMut for CatalogWrite<'_> {
    fn deref_mut(&mut self) -> &mut CatalogIndex {
        &mut self.index
    }
}

impl Drop for CatalogWrite<'_> {
    fn drop(&mut self) {
        // Release: the writes under the lock happen before the new number.
        self.generation.fetch_add(1, Ordering::Release);
    }
}

impl CatalogStore for MemoryStore {
    fn product(&self, id: &str) -> Result<Option<(Arc<Product>, u64)>> {
        Ok(self.read_catalog().product(id))
    }

    fn product_by_sku(&self, sku: &str) -> Result<Option<(Arc<Product>, usize)>> {
        Ok(self.read_catalog().by_sku(sku))
    }

    fn products_by_skus(&self, skus: &[&str]) -> Result<Vec<Option<crate::store::VariantOf>>> {
        let catalog = self.read_catalog();
        Ok(skus.iter().map(|sku| catalog.by_sku(sku)).collect())
    }

    fn pricing_catalog(
        &self,
        skus: &[&str],
    ) -> Result<(Vec<Option<crate::store::VariantOf>>, CategoryTree)> {
        let catalog = self.read_catalog();
        let found = skus.iter().map(|sku| catalog.by_sku(sku)).collect();
        Ok((found, catalog.categories().clone()))
    }

    fn catalog_generation(&self) -> Option<u64> {
        // Acquire: pairs with the writer's release (`CatalogWrite`).
        Some(self.catalog_generation.load(Ordering::Acquire))
    }

    fn save_product(
        &self,
        product: Product,
        expected: Option<u64>,
        now: Timestamp,
        events: &dyn Fn(&Product, &Saved) -> Vec<NewEvent>,
    ) -> Result<Saved> {
        // The catalog lock is held until the event is in the outbox, so no
        // reader sees the product before its event; the state lock only
        // for the append.
        let mut catalog = self.write_catalog();
        let id = product.id.clone();
        let saved = catalog.save(product, expected, now)?;
        if let Some((stored, _)) = catalog.product(&id) {
            let new_events = events(&stored, &saved);
            self.lock().append(new_events);
        }
        Ok(saved)
    }

    fn change_catalog(&self, change: CatalogChange, events: Vec<NewEvent>) -> Result<()> {
        let mut catalog = self.write_catalog();
        match change {
            CatalogChange::PutCategory(c) => catalog.categories_mut().insert(c)?,
            CatalogChange::MoveCategory {
                id,
                parent,
                position,
            } => catalog
                .categories_mut()
                .move_to(&id, parent.as_deref(), position)?,
            CatalogChange::PutCollection(c) => catalog.put_collection(c)?,
            CatalogChange::DefineAttribute(d) => catalog.define_attribute(d)?,
        }
        self.lock().append(events);
        Ok(())
    }

    fn query_catalog(&self, query: &CatalogQuery) -> Result<CatalogPage> {
        let catalog = self.read_catalog();
        // Stock facts are read under the state lock only when the query
        // needs them (availability filter or facet, best-selling sort).
        if query.needs_stock() {
            let state = self.lock();
            catalog::run(&catalog, query, &|sku| state.sku_facts(sku))
        } else {
            catalog::run(&catalog, query, &|_| SkuFacts::default())
        }
    }

    fn categories(&self) -> Result<Vec<Category>> {
        Ok(self
            .read_catalog()
            .categories()
            .all()
            .into_iter()
            .cloned()
            .collect())
    }

    fn collection(&self, id: &str) -> Result<Option<Collection>> {
        Ok(self.read_catalog().collection(id).cloned())
    }

    fn attribute(&self, code: &str) -> Result<Option<AttributeDef>> {
        Ok(self.read_catalog().attribute(code).cloned())
    }

    fn all_products(&self) -> Result<Vec<Arc<Product>>> {
        Ok(self.read_catalog().products())
    }

    fn sku_facts(&self, sku: &str) -> Result<SkuFacts> {
        Ok(self.lock().sku_facts(sku))
    }
}
