//! Time and ids, injected so tests and replays are deterministic.

use compact_str::CompactString;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::Arc;

use crate::pricing::Timestamp;
use crate::store::EventId;

/// Where the engine gets the time. Pure modules never read a clock.
pub trait Clock: Send + Sync + std::fmt::Debug {
    /// Now.
    fn now(&self) -> Timestamp;
}

/// The system clock (milliseconds since the Unix epoch).
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        let ms = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
            .unwrap_or(0);
        Timestamp(ms)
    }
}

/// A clock that moves only when told: for tests and replays.
///
/// ```
/// use kassa::engine::{Clock, ManualClock};
/// use kassa::pricing::Timestamp;
/// let clock = ManualClock::new(Timestamp(1_000));
/// clock.advance(500);
/// assert_eq!(clock.now(), Timestamp(1_500));
/// ```
#[derive(Debug, Default)]
pub struct ManualClock {
    ms: AtomicI64,
}

impl ManualClock {
    /// A clock showing `at`.
    pub fn new(at: Timestamp) -> Self {
        ManualClock {
            ms: AtomicI64::new(at.0),
        }
    }

    /// Moves the clock by `ms` milliseconds.
    pub fn advance(&self, ms: i64) {
        self.ms.fetch_add(ms, Ordering::SeqCst);
    }

