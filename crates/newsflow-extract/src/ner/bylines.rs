//! Names in wire bylines and credits are people's: "(By Dasha
//! Afanasieva)", "(Reporting by Yadarisa Shabong; editing by Louise
//! Heavens)".
//!
//! Agencies end a story with who reported, wrote and edited it; the tagger,
//! meeting an unfamiliar name in a line with no sentence around it, may
//! type it by its look.

use super::labels::TokenSpan;
use crate::EntityType;

/// Words that, before "by", make a credit line.
const CREDIT_WORDS: &[&str] = &[
    "(",
    "Reporting",
    "reporting",
    "Editing",
    "editing",
    "Writing",
    "writing",
    "Compiled",
    "compiled",
    "Produced",
    "produced",
    "Photographs",
    "photographs",
];

/// Types as a person each span that a credit's "by" introduces.
pub(super) fn type_bylines(tokens: &[&str], spans: &mut [(TokenSpan, f64)]) {
    for (span, _) in spans.iter_mut() {
        let credited = span.start >= 2
            && matches!(tokens[span.start - 1], "by" | "By")
            && CREDIT_WORDS.contains(&tokens[span.start - 2]);
        if credited {
            span.kind = EntityType::Person;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_credited_by_a_byline_are_people() {
        let tokens = [
            "(",
            "Reporting",
            "by",
            "Yadarisa",
            "Shabong",
            ";",
            "editing",
            "by",
            "Louise",
            "Heavens",
            ")",
            "bought",
            "by",
            "Siemens",
        ];
        let span = |start, end, kind| (TokenSpan { start, end, kind }, 0.9);
        let mut spans = vec![
            span(3, 5, EntityType::Person),
            span(8, 10, EntityType::Organisation),
            span(13, 14, EntityType::Organisation),
        ];
        type_bylines(&tokens, &mut spans);
        let kinds: Vec<EntityType> = spans.iter().map(|(s, _)| s.kind).collect();
        // "bought by Siemens" is no credit.
        assert_eq!(
            kinds,
            [
                EntityType::Person,
                EntityType::Person,
                EntityType::Organisation
            ]
        );
    }
}
