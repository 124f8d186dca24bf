//! Holidays and religious seasons, which are dates, not names.
//!
//! CoNLL-2003 leaves "Christmas" or "Ramadan" untagged, like any other date,
//! and a reader counting the organisations or events of the news wants no
//! "Christmas" among them; but 1996 wire copy barely mentions them, so the
//! tagger, going by the look of an unseen capitalised word, types them
//! (December news: "over the Christmas holidays" as an organisation).

use super::TokenSpan;

/// Holidays and seasons written as one capitalised word.
const HOLIDAYS: &[&str] = &[
    "Christmas",
    "Xmas",
    "Easter",
    "Ramadan",
    "Eid",
    "Diwali",
    "Hanukkah",
    "Chanukah",
    "Passover",
    "Thanksgiving",
    "Halloween",
    "Lent",
    "Advent",
    "Pentecost",
];

/// Words that may follow a holiday inside its name ("Christmas Eve").
const HOLIDAY_TAILS: &[&str] = &["Day", "Eve"];

/// Drops spans that are a holiday ("Christmas", "Christmas Eve").
pub(super) fn drop_holidays(tokens: &[&str], spans: &mut Vec<(TokenSpan, f64)>) {
    spans.retain(|(span, _)| {
        let words = &tokens[span.start..span.end];
        let holiday =
            HOLIDAYS.contains(&words[0]) && words[1..].iter().all(|w| HOLIDAY_TAILS.contains(w));
        !holiday
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::EntityType;

    #[test]
    fn holidays_are_no_names() {
        let tokens = [
            "Christmas",
            "Eve",
            "in",
            "Easter",
            "Island",
            "and",
            "Easter",
        ];
        let span = |start, end| {
            let kind = EntityType::Organisation;
            (TokenSpan { start, end, kind }, 0.5)
        };
        let mut spans = vec![span(0, 2), span(3, 5), span(6, 7)];
        drop_holidays(&tokens, &mut spans);
        // "Easter Island" is a place.
        assert_eq!(spans, vec![span(3, 5)]);
    }
}
