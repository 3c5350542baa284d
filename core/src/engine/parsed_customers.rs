//! Every customer's profile and metrics, parsed, kept by the engine between
//! segment evaluations and brought up to date from the store's document
//! versions.
//!
//! An evaluation over the whole base must see every change, wherever it
//! was made (another engine on the same database included), so it asks the
//! store for the version of every profile and metrics document. It does not
//! read or parse the documents whose version it already holds: a version
//! walk touches ids and numbers only, in id order, merged with the parsed
//! copies kept in the same order.

use super::cart::from_json;
use super::crm::METRICS;
use super::customer::CUSTOMERS;
use crate::customer::{Customer, CustomerMetrics};
use crate::error::Result;
use crate::store::Store;

/// Ids and versions read per store call.
const PAGE: usize = 1024;

/// Parsed profiles and metrics, sorted by customer id.
#[derive(Debug, Default)]
pub(super) struct ParsedCustomers {
    entries: Vec<Parsed>,
}

/// One customer as last read.
#[derive(Debug)]
pub(super) struct Parsed {
    pub(super) id: Box<str>,
    profile_version: u64,
    metrics_version: Option<u64>,
    pub(super) profile: Customer,
    pub(super) metrics: CustomerMetrics,
}

impl ParsedCustomers {
    /// Every customer, in id order, as of the last [`ParsedCustomers::refresh`].
    pub(super) fn all(&self) -> &[Parsed] {
        &self.entries
    }

    /// Brings every entry up to date with `store`: walks the versions of
    /// the profiles and the metrics, then reads and parses only the
    /// customers whose profile or metrics moved (or who are new).
    ///
    /// # Errors
    ///
    /// Storage failures, `corrupt_data` for a document that does not parse.
    pub(super) fn refresh<S: Store>(&mut self, store: &S) -> Result<()> {
        let mut stale: Vec<Box<str>> = Vec::new();
        let mut profile_seen = vec![false; self.entries.len()];
        let mut metrics_seen = vec![false; self.entries.len()];
        let entries = &self.entries;
        // Profiles: a new id, or a version other than the one parsed.
        walk(store, CUSTOMERS, |cursor, id, version| {
            match at(entries, cursor, id) {
                Some(i) => {
                    profile_seen[i] = true;
                    if entries[i].profile_version != version {
                        stale.push(id.into());
                    }
                }
                None => stale.push(id.into()),
            }
        })?;
        // Metrics: a version other than the one parsed. Metrics of a
        // customer not parsed yet come with that customer.
        walk(store, METRICS, |cursor, id, version| {
            if let Some(i) = at(entries, cursor, id) {
                metrics_seen[i] = true;
                if entries[i].metrics_version != Some(version) {
                    stale.push(id.into());
                }
            }
        })?;
        for (i, entry) in entries.iter().enumerate() {
            if entry.metrics_version.is_some() && !metrics_seen[i] {
                stale.push(entry.id.clone());
            }
        }
        if stale.is_empty() && profile_seen.iter().all(|seen| *seen) {
            return Ok(());
        }
        stale.sort_unstable();
        stale.dedup();
        // Customers no longer stored leave (there is no delete today, but a
        // copy must never outlive its document).
        let mut seen = profile_seen.into_iter();
        self.entries.retain(|_| seen.next().unwrap_or(false));
        let mut new = Vec::new();
        for id in &stale {
            let place = self.entries.binary_search_by(|e| (*e.id).cmp(id));
            let Some(profile) = store.load(CUSTOMERS, id)? else {
                if let Ok(i) = place {
                    self.entries.remove(i);
                }
                continue;
            };
            let metrics = store.load(METRICS, id)?;
            let parsed = Parsed {
                id: id.clone(),
                profile_version: profile.version,
                metrics_version: metrics.as_ref().map(|m| m.version),
                profile: from_json("customer", profile.value)?,
                metrics: match metrics {
                    Some(m) => from_json("customer metrics", m.value)?,
                    None => CustomerMetrics::default(),
                },
            };
            match place {
                Ok(i) => self.entries[i] = parsed,
                Err(_) => new.push(parsed),
            }
        }
        // New customers are merged in (both runs sorted by id).
        if !new.is_empty() {
            self.entries = merge(std::mem::take(&mut self.entries), new);
        }
        Ok(())
    }
}

/// Where `id` is among `entries`, moving `cursor` forward past smaller ids
/// (ids arrive in increasing order).
fn at(entries: &[Parsed], cursor: &mut usize, id: &str) -> Option<usize> {
    while let Some(entry) = entries.get(*cursor) {
        match (*entry.id).cmp(id) {
            std::cmp::Ordering::Less => *cursor += 1,
            std::cmp::Ordering::Equal => return Some(*cursor),
            std::cmp::Ordering::Greater => return None,
        }
    }
    None
}

/// Visits the id and version of every document of `collection`, in id
/// order, with a cursor into the parsed entries that the visitor moves.
fn walk<S: Store>(
    store: &S,
    collection: &str,
    mut visit: impl FnMut(&mut usize, &str, u64),
) -> Result<()> {
    let mut cursor = 0;
    let mut last = String::new();
    let mut started = false;
    loop {
        let after = started.then_some(last.as_str()).map(str::to_owned);
        let visited = store.scan_versions(collection, after.as_deref(), PAGE, &mut |id, v| {
            visit(&mut cursor, id, v);
            last.clear();
            last.push_str(id);
        })?;
        started = true;
        if visited < PAGE {
            return Ok(());
        }
    }
}

/// Two id-sorted runs of entries merged into one.
fn merge(kept: Vec<Parsed>, fresh: Vec<Parsed>) -> Vec<Parsed> {
    let mut out = Vec::with_capacity(kept.len() + fresh.len());
    let mut fresh = fresh.into_iter().peekable();
    for entry in kept {
        while let Some(next) = fresh.next_if(|f| f.id < entry.id) {
            out.push(next);
        }
        out.push(entry);
    }
    out.extend(fresh);
    out
}
