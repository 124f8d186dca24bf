//! Tokenizer and sentence splitter for raw news text.
//!
//! Tokens follow the conventions of the CoNLL-2003 training data (Penn
//! Treebank style), so that the tagger sees at inference what it saw in
//! training: punctuation is split off, possessive `'s` and `n't` are separate
//! tokens, hyphenated words, numbers with thousands separators and decimals,
//! initialisms (`U.S.`) and common abbreviations (`Oct.`, `Mr.`) stay whole.
//! Offsets are Unicode code points, `end` exclusive.

/// A token of the input text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Token {
    /// Code-point offset of the first character.
    pub start: usize,
    /// Code-point offset just past the last character.
    pub end: usize,
    /// Byte offset of the first character (to slice the text cheaply).
    pub byte_start: usize,
    /// Byte offset just past the last character.
    pub byte_end: usize,
    /// Whether a line break separates this token from the previous one.
    pub after_newline: bool,
}

impl Token {
    /// The token's text.
    pub fn text<'t>(&self, text: &'t str) -> &'t str {
        &text[self.byte_start..self.byte_end]
    }
}

/// Abbreviations that keep their final period (lower case, without it).
/// Single letters are handled separately (initials, `U.S.`).
const ABBREVIATIONS: &[&str] = &[
    "mr", "mrs", "ms", "dr", "prof", "gen", "lt", "col", "maj", "capt", "cmdr", "sgt", "adm",
    "gov", "sen", "rep", "rev", "hon", "pres", "st", "mt", "ft", "jr", "sr", "inc", "corp", "co",
    "ltd", "plc", "bros", "dept", "univ", "assn", "no", "nos", "vs", "etc", "approx", "jan", "feb",
    "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec", "mon", "tue", "tues",
    "wed", "thu", "thur", "thurs", "fri", "sat", "sun", "ave", "blvd", "rd", "est", "fig", "vol",
    "op", "pp", "cf", "al",
];

/// Punctuation and symbols outside ASCII that never belong inside a word.
fn is_non_ascii_punct(c: char) -> bool {
    matches!(c,
        '\u{00A1}'..='\u{00BF}' // ¡ ¢ £ ¤ ¥ ¦ § ¨ © ª « ¬ ® ¯ ° ± ² ³ ´ µ ¶ · ¸ ¹ º » ¼ ½ ¾ ¿
        | '\u{00D7}' | '\u{00F7}'
        | '\u{2000}'..='\u{206F}' // general punctuation: dashes, quotes, ellipsis
        | '\u{20A0}'..='\u{20CF}' // currency symbols
        | '\u{2100}'..='\u{214F}' // letterlike symbols (™, №)
        | '\u{2190}'..='\u{2BFF}' // arrows, maths, boxes, shapes, dingbats
        | '\u{3000}'..='\u{303F}' // CJK punctuation
        | '\u{FE10}'..='\u{FE6F}' // vertical and small forms
        | '\u{FF01}'..='\u{FF0F}' | '\u{FF1A}'..='\u{FF20}' | '\u{FF3B}'..='\u{FF40}'
        | '\u{FF5B}'..='\u{FF65}'
        | '\u{FFF0}'..='\u{FFFF}'
        | '\u{1F000}'..='\u{1FAFF}' // emoji and pictographs
    )
}

/// Characters that make up words: letters, digits and combining marks of any
/// script (anything that is neither space, control, nor punctuation/symbol).
fn is_word_char(c: char) -> bool {
    if c.is_ascii() {
        return c.is_ascii_alphanumeric();
    }
    !c.is_whitespace() && !c.is_control() && !is_non_ascii_punct(c)
}

fn is_apostrophe(c: char) -> bool {
    matches!(c, '\'' | '\u{2019}' | '\u{2018}' | '\u{02BC}')
}

fn is_hyphen(c: char) -> bool {
    matches!(c, '-' | '\u{2010}' | '\u{2011}')
}

