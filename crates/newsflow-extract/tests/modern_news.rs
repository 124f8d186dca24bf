//! The bundled tagger and resolution on news written in the 2020s: the names
//! of companies, platforms and products that 1996 training text cannot know,
//! wire datelines and credits, regnal numbers and possessives. Each article
//! here was written for this test; each names what must come out of it.

use newsflow_extract::ner::Tagger;
use newsflow_extract::{Entity, EntityType};

const PER: EntityType = EntityType::Person;
const ORG: EntityType = EntityType::Organisation;
const LOC: EntityType = EntityType::Location;
const MISC: EntityType = EntityType::Miscellaneous;

fn entities(text: &str) -> Vec<Entity> {
    Tagger::bundled()
        .expect("bundled model loads")
        .entities(text)
}

/// Asserts that every `(name, type)` is an entity of `text`, named exactly
/// so, and that no other entity carries one of those names.
fn assert_entities(text: &str, expected: &[(&str, EntityType)]) -> Vec<Entity> {
    let found = entities(text);
    let listing: Vec<(&str, EntityType)> =
        found.iter().map(|e| (e.name.as_str(), e.kind)).collect();
    for &(name, kind) in expected {
        assert!(
            found.iter().any(|e| e.name == name && e.kind == kind),
            "{name} ({kind:?}) not found in {listing:?}"
        );
        assert_eq!(
            found.iter().filter(|e| e.name == name).count(),
            1,
            "{name} is more than one entity: {listing:?}"
        );
    }
    found
}

const BIG_TECH: &str = "Amazon, Alphabet's Google and Meta Platforms are pouring record sums \
                        into data centres this year, betting that demand for artificial \
                        intelligence will keep growing. Analysts at Morgan Stanley expect the \
                        three to spend more than $200 billion between them.";

#[test]
fn big_tech_companies_are_organisations() {
    assert_entities(
        BIG_TECH,
        &[
            ("Alphabet", ORG),
            ("Google", ORG),
            ("Meta Platforms", ORG),
            ("Morgan Stanley", ORG),
        ],
    );
}

#[test]
fn amazon_opening_a_list_of_companies_is_one() {
    assert_entities(BIG_TECH, &[("Amazon", ORG)]);
}

const CHIPS: &str = "Samsung Electronics and Taiwan Semiconductor Manufacturing Co are racing \
                to add capacity for the most advanced chips. TSMC said on Thursday that \
                its quarterly profit rose 40%.\n\n\
                Nvidia said its Blackwell chips would ship in volume next quarter. \
                OpenAI, the maker of ChatGPT, is among its biggest customers.";

#[test]
fn chipmakers_are_two_organisations() {
    let found = assert_entities(
        CHIPS,
        &[
            ("Samsung Electronics", ORG),
            ("Taiwan Semiconductor Manufacturing Co", ORG),
            ("Nvidia", ORG),
            ("OpenAI", ORG),
        ],
    );
    let tsmc = found
        .iter()
        .find(|e| e.mentions.iter().any(|m| m.text == "TSMC"));
    assert!(tsmc.is_some_and(|e| e.kind == ORG), "{found:?}");
}

#[test]
fn a_chip_named_like_a_person_is_not_one() {
    let found = entities(CHIPS);
    let blackwell = found.iter().find(|e| e.name == "Blackwell");
    assert!(blackwell.is_none_or(|e| e.kind == MISC), "{found:?}");
}

#[test]
fn a_company_opening_a_sentence() {
    let text = "Pfizer said on Monday it would cut 500 jobs at its plant in Sandwich, Kent, \
                as demand for its Covid-19 vaccine keeps falling.";
    assert_entities(text, &[("Pfizer", ORG), ("Sandwich", LOC), ("Kent", LOC)]);
}

const TIKTOK_AND_GAMESA: &str =
    "TikTok said it would challenge the law in court, arguing that a ban would \
                violate the free speech rights of its 170 million American users.\n\n\
                Separately, Siemens Gamesa said on Wednesday it would close two turbine \
                factories in Spain after losses at its onshore business deepened.";

#[test]
fn tiktok_is_an_organisation() {
    assert_entities(
        TIKTOK_AND_GAMESA,
        &[("TikTok", ORG), ("Spain", LOC), ("American", MISC)],
    );
}

#[test]
fn siemens_gamesa_is_an_organisation() {
    assert_entities(TIKTOK_AND_GAMESA, &[("Siemens Gamesa", ORG)]);
}

