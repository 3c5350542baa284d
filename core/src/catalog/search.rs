//! Running a [`CatalogQuery`] over a [`CatalogIndex`]: candidates, filters,
//! facets, keyset pagination.

use std::borrow::Cow;
use std::cmp::Ordering;
use std::collections::BTreeMap;

use rustc_hash::{FxHashMap, FxHashSet};

use super::index::{CatalogIndex, Entry, SkuFacts};
use super::query::{decode_cursor, encode_cursor, SortKey, MAX_PAGE};
use super::{CatalogPage, CatalogQuery, Facet, Product, ProductHit, ProductStatus, Sort, Variant};
use crate::error::{shown, Error, Result};
use crate::money::{Currency, Money};

/// What the stock side says about a SKU.
pub type FactsFn<'a> = &'a dyn Fn(&str) -> SkuFacts;

struct Match {
    slot: u32,
    score: u32,
    price: Option<i64>,
    key: SortKey,
}

/// The query's checked inputs.
struct Plan<'q> {
    q: &'q CatalogQuery,
    currency: Option<Currency>,
    min: Option<i64>,
    max: Option<i64>,
    categories: Option<FxHashSet<&'q str>>,
    statuses: Vec<ProductStatus>,
    limit: usize,
}

fn plan<'q>(index: &'q CatalogIndex, q: &'q CatalogQuery) -> Result<Plan<'q>> {
    let limit = match q.limit {
        0 => 20,
        n if n <= MAX_PAGE => n,
        n => {
            return Err(Error::InvalidQuantity {
                value: n.to_string(),
                reason: "page limit must be between 1 and 200",
            })
        }
    };
    let mut currency = q.currency;
    for bound in [q.min_price, q.max_price].into_iter().flatten() {
        match currency {
            Some(c) if c != bound.currency() => {
                return Err(Error::CurrencyMismatch {
                    expected: c,
                    found: bound.currency(),
                })
            }
            _ => currency = Some(bound.currency()),
        }
    }
    let categories = match &q.category {
        Some(id) => {
            let ids = index.categories.descendants(id)?;
            let set: FxHashSet<&str> = ids
                .iter()
                .filter_map(|id| index.categories.get(id).map(|c| c.id.as_str()))
                .collect();
            Some(set)
        }
        None => None,
    };
    if let Some(id) = &q.collection {
        if index.collection(id).is_none() {
            return Err(Error::UnknownCollection { id: shown(id) });
        }
    }
    let statuses = if q.statuses.is_empty() {
        vec![ProductStatus::Active]
    } else {
        q.statuses.clone()
    };
    Ok(Plan {
        q,
        currency,
        min: q.min_price.map(|m| m.minor_units()),
        max: q.max_price.map(|m| m.minor_units()),
        categories,
        statuses,
        limit,
    })
}

/// Can one unit of `variant` be sold now (a kit: one of each component)?
fn sellable(variant: &Variant, facts: FactsFn<'_>) -> bool {
    if variant.components.is_empty() {
        return facts(&variant.sku).sellable();
    }
    variant.components.iter().all(|c| {
        let f = facts(&c.sku);
        f.unlimited || f.available >= i64::from(c.qty)
    })
}

