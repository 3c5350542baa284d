//! One collection of the memory store's documents: looked up by hashing
//! its id, scanned in id order.

use std::collections::BTreeSet;
use std::ops::Bound;
use std::sync::Arc;

use rustc_hash::FxHashMap;

use crate::store::Versioned;

/// The documents of one collection. Loads and saves of an existing
/// document (most of them: a cart is saved on every change) cost one hash
/// lookup; only a new or deleted id touches the ordered set of ids that
/// scans walk. An ordered map alone compared id strings at every level of
/// its tree on each lookup.
#[derive(Debug, Default)]
pub(super) struct Collection {
    docs: FxHashMap<Arc<str>, Versioned>,
    ids: BTreeSet<Arc<str>>,
}

impl Collection {
    /// The document `id`.
    pub(super) fn get(&self, id: &str) -> Option<&Versioned> {
        self.docs.get(id)
    }

    /// Saves `doc` as `id`, replacing any document there.
    pub(super) fn put(&mut self, id: &str, doc: Versioned) {
        if let Some(slot) = self.docs.get_mut(id) {
            *slot = doc;
            return;
        }
        let id: Arc<str> = Arc::from(id);
        self.ids.insert(Arc::clone(&id));
        self.docs.insert(id, doc);
    }

    /// Removes the document `id` (nothing when absent).
    pub(super) fn remove(&mut self, id: &str) {
        if self.docs.remove(id).is_some() {
            self.ids.remove(id);
        }
    }

    /// The documents with ids after `after` (none: from the start), in id
    /// order.
    pub(super) fn after<'s>(
        &'s self,
        after: Option<&'s str>,
    ) -> impl Iterator<Item = (&'s str, &'s Versioned)> + 's {
        let start = after.map_or(Bound::Unbounded, Bound::Excluded);
        self.ids
            .range::<str, _>((start, Bound::Unbounded))
            .filter_map(|id| self.docs.get(&**id).map(|doc| (&**id, doc)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Body;

    fn doc(version: u64) -> Versioned {
        Versioned {
            value: Body::from_text(format!("{{\"v\":{version}}}")),
            version,
        }
    }

    #[test]
    fn lookups_replacements_and_scans_agree_with_an_ordered_map() {
        let mut c = Collection::default();
        let mut model = std::collections::BTreeMap::new();
        // Inserts, replacements and removals in a scrambled order.
        for step in 0u64..300 {
            let id = format!("doc_{}", (step * 37) % 101);
            if step % 7 == 3 {
                c.remove(&id);
                model.remove(&id);
            } else {
                c.put(&id, doc(step));
                model.insert(id, step);
            }
        }
        let versions = |it: &mut dyn Iterator<Item = (&str, &Versioned)>| {
            it.map(|(id, d)| (id.to_owned(), d.version))
                .collect::<Vec<_>>()
        };
        let all: Vec<(String, u64)> = model.iter().map(|(k, &v)| (k.clone(), v)).collect();
        assert_eq!(versions(&mut c.after(None)), all);
        let tail: Vec<(String, u64)> = all
            .iter()
            .filter(|(k, _)| k.as_str() > "doc_5")
            .cloned()
            .collect();
        assert_eq!(versions(&mut c.after(Some("doc_5"))), tail);
        for (id, version) in &all {
            assert_eq!(c.get(id).map(|d| d.version), Some(*version));
        }
        assert!(c.get("doc_missing").is_none());
        assert_eq!(c.docs.len(), c.ids.len());
    }
}
