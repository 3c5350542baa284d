//! The customer 360 view: what a sales or service rep needs on one
//! screen, in one call.

use std::sync::Arc;

use serde::Serialize;

use super::Engine;
use crate::cart::Cart;
use crate::customer::{Customer, CustomerMetrics, LogEntry, StoreCredit};
use crate::error::Result;
use crate::money::Currency;
use crate::order::{Order, ReturnRequest};
use crate::store::Store;

/// Recent items each list of the view holds at most.
pub const VIEW_RECENT: usize = 20;

/// One customer on one screen (see [`Engine::customer_view`]).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CustomerView {
    /// The profile (consent included).
    pub profile: Customer,
    /// Its version.
    pub version: u64,
    /// Metrics as last refreshed (RFM included once computed).
    pub metrics: CustomerMetrics,
    /// The lifecycle stage name.
    pub stage: &'static str,
    /// Overdue by their own rhythm ([`CustomerMetrics::churn_risk`]).
    pub churn_risk: bool,
    /// When the next order is expected, if they have a rhythm.
    pub predicted_next_order: Option<crate::pricing::Timestamp>,
    /// The three categories they bought most in.
    pub favourite_categories: Vec<(String, u64)>,
    /// Ids of the stored segments the customer is in.
    pub segments: Vec<String>,
    /// The latest countable behaviour (views, cart adds, purchases),
    /// newest first.
    pub recent_behaviour: Vec<LogEntry>,
    /// Open carts.
    pub open_carts: Vec<Cart>,
    /// The latest orders, newest first.
    pub orders: Vec<Order>,
    /// The returns of those orders, newest first.
    pub returns: Vec<ReturnRequest>,
    /// Store credit owed to them.
    pub store_credit: StoreCredit,
    /// Support tickets opened (subjects), newest first.
    pub tickets: Vec<String>,
    /// The customer's latest events (behaviour, carts, orders, returns,
    /// store credit), newest first.
    pub recent_events: Vec<crate::store::Event>,
    /// Quotes offered to them and still open (not accepted, withdrawn or
    /// expired), newest first.
    pub open_quotes: Vec<crate::cart::Quote>,
}

impl<S: Store> Engine<S> {
    /// The 360 view of customer `id`, money in `currency`. Orders, carts
    /// and metrics are as of the last [`Engine::refresh_customer_metrics`].
    ///
    /// # Errors
    ///
    /// `unknown_customer`, storage failures.
    pub fn customer_view(&self, id: &str, currency: Currency) -> Result<CustomerView> {
        let (profile, version) = self.customer(id)?;
        let metrics = self.customer_metrics(id)?;
        let now = self.clock.now();
        let stage = metrics.stage(&self.crm_settings()?.lifecycle(), now);
        let segments = self.customer_segments(id, currency)?;
        let log = self.behaviour_log(id)?;
        let recent_behaviour = log
            .entries
            .iter()
            .rev()
            .take(VIEW_RECENT)
            .cloned()
            .collect();
        let index = self.customer_index(id)?;
        let mut open_carts = Vec::new();
        for cart in index.open_carts.iter().rev().take(VIEW_RECENT) {
            if let Ok((c, _)) = self.cart(cart) {
                open_carts.push(Arc::unwrap_or_clone(c));
            }
        }
        let mut orders = Vec::new();
        for order in index.orders.iter().rev().take(VIEW_RECENT) {
            orders.push(self.order(order)?.0);
        }
        let mut returns = Vec::new();
        for order in &orders {
            for ret in order.returns.iter().rev() {
                returns.push(self.return_request(ret)?.0);
            }
        }
        let mut open_quotes = Vec::new();
        for quote in index.quotes.iter().rev() {
            let (q, _) = self.quote(quote)?;
            if q.status_at(now) == crate::cart::QuoteStatus::Open {
                open_quotes.push(q);
            }
        }
        let recent_events = index
            .timeline
            .iter()
            .rev()
            .take(VIEW_RECENT)
            .cloned()
            .collect();
        let tickets = index
            .tickets
            .iter()
            .rev()
            .take(VIEW_RECENT)
            .cloned()
            .collect();
        Ok(CustomerView {
            profile,
            version,
            churn_risk: metrics.churn_risk(now),
            predicted_next_order: metrics.predicted_next_order(),
            favourite_categories: metrics.favourite_categories(3),
            metrics,
            stage,
            segments,
            recent_behaviour,
            open_carts,
            orders,
            returns,
            store_credit: self.store_credit(id)?,
            tickets,
            recent_events,
            open_quotes,
        })
    }
}
