//! Stock records as one multi-step operation has changed them so far,
//! checked in full before the store's state is touched.

use rustc_hash::FxHashMap;
use smallvec::SmallVec;

use crate::inventory::{StockKey, StockRecord};

/// Up to this many steps the records are kept in a list searched from the
/// end; beyond it, in a hash map.
const LISTED_UP_TO: usize = 16;

/// The stock records a sequence of steps has produced, by key: for the few
/// steps of a checkout (one per line) a short list on the stack (no
/// allocation, no hashing of each key's text), for a long one a hash map
/// (a list would be searched once per step).
// The list is meant to be large and inline: the value lives on the stack
// for one store call, and boxing the list would bring the allocation back.
#[allow(clippy::large_enum_variant)]
#[derive(Debug)]
pub(super) enum ScratchStock<'a> {
    /// A few keys, each at most once.
    Listed(SmallVec<[(&'a StockKey, StockRecord); 8]>),
    /// Many keys.
    Mapped(FxHashMap<&'a StockKey, StockRecord>),
}

impl<'a> ScratchStock<'a> {
    /// Room for `steps` steps.
    pub(super) fn for_steps(steps: usize) -> Self {
        if steps <= LISTED_UP_TO {
            ScratchStock::Listed(SmallVec::new())
        } else {
            ScratchStock::Mapped(FxHashMap::with_capacity_and_hasher(
                steps,
                Default::default(),
            ))
        }
    }

    /// The record a previous step left for `key`.
    pub(super) fn get(&self, key: &StockKey) -> Option<StockRecord> {
        match self {
            ScratchStock::Listed(list) => list
                .iter()
                .find(|(k, _)| *k == key)
                .map(|&(_, record)| record),
            ScratchStock::Mapped(map) => map.get(key).copied(),
        }
    }

    /// Records `record` as `key`'s latest.
    pub(super) fn insert(&mut self, key: &'a StockKey, record: StockRecord) {
        match self {
            ScratchStock::Listed(list) => match list.iter_mut().find(|(k, _)| *k == key) {
                Some(slot) => slot.1 = record,
                None => list.push((key, record)),
            },
            ScratchStock::Mapped(map) => {
                map.insert(key, record);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_list_and_the_map_keep_the_same_latest_records() {
        let keys: Vec<StockKey> = (0..40)
            .map(|i| StockKey::new(format!("SKU-{}", i % 13), "main"))
            .collect();
        for steps in [keys.len().min(LISTED_UP_TO), keys.len()] {
            let mut scratch = ScratchStock::for_steps(steps);
            assert_eq!(
                matches!(scratch, ScratchStock::Listed(_)),
                steps <= LISTED_UP_TO
            );
            let mut model = std::collections::HashMap::new();
            for (version, key) in (1u64..).zip(&keys[..steps]) {
                assert_eq!(scratch.get(key), model.get(key).copied());
                let record = StockRecord {
                    version,
                    ..StockRecord::default()
                };
                scratch.insert(key, record);
                model.insert(key, record);
            }
            for key in &keys {
                assert_eq!(scratch.get(key), model.get(key).copied());
            }
        }
    }
}
