//! Per-token attributes (casing, shape, affixes, gazetteer lists, clusters),
//! hashed once per token, and the keys that depend on the word alone.

use super::hash::{key, CharHash};
use super::list_bits;
use crate::gazetteer::{self};
use rustc_hash::FxHashMap;

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
pub(super) enum Casing {
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
pub(super) struct TokenInfo {
    pub(super) word: u64,
    pub(super) lower: u64,
    pub(super) shape: u64,
    pub(super) short_shape: u64,
    pub(super) prefixes: [u64; 4],
    pub(super) suffixes: [u64; 4],
    pub(super) casing: Casing,
    pub(super) length: u8,
    /// Gazetteer lists the token is an entry of (bits of `ListSet`).
    pub(super) lists: u64,
    /// Word-vector clusters at three granularities and the vector row;
    /// `NO_CLUSTER` for words outside the vocabulary.
    pub(super) clusters: [u64; 4],
}

const NO_CLUSTER: u64 = u64::MAX;

pub(super) const PAD_BEFORE: u64 = 0x5EED_0001;
pub(super) const PAD_AFTER: u64 = 0x5EED_0002;

impl TokenInfo {
    pub(super) fn padding(value: u64) -> TokenInfo {
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

    pub(super) fn new(token: &str) -> TokenInfo {
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

/// Replaces `infos` with the infos of `tokens`, each distinct token text
/// analysed once (about half the tokens of an article repeat one).
pub(super) fn token_infos(tokens: &[&str], infos: &mut Vec<TokenInfo>) {
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
pub(super) fn add_lexical(tokens: &[&str], infos: &mut [TokenInfo]) {
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
pub(super) fn add_word_keys(t: &TokenInfo, keys: &mut Vec<u64>) {
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
