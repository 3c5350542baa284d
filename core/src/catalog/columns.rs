//! The query-side columns of the catalog: per slot, the few facts filters,
//! facets and sorts read, with every label interned to a number and the
//! whole product packed into one run of `u32` words. A category page over
//! a hundred thousand variants then touches one or two cache lines per
//! product instead of chasing a dozen pointers (which cost ~2 us a product
//! in cache misses; see benches/README.md).
//!
//! Record layout, in words, at `offsets[slot]`:
//!
//! ```text
//! flags (bit 0 live, bits 1-2 status) | created (2) | id prefix (4)
//! | label count | variant count | (key, value) per label
//! | summary: pair count, (name, value) of every variant's options once,
//!   price count, (currency, low, high) of the lowest price per currency
//! | per variant: option count, price count, (name, value) per option,
//!   (currency, low, high) per price
//! ```

use rustc_hash::FxHashMap;

use super::{AttributeValue, Product, ProductStatus};
use crate::money::Currency;

/// Interned strings: labels (tags, categories, channels, attribute codes
/// and values, option names and values) as dense numbers.
#[derive(Debug, Default, Clone)]
pub(crate) struct Interner {
    ids: FxHashMap<Box<str>, u32>,
}

impl Interner {
    fn intern(&mut self, text: &str) -> u32 {
        if let Some(&id) = self.ids.get(text) {
            return id;
        }
        let id = u32::try_from(self.ids.len()).unwrap_or(u32::MAX);
        self.ids.insert(text.into(), id);
        id
    }

    /// How many strings are interned.
    pub(crate) fn len(&self) -> usize {
        self.ids.len()
    }

    /// The id of `text`, if any product ever used it.
    pub(crate) fn get(&self, text: &str) -> Option<u32> {
        self.ids.get(text).copied()
    }

    /// The text of every id (for facet output).
    pub(crate) fn texts(&self) -> Vec<&str> {
        let mut texts = vec![""; self.ids.len()];
        for (text, &id) in &self.ids {
            if let Some(slot) = texts.get_mut(id as usize) {
                *slot = text;
            }
        }
        texts
    }
}

/// Keys of product label pairs: the three list kinds, then attribute codes
/// (interned id + [`ATTRIBUTE_BASE`]).
pub(crate) const TAG: u32 = 0;
pub(crate) const CATEGORY: u32 = 1;
pub(crate) const CHANNEL: u32 = 2;
pub(crate) const ATTRIBUTE_BASE: u32 = 3;

const HEADER: usize = 9;

/// The sort prefix of an id: its first 16 bytes, big-endian, zero-padded.
pub(crate) fn id_prefix(id: &str) -> u128 {
    let mut bytes = [0u8; 16];
    for (b, s) in bytes.iter_mut().zip(id.bytes()) {
        *b = s;
    }
    u128::from_be_bytes(bytes)
}

/// True when equal prefixes mean equal ids: shorter than the prefix, and
/// no NUL byte that the zero padding could stand for.
pub(crate) fn prefix_decides(id: &str) -> bool {
    id.len() < 16 && !id.as_bytes().contains(&0)
}

fn status_bits(status: ProductStatus) -> u32 {
    match status {
        ProductStatus::Draft => 0,
        ProductStatus::Active => 1,
        ProductStatus::Archived => 2,
    }
}

fn count(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// The packed records, by slot (append-only, like the slots).
#[derive(Debug, Default, Clone)]
pub(crate) struct Columns {
    pub(crate) interner: Interner,
    offsets: Vec<u32>,
    words: Vec<u32>,
}

/// One product's record.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Rec<'a> {
    w: &'a [u32],
}

/// One variant inside a record.
#[derive(Debug, Clone, Copy)]
pub(crate) struct VarRec<'a> {
    options: &'a [u32],
    prices: &'a [u32],
}

impl Columns {
    /// Appends the record of `product` (its slot is the number of records).
    pub(crate) fn push(&mut self, product: &Product) {
        let at = self.words.len();
        self.offsets.push(count(at));
        let created = product.created_at.map_or(0, |t| t.0) as u64;
        let prefix = id_prefix(&product.id);
        self.words.extend([
            1 | (status_bits(product.status) << 1),
            created as u32,
            (created >> 32) as u32,
            (prefix >> 96) as u32,
            (prefix >> 64) as u32,
            (prefix >> 32) as u32,
            prefix as u32,
            0, // label count, set below
            count(product.variants.len()),
        ]);
        for (key, list) in [
            (TAG, &product.tags),
            (CATEGORY, &product.categories),
            (CHANNEL, &product.channels),
        ] {
            for value in list {
                let value = self.interner.intern(value);
                self.words.extend([key, value]);
            }
        }
        for (code, value) in product.attributes.iter() {
            let key = self.interner.intern(code) + ATTRIBUTE_BASE;
            let text = match value {
                AttributeValue::Text(t) | AttributeValue::Enum(t) => self.interner.intern(t),
                other => self.interner.intern(&other.facet_text()),
            };
            self.words.extend([key, text]);
        }
        let labels = (self.words.len() - at - HEADER) / 2;
        if let Some(n) = self.words.get_mut(at + 7) {
            *n = count(labels);
        }
        // The summary: every (option, value) pair of any variant, once, and
        // the lowest price per currency. Queries without variant-level
        // filters read these instead of walking the variants.
        let mut union: Vec<[u32; 2]> = Vec::new();
        let mut lowest: Vec<(u32, i64)> = Vec::new();
        for v in &product.variants {
            for (name, value) in v.options.iter() {
                let pair = [self.interner.intern(name), self.interner.intern(value)];
                if !union.contains(&pair) {
                    union.push(pair);
                }
            }
            for price in &v.prices {
                let (c, units) = (price.currency().ordinal(), price.minor_units());
                match lowest.iter_mut().find(|(cur, _)| *cur == c) {
                    Some((_, low)) => *low = (*low).min(units),
                    None => lowest.push((c, units)),
                }
            }
        }
        self.words.push(count(union.len()));
        self.words.extend(union.iter().flatten());
        self.words.push(count(lowest.len()));
        for (c, units) in lowest {
            let units = units as u64;
            self.words.extend([c, units as u32, (units >> 32) as u32]);
        }
        for v in &product.variants {
            self.words
                .extend([count(v.options.len()), count(v.prices.len())]);
            for (name, value) in v.options.iter() {
                let pair = [self.interner.intern(name), self.interner.intern(value)];
                self.words.extend(pair);
            }
            for price in &v.prices {
                let units = price.minor_units() as u64;
                self.words.extend([
                    price.currency().ordinal(),
                    units as u32,
                    (units >> 32) as u32,
                ]);
            }
        }
    }

