//! Feature extraction: every token becomes a list of hashed feature keys.
//!
//! Features are 64-bit hashes of (template, values), computed from per-token
//! attributes that are hashed once per token, so extraction allocates nothing
//! per token. The templates are chosen to carry to unseen news: word shapes,
//! affixes, a two-token context window, casing at sentence starts and in
//! all-caps headlines, and document-level casing evidence (how the same word
//! is written elsewhere in the article, which tells "Japan" from "JAPAN" in a
//! headline and "Hope" the name from "Hope" starting a sentence), gazetteer
//! lists (each list its own feature) and multi-token gazetteer entries,
//! runs of capitalised words with the head word that says what kind of name
//! they are ("Presidential Complex", "War of Independence"), and
//! word-vector clusters (which group unseen names with seen ones). A second tagging pass adds how the
//! first pass labelled the same word elsewhere in the document.
//!
//! The hash function and templates define the model file format: changing
//! either requires bumping [`FEATURE_VERSION`] and retraining.

use super::labels::LABELS;
use crate::gazetteer::{self, ListSet};
use rustc_hash::FxHashMap;
use std::ops::Range;

/// Version of the feature templates; stored in model files.
pub const FEATURE_VERSION: u32 = 5;

mod hash;
mod names;
#[cfg(test)]
mod tests;
mod token;
use hash::key;
use names::{mark_name_runs, NameRun};
use token::{add_lexical, add_word_keys, token_infos, Casing, TokenInfo, PAD_AFTER, PAD_BEFORE};

/// Where a token stands, for how much its casing says.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Position {
    /// Inside a normally cased sentence: capitals carry meaning.
    Normal = 0,
    /// First word of a sentence (after any opening punctuation).
    Initial = 1,
    /// In an all-caps sentence (a headline).
    Headline = 2,
}

/// How a word is written elsewhere in the document, at normal positions.
const SEEN_LOWER: u8 = 1;
const SEEN_TITLE: u8 = 2;
const SEEN_UPPER: u8 = 4;
/// The casing bits above.
const SEEN_CASINGS: u8 = SEEN_LOWER | SEEN_TITLE | SEEN_UPPER;
/// How a capitalised word stands among names elsewhere in the document:
/// right after a given name or an initial ("Mick Schumacher": news
/// introduces a person by full name before the surname stands alone),
/// before another capitalised word ("Tianqi Lithium Corp"), or only ever
/// alone ("Energean said"). A name never introduced as a person's is rarely
/// one, however much it looks like the surnames of the training text.
const SEEN_AFTER_GIVEN: u8 = 8;
const SEEN_BEFORE_NAME: u8 = 16;
const SEEN_ALONE: u8 = 32;

/// Feature keys for every token of a document, flat, and what the
/// second-pass features need to know of each token.
#[derive(Default)]
pub struct FeatureBuffer {
    /// Keys that depend on each token's context, token after token.
    keys: Vec<u64>,
    /// `keys[offsets[i]..offsets[i + 1]]` are token `i`'s context keys.
    offsets: Vec<usize>,
    /// Index of each token's spelling among the document's distinct ones.
    word_of: Vec<u32>,
    /// Spelling-only keys of each distinct spelling, one after another.
    word_keys: Vec<u64>,
    /// `word_keys[word_offsets[w]..word_offsets[w + 1]]` are spelling `w`'s keys.
    word_offsets: Vec<usize>,
    infos: Vec<TokenInfo>,
    positions: Vec<Position>,
}

impl FeatureBuffer {
    /// Token `i`'s feature keys that depend on its context.
    pub fn token(&self, i: usize) -> &[u64] {
        &self.keys[self.offsets[i]..self.offsets[i + 1]]
    }

    /// Token `i`'s feature keys that depend on its spelling alone (none in
    /// a second-pass buffer).
    pub fn spelling(&self, i: usize) -> &[u64] {
        match self.word_of.get(i) {
            Some(&w) => self.word(w as usize),
            None => &[],
        }
    }

    /// Context keys, token after token.
    pub fn keys(&self) -> &[u64] {
        &self.keys
    }

