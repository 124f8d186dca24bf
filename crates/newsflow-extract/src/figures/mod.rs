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

mod lexicon;

use crate::numbers::lexer::{self, Gap, Token, TokenKind};
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

    /// A number written as one run of digits ("7", "2023"): its digits.
    fn bare_digits(&self, f: &Found) -> Option<&'a str> {
        let t = &self.tokens[f.number_first];
        (t.is_digits() && f.number_end == f.number_first + 1 && f.first == f.number_first)
            .then(|| t.text(self.text))
    }

    /// A four-digit calendar year.
    fn year_of(&self, f: &Found) -> Option<u32> {
        let digits = self.bare_digits(f)?;
        let year: u32 = digits.parse().ok()?;
        (digits.len() == 4 && (1000..=2100).contains(&year) && f.kind == NumberKind::Cardinal)
            .then_some(year)
    }

    /// A day of the month: "7" or "7th".
    fn day_of(&self, f: &Found) -> Option<u32> {
        let t = &self.tokens[f.number_first];
        let is_day = t.is_digits()
            && t.end - t.start <= 2
            && f.first == f.number_first
            && matches!(f.kind, NumberKind::Cardinal | NumberKind::Ordinal)
            && (1.0..=31.0).contains(&f.value);
        is_day.then_some(f.value as u32)
    }

    /// The month named just before token `i` ("Oct." or "October"), and
    /// the token it starts at.
    fn month_before(&self, i: usize) -> Option<(u32, usize)> {
        if i == 0 || self.tokens[i].gap == Gap::Break {
            return None;
        }
        if self.tokens[i - 1].is_symbol('.') && i >= 2 && self.tokens[i - 1].gap == Gap::None {
            let m = lexicon::month(self.word(i - 2)?)?;
            return Some((m, i - 2));
        }
        Some((lexicon::month(self.word(i - 1)?)?, i - 1))
    }

    /// A date starting with number `k`: "Oct. 7, 2023", "Oct. 7",
    /// "7 October 2023", "October 2023". Returns the draft and how many
    /// numbers it used.
    fn date(&self, k: usize) -> Option<(Draft, usize)> {
        let f = &self.found[k];
        let draft = |first: usize, end: usize, value: Option<String>| Draft {
            first,
            end,
            value: value.map(FigureValue::Date),
            kind: FigureKind::Date,
            unit: None,
            qualifier: Qualifier::Exact,
            event: None,
            subject: None,
            range: None,
            of: None,
            against: None,
        };
        // A year right after a number `f`, separated by a comma or nothing.
        let year_after = |f: &Found| -> Option<(u32, usize)> {
            let next = self.found.get(k + 1)?;
            let between_ok = next.first == f.end
                || (next.first == f.end + 1 && self.tokens[f.end].is_symbol(','));
            if !between_ok || self.tokens[next.first].gap == Gap::Break {
                return None;
            }
            Some((self.year_of(next)?, next.end))
        };
        if let Some((month, start)) = self.month_before(f.first) {
            if let Some(day) = self.day_of(f) {
                return Some(match year_after(f) {
                    Some((year, end)) => (
                        draft(start, end, Some(format!("{year:04}-{month:02}-{day:02}"))),
                        2,
                    ),
                    None => (draft(start, f.end, None), 1),
                });
            }
            if let Some(year) = self.year_of(f) {
                return Some((
                    draft(start, f.end, Some(format!("{year:04}-{month:02}"))),
                    1,
                ));
            }
        }
        // "7 October 2023"
        let day = self.day_of(f)?;
        let month_at = f.end;
        let month_tok = self.next_on_line(month_at).filter(|t| t.gap != Gap::None)?;
        let month = lexicon::month(month_tok.text(self.text))?;
        let mut end = month_at + 1;
        if self.glued_symbol(end, '.') {
            end += 1;
        }
        if let Some(next) = self.found.get(k + 1) {
            let between_ok =
                next.first == end || (next.first == end + 1 && self.tokens[end].is_symbol(','));
            if between_ok && self.tokens[next.first].gap != Gap::Break {
                if let Some(year) = self.year_of(next) {
                    let iso = format!("{year:04}-{month:02}-{day:02}");
                    return Some((draft(f.first, next.end, Some(iso)), 2));
                }
            }
        }
        Some((draft(f.first, month_at + 1, None), 1))
    }

    /// A plain whole number of at most two digits: a side of a score.
    fn score_side(&self, f: &Found) -> Option<f64> {
        let digits = self.bare_digits(f)?;
        (digits.len() <= 2 && f.kind == NumberKind::Cardinal).then_some(f.value)
    }

    /// "3-1", "2–2": a result, when the first side is at least the second
    /// or the line talks of a match or vote ("lost 0-2"). Never a range or
    /// a count.
    fn score(&self, k: usize) -> Option<(Draft, usize)> {
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
            first: a.first,
            end: b.end,
            value: Some(FigureValue::Number(x)),
            kind: FigureKind::Score,
            unit: None,
            qualifier: Qualifier::Exact,
            event: None,
            subject: None,
            range: None,
            of: None,
            against: Some(y),
        };
        Some((draft, 2))
    }

    /// "nine in ten residents", "11 of their last 12", "3 out of 4": a
    /// part and its whole, with what is counted after the whole.
    fn ratio(&self, k: usize) -> Option<(Draft, usize)> {
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
            first,
            end: b.end,
            value: Some(FigureValue::Number(a.value)),
            kind: FigureKind::Ratio,
            unit: None,
            qualifier,
            event,
            subject,
            range: None,
            of: Some(b.value),
            against: None,
        };
        Some((draft, 2))
    }

    /// "3 out of 4", which the recogniser reads as one fraction: a ratio.
    fn out_of(&self, f: &Found) -> Option<Draft> {
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
            first,
            end: f.end,
            value: Some(FigureValue::Number(part)),
            kind: FigureKind::Ratio,
            unit: None,
            qualifier,
            event: self.event_of(first, subject.map_or(f.end, |(_, e)| e), subject),
            subject,
            range: None,
            of: Some(of),
            against: None,
        })
    }

    /// Two numbers read as one range ("between 20,000 and 30,000 people",
    /// "$38-40 billion"): one figure valued at the midpoint, with its ends.
    /// "from 5 to 7" and "rose 5 to 7" report a change, and two years a
    /// period: neither is a range here.
    fn range(&self, k: usize) -> Option<(Draft, usize)> {
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

    /// The qualifier phrase ending just before token `i`, and its first token.
    fn qualifier_before(&self, i: usize) -> Option<(Qualifier, usize)> {
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
    fn is_reference(&self, f: &Found) -> bool {
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
    fn is_age_apposition(&self, f: &Found) -> bool {
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
    fn time_unit_after(&self, f: &Found) -> Option<(&'static str, usize, bool)> {
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

    /// The counted noun phrase after token `at`: from its first word to its
    /// plural head, within a few words ("Israeli soldiers", "agreements").
    fn subject_after(&self, at: usize, value: f64) -> Option<(usize, usize)> {
        let start = at;
        let mut i = at;
        while i < start + SUBJECT_WORDS {
            let t = self.next_on_line(i).filter(|t| t.is_word())?;
            if i > start && t.gap == Gap::None {
                return None;
            }
            let w = t.text(self.text);
            if lexicon::is_function_word(w)
                || lexicon::event(w).is_some()
                || numbers::lexicon::num_word(w).is_some()
                || lexicon::time_unit(w).is_some()
                || lexicon::month(w).is_some()
            {
                break;
            }
            // "crisis" and "census" are singular; "Israelis" and "Iraqis" plural.
            let capitalised = w.starts_with(|c: char| c.is_uppercase());
            if capitalised && i > start {
                // "relay Jesse Owens": a name, not a counted noun.
                break;
            }
            // Capitalised plurals are peoples ("Palestinians", "Kurds"), not
            // places ending in "s" ("Kansas", "Texas").
            let plural = lexicon::is_irregular_plural(w)
                || (w.len() > 3
                    && w.ends_with('s')
                    && !w.ends_with("ss")
                    && !(capitalised && w.ends_with("as"))
                    && (capitalised || !(w.ends_with("us") || w.ends_with("is"))));
            if plural {
                return Some((start, i + 1));
            }
            i += 1;
        }
        // "one person", "a soldier": a singular head only for one, and
        // never a name ("1 Crystal").
        let lowercase = self
            .word(start)
            .is_some_and(|w| !w.starts_with(|c: char| c.is_uppercase()));
        (value == 1.0 && i > start && lowercase).then_some((start, start + 1))
    }

    /// What happened to the people counted: an event word after the noun
    /// phrase ("1,200 Israelis were killed"), or an active verb before the
    /// number ("killed thousands"; "claimed 43,700 lives"; "death toll rose
    /// to 1,200").
    fn event_of(
        &self,
        before: usize,
        after: usize,
        subject: Option<(usize, usize)>,
    ) -> Option<&'static str> {
        let mut i = after;
        let mut skipped = 0;
        while let Some(t) = self.next_on_line(i) {
            let TokenKind::Word = t.kind else {
                break;
            };
            let w = t.text(self.text);
            if let Some(event) = lexicon::event(w) {
                return Some(event);
            }
            if !lexicon::is_auxiliary(w) || skipped >= EVENT_GAP {
                break;
            }
            skipped += 1;
            i += 1;
        }
        let lives = subject.is_some_and(|(_, e)| {
            self.word(e - 1)
                .is_some_and(|w| w.eq_ignore_ascii_case("lives"))
        });
        if let Some(event) = self.event_before(before, lives) {
            return Some(event);
        }
        // "Fourteen children were among the dead", "1.9 million people in
        // the region had been displaced": for people, the event may come
        // later in the clause.
        let people = subject.is_some_and(|(_, e)| self.word(e - 1).is_some_and(lexicon::is_people));
        people.then(|| self.event_later(after)).flatten()
    }

    /// An event told before the number: an active verb ("killed
    /// thousands"), lives claimed ("claimed 43,700 lives") or a toll ("the
    /// death toll rose to 1,200").
    fn event_before(&self, before: usize, lives: bool) -> Option<&'static str> {
        let verb = self.word_before(before)?;
        if let Some(event) = lexicon::event(verb) {
            // "killed by 3 gunmen" has no victims in the number.
            return Some(event);
        }
        let claims = is_one_of(
            verb,
            &[
                "claimed", "claiming", "claims", "claim", "took", "taken", "taking", "cost",
                "costing", "lost",
            ],
        );
        if lives && claims {
            return Some("killed");
        }
        // "the death toll rose to 1,200", "a toll of 34,049"
        let window = before.saturating_sub(6);
        for j in (window..before).rev() {
            if self.tokens[j + 1].gap == Gap::Break
                || self.tokens[j].is_digits()
                || self.tokens[j].is_symbol('.')
            {
                break;
            }
            if self.word(j).is_some_and(|w| w.eq_ignore_ascii_case("toll")) {
                return Some("killed");
            }
        }
        None
    }

    /// An event word later in the clause from token `at`: up to
    /// `CLAUSE_WORDS` words, stopping at the clause's end, at the next
    /// number or at other people named (whose event it would be: "500
    /// protesters gathered where activists were detained").
    fn event_later(&self, at: usize) -> Option<&'static str> {
        for i in at..(at + CLAUSE_WORDS).min(self.tokens.len()) {
            let t = &self.tokens[i];
            if t.gap == Gap::Break && i > at {
                return None;
            }
            match t.kind {
                TokenKind::Word => {
                    let w = t.text(self.text);
                    if let Some(event) = lexicon::event(w) {
                        return Some(event);
                    }
                    let other_people =
                        !w.starts_with(|c: char| c.is_uppercase()) && lexicon::is_people(w);
                    if numbers::lexicon::num_word(w).is_some()
                        || lexicon::ends_clause(w)
                        || other_people
                    {
                        return None;
                    }
                }
                TokenKind::Digits => return None,
                TokenKind::Symbol(c) => {
                    if matches!(c, '.' | ';' | ':' | '?' | '!' | '(' | ')' | '"' | '“' | '”') {
                        return None;
                    }
                }
            }
        }
        None
    }

    /// The noun phrase ending at token `last`, read backwards: up to three
    /// words, none a function word nor a modifier ending in "s"; a capitalised word only opening the
    /// line ("Net income rose"), never a name ("Nvidia's revenue" ->
    /// "revenue"). Returns its token span.
    fn noun_phrase_before(&self, last: usize) -> Option<(usize, usize)> {
        let mut first = last + 1;
        while first > 0 && last + 1 - first < 3 {
            let j = first - 1;
            let Some(w) = self.word(j) else { break };
            let opens_line = j == 0 || self.tokens[j].gap == Gap::Break;
            let capitalised = w.starts_with(|c: char| c.is_uppercase());
            if lexicon::is_function_word(w)
                || numbers::lexicon::num_word(w).is_some()
                || lexicon::month(w).is_some()
                || (capitalised && !opens_line)
                || (j < last && self.tokens[j + 1].gap == Gap::Break)
                // A modifier ending in "s" is most often a verb: "the
                // company expects sales of".
                || (j < last && w.ends_with('s') && !w.ends_with("ss"))
            {
                break;
            }
            first = j;
            if opens_line {
                break;
            }
        }
        (first <= last).then_some((first, last + 1))
    }

    /// What an amount of money is: "revenue jumped to $26 billion", "a net
    /// loss of €1.2 billion", "$5 billion in aid", "a $5 billion loan". `first` is the figure's
    /// first token, `end` the token past it.
    fn money_subject(&self, first: usize, end: usize) -> Option<(usize, usize)> {
        // "$5 billion in aid"
        if self.word(end).is_some_and(|w| w.eq_ignore_ascii_case("in"))
            && self.tokens[end].gap != Gap::Break
        {
            let word = self
                .word(end + 1)
                .filter(|w| {
                    !lexicon::is_function_word(w)
                        && !w.starts_with(|c: char| c.is_uppercase())
                        && numbers::lexicon::num_word(w).is_none()
                        && lexicon::time_unit(w).is_none()
                })
                .filter(|_| self.tokens[end + 1].gap != Gap::Break);
            if word.is_some() {
                return Some((end + 1, end + 2));
            }
        }
        if first == 0 || self.tokens[first].gap == Gap::Break {
            return None;
        }
        let before = first - 1;
        let w = self.word(before)?;
        // "a $5 billion loan", "its $2 billion aid package"
        if lexicon::is_anaphoric_determiner(w) || is_one_of(w, &["a", "an"]) {
            let noun = |i: usize| {
                self.word(i).filter(|w| {
                    self.tokens[i].gap != Gap::Break
                        && !lexicon::is_function_word(w)
                        && !w.starts_with(|c: char| c.is_uppercase())
                        && numbers::lexicon::num_word(w).is_none()
                        && lexicon::time_unit(w).is_none()
                })
            };
            if noun(end).is_some() {
                let last = if noun(end + 1).is_some() {
                    end + 1
                } else {
                    end
                };
                return Some((end, last + 1));
            }
        }
        // "a net loss of", "a deal worth"
        if is_one_of(w, &["of", "worth"]) && before > 0 && self.tokens[before].gap != Gap::Break {
            return self.noun_phrase_before(before - 1);
        }
        // "revenue jumped to", "sales rose by", "profit was"
        let mut verb = before;
        if is_one_of(w, &["to", "by", "at"]) {
            verb = before.checked_sub(1)?;
            if self.tokens[before].gap == Gap::Break {
                return None;
            }
        }
        let is_change = self.word(verb).is_some_and(lexicon::is_change_verb);
        if !is_change || verb == 0 || self.tokens[verb].gap == Gap::Break {
            return None;
        }
        self.noun_phrase_before(verb - 1)
    }

    /// "a crowd of 53,400": a collective noun before "of" that names what
    /// a number counts.
    fn collective_before(&self, first: usize) -> Option<(usize, usize)> {
        if first < 2 || self.tokens[first].gap == Gap::Break {
            return None;
        }
        let of = self.word(first - 1)?;
        let noun = self.word(first - 2)?;
        (of.eq_ignore_ascii_case("of")
            && lexicon::is_collective(noun)
            && self.tokens[first - 1].gap != Gap::Break)
            .then_some((first - 2, first - 1))
    }

    /// "magnitude 6.8", "magnitude-6.8", "6.8-magnitude", "6.8 magnitude":
    /// the span of an earthquake magnitude, its word included.
    fn magnitude(&self, f: &Found) -> Option<(usize, usize)> {
        let is_magnitude = |i: usize| {
            self.word(i)
                .is_some_and(|w| w.eq_ignore_ascii_case("magnitude"))
        };
        if f.value > 10.0 || f.value < 0.0 || f.in_words {
            return None;
        }
        let first = f.first;
        if first > 0 && self.tokens[first].gap != Gap::Break {
            if is_magnitude(first - 1) {
                return Some((first - 1, f.end));
            }
            if first > 1 && self.tokens[first - 1].is_symbol('-') && is_magnitude(first - 2) {
                return Some((first - 2, f.end));
            }
        }
        let mut at = f.end;
        if self.glued_symbol(at, '-') {
            at += 1;
        }
        (self.next_on_line(at).is_some() && is_magnitude(at)).then_some((first, at + 1))
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
            first,
            end: f.end,
            value: number,
            kind: FigureKind::Count,
            unit: None,
            qualifier,
            event: None,
            subject: None,
            range,
            of: None,
            against: None,
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
