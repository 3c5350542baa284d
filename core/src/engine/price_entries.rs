//! The price book entries pricing derives from the catalog, kept between
//! calls: one checked [`SharedPrice`] per SKU, valid while its product is
//! the stored one it was derived from and the category tree has not
//! changed (both compared by identity, so a check costs two pointer
//! comparisons). Pricing a cart then builds its book from reference
//! counts instead of copying prices, tags and categories per line.
//!
//! An entry holds the product it was derived from, so that product's
//! memory cannot be reused by another while the entry compares against
//! it. A quote's pinned prices never enter the cache.

use std::sync::{Arc, RwLock};

use rustc_hash::FxHashMap;

use crate::catalog::{CategoryTree, Product};
use crate::error::Result;
use crate::pricing::{ProductPrice, SharedPrice};

/// More entries than this empties the cache before adding (a catalog
/// bigger than this re-derives its least recent SKUs; nothing grows
/// without bound).
const MAX_ENTRIES: usize = 200_000;

struct Entry {
    product: Arc<Product>,
    variant: usize,
    categories: CategoryTree,
    price: SharedPrice,
}

/// The shared entries by SKU.
#[derive(Default)]
pub(super) struct PriceEntries {
    by_sku: RwLock<FxHashMap<Arc<str>, Entry>>,
}

impl std::fmt::Debug for PriceEntries {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let len = self.by_sku.read().map_or(0, |m| m.len());
        f.debug_struct("PriceEntries")
            .field("entries", &len)
            .finish()
    }
}

/// One line's variant as the store returned it.
pub(super) struct Wanted<'a> {
    pub sku: &'a str,
    pub product: &'a Arc<Product>,
    pub variant: usize,
}

impl PriceEntries {
    /// The entry of each of `wanted` under `categories`, deriving (with
    /// `derive`) and keeping those missing or stale.
    ///
    /// # Errors
    ///
    /// `derive`'s and [`SharedPrice::new`]'s.
    pub(super) fn get(
        &self,
        wanted: &[Wanted<'_>],
        categories: &CategoryTree,
        derive: impl Fn(&Product, usize) -> Option<ProductPrice>,
    ) -> Result<Vec<Option<SharedPrice>>> {
        let mut out: Vec<Option<SharedPrice>> = Vec::with_capacity(wanted.len());
        let mut missing = 0;
        {
            let map = self.by_sku.read().unwrap_or_else(|p| p.into_inner());
            for w in wanted {
                let hit = map.get(w.sku).filter(|e| {
                    e.variant == w.variant
                        && Arc::ptr_eq(&e.product, w.product)
                        && e.categories.same_as(categories)
                });
                missing += usize::from(hit.is_none());
                out.push(hit.map(|e| e.price.clone()));
            }
        }
        if missing == 0 {
            return Ok(out);
        }
        let mut fresh = Vec::with_capacity(missing);
        for (w, slot) in wanted.iter().zip(out.iter_mut()) {
            if slot.is_some() {
                continue;
            }
            let Some(derived) = derive(w.product, w.variant) else {
                continue;
            };
            let price = SharedPrice::new(derived)?;
            *slot = Some(price.clone());
            fresh.push(Entry {
                product: w.product.clone(),
                variant: w.variant,
                categories: categories.clone(),
                price,
            });
        }
        let mut map = self.by_sku.write().unwrap_or_else(|p| p.into_inner());
        if map.len() + fresh.len() > MAX_ENTRIES {
            map.clear();
        }
        for entry in fresh {
            map.insert(entry.price.key().clone(), entry);
        }
        Ok(out)
    }
}
