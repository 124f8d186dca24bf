//! Years and dates: a bare year, a day with its month.

use super::lexicon;
use super::{Draft, Line};
use crate::numbers::lexer::Gap;
use crate::numbers::{Found, NumberKind};
use crate::{FigureKind, FigureValue};

impl<'a> Line<'a> {
    /// A number written as one run of digits ("7", "2023"): its digits.
    pub(super) fn bare_digits(&self, f: &Found) -> Option<&'a str> {
        let t = &self.tokens[f.number_first];
        (t.is_digits() && f.number_end == f.number_first + 1 && f.first == f.number_first)
            .then(|| t.text(self.text))
    }

    /// A four-digit calendar year.
    pub(super) fn year_of(&self, f: &Found) -> Option<u32> {
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
    pub(super) fn date(&self, k: usize) -> Option<(Draft, usize)> {
        let f = &self.found[k];
        let draft = |first: usize, end: usize, value: Option<String>| {
            Draft::new(first, end, value.map(FigureValue::Date), FigureKind::Date)
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
}
