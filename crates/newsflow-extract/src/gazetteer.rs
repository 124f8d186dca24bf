//! Gazetteers and word clusters: the lexical knowledge the entity tagger
//! uses as features.
//!
//! The lists (countries, cities, regions, demonyms, given names, surnames,
//! titles, organisation suffixes and keywords, ...) and the word clusters are
//! built from openly licensed registry packages by
//! `scripts/build_gazetteers.py`; `data/README.md` names each source and its
//! licence. They are embedded in the binary and parsed once, on first use.
//!
//! # Case handling
//!
//! Gazetteer entries keep their natural case ("Qatar", "Ltd", "al-",
//! "president"), and a token matches an entry spelled exactly like it. A
//! token written in capitals only ("QATAR", "AL-THANI", "LTD", as in
//! headlines) that has no exact entry is looked up once more title-cased
//! ("Qatar", "Al-Thani", "Ltd"). Lower-case tokens are never capitalised:
//! "nice" is not the city of Nice. Word clusters ignore case entirely.
//!
//! Lookups allocate nothing: keys borrow the embedded text, and the
//! title-cased or lower-cased form of a token is built in a stack buffer.

use rustc_hash::FxHashMap;
use std::fmt;
use std::sync::OnceLock;

/// A set of gazetteer lists, as bits.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct ListSet(u32);

impl ListSet {
    /// No list.
    pub const EMPTY: ListSet = ListSet(0);
    /// Country names, including common and historical ones ("Britain", "Zaire").
    pub const COUNTRY: ListSet = ListSet(1 << 0);
    /// Cities of 15,000 or more inhabitants.
    pub const CITY: ListSet = ListSet(1 << 1);
    /// National capitals (often stand for governments: "Washington said").
    pub const CAPITAL: ListSet = ListSet(1 << 2);
    /// Provinces, states, continents and world regions ("Gulf", "West Bank").
    pub const REGION: ListSet = ListSet(1 << 3);
    /// Nationalities and peoples ("Qatari", "Palestinians", "Kurdish").
    pub const DEMONYM: ListSet = ListSet(1 << 4);
    /// Religions and their adherents ("Muslim", "Shi'ite", "Catholic").
    pub const RELIGION: ListSet = ListSet(1 << 5);
    /// Given names across cultures ("Emine", "Tamim", "Ngozi").
    pub const GIVEN_NAME: ListSet = ListSet(1 << 6);
    /// Surnames.
    pub const SURNAME: ListSet = ListSet(1 << 7);
    /// Particles inside personal names ("bin", "al-", "van", "de").
    pub const NAME_PARTICLE: ListSet = ListSet(1 << 8);
    /// Titles and honorifics of people ("President", "Sheikh", "Gen.").
    pub const TITLE: ListSet = ListSet(1 << 9);
    /// Legal-form suffixes of companies ("Inc", "Ltd", "GmbH", "S.A.").
    pub const ORG_SUFFIX: ListSet = ListSet(1 << 10);
    /// Head nouns of organisation names ("Ministry", "Party", "University").
    pub const ORG_KEYWORD: ListSet = ListSet(1 << 11);
    /// Companies and platforms ("Meta Platforms", "Nvidia", "TikTok"): names
    /// the 1996 training text cannot know.
    pub const COMPANY: ListSet = ListSet(1 << 12);

