//! Where stock lives and who holds it.

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::{StockLevel, StockPolicy};
use crate::pricing::Timestamp;

/// A variant (by SKU) at a location. Its text is shared (`Arc<str>`): a
/// key is copied into every reservation, event and stock map entry that
/// names it, and a copy is two reference counts, not two strings.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct StockKey {
    /// The variant's SKU.
    pub sku: Arc<str>,
    /// The location (warehouse, store) id.
    pub location: Arc<str>,
}

impl StockKey {
    /// The key of `sku` at `location`.
    pub fn new(sku: impl Into<Arc<str>>, location: impl Into<Arc<str>>) -> Self {
        StockKey {
            sku: sku.into(),
            location: location.into(),
        }
    }
}

/// The stored stock of one key: its level, policy, low-stock threshold and
/// version (bumped by every write).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct StockRecord {
    /// The counts.
    pub level: StockLevel,
    /// How reservations are policed.
    pub policy: StockPolicy,
    /// A `low_stock` event is recorded when `available` falls to or below it.
    pub low_stock_threshold: Option<i64>,
    /// Incremented by every write.
    pub version: u64,
}

/// A reservation's id: text held inline up to 24 bytes (the engine's own
/// ids, `res_42`, allocate nothing, and copies of them into the events,
/// the store's entries and the order are plain copies), serialized as a
/// plain JSON string.
///
/// ```
/// use kassa::inventory::ReservationId;
/// let id = ReservationId::from("res_42");
/// assert!(!id.is_heap_allocated());
/// assert_eq!(serde_json::to_string(&id).unwrap(), "\"res_42\"");
/// ```
pub type ReservationId = compact_str::CompactString;

/// Units held for a checkout until `expires_at`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reservation {
    /// Its id (from the engine's id source), copied into the events and
    /// store entries that name it.
    pub id: ReservationId,
    /// What is held.
    pub key: StockKey,
    /// How many units.
    pub qty: u64,
    /// When a sweep releases it.
    pub expires_at: Timestamp,
}

impl Reservation {
    /// The error a store reports when `self`, one of `batch` (reserved
    /// together, in one atomic step), fails with `error`: an
    /// `insufficient_stock` names the whole batch's demand on the key and
    /// what the key had `available` before the batch (two lines drawing
    /// on one SKU read as one request of their sum); any other error is
    /// returned as it is. Every store reports a batch's shortfall this
    /// way, so they agree.
    ///
    /// # Examples
    ///
    /// ```
    /// use kassa::inventory::{Reservation, StockKey};
    /// use kassa::pricing::Timestamp;
    /// use kassa::Error;
    ///
    /// let line = |id: &str, qty| Reservation {
    ///     id: id.into(),
    ///     key: StockKey::new("TEE", "main"),
    ///     qty,
    ///     expires_at: Timestamp(0),
    /// };
    /// let batch = [line("r1", 2), line("r2", 3)];
    /// let short = Error::InsufficientStock { requested: 3, available: 1 };
    /// let reported = batch[1].shortfall_in(&batch, 4, short);
    /// assert!(matches!(
    ///     reported,
    ///     Error::InsufficientStock { requested: 5, available: 4, .. }
    /// ));
    /// ```
    pub fn shortfall_in(
        &self,
        batch: &[Reservation],
        available: i64,
        error: crate::Error,
    ) -> crate::Error {
        match error {
            crate::Error::InsufficientStock { .. } => crate::Error::InsufficientStock {
                requested: batch
                    .iter()
                    .filter(|o| o.key == self.key)
                    .fold(0u64, |sum, o| sum.saturating_add(o.qty)),
                available,
            },
            other => other,
        }
    }
}
