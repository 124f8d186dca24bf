//! Entity resolution over hand-built tagger output: the seed articles and
//! small made-up texts, one per rule.

use newsflow_extract::resolve::resolve;
use newsflow_extract::{Entity, EntityType, TaggedSpan};
use seed::seed;

#[path = "common/seed.rs"]
mod seed;

const PER: EntityType = EntityType::Person;
const ORG: EntityType = EntityType::Organisation;
const LOC: EntityType = EntityType::Location;
const MISC: EntityType = EntityType::Miscellaneous;

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

/// How a rule's tagger output is made.
enum Spans {
    /// Every whole-word occurrence of each surface, as [`tag`] marks them.
    Surfaces(&'static [(&'static str, EntityType)]),
    /// The `nth` occurrence of each needle, with its confidence ([`span_of`]).
    At(&'static [(&'static str, usize, EntityType, f64)]),
}

/// What a rule checks of one resolved entity, by its index.
enum Check {
    /// Its mentions' texts.
    Mentions(usize, &'static [&'static str]),
    /// How many mentions it has.
    MentionCount(usize, usize),
    /// Where its first mention starts.
    FirstStart(usize, usize),
    /// Its confidence, within a tolerance.
    Confidence(usize, f64, f64),
}

/// One rule of resolution on a small made-up text.
struct Rule {
    /// What the text shows, for failure messages.
    about: &'static str,
    text: &'static str,
    spans: Spans,
    /// Every entity resolved, in order, as `name (TYPE)`.
    names: &'static [&'static str],
    checks: &'static [Check],
}

use Check::*;
use Spans::*;

