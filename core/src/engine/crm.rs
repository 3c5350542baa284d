//! The CRM side of the engine: customer metrics kept from the outbox,
//! stored segments, and the customer facts pricing uses.
//!
//! Metrics are a projection of the outbox: [`Engine::refresh_customer_metrics`]
//! reads the events after its cursor (`projections/customer_metrics`),
//! folds `order_placed` (through the order's customer) and
//! `cart_abandoned` into `customer_metrics/<customer>` documents (and each
//! order's products into the customer's behaviour log, for
//! `purchased(...)`), and saves them with the new cursor in one atomic step, so a refresh that fails or
//! races another one counts nothing twice. Hosts call it after placing
//! orders or on a timer, and must not discard events past its cursor
//! ([`Engine::customer_metrics_cursor`]).

use std::collections::BTreeMap;

use serde_json::json;

use super::behaviour::BEHAVIOUR;
use super::cart::{from_json, to_json};
use super::parsed_customers::ParsedCustomers;
use super::segment_rules::SEGMENTS;
use super::Engine;
use crate::customer::{
    rfm_scores, BehaviourKind, BehaviourLog, Customer, CustomerMetrics, LoggedAction, RfmGroups,
    RfmInput, RfmScore,
};
use crate::error::{Error, Result};
use crate::money::Currency;
use crate::order::{Order, ReturnStatus};
use crate::segment::Segment;
use crate::store::{DocumentWrite, Event, EventKind, Store};

pub(super) const METRICS: &str = "customer_metrics";
pub(super) const INDEX: &str = "customer_index";

/// A customer's orders and open carts, kept by the metrics refresh
/// (`customer_index/<id>`): what the customer view, the export and the
/// erasure start from.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct CustomerIndex {
    /// Order ids, oldest first (the last [`CustomerIndex::MAX_ORDERS`]).
    pub orders: Vec<String>,
    /// Carts created for the customer and not yet ordered or expired.
    pub open_carts: Vec<String>,
    /// Subjects of the support tickets opened (the last
    /// [`CustomerIndex::MAX_TICKETS`]), oldest first.
    pub tickets: Vec<String>,
    /// The customer's own event stream, oldest first (the last
    /// [`CustomerIndex::MAX_TIMELINE`]): behaviour, carts, orders placed
    /// and cancelled, returns, store credit.
    pub timeline: Vec<Event>,
    /// Quotes offered to the customer, oldest first (the last
    /// [`CustomerIndex::MAX_QUOTES`]).
    pub quotes: Vec<String>,
}

impl CustomerIndex {
    /// Quotes one index keeps.
    pub const MAX_QUOTES: usize = 100;
    /// Orders one index keeps.
    pub const MAX_ORDERS: usize = 10_000;
    /// Tickets one index keeps.
    pub const MAX_TICKETS: usize = 100;
    /// Timeline events one index keeps.
    pub const MAX_TIMELINE: usize = 200;

    /// Adds `events` to the timeline in outbox order, keeping the last
    /// [`CustomerIndex::MAX_TIMELINE`].
    pub fn extend_timeline(&mut self, events: impl IntoIterator<Item = Event>) {
        self.timeline.extend(events);
        self.timeline.sort_by_key(|e| e.cursor);
        self.timeline.dedup_by_key(|e| e.cursor);
        let extra = self.timeline.len().saturating_sub(Self::MAX_TIMELINE);
        self.timeline.drain(..extra);
    }
}

/// A customer's groups, segment ids and whether their next order is the
/// first.
pub(super) type PricingAudience = (Vec<String>, Vec<String>, bool);
const PROJECTIONS: &str = "projections";

impl<S: Store> Engine<S> {
    /// The outbox cursor up to which metrics are counted.
    ///
    /// # Errors
    ///
    /// Storage failures.
    pub fn customer_metrics_cursor(&self) -> Result<u64> {
        Ok(self
            .store
            .load(PROJECTIONS, METRICS)?
            .and_then(|d| d.value.to_value().ok()?["cursor"].as_u64())
            .unwrap_or(0))
    }

