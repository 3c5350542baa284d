//! The catalog as one in-memory index: products by id and SKU, categories,
//! collections, attribute definitions and the text index. Pure: a store
//! holds one and calls it inside its atomic section; every check runs
//! before the first change, so a refused save changes nothing.

use std::collections::BTreeMap;
use std::sync::Arc;

use rustc_hash::FxHashMap;

use super::columns::Columns;
use super::text::{Field, TextIndex};
use super::{
    attribute, fold, AttributeDef, Category, CategoryTree, Collection, CollectionRule, Product,
};
use crate::error::{shown, Error, Result};
use crate::pricing::Timestamp;

/// What the stock side knows of one SKU, summed over locations: the
/// catalog's availability filter, facet and best-selling sort read it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SkuFacts {
    /// Units available over every location (negative under backorder).
    pub available: i64,
    /// True when some location sells beyond what is available (backorder
    /// or not tracked).
    pub unlimited: bool,
    /// True when some location has a stock record.
    pub tracked: bool,
    /// Units committed by orders, ever (best-selling).
    pub sold: u64,
}

impl SkuFacts {
    /// True when one unit can be sold now.
    pub fn sellable(&self) -> bool {
        self.unlimited || self.available > 0
    }
}

#[derive(Debug, Clone)]
pub(crate) struct Entry {
    pub(crate) product: Arc<Product>,
    pub(crate) version: u64,
    /// The folded name, for name sorting.
    pub(crate) name_key: Box<str>,
}

/// The catalog state of a store.
#[derive(Debug, Default, Clone)]
pub struct CatalogIndex {
    pub(crate) slots: Vec<Option<Entry>>,
    dead: usize,
    by_id: FxHashMap<Box<str>, u32>,
    by_sku: FxHashMap<Box<str>, (u32, u32)>,
    pub(crate) by_category: FxHashMap<Box<str>, Vec<u32>>,
    pub(crate) text: TextIndex,
    pub(crate) columns: Columns,
    pub(crate) categories: CategoryTree,
    pub(crate) collections: BTreeMap<String, Collection>,
    attributes: BTreeMap<String, AttributeDef>,
}

/// The outcome of a product save.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Saved {
    /// The new version (1 when created).
    pub version: u64,
    /// True when the product did not exist before.
    pub created: bool,
}

impl CatalogIndex {
    /// Live products.
    pub fn len(&self) -> usize {
        self.by_id.len()
    }

    /// True when there are no products.
    pub fn is_empty(&self) -> bool {
        self.by_id.is_empty()
    }

    /// The product `id` and its version.
    pub fn product(&self, id: &str) -> Option<(Arc<Product>, u64)> {
        let slot = *self.by_id.get(id)?;
        self.entry(slot)
            .map(|e| (Arc::clone(&e.product), e.version))
    }

    /// The product holding `sku`, and the variant's index in it.
    pub fn by_sku(&self, sku: &str) -> Option<(Arc<Product>, usize)> {
        let &(slot, variant) = self.by_sku.get(sku)?;
        self.entry(slot)
            .map(|e| (Arc::clone(&e.product), variant as usize))
    }

    pub(crate) fn entry(&self, slot: u32) -> Option<&Entry> {
        self.slots.get(slot as usize).and_then(Option::as_ref)
    }

    /// The category tree.
    pub fn categories(&self) -> &CategoryTree {
        &self.categories
    }

    /// Mutable access for category operations (they cannot touch products).
    pub fn categories_mut(&mut self) -> &mut CategoryTree {
        &mut self.categories
    }

    /// The collection `id`.
    pub fn collection(&self, id: &str) -> Option<&Collection> {
        self.collections.get(id)
    }

    /// Adds or replaces a collection.
    ///
    /// # Errors
    ///
    /// `invalid_field`, `currency_mismatch` in a price rule.
    pub fn put_collection(&mut self, collection: Collection) -> Result<()> {
        collection.validate()?;
        self.collections.insert(collection.id.clone(), collection);
        Ok(())
    }

    /// The attribute definition `code`.
    pub fn attribute(&self, code: &str) -> Option<&AttributeDef> {
        self.attributes.get(code)
    }

    /// Adds or replaces an attribute definition. Replacing one that
    /// products use must keep their values valid.
    ///
    /// # Errors
    ///
    /// `invalid_field`; `invalid_attribute` when a product's value would no
    /// longer fit.
    pub fn define_attribute(&mut self, def: AttributeDef) -> Result<()> {
        self.check_attribute(&def)?;
        self.attributes.insert(def.code.clone(), def);
        Ok(())
    }

