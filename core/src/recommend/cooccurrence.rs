//! Item-to-item co-occurrence: "frequently bought together" from orders,
//! "customers who viewed this also viewed" from viewing sessions.
//!
//! Each basket (an order's products, or one customer's views on one day)
//! counts once per pair of distinct products in it. For a product `a`,
//! a candidate `b` needs at least `min_support` shared baskets and is
//! ranked by lift: `together(a, b) * baskets / (count(a) * count(b))`, how
//! much more often they meet than chance; ties by shared baskets, then by
//! product id, so results are deterministic. Lift is compared exactly
//! (integer cross-multiplication) and reported as a decimal with 4 places.

use rust_decimal::Decimal;
use rustc_hash::FxHashMap;

/// Products one basket contributes pairs for at most (a 500-line B2B
/// order would otherwise add 125,000 pairs).
pub const MAX_BASKET: usize = 50;

/// A recommendation from the model: the product, how many baskets it
/// shares with the source, and the lift.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Related {
    /// The recommended product.
    pub product: String,
    /// Baskets holding both.
    pub together: u64,
    /// Lift, 4 decimal places.
    pub lift: Decimal,
}

/// One product's partners, in two compact contiguous lists: those met in
/// one basket only (most pairs of a large catalog) and those met in more,
/// with their counts. A query with a minimum support of 2 or more scans
/// only the second. `slot` says where each partner sits.
#[derive(Debug, Clone, Default)]
struct Partners {
    once: Vec<u32>,
    repeated: Vec<(u32, u32)>,
    slot: FxHashMap<u32, Slot>,
}

#[derive(Debug, Clone, Copy)]
enum Slot {
    Once(u32),
    Repeated(u32),
}

impl Partners {
    fn bump(&mut self, partner: u32) {
        let index = |len: usize| u32::try_from(len).unwrap_or(u32::MAX);
        match self.slot.get(&partner).copied() {
            Some(Slot::Repeated(i)) => {
                let together = &mut self.repeated[i as usize].1;
                *together = together.saturating_add(1);
            }
            Some(Slot::Once(i)) => {
                // Moves to the repeated list; the last of `once` takes its place.
                self.once.swap_remove(i as usize);
                if let Some(&moved) = self.once.get(i as usize) {
                    self.slot.insert(moved, Slot::Once(i));
                }
                self.slot
                    .insert(partner, Slot::Repeated(index(self.repeated.len())));
                self.repeated.push((partner, 2));
            }
            None => {
                self.slot
                    .insert(partner, Slot::Once(index(self.once.len())));
                self.once.push(partner);
            }
        }
    }

    /// `(partner, together)` for every partner with `together >= support`.
    fn at_least(&self, support: u64) -> impl Iterator<Item = (u32, u64)> + '_ {
        let once: &[u32] = if support <= 1 { &self.once } else { &[] };
        once.iter()
            .map(|&b| (b, 1))
            .chain(self.repeated.iter().map(|&(b, t)| (b, u64::from(t))))
            .filter(move |&(_, t)| t >= support)
    }
}

/// The co-occurrence counts over a set of baskets.
#[derive(Debug, Clone, Default)]
pub struct CoOccurrence {
    ids: FxHashMap<String, u32>,
    names: Vec<String>,
    counts: Vec<u64>,
    pairs: Vec<Partners>,
    baskets: u64,
}

impl CoOccurrence {
    /// An empty model.
    pub fn new() -> CoOccurrence {
        CoOccurrence::default()
    }

    fn intern(&mut self, product: &str) -> u32 {
        if let Some(&id) = self.ids.get(product) {
            return id;
        }
        let id = u32::try_from(self.names.len()).unwrap_or(u32::MAX);
        self.ids.insert(product.to_owned(), id);
        self.names.push(product.to_owned());
        self.counts.push(0);
        self.pairs.push(Partners::default());
        id
    }

