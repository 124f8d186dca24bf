//! Ranges of numbers: two numbers joined into one interval ("between
//! 20,000 and 30,000", "20 to 30", "$38-40 billion", "44 mg to 50 mg"),
//! and bounds written with comparisons ("more than 30", "at most 100 and
//! at least 20", "five hundred or less").
//!
//! It reads the recogniser's numbers of one line with the tokens around
//! them, so it stays linear like the recogniser.

use super::lexer::{self, Gap, Token, TokenKind};
use super::lexicon::{num_word, NumWord};
use super::{scan, Found, NumberKind};

/// One end of a range.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bound {
    /// The bounding number.
    pub value: f64,
    /// Whether the number itself is in the range ("at least 20": yes;
    /// "more than 20": no).
    pub inclusive: bool,
}

/// An interval a text states, open on a side without a bound.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct NumberRange {
    /// Code-point offset of the first character (a comparison or
    /// "between" included).
    pub start: usize,
    /// Code-point offset just past the range.
    pub end: usize,
    /// The lower bound, if any.
    pub low: Option<Bound>,
    /// The upper bound, if any.
    pub high: Option<Bound>,
}

/// Every range `text` states, in order. Two numbers joined by "to", "-",
/// "through", "~" or "between ... and" are one range including its lower
/// and excluding its upper end ([20, 30)), as Recognizers-Text resolves
/// them. Never panics; linear time.
pub fn ranges(text: &str) -> Vec<NumberRange> {
    let mut out = Vec::new();
    let mut found = Vec::new();
    lexer::for_each_line(text, |tokens| {
        found.clear();
        scan(tokens, text, &mut found);
        line_ranges(tokens, text, &found, &mut out);
    });
    out
}

/// Two numbers read as one interval: token span, bounds and the kind the
/// pair shares.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Closed {
    /// First token ("between", "from", or the first number).
    pub first: usize,
    /// Token just past the second number.
    pub end: usize,
    pub low: f64,
    pub high: f64,
    pub kind: NumberKind,
}

/// How a comparison bounds the number after it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Cmp {
    Gt,
    Ge,
    Lt,
    Le,
    Eq,
}

/// Comparisons written before a number, longest first.
static BEFORE: &[(&[&str], Cmp)] = &[
    (&["greater", "than", "or", "equal", "to"], Cmp::Ge),
    (&["more", "than", "or", "equal", "to"], Cmp::Ge),
    (&["bigger", "than", "or", "equal", "to"], Cmp::Ge),
    (&["larger", "than", "or", "equal", "to"], Cmp::Ge),
    (&["higher", "than", "or", "equal", "to"], Cmp::Ge),
    (&["equal", "to", "or", "more", "than"], Cmp::Ge),
    (&["equal", "to", "or", "greater", "than"], Cmp::Ge),
    (&["equal", "to", "or", "higher", "than"], Cmp::Ge),
    (&["at", "least", "or", "equal", "to"], Cmp::Ge),
    (&["less", "than", "or", "equal", "to"], Cmp::Le),
    (&["smaller", "than", "or", "equal", "to"], Cmp::Le),
    (&["lower", "than", "or", "equal", "to"], Cmp::Le),
    (&["fewer", "than", "or", "equal", "to"], Cmp::Le),
    (&["equal", "to", "or", "less", "than"], Cmp::Le),
    (&["equal", "to", "or", "smaller", "than"], Cmp::Le),
    (&["equal", "to", "or", "lower", "than"], Cmp::Le),
    (&["equal", "to", "or", "fewer", "than"], Cmp::Le),
    (&["bigger", "or", "equal", "than"], Cmp::Ge),
    (&["greater", "or", "equal", "than"], Cmp::Ge),
    (&["larger", "or", "equal", "than"], Cmp::Ge),
    (&["higher", "or", "equal", "than"], Cmp::Ge),
    (&["more", "or", "equal", "than"], Cmp::Ge),
    (&["smaller", "or", "equal", "than"], Cmp::Le),
    (&["less", "or", "equal", "than"], Cmp::Le),
    (&["lower", "or", "equal", "than"], Cmp::Le),
    (&["no", "less", "than"], Cmp::Ge),
    (&["not", "less", "than"], Cmp::Ge),
    (&["no", "fewer", "than"], Cmp::Ge),
    (&["no", "more", "than"], Cmp::Le),
    (&["not", "more", "than"], Cmp::Le),
    (&["at", "least"], Cmp::Ge),
    (&["at", "most"], Cmp::Le),
    (&["up", "to"], Cmp::Le),
    (&["more", "than"], Cmp::Gt),
    (&["greater", "than"], Cmp::Gt),
    (&["larger", "than"], Cmp::Gt),
    (&["bigger", "than"], Cmp::Gt),
    (&["higher", "than"], Cmp::Gt),
    (&["less", "than"], Cmp::Lt),
    (&["fewer", "than"], Cmp::Lt),
    (&["smaller", "than"], Cmp::Lt),
    (&["lower", "than"], Cmp::Lt),
    (&["equals", "to"], Cmp::Eq),
    (&["equal", "to"], Cmp::Eq),
    (&["equaling", "to"], Cmp::Eq),
    (&["equalling", "to"], Cmp::Eq),
    (&[">", "="], Cmp::Ge),
    (&["<", "="], Cmp::Le),
    (&["above"], Cmp::Gt),
    (&["over"], Cmp::Gt),
    (&["exceed"], Cmp::Gt),
    (&["exceeds"], Cmp::Gt),
    (&["exceeding"], Cmp::Gt),
    (&["surpass"], Cmp::Gt),
    (&["surpasses"], Cmp::Gt),
    (&["surpassing"], Cmp::Gt),
    (&["below"], Cmp::Lt),
    (&["under"], Cmp::Lt),
    (&["equals"], Cmp::Eq),
    (&[">"], Cmp::Gt),
    (&["≥"], Cmp::Ge),
    (&["<"], Cmp::Lt),
    (&["≤"], Cmp::Le),
];

