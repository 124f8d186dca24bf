//! The articles `dedup` remembers, and how a new one is matched against
//! them: exactly (id, normalised URL, body) through hash maps, nearly
//! through MinHash signatures indexed by LSH bands.
//!
//! Memory is bounded by the window: each remembered article holds its id, a
//! 128-byte signature, a few hashes, and at most one map slot per hash and
//! per band (a band key keeps only its latest article), all given back when
//! it leaves the window.

use super::text::{self, Signature, SIGNATURE_ROWS};
use newsflow_core::Article;
use std::collections::{HashMap, VecDeque};
use std::time::Duration;

/// How the window decides and forgets.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Settings {
    /// The similarity (see [`text::similarity`]) at or above which an
    /// article is a near-duplicate.
    pub threshold: f64,
    /// Articles remembered at most.
    pub window: usize,
    /// Articles seen longer ago than this are forgotten.
    pub max_age: Duration,
}

/// What the window says of an article.
#[derive(Debug, Clone, PartialEq)]
pub struct Verdict {
    /// The id of the first article of its story; `None` when it is the first.
    pub duplicate_of: Option<String>,
    /// How similar it is to that article: 1 for an exact duplicate (same
    /// id, URL or body).
    pub similarity: f64,
}

/// One remembered article.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub(crate) struct Entry {
    /// When it was seen, in seconds since the Unix epoch.
    #[serde(rename = "t")]
    pub(crate) time: u64,
    pub(crate) id: Box<str>,
    /// Its normalised URL's hash; 0 without one.
    pub(crate) url: u64,
    pub(crate) body: u64,
    /// Distinct shingles in its body.
    #[serde(rename = "n")]
    pub(crate) shingles: u32,
    #[serde(rename = "sig", with = "hex_signature")]
    pub(crate) signature: Signature,
    /// The verdict it was given, repeated when the same article comes again.
    #[serde(rename = "dup", default, skip_serializing_if = "Option::is_none")]
    pub(crate) duplicate_of: Option<Box<str>>,
    #[serde(rename = "sim", default)]
    pub(crate) similarity: f32,
}

impl Entry {
    /// The id of the first article of its story.
    fn root(&self) -> &str {
        self.duplicate_of.as_deref().unwrap_or(&self.id)
    }

    fn verdict(&self) -> Verdict {
        Verdict {
            duplicate_of: self.duplicate_of.as_deref().map(str::to_owned),
            similarity: f64::from(self.similarity),
        }
    }
}

/// The remembered articles, oldest first, with their indexes. An article's
/// sequence number is its place since the window began (wrapping at 2^32;
/// the window is far smaller).
#[derive(Debug)]
pub struct Window {
    settings: Settings,
    entries: VecDeque<Entry>,
    /// The sequence number of `entries[0]`.
    first: u32,
    by_id: HashMap<u64, u32>,
    by_url: HashMap<u64, u32>,
    by_body: HashMap<u64, u32>,
    by_band: HashMap<u32, u32>,
}

impl Window {
    /// An empty window.
    pub fn new(settings: Settings) -> Window {
        Window {
            settings,
            entries: VecDeque::new(),
            first: 0,
            by_id: HashMap::new(),
            by_url: HashMap::new(),
            by_body: HashMap::new(),
            by_band: HashMap::new(),
        }
    }

    /// Articles remembered now.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether nothing is remembered.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Judges `article`, seen at `now` (seconds since the epoch), and
    /// remembers it; the same article seen again (same id and body) gets
    /// the verdict it had the first time.
    pub fn verdict(&mut self, article: &Article, now: u64) -> Verdict {
        self.judge(article, now).0
    }

    /// Judges `article`, seen at `now` (seconds since the epoch), and
    /// remembers it; returns the verdict and the entry to save, or `None`
    /// for the same article seen again (same id and body: a source sending
    /// it again after a failed delivery, or a replay), which gets the
    /// verdict it had the first time.
    pub(crate) fn judge(&mut self, article: &Article, now: u64) -> (Verdict, Option<&Entry>) {
        self.forget(now, 0);
        let id = text::hash_bytes(article.id.as_bytes());
        let url = article
            .url
            .as_deref()
            .and_then(text::normalise_url)
            .map_or(0, |u| text::hash_bytes(u.as_bytes()).max(1));
        let body = text::body_hash(&article.body);
        if let Some(seen) = self.get(&self.by_id, id) {
            if seen.body == body && *seen.id == *article.id {
                return (seen.verdict(), None);
            }
        }
        let shingles = text::shingles(&article.body);
        let signature = text::signature(&shingles);
        let exact = [
            (&self.by_id, id),
            (&self.by_url, url),
            (&self.by_body, body),
        ]
        .into_iter()
        .filter(|(_, key)| *key != 0)
        .find_map(|(map, key)| self.get(map, key));
        let found = match exact {
            Some(seen) => Some((seen.root().to_owned(), 1.0)),
            None => self.nearest(&signature, shingles.len() as u32),
        };
        let (duplicate_of, similarity) = match found {
            Some((root, similarity)) => (Some(root.into_boxed_str()), similarity),
            None => (None, 0.0),
        };
        let entry = Entry {
            time: now,
            id: article.id.as_str().into(),
            url,
            body,
            shingles: shingles.len() as u32,
            signature,
            duplicate_of,
            similarity: similarity as f32,
        };
        let verdict = entry.verdict();
        self.remember(entry);
        (verdict, self.entries.back())
    }

