//! Entity resolution over hand-built tagger output: the seed articles and
//! small made-up texts, one per rule.

use newsflow_extract::resolve::resolve;
use newsflow_extract::{Entity, EntityType, TaggedSpan};

const PER: EntityType = EntityType::Person;
const ORG: EntityType = EntityType::Organisation;
const LOC: EntityType = EntityType::Location;
const MISC: EntityType = EntityType::Miscellaneous;

fn seed(name: &str) -> String {
    let path = format!(
        "{}/../../fixtures/articles/{name}.txt",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn code_points(text: &str, byte: usize) -> usize {
    text[..byte].chars().count()
}

/// A tagger that marks every whole-word occurrence of each surface, longest
/// surfaces first, never overlapping; confidences vary per surface so that
/// nothing depends on them being equal.
fn tag(text: &str, surfaces: &[(&str, EntityType)]) -> Vec<TaggedSpan> {
    let mut order: Vec<usize> = (0..surfaces.len()).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(surfaces[i].0.chars().count()));
    let mut taken: Vec<(usize, usize)> = Vec::new();
    let mut spans = Vec::new();
    for i in order {
        let (surface, kind) = surfaces[i];
        for (byte, _) in text.match_indices(surface) {
            let end_byte = byte + surface.len();
            let before_ok = !text[..byte]
                .chars()
                .next_back()
                .is_some_and(char::is_alphanumeric);
            let after_ok = !text[end_byte..]
                .chars()
                .next()
                .is_some_and(char::is_alphanumeric);
            let overlaps = taken.iter().any(|&(s, e)| byte < e && s < end_byte);
            if before_ok && after_ok && !overlaps {
                taken.push((byte, end_byte));
                spans.push(TaggedSpan {
                    start: code_points(text, byte),
                    end: code_points(text, end_byte),
                    kind,
                    confidence: 0.6 + 0.3 * ((i % 4) as f64 / 3.0),
                });
            }
        }
    }
    spans
}

/// The invariants every output must keep, whatever the input.
fn check_invariants(text: &str, entities: &[Entity]) {
    let chars: Vec<char> = text.chars().collect();
    let mut previous_first = None;
    for entity in entities {
        assert!(
            (0.0..=1.0).contains(&entity.confidence),
            "{}: {}",
            entity.name,
            entity.confidence
        );
        assert!(!entity.name.is_empty());
        assert!(!entity.mentions.is_empty());
        for pair in entity.mentions.windows(2) {
            assert!(pair[0].end <= pair[1].start, "mentions out of order");
        }
        for mention in &entity.mentions {
            assert!(mention.start < mention.end && mention.end <= chars.len());
            let slice: String = chars[mention.start..mention.end].iter().collect();
            assert_eq!(slice, mention.text);
        }
        let first = entity.mentions[0].start;
        assert!(
            previous_first.is_none_or(|p| p < first),
            "entities out of order"
        );
        previous_first = Some(first);
    }
}

fn run(text: &str, spans: &[TaggedSpan]) -> Vec<Entity> {
    let entities = resolve(text, spans);
    check_invariants(text, &entities);
    entities
}

fn named<'a>(entities: &'a [Entity], name: &str) -> &'a Entity {
    entities
        .iter()
        .find(|e| e.name == name)
        .unwrap_or_else(|| panic!("no entity {name:?} in {:?}", names(entities)))
}

fn names(entities: &[Entity]) -> Vec<String> {
    entities
        .iter()
        .map(|e| format!("{} ({})", e.name, e.kind.label()))
        .collect()
}

fn mention_texts(entity: &Entity) -> Vec<&str> {
    entity.mentions.iter().map(|m| m.text.as_str()).collect()
}

fn span_of(text: &str, needle: &str, nth: usize, kind: EntityType, confidence: f64) -> TaggedSpan {
    let (byte, _) = text
        .match_indices(needle)
        .nth(nth)
        .unwrap_or_else(|| panic!("{needle:?} #{nth} not in text"));
    TaggedSpan {
        start: code_points(text, byte),
        end: code_points(text, byte + needle.len()),
        kind,
        confidence,
    }
}