/// Words after a number that open its range: "or more", "or less".
static AFTER: &[(&[&str], Cmp)] = &[
    (&["or", "more"], Cmp::Ge),
    (&["and", "more"], Cmp::Ge),
    (&["or", "greater"], Cmp::Ge),
    (&["or", "higher"], Cmp::Ge),
    (&["or", "above"], Cmp::Ge),
    (&["or", "less"], Cmp::Le),
    (&["or", "fewer"], Cmp::Le),
    (&["or", "lower"], Cmp::Le),
    (&["or", "below"], Cmp::Le),
];

/// Whether tokens `first..` read `words` (compared without ASCII case),
/// all on one line.
fn reads(tokens: &[Token], text: &str, first: usize, words: &[&str]) -> bool {
    words.iter().enumerate().all(|(k, w)| {
        tokens.get(first + k).is_some_and(|t| {
            (k == 0 || t.gap != Gap::Break) && t.text(text).eq_ignore_ascii_case(w)
        })
    })
}

/// The comparison ending just before token `i` (a "the" between them is
/// skipped: "higher than the tenth"), not reaching before `floor`.
fn comparison_before(tokens: &[Token], text: &str, i: usize, floor: usize) -> Option<(Cmp, usize)> {
    if tokens.get(i).is_none_or(|t| t.gap == Gap::Break) {
        return None;
    }
    let mut end = i;
    if end > floor && tokens[end - 1].text(text).eq_ignore_ascii_case("the") {
        end -= 1;
    }
    BEFORE.iter().find_map(|(words, cmp)| {
        let first = end.checked_sub(words.len())?;
        (first >= floor
            && tokens[first + 1..=end].iter().all(|t| t.gap != Gap::Break)
            && reads(tokens, text, first, words))
        .then_some((*cmp, first))
    })
}

/// Whether a number starts at token `i` (so "or less than 6000" keeps
/// its number to itself).
fn number_at(tokens: &[Token], text: &str, i: usize) -> bool {
    tokens.get(i).is_some_and(|t| {
        t.gap != Gap::Break && (t.is_digits() || (t.is_word() && num_word(t.text(text)).is_some()))
    })
}

