//! Words of faiths and peoples are MISC even when the tagger passes them.
//!
//! CoNLL-2003 types "Muslim", "Christian" or "Hindu" MISC, like the
//! adjectives of nations. The 1996 wire wrote "Moslem", so the tagger
//! trained on it often leaves today's "Muslim" out ("51 Muslim
//! worshippers", "the Muslim community"). A capitalised word that the
//! religion or demonym list holds and that no span covers is tagged MISC.

use super::labels::TokenSpan;
use crate::gazetteer::{self, ListSet};
use crate::EntityType;
use std::ops::Range;

/// Tags as MISC each untagged, capitalised word of `sentence` that is a
/// religion's or a people's word ("Muslim", "Shi'ite", "Kurdish").
pub(super) fn tag_faith_words(
    tokens: &[&str],
    sentence: Range<usize>,
    spans: &mut Vec<(TokenSpan, f64)>,
) {
    let lists = gazetteer::bundled();
    let words = ListSet::RELIGION.union(ListSet::DEMONYM);
    super::lone_words::tag_lone_words(sentence, spans, |i| {
        let token = tokens[i];
        let capitalised = token.chars().next().is_some_and(char::is_uppercase)
            && token.chars().skip(1).any(char::is_lowercase);
        let listed = lists.word_lists(token).bits() & words.bits() != 0;
        (capitalised && listed).then_some(EntityType::Miscellaneous)
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ner::lone_words::RULE_CONFIDENCE;

    #[test]
    fn an_untagged_faith_word_is_misc() {
        let tokens = [
            "killing",
            "51",
            "Muslim",
            "worshippers",
            "in",
            "Christchurch",
        ];
        let place = TokenSpan {
            start: 5,
            end: 6,
            kind: EntityType::Location,
        };
        let mut spans = vec![(place, 0.9)];
        tag_faith_words(&tokens, 0..tokens.len(), &mut spans);
        let muslim = TokenSpan {
            start: 2,
            end: 3,
            kind: EntityType::Miscellaneous,
        };
        assert_eq!(spans, vec![(muslim, RULE_CONFIDENCE), (place, 0.9)]);
    }
}
