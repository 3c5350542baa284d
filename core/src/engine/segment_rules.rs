//! The stored segment rules, parsed once per version: checking one
//! customer against every segment (pricing does it for each customer cart)
//! must not parse fifty rules each time.

use std::sync::Arc;

use super::parsed_customers::walk;
use super::Engine;
use crate::error::Result;
use crate::segment::Segment;
use crate::store::Store;

/// Where segment rules are stored (document `rule`: the rule's text).
pub(super) const SEGMENTS: &str = "segments";

/// One stored segment, parsed.
#[derive(Debug)]
pub(super) struct StoredSegment {
    pub(super) id: String,
    version: u64,
    pub(super) rule: Segment,
}

/// The rules as last parsed, in id order.
pub(super) type SegmentRules = Arc<Vec<StoredSegment>>;

impl<S: Store> Engine<S> {
    /// Every stored segment, parsed, in id order. The versions of the
    /// stored rules are checked on every call (a rule saved by another
    /// engine is seen at once); a rule is parsed again only when its
    /// version moved.
    ///
    /// # Errors
    ///
    /// Storage failures, `invalid_segment` for a stored rule that no
    /// longer parses.
    pub(super) fn segment_rules(&self) -> Result<SegmentRules> {
        let held = Arc::clone(
            &self
                .segment_rules
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner),
        );
        let mut same = true;
        let mut count = 0;
        walk(&self.store, SEGMENTS, |_, id, version| {
            same &= held
                .get(count)
                .is_some_and(|s| s.version == version && s.id == id);
            count += 1;
        })?;
        if same && count == held.len() {
            return Ok(held);
        }
        let mut rules = Vec::with_capacity(count);
        self.each_document(SEGMENTS, |id, doc| {
            let kept = held
                .binary_search_by(|s| s.id.as_str().cmp(&id))
                .ok()
                .filter(|&i| held[i].version == doc.version);
            let rule = match kept {
                Some(i) => held[i].rule.clone(),
                None => Segment::parse(doc.value.to_value()?["rule"].as_str().unwrap_or_default())?,
            };
            rules.push(StoredSegment {
                id,
                version: doc.version,
                rule,
            });
            Ok(())
        })?;
        let rules = Arc::new(rules);
        *self
            .segment_rules
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Arc::clone(&rules);
        Ok(rules)
    }
}
