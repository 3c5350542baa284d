//! CSV import and export: one variant per row, the spreadsheet view.
//!
//! # Columns
//!
//! [`CSV_HEADER`], in any order (unknown columns are an error). Rows with
//! the same `product_id` form one product; its product-level columns come
//! from its first row. List cells separate entries with `|` and pairs with
//! `=`; a literal `|`, `=` or `\` is escaped with `\`.
//!
//! | column | cell |
//! |---|---|
//! | `categories`, `tags`, `channels` | `a\|b` |
//! | `attributes` | `material=cotton\|organic=true`, typed by the attribute definitions |
//! | `media` | `url=alt text\|url=` |
//! | `related` | `cross_sell=product-id` |
//! | `options` | `size=M\|colour=red` (the product's options, in order of first use) |
//! | `prices` | `19.99 USD\|17.50 EUR` |
//! | `dimensions_mm` | `300x200x10` |
//! | `components` | `SKU-A=2\|SKU-B=1` |
//! | `digital` | `true` for a variant delivered without shipping (empty: `false`) |
//! | `created_at` | milliseconds since the epoch (empty: now) |

use std::io::{Read, Write};

use super::import::{field_error, ImportGroup, Parsed, RowError};
use super::{
    AttributeDef, AttributeKind, AttributeValue, Component, Dimensions, Media, Product,
    ProductOption, ProductStatus, Relation, RelationKind, Variant,
};
use crate::error::{shown, Error, Result};
use crate::money::{Currency, Money};
use crate::pricing::Timestamp;

/// The CSV columns, in export order.
pub const CSV_HEADER: [&str; 19] = [
    "product_id",
    "name",
    "description",
    "status",
    "categories",
    "tags",
    "channels",
    "tax_category",
    "attributes",
    "media",
    "related",
    "sku",
    "options",
    "prices",
    "weight_grams",
    "dimensions_mm",
    "components",
    "digital",
    "created_at",
];

fn split_escaped(cell: &str, sep: char) -> Vec<String> {
    let mut parts = vec![String::new()];
    let mut chars = cell.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                if let (Some(next), Some(last)) = (chars.next(), parts.last_mut()) {
                    last.push('\\');
                    last.push(next);
                }
            }
            c if c == sep => parts.push(String::new()),
            c => {
                if let Some(last) = parts.last_mut() {
                    last.push(c);
                }
            }
        }
    }
    parts
}

fn unescape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            if let Some(next) = chars.next() {
                out.push(next);
            }
        } else {
            out.push(c);
        }
    }
    out
}

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '|' | '=' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// `a|b` -> `["a", "b"]` (empty cell: none).
fn list(cell: &str) -> Vec<String> {
    if cell.is_empty() {
        return Vec::new();
    }
    split_escaped(cell, '|')
        .iter()
        .map(|s| unescape(s))
        .collect()
}

/// `k=v|k=v` -> pairs.
fn pairs(entity: &str, field: &str, cell: &str) -> Result<Vec<(String, String)>> {
    if cell.is_empty() {
        return Ok(Vec::new());
    }
    split_escaped(cell, '|')
        .iter()
        .map(|entry| {
            let kv = split_escaped(entry, '=');
            match kv.as_slice() {
                [k, v] => Ok((unescape(k), unescape(v))),
                _ => Err(field_error(
                    entity,
                    field,
                    format!("{:?} is not key=value", shown(entry)),
                )),
            }
        })
        .collect()
}

fn join(items: impl IntoIterator<Item = String>) -> String {
    items.into_iter().collect::<Vec<_>>().join("|")
}

fn join_pairs<'a>(items: impl IntoIterator<Item = (&'a str, String)>) -> String {
    join(
        items
            .into_iter()
            .map(|(k, v)| format!("{}={}", escape(k), escape(&v))),
    )
}

fn number<T: std::str::FromStr>(entity: &str, field: &str, cell: &str) -> Result<Option<T>> {
    if cell.is_empty() {
        return Ok(None);
    }
    cell.parse().map(Some).map_err(|_| {
        field_error(
            entity,
            field,
            format!("{:?} is not a whole number", shown(cell)),
        )
    })
}

