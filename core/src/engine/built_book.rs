//! The last price book pricing built from catalog entries alone, reused
//! whole by the next call whose lines name the same SKUs, read as the same
//! stored products (by identity) under the same category tree: re-pricing
//! a cart after a quantity change, or pricing it again, skips looking up
//! and booking every line. A store that numbers its catalog writes
//! ([`crate::store::CatalogStore::catalog_generation`]) lets the next call
//! skip the catalog read too while the number stays the same.
//!
//! A book with a quote's pinned prices is never kept. Like the entries it
//! is built from (`price_entries.rs`), a kept book holds the products it
//! was read from, so their memory cannot be reused by others while it
//! compares against them.

use std::sync::{Arc, Mutex, PoisonError};

use super::cart_pricing::PricingRead;
use super::price_entries::Wanted;
use super::Engine;
use crate::cart::Cart;
use crate::catalog::{CategoryTree, Product};
use crate::error::Result;
use crate::pricing::{self, PriceBook, ProductPrice};
use crate::store::{Store, VariantOf};

/// A price book and what it was built from.
pub(super) struct BuiltBook {
    /// Per cart line, the SKU its pricing line names (shared with the
    /// book's key when the line is booked).
    skus: Vec<Arc<str>>,
    /// Per cart line, the variant the catalog returned for it.
    from: Vec<Option<VariantOf>>,
    categories: CategoryTree,
    /// The store's catalog generation the read was taken at, when known.
    generation: Option<u64>,
    book: PriceBook,
    /// Pricing lines naming `skus`, lent to one call at a time: a call
    /// sets their quantities instead of counting a new reference to each
    /// SKU (an atomic operation per line, twice).
    lines: Mutex<Option<Vec<pricing::CartLine>>>,
}

impl BuiltBook {
    /// `book`, built for lines naming `skus` from the catalog read
    /// `(from, categories)`, taken at `generation` when known.
    pub(super) fn new(
        skus: Vec<Arc<str>>,
        from: Vec<Option<VariantOf>>,
        categories: CategoryTree,
        generation: Option<u64>,
        book: PriceBook,
    ) -> Self {
        BuiltBook {
            skus,
            from,
            categories,
            generation,
            book,
            lines: Mutex::new(None),
        }
    }

    /// True when built for lines naming `skus` from this catalog read.
    pub(super) fn fits<'a>(
        &self,
        skus: impl ExactSizeIterator<Item = &'a str>,
        from: &[Option<VariantOf>],
        categories: &CategoryTree,
    ) -> bool {
        self.names(skus)
            && from.len() == self.from.len()
            && categories.same_as(&self.categories)
            && from.iter().zip(&self.from).all(|pair| match pair {
                (Some((a, i)), Some((b, j))) => i == j && Arc::ptr_eq(a, b),
                (None, None) => true,
                _ => false,
            })
    }

    /// True when built for lines naming `skus` from a read of the catalog
    /// at `generation` (a known one).
    pub(super) fn fits_unread<'a>(
        &self,
        skus: impl ExactSizeIterator<Item = &'a str>,
        generation: Option<u64>,
    ) -> bool {
        generation.is_some() && generation == self.generation && self.names(skus)
    }

    /// True when built for lines naming `skus`, in order.
    fn names<'a>(&self, skus: impl ExactSizeIterator<Item = &'a str>) -> bool {
        skus.len() == self.skus.len() && skus.zip(&self.skus).all(|(a, b)| a == &**b)
    }

    /// The book.
    pub(super) fn book(&self) -> &PriceBook {
        &self.book
    }

    /// Pricing lines naming the book's SKUs with the quantities `qtys`
    /// (one per SKU, in order): the book's own when no other call has them,
    /// new ones otherwise. Hand them back with [`BuiltBook::give_back`].
    pub(super) fn take_lines(&self, qtys: impl Iterator<Item = u64>) -> Vec<pricing::CartLine> {
        let kept = self
            .lines
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        match kept {
            Some(mut lines) => {
                for (line, qty) in lines.iter_mut().zip(qtys) {
                    line.qty = qty;
                }
                lines
            }
            None => self
                .skus
                .iter()
                .zip(qtys)
                .map(|(sku, qty)| pricing::CartLine::new(Arc::clone(sku), qty))
                .collect(),
        }
    }

    /// Keeps `lines` (from [`BuiltBook::take_lines`]) for the next call.
    pub(super) fn give_back(&self, lines: Vec<pricing::CartLine>) {
        *self.lines.lock().unwrap_or_else(PoisonError::into_inner) = Some(lines);
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
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Keeps `book` in place of the last one.
    pub(super) fn keep(&self, book: Arc<BuiltBook>) {
        *self.0.lock().unwrap_or_else(PoisonError::into_inner) = Some(book);
    }
}

