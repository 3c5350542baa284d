//! The last price book pricing built from catalog entries alone, reused
//! whole by the next call whose lines name the same SKUs, read as the same
//! stored products (by identity) under the same category tree: re-pricing
//! a cart after a quantity change, or pricing it again, skips looking up
//! and booking every line.
//!
//! A book with a quote's pinned prices is never kept. Like the entries it
//! is built from (`price_entries.rs`), a kept book holds the products it
//! was read from, so their memory cannot be reused by others while it
//! compares against them.

use std::sync::{Arc, Mutex};

use crate::catalog::CategoryTree;
use crate::pricing::PriceBook;
use crate::store::VariantOf;

/// A price book and what it was built from.
pub(super) struct BuiltBook {
    /// Per cart line, the SKU its pricing line names (shared with the
    /// book's key when the line is booked).
    skus: Vec<Arc<str>>,
    /// Per cart line, the variant the catalog returned for it.
    from: Vec<Option<VariantOf>>,
    categories: CategoryTree,
    book: PriceBook,
}

impl BuiltBook {
    /// `book`, built for lines naming `skus` from the catalog read
    /// `(from, categories)`.
    pub(super) fn new(
        skus: Vec<Arc<str>>,
        from: Vec<Option<VariantOf>>,
        categories: CategoryTree,
        book: PriceBook,
    ) -> Self {
        BuiltBook {
            skus,
            from,
            categories,
            book,
        }
    }

    /// True when built for lines naming `skus` from this catalog read.
    pub(super) fn fits<'a>(
        &self,
        skus: impl ExactSizeIterator<Item = &'a str>,
        from: &[Option<VariantOf>],
        categories: &CategoryTree,
    ) -> bool {
        skus.len() == self.skus.len()
            && from.len() == self.from.len()
            && categories.same_as(&self.categories)
            && skus.zip(&self.skus).all(|(a, b)| a == &**b)
            && from.iter().zip(&self.from).all(|pair| match pair {
                (Some((a, i)), Some((b, j))) => i == j && Arc::ptr_eq(a, b),
                (None, None) => true,
                _ => false,
            })
    }

    /// The book.
    pub(super) fn book(&self) -> &PriceBook {
        &self.book
    }

    /// Per cart line, the SKU its pricing line names.
    pub(super) fn skus(&self) -> &[Arc<str>] {
        &self.skus
    }
}

/// The one book kept (the last one built without pinned prices).
#[derive(Default)]
pub(super) struct LastBook(Mutex<Option<Arc<BuiltBook>>>);

impl std::fmt::Debug for LastBook {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("LastBook")
    }
}

impl LastBook {
    /// The kept book, if any.
    pub(super) fn get(&self) -> Option<Arc<BuiltBook>> {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Keeps `book` in place of the last one.
    pub(super) fn keep(&self, book: Arc<BuiltBook>) {
        *self.0.lock().unwrap_or_else(|p| p.into_inner()) = Some(book);
    }
}