#[test]
fn seed_000_surname_goes_to_the_nearest_full_form() {
    let text = seed("000_556abafe27730ed2");
    let spans = tag(
        &text,
        &[
            ("Emine Erdoğan", PER),
            ("Recep Tayyip Erdoğan", PER),
            ("Erdoğan", PER),
            ("Sheikha Moza bint Nasser Al Missned", PER),
            ("Sheikha Moza", PER),
            ("Qatar Foundation", ORG),
            ("X", ORG),
            ("Qatar", LOC),
            ("Palestine", LOC),
            ("Istanbul", LOC),
            ("Gaza", LOC),
            ("Ankara", LOC),
            ("Türkiye", LOC),
            ("Israel", LOC),
            ("One Heart for Palestine", MISC),
            ("Palestinian", MISC),
            ("Palestinians", MISC),
            ("Israeli", MISC),
            ("Qatari", MISC),
            ("Turkish", MISC),
        ],
    );
    let entities = run(&text, &spans);
    let emine = named(&entities, "Emine Erdoğan");
    assert_eq!(emine.kind, PER);
    // Every bare "Erdoğan" comes before "Recep Tayyip Erdoğan" is named.
    assert_eq!(
        mention_texts(emine),
        [
            "Emine Erdoğan",
            "Erdoğan",
            "Erdoğan",
            "Erdoğan",
            "Erdoğan",
            "Emine Erdoğan"
        ]
    );
    assert_eq!(
        mention_texts(named(&entities, "Recep Tayyip Erdoğan")),
        ["Recep Tayyip Erdoğan"]
    );
    // "Sheikha" is on every mention, so it is part of how she is named.
    let moza = named(&entities, "Sheikha Moza bint Nasser Al Missned");
    assert_eq!(moza.mentions.len(), 3);
    let palestinian = named(&entities, "Palestinian");
    assert!(mention_texts(palestinian).contains(&"Palestinians"));
    assert_eq!(palestinian.kind, MISC);
    named(&entities, "Palestine");
    named(&entities, "Qatar Foundation");
    named(&entities, "Qatar");
    assert_eq!(entities.len(), 17, "{:?}", names(&entities));
}

#[test]
fn seed_000_honorific_outside_the_span_still_names_her() {
    let text = seed("000_556abafe27730ed2");
    let spans = tag(
        &text,
        &[("Moza bint Nasser Al Missned", PER), ("Moza", PER)],
    );
    let entities = run(&text, &spans);
    assert_eq!(
        names(&entities),
        ["Sheikha Moza bint Nasser Al Missned (PER)"]
    );
    assert_eq!(
        mention_texts(&entities[0]),
        ["Moza bint Nasser Al Missned", "Moza", "Moza"]
    );
}

#[test]
fn seed_001_possessives_titles_and_place_generics() {
    let text = seed("001_a4ea0b491cf02130");
    let spans = tag(
        &text,
        &[
            ("President Recep Tayyip Erdoğan", PER),
            ("President Erdoğan", PER),
            ("Erdoğan's", PER),
            ("Erdoğan’s", PER),
            ("Erdoğan", PER),
            ("Ismail Haniyeh", PER),
            ("Haniyeh", PER),
            ("Prime Minister Benjamin Netanyahu", PER),
            ("Foreign Minister Hakan Fidan", PER),
            ("Fidan", PER),
            ("Hamas Political Bureau", ORG),
            ("Hamas’", ORG),
            ("Hamas", ORG),
            ("International Court of Justice’s", ORG),
            ("International Court of Justice", ORG),
            ("Istanbul", LOC),
            ("Dolmabahçe Office", LOC),
            ("Türkiye's", LOC),
            ("Türkiye", LOC),
            ("Gaza Strip", LOC),
            ("Gaza", LOC),
            ("Israel", LOC),
            ("United States", LOC),
            ("Ankara", LOC),
            ("Doha", LOC),
            ("Tel Aviv", LOC),
            ("Turkish War of Independence", MISC),
            ("Palestinian", MISC),
            ("Palestinians", MISC),
            ("Israeli", MISC),
            ("Israelis", MISC),
            ("European", MISC),
            ("Turkish", MISC),
        ],
    );
    let entities = run(&text, &spans);
    let erdogan = named(&entities, "Recep Tayyip Erdoğan");
    assert_eq!(erdogan.mentions.len(), 8);
    assert_eq!(erdogan.mentions[0].text, "Recep Tayyip Erdoğan");
    // The title is outside the mention, and the offsets moved with it.
    assert_eq!(erdogan.mentions[0].start, "President ".len());
    assert!(mention_texts(erdogan)
        .iter()
        .all(|m| m.ends_with("Erdoğan")));
    named(&entities, "Benjamin Netanyahu");
    assert_eq!(
        mention_texts(named(&entities, "Hakan Fidan")),
        ["Hakan Fidan", "Fidan"]
    );
    assert_eq!(named(&entities, "Ismail Haniyeh").mentions.len(), 3);
    // A sub-organisation is not its parent.
    assert!(mention_texts(named(&entities, "Hamas"))
        .iter()
        .all(|&m| m == "Hamas"));
    named(&entities, "Hamas Political Bureau");
    let gaza = named(&entities, "Gaza Strip");
    assert!(mention_texts(gaza).contains(&"Gaza"));
    assert_eq!(
        named(&entities, "International Court of Justice")
            .mentions
            .len(),
        2
    );
    assert_eq!(
        mention_texts(named(&entities, "Israeli")),
        ["Israeli", "Israeli", "Israelis"]
    );
    named(&entities, "Turkish War of Independence");
    named(&entities, "Turkish");
    assert_eq!(entities.len(), 21, "{:?}", names(&entities));
}