    /// Checks `def` could be defined (see [`CatalogIndex::define_attribute`])
    /// without changing anything.
    ///
    /// # Errors
    ///
    /// As [`CatalogIndex::define_attribute`].
    pub fn check_attribute(&self, def: &AttributeDef) -> Result<()> {
        def.validate()?;
        for entry in self.slots.iter().flatten() {
            if let Some(value) = entry.product.attributes.get(&def.code) {
                def.check(value).map_err(|e| Error::InvalidAttribute {
                    code: shown(&def.code),
                    reason: format!(
                        "product {:?} would no longer fit: {e}",
                        shown(&entry.product.id)
                    ),
                })?;
            }
        }
        Ok(())
    }

    /// Every attribute definition, by code.
    pub fn attributes(&self) -> impl Iterator<Item = &AttributeDef> {
        self.attributes.values()
    }

    /// Checks `product` could be saved over version `expected` (none: it
    /// must be new), without changing anything.
    ///
    /// # Errors
    ///
    /// What [`Product::validate`] returns; `concurrent_modification`;
    /// `duplicate_sku` when another product holds a SKU; `unknown_category`;
    /// `invalid_attribute`.
    pub fn check(&self, product: &Product, expected: Option<u64>) -> Result<()> {
        product.validate()?;
        let current = self.product(&product.id).map(|(_, v)| v);
        if current != expected {
            return Err(Error::ConcurrentModification {
                entity: format!("products/{}", shown(&product.id)),
                expected,
                current,
            });
        }
        for category in &product.categories {
            if !self.categories.contains(category) {
                return Err(Error::UnknownCategory {
                    id: shown(category),
                });
            }
        }
        attribute::check_all(&product.attributes, &|code| self.attributes.get(code))?;
        for variant in &product.variants {
            if let Some((holder, _)) = self.by_sku(&variant.sku) {
                if holder.id != product.id {
                    return Err(Error::DuplicateSku {
                        sku: shown(&variant.sku),
                        product: shown(&holder.id),
                    });
                }
            }
        }
        Ok(())
    }

    /// Saves `product` over version `expected` after [`CatalogIndex::check`].
    /// A new product gets `created_at = now`; an update keeps the first one.
    ///
    /// # Errors
    ///
    /// As [`CatalogIndex::check`]; nothing changes on error.
    pub fn save(
        &mut self,
        mut product: Product,
        expected: Option<u64>,
        now: Timestamp,
    ) -> Result<Saved> {
        self.check(&product, expected)?;
        let created = match self.unplace(&product.id) {
            Some(old) => {
                product.created_at = old.created_at;
                false
            }
            None => {
                product.created_at = Some(product.created_at.unwrap_or(now));
                true
            }
        };
        let version = expected.unwrap_or(0) + 1;
        self.place(Arc::new(product), version);
        self.maybe_compact();
        Ok(Saved { version, created })
    }

    /// Checks `product` against version `expected` and stamps it as
    /// [`CatalogIndex::save`] would (a new product gets `created_at = now`,
    /// an update keeps the first one), without changing anything: what a
    /// store whose index is a cache writes, before it puts the result in
    /// with [`CatalogIndex::restore`] after its commit. Returns the stamped
    /// product, the outcome and the version it replaces.
    ///
    /// # Errors
    ///
    /// As [`CatalogIndex::check`].
    pub fn prepare_save(
        &self,
        mut product: Product,
        expected: Option<u64>,
        now: Timestamp,
    ) -> Result<(Product, Saved, Option<Arc<Product>>)> {
        self.check(&product, expected)?;
        let old = self.product(&product.id).map(|(p, _)| p);
        product.created_at = match &old {
            Some(old) => old.created_at,
            None => Some(product.created_at.unwrap_or(now)),
        };
        let saved = Saved {
            version: expected.unwrap_or(0) + 1,
            created: old.is_none(),
        };
        Ok((product, saved, old))
    }

    /// Puts `product` at `version` exactly as a store read it back,
    /// replacing any earlier version, without the checks of
    /// [`CatalogIndex::save`]: the store checked them when it wrote the
    /// product. For stores whose index is a cache of their tables (SQLite,
    /// PostgreSQL), refreshed in write order when another process changed
    /// the catalog.
    pub fn restore(&mut self, product: Product, version: u64) {
        self.unplace(&product.id);
        self.place(Arc::new(product), version);
        self.maybe_compact();
    }

