//! Time and ids, injected so tests and replays are deterministic.

use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};

use crate::pricing::Timestamp;

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

/// Where the engine gets ids for reservations and events.
pub trait IdSource: Send + Sync + std::fmt::Debug {
    /// A new id, unique for this source, starting with `prefix`.
    fn next_id(&self, prefix: &str) -> String;
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
}

/// `parts` and `n` joined by `_`, written into one string of the right
/// size.
fn joined(parts: &[&str], n: u64) -> String {
    let mut digits = itoa::Buffer::new();
    let digits = digits.format(n);
    let len = parts.iter().map(|p| p.len() + 1).sum::<usize>() + digits.len();
    let mut id = String::with_capacity(len);
    for part in parts {
        id.push_str(part);
        id.push('_');
    }
    id.push_str(digits);
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
}