#[test]
fn seed_002_arabic_given_name_acronym_and_trailing_words() {
    let text = seed("002_c00a475b037828e3");
    let spans = tag(
        &text,
        &[
            ("Recep Tayyip Erdoğan", PER),
            ("Erdoğan", PER),
            ("Sheikh Tamim bin Hamad Al Thani", PER),
            ("Sheikh Tamim", PER),
            ("Tamim", PER),
            ("Netanyahu", PER),
            ("Presidential Communications Directorate", ORG),
            ("Türkiye-Qatar High Strategic Committee", ORG),
            ("International Court of Justice", ORG),
            ("ICJ", ORG),
            ("Hamas", ORG),
            ("Türkiye", LOC),
            ("Ankara", LOC),
            ("Syria", LOC),
            ("Presidential Complex", LOC),
            ("Qatar", LOC),
            ("Palestine", LOC),
            ("Israel", LOC),
            ("Gaza", LOC),
            ("Doha", LOC),
            ("South Africa", LOC),
            ("Saudi Arabia", LOC),
            ("West", LOC),
            ("Gulf", LOC),
            ("Syrian", MISC),
            ("Qatari", MISC),
            ("Turkish", MISC),
            ("Palestinian", MISC),
            ("Israeli", MISC),
            ("Muslim", MISC),
        ],
    );
    let entities = run(&text, &spans);
    // Plain "Tamim" shows "Sheikh" is detachable: the name drops it.
    let tamim = named(&entities, "Tamim bin Hamad Al Thani");
    assert_eq!(
        mention_texts(tamim),
        ["Sheikh Tamim bin Hamad Al Thani", "Tamim", "Sheikh Tamim"]
    );
    assert_eq!(
        mention_texts(named(&entities, "International Court of Justice")),
        ["International Court of Justice", "ICJ"]
    );
    assert_eq!(named(&entities, "Recep Tayyip Erdoğan").mentions.len(), 6);
    named(&entities, "Türkiye-Qatar High Strategic Committee");
    named(&entities, "Netanyahu");
    named(&entities, "West");
    named(&entities, "South Africa");
    assert_eq!(entities.len(), 26, "{:?}", names(&entities));
}

#[test]
fn short_form_prefers_the_most_recent_full_form_then_the_next() {
    let text = "Erdoğan arrived. Emine Erdoğan spoke. Erdoğan said so. \
                Recep Tayyip Erdoğan replied. Erdoğan added. Emine smiled. Erdoğan left.";
    let spans = tag(
        text,
        &[
            ("Emine Erdoğan", PER),
            ("Recep Tayyip Erdoğan", PER),
            ("Erdoğan", PER),
            ("Emine", PER),
        ],
    );
    let entities = run(text, &spans);
    assert_eq!(
        names(&entities),
        ["Emine Erdoğan (PER)", "Recep Tayyip Erdoğan (PER)"]
    );
    // The first "Erdoğan" precedes both: it goes to the one named soonest.
    let emine_starts: Vec<usize> = entities[0].mentions.iter().map(|m| m.start).collect();
    let recep_starts: Vec<usize> = entities[1].mentions.iter().map(|m| m.start).collect();
    let at = |needle: &str, nth: usize| span_of(text, needle, nth, PER, 1.0).start;
    assert_eq!(
        emine_starts,
        [
            at("Erdoğan", 0),
            at("Emine", 0),
            at("Erdoğan", 2),
            at("Emine", 1),
            at("Erdoğan", 5)
        ]
    );
    assert_eq!(recep_starts, [at("Recep", 0), at("Erdoğan", 4)]);
}

