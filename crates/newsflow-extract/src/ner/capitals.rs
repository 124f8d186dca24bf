//! Lines written in capitals, after a document's first, are tagged as if
//! written in title case.
//!
//! A line such as "TREASURY SECRETARY: JANET YELLEN" hides the capitals
//! that tell names from other words, and the tagger, having seen capitals
//! mostly in 1996 sports headlines, cuts or misses the names in it. Each
//! word of such a line is title-cased for tagging when it is long (five
//! letters or more) or a name list knows its title-cased form ("RON" is
//! "Ron"); short words no list knows are kept as acronyms ("FBI", "ICJ").
//! Offsets are unchanged: only the words the tagger reads change.

use std::ops::Range;

/// Whether `word` is written in capitals: two letters or more, no lower
/// case.
fn in_capitals(word: &str) -> bool {
    word.chars().filter(|c| c.is_alphabetic()).count() >= 2 && !word.chars().any(char::is_lowercase)
}

/// Whether a sentence is a line in capitals: four words or more, 80% of
/// them in capitals.
fn capital_line(words: &[&str]) -> bool {
    let (mut wordy, mut capitals) = (0, 0);
    for w in words {
        if w.chars().filter(|c| c.is_alphabetic()).count() >= 2 {
            wordy += 1;
            capitals += usize::from(!w.chars().any(char::is_lowercase));
        }
    }
    wordy >= 4 && capitals * 5 >= wordy * 4
}

/// `word` title-cased part by part ("THOMAS-GREENFIELD" ->
/// "Thomas-Greenfield"), when it is a word to recase.
fn recased(word: &str) -> Option<String> {
    let letters = word.chars().filter(|c| c.is_alphabetic()).count();
    let plain = word
        .chars()
        .all(|c| c.is_alphabetic() || c == '-' || c == '\'');
    if !plain || !in_capitals(word) {
        return None;
    }
    let mut out = String::with_capacity(word.len());
    let mut start = true;
    for c in word.chars() {
        if start {
            out.push(c);
        } else {
            out.extend(c.to_lowercase());
        }
        start = !c.is_alphabetic();
    }
    let known = crate::gazetteer::bundled().word_lists(&out).bits() != 0;
    (letters >= 5 || known).then_some(out)
}

/// The words to tag, when some sentence is a line in capitals: those lines'
/// words recased, every other word as it is. `None` when there is none.
pub(super) fn recase_capital_lines(
    tokens: &[&str],
    sentences: &[Range<usize>],
) -> Option<Vec<String>> {
    // The first line may be a headline, written in capitals as the
    // tagger's training text wrote them, and read well as it is.
    let lines: Vec<&Range<usize>> = sentences
        .iter()
        .skip(1)
        .filter(|s| capital_line(&tokens[(*s).clone()]))
        .collect();
    if lines.is_empty() {
        return None;
    }
    let mut words: Vec<String> = tokens.iter().map(|t| t.to_string()).collect();
    for line in lines {
        for i in line.clone() {
            if let Some(word) = recased(tokens[i]) {
                words[i] = word;
            }
        }
    }
    Some(words)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn capital_lines_after_the_first_are_recased_and_acronyms_kept() {
        let tokens = [
            "The",
            "FBI",
            "said",
            "so",
            "today",
            ".",
            "SECRETARY",
            "OF",
            "STATE",
            ":",
            "ANTONY",
            "BLINKEN",
            "AT",
            "ICJ",
            ".",
        ];
        let words = recase_capital_lines(&tokens, &[0..6, 6..15]).unwrap();
        assert_eq!(
            words,
            [
                "The",
                "FBI",
                "said",
                "so",
                "today",
                ".",
                "Secretary",
                "OF",
                "State",
                ":",
                "Antony",
                "Blinken",
                "AT",
                "ICJ",
                "."
            ]
        );
        // A headline in capitals, first, is read as it is.
        assert!(recase_capital_lines(&tokens[6..], std::slice::from_ref(&(0..9))).is_none());
    }
}
