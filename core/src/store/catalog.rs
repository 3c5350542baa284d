//! Catalog persistence: products (versioned, SKU-unique), categories,
//! collections, attribute definitions, and the catalog query.

use std::sync::Arc;

use crate::catalog::{
    AttributeDef, CatalogPage, CatalogQuery, Category, Collection, Product, Saved, SkuFacts,
};
use crate::error::Result;
use crate::pricing::Timestamp;

use super::NewEvent;

/// A change to the catalog other than a product save.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CatalogChange {
    /// Create a category or rename one (its parent must exist).
    PutCategory(Category),
    /// Move a category under another (or to the root) at a position.
    MoveCategory {
        /// The category.
        id: String,
        /// The new parent.
        parent: Option<String>,
        /// Its position among the new siblings.
        position: u32,
    },
    /// Create or replace a collection.
    PutCollection(Collection),
    /// Create or replace an attribute definition.
    DefineAttribute(AttributeDef),
}

/// Catalog persistence. A SQL store implements [`CatalogStore::save_product`]
/// as one transaction: check the version (`UPDATE ... WHERE version = ?`),
/// the SKUs (a unique index on `variants.sku`), the categories and
/// attributes (foreign keys or a read in the transaction), write the rows,
/// and insert the events.
pub trait CatalogStore: Send + Sync {
    /// The product `id` and its version.
    ///
    /// # Errors
    ///
    /// Storage failures.
    fn product(&self, id: &str) -> Result<Option<(Arc<Product>, u64)>>;

    /// The product holding `sku`, and the variant's index in it.
    ///
    /// # Errors
    ///
    /// Storage failures.
    fn product_by_sku(&self, sku: &str) -> Result<Option<(Arc<Product>, usize)>>;

    /// Saves `product` if its stored version is `expected` (none: new),
    /// stamping `created_at = now` on a new one, and records
    /// `events(outcome)`, atomically.
    ///
    /// # Errors
    ///
    /// `concurrent_modification`, `duplicate_sku`, `unknown_category`,
    /// `invalid_attribute`, `invalid_field`; nothing is written.
    fn save_product(
        &self,
        product: Product,
        expected: Option<u64>,
        now: Timestamp,
        events: &dyn Fn(&Product, &Saved) -> Vec<NewEvent>,
    ) -> Result<Saved>;

    /// Saves `products` in order, each as [`CatalogStore::save_product`]
    /// would (checked against the ones before it), stopping at the first
    /// one refused: those before it are saved, it and the rest are not.
    /// Returns how many were saved and the refusal, if any. A store may
    /// write the saved ones in one atomic step (bulk loads); the default
    /// saves them one by one.
    ///
    /// # Errors
    ///
    /// The refusal is returned with the count, not as `Err`.
    fn save_products(
        &self,
        products: Vec<(Product, Option<u64>)>,
        now: Timestamp,
        events: &dyn Fn(&Product, &Saved) -> Vec<NewEvent>,
    ) -> (usize, Option<crate::Error>) {
        let mut saved = 0;
        for (product, expected) in products {
            if let Err(e) = self.save_product(product, expected, now, events) {
                return (saved, Some(e));
            }
            saved += 1;
        }
        (saved, None)
    }

    /// Applies `change` and records `events`, atomically.
    ///
    /// # Errors
    ///
    /// `unknown_category`, `category_cycle`, `invalid_field`,
    /// `invalid_attribute`; nothing is written.
    fn change_catalog(&self, change: CatalogChange, events: Vec<NewEvent>) -> Result<()>;

    /// Runs a catalog query.
    ///
    /// # Errors
    ///
    /// As [`crate::catalog::run`].
    fn query_catalog(&self, query: &CatalogQuery) -> Result<CatalogPage>;

    /// Every category, by id.
    ///
    /// # Errors
    ///
    /// Storage failures.
    fn categories(&self) -> Result<Vec<Category>>;

    /// The collection `id`.
    ///
    /// # Errors
    ///
    /// Storage failures.
    fn collection(&self, id: &str) -> Result<Option<Collection>>;

    /// The attribute definition `code`.
    ///
    /// # Errors
    ///
    /// Storage failures.
    fn attribute(&self, code: &str) -> Result<Option<AttributeDef>>;

    /// Every product, by id (for export).
    ///
    /// # Errors
    ///
    /// Storage failures.
    fn all_products(&self) -> Result<Vec<Arc<Product>>>;

    /// Stock of `sku` summed over every location, and units sold.
    ///
    /// # Errors
    ///
    /// Storage failures.
    fn sku_facts(&self, sku: &str) -> Result<SkuFacts>;
}
