//! The memory store's outbox: events in cursor order, discarded from the
//! front, and freed a few at a time.
//!
//! A host that reads the outbox in batches discards thousands of events at
//! once. Freeing them all in that call left glibc's allocator with a heap
//! of small holes that every later allocation paid for (a whole checkout
//! took 37 us with the outbox discarded every 4,096 checkouts, 23 us with
//! it discarded every 64 or never: benches/README.md). So a discarded
//! event leaves the outbox at once (no reader sees it, cursors move on)
//! but its memory is freed later, a few events with each append, where
//! the allocations that follow reuse it.

use std::collections::VecDeque;

use crate::store::{Event, NewEvent};

/// Discarded events freed per event appended: more than one, so the
/// backlog shrinks while writes go on.
const FREED_PER_APPEND: usize = 2;

/// Discarded events freed in the discarding call itself (a small batch is
/// not worth keeping).
const FREED_AT_ONCE: usize = 256;

/// Events in cursor order.
#[derive(Debug, Default)]
pub(super) struct Outbox {
    /// The first `unfreed` are discarded; `events[unfreed]` has cursor
    /// `discarded + 1`. Kept without their cursors, which follow from
    /// their places (8 bytes less an event, over some hundred thousand
    /// events between two reads of a host reading in batches).
    events: VecDeque<NewEvent>,
    /// Events discarded since the store began.
    discarded: u64,
    /// Discarded events still held at the front, to be freed by appends.
    unfreed: usize,
}

impl Outbox {
    /// Appends `events` with the next cursors, and frees a few discarded
    /// ones.
    pub(super) fn append(&mut self, events: Vec<NewEvent>) {
        let appended = events.len();
        self.events.extend(events);
        self.free(appended.saturating_mul(FREED_PER_APPEND));
    }

    /// Up to `limit` events after `cursor`, in order.
    pub(super) fn since(&self, cursor: u64, limit: usize) -> Vec<Event> {
        let start = usize::try_from(cursor.saturating_sub(self.discarded))
            .unwrap_or(usize::MAX)
            .min(self.live());
        let first = self.discarded + start as u64 + 1;
        self.events
            .range(self.unfreed + start..)
            .take(limit)
            .zip(first..)
            .map(|(e, cursor)| Event {
                cursor,
                id: e.id.clone(),
                at: e.at,
                kind: e.kind.clone(),
            })
            .collect()
    }

    /// Discards the events up to and including `cursor`.
    pub(super) fn discard(&mut self, cursor: u64) {
        let gone = usize::try_from(cursor.saturating_sub(self.discarded))
            .unwrap_or(usize::MAX)
            .min(self.live());
        self.discarded += gone as u64;
        self.unfreed += gone;
        self.free(FREED_AT_ONCE);
    }

    /// Events not discarded.
    fn live(&self) -> usize {
        self.events.len() - self.unfreed
    }

    /// Frees up to `n` discarded events.
    fn free(&mut self, n: usize) {
        let n = n.min(self.unfreed);
        if n > 0 {
            self.events.drain(..n);
            self.unfreed -= n;
        }
    }

    /// Discarded events not yet freed (for tests).
    #[cfg(test)]
    fn held(&self) -> usize {
        self.unfreed
    }
}

#[cfg(test)]
mod tests {
    use super::{Outbox, FREED_AT_ONCE, FREED_PER_APPEND};
    use crate::pricing::Timestamp;
    use crate::store::{EventKind, NewEvent};

    fn events(from: usize, n: usize) -> Vec<NewEvent> {
        (from..from + n)
            .map(|i| NewEvent {
                id: format!("evt_{i}").into(),
                at: Timestamp(i as i64),
                kind: EventKind::CartCreated {
                    cart: format!("c{i}").into(),
                    customer: None,
                },
            })
            .collect()
    }

    fn ids(events: &[crate::store::Event]) -> Vec<(u64, String)> {
        events
            .iter()
            .map(|e| (e.cursor, e.id.to_string()))
            .collect()
    }

    #[test]
    fn discarded_events_are_gone_at_once_and_freed_by_later_appends() {
        let mut outbox = Outbox::default();
        outbox.append(events(1, 1000));
        outbox.discard(900);
        // Gone for readers, and cursors go on from where they were.
        let rest = outbox.since(0, usize::MAX);
        assert_eq!(rest.len(), 100);
        assert_eq!((rest[0].cursor, rest[0].id.as_str()), (901, "evt_901"));
        assert_eq!(outbox.held(), 900 - FREED_AT_ONCE);
        outbox.append(events(1001, 10));
        assert_eq!(outbox.held(), 900 - FREED_AT_ONCE - 10 * FREED_PER_APPEND);
        let after = outbox.since(1000, usize::MAX);
        assert_eq!(
            ids(&after),
            (1001..=1010)
                .map(|i| (i as u64, format!("evt_{i}")))
                .collect::<Vec<_>>()
        );
        assert_eq!(
            ids(&outbox.since(905, 2)),
            [(906, "evt_906".into()), (907, "evt_907".into())]
        );
        // Enough appends free the backlog.
        outbox.append(events(1011, 400));
        assert_eq!(outbox.held(), 0);
        assert_eq!(outbox.since(0, usize::MAX).len(), 510);
        assert_eq!(outbox.since(0, 1)[0].cursor, 901);
    }

    #[test]
    fn discarding_past_the_end_or_twice_changes_nothing_more() {
        let mut outbox = Outbox::default();
        outbox.append(events(1, 5));
        outbox.discard(3);
        outbox.discard(2);
        assert_eq!(ids(&outbox.since(0, 10)).first().map(|e| e.0), Some(4));
        outbox.discard(u64::MAX);
        assert!(outbox.since(0, 10).is_empty());
        outbox.append(events(6, 1));
        assert_eq!(ids(&outbox.since(0, 10)), [(6, "evt_6".into())]);
    }
}
