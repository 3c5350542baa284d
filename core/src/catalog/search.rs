//! Running a [`CatalogQuery`] over a [`CatalogIndex`]: candidates, filters,
//! facets, keyset pagination. Filters and facets read the interned columns
//! (no string compares, no pointer chasing); the product itself is read
//! only for stock facts, rule-based collections and the hits returned.

use std::cmp::Ordering;

use rustc_hash::FxHashSet;

use super::columns::{self, pairs, Columns, Rec, VarRec, ATTRIBUTE_BASE, CATEGORY, CHANNEL, TAG};
use super::facets::{facet_texts, Counter};
use super::index::{CatalogIndex, SkuFacts};
use super::query::{decode_cursor, encode_cursor, SortKey, MAX_PAGE};
use super::{
    CatalogPage, CatalogQuery, Collection, CollectionRule, Facet, ProductHit, ProductStatus, Sort,
    Variant,
};
use crate::error::{shown, Error, Result};
use crate::money::{Currency, Money};

/// How many candidates ahead the loop loads records.
const LOOKAHEAD: usize = 8;

/// What the stock side says about a SKU.
pub type FactsFn<'a> = &'a dyn Fn(&str) -> SkuFacts;

struct Match {
    slot: u32,
    score: u32,
    price: Option<i64>,
    key: SortKey,
    id_prefix: u128,
}

/// The query compiled against the interned columns.
struct Plan<'q> {
    q: &'q CatalogQuery,
    currency: Option<Currency>,
    min: Option<i64>,
    max: Option<i64>,
    statuses: Vec<ProductStatus>,
    limit: usize,
    /// No product can match (a tag or value no product has).
    impossible: bool,
    categories: Option<FxHashSet<u32>>,
    /// `Some(None)`: a channel no product names (only "every channel" products match).
    channel: Option<Option<u32>>,
    tags: Vec<u32>,
    attributes: Vec<(u32, Vec<u32>)>,
    options: Vec<(u32, Vec<u32>)>,
    collection: Option<&'q Collection>,
    /// Facet -> the label key it counts (none: in stock).
    facet_keys: Vec<Option<u32>>,
}