/// A comparison after the number ending at token `end`: "or more", "or
/// less", "or equal (to)", with a trailing "than" when no number follows.
fn comparison_after(tokens: &[Token], text: &str, end: usize) -> Option<(Cmp, usize)> {
    let (cmp, mut past) = AFTER
        .iter()
        .find(|(words, _)| reads(tokens, text, end, words))
        .map(|(words, cmp)| (*cmp, end + words.len()))
        .or_else(|| reads(tokens, text, end, &["or", "equal"]).then_some((Cmp::Eq, end + 2)))?;
    for tail in ["than", "to"] {
        if reads(tokens, text, past, &[tail]) {
            if number_at(tokens, text, past + 1) {
                return None;
            }
            past += 1;
            break;
        }
    }
    Some((cmp, past))
}

/// The scale word ending a number ("40 billion" -> 1e9), if any.
fn trailing_scale(tokens: &[Token], text: &str, f: &Found) -> Option<f64> {
    let last = tokens.get(f.number_end.checked_sub(1)?)?;
    match num_word(last.text(text)) {
        Some(NumWord::Scale(s)) if last.is_word() => Some(s),
        _ => None,
    }
}

/// Numbers `found[k]` and `found[k + 1]` read as one interval: "20 to
/// 30", "between 20 and 30", "from 200 to 300", "1000-5000", "20~100",
/// "20 through 100", "$38-40 billion" (the scale and currency of the
/// second number carry over to the first), "10-15%", "44 mg to 50 mg".
/// The lower number must be below the upper.
pub(crate) fn closed_range(
    tokens: &[Token],
    text: &str,
    found: &[Found],
    k: usize,
) -> Option<Closed> {
    let a = found.get(k)?;
    let b = found.get(k + 1)?;
    if b.first <= a.end || tokens[b.first].gap == Gap::Break {
        return None;
    }
    let mut between = b.first - a.end;
    // "between the tenth and the fifteenth"
    if between == 2 && tokens[a.end + 1].text(text).eq_ignore_ascii_case("the") {
        between = 1;
    }
    if between != 1 || tokens[a.end].gap == Gap::Break {
        return None;
    }
    let link = &tokens[a.end];
    let word_before = |w: &str| {
        a.first > 0
            && tokens[a.first].gap != Gap::Break
            && tokens[a.first - 1].text(text).eq_ignore_ascii_case(w)
    };
    let the_before = |w: &str| {
        a.first > 1
            && tokens[a.first - 1].text(text).eq_ignore_ascii_case("the")
            && tokens[a.first - 2].text(text).eq_ignore_ascii_case(w)
    };
    let mut first = a.first;
    match link.kind {
        TokenKind::Symbol('-' | '–' | '—' | '~') => {
            // "+1-222-2222-2222" and "5/17-18" are codes, not ranges.
            let glued = |t: &Token| t.gap == Gap::None;
            let code_before = a.first > 0
                && glued(&tokens[a.first])
                && matches!(
                    tokens[a.first - 1].kind,
                    TokenKind::Symbol('-' | '+' | '/' | '.')
                );
            let code_after = tokens.get(b.end).is_some_and(|t| {
                glued(t) && (matches!(t.kind, TokenKind::Symbol('-' | '/')) || t.is_digits())
            });
            if code_before || code_after {
                return None;
            }
        }
        TokenKind::Word => {
            let w = link.text(text);
            if w.eq_ignore_ascii_case("and") {
                if word_before("between") {
                    first = a.first - 1;
                } else if the_before("between") {
                    first = a.first - 2;
                } else {
                    return None;
                }
            } else if w.eq_ignore_ascii_case("to") || w.eq_ignore_ascii_case("through") {
                if word_before("from") {
                    first = a.first - 1;
                }
            } else {
                return None;
            }
        }
        _ => return None,
    }
    let kind = match (a.kind, b.kind) {
        (x, y) if x == y => x,
        (
            NumberKind::Cardinal,
            y @ (NumberKind::Percent | NumberKind::Currency(_) | NumberKind::Measure(_)),
        ) => y,
        (x @ NumberKind::Currency(_), NumberKind::Cardinal) if a.first < a.number_first => x,
        _ => return None,
    };
    if matches!(kind, NumberKind::Age(_)) {
        return None;
    }
    let mut low = a.value;
    let high = b.value;
    if let Some(scale) = trailing_scale(tokens, text, b) {
        if trailing_scale(tokens, text, a).is_none()
            && tokens[a.number_end - 1].is_digits()
            && low * scale < high
        {
            low *= scale;
        }
    }
    (low < high && low.is_finite() && high.is_finite()).then_some(Closed {
        first,
        end: b.end,
        low,
        high,
        kind,
    })
}

