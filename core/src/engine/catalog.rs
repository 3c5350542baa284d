//! The engine's catalog operations: products, categories, collections,
//! attributes, queries, bulk import and export. Each state change records
//! its event in the same atomic write.

use std::io::{BufRead, Read, Write};
use std::sync::Arc;

use super::Engine;
use crate::catalog::{
    self, AttributeDef, CatalogPage, CatalogQuery, Category, Collection, ImportGroup, ImportReport,
    Parsed, Product, RowError, Saved,
};
use crate::error::{shown, Error, Result};
use crate::store::{CatalogChange, EventKind, NewEvent, Store};

impl<S: Store> Engine<S> {
    /// Defines (or redefines) a product attribute.
    ///
    /// # Errors
    ///
    /// `invalid_field`; `invalid_attribute` when products hold values the
    /// new definition refuses.
    pub fn define_attribute(&self, def: AttributeDef) -> Result<()> {
        let event = self.event(EventKind::AttributeDefined {
            code: def.code.as_str().into(),
        });
        self.store
            .change_catalog(CatalogChange::DefineAttribute(def), vec![event])
    }

    /// Creates a category or renames one.
    ///
    /// # Errors
    ///
    /// `invalid_field`, `unknown_category` (parent), `category_cycle`.
    pub fn put_category(&self, category: Category) -> Result<()> {
        let event = self.event(EventKind::CategorySaved {
            category: category.id.as_str().into(),
        });
        self.store
            .change_catalog(CatalogChange::PutCategory(category), vec![event])
    }

    /// Moves a category under `parent` (none: the root) at `position`;
    /// moving within the same parent reorders it.
    ///
    /// # Errors
    ///
    /// `unknown_category`, `category_cycle`.
    pub fn move_category(&self, id: &str, parent: Option<&str>, position: u32) -> Result<()> {
        let event = self.event(EventKind::CategoryMoved {
            category: id.into(),
            parent: parent.map(Into::into),
            position,
        });
        let change = CatalogChange::MoveCategory {
            id: id.to_owned(),
            parent: parent.map(str::to_owned),
            position,
        };
        self.store.change_catalog(change, vec![event])
    }

    /// Every category, by id.
    ///
    /// # Errors
    ///
    /// Storage failures.
    pub fn categories(&self) -> Result<Vec<Category>> {
        self.store.categories()
    }

    /// Creates or replaces a collection.
    ///
    /// # Errors
    ///
    /// `invalid_field`, `currency_mismatch`.
    pub fn put_collection(&self, collection: Collection) -> Result<()> {
        let event = self.event(EventKind::CollectionSaved {
            collection: collection.id.as_str().into(),
        });
        self.store
            .change_catalog(CatalogChange::PutCollection(collection), vec![event])
    }

    /// Creates a product (it must not exist yet).
    ///
    /// # Errors
    ///
    /// `invalid_field`, `duplicate_sku`, `unknown_category`,
    /// `invalid_attribute`, `concurrent_modification` when the id exists.
    ///
    /// # Examples
    ///
    /// ```
    /// use kassa::catalog::{Product, Variant};
    /// use kassa::engine::Engine;
    ///
    /// let engine = Engine::in_memory();
    /// let mut tee = Product::new("tee", "Tee");
    /// tee.variants.push(Variant::new("TEE-M"));
    /// assert_eq!(engine.create_product(tee.clone())?.version, 1);
    /// assert_eq!(engine.create_product(tee).unwrap_err().code(), "concurrent_modification");
    ///
    /// let mut mug = Product::new("mug", "Mug");
    /// mug.variants.push(Variant::new("TEE-M"));
    /// assert_eq!(engine.create_product(mug).unwrap_err().code(), "duplicate_sku");
    /// # Ok::<(), kassa::Error>(())
    /// ```
    pub fn create_product(&self, product: Product) -> Result<Saved> {
        self.save_product(product, None)
    }