impl<S: Store> Engine<S> {
    /// The price book for `cart`'s lines, with what the catalog holds for
    /// them when already read (`catalog`): the kept book when it fits
    /// (without reading the catalog while the store's catalog generation
    /// is the one it was read at), else a new one, kept unless `pinned`
    /// gives a line its price.
    pub(super) fn book_for(
        &self,
        cart: &Cart,
        pinned: &dyn Fn(&str) -> Option<crate::Money>,
        catalog: Option<PricingRead>,
    ) -> Result<Arc<BuiltBook>> {
        let any_pinned = cart.lines.iter().any(|l| pinned(&l.sku).is_some());
        let skus = || cart.lines.iter().map(|l| &*l.sku);
        let kept = if any_pinned {
            None
        } else {
            self.last_book.get()
        };
        // A read handed in was taken at a generation not known here.
        let (generation, (found, categories)) = match catalog {
            Some(read) => (None, read),
            None => {
                // Read before the catalog: a write after it moves it on.
                let generation = self.store.catalog_generation();
                if let Some(b) = kept.as_ref().filter(|b| b.fits_unread(skus(), generation)) {
                    return Ok(Arc::clone(b));
                }
                let wanted: Vec<&str> = skus().collect();
                (generation, self.store.pricing_catalog(&wanted)?)
            }
        };
        // The last book built from the catalog alone serves again when the
        // lines and what the catalog returned for them are the same.
        if let Some(b) = kept.filter(|b| b.fits(skus(), &found, &categories)) {
            return Ok(b);
        }
        let built = Arc::new(self.build_book(cart, found, categories, generation, pinned)?);
        if !any_pinned {
            self.last_book.keep(Arc::clone(&built));
        }
        Ok(built)
    }

    /// The price book for `cart`'s lines from the catalog read
    /// `(found, categories)` (at the catalog's `generation`, when known):
    /// catalog prices from the shared entries, and a
    /// SKU that `pinned` gives a unit price at that price (derived for this
    /// call only).
    fn build_book(
        &self,
        cart: &Cart,
        found: Vec<Option<crate::store::VariantOf>>,
        categories: CategoryTree,
        generation: Option<u64>,
        pinned: &dyn Fn(&str) -> Option<crate::Money>,
    ) -> Result<BuiltBook> {
        let mut book = PriceBook::with_capacity(cart.lines.len());
        let derive = |product: &Product, i: usize| {
            let variant = product.variants.get(i)?;
            let mut entry =
                ProductPrice::new(variant.sku.clone(), crate::Money::zero(cart.currency));
            entry.prices = variant.prices.clone();
            entry.tags = product.tags.clone();
            entry.categories = with_ancestors(product, &categories);
            entry.tax_category = product.tax_category.clone();
            entry.weight_grams = variant.weight_grams.unwrap_or(0);
            Some(entry)
        };
        // Catalog prices come from the shared entries; a quote's pinned
        // prices are derived for this call only.
        let mut wanted = Vec::with_capacity(cart.lines.len());
        for (line, found) in cart.lines.iter().zip(&found) {
            let Some((product, i)) = found else {
                continue;
            };
            if book.get(&line.sku).is_some() {
                continue;
            }
            match pinned(&line.sku) {
                Some(price) => {
                    if let Some(mut entry) = derive(product, *i) {
                        entry.prices = vec![price];
                        book.insert(entry)?;
                    }
                }
                None => wanted.push(Wanted {
                    sku: &line.sku,
                    product,
                    variant: *i,
                }),
            }
        }
        // A SKU on several lines (engraved and plain) is wanted once each
        // and booked once.
        for shared in self
            .price_entries
            .get(&wanted, &categories, derive)?
            .into_iter()
            .flatten()
        {
            if book.get(&shared.get().sku).is_none() {
                book.insert_shared(shared)?;
            }
        }
        let skus = cart
            .lines
            .iter()
            .map(|l| {
                book.shared_sku(&l.sku)
                    .unwrap_or_else(|| Arc::from(&*l.sku))
            })
            .collect();
        Ok(BuiltBook::new(skus, found, categories, generation, book))
    }
}

/// The product's categories and all their ancestors, each once.
fn with_ancestors(product: &Product, categories: &CategoryTree) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for id in &product.categories {
        let mut at = Some(id.as_str());
        // Bounded by the tree's size, so a corrupt tree cannot loop.
        for _ in 0..=categories.len() {
            let Some(c) = at else { break };
            if !out.iter().any(|o| o == c) {
                out.push(c.to_owned());
            }
            at = categories.get(c).and_then(|k| k.parent.as_deref());
        }
    }
    out
}