#[test]
fn titles_are_outside_names_and_mentions() {
    let text = "Prime Minister Keir Starmer met Dr. Jane Goodall and Mr. Starmer thanked \
                the Prime Minister of Spain.";
    let spans = vec![
        span_of(text, "Prime Minister Keir Starmer", 0, PER, 0.9),
        span_of(text, "Dr. Jane Goodall", 0, PER, 0.8),
        span_of(text, "Mr. Starmer", 0, PER, 0.7),
        span_of(text, "Prime Minister", 1, PER, 0.4),
    ];
    let entities = run(text, &spans);
    assert_eq!(
        names(&entities),
        ["Keir Starmer (PER)", "Jane Goodall (PER)"]
    );
    assert_eq!(mention_texts(&entities[0]), ["Keir Starmer", "Starmer"]);
    assert_eq!(entities[0].mentions[0].start, "Prime Minister ".len());
}

#[test]
fn names_with_and_without_accents_are_one() {
    let text = "Recep Tayyip Erdoğan spoke in Türkiye. Erdogan later left Turkiye.";
    let spans = tag(
        text,
        &[
            ("Recep Tayyip Erdoğan", PER),
            ("Erdogan", PER),
            ("Türkiye", LOC),
            ("Turkiye", LOC),
        ],
    );
    let entities = run(text, &spans);
    assert_eq!(
        names(&entities),
        ["Recep Tayyip Erdoğan (PER)", "Türkiye (LOC)"]
    );
    assert_eq!(
        mention_texts(&entities[0]),
        ["Recep Tayyip Erdoğan", "Erdogan"]
    );
}

#[test]
fn styled_honorific_kept_only_when_never_dropped() {
    let text = "King Charles met Sheikh Tamim. King Charles then left; Tamim stayed.";
    let spans = tag(
        text,
        &[("King Charles", PER), ("Sheikh Tamim", PER), ("Tamim", PER)],
    );
    let entities = run(text, &spans);
    assert_eq!(names(&entities), ["King Charles (PER)", "Tamim (PER)"]);
    assert_eq!(mention_texts(&entities[1]), ["Sheikh Tamim", "Tamim"]);
}

#[test]
fn possessives_and_quotes_are_not_part_of_mentions() {
    let text = "“Hamas’ leaders” met Erdoğan’s aides and the Palestinians' envoy at 'Doha'.";
    let spans = vec![
        span_of(text, "“Hamas’", 0, ORG, 0.9),
        span_of(text, "Erdoğan’s", 0, PER, 0.9),
        span_of(text, "the Palestinians'", 0, MISC, 0.9),
        span_of(text, "'Doha'.", 0, LOC, 0.9),
    ];
    let entities = run(text, &spans);
    assert_eq!(
        names(&entities),
        [
            "Hamas (ORG)",
            "Erdoğan (PER)",
            "Palestinians (MISC)",
            "Doha (LOC)"
        ]
    );
    assert_eq!(entities[0].mentions[0].start, 1);
}

#[test]
fn abbreviation_full_stops_stay() {
    let text = "Apple Inc. sued the U.S. government. Apple said the United States erred.";
    let spans = tag(
        text,
        &[
            ("Apple Inc.", ORG),
            ("Apple", ORG),
            ("U.S.", LOC),
            ("United States", LOC),
        ],
    );
    let entities = run(text, &spans);
    assert_eq!(
        names(&entities),
        ["Apple Inc. (ORG)", "United States (LOC)"]
    );
    assert_eq!(mention_texts(&entities[1]), ["U.S.", "United States"]);
}

