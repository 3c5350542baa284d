//! One person, one profile: an anonymous visitor's history joins the
//! customer at sign-up or login, and duplicate profiles are merged.
//!
//! Both move the behaviour log, the metrics and the index (orders, open
//! carts, tickets) of the id merged away into the customer, and empty them
//! at the source, in one atomic step with a `customers_merged` event: a
//! second merge of the same ids finds nothing left to move, so nothing is
//! lost and nothing counted twice. Events already in the outbox keep the
//! id they were recorded under.

use super::behaviour::BEHAVIOUR;
use super::cart::to_json;
use super::crm::{CustomerIndex, INDEX, METRICS};
use super::customer::{claim_write, CUSTOMERS};
use super::Engine;
use crate::customer::{BehaviourLog, Customer, CustomerMetrics};
use crate::error::{shown, Result};
use crate::store::{DocumentWrite, EventKind, Store};

impl<S: Store> Engine<S> {
    /// Moves what was recorded under the anonymous id `anonymous` (its
    /// behaviour log, metrics, orders, open carts and tickets) to customer
    /// `customer`. Running it again moves nothing.
    ///
    /// # Errors
    ///
    /// `unknown_customer`; `invalid_field` when both ids are the same;
    /// `concurrent_modification` when something changed meanwhile (nothing
    /// is written; call again); storage failures.
    pub fn merge_anonymous(&self, anonymous: &str, customer: &str) -> Result<()> {
        let (profile, _) = self.customer(customer)?;
        if anonymous == profile.id {
            return Err(crate::catalog::limits::invalid(
                "merge",
                "anonymous",
                "is the customer itself".into(),
            ));
        }
        let writes = self.move_history(anonymous, customer)?;
        self.finish_merge(writes, anonymous, customer)
    }

    /// Merges the duplicate profile `absorbed` into `kept`: addresses
    /// (ids `kept` lacks), tags, groups, attributes and notes join `kept`
    /// (with an audit note by `author`), so do the email and phone when
    /// `kept` has none, and the history (behaviour, metrics, orders,
    /// carts, tickets, quotes). The orders and quotes of `absorbed` are
    /// re-pointed to `kept`.
    /// `absorbed` keeps its id with `merged_into` set and nothing personal.
    ///
    /// # Errors
    ///
    /// `unknown_customer`; `invalid_field` for the same id twice or an
    /// already merged profile; `concurrent_modification` (nothing is
    /// written; call again); storage failures.
    pub fn merge_customers(&self, kept: &str, absorbed: &str, author: &str) -> Result<Customer> {
        let (mut keep, keep_version) = self.customer(kept)?;
        let (gone, gone_version) = self.customer(absorbed)?;
        if keep.id == gone.id || gone.merged_into.is_some() || keep.merged_into.is_some() {
            return Err(crate::catalog::limits::invalid(
                "merge",
                CUSTOMERS,
                format!(
                    "{} into {} is not a merge of two live profiles",
                    shown(absorbed),
                    shown(kept)
                ),
            ));
        }
        let now = self.clock.now();
        for a in &gone.addresses {
            if !keep.addresses.iter().any(|k| k.id == a.id) {
                keep.addresses.push(a.clone());
            }
        }
        for (mine, theirs) in [
            (&mut keep.tags, &gone.tags),
            (&mut keep.groups, &gone.groups),
        ] {
            for t in theirs {
                if !mine.contains(t) {
                    mine.push(t.clone());
                }
            }
        }
        for (code, value) in gone.attributes.iter() {
            if keep.attributes.get(code).is_none() {
                keep.attributes.insert(code.to_owned(), value.clone());
            }
        }
        keep.notes.extend(gone.notes.iter().cloned());
        keep.add_note(
            author,
            &format!("merged duplicate profile {}", gone.id),
            now,
        )?;
        let mut writes = Vec::new();
        if keep.email.is_none() {
            if let Some(email) = &gone.email {
                keep.email = Some(email.clone());
                let (_, version) = self.email_owner(&email.key())?;
                writes.push(claim_write(&email.key(), version, Some(&keep.id)));
            }
        } else if let Some(email) = &gone.email {
            let (_, version) = self.email_owner(&email.key())?;
            writes.push(claim_write(&email.key(), version, None));
        }
        if keep.phone.is_none() {
            keep.phone = gone.phone.clone();
        }
        keep.validate()?;
        let mut tombstone = Customer::new(gone.id.clone(), gone.created_at);
        tombstone.merged_into = Some(keep.id.clone());
        writes.push(DocumentWrite::new(
            CUSTOMERS,
            kept,
            Some(keep_version),
            to_json(&keep)?,
        ));
        writes.push(DocumentWrite::new(
            CUSTOMERS,
            absorbed,
            Some(gone_version),
            to_json(&tombstone)?,
        ));
        let their_index = self.customer_index(absorbed)?;
        for order_id in &their_index.orders {
            let (mut order, version) = self.order(order_id)?;
            order.customer = Some(keep.id.clone());
            writes.push(DocumentWrite::new(
                "orders",
                order_id,
                Some(version),
                to_json(&order)?,
            ));
        }
        // Their quotes are offered to the kept profile from now on.
        for quote_id in &their_index.quotes {
            let (mut quote, version) = self.quote(quote_id)?;
            quote.customer = keep.id.clone();
            writes.push(DocumentWrite::new(
                super::quotes::QUOTES,
                quote_id,
                Some(version),
                to_json(&quote)?,
            ));
        }
        writes.extend(self.move_history(absorbed, kept)?);
        self.finish_merge(writes, absorbed, kept)?;
        Ok(keep)
    }

