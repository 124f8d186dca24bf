//! The append-only checkpoint file of the sources that remember what they
//! delivered (`dir`, `feed`): JSON Lines, one entry a line, the last entry
//! for a key wins.
//!
//! A torn last line (a crash in the middle of an append) is cut off when
//! the file is opened, so the next append is not glued to it; any line that
//! cannot be read is skipped with a warning, and at worst an article is read
//! again (at least once, never lost). Compaction writes the entries still
//! wanted to a new file and renames it into place: a crash leaves the old
//! file or the new one, never half of one.

use newsflow_core::BoxError;
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::io::{self, Write};
use std::marker::PhantomData;
use std::path::{Path, PathBuf};

/// An open ledger of entries of type `E`.
#[derive(Debug)]
pub(crate) struct Ledger<E> {
    path: PathBuf,
    file: std::fs::File,
    /// Lines in the file, to tell when it is worth compacting.
    lines: usize,
    entry: PhantomData<fn(E)>,
}

impl<E: Serialize + DeserializeOwned> Ledger<E> {
    /// Opens the ledger at `path` (creating it and its directory), with the
    /// entries it holds, oldest first.
    pub(crate) fn open(path: &Path) -> Result<(Ledger<E>, Vec<E>), BoxError> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)
                .map_err(|e| format!("cannot create the state directory {}: {e}", dir.display()))?;
        }
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(e) if e.kind() == io::ErrorKind::NotFound => String::new(),
            Err(e) => return Err(format!("cannot read {}: {e}", path.display()).into()),
        };
        let whole = text.rfind('\n').map_or(0, |end| end + 1);
        let file = open_append(path)?;
        if whole < text.len() {
            file.set_len(whole as u64)?;
        }
        let mut entries = Vec::new();
        let mut lines = 0;
        for (number, line) in text[..whole].lines().enumerate() {
            lines += 1;
            match serde_json::from_str(line) {
                Ok(entry) => entries.push(entry),
                Err(e) => tracing::warn!(
                    ledger = %path.display(), line = number + 1, error = %e,
                    "skipping an unreadable ledger line"
                ),
            }
        }
        let ledger = Ledger {
            path: path.to_owned(),
            file,
            lines,
            entry: PhantomData,
        };
        Ok((ledger, entries))
    }

    /// Appends `entries` in one write; with `sync`, they are on disk when
    /// it returns (else a power failure may lose them, and their articles
    /// are read again).
    pub(crate) fn append(&mut self, entries: &[E], sync: bool) -> io::Result<()> {
        let mut text = Vec::new();
        for entry in entries {
            serde_json::to_writer(&mut text, entry)?;
            text.push(b'\n');
        }
        self.file.write_all(&text)?;
        if sync {
            self.file.sync_data()?;
        }
        self.lines += entries.len();
        Ok(())
    }

    /// Replaces the file's content with `entries` (compaction).
    pub(crate) fn rewrite<'a>(&mut self, entries: impl IntoIterator<Item = &'a E>) -> io::Result<()>
    where
        E: 'a,
    {
        let mut text = Vec::new();
        let mut lines = 0;
        for entry in entries {
            serde_json::to_writer(&mut text, entry)?;
            text.push(b'\n');
            lines += 1;
        }
        write_atomically(&self.path, &text)?;
        self.file = open_append(&self.path)?;
        self.lines = lines;
        Ok(())
    }

    /// The lines the file holds.
    pub(crate) fn lines(&self) -> usize {
        self.lines
    }

    /// The file, for messages.
    pub(crate) fn path(&self) -> &Path {
        &self.path
    }
}

fn open_append(path: &Path) -> io::Result<std::fs::File> {
    std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
}

/// Replaces `path` with `bytes` so a crash leaves the old or the new file,
/// never half of one.
pub(crate) fn write_atomically(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let mut temporary = path.as_os_str().to_owned();
    temporary.push(".tmp");
    let temporary = PathBuf::from(temporary);
    let mut file = std::fs::File::create(&temporary)?;
    file.write_all(bytes)?;
    file.sync_all()?;
    std::fs::rename(&temporary, path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_torn_last_line_is_cut_and_the_next_append_is_whole() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state/ledger.jsonl");
        let (mut ledger, entries) = Ledger::<String>::open(&path).unwrap();
        assert!(entries.is_empty());
        ledger.append(&["a".into(), "b".into()], true).unwrap();
        drop(ledger);
        let mut file = open_append(&path).unwrap();
        file.write_all(b"\"c").unwrap();
        drop(file);
        let (mut ledger, entries) = Ledger::<String>::open(&path).unwrap();
        assert_eq!(entries, ["a", "b"]);
        ledger.append(&["d".into()], false).unwrap();
        drop(ledger);
        let (ledger, entries) = Ledger::<String>::open(&path).unwrap();
        assert_eq!(entries, ["a", "b", "d"]);
        assert_eq!(ledger.lines(), 3);
    }

    #[test]
    fn unreadable_lines_are_skipped_and_a_rewrite_compacts() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ledger.jsonl");
        std::fs::write(&path, "\"a\"\n{oops\n\"b\"\n").unwrap();
        let (mut ledger, entries) = Ledger::<String>::open(&path).unwrap();
        assert_eq!(entries, ["a", "b"]);
        ledger.rewrite(&["b".to_owned()]).unwrap();
        ledger.append(&["c".into()], true).unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "\"b\"\n\"c\"\n");
        assert_eq!(ledger.lines(), 2);
        assert!(!dir.path().join("ledger.jsonl.tmp").exists());
    }
}
