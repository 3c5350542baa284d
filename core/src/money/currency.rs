//! ISO 4217 currencies and their minor units.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::iso4217;
use crate::error::{shown, Error, Result};

/// An active ISO 4217 currency: its three-letter code and the number of
/// digits of its minor unit (2 for USD, 0 for JPY, 3 for KWD, 4 for CLF).
///
/// A `Currency` can only be obtained for a known code, so every value is
/// valid. It is `Copy`, one byte (an index into the ISO table), and compares
/// and orders by code.
///
/// # Examples
///
/// ```
/// use kassa::Currency;
///
/// let kwd = Currency::from_code("KWD")?;
/// assert_eq!(kwd.code(), "KWD");
/// assert_eq!(kwd.minor_units(), 3);
/// assert_eq!(kwd, Currency::KWD);
/// assert_eq!(Currency::from_code("EURO").unwrap_err().code(), "unknown_currency");
/// # Ok::<(), kassa::Error>(())
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Currency {
    /// Index into [`iso4217::TABLE`], which is sorted by code.
    index: u8,
}

macro_rules! currency_consts {
    ($($name:ident = $units:literal, $doc:literal;)*) => {
        impl Currency {
            $(
                #[doc = $doc]
                pub const $name: Currency = Currency::known(stringify!($name), $units);
            )*
        }
        #[cfg(test)]
        pub(crate) const CONSTANTS: &[Currency] = &[$(Currency::$name),*];
    };
}

currency_consts! {
    USD = 2, "US dollar (2 decimals).";
    EUR = 2, "Euro (2 decimals).";
    GBP = 2, "Pound sterling (2 decimals).";
    CHF = 2, "Swiss franc (2 decimals).";
    JPY = 0, "Japanese yen (no minor unit).";
    KRW = 0, "South Korean won (no minor unit).";
    ISK = 0, "Icelandic króna (no minor unit).";
    CLP = 0, "Chilean peso (no minor unit).";
    KWD = 3, "Kuwaiti dinar (3 decimals).";
    BHD = 3, "Bahraini dinar (3 decimals).";
    OMR = 3, "Omani rial (3 decimals).";
    JOD = 3, "Jordanian dinar (3 decimals).";
    CLF = 4, "Unidad de Fomento (4 decimals).";
    UYW = 4, "Unidad Previsional (4 decimals).";
}

impl Currency {
    /// Builds a constant for a code in the table. A code that is missing, or
    /// listed with other minor units, fails to compile (the index below runs
    /// past the table during constant evaluation).
    const fn known(code: &str, minor_units: u8) -> Currency {
        let index = iso4217::const_index_of(code.as_bytes(), minor_units);
        let _in_table = iso4217::TABLE[index];
        Currency { index: index as u8 }
    }

    /// Looks up an active ISO 4217 code. Codes are exact and upper-case:
    /// `"usd"`, `" USD"` and `"EURO"` are unknown.
    ///
    /// # Errors
    ///
    /// `unknown_currency` when `code` is not an active ISO 4217 code.
    pub fn from_code(code: &str) -> Result<Currency> {
        match iso4217::index_of(code.as_bytes()) {
            Some(index) => Ok(Currency { index }),
            None => Err(Error::UnknownCurrency { code: shown(code) }),
        }
    }

    /// A small dense number for this currency (its place in the table),
    /// for compact indexes inside the crate.
    pub(crate) const fn ordinal(self) -> u32 {
        self.index as u32
    }

    /// The three-letter code, e.g. `"USD"`.
    pub const fn code(self) -> &'static str {
        iso4217::TABLE[self.index as usize].0
    }

    /// Number of digits after the decimal point in the minor unit.
    pub const fn minor_units(self) -> u8 {
        iso4217::TABLE[self.index as usize].1
    }

    /// Every known currency, in code order.
    pub fn all() -> impl Iterator<Item = Currency> {
        (0..iso4217::TABLE.len()).map(|index| Currency { index: index as u8 })
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl fmt::Debug for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl FromStr for Currency {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        Currency::from_code(s)
    }
}

impl Serialize for Currency {
    fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        serializer.serialize_str(self.code())
    }
}

impl<'de> Deserialize<'de> for Currency {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> std::result::Result<Self, D::Error> {
        let code = std::borrow::Cow::<'de, str>::deserialize(deserializer)?;
        Currency::from_code(&code).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_sorted_unique_upper_case() {
        for pair in iso4217::TABLE.windows(2) {
            assert!(pair[0].0 < pair[1].0, "{} before {}", pair[0].0, pair[1].0);
        }
        for (code, units) in iso4217::TABLE {
            assert_eq!(code.len(), 3);
            assert!(code.bytes().all(|b| b.is_ascii_uppercase()), "{code}");
            assert!(*units <= 4, "{code}");
        }
        assert!(
            iso4217::TABLE.len() <= 256,
            "Currency indexes the table with a u8"
        );
    }

    #[test]
    fn constants_agree_with_the_table() {
        for c in CONSTANTS {
            assert_eq!(Currency::from_code(c.code()).ok(), Some(*c));
        }
    }

    #[test]
    fn minor_units_per_the_issue() {
        let cases: &[(&[&str], u8)] = &[
            (&["JPY", "KRW", "CLP", "ISK", "VND", "XAF", "UYI"], 0),
            (&["USD", "EUR", "GBP", "CHF", "CAD", "XCG", "ZWG"], 2),
            (&["KWD", "BHD", "JOD", "OMR", "TND", "IQD", "LYD"], 3),
            (&["CLF", "UYW"], 4),
        ];
        for (codes, units) in cases {
            for code in *codes {
                assert_eq!(
                    Currency::from_code(code).map(Currency::minor_units),
                    Ok(*units),
                    "{code}"
                );
            }
        }
    }

    #[test]
    fn unknown_codes_are_typed_errors() {
        for code in [
            "", "ZZZ", "EURO", "usd", " USD", "US", "XXX", "XTS", "XAU", "HRK", "\u{0}US",
        ] {
            let err = Currency::from_code(code).unwrap_err();
            assert_eq!(err.code(), "unknown_currency", "{code:?}");
        }
    }

    #[test]
    fn serde_round_trip_and_rejects_unknown() {
        let json = serde_json::to_string(&Currency::KWD).unwrap();
        assert_eq!(json, "\"KWD\"");
        assert_eq!(
            serde_json::from_str::<Currency>(&json).unwrap(),
            Currency::KWD
        );
        assert!(serde_json::from_str::<Currency>("\"ZZZ\"").is_err());
        assert!(Currency::all().count() > 150);
    }
}