    /// Other live profiles that look like the same person as `id`: the
    /// same phone, or the same name (ignoring case) with the same default
    /// shipping postal code and country.
    ///
    /// # Errors
    ///
    /// `unknown_customer`, storage failures.
    pub fn find_duplicates(&self, id: &str) -> Result<Vec<String>> {
        let (me, _) = self.customer(id)?;
        let place = |c: &Customer| {
            c.shipping_address()
                .map(|a| (a.postal_code.to_lowercase(), a.country.clone()))
        };
        let mut out = Vec::new();
        self.each_document(CUSTOMERS, |other_id, doc| {
            if other_id == me.id {
                return Ok(());
            }
            let other: Customer = super::cart::from_json("customer", doc.value)?;
            if other.merged_into.is_some() || other.erased_at.is_some() {
                return Ok(());
            }
            let same_phone = me.phone.is_some() && me.phone == other.phone;
            let same_person = !me.name.is_empty()
                && me.name.to_lowercase() == other.name.to_lowercase()
                && place(&me).is_some()
                && place(&me) == place(&other);
            if same_phone || same_person {
                out.push(other_id);
            }
            Ok(())
        })?;
        Ok(out)
    }

    /// The writes that move `from`'s log, metrics and index into `into`'s
    /// and empty `from`'s (none when `from` has nothing).
    fn move_history(&self, from: &str, into: &str) -> Result<Vec<DocumentWrite>> {
        let mut writes = Vec::new();
        let (their_log, their_log_v) = self.load_log(from)?;
        if !their_log.entries.is_empty() {
            let (mut log, v) = self.load_log(into)?;
            log.absorb(&their_log);
            writes.push(DocumentWrite::new(BEHAVIOUR, into, v, to_json(&log)?));
            writes.push(DocumentWrite::new(
                BEHAVIOUR,
                from,
                their_log_v,
                to_json(&BehaviourLog::default())?,
            ));
        }
        let theirs = self.store.load(METRICS, from)?;
        if let Some(doc) = theirs {
            let their_metrics: CustomerMetrics =
                super::cart::from_json("customer metrics", doc.value)?;
            if their_metrics != CustomerMetrics::default() {
                let mine = self.store.load(METRICS, into)?;
                let (mut metrics, v) = match mine {
                    Some(d) => (
                        super::cart::from_json::<CustomerMetrics>("customer metrics", d.value)?,
                        Some(d.version),
                    ),
                    None => (CustomerMetrics::default(), None),
                };
                metrics.absorb(&their_metrics)?;
                writes.push(DocumentWrite::new(METRICS, into, v, to_json(&metrics)?));
                writes.push(DocumentWrite::new(
                    METRICS,
                    from,
                    Some(doc.version),
                    to_json(&CustomerMetrics::default())?,
                ));
            }
        }
        let (their_index, their_index_v) = self.load_index(from)?;
        if their_index != CustomerIndex::default() {
            let (mut index, v) = self.load_index(into)?;
            index.orders.extend(their_index.orders.iter().cloned());
            for cart in &their_index.open_carts {
                if !index.open_carts.contains(cart) {
                    index.open_carts.push(cart.clone());
                }
            }
            index.tickets.extend(their_index.tickets.iter().cloned());
            for quote in &their_index.quotes {
                if !index.quotes.contains(quote) {
                    index.quotes.push(quote.clone());
                }
            }
            index.extend_timeline(their_index.timeline.iter().cloned());
            writes.push(DocumentWrite::new(INDEX, into, v, to_json(&index)?));
            writes.push(DocumentWrite::new(
                INDEX,
                from,
                their_index_v,
                to_json(&CustomerIndex::default())?,
            ));
        }
        Ok(writes)
    }

    fn finish_merge(&self, writes: Vec<DocumentWrite>, from: &str, into: &str) -> Result<()> {
        if writes.is_empty() {
            return Ok(());
        }
        let event = self.event(EventKind::CustomersMerged {
            from: from.into(),
            into: into.into(),
        });
        self.store.save_all(writes, vec![event])?;
        Ok(())
    }
}
