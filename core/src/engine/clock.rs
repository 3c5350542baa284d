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
#[derive(Debug, Default)]
pub struct SequentialIds {
    next: AtomicU64,
}

impl IdSource for SequentialIds {
    fn next_id(&self, prefix: &str) -> String {
        format!("{prefix}_{}", self.next.fetch_add(1, Ordering::Relaxed) + 1)
    }
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
        format!("{prefix}_{}_{n}", self.node)
    }
}
