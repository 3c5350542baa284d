//! Derived customer metrics, kept up to date from orders and carts.

use serde::{Deserialize, Serialize};

use super::{Customer, LifecyclePolicy};
use crate::error::Result;
use crate::money::{Currency, Money};
use crate::pricing::Timestamp;
use crate::segment::CustomerFacts;

const DAY_MS: i64 = 86_400_000;

/// What a customer's orders and carts add up to. Updated one order or
/// cart at a time ([`CustomerMetrics::record_order`]); every figure the
/// segment language reads comes from here and the profile.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct CustomerMetrics {
    /// Orders placed.
    pub orders: u64,
    /// Money spent, one amount per currency.
    pub spent: Vec<Money>,
    /// When the first order was placed.
    pub first_order_at: Option<Timestamp>,
    /// When the last order was placed.
    pub last_order_at: Option<Timestamp>,
    /// Units ordered.
    pub units_ordered: u64,
    /// Units returned.
    pub units_returned: u64,
    /// Carts the customer left until they expired.
    pub cart_abandonments: u64,
    /// Returns asked for and not rejected.
    pub returns: u64,
    /// Orders cancelled (no longer in `orders`, `spent` or
    /// `units_ordered`).
    pub cancelled_orders: u64,
    /// The RFM scores and group from the last computation over the base
    /// (none: never computed, or no order then).
    pub rfm: Option<super::RfmScore>,
    /// Products bought per category (a product counts for its categories
    /// and their ancestors).
    pub categories: crate::catalog::SortedMap<u64>,
}

impl CustomerMetrics {
    /// Adds an order of `units` units for `total`, placed at `at`.
    ///
    /// # Errors
    ///
    /// `amount_out_of_range` if the total spent would overflow; nothing
    /// changes.
    pub fn record_order(&mut self, total: Money, units: u64, at: Timestamp) -> Result<()> {
        let spent = match self
            .spent
            .iter()
            .position(|m| m.currency() == total.currency())
        {
            Some(i) => Some((i, self.spent[i].checked_add(total)?)),
            None => None,
        };
        match spent {
            Some((i, sum)) => self.spent[i] = sum,
            None => self.spent.push(total),
        }
        self.orders += 1;
        self.units_ordered = self.units_ordered.saturating_add(units);
        self.first_order_at = Some(self.first_order_at.map_or(at, |f| Timestamp(f.0.min(at.0))));
        self.last_order_at = Some(self.last_order_at.map_or(at, |l| Timestamp(l.0.max(at.0))));
        Ok(())
    }

    /// Counts an order edit: the money spent and units ordered move from
    /// `before` to `after`.
    ///
    /// # Errors
    ///
    /// `amount_out_of_range` on overflow; nothing changes.
    pub fn record_edit(&mut self, before: (Money, u64), after: (Money, u64)) -> Result<()> {
        if let Some(i) = self
            .spent
            .iter()
            .position(|m| m.currency() == after.0.currency())
        {
            self.spent[i] = self.spent[i].checked_sub(before.0)?.checked_add(after.0)?;
        }
        self.units_ordered = self
            .units_ordered
            .saturating_sub(before.1)
            .saturating_add(after.1);
        Ok(())
    }

    /// Takes a cancelled order of `units` units for `total` back out of
    /// the orders, money spent and units counted.
    ///
    /// # Errors
    ///
    /// `amount_out_of_range` on overflow; nothing changes.
    pub fn record_cancellation(&mut self, total: Money, units: u64) -> Result<()> {
        if let Some(i) = self
            .spent
            .iter()
            .position(|m| m.currency() == total.currency())
        {
            self.spent[i] = self.spent[i].checked_sub(total)?;
        }
        self.orders = self.orders.saturating_sub(1);
        self.units_ordered = self.units_ordered.saturating_sub(units);
        self.cancelled_orders += 1;
        Ok(())
    }

    /// Counts a return of `units` units asked for (`opened`), or takes a
    /// rejected one back out.
    pub fn record_return(&mut self, units: u64, opened: bool) {
        if opened {
            self.returns += 1;
            self.units_returned = self.units_returned.saturating_add(units);
        } else {
            self.returns = self.returns.saturating_sub(1);
            self.units_returned = self.units_returned.saturating_sub(units);
        }
    }

