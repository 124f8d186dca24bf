//! Quoted titles: a name in quotation marks is one name.
//!
//! News quotes the names of campaigns, summits, works and slogans
//! (“One Heart for Palestine”, ‘Women for Peace in Palestine’), and writes
//! them in title case with lower-case function words inside. The tagger,
//! trained on text where such names are rare, tends to cut them at the
//! function word ("One Heart" + "Palestine"). When it found a name inside
//! such a title but not the title itself, the title replaces its pieces as
//! one MISC name (the CoNLL-2003 type of works, events and slogans).

use super::labels::TokenSpan;
use crate::EntityType;
use std::ops::Range;

/// Most tokens between the quotes of a title.
const LONGEST_TITLE: usize = 12;

fn is_quote(token: &str) -> bool {
    matches!(
        token,
        "\"" | "'"
            | "``"
            | "''"
            | "\u{201C}"
            | "\u{201D}"
            | "\u{2018}"
            | "\u{2019}"
            | "\u{00AB}"
            | "\u{00BB}"
    )
}

/// Lower-case words that title case leaves in lower case.
fn is_title_function_word(token: &str) -> bool {
    matches!(
        token,
        "a" | "an"
            | "and"
            | "at"
            | "by"
            | "for"
            | "from"
            | "in"
            | "of"
            | "on"
            | "the"
            | "to"
            | "with"
            | "de"
            | "al"
            | "bin"
    )
}

fn is_capitalised(token: &str) -> bool {
    token.chars().next().is_some_and(char::is_uppercase)
}

/// Token ranges of the quoted titles of two or more words in `sentence`
/// (token indices of the document): a quote, capitalised words with
/// function words between them, perhaps a comma or stop, a quote.
pub fn titles(tokens: &[&str], sentence: Range<usize>) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let mut i = sentence.start;
    while i + 1 < sentence.end {
        if !(is_quote(tokens[i]) && is_capitalised(tokens[i + 1])) {
            i += 1;
            continue;
        }
        let start = i + 1;
        let mut end = start;
        while end < sentence.end
            && end - start < LONGEST_TITLE
            && (is_capitalised(tokens[end]) || is_title_function_word(tokens[end]))
        {
            end += 1;
        }
        // A comma or stop may sit inside the closing quote (“..., ” he said).
        let close = if end < sentence.end && matches!(tokens[end], "," | ".") {
            end + 1
        } else {
            end
        };
        let closed = close < sentence.end && is_quote(tokens[close]);
        if closed && end - start >= 2 && is_capitalised(tokens[end - 1]) {
            out.push(start..end);
            i = close + 1;
        } else {
            i = start;
        }
    }
    out
}

/// Replaces the tagged pieces of each quoted title in `sentence` by the
/// whole title, typed MISC, with the lowest confidence of its pieces.
/// Titles the tagger found whole, or left alone, are kept as they are, and
/// so are spans that reach outside the quotes.
pub fn join_titles(tokens: &[&str], sentence: Range<usize>, spans: &mut Vec<(TokenSpan, f64)>) {
    for title in titles(tokens, sentence) {
        let inside = |span: &TokenSpan| span.start >= title.start && span.end <= title.end;
        let overlaps = |span: &TokenSpan| span.start < title.end && title.start < span.end;
        let pieces: Vec<usize> = (0..spans.len())
            .filter(|&k| overlaps(&spans[k].0))
            .collect();
        let whole = pieces.len() == 1 && {
            let span = &spans[pieces[0]].0;
            span.start == title.start && span.end == title.end
        };
        if pieces.is_empty() || whole || !pieces.iter().all(|&k| inside(&spans[k].0)) {
            continue;
        }
        let confidence = pieces
            .iter()
            .map(|&k| spans[k].1)
            .fold(f64::INFINITY, f64::min);
        let at = pieces[0];
        spans[at] = (
            TokenSpan {
                start: title.start,
                end: title.end,
                kind: EntityType::Miscellaneous,
            },
            confidence,
        );
        for &k in pieces[1..].iter().rev() {
            spans.remove(k);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(text: &str) -> Vec<&str> {
        text.split(' ').collect()
    }

    #[test]
    fn finds_titles_with_function_words_and_inner_commas() {
        let t = words(
            "the ‘ One Heart for Palestine ’ movement and “ Women for Peace in Palestine , ” which",
        );
        assert_eq!(titles(&t, 0..t.len()), vec![2..6, 10..15]);
    }

    #[test]
    fn speech_and_single_words_are_no_titles() {
        for text in [
            "“ Israel will pay , ” he said",
            "“ I am here , ” he said",
            "called it “ Hamas ” again",
            "‘ One Heart for peace ’ again",
            "“ One Heart for Palestine and nothing more",
        ] {
            let t = words(text);
            assert!(titles(&t, 0..t.len()).is_empty(), "{text}");
        }
    }

    #[test]
    fn pieces_become_one_misc_name() {
        let t = words("the ‘ One Heart for Palestine ’ movement");
        let span = |start, end, kind| (TokenSpan { start, end, kind }, 0.9);
        let mut spans = vec![
            span(2, 4, EntityType::Location),
            (
                TokenSpan {
                    start: 5,
                    end: 6,
                    kind: EntityType::Location,
                },
                0.6,
            ),
        ];
        join_titles(&t, 0..t.len(), &mut spans);
        assert_eq!(spans.len(), 1);
        assert_eq!((spans[0].0.start, spans[0].0.end), (2, 6));
        assert_eq!(spans[0].0.kind, EntityType::Miscellaneous);
        assert_eq!(spans[0].1, 0.6);

        // A title found whole keeps its type.
        let mut whole = vec![span(2, 6, EntityType::Organisation)];
        join_titles(&t, 0..t.len(), &mut whole);
        assert_eq!(whole[0].0.kind, EntityType::Organisation);
    }
}
