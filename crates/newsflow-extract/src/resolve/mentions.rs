//! Rules 2 and 3: tagger spans cleaned into mentions (titles, quotes,
//! possessives and junk trimmed, particle names joined, hyphenated names
//! split), with the words names are compared by.

use super::forms::TypeWeights;
use super::words::{
    abbreviations, generational_suffixes, name_particles, office_heads, office_modifiers,
    styled_honorifics,
};
use super::CodePointCursor;
use crate::{EntityType, TaggedSpan};
use rustc_hash::FxHashMap;
use unicode_normalization::char::{decompose_canonical, is_combining_mark};

/// A tagger span after cleaning: the mention as it will be reported, plus
/// what resolution needs to compare it with others.
#[derive(Debug)]
pub(super) struct CleanMention {
    pub(super) start: usize,
    pub(super) end: usize,
    pub(super) byte_start: usize,
    pub(super) byte_end: usize,
    pub(super) text: String,
    pub(super) kind: EntityType,
    pub(super) confidence: f64,
    /// The name without a styled honorific.
    pub(super) core: String,
    /// A styled honorific inside the span or just before it.
    pub(super) honorific: Option<String>,
    /// The core's words, lower-cased, hyphens read as spaces, full stops gone.
    pub(super) words: Vec<String>,
    /// Initials of the core's capitalised words, when there are two or more.
    pub(super) initials: Option<String>,
    /// The letters of a single-word all-capitals core ("U.S." -> "US").
    pub(super) acronym: Option<String>,
}

/// Cleans every span; spans that hold no name are dropped.
pub(super) fn clean_mentions(text: &str, spans: &[TaggedSpan]) -> Vec<CleanMention> {
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
            name_particles().contains(&word) && !generational_suffixes().contains(&word)
        })
}

/// Retypes as a person a one-word organisation mention that is the surname
/// of a person the article names in full ("Pep Guardiola" ... "Guardiola
/// told"), when the word is a known surname and no known company: the
/// tagger types an unseen name by its look, and a surname that looks like
/// a football club's stays one after the article has said whose it is.
/// A company named after a family ("Dell", "Ford" of "Ford Motor") is in
/// the company list and keeps its type.
pub(super) fn type_surnames_of_named_people(mentions: &mut [CleanMention]) {
    let surnames: Vec<String> = mentions
        .iter()
        .filter(|m| m.kind == EntityType::Person && m.words.len() >= 2)
        .filter_map(|m| m.words.last().cloned())
        .collect();
    if surnames.is_empty() {
        return;
    }
    let lists = crate::gazetteer::bundled();
    for mention in mentions.iter_mut() {
        if mention.kind != EntityType::Organisation || mention.words.len() != 1 {
            continue;
        }
        let company = crate::gazetteer::ListSet::COMPANY;
        let known = lists.word_lists(&mention.core);
        if known.contains(crate::gazetteer::ListSet::SURNAME)
            && !known.contains(company)
            && !lists.opens(&mention.core).contains(company)
            && surnames.contains(&mention.words[0])
        {
            mention.kind = EntityType::Person;
        }
    }
}

/// Replaces a non-person mention that joins with hyphens names the article
/// also gives on their own ("Israel-Palestine", "Türkiye-Qatar") by one
/// mention per name: it names two entities side by side, not a third one.
/// Each part takes the type the article's own mentions of it voted for.
pub(super) fn split_juxtaposed_names(mentions: Vec<CleanMention>) -> Vec<CleanMention> {
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

pub(super) fn is_word_separator(c: char) -> bool {
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
    word.contains('.') || word.chars().count() == 1 || in_list(abbreviations(), &word)
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
        if office_heads().contains(&form.as_str()) || first_lady {
            has_head = true;
        } else if !office_modifiers().contains(&form.as_str()) {
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
            .take_while(|w| in_list(styled_honorifics(), w))
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
    (starts_upper(word) && in_list(styled_honorifics(), word)).then(|| word.to_string())
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
