//! Numbers written in digits: "1,234,567", "40 000", "3.5", ".08", "1,3",
//! with exponents ("1e10", "1.1^23") and glued multipliers ("10k", "1.2b").

use super::lexer::{Gap, Token, TokenKind};

/// A digit literal: its value and the tokens it spans.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Literal {
    pub value: f64,
    /// Token index just past the literal.
    pub end: usize,
    /// A bare integer of at most three digits, without separators: the
    /// only literal that may continue a number in words ("4 thousand 3").
    pub small_integer: bool,
    /// An integer written with digits only (no separators, no decimals).
    pub plain_integer: bool,
    /// Digit groups before this token index belong to a list ("1 234 56"
    /// is three numbers): the caller reads them one by one. Zero if none.
    pub list_until: usize,
}

/// Most fraction digits read; further ones cannot change an `f64`.
const MAX_FRACTION_DIGITS: usize = 17;

fn digits_value(digits: &str) -> f64 {
    digits
        .bytes()
        .fold(0.0, |acc, b| acc * 10.0 + f64::from(b - b'0'))
}

fn fraction_value(digits: &str) -> f64 {
    let kept = &digits[..digits.len().min(MAX_FRACTION_DIGITS)];
    digits_value(kept) / 10f64.powi(kept.len() as i32)
}

/// Whether a single whitespace character may group thousands ("40 000").
fn is_group_space(text: &str, before: &Token, after: &Token) -> bool {
    after.gap == Gap::Space
        && matches!(
            text[before.byte_end..after.byte_start].chars().next(),
            Some(' ' | '\u{a0}' | '\u{202f}' | '\u{2009}')
        )
}

/// The separator between digit groups `i` and `i + 2` (or `i + 1` for a
/// space), if the next group is glued to it.
fn separator(tokens: &[Token], text: &str, i: usize) -> Option<(char, usize)> {
    let next = tokens.get(i + 1)?;
    if next.is_digits() && is_group_space(text, &tokens[i], next) {
        return Some((' ', i + 1));
    }
    let after = tokens.get(i + 2)?;
    match next.kind {
        TokenKind::Symbol(c @ (',' | '.'))
            if next.gap == Gap::None && after.gap == Gap::None && after.is_digits() =>
        {
            Some((c, i + 2))
        }
        _ => None,
    }
}

/// Reads the digit literal starting at token `i` (digits, or a `.` glued
/// to digits). With `grouping` false, separators are not read: the caller
/// found the run to be a list ("22,24,26").
pub(crate) fn read(tokens: &[Token], text: &str, i: usize, grouping: bool) -> Option<Literal> {
    let first = tokens.get(i)?;
    if first.is_symbol('.') {
        let digits = tokens
            .get(i + 1)
            .filter(|t| t.is_digits() && t.gap == Gap::None)?;
        return Some(Literal {
            value: fraction_value(digits.text(text)),
            end: i + 2,
            small_integer: false,
            plain_integer: false,
            list_until: 0,
        });
    }
    if !first.is_digits() {
        return None;
    }
    let head = first.text(text);
    let plain = Literal {
        value: digits_value(head),
        end: i + 1,
        small_integer: head.len() <= 3,
        plain_integer: true,
        list_until: 0,
    };
    if !grouping {
        return Some(plain);
    }
    let Some((sep, next)) = separator(tokens, text, i) else {
        return Some(plain);
    };
    let next_len = tokens[next].end - tokens[next].start;
    let with_fraction = |int_value: f64, at: usize, mark: char| {
        // An optional decimal part after a grouped integer.
        match separator(tokens, text, at) {
            Some((c, frac)) if c == mark && separator(tokens, text, frac).is_none() => Literal {
                value: int_value + fraction_value(tokens[frac].text(text)),
                end: frac + 1,
                small_integer: false,
                plain_integer: false,
                list_until: 0,
            },
            Some(_) => Literal {
                list_until: at + 1,
                ..plain
            },
            None => Literal {
                value: int_value,
                end: at + 1,
                small_integer: false,
                plain_integer: false,
                list_until: 0,
            },
        }
    };
    match sep {
        ',' | ' ' if head.len() <= 3 && next_len == 3 => {
            // Thousands groups: every further group has three digits.
            let mut value = digits_value(head);
            let mut at = i;
            while let Some((c, g)) = separator(tokens, text, at) {
                if c != sep {
                    break;
                }
                let group = tokens[g].text(text);
                if group.len() != 3 {
                    return Some(Literal {
                        list_until: g + 1,
                        ..plain
                    });
                }
                value = value * 1000.0 + digits_value(group);
                at = g;
            }
            Some(with_fraction(value, at, '.'))
        }
        '.' => {
            let frac = tokens[next].text(text);
            match separator(tokens, text, next) {
                // "192.168.1.2": dotted groups are separate numbers.
                Some(('.', _)) => Some(Literal {
                    list_until: chain_end(tokens, text, i),
                    ..plain
                }),
                _ => Some(Literal {
                    value: digits_value(head) + fraction_value(frac),
                    end: next + 1,
                    small_integer: false,
                    plain_integer: false,
                    list_until: 0,
                }),
            }
        }
        ',' if next_len <= 2 && separator(tokens, text, next).is_none() => {
            // "1,3": a decimal comma.
            Some(Literal {
                value: digits_value(head) + fraction_value(tokens[next].text(text)),
                end: next + 1,
                small_integer: false,
                plain_integer: false,
                list_until: 0,
            })
        }
        // "22,24,26,31": a list; its items are read one by one.
        ',' => Some(Literal {
            list_until: chain_end(tokens, text, i),
            ..plain
        }),
        _ => Some(plain),
    }
}

