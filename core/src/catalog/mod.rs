//! The catalog: products with variants, options and typed attributes, a
//! category tree, collections, and the queries a storefront runs over them
//! (filters, facets, text search, sorting, cursor pagination), plus bulk
//! import and export.
//!
//! Pure: [`CatalogIndex`] holds the state a store keeps and runs every
//! check and query over it; the store applies it atomically and the
//! engine records the events. Field limits are in [`limits`].
//!
//! # Examples
//!
//! ```
//! use kassa::catalog::{CatalogIndex, CatalogQuery, Product, ProductStatus, Variant};
//! use kassa::pricing::Timestamp;
//!
//! let mut catalog = CatalogIndex::default();
//! let mut tee = Product::new("tee", "Organic Cotton Tee");
//! tee.status = ProductStatus::Active;
//! tee.variants.push(Variant::new("TEE-M"));
//! catalog.save(tee, None, Timestamp(0))?;
//!
//! let query = CatalogQuery { text: Some("cott".into()), ..CatalogQuery::default() };
//! let page = kassa::catalog::run(&catalog, &query, &|_| Default::default())?;
//! assert_eq!(page.hits[0].skus, ["TEE-M"]);
//! # Ok::<(), kassa::Error>(())
//! ```

mod attribute;
mod category;
mod collection;
mod columns;
mod csv;
mod facets;
mod import;
mod index;
pub mod limits;
mod product;
mod query;
mod search;
mod sorted_map;
mod text;

pub use attribute::{AttributeDef, AttributeKind, AttributeValue};
pub use category::{Category, CategoryTree};
pub use collection::{Collection, CollectionCondition, CollectionRule};
pub use csv::{export_csv, parse_csv, CSV_HEADER};
pub use import::{export_jsonl, parse_jsonl, ImportGroup, ImportReport, Parsed, RowError};
pub use index::{CatalogIndex, Saved, SkuFacts};
pub use product::{
    Component, Dimensions, Media, Product, ProductOption, ProductStatus, Relation, RelationKind,
    Variant,
};
pub use query::{CatalogPage, CatalogQuery, Facet, ProductHit, Sort, MAX_PAGE};
pub use search::{run, FactsFn};
pub use sorted_map::SortedMap;
pub use text::{fold, tokens, MAX_QUERY_TOKENS};

/// Checks a short label (tag, channel, option value): non-empty, at most
/// [`limits::MAX_LABEL_BYTES`].
pub(crate) fn label(entity: &str, field: &str, value: &str) -> crate::Result<()> {
    limits::text(entity, field, value, limits::MAX_LABEL_BYTES)
}
