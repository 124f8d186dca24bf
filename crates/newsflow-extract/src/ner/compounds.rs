//! Compounds of a name and a participle are MISC: "London-listed",
//! "California-based", "U.S.-owned", "Honda-powered".
//!
//! CoNLL-2003 types them MISC (75 of 84 in its training text), but the
//! tagger only knows the compounds it has seen: one made of a name it
//! never met ("Perth-based" may pass, "COVID-19-driven" does) is left out.

use super::labels::TokenSpan;
use crate::EntityType;
use std::ops::Range;

/// Participles and nouns that, after a name and a hyphen, make an
/// adjective of it.
const SUFFIXES: &[&str] = &[
    "based",
    "listed",
    "owned",
    "led",
    "backed",
    "made",
    "born",
    "funded",
    "controlled",
    "run",
    "registered",
    "headquartered",
    "powered",
    "driven",
    "bound",
    "flagged",
    "sponsored",
    "brokered",
    "allied",
    "linked",
    "era",
    "style",
];

/// Whether `token` is a capitalised name, a hyphen and one of `SUFFIXES`.
fn is_name_compound(token: &str) -> bool {
    token.rsplit_once('-').is_some_and(|(name, suffix)| {
        name.chars().next().is_some_and(char::is_uppercase)
            && name.chars().any(char::is_alphabetic)
            && SUFFIXES.contains(&suffix)
    })
}

/// Tags as MISC each untagged name compound of `sentence`.
pub(super) fn tag_name_compounds(
    tokens: &[&str],
    sentence: Range<usize>,
    spans: &mut Vec<(TokenSpan, f64)>,
) {
    super::lone_words::tag_lone_words(sentence, spans, |i| {
        is_name_compound(tokens[i]).then_some(EntityType::Miscellaneous)
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn name_compounds() {
        for yes in [
            "London-listed",
            "U.S.-owned",
            "COVID-19-driven",
            "Soviet-era",
        ] {
            assert!(is_name_compound(yes), "{yes}");
        }
        for no in ["well-based", "London-Paris", "-based", "London"] {
            assert!(!is_name_compound(no), "{no}");
        }
    }
}
