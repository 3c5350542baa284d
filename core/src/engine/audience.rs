//! Segment membership over the whole customer base, and marketing
//! audiences that honour consent.

use super::cart::from_json;
use super::customer::CUSTOMERS;
use super::Engine;
use crate::customer::{Channel, Customer, LifecyclePolicy};
use crate::error::{shown, Error, Result};
use crate::money::Currency;
use crate::segment::Segment;
use crate::store::Store;

impl<S: Store> Engine<S> {
    /// The ids of every customer in segment `segment` (money in
    /// `currency`), in id order. Erased customers are never members.
    ///
    /// # Errors
    ///
    /// `unknown_segment`, storage failures.
    pub fn segment_members(&self, segment: &str, currency: Currency) -> Result<Vec<String>> {
        let rule = self.segment(segment)?;
        self.members(&rule, currency, |_| true)
    }

    /// The customers of segment `segment` who may be sent marketing on
    /// `channel` (consent granted, confirmed for double opt-in), in id
    /// order: what a campaign may target.
    ///
    /// # Errors
    ///
    /// `unknown_segment`, storage failures.
    pub fn marketing_audience(
        &self,
        segment: &str,
        channel: Channel,
        currency: Currency,
    ) -> Result<Vec<String>> {
        let rule = self.segment(segment)?;
        self.members(&rule, currency, |c| c.consent.allows(channel))
    }

    fn segment(&self, id: &str) -> Result<Segment> {
        let doc = self
            .store
            .load("segments", id)?
            .ok_or_else(|| Error::UnknownSegment { id: shown(id) })?;
        Segment::parse(doc.value["rule"].as_str().unwrap_or_default())
    }

    fn members(
        &self,
        rule: &Segment,
        currency: Currency,
        admit: impl Fn(&Customer) -> bool,
    ) -> Result<Vec<String>> {
        let now = self.clock.now();
        let policy = LifecyclePolicy::default();
        let mut out = Vec::new();
        let mut after: Option<String> = None;
        loop {
            let page = self.store.scan(CUSTOMERS, after.as_deref(), 512)?;
            let Some((last, _)) = page.last() else { break };
            after = Some(last.clone());
            for (id, doc) in page {
                let profile: Customer = from_json("customer", doc.value)?;
                if profile.erased_at.is_some() || !admit(&profile) {
                    continue;
                }
                let metrics = self.customer_metrics(&id)?;
                let stage = metrics.stage(&policy, now);
                let facts = metrics.facts(&profile, currency, now, stage);
                let log = self.behaviour_log(&id)?;
                if rule.matches(&facts, &log.at(now)) {
                    out.push(id);
                }
            }
        }
        Ok(out)
    }
}
