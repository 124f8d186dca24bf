//! Entity resolution inside an article: the tagger's mentions of one entity
//! are grouped and the entity is named by the fullest form the article gives.
//!
//! The rules, in the order they apply:
//!
//! 1. **Spans are sanitised.** Offsets past the end of the text are clamped,
//!    empty spans dropped, and of two overlapping spans the more confident
//!    one is kept (the earlier one on a tie).
//! 2. **Mentions are cleaned**, with their offsets moved to match: surrounding
//!    whitespace, quotes and brackets go, as do trailing commas and the like,
//!    a sentence full stop (not the one of "Inc." or "U.S."), a leading
//!    lower-case "the" and the possessive ("Erdoğan's", "Hamas’" ->
//!    "Erdoğan", "Hamas"). For persons, leading office titles
//!    ("President", "Prime Minister", "Dr.", "Mr.", "First Lady") are not part
//!    of the mention either. A mention that is nothing but a title is dropped.
//!    Two person spans with only a lower-case name particle between them
//!    ("Sheikha Moza" bint "Nasser Al Missned") are one name. A non-person
//!    span that hyphenates names the article also gives alone
//!    ("Israel-Palestine") is one mention per name, each typed as the
//!    article's own mentions of it vote. A one-word organisation that is a
//!    known surname, and no known company, of a person the article names in
//!    full is that person ("Guardiola" after "Pep Guardiola"; "Ford" stays
//!    the company).
//! 3. **Styled honorifics** ("Sheikh", "Sheikha", "King", "Prince", "Pope",
//!    "Sir"...) before a person's name, inside the span or just before it,
//!    stay in the mention but are set aside when comparing names. They stay
//!    in the entity's *name* only when every mention of the entity carries
//!    one: the article then treats the honorific as part of how the person is
//!    called ("Sheikha Moza", never plain "Moza"), whereas an article that
//!    also says plain "Tamim" shows the honorific is detachable, so the name
//!    is "Tamim bin Hamad Al Thani". A name ending in a regnal number is one
//!    person's without it ("King Mohammed VI" is "Mohammed VI"). Office
//!    titles never stay.
//! 4. **Identical names are one surface form**, compared case- and
//!    accent-insensitively ("Erdogan" is "Erdoğan") with hyphens read as spaces, whatever type the tagger gave each
//!    mention; the form's type is the confidence-weighted vote of its
//!    mentions.
//! 5. **Short forms** point to longer forms of the same type:
//!    - persons: the surname or surnames ("Erdoğan"), the given name or names
//!      ("Tamim"), or first and last name of a longer name; never a father's
//!      name after "bin"/"ibn", nor a father's name without the "Jr.";
//!    - other types: a trailing run of at least two words ("High Strategic
//!      Committee"), a leading part whose remainder is a generic word of the
//!      type ("Gaza" for "Gaza Strip", "Apple" for "Apple Inc.", but not
//!      "Panama" for "Panama City"), or an
//!      acronym of the capitalised words ("ICJ", "U.S.");
//!    - nationalities and other MISC: the plural ("Palestinians");
//!    - any type: an acronym the article puts in brackets right after a
//!      longer name, or the reverse ("International Court of Justice (ICJ)"),
//!      when at least half its letters are initials of the name's words;
//!      for organisations and MISC also a bracketed single word.
//!
//!    A form that is the short form of no other one is a *full form*, and
//!    each full form is one entity named by it. A form whose vote went to
//!    another type is still short for a full form when some of its mentions
//!    were tagged with the full form's type and the full form's own
//!    confidence then tips the vote ("Haniyeh" as ORG 0.68 and PER 0.53,
//!    "Ismail Haniyeh" as PER 0.99). A one-word organisation that is a known
//!    surname and no known company is short for a person of that surname
//!    ("Guardiola" after "Pep Guardiola"; "Ford" stays the company).
//! 6. **Ambiguous short mentions** (a surname two full forms share) go to the
//!    candidate named most recently before the mention, else to the one named
//!    soonest after it. "Named" means a mention that identifies that entity
//!    alone: its full form or an unambiguous short form.
//! 7. **Type and confidence.** An entity's type is the confidence-weighted
//!    vote of all its mentions. Its confidence is
//!    `max(mention confidence) * (confidence of the mentions of the winning
//!    type / confidence of all its mentions)`: the best evidence that the
//!    entity exists, discounted by how much the tagger disagreed on its type.
//!
//! Everything runs in time linear in the text and the number of spans: each
//! name only generates a bounded number of short forms, looked up by hash.