    /// Adds one basket (duplicates inside it count once; only the first
    /// [`MAX_BASKET`] distinct products form pairs). Incremental: call it
    /// as orders arrive.
    pub fn add_basket<'a>(&mut self, products: impl IntoIterator<Item = &'a str>) {
        let mut ids: Vec<u32> = Vec::new();
        for p in products {
            let id = self.intern(p);
            if !ids.contains(&id) {
                ids.push(id);
            }
        }
        if ids.is_empty() {
            return;
        }
        self.baskets += 1;
        for &id in &ids {
            self.counts[id as usize] += 1;
        }
        let paired = &ids[..ids.len().min(MAX_BASKET)];
        for (i, &a) in paired.iter().enumerate() {
            for &b in &paired[i + 1..] {
                self.pairs[a as usize].bump(b);
                self.pairs[b as usize].bump(a);
            }
        }
    }

    /// Adds `product` to a basket that already holds `basket` (a viewing
    /// session growing one view at a time): the same counts as adding the
    /// whole basket at the end. A product already in it adds nothing.
    pub fn extend_basket(&mut self, basket: &[&str], product: &str) {
        let mut ids: Vec<u32> = Vec::new();
        for p in basket {
            let id = self.intern(p);
            if !ids.contains(&id) {
                ids.push(id);
            }
        }
        let new = self.intern(product);
        if ids.contains(&new) {
            return;
        }
        if ids.is_empty() {
            self.baskets += 1;
        }
        self.counts[new as usize] += 1;
        if ids.len() < MAX_BASKET {
            for &other in &ids {
                self.pairs[new as usize].bump(other);
                self.pairs[other as usize].bump(new);
            }
        }
    }

    /// Baskets added.
    pub fn baskets(&self) -> u64 {
        self.baskets
    }

    /// The best `limit` products to show next to `product`, sharing at
    /// least `min_support` baskets with it.
    pub fn related(&self, product: &str, min_support: u64, limit: usize) -> Vec<Related> {
        let Some(&a) = self.ids.get(product) else {
            return Vec::new();
        };
        let ca = u128::from(self.counts[a as usize]);
        let n = u128::from(self.baskets);
        let support = min_support.max(1);
        if limit == 0 {
            return Vec::new();
        }
        // lift(b) = t * n / (ca * cb); compare t1 * cb2 against t2 * cb1,
        // then shared baskets, then the id.
        let better = |&(b1, t1, cb1): &(u32, u64, u64), &(b2, t2, cb2): &(u32, u64, u64)| {
            (u128::from(t2) * u128::from(cb1))
                .cmp(&(u128::from(t1) * u128::from(cb2)))
                .then(t2.cmp(&t1))
                .then_with(|| self.names[b1 as usize].cmp(&self.names[b2 as usize]))
        };
        // A popular product meets thousands of others: keep the best
        // `limit` in a small sorted list as the partners stream by; most
        // are turned away by one comparison with the worst kept.
        let mut found: Vec<(u32, u64, u64)> = Vec::with_capacity(limit + 1);
        for (b, together) in self.pairs[a as usize].at_least(support) {
            let candidate = (b, together, self.counts[b as usize]);
            if found.len() == limit {
                match found.last() {
                    Some(worst) if better(&candidate, worst).is_lt() => {}
                    _ => continue,
                }
                found.pop();
            }
            let at = found.partition_point(|kept| better(kept, &candidate).is_lt());
            found.insert(at, candidate);
        }
        found
            .into_iter()
            .take(limit)
            .map(|(b, together, cb)| {
                let lift = ratio(u128::from(together) * n, ca * u128::from(cb));
                Related {
                    product: self.names[b as usize].clone(),
                    together,
                    lift,
                }
            })
            .collect()
    }
}