fn attribute_value(def: &AttributeDef, text: &str) -> Result<AttributeValue> {
    let bad = |reason: String| Error::InvalidAttribute {
        code: shown(&def.code),
        reason,
    };
    Ok(match &def.kind {
        AttributeKind::Text => AttributeValue::Text(text.to_owned()),
        AttributeKind::Enum { .. } => AttributeValue::Enum(text.to_owned()),
        AttributeKind::Number => AttributeValue::Number(
            text.parse()
                .map_err(|_| bad(format!("{:?} is not a number", shown(text))))?,
        ),
        AttributeKind::Boolean => match text {
            "true" => AttributeValue::Boolean(true),
            "false" => AttributeValue::Boolean(false),
            _ => return Err(bad(format!("{:?} is not true or false", shown(text)))),
        },
    })
}

struct Columns {
    index: [Option<usize>; CSV_HEADER.len()],
}

impl Columns {
    fn get<'r>(&self, record: &'r csv::StringRecord, name: &str) -> &'r str {
        CSV_HEADER
            .iter()
            .position(|h| *h == name)
            .and_then(|i| self.index[i])
            .and_then(|i| record.get(i))
            .unwrap_or("")
    }
}

/// One CSV row: its product fields, and its variant.
fn parse_row(
    cols: &Columns,
    r: &csv::StringRecord,
    defs: &dyn Fn(&str) -> Option<AttributeDef>,
) -> Result<(Product, Vec<String>, Variant)> {
    let id = cols.get(r, "product_id");
    if id.is_empty() {
        return Err(field_error(
            "csv",
            "product_id",
            "must not be empty".to_owned(),
        ));
    }
    let mut p = Product::new(id, cols.get(r, "name"));
    p.description = cols.get(r, "description").to_owned();
    p.status = match cols.get(r, "status") {
        "" | "draft" => ProductStatus::Draft,
        "active" => ProductStatus::Active,
        "archived" => ProductStatus::Archived,
        other => {
            return Err(field_error(
                id,
                "status",
                format!("{:?} is not draft, active or archived", shown(other)),
            ))
        }
    };
    p.categories = list(cols.get(r, "categories"));
    p.tags = list(cols.get(r, "tags"));
    p.channels = list(cols.get(r, "channels"));
    let tax = cols.get(r, "tax_category");
    p.tax_category = (!tax.is_empty()).then(|| tax.to_owned());
    for (code, text) in pairs(id, "attributes", cols.get(r, "attributes"))? {
        let def = defs(&code).ok_or_else(|| Error::InvalidAttribute {
            code: shown(&code),
            reason: "is not defined".to_owned(),
        })?;
        p.attributes.insert(code, attribute_value(&def, &text)?);
    }
    p.media = pairs(id, "media", cols.get(r, "media"))?
        .into_iter()
        .map(|(url, alt)| Media { url, alt })
        .collect();
    p.related = pairs(id, "related", cols.get(r, "related"))?
        .into_iter()
        .map(|(kind, product)| {
            let kind =
                serde_json::from_value::<RelationKind>(serde_json::Value::String(kind.clone()))
                    .map_err(|_| {
                        field_error(
                            id,
                            "related",
                            format!("{:?} is not a relation kind", shown(&kind)),
                        )
                    })?;
            Ok(Relation { kind, product })
        })
        .collect::<Result<_>>()?;
    p.created_at = number::<i64>(id, "created_at", cols.get(r, "created_at"))?.map(Timestamp);

    let mut v = Variant::new(cols.get(r, "sku"));
    let mut option_names = Vec::new();
    for (name, value) in pairs(id, "options", cols.get(r, "options"))? {
        option_names.push(name.clone());
        v.options.insert(name, value);
    }
    for price in list(cols.get(r, "prices")) {
        let (amount, code) = price.rsplit_once(' ').ok_or_else(|| {
            field_error(
                id,
                "prices",
                format!("{:?} is not \"amount CUR\"", shown(&price)),
            )
        })?;
        v.prices
            .push(Money::parse(amount, Currency::from_code(code)?)?);
    }
    v.weight_grams = number(id, "weight_grams", cols.get(r, "weight_grams"))?;
    let dims = cols.get(r, "dimensions_mm");
    if !dims.is_empty() {
        let parts: Vec<Option<u32>> = dims.split('x').map(|d| d.parse().ok()).collect();
        v.dimensions = match parts.as_slice() {
            [Some(l), Some(w), Some(h)] => Some(Dimensions {
                length_mm: *l,
                width_mm: *w,
                height_mm: *h,
            }),
            _ => {
                return Err(field_error(
                    id,
                    "dimensions_mm",
                    format!("{:?} is not LxWxH", shown(dims)),
                ))
            }
        };
    }
    for (sku, qty) in pairs(id, "components", cols.get(r, "components"))? {
        let qty = number::<u32>(id, "components", &qty)?.unwrap_or(0);
        v.components.push(Component { sku, qty });
    }
    v.digital = match cols.get(r, "digital") {
        "" | "false" => false,
        "true" => true,
        other => {
            return Err(field_error(
                id,
                "digital",
                format!("{:?} is not true or false", shown(other)),
            ))
        }
    };
    Ok((p, option_names, v))
}