#[test]
fn earthquake_dateline_village_and_king() {
    let text = "RABAT, Morocco (AP) — Rescuers dug through the rubble of the mountain \
                village of Moulay Brahim on Saturday after the strongest earthquake to hit \
                Morocco in decades killed more than 2,000 people. King Mohammed VI declared \
                three days of national mourning, and the army set up field hospitals in \
                the province of Al Haouz.";
    let found = assert_entities(
        text,
        &[
            ("Rabat", LOC),
            ("Morocco", LOC),
            ("AP", ORG),
            ("Moulay Brahim", LOC),
            ("Mohammed VI", PER),
            ("Al Haouz", LOC),
        ],
    );
    // The honorific stands outside the mention or inside it, never in the name.
    let king = found.iter().find(|e| e.name == "Mohammed VI").unwrap();
    assert!(king.mentions[0].text.ends_with("Mohammed VI"), "{king:?}");
}

#[test]
fn a_city_named_after_the_city_of_is_a_place() {
    let text = "PORTO ALEGRE, Brazil (Reuters) - Floods have cut off parts of the city of \
                Porto Alegre, where the Guaiba river rose to a record 5.3 metres on Sunday, \
                and Governor Eduardo Leite said more than 80,000 people had left their homes.";
    assert_entities(
        text,
        &[
            ("Porto Alegre", LOC),
            ("Brazil", LOC),
            ("Reuters", ORG),
            ("Guaiba", LOC),
            ("Eduardo Leite", PER),
        ],
    );
}

#[test]
fn names_written_in_capitals_are_whole_names() {
    let text = "The White House named its economic team on Tuesday.\n\n\
                NOMINEES: TREASURY SECRETARY: JANET YELLEN. SECRETARY OF STATE: ANTONY \
                BLINKEN. BUDGET DIRECTOR: NEERA TANDEN.";
    assert_entities(
        text,
        &[
            ("JANET YELLEN", PER),
            ("ANTONY BLINKEN", PER),
            ("NEERA TANDEN", PER),
        ],
    );
}

const FOOTBALL: &str = "MANCHESTER, England — Erling Haaland scored twice as Pep Guardiola's side \
                beat Arsenal 3-1 on Sunday to go top of the Premier League.\n\n\
                \"We were patient,\" Guardiola told Sky Sports after the match at the Etihad \
                Stadium. Arsenal manager Mikel Arteta said his side had given away two \
                soft goals.";

#[test]
fn football_match() {
    let found = assert_entities(
        FOOTBALL,
        &[
            ("Manchester", LOC),
            ("England", LOC),
            ("Erling Haaland", PER),
            ("Arsenal", ORG),
            ("Mikel Arteta", PER),
        ],
    );
    // The possessive is no part of any name or mention.
    for e in &found {
        assert!(!e.name.contains('\''), "{e:?}");
        assert!(e.mentions.iter().all(|m| !m.text.contains('\'')), "{e:?}");
    }
}

#[test]
fn manager_before_his_side_is_a_person() {
    let found = assert_entities(FOOTBALL, &[("Pep Guardiola", PER), ("Sky Sports", ORG)]);
    let pep = found.iter().find(|e| e.name == "Pep Guardiola").unwrap();
    assert_eq!(pep.mentions.len(), 2, "{pep:?}");
}

#[test]
fn markets_story() {
    let text = "NEW YORK, March 4 (Reuters) - Wall Street's main indexes fell on Tuesday as \
                new tariffs on Canada, Mexico and China took effect, with shares of Tesla \
                and Apple leading the decline on the Nasdaq.\n\n\
                The S&P 500 lost 1.2% and the Dow Jones Industrial Average shed 670 points. \
                \"Investors are pricing in a slower economy,\" said Lindsey Bell, chief \
                strategist at Clearnomics in Charlotte, North Carolina.\n\n\
                In Europe, shares of Volkswagen and BMW slid after the European Commission \
                said it would answer the tariffs. The Federal Reserve meets in two weeks.";
    assert_entities(
        text,
        &[
            ("New York", LOC),
            ("Reuters", ORG),
            ("Canada", LOC),
            ("Mexico", LOC),
            ("China", LOC),
            ("Tesla", ORG),
            ("Apple", ORG),
            ("Lindsey Bell", PER),
            ("Charlotte", LOC),
            ("North Carolina", LOC),
            ("Europe", LOC),
            ("Volkswagen", ORG),
            ("BMW", ORG),
            ("European Commission", ORG),
            ("Federal Reserve", ORG),
        ],
    );
}

