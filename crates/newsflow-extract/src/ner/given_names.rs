//! Given names no list knows, in front of a surname: "Pep Guardiola",
//! "Xabi Alonso".
//!
//! Short forms and names from other languages ("Pep", a Catalan "Josep")
//! are missing from every name list, and the tagger then leaves them out
//! and types the surname alone by its look, which for a name it never saw
//! is often an organisation's. A capitalised word that no list knows (not
//! even as a word of a longer entry: "of State Kerry"), inside a sentence
//! and right before a lone known surname, is the first name of that
//! person.

use super::TokenSpan;
use crate::gazetteer::{self, ListSet};
use crate::EntityType;

/// Capitalised words of the calendar, which no name list holds.
pub(super) const CALENDAR: &[&str] = &[
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// Whether `word` looks like a name: a capital, then lower-case letters.
pub(super) fn name_shaped(word: &str) -> bool {
    let mut chars = word.chars();
    chars.next().is_some_and(char::is_uppercase)
        && word.chars().count() >= 2
        && chars.all(char::is_lowercase)
}

/// Joins an unknown, name-shaped word to the one-word person or
/// organisation span of a known surname right after it, as one person.
pub(super) fn join_unknown_given_names(
    tokens: &[&str],
    sentence: std::ops::Range<usize>,
    spans: &mut [(TokenSpan, f64)],
) {
    let lists = gazetteer::bundled();
    for k in 0..spans.len() {
        let span = spans[k].0;
        // A place keeps the capitalised word before it ("Downtown Houston",
        // "Old Trafford"): that word is part of a place name, not a first name.
        let person_or_organisation =
            matches!(span.kind, EntityType::Person | EntityType::Organisation);
        if span.end - span.start != 1 || span.start < sentence.start + 2 || !person_or_organisation
        {
            continue;
        }
        let given = span.start - 1;
        let taken = spans.iter().any(|(other, _)| other.end == given + 1);
        let surname = lists.word_lists(tokens[span.start]);
        let joins = !taken
            && name_shaped(tokens[given])
            && !lists.knows(tokens[given])
            && !CALENDAR.contains(&tokens[given])
            // The word before is no capitalised word of a longer name.
            && !name_shaped(tokens[given - 1])
            && surname.contains(ListSet::SURNAME)
            && !surname.contains(ListSet::COMPANY);
        if joins {
            spans[k].0 = TokenSpan {
                start: given,
                end: span.end,
                kind: EntityType::Person,
            };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ner::test_span as span;

    #[test]
    fn an_unknown_first_name_before_a_surname_makes_a_person() {
        let tokens = ["as", "Pep", "Guardiola", "'s", "side", "won"];
        let mut spans = vec![span(2, 3, EntityType::Organisation)];
        join_unknown_given_names(&tokens, 0..tokens.len(), &mut spans);
        assert_eq!(spans, vec![span(1, 3, EntityType::Person)]);
    }

    #[test]
    fn known_words_and_sentence_starts_are_left_alone() {
        // "Senator" is a title, "Monday" no name; a sentence's first word
        // is capitalised whatever it is.
        for tokens in [
            ["the", "Senator", "Guardiola", "said"],
            ["on", "Monday", "Guardiola", "said"],
            ["Yesterday", "Guardiola", "said", "it"],
        ] {
            let mut spans = vec![span(2, 3, EntityType::Organisation)];
            if tokens[0] == "Yesterday" {
                spans = vec![span(1, 2, EntityType::Organisation)];
            }
            let before = spans.clone();
            join_unknown_given_names(&tokens, 0..tokens.len(), &mut spans);
            assert_eq!(spans, before, "{tokens:?}");
        }
    }
}
