//! The scanner behind [`super::recognise`]: one pass over a line's tokens,
//! reading each number with what belongs to it (sign, currency, unit, age).

mod core;
mod measures;
mod money;
mod words;

use crate::numbers::currency::{iso_code, symbol_currency};
use crate::numbers::lexer::{Gap, Token, TokenKind};
use crate::numbers::lexicon::{num_word, NumWord};
use crate::numbers::{literal, Found, NumberKind};

/// Appends the numbers in `tokens` (one line of `text`) to `out`.
pub(crate) fn scan(tokens: &[Token], text: &str, out: &mut Vec<Found>) {
    let mut parser = Parser {
        tokens,
        text,
        plain_until: 0,
    };
    let mut i = 0;
    let mut floor = 0;
    while i < tokens.len() {
        if !parser.could_start(i) {
            i += 1;
            continue;
        }
        match parser.mention_at(i, floor) {
            Ok(found) => {
                i = found.end;
                floor = found.end;
                out.push(found);
            }
            Err(skip) => i = skip.max(i + 1),
        }
    }
}

/// The number part of a mention, before signs, currencies and units.
#[derive(Debug, Clone, Copy)]
struct Core {
    end: usize,
    value: f64,
    kind: NumberKind,
    indefinite: bool,
    in_words: bool,
    /// Letters are glued to the last digits ("29km", "3D").
    glued_word: bool,
}

/// The last word read in a number in words, which decides what may follow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Last {
    A,
    Digits,
    Zero,
    Unit,
    Teen,
    Tens,
    Hundred,
    Scale,
}

/// The running value of a number in words.
struct Words {
    /// Completed scale groups ("two million" in "two million three hundred").
    total: f64,
    /// The group under construction (below a thousand, or digits).
    group: f64,
    /// What was added to the group since its last "hundred" (for "two dozens").
    tail: f64,
    last: Last,
    last_scale: f64,
    /// Value before the last tens word, and whether "and" preceded it:
    /// "one hundred thirty fifths" is 100/35 but "one hundred and thirty
    /// fifths" is 130/5.
    tens_base: Option<(f64, bool)>,
    after_and: bool,
    /// The scale an "and" followed: "two million and three fifths" is
    /// 2.6 million.
    and_scale: Option<f64>,
    /// The number began with "a"/"an" (needed by "a hundred trillionths").
    started_a: bool,
}

impl Words {
    fn value(&self) -> f64 {
        if self.last == Last::A {
            1.0
        } else {
            self.total + self.group
        }
    }
}

struct Parser<'a> {
    tokens: &'a [Token],
    text: &'a str,
    /// Digit groups before this token are list items ("22,24,26"), read
    /// one by one without thousands grouping.
    plain_until: usize,
}

/// The value of a vulgar fraction character ("½", "¾").
fn vulgar_fraction(c: char) -> Option<f64> {
    Some(match c {
        '½' => 1.0 / 2.0,
        '⅓' => 1.0 / 3.0,
        '⅔' => 2.0 / 3.0,
        '¼' => 1.0 / 4.0,
        '¾' => 3.0 / 4.0,
        '⅕' => 1.0 / 5.0,
        '⅖' => 2.0 / 5.0,
        '⅗' => 3.0 / 5.0,
        '⅘' => 4.0 / 5.0,
        '⅙' => 1.0 / 6.0,
        '⅚' => 5.0 / 6.0,
        '⅛' => 1.0 / 8.0,
        '⅜' => 3.0 / 8.0,
        '⅝' => 5.0 / 8.0,
        '⅞' => 7.0 / 8.0,
        _ => return None,
    })
}

/// Words after a number that make it a percentage.
fn is_percent_word(word: &str) -> bool {
    ["percent", "percents", "percentage", "pct"]
        .iter()
        .any(|p| word.eq_ignore_ascii_case(p))
}

