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
//!    article's own mentions of it vote.
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
//!    "Ismail Haniyeh" as PER 0.99).
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

use crate::{Entity, EntityType, Mention, TaggedSpan, TextField};
use rustc_hash::FxHashMap;
use unicode_normalization::char::{decompose_canonical, is_combining_mark};

/// Groups tagged mentions of one entity under its fullest name.
///
/// `spans` are the tagger's mentions in any order, with code-point offsets
/// into `text`. Entities come back in order of first mention, each with its
/// mentions in order; see the module documentation for the rules.
pub fn resolve(text: &str, spans: &[TaggedSpan]) -> Vec<Entity> {
    let spans = disjoint_spans(text.chars().count(), spans);
    let mentions = split_juxtaposed_names(clean_mentions(text, &spans));
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

/// Words that make a run of leading title words an office title.
const OFFICE_HEADS: &[&str] = &[
    "president",
    "minister",
    "chancellor",
    "premier",
    "secretary",
    "senator",
    "sen",
    "governor",
    "gov",
    "mayor",
    "chairman",
    "chairwoman",
    "chairperson",
    "chief",
    "director",
    "ambassador",
    "spokesman",
    "spokeswoman",
    "spokesperson",
    "speaker",
    "commissioner",
    "envoy",
    "judge",
    "justice",
    "leader",
    "general",
    "gen",
    "admiral",
    "adm",
    "colonel",
    "col",
    "lieutenant",
    "lt",
    "captain",
    "capt",
    "sergeant",
    "sgt",
    "commander",
    "emir",
    "amir",
    "mr",
    "mrs",
    "ms",
    "mx",
    "dr",
    "prof",
    "professor",
    "rep",
    "representative",
];

/// Words that qualify an office title ("Prime", "Foreign", "Deputy").
const OFFICE_MODIFIERS: &[&str] = &[
    "prime",
    "foreign",
    "deputy",
    "vice",
    "former",
    "acting",
    "interim",
    "first",
    "defence",
    "defense",
    "interior",
    "finance",
    "economy",
    "trade",
    "health",
    "energy",
    "education",
    "culture",
    "agriculture",
    "environment",
    "home",
    "executive",
    "attorney",
    "state",
    "opposition",
    "supreme",
    "senior",
    "assistant",
    "managing",
];

/// Honorifics that are customarily used with a person's name and so may be
/// part of how an article names someone ("Sheikha Moza", "King Charles").
const STYLED_HONORIFICS: &[&str] = &[
    "sheikh",
    "sheikha",
    "shaikh",
    "shaikha",
    "sheik",
    "king",
    "queen",
    "prince",
    "princess",
    "crown",
    "pope",
    "sir",
    "dame",
    "lord",
    "lady",
    "emperor",
    "empress",
    "sultan",
    "shah",
    "tsar",
    "czar",
    "ayatollah",
    "grand",
    "imam",
    "mullah",
    "mufti",
    "rabbi",
    "cardinal",
    "archbishop",
    "bishop",
    "patriarch",
    "reverend",
    "rev",
    "pastor",
    "saint",
    "st",
];

/// Lower-case words inside personal names that are not names by themselves.
const NAME_PARTICLES: &[&str] = &[
    "bin", "bint", "ibn", "binti", "al", "el", "de", "da", "di", "del", "della", "van", "von",
    "der", "den", "ter", "la", "le", "du", "dos", "das", "do", "jr", "sr", "ii", "iii", "iv",
];

/// Particles after which comes a father's name, not the person's.
const PATRONYMIC_PARTICLES: &[&str] = &["bin", "bint", "ibn", "binti"];

/// Suffixes that tell a son from his father of the same name.
const GENERATIONAL_SUFFIXES: &[&str] = &["jr", "sr", "ii", "iii", "iv"];

/// Function words that cannot start a short form of a longer name.
const FUNCTION_WORDS: &[&str] = &[
    "of", "the", "for", "and", "in", "on", "at", "to", "de", "del", "della", "di", "da", "du",
    "des", "la", "le", "les", "von", "van", "der", "y", "&", "und", "et",
];

/// Trailing words of a place name that the article may drop ("Gaza Strip").
const GENERIC_PLACE_WORDS: &[&str] = &[
    "strip",
    "province",
    "region",
    "county",
    "district",
    "governorate",
    "prefecture",
    "municipality",
    "oblast",
    "territory",
    "state",
    "valley",
    "heights",
    "desert",
    "peninsula",
];

/// Trailing words of an organisation's name that the article may drop.
const GENERIC_ORGANISATION_WORDS: &[&str] = &[
    "inc",
    "incorporated",
    "corp",
    "corporation",
    "co",
    "company",
    "ltd",
    "limited",
    "llc",
    "plc",
    "ag",
    "sa",
    "nv",
    "gmbh",
    "group",
    "holding",
    "holdings",
    "party",
    "movement",
    "fc",
];

/// Abbreviations whose full stop belongs to the name ("Apple Inc.").
const ABBREVIATIONS: &[&str] = &[
    "inc", "corp", "co", "ltd", "jr", "sr", "st", "bros", "plc", "llc", "dr", "mr", "mrs", "ms",
];

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

/// A tagger span after cleaning: the mention as it will be reported, plus
/// what resolution needs to compare it with others.
#[derive(Debug)]
struct CleanMention {
    start: usize,
    end: usize,
    byte_start: usize,
    byte_end: usize,
    text: String,
    kind: EntityType,
    confidence: f64,
    /// The name without a styled honorific.
    core: String,
    /// A styled honorific inside the span or just before it.
    honorific: Option<String>,
    /// The core's words, lower-cased, hyphens read as spaces, full stops gone.
    words: Vec<String>,
    /// Initials of the core's capitalised words, when there are two or more.
    initials: Option<String>,
    /// The letters of a single-word all-capitals core ("U.S." -> "US").
    acronym: Option<String>,
}

/// Cleans every span; spans that hold no name are dropped.
fn clean_mentions(text: &str, spans: &[TaggedSpan]) -> Vec<CleanMention> {
    let mut cursor = CodePointCursor::new(text);
    let located: Vec<(TaggedSpan, usize, usize)> = spans
        .iter()
        .map(|span| (*span, cursor.byte_at(span.start), cursor.byte_at(span.end)))
        .collect();
    let mut mentions = Vec::with_capacity(spans.len());
    let mut previous_end_byte = 0;
    for (span, byte_start, byte_end) in join_particle_names(text, located) {
        let before = &text[previous_end_byte..byte_start];
        previous_end_byte = byte_end;
        if let Some(mention) = clean_mention(text, &span, byte_start, byte_end, before) {
            mentions.push(mention);
        }
    }
    mentions
}

/// Joins two person spans that a lower-case name particle separates
/// ("Sheikha Moza" bint "Nasser Al Missned", "Ludwig" van "Beethoven"): a
/// tagger that reads the particle as an ordinary word splits one name in
/// two. The joined span is as confident as the less confident half.
fn join_particle_names(
    text: &str,
    located: Vec<(TaggedSpan, usize, usize)>,
) -> Vec<(TaggedSpan, usize, usize)> {
    let mut joined: Vec<(TaggedSpan, usize, usize)> = Vec::with_capacity(located.len());
    for (span, byte_start, byte_end) in located {
        if let Some((last, _, last_end)) = joined.last_mut() {
            let both_persons = last.kind == EntityType::Person && span.kind == EntityType::Person;
            if both_persons && is_joining_particle(&text[*last_end..byte_start]) {
                last.end = span.end;
                last.confidence = last.confidence.min(span.confidence);
                *last_end = byte_end;
                continue;
            }
        }
        joined.push((span, byte_start, byte_end));
    }
    joined
}

/// Whether `gap` is a lone lower-case name particle between single spaces.
fn is_joining_particle(gap: &str) -> bool {
    gap.strip_prefix(' ')
        .and_then(|rest| rest.strip_suffix(' '))
        .is_some_and(|word| {
            NAME_PARTICLES.contains(&word) && !GENERATIONAL_SUFFIXES.contains(&word)
        })
}

/// Replaces a non-person mention that joins with hyphens names the article
/// also gives on their own ("Israel-Palestine", "Türkiye-Qatar") by one
/// mention per name: it names two entities side by side, not a third one.
/// Each part takes the type the article's own mentions of it voted for.
fn split_juxtaposed_names(mentions: Vec<CleanMention>) -> Vec<CleanMention> {
    let mut standalone: FxHashMap<String, TypeWeights> = FxHashMap::default();
    for mention in mentions.iter().filter(|m| m.words.len() == 1) {
        standalone
            .entry(mention.words[0].clone())
            .or_default()
            .add(mention);
    }
    let mut out = Vec::with_capacity(mentions.len());
    for mention in mentions {
        let splittable = mention.kind != EntityType::Person
            && mention.words.len() >= 2
            && !mention.core.chars().any(char::is_whitespace)
            && mention.core.split(is_word_separator).all(starts_upper)
            && mention.words.iter().all(|w| standalone.contains_key(w));
        if !splittable {
            out.push(mention);
            continue;
        }
        let mut start = mention.start;
        let mut byte_start = mention.byte_start;
        for part in mention.core.split(is_word_separator) {
            let length = part.chars().count();
            let kind = comparison_words(part)
                .first()
                .and_then(|w| standalone.get(w))
                .map_or(mention.kind, |weights| weights.winner().0);
            out.push(CleanMention::new(
                NamePlace {
                    start,
                    end: start + length,
                    byte_start,
                    byte_end: byte_start + part.len(),
                },
                kind,
                mention.confidence,
                part.to_string(),
                part.to_string(),
                None,
            ));
            // One separator character follows each part.
            start += length + 1;
            byte_start += part.len()
                + mention.core[byte_start - mention.byte_start + part.len()..]
                    .chars()
                    .next()
                    .map_or(0, char::len_utf8);
        }
    }
    out
}

/// Lower-cases a word for comparison with the word lists, without the full
/// stop of an abbreviation.
fn list_form(word: &str) -> String {
    word.trim_end_matches('.').to_lowercase()
}

fn in_list(list: &[&str], word: &str) -> bool {
    list.contains(&list_form(word).as_str())
}

fn starts_upper(word: &str) -> bool {
    word.chars().next().is_some_and(char::is_uppercase)
}

/// Characters that open a quotation or bracket around a name.
fn is_leading_junk(c: char) -> bool {
    c.is_whitespace()
        || matches!(
            c,
            '"' | '\''
                | '“'
                | '‘'
                | '„'
                | '‚'
                | '«'
                | '‹'
                | '('
                | '['
                | '{'
                | '-'
                | '–'
                | '—'
                | '*'
        )
}

/// Characters that close a quotation, bracket or clause after a name.
fn is_trailing_junk(c: char) -> bool {
    c.is_whitespace()
        || matches!(
            c,
            '"' | '\''
                | '”'
                | '’'
                | '»'
                | '›'
                | ')'
                | ']'
                | '}'
                | ','
                | ';'
                | ':'
                | '!'
                | '?'
                | '-'
                | '–'
                | '—'
                | '*'
        )
}

fn is_apostrophe(c: char) -> bool {
    matches!(c, '\'' | '’' | 'ʼ')
}

fn is_word_separator(c: char) -> bool {
    c.is_whitespace() || matches!(c, '-' | '‐' | '‑' | '–' | '—')
}

/// Narrows `chars[lo..hi]` to the name: see rule 2 of the module docs.
fn trim_name(chars: &[char], mut lo: usize, mut hi: usize) -> (usize, usize) {
    loop {
        let before = (lo, hi);
        while lo < hi && is_leading_junk(chars[lo]) {
            lo += 1;
        }
        while hi > lo && is_trailing_junk(chars[hi - 1]) {
            hi -= 1;
        }
        // Possessive 's; a bare trailing apostrophe went with the junk above.
        if hi - lo > 2 && matches!(chars[hi - 1], 's' | 'S') && is_apostrophe(chars[hi - 2]) {
            hi -= 2;
        }
        if hi > lo && chars[hi - 1] == '.' && !ends_with_abbreviation(&chars[lo..hi]) {
            hi -= 1;
        }
        if chars[lo..hi].starts_with(&['t', 'h', 'e'])
            && chars.get(lo + 3).is_some_and(|c| c.is_whitespace())
            && lo + 3 < hi
        {
            lo += 3;
        }
        if (lo, hi) == before {
            return (lo, hi);
        }
    }
}

/// Whether the full stop ending `name` belongs to its last word: initials
/// ("U.S.", "J."), or a known abbreviation ("Inc.").
fn ends_with_abbreviation(name: &[char]) -> bool {
    let word_start = name
        .iter()
        .rposition(|c| c.is_whitespace())
        .map_or(0, |i| i + 1);
    let word: String = name[word_start..name.len() - 1].iter().collect();
    word.contains('.') || word.chars().count() == 1 || in_list(ABBREVIATIONS, &word)
}

/// Word boundaries (start, end) within `chars[lo..hi]`, split on whitespace.
fn word_bounds(chars: &[char], lo: usize, hi: usize) -> Vec<(usize, usize)> {
    let mut words = Vec::new();
    let mut i = lo;
    while i < hi {
        while i < hi && chars[i].is_whitespace() {
            i += 1;
        }
        let start = i;
        while i < hi && !chars[i].is_whitespace() {
            i += 1;
        }
        if start < i {
            words.push((start, i));
        }
    }
    words
}

/// How many leading words of a person's span are an office title, if they
/// are one and a name follows; `None` when the span is all titles.
fn office_title_words(words: &[String]) -> Option<usize> {
    let mut has_head = false;
    let mut count = 0;
    for (i, word) in words.iter().enumerate() {
        let form = list_form(word);
        let first_lady = form == "lady" && i > 0 && list_form(&words[i - 1]) == "first";
        if OFFICE_HEADS.contains(&form.as_str()) || first_lady {
            has_head = true;
        } else if !OFFICE_MODIFIERS.contains(&form.as_str()) {
            break;
        }
        count += 1;
    }
    if count == words.len() {
        // Nothing but a title ("Prime Minister"): no name at all.
        return if has_head { None } else { Some(0) };
    }
    Some(if has_head && starts_upper(&words[count]) {
        count
    } else {
        0
    })
}

fn clean_mention(
    text: &str,
    span: &TaggedSpan,
    byte_start: usize,
    byte_end: usize,
    before: &str,
) -> Option<CleanMention> {
    let slice = &text[byte_start..byte_end];
    let chars: Vec<char> = slice.chars().collect();
    let (mut lo, hi) = trim_name(&chars, 0, chars.len());
    if lo >= hi {
        return None;
    }
    let is_person = span.kind == EntityType::Person;
    let mut core_lo = lo;
    let mut honorific = None;
    if is_person {
        let bounds = word_bounds(&chars, lo, hi);
        let words: Vec<String> = bounds
            .iter()
            .map(|&(s, e)| chars[s..e].iter().collect())
            .collect();
        let titles = office_title_words(&words)?;
        if titles > 0 {
            lo = bounds[titles].0;
        }
        let styled = words[titles..]
            .iter()
            .take_while(|w| in_list(STYLED_HONORIFICS, w))
            .count();
        let name_at = titles + styled;
        if name_at == words.len() {
            return None;
        }
        if styled > 0 && starts_upper(&words[name_at]) {
            core_lo = bounds[name_at].0;
            honorific = Some(chars[lo..bounds[name_at - 1].1].iter().collect());
        } else {
            core_lo = lo;
            if titles == 0 {
                honorific = honorific_before(before);
            }
        }
    }
    let byte_of = |i: usize| byte_start + chars[..i].iter().map(|c| c.len_utf8()).sum::<usize>();
    let mention = CleanMention::new(
        NamePlace {
            start: span.start + lo,
            end: span.start + hi,
            byte_start: byte_of(lo),
            byte_end: byte_of(hi),
        },
        span.kind,
        span.confidence,
        chars[lo..hi].iter().collect(),
        chars[core_lo..hi].iter().collect(),
        honorific,
    );
    (!mention.words.is_empty()).then_some(mention)
}

/// Where a mention sits: code-point and byte offsets, end exclusive.
struct NamePlace {
    start: usize,
    end: usize,
    byte_start: usize,
    byte_end: usize,
}

impl CleanMention {
    fn new(
        place: NamePlace,
        kind: EntityType,
        confidence: f64,
        text: String,
        core: String,
        honorific: Option<String>,
    ) -> CleanMention {
        CleanMention {
            start: place.start,
            end: place.end,
            byte_start: place.byte_start,
            byte_end: place.byte_end,
            text,
            kind,
            confidence,
            words: comparison_words(&core),
            initials: initials(&core),
            acronym: acronym(&core),
            core,
            honorific,
        }
    }
}

/// A styled honorific written just before a person's span ("Sheikha" in
/// "Sheikha Moza" when the tagger left it out).
fn honorific_before(before: &str) -> Option<String> {
    let trimmed = before.trim_end();
    if trimmed.len() == before.len() {
        return None;
    }
    let word = trimmed.rsplit(char::is_whitespace).next()?;
    (starts_upper(word) && in_list(STYLED_HONORIFICS, word)).then(|| word.to_string())
}

/// The words a name is compared by.
fn comparison_words(name: &str) -> Vec<String> {
    name.split(is_word_separator)
        .map(comparison_word)
        .filter(|word| !word.is_empty())
        .collect()
}

/// `word` lower-cased, apostrophes made ASCII, full stops gone, accents
/// dropped: feeds and wires spell one name with and without them ("Erdogan",
/// "Erdoğan").
fn comparison_word(word: &str) -> String {
    let mut out = String::with_capacity(word.len());
    for c in word.chars() {
        if c == '.' {
            continue;
        }
        let c = if is_apostrophe(c) { '\'' } else { c };
        if c.is_ascii() {
            out.push(c.to_ascii_lowercase());
        } else {
            for lower in c.to_lowercase() {
                decompose_canonical(lower, |part| {
                    if !is_combining_mark(part) {
                        out.push(part);
                    }
                });
            }
        }
    }
    out
}

fn initials(name: &str) -> Option<String> {
    let letters: String = name
        .split(is_word_separator)
        .filter_map(|word| word.chars().next())
        .filter(|c| c.is_uppercase())
        .collect();
    (letters.chars().count() >= 2).then_some(letters)
}

fn acronym(name: &str) -> Option<String> {
    if name.chars().any(is_word_separator) {
        return None;
    }
    let letters: String = name.chars().filter(|&c| c != '.').collect();
    let count = letters.chars().count();
    ((2..=10).contains(&count) && letters.chars().all(char::is_uppercase)).then_some(letters)
}

/// Mentions with the same comparison words, whatever their tagged type.
struct SurfaceForms {
    forms: Vec<SurfaceForm>,
    /// The form of each mention.
    form_of: Vec<usize>,
}

struct SurfaceForm {
    /// The mentions, in order.
    mentions: Vec<usize>,
    /// The confidence-weighted vote of the mentions' types.
    kind: EntityType,
    /// The confidence behind each type.
    weights: TypeWeights,
    /// The first mention, whose words, initials and acronym stand for all.
    first: usize,
}

impl SurfaceForms {
    fn group(mentions: &[CleanMention]) -> SurfaceForms {
        let mut by_words: FxHashMap<&[String], usize> = FxHashMap::default();
        let mut forms: Vec<SurfaceForm> = Vec::new();
        let mut form_of = Vec::with_capacity(mentions.len());
        for (i, mention) in mentions.iter().enumerate() {
            let form = *by_words.entry(&mention.words).or_insert_with(|| {
                forms.push(SurfaceForm {
                    mentions: Vec::new(),
                    kind: mention.kind,
                    weights: TypeWeights::default(),
                    first: i,
                });
                forms.len() - 1
            });
            forms[form].mentions.push(i);
            form_of.push(form);
        }
        for form in &mut forms {
            form.weights = TypeWeights::of(form.mentions.iter().map(|&m| &mentions[m]));
            form.kind = form.weights.winner().0;
        }
        SurfaceForms { forms, form_of }
    }
}

/// The tagger's confidence behind each type, summed over mentions.
#[derive(Debug, Clone, Copy, Default)]
struct TypeWeights {
    weight: [f64; 4],
    count: [usize; 4],
}

impl TypeWeights {
    fn of<'a>(mentions: impl Iterator<Item = &'a CleanMention>) -> TypeWeights {
        let mut weights = TypeWeights::default();
        for mention in mentions {
            weights.add(mention);
        }
        weights
    }

    fn add(&mut self, mention: &CleanMention) {
        let slot = type_slot(mention.kind);
        self.weight[slot] += mention.confidence;
        self.count[slot] += 1;
    }

    fn of_type(&self, kind: EntityType) -> f64 {
        self.weight[type_slot(kind)]
    }

    /// The type with the most confidence behind it (ties: most mentions,
    /// then the order of [`EntityType::ALL`]), with its share of all the
    /// confidence.
    fn winner(&self) -> (EntityType, f64) {
        let (weight, count) = (&self.weight, &self.count);
        let best = (0..4)
            .max_by(|&a, &b| {
                weight[a]
                    .total_cmp(&weight[b])
                    .then(count[a].cmp(&count[b]))
                    .then(b.cmp(&a))
            })
            .unwrap_or(0);
        let total: f64 = weight.iter().sum();
        let share = if total > 0.0 {
            weight[best] / total
        } else {
            0.0
        };
        (EntityType::ALL[best], share)
    }
}