impl Plan<'_> {
    fn product_matches(&self, index: &CatalogIndex, p: &Product) -> bool {
        let q = self.q;
        self.statuses.contains(&p.status)
            && q.channel.as_deref().is_none_or(|c| p.in_channel(c))
            && q.tags.iter().all(|t| p.tags.contains(t))
            && q.attributes.iter().all(|(code, values)| {
                p.attributes
                    .get(code)
                    .is_some_and(|v| values.iter().any(|want| v.matches_text(want)))
            })
            && self
                .categories
                .as_ref()
                .is_none_or(|set| p.categories.iter().any(|c| set.contains(c.as_str())))
            && q.collection
                .as_deref()
                .and_then(|id| index.collection(id))
                .is_none_or(|c| c.contains(p))
    }

    fn variant_matches(&self, v: &Variant, facts: FactsFn<'_>) -> bool {
        let q = self.q;
        if !q.options.iter().all(|(name, values)| {
            v.options
                .get(name)
                .is_some_and(|have| values.contains(have))
        }) {
            return false;
        }
        if self.min.is_some() || self.max.is_some() {
            let Some(price) = self.currency.and_then(|c| v.price(c)) else {
                return false;
            };
            let units = price.minor_units();
            if self.min.is_some_and(|m| units < m) || self.max.is_some_and(|m| units > m) {
                return false;
            }
        }
        !q.in_stock || sellable(v, facts)
    }

    fn key(&self, entry: &Entry, score: u32, price: Option<i64>, facts: FactsFn<'_>) -> SortKey {
        let missing = i128::from(i64::MAX) + 1;
        match self.q.sort {
            Sort::Relevance if self.q.text.is_some() => SortKey::Number(-i128::from(score)),
            Sort::Relevance | Sort::NameAsc | Sort::NameDesc => {
                SortKey::Text(entry.name_key.to_string())
            }
            Sort::PriceAsc => SortKey::Number(price.map_or(missing, i128::from)),
            Sort::PriceDesc => SortKey::Number(price.map_or(missing, |p| -i128::from(p))),
            Sort::Newest => {
                SortKey::Number(-i128::from(entry.product.created_at.map_or(0, |t| t.0)))
            }
            Sort::BestSelling => {
                let sold: u64 = entry
                    .product
                    .variants
                    .iter()
                    .map(|v| facts(&v.sku).sold)
                    .sum();
                SortKey::Number(-i128::from(sold))
            }
        }
    }
}

/// Compares `(key, id)` pairs in the query's order (ids break ties, ascending).
fn order(sort: Sort, a: (&SortKey, &str), b: (&SortKey, &str)) -> Ordering {
    let by_key = if sort == Sort::NameDesc {
        b.0.cmp(a.0)
    } else {
        a.0.cmp(b.0)
    };
    by_key.then_with(|| a.1.cmp(b.1))
}

