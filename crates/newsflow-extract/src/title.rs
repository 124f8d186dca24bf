//! Mentions in an article's title, joined to the entities of its body.
//!
//! A headline is a poor sentence for a tagger (Title Case, no verbs), so the
//! body decides: a title mention joins the body entity it names (by its
//! name, one of its mentions, or a person's surname), whatever type the
//! title's tagging gave it. A name only the title gives becomes an entity
//! of its own only when the title is written as a sentence (not Title
//! Case) and the tagger is sure of it.

use crate::{Entity, EntityType, TextField};

/// The least confidence for an entity named only in the title.
const TITLE_ONLY_CONFIDENCE: f64 = 0.8;

/// Adds the mentions of `found` (entities tagged in `title`, offsets into
/// it) to `entities` (the body's), marked as title mentions.
pub fn join_title_mentions(entities: &mut Vec<Entity>, found: Vec<Entity>, title: &str) {
    let sentence_case = !is_title_case(title);
    for mut entity in found {
        for mention in &mut entity.mentions {
            mention.field = TextField::Title;
        }
        let mut unjoined = Vec::new();
        for mention in entity.mentions {
            match entities.iter_mut().find(|e| names(e, &mention.text)) {
                Some(body) => body.mentions.push(mention),
                None => unjoined.push(mention),
            }
        }
        if !unjoined.is_empty() && sentence_case && entity.confidence >= TITLE_ONLY_CONFIDENCE {
            entity.mentions = unjoined;
            entities.push(entity);
        }
    }
}

/// Whether `text` names `entity`: its name or one of its mentions, or a
/// person's surname alone.
fn names(entity: &Entity, text: &str) -> bool {
    let text = fold(text);
    if fold(&entity.name) == text || entity.mentions.iter().any(|m| fold(&m.text) == text) {
        return true;
    }
    entity.kind == EntityType::Person
        && !text.contains(' ')
        && entity
            .name
            .split_whitespace()
            .last()
            .is_some_and(|last| fold(last) == text)
}

fn fold(text: &str) -> String {
    text.trim_end_matches("'s")
        .trim_end_matches("’s")
        .to_lowercase()
}

/// Most words of four letters or more capitalised: a headline's Title
/// Case, where capitals say nothing about names.
fn is_title_case(title: &str) -> bool {
    let long: Vec<&str> = title
        .split_whitespace()
        .filter(|w| w.chars().filter(|c| c.is_alphabetic()).count() >= 4)
        .collect();
    let capitalised = long
        .iter()
        .filter(|w| {
            w.chars()
                .find(|c| c.is_alphabetic())
                .is_some_and(char::is_uppercase)
        })
        .count();
    long.len() >= 2 && capitalised * 10 >= long.len() * 7
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Mention;

    fn entity(name: &str, kind: EntityType, confidence: f64, mentions: &[(&str, usize)]) -> Entity {
        Entity {
            name: name.into(),
            kind,
            confidence,
            mentions: mentions
                .iter()
                .map(|&(text, start)| Mention {
                    text: text.into(),
                    start,
                    end: start + text.chars().count(),
                    field: TextField::Body,
                })
                .collect(),
        }
    }

    #[test]
    fn a_surname_in_the_title_joins_the_body_entity() {
        let mut body = vec![entity(
            "Recep Tayyip Erdoğan",
            EntityType::Person,
            0.99,
            &[("Recep Tayyip Erdoğan", 0)],
        )];
        let title = "Erdoğan vows to press on with talks";
        // The headline's tagging says ORG: the body knows better.
        let found = vec![entity(
            "Erdoğan",
            EntityType::Organisation,
            0.7,
            &[("Erdoğan", 0)],
        )];
        join_title_mentions(&mut body, found, title);
        assert_eq!(body.len(), 1);
        let joined = &body[0].mentions[1];
        assert_eq!(
            (joined.start, joined.end, joined.field),
            (0, 7, TextField::Title)
        );
    }

    #[test]
    fn a_name_only_the_title_gives_needs_a_sentence_and_confidence() {
        let found = || {
            vec![entity(
                "Pfizer",
                EntityType::Organisation,
                0.95,
                &[("Pfizer", 0)],
            )]
        };
        let mut body = Vec::new();
        join_title_mentions(&mut body, found(), "Pfizer recalls a batch of its vaccine");
        assert_eq!(body.len(), 1);
        assert_eq!(body[0].mentions[0].field, TextField::Title);
        let mut body = Vec::new();
        join_title_mentions(
            &mut body,
            found(),
            "Pfizer Recalls Batch Of Vaccine After Tests",
        );
        assert!(body.is_empty(), "Title Case capitals say nothing");
        let unsure = vec![entity(
            "Recalls",
            EntityType::Person,
            0.4,
            &[("Recalls", 7)],
        )];
        join_title_mentions(&mut body, unsure, "Pfizer recalls a batch of its vaccine");
        assert!(body.is_empty());
    }
}