fn type_slot(kind: EntityType) -> usize {
    EntityType::ALL.iter().position(|&k| k == kind).unwrap_or(0)
}

/// What a short form is looked up by: its words, or its acronym letters.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum FormKey {
    Words(EntityType, Vec<String>),
    Acronym(EntityType, String),
}

/// The keys under which `form` is found when looking up its own name.
fn own_keys(mention: &CleanMention, kind: EntityType) -> Vec<FormKey> {
    let mut keys = vec![FormKey::Words(kind, mention.words.clone())];
    if let Some(letters) = &mention.acronym {
        keys.push(FormKey::Acronym(kind, letters.clone()));
    }
    keys
}

/// The shorter names the article may use for a name (rule 5).
fn short_keys(mention: &CleanMention, kind: EntityType) -> Vec<FormKey> {
    let words = &mention.words;
    let mut keys = Vec::new();
    if words.len() > MAX_NAME_WORDS {
        return keys;
    }
    let words_key = |range: &[String]| FormKey::Words(kind, range.to_vec());
    match kind {
        EntityType::Person => person_short_forms(words, &mut |range| keys.push(words_key(range))),
        _ => {
            let generic = match kind {
                EntityType::Location => GENERIC_PLACE_WORDS,
                EntityType::Organisation => GENERIC_ORGANISATION_WORDS,
                _ => &[],
            };
            for cut in 1..words.len() {
                // A trailing run of two words or more.
                if words.len() - cut >= 2 && !FUNCTION_WORDS.contains(&words[cut].as_str()) {
                    keys.push(words_key(&words[cut..]));
                }
                // A leading part followed only by generic words.
                if words[cut..].iter().all(|w| generic.contains(&w.as_str()))
                    && !FUNCTION_WORDS.contains(&words[cut - 1].as_str())
                {
                    keys.push(words_key(&words[..cut]));
                }
            }
            if let Some(letters) = &mention.initials {
                keys.push(FormKey::Acronym(kind, letters.clone()));
            }
            if kind == EntityType::Miscellaneous {
                if let Some(last) = words.last() {
                    if last
                        .chars()
                        .last()
                        .is_some_and(|c| c.is_alphabetic() && c != 's')
                    {
                        let mut plural = words.clone();
                        plural[words.len() - 1] = format!("{last}s");
                        keys.push(FormKey::Words(kind, plural));
                    }
                }
            }
        }
    }
    keys
}