/// Splits `text` into tokens.
pub fn tokenize(text: &str) -> Vec<Token> {
    // Sized for the longest possible result (all ASCII), so it never grows.
    let mut chars: Vec<char> = Vec::with_capacity(text.len());
    chars.extend(text.chars());
    // Byte offset of every char, plus the end, so tokens slice the text directly.
    let mut bytes = Vec::with_capacity(chars.len() + 1);
    let mut b = 0;
    for &c in &chars {
        bytes.push(b);
        b += c.len_utf8();
    }
    bytes.push(b);

    let at = |i: usize| chars.get(i).copied().unwrap_or(' ');
    // News text has about one token every five characters.
    let mut tokens = Vec::with_capacity(chars.len() / 4);
    let mut i = 0;
    let mut newline = false;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() || c.is_control() {
            newline |= matches!(c, '\n' | '\r' | '\u{2028}' | '\u{2029}');
            i += 1;
            continue;
        }
        let start = i;
        let end = if is_word_char(c) {
            word_end(&chars, start)
        } else if is_apostrophe(c) && matches!(at(i + 1), 's' | 'S') && !is_word_char(at(i + 2)) {
            i + 2 // possessive 's split off the previous word
        } else if matches!(c, '.' | '-' | '\u{2014}' | '\u{2013}' | '!' | '?') {
            // Runs such as "...", "--", "?!" stay one token.
            let mut j = i + 1;
            while j < chars.len() && chars[j] == c {
                j += 1;
            }
            j
        } else {
            i + 1
        };
        tokens.push(Token {
            start,
            end,
            byte_start: bytes[start],
            byte_end: bytes[end],
            after_newline: newline,
        });
        newline = false;
        i = end;
    }
    tokens
}

/// Where the word starting at `start` ends (exclusive).
fn word_end(chars: &[char], start: usize) -> usize {
    let at = |i: usize| chars.get(i).copied().unwrap_or(' ');
    let mut j = start;
    // Each round consumes one run of word characters and what may join it to the next.
    loop {
        let run_start = j;
        while j < chars.len() && is_word_char(chars[j]) {
            j += 1;
        }
        let c = at(j);
        let prev = at(j.wrapping_sub(1));
        let next = at(j + 1);
        if c == '.' {
            let abbreviation_end = abbreviation_end(chars, run_start, j);
            if abbreviation_end > j {
                j = abbreviation_end;
                if is_hyphen(at(j)) && is_word_char(at(j + 1)) {
                    j += 1; // "U.S.-based"
                    continue;
                }
                return j;
            }
        }
        if is_hyphen(c) && is_word_char(next) {
            j += 1; // hyphenated word, date "1996-08-22"
        } else if matches!(c, '.' | ',') && prev.is_ascii_digit() && next.is_ascii_digit() {
            j += 1; // 34,049 and 1.5
        } else if c == '&' && prev.is_uppercase() && next.is_uppercase() {
            j += 1; // AT&T, S&P
        } else if is_apostrophe(c) && is_word_char(next) {
            let after = at(j + 2);
            if matches!(next, 's' | 'S') && !is_word_char(after) {
                return j; // possessive: "Syria" + "'s"
            }
            if matches!(next, 't' | 'T') && matches!(prev, 'n' | 'N') && !is_word_char(after) {
                // "don't" -> "do" + "n't"; a bare "n't" is one token.
                return if j - 1 > start { j - 1 } else { j + 2 };
            }
            j += 1; // O'Neill, D'Alema
        } else {
            return j;
        }
    }
}

/// If the run `chars[run_start..dot]` followed by the period at `dot` is an
/// initial, initialism or known abbreviation, where it ends; else `dot`.
fn abbreviation_end(chars: &[char], run_start: usize, dot: usize) -> usize {
    let at = |i: usize| chars.get(i).copied().unwrap_or(' ');
    let len = dot - run_start;
    if len == 1 && chars[run_start].is_alphabetic() {
        // Initials and initialisms: "J.", "U.S.", "a.m."
        let mut j = dot + 1;
        while at(j).is_alphabetic() && at(j + 1) == '.' && !is_word_char(at(j + 2)) {
            j += 2;
        }
        return j;
    }
    if (2..=5).contains(&len) {
        let lower: String = chars[run_start..dot]
            .iter()
            .flat_map(|c| c.to_lowercase())
            .collect();
        if ABBREVIATIONS.contains(&lower.as_str()) {
            return dot + 1;
        }
    }
    dot
}

