//! The figure stage: of every number the recogniser finds, keep those the
//! article reports, and say what each one measures.
//!
//! Per number it decides the kind (count, money, percent, year, date,
//! duration, ordinal, measure, score, ratio), the qualifier written before
//! it ("at least 34,049" -> at least; "thousands" -> at least), and for
//! counts the counted noun phrase ("Palestinians") and what happened to the
//! people counted ("killed"), for money what it is ("revenue"). Two numbers
//! may make one figure: a range ("between 20,000 and 30,000", valued at
//! the midpoint), a score ("3-1") or a ratio ("nine in ten"). Numbers that name rather than count are dropped:
//! "two-state solution", "Article 51", "COVID-19", "First lady", ages,
//! times of day, "the two leaders" (people already named).
//!
//! Like the recogniser it reads the tokens of one line at a time and only
//! looks a few tokens around each number, so it is linear in the text.

mod context;
mod dates;
mod lexicon;
mod scores;
mod subjects;

use crate::numbers::lexer::{self, Gap, Token};
use crate::numbers::{self, Found, NumberKind};
use crate::{Figure, FigureKind, FigureValue, Qualifier};

/// The figures `text` reports, in order of appearance. Never panics.
pub fn extract(text: &str) -> Vec<Figure> {
    let mut figures = Vec::new();
    let mut found = Vec::new();
    lexer::for_each_line(text, |tokens| {
        found.clear();
        numbers::scan(tokens, text, &mut found);
        let line = Line {
            tokens,
            text,
            found: &found,
        };
        line.figures(&mut figures);
    });
    figures
}

/// Whether `word` is one of `words` (lower-case), ignoring ASCII case.
fn is_one_of(word: &str, words: &[&str]) -> bool {
    words.iter().any(|w| word.eq_ignore_ascii_case(w))
}

/// How far (in tokens) the stage looks for a counted noun or an event.
const SUBJECT_WORDS: usize = 4;
const EVENT_GAP: usize = 4;
/// How far (in tokens) an event of people may follow them in the clause.
const CLAUSE_WORDS: usize = 12;

/// The numbers of one line, with the tokens around them.
struct Line<'a> {
    tokens: &'a [Token],
    text: &'a str,
    found: &'a [Found],
}

/// A figure's attributes before its text is cut out.
struct Draft {
    first: usize,
    end: usize,
    value: Option<FigureValue>,
    kind: FigureKind,
    unit: Option<String>,
    qualifier: Qualifier,
    event: Option<&'static str>,
    subject: Option<(usize, usize)>,
    /// A range's ends ("20 to 30").
    range: Option<(f64, f64)>,
    /// A ratio's whole ("nine in ten").
    of: Option<f64>,
    /// A score's second side ("3-1").
    against: Option<f64>,
}

impl Draft {
    /// A figure over tokens `first..end` with only its value and kind:
    /// exact, with no unit, event, subject, range, whole or second side.
    fn new(first: usize, end: usize, value: Option<FigureValue>, kind: FigureKind) -> Draft {
        Draft {
            first,
            end,
            value,
            kind,
            unit: None,
            qualifier: Qualifier::Exact,
            event: None,
            subject: None,
            range: None,
            of: None,
            against: None,
        }
    }
}

