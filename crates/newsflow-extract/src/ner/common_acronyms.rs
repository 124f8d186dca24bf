//! Acronyms of common nouns are no names: "its IPO", "GDP", "PPE".
//!
//! CoNLL-2003 leaves "GDP", "EPS" and "CEO" untagged: they abbreviate
//! things, not a particular organisation. The tagger types an unseen
//! all-capital word as an organisation by its look, so the acronyms of
//! business and public-health news that 1996 text did not use are
//! dropped when they stand alone.

use super::TokenSpan;

/// Acronyms of common nouns in news.
const COMMON_ACRONYMS: &[&str] = &[
    "IPO", "IPOs", "GDP", "PPE", "EPS", "ETF", "ETFs", "PMI", "VAT", "CEO", "CEOs", "CFO", "COO",
    "CTO", "EBITDA", "ESG", "SPAC", "SPACs", "ICU", "ICUs", "PCR",
];

/// Drops the one-word spans that are acronyms of common nouns.
pub(super) fn drop_common_acronyms(tokens: &[&str], spans: &mut Vec<(TokenSpan, f64)>) {
    spans.retain(|(s, _)| !(s.end - s.start == 1 && COMMON_ACRONYMS.contains(&tokens[s.start])));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ner::test_span as span;
    use crate::EntityType;

    #[test]
    fn a_common_acronym_alone_is_dropped_and_inside_a_name_kept() {
        let tokens = ["its", "IPO", "and", "the", "ICU", "Foundation"];
        let mut spans = vec![
            span(1, 2, EntityType::Organisation),
            span(4, 6, EntityType::Organisation),
        ];
        drop_common_acronyms(&tokens, &mut spans);
        assert_eq!(spans, vec![span(4, 6, EntityType::Organisation)]);
    }
}
