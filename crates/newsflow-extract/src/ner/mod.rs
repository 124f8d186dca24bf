//! Named-entity recognition: a trained sequence tagger for PER, ORG, LOC
//! and MISC (the CoNLL-2003 scheme).
//!
//! Text is split into tokens and sentences ([`tokenize`]), each token gets
//! hashed sparse features (`features`), an averaged structured perceptron
//! ([`train`]) scores BILOU labels, and Viterbi decoding over allowed
//! transitions picks the labels ([`Model`]). Each span's confidence is the
//! probability of its labels under a softmax of the model's scores.

mod administrations;
mod bylines;
mod camel_case;
mod capitals;
mod common_acronyms;
mod company_led;
mod compounds;
#[cfg(feature = "train")]
pub mod conll;
mod coordination;
mod cues;
mod dateline_credit;
mod diseases;
mod faiths;
mod features;
mod given_names;
mod holidays;
pub mod labels;
mod lone_words;
mod measured_numbers;
mod model;
mod name_parts;
mod organisation_of;
mod place_led;
mod place_pairs;
mod platforms;
mod products;
mod quoted;
mod ruler_titles;
pub mod tokenize;
#[cfg(feature = "train")]
pub mod train;

pub use labels::TokenSpan;
#[cfg(feature = "train")]
pub use model::Linear;
#[cfg(not(feature = "train"))]
use model::Linear;
pub use model::Model;

use crate::{Entity, TaggedSpan};
use features::FeatureBuffer;
use labels::LABELS;
#[cfg(test)]
use lone_words::test_span;
use std::ops::Range;
use std::path::Path;

/// A model file could not be read or is not a model.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct ModelError(String);

impl ModelError {
    fn new(message: impl Into<String>) -> ModelError {
        ModelError(message.into())
    }
}

/// The model trained by `newsflow train ner` on CoNLL-2003 eng.train and
/// the extra corpora `models/README.md` names,
/// compiled into the binary so that it works from any directory.
static BUNDLED_MODEL: &[u8] = include_bytes!("../../models/ner.bin");

/// The entity tagger.
pub struct Tagger {
    model: Model,
}

impl Tagger {
    /// The model shipped with the crate.
    pub fn bundled() -> Result<Tagger, ModelError> {
        Model::from_bytes(BUNDLED_MODEL).map(Tagger::from_model)
    }

    /// A model from a file written by `newsflow train ner`.
    pub fn load(path: &Path) -> Result<Tagger, ModelError> {
        let bytes =
            std::fs::read(path).map_err(|e| ModelError::new(format!("{}: {e}", path.display())))?;
        Model::from_bytes(&bytes)
            .map(Tagger::from_model)
            .map_err(|e| ModelError::new(format!("{}: {e}", path.display())))
    }

    /// A tagger using `model`.
    pub fn from_model(model: Model) -> Tagger {
        // Parse the gazetteers now, so that loading, not the first text, pays for it.
        crate::gazetteer::bundled();
        Tagger { model }
    }

    /// The tagger's model.
    pub fn model(&self) -> &Model {
        &self.model
    }

    /// Entity mentions in `text`, in order, with code-point offsets.
    pub fn tag(&self, text: &str) -> Vec<TaggedSpan> {
        let tokens = tokenize::tokenize(text);
        let sentences = tokenize::split_sentences(text, &tokens);
        let words: Vec<&str> = tokens.iter().map(|t| t.text(text)).collect();
        let mut buffer = FeatureBuffer::default();
        let mut out = Vec::new();
        // Texts far longer than any article are tagged a block at a time, so
        // that memory stays bounded whatever the input.
        for block in blocks(&sentences, MAX_BLOCK_TOKENS) {
            let offset = block[0].start;
            let end = block[block.len() - 1].end;
            let local: Vec<Range<usize>> = block
                .iter()
                .map(|s| s.start - offset..s.end - offset)
                .collect();
            let spans = tag_tokens(&self.model, &words[offset..end], &local, &mut buffer, true);
            for (span, confidence) in spans {
                let (first, last) = (&tokens[offset + span.start], &tokens[offset + span.end - 1]);
                let tagged = TaggedSpan {
                    start: first.start,
                    end: last.end,
                    kind: span.kind,
                    confidence,
                };
                if span.end - span.start == 1 {
                    out.extend(place_pairs::split_place_pair(first.text(text), tagged));
                } else {
                    out.push(tagged);
                }
            }
        }
        out
    }