    /// Sets the clock.
    pub fn set(&self, at: Timestamp) {
        self.ms.store(at.0, Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Timestamp {
        Timestamp(self.ms.load(Ordering::SeqCst))
    }
}

/// The prefix of event ids.
pub const EVENT_PREFIX: &str = "evt";

/// Where the engine gets ids for reservations and events.
pub trait IdSource: Send + Sync + std::fmt::Debug {
    /// A new id, unique for this source, starting with `prefix`.
    fn next_id(&self, prefix: &str) -> String;

    /// [`IdSource::next_id`] as shared text, for ids held by several
    /// records (a cart's id, shared by every version of the cart and by
    /// the order placed from it). The default converts `next_id`; the
    /// sources here write it straight into the shared allocation.
    fn next_shared_id(&self, prefix: &str) -> Arc<str> {
        self.next_id(prefix).into()
    }

    /// [`IdSource::next_id`] held inline when it fits (24 bytes), for ids
    /// kept in many small records (cart lines, reservations: copied into
    /// events and orders without an allocation). The default converts
    /// `next_id`; the sources here write it inline directly.
    fn next_inline_id(&self, prefix: &str) -> CompactString {
        CompactString::from(self.next_id(prefix).as_str())
    }

    /// The id of a new event: [`IdSource::next_id`] with the prefix
    /// [`EVENT_PREFIX`]. The default converts `next_id` (an id of up to 24
    /// bytes is then held inline); the sources here write it inline
    /// directly.
    fn next_event_id(&self) -> EventId {
        self.next_id(EVENT_PREFIX).into()
    }
}

/// Sequential ids (`res_1`, `evt_2`, ...): deterministic, unique within one
/// process. Hosts running several processes on one database supply ids that
/// are unique across them.
///
/// ```
/// use kassa::engine::{IdSource, SequentialIds};
/// let ids = SequentialIds::default();
/// assert_eq!(ids.next_id("res"), "res_1");
/// assert_eq!(ids.next_id("evt"), "evt_2");
/// assert_eq!(&*ids.next_shared_id("res"), "res_3");
/// ```
#[derive(Debug, Default)]
pub struct SequentialIds {
    next: AtomicU64,
}

impl IdSource for SequentialIds {
    fn next_id(&self, prefix: &str) -> String {
        let n = self.next.fetch_add(1, Ordering::Relaxed) + 1;
        joined(&[prefix], n)
    }

    fn next_shared_id(&self, prefix: &str) -> Arc<str> {
        let n = self.next.fetch_add(1, Ordering::Relaxed) + 1;
        joined_shared(&[prefix], n)
    }

    fn next_inline_id(&self, prefix: &str) -> CompactString {
        let n = self.next.fetch_add(1, Ordering::Relaxed) + 1;
        joined_inline(&[prefix], n)
    }

    fn next_event_id(&self) -> EventId {
        let n = self.next.fetch_add(1, Ordering::Relaxed) + 1;
        event_id(n)
    }
}

/// The pieces of an id: each of `parts` followed by `_`, then `digits`.
fn pieces<'a>(parts: &'a [&'a str], digits: &'a str) -> impl Iterator<Item = &'a str> + 'a {
    parts
        .iter()
        .flat_map(|part| [*part, "_"])
        .chain(std::iter::once(digits))
}

/// `parts` and `n` joined by `_`, written into one string of the right
/// size.
fn joined(parts: &[&str], n: u64) -> String {
    let mut digits = itoa::Buffer::new();
    let digits = digits.format(n);
    let mut id = String::with_capacity(pieces(parts, digits).map(str::len).sum());
    pieces(parts, digits).for_each(|piece| id.push_str(piece));
    id
}

/// [`joined`] written on the stack when it is short (ids are), then made
/// into `R` by `make` from the text there in one copy; `None` when it does
/// not fit the stack buffer.
fn on_stack<R>(parts: &[&str], n: u64, make: impl FnOnce(&str) -> R) -> Option<R> {
    let mut digits = itoa::Buffer::new();
    let digits = digits.format(n);
    let mut buffer = [0u8; 64];
    let mut len = 0;
    for piece in pieces(parts, digits) {
        let slot = buffer.get_mut(len..len + piece.len())?;
        slot.copy_from_slice(piece.as_bytes());
        len += piece.len();
    }
    // Whole `str` pieces, so always UTF-8.
    std::str::from_utf8(&buffer[..len]).ok().map(make)
}

/// [`joined`] as shared text, copied once into the shared allocation.
fn joined_shared(parts: &[&str], n: u64) -> Arc<str> {
    on_stack(parts, n, |text: &str| Arc::from(text)).unwrap_or_else(|| Arc::from(joined(parts, n)))
}

/// [`joined`] held inline when it fits (24 bytes), with no intermediate
/// string.
fn joined_inline(parts: &[&str], n: u64) -> CompactString {
    on_stack(parts, n, |text: &str| CompactString::new(text))
        .unwrap_or_else(|| CompactString::from(joined(parts, n)))
}

/// [`EVENT_PREFIX`] and the separator: the start of every event id of
/// [`SequentialIds`].
const EVENT_ID_HEAD: &str = "evt_";

/// `evt_<n>`: the hottest id, one per event. Starts from the inline
/// constant head and appends the digits (at most 4 + 20 bytes: always
/// inline). Writing it on the stack first cost a UTF-8 check of the whole
/// id; `CompactString::push_str` piece by piece took some 350 instructions.
fn event_id(n: u64) -> EventId {
    let mut digits = itoa::Buffer::new();
    let mut id = EventId::const_new(EVENT_ID_HEAD);
    id.push_str(digits.format(n));
    id
}

/// Sequential ids scoped by a node name (`res_web-1_17`): unique across
/// processes sharing one database as long as each process has its own
/// node name (a host name with a process start time, a pod name...).
/// Deterministic for a given node, so replays still match.
///
/// ```
/// use kassa::engine::{IdSource, NodeIds};
/// let a = NodeIds::new("web-1");
/// let b = NodeIds::new("web-2");
/// assert_eq!(a.next_id("res"), "res_web-1_1");
/// assert_ne!(a.next_id("res"), b.next_id("res"));
/// assert_eq!(&*a.next_shared_id("evt"), "evt_web-1_3");
/// ```
#[derive(Debug)]
pub struct NodeIds {
    node: String,
    next: AtomicU64,
}

impl NodeIds {
    /// Ids for the process named `node`.
    pub fn new(node: impl Into<String>) -> Self {
        NodeIds {
            node: node.into(),
            next: AtomicU64::new(0),
        }
    }
}

impl IdSource for NodeIds {
    fn next_id(&self, prefix: &str) -> String {
        let n = self.next.fetch_add(1, Ordering::Relaxed) + 1;
        joined(&[prefix, &self.node], n)
    }

    fn next_shared_id(&self, prefix: &str) -> Arc<str> {
        let n = self.next.fetch_add(1, Ordering::Relaxed) + 1;
        joined_shared(&[prefix, &self.node], n)
    }

    fn next_inline_id(&self, prefix: &str) -> CompactString {
        let n = self.next.fetch_add(1, Ordering::Relaxed) + 1;
        joined_inline(&[prefix, &self.node], n)
    }

    fn next_event_id(&self) -> EventId {
        let n = self.next.fetch_add(1, Ordering::Relaxed) + 1;
        joined_inline(&[EVENT_PREFIX, &self.node], n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shared_and_inline_ids_read_as_the_plain_ones_at_any_length() {
        let cases = [
            ("res", ""),
            ("evt", "web-1"),
            (
                "res",
                "node-with-a-name-well-over-the-sixty-four-bytes-of-the-stack-buffer",
            ),
            ("r\u{e9}s", "n\u{153}ud-\u{1F600}"),
        ];
        for (prefix, node) in cases {
            let (plain, shared, inline) = if node.is_empty() {
                let ids = SequentialIds::default();
                (
                    ids.next_id(prefix),
                    ids.next_shared_id(prefix),
                    ids.next_inline_id(prefix),
                )
            } else {
                let ids = NodeIds::new(node);
                (
                    ids.next_id(prefix),
                    ids.next_shared_id(prefix),
                    ids.next_inline_id(prefix),
                )
            };
            // The second id has the next number, the third the one after;
            // otherwise the same text.
            let stem = plain.strip_suffix('1').unwrap_or(&plain);
            assert_eq!(
                &*shared,
                format!("{stem}2"),
                "prefix {prefix:?}, node {node:?}"
            );
            assert_eq!(
                inline,
                format!("{stem}3").as_str(),
                "prefix {prefix:?}, node {node:?}"
            );
            assert_eq!(
                inline.is_heap_allocated(),
                inline.len() > 24,
                "inline when it fits: {inline:?}"
            );
        }
    }

    #[test]
    fn the_event_id_head_is_the_prefix_and_separator() {
        assert_eq!(EVENT_ID_HEAD, format!("{EVENT_PREFIX}_"));
    }

    #[test]
    fn event_ids_of_every_length_are_inline_and_exact() {
        for n in [0, 1, 9, 10, 4_294_967_296, u64::MAX / 10, u64::MAX] {
            let id = super::event_id(n);
            assert_eq!(id, format!("evt_{n}").as_str());
            assert!(!id.is_heap_allocated(), "{n}");
        }
    }

    #[test]
    fn event_ids_read_as_the_plain_ones_inline_or_not() {
        #[derive(Debug)]
        struct Plain(String);
        impl IdSource for Plain {
            fn next_id(&self, _: &str) -> String {
                self.0.clone()
            }
        }
        // (node, whether `evt_<node>_2` fits inline)
        let cases = [
            ("", true),
            ("web-1", true),
            ("node-with-a-name-over-twenty-four-bytes", false),
            ("n\u{153}ud-\u{1F600}", true),
        ];
        for (node, inline) in cases {
            let (plain, event) = if node.is_empty() {
                let ids = SequentialIds::default();
                (ids.next_id("evt"), ids.next_event_id())
            } else {
                let ids = NodeIds::new(node);
                (ids.next_id("evt"), ids.next_event_id())
            };
            let expected = format!("{}2", plain.strip_suffix('1').unwrap_or(&plain));
            assert_eq!(event, expected.as_str(), "node {node:?}");
            assert_eq!(event.is_heap_allocated(), !inline, "node {node:?}");
            // A host's source without its own `next_event_id` gets the
            // same text through the default.
            assert_eq!(Plain(plain.clone()).next_event_id(), plain.as_str());
        }
    }
}
