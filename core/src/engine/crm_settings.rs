//! The shop's CRM settings: how long behaviour is kept and when a
//! customer counts as lapsed. Stored (`settings/crm`), so every app server
//! sharing a database applies the same ones.

use serde::{Deserialize, Serialize};

use super::cart::{from_json, to_json};
use super::Engine;
use crate::customer::LifecyclePolicy;
use crate::error::Result;
use crate::store::Store;

const SETTINGS: &str = "settings";
const CRM: &str = "crm";

/// The CRM settings (see the module documentation).
///
/// # Examples
///
/// ```
/// use kassa::engine::{CrmSettings, Engine};
/// let engine = Engine::in_memory();
/// assert_eq!(engine.crm_settings()?, CrmSettings::default());
/// let settings = CrmSettings { behaviour_retention_days: 90, lapse_after_days: 120 };
/// engine.set_crm_settings(&settings)?;
/// assert_eq!(engine.crm_settings()?.behaviour_retention_days, 90);
/// let err = engine.set_crm_settings(&CrmSettings { behaviour_retention_days: 0, ..settings }).unwrap_err();
/// assert_eq!(err.code(), "invalid_field");
/// # Ok::<(), kassa::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct CrmSettings {
    /// Days of countable behaviour (views, cart adds, purchases) kept per
    /// customer; older entries are dropped as new ones arrive (1 to
    /// 3,650; default 365).
    pub behaviour_retention_days: u32,
    /// Days after the last order before a customer counts as lapsed (1 to
    /// 3,650; default 180). See [`LifecyclePolicy`].
    pub lapse_after_days: u32,
}

impl Default for CrmSettings {
    fn default() -> Self {
        CrmSettings {
            behaviour_retention_days: 365,
            lapse_after_days: LifecyclePolicy::default().lapse_after_days,
        }
    }
}

impl CrmSettings {
    /// The lifecycle policy these settings give.
    pub fn lifecycle(&self) -> LifecyclePolicy {
        LifecyclePolicy {
            lapse_after_days: self.lapse_after_days,
        }
    }

    fn validate(&self) -> Result<()> {
        for (field, days) in [
            ("behaviour_retention_days", self.behaviour_retention_days),
            ("lapse_after_days", self.lapse_after_days),
        ] {
            if !(1..=3_650).contains(&days) {
                return Err(crate::catalog::limits::invalid(
                    "crm_settings",
                    field,
                    format!("{days} is not 1 to 3650 days"),
                ));
            }
        }
        Ok(())
    }
}

impl<S: Store> Engine<S> {
    /// The CRM settings (the defaults until set).
    ///
    /// # Errors
    ///
    /// Storage failures.
    pub fn crm_settings(&self) -> Result<CrmSettings> {
        match self.store.load(SETTINGS, CRM)? {
            Some(doc) => from_json("crm settings", doc.value),
            None => Ok(CrmSettings::default()),
        }
    }

    /// Stores the CRM settings; they apply from the next call on.
    ///
    /// # Errors
    ///
    /// `invalid_field` for a value out of range (nothing is stored),
    /// storage failures.
    pub fn set_crm_settings(&self, settings: &CrmSettings) -> Result<()> {
        settings.validate()?;
        for _ in 0..16 {
            let expected = self.store.load(SETTINGS, CRM)?.map(|d| d.version);
            match self
                .store
                .save(SETTINGS, CRM, expected, to_json(settings)?, Vec::new())
            {
                Err(crate::Error::ConcurrentModification { .. }) => continue,
                other => return other.map(|_| ()),
            }
        }
        Err(crate::Error::ConcurrentModification {
            entity: format!("{SETTINGS}/{CRM}"),
            expected: None,
            current: None,
        })
    }
}
