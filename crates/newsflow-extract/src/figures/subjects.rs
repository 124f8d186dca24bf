//! What a figure counts or measures and what happened to it: the subject noun phrase and the event.

use super::lexicon;
use super::{is_one_of, Line, CLAUSE_WORDS, EVENT_GAP, SUBJECT_WORDS};
use crate::numbers::lexer::{Gap, TokenKind};
use crate::numbers::{self, Found};

impl<'a> Line<'a> {
    /// The counted noun phrase after token `at`: from its first word to its
    /// plural head, within a few words ("Israeli soldiers", "agreements").
    pub(super) fn subject_after(&self, at: usize, value: f64) -> Option<(usize, usize)> {
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
    pub(super) fn event_of(
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
    pub(super) fn money_subject(&self, first: usize, end: usize) -> Option<(usize, usize)> {
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
    pub(super) fn collective_before(&self, first: usize) -> Option<(usize, usize)> {
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
    pub(super) fn magnitude(&self, f: &Found) -> Option<(usize, usize)> {
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
}