/// Calls `emit` with each short form of a person's name (rule 5).
fn person_short_forms(words: &[String], emit: &mut dyn FnMut(&[String])) {
    let n = words.len();
    if n < 2 {
        return;
    }
    let is_particle = |w: &String| NAME_PARTICLES.contains(&w.as_str());
    let has_name = |range: &[String]| range.iter().any(|w| !is_particle(w));
    let generational = GENERATIONAL_SUFFIXES.contains(&words[n - 1].as_str());
    // Surnames: trailing runs, not starting at a father's name.
    for cut in 1..n {
        let after_patronymic = PATRONYMIC_PARTICLES.contains(&words[cut - 1].as_str());
        if !after_patronymic && has_name(&words[cut..]) {
            emit(&words[cut..]);
        }
    }
    // Given names: leading runs; without a generational suffix they would
    // name the father.
    let prefix_limit = if generational { n - 1 } else { n };
    for cut in 1..prefix_limit {
        if !is_particle(&words[cut - 1]) && has_name(&words[..cut]) {
            emit(&words[..cut]);
        }
    }
    if n >= 3 && !generational {
        emit(&[words[0].clone(), words[n - 1].clone()]);
    }
}

/// Single-word names the article puts in brackets right after a longer name
/// of several words, or the reverse: (short form, long form) pairs. Both
/// must be tagged with the same type. A bracketed acronym must take at
/// least half its letters from the initials of the long name's words
/// ("Party of Democratic Action (SDA)", not "Doug Flach (U.S.)"); any other
/// bracketed word only renames an organisation or a MISC name ("Hizbollah
/// (Party of God)"), since after a place or person it mostly says where
/// they are from ("The Oval (London)").
fn bracket_aliases(
    text: &str,
    mentions: &[CleanMention],
    forms: &SurfaceForms,
) -> Vec<(usize, usize)> {
    let mut aliases = Vec::new();
    for (i, pair) in mentions.windows(2).enumerate() {
        let (first, second) = (&pair[0], &pair[1]);
        let between = &text[first.byte_end..second.byte_start];
        if between.trim() != "(" {
            continue;
        }
        let closes = text[second.byte_end..].chars().find(|c| !c.is_whitespace()) == Some(')');
        if !closes {
            continue;
        }
        let (short, long) = if first.words.len() == 1 {
            (i, i + 1)
        } else {
            (i + 1, i)
        };
        let (short_m, long_m) = (&mentions[short], &mentions[long]);
        let plausible = match &short_m.acronym {
            Some(letters) => abbreviates(letters, &long_m.core),
            None => matches!(
                short_m.kind,
                EntityType::Organisation | EntityType::Miscellaneous
            ),
        };
        let same_type = short_m.kind == long_m.kind;
        if short_m.words.len() == 1 && long_m.words.len() >= 2 && same_type && plausible {
            aliases.push((forms.form_of[short], forms.form_of[long]));
        }
    }
    aliases
}

