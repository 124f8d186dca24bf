//! Names that open with a known company are the company's.
//!
//! Companies are named after founders, places and mergers, and two
//! capitalised words read to the tagger like a person's first and last
//! names: "Siemens Gamesa", "Siemens Energy", "Amazon Web Services". When a
//! name typed as a person opens with a company of the gazetteer and none of
//! its other words is a given name, a surname or an initial, it is that
//! company's (a subsidiary, a division) and typed as an organisation. A
//! person whose first name happens to be a company ("Lindsay Davenport",
//! "Morgan Freeman") keeps the type: a person's name opens with a given
//! name, and the surname list, though long, misses many surnames.

use super::labels::TokenSpan;
use crate::gazetteer::ListSet;
use crate::EntityType;

/// Whether `word` may be part of a person's name: a given name, a surname,
/// a name particle or an initial ("J.", "J").
fn person_word(word: &str) -> bool {
    let lists = crate::gazetteer::bundled().word_lists(word);
    let person = ListSet::GIVEN_NAME | ListSet::SURNAME | ListSet::NAME_PARTICLE;
    lists.iter().any(|l| person.contains(l))
        || word.chars().filter(|c| c.is_alphabetic()).count() <= 1
}

/// Retypes as organisations the person spans that open with a known
/// company, not with a given name, and go on with no word of a person's
/// name.
pub fn type_company_led(
    tokens: &[&str],
    spans: &mut [(TokenSpan, f64)],
    is_company: impl Fn(&[&str]) -> bool,
) {
    for (span, _) in spans.iter_mut() {
        if span.kind != EntityType::Person || span.end - span.start < 2 {
            continue;
        }
        let words = &tokens[span.start..span.end];
        let given = crate::gazetteer::bundled()
            .word_lists(words[0])
            .contains(ListSet::GIVEN_NAME);
        let led = !given
            && (1..words.len())
                .any(|p| is_company(&words[..p]) && !words[p..].iter().any(|w| person_word(w)));
        if led {
            span.kind = EntityType::Organisation;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_company_and_a_word_of_no_name_is_an_organisation() {
        let t = [
            "Siemens", "Gamesa", "and", "Morgan", "Freeman", "Siemens", "J.", "Lindsay", "Xqzv",
        ];
        let company = |w: &[&str]| matches!(w, ["Siemens"] | ["Morgan"] | ["Lindsay"]);
        let person = |start, end| {
            let kind = EntityType::Person;
            (TokenSpan { start, end, kind }, 0.9)
        };
        let mut spans = vec![person(0, 2), person(3, 5), person(5, 7), person(7, 9)];
        type_company_led(&t, &mut spans, company);
        let kinds: Vec<EntityType> = spans.iter().map(|(s, _)| s.kind).collect();
        assert_eq!(
            kinds,
            [
                EntityType::Organisation,
                // A surname or an initial after it: a person.
                EntityType::Person,
                EntityType::Person,
                // A given name first: a person.
                EntityType::Person,
            ]
        );
    }
}