impl<'a> Parser<'a> {
    fn tok(&self, i: usize) -> Option<&'a Token> {
        self.tokens.get(i)
    }

    fn word_text(&self, i: usize) -> Option<&'a str> {
        self.tok(i)
            .filter(|t| t.is_word())
            .map(|t| t.text(self.text))
    }

    fn word(&self, i: usize) -> Option<NumWord> {
        self.word_text(i).and_then(num_word)
    }

    fn is_word(&self, i: usize, lower: &str) -> bool {
        self.word_text(i)
            .is_some_and(|w| w.eq_ignore_ascii_case(lower))
    }

    /// The token continuing a phrase at `i`: itself, or the word after a
    /// hyphen ("twenty-one", "fifty - two"). Nothing joins across lines.
    fn joined(&self, i: usize) -> Option<usize> {
        let t = self.tok(i)?;
        if t.gap == Gap::Break {
            return None;
        }
        if matches!(t.kind, TokenKind::Symbol('-' | '\u{2010}')) {
            let next = self.tok(i + 1)?;
            return (next.gap != Gap::Break && (next.is_word() || next.is_digits()))
                .then_some(i + 1);
        }
        Some(i)
    }

    /// Whether a phrase may follow a singular fraction ("a third of"), as
    /// opposed to an ordinal ("a third term").
    fn ends_fraction(&self, i: usize) -> bool {
        match self.tok(i) {
            Some(t) if t.gap != Gap::Break && t.is_word() => self.is_word(i, "of"),
            _ => true,
        }
    }

    fn could_start(&self, i: usize) -> bool {
        let t = &self.tokens[i];
        match t.kind {
            TokenKind::Digits => true,
            TokenKind::Symbol('.') => {
                let after_digits = t.gap == Gap::None && i > 0 && self.tokens[i - 1].is_digits();
                !after_digits
                    && self
                        .tok(i + 1)
                        .is_some_and(|n| n.is_digits() && n.gap == Gap::None)
            }
            TokenKind::Symbol('-' | '\u{2212}') => self
                .tok(i + 1)
                .is_some_and(|n| n.is_digits() && n.gap == Gap::None),
            TokenKind::Symbol(c) => vulgar_fraction(c).is_some(),
            TokenKind::Word => {
                let w = t.text(self.text);
                num_word(w).is_some() || is_percent_word(w) || w.eq_ignore_ascii_case("per")
            }
        }
    }

    /// The mention starting at token `i`, or the token to resume at.
    fn mention_at(&mut self, i: usize, floor: usize) -> Result<Found, usize> {
        let t = &self.tokens[i];
        // "percent of 10", "per cent of twenty-two"
        if t.is_word() {
            if let Some(found) = self.percent_of(i) {
                return Ok(found);
            }
        }
        let (core_at, negative) = match t.kind {
            TokenKind::Word if self.word(i) == Some(NumWord::Minus) => {
                (self.joined(i + 1).ok_or(i + 1)?, true)
            }
            TokenKind::Symbol('-' | '\u{2212}') => {
                // A sign only where the hyphen is not joining: "SCP-173", "1-222".
                let joins = t.gap == Gap::None
                    && i > 0
                    && matches!(self.tokens[i - 1].kind, TokenKind::Word | TokenKind::Digits);
                if joins {
                    return Err(i + 1);
                }
                (i + 1, true)
            }
            _ => (i, false),
        };
        if negative && core_at >= self.tokens.len() {
            return Err(i + 1);
        }
        let prefix = self.currency_prefix(i, floor);
        let grouping = core_at >= self.plain_until;
        // Digits glued after letters are part of a code ("M1", "A320", "4x100"),
        // unless the letters are a currency ("USD50").
        let after_letters = core_at > 0
            && self.tokens[core_at].gap == Gap::None
            && self.tokens[core_at].is_digits()
            && self.tokens[core_at - 1].is_word()
            && prefix.is_none();
        if grouping && self.tokens[core_at].is_digits() {
            if let Some(lit) = literal::read(self.tokens, self.text, core_at, true) {
                self.plain_until = self.plain_until.max(lit.list_until);
            }
        }
        if after_letters {
            return Err(core_at + 1);
        }
        let Some(mut core) = self.core(core_at, prefix.is_some(), false, grouping) else {
            return Err(core_at + 1);
        };
        if negative {
            core.value = -core.value;
        }
        let mut found = Found {
            first: if negative { i } else { core_at },
            end: core.end,
            number_first: if negative { i } else { core_at },
            number_end: core.end,
            value: core.value,
            kind: core.kind,
            indefinite: core.indefinite,
            in_words: core.in_words,
        };
        if core.kind == NumberKind::Ordinal {
            return Ok(found);
        }
        // "age 87", "aged 15"
        let age_before = core_at > floor
            && !negative
            && core.kind == NumberKind::Cardinal
            && self.tokens[core_at].gap != Gap::Break
            && (self.is_word(core_at - 1, "age") || self.is_word(core_at - 1, "aged"));
        if age_before {
            found.first = core_at - 1;
            found.kind = NumberKind::Age("year");
            return Ok(found);
        }
        if core.glued_word {
            // Letters glued to digits: a currency code or unit, else no number ("3D").
            if let Some((iso, factor, end)) = self.currency_name(core.end) {
                found.kind = NumberKind::Currency(iso);
                found.value *= factor;
                found.end = end;
            } else if let Some((unit, end)) = self.measure_at(core.end) {
                found.kind = NumberKind::Measure(unit);
                found.end = end;
            } else if let Some(end) = self.celsius_glued(core.end, found.value) {
                found.kind = NumberKind::Measure("°C");
                found.end = end;
            } else {
                return Err(core.end + 1);
            }
            return Ok(found);
        }
        if let Some((iso, factor, first)) = prefix {
            found.first = first;
            found.kind = NumberKind::Currency(iso);
            found.value *= factor;
            // "$ 10 dollars": a redundant name after the number belongs to it.
            let is_code = self.word_text(found.end).and_then(iso_code).is_some();
            if let Some((_, _, end)) = self
                .currency_name(found.end)
                .filter(|n| n.0 == iso && !is_code)
            {
                found.end = end;
            }
            self.minor_units(&mut found, false);
            return Ok(found);
        }
        self.suffix(&mut found);
        Ok(found)
    }

    /// Reads what may follow a number: a percent sign, a currency, a unit
    /// or an age.
    fn suffix(&self, found: &mut Found) {
        let at = found.end;
        if found.kind == NumberKind::Cardinal {
            if let Some((unit, end)) = self.age_at(at) {
                found.kind = NumberKind::Age(unit);
                found.end = end;
                return;
            }
        }
        let Some(next) = self.tok(at).filter(|t| t.gap != Gap::Break) else {
            return;
        };
        // "billions of dollars", "millions of euros"
        if found.indefinite && self.is_word(at, "of") {
            if let Some((iso, factor, end)) = self.currency_name(at + 1) {
                found.kind = NumberKind::Currency(iso);
                found.value *= factor;
                found.end = end;
            }
            return;
        }
        match next.kind {
            TokenKind::Symbol('%' | '\u{066a}') => {
                found.kind = NumberKind::Percent;
                found.end = at + 1;
            }
            TokenKind::Symbol(c) => {
                if let Some(iso) = symbol_currency(c) {
                    // "10 €", "100元": a sign after the number, unless it opens the next one.
                    let opens_next = self
                        .tok(at + 1)
                        .is_some_and(|n| n.is_digits() && n.gap == Gap::None);
                    if !opens_next {
                        found.kind = NumberKind::Currency(iso);
                        found.end = at + 1;
                    }
                } else if c == '-'
                    && self
                        .tok(at + 1)
                        .is_some_and(|n| n.is_word() && n.gap == Gap::None)
                {
                    // "12-cent", "one-yen", "10-km"
                    if let Some((iso, factor, end)) = self.currency_name(at + 1) {
                        found.kind = NumberKind::Currency(iso);
                        found.value *= factor;
                        found.end = end;
                    } else if let Some((unit, end)) = self.measure_at(at + 1) {
                        if matches!(found.kind, NumberKind::Cardinal | NumberKind::Fraction) {
                            found.kind = NumberKind::Measure(unit);
                            found.end = end;
                        }
                    }
                } else if matches!(c, '°' | '(' | '[' | '{' | '<') {
                    // "85°", "4 °C", "20 (kg)"
                    if let Some((unit, end)) = self.measure_at(at) {
                        if matches!(found.kind, NumberKind::Cardinal | NumberKind::Fraction) {
                            found.kind = NumberKind::Measure(unit);
                            found.end = end;
                        }
                    }
                }
            }
            TokenKind::Word => {
                let word = next.text(self.text);
                if is_percent_word(word) {
                    found.kind = NumberKind::Percent;
                    found.end = at + 1;
                    // "2 percentage points"
                    let points = self.word_text(at + 1).is_some_and(|w| {
                        w.eq_ignore_ascii_case("points") || w.eq_ignore_ascii_case("point")
                    });
                    if points && self.tokens[at + 1].gap != Gap::Break {
                        found.end = at + 2;
                    }
                } else if word.eq_ignore_ascii_case("per") && self.is_word(at + 1, "cent") {
                    found.kind = NumberKind::Percent;
                    found.end = at + 2;
                } else if let Some((iso, factor, end)) = self.currency_name(at).filter(|n| {
                    !self
                        .tok(n.2)
                        .is_some_and(|t| t.gap == Gap::None && t.is_digits())
                }) {
                    // (A code glued to the next digits is that number's: "3 USD50".)
                    found.kind = NumberKind::Currency(iso);
                    found.value *= factor;
                    found.end = end;
                    // "75 USD million"
                    if let Some(NumWord::Scale(s)) = self.joined(end).and_then(|j| self.word(j)) {
                        found.value *= s;
                        found.end = end + 1;
                    }
                    if factor == 1.0 {
                        self.minor_units(found, true);
                    }
                } else if let Some((unit, end)) = self.measure_at(at) {
                    // Single letters ("5 m", "5 g") are too often something
                    // else; a spaced "m" is metres only before a number, a
                    // sign or the end ("1 m x 1 m", "12 m 2 dm").
                    let numeric = matches!(found.kind, NumberKind::Cardinal | NumberKind::Fraction);
                    let metre = word == "m"
                        && self.tok(end).is_none_or(|t| {
                            t.gap == Gap::Break || !t.is_word() || t.text(self.text) == "x"
                        });
                    if numeric && (word.chars().nth(1).is_some() || metre) {
                        found.kind = NumberKind::Measure(unit);
                        found.end = end;
                        self.feet_and_inches(found);
                    }
                }
            }
            TokenKind::Digits => {}
        }
    }

    /// "percent of 10", "per cent of twenty-two".
    fn percent_of(&self, i: usize) -> Option<Found> {
        let word = self.word_text(i)?;
        let after_percent = if is_percent_word(word) {
            i + 1
        } else if word.eq_ignore_ascii_case("per") && self.is_word(i + 1, "cent") {
            i + 2
        } else {
            return None;
        };
        let of = self
            .joined(after_percent)
            .filter(|&j| self.is_word(j, "of"))?;
        let at = self.joined(of + 1)?;
        let core = self.core(at, false, true, false)?;
        (core.kind == NumberKind::Cardinal && !core.glued_word).then_some(Found {
            first: i,
            end: core.end,
            number_first: at,
            number_end: core.end,
            value: core.value,
            kind: NumberKind::Percent,
            indefinite: false,
            in_words: core.in_words,
        })
    }
}
