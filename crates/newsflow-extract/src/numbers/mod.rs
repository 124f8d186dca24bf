//! The number recogniser: every number a text mentions, in digits
//! ("1,200", "3.5", "1.2 million", "$75 million", "12%", "1/2") or in words
//! ("eight", "two hundred and two thousand", "a dozen", "thousands"), with
//! its code-point span, value and coarse kind.
//!
//! Units ("4 °C", "2.80 GHz", "300 square metres") and ages ("15-year-old")
//! are part of their number; [`ranges`] reads two numbers as one interval
//! ("between 20 and 30") or a bound stated by comparison ("more than 30").
//!
//! It reports every number, before the figure stage decides which ones an
//! article reports. One linear scan over the tokens of each line; number
//! words are looked up in a table, never matched with regular expressions.
//!
//! ```
//! use newsflow_extract::numbers::{recognise, NumberKind};
//! let found = recognise("It cost $75 million, about 12% of two hundred and two thousand.");
//! assert_eq!(found[0].kind, NumberKind::Currency("USD"));
//! assert_eq!(found[0].value, 75e6);
//! assert_eq!(found[1].kind, NumberKind::Percent);
//! assert_eq!(found[2].value, 202_000.0);
//! ```

mod currency;
pub(crate) mod lexer;
pub(crate) mod lexicon;
mod literal;
mod parser;
mod ranges;
#[cfg(test)]
mod tests;
mod units;

pub(crate) use parser::scan;
pub(crate) use ranges::closed_range;
pub use ranges::{ranges, Bound, NumberRange};
pub use units::base_unit;

use lexer::{Gap, Token, TokenKind};

/// What a number mention denotes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NumberKind {
    /// A plain number: "34,049", "eight", "1.2 million".
    Cardinal,
    /// A fraction or mixed number: "1/2", "two thirds", "one and a half".
    Fraction,
    /// A rank: "third", "21st".
    Ordinal,
    /// A percentage; the value is the number before the sign (12% -> 12).
    Percent,
    /// Money, with its ISO 4217 code (`XBT` for bitcoin); the value is in
    /// the main unit (50 cents -> 0.5).
    Currency(&'static str),
    /// A physical quantity, with its canonical unit ("29km" -> `km`,
    /// "4 °C" -> `°C`, "2.80 GHz" -> `GHz`); [`base_unit`] converts it.
    Measure(&'static str),
    /// An age, with its time unit ("15-year-old", "ten months old", "age
    /// 87"): it describes someone, it counts nothing.
    Age(&'static str),
}

/// One number in a text.
#[derive(Debug, Clone, PartialEq)]
pub struct NumberMention {
    /// Code-point offset of the mention, currency sign or unit included.
    pub start: usize,
    /// Code-point offset just past the mention.
    pub end: usize,
    /// Code-point offset of the number itself ("75 million" in "$75 million").
    pub number_start: usize,
    /// Code-point offset just past the number itself.
    pub number_end: usize,
    /// The value; for percentages the number before the sign.
    pub value: f64,
    /// What the number denotes.
    pub kind: NumberKind,
    /// A lower bound rather than a number: "thousands", "tens of thousands".
    pub indefinite: bool,
    /// The number starts with a word ("eight", "a dozen") rather than digits.
    pub in_words: bool,
}

/// Every number mentioned in `text`, in order. Never panics; linear time.
pub fn recognise(text: &str) -> Vec<NumberMention> {
    let mut mentions = Vec::new();
    for_each_scanned_line(text, |tokens, found| {
        mentions.extend(found.iter().map(|f| f.mention(tokens)));
    });
    mentions
}

/// Calls `visit` with each line's tokens and the numbers found in them.
fn for_each_scanned_line(text: &str, mut visit: impl FnMut(&[Token], &[Found])) {
    let mut found = Vec::new();
    lexer::for_each_line(text, |tokens| {
        found.clear();
        scan(tokens, text, &mut found);
        visit(tokens, &found);
    });
}

/// A word or sign that names a percentage without giving one: "a small
/// percent", "calculate a percentage", "the % of increase".
///
/// It has no value, so it is no number: [`recognise`] and the figure stage
/// never see it, and it can never become a figure. It exists for readers
/// that want to know where a text talks about percentages at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PercentReference {
    /// Code-point offset of the word or sign.
    pub start: usize,
    /// Code-point offset just past it.
    pub end: usize,
}

/// Every percentage `text` names without a number, in order: a percent
/// word or a free-standing "%" that no number mention takes. Never panics;
/// linear time.
pub fn percent_references(text: &str) -> Vec<PercentReference> {
    let mut references = Vec::new();
    for_each_scanned_line(text, |tokens, found| {
        // Mentions are in order and do not overlap, so one cursor tells
        // whether a token belongs to a number ("12 percent").
        let mut mentions = found.iter().peekable();
        let mut i = 0;
        while i < tokens.len() {
            while mentions.next_if(|m| m.end <= i).is_some() {}
            if let Some(m) = mentions.peek().filter(|m| m.first <= i) {
                i = m.end;
                continue;
            }
            let reference_end = percent_reference_at(tokens, text, i);
            if let Some(end) = reference_end {
                references.push(PercentReference {
                    start: tokens[i].start,
                    end: tokens[end - 1].end,
                });
            }
            i = reference_end.unwrap_or(i + 1);
        }
    });
    references
}

/// A temperature scale named without a number: "convert 10 celsius to
/// fahrenheit", "degrees celsius". Like a [`PercentReference`] it has no
/// value and never becomes a figure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UnitReference {
    /// Code-point offset of the first word.
    pub start: usize,
    /// Code-point offset just past the last word.
    pub end: usize,
    /// The canonical unit (`°C`, `°F`).
    pub unit: &'static str,
}