    /// Takes back an entry saved earlier (at start, from the state file),
    /// as if it had just been judged.
    pub(crate) fn restore(&mut self, entry: Entry, now: u64) {
        if entry.time.saturating_add(self.settings.max_age.as_secs()) >= now {
            self.remember(entry);
        }
        self.forget(now, 0);
    }

    /// The entries remembered, oldest first.
    pub(crate) fn entries(&self) -> impl Iterator<Item = &Entry> {
        self.entries.iter()
    }

    /// The best near match at or above the threshold: its story's first id
    /// and the similarity.
    fn nearest(&self, signature: &Signature, shingles: u32) -> Option<(String, f64)> {
        let mut best: Option<(u32, f64)> = None;
        let mut checked: Vec<u32> = Vec::new();
        for key in text::band_keys(signature) {
            let Some(&seq) = self.by_band.get(&key) else {
                continue;
            };
            if checked.contains(&seq) {
                continue;
            }
            checked.push(seq);
            let Some(seen) = self.at(seq) else { continue };
            let j = text::jaccard(signature, &seen.signature);
            let similarity = text::similarity(j, shingles, seen.shingles);
            if similarity >= self.settings.threshold && best.is_none_or(|(_, s)| similarity > s) {
                best = Some((seq, similarity));
            }
        }
        let (seq, similarity) = best?;
        Some((self.at(seq)?.root().to_owned(), similarity))
    }

    fn at(&self, seq: u32) -> Option<&Entry> {
        self.entries.get(seq.wrapping_sub(self.first) as usize)
    }

    fn get(&self, map: &HashMap<u64, u32>, key: u64) -> Option<&Entry> {
        map.get(&key).and_then(|seq| self.at(*seq))
    }

    fn remember(&mut self, entry: Entry) {
        // Room first, so the window never holds more than its size.
        self.forget(entry.time, 1);
        let seq = self.first.wrapping_add(self.entries.len() as u32);
        self.by_id
            .insert(text::hash_bytes(entry.id.as_bytes()), seq);
        if entry.url != 0 {
            self.by_url.insert(entry.url, seq);
        }
        self.by_body.insert(entry.body, seq);
        for key in text::band_keys(&entry.signature) {
            self.by_band.insert(key, seq);
        }
        self.entries.push_back(entry);
    }

    /// Forgets the oldest entries until `room` more fit and none is older
    /// than `max_age` at `now`.
    fn forget(&mut self, now: u64, room: usize) {
        let oldest = now.saturating_sub(self.settings.max_age.as_secs());
        while let Some(front) = self.entries.front() {
            if front.time >= oldest && self.entries.len() + room <= self.settings.window {
                break;
            }
            let front = self.entries.pop_front().expect("a front entry");
            let seq = self.first;
            self.first = self.first.wrapping_add(1);
            release(&mut self.by_id, text::hash_bytes(front.id.as_bytes()), seq);
            release(&mut self.by_url, front.url, seq);
            release(&mut self.by_body, front.body, seq);
            for key in text::band_keys(&front.signature) {
                release(&mut self.by_band, key, seq);
            }
        }
        // Give back the maps' room after a large eviction (a shrunk window).
        if self.entries.capacity() > 4 * self.entries.len().max(1024) {
            self.entries.shrink_to_fit();
        }
    }
}

/// Removes `key` from `map` if it still points at `seq`: a key a later
/// entry took over stays.
fn release<K: std::hash::Hash + Eq>(map: &mut HashMap<K, u32>, key: K, seq: u32) {
    if map.get(&key) == Some(&seq) {
        map.remove(&key);
    }
}

/// A signature written as hex, four digits a row.
mod hex_signature {
    use super::{Signature, SIGNATURE_ROWS};
    use serde::{de::Error, Deserialize, Deserializer, Serializer};

