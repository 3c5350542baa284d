//! The audit trail: who changed an order, when, and what.

use serde::{Deserialize, Serialize};

use crate::pricing::Timestamp;

/// One change to an order after placement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    /// When.
    pub at: Timestamp,
    /// Who: whatever the host names its actors by (`staff:ann`,
    /// `customer:c1`, `system`).
    pub actor: String,
    /// What kind of change (`fulfilled`, `cancelled`, `completed`,
    /// `refunded`, `return_requested`, ...).
    pub action: String,
    /// The change in words a person reads (`2 x TEE-M via DHL 00340434`).
    pub detail: String,
}

impl AuditEntry {
    /// An entry.
    pub fn new(at: Timestamp, actor: &str, action: &str, detail: impl Into<String>) -> AuditEntry {
        AuditEntry {
            at,
            actor: actor.to_owned(),
            action: action.to_owned(),
            detail: detail.into(),
        }
    }
}
