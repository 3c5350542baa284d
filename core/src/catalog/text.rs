//! Text search: case- and accent-insensitive tokens, an inverted index with
//! prefix matching, and a field-weighted score.

use std::collections::BTreeMap;

use unicode_normalization::char::is_combining_mark;
use unicode_normalization::UnicodeNormalization;

/// Query tokens beyond this many are ignored.
pub const MAX_QUERY_TOKENS: usize = 16;

/// Where a token was found, from least to most telling.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Field {
    Description = 0,
    Sku = 1,
    Name = 2,
}

const FIELD_WEIGHT: [u32; 3] = [1, 2, 3];

/// Lower-cases `text` and strips accents (`"Café"` -> `"cafe"`), keeping
/// everything else.
///
/// ```
/// assert_eq!(kassa::catalog::fold("Crème BRÛLÉE"), "creme brulee");
/// ```
pub fn fold(text: &str) -> String {
    if text.is_ascii() {
        return text.to_ascii_lowercase();
    }
    text.nfkd()
        .filter(|c| !is_combining_mark(*c))
        .flat_map(char::to_lowercase)
        .collect()
}

/// The search tokens of `text`: folded, split on anything not a letter or
/// digit.
///
/// ```
/// assert_eq!(kassa::catalog::tokens("Tee-Shirt, Bio (Taille Réglée M)"), ["tee", "shirt", "bio", "taille", "reglee", "m"]);
/// ```
pub fn tokens(text: &str) -> Vec<String> {
    fold(text)
        .split(|c: char| !c.is_alphanumeric())
        .filter(|t| !t.is_empty())
        .map(str::to_owned)
        .collect()
}

/// The inverted index: token -> postings `(slot << 2) | field`, appended in
/// slot order (a product saved again gets a new slot; dead slots are
/// skipped by the caller and dropped when the index is rebuilt).
#[derive(Debug, Default, Clone)]
pub(crate) struct TextIndex {
    vocab: BTreeMap<Box<str>, u32>,
    postings: Vec<Vec<u32>>,
}

impl TextIndex {
    /// Indexes `slot` under the tokens of each field (each token once, at
    /// its most telling field). ASCII text is lowered token by token into
    /// one scratch buffer; only new vocabulary entries allocate.
    pub(crate) fn add(&mut self, slot: u32, fields: &[(Field, &str)]) {
        let mut best: Vec<(u32, Field)> = Vec::new();
        let mut scratch = String::new();
        for (field, text) in fields {
            let folded;
            let text = if text.is_ascii() {
                *text
            } else {
                folded = fold(text);
                folded.as_str()
            };
            for token in text
                .split(|c: char| !c.is_alphanumeric())
                .filter(|t| !t.is_empty())
            {
                scratch.clear();
                scratch.push_str(token);
                scratch.make_ascii_lowercase();
                let id = self.token_id(&scratch);
                match best.iter_mut().find(|(t, _)| *t == id) {
                    Some((_, f)) => *f = (*f).max(*field),
                    None => best.push((id, *field)),
                }
            }
        }
        for (id, field) in best {
            if let Some(list) = self.postings.get_mut(id as usize) {
                list.push((slot << 2) | field as u32);
            }
        }
    }

    fn token_id(&mut self, token: &str) -> u32 {
        if let Some(&id) = self.vocab.get(token) {
            return id;
        }
        let id = u32::try_from(self.postings.len()).unwrap_or(u32::MAX);
        self.vocab.insert(token.into(), id);
        self.postings.push(Vec::new());
        id
    }

    /// Slots matching every query token (as a prefix of an indexed token),
    /// with their score: per query token, the best of field weight x 2 for
    /// an exact token or x 1 for a prefix; summed. `live` filters dead
    /// slots; `slots` is the number of slots.
    pub(crate) fn search(
        &self,
        query: &str,
        slots: usize,
        live: &dyn Fn(u32) -> bool,
    ) -> Vec<(u32, u32)> {
        let mut terms = tokens(query);
        terms.truncate(MAX_QUERY_TOKENS);
        terms.sort();
        terms.dedup();
        if terms.is_empty() {
            return Vec::new();
        }
        // Each term's matching vocabulary entries; rarest term first, so
        // later terms only touch slots that matched so far.
        let mut plans: Vec<(usize, Vec<(u32, bool)>)> = terms
            .iter()
            .map(|term| {
                let hits: Vec<(u32, bool)> = self
                    .vocab
                    .range::<str, _>((
                        std::ops::Bound::Included(term.as_str()),
                        std::ops::Bound::Unbounded,
                    ))
                    .take_while(|(t, _)| t.starts_with(term.as_str()))
                    .map(|(t, &id)| (id, **t == **term))
                    .collect();
                let size = hits
                    .iter()
                    .map(|(id, _)| self.postings.get(*id as usize).map_or(0, Vec::len))
                    .sum();
                (size, hits)
            })
            .collect();
        plans.sort_by_key(|(size, _)| *size);
        let mut matched = vec![0u8; slots];
        let mut score = vec![0u32; slots];
        let mut best = vec![0u32; slots];
        let mut touched: Vec<u32> = Vec::new();
        for (round, (_, hits)) in plans.iter().enumerate() {
            let round = u8::try_from(round).unwrap_or(u8::MAX);
            touched.clear();
            for &(id, exact) in hits {
                for &p in self
                    .postings
                    .get(id as usize)
                    .map_or(&[][..], Vec::as_slice)
                {
                    let slot = (p >> 2) as usize;
                    if slot >= slots || matched[slot] != round {
                        continue;
                    }
                    let w = FIELD_WEIGHT[(p & 3) as usize % 3] * if exact { 2 } else { 1 };
                    if best[slot] == 0 {
                        touched.push(slot as u32);
                    }
                    best[slot] = best[slot].max(w);
                }
            }
            for &slot in &touched {
                let s = slot as usize;
                matched[s] += 1;
                score[s] += best[s];
                best[s] = 0;
            }
            if touched.is_empty() {
                return Vec::new();
            }
        }
        let rounds = u8::try_from(plans.len()).unwrap_or(u8::MAX);
        touched
            .into_iter()
            .filter(|&slot| matched[slot as usize] == rounds && live(slot))
            .map(|slot| (slot, score[slot as usize]))
            .collect()
    }

    /// Entries in the vocabulary.
    pub(crate) fn vocabulary(&self) -> usize {
        self.vocab.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_every_term_by_prefix_and_ranks_by_field() {
        let mut idx = TextIndex::default();
        idx.add(
            0,
            &[(Field::Name, "Organic Cotton Tee"), (Field::Sku, "TEE-M")],
        );
        idx.add(
            1,
            &[
                (Field::Name, "Linen Shirt"),
                (Field::Description, "cool organic linen"),
            ],
        );
        idx.add(2, &[(Field::Name, "Café Crème Mug")]);
        let all = |_| true;
        let mut hits = idx.search("organic", 3, &all);
        hits.sort();
        // Exact in a name (3 x 2) beats exact in a description (1 x 2).
        assert_eq!(hits, [(0, 6), (1, 2)]);
        assert_eq!(idx.search("ORG tee", 3, &all), [(0, 3 + 6)]);
        assert_eq!(idx.search("creme", 3, &all), [(2, 6)]);
        assert!(idx.search("organic mug", 3, &all).is_empty());
        assert!(idx.search("  ", 3, &all).is_empty());
        assert_eq!(idx.search("organic", 3, &|s| s != 0), [(1, 2)]);
        assert_eq!(idx.vocabulary(), 10);
    }
}