    /// Folds up to `limit` outbox events after the metrics cursor into the
    /// customers' metrics; returns how many events were read (0: up to
    /// date).
    ///
    /// # Errors
    ///
    /// Storage failures; `concurrent_modification` when another refresh
    /// saved first (nothing is counted twice; call again).
    pub fn refresh_customer_metrics(&self, limit: usize) -> Result<usize> {
        let stored = self.store.load(PROJECTIONS, METRICS)?;
        let cursor = stored
            .as_ref()
            .and_then(|d| d.value.to_value().ok()?["cursor"].as_u64())
            .unwrap_or(0);
        let events = self.store.events_since(cursor, limit)?;
        let Some(last) = events.last().map(|e| e.cursor) else {
            return Ok(0);
        };
        let retention = self.crm_settings()?.behaviour_retention_days;
        let mut touched: BTreeMap<String, (CustomerMetrics, Option<u64>)> = BTreeMap::new();
        let mut logs: BTreeMap<String, (BehaviourLog, Option<u64>)> = BTreeMap::new();
        let mut indexes: BTreeMap<String, (CustomerIndex, Option<u64>)> = BTreeMap::new();
        // Every order (guests' too) feeds the recommendation models once
        // this refresh is saved.
        let mut placed = Vec::new();

        for event in &events {
            // An order event's order, read once for the timeline and the
            // metrics.
            let mut event_order = self.event_order(&event.kind)?;
            if let Some(subject) = timeline_subject(&event.kind, event_order.as_ref()) {
                self.index_entry(&mut indexes, &subject)?
                    .extend_timeline([event.clone()]);
            }
            let (customer, order) = match &event.kind {
                EventKind::OrderPlaced { order, .. } => {
                    let order = event_order.take().ok_or_else(|| Error::UnknownOrder {
                        id: crate::error::shown(order),
                    })?;
                    placed.push(order.clone());
                    match order.customer.clone() {
                        Some(c) => (c, Some(order)),
                        None => continue,
                    }
                }
                EventKind::CartAbandoned {
                    customer: Some(c),
                    cart,
                    ..
                } => {
                    self.index_entry(&mut indexes, c)?
                        .open_carts
                        .retain(|x| x != cart);
                    (c.as_str().to_owned(), None)
                }
                EventKind::BehaviourRecorded {
                    customer: c,
                    behaviour: BehaviourKind::TicketOpened { subject },
                    ..
                } => {
                    let tickets = &mut self.index_entry(&mut indexes, c)?.tickets;
                    tickets.push(subject.as_str().to_owned());
                    let extra = tickets.len().saturating_sub(CustomerIndex::MAX_TICKETS);
                    tickets.drain(..extra);
                    continue;
                }
                EventKind::QuoteChanged {
                    quote, customer, ..
                } => {
                    let quotes = &mut self.index_entry(&mut indexes, customer)?.quotes;
                    if !quotes.iter().any(|q| q.as_str() == quote.as_str()) {
                        quotes.push(quote.as_str().to_owned());
                    }
                    let extra = quotes.len().saturating_sub(CustomerIndex::MAX_QUOTES);
                    quotes.drain(..extra);
                    continue;
                }
                EventKind::CartCreated {
                    customer: Some(c),
                    cart,
                } => {
                    self.index_entry(&mut indexes, c)?
                        .open_carts
                        .push(cart.as_str().to_owned());
                    continue;
                }
                // Cart adds the engine recorded itself enter the log here.
                EventKind::BehaviourRecorded {
                    customer: c,
                    behaviour: BehaviourKind::AddedToCart { product },
                    logged: false,
                    ..
                } => {
                    let entry = self.product_entry(LoggedAction::AddedToCart, product, event.at)?;
                    if !logs.contains_key(c.as_str()) {
                        logs.insert(c.as_str().to_owned(), self.load_log(c)?);
                    }
                    if let Some((log, _)) = logs.get_mut(c.as_str()) {
                        log.push(entry, event.at, retention);
                    }
                    continue;
                }
                EventKind::OrderCancelled { order, .. } => {
                    let order = event_order.take().ok_or_else(|| Error::UnknownOrder {
                        id: crate::error::shown(order),
                    })?;
                    if let Some(c) = &order.customer {
                        let units = order.lines.iter().map(|l| l.qty).sum();
                        self.metrics_entry(&mut touched, c)?
                            .record_cancellation(order.grand_total, units)?;
                    }
                    continue;
                }
                EventKind::OrderEdited {
                    order,
                    total_before,
                    total_after,
                    units_before,
                    units_after,
                } => {
                    let order = event_order.take().ok_or_else(|| Error::UnknownOrder {
                        id: crate::error::shown(order),
                    })?;
                    if let Some(c) = &order.customer {
                        self.metrics_entry(&mut touched, c)?.record_edit(
                            (*total_before, *units_before),
                            (*total_after, *units_after),
                        )?;
                    }
                    continue;
                }
                EventKind::ReturnChanged {
                    customer: Some(c),
                    status,
                    units,
                    ..
                } => {
                    let metrics = self.metrics_entry(&mut touched, c)?;
                    match status {
                        ReturnStatus::Requested => metrics.record_return(*units, true),
                        ReturnStatus::Rejected => metrics.record_return(*units, false),
                        _ => {}
                    }
                    continue;
                }
                _ => continue,
            };
            if let Some(o) = &order {
                let i = self.index_entry(&mut indexes, &customer)?;
                i.open_carts.retain(|x| **x != *o.cart);
                i.orders.push(String::from(&*o.id));
                let extra = i.orders.len().saturating_sub(CustomerIndex::MAX_ORDERS);
                i.orders.drain(..extra);
            }
            let metrics = self.metrics_entry(&mut touched, &customer)?;
            match &order {
                Some(o) => {
                    // As placed: later edits count when their events come.
                    let (total, units) = o.as_placed();
                    metrics.record_order(total, units, o.placed_at)?;
                }
                None => metrics.record_abandoned_cart(),
            }
            // Purchases go into the behaviour log (`purchased(...)`).
            if let Some(o) = order {
                if !logs.contains_key(&customer) {
                    logs.insert(customer.clone(), self.load_log(&customer)?);
                }
                let skus: Vec<&str> = o.lines.iter().map(|l| &*l.sku).collect();
                let mut entries = Vec::new();
                for found in self.store.products_by_skus(&skus)?.into_iter().flatten() {
                    entries.push(self.product_entry(
                        LoggedAction::Purchased,
                        &found.0.id,
                        o.placed_at,
                    )?);
                }
                if let Some((metrics, _)) = touched.get_mut(&customer) {
                    for entry in &entries {
                        metrics.record_categories(&entry.categories);
                    }
                }
                if let Some((log, _)) = logs.get_mut(&customer) {
                    for entry in entries {
                        log.push(entry, o.placed_at, retention);
                    }
                }
            }
        }
        let mut writes = Vec::with_capacity(touched.len() + 1);
        for (customer, (metrics, version)) in touched {
            writes.push(DocumentWrite::new(
                METRICS,
                &customer,
                version,
                to_json(&metrics)?,
            ));
        }
        for (customer, (index, version)) in indexes {
            writes.push(DocumentWrite::new(
                INDEX,
                &customer,
                version,
                to_json(&index)?,
            ));
        }
        for (customer, (log, version)) in logs {
            writes.push(DocumentWrite::new(
                BEHAVIOUR,
                &customer,
                version,
                to_json(&log)?,
            ));
        }
        writes.push(DocumentWrite::new(
            PROJECTIONS,
            METRICS,
            stored.map(|d| d.version),
            json!({ "cursor": last }),
        ));
        self.store.save_all(writes, Vec::new())?;
        self.learn_orders(&placed)?;
        Ok(events.len())
    }