#[test]
fn acronyms_by_initials_or_by_brackets() {
    let text = "The ICJ sat. The International Court of Justice ruled. The Kurdistan \
                Workers' Party (PKK) and the PKK's allies objected.";
    let spans = tag(
        text,
        &[
            ("International Court of Justice", ORG),
            ("ICJ", ORG),
            ("Kurdistan Workers' Party", ORG),
            ("PKK", ORG),
        ],
    );
    let entities = run(text, &spans);
    assert_eq!(
        names(&entities),
        [
            "International Court of Justice (ORG)",
            "Kurdistan Workers' Party (ORG)"
        ]
    );
    assert_eq!(
        mention_texts(&entities[1]),
        ["Kurdistan Workers' Party", "PKK", "PKK"]
    );
}

#[test]
fn trailing_and_generic_short_forms_but_not_other_places() {
    let text = "Gaza Strip, Gaza, the Türkiye-Qatar High Strategic Committee, the High \
                Strategic Committee, South Africa, Africa, West Bank, West, Hamas Political \
                Bureau, Hamas.";
    let spans = tag(
        text,
        &[
            ("Gaza Strip", LOC),
            ("Gaza", LOC),
            ("Türkiye-Qatar High Strategic Committee", ORG),
            ("High Strategic Committee", ORG),
            ("South Africa", LOC),
            ("Africa", LOC),
            ("West Bank", LOC),
            ("West", LOC),
            ("Hamas Political Bureau", ORG),
            ("Hamas", ORG),
        ],
    );
    let entities = run(text, &spans);
    assert_eq!(
        names(&entities),
        [
            "Gaza Strip (LOC)",
            "Türkiye-Qatar High Strategic Committee (ORG)",
            "South Africa (LOC)",
            "Africa (LOC)",
            "West Bank (LOC)",
            "West (LOC)",
            "Hamas Political Bureau (ORG)",
            "Hamas (ORG)",
        ]
    );
    assert_eq!(entities[0].mentions.len(), 2);
    assert_eq!(entities[1].mentions.len(), 2);
}

#[test]
fn short_forms_need_the_same_type() {
    let text = "Qatar Foundation is based in Qatar.";
    let spans = tag(text, &[("Qatar Foundation", ORG), ("Qatar", LOC)]);
    let entities = run(text, &spans);
    assert_eq!(names(&entities), ["Qatar Foundation (ORG)", "Qatar (LOC)"]);
}

#[test]
fn fathers_are_not_their_sons() {
    let text = "Tamim bin Hamad Al Thani succeeded Hamad Al Thani. Donald Trump Jr. \
                praised Donald Trump; Trump Jr. spoke, then Trump.";
    let spans = tag(
        text,
        &[
            ("Tamim bin Hamad Al Thani", PER),
            ("Hamad Al Thani", PER),
            ("Donald Trump Jr.", PER),
            ("Donald Trump", PER),
            ("Trump Jr.", PER),
            ("Trump", PER),
        ],
    );
    let entities = run(text, &spans);
    assert_eq!(
        names(&entities),
        [
            "Tamim bin Hamad Al Thani (PER)",
            "Hamad Al Thani (PER)",
            "Donald Trump Jr. (PER)",
            "Donald Trump (PER)",
        ]
    );
    assert_eq!(
        mention_texts(&entities[2]),
        ["Donald Trump Jr.", "Trump Jr."]
    );
    assert_eq!(mention_texts(&entities[3]), ["Donald Trump", "Trump"]);
}

#[test]
fn type_disagreement_is_voted_by_confidence() {
    let text = "Hamas said. Hamas added. Hamas denied.";
    let spans = vec![
        span_of(text, "Hamas", 0, ORG, 0.9),
        span_of(text, "Hamas", 1, MISC, 0.4),
        span_of(text, "Hamas", 2, ORG, 0.9),
    ];
    let entities = run(text, &spans);
    assert_eq!(names(&entities), ["Hamas (ORG)"]);
    assert_eq!(entities[0].mentions.len(), 3);
    let expected = 0.9 * (1.8 / 2.2);
    assert!((entities[0].confidence - expected).abs() < 1e-9);
}

