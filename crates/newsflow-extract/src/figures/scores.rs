//! Two numbers read as one figure: scores, ratios, "N out of M" and ranges.

use super::lexicon;
use super::{is_one_of, Draft, Line};
use crate::numbers::lexer::{Gap, TokenKind};
use crate::numbers::{self, Found, NumberKind};
use crate::{FigureKind, FigureValue, Qualifier};

impl<'a> Line<'a> {
    /// A plain whole number of at most two digits: a side of a score.
    fn score_side(&self, f: &Found) -> Option<f64> {
        let digits = self.bare_digits(f)?;
        (digits.len() <= 2 && f.kind == NumberKind::Cardinal).then_some(f.value)
    }

    /// "3-1", "2–2": a result, when the first side is at least the second
    /// or the line talks of a match or vote ("lost 0-2"). Never a range or
    /// a count.
    pub(super) fn score(&self, k: usize) -> Option<(Draft, usize)> {
        let a = &self.found[k];
        let b = self.found.get(k + 1)?;
        let (x, y) = (self.score_side(a)?, self.score_side(b)?);
        let dash = self
            .tok(a.end)
            .is_some_and(|t| t.gap == Gap::None && (t.is_symbol('-') || t.is_symbol('–')));
        if !dash || b.first != a.end + 1 || self.tokens[b.first].gap != Gap::None {
            return None;
        }
        // "+1-222-33", "2-3-4": codes and lists, not results.
        let code_before = a.first > 0
            && self.tokens[a.first].gap == Gap::None
            && matches!(
                self.tokens[a.first - 1].kind,
                TokenKind::Digits | TokenKind::Symbol('-' | '+' | '/' | '.' | ':')
            );
        let code_after = self.tok(b.end).is_some_and(|t| {
            t.gap == Gap::None
                && (t.is_digits()
                    || matches!(t.kind, TokenKind::Symbol('-' | '/' | ':' | '.'))
                        && self
                            .tok(b.end + 1)
                            .is_some_and(|n| n.is_digits() && n.gap == Gap::None))
        });
        if code_before || code_after {
            return None;
        }
        let near = |i: usize| self.word(i).is_some_and(lexicon::is_contest_word);
        let contest = (a.first.saturating_sub(8)..a.first).any(near)
            || (b.end..(b.end + 8).min(self.tokens.len())).any(near);
        if x < y && !contest {
            return None;
        }
        let draft = Draft {
            against: Some(y),
            ..Draft::new(
                a.first,
                b.end,
                Some(FigureValue::Number(x)),
                FigureKind::Score,
            )
        };
        Some((draft, 2))
    }

    /// "nine in ten residents", "11 of their last 12", "3 out of 4": a
    /// part and its whole, with what is counted after the whole.
    pub(super) fn ratio(&self, k: usize) -> Option<(Draft, usize)> {
        let a = &self.found[k];
        let b = self.found.get(k + 1)?;
        let whole_number =
            |f: &Found| f.kind == NumberKind::Cardinal && !f.indefinite && f.value.fract() == 0.0;
        if !whole_number(a) || !whole_number(b) || a.value > b.value || b.value < 2.0 {
            return None;
        }
        let link = self
            .word(a.end)
            .filter(|_| self.tokens[a.end].gap != Gap::Break)?;
        let linked = if link.eq_ignore_ascii_case("in") {
            // "one in five", never "20 in 2020" or "5 in 12 hours"
            let later = self.word(b.end);
            b.first == a.end + 1
                && self.year_of(b).is_none()
                && !later
                    .is_some_and(|w| lexicon::time_unit(w).is_some() || lexicon::month(w).is_some())
        } else if link.eq_ignore_ascii_case("of") {
            // "11 of their last 12", "five of the 20"
            let between = a.end + 1..b.first;
            between.len() <= 3
                && between.clone().all(|i| {
                    self.tokens[i].gap != Gap::Break
                        && self.word(i).is_some_and(|w| {
                            is_one_of(
                                w,
                                &[
                                    "the",
                                    "their",
                                    "its",
                                    "his",
                                    "her",
                                    "our",
                                    "your",
                                    "my",
                                    "last",
                                    "first",
                                    "past",
                                    "previous",
                                    "next",
                                    "latest",
                                    "remaining",
                                    "those",
                                    "these",
                                    "all",
                                ],
                            )
                        })
                })
        } else {
            false
        };
        if !linked || self.tokens[b.first].gap == Gap::Break {
            return None;
        }
        let (qualifier, first) = self
            .qualifier_before(a.first)
            .unwrap_or((Qualifier::Exact, a.first));
        let subject = self.subject_after(b.end, 2.0);
        let event = self.event_of(first, subject.map_or(b.end, |(_, e)| e), subject);
        let draft = Draft {
            qualifier,
            event,
            subject,
            of: Some(b.value),
            ..Draft::new(
                first,
                b.end,
                Some(FigureValue::Number(a.value)),
                FigureKind::Ratio,
            )
        };
        Some((draft, 2))
    }

    /// "3 out of 4", which the recogniser reads as one fraction: a ratio.
    pub(super) fn out_of(&self, f: &Found) -> Option<Draft> {
        if f.kind != NumberKind::Fraction {
            return None;
        }
        let out = (f.number_first..f.number_end).find(|&i| {
            self.word(i).is_some_and(|w| w.eq_ignore_ascii_case("out"))
                && self
                    .word(i + 1)
                    .is_some_and(|w| w.eq_ignore_ascii_case("of"))
        })?;
        let mut whole = Vec::new();
        numbers::scan(&self.tokens[out + 2..f.number_end], self.text, &mut whole);
        let of = whole.first()?.value;
        let part = (f.value * of).round();
        let subject = self.subject_after(f.end, 2.0);
        let (qualifier, first) = self
            .qualifier_before(f.first)
            .unwrap_or((Qualifier::Exact, f.first));
        Some(Draft {
            qualifier,
            event: self.event_of(first, subject.map_or(f.end, |(_, e)| e), subject),
            subject,
            of: Some(of),
            ..Draft::new(
                first,
                f.end,
                Some(FigureValue::Number(part)),
                FigureKind::Ratio,
            )
        })
    }

    /// Two numbers read as one range ("between 20,000 and 30,000 people",
    /// "$38-40 billion"): one figure valued at the midpoint, with its ends.
    /// "from 5 to 7" and "rose 5 to 7" report a change, and two years a
    /// period: neither is a range here.
    pub(super) fn range(&self, k: usize) -> Option<(Draft, usize)> {
        let c = numbers::closed_range(self.tokens, self.text, self.found, k)?;
        let (a, b) = (&self.found[k], &self.found[k + 1]);
        if self.year_of(a).is_some() && self.year_of(b).is_some() {
            return None;
        }
        if self
            .word(c.first)
            .is_some_and(|w| w.eq_ignore_ascii_case("from"))
        {
            return None;
        }
        let link_is_word = self.tokens[a.end].is_word();
        let after_change = self
            .word_before(c.first)
            .is_some_and(|w| lexicon::is_change_verb(w) || w.eq_ignore_ascii_case("by"));
        if link_is_word && after_change {
            return None;
        }
        let both = Found {
            first: c.first,
            end: c.end,
            number_first: a.number_first,
            number_end: b.number_end,
            // Halves first: the sum of two huge ends would overflow.
            value: c.low / 2.0 + c.high / 2.0,
            kind: c.kind,
            indefinite: false,
            in_words: a.in_words,
        };
        let draft = self.figure(&both, Some((c.low, c.high)))?;
        Some((draft, 2))
    }
}