/// Parses CSV with a header row; `defs` types the attribute cells.
///
/// # Errors
///
/// `invalid_field` for a missing `product_id` or `sku` column, an unknown
/// or repeated column, or unreadable input; bad rows become [`RowError`]s.
pub fn parse_csv<R: Read>(input: R, defs: &dyn Fn(&str) -> Option<AttributeDef>) -> Result<Parsed> {
    let mut reader = csv::ReaderBuilder::new().flexible(false).from_reader(input);
    let header = reader
        .headers()
        .map_err(|e| field_error("csv", "header", e.to_string()))?
        .clone();
    let mut cols = Columns {
        index: [None; CSV_HEADER.len()],
    };
    for (i, name) in header.iter().enumerate() {
        let at = CSV_HEADER.iter().position(|h| *h == name).ok_or_else(|| {
            field_error("csv", "header", format!("unknown column {:?}", shown(name)))
        })?;
        if cols.index[at].replace(i).is_some() {
            return Err(field_error(
                "csv",
                "header",
                format!("column {name:?} appears twice"),
            ));
        }
    }
    for required in ["product_id", "sku"] {
        if !header.iter().any(|h| h == required) {
            return Err(field_error(
                "csv",
                "header",
                format!("missing column {required:?}"),
            ));
        }
    }
    let mut parsed = Parsed::default();
    let mut by_id: rustc_hash::FxHashMap<String, usize> = rustc_hash::FxHashMap::default();
    for (i, record) in reader.records().enumerate() {
        let row = i + 1;
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                let err = field_error("csv", "row", e.to_string());
                parsed.errors.push(RowError::new(row, None, "row", &err));
                continue;
            }
        };
        let (product, option_names, variant) = match parse_row(&cols, &record, defs) {
            Ok(parts) => parts,
            Err(e) => {
                let id = cols.get(&record, "product_id");
                parsed.errors.push(RowError::new(
                    row,
                    (!id.is_empty()).then_some(id),
                    "row",
                    &e,
                ));
                continue;
            }
        };
        let at = *by_id.entry(product.id.clone()).or_insert_with(|| {
            parsed.groups.push(ImportGroup {
                product,
                rows: Vec::new(),
            });
            parsed.groups.len() - 1
        });
        if let Some(group) = parsed.groups.get_mut(at) {
            add_variant(&mut group.product, &option_names, variant);
            group.rows.push(row);
        }
    }
    Ok(parsed)
}

/// Adds `variant` to `product`, declaring its option values in order of first use.
fn add_variant(product: &mut Product, option_names: &[String], variant: Variant) {
    for name in option_names {
        let Some(value) = variant.options.get(name) else {
            continue;
        };
        match product.options.iter_mut().find(|o| o.name == *name) {
            Some(option) if option.values.contains(value) => {}
            Some(option) => option.values.push(value.clone()),
            None => product.options.push(ProductOption {
                name: name.clone(),
                values: vec![value.clone()],
            }),
        }
    }
    product.variants.push(variant);
}

