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

const MUL: u64 = 0x9E37_79B9_7F4A_7C15;

/// Final avalanche of MurmurHash3, so that keys are uniformly spread.
fn fmix(mut h: u64) -> u64 {
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^= h >> 33;
    h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    h ^ (h >> 33)
}

/// Incremental hash of a character sequence.
#[derive(Clone, Copy)]
struct CharHash(u64);

impl CharHash {
    fn new(seed: u64) -> CharHash {
        CharHash(seed.wrapping_mul(MUL))
    }
    fn push(&mut self, c: char) {
        self.0 = (self.0.rotate_left(5) ^ c as u64).wrapping_mul(MUL);
    }
    fn finish(self) -> u64 {
        fmix(self.0)
    }
}

/// Maps typographic variants to the ASCII forms the training data uses.
fn normalise(c: char) -> char {
    match c {
        '\u{2018}' | '\u{2019}' | '\u{201B}' | '\u{2032}' | '`' | '\u{00B4}' => '\'',
        '\u{201C}' | '\u{201D}' | '\u{201E}' | '\u{00AB}' | '\u{00BB}' => '"',
        '\u{2010}' | '\u{2011}' | '\u{2012}' | '\u{2013}' | '\u{2014}' | '\u{2212}' => '-',
        '\u{2026}' => '.',
        _ => c,
    }
}

/// How a token is capitalised.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Casing {
    /// No letters.
    None = 0,
    /// All letters lower case.
    Lower = 1,
    /// First letter upper case, the rest lower case.
    Title = 2,
    /// Two or more letters, all upper case.
    Upper = 3,
    /// A single upper-case letter (possibly with punctuation: "J.").
    Initial = 4,
    /// Anything else ("McDonald", "iPhone").
    Mixed = 5,
}

/// Per-token values that feature templates combine.
#[derive(Clone, Copy)]
struct TokenInfo {
    word: u64,
    lower: u64,
    shape: u64,
    short_shape: u64,
    prefixes: [u64; 4],
    suffixes: [u64; 4],
    casing: Casing,
    length: u8,
    /// Gazetteer lists the token is an entry of (bits of `ListSet`).
    lists: u64,
    /// Word-vector clusters at three granularities and the vector row;
    /// `NO_CLUSTER` for words outside the vocabulary.
    clusters: [u64; 4],
}

const NO_CLUSTER: u64 = u64::MAX;

const PAD_BEFORE: u64 = 0x5EED_0001;
const PAD_AFTER: u64 = 0x5EED_0002;

impl TokenInfo {
    fn padding(value: u64) -> TokenInfo {
        TokenInfo {
            word: value,
            lower: value,
            shape: value,
            short_shape: value,
            prefixes: [value; 4],
            suffixes: [value; 4],
            casing: Casing::None,
            length: 0,
            lists: value,
            clusters: [value; 4],
        }
    }

