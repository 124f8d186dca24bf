//! A social network named as the place of a post is a product: "Trump
//! wrote on Twitter", "1.3 million followers on Instagram".
//!
//! CoNLL-2003 types products MISC and companies ORG. A network's name
//! serves for both ("Twitter said it would label the tweets" is the
//! company), and the tagger, which never saw these names in 1996 news,
//! types them all as companies. Right after "on" the name is the service,
//! where something is posted or read, so it is MISC.

use super::lone_words::tag_lone_words;
use super::TokenSpan;
use crate::EntityType;
use std::ops::Range;

/// Social networks and messaging services that news quotes posts from.
const PLATFORMS: &[&str] = &[
    "Twitter",
    "Facebook",
    "Instagram",
    "YouTube",
    "TikTok",
    "WhatsApp",
    "Telegram",
    "WeChat",
    "Weibo",
    "LinkedIn",
    "Snapchat",
    "Reddit",
    "Threads",
    "Bluesky",
    "Mastodon",
    "Truth Social",
];

/// Whether the words are a platform named right after "on".
fn posted_on(tokens: &[&str], span: &Range<usize>) -> bool {
    // "on" first: this runs for every word of every sentence.
    if span.start == 0 || tokens[span.start - 1] != "on" {
        return false;
    }
    match &tokens[span.clone()] {
        [word] => PLATFORMS.contains(word),
        words => PLATFORMS.contains(&words.join(" ").as_str()),
    }
}

/// Types as MISC each platform named right after "on" in `sentence`,
/// adding the ones the tagger left out.
pub(super) fn type_platforms(
    tokens: &[&str],
    sentence: Range<usize>,
    spans: &mut Vec<(TokenSpan, f64)>,
) {
    for (span, _) in spans.iter_mut() {
        if posted_on(tokens, &(span.start..span.end)) {
            span.kind = EntityType::Miscellaneous;
        }
    }
    tag_lone_words(sentence, spans, |i| {
        posted_on(tokens, &(i..i + 1)).then_some(EntityType::Miscellaneous)
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ner::test_span as span;

    #[test]
    fn a_network_after_on_is_the_service_and_elsewhere_the_company() {
        let tokens = [
            "Trump", "wrote", "on", "Twitter", ".", "Twitter", "said", "it", "would", "act", "on",
            "Facebook", ".",
        ];
        let mut spans = vec![
            span(0, 1, EntityType::Person),
            span(3, 4, EntityType::Organisation),
            span(5, 6, EntityType::Organisation),
        ];
        type_platforms(&tokens, 0..tokens.len(), &mut spans);
        let got: Vec<(usize, EntityType)> = spans.iter().map(|(s, _)| (s.start, s.kind)).collect();
        assert_eq!(
            got,
            [
                (0, EntityType::Person),
                (3, EntityType::Miscellaneous),
                (5, EntityType::Organisation),
                (11, EntityType::Miscellaneous),
            ]
        );
    }
}