    /// Saves `product` over the stored version `expected`.
    ///
    /// # Errors
    ///
    /// As [`Engine::create_product`]; `concurrent_modification` when
    /// someone saved since `expected` was read.
    pub fn update_product(&self, product: Product, expected: u64) -> Result<Saved> {
        self.save_product(product, Some(expected))
    }

    fn save_product(&self, product: Product, expected: Option<u64>) -> Result<Saved> {
        self.store
            .save_product(product, expected, self.clock.now(), &|p, saved| {
                self.product_events(p, saved)
            })
    }

    fn product_events(&self, p: &Product, saved: &Saved) -> Vec<NewEvent> {
        let (product, version, status) = (p.id.clone(), saved.version, p.status);
        vec![self.event(if saved.created {
            EventKind::ProductCreated {
                product: product.into(),
                version,
                status,
            }
        } else {
            EventKind::ProductUpdated {
                product: product.into(),
                version,
                status,
            }
        })]
    }

    /// The product `id` and its version.
    ///
    /// # Errors
    ///
    /// `unknown_product`.
    pub fn product(&self, id: &str) -> Result<(Arc<Product>, u64)> {
        self.store
            .product(id)?
            .ok_or_else(|| Error::UnknownProduct { id: shown(id) })
    }

    /// The product holding `sku` and the index of that variant.
    ///
    /// # Errors
    ///
    /// `unknown_sku`.
    pub fn product_by_sku(&self, sku: &str) -> Result<(Arc<Product>, usize)> {
        self.store
            .product_by_sku(sku)?
            .ok_or_else(|| Error::UnknownSku {
                sku: shown(sku),
                line: 0,
            })
    }

    /// The collection `id`.
    ///
    /// # Errors
    ///
    /// `unknown_collection`.
    pub fn collection(&self, id: &str) -> Result<Collection> {
        self.store
            .collection(id)?
            .ok_or_else(|| Error::UnknownCollection { id: shown(id) })
    }

    /// Runs a catalog query: filters, facets, sorting, a page.
    ///
    /// # Errors
    ///
    /// `unknown_category`, `unknown_collection`, `invalid_cursor`,
    /// `currency_mismatch`, `invalid_quantity` (page size).
    pub fn query(&self, query: &CatalogQuery) -> Result<CatalogPage> {
        self.store.query_catalog(query)
    }

    /// Imports JSON Lines (one product per line, replacing stored ones).
    ///
    /// # Errors
    ///
    /// Only unreadable input; bad rows are in the report.
    pub fn import_jsonl<R: BufRead>(&self, input: R) -> Result<ImportReport> {
        Ok(self.import(catalog::parse_jsonl(input)?))
    }

    /// Imports CSV (see [`catalog::CSV_HEADER`]); each product in the file
    /// replaces the stored one.
    ///
    /// # Errors
    ///
    /// A bad header or unreadable input; bad rows are in the report.
    pub fn import_csv<R: Read>(&self, input: R) -> Result<ImportReport> {
        let defs = |code: &str| self.store.attribute(code).ok().flatten();
        Ok(self.import(catalog::parse_csv(input, &defs)?))
    }