    /// Drops every record (the index is being rebuilt).
    pub(crate) fn clear(&mut self) {
        self.offsets.clear();
        self.words.clear();
    }

    /// The live record of `slot`.
    pub(crate) fn rec(&self, slot: u32) -> Option<Rec<'_>> {
        let at = *self.offsets.get(slot as usize)? as usize;
        let w = self.words.get(at..)?;
        (w.first()? & 1 == 1 && w.len() >= HEADER).then_some(Rec { w })
    }

    /// Reads a word from each cache line of `slot`'s record, so that the
    /// lines are on their way in before the record is needed.
    pub(crate) fn touch(&self, slot: u32) -> u32 {
        let Some(&at) = self.offsets.get(slot as usize) else {
            return 0;
        };
        let at = at as usize;
        (0..4).fold(0, |acc, line| {
            acc ^ self.words.get(at + line * 16).copied().unwrap_or(0)
        })
    }

    /// Marks `slot` dead (its product moved to a newer slot).
    pub(crate) fn kill(&mut self, slot: u32) {
        if let Some(&at) = self.offsets.get(slot as usize) {
            if let Some(flags) = self.words.get_mut(at as usize) {
                *flags &= !1;
            }
        }
    }
}

impl<'a> Rec<'a> {
    fn word(&self, i: usize) -> u32 {
        self.w.get(i).copied().unwrap_or(0)
    }

    pub(crate) fn status(&self) -> ProductStatus {
        match (self.word(0) >> 1) & 3 {
            0 => ProductStatus::Draft,
            1 => ProductStatus::Active,
            _ => ProductStatus::Archived,
        }
    }

    pub(crate) fn created(&self) -> i64 {
        (u64::from(self.word(1)) | (u64::from(self.word(2)) << 32)) as i64
    }

    pub(crate) fn id_prefix(&self) -> u128 {
        (3..7).fold(0u128, |acc, i| (acc << 32) | u128::from(self.word(i)))
    }

    /// The (key, value) label pairs, as a flat slice.
    pub(crate) fn labels(&self) -> &'a [u32] {
        let n = self.word(7) as usize * 2;
        self.w.get(HEADER..HEADER + n).unwrap_or(&[])
    }

    /// The variants, in order, into `out`.
    /// Where the summary starts.
    fn summary_at(&self) -> usize {
        HEADER + self.word(7) as usize * 2
    }

    /// Every (option, value) pair of any variant, once, flat.
    pub(crate) fn option_union(&self) -> &'a [u32] {
        let at = self.summary_at();
        let n = self.word(at) as usize * 2;
        self.w.get(at + 1..at + 1 + n).unwrap_or(&[])
    }

    fn prices_at(&self) -> usize {
        let at = self.summary_at();
        at + 1 + self.word(at) as usize * 2
    }

    /// The lowest price of any variant in `currency`, in minor units.
    pub(crate) fn lowest_price(&self, currency: Currency) -> Option<i64> {
        let at = self.prices_at();
        let n = self.word(at) as usize * 3;
        let ordinal = currency.ordinal();
        self.w
            .get(at + 1..at + 1 + n)?
            .chunks_exact(3)
            .find(|c| c[0] == ordinal)
            .map(|c| (u64::from(c[1]) | (u64::from(c[2]) << 32)) as i64)
    }

    pub(crate) fn variants(&self, out: &mut Vec<VarRec<'a>>) {
        out.clear();
        let prices = self.prices_at();
        let mut at = prices + 1 + self.word(prices) as usize * 3;
        for _ in 0..self.word(8) {
            let (opts, prices) = (self.word(at) as usize * 2, self.word(at + 1) as usize * 3);
            let start = at + 2;
            out.push(VarRec {
                options: self.w.get(start..start + opts).unwrap_or(&[]),
                prices: self
                    .w
                    .get(start + opts..start + opts + prices)
                    .unwrap_or(&[]),
            });
            at = start + opts + prices;
        }
    }
}

/// Pairs of a flat `[k, v, k, v...]` slice.
pub(crate) fn pairs(flat: &[u32]) -> impl Iterator<Item = (u32, u32)> + '_ {
    flat.chunks_exact(2).map(|c| (c[0], c[1]))
}

impl VarRec<'_> {
    /// The (option, value) pairs, flat.
    pub(crate) fn options(&self) -> &[u32] {
        self.options
    }

    /// The price in `currency`, in minor units.
    pub(crate) fn price(&self, currency: Currency) -> Option<i64> {
        let ordinal = currency.ordinal();
        self.prices
            .chunks_exact(3)
            .find(|c| c[0] == ordinal)
            .map(|c| (u64::from(c[1]) | (u64::from(c[2]) << 32)) as i64)
    }
}