    /// Computes RFM scores over every customer with an order (money in
    /// `currency`, recency at the engine's clock), groups them with
    /// `groups`, and stores each customer's result in their metrics (the
    /// `rfm_group` segment field reads it). Returns the scores.
    ///
    /// Only results that changed are saved, in batches of 256, each
    /// atomically; if a refresh changes one meanwhile the call fails with
    /// `concurrent_modification` and may simply be run again. The metrics
    /// are read from the engine's parsed copies, of which only those whose
    /// document moved since the last evaluation are read again, so running
    /// it often over a large base costs a walk of versions and a sort.
    ///
    /// # Errors
    ///
    /// Storage failures, `concurrent_modification`.
    pub fn compute_rfm(&self, currency: Currency, groups: &RfmGroups) -> Result<Vec<RfmScore>> {
        let now = self.clock.now();
        // The metrics come from the engine's parsed copies, brought up to
        // date first (see `parsed_customers.rs`): only what moved since
        // the last evaluation is read and parsed.
        let mut parsed = self
            .parsed
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        parsed.refresh(&self.store)?;
        let mut scored = Vec::new();
        let inputs: Vec<RfmInput> = parsed
            .all()
            .filter_map(|p| {
                let last = p.metrics.last_order_at?;
                scored.push(p.index);
                Some(RfmInput {
                    customer: p.id.to_owned(),
                    recency_days: u64::try_from(now.0.saturating_sub(last.0) / 86_400_000)
                        .unwrap_or(0),
                    frequency: p.metrics.orders,
                    monetary: p.metrics.total_spent(currency).amount(),
                })
            })
            .collect();
        let scores = rfm_scores(&inputs, groups);
        // Each entry's new result: its score, or none without an order.
        let mut results: Vec<Option<&RfmScore>> = vec![None; parsed.len()];
        for (i, score) in scored.into_iter().zip(&scores) {
            results[i] = Some(score);
        }
        let mut batch: Vec<(usize, CustomerMetrics)> = Vec::new();
        for (i, result) in results.into_iter().enumerate() {
            let entry = parsed.get(i);
            if entry.metrics.rfm.as_ref() == result {
                continue;
            }
            let mut metrics = entry.metrics.clone();
            metrics.rfm = result.cloned();
            batch.push((i, metrics));
            if batch.len() == 256 {
                self.save_rfm(&mut parsed, std::mem::take(&mut batch))?;
            }
        }
        if !batch.is_empty() {
            self.save_rfm(&mut parsed, batch)?;
        }
        Ok(scores)
    }

