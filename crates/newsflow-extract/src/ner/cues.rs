//! Organisations told by the words around them, across the article:
//! "fashion retailer Ted Baker", "London-listed Energean", "Stone Island,
//! an Italian casualwear brand", "Snam, which
//! makes most of its revenue", "Energean said it", and a team named after
//! its place ("West Virginia recorded an 80-71 win", "New England ( 6-6 )");
//! a name before a staff title and a person ("KPK spokesman Ali Fikri");
//! a lone last word of an organisation named in full is that organisation
//! ("Sachs").
//!
//! A company the tagger never saw is typed by the look of its name, and a
//! name like "Ted Baker", "Moncler" or "Energean" looks like a person's.
//! News introduces a company with the noun of its trade right before the
//! name, or a "-based"/"-listed" modifier, and refers to it with "which" and
//! "it"; a person gets "who" and "he" or "she". Once one mention carries
//! such a cue, every other mention of the same name in the article that
//! the tagger typed the same way is retyped with it, since an article does
//! not switch between a person and a company of one name.

use super::TokenSpan;
use crate::EntityType;
use std::ops::Range;

/// Lower-case nouns of trades and kinds of organisation that, right before
/// a name, say it is an organisation's ("drugmaker Pfizer").
const ORGANISATION_NOUNS: &[&str] = &[
    "company",
    "firm",
    "group",
    "conglomerate",
    "maker",
    "carmaker",
    "automaker",
    "drugmaker",
    "chipmaker",
    "retailer",
    "lender",
    "bank",
    "insurer",
    "airline",
    "operator",
    "provider",
    "producer",
    "miner",
    "supplier",
    "manufacturer",
    "developer",
    "startup",
    "start-up",
    "brand",
    "broadcaster",
    "publisher",
    "utility",
    "refiner",
    "distributor",
    "outfit",
];

/// Endings of a hyphenated modifier that only an organisation takes
/// ("London-listed", "California-based").
const ORGANISATION_MODIFIER_ENDINGS: &[&str] = &[
    "-based",
    "-listed",
    "-owned",
    "-headquartered",
    "-registered",
    "-backed",
];

/// Whether the words before `span` introduce an organisation.
fn cue_before(tokens: &[&str], span: &TokenSpan) -> bool {
    let Some(before) = span.start.checked_sub(1).map(|i| tokens[i]) else {
        return false;
    };
    ORGANISATION_NOUNS.contains(&before)
        || ORGANISATION_MODIFIER_ENDINGS
            .iter()
            .any(|ending| before.len() > ending.len() && before.ends_with(ending))
}

/// Whether the words after `span` refer to it as a thing: ", which" or
/// "said it". After a titled name the cue more often belongs elsewhere: a
/// noun before the title ("a son of President Suharto, which plans") or no
/// thing at all ("President Erdoğan said it is vital").
fn cue_after(tokens: &[&str], span: &TokenSpan) -> bool {
    let next = |k: usize| tokens.get(span.end + k).copied();
    let titled = span.start > 0
        && crate::gazetteer::bundled()
            .word_lists(tokens[span.start - 1])
            .contains(crate::gazetteer::ListSet::TITLE);
    match (next(0), next(1)) {
        (Some(","), Some("which")) => !titled,
        (Some("said"), Some("it")) => !titled,
        (Some(","), Some("a" | "an" | "the")) => appositive_organisation(&tokens[span.end + 2..]),
        _ => false,
    }
}

/// Words that may follow the head noun of an appositive.
const AFTER_HEAD: &[&str] = &[
    ",", ".", ";", ")", "that", "which", "with", "in", "based", "for", "of", "and", "whose",
];

/// Whether `words`, after ", a", is a short noun phrase headed by an
/// organisation noun ("an Italian casualwear brand ,"): the noun must end
/// the phrase, so "a company spokesman" is a person.
fn appositive_organisation(words: &[&str]) -> bool {
    words
        .windows(2)
        .take(5)
        .take_while(|pair| !AFTER_HEAD.contains(&pair[0]))
        .any(|pair| ORGANISATION_NOUNS.contains(&pair[0]) && AFTER_HEAD.contains(&pair[1]))
}

/// Words of a match's result next to a team: after it ("West Virginia
/// recorded an 80-71 win") or before it ("a win over host Georgetown").
const RESULT_WORDS_AFTER: &[&str] = &[
    "beat", "beats", "defeated", "edged", "routed", "crushed", "thrashed", "downed", "won", "lost",
    "drew", "recorded", "rallied", "held",
];
const RESULT_WORDS_BEFORE: &[&str] = &[
    "beat", "over", "against", "host", "visiting", "defeated", "to", "edged", "routed",
];