/// `num / den` as a decimal with 4 places (rounded half up).
fn ratio(num: u128, den: u128) -> Decimal {
    if den == 0 {
        return Decimal::ZERO;
    }
    let scaled = (num * 10_000 + den / 2) / den;
    i64::try_from(scaled).map_or(Decimal::MAX, |v| Decimal::new(v, 4))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lift_support_and_ties_by_hand() {
        let mut m = CoOccurrence::new();
        // 6 baskets. tee: 4, cap: 3, mug: 2, pen: 1.
        for basket in [
            vec!["tee", "cap"],
            vec!["tee", "cap"],
            vec!["tee", "cap", "mug"],
            vec!["tee", "mug", "tee"],
            vec!["pen"],
            vec![],
            vec!["mug", "pen"],
        ] {
            m.add_basket(basket);
        }
        assert_eq!(m.baskets(), 6, "an empty basket does not count");
        // tee-cap: 3 together, lift 3*6/(4*3) = 1.5; tee-mug: 2, lift
        // 2*6/(4*3) = 1.0 (mug appears in 3 baskets).
        let tee = m.related("tee", 1, 10);
        assert_eq!(
            tee,
            vec![
                Related {
                    product: "cap".into(),
                    together: 3,
                    lift: Decimal::new(15_000, 4)
                },
                Related {
                    product: "mug".into(),
                    together: 2,
                    lift: Decimal::new(10_000, 4)
                },
            ]
        );
        // mug: with pen 1 together, lift 1*6/(3*2) = 1.0; with tee 2, lift
        // 1.0; with cap 1, lift 1*6/(3*3) = 0.6667. Ties by support.
        let mug: Vec<(String, u64, Decimal)> = m
            .related("mug", 1, 10)
            .into_iter()
            .map(|r| (r.product, r.together, r.lift))
            .collect();
        assert_eq!(
            mug,
            vec![
                ("tee".into(), 2, Decimal::new(10_000, 4)),
                ("pen".into(), 1, Decimal::new(10_000, 4)),
                ("cap".into(), 1, Decimal::new(6_667, 4)),
            ]
        );
        assert_eq!(
            m.related("mug", 2, 10).len(),
            1,
            "min support 2 keeps tee only"
        );
        assert!(m.related("unknown", 1, 10).is_empty());
        assert_eq!(m.related("tee", 1, 1).len(), 1);
    }

    #[test]
    fn growing_a_basket_counts_like_adding_it_whole() {
        let mut whole = CoOccurrence::new();
        whole.add_basket(["a", "b", "c"]);
        whole.add_basket(["a", "c"]);
        let mut grown = CoOccurrence::new();
        let mut basket: Vec<&str> = Vec::new();
        for p in ["a", "b", "a", "c"] {
            grown.extend_basket(&basket, p);
            basket.push(p);
        }
        grown.extend_basket(&[], "a");
        grown.extend_basket(&["a"], "c");
        assert_eq!(grown.baskets(), whole.baskets());
        for p in ["a", "b", "c"] {
            assert_eq!(grown.related(p, 1, 10), whole.related(p, 1, 10), "{p}");
        }
    }

    #[test]
    fn big_baskets_pair_only_their_first_products() {
        let mut m = CoOccurrence::new();
        let names: Vec<String> = (0..60).map(|i| format!("p{i:02}")).collect();
        m.add_basket(names.iter().map(String::as_str));
        assert_eq!(m.related("p00", 1, 100).len(), MAX_BASKET - 1);
        assert!(m.related("p55", 1, 100).is_empty());
    }

    /// The ranking recomputed naively from the baskets: every pair
    /// counted in a map, sorted by exact lift, shared baskets, id.
    fn naive(baskets: &[Vec<u8>], product: u8, support: u64, limit: usize) -> Vec<(String, u64)> {
        use std::collections::BTreeMap;
        let mut count: BTreeMap<u8, u64> = BTreeMap::new();
        let mut together: BTreeMap<u8, u64> = BTreeMap::new();
        for b in baskets {
            let mut seen: Vec<u8> = Vec::new();
            for &p in b {
                if !seen.contains(&p) {
                    seen.push(p);
                }
            }
            for &p in &seen {
                *count.entry(p).or_insert(0) += 1;
            }
            if seen.contains(&product) {
                for &p in seen.iter().filter(|&&p| p != product) {
                    *together.entry(p).or_insert(0) += 1;
                }
            }
        }
        let mut found: Vec<(u8, u64)> = together
            .into_iter()
            .filter(|&(_, t)| t >= support.max(1))
            .collect();
        found.sort_by(|&(b1, t1), &(b2, t2)| {
            (u128::from(t2) * u128::from(count[&b1]))
                .cmp(&(u128::from(t1) * u128::from(count[&b2])))
                .then(t2.cmp(&t1))
                .then(format!("p{b1}").cmp(&format!("p{b2}")))
        });
        found
            .into_iter()
            .take(limit)
            .map(|(b, t)| (format!("p{b}"), t))
            .collect()
    }

    proptest::proptest! {
        #[test]
        fn related_matches_a_naive_recount(
            baskets in proptest::collection::vec(proptest::collection::vec(0u8..12, 0..6), 0..80),
            support in 1u64..4,
            limit in 0usize..6,
        ) {
            let mut m = CoOccurrence::new();
            for b in &baskets {
                let names: Vec<String> = b.iter().map(|p| format!("p{p}")).collect();
                m.add_basket(names.iter().map(String::as_str));
            }
            for product in 0u8..12 {
                let got: Vec<(String, u64)> = m
                    .related(&format!("p{product}"), support, limit)
                    .into_iter()
                    .map(|r| (r.product, r.together))
                    .collect();
                proptest::prop_assert_eq!(got, naive(&baskets, product, support, limit));
            }
        }
    }
}
