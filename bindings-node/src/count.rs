//! Non-negative integer counts (quantities, weights) from JavaScript.
//!
//! napi coerces numbers silently (2.9 -> 2 for u32), so counts are taken as
//! `number | bigint` and checked here: a number must be a safe integer.

use napi::bindgen_prelude::{BigInt, Either};
use napi::JsNumber;

use crate::error::{type_error, Result};

/// A JavaScript `number | bigint`.
pub(crate) type JsCount<'env> = Either<BigInt, JsNumber<'env>>;

/// The largest integer a JavaScript number holds exactly (2^53 - 1).
const MAX_SAFE_INTEGER: u64 = (1 << 53) - 1;

/// The count as `u64`, or `None` when it is negative, fractional or too
/// large; a value of another type is a `TypeError`.
pub(crate) fn to_u64(value: &JsCount<'_>, what: &str) -> Result<Option<u64>> {
    match value {
        Either::A(big) => {
            let (negative, value, lossless) = big.get_u64();
            Ok((!negative && lossless).then_some(value))
        }
        Either::B(number) => {
            let double = number
                .get_double()
                .map_err(|e| type_error(format!("{what} must be a number or bigint: {e}")))?;
            let whole = double.fract() == 0.0 && (0.0..=MAX_SAFE_INTEGER as f64).contains(&double);
            Ok(whole.then_some(double as u64))
        }
    }
}

/// Shows a count in an error message.
pub(crate) fn describe(value: &JsCount<'_>) -> String {
    match value {
        Either::A(big) => {
            let (value, lossless) = big.get_i64();
            if lossless {
                format!("{value}n")
            } else {
                "a bigint out of range".to_owned()
            }
        }
        Either::B(number) => number
            .get_double()
            .map(|d| d.to_string())
            .unwrap_or_else(|_| "?".to_owned()),
    }
}
