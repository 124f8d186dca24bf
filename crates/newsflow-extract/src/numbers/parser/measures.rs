//! Units, measures and ages after a number.

use super::Parser;
use crate::numbers::lexer::{Gap, TokenKind};
use crate::numbers::{literal, units, Found, NumberKind};

impl<'a> Parser<'a> {
    /// The unit written at token `at` after a number, and the token just
    /// past it: a word ("km", "GHz", "degrees Celsius", "square metres",
    /// "miles an hour", "km/h", "km2"), a degree sign ("°C", "° F", "°"),
    /// or a unit in brackets ("20 (kg)"). Letters or digits glued after
    /// the unit make it a code ("24703L202"), not a unit.
    pub(super) fn measure_at(&self, at: usize) -> Option<(&'static str, usize)> {
        let t = self.tok(at).filter(|t| t.gap != Gap::Break)?;
        let glued_next = |end: usize| {
            self.tok(end)
                .is_some_and(|n| n.gap == Gap::None && (n.is_word() || n.is_digits()))
        };
        let word_at = |i: usize| {
            self.word_text(i)
                .filter(|_| self.tokens[i].gap != Gap::Break)
        };
        let (unit, end) = match t.kind {
            TokenKind::Symbol('°') => match word_at(at + 1)
                .filter(|_| self.tokens[at + 1].gap != Gap::Spaces)
                .and_then(units::scale_after_degree)
            {
                Some(scale) => (scale, at + 2),
                None => ("°", at + 1),
            },
            TokenKind::Symbol(open @ ('(' | '[' | '{' | '<')) => {
                let close = match open {
                    '(' => ')',
                    '[' => ']',
                    '{' => '}',
                    _ => '>',
                };
                let unit = word_at(at + 1)
                    .filter(|_| self.tokens[at + 1].gap == Gap::None)
                    .and_then(units::unit_word)?;
                let closed = self
                    .tok(at + 2)
                    .is_some_and(|c| c.gap == Gap::None && c.is_symbol(close));
                (closed && unit != "°").then_some((unit, at + 3))?
            }
            TokenKind::Word => {
                let word = t.text(self.text);
                let lower = |w: &str, l: &str| w.eq_ignore_ascii_case(l);
                // "square metres", "sq km", "cubic feet", "metric tons"
                let mut next = at + 1;
                if lower(word, "sq") && self.tok(next).is_some_and(|n| n.is_symbol('.')) {
                    next += 1;
                }
                let power = if lower(word, "square") || lower(word, "sq") {
                    Some(2)
                } else if lower(word, "cubic") {
                    Some(3)
                } else {
                    None
                };
                if let Some(power) = power {
                    let length = word_at(next).and_then(units::unit_word)?;
                    return Some((units::power_of(length, power)?, next + 1));
                }
                if lower(word, "metric") {
                    let ton = word_at(at + 1).and_then(units::unit_word);
                    return (ton == Some("t")).then_some(("t", at + 2));
                }
                let unit = units::unit_word(word)?;
                let mut end = at + 1;
                if unit == "°" {
                    // "40 deg. celsius", "98.6 degrees f"
                    if lower(word, "deg") && self.tok(end).is_some_and(|n| n.is_symbol('.')) {
                        end += 1;
                    }
                    if let Some(scale) = word_at(end)
                        .filter(|_| !glued_next(end + 1))
                        .and_then(units::scale_after_degree)
                    {
                        return Some((scale, end + 1));
                    }
                    return Some((unit, end));
                }
                // "miles an hour", "kilometres per hour", "km/h", "m/s"
                let per = word_at(end)
                    .is_some_and(|w| lower(w, "per") || lower(w, "an") || lower(w, "a"));
                let slash = self
                    .tok(end)
                    .is_some_and(|n| n.gap == Gap::None && n.is_symbol('/'));
                if per || slash {
                    let time = word_at(end + 1)
                        .filter(|_| !slash || self.tokens[end + 1].gap == Gap::None);
                    let speed = time.and_then(|w| match w {
                        "h" | "hr" | "hour" => units::per_hour(unit),
                        "s" | "sec" | "second" => units::per_second(unit),
                        _ => None,
                    });
                    if let Some(speed) = speed {
                        return Some((speed, end + 2));
                    }
                }
                // "190 km2", "24703m2", "40 m²"
                let squared =
                    self.tok(end)
                        .filter(|n| n.gap == Gap::None)
                        .and_then(|n| match n.kind {
                            TokenKind::Digits => match n.text(self.text) {
                                "2" => Some(2),
                                "3" => Some(3),
                                _ => None,
                            },
                            TokenKind::Symbol('²') => Some(2),
                            TokenKind::Symbol('³') => Some(3),
                            _ => None,
                        });
                if let Some(power) = squared {
                    if let Some(area) = units::power_of(unit, power) {
                        end += 1;
                        (area, end)
                    } else {
                        return None;
                    }
                } else {
                    (unit, end)
                }
            }
            _ => return None,
        };
        (!glued_next(end)).then_some((unit, end))
    }