    pub(crate) fn serialize<S: Serializer>(sig: &Signature, s: S) -> Result<S::Ok, S::Error> {
        let text: String = sig.iter().map(|row| format!("{row:04x}")).collect();
        s.serialize_str(&text)
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Signature, D::Error> {
        let text = String::deserialize(d)?;
        if text.len() != SIGNATURE_ROWS * 4 || !text.is_ascii() {
            return Err(D::Error::custom("a signature is 256 hex digits"));
        }
        let mut sig = [0u16; SIGNATURE_ROWS];
        for (i, row) in sig.iter_mut().enumerate() {
            *row = u16::from_str_radix(&text[i * 4..i * 4 + 4], 16).map_err(D::Error::custom)?;
        }
        Ok(sig)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn settings(window: usize) -> Settings {
        Settings {
            threshold: 0.5,
            window,
            max_age: Duration::from_secs(3600),
        }
    }

    fn article(id: &str, body: &str, url: Option<&str>) -> Article {
        Article::from_value(json!({ "id": id, "body": body, "url": url })).unwrap()
    }

    fn story(words: std::ops::Range<usize>) -> String {
        words.map(|i| format!("word{i} ")).collect()
    }

    #[test]
    fn exact_and_near_duplicates_point_at_the_first() {
        let mut w = Window::new(settings(100));
        let first = w
            .judge(
                &article("a", &story(0..300), Some("https://x.com/a?utm_source=t")),
                10,
            )
            .0;
        assert_eq!(first.duplicate_of, None);
        let by_url = w
            .judge(&article("b", "other text", Some("https://www.x.com/a")), 11)
            .0;
        assert_eq!(by_url.duplicate_of.as_deref(), Some("a"));
        let by_body = w
            .judge(&article("c", &story(0..300).to_uppercase(), None), 12)
            .0;
        assert_eq!(
            (by_body.duplicate_of.as_deref(), by_body.similarity),
            (Some("a"), 1.0)
        );
        let near = w.judge(&article("d", &story(0..180), None), 13).0;
        assert_eq!(near.duplicate_of.as_deref(), Some("a"));
        assert!(near.similarity >= 0.5);
        let distinct = w.judge(&article("e", &story(1000..1300), None), 14).0;
        assert_eq!(distinct.duplicate_of, None);
    }

    #[test]
    fn the_same_article_again_keeps_its_verdict() {
        let mut w = Window::new(settings(100));
        w.judge(&article("a", &story(0..100), None), 1);
        let (dup, saved) = w.judge(&article("b", &story(0..100), None), 2);
        assert_eq!(dup.duplicate_of.as_deref(), Some("a"));
        assert!(saved.is_some());
        let (again, saved) = w.judge(&article("a", &story(0..100), None), 3);
        assert_eq!(
            (again.duplicate_of, saved),
            (None, None),
            "a redelivery is no copy of itself"
        );
        let (again, _) = w.judge(&article("b", &story(0..100), None), 3);
        assert_eq!(again.duplicate_of.as_deref(), Some("a"));
        let (update, _) = w.judge(&article("a", &story(500..600), None), 4);
        assert_eq!(
            update.duplicate_of.as_deref(),
            Some("a"),
            "same id, new body"
        );
    }

    #[test]
    fn the_window_forgets_by_count_and_age() {
        let mut w = Window::new(settings(3));
        for (i, t) in [(0, 1), (1, 2), (2, 3), (3, 4)] {
            w.judge(
                &article(&format!("s{i}"), &story(i * 100..i * 100 + 100), None),
                t,
            );
        }
        assert_eq!(w.len(), 3);
        let forgotten = w.judge(&article("again", &story(0..100), None), 5).0;
        assert_eq!(forgotten.duplicate_of, None, "the oldest was forgotten");
        let kept = w.judge(&article("again2", &story(300..400), None), 6).0;
        assert_eq!(kept.duplicate_of.as_deref(), Some("s3"));
        let later = w
            .judge(&article("late", &story(300..400), None), 6 + 3601)
            .0;
        assert_eq!(later.duplicate_of, None, "older than max_age");
        assert_eq!(w.len(), 1);
        assert!(w.by_band.len() <= 32 && w.by_body.len() == 1 && w.by_id.len() == 1);
    }

    #[test]
    fn an_entry_round_trips_through_json() {
        let mut w = Window::new(settings(10));
        let (_, entry) = w.judge(&article("a", &story(0..50), Some("https://x.com/")), 1);
        let entry = entry.unwrap().clone();
        let text = serde_json::to_string(&entry).unwrap();
        assert_eq!(serde_json::from_str::<Entry>(&text).unwrap(), entry);
        assert!(entry.signature.len() == SIGNATURE_ROWS);
    }
}