/// The ranges of one line, appended to `out`.
fn line_ranges(tokens: &[Token], text: &str, found: &[Found], out: &mut Vec<NumberRange>) {
    let span = |first: usize, end: usize| (tokens[first].start, tokens[end - 1].end);
    // An age's range covers its number only: "more than thirty" in "more
    // than thirty years old".
    let number_end = |f: &Found| match f.kind {
        NumberKind::Age(_) => f.number_end,
        _ => f.end,
    };
    let mut k = 0;
    let mut floor = 0;
    while k < found.len() {
        if let Some(c) = closed_range(tokens, text, found, k) {
            let (start, end) = span(c.first, c.end);
            out.push(NumberRange {
                start,
                end,
                low: Some(Bound {
                    value: c.low,
                    inclusive: true,
                }),
                high: Some(Bound {
                    value: c.high,
                    inclusive: false,
                }),
            });
            floor = c.end;
            k += 2;
            continue;
        }
        let Some((first, end, low, high)) =
            bounded(tokens, text, &found[k], floor, number_end(&found[k]))
        else {
            k += 1;
            continue;
        };
        // "more than 10 and less than 40", "at most 100 and at least 20"
        let joined = found.get(k + 1).and_then(|next| {
            let link = tokens.get(end)?;
            let linked = link.gap != Gap::Break
                && ["and", "but", ","]
                    .iter()
                    .any(|w| link.text(text).eq_ignore_ascii_case(w));
            if !linked {
                return None;
            }
            let (first2, end2, low2, high2) =
                bounded(tokens, text, next, end + 1, number_end(next))?;
            if first2 != end + 1 {
                return None;
            }
            match (low, high, low2, high2) {
                (Some(l), None, None, Some(h)) | (None, Some(h), Some(l), None)
                    if l.value < h.value =>
                {
                    Some((end2, l, h))
                }
                _ => None,
            }
        });
        let (start, stop) = match joined {
            Some((end2, l, h)) => {
                let (start, stop) = span(first, end2);
                out.push(NumberRange {
                    start,
                    end: stop,
                    low: Some(l),
                    high: Some(h),
                });
                floor = end2;
                k += 2;
                continue;
            }
            None => span(first, end),
        };
        out.push(NumberRange {
            start,
            end: stop,
            low,
            high,
        });
        floor = end;
        k += 1;
    }
}

/// The bounds a comparison gives number `f`: its first token, the token
/// past it, and the lower and upper bounds. `None` for a bare number.
#[allow(clippy::type_complexity)]
fn bounded(
    tokens: &[Token],
    text: &str,
    f: &Found,
    floor: usize,
    number_end: usize,
) -> Option<(usize, usize, Option<Bound>, Option<Bound>)> {
    let before = comparison_before(tokens, text, f.first, floor);
    let after = comparison_after(tokens, text, number_end);
    let v = f.value;
    let (cmp, first, end) = match (before, after) {
        (Some((b, first)), Some((a, end))) => {
            let cmp = match (b, a) {
                // "equal to 5000 or less", "more than 5000 or equal to"
                (Cmp::Eq, a) => a,
                (Cmp::Gt, Cmp::Eq) => Cmp::Ge,
                (Cmp::Lt, Cmp::Eq) => Cmp::Le,
                _ => return Some(bounds(b, first, number_end, v)),
            };
            (cmp, first, end)
        }
        (Some((b, first)), None) => (b, first, number_end),
        (None, Some((a, end))) if a != Cmp::Eq => (a, f.first, end),
        _ => return None,
    };
    Some(bounds(cmp, first, end, v))
}

/// The bounds of one comparison before a number.
fn bounds(
    cmp: Cmp,
    first: usize,
    end: usize,
    v: f64,
) -> (usize, usize, Option<Bound>, Option<Bound>) {
    let at = |inclusive| {
        Some(Bound {
            value: v,
            inclusive,
        })
    };
    let (low, high) = match cmp {
        Cmp::Gt => (at(false), None),
        Cmp::Ge => (at(true), None),
        Cmp::Lt => (None, at(false)),
        Cmp::Le => (None, at(true)),
        Cmp::Eq => (at(true), at(true)),
    };
    (first, end, low, high)
}