    fn new(token: &str) -> TokenInfo {
        // A lone dash of any kind reads as the "--" of the training data.
        let dash = matches!(token, "\u{2014}" | "\u{2013}" | "-");
        let mut word = CharHash::new(1);
        let mut lower = CharHash::new(2);
        let mut shape = CharHash::new(3);
        let mut short_shape = CharHash::new(4);
        let (mut upper_letters, mut lower_letters, mut first_upper, mut letters_seen) =
            (0usize, 0usize, false, false);
        let mut last_class = '\0';
        let mut run = 0;
        let mut prefixes = [0u64; 4];
        let mut prefix_hash = CharHash::new(5);
        let mut length = 0usize;
        // The last four lower-case characters, as a ring, for the suffixes.
        let mut tail: [char; 4] = ['\0'; 4];
        let text = if dash { "--" } else { token };
        for c in text.chars().map(normalise) {
            word.push(c);
            let class = if c.is_ascii_lowercase() {
                lower_letters += 1;
                letters_seen = true;
                'x'
            } else if c.is_ascii_uppercase() {
                upper_letters += 1;
                if !letters_seen {
                    first_upper = true;
                }
                letters_seen = true;
                'X'
            } else if c.is_ascii_digit() {
                'd'
            } else if c.is_ascii() {
                c
            } else if c.is_uppercase() {
                upper_letters += 1;
                if !letters_seen {
                    first_upper = true;
                }
                letters_seen = true;
                'X'
            } else if c.is_lowercase() {
                lower_letters += 1;
                letters_seen = true;
                'x'
            } else if c.is_numeric() {
                'd'
            } else if c.is_alphabetic() {
                letters_seen = true;
                'a' // letters without case (Arabic, CJK)
            } else {
                c
            };
            // Digits are folded to 0 in the lower-case form: "1996" and "1997" share evidence.
            let folded = if class == 'd' { '0' } else { c };
            let mut push_lower = |l: char| {
                lower.push(l);
                if length < 4 {
                    prefix_hash.push(l);
                    prefixes[length] = prefix_hash.finish();
                }
                tail[length % 4] = l;
                length += 1;
            };
            if folded.is_ascii() {
                push_lower(folded.to_ascii_lowercase());
            } else {
                folded.to_lowercase().for_each(push_lower);
            }
            if class == last_class {
                run += 1;
            } else {
                run = 1;
                short_shape.push(class);
            }
            if run <= 4 {
                shape.push(class);
            }
            last_class = class;
        }
        // Suffixes: hash the last 1..4 lower-case characters.
        let mut suffixes = [0u64; 4];
        for (k, suffix) in suffixes.iter_mut().enumerate() {
            let mut h = CharHash::new(6);
            for back in (0..(k + 1).min(length)).rev() {
                h.push(tail[(length - 1 - back) % 4]);
            }
            *suffix = h.finish();
        }
        for k in length.min(4)..4 {
            prefixes[k] = prefixes[k.saturating_sub(1)];
        }
        let casing = match (upper_letters, lower_letters) {
            (0, 0) => Casing::None,
            (0, _) => Casing::Lower,
            (1, 0) => Casing::Initial,
            (_, 0) => Casing::Upper,
            (1, _) if first_upper => Casing::Title,
            _ => Casing::Mixed,
        };
        TokenInfo {
            word: word.finish(),
            lower: lower.finish(),
            shape: shape.finish(),
            short_shape: short_shape.finish(),
            prefixes,
            suffixes,
            casing,
            length: length.min(255) as u8,
            lists: 0,
            clusters: [NO_CLUSTER; 4],
        }
    }
}

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

/// Combines a template id with values into a feature key (never 0).
fn key(template: u64, values: &[u64]) -> u64 {
    let mut h = template.wrapping_mul(MUL) ^ 0xA076_1D64_78BD_642F;
    for &v in values {
        h = (h.rotate_left(23) ^ v).wrapping_mul(MUL);
    }
    fmix(h) | 1
}

/// A token's place in a run of capitalised words.
#[derive(Clone, Copy)]
struct NameRun {
    /// 0 outside a run, else 1 first, 2 inside, 3 last.
    part: u64,
    /// Index of the run's first and last (head) token.
    first: usize,
    head: usize,
    /// Tokens in the run, connectors included.
    length: u64,
    /// Whether a lower-case connector ("of", "for") joins the run.
    connected: bool,
}

impl NameRun {
    const NONE: NameRun = NameRun {
        part: 0,
        first: 0,
        head: 0,
        length: 0,
        connected: false,
    };
}

/// Lower-case words that join the capitalised parts of one name
/// ("Bank of England", "Women for Peace", "Abdullah bin Zayed").
fn is_connector(token: &str) -> bool {
    matches!(
        token,
        "of" | "for"
            | "and"
            | "&"
            | "de"
            | "del"
            | "della"
            | "da"
            | "di"
            | "du"
            | "des"
            | "der"
            | "van"
            | "von"
            | "bin"
            | "bint"
            | "ibn"
            | "al"
            | "el"
            | "on"
            | "in"
    )
}