const RULES: &[Rule] = &[
    Rule {
        about: "titles are outside names and mentions",
        text: "Prime Minister Keir Starmer met Dr. Jane Goodall and Mr. Starmer thanked \
               the Prime Minister of Spain.",
        spans: At(&[
            ("Prime Minister Keir Starmer", 0, PER, 0.9),
            ("Dr. Jane Goodall", 0, PER, 0.8),
            ("Mr. Starmer", 0, PER, 0.7),
            ("Prime Minister", 1, PER, 0.4),
        ]),
        names: &["Keir Starmer (PER)", "Jane Goodall (PER)"],
        checks: &[
            Mentions(0, &["Keir Starmer", "Starmer"]),
            FirstStart(0, "Prime Minister ".len()),
        ],
    },
    Rule {
        about: "names with and without accents are one",
        text: "Recep Tayyip Erdoğan spoke in Türkiye. Erdogan later left Turkiye.",
        spans: Surfaces(&[
            ("Recep Tayyip Erdoğan", PER),
            ("Erdogan", PER),
            ("Türkiye", LOC),
            ("Turkiye", LOC),
        ]),
        names: &["Recep Tayyip Erdoğan (PER)", "Türkiye (LOC)"],
        checks: &[Mentions(0, &["Recep Tayyip Erdoğan", "Erdogan"])],
    },
    Rule {
        about: "a styled honorific is kept only when never dropped",
        text: "King Charles met Sheikh Tamim. King Charles then left; Tamim stayed.",
        spans: Surfaces(&[("King Charles", PER), ("Sheikh Tamim", PER), ("Tamim", PER)]),
        names: &["King Charles (PER)", "Tamim (PER)"],
        checks: &[Mentions(1, &["Sheikh Tamim", "Tamim"])],
    },
    Rule {
        about: "possessives and quotes are not part of mentions",
        text: "“Hamas’ leaders” met Erdoğan’s aides and the Palestinians' envoy at 'Doha'.",
        spans: At(&[
            ("“Hamas’", 0, ORG, 0.9),
            ("Erdoğan’s", 0, PER, 0.9),
            ("the Palestinians'", 0, MISC, 0.9),
            ("'Doha'.", 0, LOC, 0.9),
        ]),
        names: &[
            "Hamas (ORG)",
            "Erdoğan (PER)",
            "Palestinians (MISC)",
            "Doha (LOC)",
        ],
        checks: &[FirstStart(0, 1)],
    },
    Rule {
        about: "abbreviation full stops stay",
        text: "Apple Inc. sued the U.S. government. Apple said the United States erred.",
        spans: Surfaces(&[
            ("Apple Inc.", ORG),
            ("Apple", ORG),
            ("U.S.", LOC),
            ("United States", LOC),
        ]),
        names: &["Apple Inc. (ORG)", "United States (LOC)"],
        checks: &[Mentions(1, &["U.S.", "United States"])],
    },
    Rule {
        about: "acronyms by initials or by brackets",
        text: "The ICJ sat. The International Court of Justice ruled. The Kurdistan \
               Workers' Party (PKK) and the PKK's allies objected.",
        spans: Surfaces(&[
            ("International Court of Justice", ORG),
            ("ICJ", ORG),
            ("Kurdistan Workers' Party", ORG),
            ("PKK", ORG),
        ]),
        names: &[
            "International Court of Justice (ORG)",
            "Kurdistan Workers' Party (ORG)",
        ],
        checks: &[Mentions(1, &["Kurdistan Workers' Party", "PKK", "PKK"])],
    },
    Rule {
        about: "trailing and generic short forms, but not other places",
        text: "Gaza Strip, Gaza, the Türkiye-Qatar High Strategic Committee, the High \
               Strategic Committee, South Africa, Africa, West Bank, West, Hamas Political \
               Bureau, Hamas.",
        spans: Surfaces(&[
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
        ]),
        names: &[
            "Gaza Strip (LOC)",
            "Türkiye-Qatar High Strategic Committee (ORG)",
            "South Africa (LOC)",
            "Africa (LOC)",
            "West Bank (LOC)",
            "West (LOC)",
            "Hamas Political Bureau (ORG)",
            "Hamas (ORG)",
        ],
        checks: &[MentionCount(0, 2), MentionCount(1, 2)],
    },
    Rule {
        about: "short forms need the same type",
        text: "Qatar Foundation is based in Qatar.",
        spans: Surfaces(&[("Qatar Foundation", ORG), ("Qatar", LOC)]),
        names: &["Qatar Foundation (ORG)", "Qatar (LOC)"],
        checks: &[],
    },
    Rule {
        about: "fathers are not their sons",
        text: "Tamim bin Hamad Al Thani succeeded Hamad Al Thani. Donald Trump Jr. \
               praised Donald Trump; Trump Jr. spoke, then Trump.",
        spans: Surfaces(&[
            ("Tamim bin Hamad Al Thani", PER),
            ("Hamad Al Thani", PER),
            ("Donald Trump Jr.", PER),
            ("Donald Trump", PER),
            ("Trump Jr.", PER),
            ("Trump", PER),
        ]),
        names: &[
            "Tamim bin Hamad Al Thani (PER)",
            "Hamad Al Thani (PER)",
            "Donald Trump Jr. (PER)",
            "Donald Trump (PER)",
        ],
        checks: &[
            Mentions(2, &["Donald Trump Jr.", "Trump Jr."]),
            Mentions(3, &["Donald Trump", "Trump"]),
        ],
    },
    Rule {
        about: "type disagreement is voted by confidence",
        text: "Hamas said. Hamas added. Hamas denied.",
        spans: At(&[
            ("Hamas", 0, ORG, 0.9),
            ("Hamas", 1, MISC, 0.4),
            ("Hamas", 2, ORG, 0.9),
        ]),
        names: &["Hamas (ORG)"],
        checks: &[MentionCount(0, 3), Confidence(0, 0.9 * (1.8 / 2.2), 1e-9)],
    },
    Rule {
        about: "a name split at a particle is joined",
        text: "She met Sheikha Moza bint Nasser Al Missned and Ludwig van Beethoven. \
               Sheikha Moza spoke; Donald Trump jr spoke too.",
        spans: At(&[
            ("Sheikha Moza", 0, PER, 0.8),
            ("Nasser Al Missned", 0, PER, 0.9),
            ("Ludwig", 0, PER, 0.7),
            ("Beethoven", 0, PER, 0.95),
            ("Sheikha Moza", 1, PER, 0.9),
            ("Donald Trump", 0, PER, 0.9),
            ("spoke too", 0, PER, 0.1),
        ]),
        names: &[
            "Sheikha Moza bint Nasser Al Missned (PER)",
            "Ludwig van Beethoven (PER)",
            "Donald Trump (PER)",
            "spoke too (PER)",
        ],
        checks: &[
            Mentions(0, &["Sheikha Moza bint Nasser Al Missned", "Sheikha Moza"]),
            // The joined span is as sure as its less sure half.
            Confidence(1, 0.7, 1e-12),
        ],
    },
    Rule {
        about: "hyphenated names given alone elsewhere are split",
        text: "Israel struck. The Israel-Palestine conflict and Austria-Hungary's \
               legacy; Palestine replied. Smith-Jones, Smith and Jones met.",
        spans: At(&[
            ("Israel", 0, LOC, 0.9),
            ("Israel-Palestine", 0, MISC, 0.6),
            ("Austria-Hungary", 0, LOC, 0.8),
            ("Palestine", 1, LOC, 0.7),
            ("Smith-Jones", 0, PER, 0.9),
            ("Smith", 1, PER, 0.9),
            ("Jones", 1, PER, 0.9),
        ]),
        names: &[
            "Israel (LOC)",
            "Palestine (LOC)",
            "Austria-Hungary (LOC)",
            "Smith-Jones (PER)",
        ],
        checks: &[
            // A person's double-barrelled name stays whole.
            MentionCount(3, 3),
            Mentions(0, &["Israel", "Israel"]),
            Mentions(1, &["Palestine", "Palestine"]),
            Confidence(1, 0.7, 1e-12),
        ],
    },
    Rule {
        about: "a form voted another type joins a full form that tips the vote",
        text: "Ismail Haniyeh arrived. Haniyeh spoke. Haniyeh left. Israel Katz said \
               Israel, Israel and Israel would respond. Israel waited.",
        spans: At(&[
            ("Ismail Haniyeh", 0, PER, 0.99),
            ("Haniyeh", 1, ORG, 0.68),
            ("Haniyeh", 2, PER, 0.53),
            ("Israel Katz", 0, PER, 0.95),
            ("Israel", 1, LOC, 0.9),
            ("Israel", 2, LOC, 0.9),
            ("Israel", 3, LOC, 0.9),
            ("Israel", 4, PER, 0.3),
        ]),
        names: &["Ismail Haniyeh (PER)", "Israel Katz (PER)", "Israel (LOC)"],
        checks: &[MentionCount(0, 3), MentionCount(2, 4)],
    },
    Rule {
        about: "a surname read as an organisation is the person named in full, a company is not",
        text: "Pep Guardiola smiled. Guardiola told reporters. Bill Ford said Ford would \
               sell cars.",
        spans: Surfaces(&[
            ("Pep Guardiola", PER),
            ("Guardiola", ORG),
            ("Bill Ford", PER),
            ("Ford", ORG),
        ]),
        names: &["Pep Guardiola (PER)", "Bill Ford (PER)", "Ford (ORG)"],
        checks: &[MentionCount(0, 2), MentionCount(1, 1)],
    },
    Rule {
        about: "brackets only alias what they abbreviate",
        text: "Doug Flach (U.S.) beat Dallas Cowboys. The Party of Democratic Action (SDA) \
               met at The Oval (London). Hizbollah (Party of God) and Panama City, Panama.",
        spans: Surfaces(&[
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
        ]),
        names: &[
            "Doug Flach (PER)",
            "U.S. (LOC)",
            "Dallas Cowboys (ORG)",
            "Party of Democratic Action (ORG)",
            "The Oval (LOC)",
            "London (LOC)",
            "Party of God (ORG)",
            "Panama City (LOC)",
            "Panama (LOC)",
        ],
        checks: &[
            Mentions(3, &["Party of Democratic Action", "SDA"]),
            Mentions(6, &["Hizbollah", "Party of God"]),
        ],
    },
];

#[test]
fn rules_on_made_up_texts() {
    for rule in RULES {
        let spans = match rule.spans {
            Surfaces(surfaces) => tag(rule.text, surfaces),
            At(needles) => needles
                .iter()
                .map(|&(needle, nth, kind, confidence)| {
                    span_of(rule.text, needle, nth, kind, confidence)
                })
                .collect(),
        };
        let entities = run(rule.text, &spans);
        let about = rule.about;
        assert_eq!(names(&entities), rule.names, "{about}");
        for check in rule.checks {
            match *check {
                Mentions(i, texts) => assert_eq!(mention_texts(&entities[i]), texts, "{about}"),
                MentionCount(i, n) => assert_eq!(entities[i].mentions.len(), n, "{about}"),
                FirstStart(i, start) => {
                    assert_eq!(entities[i].mentions[0].start, start, "{about}")
                }
                Confidence(i, expected, tolerance) => assert!(
                    (entities[i].confidence - expected).abs() < tolerance,
                    "{about}: {}",
                    entities[i].confidence
                ),
            }
        }
    }
}