#[test]
fn confidence_follows_the_tagger() {
    let text = "Doha and Ankara.";
    let spans = vec![
        span_of(text, "Doha", 0, LOC, 0.35),
        span_of(text, "Ankara", 0, LOC, f64::NAN),
    ];
    let entities = run(text, &spans);
    assert!((entities[0].confidence - 0.35).abs() < 1e-12);
    assert_eq!(entities[1].confidence, 0.0);
}

#[test]
fn overlapping_and_out_of_range_spans_are_tolerated() {
    let text = "Recep Tayyip Erdoğan";
    let spans = vec![
        TaggedSpan {
            start: 0,
            end: 12,
            kind: PER,
            confidence: 0.5,
        },
        TaggedSpan {
            start: 6,
            end: 400,
            kind: PER,
            confidence: 0.9,
        },
        TaggedSpan {
            start: 30,
            end: 40,
            kind: LOC,
            confidence: 0.9,
        },
        TaggedSpan {
            start: 5,
            end: 5,
            kind: LOC,
            confidence: 0.9,
        },
        TaggedSpan {
            start: 9,
            end: 3,
            kind: LOC,
            confidence: 0.9,
        },
    ];
    let entities = run(text, &spans);
    assert_eq!(names(&entities), ["Tayyip Erdoğan (PER)"]);
    assert!(run("", &spans).is_empty());
    assert!(run(text, &[]).is_empty());
}

#[test]
fn unusual_scripts_and_junk_do_not_panic() {
    let digits = "9".repeat(5000);
    let text = format!(
        "مرحبا رجب طيب أردوغان. أردوغان. e\u{301}\u{301}\u{301} ’s “” ( ) {digits} \
         \u{202e}Abc\u{202c} U.S.. ’s"
    );
    let len = text.chars().count();
    // Every span that can be cut from the text, in rough slices.
    let mut spans = Vec::new();
    for start in (0..len).step_by(3) {
        for width in [1, 2, 5, 13, 5001] {
            spans.push(TaggedSpan {
                start,
                end: start + width,
                kind: EntityType::ALL[(start + width) % 4],
                confidence: (start % 10) as f64 / 9.0,
            });
        }
    }
    run(&text, &spans);
    let arabic = "رجب طيب أردوغان قال. أردوغان.";
    let entities = run(
        arabic,
        &tag(arabic, &[("رجب طيب أردوغان", PER), ("أردوغان", PER)]),
    );
    assert_eq!(entities.len(), 1);
    assert_eq!(entities[0].mentions.len(), 2);
}

#[test]
fn many_mentions_stay_fast() {
    // 20,000 people sharing one surname, each named in full then by surname:
    // a quadratic pass over mention pairs would take minutes.
    let mut text = String::new();
    let mut spans = Vec::new();
    for i in 0..20_000 {
        let full = format!("Person{i} Smith");
        let start = text.chars().count();
        text.push_str(&full);
        text.push_str(" spoke. Smith left. ");
        spans.push(TaggedSpan {
            start,
            end: start + full.chars().count(),
            kind: PER,
            confidence: 0.9,
        });
        let surname = start + full.chars().count() + " spoke. ".len();
        spans.push(TaggedSpan {
            start: surname,
            end: surname + 5,
            kind: PER,
            confidence: 0.8,
        });
    }
    let started = std::time::Instant::now();
    let entities = run(&text, &spans);
    assert!(started.elapsed().as_secs() < 20);
    assert_eq!(entities.len(), 20_000);
    assert!(entities.iter().all(|e| e.mentions.len() == 2));
}

#[test]
fn name_split_at_a_particle_is_joined() {
    let text = "She met Sheikha Moza bint Nasser Al Missned and Ludwig van Beethoven. \
                Sheikha Moza spoke; Donald Trump jr spoke too.";
    let spans = vec![
        span_of(text, "Sheikha Moza", 0, PER, 0.8),
        span_of(text, "Nasser Al Missned", 0, PER, 0.9),
        span_of(text, "Ludwig", 0, PER, 0.7),
        span_of(text, "Beethoven", 0, PER, 0.95),
        span_of(text, "Sheikha Moza", 1, PER, 0.9),
        span_of(text, "Donald Trump", 0, PER, 0.9),
        span_of(text, "spoke too", 0, PER, 0.1),
    ];
    let entities = run(text, &spans);
    assert_eq!(
        names(&entities),
        [
            "Sheikha Moza bint Nasser Al Missned (PER)",
            "Ludwig van Beethoven (PER)",
            "Donald Trump (PER)",
            "spoke too (PER)",
        ]
    );
    assert_eq!(
        mention_texts(&entities[0]),
        ["Sheikha Moza bint Nasser Al Missned", "Sheikha Moza"]
    );
    // The joined span is as sure as its less sure half.
    assert!((entities[1].confidence - 0.7).abs() < 1e-12);
}

