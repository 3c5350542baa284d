//! Collections: hand-picked product lists, or rules over tags, attributes
//! and prices.

use serde::{Deserialize, Serialize};

use super::limits::{self, MAX_ID_BYTES, MAX_LIST, MAX_NAME_BYTES};
use super::{label, Product};
use crate::money::Money;

/// One rule of a rule-based collection.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum CollectionCondition {
    /// The product has this tag.
    Tag {
        /// The tag.
        tag: String,
    },
    /// The product's attribute equals this value (as text: `cotton`, `1.5`, `true`).
    Attribute {
        /// The attribute code.
        code: String,
        /// The value.
        value: String,
    },
    /// Some variant is priced within `[min, max]` (bounds optional) in the
    /// bounds' currency.
    Price {
        /// Lower bound.
        #[serde(default)]
        min: Option<Money>,
        /// Upper bound.
        #[serde(default)]
        max: Option<Money>,
    },
}

impl CollectionCondition {
    /// True when `product` meets this condition.
    pub fn matches(&self, product: &Product) -> bool {
        match self {
            CollectionCondition::Tag { tag } => product.tags.iter().any(|t| t == tag),
            CollectionCondition::Attribute { code, value } => product
                .attributes
                .get(code)
                .is_some_and(|v| v.matches_text(value)),
            CollectionCondition::Price { min, max } => {
                let Some(currency) = min.or(*max).map(|m| m.currency()) else {
                    return true;
                };
                product.variants.iter().any(|v| {
                    v.price(currency).is_some_and(|p| {
                        min.is_none_or(|m| p.minor_units() >= m.minor_units())
                            && max.is_none_or(|m| p.minor_units() <= m.minor_units())
                    })
                })
            }
        }
    }
}

/// How a collection picks its products.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum CollectionRule {
    /// These products, in this order.
    Manual {
        /// Product ids.
        products: Vec<String>,
    },
    /// Every product meeting all conditions.
    Rules {
        /// The conditions (all must hold).
        all: Vec<CollectionCondition>,
    },
}

/// A named set of products.
///
/// # Examples
///
/// ```
/// use kassa::catalog::{Collection, CollectionCondition, CollectionRule, Product};
/// let summer = Collection {
///     id: "summer".into(),
///     name: "Summer".into(),
///     rule: CollectionRule::Rules { all: vec![CollectionCondition::Tag { tag: "summer".into() }] },
/// };
/// let mut p = Product::new("p1", "Sandals");
/// assert!(!summer.contains(&p));
/// p.tags.push("summer".into());
/// assert!(summer.contains(&p));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Collection {
    /// Unique in the store.
    pub id: String,
    /// Shown to shoppers.
    pub name: String,
    /// Manual or rule-based.
    pub rule: CollectionRule,
}

impl Collection {
    /// True when `product` belongs to this collection.
    pub fn contains(&self, product: &Product) -> bool {
        match &self.rule {
            CollectionRule::Manual { products } => products.contains(&product.id),
            CollectionRule::Rules { all } => all.iter().all(|c| c.matches(product)),
        }
    }

    /// Checks field limits.
    ///
    /// # Errors
    ///
    /// `invalid_field`.
    pub fn validate(&self) -> crate::Result<()> {
        let id = self.id.as_str();
        limits::text(id, "id", id, MAX_ID_BYTES)?;
        limits::text(id, "name", &self.name, MAX_NAME_BYTES)?;
        match &self.rule {
            CollectionRule::Manual { products } => {
                limits::list(id, "products", products, 100_000)?;
                for (i, p) in products.iter().enumerate() {
                    limits::text(id, &format!("products[{i}]"), p, MAX_ID_BYTES)?;
                }
            }
            CollectionRule::Rules { all } => {
                limits::list(id, "all", all, MAX_LIST)?;
                for (i, c) in all.iter().enumerate() {
                    match c {
                        CollectionCondition::Tag { tag } => {
                            label(id, &format!("all[{i}].tag"), tag)?
                        }
                        CollectionCondition::Attribute { code, value } => {
                            label(id, &format!("all[{i}].code"), code)?;
                            label(id, &format!("all[{i}].value"), value)?;
                        }
                        CollectionCondition::Price { min, max } => {
                            if let (Some(a), Some(b)) = (min, max) {
                                if a.currency() != b.currency() {
                                    return Err(crate::Error::CurrencyMismatch {
                                        expected: a.currency(),
                                        found: b.currency(),
                                    });
                                }
                            }
                        }
                    }
                }
            }
        }
        Ok(())
    }
}