/// Whether at least half the letters of `acronym` are initials of words of
/// `name`, in any case: loose enough for acronyms of a name in another
/// language ("SDA", "EPR"), strict enough to refuse unrelated ones.
fn abbreviates(acronym: &str, name: &str) -> bool {
    let initials: Vec<char> = name
        .split(is_word_separator)
        .filter_map(|word| word.chars().find(|c| c.is_alphanumeric()))
        .flat_map(char::to_lowercase)
        .collect();
    let letters: Vec<char> = acronym.chars().flat_map(char::to_lowercase).collect();
    let shared = letters.iter().filter(|c| initials.contains(c)).count();
    2 * shared >= letters.len()
}

/// For each surface form, the full forms it may stand for (rule 5): itself
/// when it is a full form.
fn full_form_candidates(
    mentions: &[CleanMention],
    forms: &SurfaceForms,
    aliases: &[(usize, usize)],
) -> Vec<Vec<usize>> {
    let count = forms.forms.len();
    let mut answering: FxHashMap<FormKey, Vec<usize>> = FxHashMap::default();
    for (id, form) in forms.forms.iter().enumerate() {
        for key in short_keys(&mentions[form.first], form.kind) {
            answering.entry(key).or_default().push(id);
        }
    }
    let mut alias_targets: Vec<Vec<usize>> = vec![Vec::new(); count];
    for &(short, long) in aliases {
        if short != long {
            alias_targets[short].push(long);
        }
    }
    let mut parents: Vec<Vec<usize>> = forms
        .forms
        .iter()
        .enumerate()
        .map(|(id, form)| {
            let mut found: Vec<usize> = own_keys(&mentions[form.first], form.kind)
                .iter()
                .filter_map(|key| answering.get(key))
                .flatten()
                .chain(&alias_targets[id])
                .copied()
                .filter(|&other| other != id)
                .collect();
            found.sort_unstable();
            found.dedup();
            found
        })
        .collect();
    let mut is_full: Vec<bool> = parents.iter().map(Vec::is_empty).collect();
    // Longer forms first, so a form's parents are settled before it; a plural
    // has as many words as its singular but more letters.
    let mut order: Vec<usize> = (0..count).collect();
    order.sort_by_key(|&id| {
        let words = &mentions[forms.forms[id].first].words;
        (
            std::cmp::Reverse(words.len()),
            words.iter().map(String::len).sum::<usize>(),
        )
    });
    let mut candidates: Vec<Vec<usize>> = vec![Vec::new(); count];
    for id in order {
        if is_full[id] {
            let across = other_type_full_forms(id, mentions, forms, &answering, &is_full);
            if across.is_empty() {
                candidates[id] = vec![id];
            } else {
                is_full[id] = false;
                candidates[id] = across;
            }
            continue;
        }
        // Full forms that answer to this form directly, or through a bracket.
        let mut found: Vec<usize> = parents[id]
            .iter()
            .copied()
            .filter(|&parent| is_full[parent])
            .chain(
                alias_targets[id]
                    .iter()
                    .flat_map(|&long| candidates[long].clone()),
            )
            .collect();
        if found.is_empty() {
            // Only through intermediate forms ("Tayyip" in "Recep Tayyip",
            // itself short for "Recep Tayyip Erdoğan").
            found = std::mem::take(&mut parents[id])
                .iter()
                .flat_map(|&parent| candidates[parent].iter().copied())
                .take(MAX_INDIRECT_CANDIDATES)
                .collect();
        }
        found.sort_unstable();
        found.dedup();
        if found.is_empty() {
            found.push(id);
        }
        candidates[id] = found;
    }
    candidates
}

