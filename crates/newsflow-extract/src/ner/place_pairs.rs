//! Pairs of places written as one word: "Palestine-Israel conflict",
//! "Türkiye-Qatar relations".
//!
//! The tagger keeps hyphenated words whole, as its training data does, and
//! types a pair of places as MISC (like "Israeli-Palestinian"). A reader
//! counting the articles that mention Palestine wants both places, so a
//! tagged word made of two known place names is split into two places.
//! A word that is itself a place ("Guinea-Bissau") stays whole.

use crate::gazetteer::{self, ListSet};
use crate::{EntityType, TaggedSpan};

/// Lists whose entries are places.
const PLACES: ListSet = ListSet::COUNTRY
    .union(ListSet::CITY)
    .union(ListSet::CAPITAL)
    .union(ListSet::REGION);

fn is_place(word: &str) -> bool {
    gazetteer::bundled().word_lists(word).bits() & PLACES.bits() != 0
}

/// The code-point length of the first place of `word` ("Palestine-Israel"),
/// when it is a pair of places joined by one hyphen.
fn split(word: &str) -> Option<usize> {
    let (first, second) = word.split_once(['-', '\u{2010}', '\u{2011}'])?;
    let capitalised = |w: &str| w.chars().next().is_some_and(char::is_uppercase);
    let pair = capitalised(first)
        && capitalised(second)
        && is_place(first)
        && is_place(second)
        && !is_place(word);
    pair.then(|| first.chars().count())
}

/// Types MISC each one-word span that joins two places, or a place and an
/// acronym ("EU-UK relations", "UAE-Israel trade"), as CoNLL-2003 types
/// "Israel-PLO" and "Iraq-U.N.": the word names a relation between them,
/// not either. The tagger, seeing a known organisation or place in it,
/// takes it for that. (Output still splits a pair of places into both.)
pub(super) fn type_place_pairs(tokens: &[&str], spans: &mut [(super::TokenSpan, f64)]) {
    for (span, _) in spans.iter_mut() {
        if span.end - span.start != 1 || span.kind == EntityType::Person {
            continue;
        }
        let word = tokens[span.start];
        let Some((first, second)) = word.split_once(['-', '\u{2010}', '\u{2011}']) else {
            continue;
        };
        // An acronym of up to four capitals ("EU", "UN").
        let part = |w: &str| is_place(w) || (w.len() <= 4 && super::is_acronym(w));
        if part(first) && part(second) && (is_place(first) || is_place(second)) && !is_place(word) {
            span.kind = EntityType::Miscellaneous;
        }
    }
}

/// The spans a tagged span stands for: two LOC spans with its confidence
/// when it is one word (`word`, at code-point offsets of `span`) that pairs
/// two places, else the span itself.
pub fn split_place_pair(word: &str, span: TaggedSpan) -> impl Iterator<Item = TaggedSpan> {
    let pair = (span.kind != EntityType::Person)
        .then(|| split(word))
        .flatten();
    let (first, second) = match pair {
        Some(first) => {
            let middle = span.start + first;
            (
                TaggedSpan {
                    end: middle,
                    kind: EntityType::Location,
                    ..span
                },
                Some(TaggedSpan {
                    start: middle + 1,
                    kind: EntityType::Location,
                    ..span
                }),
            )
        }
        None => (span, None),
    };
    std::iter::once(first).chain(second)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn span(start: usize, end: usize, kind: EntityType) -> TaggedSpan {
        TaggedSpan {
            start,
            end,
            kind,
            confidence: 0.8,
        }
    }

    #[test]
    fn a_pair_of_places_becomes_two_places() {
        let text = "the Palestine-Israel conflict";
        let got = split_place_pair(&text[4..20], span(4, 20, EntityType::Miscellaneous));
        let names: Vec<_> = got.map(|s| (&text[s.start..s.end], s.kind)).collect();
        assert_eq!(
            names,
            vec![
                ("Palestine", EntityType::Location),
                ("Israel", EntityType::Location)
            ]
        );
    }

    #[test]
    fn a_pair_with_a_place_is_misc_in_the_tags() {
        let tokens = [
            "EU-UK",
            "relations",
            "in",
            "Guinea-Bissau",
            "at",
            "Hewlett-Packard",
        ];
        let mut spans: Vec<_> = [0, 3, 5]
            .into_iter()
            .map(|at| crate::ner::test_span(at, at + 1, EntityType::Organisation))
            .collect();
        type_place_pairs(&tokens, &mut spans);
        let kinds: Vec<EntityType> = spans.iter().map(|(s, _)| s.kind).collect();
        use EntityType::{Miscellaneous, Organisation};
        assert_eq!(kinds, [Miscellaneous, Organisation, Organisation]);
    }

    #[test]
    fn places_and_other_compounds_stay_whole() {
        for text in ["Guinea-Bissau", "Hewlett-Packard", "Israeli-Palestinian"] {
            let n = text.chars().count();
            let got = split_place_pair(text, span(0, n, EntityType::Miscellaneous));
            assert_eq!(got.count(), 1, "{text}");
        }
    }
}
