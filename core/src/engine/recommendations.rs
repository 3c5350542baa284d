//! Recommendations through the engine: models built from the orders and
//! behaviour logs in the store, kept in memory by each engine, and updated
//! as the metrics refresh sees new orders.

use std::sync::{RwLockReadGuard, RwLockWriteGuard};

use rustc_hash::FxHashMap;

use super::behaviour::BEHAVIOUR;
use super::cart::from_json;
use super::Engine;
use crate::catalog::ProductStatus;
use crate::customer::{BehaviourLog, LogEntry, LoggedAction};
use crate::error::Result;
use crate::order::Order;
use crate::recommend::{self, CoOccurrence, Recommendation, Related, Signals};
use crate::store::Store;

/// Shared baskets a pair needs before it is recommended.
pub const MIN_SUPPORT: u64 = 2;

/// The models one engine keeps.
#[derive(Debug, Default)]
pub(crate) struct Recommender {
    orders: CoOccurrence,
    views: CoOccurrence,
    /// Units sold per (product, day).
    sales: FxHashMap<(String, i64), u64>,
}

impl Recommender {
    fn add_order(&mut self, products: &[(String, u64)], day: i64) {
        self.orders
            .add_basket(products.iter().map(|(p, _)| p.as_str()));
        for (p, units) in products {
            *self.sales.entry((p.clone(), day)).or_insert(0) += units;
        }
    }
}

/// What a rebuild reads of a stored order (the rest of the document is
/// skipped, not parsed into an [`Order`]).
#[derive(serde::Deserialize)]
struct Bought {
    placed_at: crate::pricing::Timestamp,
    lines: Vec<BoughtLine>,
}

#[derive(serde::Deserialize)]
struct BoughtLine {
    sku: String,
    qty: u64,
}

/// The products of an order's lines (product, units), each once with its
/// units added up, in order of first appearance; lines whose SKU has no
/// product are left out.
fn fold_products<'a>(lines: impl Iterator<Item = (Option<&'a str>, u64)>) -> Vec<(String, u64)> {
    let mut out: Vec<(String, u64)> = Vec::new();
    for (product, qty) in lines {
        let Some(product) = product else { continue };
        match out.iter_mut().find(|(p, _)| p == product) {
            Some((_, units)) => *units += qty,
            None => out.push((product.to_owned(), qty)),
        }
    }
    out
}