    /// Every list with its name, in bit order (for feature strings and debugging).
    pub const NAMED: [(ListSet, &'static str); 13] = [
        (ListSet::COUNTRY, "country"),
        (ListSet::CITY, "city"),
        (ListSet::CAPITAL, "capital"),
        (ListSet::REGION, "region"),
        (ListSet::DEMONYM, "demonym"),
        (ListSet::RELIGION, "religion"),
        (ListSet::GIVEN_NAME, "given_name"),
        (ListSet::SURNAME, "surname"),
        (ListSet::NAME_PARTICLE, "name_particle"),
        (ListSet::TITLE, "title"),
        (ListSet::ORG_SUFFIX, "org_suffix"),
        (ListSet::ORG_KEYWORD, "org_keyword"),
        (ListSet::COMPANY, "company"),
    ];

    /// The raw bits, one per list (for compact feature keys).
    pub const fn bits(self) -> u32 {
        self.0
    }

    /// True when every list of `other` is in `self` (and `other` is not empty).
    pub const fn contains(self, other: ListSet) -> bool {
        other.0 != 0 && self.0 & other.0 == other.0
    }

    /// True when no list is set.
    pub const fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The lists of both sets.
    pub const fn union(self, other: ListSet) -> ListSet {
        ListSet(self.0 | other.0)
    }

    /// The single-list sets set in `self`, in bit order.
    pub fn iter(self) -> impl Iterator<Item = ListSet> {
        let mut rest = self.0;
        std::iter::from_fn(move || {
            if rest == 0 {
                return None;
            }
            let lowest = rest & rest.wrapping_neg();
            rest &= !lowest;
            Some(ListSet(lowest))
        })
    }

    /// The name of a single-list set ("city"); `None` for other sets.
    pub fn name(self) -> Option<&'static str> {
        ListSet::NAMED
            .iter()
            .find(|(set, _)| *set == self)
            .map(|(_, name)| *name)
    }
}

impl std::ops::BitOr for ListSet {
    type Output = ListSet;
    fn bitor(self, other: ListSet) -> ListSet {
        self.union(other)
    }
}

impl std::ops::BitOrAssign for ListSet {
    fn bitor_assign(&mut self, other: ListSet) {
        self.0 |= other.0;
    }
}

impl fmt::Debug for ListSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set()
            .entries(self.iter().map(|set| set.name().unwrap_or("?")))
            .finish()
    }
}

/// A run of tokens that spells a multi-token gazetteer entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PhraseMatch {
    /// Index of the first token.
    pub start: usize,
    /// Index one past the last token.
    pub end: usize,
    /// The lists the phrase is in.
    pub lists: ListSet,
}

/// Distributional classes of a word: k-means clusters of its word vector at
/// three granularities, nested (`k256 / 4 == k64`, `k1024 / 4 == k256`), and
/// the vector row itself, which groups a word with its nearest frequent word
/// (20,000 classes).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct WordClusters {
    /// Cluster among 64.
    pub k64: u16,
    /// Cluster among 256.
    pub k256: u16,
    /// Cluster among 1024.
    pub k1024: u16,
    /// Vector row among 20,000.
    pub vector_row: u16,
}

/// One gazetteer file and the list it fills.
struct ListFile {
    lists: ListSet,
    text: &'static str,
}

const LIST_FILES: [ListFile; 13] = [
    ListFile {
        lists: ListSet::COUNTRY,
        text: include_str!("../data/gazetteer/countries.txt"),
    },
    ListFile {
        lists: ListSet::CITY,
        text: include_str!("../data/gazetteer/cities.txt"),
    },
    ListFile {
        lists: ListSet::CAPITAL,
        text: include_str!("../data/gazetteer/capitals.txt"),
    },
    ListFile {
        lists: ListSet::REGION,
        text: include_str!("../data/gazetteer/regions.txt"),
    },
    ListFile {
        lists: ListSet::DEMONYM,
        text: include_str!("../data/gazetteer/demonyms.txt"),
    },
    ListFile {
        lists: ListSet::RELIGION,
        text: include_str!("../data/gazetteer/religions.txt"),
    },
    ListFile {
        lists: ListSet::GIVEN_NAME,
        text: include_str!("../data/gazetteer/given_names.txt"),
    },
    ListFile {
        lists: ListSet::SURNAME,
        text: include_str!("../data/gazetteer/surnames.txt"),
    },
    ListFile {
        lists: ListSet::NAME_PARTICLE,
        text: include_str!("../data/gazetteer/name_particles.txt"),
    },
    ListFile {
        lists: ListSet::TITLE,
        text: include_str!("../data/gazetteer/titles.txt"),
    },
    ListFile {
        lists: ListSet::ORG_SUFFIX,
        text: include_str!("../data/gazetteer/org_suffixes.txt"),
    },
    ListFile {
        lists: ListSet::ORG_KEYWORD,
        text: include_str!("../data/gazetteer/org_keywords.txt"),
    },
    ListFile {
        lists: ListSet::COMPANY,
        text: include_str!("../data/gazetteer/companies.txt"),
    },
];

