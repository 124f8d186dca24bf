//! `dir`: articles from a directory, read recursively in sorted path order.
//!
//! `.txt` files are bodies (the file stem is the id), `.json` files hold one
//! article object, `.jsonl` files one per line. Other files are skipped, and
//! so are hidden files (`.name`) and files ending `.tmp` or `.part`, which
//! writers use before renaming a finished file into place, and symbolic
//! links unless `follow_symlinks` allows them (see `tree.rs`). Each skipped
//! entry is logged once, at info, with the reason.
//!
//! Without `watch` the directory is replayed once and the source ends. With
//! `watch = true` it keeps watching for new and changed files and keeps a
//! ledger of the files whose every article has been delivered, so that a
//! restart emits only what was not yet delivered.

mod ledger;
mod tree;
mod watch;

use super::{default_max_article_bytes, emit_json_with, emit_with};
use newsflow_core::codec::{self, next_line, Line};
use newsflow_core::{
    BoxError, BuildContext, Closed, DeadLetter, Delivery, Gauge, Source, SourceConfig,
    SourceContext, OVERSIZED_RAW_KEPT,
};
use serde::Deserialize;
use std::io;
use std::num::NonZeroUsize;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::AsyncReadExt;
use tree::{log_skip, Entry, Format, Tree};

/// `type = "dir"`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DirConfig {
    /// The directory to read (relative to the working directory, or
    /// absolute); canonicalised at start.
    pub path: PathBuf,
    /// Keep watching for new and changed files instead of ending after one pass.
    #[serde(default)]
    pub watch: bool,
    /// With `watch`: how long a file must stay unchanged before it is read
    /// (a file renamed into the directory is read at once).
    #[serde(default = "default_settle_ms")]
    pub settle_ms: u64,
    /// Read symbolic links to files whose target is inside `path`. Off:
    /// every link is skipped. Links to directories are never followed.
    #[serde(default)]
    pub follow_symlinks: bool,
    /// A `.txt` or `.json` file, or a `.jsonl` line, longer than this is
    /// not read but dead-lettered with its first KiB.
    #[serde(default = "default_max_article_bytes")]
    pub max_article_bytes: NonZeroUsize,
}

fn default_settle_ms() -> u64 {
    1000
}

impl SourceConfig for DirConfig {
    fn checkpoints(&self) -> bool {
        self.watch
    }

    fn build(&self, cx: &BuildContext) -> Result<Box<dyn Source>, BoxError> {
        let tree = Tree::new(&self.path, self.follow_symlinks)?;
        let watch = if self.watch {
            Some(watch::Watch {
                ledger: Arc::new(Mutex::new(ledger::Ledger::open(
                    &cx.state_path(),
                    tree.root(),
                    &self.path,
                )?)),
                settle: Duration::from_millis(self.settle_ms),
            })
        } else {
            None
        };
        Ok(Box::new(DirSource {
            tree,
            limit: self.max_article_bytes.get(),
            watch,
            backlog: cx.backlog.clone(),
        }))
    }
}

struct DirSource {
    tree: Tree,
    /// `max_article_bytes`.
    limit: usize,
    watch: Option<watch::Watch>,
    /// Files found and not read yet, for `/metrics` and the progress bar.
    backlog: Gauge,
}

#[async_trait::async_trait]
impl Source for DirSource {
    async fn run(self: Box<Self>, cx: SourceContext) -> Result<(), BoxError> {
        match self.watch {
            Some(watch) => watch.run(self.tree, self.limit, &self.backlog, cx).await,
            None => replay(&self.tree, self.limit, &self.backlog, cx).await,
        }
    }
}

/// Lists the article files under the directory off the runtime's threads,
/// logging each skipped entry; returns them and the skipped entries' keys.
async fn list(tree: &Tree, source: &str) -> Result<(Vec<Entry>, Vec<PathBuf>), BoxError> {
    let (owned, name) = (tree.clone(), source.to_owned());
    let (entries, skipped) =
        tokio::task::spawn_blocking(move || owned.list(owned.root(), &name)).await?;
    let skipped = skipped
        .into_iter()
        .map(|(key, skip)| {
            log_skip(source, &tree.shown(&key), &skip);
            key
        })
        .collect();
    Ok((entries, skipped))
}

async fn replay(
    tree: &Tree,
    limit: usize,
    backlog: &Gauge,
    cx: SourceContext,
) -> Result<(), BoxError> {
    let (files, _) = list(tree, &cx.name).await?;
    tracing::info!(source = %cx.name, files = files.len(), dir = %tree.shown_root().display(), "replaying");
    for (read_before, entry) in files.iter().enumerate() {
        let unread = (files.len() - read_before) as u64;
        backlog.set(unread);
        if cx.shutdown.is_cancelled() {
            tracing::info!(source = %cx.name, "stopped before the end of the directory");
            break;
        }
        let shown = tree.shown(&entry.key);
        // From its first article on, the file counts by its articles.
        let mut delivery = || {
            backlog.set(unread - 1);
            cx.delivery()
        };
        let read = read_file(&cx, entry, &shown, limit, &mut delivery).await;
        backlog.set(unread - 1);
        let sent = match read {
            Ok(_) => Ok(()),
            Err(Failure::Closed) => Err(Closed),
            Err(Failure::Unreadable { error, line }) => {
                dead_letter_unreadable(&cx, &shown, line, &error, cx.delivery()).await
            }
        };
        if sent.is_err() {
            return Err("the pipeline downstream stopped".into());
        }
    }
    Ok(())
}