impl<S: Store> Engine<S> {
    fn models(&self) -> RwLockReadGuard<'_, Recommender> {
        self.recommender.read().unwrap_or_else(|p| p.into_inner())
    }

    fn models_mut(&self) -> RwLockWriteGuard<'_, Recommender> {
        self.recommender.write().unwrap_or_else(|p| p.into_inner())
    }

    /// Rebuilds the models from every order and
    /// every behaviour log in the store (one viewing session = one
    /// customer's product views on one day). Returns the orders read.
    ///
    /// # Errors
    ///
    /// Storage failures.
    pub fn rebuild_recommendations(&self) -> Result<usize> {
        let mut fresh = Recommender::default();
        let mut orders = 0;
        // Each SKU's product, looked up once per rebuild (an order's own
        // lookup reads whole products).
        let mut product_of: FxHashMap<String, Option<String>> = FxHashMap::default();
        self.each_document("orders", |_, doc| {
            // A store that keeps values holds the order itself: nothing to parse.
            let order: Bought = match doc.value.shared::<crate::order::Order>() {
                Some(order) => Bought {
                    placed_at: order.placed_at,
                    lines: (order.lines.iter())
                        .map(|l| BoughtLine {
                            sku: String::from(&*l.sku),
                            qty: l.qty,
                        })
                        .collect(),
                },
                None => from_json("order", doc.value)?,
            };
            let missing: Vec<&str> = order
                .lines
                .iter()
                .map(|l| l.sku.as_str())
                .filter(|sku| !product_of.contains_key(*sku))
                .collect();
            if !missing.is_empty() {
                let found = self.store.products_by_skus(&missing)?;
                for (sku, found) in missing.iter().zip(found) {
                    product_of.insert((*sku).to_owned(), found.map(|(p, _)| p.id.clone()));
                }
            }
            let products = fold_products(order.lines.iter().map(|l| {
                let product = product_of.get(&l.sku).and_then(Option::as_deref);
                (product, l.qty)
            }));
            fresh.add_order(&products, BehaviourLog::day(order.placed_at));
            orders += 1;
            Ok(())
        })?;
        self.each_document(BEHAVIOUR, |_, doc| {
            let log: BehaviourLog = from_json("behaviour log", doc.value)?;
            let mut sessions: FxHashMap<i64, Vec<&str>> = FxHashMap::default();
            for e in &log.entries {
                if let (LoggedAction::Viewed, Some(p)) = (e.action, &e.product) {
                    sessions.entry(e.day).or_default().push(p);
                }
            }
            let mut days: Vec<_> = sessions.into_iter().collect();
            days.sort_by_key(|(d, _)| *d);
            for (_, products) in days {
                fresh.views.add_basket(products);
            }
            Ok(())
        })?;
        *self.models_mut() = fresh;
        Ok(orders)
    }

    /// Adds orders the metrics refresh has just counted.
    pub(super) fn learn_orders(&self, orders: &[Order]) -> Result<()> {
        let mut learned = Vec::with_capacity(orders.len());
        for o in orders {
            learned.push((self.order_products(o)?, BehaviourLog::day(o.placed_at)));
        }
        let mut models = self.models_mut();
        for (products, day) in learned {
            models.add_order(&products, day);
        }
        Ok(())
    }

    /// Adds a product view just saved in `log` (as `entry`) to the
    /// also-viewed model: the session is the customer's views that day.
    pub(super) fn learn_view(&self, log: &BehaviourLog, entry: &LogEntry) {
        let (LoggedAction::Viewed, Some(product)) = (entry.action, &entry.product) else {
            return;
        };
        // The log ends with `entry`; the session is the views before it.
        let earlier = &log.entries[..log.entries.len().saturating_sub(1)];
        let session: Vec<&str> = earlier
            .iter()
            .filter(|e| e.day == entry.day && e.action == LoggedAction::Viewed)
            .filter_map(|e| e.product.as_deref())
            .collect();
        self.models_mut().views.extend_basket(&session, product);
    }

    /// An order's products with their units (lines of one product added).
    fn order_products(&self, order: &Order) -> Result<Vec<(String, u64)>> {
        let skus: Vec<&str> = order.lines.iter().map(|l| &*l.sku).collect();
        let found = self.store.products_by_skus(&skus)?;
        Ok(fold_products(order.lines.iter().zip(&found).map(
            |(line, found)| (found.as_ref().map(|(p, _)| p.id.as_str()), line.qty),
        )))
    }

    /// Products often bought together with `product`.
    pub fn frequently_bought_together(&self, product: &str, limit: usize) -> Vec<Related> {
        self.models().orders.related(product, MIN_SUPPORT, limit)
    }

    /// Products often viewed in the same session as `product`.
    pub fn also_viewed(&self, product: &str, limit: usize) -> Vec<Related> {
        self.models().views.related(product, MIN_SUPPORT, limit)
    }

    /// The best sellers by units over the `days` days up to today (none:
    /// all time), in `category` and its subcategories if given.
    ///
    /// # Errors
    ///
    /// Storage failures.
    pub fn top_sellers(
        &self,
        category: Option<&str>,
        days: Option<u32>,
        limit: usize,
    ) -> Result<Vec<(String, u64)>> {
        let today = BehaviourLog::day(self.clock.now());
        let sales: Vec<(String, u64)> = {
            let models = self.models();
            models
                .sales
                .iter()
                .filter(|((_, day), _)| days.is_none_or(|d| today - day < i64::from(d)))
                .map(|((p, _), units)| (p.clone(), *units))
                .collect()
        };
        let mut in_category = Vec::with_capacity(sales.len());
        for (p, units) in &sales {
            if let Some(c) = category {
                if !self
                    .product_entry(LoggedAction::Viewed, p, self.clock.now())?
                    .categories
                    .iter()
                    .any(|x| x == c)
                {
                    continue;
                }
            }
            in_category.push((p.as_str(), *units));
        }
        Ok(recommend::top_sellers(in_category, limit))
    }

    /// A personal list for `customer`: bought together with what they
    /// bought, viewed with what they viewed in the last 30 days, and top
    /// sellers of the last 30 days, without what they bought or what is
    /// not on sale or out of stock. Each item says why it is there.
    ///
    /// # Errors
    ///
    /// Storage failures.
    pub fn recommendations_for(&self, customer: &str, limit: usize) -> Result<Vec<Recommendation>> {
        let mut bought: Vec<String> = Vec::new();
        for order in &self.customer_index(customer)?.orders {
            for (p, _) in self.order_products(&self.order(order)?.0)? {
                if !bought.contains(&p) {
                    bought.push(p);
                }
            }
        }
        let today = BehaviourLog::day(self.clock.now());
        let mut viewed: Vec<String> = Vec::new();
        for e in self.behaviour_log(customer)?.entries.iter().rev() {
            if let (LoggedAction::Viewed, Some(p)) = (e.action, &e.product) {
                if today - e.day < 30 && !viewed.contains(p) {
                    viewed.push(p.clone());
                }
            }
        }
        let top = self.top_sellers(None, Some(30), 20)?;
        let mut unavailable: FxHashMap<String, bool> = FxHashMap::default();
        for candidate in self.candidates(&bought, &viewed, &top) {
            let gone = self.unavailable(&candidate)?;
            unavailable.insert(candidate, gone);
        }
        let models = self.models();
        let signals = Signals {
            bought_together: &models.orders,
            viewed_together: &models.views,
            top_sellers: &top,
            min_support: MIN_SUPPORT,
        };
        Ok(recommend::personalise(
            &bought,
            &viewed,
            signals,
            &|p| unavailable.get(p).copied().unwrap_or(true),
            limit,
        ))
    }

    fn candidates(
        &self,
        bought: &[String],
        viewed: &[String],
        top: &[(String, u64)],
    ) -> Vec<String> {
        let models = self.models();
        let mut out: Vec<String> = top.iter().map(|(p, _)| p.clone()).collect();
        for b in bought {
            out.extend(
                models
                    .orders
                    .related(b, MIN_SUPPORT, 20)
                    .into_iter()
                    .map(|r| r.product),
            );
        }
        for v in viewed {
            out.extend(
                models
                    .views
                    .related(v, MIN_SUPPORT, 20)
                    .into_iter()
                    .map(|r| r.product),
            );
        }
        out.sort();
        out.dedup();
        out
    }

    /// Not on sale, or no variant can be sold now (a variant without a
    /// stock record is not managed, so it can).
    fn unavailable(&self, product: &str) -> Result<bool> {
        let Some((p, _)) = self.store.product(product)? else {
            return Ok(true);
        };
        if p.status != ProductStatus::Active {
            return Ok(true);
        }
        for v in &p.variants {
            let facts = self.store.sku_facts(&v.sku)?;
            if !facts.tracked || facts.sellable() {
                return Ok(false);
            }
        }
        Ok(true)
    }
}