const CLUSTER_ROWS: &str = include_str!("../data/clusters/rows.tsv");
const CLUSTER_WORDS: &str = include_str!("../data/clusters/words.tsv");

/// Marks a word that starts no phrase step.
const NO_PHRASE_TOKEN: u32 = u32::MAX;

/// Longest token or word form rebuilt on the stack for a case-folded lookup;
/// longer tokens are names of nothing in the lists.
const FOLD_BUFFER: usize = 128;

/// What the word table knows of one token spelling.
#[derive(Clone, Copy)]
struct WordEntry {
    /// Lists the token is an entry of, alone.
    lists: ListSet,
    /// Lists of the multi-word entries the token is the first word of.
    opens: ListSet,
    /// Its id in the phrase trie's alphabet, or `NO_PHRASE_TOKEN`.
    phrase_token: u32,
}

/// The gazetteer lists and word clusters.
pub struct Gazetteers {
    words: FxHashMap<&'static str, WordEntry>,
    /// Phrase trie: (node, token id) -> child node; node 0 is the root.
    edges: FxHashMap<(u32, u32), u32>,
    /// Lists of the phrase ending at each node (empty for inner nodes).
    node_lists: Vec<ListSet>,
    /// Distinct tokens seen in phrases (the next token id).
    phrase_tokens: u32,
    /// Token count of the longest phrase, bounding each match attempt.
    longest_phrase: usize,
    cluster_of_word: FxHashMap<&'static str, u16>,
    clusters_of_row: Vec<[u16; 3]>,
}

/// The lists and clusters shipped in this crate, parsed on first use.
pub fn bundled() -> &'static Gazetteers {
    static BUNDLED: OnceLock<Gazetteers> = OnceLock::new();
    BUNDLED.get_or_init(Gazetteers::parse_bundled)
}

/// Number of lines in `text` (an upper bound on its entries).
fn line_count(text: &str) -> usize {
    text.bytes().filter(|&b| b == b'\n').count()
}

