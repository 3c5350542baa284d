//! The payment ledger's idempotency keys: which operation each key
//! carried out.
//!
//! A ledger sees a handful of keys in its life (an authorization's
//! capture, a refund or two), so they are kept in a short vector sorted by
//! key rather than a `BTreeMap`, whose first entry alone takes a 544-byte
//! node: memory every stored order held. The JSON is the same map.

use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::PaymentOp;

/// Keys and the operation each carried out, sorted by key.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct KeyLog(Vec<(String, PaymentOp)>);

impl KeyLog {
    /// The operation `key` carried out, if any.
    pub(super) fn get(&self, key: &str) -> Option<&PaymentOp> {
        let i = self.0.binary_search_by(|(k, _)| k.as_str().cmp(key)).ok()?;
        self.0.get(i).map(|(_, op)| op)
    }

    /// Records that `key` carried out `op` (replacing what it had).
    pub(super) fn insert(&mut self, key: &str, op: PaymentOp) {
        match self.0.binary_search_by(|(k, _)| k.as_str().cmp(key)) {
            Ok(i) => {
                if let Some(slot) = self.0.get_mut(i) {
                    slot.1 = op;
                }
            }
            Err(i) => {
                // One more key is the usual growth: no room kept for four.
                self.0.reserve_exact(1);
                self.0.insert(i, (key.to_owned(), op));
            }
        }
    }
}

impl Serialize for KeyLog {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(self.0.iter().map(|(k, op)| (k, op)))
    }
}

impl<'de> Deserialize<'de> for KeyLog {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let keys = BTreeMap::<String, PaymentOp>::deserialize(deserializer)?;
        Ok(KeyLog(keys.into_iter().collect()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::money::{Currency, Money};

    fn capture(minor: i64) -> PaymentOp {
        PaymentOp::Capture {
            amount: Money::from_minor_units(minor, Currency::EUR),
            is_final: false,
        }
    }

    #[test]
    fn agrees_with_a_map_and_writes_the_same_json() {
        let mut log = KeyLog::default();
        let mut map = BTreeMap::new();
        // Keys out of order, one replaced.
        for (i, key) in ["m", "c", "x", "a", "c", "q"].into_iter().enumerate() {
            log.insert(key, capture(i as i64 + 1));
            map.insert(key.to_owned(), capture(i as i64 + 1));
        }
        for key in ["a", "c", "m", "q", "x", "b", ""] {
            assert_eq!(log.get(key), map.get(key), "{key:?}");
        }
        let json = serde_json::to_string(&log).unwrap();
        assert_eq!(json, serde_json::to_string(&map).unwrap());
        let back: KeyLog = serde_json::from_str(&json).unwrap();
        assert_eq!(back, log);
    }
}
