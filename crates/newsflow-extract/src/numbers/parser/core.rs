//! The number part of a mention: digits, numbers in words, fractions.

use super::{vulgar_fraction, Core, Last, Parser, Words};
use crate::numbers::lexer::{Gap, TokenKind};
use crate::numbers::lexicon::{is_unit_ordinal, num_word, NumWord};
use crate::numbers::{literal, NumberKind};

impl<'a> Parser<'a> {
    /// The number (without sign, currency or unit) starting at token `i`.
    /// `nested` numbers (after "and", "over") cannot nest further, which
    /// bounds the look-ahead and keeps the scan linear.
    pub(super) fn core(&self, i: usize, money: bool, nested: bool, grouping: bool) -> Option<Core> {
        let tok = self.tok(i)?;
        let mut w = Words {
            total: 0.0,
            group: 0.0,
            tail: 0.0,
            last: Last::Digits,
            last_scale: f64::INFINITY,
            tens_base: None,
            after_and: false,
            and_scale: None,
            started_a: false,
        };
        let in_words = tok.is_word();
        let mut end;
        let done = |end: usize, value: f64, kind: NumberKind| {
            value.is_finite().then_some(Core {
                end,
                value,
                kind,
                indefinite: false,
                in_words,
                glued_word: false,
            })
        };
        if let TokenKind::Symbol(c) = tok.kind {
            if let Some(v) = vulgar_fraction(c) {
                return done(i + 1, v, NumberKind::Fraction);
            }
        }
        if tok.is_digits() || tok.is_symbol('.') {
            let lit = literal::read(self.tokens, self.text, i, grouping)?;
            // "2½"
            if let Some(v) = self
                .tok(lit.end)
                .filter(|t| t.gap == Gap::None)
                .and_then(|t| match t.kind {
                    TokenKind::Symbol(c) if lit.plain_integer => vulgar_fraction(c),
                    _ => None,
                })
            {
                return done(lit.end + 1, lit.value + v, NumberKind::Fraction);
            }
            // "1.3x10^6"
            if self
                .tok(lit.end)
                .is_some_and(|t| t.gap == Gap::None && t.text(self.text) == "x")
                && self
                    .tok(lit.end + 1)
                    .is_some_and(|t| t.gap == Gap::None && t.text(self.text) == "10")
            {
                if let Some((power, e)) =
                    literal::exponent(self.tokens, self.text, lit.end + 2, 10.0)
                {
                    return done(e, lit.value * power, NumberKind::Cardinal);
                }
            }
            if let Some((value, e)) = literal::exponent(self.tokens, self.text, lit.end, lit.value)
            {
                return done(e, value, NumberKind::Cardinal);
            }
            if let Some(core) = self.fraction_slash(i, lit, nested) {
                return Some(core);
            }
            end = lit.end;
            let mut value = lit.value;
            if let Some(g) = self.tok(end).filter(|t| t.gap == Gap::None) {
                if g.is_word() {
                    let suffix = g.text(self.text);
                    if lit.plain_integer
                        && matches!(
                            suffix,
                            "st" | "nd" | "rd" | "th" | "ST" | "ND" | "RD" | "TH"
                        )
                    {
                        return done(end + 1, value, NumberKind::Ordinal);
                    }
                    // "5G" is a network generation, not five billion.
                    let generation = suffix == "G" && lit.plain_integer && value < 10.0;
                    match literal::glued_multiplier(suffix, money) {
                        Some(m) if !generation => {
                            return done(end + 1, value * m, NumberKind::Cardinal)
                        }
                        _ => {
                            let mut core = done(end, value, NumberKind::Cardinal)?;
                            core.glued_word = true;
                            return Some(core);
                        }
                    }
                }
            }
            // "2.33 k", "1,674.5 G": a spaced one-letter multiplier.
            if let Some(g) = self
                .tok(end)
                .filter(|t| matches!(t.gap, Gap::Space | Gap::Spaces) && t.is_word())
            {
                let letter = g.text(self.text);
                let alone = self.tok(end + 1).is_none_or(|n| n.gap != Gap::None);
                if alone && matches!(letter, "k" | "K" | "M" | "G") {
                    value *= literal::glued_multiplier(letter, false)?;
                    return done(end + 1, value, NumberKind::Cardinal);
                }
            }
            w.group = value;
            w.tail = value;
            w.last = Last::Digits;
            // Scale words may still follow: "1.2 million", "322 hundred".
            if !lit.plain_integer && self.joined(end).and_then(|j| self.word(j)).is_none() {
                return done(end, value, NumberKind::Cardinal);
            }
        } else {
            let first = self.word(i)?;
            end = i + 1;
            match first {
                NumWord::Zero => w.last = Last::Zero,
                NumWord::Unit(u) => {
                    w.group = f64::from(u);
                    w.tail = w.group;
                    w.last = Last::Unit;
                }
                NumWord::Teen(t) => {
                    w.group = f64::from(t);
                    w.tail = w.group;
                    w.last = Last::Teen;
                }
                NumWord::Tens(t) => {
                    w.group = f64::from(t);
                    w.tail = w.group;
                    w.last = Last::Tens;
                    w.tens_base = Some((0.0, false));
                }
                NumWord::Hundred => {
                    w.group = 100.0;
                    w.last = Last::Hundred;
                }
                NumWord::A => {
                    let next = self.joined(i + 1).and_then(|j| self.word(j))?;
                    let may_follow = matches!(
                        next,
                        NumWord::Hundred
                            | NumWord::Scale(_)
                            | NumWord::Dozen
                            | NumWord::Half { plural: false }
                            | NumWord::Quarter { plural: false }
                            | NumWord::Ordinal { plural: false, .. }
                            | NumWord::Tens(_)
                    );
                    if !may_follow {
                        return None;
                    }
                    w.last = Last::A;
                    w.started_a = true;
                }
                NumWord::Half { plural: false } => return self.half(i),
                NumWord::Many(v) => return self.many(i, v),
                NumWord::Tens10 => return self.many(i, 10.0),
                // "dozens of people"
                NumWord::Dozen if tok.text(self.text).eq_ignore_ascii_case("dozens") => {
                    return self.many(i, 12.0);
                }
                NumWord::Quarter { plural: false } => {
                    // "quarter million"
                    let (s, e) = self.scale_after(i + 1)?;
                    return done(e, 0.25 * s, NumberKind::Cardinal);
                }
                NumWord::Ordinal {
                    value,
                    plural: false,
                } => {
                    return done(end, value, NumberKind::Ordinal);
                }
                _ => return None,
            }
        }
        let mut pos = end;
        while let Some(wi) = self.joined(pos) {
            let next_tok = &self.tokens[wi];
            if next_tok.is_digits() {
                // "4 thousand 3 hundred and 21": a small integer continues
                // after a scale when a scale follows it, or after "hundred and".
                let Some(lit) =
                    literal::read(self.tokens, self.text, wi, false).filter(|l| l.small_integer)
                else {
                    break;
                };
                let then = self.joined(lit.end).and_then(|j| self.word(j));
                let after_scale = w.last == Last::Scale
                    && matches!(then, Some(NumWord::Hundred | NumWord::Scale(_)))
                    && lit.value > 0.0;
                let after_hundred_and = w.last == Last::Hundred
                    && w.after_and
                    && lit.value > 0.0
                    && lit.value < 100.0
                    && then.is_none()
                    && literal::stands_alone(self.tokens, self.text, wi);
                if !(after_scale || after_hundred_and)
                    || self
                        .tok(lit.end)
                        .is_some_and(|t| t.gap == Gap::None && t.is_word())
                {
                    break;
                }
                w.group += lit.value;
                w.tail = lit.value;
                w.last = Last::Digits;
                end = lit.end;
                pos = end;
                continue;
            }
            let Some(word) = self.word(wi) else {
                break;
            };
            // "100 million three-year bonds": a word tied to the next noun
            // by a hyphen starts a compound, not more of this number.
            let compound = self
                .tok(wi + 1)
                .is_some_and(|h| h.is_symbol('-') && h.gap == Gap::None)
                && self
                    .word_text(wi + 2)
                    .is_some_and(|w| num_word(w).is_none())
                && self.tokens[wi + 2].gap == Gap::None;
            if compound {
                break;
            }
            match word {
                NumWord::Unit(u)
                    if w.last == Last::Tens || matches!(w.last, Last::Hundred | Last::Scale) =>
                {
                    if w.last == Last::Tens {
                        w.tail += f64::from(u);
                    } else {
                        w.tail = f64::from(u);
                    }
                    w.group += f64::from(u);
                    w.last = Last::Unit;
                }
                NumWord::Teen(t) if matches!(w.last, Last::Hundred | Last::Scale) => {
                    w.group += f64::from(t);
                    w.tail = f64::from(t);
                    w.last = Last::Teen;
                }
                NumWord::Tens(t) if matches!(w.last, Last::Hundred | Last::Scale) => {
                    w.tens_base = Some((w.value(), w.after_and));
                    w.group += f64::from(t);
                    w.tail = f64::from(t);
                    w.last = Last::Tens;
                }
                NumWord::Tens(_) => {
                    // "twenty twenty fifths", "a twenty-first": a compound denominator.
                    let Some((den, plural, e)) = self.compound_denominator(wi) else {
                        break;
                    };
                    let numerator = w.value();
                    let single = w.last == Last::A
                        || (w.last == Last::Unit && numerator == 1.0 && w.total == 0.0);
                    if plural || (single && self.ends_fraction(e)) {
                        return done(e, numerator / den, NumberKind::Fraction);
                    }
                    break;
                }
                NumWord::Hundred
                    if matches!(w.last, Last::Unit | Last::Teen | Last::Tens)
                        && w.group < 100.0 =>
                {
                    w.group *= 100.0;
                    w.tail = 0.0;
                    w.last = Last::Hundred;
                }
                NumWord::Hundred if matches!(w.last, Last::A | Last::Digits) => {
                    w.group = if w.last == Last::A {
                        100.0
                    } else {
                        w.group * 100.0
                    };
                    w.tail = 0.0;
                    w.last = Last::Hundred;
                }
                NumWord::Scale(s)
                    if matches!(
                        w.last,
                        Last::A
                            | Last::Unit
                            | Last::Teen
                            | Last::Tens
                            | Last::Hundred
                            | Last::Digits
                    ) && s < w.last_scale =>
                {
                    let g = if w.last == Last::A { 1.0 } else { w.group };
                    w.total += g * s;
                    w.group = 0.0;
                    w.tail = 0.0;
                    w.last_scale = s;
                    w.last = Last::Scale;
                    w.after_and = false;
                }
                NumWord::Scale(s) if w.last == Last::Scale && s > w.last_scale => {
                    // "three lakh crore"
                    w.total *= s;
                    w.last_scale = s;
                }
                NumWord::Dozen
                    if matches!(
                        w.last,
                        Last::A | Last::Unit | Last::Teen | Last::Tens | Last::Digits
                    ) =>
                {
                    if w.last == Last::A {
                        w.group = 12.0;
                    } else {
                        w.group += w.tail * 11.0;
                    }
                    w.last = Last::Unit;
                    end = wi + 1;
                    break;
                }
                NumWord::And => {
                    let Some(nj) = self.joined(wi + 1) else {
                        break;
                    };
                    let next = self.word(nj);
                    let continues = matches!(w.last, Last::Hundred | Last::Scale)
                        && (matches!(
                            next,
                            Some(
                                NumWord::Unit(_)
                                    | NumWord::Teen(_)
                                    | NumWord::Tens(_)
                                    | NumWord::Ordinal { plural: false, .. }
                            )
                        ) || (w.last == Last::Hundred && self.tokens[nj].is_digits()));
                    if continues {
                        w.after_and = true;
                        if w.last == Last::Scale {
                            w.and_scale = Some(w.last_scale);
                        }
                        pos = nj;
                        continue;
                    }
                    // "one and a half", "twenty and three fifths"
                    if nested || w.last == Last::A || w.last == Last::Zero {
                        break;
                    }
                    match self.core(nj, false, true, false) {
                        Some(part) if part.kind == NumberKind::Fraction && part.value < 1.0 => {
                            // "five and a half million", "one billion and a half million"
                            if let Some((s, e)) = self.scale_after(part.end) {
                                let value = if w.last == Last::Scale {
                                    w.value() + part.value * s
                                } else {
                                    (w.value() + part.value) * s
                                };
                                return done(e, value, NumberKind::Cardinal);
                            }
                            // "one million and a half"
                            let unit = if w.last == Last::Scale {
                                w.last_scale
                            } else {
                                1.0
                            };
                            return done(
                                part.end,
                                w.value() + part.value * unit,
                                NumberKind::Fraction,
                            );
                        }
                        _ => break,
                    }
                }
                NumWord::Point if in_words && w.last != Last::A => {
                    let Some((fraction, e)) = self.decimal_words(wi + 1) else {
                        break;
                    };
                    return done(e, w.value() + fraction, NumberKind::Cardinal);
                }
                NumWord::Ordinal { value: d, plural } => {
                    let n = w.value();
                    if is_unit_ordinal(word) && w.last == Last::Tens {
                        if let Some((base, tens_after_and)) = w.tens_base {
                            if plural && base > 0.0 && !tens_after_and {
                                // "one hundred thirty fifths" = 100/35
                                let tens = n - base;
                                return done(wi + 1, base / (tens + d), NumberKind::Fraction);
                            }
                        }
                        if !plural {
                            // "twenty-first", "one hundred twenty-first"
                            return done(wi + 1, n + d, NumberKind::Ordinal);
                        }
                    }
                    if !plural && matches!(w.last, Last::Hundred | Last::Scale) && w.after_and {
                        // "one hundred and first"
                        return done(wi + 1, n + d, NumberKind::Ordinal);
                    }
                    if plural {
                        if w.last == Last::A || (d >= 100.0 && !w.started_a) {
                            break;
                        }
                        if let Some(value) = self.fraction_after_scale(&w, d, wi + 1) {
                            return Some(value);
                        }
                        return done(wi + 1, n / d, NumberKind::Fraction);
                    }
                    let single =
                        w.last == Last::A || (w.last == Last::Unit && n == 1.0 && w.total == 0.0);
                    if single && d >= 3.0 && self.ends_fraction(wi + 1) {
                        return done(wi + 1, 1.0 / d, NumberKind::Fraction);
                    }
                    break;
                }
                NumWord::Half { plural } => {
                    let single = w.last == Last::A || (w.last == Last::Unit && w.value() == 1.0);
                    if !plural && single {
                        return done(wi + 1, 0.5, NumberKind::Fraction);
                    }
                    if plural && w.last != Last::A {
                        return done(wi + 1, w.value() / 2.0, NumberKind::Fraction);
                    }
                    break;
                }
                NumWord::Quarter { plural } => {
                    let single = w.last == Last::A || (w.last == Last::Unit && w.value() == 1.0);
                    if !plural && single {
                        // "a quarter million"
                        if let Some((s, e)) = self.scale_after(wi + 1) {
                            return done(e, 0.25 * s, NumberKind::Cardinal);
                        }
                        if self.ends_fraction(wi + 1) {
                            return done(wi + 1, 0.25, NumberKind::Fraction);
                        }
                    }
                    if plural && w.last != Last::A {
                        if let Some(value) = self.fraction_after_scale(&w, 4.0, wi + 1) {
                            return Some(value);
                        }
                        // "one hundred and three quarters" = 100.75
                        let value = if w.after_and {
                            w.value() - w.tail + w.tail / 4.0
                        } else {
                            w.value() / 4.0
                        };
                        return done(wi + 1, value, NumberKind::Fraction);
                    }
                    break;
                }
                NumWord::Over | NumWord::Out if !nested && !money && w.last != Last::A => {
                    let den_at = if word == NumWord::Out {
                        let of = self.joined(wi + 1).filter(|&j| self.is_word(j, "of"))?;
                        self.joined(of + 1)
                    } else {
                        self.joined(wi + 1)
                    };
                    let Some(den) = den_at.and_then(|j| self.core(j, false, true, false)) else {
                        break;
                    };
                    // "$2000 over 3 years" is no fraction; "2000 over 3" is.
                    let then_word = self
                        .tok(den.end)
                        .is_some_and(|t| t.gap != Gap::Break && t.is_word());
                    let numerator = w.value();
                    if den.kind != NumberKind::Cardinal
                        || den.value == 0.0
                        || den.glued_word
                        || (word == NumWord::Over && then_word)
                        || (word == NumWord::Out && numerator >= den.value)
                    {
                        break;
                    }
                    return done(den.end, w.value() / den.value, NumberKind::Fraction);
                }
                _ => break,
            }
            end = wi + 1;
            pos = end;
        }
        if w.last == Last::A {
            return None;
        }
        let mut core = done(end, w.value(), NumberKind::Cardinal)?;
        core.glued_word = w.last == Last::Digits
            && self.tokens[end - 1].is_digits()
            && self
                .tok(end)
                .is_some_and(|t| t.gap == Gap::None && t.is_word());
        Some(core)
    }
}
