//! A country's name before one of its bodies is part of the body's name:
//! "U.S. Senate", "British Army", "China Development Bank".
//!
//! CoNLL-2003 tags "U.S. Senate" as one organisation (30 times in its
//! training text against 3 split), but a tagger that has not seen the body
//! before splits it into a place and an organisation.

use super::labels::TokenSpan;
use crate::gazetteer::{self, ListSet};
use crate::EntityType;

/// Joins a one-word country span to the organisation span right after it.
pub(super) fn join_national_bodies(tokens: &[&str], spans: &mut Vec<(TokenSpan, f64)>) {
    let lists = gazetteer::bundled();
    let mut k = 0;
    while k + 1 < spans.len() {
        let ((country, cc), (body, cb)) = (spans[k], spans[k + 1]);
        let joins = country.kind == EntityType::Location
            && body.kind == EntityType::Organisation
            && country.end == body.start
            && country.end - country.start == 1
            && lists
                .word_lists(tokens[country.start])
                .contains(ListSet::COUNTRY);
        if joins {
            let joined = TokenSpan {
                start: country.start,
                ..body
            };
            spans[k] = (joined, cc.min(cb));
            spans.remove(k + 1);
        }
        k += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_country_before_its_body_is_part_of_its_name() {
        let tokens = ["the", "U.S.", "Senate", "and", "Paris", "Saint-Germain"];
        let span = |start, end, kind| (TokenSpan { start, end, kind }, 0.9);
        let mut spans = vec![
            span(1, 2, EntityType::Location),
            span(2, 3, EntityType::Organisation),
            span(4, 5, EntityType::Location),
            span(5, 6, EntityType::Organisation),
        ];
        join_national_bodies(&tokens, &mut spans);
        // "Paris" is a city, not a country.
        assert_eq!(
            spans,
            vec![
                span(1, 3, EntityType::Organisation),
                span(4, 5, EntityType::Location),
                span(5, 6, EntityType::Organisation),
            ]
        );
    }
}