/// Full forms of another type that a form is short for, when the tagger gave
/// the form that type at least once and the full form's confidence tips the
/// vote: "Haniyeh" tagged ORG 0.68 and PER 0.53 is short for "Ismail
/// Haniyeh" (PER 0.99), while "Israel", a place twenty times and a person
/// once, is no short form of the minister "Israel Katz".
fn other_type_full_forms(
    id: usize,
    mentions: &[CleanMention],
    forms: &SurfaceForms,
    answering: &FxHashMap<FormKey, Vec<usize>>,
    is_full: &[bool],
) -> Vec<usize> {
    let form = &forms.forms[id];
    let own_weight = form.weights.of_type(form.kind);
    let mut found = Vec::new();
    for kind in EntityType::ALL {
        let weight = form.weights.of_type(kind);
        if kind == form.kind || weight <= 0.0 {
            continue;
        }
        for key in own_keys(&mentions[form.first], kind) {
            for &full in answering.get(&key).into_iter().flatten() {
                let full_form = &forms.forms[full];
                if full != id
                    && is_full[full]
                    && full_form.kind == kind
                    && weight + full_form.weights.of_type(kind) > own_weight
                {
                    found.push(full);
                }
            }
        }
    }
    found.sort_unstable();
    found.dedup();
    found
}

