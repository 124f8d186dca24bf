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
mod ranges;
mod units;

pub(crate) use ranges::closed_range;
pub use ranges::{ranges, Bound, NumberRange};
pub use units::base_unit;

use currency::{dollar_prefix, iso_code, symbol_currency, CURRENCY_NAMES};
use lexer::{Gap, Token, TokenKind};
use lexicon::{is_unit_ordinal, num_word, NumWord};

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
    let mut found = Vec::new();
    lexer::for_each_line(text, |tokens| {
        found.clear();
        scan(tokens, text, &mut found);
        mentions.extend(found.iter().map(|f| f.mention(tokens)));
    });
    mentions
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
    let mut found = Vec::new();
    lexer::for_each_line(text, |tokens| {
        found.clear();
        scan(tokens, text, &mut found);
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
    let mut found = Vec::new();
    lexer::for_each_line(text, |tokens| {
        found.clear();
        scan(tokens, text, &mut found);
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

    /// The unit written at token `at` after a number, and the token just
    /// past it: a word ("km", "GHz", "degrees Celsius", "square metres",
    /// "miles an hour", "km/h", "km2"), a degree sign ("°C", "° F", "°"),
    /// or a unit in brackets ("20 (kg)"). Letters or digits glued after
    /// the unit make it a code ("24703L202"), not a unit.
    fn measure_at(&self, at: usize) -> Option<(&'static str, usize)> {
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
    fn celsius_glued(&self, at: usize, value: f64) -> Option<usize> {
        let c = self.tok(at).filter(|t| t.text(self.text) == "C")?;
        let code_after = self
            .tok(at + 1)
            .is_some_and(|t| t.gap == Gap::None && !t.is_symbol('.') && !t.is_symbol(','));
        (c.gap == Gap::None && (-90.0..=60.0).contains(&value) && !code_after).then_some(at + 1)
    }

    /// "5 ft 2 in", "5 feet and 2 inches": inches after a measure in feet
    /// join it, in feet.
    fn feet_and_inches(&self, found: &mut Found) {
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
    fn age_at(&self, at: usize) -> Option<(&'static str, usize)> {
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

    /// A currency name or ISO code starting at token `at`: ISO code, the
    /// factor to the main unit, and the token just past the name.
    fn currency_name(&self, at: usize) -> Option<(&'static str, f64, usize)> {
        let first = self
            .tok(at)
            .filter(|t| t.gap != Gap::Break && t.is_word())?;
        let first_text = first.text(self.text);
        if let Some((iso, factor)) = iso_code(first_text) {
            return Some((iso, factor, at + 1));
        }
        'names: for name in CURRENCY_NAMES {
            // Most words start no name: one comparison rules a name out.
            if !first_text.eq_ignore_ascii_case(name.words[0]) {
                continue;
            }
            // "Euro 2024", "six Euro ties": capitalised, it names a contest.
            let euro = matches!(name.words, ["euro" | "euros"]);
            if euro && first.text(self.text).starts_with('E') {
                continue;
            }
            for (k, expected) in name.words.iter().enumerate() {
                let Some(t) = self.tok(at + k) else {
                    continue 'names;
                };
                let ok = (k == 0 || t.gap != Gap::Break)
                    && t.text(self.text).eq_ignore_ascii_case(expected);
                if !ok {
                    continue 'names;
                }
            }
            return Some((name.iso, name.factor, at + name.words.len()));
        }
        None
    }

    /// "3 dollars 50 cents", "thirteen dollars and forty-five cents",
    /// "c $ 100 and fifty": minor units after an amount in main units.
    /// Without "and" or a cents word, a bare number only continues an
    /// amount that ends in a currency name (`after_name`): "15 dollars 50"
    /// but not "A$ 100 million three".
    fn minor_units(&self, found: &mut Found, after_name: bool) {
        if found.value >= 1e6 || found.value.fract() != 0.0 {
            return;
        }
        let mut at = found.end;
        let Some(mut start) = self.joined(at) else {
            return;
        };
        let with_and = self.word(start) == Some(NumWord::And);
        if with_and {
            let Some(next) = self.joined(start + 1) else {
                return;
            };
            start = next;
        }
        let Some(cents) = self.core(start, false, true, false) else {
            return;
        };
        if cents.kind != NumberKind::Cardinal || cents.value >= 100.0 || cents.value.fract() != 0.0
        {
            return;
        }
        at = cents.end;
        if let Some((_, factor, end)) = self.currency_name(at).filter(|n| n.1 == 0.01) {
            found.value += cents.value * factor;
            found.end = end;
            return;
        }
        // A bare number after the amount counts as cents only at the end of
        // a phrase: "15 dollars and 50." but not "15 dollars and 50 people".
        let bare_ok = (with_and || after_name)
            && match self.tok(at) {
                Some(t) if t.gap != Gap::Break && t.is_word() => {
                    self.word(at) == Some(NumWord::And)
                }
                _ => true,
            };
        if bare_ok {
            found.value += cents.value / 100.0;
            found.end = at;
        }
    }

    /// A currency written before the number starting at `i`: "$", "US$",
    /// "HK $", "USD", "MUSD", "Rs". Returns the ISO code, the factor and
    /// the prefix's first token.
    fn currency_prefix(&self, i: usize, floor: usize) -> Option<(&'static str, f64, usize)> {
        if i <= floor || self.tokens[i].gap == Gap::Break {
            return None;
        }
        let before = &self.tokens[i - 1];
        match before.kind {
            TokenKind::Symbol(c) => {
                let iso = symbol_currency(c)?;
                if c == '$' {
                    // Letters before "$": "US$", "c $", "u.s $", "nzd$".
                    for back in 1..=4 {
                        let Some(first_idx) = (i - 1).checked_sub(back) else {
                            break;
                        };
                        if first_idx < floor {
                            break;
                        }
                        let first = &self.tokens[first_idx];
                        let glued_to_previous = first.gap == Gap::None
                            && first_idx > 0
                            && !matches!(self.tokens[first_idx - 1].kind, TokenKind::Symbol(_));
                        if !first.is_word() || glued_to_previous {
                            continue;
                        }
                        if (first_idx + 1..i).any(|k| self.tokens[k].gap == Gap::Break) {
                            break;
                        }
                        let prefix =
                            self.text[first.byte_start..self.tokens[i - 2].byte_end].trim_end();
                        if let Some(iso) = dollar_prefix(prefix, before.gap != Gap::None) {
                            return Some((iso, 1.0, first_idx));
                        }
                    }
                }
                Some((iso, 1.0, i - 1))
            }
            TokenKind::Word => {
                let word = before.text(self.text);
                if let Some((iso, factor)) = iso_code(word) {
                    return Some((iso, factor, i - 1));
                }
                (word == "Rs" && before.gap != Gap::None).then_some(("INR", 1.0, i - 1))
            }
            TokenKind::Digits => None,
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

    /// The number (without sign, currency or unit) starting at token `i`.
    /// `nested` numbers (after "and", "over") cannot nest further, which
    /// bounds the look-ahead and keeps the scan linear.
    fn core(&self, i: usize, money: bool, nested: bool, grouping: bool) -> Option<Core> {
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

    /// A scale word continuing the phrase at `at`: its value and end.
    fn scale_after(&self, at: usize) -> Option<(f64, usize)> {
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
    fn fraction_after_scale(&self, w: &Words, denominator: f64, at: usize) -> Option<Core> {
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
    fn fraction_slash(&self, i: usize, lit: literal::Literal, nested: bool) -> Option<Core> {
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
    fn decimal_words(&self, at: usize) -> Option<(f64, usize)> {
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
    fn compound_denominator(&self, i: usize) -> Option<(f64, bool, usize)> {
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
    fn half(&self, i: usize) -> Option<Core> {
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
    fn many(&self, i: usize, unit: f64) -> Option<Core> {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn one(text: &str) -> (String, f64, NumberKind) {
        let found = recognise(text);
        assert_eq!(found.len(), 1, "{text}: {found:?}");
        let m = &found[0];
        let span: String = text.chars().skip(m.start).take(m.end - m.start).collect();
        (span, m.value, m.kind)
    }

    #[test]
    fn digits_words_and_money() {
        assert_eq!(
            one("at least 34,049 died"),
            ("34,049".into(), 34049.0, NumberKind::Cardinal)
        );
        assert_eq!(
            one("two hundred and two thousand"),
            (
                "two hundred and two thousand".into(),
                202000.0,
                NumberKind::Cardinal
            )
        );
        assert_eq!(
            one("paid $ 75 million ."),
            ("$ 75 million".into(), 75e6, NumberKind::Currency("USD"))
        );
        assert_eq!(
            one("rose 12% on"),
            ("12%".into(), 12.0, NumberKind::Percent)
        );
        assert_eq!(
            one("a dozen eggs"),
            ("a dozen".into(), 12.0, NumberKind::Cardinal)
        );
        assert_eq!(
            one("one and a half"),
            ("one and a half".into(), 1.5, NumberKind::Fraction)
        );
        assert_eq!(
            one("the 21st century"),
            ("21st".into(), 21.0, NumberKind::Ordinal)
        );
        assert_eq!(
            one("killed thousands of people"),
            ("thousands".into(), 1000.0, NumberKind::Cardinal)
        );
        assert_eq!(
            one("50 cents"),
            ("50 cents".into(), 0.5, NumberKind::Currency("USD"))
        );
        assert_eq!(
            one("a 29km road"),
            ("29km".into(), 29.0, NumberKind::Measure("km"))
        );
    }

    #[test]
    fn percentages_named_without_a_number_are_references() {
        let spans = |text: &str| -> Vec<String> {
            percent_references(text)
                .iter()
                .map(|r| text.chars().skip(r.start).take(r.end - r.start).collect())
                .collect()
        };
        assert_eq!(
            spans("Only a small percent attain the top ranks"),
            ["percent"]
        );
        assert_eq!(spans("How do I calculate a percentage?"), ["percentage"]);
        assert_eq!(spans("The table shows the % of increase"), ["%"]);
        assert_eq!(spans("what per cent of them"), ["per cent"]);
        // A percent word or sign that a number takes is no reference.
        assert!(spans("rose 12 percent, 3 per cent, 5% and 2 percentage points").is_empty());
        assert!(spans("percent of 10").is_empty());
        // A sign glued to its neighbours is part of a code.
        assert!(spans("q=30%25%2020").is_empty());
        // References are never numbers, so never figures.
        assert!(recognise("a small percent").is_empty());
        assert!(crate::figures::extract("How do I calculate a percentage?").is_empty());
    }

    #[test]
    fn not_numbers() {
        assert!(recognise("a 3D film and a current student").is_empty());
    }
}
