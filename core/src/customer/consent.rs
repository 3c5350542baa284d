//! Marketing consent per channel, with where and when it was given.
//!
//! Each channel (email, SMS, push) has its own record. Consent is either
//! granted at once (`grant`, e.g. a ticked box at checkout) or, for double
//! opt-in, requested (`request`: a confirmation message goes out) and then
//! confirmed (`confirm`: the customer clicked the link). Withdrawing is
//! always possible and wins over everything before it. Only `granted` lets
//! a marketing audience include the customer ([`Consents::allows`]).

use serde::{Deserialize, Serialize};

use crate::catalog::SortedMap;
use crate::error::{Error, Result};
use crate::pricing::Timestamp;

/// A marketing channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    /// Email newsletters and campaigns.
    Email,
    /// Text messages.
    Sms,
    /// App push notifications.
    Push,
}

impl Channel {
    /// The channel's name on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Email => "email",
            Channel::Sms => "sms",
            Channel::Push => "push",
        }
    }
}

/// Where a channel's consent stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConsentStatus {
    /// Asked for with double opt-in; not confirmed yet (no marketing).
    Pending,
    /// Given (directly or confirmed): marketing allowed.
    Granted,
    /// Taken back: no marketing until granted again.
    Withdrawn,
}

impl ConsentStatus {
    fn as_str(self) -> &'static str {
        match self {
            ConsentStatus::Pending => "pending",
            ConsentStatus::Granted => "granted",
            ConsentStatus::Withdrawn => "withdrawn",
        }
    }
}

/// One channel's consent: its status, when it last changed and how
/// (`source`: "checkout", "newsletter_form", "support_call", ...).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Consent {
    /// Where it stands.
    pub status: ConsentStatus,
    /// When it last changed.
    pub at: Timestamp,
    /// How it was given or taken back.
    pub source: String,
}

/// Every channel's consent of one customer (a channel never asked about
/// has no record: no marketing).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Consents(SortedMap<Consent>);

impl Consents {
    /// The record of `channel`, if any.
    pub fn get(&self, channel: Channel) -> Option<&Consent> {
        self.0.get(channel.as_str())
    }

    /// True when marketing on `channel` is allowed (status `granted`).
    ///
    /// ```
    /// use kassa::customer::{Channel, Consents};
    /// use kassa::pricing::Timestamp;
    /// let mut c = Consents::default();
    /// c.request(Channel::Email, "newsletter_form", Timestamp(1))?;
    /// assert!(!c.allows(Channel::Email));
    /// c.confirm(Channel::Email, "confirmation_link", Timestamp(2))?;
    /// assert!(c.allows(Channel::Email) && !c.allows(Channel::Sms));
    /// # Ok::<(), kassa::Error>(())
    /// ```
    pub fn allows(&self, channel: Channel) -> bool {
        self.get(channel)
            .is_some_and(|c| c.status == ConsentStatus::Granted)
    }

    /// Consent given at once (single opt-in).
    ///
    /// # Errors
    ///
    /// `invalid_field` for an empty or over-long source.
    pub fn grant(&mut self, channel: Channel, source: &str, at: Timestamp) -> Result<()> {
        self.set(channel, ConsentStatus::Granted, source, at)
    }

    /// Double opt-in started: pending until [`Consents::confirm`]. Asking
    /// again while already granted changes nothing.
    ///
    /// # Errors
    ///
    /// `invalid_field` for an empty or over-long source.
    pub fn request(&mut self, channel: Channel, source: &str, at: Timestamp) -> Result<()> {
        if self.allows(channel) {
            return check_source(source);
        }
        self.set(channel, ConsentStatus::Pending, source, at)
    }

    /// The customer confirmed a pending double opt-in.
    ///
    /// # Errors
    ///
    /// `invalid_state` when nothing is pending on `channel` (a stale or
    /// replayed confirmation link); `invalid_field` for the source.
    pub fn confirm(&mut self, channel: Channel, source: &str, at: Timestamp) -> Result<()> {
        match self.get(channel).map(|c| c.status) {
            Some(ConsentStatus::Pending) => self.set(channel, ConsentStatus::Granted, source, at),
            other => Err(Error::InvalidState {
                operation: "confirm consent",
                status: other.map_or("none", ConsentStatus::as_str),
            }),
        }
    }

    /// Consent taken back.
    ///
    /// # Errors
    ///
    /// `invalid_field` for an empty or over-long source.
    pub fn withdraw(&mut self, channel: Channel, source: &str, at: Timestamp) -> Result<()> {
        self.set(channel, ConsentStatus::Withdrawn, source, at)
    }

    fn set(
        &mut self,
        channel: Channel,
        status: ConsentStatus,
        source: &str,
        at: Timestamp,
    ) -> Result<()> {
        check_source(source)?;
        self.0.insert(
            channel.as_str().to_owned(),
            Consent {
                status,
                at,
                source: source.to_owned(),
            },
        );
        Ok(())
    }
}

fn check_source(source: &str) -> Result<()> {
    crate::catalog::limits::text("consent", "source", source, 64)?;
    if source.trim().is_empty() {
        return Err(crate::catalog::limits::invalid(
            "consent",
            "source",
            "must say how consent was given or withdrawn".into(),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn double_opt_in_and_withdrawal() {
        let mut c = Consents::default();
        assert!(!c.allows(Channel::Email));
        let stale = c.confirm(Channel::Email, "link", Timestamp(1)).unwrap_err();
        assert_eq!(stale.code(), "invalid_state");
        c.request(Channel::Email, "form", Timestamp(2)).unwrap();
        assert_eq!(
            c.get(Channel::Email).unwrap().status,
            ConsentStatus::Pending
        );
        assert!(!c.allows(Channel::Email));
        c.confirm(Channel::Email, "link", Timestamp(3)).unwrap();
        assert!(c.allows(Channel::Email));
        // Asking again while granted does not downgrade to pending.
        c.request(Channel::Email, "form", Timestamp(4)).unwrap();
        assert!(c.allows(Channel::Email));
        c.withdraw(Channel::Email, "unsubscribe_link", Timestamp(5))
            .unwrap();
        let record = c.get(Channel::Email).unwrap();
        assert_eq!(
            (record.status, record.at),
            (ConsentStatus::Withdrawn, Timestamp(5))
        );
        assert_eq!(record.source, "unsubscribe_link");
        assert!(!c.allows(Channel::Email));
        // A confirmation link clicked after withdrawing changes nothing.
        assert!(c.confirm(Channel::Email, "link", Timestamp(6)).is_err());
        assert!(!c.allows(Channel::Email));
        // Channels are independent.
        c.grant(Channel::Sms, "checkout", Timestamp(7)).unwrap();
        assert!(c.allows(Channel::Sms) && !c.allows(Channel::Push));
    }

    #[test]
    fn a_source_is_required_and_bounded() {
        let mut c = Consents::default();
        for bad in ["", "  ", &"x".repeat(65)] {
            let e = c.grant(Channel::Push, bad, Timestamp(1)).unwrap_err();
            assert_eq!(e.code(), "invalid_field", "{bad:?}");
        }
        assert_eq!(c, Consents::default(), "nothing half-written");
    }
}