    /// `keys()[offsets()[i]..offsets()[i + 1]]` are token `i`'s context keys.
    pub fn offsets(&self) -> &[usize] {
        &self.offsets
    }

    /// Spelling-only keys of all distinct spellings, one after another.
    pub fn word_keys(&self) -> &[u64] {
        &self.word_keys
    }

    /// Number of distinct spellings.
    pub fn words(&self) -> usize {
        self.word_offsets.len().saturating_sub(1)
    }

    /// Keys of distinct spelling `w`.
    pub fn word(&self, w: usize) -> &[u64] {
        &self.word_keys[self.word_offsets[w]..self.word_offsets[w + 1]]
    }

    /// For every token, the index of its spelling (empty in a second-pass buffer).
    pub fn word_of(&self) -> &[u32] {
        &self.word_of
    }

    /// Number of tokens.
    pub fn len(&self) -> usize {
        self.offsets.len().saturating_sub(1)
    }

    fn clear(&mut self) {
        self.keys.clear();
        self.offsets.clear();
        self.offsets.push(0);
        self.word_of.clear();
        self.word_keys.clear();
        self.word_offsets.clear();
        self.word_offsets.push(0);
    }

    /// Room for the keys of `tokens` tokens, so that the buffers grow once.
    fn reserve(&mut self, tokens: usize) {
        // At most 32 context keys and about 20 spelling keys a token.
        self.keys.reserve(tokens * 32);
        self.offsets.reserve(tokens + 1);
        self.word_of.reserve(tokens);
        self.word_keys.reserve(tokens * 20);
        self.word_offsets.reserve(tokens + 1);
    }

    fn end_token(&mut self) {
        self.offsets.push(self.keys.len());
    }
}

/// The indices of the lists in a list set, one by one.
fn list_bits(lists: u64) -> impl Iterator<Item = u64> {
    (0..64).filter(move |bit| lists & (1 << bit) != 0)
}