/// Whether `token` is a match score ("80-71", "3-1").
fn is_score(token: &str) -> bool {
    token.split_once('-').is_some_and(|(a, b)| {
        let goals = |s: &str| (1..=3).contains(&s.len()) && s.bytes().all(|c| c.is_ascii_digit());
        goals(a) && goals(b)
    })
}

/// Whether `words` spell a country ("New Zealand", "The Netherlands").
fn is_country(words: &[&str]) -> bool {
    let words = match words {
        ["The" | "the", rest @ ..] if !rest.is_empty() => rest,
        _ => words,
    };
    crate::gazetteer::bundled().spells(words, crate::gazetteer::ListSet::COUNTRY)
}

/// Whether a team's record of wins and losses follows the span in
/// parentheses ("New England ( 6-6 ) improved to .500").
fn record_after(tokens: &[&str], span: &TokenSpan) -> bool {
    let next = |k: usize| tokens.get(span.end + k).copied();
    next(0) == Some("(") && next(1).is_some_and(is_score) && next(2) == Some(")")
}

/// Lower-case nouns of the people who speak for or run an organisation:
/// between a name and a person's name they make the first name the
/// organisation's ("KPK spokesman Ali Fikri", "Sentix Managing Director
/// Patrick Hussy").
const STAFF_NOUNS: &[&str] = &[
    "spokesman",
    "spokeswoman",
    "spokesperson",
    "head",
    "chief",
    "chairman",
    "chairwoman",
    "director",
    "ceo",
    "founder",
    "economist",
    "analyst",
    "strategist",
];

/// Whether a staff title (one to three words, each a staff noun or a word
/// of a title) comes between `span` and the start of a person's name, and the
/// span's words are no place or name a list knows (a country's or a
/// leader's spokesman is no sign of an organisation).
fn staff_after(tokens: &[&str], span: &TokenSpan, person_starts: &[usize]) -> bool {
    let lists = crate::gazetteer::bundled();
    let is_title = |word: &str| {
        STAFF_NOUNS.contains(&word.to_lowercase().as_str())
            || lists
                .word_lists(word)
                .contains(crate::gazetteer::ListSet::TITLE)
            || lists.opens(word).contains(crate::gazetteer::ListSet::TITLE)
    };
    let title_words = tokens[span.end..]
        .iter()
        .take(3)
        .take_while(|w| is_title(w))
        .count();
    let places = crate::gazetteer::ListSet::COUNTRY
        | crate::gazetteer::ListSet::CITY
        | crate::gazetteer::ListSet::CAPITAL
        | crate::gazetteer::ListSet::REGION
        | crate::gazetteer::ListSet::DEMONYM;
    let known = places | crate::gazetteer::ListSet::GIVEN_NAME | crate::gazetteer::ListSet::SURNAME;
    let words = &tokens[span.start..span.end];
    let known_place = lists.spells(words, places);
    title_words > 0
        && person_starts.contains(&(span.end + title_words))
        && !known_place
        && words
            .iter()
            .all(|w| (lists.word_lists(w).bits() & known.bits()) == 0)
}

/// Whether a place that is no country plays a match in its sentence: a
/// result word next to it and a score in the sentence, or its record. CoNLL-2003 types a
/// team named after its city, state or college as an organisation, while
/// a country's national side stays a place.
fn plays_a_match(tokens: &[&str], sentences: &[Range<usize>], span: &TokenSpan) -> bool {
    let after = tokens
        .get(span.end)
        .is_some_and(|t| RESULT_WORDS_AFTER.contains(t));
    let before = span.start > 0 && RESULT_WORDS_BEFORE.contains(&tokens[span.start - 1]);
    if record_after(tokens, span) {
        return !is_country(&tokens[span.start..span.end]);
    }
    if !(after || before) {
        return false;
    }
    let country = is_country(&tokens[span.start..span.end]);
    let at = sentences.partition_point(|s| s.end <= span.start);
    let sentence = sentences.get(at).cloned().unwrap_or(0..tokens.len());
    !country && tokens[sentence].iter().any(|t| is_score(t))
}

