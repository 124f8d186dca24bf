//! An organisation's name goes on through "of", "for" and "on" and the
//! capitalised words after them: "Advisory Committee on Immunization
//! Practices", "National Foundation for Infectious Diseases", "Delaware
//! Department of Natural Resources and Environmental Control".
//!
//! The tagger learnt the long names of 1996 ("Ministry of Foreign
//! Affairs") and cuts those whose words it never saw after the head noun.
//! A span ending in an organisation's head noun ("Committee", "Foundation",
//! "Department"), then one of those prepositions and capitalised words, is
//! one name up to the last of them; "and" and a comma join capitalised
//! words inside it. A title, a person's name or a day or month ends it
//! ("Department of Health Secretary Matt Hancock", "the Security Council
//! on Friday").

use super::TokenSpan;
use crate::gazetteer::{self, ListSet};
use crate::EntityType;
use std::ops::Range;

/// Whether `word` starts with a capital letter.
fn capitalised(word: &str) -> bool {
    word.chars().next().is_some_and(char::is_uppercase)
}

/// The end of the name that goes on after the head noun at `at`, if it does.
fn name_end(
    tokens: &[&str],
    sentence: &Range<usize>,
    at: usize,
    person_starts: &[usize],
) -> Option<usize> {
    let lists = gazetteer::bundled();
    let stops = |i: usize| {
        person_starts.contains(&i)
            || super::given_names::CALENDAR.contains(&tokens[i])
            || lists.word_lists(tokens[i]).contains(ListSet::TITLE)
            || lists.opens(tokens[i]).contains(ListSet::TITLE)
    };
    if at >= sentence.end || !matches!(tokens[at], "of" | "for" | "on") {
        return None;
    }
    let mut end = None;
    let mut i = at + 1;
    while i < sentence.end {
        let word = tokens[i];
        if capitalised(word) && !stops(i) {
            i += 1;
            end = Some(i);
        } else if matches!(word, "and" | "," | "&")
            && end == Some(i)
            && i + 1 < sentence.end
            && capitalised(tokens[i + 1])
            && !stops(i + 1)
        {
            i += 1;
        } else {
            break;
        }
    }
    end
}

/// Extends each organisation ending in a head noun over the prepositional
/// part of its name, dropping the spans the tagger found inside it.
pub(super) fn extend_organisations_of(
    tokens: &[&str],
    sentence: Range<usize>,
    spans: &mut Vec<(TokenSpan, f64)>,
) {
    let lists = gazetteer::bundled();
    // A name stops at a person, so no person's span is ever dropped here.
    let person_starts: Vec<usize> = spans
        .iter()
        .filter(|(s, _)| s.kind == EntityType::Person)
        .map(|(s, _)| s.start)
        .collect();
    let mut k = 0;
    while k < spans.len() {
        let span = spans[k].0;
        let head = tokens[span.end - 1];
        let end = (span.kind == EntityType::Organisation
            && lists.word_lists(head).contains(ListSet::ORG_KEYWORD))
        .then(|| name_end(tokens, &sentence, span.end, &person_starts))
        .flatten();
        // A span crossing the end would be cut in two: leave the name as it is.
        let crossing = |end: usize| {
            spans
                .iter()
                .any(|(s, _)| s.start < end && s.end > end && s.start >= span.end)
        };
        if let Some(end) = end.filter(|&e| !crossing(e)) {
            spans.retain(|(s, _)| !(s.start >= span.end && s.end <= end));
            spans[k].0.end = end;
        }
        k += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ner::test_span as span;

    fn extended(tokens: &[&str], mut spans: Vec<(TokenSpan, f64)>) -> Vec<(usize, usize)> {
        extend_organisations_of(tokens, 0..tokens.len(), &mut spans);
        spans.iter().map(|(s, _)| (s.start, s.end)).collect()
    }

    #[test]
    fn the_name_goes_on_through_of_and_its_capitalised_words() {
        let tokens = [
            "the",
            "Delaware",
            "Department",
            "of",
            "Natural",
            "Resources",
            "and",
            "Environmental",
            "Control",
            ",",
            "from",
            "2009",
        ];
        let spans = vec![
            span(1, 3, EntityType::Organisation),
            span(4, 6, EntityType::Organisation),
        ];
        assert_eq!(extended(&tokens, spans), [(1, 9)]);
    }

    #[test]
    fn a_title_a_person_or_a_day_ends_the_name() {
        let tokens = [
            "Department",
            "of",
            "Health",
            "Secretary",
            "Matt",
            "Hancock",
            "said",
        ];
        let spans = vec![
            span(0, 1, EntityType::Organisation),
            span(4, 6, EntityType::Person),
        ];
        assert_eq!(extended(&tokens, spans), [(0, 3), (4, 6)]);
        let tokens = ["the", "Security", "Council", "on", "Friday", "met"];
        let spans = vec![span(1, 3, EntityType::Organisation)];
        assert_eq!(extended(&tokens, spans), [(1, 3)]);
    }
}
