//! Documents an operation will need, read together up front.
//!
//! A checkout reads its idempotency key, its cart and the pricing
//! settings before it decides anything. On a server database each read is
//! a round trip, so they are asked for together
//! ([`crate::store::DocumentStore::load_many`]: one round trip there) and
//! handed out as the operation reaches them. Each document read ahead is
//! used once: a second look (a retry after a lost race) reads it again.

use crate::store::{DocumentStore, Versioned};
use crate::Result;

/// Documents read ahead, by `(collection, id)`, each taken once.
#[derive(Debug, Default)]
pub(super) struct ReadAhead<'a> {
    docs: Vec<((&'a str, &'a str), Option<Versioned>)>,
}

impl<'a> ReadAhead<'a> {
    /// Reads `keys` from `store` in one call.
    ///
    /// # Errors
    ///
    /// Storage failures.
    pub(super) fn load(store: &dyn DocumentStore, keys: &[(&'a str, &'a str)]) -> Result<Self> {
        let found = store.load_many(keys)?;
        Ok(ReadAhead {
            docs: keys.iter().copied().zip(found).collect(),
        })
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
    use crate::store::{Body, DocumentStore, MemoryStore};

    #[test]
    fn a_document_read_ahead_is_used_once_then_read_again() {
        let store = MemoryStore::new();
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