/// For each mention, the full form it belongs to (rule 6).
fn assign_mentions(forms: &SurfaceForms, candidates: &[Vec<usize>]) -> Vec<usize> {
    // Ambiguous forms to tell whenever a full form is named.
    let mut dependents: Vec<Vec<usize>> = vec![Vec::new(); candidates.len()];
    for (form, found) in candidates.iter().enumerate() {
        if found.len() > 1 {
            for &full in found {
                dependents[full].push(form);
            }
        }
    }
    let mut owner: Vec<Option<usize>> = vec![None; forms.form_of.len()];
    let mut latest: Vec<Option<usize>> = vec![None; candidates.len()];
    for (owner, &form) in owner.iter_mut().zip(&forms.form_of) {
        if let [only] = candidates[form][..] {
            *owner = Some(only);
            for &ambiguous in &dependents[only] {
                latest[ambiguous] = Some(only);
            }
        } else {
            *owner = latest[form];
        }
    }
    let mut soonest: Vec<Option<usize>> = vec![None; candidates.len()];
    for (owner, &form) in owner.iter_mut().zip(&forms.form_of).rev() {
        if let [only] = candidates[form][..] {
            for &ambiguous in &dependents[only] {
                soonest[ambiguous] = Some(only);
            }
        } else if owner.is_none() {
            *owner = soonest[form];
        }
    }
    // Every candidate is a full form with mentions of its own, so both sweeps
    // together always find one; the fallback only keeps this total.
    owner
        .iter()
        .zip(&forms.form_of)
        .map(|(owner, &form)| owner.unwrap_or(form))
        .collect()
}

