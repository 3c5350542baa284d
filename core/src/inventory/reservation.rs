//! Where stock lives and who holds it.

use serde::{Deserialize, Serialize};

use super::{StockLevel, StockPolicy};
use crate::pricing::Timestamp;

/// A variant (by SKU) at a location.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct StockKey {
    /// The variant's SKU.
    pub sku: String,
    /// The location (warehouse, store) id.
    pub location: String,
}

impl StockKey {
    /// The key of `sku` at `location`.
    pub fn new(sku: impl Into<String>, location: impl Into<String>) -> Self {
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

/// Units held for a checkout until `expires_at`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reservation {
    /// Its id (from the engine's id source).
    pub id: String,
    /// What is held.
    pub key: StockKey,
    /// How many units.
    pub qty: u64,
    /// When a sweep releases it.
    pub expires_at: Timestamp,
}