    /// Units returned per unit ordered (0 before any order).
    pub fn return_rate(&self) -> rust_decimal::Decimal {
        // Most customers return nothing: no division for them (a decimal
        // division costs as much as the rest of a segment evaluation).
        if self.units_ordered == 0 || self.units_returned == 0 {
            rust_decimal::Decimal::ZERO
        } else {
            rust_decimal::Decimal::from(self.units_returned)
                / rust_decimal::Decimal::from(self.units_ordered)
        }
    }

    /// Adds everything `other` counted (two profiles of one person merged).
    ///
    /// # Errors
    ///
    /// `amount_out_of_range` if a total would overflow; nothing changes.
    pub fn absorb(&mut self, other: &CustomerMetrics) -> Result<()> {
        let mut spent = self.spent.clone();
        for m in &other.spent {
            match spent.iter_mut().find(|s| s.currency() == m.currency()) {
                Some(s) => *s = s.checked_add(*m)?,
                None => spent.push(*m),
            }
        }
        self.spent = spent;
        self.orders += other.orders;
        self.units_ordered = self.units_ordered.saturating_add(other.units_ordered);
        self.units_returned = self.units_returned.saturating_add(other.units_returned);
        self.cart_abandonments += other.cart_abandonments;
        self.returns += other.returns;
        self.cancelled_orders += other.cancelled_orders;
        let earliest = [self.first_order_at, other.first_order_at]
            .into_iter()
            .flatten()
            .min();
        let latest = [self.last_order_at, other.last_order_at]
            .into_iter()
            .flatten()
            .max();
        self.first_order_at = earliest;
        self.last_order_at = latest;
        for (c, n) in other.categories.iter() {
            let mine = self.categories.get(c).copied().unwrap_or(0);
            self.categories.insert(c.to_owned(), mine + n);
        }
        // Scores describe the old profiles; the next RFM run recomputes.
        self.rfm = None;
        Ok(())
    }

    /// Counts one product bought in `categories`.
    pub fn record_categories(&mut self, categories: &[String]) {
        for c in categories {
            let n = self.categories.get(c).copied().unwrap_or(0);
            self.categories.insert(c.clone(), n + 1);
        }
    }

    /// The `n` categories the customer bought most in, most first (ties
    /// by id).
    pub fn favourite_categories(&self, n: usize) -> Vec<(String, u64)> {
        let mut all: Vec<(String, u64)> = self
            .categories
            .iter()
            .map(|(c, k)| (c.to_owned(), *k))
            .collect();
        all.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        all.truncate(n);
        all
    }

    /// The customer's own average days between orders (needs two orders).
    pub fn purchase_interval_days(&self) -> Option<u64> {
        let (first, last) = (self.first_order_at?, self.last_order_at?);
        if self.orders < 2 {
            return None;
        }
        let span = u64::try_from(last.0.saturating_sub(first.0) / DAY_MS).unwrap_or(0);
        Some(span / (self.orders - 1))
    }

    /// When the next order is expected: the last order plus the
    /// customer's average interval (none before a second order).
    pub fn predicted_next_order(&self) -> Option<Timestamp> {
        let interval = i64::try_from(self.purchase_interval_days()?).ok()?;
        Some(Timestamp(
            self.last_order_at?
                .0
                .saturating_add(interval.saturating_mul(DAY_MS)),
        ))
    }

    /// True when the customer is overdue by their own rhythm: more than
    /// twice their average interval (at least a week) has passed since
    /// their last order. Customers with fewer than two orders have no
    /// rhythm yet and are never flagged (the lifecycle stage `lapsed`
    /// covers them).
    pub fn churn_risk(&self, now: Timestamp) -> bool {
        let (Some(interval), Some(last)) = (self.purchase_interval_days(), self.last_order_at)
        else {
            return false;
        };
        let since = u64::try_from(now.0.saturating_sub(last.0) / DAY_MS).unwrap_or(0);
        since > 2 * interval.max(7)
    }

    /// Adds a cart left until it expired.
    pub fn record_abandoned_cart(&mut self) {
        self.cart_abandonments += 1;
    }

    /// Money spent in `currency` (zero when none).
    pub fn total_spent(&self, currency: Currency) -> Money {
        self.spent
            .iter()
            .find(|m| m.currency() == currency)
            .copied()
            .unwrap_or_else(|| Money::zero(currency))
    }