    /// Entity spans of an already tokenized document (`sentences` are token
    /// index ranges), each with its confidence.
    pub fn tag_document(
        &self,
        tokens: &[&str],
        sentences: &[Range<usize>],
    ) -> Vec<(TokenSpan, f64)> {
        let mut buffer = FeatureBuffer::default();
        tag_tokens(&self.model, tokens, sentences, &mut buffer, true)
    }

    /// Entities in `text`: tagged mentions grouped by the resolution step.
    pub fn entities(&self, text: &str) -> Vec<Entity> {
        crate::resolve::resolve(text, &self.tag(text))
    }
}

/// Most tokens tagged as one document (a long article has a few thousand).
const MAX_BLOCK_TOKENS: usize = 50_000;

/// Groups consecutive sentences into blocks of at most `max` tokens (a
/// longer sentence is cut into pieces); each block is non-empty.
fn blocks(sentences: &[Range<usize>], max: usize) -> Vec<Vec<Range<usize>>> {
    let mut out: Vec<Vec<Range<usize>>> = Vec::new();
    let mut current: Vec<Range<usize>> = Vec::new();
    let mut size = 0;
    for s in sentences {
        let mut start = s.start;
        while start < s.end {
            let end = s.end.min(start + max);
            if size + (end - start) > max && !current.is_empty() {
                out.push(std::mem::take(&mut current));
                size = 0;
            }
            current.push(start..end);
            size += end - start;
            start = end;
        }
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

/// Tags a tokenized document; confidences are computed only if asked
/// (training-time evaluation does without them).
fn tag_tokens(
    model: &Model,
    tokens: &[&str],
    sentences: &[Range<usize>],
    buffer: &mut FeatureBuffer,
    with_confidence: bool,
) -> Vec<(TokenSpan, f64)> {
    // Sentences must cover the tokens in order for features to line up.
    let well_formed = sentences.iter().try_fold(0, |at, s| {
        (s.start == at && s.end >= s.start).then_some(s.end)
    }) == Some(tokens.len());
    let whole = 0..tokens.len();
    let sentences = if well_formed {
        sentences
    } else {
        std::slice::from_ref(&whole)
    };
    let recased = capitals::recase_capital_lines(tokens, sentences);
    let recased_words: Vec<&str>;
    let tokens = match &recased {
        Some(words) => {
            recased_words = words.iter().map(String::as_str).collect();
            &recased_words[..]
        }
        None => tokens,
    };
    features::extract(tokens, sentences, buffer);
    let linear = model.linear();
    // One lookup per feature serves every pass.
    let mut sums = Vec::new();
    linear.all_sums(buffer, &mut sums);
    let mut decoded = Decoded::default();
    decode_pass(linear, 0, &sums, sentences, &mut decoded);
    if linear.passes() > 1 {
        let mut second = FeatureBuffer::default();
        features::second_pass(buffer, &decoded.path, &mut second);
        linear.add_all_sums(&second, 1, &mut sums);
        decode_pass(linear, 1, &sums, sentences, &mut decoded);
    }
    let last = linear.passes() - 1;
    let mut lattice = model::Lattice::default();
    let mut out = Vec::new();
    for s in sentences {
        let path = &decoded.path[s.clone()];
        let spans = labels::decode(path);
        // A sentence without spans still goes through the rules: some add names.
        let confidences = if with_confidence && !spans.is_empty() {
            let scores = model::SpanScores {
                emissions: &decoded.emissions[s.clone()],
                transitions: linear.transitions(last),
                edges: model.edge_potentials(),
                temperature: model.temperature(),
                path,
                spans: &spans,
            };
            model::span_confidences(&mut lattice, &scores)
        } else {
            vec![0.0; spans.len()]
        };
        let mut found: Vec<(TokenSpan, f64)> = spans
            .into_iter()
            .zip(confidences)
            .map(|(span, c)| {
                let shifted = TokenSpan {
                    start: span.start + s.start,
                    end: span.end + s.start,
                    kind: span.kind,
                };
                (shifted, c)
            })
            .collect();
        holidays::drop_holidays(tokens, &mut found);
        common_acronyms::drop_common_acronyms(tokens, &mut found);
        split_joined_names(tokens, &mut found);
        join_name_particles(tokens, &mut found);
        place_led::join_place_led_organisations(&mut found);
        organisation_of::extend_organisations_of(tokens, s.clone(), &mut found);
        given_names::join_unknown_given_names(tokens, s.clone(), &mut found);
        type_datelines(tokens, s.clone(), &mut found);
        bylines::type_bylines(tokens, &mut found);
        add_regnal_numbers(tokens, s.end, &mut found);
        ruler_titles::trim_ruler_titles(tokens, &mut found);
        drop_trailing_possessives(tokens, &mut found);
        type_places_by_noun(tokens, s.start, &mut found);
        type_places_by_country(tokens, &mut found);
        place_pairs::type_place_pairs(tokens, &mut found);
        quoted::join_titles(tokens, s.clone(), &mut found);
        news_name_rules(tokens, s.clone(), &mut found);
        out.extend(found);
    }
    administrations::name_leaders_of_administrations(tokens, &mut out);
    // Before the cues, so that a cue of an organisation has the last word.
    name_parts::type_name_parts(tokens, &mut out);
    cues::type_organisations_by_cue(tokens, sentences, &mut out);
    products::type_products_by_noun(tokens, &mut out);
    out
}

/// The rules for names the 1996 training text cannot know and for wire
/// conventions (each in its own module, which says why): a dateline's
/// credit is an agency, camel-case words are names, words of faiths and
/// peoples, compounds like "London-listed", networks posted on and
/// named diseases are MISC, a person's name that opens with a known
/// company is the company's, a number measuring the word after it ends the
/// name before it, and coordinated names agree (last, so that it sees the
/// other rules' names and types).
fn news_name_rules(tokens: &[&str], sentence: Range<usize>, spans: &mut Vec<(TokenSpan, f64)>) {
    dateline_credit::type_dateline_credit(tokens, sentence.clone(), spans);
    camel_case::tag_camel_case(tokens, sentence.clone(), spans);
    faiths::tag_faith_words(tokens, sentence.clone(), spans);
    compounds::tag_name_compounds(tokens, sentence.clone(), spans);
    platforms::type_platforms(tokens, sentence.clone(), spans);
    diseases::tag_diseases(tokens, sentence.clone(), spans);
    company_led::type_company_led(tokens, spans, is_company);
    measured_numbers::trim_measured_numbers(tokens, spans);
    coordination::agree_coordinated(tokens, sentence, spans, is_company);
}

/// Whether `word` is an acronym of two or more capitals ("KPK", "EU").
fn is_acronym(word: &str) -> bool {
    word.len() >= 2 && word.bytes().all(|b| b.is_ascii_uppercase())
}

/// Whether `words` spell one entry of the company list.
fn is_company(words: &[&str]) -> bool {
    crate::gazetteer::bundled().spells(words, crate::gazetteer::ListSet::COMPANY)
}

/// Cuts spans that join two names: at a free-standing slash ("Pfizer /
/// BioNTech"), which the tagger, having seen the slash inside a few 1996
/// names, sometimes keeps inside; and at an "and" right after a known
/// company ("Samsung Electronics and Taiwan Semiconductor Manufacturing
/// Co"), where a name of the form "A and B" would be one company.
fn split_joined_names(tokens: &[&str], spans: &mut Vec<(TokenSpan, f64)>) {
    let joins = |s: &TokenSpan| {
        (s.start + 1..s.end.saturating_sub(1))
            .any(|i| tokens[i] == "/" || (tokens[i] == "and" && is_company(&tokens[s.start..i])))
    };
    if !spans.iter().any(|(s, _)| joins(s)) {
        return;
    }
    let mut out = Vec::with_capacity(spans.len() + 1);
    for &(span, confidence) in spans.iter() {
        let mut start = span.start;
        for i in span.start..span.end {
            let cut = tokens[i] == "/"
                || (tokens[i] == "and"
                    && i > start
                    && i + 1 < span.end
                    && is_company(&tokens[start..i]));
            if cut {
                if i > start {
                    out.push((
                        TokenSpan {
                            start,
                            end: i,
                            ..span
                        },
                        confidence,
                    ));
                }
                start = i + 1;
            }
        }
        if span.end > start {
            out.push((TokenSpan { start, ..span }, confidence));
        }
    }
    *spans = out;
}

/// Lower-case particles inside personal names ("Tamim bin Hamad Al Thani",
/// "Ursula von der Leyen").
const NAME_PARTICLES: &[&str] = &[
    "bin", "bint", "ibn", "ben", "al", "el", "van", "von", "der", "de", "da", "di", "du", "del",
    "la", "le",
];

/// Joins two touching person spans when a lower-case name particle is at
/// their seam ("Tamim bin" + "Hamad Al Thani"): a particle does not end a
/// name nor begin one, and news names people this way far more often than
/// the training text did.
fn join_name_particles(tokens: &[&str], spans: &mut Vec<(TokenSpan, f64)>) {
    let particle = |i: usize| NAME_PARTICLES.contains(&tokens[i]);
    let mut k = 0;
    while k + 1 < spans.len() {
        let ((a, ca), (b, cb)) = (spans[k], spans[k + 1]);
        let person = crate::EntityType::Person;
        if a.kind == person
            && b.kind == person
            && a.end == b.start
            && (particle(a.end - 1) || particle(b.start))
        {
            spans[k] = (TokenSpan { end: b.end, ..a }, ca.min(cb));
            spans.remove(k + 1);
        } else {
            k += 1;
        }
    }
}

/// Types as a place the city of a wire dateline, written in capitals at
/// the start of a story ("GENEVA (Reuters) -", "RABAT, Morocco (AP) —",
/// "MANCHESTER, England —"): what follows it, an agency's credit or a dash,
/// says what it is, whatever the capitals make of it.
fn type_datelines(tokens: &[&str], sentence: Range<usize>, spans: &mut [(TokenSpan, f64)]) {
    let Some(first) = spans.iter().position(|(s, _)| s.start == sentence.start) else {
        return;
    };
    let span = spans[first].0;
    let capitals = tokens[span.start..span.end].iter().all(|t| {
        t.chars().filter(|c| c.is_alphabetic()).count() >= 2 && !t.chars().any(char::is_lowercase)
    });
    if !capitals {
        return;
    }
    let mut next = span.end;
    // ", Morocco" between the city and the credit.
    if tokens.get(next) == Some(&",") {
        match spans.iter().find(|(s, _)| s.start == next + 1) {
            Some((country, _)) if country.kind == crate::EntityType::Location => next = country.end,
            _ => return,
        }
    }
    if next < sentence.end && matches!(tokens[next], "(" | "\u{2014}" | "\u{2013}" | "-" | "--") {
        spans[first].0.kind = crate::EntityType::Location;
    }
}

/// Whether `token` is a regnal number ("II" to "XXX"); a lone "I" is too
/// often the pronoun to count.
pub fn is_regnal_number(token: &str) -> bool {
    const ROMAN: [&str; 10] = ["", "I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX"];
    let (tens, units) = match token.find(|c| c != 'X') {
        Some(at) => token.split_at(at),
        None => (token, ""),
    };
    tens.len() <= 3 && ROMAN.contains(&units) && token.len() >= 2
}

/// Extends a person's span over the regnal number after it ("Mohammed VI",
/// "Charles III"): the number is part of the name, as CoNLL-2003 tags it,
/// but the tagger, rarely having seen one, often stops before it.
fn add_regnal_numbers(tokens: &[&str], sentence_end: usize, spans: &mut [(TokenSpan, f64)]) {
    for k in 0..spans.len() {
        let span = spans[k].0;
        let taken = spans.iter().any(|(other, _)| other.start == span.end);
        if span.kind == crate::EntityType::Person
            && span.end < sentence_end
            && !taken
            && is_regnal_number(tokens[span.end])
        {
            spans[k].0.end += 1;
        }
    }
}

/// Drops a curly possessive ending a span ("the U.S. South ’s emerging
/// auto industry"): the tagger, which learnt names from text with straight
/// apostrophes, sometimes keeps the token inside, and a possessive is no
/// part of a name. A straight one stays: the tagger learnt the names that
/// end in one ("Lord 's", the cricket ground). One inside a name stays too
/// ("King ’s College").
fn drop_trailing_possessives(tokens: &[&str], spans: &mut [(TokenSpan, f64)]) {
    for (span, _) in spans.iter_mut() {
        if span.end - span.start >= 2 && matches!(tokens[span.end - 1], "’s" | "’") {
            span.end -= 1;
        }
    }
}

/// Lower-case nouns of settlements and administrative areas that, followed
/// by "of", name the place after them.
const PLACE_NOUNS: &[&str] = &[
    "village",
    "villages",
    "town",
    "towns",
    "city",
    "cities",
    "province",
    "provinces",
    "region",
    "district",
    "county",
    "municipality",
    "island",
    "port",
    "suburb",
    "neighbourhood",
    "neighborhood",
    "commune",
    "hamlet",
];

/// Types as a place a name right after "the village of", "the province of"
/// and the like ("the village of Moulay Brahim"): the phrase says what the
/// name is, where the tagger, going by the words of the name, may take the
/// name of a place for a person's.
fn type_places_by_noun(tokens: &[&str], sentence_start: usize, spans: &mut [(TokenSpan, f64)]) {
    for (span, _) in spans.iter_mut() {
        if span.start >= sentence_start + 2
            && tokens[span.start - 1] == "of"
            && PLACE_NOUNS.contains(&tokens[span.start - 2])
        {
            span.kind = crate::EntityType::Location;
        }
    }
}

/// Types as a place a name written before its country or state, as a place
/// is located ("in Liverpool , Britain", "Cleveland , Tennessee , part
/// of"): the tagger takes a city that has a football club for the club.
/// A list of countries ("Toyota , Japan and ...") is no such address.
fn type_places_by_country(tokens: &[&str], spans: &mut [(TokenSpan, f64)]) {
    let lists = crate::gazetteer::bundled();
    let is_country_or_state = |span: &TokenSpan| {
        let wanted = crate::gazetteer::ListSet::COUNTRY | crate::gazetteer::ListSet::REGION;
        span.kind == crate::EntityType::Location
            && lists.spells(&tokens[span.start..span.end], wanted)
            && !matches!(tokens.get(span.end), Some(&("and" | "or")))
    };
    for k in 0..spans.len().saturating_sub(1) {
        let (span, next) = (spans[k].0, spans[k + 1].0);
        let located = matches!(
            span.kind,
            crate::EntityType::Organisation | crate::EntityType::Person
        ) && tokens.get(span.end) == Some(&",")
            && next.start == span.end + 1
            && is_country_or_state(&next);
        if located {
            spans[k].0.kind = crate::EntityType::Location;
        }
    }
}

/// A decoded document: every token's label scores and best label.
#[derive(Default)]
struct Decoded {
    emissions: Vec<[f32; LABELS]>,
    path: Vec<u8>,
    /// Viterbi back pointers (scratch space).
    back: Vec<[u8; LABELS]>,
}

/// Decodes every sentence with pass `pass`, from per-token weight sums
/// (`linear.width()` per token), into `out`.
fn decode_pass(
    linear: &Linear,
    pass: usize,
    sums: &[i32],
    sentences: &[Range<usize>],
    out: &mut Decoded,
) {
    let width = linear.width();
    let offset = pass * LABELS;
    out.emissions.clear();
    out.emissions.extend(
        sums.chunks_exact(width)
            .map(|row| linear.scaled(pass, &row[offset..offset + LABELS])),
    );
    out.path.clear();
    out.path.resize(out.emissions.len(), labels::OUTSIDE);
    for s in sentences {
        model::viterbi_into(
            &out.emissions[s.clone()],
            linear.transitions(pass),
            &mut out.back,
            &mut out.path[s.clone()],
        );
    }
}

#[cfg(feature = "train")]
/// Decodes every sentence with a one-pass scorer over the keys of `buffers`
/// (training-time: the second pass is trained as its own scorer); returns
/// every token's label.
fn decode_keys(scorer: &Linear, sentences: &[Range<usize>], buffers: &[&FeatureBuffer]) -> Vec<u8> {
    let tokens = buffers.first().map_or(0, |b| b.len());
    let mut sums = vec![0i32; tokens * LABELS];
    for b in buffers {
        scorer.add_all_sums(b, 0, &mut sums);
    }
    let mut decoded = Decoded::default();
    decode_pass(scorer, 0, &sums, sentences, &mut decoded);
    decoded.path
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_before_its_country_is_a_place_but_not_in_a_list_of_countries() {
        use crate::EntityType::{Location, Organisation};
        let tokens = [
            "seen",
            "in",
            "Liverpool",
            ",",
            "Britain",
            ",",
            "May",
            "26",
            ".",
            "Toyota",
            ",",
            "Japan",
            "and",
            "Korea",
        ];
        let mut spans = vec![
            test_span(2, 3, Organisation),
            test_span(4, 5, Location),
            test_span(9, 10, Organisation),
            test_span(11, 12, Location),
            test_span(13, 14, Location),
        ];
        type_places_by_country(&tokens, &mut spans);
        let kinds: Vec<crate::EntityType> = spans.iter().map(|(s, _)| s.kind).collect();
        assert_eq!(
            kinds,
            [Location, Location, Organisation, Location, Location]
        );
    }

    #[test]
    fn regnal_numbers() {
        for yes in ["II", "III", "IV", "VI", "VIII", "IX", "XII", "XVI", "XX"] {
            assert!(is_regnal_number(yes), "{yes}");
        }
        for no in ["I", "X", "IIII", "VV", "XXXX", "IVX", "Vi", "V.", "UK"] {
            assert!(!is_regnal_number(no), "{no}");
        }
    }

    #[test]
    fn blocks_cover_sentences_in_order_and_bound_size() {
        let sentences = vec![0..3, 3..4, 4..14, 14..16];
        let got = blocks(&sentences, 4);
        assert_eq!(
            got,
            vec![
                vec![0..3, 3..4],
                vec![4..8],
                vec![8..12],
                vec![12..14, 14..16]
            ]
        );
        assert!(blocks(&[], 4).is_empty());
    }

    #[test]
    fn person_spans_meeting_at_a_name_particle_are_one_name() {
        let tokens = [
            "Emir", "Tamim", "bin", "Hamad", "Al", "Thani", "met", "Biden", "Harris",
        ];
        let person = |start, end| {
            let kind = crate::EntityType::Person;
            (TokenSpan { start, end, kind }, 0.9)
        };
        let mut spans = vec![person(1, 3), person(3, 6), person(7, 8), person(8, 9)];
        join_name_particles(&tokens, &mut spans);
        // "Biden" and "Harris" touch at no particle: two people.
        assert_eq!(spans, vec![person(1, 6), person(7, 8), person(8, 9)]);
    }
}