/// Every temperature scale `text` names without a number, in order.
/// Never panics; linear time.
pub fn unit_references(text: &str) -> Vec<UnitReference> {
    let mut references = Vec::new();
    for_each_scanned_line(text, |tokens, found| {
        let mut mentions = found.iter().peekable();
        for (i, token) in tokens.iter().enumerate() {
            while mentions.next_if(|m| m.end <= i).is_some() {}
            let in_mention = mentions.peek().is_some_and(|m| m.first <= i);
            let word = token.text(text);
            if in_mention || !token.is_word() || !units::is_scale_name(word) {
                continue;
            }
            let Some(unit) = units::unit_word(word) else {
                continue;
            };
            // "degrees celsius": the degree word belongs to the scale.
            let degree_before = i > 0
                && token.gap != Gap::Break
                && tokens[i - 1].is_word()
                && !found.iter().any(|m| m.first < i && i - 1 < m.end)
                && units::unit_word(tokens[i - 1].text(text)) == Some("°");
            let first = if degree_before { i - 1 } else { i };
            references.push(UnitReference {
                start: tokens[first].start,
                end: token.end,
                unit,
            });
        }
    });
    references
}

/// The token just past a percentage named at token `i` without a number:
/// "percent", "percentage(s)", "per cent", or a "%" standing apart from
/// its neighbours (in "30%25" it is part of a code, not a reference).
fn percent_reference_at(tokens: &[Token], text: &str, i: usize) -> Option<usize> {
    let token = &tokens[i];
    match token.kind {
        TokenKind::Word => {
            let word = token.text(text);
            let is_word = |lower: &str| word.eq_ignore_ascii_case(lower);
            if ["percent", "percents", "percentage", "percentages"]
                .iter()
                .any(|w| is_word(w))
            {
                return Some(i + 1);
            }
            let cent = tokens.get(i + 1).filter(|t| {
                t.gap != Gap::Break && t.is_word() && t.text(text).eq_ignore_ascii_case("cent")
            });
            (is_word("per") && cent.is_some()).then_some(i + 2)
        }
        TokenKind::Symbol('%' | '\u{066a}') => {
            let apart_after = tokens.get(i + 1).is_none_or(|t| t.gap != Gap::None);
            (token.gap != Gap::None && apart_after).then_some(i + 1)
        }
        _ => None,
    }
}

/// A number found in a token slice, by token indices.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Found {
    /// First token of the mention (currency prefix included).
    pub first: usize,
    /// Token index just past the mention.
    pub end: usize,
    /// First token of the number itself.
    pub number_first: usize,
    /// Token index just past the number itself.
    pub number_end: usize,
    pub value: f64,
    pub kind: NumberKind,
    pub indefinite: bool,
    pub in_words: bool,
}

impl Found {
    /// The public form, with code-point offsets.
    pub fn mention(&self, tokens: &[Token]) -> NumberMention {
        NumberMention {
            start: tokens[self.first].start,
            end: tokens[self.end - 1].end,
            number_start: tokens[self.number_first].start,
            number_end: tokens[self.number_end - 1].end,
            value: self.value,
            kind: self.kind,
            indefinite: self.indefinite,
            in_words: self.in_words,
        }
    }
}
