//! Housekeeping of checkout idempotency keys: a finished key (its order
//! placed, or its failure recorded) replays its result for a retention
//! period of at least a day, then may be forgotten so the store does not
//! grow without bound.

use super::cart::from_json;
use super::checkout::{KeyRecord, KeyState, KEYS};
use super::Engine;
use crate::error::{Error, Result};
use crate::store::Store;

/// The shortest retention of a finished idempotency key: within it, the
/// same key always replays its first result.
pub const MIN_KEY_RETENTION_MS: i64 = 24 * 3_600_000;

impl<S: Store> Engine<S> {
    /// Forgets finished checkout idempotency keys last written more than
    /// `keep_ms` ago (at least [`MIN_KEY_RETENTION_MS`]), looking at up to
    /// `limit` keys after the key `after`. Keys still in progress are kept.
    /// Returns how many were forgotten and where to continue (none: the
    /// end was reached).
    ///
    /// A forgotten key no longer replays: used again for its completed
    /// cart it returns that cart's order (one order per cart still holds);
    /// used for another cart it starts a new checkout.
    ///
    /// # Errors
    ///
    /// `invalid_field` for a retention under a day; storage failures. A
    /// key changed while it was being forgotten is kept.
    ///
    /// # Examples
    ///
    /// ```
    /// use kassa::engine::MIN_KEY_RETENTION_MS;
    /// let engine = kassa::engine::Engine::in_memory();
    /// let (forgotten, next) = engine.purge_idempotency_keys(MIN_KEY_RETENTION_MS, None, 500)?;
    /// assert_eq!((forgotten, next), (0, None));
    /// assert_eq!(engine.purge_idempotency_keys(60_000, None, 500).unwrap_err().code(), "invalid_field");
    /// # Ok::<(), kassa::Error>(())
    /// ```
    pub fn purge_idempotency_keys(
        &self,
        keep_ms: i64,
        after: Option<&str>,
        limit: usize,
    ) -> Result<(usize, Option<String>)> {
        if keep_ms < MIN_KEY_RETENTION_MS {
            return Err(crate::catalog::limits::invalid(
                "idempotency keys",
                "keep_ms",
                format!("{keep_ms} ms is under the minimum of {MIN_KEY_RETENTION_MS} ms (a day)"),
            ));
        }
        let cutoff = self.clock.now().0.saturating_sub(keep_ms);
        let (page, next) = self.scan_page(KEYS, after, limit)?;
        let mut forgotten = 0;
        for (key, doc) in page {
            let record: KeyRecord = from_json("idempotency key", doc.value)?;
            if matches!(record.state, KeyState::InProgress) || record.at.0 > cutoff {
                continue;
            }
            match self.store.delete(KEYS, &key, doc.version) {
                Ok(()) => forgotten += 1,
                Err(Error::ConcurrentModification { .. }) => {}
                Err(e) => return Err(e),
            }
        }
        Ok((forgotten, next))
    }
}
