//! One collection of the memory store's documents: looked up by hashing
//! its id, scanned in id order.

use std::collections::BTreeSet;
use std::ops::Bound;
use std::sync::Arc;

use rustc_hash::FxHashMap;

use crate::store::{Body, Versioned};

/// The documents of one collection. Loads and saves cost one hash lookup.
/// Scans walk an ordered set of ids, which a new id joins only when the
/// next scan comes: until then it waits, unsorted, in `pending` (a
/// checkout creates a cart, an order and a key record, and walking the
/// ordered set for each of them, comparing id strings at every level of a
/// tree of a million ids, cost more than the rest of the save).
#[derive(Debug, Default)]
pub(super) struct Collection {
    docs: FxHashMap<Arc<str>, Versioned>,
    /// The ids of `docs` as of the last scan, in order (removed ids leave
    /// at once).
    ids: BTreeSet<Arc<str>>,
    /// Ids added since the last scan; some may have been removed since.
    pending: Vec<Arc<str>>,
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
        self.pending.push(Arc::clone(&id));
        self.docs.insert(id, doc);
        // Many ids created and removed with no scan between: order them
        // now rather than keep a growing list of mostly removed ids.
        if self.pending.len() > 1024 && self.pending.len() > 2 * self.docs.len() {
            self.settle();
        }
    }

    /// Removes the document `id` (nothing when absent).
    /// Stores `value` as `id` if the stored version is `expected` (none:
    /// absent), with one lookup for the check and the write. The new
    /// version, or the current one (none: absent) that did not match.
    pub(super) fn put_if(
        &mut self,
        id: &str,
        expected: Option<u64>,
        value: Body,
    ) -> Result<u64, Option<u64>> {
        if let Some(slot) = self.docs.get_mut(id) {
            if expected != Some(slot.version) {
                return Err(Some(slot.version));
            }
            let version = slot.version + 1;
            *slot = Versioned { value, version };
            return Ok(version);
        }
        if expected.is_some() {
            return Err(None);
        }
        self.put(id, Versioned { value, version: 1 });
        Ok(1)
    }

    pub(super) fn remove(&mut self, id: &str) {
        if self.docs.remove(id).is_some() {
            // A pending id is dropped when the pending ids are settled.
            self.ids.remove(id);
        }
    }

    /// Moves the pending ids that still name a document into the ordered
    /// set.
    pub(super) fn settle(&mut self) {
        if self.pending.is_empty() {
            return;
        }
        let mut pending = std::mem::take(&mut self.pending);
        pending.sort_unstable();
        pending.dedup();
        for id in pending {
            if self.docs.contains_key(&id) {
                self.ids.insert(id);
            }
        }
    }

    /// The documents with ids after `after` (none: from the start), in id
    /// order, as of the last [`Collection::settle`] (the store settles
    /// before every scan).
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
        let versions = |it: &mut dyn Iterator<Item = (&str, &Versioned)>| {
            it.map(|(id, d)| (id.to_owned(), d.version))
                .collect::<Vec<_>>()
        };
        // Inserts, replacements, removals and re-inserts in a scrambled
        // order, scanned now and then (ids created and removed between
        // two scans must not show).
        for step in 0u64..3000 {
            let id = format!("doc_{}", (step * 37) % 101);
            if step % 7 == 3 {
                c.remove(&id);
                model.remove(&id);
            } else {
                c.put(&id, doc(step));
                model.insert(id, step);
            }
            if step % 13 == 0 || step % 97 == 0 {
                c.settle();
                let all: Vec<(String, u64)> = model.iter().map(|(k, &v)| (k.clone(), v)).collect();
                assert_eq!(versions(&mut c.after(None)), all, "after step {step}");
            }
        }
        c.settle();
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
        assert!(c.pending.is_empty());
    }

    #[test]
    fn churn_without_scans_keeps_the_pending_list_bounded() {
        let mut c = Collection::default();
        for step in 0u64..10_000 {
            let id = format!("tmp_{step}");
            c.put(&id, doc(step));
            c.remove(&id);
        }
        c.put("kept", doc(1));
        assert!(c.pending.len() <= 1025, "{} pending", c.pending.len());
        c.settle();
        let ids: Vec<&str> = c.after(None).map(|(id, _)| id).collect();
        assert_eq!(ids, ["kept"]);
    }

    #[test]
    fn put_if_writes_only_over_the_expected_version() {
        let mut c = Collection::default();
        let body = || doc(0).value;
        // (expected, the answer): absent, then versions 1 and 2.
        let steps = [
            (Some(1), Err(None)),
            (None, Ok(1)),
            (None, Err(Some(1))),
            (Some(2), Err(Some(1))),
            (Some(1), Ok(2)),
            (Some(1), Err(Some(2))),
        ];
        for (expected, answer) in steps {
            assert_eq!(c.put_if("a", expected, body()), answer, "{expected:?}");
        }
        assert_eq!(c.get("a").map(|d| d.version), Some(2));
        c.settle();
        assert_eq!(c.after(None).count(), 1);
    }
}
