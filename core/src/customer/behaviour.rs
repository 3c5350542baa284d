//! What a customer did: a typed behaviour event, and the per-customer log
//! that answers the segment language's `viewed(...)`, `added_to_cart(...)`
//! and `purchased(...)`.

use serde::{Deserialize, Serialize};

use crate::pricing::Timestamp;
use crate::segment::{Action, Behaviour, Target};
use crate::store::EventText;

const DAY_MS: i64 = 86_400_000;

/// Where something happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Touchpoint {
    /// The web shop.
    Web,
    /// The mobile app.
    Mobile,
    /// A physical store.
    Store,
    /// A phone call.
    Phone,
}

/// A behaviour event a host records (the engine records orders itself).
/// Its text fields are [`EventText`], as every event's are.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum BehaviourKind {
    /// A product page was viewed.
    ProductViewed {
        /// The product id.
        product: EventText,
    },
    /// A category page was viewed.
    CategoryViewed {
        /// The category id.
        category: EventText,
    },
    /// A search was run.
    SearchPerformed {
        /// What was searched for.
        query: EventText,
    },
    /// A product went into a cart.
    AddedToCart {
        /// The product id.
        product: EventText,
    },
    /// A product left a cart.
    RemovedFromCart {
        /// The product id.
        product: EventText,
    },
    /// A checkout was started.
    CheckoutStarted,
    /// A review was left.
    ReviewLeft {
        /// The product id.
        product: EventText,
        /// Stars, 1 to 5.
        rating: u8,
    },
    /// A support ticket was opened.
    TicketOpened {
        /// Its subject.
        subject: EventText,
    },
    /// A campaign message was opened.
    MessageOpened {
        /// The campaign id.
        campaign: EventText,
    },
    /// A link in a campaign message was clicked.
    MessageClicked {
        /// The campaign id.
        campaign: EventText,
    },
}

/// One entry of a [`BehaviourLog`]: the action, its product (if any) and
/// the categories it counts for (the product's, with their ancestors, or
/// the category viewed), on a day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogEntry {
    /// Day number (milliseconds since the epoch / one day).
    pub day: i64,
    /// What.
    pub action: LoggedAction,
    /// The product, for product actions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub product: Option<String>,
    /// The categories it counts for.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub categories: Vec<String>,
}

/// The actions the segment language counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LoggedAction {
    /// A product or category view.
    Viewed,
    /// Added to a cart.
    AddedToCart,
    /// Ordered.
    Purchased,
}

/// A customer's countable behaviour over the retention window, oldest
/// first. Entries older than the window, or beyond [`BehaviourLog::MAX_ENTRIES`],
/// are dropped when new ones arrive.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct BehaviourLog {
    /// The entries.
    pub entries: Vec<LogEntry>,
}

impl BehaviourLog {
    /// The most entries one log keeps (the oldest go first).
    pub const MAX_ENTRIES: usize = 10_000;

    /// Adds an entry at `at` and drops what is older than `retention_days`
    /// before it.
    pub fn push(&mut self, entry: LogEntry, at: Timestamp, retention_days: u32) {
        let oldest = at.0 / DAY_MS - i64::from(retention_days);
        self.entries.retain(|e| e.day > oldest);
        self.entries.push(entry);
        let extra = self.entries.len().saturating_sub(Self::MAX_ENTRIES);
        if extra > 0 {
            self.entries.drain(..extra);
        }
    }

    /// Moves every entry of `other` into this log, in day order (the
    /// oldest dropped beyond [`BehaviourLog::MAX_ENTRIES`]).
    pub fn absorb(&mut self, other: &BehaviourLog) {
        self.entries.extend(other.entries.iter().cloned());
        self.entries.sort_by_key(|e| e.day);
        let extra = self.entries.len().saturating_sub(Self::MAX_ENTRIES);
        self.entries.drain(..extra);
    }

    /// The day number of `at`.
    pub fn day(at: Timestamp) -> i64 {
        at.0 / DAY_MS
    }

    /// A [`Behaviour`] over this log as seen at `now`.
    pub fn at(&self, now: Timestamp) -> LogView<'_> {
        LogView {
            log: self,
            today: Self::day(now),
        }
    }
}

/// A log seen from a given day (see [`BehaviourLog::at`]).
#[derive(Debug, Clone, Copy)]
pub struct LogView<'a> {
    log: &'a BehaviourLog,
    today: i64,
}

impl Behaviour for LogView<'_> {
    fn count(&self, action: Action, target: &Target, within_days: Option<u32>) -> u64 {
        let wanted = match action {
            Action::Viewed => LoggedAction::Viewed,
            Action::AddedToCart => LoggedAction::AddedToCart,
            Action::Purchased => LoggedAction::Purchased,
        };
        self.log
            .entries
            .iter()
            .filter(|e| {
                e.action == wanted
                    && within_days.is_none_or(|d| self.today - e.day < i64::from(d))
                    && match target {
                        Target::Any => true,
                        Target::Product(p) => e.product.as_deref() == Some(p.as_str()),
                        Target::Category(c) => e.categories.iter().any(|x| x == c),
                    }
            })
            .count() as u64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(day: i64, action: LoggedAction, product: &str, category: &str) -> LogEntry {
        LogEntry {
            day,
            action,
            product: (!product.is_empty()).then(|| product.to_owned()),
            categories: vec![category.to_owned()],
        }
    }

    #[test]
    fn counts_by_action_target_and_window() {
        let mut log = BehaviourLog::default();
        let at = |day: i64| Timestamp(day * DAY_MS);
        log.push(
            entry(90, LoggedAction::Viewed, "boot", "shoes"),
            at(90),
            365,
        );
        log.push(entry(98, LoggedAction::Viewed, "", "shoes"), at(98), 365);
        log.push(
            entry(99, LoggedAction::Purchased, "hat", "hats"),
            at(99),
            365,
        );
        let view = log.at(at(100));
        let shoes = Target::Category("shoes".into());
        assert_eq!(view.count(Action::Viewed, &shoes, None), 2);
        // "within: 7d" is today and the 6 days before: day 94 to 100.
        assert_eq!(view.count(Action::Viewed, &shoes, Some(7)), 1);
        assert_eq!(view.count(Action::Viewed, &shoes, Some(11)), 2);
        assert_eq!(view.count(Action::Purchased, &shoes, None), 0);
        let boot = Target::Product("boot".into());
        assert_eq!(view.count(Action::Viewed, &boot, None), 1);
        assert_eq!(view.count(Action::Purchased, &Target::Any, Some(2)), 1);
    }

    #[test]
    fn retention_and_size_are_bounded() {
        let mut log = BehaviourLog::default();
        log.push(
            entry(1, LoggedAction::Viewed, "a", "c"),
            Timestamp(DAY_MS),
            30,
        );
        log.push(
            entry(40, LoggedAction::Viewed, "b", "c"),
            Timestamp(40 * DAY_MS),
            30,
        );
        assert_eq!(
            log.entries.len(),
            1,
            "day 1 is past a 30-day retention on day 40"
        );
        for i in 0..BehaviourLog::MAX_ENTRIES + 5 {
            log.push(
                entry(40, LoggedAction::Viewed, &format!("p{i}"), "c"),
                Timestamp(40 * DAY_MS),
                30,
            );
        }
        assert_eq!(log.entries.len(), BehaviourLog::MAX_ENTRIES);
        assert_eq!(
            log.entries[0].product.as_deref(),
            Some("p5"),
            "the oldest go first"
        );
    }
}
