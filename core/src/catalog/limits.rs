//! Documented field limits, checked before anything is stored.
//!
//! Lengths are in bytes of UTF-8. A check looks at the length first, so a
//! 10 MB string is rejected in constant time and never copied or stored.
//! Text is otherwise stored verbatim: quotes, markup, SQL-looking text, NUL
//! bytes and right-to-left overrides come back byte-identical.

use crate::error::{shown, Error, Result};

/// Product, category, collection and attribute ids.
pub const MAX_ID_BYTES: usize = 128;
/// A variant's SKU.
pub const MAX_SKU_BYTES: usize = 64;
/// Product, category, collection and option names.
pub const MAX_NAME_BYTES: usize = 512;
/// A product description.
pub const MAX_DESCRIPTION_BYTES: usize = 64 * 1024;
/// A tag, a channel, an option value, a tax category.
pub const MAX_LABEL_BYTES: usize = 128;
/// A text attribute value.
pub const MAX_ATTRIBUTE_TEXT_BYTES: usize = 4 * 1024;
/// A media URL.
pub const MAX_URL_BYTES: usize = 2048;
/// Media alt text.
pub const MAX_ALT_BYTES: usize = 1024;
/// Variants of one product.
pub const MAX_VARIANTS: usize = 1000;
/// Option types of one product (size, colour...).
pub const MAX_OPTIONS: usize = 8;
/// Values of one option type.
pub const MAX_OPTION_VALUES: usize = 200;
/// Entries of each list on a product (tags, categories, channels, media,
/// related products, attributes, bundle components).
pub const MAX_LIST: usize = 100;
/// Values of an enum attribute.
pub const MAX_ENUM_VALUES: usize = 1000;

/// Checks `value` is non-empty and at most `max` bytes.
pub(crate) fn text(entity: &str, field: &str, value: &str, max: usize) -> Result<()> {
    if value.len() > max {
        return Err(invalid(
            entity,
            field,
            format!("is {} bytes, more than the limit of {max}", value.len()),
        ));
    }
    if value.is_empty() {
        return Err(invalid(entity, field, "must not be empty".to_owned()));
    }
    Ok(())
}

/// Like [`text`], but an empty value is allowed.
pub(crate) fn optional_text(entity: &str, field: &str, value: &str, max: usize) -> Result<()> {
    if value.is_empty() {
        Ok(())
    } else {
        text(entity, field, value, max)
    }
}

/// Checks a list has at most `max` entries.
pub(crate) fn list<T>(entity: &str, field: &str, items: &[T], max: usize) -> Result<()> {
    if items.len() > max {
        return Err(invalid(
            entity,
            field,
            format!("has {} entries, more than the limit of {max}", items.len()),
        ));
    }
    Ok(())
}

/// True when `value` is a valid label (non-empty, at most
/// [`MAX_LABEL_BYTES`]): lets hot loops skip building a field name.
pub(crate) fn label_ok(value: &str) -> bool {
    !value.is_empty() && value.len() <= MAX_LABEL_BYTES
}

/// An `invalid_field` error.
pub(crate) fn invalid(entity: &str, field: &str, reason: String) -> Error {
    Error::InvalidField {
        entity: shown(entity),
        field: field.to_owned(),
        reason,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_are_checked_by_length_first() {
        let huge = "x".repeat(10 * 1024 * 1024);
        let err = text("p1", "name", &huge, MAX_NAME_BYTES).unwrap_err();
        assert_eq!(err.code(), "invalid_field");
        assert!(err.to_string().contains("10485760 bytes"));
        assert!(err.to_string().len() < 200);
        assert_eq!(
            text("p1", "sku", "", MAX_SKU_BYTES).unwrap_err().code(),
            "invalid_field"
        );
        assert!(text("p1", "sku", &"s".repeat(64), MAX_SKU_BYTES).is_ok());
        assert!(text("p1", "sku", &"s".repeat(65), MAX_SKU_BYTES).is_err());
        assert!(optional_text("p1", "description", "", 10).is_ok());
        assert!(list("p1", "tags", &[1, 2, 3], 2).is_err());
    }
}