    /// "hit 40C", "-5C": a capital C glued to a plausible air or body
    /// temperature, as British news writes degrees Celsius. Not "777F" or
    /// "13F": a glued F is too often a model or a form.
    pub(super) fn celsius_glued(&self, at: usize, value: f64) -> Option<usize> {
        let c = self.tok(at).filter(|t| t.text(self.text) == "C")?;
        let code_after = self
            .tok(at + 1)
            .is_some_and(|t| t.gap == Gap::None && !t.is_symbol('.') && !t.is_symbol(','));
        (c.gap == Gap::None && (-90.0..=60.0).contains(&value) && !code_after).then_some(at + 1)
    }

    /// "5 ft 2 in", "5 feet and 2 inches": inches after a measure in feet
    /// join it, in feet.
    pub(super) fn feet_and_inches(&self, found: &mut Found) {
        if found.kind != NumberKind::Measure("ft") {
            return;
        }
        let mut at = found.end;
        if self.is_word(at, "and") {
            at += 1;
        }
        let Some(inches) = self
            .tok(at)
            .filter(|t| t.is_digits() && t.gap != Gap::Break)
            .and_then(|_| literal::read(self.tokens, self.text, at, false))
        else {
            return;
        };
        let Some(unit) = self
            .word_text(inches.end)
            .filter(|_| self.tokens[inches.end].gap != Gap::None)
        else {
            return;
        };
        // A bare "in" is inches only at the end of the phrase ("5 ft 2 in").
        let ends = self
            .tok(inches.end + 1)
            .is_none_or(|t| t.gap == Gap::Break || !t.is_word());
        let is_inch = unit.eq_ignore_ascii_case("inches")
            || unit.eq_ignore_ascii_case("inch")
            || (unit == "in" && ends);
        if is_inch && inches.value < 12.0 {
            found.value += inches.value / 12.0;
            found.end = inches.end + 1;
        }
    }

    /// An age written after a number at token `at`: "years old",
    /// "-year-old", "months of age", "day old", "yo". Returns the time
    /// unit and the token just past the phrase.
    pub(super) fn age_at(&self, at: usize) -> Option<(&'static str, usize)> {
        let mut i = at;
        let hyphen = self
            .tok(i)
            .is_some_and(|t| t.gap == Gap::None && t.is_symbol('-'));
        if hyphen {
            i += 1;
        }
        let word = self
            .word_text(i)
            .filter(|_| self.tokens[i].gap != Gap::Break)?;
        if !hyphen && (word.eq_ignore_ascii_case("yo") || word == "y") {
            // "87 yo", "87 y.o."
            if word == "y" {
                let dotted = [".", "o", "."].iter().enumerate().all(|(k, s)| {
                    self.tok(i + 1 + k)
                        .is_some_and(|t| t.gap == Gap::None && t.text(self.text) == *s)
                });
                return dotted.then_some(("year", i + 4));
            }
            return Some(("year", i + 1));
        }
        let unit = ["year", "month", "week", "day"].into_iter().find(|u| {
            word.eq_ignore_ascii_case(u)
                || word
                    .strip_suffix('s')
                    .is_some_and(|w| w.eq_ignore_ascii_case(u))
        })?;
        let old_at = if self
            .tok(i + 1)
            .is_some_and(|t| t.gap == Gap::None && t.is_symbol('-'))
        {
            i + 2
        } else {
            i + 1
        };
        let joined = |k: usize| self.tok(k).is_some_and(|t| t.gap != Gap::Break);
        if self.is_word(old_at, "old") && joined(old_at) {
            return Some((unit, old_at + 1));
        }
        let of_age = self.is_word(i + 1, "of") && self.is_word(i + 2, "age") && joined(i + 2);
        of_age.then_some((unit, i + 3))
    }
}
