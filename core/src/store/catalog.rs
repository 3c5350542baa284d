//! Catalog persistence: products (versioned, SKU-unique), categories,
//! collections, attribute definitions, and the catalog query.

use std::sync::Arc;

use crate::catalog::{
    AttributeDef, CatalogIndex, CatalogPage, CatalogQuery, Category, CategoryTree, Collection,
    Product, Saved, SkuFacts,
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

/// The one record a [`CatalogChange`] writes, as a SQL store persists it
/// beside the products (one row per kind and id).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CatalogItem {
    /// A category, with its parent and position.
    Category(Category),
    /// A collection.
    Collection(Collection),
    /// An attribute definition.
    Attribute(AttributeDef),
}

impl CatalogItem {
    /// The kind stored with the row: `category`, `collection` or `attribute`.
    pub fn kind(&self) -> &'static str {
        match self {
            CatalogItem::Category(_) => "category",
            CatalogItem::Collection(_) => "collection",
            CatalogItem::Attribute(_) => "attribute",
        }
    }

    /// Its id (a category or collection id, an attribute code).
    pub fn id(&self) -> &str {
        match self {
            CatalogItem::Category(c) => &c.id,
            CatalogItem::Collection(c) => &c.id,
            CatalogItem::Attribute(d) => &d.code,
        }
    }

    /// The record as JSON.
    ///
    /// # Errors
    ///
    /// `storage_error` if it cannot be encoded.
    pub fn to_json(&self) -> Result<String> {
        let body = match self {
            CatalogItem::Category(c) => serde_json::to_string(c),
            CatalogItem::Collection(c) => serde_json::to_string(c),
            CatalogItem::Attribute(d) => serde_json::to_string(d),
        };
        body.map_err(|e| crate::Error::Storage {
            reason: format!("cannot encode {} {:?}: {e}", self.kind(), self.id()),
        })
    }

    /// A stored record back from its kind and JSON.
    ///
    /// # Errors
    ///
    /// `storage_error` for an unknown kind or unreadable JSON.
    pub fn from_json(kind: &str, body: &str) -> Result<CatalogItem> {
        let unreadable = |e: serde_json::Error| crate::Error::Storage {
            reason: format!("stored {kind} is unreadable: {e}"),
        };
        match kind {
            "category" => serde_json::from_str(body).map(CatalogItem::Category),
            "collection" => serde_json::from_str(body).map(CatalogItem::Collection),
            "attribute" => serde_json::from_str(body).map(CatalogItem::Attribute),
            other => {
                return Err(crate::Error::Storage {
                    reason: format!("unknown catalog item kind {other:?}"),
                })
            }
        }
        .map_err(unreadable)
    }

    /// Puts the record into `index` (see [`CatalogIndex::restore`]).
    pub fn restore_into(self, index: &mut CatalogIndex) {
        match self {
            CatalogItem::Category(c) => index.restore_category(c),
            CatalogItem::Collection(c) => index.restore_collection(c),
            CatalogItem::Attribute(d) => index.restore_attribute(d),
        }
    }
}

impl CatalogChange {
    /// Checks this change against `index` (on a copy of what it changes)
    /// and returns the record it writes, without changing the index.
    ///
    /// # Errors
    ///
    /// What [`CatalogStore::change_catalog`] refuses.
    pub fn plan(&self, index: &CatalogIndex) -> Result<CatalogItem> {
        Ok(match self {
            CatalogChange::PutCategory(c) => {
                index.categories().clone().insert(c.clone())?;
                CatalogItem::Category(c.clone())
            }
            CatalogChange::MoveCategory {
                id,
                parent,
                position,
            } => {
                let mut tree = index.categories().clone();
                tree.move_to(id, parent.as_deref(), *position)?;
                match tree.get(id) {
                    Some(c) => CatalogItem::Category(c.clone()),
                    None => {
                        return Err(crate::Error::UnknownCategory {
                            id: crate::error::shown(id),
                        })
                    }
                }
            }
            CatalogChange::PutCollection(c) => {
                c.validate()?;
                CatalogItem::Collection(c.clone())
            }
            CatalogChange::DefineAttribute(d) => {
                index.check_attribute(d)?;
                CatalogItem::Attribute(d.clone())
            }
        })
    }
}

/// A variant found by SKU: its product and the variant's index in it.
pub type VariantOf = (Arc<Product>, usize);