/// Capitalised function words that begin sentences, not names.
fn is_capitalised_function_word(token: &str) -> bool {
    matches!(
        token,
        "The"
            | "A"
            | "An"
            | "In"
            | "On"
            | "At"
            | "For"
            | "Of"
            | "And"
            | "But"
            | "He"
            | "She"
            | "It"
            | "We"
            | "They"
            | "I"
            | "This"
            | "That"
            | "These"
            | "Those"
            | "His"
            | "Her"
            | "Their"
            | "Its"
            | "Our"
            | "As"
            | "By"
            | "From"
            | "With"
            | "To"
            | "If"
            | "When"
            | "While"
            | "After"
            | "Before"
            | "Since"
            | "Mr"
            | "Mr."
            | "Mrs"
            | "Mrs."
            | "Ms"
            | "Ms."
    )
}

/// Marks the runs of two or more capitalised words (with connectors
/// between them) in sentence `s`.
fn mark_name_runs(tokens: &[&str], infos: &[TokenInfo], s: Range<usize>, out: &mut [NameRun]) {
    let member = |i: usize| {
        matches!(
            infos[i].casing,
            Casing::Title | Casing::Upper | Casing::Mixed | Casing::Initial
        ) && !is_capitalised_function_word(tokens[i])
    };
    let mut i = s.start;
    while i < s.end {
        if !member(i) {
            i += 1;
            continue;
        }
        // Extend over members, and over connectors (at most two in a row,
        // as in "of the") that a member follows.
        let (start, mut end, mut connected) = (i, i + 1, false);
        loop {
            if end < s.end && member(end) {
                end += 1;
                continue;
            }
            let mut j = end;
            while j < s.end && j - end < 2 && (is_connector(tokens[j]) || tokens[j] == "the") {
                j += 1;
            }
            if j > end && j < s.end && member(j) && is_connector(tokens[end]) {
                connected = true;
                end = j + 1;
                continue;
            }
            break;
        }
        if end - start >= 2 {
            for (k, slot) in (start..end).zip(&mut out[start..end]) {
                *slot = NameRun {
                    part: if k == start {
                        1
                    } else if k + 1 == end {
                        3
                    } else {
                        2
                    },
                    first: start,
                    head: end - 1,
                    length: (end - start) as u64,
                    connected,
                };
            }
        }
        i = end;
    }
}

/// The indices of the lists in a list set, one by one.
fn list_bits(lists: u64) -> impl Iterator<Item = u64> {
    (0..64).filter(move |bit| lists & (1 << bit) != 0)
}

/// Replaces `infos` with the infos of `tokens`, each distinct token text
/// analysed once (about half the tokens of an article repeat one).
fn token_infos(tokens: &[&str], infos: &mut Vec<TokenInfo>) {
    let mut first_of: FxHashMap<&str, usize> =
        FxHashMap::with_capacity_and_hasher(tokens.len(), Default::default());
    infos.clear();
    infos.reserve(tokens.len());
    for (i, &token) in tokens.iter().enumerate() {
        let first = *first_of.entry(token).or_insert(i);
        let info = if first == i {
            TokenInfo::new(token)
        } else {
            infos[first]
        };
        infos.push(info);
    }
}

/// Adds gazetteer lists and word clusters to token infos. Punctuation is in
/// no list; each distinct spelling is looked up once.
fn add_lexical(tokens: &[&str], infos: &mut [TokenInfo]) {
    let gazetteers = gazetteer::bundled();
    let mut known: FxHashMap<u64, (u64, [u64; 4])> =
        FxHashMap::with_capacity_and_hasher(tokens.len(), Default::default());
    for (token, info) in tokens.iter().zip(infos.iter_mut()) {
        if !token.chars().any(char::is_alphanumeric) {
            continue;
        }
        let (lists, clusters) = *known.entry(info.word).or_insert_with(|| {
            let lists = gazetteers.word_lists(token).bits() as u64;
            let clusters = gazetteers.clusters(token).map_or([NO_CLUSTER; 4], |c| {
                [
                    c.k64 as u64,
                    c.k256 as u64,
                    c.k1024 as u64,
                    c.vector_row as u64,
                ]
            });
            (lists, clusters)
        });
        info.lists = lists;
        info.clusters = clusters;
    }
}