/// Splits tokens into sentences; returns the token index ranges.
///
/// A sentence ends at a line break, or after `.`, `!`, `?` (and any closing
/// quotes or brackets) when the next token starts like a sentence.
pub fn split_sentences(text: &str, tokens: &[Token]) -> Vec<std::ops::Range<usize>> {
    let mut sentences = Vec::new();
    let mut start = 0;
    let mut i = 0;
    while i < tokens.len() {
        if i > start && tokens[i].after_newline {
            sentences.push(start..i);
            start = i;
        }
        let t = tokens[i].text(text);
        if matches!(t.chars().next(), Some('.' | '!' | '?' | '\u{2026}')) {
            let mut end = i + 1;
            while end < tokens.len()
                && !tokens[end].after_newline
                && matches!(
                    tokens[end].text(text),
                    "\"" | "'" | "\u{201D}" | "\u{2019}" | ")" | "]" | "\u{00BB}"
                )
            {
                end += 1;
            }
            let starts_sentence = tokens.get(end).is_none_or(|next| {
                let first = next.text(text).chars().next().unwrap_or(' ');
                first.is_uppercase()
                    || first.is_ascii_digit()
                    || matches!(
                        first,
                        '"' | '\u{201C}' | '\u{2018}' | '(' | '[' | '\u{00AB}'
                    )
            });
            if starts_sentence {
                sentences.push(start..end);
                start = end;
            }
            i = end;
            continue;
        }
        i += 1;
    }
    if start < tokens.len() {
        sentences.push(start..tokens.len());
    }
    sentences
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(text: &str) -> Vec<&str> {
        tokenize(text).iter().map(|t| t.text(text)).collect()
    }

    #[test]
    fn news_punctuation() {
        assert_eq!(
            words("Türkiye’s capital, Ankara (ICJ) said: “Yes.”"),
            [
                "Türkiye", "’s", "capital", ",", "Ankara", "(", "ICJ", ")", "said", ":", "“",
                "Yes", ".", "”"
            ]
        );
        assert_eq!(
            words("the U.S.-based firm on Oct. 7, 2023 paid $ 34,049.50 -- Mr. O'Neill's"),
            [
                "the",
                "U.S.-based",
                "firm",
                "on",
                "Oct.",
                "7",
                ",",
                "2023",
                "paid",
                "$",
                "34,049.50",
                "--",
                "Mr.",
                "O'Neill",
                "'s"
            ]
        );
        assert_eq!(
            words("We don't see it."),
            ["We", "do", "n't", "see", "it", "."]
        );
        assert_eq!(words("Leaders’ Spouses"), ["Leaders", "’", "Spouses"]);
        assert_eq!(words("U.S. troops"), ["U.S.", "troops"]);
        assert_eq!(
            words("cease-fire in 1996-08-22"),
            ["cease-fire", "in", "1996-08-22"]
        );
    }

    #[test]
    fn offsets_are_code_points() {
        let text = "Erdoğan met Al Thani";
        let tokens = tokenize(text);
        assert_eq!((tokens[1].start, tokens[1].end), (8, 11));
        assert_eq!(tokens[1].text(text), "met");
    }

    #[test]
    fn sentences() {
        let text =
            "He left the U.S. on Monday. She stayed!\nNew line here \"Quoted.\" Then 3 more.";
        let tokens = tokenize(text);
        let got: Vec<String> = split_sentences(text, &tokens)
            .into_iter()
            .map(|r| {
                let (s, e) = (tokens[r.start].byte_start, tokens[r.end - 1].byte_end);
                text[s..e].to_string()
            })
            .collect();
        assert_eq!(
            got,
            [
                "He left the U.S. on Monday.",
                "She stayed!",
                "New line here \"Quoted.\"",
                "Then 3 more."
            ]
        );
    }

    #[test]
    fn odd_input_is_safe() {
        for text in [
            "",
            " ",
            "'",
            "n'",
            "n't",
            "'s",
            "a.",
            "..",
            "\u{0301}\u{0301}",
            "עִבְרִית.",
            "1,",
            "x-",
        ] {
            let tokens = tokenize(text);
            for t in &tokens {
                assert!(t.start < t.end && t.end <= text.chars().count());
                let _ = t.text(text);
            }
            split_sentences(text, &tokens);
        }
    }
}