    /// The facts the segment language reads, for `profile` at `now`, with
    /// money in `currency` and the stage from `lifecycle`. `stage` must
    /// outlive the facts: pass the name from [`CustomerMetrics::stage`].
    pub fn facts<'a>(
        &'a self,
        profile: &'a Customer,
        currency: Currency,
        now: Timestamp,
        stage: &'a str,
    ) -> CustomerFacts<'a> {
        let days = |at: Option<Timestamp>| {
            at.map(|t| u64::try_from(now.0.saturating_sub(t.0) / DAY_MS).unwrap_or(0))
        };
        let return_rate = self.return_rate();
        CustomerFacts {
            total_spent: self.total_spent(currency).amount(),
            order_count: self.orders,
            days_since_last_order: days(self.last_order_at),
            days_since_first_order: days(self.first_order_at),
            return_rate,
            cart_abandonments: self.cart_abandonments,
            tags: &profile.tags,
            groups: &profile.groups,
            rfm_group: self.rfm.as_ref().map(|r| r.group.as_str()),
            stage: Some(stage),
            country: profile.shipping_address().map(|a| a.country.as_str()),
        }
    }

    /// The lifecycle stage name under `policy` at `now`.
    pub fn stage(&self, policy: &LifecyclePolicy, now: Timestamp) -> &'static str {
        let showed_intent = self.cart_abandonments > 0;
        match policy.stage(self.orders, self.last_order_at, showed_intent, now) {
            super::Stage::Lead => "lead",
            super::Stage::Prospect => "prospect",
            super::Stage::Customer => "customer",
            super::Stage::Repeat => "repeat",
            super::Stage::Lapsed => "lapsed",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rhythm_prediction_churn_and_favourites() {
        let usd = Money::from_minor_units(1_000, Currency::USD);
        let mut m = CustomerMetrics::default();
        m.record_order(usd, 1, Timestamp(10 * DAY_MS)).unwrap();
        assert_eq!(
            (m.purchase_interval_days(), m.predicted_next_order()),
            (None, None)
        );
        assert!(
            !m.churn_risk(Timestamp(400 * DAY_MS)),
            "one order: no rhythm yet"
        );
        m.record_order(usd, 1, Timestamp(40 * DAY_MS)).unwrap();
        m.record_order(usd, 1, Timestamp(70 * DAY_MS)).unwrap();
        assert_eq!(m.purchase_interval_days(), Some(30));
        assert_eq!(m.predicted_next_order(), Some(Timestamp(100 * DAY_MS)));
        assert!(
            !m.churn_risk(Timestamp(130 * DAY_MS)),
            "60 days: exactly twice"
        );
        assert!(m.churn_risk(Timestamp(131 * DAY_MS)));
        m.record_categories(&["shoes".into(), "apparel".into()]);
        m.record_categories(&["tops".into(), "apparel".into()]);
        assert_eq!(
            m.favourite_categories(2),
            [("apparel".to_string(), 2), ("shoes".to_string(), 1)]
        );
    }

    #[test]
    fn orders_add_up_per_currency_and_dates_bracket_them() {
        let usd = |c| Money::from_minor_units(c, Currency::USD);
        let mut m = CustomerMetrics::default();
        m.record_order(usd(10_000), 2, Timestamp(5 * DAY_MS))
            .unwrap();
        m.record_order(usd(2_550), 1, Timestamp(2 * DAY_MS))
            .unwrap();
        m.record_order(
            Money::from_minor_units(700, Currency::EUR),
            1,
            Timestamp(9 * DAY_MS),
        )
        .unwrap();
        m.record_abandoned_cart();
        assert_eq!(m.total_spent(Currency::USD), usd(12_550));
        assert_eq!(m.total_spent(Currency::GBP), Money::zero(Currency::GBP));
        assert_eq!((m.orders, m.units_ordered), (3, 4));
        assert_eq!(m.first_order_at, Some(Timestamp(2 * DAY_MS)));
        assert_eq!(m.last_order_at, Some(Timestamp(9 * DAY_MS)));
        let profile = Customer::new("c", Timestamp(0));
        let now = Timestamp(40 * DAY_MS);
        let stage = m.stage(&LifecyclePolicy::default(), now);
        let f = m.facts(&profile, Currency::USD, now, stage);
        assert_eq!(f.total_spent, rust_decimal::Decimal::new(12_550, 2));
        assert_eq!(
            (f.days_since_last_order, f.days_since_first_order),
            (Some(31), Some(38))
        );
        assert_eq!(
            (f.order_count, f.cart_abandonments, f.stage),
            (3, 1, Some("repeat"))
        );
    }
}