#[test]
fn hyphenated_names_given_alone_elsewhere_are_split() {
    let text = "Israel struck. The Israel-Palestine conflict and Austria-Hungary's \
                legacy; Palestine replied. Smith-Jones, Smith and Jones met.";
    let spans = vec![
        span_of(text, "Israel", 0, LOC, 0.9),
        span_of(text, "Israel-Palestine", 0, MISC, 0.6),
        span_of(text, "Austria-Hungary", 0, LOC, 0.8),
        span_of(text, "Palestine", 1, LOC, 0.7),
        span_of(text, "Smith-Jones", 0, PER, 0.9),
        span_of(text, "Smith", 1, PER, 0.9),
        span_of(text, "Jones", 1, PER, 0.9),
    ];
    let entities = run(text, &spans);
    assert_eq!(
        names(&entities),
        [
            "Israel (LOC)",
            "Palestine (LOC)",
            "Austria-Hungary (LOC)",
            "Smith-Jones (PER)",
        ]
    );
    // A person's double-barrelled name stays whole.
    assert_eq!(entities[3].mentions.len(), 3);
    assert_eq!(mention_texts(&entities[0]), ["Israel", "Israel"]);
    assert_eq!(mention_texts(&entities[1]), ["Palestine", "Palestine"]);
    assert!((entities[1].confidence - 0.7).abs() < 1e-12);
}

#[test]
fn a_form_voted_another_type_joins_a_full_form_that_tips_the_vote() {
    let text = "Ismail Haniyeh arrived. Haniyeh spoke. Haniyeh left. Israel Katz said \
                Israel, Israel and Israel would respond. Israel waited.";
    let spans = vec![
        span_of(text, "Ismail Haniyeh", 0, PER, 0.99),
        span_of(text, "Haniyeh", 1, ORG, 0.68),
        span_of(text, "Haniyeh", 2, PER, 0.53),
        span_of(text, "Israel Katz", 0, PER, 0.95),
        span_of(text, "Israel", 1, LOC, 0.9),
        span_of(text, "Israel", 2, LOC, 0.9),
        span_of(text, "Israel", 3, LOC, 0.9),
        span_of(text, "Israel", 4, PER, 0.3),
    ];
    let entities = run(text, &spans);
    assert_eq!(
        names(&entities),
        ["Ismail Haniyeh (PER)", "Israel Katz (PER)", "Israel (LOC)"]
    );
    assert_eq!(entities[0].mentions.len(), 3);
    assert_eq!(entities[2].mentions.len(), 4);
}

#[test]
fn brackets_only_alias_what_they_abbreviate() {
    let text = "Doug Flach (U.S.) beat Dallas Cowboys. The Party of Democratic Action (SDA) \
                met at The Oval (London). Hizbollah (Party of God) and Panama City, Panama.";
    let spans = tag(
        text,
        &[
            ("Doug Flach", PER),
            ("U.S.", LOC),
            ("Dallas Cowboys", ORG),
            ("Party of Democratic Action", ORG),
            ("SDA", ORG),
            ("The Oval", LOC),
            ("London", LOC),
            ("Hizbollah", ORG),
            ("Party of God", ORG),
            ("Panama City", LOC),
            ("Panama", LOC),
        ],
    );
    let entities = run(text, &spans);
    assert_eq!(
        names(&entities),
        [
            "Doug Flach (PER)",
            "U.S. (LOC)",
            "Dallas Cowboys (ORG)",
            "Party of Democratic Action (ORG)",
            "The Oval (LOC)",
            "London (LOC)",
            "Party of God (ORG)",
            "Panama City (LOC)",
            "Panama (LOC)",
        ]
    );
    assert_eq!(
        mention_texts(&entities[3]),
        ["Party of Democratic Action", "SDA"]
    );
    assert_eq!(mention_texts(&entities[6]), ["Hizbollah", "Party of God"]);
}
