//! Bulk import and export: JSON Lines (one product per line, every field)
//! and CSV (one variant per row, the spreadsheet view).
//!
//! Parsing is pure and never stops at a bad row: each row either becomes
//! part of a product or a [`RowError`] naming its row, field and code. The
//! engine then saves product by product; a row whose product is refused
//! changes nothing, and the rest import.
//!
//! CSV specifics (columns, cell syntax) are in `csv.rs`.

use std::io::{BufRead, Write};

use serde::{Deserialize, Serialize};

use super::Product;
use crate::error::{shown, Error, Result};

/// Why one row was not imported.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RowError {
    /// The 1-based data row (a CSV record after the header, a JSON line).
    pub row: usize,
    /// The product the row belongs to, when known.
    pub product: Option<String>,
    /// The field at fault (`prices`, `variants[0].sku`, `line`).
    pub field: String,
    /// The stable error code.
    pub code: String,
    /// The message, for people.
    pub message: String,
}

impl RowError {
    pub(crate) fn new(row: usize, product: Option<&str>, field: &str, error: &Error) -> Self {
        let field = match error {
            Error::InvalidField { field, .. } => field.clone(),
            _ => field.to_owned(),
        };
        RowError {
            row,
            product: product.map(shown),
            field,
            code: error.code().to_owned(),
            message: error.to_string(),
        }
    }
}

/// What an import did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportReport {
    /// Products created or replaced.
    pub products: usize,
    /// Rows imported.
    pub rows: usize,
    /// Rows not imported, by row.
    pub errors: Vec<RowError>,
}

/// A parsed product and the row of each of its variants.
#[derive(Debug, Clone, PartialEq)]
pub struct ImportGroup {
    /// The product.
    pub product: Product,
    /// `rows[i]` is the row of `product.variants[i]`.
    pub rows: Vec<usize>,
}

/// Products parsed from a file, and the rows that could not be parsed.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Parsed {
    /// Products, in order of first appearance.
    pub groups: Vec<ImportGroup>,
    /// Rows that failed to parse.
    pub errors: Vec<RowError>,
}

pub(crate) fn field_error(entity: &str, field: &str, reason: String) -> Error {
    super::limits::invalid(entity, field, reason)
}

/// Parses JSON Lines: one [`Product`] per non-blank line.
///
/// # Errors
///
/// Only a failure to read; bad lines become [`RowError`]s.
pub fn parse_jsonl<R: BufRead>(input: R) -> Result<Parsed> {
    let mut parsed = Parsed::default();
    for (i, line) in input.lines().enumerate() {
        let row = i + 1;
        let line = line.map_err(|e| field_error("jsonl", "line", format!("line {row}: {e}")))?;
        if line.trim().is_empty() {
            continue;
        }
        match serde_json::from_str::<Product>(&line) {
            Ok(product) => {
                let rows = vec![row; product.variants.len().max(1)];
                parsed.groups.push(ImportGroup { product, rows });
            }
            Err(e) => {
                let err = field_error("jsonl", "line", format!("line {row} is not a product: {e}"));
                parsed.errors.push(RowError::new(row, None, "line", &err));
            }
        }
    }
    Ok(parsed)
}

/// Writes `products` as JSON Lines.
///
/// # Errors
///
/// Write failures, as `invalid_field` naming `output`.
pub fn export_jsonl<W: Write>(products: &[std::sync::Arc<Product>], mut out: W) -> Result<()> {
    for p in products {
        let line = serde_json::to_string(p.as_ref())
            .map_err(|e| field_error(&p.id, "product", e.to_string()))?;
        writeln!(out, "{line}").map_err(|e| field_error("export", "output", e.to_string()))?;
    }
    Ok(())
}