    /// Saves one batch of metrics with their new RFM result, atomically,
    /// and keeps the saved copies and versions in `parsed`.
    fn save_rfm(
        &self,
        parsed: &mut ParsedCustomers,
        batch: Vec<(usize, CustomerMetrics)>,
    ) -> Result<()> {
        let writes = batch
            .iter()
            .map(|(i, metrics)| {
                let entry = parsed.get(*i);
                Ok(DocumentWrite {
                    collection: METRICS.into(),
                    id: entry.id.into(),
                    expected: entry.metrics_version,
                    value: to_json(metrics)?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let versions = self.store.save_all(writes, Vec::new())?;
        for ((i, metrics), version) in batch.into_iter().zip(versions) {
            parsed.saved_metrics(i, metrics, version);
        }
        Ok(())
    }

    /// The orders and open carts of customer `id` as last refreshed.
    ///
    /// # Errors
    ///
    /// Storage failures.
    pub fn customer_index(&self, id: &str) -> Result<CustomerIndex> {
        Ok(self.load_index(id)?.0)
    }

    /// The order an order event names (none for other events, or an
    /// order no longer stored).
    fn event_order(&self, kind: &EventKind) -> Result<Option<Order>> {
        match kind {
            EventKind::OrderPlaced { order, .. }
            | EventKind::OrderCancelled { order, .. }
            | EventKind::OrderEdited { order, .. }
            | EventKind::OrderFulfilled { order, .. }
            | EventKind::PaymentRefunded { order, .. } => match self.order(order) {
                Ok((o, _)) => Ok(Some(o)),
                Err(Error::UnknownOrder { .. }) => Ok(None),
                Err(e) => Err(e),
            },
            _ => Ok(None),
        }
    }

    fn metrics_entry<'m>(
        &self,
        touched: &'m mut BTreeMap<String, (CustomerMetrics, Option<u64>)>,
        customer: &str,
    ) -> Result<&'m mut CustomerMetrics> {
        if !touched.contains_key(customer) {
            let current = match self.store.load(METRICS, customer)? {
                Some(doc) => (from_json("customer metrics", doc.value)?, Some(doc.version)),
                None => (CustomerMetrics::default(), None),
            };
            touched.insert(customer.to_owned(), current);
        }
        touched
            .get_mut(customer)
            .map(|(metrics, _)| metrics)
            .ok_or_else(|| Error::Storage {
                reason: "customer metrics vanished".into(),
            })
    }

    fn index_entry<'m>(
        &self,
        indexes: &'m mut BTreeMap<String, (CustomerIndex, Option<u64>)>,
        customer: &str,
    ) -> Result<&'m mut CustomerIndex> {
        if !indexes.contains_key(customer) {
            let loaded = self.load_index(customer)?;
            indexes.insert(customer.to_owned(), loaded);
        }
        indexes
            .get_mut(customer)
            .map(|(index, _)| index)
            .ok_or_else(|| Error::Storage {
                reason: "customer index vanished".into(),
            })
    }

    pub(super) fn load_index(&self, id: &str) -> Result<(CustomerIndex, Option<u64>)> {
        Ok(match self.store.load(INDEX, id)? {
            Some(doc) => (from_json("customer index", doc.value)?, Some(doc.version)),
            None => (CustomerIndex::default(), None),
        })
    }

