//! Customers: profiles, contact data, consent and lifecycle stages.
//!
//! Pure domain types; [`crate::engine::Engine`] stores profiles as
//! versioned documents and keeps emails unique per store (ignoring letter
//! case).

mod behaviour;
mod consent;
mod contact;
mod credit;
mod lifecycle;
mod metrics;
mod profile;
mod rfm;

pub use behaviour::{BehaviourKind, BehaviourLog, LogEntry, LogView, LoggedAction, Touchpoint};
pub use consent::{Channel, Consent, ConsentStatus, Consents};
pub use contact::{Email, Phone, EMAIL_MAX};
pub use credit::{CreditEntry, StoreCredit};
pub use lifecycle::{LifecyclePolicy, Stage};
pub use metrics::CustomerMetrics;
pub use profile::{CompanyRole, Customer, Membership, Note, SavedAddress, MAX_ITEMS};
pub use rfm::{rfm_scores, RfmGroups, RfmInput, RfmRule, RfmScore};
