//! A number that measures the word after it is no part of the name before
//! it.
//!
//! Names of products and events end in numbers ("Windows 11", "Stacks
//! 2.0", "Euro 2024"), and the tagger, having seen many, may take the
//! number of a quantity into the name before it: "the Turkish War of
//! Independence 100 years ago", "Boeing 500 million dollars". A number
//! followed by a unit of time, a multiplier or a percentage counts that
//! unit, so the name ends before it.

use super::labels::TokenSpan;

/// Words a number before them counts or scales.
const MEASURES: &[&str] = &[
    "years",
    "year",
    "months",
    "month",
    "weeks",
    "week",
    "days",
    "day",
    "hours",
    "hour",
    "minutes",
    "seconds",
    "decades",
    "centuries",
    "million",
    "billion",
    "trillion",
    "thousand",
    "hundred",
    "percent",
    "per",
    "%",
    "times",
];

fn is_number(token: &str) -> bool {
    token.chars().next().is_some_and(|c| c.is_ascii_digit())
        && token
            .chars()
            .all(|c| c.is_ascii_digit() || c == ',' || c == '.')
}

/// Ends before it each span of two or more tokens whose last token is a
/// number followed by a measure word.
pub fn trim_measured_numbers(tokens: &[&str], spans: &mut [(TokenSpan, f64)]) {
    for (span, _) in spans.iter_mut() {
        if span.end - span.start >= 2
            && is_number(tokens[span.end - 1])
            && tokens.get(span.end).is_some_and(|t| MEASURES.contains(t))
        {
            span.end -= 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::EntityType;

    #[test]
    fn a_number_of_years_ends_the_name_before_it() {
        let t: Vec<&str> = "the War of Independence 100 years ago and Windows 11 users"
            .split(' ')
            .collect();
        let misc = |start, end| {
            let kind = EntityType::Miscellaneous;
            (TokenSpan { start, end, kind }, 0.9)
        };
        let mut spans = vec![misc(1, 5), misc(8, 10)];
        trim_measured_numbers(&t, &mut spans);
        assert_eq!(spans, vec![misc(1, 4), misc(8, 10)]);
    }
}
