//! A word of a person named in full, standing alone later, is that person:
//! "Firli Bahuri ... Firli said", "Lloyd Austin ... Austin would bring".
//!
//! News names a person in full once and then by one word of the name,
//! mostly the surname, in some cultures the given name. The tagger types
//! that word alone by its look, and an unseen name often looks like an
//! organisation's. A one-word organisation that is the first or last word
//! of a person's full name in the article, and no company the lists know,
//! is that person. A place keeps its type ("Washington" after "George
//! Washington" is still often the city).

use super::TokenSpan;
use crate::EntityType;

/// Retypes as persons the one-word organisations that are a word of a
/// person's full name in the article.
pub(super) fn type_name_parts(tokens: &[&str], spans: &mut [(TokenSpan, f64)]) {
    let parts: Vec<&str> = spans
        .iter()
        .filter(|(s, _)| s.kind == EntityType::Person && s.end - s.start >= 2)
        .flat_map(|(s, _)| [tokens[s.start], tokens[s.end - 1]])
        .collect();
    if parts.is_empty() {
        return;
    }
    for (span, _) in spans.iter_mut() {
        let words = &tokens[span.start..span.end];
        if span.kind == EntityType::Organisation
            && words.len() == 1
            && parts.contains(&words[0])
            && !super::is_company(words)
        {
            span.kind = EntityType::Person;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ner::test_span as span;

    #[test]
    fn a_word_of_a_full_name_alone_is_the_person() {
        let tokens = [
            "Firli", "Bahuri", "said", ".", "Firli", "said", ".", "Reuters", "said", ".",
        ];
        let mut spans = vec![
            span(0, 2, EntityType::Person),
            span(4, 5, EntityType::Organisation),
            span(7, 8, EntityType::Organisation),
        ];
        type_name_parts(&tokens, &mut spans);
        let kinds: Vec<EntityType> = spans.iter().map(|(s, _)| s.kind).collect();
        use EntityType::{Organisation, Person};
        assert_eq!(kinds, [Person, Person, Organisation]);
    }
}