    /// Puts a stored category back as it was written (see
    /// [`CatalogIndex::restore`]); its parent may arrive later.
    pub fn restore_category(&mut self, category: Category) {
        self.categories.restore(category);
    }

    /// Puts a stored collection back as it was written.
    pub fn restore_collection(&mut self, collection: Collection) {
        self.collections.insert(collection.id.clone(), collection);
    }

    /// Puts a stored attribute definition back as it was written.
    pub fn restore_attribute(&mut self, def: AttributeDef) {
        self.attributes.insert(def.code.clone(), def);
    }

    /// Takes product `id` out of the indexes (its slot becomes dead) and
    /// returns it.
    fn unplace(&mut self, id: &str) -> Option<Arc<Product>> {
        let slot = self.by_id.get(id).copied()?;
        let entry = self.slots.get_mut(slot as usize).and_then(Option::take)?;
        for v in &entry.product.variants {
            // A SKU may already belong to a later save of another product.
            if self
                .by_sku
                .get(v.sku.as_str())
                .is_some_and(|&(s, _)| s == slot)
            {
                self.by_sku.remove(v.sku.as_str());
            }
        }
        self.columns.kill(slot);
        self.dead += 1;
        Some(entry.product)
    }

    fn maybe_compact(&mut self) {
        if self.dead > 1024 && self.dead > self.by_id.len() {
            self.compact();
        }
    }

    /// Appends a live entry in a new slot and indexes it.
    fn place(&mut self, product: Arc<Product>, version: u64) {
        let slot = u32::try_from(self.slots.len()).unwrap_or(u32::MAX);
        self.by_id.insert(product.id.as_str().into(), slot);
        for (i, v) in product.variants.iter().enumerate() {
            self.by_sku.insert(
                v.sku.as_str().into(),
                (slot, u32::try_from(i).unwrap_or(u32::MAX)),
            );
        }
        for c in &product.categories {
            match self.by_category.get_mut(c.as_str()) {
                Some(list) => list.push(slot),
                None => {
                    self.by_category.insert(c.as_str().into(), vec![slot]);
                }
            }
        }
        let mut fields = Vec::with_capacity(product.variants.len() + 2);
        fields.push((Field::Name, product.name.as_str()));
        fields.extend(
            product
                .variants
                .iter()
                .map(|v| (Field::Sku, v.sku.as_str())),
        );
        fields.push((Field::Description, product.description.as_str()));
        self.text.add(slot, &fields);
        let name_key = fold(&product.name).into_boxed_str();
        self.columns.push(&product);
        self.slots.push(Some(Entry {
            product,
            version,
            name_key,
        }));
    }

    /// Rebuilds the slot-based indexes without dead slots.
    fn compact(&mut self) {
        let live: Vec<Entry> = self.slots.drain(..).flatten().collect();
        self.dead = 0;
        self.by_id.clear();
        self.by_sku.clear();
        self.by_category.clear();
        self.text = TextIndex::default();
        self.columns.clear();
        for e in live {
            self.place(e.product, e.version);
        }
    }

    /// Live slots in slot order.
    pub(crate) fn live_slots(&self) -> impl Iterator<Item = u32> + '_ {
        self.slots
            .iter()
            .enumerate()
            .filter(|(_, e)| e.is_some())
            .map(|(i, _)| i as u32)
    }

    /// Slots of the products in `collection` (manual: in list order, dead
    /// ids skipped; rules: every live product that meets them).
    pub(crate) fn collection_slots(&self, collection: &Collection) -> Vec<u32> {
        match &collection.rule {
            CollectionRule::Manual { products } => products
                .iter()
                .filter_map(|id| self.by_id.get(id.as_str()).copied())
                .collect(),
            CollectionRule::Rules { .. } => self
                .live_slots()
                .filter(|&s| {
                    self.entry(s)
                        .is_some_and(|e| collection.contains(&e.product))
                })
                .collect(),
        }
    }

    /// Every live product, in id order.
    pub fn products(&self) -> Vec<Arc<Product>> {
        let mut all: Vec<Arc<Product>> = self
            .slots
            .iter()
            .flatten()
            .map(|e| Arc::clone(&e.product))
            .collect();
        all.sort_by(|a, b| a.id.cmp(&b.id));
        all
    }

    /// Words in the text index's vocabulary.
    pub fn vocabulary(&self) -> usize {
        self.text.vocabulary()
    }
}
