//! Recommendations: frequently bought together, also viewed, top sellers,
//! and a personal list blending them, each item saying which signal put
//! it there.
//!
//! Everything here is pure and deterministic; the engine builds the
//! models from orders and behaviour logs
//! ([`crate::engine::Engine::rebuild_recommendations`]) and keeps them up
//! to date as the metrics refresh sees new orders.

mod cooccurrence;

pub use cooccurrence::{CoOccurrence, Related, MAX_BASKET};

use rust_decimal::Decimal;
use rustc_hash::FxHashMap;

/// Why a product is recommended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reason {
    /// Often bought together with `with`, which the customer bought.
    BoughtTogether {
        /// The customer's product.
        with: String,
        /// Lift of the pair.
        lift: Decimal,
    },
    /// Often viewed with `with`, which the customer viewed.
    AlsoViewed {
        /// The customer's product.
        with: String,
        /// Lift of the pair.
        lift: Decimal,
    },
    /// A top seller.
    TopSeller {
        /// Units sold in the period.
        units: u64,
    },
}

/// A recommended product and the signals behind it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recommendation {
    /// The product id.
    pub product: String,
    /// Points: 3 per bought-together source, 2 per also-viewed source, 1
    /// for being a top seller.
    pub score: u64,
    /// The signals, strongest first.
    pub reasons: Vec<Reason>,
}

/// Units sold per product, best first (ties by product id), at most
/// `limit`.
///
/// ```
/// use kassa::recommend::top_sellers;
/// let top = top_sellers([("mug", 2), ("tee", 5), ("mug", 4), ("cap", 6)], 2);
/// assert_eq!(top, [("cap".to_string(), 6), ("mug".to_string(), 6)]);
/// ```
pub fn top_sellers<'a>(
    sales: impl IntoIterator<Item = (&'a str, u64)>,
    limit: usize,
) -> Vec<(String, u64)> {
    let mut units: FxHashMap<&str, u64> = FxHashMap::default();
    for (product, n) in sales {
        *units.entry(product).or_insert(0) += n;
    }
    let mut all: Vec<(String, u64)> = units.into_iter().map(|(p, n)| (p.to_owned(), n)).collect();
    all.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    all.truncate(limit);
    all
}

/// What [`personalise`] blends.
#[derive(Debug, Clone, Copy)]
pub struct Signals<'a> {
    /// Products bought together (from orders).
    pub bought_together: &'a CoOccurrence,
    /// Products viewed together (from viewing sessions).
    pub viewed_together: &'a CoOccurrence,
    /// Top sellers, best first.
    pub top_sellers: &'a [(String, u64)],
    /// Shared baskets a pair needs.
    pub min_support: u64,
}

/// A personal list for a customer who `bought` and `viewed` these
/// products: candidates from each signal, never something they bought or
/// `unavailable` (out of stock, not on sale), best score first (ties by
/// product id), at most `limit`.
pub fn personalise(
    bought: &[String],
    viewed: &[String],
    signals: Signals<'_>,
    unavailable: &dyn Fn(&str) -> bool,
    limit: usize,
) -> Vec<Recommendation> {
    let mut found: FxHashMap<String, Recommendation> = FxHashMap::default();
    let mut add = |product: &str, points: u64, reason: Reason| {
        if bought.iter().any(|b| b == product) || unavailable(product) {
            return;
        }
        let entry = found
            .entry(product.to_owned())
            .or_insert_with(|| Recommendation {
                product: product.to_owned(),
                score: 0,
                reasons: Vec::new(),
            });
        entry.score += points;
        entry.reasons.push(reason);
    };
    for with in bought {
        for r in signals
            .bought_together
            .related(with, signals.min_support, 20)
        {
            add(
                &r.product,
                3,
                Reason::BoughtTogether {
                    with: with.clone(),
                    lift: r.lift,
                },
            );
        }
    }
    for with in viewed {
        for r in signals
            .viewed_together
            .related(with, signals.min_support, 20)
        {
            add(
                &r.product,
                2,
                Reason::AlsoViewed {
                    with: with.clone(),
                    lift: r.lift,
                },
            );
        }
    }
    for (product, units) in signals.top_sellers {
        add(product, 1, Reason::TopSeller { units: *units });
    }
    let mut list: Vec<Recommendation> = found.into_values().collect();
    list.sort_by(|a, b| {
        b.score
            .cmp(&a.score)
            .then_with(|| a.product.cmp(&b.product))
    });
    list.truncate(limit);
    list
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_blend_is_explained_and_excludes_what_it_must() {
        let mut orders = CoOccurrence::new();
        for basket in [
            ["tee", "cap"],
            ["tee", "cap"],
            ["tee", "sock"],
            ["boot", "sock"],
        ] {
            orders.add_basket(basket);
        }
        let mut views = CoOccurrence::new();
        for basket in [["boot", "sock"], ["boot", "lace"]] {
            views.add_basket(basket);
        }
        let top = top_sellers([("tee", 4), ("cap", 2), ("sock", 2), ("mug", 1)], 3);
        let signals = Signals {
            bought_together: &orders,
            viewed_together: &views,
            top_sellers: &top,
            min_support: 1,
        };
        let list = personalise(
            &["tee".to_string()],
            &["boot".to_string()],
            signals,
            &|p| p == "lace",
            10,
        );
        let shape: Vec<(&str, u64)> = list.iter().map(|r| (r.product.as_str(), r.score)).collect();
        // cap: bought with tee (3) + top seller (1); sock: bought with tee
        // (3) + viewed with boot (2) + top seller (1); lace is unavailable;
        // tee was bought.
        assert_eq!(shape, [("sock", 6), ("cap", 4)]);
        assert_eq!(
            list[0].reasons[0],
            Reason::BoughtTogether {
                with: "tee".into(),
                lift: Decimal::new(6_667, 4)
            }
        );
        assert!(matches!(list[0].reasons[1], Reason::AlsoViewed { .. }));
        assert_eq!(list[0].reasons[2], Reason::TopSeller { units: 2 });
    }
}
