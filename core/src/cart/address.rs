//! Shipping and billing addresses: shape-checked, stored verbatim.

use serde::{Deserialize, Serialize};

use crate::catalog::limits;
use crate::error::{shown, Result};

/// Longest address field, in bytes.
pub const MAX_ADDRESS_FIELD_BYTES: usize = 256;

/// A postal address. `country` is an ISO 3166-1 alpha-2 code (two
/// upper-case letters); `region` is an ISO 3166-2 subdivision code or a
/// name, as the tax zones use it.
///
/// # Examples
///
/// ```
/// use kassa::cart::Address;
/// let mut a = Address::new("Ada Lovelace", "12 St James's Square", "London", "GB");
/// a.postal_code = "SW1Y 4JH".into();
/// a.validate()?;
/// a.country = "gb".into();
/// assert_eq!(a.validate().unwrap_err().code(), "invalid_field");
/// # Ok::<(), kassa::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Address {
    /// Who receives it.
    pub name: String,
    /// Company, for B2B.
    pub company: String,
    /// Street and number.
    pub line1: String,
    /// More of the street address.
    pub line2: String,
    /// City or town.
    pub city: String,
    /// Region, state or province.
    pub region: String,
    /// Postal code, as written locally.
    pub postal_code: String,
    /// ISO 3166-1 alpha-2 code, e.g. `DE`.
    pub country: String,
    /// Phone, as written.
    pub phone: String,
}

impl Address {
    /// An address with the required fields.
    pub fn new(
        name: impl Into<String>,
        line1: impl Into<String>,
        city: impl Into<String>,
        country: impl Into<String>,
    ) -> Self {
        Address {
            name: name.into(),
            line1: line1.into(),
            city: city.into(),
            country: country.into(),
            ..Address::default()
        }
    }

    /// Checks the shape: name, first line, city and country are required,
    /// the country is two upper-case ASCII letters, every field at most
    /// [`MAX_ADDRESS_FIELD_BYTES`].
    ///
    /// # Errors
    ///
    /// `invalid_field` naming the field.
    pub fn validate(&self) -> Result<()> {
        let entity = "address";
        for (field, value, required) in [
            ("name", &self.name, true),
            ("company", &self.company, false),
            ("line1", &self.line1, true),
            ("line2", &self.line2, false),
            ("city", &self.city, true),
            ("region", &self.region, false),
            ("postal_code", &self.postal_code, false),
            ("phone", &self.phone, false),
        ] {
            if required {
                limits::text(entity, field, value, MAX_ADDRESS_FIELD_BYTES)?;
            } else {
                limits::optional_text(entity, field, value, MAX_ADDRESS_FIELD_BYTES)?;
            }
        }
        let c = self.country.as_bytes();
        if c.len() != 2 || !c.iter().all(u8::is_ascii_uppercase) {
            return Err(limits::invalid(
                entity,
                "country",
                format!(
                    "{:?} is not an ISO 3166-1 alpha-2 code (two upper-case letters)",
                    shown(&self.country)
                ),
            ));
        }
        Ok(())
    }
}