#[test]
fn disaster_story() {
    let text = "VALENCIA, Spain — Flash floods tore through towns south of Valencia on \
                Wednesday, killing at least 95 people and sweeping cars into the sea, \
                officials said.\n\n\
                Prime Minister Pedro Sánchez declared three days of mourning and sent 1,000 \
                soldiers of the Military Emergencies Unit to Paiporta, the worst-hit town. \
                The Red Cross opened shelters for 2,000 people.\n\n\
                \"We have never seen water like this,\" said Carmen Ortega, 61, whose \
                ground-floor flat in Paiporta was flooded to the ceiling. Spain's weather \
                agency AEMET had issued its highest alert on Tuesday.";
    assert_entities(
        text,
        &[
            ("Valencia", LOC),
            ("Spain", LOC),
            ("Pedro Sánchez", PER),
            ("Military Emergencies Unit", ORG),
            ("Paiporta", LOC),
            ("Red Cross", ORG),
            ("Carmen Ortega", PER),
            ("AEMET", ORG),
        ],
    );
}

#[test]
fn tech_story() {
    let text = "SAN FRANCISCO (AP) — Microsoft said on Tuesday it would invest $10 billion \
                in data centres in Japan over four years, the latest in a string of \
                investments by American technology companies racing to meet demand for \
                artificial intelligence.\n\n\
                Chief executive Satya Nadella announced the plan in Tokyo after meeting \
                Prime Minister Fumio Kishida. Rivals Oracle and Amazon Web Services have \
                made similar pledges, and Nvidia supplies most of the chips.";
    assert_entities(
        text,
        &[
            ("San Francisco", LOC),
            ("AP", ORG),
            ("Microsoft", ORG),
            ("Japan", LOC),
            ("American", MISC),
            ("Satya Nadella", PER),
            ("Tokyo", LOC),
            ("Fumio Kishida", PER),
            ("Oracle", ORG),
            ("Amazon Web Services", ORG),
            ("Nvidia", ORG),
        ],
    );
}

#[test]
fn health_story() {
    let text = "GENEVA (Reuters) - The World Health Organization said on Friday that a new \
                strain of mpox was spreading faster than expected in Congo and neighbouring \
                Burundi, and urged drugmakers to share vaccine doses.\n\n\
                \"Every week counts,\" WHO Director-General Tedros Adhanom Ghebreyesus told \
                reporters. Denmark's Bavarian Nordic, which makes the only approved mpox \
                vaccine, said it could deliver 2 million doses this year. The U.S. Centers \
                for Disease Control and Prevention advised travellers to the region to \
                take care.";
    assert_entities(
        text,
        &[
            ("Geneva", LOC),
            ("Reuters", ORG),
            ("World Health Organization", ORG),
            ("Congo", LOC),
            ("Burundi", LOC),
            ("Tedros Adhanom Ghebreyesus", PER),
            ("Denmark", LOC),
            ("U.S. Centers for Disease Control and Prevention", ORG),
        ],
    );
}

#[test]
fn an_agency_by_its_spokesman_and_a_network_posted_on() {
    let text = "JAKARTA (Reuters) - Indonesia's anti-graft agency on Tuesday named a former \
                trade minister as a suspect in a sugar import case, KPK spokesman Budi \
                Prasetyo told reporters. KPK investigators searched his home in Bogor, West \
                Java, and seized documents. Activists said on Twitter that the case showed \
                the KPK was still willing to pursue senior officials. Prasetyo said the \
                suspect had been questioned for nine hours.";
    let found = assert_entities(
        text,
        &[
            ("Jakarta", LOC),
            ("Indonesia", LOC),
            ("KPK", ORG),
            ("Budi Prasetyo", PER),
            ("Bogor", LOC),
            ("West Java", LOC),
            ("Twitter", MISC),
        ],
    );
    let kpk = found.iter().find(|e| e.name == "KPK").expect("KPK");
    assert_eq!(
        kpk.mentions.len(),
        3,
        "every mention of the agency: {kpk:?}"
    );
}

#[test]
#[ignore = "known misses: unknown companies typed by their look (\"Clearnomics\" LOC, \"Bavarian Nordic\" MISC)"]
fn unknown_companies_in_context() {
    let found = entities(
        "\"Investors are pricing in a slower economy,\" said Lindsey Bell, chief strategist \
         at Clearnomics in Charlotte. Denmark's Bavarian Nordic, which makes the only \
         approved mpox vaccine, said it could deliver 2 million doses this year.",
    );
    for name in ["Clearnomics", "Bavarian Nordic"] {
        assert!(
            found.iter().any(|e| e.name == name && e.kind == ORG),
            "{name}: {found:?}"
        );
    }
}