/// Runs `q` over `index`, asking `facts` about stock.
///
/// # Errors
///
/// `unknown_category`, `unknown_collection`, `invalid_cursor`,
/// `currency_mismatch` between the price bounds and the currency,
/// `invalid_quantity` for a page limit over [`MAX_PAGE`].
pub fn run(index: &CatalogIndex, q: &CatalogQuery, facts: FactsFn<'_>) -> Result<CatalogPage> {
    let plan = plan(index, q)?;
    let after = q
        .cursor
        .as_deref()
        .map(|c| decode_cursor(c, q.sort))
        .transpose()?;
    let candidates: Vec<(u32, u32)> = if let Some(text) = &q.text {
        index
            .text
            .search(text, index.slots.len(), &|s| index.entry(s).is_some())
    } else if let Some(set) = &plan.categories {
        let mut slots: Vec<u32> = set
            .iter()
            .filter_map(|c| index.by_category.get(*c))
            .flatten()
            .copied()
            .collect();
        slots.sort_unstable();
        slots.dedup();
        slots.into_iter().map(|s| (s, 0)).collect()
    } else if let Some(c) = q.collection.as_deref().and_then(|id| index.collection(id)) {
        index
            .collection_slots(c)
            .into_iter()
            .map(|s| (s, 0))
            .collect()
    } else {
        index.live_slots().map(|s| (s, 0)).collect()
    };

    let mut counts: Vec<FxHashMap<Cow<'_, str>, usize>> =
        vec![FxHashMap::default(); q.facets.len()];
    let mut matches: Vec<Match> = Vec::new();
    let mut seen: FxHashSet<u32> = FxHashSet::default();
    let mut total = 0;
    let mut variant_hits: Vec<&Variant> = Vec::new();
    for (slot, score) in candidates {
        let Some(entry) = index.entry(slot) else {
            continue;
        };
        let p = &entry.product;
        if !plan.product_matches(index, p) || !seen.insert(slot) {
            continue;
        }
        variant_hits.clear();
        variant_hits.extend(p.variants.iter().filter(|v| plan.variant_matches(v, facts)));
        if variant_hits.is_empty() {
            continue;
        }
        let price = plan.currency.and_then(|c| {
            variant_hits
                .iter()
                .filter_map(|v| v.price(c))
                .map(|m| m.minor_units())
                .min()
        });
        total += 1;
        count_facets(&q.facets, &mut counts, p, &variant_hits, facts);
        let key = plan.key(entry, score, price, facts);
        if let Some((k, id)) = &after {
            if order(q.sort, (&key, &p.id), (k, id)) != Ordering::Greater {
                continue;
            }
        }
        matches.push(Match {
            slot,
            score,
            price,
            key,
        });
    }
    let cmp = |a: &Match, b: &Match| {
        let id = |m: &Match| index.entry(m.slot).map_or("", |e| e.product.id.as_str());
        order(q.sort, (&a.key, id(a)), (&b.key, id(b)))
    };
    if matches.len() > plan.limit {
        matches.select_nth_unstable_by(plan.limit, cmp);
        matches.truncate(plan.limit + 1);
    }
    matches.sort_by(cmp);
    let more = matches.len() > plan.limit;
    matches.truncate(plan.limit);
    let next_cursor = match matches.last() {
        Some(last) if more => index
            .entry(last.slot)
            .map(|e| encode_cursor(q.sort, &last.key, &e.product.id)),
        _ => None,
    };
    let hits = matches
        .iter()
        .filter_map(|m| {
            let p = &index.entry(m.slot)?.product;
            Some(ProductHit {
                id: p.id.clone(),
                name: p.name.clone(),
                price: plan
                    .currency
                    .zip(m.price)
                    .map(|(c, units)| Money::from_minor_units(units, c)),
                skus: p
                    .variants
                    .iter()
                    .filter(|v| plan.variant_matches(v, facts))
                    .map(|v| v.sku.clone())
                    .collect(),
                score: m.score,
            })
        })
        .collect();
    let facets = q
        .facets
        .iter()
        .zip(counts)
        .map(|(f, c)| {
            let values: BTreeMap<String, usize> =
                c.into_iter().map(|(k, n)| (k.into_owned(), n)).collect();
            (f.key(), values)
        })
        .collect();
    Ok(CatalogPage {
        hits,
        total,
        next_cursor,
        facets,
    })
}

fn count_facets<'a>(
    facets: &[Facet],
    counts: &mut [FxHashMap<Cow<'a, str>, usize>],
    p: &'a Product,
    variants: &[&'a Variant],
    facts: FactsFn<'_>,
) {
    for (facet, count) in facets.iter().zip(counts.iter_mut()) {
        let mut bump = |k: Cow<'a, str>| *count.entry(k).or_insert(0) += 1;
        match facet {
            Facet::Attribute(code) => match p.attributes.get(code) {
                Some(super::AttributeValue::Text(t) | super::AttributeValue::Enum(t)) => {
                    bump(Cow::Borrowed(t.as_str()));
                }
                Some(other) => bump(Cow::Owned(other.facet_text())),
                None => {}
            },
            Facet::Option(name) => {
                let mut values: Vec<&'a str> = variants
                    .iter()
                    .filter_map(|v| v.options.get(name))
                    .map(String::as_str)
                    .collect();
                values.sort_unstable();
                values.dedup();
                for v in values {
                    bump(Cow::Borrowed(v));
                }
            }
            Facet::Tags => p.tags.iter().for_each(|t| bump(Cow::Borrowed(t.as_str()))),
            Facet::Categories => p
                .categories
                .iter()
                .for_each(|c| bump(Cow::Borrowed(c.as_str()))),
            Facet::InStock => {
                let any = variants.iter().any(|v| sellable(v, facts));
                bump(Cow::Borrowed(if any { "true" } else { "false" }));
            }
        }
    }
}