    /// Saves each parsed product; a row whose variant is at fault is
    /// dropped and its product retried without it, so one bad row never
    /// takes good rows down with it, and a refused row changes nothing.
    /// Products go to the store in batches ([`CatalogStore::save_products`]),
    /// in file order: a refusal ends its batch, the refused product is
    /// retried alone, and the next batch starts after it.
    fn import(&self, parsed: Parsed) -> ImportReport {
        const BATCH: usize = 512;
        let mut report = ImportReport {
            errors: parsed.errors,
            ..ImportReport::default()
        };
        let mut groups = parsed.groups.into_iter().peekable();
        while groups.peek().is_some() {
            // A batch of consecutive groups with distinct ids and their
            // stored versions.
            let mut batch: Vec<(Product, Vec<usize>)> = Vec::new();
            let mut versions = Vec::new();
            while batch.len() < BATCH {
                let Some(next) = groups.peek() else { break };
                if batch.iter().any(|(p, _)| p.id == next.product.id) {
                    break;
                }
                let Some(group) = groups.next() else { break };
                match self.store.product(&group.product.id) {
                    Ok(current) => {
                        versions.push(current.map(|(_, v)| v));
                        batch.push((group.product, group.rows));
                    }
                    Err(e) => fail_all(&mut report, &group.rows, &group.product.id, &e),
                }
            }
            let items = batch
                .iter()
                .zip(&versions)
                .map(|((p, _), v)| (p.clone(), *v))
                .collect();
            let (saved, refusal) = self
                .store
                .save_products(items, self.clock.now(), &|p, s| self.product_events(p, s));
            let mut rest = batch.into_iter();
            for (_, rows) in rest.by_ref().take(saved) {
                report.products += 1;
                report.rows += rows.len();
            }
            if let (Some(e), Some((product, rows))) = (refusal, rest.next()) {
                self.import_one(&mut report, product, rows, e);
            }
            // Groups after the refusal go back to the front of the queue.
            let remaining: Vec<ImportGroup> = rest
                .map(|(product, rows)| ImportGroup { product, rows })
                .collect();
            if !remaining.is_empty() {
                let tail: Vec<ImportGroup> = remaining.into_iter().chain(groups).collect();
                groups = tail.into_iter().peekable();
            }
        }
        report.errors.sort_by_key(|e| e.row);
        report
    }

    /// Retries one refused product without its culprit variants until it
    /// is saved or refused as a whole.
    fn import_one(
        &self,
        report: &mut ImportReport,
        mut product: Product,
        mut rows: Vec<usize>,
        first: Error,
    ) {
        let mut error = first;
        loop {
            match culprit(&product, &error) {
                Some(i) if product.variants.len() > 1 && i < rows.len() => {
                    report
                        .errors
                        .push(RowError::new(rows[i], Some(&product.id), "row", &error));
                    product.variants.remove(i);
                    rows.remove(i);
                }
                _ => {
                    fail_all(report, &rows, &product.id, &error);
                    return;
                }
            }
            let expected = match self.store.product(&product.id) {
                Ok(current) => current.map(|(_, v)| v),
                Err(e) => {
                    fail_all(report, &rows, &product.id, &e);
                    return;
                }
            };
            match self.save_product(product.clone(), expected) {
                Ok(_) => {
                    report.products += 1;
                    report.rows += rows.len();
                    return;
                }
                Err(e) => error = e,
            }
        }
    }

    /// Writes every product as JSON Lines.
    ///
    /// # Errors
    ///
    /// Write failures.
    pub fn export_jsonl<W: Write>(&self, out: W) -> Result<()> {
        catalog::export_jsonl(&self.store.all_products()?, out)
    }

    /// Writes every product as CSV, one row per variant.
    ///
    /// # Errors
    ///
    /// Write failures.
    pub fn export_csv<W: Write>(&self, out: W) -> Result<()> {
        catalog::export_csv(&self.store.all_products()?, out)
    }
}

fn fail_all(report: &mut ImportReport, rows: &[usize], product: &str, e: &Error) {
    let mut seen = Vec::new();
    for &row in rows {
        if !seen.contains(&row) {
            seen.push(row);
            report
                .errors
                .push(RowError::new(row, Some(product), "row", e));
        }
    }
}

/// The variant an error is about, when it is about one.
fn culprit(product: &Product, e: &Error) -> Option<usize> {
    match e {
        Error::DuplicateSku { sku, .. } => {
            // The error cuts long SKUs; match on the shown form.
            product.variants.iter().rposition(|v| shown(&v.sku) == *sku)
        }
        Error::InvalidField { field, .. } => {
            let rest = field.strip_prefix("variants[")?;
            rest.split(']').next()?.parse().ok()
        }
        _ => None,
    }
}
