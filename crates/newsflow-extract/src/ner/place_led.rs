//! A place's name right before an organisation's is part of it: "U.S.
//! Senate", "New England Patriots", "Washington Post".
//!
//! CoNLL-2003 tags "U.S. Senate" as one organisation (30 times in its
//! training text against 3 split), and so a club or paper named after its
//! city; a tagger that has not seen the body or the team splits it into a
//! place and an organisation.

use super::labels::TokenSpan;
use crate::EntityType;

/// Joins a place span to the organisation span that starts where it ends.
pub(super) fn join_place_led_organisations(spans: &mut Vec<(TokenSpan, f64)>) {
    let mut k = 0;
    while k + 1 < spans.len() {
        let ((place, cp), (body, cb)) = (spans[k], spans[k + 1]);
        if place.kind == EntityType::Location
            && body.kind == EntityType::Organisation
            && place.end == body.start
        {
            let joined = TokenSpan {
                start: place.start,
                ..body
            };
            spans[k] = (joined, cp.min(cb));
            spans.remove(k + 1);
        }
        k += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_place_before_an_organisation_is_part_of_its_name() {
        // the U.S. Senate and New England Patriots in Boston Reuters
        let span = |start, end, kind| (TokenSpan { start, end, kind }, 0.9);
        let mut spans = vec![
            span(1, 2, EntityType::Location),
            span(2, 3, EntityType::Organisation),
            span(4, 6, EntityType::Location),
            span(6, 7, EntityType::Organisation),
            span(8, 9, EntityType::Location),
            span(10, 11, EntityType::Organisation),
        ];
        join_place_led_organisations(&mut spans);
        // "Boston" and "Reuters" do not touch.
        assert_eq!(
            spans,
            vec![
                span(1, 3, EntityType::Organisation),
                span(4, 7, EntityType::Organisation),
                span(8, 9, EntityType::Location),
                span(10, 11, EntityType::Organisation),
            ]
        );
    }
}
