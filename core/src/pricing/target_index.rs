//! Which lines a promotion's target selects, without string comparisons
//! in the per-promotion loop.

use rustc_hash::FxHashMap;

use super::calculate::Line;
use super::promotion::{Promotion, Target};

/// The lines each SKU and each tag appears on, built once per call when a
/// promotion has a target: selecting a target's lines is a lookup per
/// target key plus a copy of its line list, with no per-line string
/// comparison. Lists are kept in one flat vector (compressed rows), so the
/// index costs a few allocations in all, not one per key.
pub(crate) struct TargetIndex<'a> {
    /// Key -> row; SKUs and tags live in separate namespaces.
    sku_rows: FxHashMap<&'a str, u32>,
    tag_rows: FxHashMap<&'a str, u32>,
    category_rows: FxHashMap<&'a str, u32>,
    /// Row `r` lists the lines `lines[start[r]..start[r + 1]]`, ascending.
    start: Vec<usize>,
    lines: Vec<usize>,
}

impl<'a> TargetIndex<'a> {
    /// Indexes only the SKUs and tags that some promotion targets: the maps
    /// stay small and each line costs a few look-ups, no insertions.
    pub(crate) fn new(cart: &[Line<'a>], promotions: &'a [Promotion]) -> Option<Self> {
        let mut sku_rows: FxHashMap<&str, u32> = FxHashMap::default();
        let mut tag_rows: FxHashMap<&str, u32> = FxHashMap::default();
        let mut category_rows: FxHashMap<&str, u32> = FxHashMap::default();
        let mut rows = 0u32;
        let mut add = |map: &mut FxHashMap<&'a str, u32>, key: &'a str| {
            map.entry(key).or_insert_with(|| {
                rows += 1;
                rows - 1
            });
        };
        for target in promotions.iter().filter_map(|p| p.target.as_ref()) {
            target.skus.iter().for_each(|k| add(&mut sku_rows, k));
            target.tags.iter().for_each(|k| add(&mut tag_rows, k));
            target
                .categories
                .iter()
                .for_each(|k| add(&mut category_rows, k));
        }
        if rows == 0 {
            return None;
        }
        // (row, line) for every targeted SKU and tag occurrence, in line order.
        let mut pairs: Vec<(u32, usize)> = Vec::with_capacity(cart.len() * 2);
        for (i, line) in cart.iter().enumerate() {
            if let Some(&row) = sku_rows.get(&**line.sku) {
                pairs.push((row, i));
            }
            for (map, keys) in [(&tag_rows, line.tags), (&category_rows, line.categories)] {
                if map.is_empty() {
                    continue;
                }
                for key in keys {
                    if let Some(&row) = map.get(key.as_str()) {
                        if !pairs
                            .iter()
                            .rev()
                            .take_while(|&&(_, l)| l == i)
                            .any(|&(r, _)| r == row)
                        {
                            pairs.push((row, i));
                        }
                    }
                }
            }
        }
        let rows = rows as usize;
        let mut start = vec![0usize; rows + 1];
        for &(row, _) in &pairs {
            start[row as usize + 1] += 1;
        }
        for r in 0..rows {
            start[r + 1] += start[r];
        }
        let mut fill = start.clone();
        let mut lines = vec![0usize; pairs.len()];
        for &(row, line) in &pairs {
            lines[fill[row as usize]] = line;
            fill[row as usize] += 1;
        }
        Some(TargetIndex {
            sku_rows,
            tag_rows,
            category_rows,
            start,
            lines,
        })
    }

    /// The lines `target` selects, ascending and without repeats, into `out`.
    pub(crate) fn select(&self, target: &Target, out: &mut Vec<usize>) {
        let rows = target
            .skus
            .iter()
            .filter_map(|s| self.sku_rows.get(s.as_str()))
            .chain(
                target
                    .tags
                    .iter()
                    .filter_map(|t| self.tag_rows.get(t.as_str())),
            )
            .chain(
                target
                    .categories
                    .iter()
                    .filter_map(|c| self.category_rows.get(c.as_str())),
            );
        let mut lists = 0;
        for &row in rows {
            let row = row as usize;
            out.extend_from_slice(&self.lines[self.start[row]..self.start[row + 1]]);
            lists += 1;
        }
        if lists > 1 {
            out.sort_unstable();
            out.dedup();
        }
    }
}
