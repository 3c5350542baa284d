//! Checkout idempotency keys: claiming one, recording how its checkout
//! ended, and housekeeping.
//!
//! A key is a document. A new key is not written on its own: it is
//! created together with the checkout's stock reservation (one commit),
//! and a checkout that fails before that records its failure under the
//! key instead. Two calls racing with one new key both look, both price,
//! and only one reservation creates the key; the other looks again and
//! finds it in progress (or done). A stored key is taken over (a failed
//! attempt, a lease run out) by a versioned save before anything else.
//!
//! A finished key (its order placed, or its failure recorded) replays its
//! result for a retention period of at least a day, then may be forgotten
//! so the store does not grow without bound.

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::checkout::{CheckoutOptions, KEYS};
use super::read_ahead::ReadAhead;
use super::Engine;
use crate::error::{shown, Error, Result};
use crate::order::Order;
use crate::pricing::Timestamp;
use crate::store::{Body, DocumentWrite, Store};

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(super) struct KeyRecord {
    /// The cart (shared with it when the checkout writes the record).
    pub(super) cart: Arc<str>,
    pub(super) at: Timestamp,
    #[serde(flatten)]
    pub(super) state: KeyState,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub(super) enum KeyState {
    InProgress,
    /// Shares the order's id.
    Done {
        order: Arc<str>,
    },
    Failed {
        code: String,
    },
}

/// A checkout's hold on its key.
pub(super) enum KeyHold {
    /// Stored, ours, at this version.
    Claimed(u64),
    /// Not stored yet: this in-progress record is written with the stock
    /// reservation.
    Pending(Body),
}

impl KeyHold {
    /// The stored version (none: not written yet).
    pub(super) fn version(&self) -> Option<u64> {
        match self {
            KeyHold::Claimed(version) => Some(*version),
            KeyHold::Pending(_) => None,
        }
    }

    /// The write that claims `key` (none: already claimed).
    pub(super) fn write(&self, key: &str) -> Option<DocumentWrite> {
        match self {
            KeyHold::Claimed(_) => None,
            KeyHold::Pending(body) => Some(DocumentWrite::new(KEYS, key, None, body.clone())),
        }
    }

    /// Whether `error` says another call created the key first (so its
    /// record, not ours, decides the answer).
    pub(super) fn lost_to_another(&self, error: &Error) -> bool {
        matches!(
            (self, error),
            (KeyHold::Pending(_), Error::ConcurrentModification { entity, .. })
                if entity.strip_prefix(KEYS).is_some_and(|rest| rest.starts_with('/'))
        )
    }
}

/// What claiming a key gave.
pub(super) enum Claim {
    /// Ours to run the checkout under.
    Owned(KeyHold),
    /// An earlier call's answer (or why this call cannot run).
    Replay(Box<Result<Arc<Order>>>),
}

/// The shortest retention of a finished idempotency key: within it, the
/// same key always replays its first result.
pub const MIN_KEY_RETENTION_MS: i64 = 24 * 3_600_000;

impl<S: Store> Engine<S> {
    /// Claims `key` for a checkout of `cart_id`: a new key is pending (it
    /// is written with the reservation); a done key replays its order; a
    /// key of another cart is `idempotency_key_reused`; one in progress
    /// within its lease is `checkout_in_progress`; a failed or stale one is
    /// taken over. The key's record is taken from `ahead` when it was
    /// read ahead.
    pub(super) fn claim(
        &self,
        cart_id: &str,
        key: &str,
        options: &CheckoutOptions,
        ahead: &mut ReadAhead<'_>,
    ) -> Result<Claim> {
        let now = self.clock.now();
        for _ in 0..4 {
            let Some(doc) = ahead.take(&self.store, KEYS, key)? else {
                let fresh = self.body_of(Arc::new(KeyRecord {
                    cart: Arc::from(cart_id),
                    at: now,
                    state: KeyState::InProgress,
                }))?;
                return Ok(Claim::Owned(KeyHold::Pending(fresh)));
            };
            let record = doc.value.read_shared::<KeyRecord>("idempotency record")?;
            if *record.cart != *cart_id {
                let reused = Error::IdempotencyKeyReused { key: shown(key) };
                return Ok(Claim::Replay(Box::new(Err(reused))));
            }
            let take_over = match &record.state {
                KeyState::Done { order } => {
                    return Ok(Claim::Replay(Box::new(self.shared_order(order))))
                }
                KeyState::InProgress => {
                    now.0.saturating_sub(record.at.0) >= options.in_progress_lease_ms
                }
                KeyState::Failed { .. } => true,
            };
            if !take_over {
                let running = Error::CheckoutInProgress { key: shown(key) };
                return Ok(Claim::Replay(Box::new(Err(running))));
            }
            let fresh = self.body_of(Arc::new(KeyRecord {
                cart: Arc::from(cart_id),
                at: now,
                state: KeyState::InProgress,
            }))?;
            match self
                .store
                .save(KEYS, key, Some(doc.version), fresh, Vec::new())
            {
                Ok(version) => return Ok(Claim::Owned(KeyHold::Claimed(version))),
                Err(e) if e.code() == "concurrent_modification" => continue,
                Err(e) => return Err(e),
            }
        }
        let running = Error::CheckoutInProgress { key: shown(key) };
        Ok(Claim::Replay(Box::new(Err(running))))
    }

    /// Marks `key` done with the order `order_id` (saved over the version
    /// `expected`; none: created) and returns the order.
    pub(super) fn finish_with(
        &self,
        order_id: &str,
        cart_id: &str,
        key: &str,
        expected: Option<u64>,
    ) -> Result<Arc<Order>> {
        let order = self.shared_order(order_id)?;
        let record = KeyRecord {
            cart: Arc::from(cart_id),
            at: self.clock.now(),
            state: KeyState::Done {
                order: Arc::clone(&order.id),
            },
        };
        self.store.save(
            KEYS,
            key,
            expected,
            self.body_of(Arc::new(record))?,
            Vec::new(),
        )?;
        Ok(order)
    }

    /// Records that the checkout under `key` failed with `error`, so the
    /// same key names its cart and may be used again. Best effort: a key
    /// someone else wrote meanwhile is theirs, and a record that cannot be
    /// written leaves the claim to its lease.
    pub(super) fn record_failure(&self, cart_id: &str, key: &str, hold: &KeyHold, error: &Error) {
        let record = KeyRecord {
            cart: Arc::from(cart_id),
            at: self.clock.now(),
            state: KeyState::Failed {
                code: error.code().to_owned(),
            },
        };
        if let Ok(value) = self.body_of(Arc::new(record)) {
            let _ = self
                .store
                .save(KEYS, key, hold.version(), value, Vec::new());
        }
    }

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
            let record = doc.value.read_shared::<KeyRecord>("idempotency key")?;
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
