//! The watched directory's checkpoint: which files (by path relative to the
//! directory, size and modification time) have had every article delivered.
//!
//! A [`checkpoint::Ledger`], synced after each group of entries; the last
//! entry for a path wins. It is compacted (rewritten to one line per file
//! still there) each time it is opened, so it grows only with the files
//! delivered since the last start.

use crate::sources::ledger as checkpoint;
use newsflow_core::BoxError;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::UNIX_EPOCH;

/// What identifies one version of a file: a changed file is read again.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub(super) struct Signature {
    size: u64,
    /// Nanoseconds since the Unix epoch (u64 lasts until 2554; serde's
    /// flatten cannot read u128).
    modified_ns: u64,
}

impl Signature {
    /// The file's signature now; `None` when it is gone or unreadable.
    pub(super) fn of(path: &Path) -> Option<Signature> {
        let meta = std::fs::metadata(path).ok()?;
        let modified_ns = u64::try_from(
            meta.modified()
                .ok()?
                .duration_since(UNIX_EPOCH)
                .ok()?
                .as_nanos(),
        )
        .ok()?;
        Some(Signature {
            size: meta.len(),
            modified_ns,
        })
    }
}

#[derive(Debug, Serialize, Deserialize)]
struct Entry {
    /// Path relative to the watched directory.
    path: PathBuf,
    #[serde(flatten)]
    signature: Signature,
}

/// Delivered files of one watched directory, by path relative to it.
#[derive(Debug)]
pub(super) struct Ledger {
    file: checkpoint::Ledger<Entry>,
    delivered: HashMap<PathBuf, Signature>,
}

impl Ledger {
    /// Opens (creating or compacting) the ledger kept in `state` for the
    /// directory `root` (canonical), configured as `configured`.
    ///
    /// Earlier versions recorded files the watcher reported by their
    /// absolute path (the working directory joined with `configured`):
    /// those entries are made relative. Entries whose file is gone, or that
    /// lie outside `root`, are dropped.
    pub(super) fn open(state: &Path, root: &Path, configured: &Path) -> Result<Ledger, BoxError> {
        let (mut file, entries) =
            checkpoint::Ledger::<Entry>::open(&state.join("delivered.jsonl"))?;
        let prefixes = [Some(root.to_owned()), std::path::absolute(configured).ok()];
        let mut delivered = HashMap::new();
        let mut outside = 0;
        for mut entry in entries {
            if entry.path.is_absolute() {
                let relative = prefixes
                    .iter()
                    .flatten()
                    .find_map(|prefix| entry.path.strip_prefix(prefix).ok());
                match relative {
                    Some(relative) => entry.path = relative.to_owned(),
                    None => {
                        outside += 1;
                        continue;
                    }
                }
            }
            delivered.insert(entry.path, entry.signature);
        }
        let before = delivered.len();
        delivered.retain(|path, _| {
            !matches!(
                std::fs::symlink_metadata(root.join(path)),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound
            )
        });
        let forgotten = before - delivered.len() + outside;
        if forgotten > 0 {
            tracing::info!(
                ledger = %file.path().display(), forgotten,
                "compacting: forgetting files no longer in the directory"
            );
        }
        let mut entries = entries_of(&delivered);
        entries.sort_by(|a, b| a.path.cmp(&b.path));
        file.rewrite(&entries)?;
        Ok(Ledger { file, delivered })
    }

    /// Whether this version of the file (`key`: relative to the directory)
    /// was delivered.
    pub(super) fn is_delivered(&self, key: &Path, signature: Signature) -> bool {
        self.delivered.get(key) == Some(&signature)
    }

    /// Records files (`key`, the version delivered) whose every article was
    /// delivered: appended, then synced once for all of them, so recording
    /// keeps up with sinks that commit many files a batch.
    pub(super) fn record_all(&mut self, files: &[(PathBuf, Signature)]) -> std::io::Result<()> {
        self.file
            .append(&entries_of(files.iter().map(|(p, s)| (p, s))), true)?;
        for (key, signature) in files {
            self.delivered.insert(key.clone(), *signature);
        }
        Ok(())
    }