/// How far a shared database's catalog had got when a read saw it: taken
/// by [`super::DocumentStore::load_many_marked`] in the same round trip as
/// the documents, and handed to [`CatalogStore::pricing_catalog_as_of`]
/// later in the same operation, so a store that checks its catalog cache
/// against the database need not ask again.
///
/// Opaque: only the store that gave it reads it (a PostgreSQL store: its
/// catalog sequence).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CatalogMark(pub u64);

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

    /// [`CatalogStore::product_by_sku`] for each of `skus`, in order, from
    /// one view of the catalog: a store that checks its cache against the
    /// database checks once for all of them (pricing a cart reads every
    /// line's product).
    ///
    /// # Errors
    ///
    /// Storage failures.
    fn products_by_skus(&self, skus: &[&str]) -> Result<Vec<Option<VariantOf>>> {
        skus.iter().map(|sku| self.product_by_sku(sku)).collect()
    }

    /// What pricing reads of the catalog, in one look: the variants of
    /// `skus` (as [`CatalogStore::products_by_skus`]) and every category
    /// (as [`CatalogStore::categories`]) as a tree. A store whose catalog
    /// lives elsewhere checks once for both. A store that keeps its tree
    /// returns a clone of it (shared nodes): the engine keeps what it
    /// derived for pricing while [`CategoryTree::same_as`] holds, so the
    /// default, a new tree per call, is correct but derives again.
    ///
    /// # Errors
    ///
    /// Storage failures.
    fn pricing_catalog(&self, skus: &[&str]) -> Result<(Vec<Option<VariantOf>>, CategoryTree)> {
        Ok((
            self.products_by_skus(skus)?,
            CategoryTree::from_stored(self.categories()?),
        ))
    }

    /// [`CatalogStore::pricing_catalog`], at least as new as `mark` (what
    /// a read earlier in the same operation saw of the database's catalog,
    /// [`super::DocumentStore::load_many_marked`]): every catalog write
    /// committed before that read is in it. A store that checks its cache
    /// against the database uses the mark instead of asking again (one
    /// round trip fewer); the default, and `None`, is
    /// [`CatalogStore::pricing_catalog`].
    ///
    /// A mark says nothing of writes after it: it is for the operation
    /// whose read took it, never kept for later ones.
    ///
    /// # Errors
    ///
    /// Storage failures.
    fn pricing_catalog_as_of(
        &self,
        skus: &[&str],
        mark: Option<CatalogMark>,
    ) -> Result<(Vec<Option<VariantOf>>, CategoryTree)> {
        let _ = mark;
        self.pricing_catalog(skus)
    }

    /// A number that changes with every catalog write of this store
    /// (products, categories, collections, attributes), read without
    /// reading the catalog; `None`, the default, when the store cannot tell
    /// that cheaply (a shared database another process writes to).
    ///
    /// While it stays the same, the engine prices a cart again from what it
    /// derived from its last [`CatalogStore::pricing_catalog`] read for the
    /// same SKUs, without reading them again. So a store that returns a
    /// number changes it only after a write is visible: a reader that sees
    /// the new number reads the new catalog.
    ///
    /// # Examples
    ///
    /// ```
    /// use kassa::catalog::Category;
    /// use kassa::store::{CatalogChange, CatalogStore, MemoryStore};
    /// let store = MemoryStore::new();
    /// let before = store.catalog_generation();
    /// let shoes = Category { id: "shoes".into(), name: "Shoes".into(), parent: None, position: 0 };
    /// store.change_catalog(CatalogChange::PutCategory(shoes), vec![])?;
    /// assert!(before.is_some() && store.catalog_generation() != before);
    /// # Ok::<(), kassa::Error>(())
    /// ```
    fn catalog_generation(&self) -> Option<u64> {
        None
    }

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

#[cfg(test)]
mod tests {
    use super::*;

    fn category(id: &str, parent: Option<&str>) -> Category {
        Category {
            id: id.into(),
            name: id.to_uppercase(),
            parent: parent.map(Into::into),
            position: 0,
        }
    }

    #[test]
    fn items_round_trip_through_their_stored_form() {
        let item = CatalogItem::Category(category("tees", Some("apparel")));
        let back = CatalogItem::from_json(item.kind(), &item.to_json().unwrap()).unwrap();
        assert_eq!((back.kind(), back.id()), ("category", "tees"));
        assert_eq!(back, item);
        let unknown = CatalogItem::from_json("widget", "{}").unwrap_err();
        assert_eq!(unknown.code(), "storage_error");
        let broken = CatalogItem::from_json("category", "{").unwrap_err();
        assert_eq!(broken.code(), "storage_error");
    }

    #[test]
    fn planning_a_change_checks_it_and_changes_nothing() {
        let mut index = CatalogIndex::default();
        CatalogItem::Category(category("apparel", None)).restore_into(&mut index);
        CatalogItem::Category(category("tees", Some("apparel"))).restore_into(&mut index);
        let moved = CatalogChange::MoveCategory {
            id: "apparel".into(),
            parent: Some("tees".into()),
            position: 0,
        };
        assert_eq!(moved.plan(&index).unwrap_err().code(), "category_cycle");
        let moved = CatalogChange::MoveCategory {
            id: "tees".into(),
            parent: None,
            position: 3,
        };
        let planned = moved.plan(&index).unwrap();
        assert_eq!(
            planned,
            CatalogItem::Category(Category {
                parent: None,
                position: 3,
                ..category("tees", None)
            })
        );
        // The index still has the old place until the item is restored.
        assert_eq!(
            index.categories().get("tees").unwrap().parent.as_deref(),
            Some("apparel")
        );
        let orphan = CatalogChange::PutCategory(category("socks", Some("nowhere")));
        assert_eq!(orphan.plan(&index).unwrap_err().code(), "unknown_category");
    }
}