/// Token index past the chain of glued separators and digit groups at `i`.
fn chain_end(tokens: &[Token], text: &str, i: usize) -> usize {
    let mut at = i;
    while let Some((c, g)) = separator(tokens, text, at) {
        if c == ' ' {
            break;
        }
        at = g;
    }
    at + 1
}

/// Whether the digits at `i` stand alone, with no separator and group after.
pub(crate) fn stands_alone(tokens: &[Token], text: &str, i: usize) -> bool {
    separator(tokens, text, i).is_none()
}

/// Reads an exponent glued after a literal ending at `end`: "e10", "e-1",
/// "^23", "^-1". Returns the new value and end.
pub(crate) fn exponent(
    tokens: &[Token],
    text: &str,
    end: usize,
    value: f64,
) -> Option<(f64, usize)> {
    let marker = tokens.get(end).filter(|t| t.gap == Gap::None)?;
    let power = match marker.kind {
        TokenKind::Word if matches!(marker.text(text), "e" | "E") => false,
        TokenKind::Symbol('^') => true,
        _ => return None,
    };
    let mut at = end + 1;
    let mut negative = false;
    while let Some(t) = tokens.get(at).filter(|t| t.gap == Gap::None) {
        match t.kind {
            TokenKind::Symbol('-') | TokenKind::Symbol('−') => negative = !negative,
            TokenKind::Symbol('+') => {}
            _ => break,
        }
        at += 1;
        if at - end > 3 {
            return None;
        }
    }
    let digits = tokens
        .get(at)
        .filter(|t| t.is_digits() && t.gap == Gap::None)?;
    let text_digits = digits.text(text);
    if text_digits.len() > 4 {
        return None;
    }
    let mut exp = digits_value(text_digits) as i32;
    if negative {
        exp = -exp;
    }
    let result = if power {
        value.abs().powi(exp).copysign(value)
    } else {
        value * 10f64.powi(exp)
    };
    result.is_finite().then_some((result, at + 1))
}

/// The factor a multiplier glued to digits stands for ("10k", "1.2b",
/// "2mil"); lower-case "m" only when the number is money ("$10m").
pub(crate) fn glued_multiplier(suffix: &str, money: bool) -> Option<f64> {
    Some(match suffix {
        "k" | "K" => 1e3,
        "M" | "MM" | "mil" | "mn" | "mln" => 1e6,
        "m" if money => 1e6,
        "G" | "b" | "B" | "bn" | "bln" | "Bn" => 1e9,
        "tn" | "tln" | "T" => 1e12,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::super::lexer::tokenize;
    use super::*;

    fn value(text: &str) -> (f64, usize) {
        let mut tokens = Vec::new();
        tokenize(text, &mut tokens);
        let lit = read(&tokens, text, 0, true).unwrap();
        (lit.value, tokens[lit.end - 1].end)
    }

    #[test]
    fn groups_decimals_and_lists() {
        assert_eq!(value("1,234,567"), (1234567.0, 9));
        assert_eq!(value("1 234 567.89 x"), (1234567.89, 12));
        assert_eq!(value("4.800"), (4.8, 5));
        assert_eq!(value("192.168.1.2"), (192.0, 3));
        assert_eq!(value("22,24,26"), (22.0, 2));
        assert_eq!(value("1,3."), (1.3, 3));
        assert_eq!(value(".08"), (0.08, 3));
        assert_eq!(value("423 0000"), (423.0, 3));
    }
}