/// Entry lines of a data file: comments (`#`) and blank lines skipped.
pub(crate) fn data_lines(text: &'static str) -> impl Iterator<Item = &'static str> {
    text.lines()
        .map(str::trim_end)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
}

impl Gazetteers {
    fn parse_bundled() -> Gazetteers {
        let mut gazetteers = Gazetteers {
            words: FxHashMap::default(),
            edges: FxHashMap::default(),
            node_lists: vec![ListSet::EMPTY],
            phrase_tokens: 0,
            longest_phrase: 0,
            cluster_of_word: FxHashMap::default(),
            clusters_of_row: Vec::new(),
        };
        // One entry per line: sizing the table from the line count up front
        // avoids rehashing a few hundred thousand keys while parsing.
        let entries: usize = LIST_FILES.iter().map(|file| line_count(file.text)).sum();
        gazetteers.words.reserve(entries);
        for file in &LIST_FILES {
            for entry in data_lines(file.text) {
                gazetteers.add_entry(entry, file.lists);
            }
        }
        gazetteers.parse_clusters();
        gazetteers
    }

    fn add_entry(&mut self, entry: &'static str, lists: ListSet) {
        let mut tokens = entry.split_whitespace();
        let (Some(first), Some(_)) = (tokens.next(), tokens.clone().next()) else {
            if let Some(word) = entry.split_whitespace().next() {
                self.word_entry(word).lists |= lists;
            }
            return;
        };
        self.word_entry(first).opens |= lists;
        let mut node = self.phrase_step_insert(0, first);
        let mut length = 1;
        for token in tokens {
            node = self.phrase_step_insert(node, token);
            length += 1;
        }
        self.node_lists[node as usize] |= lists;
        self.longest_phrase = self.longest_phrase.max(length);
    }

    fn word_entry(&mut self, word: &'static str) -> &mut WordEntry {
        self.words.entry(word).or_insert(WordEntry {
            lists: ListSet::EMPTY,
            opens: ListSet::EMPTY,
            phrase_token: NO_PHRASE_TOKEN,
        })
    }

    /// The child of `node` along `token`, created when missing.
    fn phrase_step_insert(&mut self, node: u32, token: &'static str) -> u32 {
        let next_token_id = self.phrase_tokens;
        let entry = self.word_entry(token);
        let is_new = entry.phrase_token == NO_PHRASE_TOKEN;
        if is_new {
            entry.phrase_token = next_token_id;
        }
        let token_id = entry.phrase_token;
        if is_new {
            self.phrase_tokens += 1;
        }
        let next_node = self.node_lists.len() as u32;
        let child = *self.edges.entry((node, token_id)).or_insert(next_node);
        if child == next_node {
            self.node_lists.push(ListSet::EMPTY);
        }
        child
    }

    fn parse_clusters(&mut self) {
        for line in data_lines(CLUSTER_ROWS) {
            let mut ids = [0u16; 3];
            for (slot, field) in ids.iter_mut().zip(line.split('\t')) {
                *slot = field.parse().expect("bundled cluster rows are numbers");
            }
            self.clusters_of_row.push(ids);
        }
        self.clusters_of_row.reserve(line_count(CLUSTER_ROWS));
        self.cluster_of_word.reserve(line_count(CLUSTER_WORDS));
        for line in data_lines(CLUSTER_WORDS) {
            let (word, row) = line
                .split_once('\t')
                .expect("bundled cluster words are word<TAB>row");
            let row: u16 = row.parse().expect("bundled vector rows are numbers");
            debug_assert!((row as usize) < self.clusters_of_row.len());
            self.cluster_of_word.insert(word, row);
        }
    }

    /// The entry for `word`: exact spelling, else its title-cased form when
    /// `word` is all capitals (see the module docs).
    fn lookup(&self, word: &str) -> Option<WordEntry> {
        if let Some(entry) = self.words.get(word) {
            return Some(*entry);
        }
        // Entries spell the apostrophe in ASCII ("Shi'ite", "O'Neill").
        let mut straight = [0u8; FOLD_BUFFER];
        let word = if !word.is_ascii() && word.contains('’') {
            let folded = straight_apostrophes(word, &mut straight)?;
            if let Some(entry) = self.words.get(folded) {
                return Some(*entry);
            }
            folded
        } else {
            word
        };
        // "O'NEILL" is "O'Neill" but "SHI'ITE" is "Shi'ite": try both.
        let mut buffer = [0u8; FOLD_BUFFER];
        let titled = title_case_of_capitals(word, true, &mut buffer)?;
        if let Some(entry) = self.words.get(titled) {
            return Some(*entry);
        }
        if !word.contains('\'') {
            return None;
        }
        let titled = title_case_of_capitals(word, false, &mut buffer)?;
        self.words.get(titled).copied()
    }

    /// Whether `word` is in any list, alone or as a word of a multi-word
    /// entry ("State" of "Secretary of State").
    pub fn knows(&self, word: &str) -> bool {
        self.lookup(word).is_some()
    }

    /// The lists of the multi-word entries `word` is the first word of
    /// ("Ford" opens the company "Ford Motor").
    pub fn opens(&self, word: &str) -> ListSet {
        self.lookup(word)
            .map_or(ListSet::EMPTY, |entry| entry.opens)
    }

    /// The lists `word` (one token) is an entry of, alone.
    pub fn word_lists(&self, word: &str) -> ListSet {
        self.lookup(word)
            .map_or(ListSet::EMPTY, |entry| entry.lists)
    }

    /// Whether `words`, whole, are an entry of one of `lists` ("New
    /// Zealand" of the countries, "Ford" of the companies).
    pub fn spells(&self, words: &[&str], lists: ListSet) -> bool {
        let any = |found: ListSet| found.bits() & lists.bits() != 0;
        match words {
            [] => false,
            [word] => any(self.word_lists(word)),
            _ => self
                .phrase_matches(words)
                .iter()
                .any(|m| m.start == 0 && m.end == words.len() && any(m.lists)),
        }
    }

    /// Multi-token entries spelled by `tokens`, leftmost-longest and
    /// non-overlapping: at each position the longest entry starting there
    /// wins, and matching resumes after it. Single-token entries are left to
    /// [`Gazetteers::word_lists`]. Time is linear in `tokens.len()` (each
    /// attempt is bounded by the longest entry).
    pub fn phrase_matches(&self, tokens: &[&str]) -> Vec<PhraseMatch> {
        let mut matches = Vec::new();
        let mut start = 0;
        while start < tokens.len() {
            match self.longest_phrase_at(tokens, start) {
                Some(found) => {
                    start = found.end;
                    matches.push(found);
                }
                None => start += 1,
            }
        }
        matches
    }

    fn longest_phrase_at(&self, tokens: &[&str], start: usize) -> Option<PhraseMatch> {
        let mut node = 0u32;
        let mut best = None;
        let stop = tokens.len().min(start.saturating_add(self.longest_phrase));
        for (end, token) in tokens.iter().enumerate().take(stop).skip(start) {
            let Some(entry) = self.lookup(token) else {
                break;
            };
            if entry.phrase_token == NO_PHRASE_TOKEN {
                break;
            }
            let Some(&child) = self.edges.get(&(node, entry.phrase_token)) else {
                break;
            };
            node = child;
            let lists = self.node_lists[node as usize];
            if !lists.is_empty() && end > start {
                best = Some(PhraseMatch {
                    start,
                    end: end + 1,
                    lists,
                });
            }
        }
        best
    }

    /// The distributional clusters of `word`, whatever its case; `None` for
    /// words outside the vector vocabulary (about 295,000 words).
    pub fn clusters(&self, word: &str) -> Option<WordClusters> {
        let row = match self.cluster_of_word.get(word) {
            Some(row) => *row,
            None => {
                let mut buffer = [0u8; FOLD_BUFFER];
                let lower = lower_case(word, &mut buffer)?;
                *self.cluster_of_word.get(lower)?
            }
        };
        let [k64, k256, k1024] = self.clusters_of_row[row as usize];
        Some(WordClusters {
            k64,
            k256,
            k1024,
            vector_row: row,
        })
    }
}

/// `word` with typographic apostrophes made ASCII, in `buffer`; `None` when
/// it does not fit.
fn straight_apostrophes<'b>(word: &str, buffer: &'b mut [u8; FOLD_BUFFER]) -> Option<&'b str> {
    let mut writer = StackWriter::new(buffer);
    for c in word.chars() {
        writer.push(if c == '’' { '\'' } else { c })?;
    }
    Some(writer.finish())
}