/// One entity per full form that owns mentions, in order of first mention.
fn build_entities(
    mentions: &[CleanMention],
    forms: &SurfaceForms,
    owners: &[usize],
) -> Vec<Entity> {
    let mut entity_of_form: Vec<Option<usize>> = vec![None; forms.forms.len()];
    let mut groups: Vec<(usize, Vec<usize>)> = Vec::new();
    for (mention, &full) in owners.iter().enumerate() {
        let entity = *entity_of_form[full].get_or_insert_with(|| {
            groups.push((full, Vec::new()));
            groups.len() - 1
        });
        groups[entity].1.push(mention);
    }
    groups
        .into_iter()
        .map(|(full, members)| {
            let (kind, share) = TypeWeights::of(members.iter().map(|&m| &mentions[m])).winner();
            let best = members
                .iter()
                .map(|&m| mentions[m].confidence)
                .fold(0.0, f64::max);
            Entity {
                name: entity_name(mentions, &forms.forms[full], &members),
                kind,
                confidence: best * share,
                mentions: members
                    .iter()
                    .map(|&m| Mention {
                        text: mentions[m].text.clone(),
                        start: mentions[m].start,
                        end: mentions[m].end,
                        field: TextField::Body,
                    })
                    .collect(),
            }
        })
        .collect()
}

