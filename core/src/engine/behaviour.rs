//! Behaviour events: hosts record what customers do, and each customer's
//! countable behaviour (views, cart adds, purchases) is kept in a log the
//! segment language reads (`customer_behaviour/<id>`).

use super::cart::{from_json, to_json};
use super::Engine;
use crate::catalog::Category;
use crate::customer::{BehaviourKind, BehaviourLog, LogEntry, LoggedAction, Touchpoint};
use crate::error::{Error, Result};
use crate::pricing::Timestamp;
use crate::store::{DocumentWrite, EventKind, Store};

pub(super) const BEHAVIOUR: &str = "customer_behaviour";

impl<S: Store> Engine<S> {
    /// Records that `customer` (a customer id or an anonymous id) did
    /// `behaviour` at `touchpoint`: a `behaviour_recorded` event, and for
    /// views and cart adds an entry in the customer's behaviour log, saved
    /// together. The log keeps [`super::CrmSettings::behaviour_retention_days`]. Views and cart adds of a product count for its categories
    /// and their ancestors; a category view for the category and its
    /// ancestors.
    ///
    /// # Errors
    ///
    /// `invalid_field` for an empty or over-long id or text, or a rating
    /// outside 1 to 5; storage failures.
    ///
    /// # Examples
    ///
    /// ```
    /// use kassa::customer::{BehaviourKind, Touchpoint};
    /// let engine = kassa::engine::Engine::in_memory();
    /// engine.record_behaviour("anon-42", Touchpoint::Web, BehaviourKind::CategoryViewed { category: "shoes".into() })?;
    /// assert_eq!(engine.behaviour_log("anon-42")?.entries.len(), 1);
    /// # Ok::<(), kassa::Error>(())
    /// ```
    pub fn record_behaviour(
        &self,
        customer: &str,
        touchpoint: Touchpoint,
        behaviour: BehaviourKind,
    ) -> Result<()> {
        crate::catalog::limits::text("behaviour", "customer", customer, 128)?;
        if let BehaviourKind::ReviewLeft { rating, .. } = &behaviour {
            if !(1..=5).contains(rating) {
                return Err(crate::catalog::limits::invalid(
                    "behaviour",
                    "rating",
                    format!("{rating} is not 1 to 5 stars"),
                ));
            }
        }
        for text in texts(&behaviour) {
            crate::catalog::limits::text("behaviour", "value", text, 512)?;
        }
        let now = self.clock.now();
        let entry = match &behaviour {
            BehaviourKind::ProductViewed { product } => {
                Some(self.product_entry(LoggedAction::Viewed, product, now)?)
            }
            BehaviourKind::AddedToCart { product } => {
                Some(self.product_entry(LoggedAction::AddedToCart, product, now)?)
            }
            BehaviourKind::CategoryViewed { category } => Some(LogEntry {
                day: BehaviourLog::day(now),
                action: LoggedAction::Viewed,
                product: None,
                categories: lineage(category, &self.store.categories()?),
            }),
            _ => None,
        };
        let event = self.event(EventKind::BehaviourRecorded {
            customer: customer.into(),
            touchpoint,
            behaviour,
            logged: true,
        });
        let Some(entry) = entry else {
            self.store.save_all(Vec::new(), vec![event])?;
            return Ok(());
        };
        let retention = self.crm_settings()?.behaviour_retention_days;
        for _ in 0..16 {
            let (mut log, version) = self.load_log(customer)?;
            log.push(entry.clone(), now, retention);
            let write = DocumentWrite::new(BEHAVIOUR, customer, version, to_json(&log)?);
            match self.store.save_all(vec![write], vec![event.clone()]) {
                Ok(_) => {
                    self.learn_view(&log, &entry);
                    return Ok(());
                }
                Err(Error::ConcurrentModification { .. }) => continue,
                Err(e) => return Err(e),
            }
        }
        Err(Error::ConcurrentModification {
            entity: format!("{BEHAVIOUR}/{}", crate::error::shown(customer)),
            expected: None,
            current: None,
        })
    }

    /// The behaviour log of `customer` (empty when none).
    ///
    /// # Errors
    ///
    /// Storage failures.
    pub fn behaviour_log(&self, customer: &str) -> Result<BehaviourLog> {
        Ok(self.load_log(customer)?.0)
    }

    pub(super) fn load_log(&self, customer: &str) -> Result<(BehaviourLog, Option<u64>)> {
        Ok(match self.store.load(BEHAVIOUR, customer)? {
            Some(doc) => (from_json("behaviour log", doc.value)?, Some(doc.version)),
            None => (BehaviourLog::default(), None),
        })
    }

    /// A log entry for `action` on `product` (an unknown product counts
    /// for no category).
    pub(super) fn product_entry(
        &self,
        action: LoggedAction,
        product: &str,
        at: Timestamp,
    ) -> Result<LogEntry> {
        let categories = match self.store.product(product)? {
            Some((p, _)) => {
                let all = self.store.categories()?;
                let mut out: Vec<String> = Vec::new();
                for c in &p.categories {
                    for id in lineage(c, &all) {
                        if !out.contains(&id) {
                            out.push(id);
                        }
                    }
                }
                out
            }
            None => Vec::new(),
        };
        Ok(LogEntry {
            day: BehaviourLog::day(at),
            action,
            product: Some(product.to_owned()),
            categories,
        })
    }
}

/// `category` and its ancestors.
fn lineage(category: &str, all: &[Category]) -> Vec<String> {
    let mut out = vec![category.to_owned()];
    let mut at = all.iter().find(|c| c.id == category);
    for _ in 0..all.len() {
        let Some(parent) = at.and_then(|c| c.parent.as_deref()) else {
            break;
        };
        if out.iter().any(|o| o == parent) {
            break;
        }
        out.push(parent.to_owned());
        at = all.iter().find(|c| c.id == parent);
    }
    out
}

fn texts(b: &BehaviourKind) -> Vec<&str> {
    match b {
        BehaviourKind::ProductViewed { product }
        | BehaviourKind::AddedToCart { product }
        | BehaviourKind::RemovedFromCart { product }
        | BehaviourKind::ReviewLeft { product, .. } => vec![product],
        BehaviourKind::CategoryViewed { category } => vec![category],
        BehaviourKind::SearchPerformed { query } => vec![query],
        BehaviourKind::TicketOpened { subject } => vec![subject],
        BehaviourKind::MessageOpened { campaign } | BehaviourKind::MessageClicked { campaign } => {
            vec![campaign]
        }
        BehaviourKind::CheckoutStarted => Vec::new(),
    }
}