/// `word` lower-cased into `buffer`; `None` when it has no upper-case letter
/// (it was looked up already) or does not fit.
fn lower_case<'b>(word: &str, buffer: &'b mut [u8; FOLD_BUFFER]) -> Option<&'b str> {
    if !word.chars().any(char::is_uppercase) {
        return None;
    }
    let mut writer = StackWriter::new(buffer);
    for c in word.chars() {
        for lower in c.to_lowercase() {
            writer.push(lower)?;
        }
    }
    Some(writer.finish())
}

/// The title-cased form of an all-capitals `word` ("AL-THANI" ->
/// "Al-Thani") in `buffer`, with a capital after an apostrophe too when
/// `after_apostrophe`; `None` when `word` has a lower-case letter, fewer
/// than two letters, or does not fit.
fn title_case_of_capitals<'b>(
    word: &str,
    after_apostrophe: bool,
    buffer: &'b mut [u8; FOLD_BUFFER],
) -> Option<&'b str> {
    let mut letters = 0;
    for c in word.chars() {
        if c.is_lowercase() {
            return None;
        }
        if c.is_alphabetic() {
            letters += 1;
        }
    }
    if letters < 2 {
        return None;
    }
    let mut writer = StackWriter::new(buffer);
    let mut part_start = true;
    for c in word.chars() {
        if part_start {
            writer.push(c)?;
        } else {
            for lower in c.to_lowercase() {
                writer.push(lower)?;
            }
        }
        part_start = c == '-' || c == '.' || (after_apostrophe && c == '\'');
    }
    Some(writer.finish())
}

