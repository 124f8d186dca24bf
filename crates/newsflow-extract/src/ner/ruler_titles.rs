//! A ruler's title is no part of the name: "Queen Elizabeth" names
//! Elizabeth, "Prince William" William.
//!
//! CoNLL-2003 leaves the title out of the span ("Queen O, Elizabeth
//! I-PER"), but the tagger, which saw "Queen" open organisations ("Queen 's
//! University", "Queen of ..."), sometimes takes the pair whole and types it
//! an organisation. A span that opens with a ruler's title and goes on with
//! one name-shaped word, or with a name and a regnal number or a second
//! name, is that person without the title. Longer spans, and those with a
//! word of an organisation or a place ("Queen Elizabeth Hospital", "Prince
//! Edward Island"), keep their words.

use super::given_names::name_shaped;
use super::TokenSpan;
use crate::gazetteer::{self, ListSet};
use crate::EntityType;

/// Titles of rulers and royals, which CoNLL-2003 keeps out of a name.
const RULER_TITLES: &[&str] = &[
    "King", "Queen", "Prince", "Princess", "Emperor", "Empress", "Sheikh", "Sheikha", "Emir",
    "Sultan",
];

/// How many tokens of the title open the span: "Crown Prince" is two.
fn title_length(words: &[&str]) -> usize {
    match words {
        ["Crown", "Prince" | "Princess", ..] => 2,
        [first, ..] if RULER_TITLES.contains(first) => 1,
        _ => 0,
    }
}

/// Whether the word after a ruler's first name goes on naming the person:
/// a regnal number ("VI") or a word the name lists know.
fn continues_name(word: &str) -> bool {
    let lists = gazetteer::bundled().word_lists(word);
    super::is_regnal_number(word)
        || lists.contains(ListSet::GIVEN_NAME)
        || lists.contains(ListSet::SURNAME)
}

/// Drops a ruler's title from the start of a span, typing the rest a person.
pub(super) fn trim_ruler_titles(tokens: &[&str], spans: &mut [(TokenSpan, f64)]) {
    let lists = gazetteer::bundled();
    let organisation = ListSet::ORG_KEYWORD | ListSet::ORG_SUFFIX | ListSet::COMPANY;
    for (span, _) in spans.iter_mut() {
        let words = &tokens[span.start..span.end];
        let title = title_length(words);
        let name = &words[title..];
        let person = title > 0
            && name_shaped(name.first().copied().unwrap_or(""))
            && match name {
                [_] => true,
                [_, second] => continues_name(second),
                _ => false,
            }
            && name
                .iter()
                .all(|w| (lists.word_lists(w).bits() & organisation.bits()) == 0);
        if person {
            span.start += title;
            span.kind = EntityType::Person;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ner::test_span as span;

    fn trimmed(tokens: &[&str], kind: EntityType) -> (TokenSpan, f64) {
        let mut spans = vec![span(0, tokens.len(), kind)];
        trim_ruler_titles(tokens, &mut spans);
        spans[0]
    }

    #[test]
    fn the_title_is_dropped_and_the_rest_is_a_person() {
        let (s, _) = trimmed(&["Queen", "Elizabeth"], EntityType::Organisation);
        assert_eq!((s.start, s.end, s.kind), (1, 2, EntityType::Person));
        let (s, _) = trimmed(&["King", "Mohammed", "VI"], EntityType::Person);
        assert_eq!((s.start, s.end, s.kind), (1, 3, EntityType::Person));
        let (s, _) = trimmed(&["Crown", "Prince", "Mohammed"], EntityType::Person);
        assert_eq!((s.start, s.end), (2, 3));
    }

    #[test]
    fn places_and_organisations_named_after_rulers_keep_their_words() {
        for tokens in [
            &["Prince", "Edward", "Island"][..],
            &["Queen", "Elizabeth", "Hospital"],
            &["Queen", "'s", "University"],
            &["King", "Abdullah", "Economic", "City"],
        ] {
            let (s, _) = trimmed(tokens, EntityType::Location);
            assert_eq!((s.start, s.kind), (0, EntityType::Location), "{tokens:?}");
        }
    }
}
