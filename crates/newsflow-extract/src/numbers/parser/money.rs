//! Currencies named before or after a number, and minor units.

use super::Parser;
use crate::numbers::currency::{dollar_prefix, iso_code, symbol_currency, CURRENCY_NAMES};
use crate::numbers::lexer::{Gap, TokenKind};
use crate::numbers::lexicon::NumWord;
use crate::numbers::{Found, NumberKind};

impl<'a> Parser<'a> {
    /// A currency name or ISO code starting at token `at`: ISO code, the
    /// factor to the main unit, and the token just past the name.
    pub(super) fn currency_name(&self, at: usize) -> Option<(&'static str, f64, usize)> {
        let first = self
            .tok(at)
            .filter(|t| t.gap != Gap::Break && t.is_word())?;
        let first_text = first.text(self.text);
        if let Some((iso, factor)) = iso_code(first_text) {
            return Some((iso, factor, at + 1));
        }
        'names: for name in CURRENCY_NAMES {
            // Most words start no name: one comparison rules a name out.
            if !first_text.eq_ignore_ascii_case(name.words[0]) {
                continue;
            }
            // "Euro 2024", "six Euro ties": capitalised, it names a contest.
            let euro = matches!(name.words, ["euro" | "euros"]);
            if euro && first.text(self.text).starts_with('E') {
                continue;
            }
            for (k, expected) in name.words.iter().enumerate() {
                let Some(t) = self.tok(at + k) else {
                    continue 'names;
                };
                let ok = (k == 0 || t.gap != Gap::Break)
                    && t.text(self.text).eq_ignore_ascii_case(expected);
                if !ok {
                    continue 'names;
                }
            }
            return Some((name.iso, name.factor, at + name.words.len()));
        }
        None
    }

    /// "3 dollars 50 cents", "thirteen dollars and forty-five cents",
    /// "c $ 100 and fifty": minor units after an amount in main units.
    /// Without "and" or a cents word, a bare number only continues an
    /// amount that ends in a currency name (`after_name`): "15 dollars 50"
    /// but not "A$ 100 million three".
    pub(super) fn minor_units(&self, found: &mut Found, after_name: bool) {
        if found.value >= 1e6 || found.value.fract() != 0.0 {
            return;
        }
        let mut at = found.end;
        let Some(mut start) = self.joined(at) else {
            return;
        };
        let with_and = self.word(start) == Some(NumWord::And);
        if with_and {
            let Some(next) = self.joined(start + 1) else {
                return;
            };
            start = next;
        }
        let Some(cents) = self.core(start, false, true, false) else {
            return;
        };
        if cents.kind != NumberKind::Cardinal || cents.value >= 100.0 || cents.value.fract() != 0.0
        {
            return;
        }
        at = cents.end;
        if let Some((_, factor, end)) = self.currency_name(at).filter(|n| n.1 == 0.01) {
            found.value += cents.value * factor;
            found.end = end;
            return;
        }
        // A bare number after the amount counts as cents only at the end of
        // a phrase: "15 dollars and 50." but not "15 dollars and 50 people".
        let bare_ok = (with_and || after_name)
            && match self.tok(at) {
                Some(t) if t.gap != Gap::Break && t.is_word() => {
                    self.word(at) == Some(NumWord::And)
                }
                _ => true,
            };
        if bare_ok {
            found.value += cents.value / 100.0;
            found.end = at;
        }
    }

    /// A currency written before the number starting at `i`: "$", "US$",
    /// "HK $", "USD", "MUSD", "Rs". Returns the ISO code, the factor and
    /// the prefix's first token.
    pub(super) fn currency_prefix(
        &self,
        i: usize,
        floor: usize,
    ) -> Option<(&'static str, f64, usize)> {
        if i <= floor || self.tokens[i].gap == Gap::Break {
            return None;
        }
        let before = &self.tokens[i - 1];
        match before.kind {
            TokenKind::Symbol(c) => {
                let iso = symbol_currency(c)?;
                if c == '$' {
                    // Letters before "$": "US$", "c $", "u.s $", "nzd$".
                    for back in 1..=4 {
                        let Some(first_idx) = (i - 1).checked_sub(back) else {
                            break;
                        };
                        if first_idx < floor {
                            break;
                        }
                        let first = &self.tokens[first_idx];
                        let glued_to_previous = first.gap == Gap::None
                            && first_idx > 0
                            && !matches!(self.tokens[first_idx - 1].kind, TokenKind::Symbol(_));
                        if !first.is_word() || glued_to_previous {
                            continue;
                        }
                        if (first_idx + 1..i).any(|k| self.tokens[k].gap == Gap::Break) {
                            break;
                        }
                        let prefix =
                            self.text[first.byte_start..self.tokens[i - 2].byte_end].trim_end();
                        if let Some(iso) = dollar_prefix(prefix, before.gap != Gap::None) {
                            return Some((iso, 1.0, first_idx));
                        }
                    }
                }
                Some((iso, 1.0, i - 1))
            }
            TokenKind::Word => {
                let word = before.text(self.text);
                if let Some((iso, factor)) = iso_code(word) {
                    return Some((iso, factor, i - 1));
                }
                (word == "Rs" && before.gap != Gap::None).then_some(("INR", 1.0, i - 1))
            }
            TokenKind::Digits => None,
        }
    }
}