impl<'a> Line<'a> {
    fn tok(&self, i: usize) -> Option<&'a Token> {
        self.tokens.get(i)
    }

    /// The word at token `i`, if it is one.
    fn word(&self, i: usize) -> Option<&'a str> {
        self.tok(i)
            .filter(|t| t.is_word())
            .map(|t| t.text(self.text))
    }

    /// The word before token `i` on the same line, if touching or spaced.
    fn word_before(&self, i: usize) -> Option<&'a str> {
        if i == 0 || self.tokens[i].gap == Gap::Break {
            return None;
        }
        self.word(i - 1)
    }

    /// Whether token `i` is the symbol `c` glued to the token before it.
    fn glued_symbol(&self, i: usize, c: char) -> bool {
        self.tok(i)
            .is_some_and(|t| t.is_symbol(c) && t.gap == Gap::None)
    }

    /// The token after `i`, when it continues the phrase (same line).
    fn next_on_line(&self, i: usize) -> Option<&'a Token> {
        self.tok(i).filter(|t| t.gap != Gap::Break)
    }

    fn figures(&self, out: &mut Vec<Figure>) {
        let mut k = 0;
        while k < self.found.len() {
            let pair = self
                .date(k)
                .or_else(|| self.score(k))
                .or_else(|| self.ratio(k))
                .or_else(|| self.range(k));
            if let Some((draft, used)) = pair {
                out.push(self.finish(draft));
                k += used;
                continue;
            }
            if let Some(mut draft) = self
                .out_of(&self.found[k])
                .or_else(|| self.figure(&self.found[k], None))
            {
                // "killed 22 people, including 9 children": the part shares
                // the event of the whole.
                let including = self
                    .word_before(draft.first)
                    .is_some_and(|w| w.eq_ignore_ascii_case("including"));
                if draft.kind == FigureKind::Count && draft.event.is_none() && including {
                    let line_start = self.tokens[0].start;
                    let whole = out
                        .last()
                        .filter(|f| f.kind == FigureKind::Count && f.start >= line_start);
                    draft.event = whole.and_then(|f| {
                        lexicon::EVENTS
                            .iter()
                            .copied()
                            .find(|e| f.event.as_deref() == Some(e))
                    });
                }
                out.push(self.finish(draft));
            }
            k += 1;
        }
    }

    fn finish(&self, d: Draft) -> Figure {
        let first = &self.tokens[d.first];
        let last = &self.tokens[d.end - 1];
        let subject = d.subject.map(|(s, e)| {
            self.text[self.tokens[s].byte_start..self.tokens[e - 1].byte_end].to_string()
        });
        // A measure in a unit with a base gets its value in that base.
        let base = match (&d.unit, &d.value) {
            (Some(unit), Some(FigureValue::Number(v))) if d.kind == FigureKind::Measure => {
                numbers::base_unit(unit)
                    .map(|(base, factor, offset)| (v * factor + offset, base))
                    .filter(|(b, _)| b.is_finite())
            }
            _ => None,
        };
        Figure {
            text: self.text[first.byte_start..last.byte_end].to_string(),
            start: first.start,
            end: last.end,
            value: d.value,
            kind: d.kind,
            unit: d.unit,
            low: d.range.map(|r| r.0),
            high: d.range.map(|r| r.1),
            of: d.of,
            against: d.against,
            base_value: base.map(|b| b.0),
            base_unit: base.map(|b| b.1.to_string()),
            qualifier: d.qualifier,
            event: d.event.map(str::to_string),
            subject,
        }
    }

    /// Decides whether number `f` is a reported figure, and what kind.
    /// `range` holds the ends when `f` stands for two numbers ("20 to 30").
    fn figure(&self, f: &Found, range: Option<(f64, f64)>) -> Option<Draft> {
        if self.is_reference(f) {
            return None;
        }
        let (qualifier, first) = match self.qualifier_before(f.first) {
            Some((q, at)) => (q, at),
            None if f.indefinite => (Qualifier::AtLeast, f.first),
            None => (Qualifier::Exact, f.first),
        };
        let number = Some(FigureValue::Number(f.value));
        let mut draft = Draft {
            qualifier,
            range,
            ..Draft::new(first, f.end, number, FigureKind::Count)
        };
        match f.kind {
            NumberKind::Fraction => return None,
            NumberKind::Percent => draft.kind = FigureKind::Percent,
            NumberKind::Currency(iso) => {
                draft.kind = FigureKind::Money;
                draft.unit = Some(iso.to_string());
                draft.subject = self.money_subject(draft.first, f.end);
            }
            // An age describes someone; it counts nothing.
            NumberKind::Age(_) => return None,
            NumberKind::Measure(unit) => {
                draft.kind = FigureKind::Measure;
                draft.unit = Some(unit.to_string());
            }
            NumberKind::Ordinal => {
                // "First lady", "second", "Third Reich": no figures.
                let t = &self.tokens[f.first];
                let word_ok = t.is_word()
                    && f.value >= 3.0
                    && !t.text(self.text).starts_with(|c: char| c.is_uppercase());
                if !(t.is_digits() || word_ok) {
                    return None;
                }
                draft.first = f.first;
                draft.kind = FigureKind::Ordinal;
                draft.qualifier = Qualifier::Exact;
            }
            NumberKind::Cardinal => return self.cardinal(f, draft, range.is_some()),
        }
        Some(draft)
    }

    fn cardinal(&self, f: &Found, mut draft: Draft, ranged: bool) -> Option<Draft> {
        // "a magnitude 6.8 earthquake", "a 6.8-magnitude quake": a reading
        // on a scale, not a count.
        if let Some((first, end)) = self.magnitude(f) {
            draft.kind = FigureKind::Measure;
            draft.unit = Some("Mw".to_string());
            if draft.first == f.first {
                draft.first = first;
            }
            draft.end = end;
            return Some(draft);
        }
        if let Some((unit, end, age)) = self.time_unit_after(f) {
            if age {
                return None;
            }
            // "over five years" is a period, not "more than five years".
            if matches!(draft.qualifier, Qualifier::MoreThan | Qualifier::LessThan)
                && self.word(draft.first).is_some_and(|w| {
                    w.eq_ignore_ascii_case("over") || w.eq_ignore_ascii_case("under")
                })
            {
                draft.first = f.first;
                draft.qualifier = Qualifier::Exact;
            }
            draft.kind = FigureKind::Duration;
            draft.unit = Some(unit.to_string());
            draft.end = end;
            return Some(draft);
        }
        // "two-state solution", "three-way talks", "10-point plan"
        if self.glued_symbol(f.end, '-')
            && self
                .tok(f.end + 1)
                .is_some_and(|t| t.is_word() && t.gap == Gap::None)
        {
            return None;
        }
        if self.is_age_apposition(f) {
            return None;
        }
        let qualified = draft.qualifier != Qualifier::Exact;
        let mut subject_at = f.end;
        if f.indefinite
            && self
                .word(subject_at)
                .is_some_and(|w| w.eq_ignore_ascii_case("of"))
            && self.tokens[subject_at].gap != Gap::Break
        {
            subject_at += 1;
        }
        // "a crowd of 53,400": the noun before "of" names what is counted.
        let subject = self
            .subject_after(subject_at, f.value)
            .or_else(|| self.collective_before(draft.first));
        let event_at = subject.map_or(f.end, |(_, e)| e);
        let event = self.event_of(draft.first, event_at, subject);
        let people_after = self
            .word(f.end)
            .is_some_and(|w| is_one_of(w, &["people", "persons"]));
        if let Some(year) = self.year_of(f) {
            // Numbers next to numbers are table cells ("325 1021 5"); years
            // before 1800 need a cue ("in 1642") to be told from counts.
            let beside_number = |t: Option<&Token>| t.is_some_and(|t| t.is_digits());
            let in_table = (f.first > 0
                && self.tokens[f.first].gap != Gap::Break
                && beside_number(self.tok(f.first - 1)))
                || beside_number(self.next_on_line(f.end));
            let cued = self.word_before(f.first).is_some_and(|w| {
                is_one_of(
                    w,
                    &[
                        "in", "since", "of", "from", "by", "until", "to", "year", "the", "around",
                        "before", "after", "between", "and",
                    ],
                )
            });
            let plausible = year >= 1800 || cued;
            if !(qualified || event.is_some() || people_after || in_table || !plausible) {
                draft.kind = FigureKind::Year;
                draft.value = Some(FigureValue::Number(f64::from(year)));
                draft.first = f.first;
                draft.qualifier = Qualifier::Exact;
                return Some(draft);
            }
        }
        // "Boeing 737 jets", "Windows 11": a number right after a name.
        let after_name = f.first > 0
            && !f.in_words
            && self.tokens[f.first].gap != Gap::Break
            && draft.first == f.first
            && self.word(f.first - 1).is_some_and(|w| {
                w.starts_with(|c: char| c.is_uppercase())
                    && lexicon::month(w).is_none()
                    && f.first >= 2
                    && !self.tokens[f.first - 2].is_symbol('.')
                    && self.tokens[f.first - 1].gap != Gap::Break
            });
        if after_name && event.is_none() && f.value < 10_000.0 {
            return None;
        }
        // "the two leaders" refers back to people already named.
        if f.in_words
            && f.value <= 10.0
            && !qualified
            && self
                .word_before(f.first)
                .is_some_and(lexicon::is_anaphoric_determiner)
        {
            return None;
        }
        // A count counts something: a noun, people an event befell, or an
        // amount bounded by a qualifier. Bare numbers (scores, table cells,
        // rates) are left out, and so is "one" without an event ("no one").
        let keep = if f.in_words && f.value == 1.0 {
            event.is_some()
        } else {
            subject.is_some() || event.is_some() || qualified
        };
        if !keep {
            return None;
        }
        // A count is whole: "31.44 points" on an index or "45.5 overs" is a
        // measure in the unit the noun names.
        let written_decimal =
            !ranged && f.value.fract() != 0.0 && !f.in_words && f.number_end == f.end && {
                let last = &self.tokens[f.number_end - 1];
                last.is_digits()
            };
        if written_decimal {
            // Without a noun there is no telling what it measures.
            subject?;
            draft.kind = FigureKind::Measure;
            draft.unit = subject.map(|(s, e)| {
                self.text[self.tokens[s].byte_start..self.tokens[e - 1].byte_end].to_string()
            });
            return Some(draft);
        }
        draft.event = event;
        draft.subject = subject;
        Some(draft)
    }
}