/// Writes `products` as CSV, one row per variant, with [`CSV_HEADER`].
///
/// # Errors
///
/// Write failures, as `invalid_field` naming `output`.
pub fn export_csv<W: Write>(products: &[std::sync::Arc<Product>], out: W) -> Result<()> {
    let io = |e: csv::Error| field_error("export", "output", e.to_string());
    let mut w = csv::Writer::from_writer(out);
    w.write_record(CSV_HEADER).map_err(io)?;
    for p in products {
        let status = match p.status {
            ProductStatus::Draft => "draft",
            ProductStatus::Active => "active",
            ProductStatus::Archived => "archived",
        };
        let esc = |items: &[String]| join(items.iter().map(|s| escape(s)));
        for v in &p.variants {
            let options = join_pairs(p.options.iter().filter_map(|o| {
                v.options
                    .get(&o.name)
                    .map(|val| (o.name.as_str(), val.clone()))
            }));
            let record = [
                p.id.clone(),
                p.name.clone(),
                p.description.clone(),
                status.to_owned(),
                esc(&p.categories),
                esc(&p.tags),
                esc(&p.channels),
                p.tax_category.clone().unwrap_or_default(),
                join_pairs(p.attributes.iter().map(|(k, v)| (k, v.facet_text()))),
                join_pairs(p.media.iter().map(|m| (m.url.as_str(), m.alt.clone()))),
                join_pairs(p.related.iter().map(|r| {
                    let kind = match r.kind {
                        RelationKind::UpSell => "up_sell",
                        RelationKind::CrossSell => "cross_sell",
                        RelationKind::Accessory => "accessory",
                    };
                    (kind, r.product.clone())
                })),
                v.sku.clone(),
                options,
                join(v.prices.iter().map(|m| format!("{m} {}", m.currency()))),
                v.weight_grams.map(|g| g.to_string()).unwrap_or_default(),
                v.dimensions
                    .map(|d| format!("{}x{}x{}", d.length_mm, d.width_mm, d.height_mm))
                    .unwrap_or_default(),
                join_pairs(
                    v.components
                        .iter()
                        .map(|c| (c.sku.as_str(), c.qty.to_string())),
                ),
                if v.digital { "true" } else { "" }.to_owned(),
                p.created_at.map(|t| t.0.to_string()).unwrap_or_default(),
            ];
            w.write_record(&record).map_err(io)?;
        }
    }
    w.flush()
        .map_err(|e| field_error("export", "output", e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_round_trips() {
        for text in ["a|b", "k=v", "back\\slash", "plain", "", "|=\\"] {
            assert_eq!(
                list(&escape(text)),
                if text.is_empty() {
                    vec![]
                } else {
                    vec![text.to_owned()]
                }
            );
        }
        let cell = join_pairs([("a=b", "c|d".to_owned()), ("e", String::new())]);
        assert_eq!(
            pairs("p", "f", &cell).unwrap(),
            [
                ("a=b".to_owned(), "c|d".to_owned()),
                ("e".to_owned(), String::new())
            ]
        );
        assert_eq!(
            pairs("p", "f", "novalue").unwrap_err().code(),
            "invalid_field"
        );
    }

    #[test]
    fn a_bad_row_is_reported_and_the_rest_parse() {
        let csv = "product_id,name,sku,prices,status\n\
                   p1,Tee,T-1,19.99 USD,active\n\
                   p1,,T-2,19.999 USD,active\n\
                   p2,Mug,M-1,5 XXX,draft\n\
                   p3,Cap,C-1,,bogus\n\
                   p4,Hat,H-1,,\n";
        let parsed = parse_csv(csv.as_bytes(), &|_| None).unwrap();
        let codes: Vec<(usize, &str, &str)> = parsed
            .errors
            .iter()
            .map(|e| (e.row, e.field.as_str(), e.code.as_str()))
            .collect();
        assert_eq!(
            codes,
            [
                (2, "row", "invalid_amount_precision"),
                (3, "row", "unknown_currency"),
                (4, "status", "invalid_field")
            ]
        );
        let ids: Vec<&str> = parsed
            .groups
            .iter()
            .map(|g| g.product.id.as_str())
            .collect();
        assert_eq!(ids, ["p1", "p4"]);
        assert_eq!(parsed.groups[0].rows, [1]);
        assert!(parse_csv("name\nx\n".as_bytes(), &|_| None).is_err());
        assert!(parse_csv("product_id,sku,bogus\n".as_bytes(), &|_| None).is_err());
    }
}
