//! What the feed source remembers across restarts: the items delivered (a
//! [`checkpoint::Ledger`] of `{feed, item}` lines, the newest
//! `remember_items` of each feed kept) and each feed's conditional-GET
//! validators (`validators.json`, replaced atomically).

use crate::sources::ledger::{self as checkpoint, write_atomically};
use newsflow_core::{BoxError, Outcome};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::path::{Path, PathBuf};

pub(super) const LEDGER_FILE: &str = "delivered.jsonl";
const VALIDATORS_FILE: &str = "validators.json";

/// A feed's conditional-GET validators.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(super) struct Validators {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(super) etag: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(super) last_modified: Option<String>,
}

/// One line of the delivered-items file.
#[derive(Debug, Serialize, Deserialize)]
struct LedgerLine {
    feed: String,
    item: String,
}

/// What the source remembers of one feed.
#[derive(Default)]
pub(super) struct FeedMemory {
    pub(super) delivered: HashSet<String>,
    /// Delivered ids, oldest first, to forget the oldest past the cap.
    order: VecDeque<String>,
    /// Emitted, not yet settled: not emitted again meanwhile.
    pub(super) in_flight: HashSet<String>,
    /// Validators in use: every item fetched with them is delivered.
    pub(super) validators: Validators,
    /// Validators of a later fetch, used once its items are delivered.
    pub(super) candidate: Option<Validators>,
}

/// Delivered items and validators, in memory and under the state directory.
pub(super) struct Ledger {
    dir: PathBuf,
    file: checkpoint::Ledger<LedgerLine>,
    pub(super) feeds: HashMap<String, FeedMemory>,
    remember: usize,
}

