//! The English words the recogniser reads as (parts of) numbers.

use rustc_hash::FxHashMap;
use std::sync::OnceLock;

/// What a word contributes to a number.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum NumWord {
    /// "zero", "nought", "naught", "nil".
    Zero,
    /// "one" to "nine".
    Unit(u32),
    /// "ten" to "nineteen".
    Teen(u32),
    /// "twenty" to "ninety".
    Tens(u32),
    /// "hundred".
    Hundred,
    /// "thousand", "million", "lakh", "crore"...: multiplies what precedes.
    Scale(f64),
    /// "dozen", "dozens", "dz": twelve of what precedes.
    Dozen,
    /// "thousands", "hundreds", "millions": an indefinite lower bound.
    Many(f64),
    /// "tens", only meaningful in "tens of thousands".
    Tens10,
    /// An ordinal word; `plural` for "fifths" (denominators only).
    Ordinal { value: f64, plural: bool },
    /// "half" / "halves".
    Half { plural: bool },
    /// "quarter" / "quarters".
    Quarter { plural: bool },
    /// "a" / "an", standing for one before "hundred", "dozen", "half"...
    A,
    /// "and".
    And,
    /// "point": a decimal point in words.
    Point,
    /// "minus" / "negative".
    Minus,
    /// "over", as in "one over three".
    Over,
    /// "out", as in "one out of three".
    Out,
}

fn table() -> &'static FxHashMap<&'static str, NumWord> {
    // Fx hashing: the keys are fixed English words, and every word of a
    // text is looked up.
    static TABLE: OnceLock<FxHashMap<&'static str, NumWord>> = OnceLock::new();
    TABLE.get_or_init(|| {
        use NumWord::*;
        let mut m = FxHashMap::default();
        for w in ["zero", "nought", "naught", "nil"] {
            m.insert(w, Zero);
        }
        let units = [
            "one", "two", "three", "four", "five", "six", "seven", "eight", "nine",
        ];
        for (i, w) in units.iter().enumerate() {
            m.insert(*w, Unit(i as u32 + 1));
        }
        let teens = [
            "ten",
            "eleven",
            "twelve",
            "thirteen",
            "fourteen",
            "fifteen",
            "sixteen",
            "seventeen",
            "eighteen",
            "nineteen",
        ];
        for (i, w) in teens.iter().enumerate() {
            m.insert(*w, Teen(i as u32 + 10));
        }
        let tens = [
            "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety",
        ];
        for (i, w) in tens.iter().enumerate() {
            m.insert(*w, Tens((i as u32 + 2) * 10));
        }
        m.insert("fourty", Tens(40));
        m.insert("hundred", Hundred);
        for (w, v) in [
            ("thousand", 1e3),
            ("million", 1e6),
            ("billion", 1e9),
            ("trillion", 1e12),
            ("lakh", 1e5),
            ("lakhs", 1e5),
            ("crore", 1e7),
            ("crores", 1e7),
            ("bn", 1e9),
            ("bln", 1e9),
            ("tln", 1e12),
            ("mln", 1e6),
        ] {
            m.insert(w, Scale(v));
        }
        for w in ["dozen", "dozens", "dz", "dzs", "doz", "dozs"] {
            m.insert(w, Dozen);
        }
        for (w, v) in [
            ("hundreds", 1e2),
            ("thousands", 1e3),
            ("millions", 1e6),
            ("billions", 1e9),
            ("trillions", 1e12),
        ] {
            m.insert(w, Many(v));
        }
        m.insert("tens", Tens10);
        let ordinals: [(&str, &str, f64); 26] = [
            ("first", "firsts", 1.0),
            ("second", "", 2.0),
            ("third", "thirds", 3.0),
            ("fourth", "fourths", 4.0),
            ("fifth", "fifths", 5.0),
            ("sixth", "sixths", 6.0),
            ("seventh", "sevenths", 7.0),
            ("eighth", "eighths", 8.0),
            ("ninth", "ninths", 9.0),
            ("tenth", "tenths", 10.0),
            ("eleventh", "elevenths", 11.0),
            ("twelfth", "twelfths", 12.0),
            ("thirteenth", "thirteenths", 13.0),
            ("fourteenth", "fourteenths", 14.0),
            ("fifteenth", "fifteenths", 15.0),
            ("sixteenth", "sixteenths", 16.0),
            ("seventeenth", "seventeenths", 17.0),
            ("eighteenth", "eighteenths", 18.0),
            ("nineteenth", "nineteenths", 19.0),
            ("twentieth", "twentieths", 20.0),
            ("thirtieth", "thirtieths", 30.0),
            ("fortieth", "fortieths", 40.0),
            ("fiftieth", "fiftieths", 50.0),
            ("sixtieth", "sixtieths", 60.0),
            ("seventieth", "seventieths", 70.0),
            ("eightieth", "eightieths", 80.0),
        ];
        for (single, plural, value) in ordinals {
            m.insert(
                single,
                Ordinal {
                    value,
                    plural: false,
                },
            );
            if !plural.is_empty() {
                m.insert(
                    plural,
                    Ordinal {
                        value,
                        plural: true,
                    },
                );
            }
        }
        for (single, plural, value) in [
            ("ninetieth", "ninetieths", 90.0),
            ("hundredth", "hundredths", 1e2),
            ("thousandth", "thousandths", 1e3),
            ("millionth", "millionths", 1e6),
            ("billionth", "billionths", 1e9),
            ("trillionth", "trillionths", 1e12),
        ] {
            m.insert(
                single,
                Ordinal {
                    value,
                    plural: false,
                },
            );
            m.insert(
                plural,
                Ordinal {
                    value,
                    plural: true,
                },
            );
        }
        m.insert("half", Half { plural: false });
        m.insert("halves", Half { plural: true });
        m.insert("quarter", Quarter { plural: false });
        m.insert("quarters", Quarter { plural: true });
        m.insert("a", A);
        m.insert("an", A);
        m.insert("and", And);
        m.insert("point", Point);
        m.insert("minus", Minus);
        m.insert("negative", Minus);
        m.insert("over", Over);
        m.insert("out", Out);
        m
    })
}

/// Lower-cases an ASCII word into `buf`; `None` for words that cannot be
/// in any table (too long or not ASCII), so lookups never allocate.
pub(crate) fn ascii_lower<'a>(word: &'a str, buf: &'a mut [u8; 24]) -> Option<&'a str> {
    let bytes = word.as_bytes();
    if bytes.len() > buf.len() || !word.is_ascii() {
        return None;
    }
    // Most words are in lower case already: no copy, nor UTF-8 check of one.
    if !bytes.iter().any(u8::is_ascii_uppercase) {
        return Some(word);
    }
    for (slot, b) in buf.iter_mut().zip(bytes) {
        *slot = b.to_ascii_lowercase();
    }
    std::str::from_utf8(&buf[..bytes.len()]).ok()
}

/// The number word `word` is, if any (case-insensitive).
pub(crate) fn num_word(word: &str) -> Option<NumWord> {
    let mut buf = [0u8; 24];
    let lower = ascii_lower(word, &mut buf)?;
    table().get(lower).copied()
}

/// Whether a unit or ordinal word is one of "first" to "ninth" (plural or
/// not): the last word of a compound like "twenty-first".
pub(crate) fn is_unit_ordinal(word: NumWord) -> bool {
    matches!(word, NumWord::Ordinal { value, .. } if value < 10.0)
}
