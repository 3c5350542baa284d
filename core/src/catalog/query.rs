//! Catalog queries: filters, sort, facets and cursor pagination.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::ProductStatus;
use crate::error::{shown, Error, Result};
use crate::money::{Currency, Money};

/// Largest page a query returns.
pub const MAX_PAGE: usize = 200;

/// The order of results.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Sort {
    /// Best text match first (without a text query: by name).
    #[default]
    Relevance,
    /// Cheapest matching variant first, in the query currency.
    PriceAsc,
    /// Dearest first.
    PriceDesc,
    /// By name, case- and accent-insensitive.
    NameAsc,
    /// By name, reversed.
    NameDesc,
    /// Most recently created first.
    Newest,
    /// Most units sold first (committed stock, fed by orders).
    BestSelling,
}

/// A facet to count over the current result set.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(tag = "type", content = "name", rename_all = "snake_case")]
pub enum Facet {
    /// Values of a product attribute.
    Attribute(String),
    /// Values of a variant option (counted once per product).
    Option(String),
    /// Tags.
    Tags,
    /// Direct categories.
    Categories,
    /// In stock or not (`true` / `false`).
    InStock,
}

/// A catalog query. Every filter narrows the result; an empty query lists
/// every active product.
///
/// Product-level filters: text, category (with its descendants),
/// collection, tags (all of them), attributes (any listed value of each),
/// status, channel. Variant-level filters (options, price range, in stock)
/// must all hold for one variant; the hit lists those variants.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct CatalogQuery {
    /// Words to search for in names, SKUs and descriptions (each word must
    /// match, as a prefix).
    pub text: Option<String>,
    /// A category id; its descendants are included.
    pub category: Option<String>,
    /// A collection id.
    pub collection: Option<String>,
    /// Tags the product must all have.
    pub tags: Vec<String>,
    /// Attribute code -> acceptable values (as text).
    pub attributes: BTreeMap<String, Vec<String>>,
    /// Option name -> acceptable values.
    pub options: BTreeMap<String, Vec<String>>,
    /// The currency for the price filter, price sort and hit prices.
    pub currency: Option<Currency>,
    /// Lowest variant price (in `currency`).
    pub min_price: Option<Money>,
    /// Highest variant price (in `currency`).
    pub max_price: Option<Money>,
    /// Only variants that can be sold now (available, backorder or not tracked).
    pub in_stock: bool,
    /// Only products sold in this channel.
    pub channel: Option<String>,
    /// Statuses to include; empty means active only.
    pub statuses: Vec<ProductStatus>,
    /// The order.
    pub sort: Sort,
    /// Facets to count.
    pub facets: Vec<Facet>,
    /// Page size (1..=[`MAX_PAGE`]; 0 means 20).
    pub limit: usize,
    /// Where to continue: the `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

impl CatalogQuery {
    /// True when the query reads stock (the availability filter or facet,
    /// or the best-selling sort): stores fetch stock facts only then.
    pub fn needs_stock(&self) -> bool {
        self.in_stock || self.sort == Sort::BestSelling || self.facets.contains(&Facet::InStock)
    }
}

/// A product in a result page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductHit {
    /// The product id.
    pub id: String,
    /// Its name.
    pub name: String,
    /// The lowest price among the matching variants in the query currency.
    pub price: Option<Money>,
    /// The SKUs of the matching variants.
    pub skus: Vec<String>,
    /// The text score (0 without a text query).
    pub score: u32,
}

/// A page of results.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CatalogPage {
    /// The hits, in order.
    pub hits: Vec<ProductHit>,
    /// How many products match in all.
    pub total: usize,
    /// The cursor of the next page; none on the last.
    pub next_cursor: Option<String>,
    /// Facet -> value -> number of matching products.
    pub facets: BTreeMap<String, BTreeMap<String, usize>>,
}

impl Facet {
    /// The key of this facet in [`CatalogPage::facets`]: `attribute:fit`,
    /// `option:size`, `tags`, `categories`, `in_stock`.
    pub fn key(&self) -> String {
        match self {
            Facet::Attribute(code) => format!("attribute:{code}"),
            Facet::Option(name) => format!("option:{name}"),
            Facet::Tags => "tags".to_owned(),
            Facet::Categories => "categories".to_owned(),
            Facet::InStock => "in_stock".to_owned(),
        }
    }
}

/// The position after which a page starts: the sort key of the last hit
/// and its product id, bound to the sort it was made for.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum SortKey {
    /// A number compared ascending (prices, negated for descending order).
    Number(i128),
    /// A folded name.
    Text(String),
}

/// `(sort, key, id)` as an opaque cursor: hex of a small JSON array.
pub(crate) fn encode_cursor(sort: Sort, key: &SortKey, id: &str) -> String {
    let key = match key {
        SortKey::Number(n) => serde_json::json!(["n", n.to_string()]),
        SortKey::Text(t) => serde_json::json!(["t", t]),
    };
    let raw = serde_json::json!([sort, key, id]).to_string();
    raw.bytes().map(|b| format!("{b:02x}")).collect()
}

/// Reads a cursor made by [`encode_cursor`] for `sort`.
pub(crate) fn decode_cursor(cursor: &str, sort: Sort) -> Result<(SortKey, String)> {
    let bad = |reason| Error::InvalidCursor {
        cursor: shown(cursor),
        reason,
    };
    if cursor.len() > 4096 || !cursor.len().is_multiple_of(2) {
        return Err(bad("not a cursor issued by this catalog"));
    }
    let bytes: Option<Vec<u8>> = (0..cursor.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(cursor.get(i..i + 2)?, 16).ok())
        .collect();
    let bytes = bytes.ok_or_else(|| bad("not a cursor issued by this catalog"))?;
    let value: (Sort, (String, String), String) =
        serde_json::from_slice(&bytes).map_err(|_| bad("not a cursor issued by this catalog"))?;
    let (made_for, (kind, key), id) = value;
    if made_for != sort {
        return Err(bad("made for another sort order"));
    }
    let key = match kind.as_str() {
        "n" => SortKey::Number(key.parse().map_err(|_| bad("corrupt sort key"))?),
        "t" => SortKey::Text(key),
        _ => return Err(bad("corrupt sort key")),
    };
    Ok((key, id))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_reject_tampering() {
        let c = encode_cursor(Sort::PriceAsc, &SortKey::Number(-1999), "p\"1");
        assert_eq!(
            decode_cursor(&c, Sort::PriceAsc).unwrap(),
            (SortKey::Number(-1999), "p\"1".to_owned())
        );
        let t = encode_cursor(Sort::NameAsc, &SortKey::Text("tee".into()), "p2");
        assert_eq!(
            decode_cursor(&t, Sort::NameAsc).unwrap().0,
            SortKey::Text("tee".into())
        );
        for bad in ["", "zz", "abc", &c[..c.len() - 2]] {
            assert_eq!(
                decode_cursor(bad, Sort::PriceAsc).unwrap_err().code(),
                "invalid_cursor"
            );
        }
        assert_eq!(
            decode_cursor(&c, Sort::Newest).unwrap_err().code(),
            "invalid_cursor"
        );
    }
}
