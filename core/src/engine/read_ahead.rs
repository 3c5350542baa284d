//! Documents an operation will need, read together up front.
//!
//! A checkout reads its idempotency key, its cart and the pricing
//! settings before it decides anything. On a server database each read is
//! a round trip, so they are asked for together
//! ([`crate::store::DocumentStore::load_many`]: one round trip there) and
//! handed out as the operation reaches them. Each document read ahead is
//! used once: a second look (a retry after a lost race) reads it again.
//! The same round trip tells how far the database's catalog had got
//! ([`CatalogMark`]), so pricing later in the operation need not ask.

use crate::store::{CatalogMark, DocumentStore, Versioned};
use crate::Result;

/// Documents read ahead, by `(collection, id)`, each taken once.
#[derive(Debug, Default)]
pub(super) struct ReadAhead<'a> {
    docs: Vec<((&'a str, &'a str), Option<Versioned>)>,
    mark: Option<CatalogMark>,
}

impl<'a> ReadAhead<'a> {
    /// Reads `keys` from `store` in one call, if the store reads in
    /// batches ([`DocumentStore::batches_reads`]); otherwise reads nothing
    /// now, and each document is loaded when it is taken.
    ///
    /// # Errors
    ///
    /// Storage failures.
    pub(super) fn load(store: &dyn DocumentStore, keys: &[(&'a str, &'a str)]) -> Result<Self> {
        if !store.batches_reads() {
            return Ok(ReadAhead::default());
        }
        let (found, mark) = store.load_many_marked(keys)?;
        Ok(ReadAhead {
            docs: keys.iter().copied().zip(found).collect(),
            mark,
        })
    }

    /// How far the database's catalog had got when the documents were
    /// read (none when nothing was read ahead, or the store gives no
    /// mark): for [`crate::store::CatalogStore::pricing_catalog_as_of`]
    /// in this operation only.
    pub(super) fn catalog_mark(&self) -> Option<CatalogMark> {
        self.mark
    }

    /// The document `id` of `collection`: the one read ahead the first
    /// time, else as `store` has it now.
    ///
    /// # Errors
    ///
    /// Storage failures.
    pub(super) fn take(
        &mut self,
        store: &dyn DocumentStore,
        collection: &str,
        id: &str,
    ) -> Result<Option<Versioned>> {
        match self
            .docs
            .iter()
            .position(|((c, i), _)| *c == collection && *i == id)
        {
            Some(at) => Ok(self.docs.swap_remove(at).1),
            None => store.load(collection, id),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::ReadAhead;
    use crate::store::{Body, CatalogMark, DocumentStore, MemoryStore};

    /// A memory store that says it reads in batches.
    struct Batching(MemoryStore);

    impl DocumentStore for Batching {
        fn load(&self, c: &str, id: &str) -> crate::Result<Option<crate::store::Versioned>> {
            self.0.load(c, id)
        }
        fn batches_reads(&self) -> bool {
            true
        }
        fn load_many_marked(
            &self,
            keys: &[(&str, &str)],
        ) -> crate::Result<(Vec<Option<crate::store::Versioned>>, Option<CatalogMark>)> {
            Ok((self.0.load_many(keys)?, Some(CatalogMark(7))))
        }
        fn save(
            &self,
            c: &str,
            id: &str,
            expected: Option<u64>,
            value: Body,
            events: Vec<crate::store::NewEvent>,
        ) -> crate::Result<u64> {
            self.0.save(c, id, expected, value, events)
        }
        fn scan(
            &self,
            c: &str,
            after: Option<&str>,
            limit: usize,
        ) -> crate::Result<Vec<(String, crate::store::Versioned)>> {
            self.0.scan(c, after, limit)
        }
        fn delete(&self, c: &str, id: &str, expected: u64) -> crate::Result<()> {
            self.0.delete(c, id, expected)
        }
        fn save_all(
            &self,
            writes: Vec<crate::store::DocumentWrite>,
            events: Vec<crate::store::NewEvent>,
        ) -> crate::Result<Vec<u64>> {
            self.0.save_all(writes, events)
        }
        fn next_number(&self, name: &str) -> crate::Result<u64> {
            self.0.next_number(name)
        }
    }

    #[test]
    fn a_store_that_does_not_batch_is_read_when_taken() {
        let store = MemoryStore::new();
        let mut ahead = ReadAhead::load(&store, &[("c", "a")]).unwrap();
        store
            .save("c", "a", None, Body::from_text("{}"), Vec::new())
            .unwrap();
        let taken = ahead.take(&store, "c", "a").unwrap().map(|d| d.version);
        assert_eq!(taken, Some(1));
        assert_eq!(ahead.catalog_mark(), None);
    }

    #[test]
    fn the_catalog_mark_of_the_read_ahead_is_kept_for_the_operation() {
        let store = Batching(MemoryStore::new());
        let ahead = ReadAhead::load(&store, &[("c", "a")]).unwrap();
        assert_eq!(ahead.catalog_mark(), Some(CatalogMark(7)));
    }

    #[test]
    fn a_document_read_ahead_is_used_once_then_read_again() {
        let store = Batching(MemoryStore::new());
        store
            .save("c", "a", None, Body::from_text("{}"), Vec::new())
            .unwrap();
        let mut ahead = ReadAhead::load(&store, &[("c", "a"), ("c", "b")]).unwrap();
        // Saved after the read ahead: the first take still sees version 1.
        store
            .save("c", "a", Some(1), Body::from_text("{}"), Vec::new())
            .unwrap();
        let first = ahead.take(&store, "c", "a").unwrap().map(|d| d.version);
        let second = ahead.take(&store, "c", "a").unwrap().map(|d| d.version);
        assert_eq!((first, second), (Some(1), Some(2)));
        assert!(ahead.take(&store, "c", "b").unwrap().is_none());
        // Never read ahead: read from the store.
        assert!(ahead.take(&store, "c", "z").unwrap().is_none());
    }
}