/// Whether a file was read to its end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Read {
    Whole,
    /// A stop came in the middle of a JSON Lines file.
    Partly,
}

/// Why a file's articles were not all emitted.
#[derive(Debug)]
enum Failure {
    /// The pipeline downstream stopped.
    Closed,
    /// The file could not be opened or read; `line` is the JSON Lines line
    /// the reading stopped at (the lines before it were emitted).
    Unreadable {
        error: io::Error,
        line: Option<usize>,
    },
}

impl From<Closed> for Failure {
    fn from(_: Closed) -> Failure {
        Failure::Closed
    }
}

/// Dead-letters a file that cannot be read (or the rest of a JSON Lines
/// file from `line` on), naming it and why.
async fn dead_letter_unreadable(
    cx: &SourceContext,
    shown: &Path,
    line: Option<usize>,
    error: &io::Error,
    delivery: Delivery,
) -> Result<(), Closed> {
    let (location, reason) = match line {
        Some(line) => (
            format!("{}:{line}", shown.display()),
            format!("cannot read the file from this line on: {error}"),
        ),
        None => (
            shown.display().to_string(),
            format!("cannot read the file: {error}"),
        ),
    };
    let letter = DeadLetter::from_bytes(&cx.name, Some(location), reason, b"");
    cx.dead_letters.send(letter, delivery).await
}

/// Emits every article of one file, each with a token from `delivery`;
/// input over `limit` bytes is dead-lettered without being read whole.
async fn read_file(
    cx: &SourceContext,
    entry: &Entry,
    shown: &Path,
    limit: usize,
    delivery: &mut (dyn FnMut() -> Delivery + Send),
) -> Result<Read, Failure> {
    let unreadable = |error| Failure::Unreadable { error, line: None };
    let target = entry.target.clone();
    let (file, size) = tokio::task::spawn_blocking(move || tree::open(&target))
        .await
        .map_err(|e| unreadable(io::Error::other(e)))?
        .map_err(unreadable)?;
    let file = tokio::fs::File::from_std(file);
    let origin = shown.display().to_string();
    if entry.format == Format::JsonLines {
        return read_json_lines(cx, file, &origin, limit, delivery).await;
    }
    match read_whole(file, size, limit).await.map_err(unreadable)? {
        Whole::Read(raw) if entry.format == Format::Text => {
            let id = entry
                .key
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default();
            let parsed = codec::decode_text(id, &raw);
            emit_with(cx, parsed, &raw, origin, delivery()).await?;
        }
        Whole::Read(raw) => emit_json_with(cx, &raw, &origin, None, delivery()).await?,
        Whole::Oversized { size, start } => {
            let letter = DeadLetter::oversized(&cx.name, Some(origin), size, limit, &start);
            cx.dead_letters.send(letter, delivery()).await?;
        }
    }
    Ok(Read::Whole)
}

/// A whole file's bytes, or the start of a file over the limit.
enum Whole {
    Read(Vec<u8>),
    Oversized { size: u64, start: Vec<u8> },
}

async fn read_whole(file: tokio::fs::File, size: u64, limit: usize) -> io::Result<Whole> {
    let kept = OVERSIZED_RAW_KEPT as u64;
    if size > limit as u64 {
        let mut start = Vec::new();
        file.take(kept).read_to_end(&mut start).await?;
        return Ok(Whole::Oversized { size, start });
    }
    // The file may have grown since: never read past the limit.
    let mut raw = Vec::with_capacity(size as usize);
    let mut file = file.take(limit as u64 + 1);
    file.read_to_end(&mut raw).await?;
    if raw.len() > limit {
        let size = file.get_ref().metadata().await.map_or(0, |m| m.len());
        raw.truncate(OVERSIZED_RAW_KEPT);
        return Ok(Whole::Oversized {
            size: size.max(limit as u64 + 1),
            start: raw,
        });
    }
    Ok(Whole::Read(raw))
}

async fn read_json_lines(
    cx: &SourceContext,
    file: tokio::fs::File,
    origin: &str,
    limit: usize,
    delivery: &mut (dyn FnMut() -> Delivery + Send),
) -> Result<Read, Failure> {
    let mut reader = tokio::io::BufReader::new(file);
    let mut line = Vec::new();
    let mut number = 0;
    loop {
        let next = next_line(&mut reader, &mut line, limit)
            .await
            .map_err(|error| Failure::Unreadable {
                error,
                line: Some(number + 1),
            })?;
        number += 1;
        let oversized = match next {
            Line::End => return Ok(Read::Whole),
            Line::Whole => None,
            Line::TooLong(size) => Some(size),
        };
        let record = line.strip_suffix(b"\r").unwrap_or(&line);
        if oversized.is_none() && record.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        match oversized {
            None => emit_json_with(cx, record, origin, Some(number), delivery()).await?,
            Some(size) => {
                let location = Some(format!("{origin}:{number}"));
                let letter = DeadLetter::oversized(&cx.name, location, size, limit, &line);
                cx.dead_letters.send(letter, delivery()).await?;
            }
        }
        if cx.shutdown.is_cancelled() {
            return Ok(Read::Partly);
        }
    }
}