/// Appends UTF-8 into a fixed buffer.
struct StackWriter<'b> {
    buffer: &'b mut [u8; FOLD_BUFFER],
    len: usize,
}

impl<'b> StackWriter<'b> {
    fn new(buffer: &'b mut [u8; FOLD_BUFFER]) -> StackWriter<'b> {
        StackWriter { buffer, len: 0 }
    }

    /// Appends `c`; `None` when the buffer is full.
    fn push(&mut self, c: char) -> Option<()> {
        let width = c.len_utf8();
        let slot = self.buffer.get_mut(self.len..self.len + width)?;
        c.encode_utf8(slot);
        self.len += width;
        Some(())
    }

    fn finish(self) -> &'b str {
        std::str::from_utf8(&self.buffer[..self.len]).expect("only whole chars were written")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lists(word: &str) -> ListSet {
        bundled().word_lists(word)
    }

    #[test]
    fn places() {
        assert!(lists("Qatar").contains(ListSet::COUNTRY));
        assert!(lists("Doha").contains(ListSet::CITY));
        assert!(lists("Doha").contains(ListSet::CAPITAL));
        assert!(lists("Ankara").contains(ListSet::CAPITAL));
        assert!(lists("Lagos").contains(ListSet::CITY));
        assert!(lists("Texas").contains(ListSet::REGION));
        assert!(lists("Zaire").contains(ListSet::COUNTRY));
        assert!(!lists("Qatar").contains(ListSet::CITY));
    }

    #[test]
    fn people_and_organisations() {
        assert!(lists("Sheikh").contains(ListSet::TITLE));
        assert!(lists("Sheikha").contains(ListSet::TITLE));
        assert!(lists("Emir").contains(ListSet::TITLE));
        assert!(lists("Gen.").contains(ListSet::TITLE));
        assert!(lists("Emine").contains(ListSet::GIVEN_NAME));
        assert!(lists("Tamim").contains(ListSet::GIVEN_NAME));
        assert!(lists("Ngozi").contains(ListSet::GIVEN_NAME));
        assert!(lists("Nguyen").contains(ListSet::SURNAME));
        assert!(lists("Foundation").contains(ListSet::ORG_KEYWORD));
        assert!(lists("Ministry").contains(ListSet::ORG_KEYWORD));
        assert!(lists("Inc").contains(ListSet::ORG_SUFFIX));
        assert!(lists("GmbH").contains(ListSet::ORG_SUFFIX));
        assert!(lists("Qatari").contains(ListSet::DEMONYM));
        assert!(lists("Palestinians").contains(ListSet::DEMONYM));
        assert!(lists("bin").contains(ListSet::NAME_PARTICLE));
    }

    #[test]
    fn common_words_are_not_names() {
        for word in [
            "the", "The", "said", "Said", "of", "bank", "Monday", "He", "IN", "Germany",
        ] {
            assert!(!lists(word).contains(ListSet::GIVEN_NAME), "{word}");
            assert!(!lists(word).contains(ListSet::SURNAME), "{word}");
        }
        assert!(!lists("AS").contains(ListSet::ORG_SUFFIX));
        assert!(!lists("Police").contains(ListSet::CITY));
        assert!(lists("nice").is_empty());
        assert!(lists("").is_empty());
    }

    #[test]
    fn capitals_fall_back_to_title_case() {
        assert!(lists("QATAR").contains(ListSet::COUNTRY));
        assert!(lists("LTD").contains(ListSet::ORG_SUFFIX));
        assert!(lists("US").contains(ListSet::COUNTRY));
        assert_eq!(lists("qatar"), ListSet::EMPTY);
        assert!(lists("Shi’ite").contains(ListSet::RELIGION));
        assert!(lists("SHI’ITE").contains(ListSet::RELIGION));
    }

    #[test]
    fn phrases() {
        let g = bundled();
        let tokens = ["He", "flew", "from", "South", "Africa", "to", "Tel", "Aviv"];
        let found = g.phrase_matches(&tokens);
        let spans: Vec<_> = found.iter().map(|m| (m.start, m.end)).collect();
        assert_eq!(spans, vec![(3, 5), (6, 8)]);
        assert!(found[0].lists.contains(ListSet::COUNTRY));
        assert!(found[1].lists.contains(ListSet::CITY));

        let tokens = [
            "SAUDI", "ARABIA", "and", "the", "United", "Arab", "Emirates",
        ];
        let found = g.phrase_matches(&tokens);
        let spans: Vec<_> = found.iter().map(|m| (m.start, m.end)).collect();
        assert_eq!(spans, vec![(0, 2), (4, 7)]);

        let found = g.phrase_matches(&["Prime", "Minister", "Narendra", "Modi"]);
        assert_eq!((found[0].start, found[0].end), (0, 2));
        assert!(found[0].lists.contains(ListSet::TITLE));
    }

    #[test]
    fn longest_match_wins() {
        let g = bundled();
        let found = g.phrase_matches(&["New", "York", "City", "Hall"]);
        assert_eq!(found.len(), 1);
        assert_eq!((found[0].start, found[0].end), (0, 3));
        assert!(g.phrase_matches(&[]).is_empty());
        assert!(g.phrase_matches(&["South"]).is_empty());
    }

    #[test]
    fn clusters_ignore_case_and_group_similar_words() {
        let g = bundled();
        let qatar = g.clusters("Qatar").expect("Qatar has a vector");
        assert_eq!(g.clusters("QATAR"), Some(qatar));
        assert_eq!(g.clusters("qatar"), Some(qatar));
        assert_eq!(qatar.k256 / 4, qatar.k64);
        assert_eq!(qatar.k1024 / 4, qatar.k256);
        let kuwait = g.clusters("Kuwait").expect("Kuwait has a vector");
        let tuesday = g.clusters("Tuesday").expect("Tuesday has a vector");
        assert_eq!(qatar.k64, kuwait.k64);
        assert_ne!(qatar.k64, tuesday.k64);
        assert_eq!(g.clusters("zzqxjv"), None);
        assert_eq!(g.clusters(""), None);
    }

    #[test]
    fn hostile_input_does_not_panic() {
        let g = bundled();
        let long = "A".repeat(10_000);
        let digits = "9".repeat(5_000);
        let odd = [
            long.as_str(),
            digits.as_str(),
            "قطر",
            "e\u{301}\u{301}\u{301}",
            "\u{0}",
            "İSTANBUL",
            "ǅ",
            "ß",
        ];
        for word in odd {
            let _ = g.word_lists(word);
            let _ = g.clusters(word);
        }
        assert!(g.phrase_matches(&odd).is_empty());
        let many = vec!["South"; 100_000];
        assert!(g.phrase_matches(&many).is_empty());
    }

    #[test]
    fn list_set_operations() {
        let set = ListSet::CITY | ListSet::CAPITAL;
        assert!(set.contains(ListSet::CITY));
        assert!(set.contains(ListSet::CITY | ListSet::CAPITAL));
        assert!(!set.contains(ListSet::COUNTRY));
        assert!(!set.contains(ListSet::EMPTY));
        assert_eq!(
            set.iter().collect::<Vec<_>>(),
            vec![ListSet::CITY, ListSet::CAPITAL]
        );
        assert_eq!(format!("{set:?}"), r#"{"city", "capital"}"#);
        assert!(ListSet::EMPTY.is_empty());
        assert_eq!(
            ListSet::NAMED.len(),
            ListSet::NAMED
                .iter()
                .map(|(s, _)| s.0)
                .fold(0, |a, b| a | b)
                .count_ones() as usize
        );
    }
}