/// Retypes as organisations the person, place and MISC names that a cue
/// marks as organisations, and every other mention of the same words in
/// the article that the tagger typed as that cued mention was.
pub(super) fn type_organisations_by_cue(
    tokens: &[&str],
    sentences: &[Range<usize>],
    spans: &mut [(TokenSpan, f64)],
) {
    let mut cued: Vec<(&[&str], EntityType)> = Vec::new();
    let person_starts: Vec<usize> = spans
        .iter()
        .filter(|(s, _)| s.kind == EntityType::Person)
        .map(|(s, _)| s.start)
        .collect();
    // The surname of a person named in full is that person, whatever title
    // follows it ("Netanyahu spokesman Ofir Gendelman").
    let surnames: Vec<&str> = spans
        .iter()
        .filter(|(s, _)| s.kind == EntityType::Person && s.end - s.start >= 2)
        .map(|(s, _)| tokens[s.end - 1])
        .collect();
    for (span, _) in spans.iter() {
        let words = &tokens[span.start..span.end];
        let staff = || {
            staff_after(tokens, span, &person_starts)
                && !(words.len() == 1 && surnames.contains(&words[0]))
        };
        let marked = match span.kind {
            EntityType::Person => cue_before(tokens, span) || cue_after(tokens, span) || staff(),
            // A place's staff title is common ("Kremlin spokesman Dmitry
            // Peskov", and CoNLL types the Kremlin a place): only an
            // acronym the place lists do not know is taken for an agency.
            EntityType::Location => {
                cue_before(tokens, span)
                    || plays_a_match(tokens, sentences, span)
                    || (matches!(words, [word] if super::is_acronym(word)) && staff())
            }
            EntityType::Miscellaneous => cue_before(tokens, span),
            EntityType::Organisation => false,
        };
        if marked && !cued.contains(&(words, span.kind)) {
            cued.push((words, span.kind));
        }
    }
    // A one-word person that is the last word of a longer organisation of
    // the article is that organisation ("Chargers" of "Los Angeles
    // Chargers", "Sachs" of "Goldman Sachs").
    let organisation_ends: Vec<&str> = spans
        .iter()
        .filter(|(s, _)| s.kind == EntityType::Organisation && s.end - s.start >= 2)
        .map(|(s, _)| tokens[s.end - 1])
        .collect();
    for (span, _) in spans.iter() {
        let word = &tokens[span.start..span.end];
        if span.kind == EntityType::Person
            && word.len() == 1
            && organisation_ends.contains(&word[0])
            && !cued.contains(&(word, span.kind))
        {
            cued.push((word, span.kind));
        }
    }
    if cued.is_empty() {
        return;
    }
    for (span, _) in spans.iter_mut() {
        let words = &tokens[span.start..span.end];
        if cued.contains(&(words, span.kind)) {
            span.kind = EntityType::Organisation;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ner::test_span as span;

    #[test]
    fn a_trade_noun_types_every_mention_of_the_name() {
        let tokens = [
            "retailer", "Ted", "Baker", "fell", ".", "Ted", "Baker", "lost", ".", "Ted", "Smith",
            "said", ".",
        ];
        let mut spans = vec![
            span(1, 3, EntityType::Person),
            span(5, 7, EntityType::Person),
            span(9, 11, EntityType::Person),
        ];
        type_organisations_by_cue(
            &tokens,
            std::slice::from_ref(&(0..tokens.len())),
            &mut spans,
        );
        let kinds: Vec<EntityType> = spans.iter().map(|(s, _)| s.kind).collect();
        assert_eq!(
            kinds,
            [
                EntityType::Organisation,
                EntityType::Organisation,
                EntityType::Person
            ]
        );
    }

    #[test]
    fn which_and_said_it_mark_a_thing_not_a_person() {
        for tokens in [
            ["Snam", ",", "which", "makes", "pipes"],
            ["Energean", "said", "it", "would", "buy"],
            ["London-listed", "Energean", "rose", "2", "%"],
        ] {
            let at = usize::from(tokens[0] == "London-listed");
            let mut spans = vec![span(at, at + 1, EntityType::Person)];
            type_organisations_by_cue(
                &tokens,
                std::slice::from_ref(&(0..tokens.len())),
                &mut spans,
            );
            assert_eq!(spans[0].0.kind, EntityType::Organisation, "{tokens:?}");
        }
    }

    #[test]
    fn a_team_named_after_a_place_is_an_organisation_but_a_country_is_not() {
        let tokens = [
            "West",
            "Virginia",
            "recorded",
            "an",
            "80-71",
            "win",
            "over",
            "host",
            "Georgetown",
            ".",
            "New",
            "Zealand",
            "beat",
            "Wales",
            "3-1",
            ".",
            "Georgetown",
            "is",
            "old",
            ".",
        ];
        let mut spans = vec![
            span(0, 2, EntityType::Location),
            span(8, 9, EntityType::Location),
            span(10, 12, EntityType::Location),
            span(13, 14, EntityType::Location),
            span(16, 17, EntityType::Location),
        ];
        let sentences = [0..10, 10..16, 16..20];
        type_organisations_by_cue(&tokens, &sentences, &mut spans);
        let kinds: Vec<EntityType> = spans.iter().map(|(s, _)| s.kind).collect();
        let (org, loc) = (EntityType::Organisation, EntityType::Location);
        // National sides stay places; the college is the team in the whole article.
        assert_eq!(kinds, [org, org, loc, loc, org]);
    }

    #[test]
    fn the_last_word_of_an_organisation_alone_is_that_organisation() {
        let tokens = ["Goldman", "Sachs", "rose", ".", "Sachs", "said", "."];
        let mut spans = vec![
            span(0, 2, EntityType::Organisation),
            span(4, 5, EntityType::Person),
        ];
        type_organisations_by_cue(&tokens, &[0..4, 4..7], &mut spans);
        assert_eq!(spans[1].0.kind, EntityType::Organisation);
    }

    #[test]
    fn an_appositive_headed_by_an_organisation_noun() {
        let tokens = [
            "Stone",
            "Island",
            ",",
            "an",
            "Italian",
            "casualwear",
            "brand",
            ",",
            "and",
            "Ann",
            "Lee",
            ",",
            "a",
            "company",
            "spokeswoman",
            ",",
        ];
        let mut spans = vec![
            span(0, 2, EntityType::Person),
            span(9, 11, EntityType::Person),
        ];
        type_organisations_by_cue(
            &tokens,
            std::slice::from_ref(&(0..tokens.len())),
            &mut spans,
        );
        assert_eq!(spans[0].0.kind, EntityType::Organisation);
        assert_eq!(spans[1].0.kind, EntityType::Person);
    }

    #[test]
    fn said_it_after_a_titled_name_is_no_cue() {
        let tokens = ["President", "Erdogan", "said", "it", "is", "vital"];
        let mut spans = vec![span(1, 2, EntityType::Person)];
        type_organisations_by_cue(&tokens, std::slice::from_ref(&(0..6)), &mut spans);
        assert_eq!(spans[0].0.kind, EntityType::Person);
    }

    #[test]
    fn a_person_and_a_country_keep_their_types() {
        // "who" is a person's; a country says things too.
        let tokens = ["Smith", ",", "who", "said", "China", "said", "it", "would"];
        let mut spans = vec![
            span(0, 1, EntityType::Person),
            span(4, 5, EntityType::Location),
        ];
        type_organisations_by_cue(
            &tokens,
            std::slice::from_ref(&(0..tokens.len())),
            &mut spans,
        );
        assert_eq!(spans[0].0.kind, EntityType::Person);
        assert_eq!(spans[1].0.kind, EntityType::Location);
    }

    fn kinds_after(tokens: &[&str], mut spans: Vec<(TokenSpan, f64)>) -> Vec<EntityType> {
        type_organisations_by_cue(tokens, std::slice::from_ref(&(0..tokens.len())), &mut spans);
        spans.iter().map(|(s, _)| s.kind).collect()
    }

    #[test]
    fn a_staff_title_before_a_person_marks_an_organisation() {
        let tokens = [
            "said",
            "KPK",
            "spokesman",
            "Ali",
            "Fikri",
            ".",
            "KPK",
            "found",
            "it",
            ".",
        ];
        use EntityType::{Location, Organisation, Person};
        let spans = vec![
            span(1, 2, Location),
            span(3, 5, Person),
            span(6, 7, Location),
        ];
        assert_eq!(
            kinds_after(&tokens, spans),
            [Organisation, Person, Organisation]
        );
    }

    #[test]
    fn a_places_spokesman_marks_nothing() {
        use EntityType::{Location, Person};
        let tokens = ["Kremlin", "spokesman", "Dmitry", "Peskov", "said"];
        let spans = vec![span(0, 1, Location), span(2, 4, Person)];
        assert_eq!(kinds_after(&tokens, spans), [Location, Person]);
    }

    #[test]
    fn a_leaders_or_a_countrys_spokesman_marks_nothing() {
        use EntityType::{Location, Person};
        let tokens = [
            "Benjamin",
            "Netanyahu",
            "met",
            ".",
            "Netanyahu",
            "spokesman",
            "Ofir",
            "Gendelman",
            "said",
            ".",
            "New",
            "Zealand",
            "Prime",
            "Minister",
            "Jacinda",
            "Ardern",
            "spoke",
        ];
        let spans = vec![
            span(0, 2, Person),
            span(4, 5, Person),
            span(6, 8, Person),
            span(10, 12, Location),
            span(14, 16, Person),
        ];
        assert_eq!(
            kinds_after(&tokens, spans),
            [Person, Person, Person, Location, Person]
        );
    }

    #[test]
    fn a_record_in_parentheses_marks_a_team_but_not_a_country() {
        use EntityType::{Location, Organisation};
        let tokens = [
            "New", "England", "(", "6-6", ")", "improved", ".", "New", "England", "led", ".",
            "Brazil", "(", "3-0", ")", "won", ".",
        ];
        let spans = vec![
            span(0, 2, Location),
            span(7, 9, Location),
            span(11, 12, Location),
        ];
        assert_eq!(
            kinds_after(&tokens, spans),
            [Organisation, Organisation, Location]
        );
    }
}