    /// The ledger file, for messages.
    pub(super) fn file_path(&self) -> &Path {
        self.file.path()
    }
}

fn entries_of<'a>(files: impl IntoIterator<Item = (&'a PathBuf, &'a Signature)>) -> Vec<Entry> {
    files
        .into_iter()
        .map(|(path, signature)| Entry {
            path: path.clone(),
            signature: *signature,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    /// A directory `in` holding `a.txt`, and that file's signature.
    fn one_article() -> (tempfile::TempDir, PathBuf, PathBuf, Signature) {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("in");
        std::fs::create_dir(&root).unwrap();
        let article = root.join("a.txt");
        std::fs::write(&article, "body").unwrap();
        let signature = Signature::of(&article).unwrap();
        (dir, root, article, signature)
    }

    #[test]
    fn survives_a_reopen_and_a_torn_last_line() {
        let (dir, root, article, signature) = one_article();
        let state = dir.path().join("state");
        let mut ledger = Ledger::open(&state, &root, &root).unwrap();
        assert!(!ledger.is_delivered(Path::new("a.txt"), signature));
        ledger
            .record_all(&[(PathBuf::from("a.txt"), signature)])
            .unwrap();
        drop(ledger);
        // A crash in the middle of the next append.
        let mut f = std::fs::OpenOptions::new()
            .append(true)
            .open(state.join("delivered.jsonl"))
            .unwrap();
        f.write_all(b"{\"path\":\"b.t").unwrap();
        drop(f);
        let ledger = Ledger::open(&state, &root, &root).unwrap();
        assert!(ledger.is_delivered(Path::new("a.txt"), signature));
        std::fs::write(&article, "changed body").unwrap();
        assert!(!ledger.is_delivered(Path::new("a.txt"), Signature::of(&article).unwrap()));
        let text = std::fs::read_to_string(state.join("delivered.jsonl")).unwrap();
        assert_eq!(text.lines().count(), 1, "compacted on open: {text}");
    }

    #[test]
    fn absolute_paths_of_an_older_ledger_become_relative() {
        let (dir, root, article, signature) = one_article();
        let state = dir.path().join("state");
        std::fs::create_dir(&state).unwrap();
        // Written by a watcher that reported absolute paths.
        let old = serde_json::to_string(&Entry {
            path: article.clone(),
            signature,
        })
        .unwrap();
        std::fs::write(state.join("delivered.jsonl"), format!("{old}\n")).unwrap();
        let ledger = Ledger::open(&state, &root, &root).unwrap();
        assert!(ledger.is_delivered(Path::new("a.txt"), signature));
        let text = std::fs::read_to_string(state.join("delivered.jsonl")).unwrap();
        assert!(text.starts_with("{\"path\":\"a.txt\""), "{text}");
    }

    #[test]
    fn compaction_forgets_files_that_are_gone() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("in");
        std::fs::create_dir(&root).unwrap();
        let state = dir.path().join("state");
        let mut ledger = Ledger::open(&state, &root, &root).unwrap();
        for name in ["kept.txt", "gone.txt"] {
            let article = root.join(name);
            std::fs::write(&article, "body").unwrap();
            ledger
                .record_all(&[(PathBuf::from(name), Signature::of(&article).unwrap())])
                .unwrap();
        }
        drop(ledger);
        std::fs::remove_file(root.join("gone.txt")).unwrap();
        Ledger::open(&state, &root, &root).unwrap();
        let text = std::fs::read_to_string(state.join("delivered.jsonl")).unwrap();
        assert_eq!(text.lines().count(), 1, "{text}");
        assert!(text.contains("kept.txt"), "{text}");
    }
}