mod entities;
mod forms;
mod mentions;
mod words;

use crate::{Entity, TaggedSpan};
use entities::{assign_mentions, build_entities, full_form_candidates};
use forms::{bracket_aliases, SurfaceForms};
use mentions::{clean_mentions, split_juxtaposed_names, type_surnames_of_named_people};

/// Groups tagged mentions of one entity under its fullest name.
///
/// `spans` are the tagger's mentions in any order, with code-point offsets
/// into `text`. Entities come back in order of first mention, each with its
/// mentions in order; see the module documentation for the rules.
pub fn resolve(text: &str, spans: &[TaggedSpan]) -> Vec<Entity> {
    let spans = disjoint_spans(text.chars().count(), spans);
    let mut mentions = split_juxtaposed_names(clean_mentions(text, &spans));
    type_surnames_of_named_people(&mut mentions);
    if mentions.is_empty() {
        return Vec::new();
    }
    let forms = SurfaceForms::group(&mentions);
    let aliases = bracket_aliases(text, &mentions, &forms);
    let candidates = full_form_candidates(&mentions, &forms, &aliases);
    let owners = assign_mentions(&forms, &candidates);
    build_entities(&mentions, &forms, &owners)
}

/// Names longer than this many words are not names worth taking apart into
/// short forms; the bound keeps the work per name constant.
const MAX_NAME_WORDS: usize = 12;

/// Beyond this many candidates found through intermediate forms, more add
/// nothing but cost.
const MAX_INDIRECT_CANDIDATES: usize = 16;

/// Keeps spans inside the text, non-empty and non-overlapping, sorted.
fn disjoint_spans(text_len: usize, spans: &[TaggedSpan]) -> Vec<TaggedSpan> {
    let mut sorted: Vec<TaggedSpan> = spans
        .iter()
        .filter_map(|span| {
            let end = span.end.min(text_len);
            (span.start < end).then_some(TaggedSpan {
                end,
                confidence: sane_confidence(span.confidence),
                ..*span
            })
        })
        .collect();
    sorted.sort_by(|a, b| a.start.cmp(&b.start).then(b.end.cmp(&a.end)));
    let mut kept: Vec<TaggedSpan> = Vec::with_capacity(sorted.len());
    for span in sorted {
        match kept.last_mut() {
            Some(last) if span.start < last.end => {
                // Spans before `last` end at or before its start, so `span`
                // cannot overlap them either.
                if span.confidence > last.confidence {
                    *last = span;
                }
            }
            _ => kept.push(span),
        }
    }
    kept
}

/// A confidence in `[0, 1]`; anything unusable counts as no confidence.
fn sane_confidence(confidence: f64) -> f64 {
    if confidence.is_nan() {
        0.0
    } else {
        confidence.clamp(0.0, 1.0)
    }
}

/// Moves forward through a text, turning increasing code-point offsets into
/// byte offsets in one pass.
struct CodePointCursor<'a> {
    text: &'a str,
    byte: usize,
    code_point: usize,
}

impl<'a> CodePointCursor<'a> {
    fn new(text: &'a str) -> Self {
        CodePointCursor {
            text,
            byte: 0,
            code_point: 0,
        }
    }

    /// The byte offset of code point `target`, which must not be behind the
    /// previous one asked for.
    fn byte_at(&mut self, target: usize) -> usize {
        let mut chars = self.text[self.byte..].chars();
        while self.code_point < target {
            match chars.next() {
                Some(c) => {
                    self.byte += c.len_utf8();
                    self.code_point += 1;
                }
                None => break,
            }
        }
        self.byte
    }
}