/// Extracts the features of a document: `tokens` split into `sentences`
/// (token index ranges, in order, covering the tokens).
pub fn extract(tokens: &[&str], sentences: &[Range<usize>], out: &mut FeatureBuffer) {
    out.clear();
    out.reserve(tokens.len());
    token_infos(tokens, &mut out.infos);
    add_lexical(tokens, &mut out.infos);
    let infos = std::mem::take(&mut out.infos);
    out.positions.clear();
    out.positions.resize(tokens.len(), Position::Normal);
    let mut dateline = vec![false; tokens.len()];
    // Multi-token gazetteer entries: each token's part in the phrase.
    let mut phrase_part = vec![(0u64, 0u64); tokens.len()];
    // Capitalised runs ("Presidential Complex", "War of Independence"):
    // each token's run and part in it.
    let mut run_of = vec![NameRun::NONE; tokens.len()];
    let gazetteers = gazetteer::bundled();
    for s in sentences {
        let sentence = &infos[s.clone()];
        let cased = |c: Casing| matches!(c, Casing::Lower | Casing::Title | Casing::Mixed);
        let headline = sentence.iter().any(|t| t.casing == Casing::Upper)
            && !sentence.iter().any(|t| cased(t.casing));
        // A Reuters-style dateline: a few words then a date ("BRUSSELS 1996-08-22").
        let is_dateline = s.len() <= 5
            && tokens[s.clone()]
                .last()
                .is_some_and(|t| t.len() == 10 && t.bytes().filter(|b| *b == b'-').count() == 2);
        let first_word = s
            .clone()
            .find(|&i| infos[i].casing != Casing::None || infos[i].length > 1);
        for i in s.clone() {
            out.positions[i] = if headline {
                Position::Headline
            } else if Some(i) == first_word {
                Position::Initial
            } else {
                Position::Normal
            };
            dateline[i] = is_dateline;
        }
        if !headline {
            mark_name_runs(tokens, &infos, s.clone(), &mut run_of);
        }
        for m in gazetteers.phrase_matches(&tokens[s.clone()]) {
            let lists = m.lists.bits() as u64;
            for k in m.start..m.end {
                let part = match (k == m.start, k + 1 == m.end) {
                    (true, _) => 1,
                    (false, true) => 3,
                    (false, false) => 2,
                };
                phrase_part[s.start + k] = (lists, part);
            }
        }
    }
    // Document-level casing evidence from positions where casing is informative.
    let mut seen: FxHashMap<u64, u8> =
        FxHashMap::with_capacity_and_hasher(tokens.len(), Default::default());
    for s in sentences {
        for i in s.clone() {
            let (info, pos) = (&infos[i], out.positions[i]);
            if pos == Position::Headline {
                continue;
            }
            let mut bits = 0;
            if pos == Position::Normal {
                bits |= match info.casing {
                    Casing::Lower => SEEN_LOWER,
                    Casing::Title => SEEN_TITLE,
                    Casing::Upper => SEEN_UPPER,
                    _ => 0,
                };
            }
            if matches!(info.casing, Casing::Title | Casing::Upper | Casing::Mixed) {
                let name_like = |j: usize| {
                    matches!(
                        infos[j].casing,
                        Casing::Title | Casing::Upper | Casing::Mixed
                    )
                };
                let before = i > s.start && {
                    let p = &infos[i - 1];
                    p.casing == Casing::Initial
                        || (p.casing == Casing::Title
                            && p.lists & ListSet::GIVEN_NAME.bits() as u64 != 0)
                };
                let after = i + 1 < s.end && name_like(i + 1);
                let alone = !(after || (i > s.start && name_like(i - 1)));
                if before {
                    bits |= SEEN_AFTER_GIVEN;
                }
                if after {
                    bits |= SEEN_BEFORE_NAME;
                }
                if alone {
                    bits |= SEEN_ALONE;
                }
            }
            *seen.entry(info.lower).or_default() |= bits;
        }
    }

    // Spelling-only keys, once per distinct spelling.
    let mut distinct: FxHashMap<u64, u32> =
        FxHashMap::with_capacity_and_hasher(tokens.len(), Default::default());
    for t in &infos {
        let next = distinct.len() as u32;
        let word = *distinct.entry(t.word).or_insert(next);
        if word == next {
            add_word_keys(t, &mut out.word_keys);
            out.word_offsets.push(out.word_keys.len());
        }
        out.word_of.push(word);
    }

    let pad_before = TokenInfo::padding(PAD_BEFORE);
    let pad_after = TokenInfo::padding(PAD_AFTER);
    for s in sentences {
        for i in s.clone() {
            let at = |offset: isize| -> &TokenInfo {
                let j = i as isize + offset;
                if j < s.start as isize {
                    &pad_before
                } else if j >= s.end as isize {
                    &pad_after
                } else {
                    &infos[j as usize]
                }
            };
            let (p2, p1, t, n1, n2) = (at(-2), at(-1), at(0), at(1), at(2));
            // Keys gather in a fixed local array (more than the templates
            // below can add), which is cheaper than a push per key.
            let mut local = [0u64; 48];
            let mut count = 0;
            let mut add = |template: u64, values: &[u64]| {
                if let Some(slot) = local.get_mut(count) {
                    *slot = key(template, values);
                    count += 1;
                }
            };
            let casing = t.casing as u64;
            let pos = out.positions[i] as u64;
            add(4, &[p1.lower]);
            add(5, &[n1.lower]);
            add(6, &[p2.lower]);
            add(7, &[n2.lower]);
            add(8, &[p1.lower, t.lower]);
            add(9, &[t.lower, n1.lower]);
            add(11, &[p1.shape]);
            add(12, &[n1.shape]);
            add(13, &[p1.short_shape, t.short_shape]);
            add(14, &[t.short_shape, n1.short_shape]);
            add(15, &[p1.short_shape, t.short_shape, n1.short_shape]);
            add(24, &[casing, pos]);
            add(25, &[p1.lower, t.short_shape]);
            add(26, &[t.short_shape, n1.lower]);
            add(27, &[p1.casing as u64, casing, n1.casing as u64]);
            let evidence = seen.get(&t.lower).copied().unwrap_or(0);
            add(29, &[casing, pos, (evidence & SEEN_CASINGS) as u64]);
            if matches!(t.casing, Casing::Title | Casing::Upper | Casing::Mixed) {
                let given = t.lists & ListSet::GIVEN_NAME.bits() as u64 != 0;
                add(34, &[(evidence >> 3) as u64, given as u64, pos]);
            }
            add(30, &[t.lower, pos]);
            if dateline[i] {
                add(31, &[casing]);
            }
            add(32, &[p2.lower, p1.lower]);
            add(33, &[n1.lower, n2.lower]);
            if p1.lists != 0 {
                add(51, &[p1.lists]);
            }
            if n1.lists != 0 {
                add(52, &[n1.lists]);
            }
            let (phrase_lists, part) = phrase_part[i];
            if part != 0 {
                // One key per list, for the reason template 54 gives.
                for bit in list_bits(phrase_lists) {
                    add(53, &[bit, part, casing]);
                }
            }
            let run = run_of[i];
            if run.part != 0 {
                // A run's head word names what kind of thing it is
                // ("Complex", "Office", "Summit"); clusters and lists let
                // unseen heads borrow from seen ones.
                let (first, head) = (&infos[run.first], &infos[run.head]);
                add(55, &[head.lower, run.part]);
                add(56, &[head.clusters[1], run.part]);
                add(57, &[first.clusters[1], run.part]);
                add(58, &[run.length.min(5), run.part, run.connected as u64]);
                for bit in list_bits(head.lists) {
                    add(59, &[bit, run.part]);
                }
            }
            // The neighbours' gazetteer lists and medium clusters.
            add(64, &[p1.clusters[1]]);
            add(65, &[n1.clusters[1]]);
            out.keys.extend_from_slice(&local[..count]);
            out.end_token();
        }
    }
    out.infos = infos;
}

