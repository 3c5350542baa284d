//! Facet counting: per facet, products per interned value, and their texts.

use std::collections::BTreeMap;

use rustc_hash::FxHashMap;

use super::columns::Columns;
use super::{CatalogQuery, Facet};

/// Interners up to this size count into a dense array; larger ones (a
/// catalog with a vast number of distinct labels) into a hash map.
const DENSE_MAX: usize = 1 << 16;

/// Products per value id of one facet.
#[derive(Debug)]
pub(crate) enum Counter {
    Dense(Vec<u32>),
    Sparse(FxHashMap<u32, usize>),
}

impl Counter {
    pub(crate) fn new(cols: &Columns) -> Counter {
        let n = cols.interner.len().max(2);
        if n <= DENSE_MAX {
            Counter::Dense(vec![0; n])
        } else {
            Counter::Sparse(FxHashMap::default())
        }
    }

    /// One more product with value `id`.
    pub(crate) fn bump(&mut self, id: u32) {
        match self {
            Counter::Dense(counts) => {
                if let Some(c) = counts.get_mut(id as usize) {
                    *c += 1;
                }
            }
            Counter::Sparse(counts) => *counts.entry(id).or_insert(0) += 1,
        }
    }

    fn into_pairs(self) -> Vec<(u32, usize)> {
        match self {
            Counter::Dense(counts) => counts
                .into_iter()
                .enumerate()
                .filter(|(_, n)| *n > 0)
                .map(|(id, n)| (id as u32, n as usize))
                .collect(),
            Counter::Sparse(counts) => counts.into_iter().collect(),
        }
    }
}

/// The counts as `facet key -> value text -> products`.
pub(crate) fn facet_texts(
    cols: &Columns,
    q: &CatalogQuery,
    counts: Vec<Counter>,
) -> BTreeMap<String, BTreeMap<String, usize>> {
    let counts: Vec<Vec<(u32, usize)>> = counts.into_iter().map(Counter::into_pairs).collect();
    let texts = if counts.iter().any(|c| !c.is_empty()) {
        cols.interner.texts()
    } else {
        Vec::new()
    };
    q.facets
        .iter()
        .zip(counts)
        .map(|(facet, count)| {
            let values = count
                .into_iter()
                .map(|(id, n)| {
                    let text = match facet {
                        Facet::InStock => if id == 1 { "true" } else { "false" }.to_owned(),
                        _ => texts.get(id as usize).copied().unwrap_or("").to_owned(),
                    };
                    (text, n)
                })
                .collect();
            (facet.key(), values)
        })
        .collect()
}
