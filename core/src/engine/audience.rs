//! Segment membership over the whole customer base, and marketing
//! audiences that honour consent.

use super::cart::from_json;
use super::customer::CUSTOMERS;
use super::parsed_customers::Parsed;
use super::Engine;
use crate::customer::{Channel, Customer};
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

    /// Freezes segment `segment`'s members, as of now, into customer group
    /// `group`: every member gets the group and every other customer
    /// holding it loses it. The group is then a static segment: rules
    /// (`group = "..."`), pricing audiences and price-list scopes read it,
    /// and it does not move until the next snapshot. Each customer's
    /// profile is saved on its own (versioned, retried on a conflict); a
    /// snapshot cut short is finished by running it again. Returns the
    /// number of members.
    ///
    /// # Errors
    ///
    /// `unknown_segment`, `invalid_field` for an empty or over-long group
    /// name, storage failures.
    ///
    /// # Examples
    ///
    /// ```
    /// use kassa::Currency;
    /// let engine = kassa::engine::Engine::in_memory();
    /// let (ada, _) = engine.create_customer(|c| { c.tags.push("vip".into()); Ok(()) })?;
    /// engine.put_segment("vips", r#"tag = "vip""#)?;
    /// assert_eq!(engine.snapshot_segment("vips", "vips-2026-12", Currency::EUR)?, 1);
    /// engine.update_customer(&ada.id, 2, |c| { c.tags.clear(); Ok(()) })?;
    /// // The dynamic segment moved; the snapshot did not.
    /// assert!(engine.segment_members("vips", Currency::EUR)?.is_empty());
    /// engine.put_segment("december_vips", r#"group = "vips-2026-12""#)?;
    /// assert_eq!(engine.segment_members("december_vips", Currency::EUR)?, [ada.id]);
    /// # Ok::<(), kassa::Error>(())
    /// ```
    pub fn snapshot_segment(
        &self,
        segment: &str,
        group: &str,
        currency: Currency,
    ) -> Result<usize> {
        crate::catalog::limits::text("segment", "group", group, 64)?;
        let members = self.segment_members(segment, currency)?;
        self.each_document(CUSTOMERS, |id, doc| {
            let profile: Customer = from_json("customer", doc.value)?;
            let member = members.binary_search(&id).is_ok();
            if member != profile.groups.iter().any(|g| g == group) {
                self.set_group(&id, group, member)?;
            }
            Ok(())
        })?;
        Ok(members.len())
    }

    /// Adds (`member`) or removes `group` on customer `id`, retrying
    /// concurrent changes of the profile.
    fn set_group(&self, id: &str, group: &str, member: bool) -> Result<()> {
        for _ in 0..16 {
            let (_, version) = self.customer(id)?;
            let result = self.update_customer(id, version, |c| {
                c.groups.retain(|g| g != group);
                if member {
                    c.groups.push(group.to_owned());
                }
                Ok(())
            });
            match result {
                Err(Error::ConcurrentModification { .. }) => continue,
                other => return other.map(|_| ()),
            }
        }
        Err(Error::ConcurrentModification {
            entity: format!("{CUSTOMERS}/{}", shown(id)),
            expected: None,
            current: None,
        })
    }

    fn segment(&self, id: &str) -> Result<Segment> {
        let rules = self.segment_rules()?;
        let found = rules.binary_search_by(|s| s.id.as_str().cmp(id));
        match found.ok().and_then(|i| rules.get(i)) {
            Some(stored) => Ok(stored.rule.clone()),
            None => Err(Error::UnknownSegment { id: shown(id) }),
        }
    }

    fn members(
        &self,
        rule: &Segment,
        currency: Currency,
        admit: impl Fn(&Customer) -> bool,
    ) -> Result<Vec<String>> {
        let now = self.clock.now();
        let policy = self.crm_settings()?.lifecycle();
        let needs_log = rule.uses_behaviour();
        let mut parsed = self
            .parsed
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        parsed.refresh(&self.store)?;
        let mut out = Vec::new();
        for Parsed {
            id,
            profile,
            metrics,
            ..
        } in parsed.all()
        {
            let Some(profile) = profile else {
                continue;
            };
            if profile.erased_at.is_some() || !admit(profile) {
                continue;
            }
            let stage = metrics.stage(&policy, now);
            let facts = metrics.facts(profile, currency, now, stage);
            let member = if needs_log {
                rule.matches(&facts, &self.behaviour_log(id)?.at(now))
            } else {
                rule.matches(&facts, &crate::segment::NoBehaviour)
            };
            if member {
                out.push(id.to_string());
            }
        }
        Ok(out)
    }
}
