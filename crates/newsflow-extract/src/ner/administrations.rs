//! A leader's administration names the leader: "the Biden Administration"
//! is a mention of Biden, as CoNLL-2003 tags "Clinton administration"
//! ("Clinton" I-PER, "administration" O).
//!
//! With a capital "Administration" the tagger takes the pair for an
//! organisation's name. A two-word span of "Administration" after a name
//! the name lists know, or a word of a person named in the article
//! ("Benjamin Netanyahu ... the Netanyahu administration"), is that
//! person; longer names keep their words ("Food and Drug Administration").

use super::TokenSpan;
use crate::gazetteer::{self, ListSet};
use crate::EntityType;

/// Narrows each "<leader> Administration" span of the article to the
/// leader, a person.
pub(super) fn name_leaders_of_administrations(tokens: &[&str], spans: &mut [(TokenSpan, f64)]) {
    let lists = gazetteer::bundled();
    let names = ListSet::GIVEN_NAME | ListSet::SURNAME;
    let people: Vec<&str> = spans
        .iter()
        .filter(|(s, _)| s.kind == EntityType::Person)
        .flat_map(|(s, _)| tokens[s.start..s.end].iter().copied())
        .collect();
    for (span, _) in spans.iter_mut() {
        let leader = match &tokens[span.start..span.end] {
            [name, "Administration" | "administration"] => {
                lists.word_lists(name).bits() & names.bits() != 0 || people.contains(name)
            }
            _ => false,
        };
        if leader {
            span.end -= 1;
            span.kind = EntityType::Person;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ner::test_span as span;

    #[test]
    fn the_leader_is_named_and_an_agency_keeps_its_name() {
        let tokens = [
            "the",
            "Biden",
            "Administration",
            "and",
            "Food",
            "Administration",
        ];
        let mut spans = vec![
            span(1, 3, EntityType::Organisation),
            span(4, 6, EntityType::Organisation),
        ];
        name_leaders_of_administrations(&tokens, &mut spans);
        let got: Vec<(usize, usize, EntityType)> = spans
            .iter()
            .map(|(s, _)| (s.start, s.end, s.kind))
            .collect();
        assert_eq!(
            got,
            [(1, 2, EntityType::Person), (4, 6, EntityType::Organisation)]
        );
    }

    #[test]
    fn a_leader_named_in_the_article_is_named() {
        let tokens = [
            "Benjamin",
            "Netanyahu",
            "and",
            "the",
            "Netanyahu",
            "administration",
        ];
        let mut spans = vec![
            span(0, 2, EntityType::Person),
            span(4, 6, EntityType::Organisation),
        ];
        name_leaders_of_administrations(&tokens, &mut spans);
        assert_eq!((spans[1].0.end, spans[1].0.kind), (5, EntityType::Person));
    }
}
