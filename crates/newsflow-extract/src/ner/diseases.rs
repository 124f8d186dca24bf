//! Named diseases are MISC: "COVID-19", "Ebola", "HIV".
//!
//! CoNLL-2003 types the diseases that have a name of their own MISC, as
//! its training text does with "AIDS", "BSE" and "Creutzfeldt-Jakob"; a
//! common noun ("coronavirus", "flu") is no name. The 1996 text never saw
//! the diseases of later news, and the tagger passes "COVID" by or takes it
//! for an organisation. A listed name standing alone is tagged MISC,
//! whatever the tagger made of it; a longer name it is part of stays.

use super::lone_words::tag_lone_words;
use super::TokenSpan;
use crate::EntityType;
use std::ops::Range;

/// Diseases with names of their own that news writes, in the case it
/// writes them. Names that are also places ("Marburg", "Lassa") are left
/// to the tagger.
const DISEASES: &[&str] = &[
    "COVID-19",
    "Covid-19",
    "COVID",
    "Covid",
    "SARS",
    "SARS-CoV-2",
    "MERS",
    "Ebola",
    "Zika",
    "HIV",
    "AIDS",
    "BSE",
    "CJD",
    "H1N1",
    "H5N1",
    "H7N9",
    "Mpox",
    "mpox",
    "Chikungunya",
];

/// Types each listed disease of `sentence` MISC, adding those the tagger
/// left out.
pub(super) fn tag_diseases(
    tokens: &[&str],
    sentence: Range<usize>,
    spans: &mut Vec<(TokenSpan, f64)>,
) {
    for (span, _) in spans.iter_mut() {
        if span.end - span.start == 1 && DISEASES.contains(&tokens[span.start]) {
            span.kind = EntityType::Miscellaneous;
        }
    }
    tag_lone_words(sentence, spans, |i| {
        DISEASES
            .contains(&tokens[i])
            .then_some(EntityType::Miscellaneous)
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ner::test_span as span;

    #[test]
    fn a_named_disease_is_misc_and_a_common_noun_is_no_name() {
        let tokens = [
            "COVID",
            "vaccines",
            "and",
            "the",
            "coronavirus",
            ",",
            "like",
            "Ebola",
            ".",
        ];
        let mut spans = vec![span(0, 1, EntityType::Organisation)];
        tag_diseases(&tokens, 0..tokens.len(), &mut spans);
        let got: Vec<(usize, EntityType)> = spans.iter().map(|(s, _)| (s.start, s.kind)).collect();
        assert_eq!(
            got,
            [
                (0, EntityType::Miscellaneous),
                (7, EntityType::Miscellaneous)
            ]
        );
    }
}
