//! The credit of a wire dateline is a news agency.
//!
//! Wire stories open with the city in capitals, perhaps a country or a
//! date, and the agency's name in parentheses before a dash: "GENEVA
//! (Reuters) -", "RABAT, Morocco (AP) —", "NEW YORK, March 4 (Reuters) -".
//! The one word in those parentheses is the agency, an organisation,
//! whatever the tagger makes of a short, unfamiliar word there ("AP",
//! "AFP", "dpa").

use super::labels::TokenSpan;
use crate::EntityType;
use std::ops::Range;

/// Most tokens between the dateline's city and the credit's parenthesis
/// ("NEW YORK , March 4 (": the city's two and four more).
const FARTHEST_CREDIT: usize = 7;

/// The confidence of a credit the tagger missed: found by the dateline's
/// layout alone.
const CONFIDENCE: f64 = 0.5;

fn in_capitals(token: &str) -> bool {
    token.chars().filter(|c| c.is_alphabetic()).count() >= 2
        && !token.chars().any(char::is_lowercase)
}

fn is_dash(token: &str) -> bool {
    matches!(token, "\u{2014}" | "\u{2013}" | "-" | "--")
}

/// The token index of the credit of `sentence`'s dateline, if it opens
/// with one.
fn credit(tokens: &[&str], sentence: &Range<usize>) -> Option<usize> {
    if sentence.is_empty() || !in_capitals(tokens[sentence.start]) {
        return None;
    }
    let last = sentence.end.min(sentence.start + 1 + FARTHEST_CREDIT);
    let open = (sentence.start + 1..last).find(|&i| tokens[i] == "(")?;
    // Between the city and the credit only names, numbers and commas.
    let dateline = tokens[sentence.start + 1..open]
        .iter()
        .all(|t| !is_dash(t) && t.chars().next().is_some_and(|c| !c.is_lowercase()));
    if !dateline {
        return None;
    }
    let words = tokens.get(open + 1..open + 4)?;
    let [agency, ")", dash] = words else {
        return None;
    };
    let named = agency.chars().next().is_some_and(char::is_alphabetic)
        && agency.chars().all(char::is_alphanumeric);
    (open + 3 < sentence.end && named && is_dash(dash)).then_some(open + 1)
}

/// Types the credit of `sentence`'s dateline as an organisation, or adds it
/// as one if the tagger left it out.
pub fn type_dateline_credit(
    tokens: &[&str],
    sentence: Range<usize>,
    spans: &mut Vec<(TokenSpan, f64)>,
) {
    let Some(at) = credit(tokens, &sentence) else {
        return;
    };
    let overlapping: Vec<usize> = (0..spans.len())
        .filter(|&k| spans[k].0.start <= at && at < spans[k].0.end)
        .collect();
    match overlapping.as_slice() {
        [] => {
            let span = TokenSpan {
                start: at,
                end: at + 1,
                kind: EntityType::Organisation,
            };
            let place = spans.partition_point(|(s, _)| s.start < at);
            spans.insert(place, (span, CONFIDENCE));
        }
        &[k] if spans[k].0.start == at && spans[k].0.end == at + 1 => {
            spans[k].0.kind = EntityType::Organisation;
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(text: &str) -> Vec<&str> {
        text.split(' ').collect()
    }

    #[test]
    fn finds_the_credit_after_a_city_a_country_or_a_date() {
        for (text, at) in [
            ("GENEVA ( Reuters ) - The", 2),
            ("RABAT , Morocco ( AP ) — Rescuers", 4),
            ("NEW YORK , March 4 ( Reuters ) - Wall", 6),
        ] {
            let t = words(text);
            assert_eq!(credit(&t, &(0..t.len())), Some(at), "{text}");
        }
        for text in [
            "Geneva ( Reuters ) - The",
            "GENEVA ( Reuters ) said",
            "WHO ( the agency ) - said",
            "GENEVA - The ( AP ) - report",
        ] {
            let t = words(text);
            assert_eq!(credit(&t, &(0..t.len())), None, "{text}");
        }
    }

    #[test]
    fn the_credit_is_an_organisation() {
        let t = words("SAN FRANCISCO ( AP ) — Microsoft said");
        let span = |start, end, kind| (TokenSpan { start, end, kind }, 0.9);
        let city = span(0, 2, EntityType::Location);
        let microsoft = span(6, 7, EntityType::Organisation);
        let mut spans = vec![city, microsoft];
        type_dateline_credit(&t, 0..t.len(), &mut spans);
        assert_eq!(spans[1].0, span(3, 4, EntityType::Organisation).0);
        assert_eq!(spans.len(), 3);
        let mut spans = vec![city, span(3, 4, EntityType::Person), microsoft];
        type_dateline_credit(&t, 0..t.len(), &mut spans);
        assert_eq!(spans[1].0.kind, EntityType::Organisation);
    }
}
