//! Camel-case words are names.
//!
//! A capital inside a word right after a lower-case letter ("OpenAI",
//! "TikTok", "ChatGPT", "PayPal", "YouTube") is how companies, platforms
//! and products are spelled, not common words; the tagger, whose training
//! text has few of them, may leave one out, mostly where nothing around it
//! says it is a name (at the start of a sentence, before a comma). Such a
//! word left untagged becomes a name of its own: a product (MISC) after
//! "the maker of" and the like, otherwise an organisation.

use super::labels::TokenSpan;
use crate::EntityType;
use std::ops::Range;

/// Whether `token` is written in camel case: letters only (codes such as
/// the "3aIRuz7" of a short link are no names), at least one upper-case
/// letter right after a lower-case one, a capital first or second ("iPhone",
/// "eBay"; "newSpaper" is a typo), and not a
/// Scottish or Irish surname ("McCarthy", "MacLeod"), which the tagger knows
/// as names of people.
pub fn is_camel_case(token: &str) -> bool {
    // Every token of every text passes here: no allocation.
    let mut inner_capital = false;
    let mut previous_lower = false;
    for c in token.chars() {
        if !c.is_alphabetic() {
            return false;
        }
        inner_capital |= previous_lower && c.is_uppercase();
        previous_lower = c.is_lowercase();
    }
    token.chars().count() >= 4
        && inner_capital
        && token.chars().position(char::is_uppercase) <= Some(1)
        && !token.starts_with("Mc")
        && !token.starts_with("Mac")
}

/// Words before a product name that say it is one ("the maker of ChatGPT").
fn product_cue(before: &[&str]) -> bool {
    matches!(
        before,
        [
            ..,
            "maker" | "makers" | "creator" | "creators" | "developer" | "developers",
            "of"
        ]
    )
}

fn is_capitalised(token: &str) -> bool {
    token.chars().next().is_some_and(char::is_uppercase)
}

/// Adds a one-word name for each untagged camel-case word of `sentence`
/// that stands alone: one next to a capitalised word is part of a longer
/// name ("DreamHack Masters", "FaZe Clan") the tagger missed, whose extent
/// and type the word alone does not tell.
pub fn tag_camel_case(tokens: &[&str], sentence: Range<usize>, spans: &mut Vec<(TokenSpan, f64)>) {
    let (start, end) = (sentence.start, sentence.end);
    super::lone_words::tag_lone_words(sentence, spans, |i| {
        let alone = (i == start || !is_capitalised(tokens[i - 1]))
            && (i + 1 == end || !is_capitalised(tokens[i + 1]));
        if !alone || !is_camel_case(tokens[i]) {
            None
        } else if product_cue(&tokens[start..i]) {
            Some(EntityType::Miscellaneous)
        } else {
            Some(EntityType::Organisation)
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn camel_case_words() {
        for yes in [
            "OpenAI", "TikTok", "ChatGPT", "PayPal", "YouTube", "iPhone", "eBay",
        ] {
            assert!(is_camel_case(yes), "{yes}");
        }
        for no in [
            "Openai",
            "NATO",
            "McCarthy",
            "MacLeod",
            "AbC-d",
            "aB",
            "U.S.",
            "Nvidia",
            "3aIRuz7",
            "newSpaper",
        ] {
            assert!(!is_camel_case(no), "{no}");
        }
    }

    #[test]
    fn untagged_camel_case_words_become_names() {
        let t: Vec<&str> = "OpenAI , the maker of ChatGPT , buys TikTok and FaZe Clan"
            .split(' ')
            .collect();
        let tiktok = TokenSpan {
            start: 8,
            end: 9,
            kind: EntityType::Location,
        };
        let mut spans = vec![(tiktok, 0.9)];
        tag_camel_case(&t, 0..t.len(), &mut spans);
        let got: Vec<(usize, EntityType)> = spans.iter().map(|(s, _)| (s.start, s.kind)).collect();
        assert_eq!(
            got,
            [
                (0, EntityType::Organisation),
                (5, EntityType::Miscellaneous),
                // A tagged word keeps its type; "FaZe" starts a longer name.
                (8, EntityType::Location),
            ]
        );
    }
}