/// Keys of the templates that depend on the token's spelling alone: the
/// word, its lower-case form, shape, affixes, casing and length, gazetteer
/// lists and word clusters (and the bias). They are computed, and looked up,
/// once per distinct spelling in a document.
fn add_word_keys(t: &TokenInfo, keys: &mut Vec<u64>) {
    let mut add = |template: u64, values: &[u64]| keys.push(key(template, values));
    let casing = t.casing as u64;
    add(1, &[]);
    add(2, &[t.word]);
    add(3, &[t.lower]);
    add(10, &[t.shape]);
    for k in 0..4 {
        add(16 + k as u64, &[t.prefixes[k]]);
        add(20 + k as u64, &[t.suffixes[k]]);
    }
    add(28, &[casing, (t.length as u64).min(8)]);
    if t.lists != 0 {
        add(50, &[t.lists, casing]);
        // Each list alone too: a rare combination of lists (a city that is
        // also a given name) still carries what each list says.
        for bit in list_bits(t.lists) {
            add(54, &[bit, casing]);
        }
    }
    for (k, &c) in t.clusters.iter().enumerate() {
        add(60 + k as u64, &[c]);
    }
    add(66, &[t.clusters[1], casing]);
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn casing_and_shapes() {
        let info = |s: &str| TokenInfo::new(s);
        assert_eq!(info("Japan").casing, Casing::Title);
        assert_eq!(info("JAPAN").casing, Casing::Upper);
        assert_eq!(info("J.").casing, Casing::Initial);
        assert_eq!(info("McDonald").casing, Casing::Mixed);
        assert_eq!(info("1996").casing, Casing::None);
        assert_eq!(info("Japan").lower, info("JAPAN").lower);
        assert_ne!(info("Japan").word, info("JAPAN").word);
        assert_eq!(info("1996").lower, info("2024").lower);
        assert_eq!(info("’").word, info("'").word);
        assert_eq!(info("Berlin").short_shape, info("Xy").short_shape);
        assert_eq!(info("Berlin").suffixes[2], info("Stalin").suffixes[2]);
        assert_eq!(info("Berlin").prefixes[2], info("berry").prefixes[2]);
        assert_ne!(info("Berlin").suffixes[3], info("Stalin").suffixes[3]);
    }

    #[test]
    fn capitalised_runs_span_connectors_but_not_sentence_openers() {
        let tokens = [
            "The",
            "Turkish",
            "War",
            "of",
            "Independence",
            "ended",
            "in",
            "Ankara",
            ".",
        ];
        let infos: Vec<TokenInfo> = tokens.iter().map(|t| TokenInfo::new(t)).collect();
        let mut runs = vec![NameRun::NONE; tokens.len()];
        mark_name_runs(&tokens, &infos, 0..tokens.len(), &mut runs);
        let parts: Vec<u64> = runs.iter().map(|r| r.part).collect();
        assert_eq!(parts, [0, 1, 2, 2, 3, 0, 0, 0, 0]);
        assert_eq!(
            (runs[1].head, runs[1].length, runs[1].connected),
            (4, 4, true)
        );
    }

    #[test]
    fn one_key_list_per_token() {
        let tokens = ["JAPAN", "WIN", ".", "Japan", "won", "in", "Tokyo", "."];
        let mut out = FeatureBuffer::default();
        extract(&tokens, &[0..3, 3..8], &mut out);
        assert_eq!(out.len(), tokens.len());
        // The headline "JAPAN" and the body "Japan" differ in casing evidence.
        assert_ne!(out.token(0), out.token(3));
        // Spellings are keyed once: "." twice, and "Japan" apart from "JAPAN".
        assert_eq!(out.words(), 7);
        assert_eq!(out.spelling(2), out.spelling(7));
        assert_ne!(out.spelling(0), out.spelling(3));
        assert!(out.keys.iter().all(|&k| k != 0));
    }
}