impl Ledger {
    pub(super) fn open(dir: &Path, remember: usize) -> Result<Ledger, BoxError> {
        let (file, lines) = checkpoint::Ledger::<LedgerLine>::open(&dir.join(LEDGER_FILE))?;
        let mut feeds: HashMap<String, FeedMemory> = HashMap::new();
        for LedgerLine { feed, item } in lines {
            let memory = feeds.entry(feed).or_default();
            if memory.delivered.insert(item.clone()) {
                memory.order.push_back(item);
            }
        }
        let validators_path = dir.join(VALIDATORS_FILE);
        match std::fs::read(&validators_path) {
            Ok(bytes) => {
                let saved: BTreeMap<String, Validators> = serde_json::from_slice(&bytes)
                    .map_err(|e| format!("cannot read {}: {e}", validators_path.display()))?;
                for (feed, validators) in saved {
                    feeds.entry(feed).or_default().validators = validators;
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(format!("cannot read {}: {e}", validators_path.display()).into()),
        }
        let mut ledger = Ledger {
            dir: dir.to_owned(),
            file,
            feeds,
            remember,
        };
        for memory in ledger.feeds.values_mut() {
            forget_oldest(memory, remember);
        }
        ledger.compact_if_large()?;
        Ok(ledger)
    }

    /// Rewrites the file with only what is remembered when it holds more
    /// than twice that (plus slack, so small files are left alone).
    fn compact_if_large(&mut self) -> std::io::Result<()> {
        let kept: usize = self.feeds.values().map(|m| m.order.len()).sum();
        if self.file.lines() <= 2 * kept + 1000 {
            return Ok(());
        }
        let lines: Vec<LedgerLine> = self
            .feeds
            .iter()
            .flat_map(|(feed, memory)| {
                memory.order.iter().map(|item| LedgerLine {
                    feed: feed.clone(),
                    item: item.clone(),
                })
            })
            .collect();
        self.file.rewrite(&lines)
    }

    /// Records how an emitted item's delivery ended.
    pub(super) fn settle(&mut self, feed: &str, item: &str, outcome: Outcome) {
        let memory = self.feeds.entry(feed.to_owned()).or_default();
        memory.in_flight.remove(item);
        if outcome.is_settled() {
            if memory.delivered.insert(item.to_owned()) {
                memory.order.push_back(item.to_owned());
                forget_oldest(memory, self.remember);
                self.append(feed, item);
            }
        } else {
            // Validators fetched with a failed item would hide it behind a
            // 304: drop them, the next fetch is made with the older ones.
            memory.candidate = None;
        }
        self.commit_validators(feed);
    }

    /// Appends one delivered item. Not synced: losing the line to a power
    /// failure only means the item is emitted again.
    fn append(&mut self, feed: &str, item: &str) {
        let line = LedgerLine {
            feed: feed.to_owned(),
            item: item.to_owned(),
        };
        if let Err(e) = self.file.append(&[line], false) {
            tracing::warn!(error = %e, dir = %self.dir.display(), "cannot record a delivered feed item; it may be emitted again after a restart");
        }
        if let Err(e) = self.compact_if_large() {
            tracing::warn!(error = %e, dir = %self.dir.display(), "cannot compact the delivered-items file");
        }
    }

    /// Makes a feed's candidate validators current once nothing fetched
    /// with them is still in flight, and saves them.
    pub(super) fn commit_validators(&mut self, feed: &str) {
        let Some(memory) = self.feeds.get_mut(feed) else {
            return;
        };
        if !memory.in_flight.is_empty() {
            return;
        }
        let Some(candidate) = memory.candidate.take() else {
            return;
        };
        if candidate == memory.validators {
            return;
        }
        memory.validators = candidate;
        let saved: BTreeMap<&String, &Validators> = self
            .feeds
            .iter()
            .filter(|(_, m)| m.validators != Validators::default())
            .map(|(feed, m)| (feed, &m.validators))
            .collect();
        let text = serde_json::to_vec_pretty(&saved).unwrap_or_default();
        if let Err(e) = write_atomically(&self.dir.join(VALIDATORS_FILE), &text) {
            tracing::warn!(error = %e, dir = %self.dir.display(), "cannot save the feed validators");
        }
    }
}

fn forget_oldest(memory: &mut FeedMemory, remember: usize) {
    while memory.order.len() > remember {
        if let Some(old) = memory.order.pop_front() {
            memory.delivered.remove(&old);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn validators(etag: &str) -> Validators {
        Validators {
            etag: Some(etag.to_owned()),
            last_modified: None,
        }
    }

    #[test]
    fn a_torn_line_is_skipped_and_delivered_items_are_remembered() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join(LEDGER_FILE),
            "{\"feed\":\"f\",\"item\":\"a\"}\n{\"feed\":\"f\",\"ite",
        )
        .unwrap();
        let mut ledger = Ledger::open(dir.path(), 100).unwrap();
        assert!(ledger.feeds["f"].delivered.contains("a"));
        ledger.settle("f", "b", Outcome::Delivered);
        ledger.settle("f", "c", Outcome::Failed);
        drop(ledger);
        let ledger = Ledger::open(dir.path(), 100).unwrap();
        let delivered = &ledger.feeds["f"].delivered;
        assert!(delivered.contains("a") && delivered.contains("b") && !delivered.contains("c"));
    }

    #[test]
    fn validators_wait_until_every_item_is_delivered() {
        let dir = tempfile::tempdir().unwrap();
        let mut ledger = Ledger::open(dir.path(), 100).unwrap();
        let memory = ledger.feeds.entry("f".into()).or_default();
        memory.in_flight.extend(["a".to_owned(), "b".to_owned()]);
        memory.candidate = Some(validators("v1"));
        ledger.settle("f", "a", Outcome::Delivered);
        assert_eq!(ledger.feeds["f"].validators, Validators::default());
        ledger.settle("f", "b", Outcome::Delivered);
        assert_eq!(ledger.feeds["f"].validators, validators("v1"));
        // A failed item drops the validators it was fetched with.
        let memory = ledger.feeds.get_mut("f").unwrap();
        memory.in_flight.insert("c".to_owned());
        memory.candidate = Some(validators("v2"));
        ledger.settle("f", "c", Outcome::Failed);
        assert_eq!(ledger.feeds["f"].validators, validators("v1"));
        drop(ledger);
        let ledger = Ledger::open(dir.path(), 100).unwrap();
        assert_eq!(ledger.feeds["f"].validators, validators("v1"));
    }

    #[test]
    fn the_ledger_forgets_the_oldest_and_compacts() {
        let dir = tempfile::tempdir().unwrap();
        let mut ledger = Ledger::open(dir.path(), 10).unwrap();
        for i in 0..2000 {
            ledger.settle("f", &format!("item{i}"), Outcome::Delivered);
        }
        assert_eq!(ledger.feeds["f"].delivered.len(), 10);
        assert!(ledger.feeds["f"].delivered.contains("item1999"));
        drop(ledger);
        let lines = std::fs::read_to_string(dir.path().join(LEDGER_FILE))
            .unwrap()
            .lines()
            .count();
        assert!(lines <= 2 * 10 + 1000 + 1, "{lines} lines");
        let ledger = Ledger::open(dir.path(), 10).unwrap();
        assert!(ledger.feeds["f"].delivered.contains("item1999"));
        assert!(!ledger.feeds["f"].delivered.contains("item0"));
    }
}
