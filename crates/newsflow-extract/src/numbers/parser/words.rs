//! Scales, fractions and other word forms that continue a number.

use super::{Core, Parser, Words};
use crate::numbers::lexer::{Gap, TokenKind};
use crate::numbers::lexicon::NumWord;
use crate::numbers::{literal, NumberKind};

impl<'a> Parser<'a> {
    /// A scale word continuing the phrase at `at`: its value and end.
    pub(super) fn scale_after(&self, at: usize) -> Option<(f64, usize)> {
        let j = self.joined(at)?;
        match self.word(j)? {
            NumWord::Scale(s) => Some((s, j + 1)),
            _ => None,
        }
    }

    /// "of a million" after a fraction: the scale and the end.
    fn of_a_scale(&self, at: usize) -> Option<(f64, usize)> {
        let of = self.joined(at).filter(|&j| self.is_word(j, "of"))?;
        let a = self
            .joined(of + 1)
            .filter(|&j| self.word(j) == Some(NumWord::A))?;
        self.scale_after(a + 1)
    }

    /// A plural fraction after "<scale> and": "two million and three
    /// fifths" (2.6 million), "one billion and three quarters million".
    pub(super) fn fraction_after_scale(
        &self,
        w: &Words,
        denominator: f64,
        at: usize,
    ) -> Option<Core> {
        let (scale, end) = self
            .scale_after(at)
            .or_else(|| self.of_a_scale(at))
            .or(w.and_scale.map(|s| (s, at)))?;
        let before = w.value() - w.tail;
        let value = before + w.tail / denominator * scale;
        value.is_finite().then_some(Core {
            end,
            value,
            kind: NumberKind::Fraction,
            indefinite: false,
            in_words: true,
            glued_word: false,
        })
    }

    /// "3/4", "2 1/4", "-4/5": a fraction in digits starting at `i`.
    pub(super) fn fraction_slash(
        &self,
        i: usize,
        lit: literal::Literal,
        nested: bool,
    ) -> Option<Core> {
        let slash = |at: usize| -> Option<(f64, usize)> {
            self.tok(at)
                .filter(|t| t.gap == Gap::None && (t.is_symbol('/') || t.is_symbol('\u{2044}')))?;
            self.tok(at + 1)
                .filter(|t| t.gap == Gap::None && t.is_digits())?;
            let den_lit = literal::read(self.tokens, self.text, at + 1, false)?;
            // "5/17/2018" is a date, not a fraction.
            if self.tok(den_lit.end).is_some_and(|t| {
                t.gap == Gap::None && (t.is_symbol('/') || t.is_word() || t.is_digits())
            }) {
                return None;
            }
            (den_lit.value != 0.0).then_some((den_lit.value, den_lit.end))
        };
        if !lit.plain_integer {
            return None;
        }
        if let Some((den, end)) = slash(lit.end) {
            // "2222/2222" in "+1-222-2222/2222" is no fraction either.
            let joined_by_hyphen = i > 1
                && self.tokens[i - 1].is_symbol('-')
                && self.tokens[i - 1].gap == Gap::None
                && matches!(self.tokens[i - 2].kind, TokenKind::Word | TokenKind::Digits);
            if i > 0
                && self.tokens[i].gap == Gap::None
                && (self.tokens[i - 1].is_symbol('/') || joined_by_hyphen)
            {
                return None;
            }
            return Some(Core {
                end,
                value: lit.value / den,
                kind: NumberKind::Fraction,
                indefinite: false,
                in_words: false,
                glued_word: false,
            });
        }
        // "2 1/4": a whole number, one space, a fraction.
        if nested
            || lit.end >= self.tokens.len()
            || !matches!(self.tokens[lit.end].gap, Gap::Space | Gap::Spaces)
            || !self.tokens[lit.end].is_digits()
        {
            return None;
        }
        let num = literal::read(self.tokens, self.text, lit.end, false)?;
        let (den, end) = slash(num.end)?;
        (num.value < den).then_some(Core {
            end,
            value: lit.value + num.value / den,
            kind: NumberKind::Fraction,
            indefinite: false,
            in_words: false,
            glued_word: false,
        })
    }

    /// Digits read after "point": "zero three" -> 0.03, "seventy-one" -> 0.71.
    pub(super) fn decimal_words(&self, at: usize) -> Option<(f64, usize)> {
        let first_at = self.joined(at)?;
        let first = self.word(first_at)?;
        match first {
            NumWord::Teen(t) => Some((f64::from(t) / 100.0, first_at + 1)),
            NumWord::Tens(t) => {
                if let Some(j) = self.joined(first_at + 1) {
                    if let Some(NumWord::Unit(u)) = self.word(j) {
                        return Some((f64::from(t + u) / 100.0, j + 1));
                    }
                }
                Some((f64::from(t) / 100.0, first_at + 1))
            }
            NumWord::Zero | NumWord::Unit(_) => {
                let mut digits = 0.0;
                let mut scale = 1.0;
                let mut end = first_at;
                let mut count = 0;
                while let Some(j) = self.joined(end) {
                    let d = match self.word(j) {
                        Some(NumWord::Zero) => 0,
                        Some(NumWord::Unit(u)) => u,
                        _ => break,
                    };
                    count += 1;
                    if count <= 17 {
                        scale /= 10.0;
                        digits += f64::from(d) * scale;
                    }
                    end = j + 1;
                }
                Some((digits, end))
            }
            _ => None,
        }
    }

    /// A tens word at `i` followed by a unit ordinal: "twenty-first(s)".
    pub(super) fn compound_denominator(&self, i: usize) -> Option<(f64, bool, usize)> {
        let NumWord::Tens(t) = self.word(i)? else {
            return None;
        };
        let j = self.joined(i + 1)?;
        match self.word(j)? {
            NumWord::Ordinal { value, plural } if value < 10.0 && value != 2.0 => {
                Some((f64::from(t) + value, plural, j + 1))
            }
            _ => None,
        }
    }

    /// "half", "half a dozen", "half a million", "half million".
    pub(super) fn half(&self, i: usize) -> Option<Core> {
        let mut at = self.joined(i + 1);
        if let Some(j) = at.filter(|&j| self.word(j) == Some(NumWord::A)) {
            at = self.joined(j + 1);
        }
        let (value, end) = match at.and_then(|j| self.word(j).map(|w| (w, j))) {
            Some((NumWord::Dozen, j)) => (6.0, j + 1),
            Some((NumWord::Scale(s), j)) => (s / 2.0, j + 1),
            _ => (0.5, i + 1),
        };
        Some(Core {
            end,
            value,
            kind: if value < 1.0 {
                NumberKind::Fraction
            } else {
                NumberKind::Cardinal
            },
            indefinite: false,
            in_words: true,
            glued_word: false,
        })
    }

    /// "thousands", "hundreds of thousands", "tens of thousands", "dozens":
    /// indefinite amounts, valued at their lower bound.
    pub(super) fn many(&self, i: usize, unit: f64) -> Option<Core> {
        let mut value = unit;
        let mut end = i + 1;
        if let Some(of) = self.joined(i + 1).filter(|&j| self.is_word(j, "of")) {
            if let Some((j, NumWord::Many(v))) = self
                .joined(of + 1)
                .and_then(|j| self.word(j).map(|w| (j, w)))
            {
                if v > unit {
                    value = unit * v;
                    end = j + 1;
                }
            }
        }
        if value == 10.0 {
            // "tens" alone is no number.
            return None;
        }
        Some(Core {
            end,
            value,
            kind: NumberKind::Cardinal,
            indefinite: true,
            in_words: true,
            glued_word: false,
        })
    }
}