/// The full form as the article writes it, preferring a mention in mixed
/// case to a headline in capitals, with a styled honorific when every
/// mention carries one (rule 3).
fn entity_name(mentions: &[CleanMention], full: &SurfaceForm, members: &[usize]) -> String {
    let source = full
        .mentions
        .iter()
        .map(|&m| &mentions[m])
        .find(|m| m.core.chars().any(char::is_lowercase))
        .unwrap_or(&mentions[full.first]);
    let always_styled = members.iter().all(|&m| mentions[m].honorific.is_some());
    let honorific = source
        .honorific
        .as_ref()
        .or_else(|| members.iter().find_map(|&m| mentions[m].honorific.as_ref()));
    match honorific {
        // A regnal number already makes the name one person's ("Mohammed VI").
        Some(honorific)
            if always_styled
                && !source
                    .core
                    .split_whitespace()
                    .next_back()
                    .is_some_and(crate::ner::is_regnal_number) =>
        {
            format!("{honorific} {}", source.core)
        }
        _ => place_in_capitals(&source.core).unwrap_or_else(|| source.core.clone()),
    }
}

/// A place named only in capitals, as in a dateline ("RABAT, Morocco (AP)",
/// "NEW YORK, March 4"), written as the gazetteers spell it ("Rabat", "New
/// York"); `None` for anything else (acronyms such as "AEMET" or "UAE" stay).
fn place_in_capitals(core: &str) -> Option<String> {
    use crate::gazetteer::{self, ListSet};
    if core.chars().any(char::is_lowercase) || !core.chars().any(char::is_uppercase) {
        return None;
    }
    let places = ListSet::COUNTRY | ListSet::CITY | ListSet::CAPITAL | ListSet::REGION;
    let words: Vec<&str> = core.split_whitespace().collect();
    let gazetteers = gazetteer::bundled();
    let known = match words.as_slice() {
        // Three capitals or fewer are an acronym ("UAE", "US"), kept as written.
        [word] => {
            word.chars().filter(|c| c.is_alphabetic()).count() > 3
                && gazetteers.word_lists(word).bits() & places.bits() != 0
        }
        _ => gazetteers
            .phrase_matches(&words)
            .iter()
            .any(|m| m.start == 0 && m.end == words.len() && m.lists.bits() & places.bits() != 0),
    };
    known.then(|| {
        let mut out = String::with_capacity(core.len());
        let mut start_of_word = true;
        for c in core.chars() {
            if start_of_word {
                out.push(c);
            } else {
                out.extend(c.to_lowercase());
            }
            start_of_word = matches!(c, ' ' | '-');
        }
        out
    })
}
