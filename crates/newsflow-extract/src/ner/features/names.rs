//! Runs of capitalised words and the head word that says what kind of name
//! they are.

use super::token::{Casing, TokenInfo};
use std::ops::Range;

/// A token's place in a run of capitalised words.
#[derive(Clone, Copy)]
pub(super) struct NameRun {
    /// 0 outside a run, else 1 first, 2 inside, 3 last.
    pub(super) part: u64,
    /// Index of the run's first and last (head) token.
    pub(super) first: usize,
    pub(super) head: usize,
    /// Tokens in the run, connectors included.
    pub(super) length: u64,
    /// Whether a lower-case connector ("of", "for") joins the run.
    pub(super) connected: bool,
}

impl NameRun {
    pub(super) const NONE: NameRun = NameRun {
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
pub(super) fn mark_name_runs(
    tokens: &[&str],
    infos: &[TokenInfo],
    s: Range<usize>,
    out: &mut [NameRun],
) {
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