/// The second pass's document-level features, for every token, from the
/// first pass's labels: how the first pass labelled the other occurrences
/// of the same capitalised word in the document. Names are usually
/// introduced in full and unambiguous context once ("Franz Fischler"), then
/// repeated alone, at sentence starts or in headlines.
///
/// `base` is the buffer [`extract`] filled for the same document.
pub fn second_pass(base: &FeatureBuffer, first_pass: &[u8], out: &mut FeatureBuffer) {
    out.clear();
    let infos = &base.infos;
    out.keys.reserve(infos.len() * 8);
    out.offsets.reserve(infos.len() + 1);
    let capitalised = |c: Casing| !matches!(c, Casing::Lower | Casing::None);
    let mut labelled: FxHashMap<u64, [u16; LABELS]> =
        FxHashMap::with_capacity_and_hasher(infos.len(), Default::default());
    for (info, &label) in infos.iter().zip(first_pass) {
        if capitalised(info.casing) {
            let counts = labelled.entry(info.lower).or_insert([0; LABELS]);
            let c = &mut counts[(label as usize).min(LABELS - 1)];
            *c = c.saturating_add(1);
        }
    }
    let majority = |v: &[u32]| {
        v.iter()
            .enumerate()
            .filter(|(_, &n)| n > 0)
            .max_by_key(|(k, &n)| (n, std::cmp::Reverse(*k)))
            .map(|(k, _)| k as u64)
    };
    for (i, t) in infos.iter().enumerate() {
        let keys = &mut out.keys;
        let mut add = |template: u64, values: &[u64]| keys.push(key(template, values));
        let own = first_pass
            .get(i)
            .map_or(0, |&l| (l as usize).min(LABELS - 1));
        add(40, &[own as u64]);
        if let Some(counts) = labelled.get(&t.lower).filter(|_| capitalised(t.casing)) {
            let mut others = *counts;
            others[own] = others[own].saturating_sub(1);
            let mut by_type = [0u32; 5];
            for (label, &n) in others.iter().enumerate() {
                by_type[label.div_ceil(4)] += n as u32;
            }
            for (kind, &n) in by_type.iter().enumerate() {
                if n > 0 {
                    add(41, &[kind as u64, t.casing as u64]);
                }
            }
            if let Some(kind) = majority(&by_type) {
                add(42, &[kind, base.positions[i] as u64]);
            }
            if let Some(label) = majority(&others.map(u32::from)) {
                add(43, &[label]);
            }
        }
        out.end_token();
    }
}
