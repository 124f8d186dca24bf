//! What the words around a number say of it: a qualifier, a reference rather than a count, an age, a duration.

use super::lexicon;
use super::{is_one_of, Line};
use crate::numbers::lexer::{Gap, TokenKind};
use crate::numbers::Found;
use crate::Qualifier;

impl<'a> Line<'a> {
    /// The qualifier phrase ending just before token `i`, and its first token.
    pub(super) fn qualifier_before(&self, i: usize) -> Option<(Qualifier, usize)> {
        'phrases: for (words, qualifier) in lexicon::QUALIFIERS {
            let n = words.len();
            if i < n {
                continue;
            }
            for (k, expected) in words.iter().enumerate() {
                let at = i - n + k;
                let t = &self.tokens[at];
                let joined = self.tokens[at + 1].gap != Gap::Break;
                if !t.is_word() || !joined || !t.text(self.text).eq_ignore_ascii_case(expected) {
                    continue 'phrases;
                }
            }
            return Some((*qualifier, i - n));
        }
        None
    }

    /// Whether the number is a name, code, time or age rather than a figure.
    pub(super) fn is_reference(&self, f: &Found) -> bool {
        let first = f.first;
        let end = f.end;
        // "COVID-19", "F-16", "SCP-173": glued to a word by a hyphen.
        let after_word_hyphen = first >= 2
            && self.tokens[first].gap == Gap::None
            && self.tokens[first - 1].is_symbol('-')
            && self.tokens[first - 1].gap == Gap::None
            && matches!(
                self.tokens[first - 2].kind,
                TokenKind::Word | TokenKind::Digits
            );
        // "3-1", "10:30", "0800 GMT"
        let joined_after = self.next_on_line(end).is_some_and(|t| {
            t.gap == Gap::None
                && matches!(t.kind, TokenKind::Symbol('-' | ':' | '/'))
                && self
                    .tok(end + 1)
                    .is_some_and(|n| n.is_digits() && n.gap == Gap::None)
        });
        let clock = self.next_on_line(end).is_some_and(|t| {
            t.is_word()
                && is_one_of(
                    t.text(self.text),
                    &[
                        "am", "pm", "a", "p", "gmt", "utc", "est", "edt", "bst", "cet", "hrs",
                        "hours", "local",
                    ],
                )
                && f.value.fract() == 0.0
                && (t.text(self.text) != "a" && t.text(self.text) != "p"
                    || self.glued_symbol(end + 1, '.'))
                && !(t.text(self.text).eq_ignore_ascii_case("hours") && f.value < 100.0)
        });
        let joined_before = first >= 2
            && self.tokens[first].gap == Gap::None
            && matches!(
                self.tokens[first - 1].kind,
                TokenKind::Symbol(':' | '/' | '#')
            );
        // "No. 10", "Article 51"
        let reference_word = self
            .word_before(first)
            .is_some_and(lexicon::is_reference_word)
            || (first >= 2
                && self.tokens[first - 1].is_symbol('.')
                && self.word(first - 2).is_some_and(lexicon::is_reference_word));
        let age = self.word_before(first).is_some_and(lexicon::is_age_word);
        // A list marker at the start of a line: "1." or "2)".
        let list_marker = (first == 0 || self.tokens[first].gap == Gap::Break)
            && self
                .tok(end)
                .is_some_and(|t| t.gap == Gap::None && (t.is_symbol('.') || t.is_symbol(')')));
        after_word_hyphen
            || joined_after
            || clock
            || joined_before
            || reference_word
            || age
            || list_marker
    }

    /// "John Smith, 45, said": an age set off by commas after a name.
    pub(super) fn is_age_apposition(&self, f: &Found) -> bool {
        let first = f.first;
        first >= 2
            && self.tokens[first - 1].is_symbol(',')
            && self
                .word(first - 2)
                .is_some_and(|w| w.starts_with(|c: char| c.is_uppercase()))
            && self
                .tok(f.end)
                .is_some_and(|t| t.is_symbol(',') || t.is_symbol(')'))
            && f.value < 120.0
            && f.value.fract() == 0.0
            && !f.in_words
    }

    /// The time unit after a number ("100 years", "three-day"), with the
    /// token past it; `None` for ages ("15-year-old", "15 years old").
    pub(super) fn time_unit_after(&self, f: &Found) -> Option<(&'static str, usize, bool)> {
        let mut at = f.end;
        let hyphen = self.glued_symbol(at, '-');
        if hyphen {
            at += 1;
        }
        let t = self
            .next_on_line(at)
            .filter(|t| t.is_word() && (!hyphen || t.gap == Gap::None))?;
        let unit = lexicon::time_unit(t.text(self.text))?;
        // Ages are no durations: "15-year-old", "15 years old".
        let age = (self.glued_symbol(at + 1, '-')
            && self
                .word(at + 2)
                .is_some_and(|w| w.eq_ignore_ascii_case("old")))
            || self
                .word(at + 1)
                .is_some_and(|w| w.eq_ignore_ascii_case("old"));
        Some((unit, at + 1, age))
    }
}
