//! The one mechanism of the rules that add a name the tagger left out,
//! one word at a time (camel-case words, words of faiths, name compounds).

use super::labels::TokenSpan;
use crate::EntityType;
use std::ops::Range;

/// The confidence given to a word typed by a rule alone: the tagger did not
/// vouch for it, so it weighs less than a confident tagger's span when the
/// mentions of an entity vote on its type.
pub(super) const RULE_CONFIDENCE: f64 = 0.5;

/// Adds a one-word span for each word of `sentence` that no span covers and
/// to which `kind_of` gives a type, keeping `spans` in order.
pub(super) fn tag_lone_words(
    sentence: Range<usize>,
    spans: &mut Vec<(TokenSpan, f64)>,
    mut kind_of: impl FnMut(usize) -> Option<EntityType>,
) {
    let before = spans.len();
    for i in sentence {
        if spans.iter().any(|(s, _)| s.start <= i && i < s.end) {
            continue;
        }
        if let Some(kind) = kind_of(i) {
            let span = TokenSpan {
                start: i,
                end: i + 1,
                kind,
            };
            spans.push((span, RULE_CONFIDENCE));
        }
    }
    if spans.len() > before {
        spans.sort_by_key(|(s, _)| s.start);
    }
}

/// A span of middling confidence, for the tests of the rules.
#[cfg(test)]
pub(super) fn test_span(start: usize, end: usize, kind: EntityType) -> (TokenSpan, f64) {
    (TokenSpan { start, end, kind }, 0.5)
}