/// The interned ids of `values` (numbers also by their normalized text).
fn value_ids(cols: &Columns, values: &[String]) -> Vec<u32> {
    let mut ids = Vec::new();
    for v in values {
        ids.extend(cols.interner.get(v));
        if let Ok(n) = v.parse::<rust_decimal::Decimal>() {
            ids.extend(cols.interner.get(&n.normalize().to_string()));
        }
    }
    ids.sort_unstable();
    ids.dedup();
    ids
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
    let cols = &index.columns;
    let mut impossible = false;
    let categories = match &q.category {
        Some(id) => {
            let ids: FxHashSet<u32> = index
                .categories
                .descendants(id)?
                .iter()
                .filter_map(|c| cols.interner.get(c))
                .collect();
            impossible |= ids.is_empty();
            Some(ids)
        }
        None => None,
    };
    let collection = match &q.collection {
        Some(id) => Some(
            index
                .collection(id)
                .ok_or_else(|| Error::UnknownCollection { id: shown(id) })?,
        ),
        None => None,
    };
    let mut tags = Vec::new();
    for t in &q.tags {
        match cols.interner.get(t) {
            Some(id) => tags.push(id),
            None => impossible = true,
        }
    }
    let mut attributes = Vec::new();
    for (code, values) in &q.attributes {
        let ids = value_ids(cols, values);
        match cols.interner.get(code) {
            Some(key) if !ids.is_empty() => attributes.push((key + ATTRIBUTE_BASE, ids)),
            _ => impossible = true,
        }
    }
    let mut options = Vec::new();
    for (name, values) in &q.options {
        let ids = value_ids(cols, values);
        match cols.interner.get(name) {
            Some(key) if !ids.is_empty() => options.push((key, ids)),
            _ => impossible = true,
        }
    }
    let facet_keys = q
        .facets
        .iter()
        .map(|f| match f {
            Facet::Attribute(code) => Some(
                cols.interner
                    .get(code)
                    .map_or(u32::MAX, |k| k + ATTRIBUTE_BASE),
            ),
            Facet::Option(name) => Some(cols.interner.get(name).unwrap_or(u32::MAX)),
            Facet::Tags => Some(TAG),
            Facet::Categories => Some(CATEGORY),
            Facet::InStock => None,
        })
        .collect();
    Ok(Plan {
        q,
        currency,
        min: q.min_price.map(|m| m.minor_units()),
        max: q.max_price.map(|m| m.minor_units()),
        statuses: if q.statuses.is_empty() {
            vec![ProductStatus::Active]
        } else {
            q.statuses.clone()
        },
        limit,
        impossible,
        categories,
        channel: q.channel.as_deref().map(|c| cols.interner.get(c)),
        tags,
        attributes,
        options,
        collection,
        facet_keys,
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

fn has(labels: &[u32], key: u32, value: u32) -> bool {
    pairs(labels).any(|p| p == (key, value))
}

impl Plan<'_> {
    fn row_matches(&self, rec: &Rec<'_>) -> bool {
        if !self.statuses.contains(&rec.status()) {
            return false;
        }
        let labels = rec.labels();
        if let Some(channel) = self.channel {
            let named = pairs(labels).any(|(k, _)| k == CHANNEL);
            if named && !channel.is_some_and(|c| has(labels, CHANNEL, c)) {
                return false;
            }
        }
        self.tags.iter().all(|t| has(labels, TAG, *t))
            && self
                .attributes
                .iter()
                .all(|(key, values)| pairs(labels).any(|(k, v)| k == *key && values.contains(&v)))
            && self
                .categories
                .as_ref()
                .is_none_or(|set| pairs(labels).any(|(k, v)| k == CATEGORY && set.contains(&v)))
    }

    /// Option and price filters on a variant row (stock is checked apart).
    fn variant_matches(&self, v: &VarRec<'_>) -> bool {
        let opts = v.options();
        if !self
            .options
            .iter()
            .all(|(name, values)| pairs(opts).any(|(n, val)| n == *name && values.contains(&val)))
        {
            return false;
        }
        if self.min.is_none() && self.max.is_none() {
            return true;
        }
        let Some(units) = self.currency.and_then(|c| v.price(c)) else {
            return false;
        };
        !(self.min.is_some_and(|m| units < m) || self.max.is_some_and(|m| units > m))
    }

    fn key(
        &self,
        index: &CatalogIndex,
        slot: u32,
        rec: &Rec<'_>,
        score: u32,
        price: Option<i64>,
        facts: FactsFn<'_>,
    ) -> SortKey {
        let missing = i128::from(i64::MAX) + 1;
        match self.q.sort {
            Sort::Relevance if self.q.text.is_some() => SortKey::Number(-i128::from(score)),
            Sort::Relevance | Sort::NameAsc | Sort::NameDesc => SortKey::Text(
                index
                    .entry(slot)
                    .map_or(String::new(), |e| e.name_key.to_string()),
            ),
            Sort::PriceAsc => SortKey::Number(price.map_or(missing, i128::from)),
            Sort::PriceDesc => SortKey::Number(price.map_or(missing, |p| -i128::from(p))),
            Sort::Newest => SortKey::Number(-i128::from(rec.created())),
            Sort::BestSelling => {
                let sold: u64 = index.entry(slot).map_or(0, |e| {
                    e.product.variants.iter().map(|v| facts(&v.sku).sold).sum()
                });
                SortKey::Number(-i128::from(sold))
            }
        }
    }
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
    let after = after.map(|(key, id)| (key, columns::id_prefix(&id), id));
    let cols = &index.columns;
    let candidates = if plan.impossible {
        Vec::new()
    } else {
        candidates(index, &plan)
    };
    let mut counts: Vec<Counter> = q.facets.iter().map(|_| Counter::new(cols)).collect();
    let mut matches: Vec<Match> = Vec::new();
    let mut variant_hits: Vec<usize> = Vec::new();
    let mut vrows: Vec<VarRec<'_>> = Vec::new();
    let mut seen: Vec<u32> = Vec::new();
    let mut total = 0;
    let needs_product = q.in_stock || q.facets.contains(&Facet::InStock);
    let whole = plan.options.is_empty() && plan.min.is_none() && plan.max.is_none() && !q.in_stock;
    // Loading a few records ahead lets their cache misses overlap with the
    // work on this one (the loads feed only `ahead`, which nothing waits on).
    let mut ahead = 0u32;
    for (i, &(slot, score)) in candidates.iter().enumerate() {
        if let Some(&(next, _)) = candidates.get(i + LOOKAHEAD) {
            ahead ^= cols.touch(next);
        }
        let Some(rec) = cols.rec(slot) else { continue };
        if !plan.row_matches(&rec) {
            continue;
        }
        // The product itself is read only past the column filters, and only
        // for what the columns do not hold.
        let product = || index.entry(slot).map(|e| &e.product);
        if let Some(c) = plan.collection {
            if matches!(c.rule, CollectionRule::Rules { .. })
                && !product().is_some_and(|p| c.contains(p))
            {
                continue;
            }
        }
        // Without variant-level filters every variant matches: the record's
        // summary (option pairs, lowest prices) answers without walking them.
        let price = if whole {
            plan.currency.and_then(|c| rec.lowest_price(c))
        } else {
            rec.variants(&mut vrows);
            variant_hits.clear();
            variant_hits.extend((0..vrows.len()).filter(|&i| plan.variant_matches(&vrows[i])));
            if q.in_stock {
                let variants = product().map_or(&[][..], |p| &p.variants);
                variant_hits.retain(|&i| variants.get(i).is_some_and(|v| sellable(v, facts)));
            }
            if variant_hits.is_empty() {
                continue;
            }
            plan.currency
                .and_then(|c| variant_hits.iter().filter_map(|&i| vrows[i].price(c)).min())
        };
        total += 1;
        for ((key, facet), count) in plan.facet_keys.iter().zip(&q.facets).zip(counts.iter_mut()) {
            match (key, facet) {
                (Some(key), Facet::Option(_)) if whole => {
                    for (n, v) in pairs(rec.option_union()) {
                        if n == *key {
                            count.bump(v);
                        }
                    }
                }
                (Some(key), Facet::Option(_)) => {
                    seen.clear();
                    for &i in &variant_hits {
                        for (n, v) in pairs(vrows[i].options()) {
                            if n == *key && !seen.contains(&v) {
                                seen.push(v);
                                count.bump(v);
                            }
                        }
                    }
                }
                (Some(key), _) => {
                    for (k, v) in pairs(rec.labels()) {
                        if k == *key {
                            count.bump(v);
                        }
                    }
                }
                (None, _) if needs_product => {
                    let variants = product().map_or(&[][..], |p| &p.variants);
                    let any = if whole {
                        variants.iter().any(|v| sellable(v, facts))
                    } else {
                        variant_hits
                            .iter()
                            .any(|&i| variants.get(i).is_some_and(|v| sellable(v, facts)))
                    };
                    count.bump(u32::from(any));
                }
                (None, _) => {}
            }
        }
        let key = plan.key(index, slot, &rec, score, price, facts);
        let m = Match {
            slot,
            score,
            price,
            key,
            id_prefix: rec.id_prefix(),
        };
        if let Some((k, prefix, id)) = &after {
            let cmp = q_order(q.sort, &m.key, k).then_with(|| {
                m.id_prefix
                    .cmp(prefix)
                    .then_with(|| product().map_or("", |p| p.id.as_str()).cmp(id))
            });
            if cmp != Ordering::Greater {
                continue;
            }
        }
        matches.push(m);
    }
    std::hint::black_box(ahead);
    let cmp = |a: &Match, b: &Match| {
        q_order(q.sort, &a.key, &b.key)
            .then_with(|| a.id_prefix.cmp(&b.id_prefix))
            .then_with(|| {
                let id = |m: &Match| index.entry(m.slot).map_or("", |e| e.product.id.as_str());
                if columns::prefix_decides(id(a)) && columns::prefix_decides(id(b)) {
                    Ordering::Equal
                } else {
                    id(a).cmp(id(b))
                }
            })
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
        .filter_map(|m| hit(index, &plan, m, facts))
        .collect();
    Ok(CatalogPage {
        hits,
        total,
        next_cursor,
        facets: facet_texts(cols, q, counts),
    })
}

/// Candidate slots and text scores: from the text index, the categories'
/// postings, a manual collection, or every live slot.
fn candidates(index: &CatalogIndex, plan: &Plan<'_>) -> Vec<(u32, u32)> {
    let manual = plan.collection.and_then(|c| match &c.rule {
        CollectionRule::Manual { .. } => Some(index.collection_slots(c)),
        CollectionRule::Rules { .. } => None,
    });
    let mut out: Vec<(u32, u32)> = if let Some(text) = &plan.q.text {
        index
            .text
            .search(text, index.slots.len(), &|s| index.entry(s).is_some())
    } else if let Some(slots) = &manual {
        let mut seen = FxHashSet::default();
        slots
            .iter()
            .filter(|s| seen.insert(**s))
            .map(|&s| (s, 0))
            .collect()
    } else if let Some(set) = &plan.categories {
        let mut slots: Vec<u32> = index
            .by_category
            .iter()
            .filter(|(c, _)| {
                index
                    .columns
                    .interner
                    .get(c)
                    .is_some_and(|id| set.contains(&id))
            })
            .flat_map(|(_, list)| list.iter().copied())
            .collect();
        slots.sort_unstable();
        slots.dedup();
        slots.into_iter().map(|s| (s, 0)).collect()
    } else {
        index.live_slots().map(|s| (s, 0)).collect()
    };
    if let (Some(slots), Some(_)) = (&manual, &plan.q.text) {
        let members: FxHashSet<u32> = slots.iter().copied().collect();
        out.retain(|(s, _)| members.contains(s));
    }
    out
}

fn hit(index: &CatalogIndex, plan: &Plan<'_>, m: &Match, facts: FactsFn<'_>) -> Option<ProductHit> {
    let p = &index.entry(m.slot)?.product;
    let mut vrows = Vec::new();
    index.columns.rec(m.slot)?.variants(&mut vrows);
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
            .zip(vrows)
            .filter(|(v, vr)| plan.variant_matches(vr) && (!plan.q.in_stock || sellable(v, facts)))
            .map(|(v, _)| v.sku.clone())
            .collect(),
        score: m.score,
    })
}

/// Compares sort keys in the query's order (ids break ties, ascending).
fn q_order(sort: Sort, a: &SortKey, b: &SortKey) -> Ordering {
    if sort == Sort::NameDesc {
        b.cmp(a)
    } else {
        a.cmp(b)
    }
}
