//! Stock rows as this store last read or wrote them, and the reservations
//! it made that are still open as far as it knows: guesses that let an
//! optimistic reservation skip reading its rows, and a placement skip
//! reading its reservations.
//!
//! A guess only. The guarded write checks every row's version (see
//! [`crate::optimistic`]), and a stock row's version is bumped by every
//! write and never reset (rows are not deleted), so a record at a version
//! is the same record whoever wrote it: planning on a remembered row whose
//! version is still the stored one is planning on the stored row. A row
//! another server (or another thread) wrote since fails the guard, and the
//! caller reads the rows and tries again: a stale guess costs a round
//! trip, never a wrong write. A reservation guessed open that is not (an
//! expiry sweep on another server took it) fails the same guard: the
//! placement takes each reservation by id and requires all of them.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Mutex, PoisonError};

use kassa::inventory::{Reservation, ReservationId, StockKey, StockRecord};

use crate::batch::Held;

/// Remembered rows are forgotten all at once past this many (about 100
/// bytes each): a shop's hot rows are remembered again at their next
/// write.
const MAX_ROWS: usize = 100_000;

/// Stock rows by key, each at the newest version this store saw, and the
/// reservations this store made and has not seen taken.
#[derive(Debug, Default)]
pub(crate) struct StockCache {
    rows: Mutex<HashMap<StockKey, StockRecord>>,
    open: Mutex<HashMap<ReservationId, Reservation>>,
}

impl StockCache {
    /// The remembered rows of every one of `keys`, or none when one of
    /// them is not remembered (the caller reads them all).
    pub(crate) fn rows_of<'k>(
        &self,
        keys: impl IntoIterator<Item = &'k StockKey>,
    ) -> Option<BTreeMap<&'k StockKey, StockRecord>> {
        let rows = self.rows.lock().unwrap_or_else(PoisonError::into_inner);
        keys.into_iter()
            .map(|key| rows.get(key).map(|record| (key, *record)))
            .collect()
    }

    /// Remembers `rows` (as read, or as written), each unless a newer
    /// version of it is remembered already (two threads writing one row
    /// may report in either order).
    pub(crate) fn remember<'k>(&self, rows: impl IntoIterator<Item = (&'k StockKey, StockRecord)>) {
        let mut remembered = self.rows.lock().unwrap_or_else(PoisonError::into_inner);
        for (key, record) in rows {
            match remembered.get_mut(key) {
                Some(known) if known.version >= record.version => {}
                Some(known) => *known = record,
                None => {
                    if remembered.len() >= MAX_ROWS {
                        remembered.clear();
                    }
                    remembered.insert(key.clone(), record);
                }
            }
        }
    }

    /// Forgets `keys` (written by a path that does not report the rows
    /// after, or whose outcome is unknown).
    pub(crate) fn forget<'k>(&self, keys: impl IntoIterator<Item = &'k StockKey>) {
        let mut remembered = self.rows.lock().unwrap_or_else(PoisonError::into_inner);
        for key in keys {
            remembered.remove(key);
        }
    }

    /// After a write of the row `key`: its record after when the write
    /// committed, else forgotten (nothing changed, or the outcome is
    /// unknown).
    pub(crate) fn written(&self, key: &StockKey, outcome: Option<StockRecord>) {
        match outcome {
            Some(after) => self.remember([(key, after)]),
            None => self.forget([key]),
        }
    }

    /// Remembers `made` as open (just reserved by this store).
    pub(crate) fn opened(&self, made: &[Reservation]) {
        let mut open = self.open.lock().unwrap_or_else(PoisonError::into_inner);
        if open.len() + made.len() > MAX_ROWS {
            open.clear();
        }
        for r in made {
            open.insert(r.id.clone(), r.clone());
        }
    }

    /// Forgets the reservations `ids` (taken, released, or not known).
    pub(crate) fn closed<'i>(&self, ids: impl IntoIterator<Item = &'i str>) {
        let mut open = self.open.lock().unwrap_or_else(PoisonError::into_inner);
        for id in ids {
            open.remove(id);
        }
    }

    /// The reservations `ids` in their order with their stock rows, as
    /// remembered (what [`crate::batch::open_reservations`] would read),
    /// or none when one of them or one of their rows is not remembered,
    /// or an id repeats.
    pub(crate) fn held(&self, ids: &[ReservationId]) -> Option<Held> {
        let taken: Vec<Reservation> = {
            let open = self.open.lock().unwrap_or_else(PoisonError::into_inner);
            ids.iter()
                .map(|id| open.get(id).cloned())
                .collect::<Option<_>>()?
        };
        if (1..taken.len()).any(|i| ids[..i].contains(&ids[i])) {
            return None;
        }
        let rows = self.rows_of(taken.iter().map(|r| &r.key))?;
        let rows = rows
            .into_iter()
            .map(|(key, record)| (key.clone(), record))
            .collect();
        Some((taken, rows))
    }
}

#[cfg(test)]
mod tests {
    use super::StockCache;
    use kassa::inventory::{Reservation, ReservationId, StockKey, StockRecord};

    fn at(version: u64, on_hand: i64) -> StockRecord {
        let mut r = StockRecord {
            version,
            ..StockRecord::default()
        };
        r.level.on_hand = on_hand;
        r
    }

    #[test]
    fn all_keys_or_nothing() {
        let cache = StockCache::default();
        let (a, b) = (StockKey::new("A", "main"), StockKey::new("B", "main"));
        cache.remember([(&a, at(1, 5))]);
        assert!(cache.rows_of([&a, &b]).is_none());
        let found = cache.rows_of([&a]).unwrap();
        assert_eq!(found[&a], at(1, 5));
    }

    #[test]
    fn an_older_version_never_replaces_a_newer_one() {
        let cache = StockCache::default();
        let a = StockKey::new("A", "main");
        cache.remember([(&a, at(3, 7))]);
        cache.remember([(&a, at(2, 9))]);
        assert_eq!(cache.rows_of([&a]).unwrap()[&a], at(3, 7));
        cache.remember([(&a, at(4, 1))]);
        assert_eq!(cache.rows_of([&a]).unwrap()[&a], at(4, 1));
        cache.written(&a, None);
        assert!(cache.rows_of([&a]).is_none());
        cache.written(&a, Some(at(6, 2)));
        assert_eq!(cache.rows_of([&a]).unwrap()[&a], at(6, 2));
    }

    #[test]
    fn held_needs_every_reservation_open_and_its_row() {
        let cache = StockCache::default();
        let (a, b) = (StockKey::new("A", "main"), StockKey::new("B", "main"));
        let res = |id: &str, key: &StockKey| Reservation {
            id: id.into(),
            key: key.clone(),
            qty: 1,
            expires_at: kassa::pricing::Timestamp(0),
        };
        cache.opened(&[res("r1", &a), res("r2", &b)]);
        let ids: Vec<ReservationId> = vec!["r2".into(), "r1".into()];
        assert!(cache.held(&ids).is_none(), "no rows remembered yet");
        cache.remember([(&a, at(1, 5)), (&b, at(2, 5))]);
        let (taken, rows) = cache.held(&ids).unwrap();
        assert_eq!(
            taken.iter().map(|r| &*r.id).collect::<Vec<_>>(),
            ["r2", "r1"]
        );
        assert_eq!((rows[&a], rows[&b]), (at(1, 5), at(2, 5)));
        let twice: Vec<ReservationId> = vec!["r1".into(), "r1".into()];
        assert!(cache.held(&twice).is_none());
        cache.closed(["r1"]);
        assert!(cache.held(&ids).is_none());
    }
}
