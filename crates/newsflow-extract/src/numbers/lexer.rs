//! Splits a line of text into the tokens the number recogniser and the
//! figure stage read: words, digit runs and single symbols, each with its
//! byte range, its code-point range and the whitespace before it.

/// What kind of text a token covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TokenKind {
    /// A run of letters (any script).
    Word,
    /// A run of ASCII digits.
    Digits,
    /// One character that is neither a letter, a digit nor whitespace.
    Symbol(char),
}

/// The whitespace between a token and the one before it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Gap {
    /// The tokens touch.
    None,
    /// Exactly one space-like character (space, no-break or thin space).
    Space,
    /// Several spaces or tabs.
    Spaces,
    /// A line break, or the token starts the text: nothing joins across it.
    Break,
}

/// One token of the text.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Token {
    pub kind: TokenKind,
    /// Byte range in the text.
    pub byte_start: usize,
    pub byte_end: usize,
    /// Code-point range in the text.
    pub start: usize,
    pub end: usize,
    /// Whitespace before the token.
    pub gap: Gap,
}

impl Token {
    /// The token's text.
    pub fn text<'t>(&self, text: &'t str) -> &'t str {
        &text[self.byte_start..self.byte_end]
    }

    /// Whether this is the symbol `c`.
    pub fn is_symbol(&self, c: char) -> bool {
        self.kind == TokenKind::Symbol(c)
    }

    /// Whether this is a word.
    pub fn is_word(&self) -> bool {
        self.kind == TokenKind::Word
    }

    /// Whether this is a digit run.
    pub fn is_digits(&self) -> bool {
        self.kind == TokenKind::Digits
    }
}

fn char_class(c: char) -> u8 {
    if c.is_ascii_digit() {
        1
    } else if c.is_alphabetic() {
        2
    } else if c.is_whitespace() {
        0
    } else {
        3
    }
}

/// Replaces `out` with the tokens of `text`. Linear in the text; callers
/// reuse `out` so the common path allocates nothing.
#[cfg(test)]
pub(crate) fn tokenize(text: &str, out: &mut Vec<Token>) {
    tokenize_range(text, 0..text.len(), 0, out);
}

/// Replaces `out` with the tokens of `text[bytes]`, whose first character
/// is code point `cp_start` of `text`; offsets stay absolute. Returns the
/// code-point offset just past the range.
pub(crate) fn tokenize_range(
    text: &str,
    bytes: std::ops::Range<usize>,
    cp_start: usize,
    out: &mut Vec<Token>,
) -> usize {
    out.clear();
    let base = bytes.start;
    let mut chars = text[bytes]
        .char_indices()
        .map(|(b, c)| (b + base, c))
        .peekable();
    let mut cp = cp_start;
    let mut gap = Gap::Break;
    while let Some((byte, c)) = chars.next() {
        let class = char_class(c);
        if class == 0 {
            gap = match (gap, c) {
                (Gap::Break, _) => Gap::Break,
                (_, '\n' | '\r' | '\u{2028}' | '\u{2029}' | '\u{b}' | '\u{c}') => Gap::Break,
                (Gap::None, _) => Gap::Space,
                _ => Gap::Spaces,
            };
            cp += 1;
            continue;
        }
        let start = cp;
        cp += 1;
        let mut byte_end = byte + c.len_utf8();
        if class != 3 {
            while let Some(&(b, next)) = chars.peek() {
                if char_class(next) != class {
                    break;
                }
                chars.next();
                cp += 1;
                byte_end = b + next.len_utf8();
            }
        }
        let kind = match class {
            1 => TokenKind::Digits,
            2 => TokenKind::Word,
            _ => TokenKind::Symbol(c),
        };
        out.push(Token {
            kind,
            byte_start: byte,
            byte_end,
            start,
            end: cp,
            gap,
        });
        gap = Gap::None;
    }
    cp
}

/// Calls `visit` with the tokens of each line of `text` (a line ends at
/// `\n`), reusing one buffer: memory stays bounded by the longest line.
pub(crate) fn for_each_line(text: &str, mut visit: impl FnMut(&[Token])) {
    let mut tokens = Vec::new();
    let mut byte = 0;
    let mut cp = 0;
    for line in text.split_inclusive('\n') {
        let end = byte + line.len();
        cp = tokenize_range(text, byte..end, cp, &mut tokens);
        visit(&tokens);
        byte = end;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_are_code_points_and_gaps_are_kept() {
        let text = "Türkiye  1,200\nok";
        let mut tokens = Vec::new();
        tokenize(text, &mut tokens);
        let shape: Vec<_> = tokens
            .iter()
            .map(|t| (t.text(text), t.start, t.end, t.gap))
            .collect();
        assert_eq!(
            shape,
            vec![
                ("Türkiye", 0, 7, Gap::Break),
                ("1", 9, 10, Gap::Spaces),
                (",", 10, 11, Gap::None),
                ("200", 11, 14, Gap::None),
                ("ok", 15, 17, Gap::Break),
            ]
        );
    }
}