    /// The metrics of customer `id` as last refreshed (empty when none).
    ///
    /// # Errors
    ///
    /// Storage failures.
    pub fn customer_metrics(&self, id: &str) -> Result<CustomerMetrics> {
        match self.store.load(METRICS, id)? {
            Some(doc) => from_json("customer metrics", doc.value),
            None => Ok(CustomerMetrics::default()),
        }
    }

    /// Stores the segment `id` with `rule` (replacing an earlier rule);
    /// promotions and price lists name it in their audience.
    ///
    /// # Errors
    ///
    /// `invalid_segment_rule` (nothing stored), `invalid_field` for a bad
    /// id, storage failures.
    pub fn put_segment(&self, id: &str, rule: &str) -> Result<Segment> {
        crate::catalog::limits::text("segment", "id", id, 64)?;
        let segment = Segment::parse(rule)?;
        let expected = self.store.load(SEGMENTS, id)?.map(|d| d.version);
        self.store.save(
            SEGMENTS,
            id,
            expected,
            json!({ "rule": segment.text() }).into(),
            Vec::new(),
        )?;
        Ok(segment)
    }

    /// Every stored segment, by id.
    ///
    /// # Errors
    ///
    /// Storage failures; `invalid_segment_rule` for a stored rule this
    /// build cannot read.
    pub fn segments(&self) -> Result<Vec<(String, Segment)>> {
        Ok(self
            .segment_rules()?
            .iter()
            .map(|s| (s.id.clone(), s.rule.clone()))
            .collect())
    }

    /// The ids of the stored segments customer `id` is in, with money
    /// compared in `currency` and behaviour conditions (`viewed(...)`)
    /// counted in their behaviour log.
    ///
    /// # Errors
    ///
    /// `unknown_customer`, storage failures.
    pub fn customer_segments(&self, id: &str, currency: Currency) -> Result<Vec<String>> {
        let (profile, _) = self.customer(id)?;
        self.segments_of(&profile, currency)
    }

    fn segments_of(&self, profile: &Customer, currency: Currency) -> Result<Vec<String>> {
        let segments = self.segment_rules()?;
        if segments.is_empty() {
            return Ok(Vec::new());
        }
        let metrics = self.customer_metrics(&profile.id)?;
        let now = self.clock.now();
        let stage = metrics.stage(&self.crm_settings()?.lifecycle(), now);
        let facts = metrics.facts(profile, currency, now, stage);
        // The log is read only when some rule counts behaviour.
        let log = if segments.iter().any(|s| s.rule.uses_behaviour()) {
            self.behaviour_log(&profile.id)?
        } else {
            BehaviourLog::default()
        };
        let behaviour = log.at(now);
        Ok(segments
            .iter()
            .filter(|s| s.rule.matches(&facts, &behaviour))
            .map(|s| s.id.clone())
            .collect())
    }

    /// The groups, segments and first-order flag pricing uses for the
    /// customer `id` (none for an id without a profile).
    pub(super) fn pricing_audience(
        &self,
        id: &str,
        currency: Currency,
    ) -> Result<Option<PricingAudience>> {
        self.stored_customer(id)?
            .map(|(profile, _)| self.audience_of(&profile, currency))
            .transpose()
    }

    /// What pricing knows of the loaded customer `profile`: its groups,
    /// segments and whether it has never ordered.
    pub(super) fn audience_of(
        &self,
        profile: &Customer,
        currency: Currency,
    ) -> Result<PricingAudience> {
        let segments = self.segments_of(profile, currency)?;
        let first = self.customer_metrics(&profile.id)?.orders == 0;
        Ok((profile.groups.clone(), segments, first))
    }
}

/// The customer (or anonymous id) an event belongs to, if any; `order` is
/// the order an order event names ([`Engine::event_order`]).
fn timeline_subject(kind: &EventKind, order: Option<&Order>) -> Option<String> {
    match kind {
        EventKind::BehaviourRecorded { customer, .. }
        | EventKind::StoreCreditChanged { customer, .. }
        | EventKind::QuoteChanged { customer, .. } => Some(customer.as_str().to_owned()),
        EventKind::CartCreated { customer, .. }
        | EventKind::CartAbandoned { customer, .. }
        | EventKind::ReturnChanged { customer, .. } => customer.as_deref().map(str::to_owned),
        _ => order.and_then(|o| o.customer.clone()),
    }
}
