//! Lifecycle stages, derived from what a customer has done.
//!
//! | stage | rule |
//! |---|---|
//! | `lead` | no order, no sign of buying (only contact data) |
//! | `prospect` | no order yet, but a cart was created or a checkout started |
//! | `customer` | one order, the last one within the lapse window |
//! | `repeat` | two or more orders, the last one within the lapse window |
//! | `lapsed` | ordered before, but not within the lapse window |
//!
//! The lapse window is [`LifecyclePolicy::lapse_after_days`] (default
//! 180 days) before now. Cancelled orders do not count as orders.

use serde::{Deserialize, Serialize};

use crate::pricing::Timestamp;

/// A customer's lifecycle stage (see the module documentation).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    /// Contact data only.
    Lead,
    /// Showed buying intent, no order yet.
    Prospect,
    /// One order, recently.
    Customer,
    /// Several orders, the last one recently.
    Repeat,
    /// Ordered before, not recently.
    Lapsed,
}

/// What the stage rules depend on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LifecyclePolicy {
    /// Days after the last order before a customer counts as lapsed.
    pub lapse_after_days: u32,
}

impl Default for LifecyclePolicy {
    fn default() -> Self {
        LifecyclePolicy {
            lapse_after_days: 180,
        }
    }
}

const DAY_MS: i64 = 86_400_000;

impl LifecyclePolicy {
    /// The stage of a customer with `orders` (not cancelled), the last one
    /// placed at `last_order`, who `showed_intent` (created a cart or
    /// started a checkout), seen at `now`.
    ///
    /// ```
    /// use kassa::customer::{LifecyclePolicy, Stage};
    /// use kassa::pricing::Timestamp;
    /// let policy = LifecyclePolicy::default();
    /// let day = 86_400_000;
    /// let now = Timestamp(400 * day);
    /// assert_eq!(policy.stage(0, None, false, now), Stage::Lead);
    /// assert_eq!(policy.stage(2, Some(Timestamp(390 * day)), true, now), Stage::Repeat);
    /// assert_eq!(policy.stage(2, Some(Timestamp(100 * day)), true, now), Stage::Lapsed);
    /// ```
    pub fn stage(
        &self,
        orders: u64,
        last_order: Option<Timestamp>,
        showed_intent: bool,
        now: Timestamp,
    ) -> Stage {
        let recent = last_order.is_some_and(|at| {
            now.0.saturating_sub(at.0) <= i64::from(self.lapse_after_days) * DAY_MS
        });
        match (orders, recent) {
            (0, _) if showed_intent => Stage::Prospect,
            (0, _) => Stage::Lead,
            (_, false) => Stage::Lapsed,
            (1, true) => Stage::Customer,
            (_, true) => Stage::Repeat,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stages_follow_the_documented_rules() {
        let policy = LifecyclePolicy {
            lapse_after_days: 90,
        };
        let now = Timestamp(1_000 * DAY_MS);
        let days_ago = |d: i64| Some(Timestamp(now.0 - d * DAY_MS));
        let table = [
            (0, None, false, Stage::Lead),
            (0, None, true, Stage::Prospect),
            (1, days_ago(0), false, Stage::Customer),
            (1, days_ago(90), false, Stage::Customer),
            (1, days_ago(91), true, Stage::Lapsed),
            (2, days_ago(10), false, Stage::Repeat),
            (7, days_ago(89), true, Stage::Repeat),
            (7, days_ago(365), true, Stage::Lapsed),
            // An order count without a date (imported history) is lapsed.
            (3, None, true, Stage::Lapsed),
        ];
        for (orders, last, intent, want) in table {
            assert_eq!(
                policy.stage(orders, last, intent, now),
                want,
                "{orders} orders, last {last:?}, intent {intent}"
            );
        }
    }
}
