//! `dir`: articles from a directory, read recursively in sorted path order.
//!
//! `.txt` files are bodies (the file stem is the id), `.json` files hold one
//! article object, `.jsonl` files one per line. Other files are skipped, and
//! so are hidden files (`.name`) and files ending `.tmp` or `.part`, which
//! writers use before renaming a finished file into place.
//!
//! Without `watch` the directory is replayed once and the source ends. With
//! `watch = true` it keeps watching for new and changed files and keeps a
//! ledger of the files whose every article has been delivered, so that a
//! restart emits only what was not yet delivered.

mod ledger;
mod watch;

use super::{emit_json_with, emit_with};
use newsflow_core::{
    Article, ArticleError, BoxError, BuildContext, Closed, Delivery, Source, SourceConfig,
    SourceContext,
};
use serde::Deserialize;
use std::path::{Path, PathBuf};
use std::time::Duration;
use tokio::io::AsyncBufReadExt;

/// `type = "dir"`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DirConfig {
    /// The directory to read.
    pub path: PathBuf,
    /// Keep watching for new and changed files instead of ending after one pass.
    #[serde(default)]
    pub watch: bool,
    /// With `watch`: how long a file must stay unchanged before it is read
    /// (a file renamed into the directory is read at once).
    #[serde(default = "default_settle_ms")]
    pub settle_ms: u64,
}

fn default_settle_ms() -> u64 {
    1000
}

impl SourceConfig for DirConfig {
    fn checkpoints(&self) -> bool {
        self.watch
    }

    fn build(&self, cx: &BuildContext) -> Result<Box<dyn Source>, BoxError> {
        let meta = std::fs::metadata(&self.path)
            .map_err(|e| format!("cannot read the directory {}: {e}", self.path.display()))?;
        if !meta.is_dir() {
            return Err(format!("{} is not a directory", self.path.display()).into());
        }
        let watch = if self.watch {
            Some(watch::Watch {
                ledger: ledger::Ledger::open(&cx.state_path(), &self.path)?,
                settle: Duration::from_millis(self.settle_ms),
                backlog: cx.backlog.clone(),
            })
        } else {
            None
        };
        Ok(Box::new(DirSource {
            root: self.path.clone(),
            watch,
        }))
    }
}

struct DirSource {
    root: PathBuf,
    watch: Option<watch::Watch>,
}

/// How a file holds its articles.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    Text,
    Json,
    JsonLines,
}

/// The format of an article file; `None` for files to skip.
fn format_of(path: &Path) -> Option<Format> {
    let name = path.file_name()?.to_str()?;
    if name.starts_with('.') || name.ends_with(".tmp") || name.ends_with(".part") {
        return None;
    }
    let extension = path.extension()?.to_str()?.to_ascii_lowercase();
    match extension.as_str() {
        "txt" => Some(Format::Text),
        "json" => Some(Format::Json),
        "jsonl" => Some(Format::JsonLines),
        _ => None,
    }
}

/// The article files under `root`, sorted by path so replays are stable.
fn list(root: &Path) -> Result<Vec<(PathBuf, Format)>, walkdir::Error> {
    let mut files = Vec::new();
    for entry in walkdir::WalkDir::new(root).sort_by_file_name() {
        let entry = entry?;
        if !entry.file_type().is_file() {
            continue;
        }
        match format_of(entry.path()) {
            Some(format) => files.push((entry.into_path(), format)),
            None => tracing::debug!(file = %entry.path().display(), "skipped: not an article file"),
        }
    }
    Ok(files)
}

#[async_trait::async_trait]
impl Source for DirSource {
    async fn run(self: Box<Self>, cx: SourceContext) -> Result<(), BoxError> {
        match self.watch {
            Some(watch) => watch.run(self.root, cx).await,
            None => replay(&self.root, cx).await,
        }
    }
}

async fn replay(root: &Path, cx: SourceContext) -> Result<(), BoxError> {
    let owned_root = root.to_owned();
    let files = tokio::task::spawn_blocking(move || list(&owned_root)).await??;
    // Each file holds at least one article; JSON Lines files add the rest as they are read.
    cx.progress.add_total(files.len() as u64);
    tracing::info!(source = %cx.name, files = files.len(), dir = %root.display(), "replaying");
    for (path, format) in files {
        if cx.shutdown.is_cancelled() {
            tracing::info!(source = %cx.name, "stopped before the end of the directory");
            break;
        }
        read_file(&cx, &path, format, &mut || cx.delivery()).await?;
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

/// Emits every article of one file, each with a token from `delivery`.
async fn read_file(
    cx: &SourceContext,
    path: &Path,
    format: Format,
    delivery: &mut (dyn FnMut() -> Delivery + Send),
) -> Result<Read, BoxError> {
    let sent = match format {
        Format::Text => read_text(cx, path, delivery).await,
        Format::Json => read_json(cx, path, delivery).await,
        Format::JsonLines => read_json_lines(cx, path, delivery).await,
    };
    match sent {
        Ok(Ok(read)) => Ok(read),
        Ok(Err(Closed)) => Err("the pipeline downstream stopped".into()),
        Err(e) => Err(format!("{}: {e}", path.display()).into()),
    }
}

async fn read_text(
    cx: &SourceContext,
    path: &Path,
    delivery: &mut (dyn FnMut() -> Delivery + Send),
) -> std::io::Result<Result<Read, Closed>> {
    let raw = tokio::fs::read(path).await?;
    let id = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let parsed = match std::str::from_utf8(&raw) {
        Ok(text) => Article::from_text(id, text),
        Err(e) => Err(ArticleError::NotUtf8(e.to_string())),
    };
    let sent = emit_with(cx, parsed, &raw, path.display().to_string(), delivery()).await;
    Ok(sent.map(|()| Read::Whole))
}

async fn read_json(
    cx: &SourceContext,
    path: &Path,
    delivery: &mut (dyn FnMut() -> Delivery + Send),
) -> std::io::Result<Result<Read, Closed>> {
    let raw = tokio::fs::read(path).await?;
    let sent = emit_json_with(cx, &raw, &path.display().to_string(), None, delivery()).await;
    Ok(sent.map(|()| Read::Whole))
}

async fn read_json_lines(
    cx: &SourceContext,
    path: &Path,
    delivery: &mut (dyn FnMut() -> Delivery + Send),
) -> std::io::Result<Result<Read, Closed>> {
    let file = tokio::fs::File::open(path).await?;
    let mut reader = tokio::io::BufReader::new(file);
    let origin = path.display().to_string();
    let mut line = Vec::new();
    let mut number = 0;
    let mut records = 0u64;
    loop {
        line.clear();
        if reader.read_until(b'\n', &mut line).await? == 0 {
            return Ok(Ok(Read::Whole));
        }
        number += 1;
        let record = line.strip_suffix(b"\n").unwrap_or(&line);
        let record = record.strip_suffix(b"\r").unwrap_or(record);
        if record.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        records += 1;
        if records > 1 {
            cx.progress.add_total(1);
        }
        if let Err(closed) = emit_json_with(cx, record, &origin, Some(number), delivery()).await {
            return Ok(Err(closed));
        }
        if cx.shutdown.is_cancelled() {
            return Ok(Ok(Read::Partly));
        }
    }
}
