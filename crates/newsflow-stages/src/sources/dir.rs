//! `dir`: replays a directory of articles, recursively, in sorted path order.
//!
//! `.txt` files are bodies (the file stem is the id), `.json` files hold one
//! article object, `.jsonl` files one per line. Other files are skipped.

use super::{emit, emit_json};
use newsflow_core::{
    Article, ArticleError, BoxError, BuildContext, Closed, Source, SourceConfig, SourceContext,
};
use serde::Deserialize;
use std::path::{Path, PathBuf};
use tokio::io::AsyncBufReadExt;

/// `type = "dir"`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DirConfig {
    /// The directory to read.
    pub path: PathBuf,
}

impl SourceConfig for DirConfig {
    fn build(&self, _cx: &BuildContext) -> Result<Box<dyn Source>, BoxError> {
        let meta = std::fs::metadata(&self.path)
            .map_err(|e| format!("cannot read the directory {}: {e}", self.path.display()))?;
        if !meta.is_dir() {
            return Err(format!("{} is not a directory", self.path.display()).into());
        }
        Ok(Box::new(DirSource {
            root: self.path.clone(),
        }))
    }
}

struct DirSource {
    root: PathBuf,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    Text,
    Json,
    JsonLines,
}

fn format_of(path: &Path) -> Option<Format> {
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
            None => {
                tracing::debug!(file = %entry.path().display(), "skipped: not .txt, .json or .jsonl")
            }
        }
    }
    Ok(files)
}

#[async_trait::async_trait]
impl Source for DirSource {
    async fn run(self: Box<Self>, cx: SourceContext) -> Result<(), BoxError> {
        let root = self.root.clone();
        let files = tokio::task::spawn_blocking(move || list(&root)).await??;
        // Each file holds at least one article; JSON Lines files add the rest as they are read.
        cx.progress.add_total(files.len() as u64);
        tracing::info!(source = %cx.name, files = files.len(), dir = %self.root.display(), "replaying");
        for (path, format) in files {
            if cx.shutdown.is_cancelled() {
                tracing::info!(source = %cx.name, "stopped before the end of the directory");
                break;
            }
            let sent = match format {
                Format::Text => read_text(&cx, &path).await,
                Format::Json => read_json(&cx, &path).await,
                Format::JsonLines => read_json_lines(&cx, &path).await,
            };
            match sent {
                Ok(Ok(())) => {}
                Ok(Err(Closed)) => return Err("the pipeline downstream stopped".into()),
                Err(e) => return Err(format!("{}: {e}", path.display()).into()),
            }
        }
        Ok(())
    }
}

async fn read_text(cx: &SourceContext, path: &Path) -> std::io::Result<Result<(), Closed>> {
    let raw = tokio::fs::read(path).await?;
    let id = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let parsed = match std::str::from_utf8(&raw) {
        Ok(text) => Article::from_text(id, text),
        Err(e) => Err(ArticleError::NotUtf8(e.to_string())),
    };
    Ok(emit(cx, parsed, &raw, path.display().to_string()).await)
}

async fn read_json(cx: &SourceContext, path: &Path) -> std::io::Result<Result<(), Closed>> {
    let raw = tokio::fs::read(path).await?;
    Ok(emit_json(cx, &raw, &path.display().to_string(), None).await)
}

async fn read_json_lines(cx: &SourceContext, path: &Path) -> std::io::Result<Result<(), Closed>> {
    let file = tokio::fs::File::open(path).await?;
    let mut reader = tokio::io::BufReader::new(file);
    let origin = path.display().to_string();
    let mut line = Vec::new();
    let mut number = 0;
    let mut records = 0u64;
    loop {
        line.clear();
        if reader.read_until(b'\n', &mut line).await? == 0 {
            return Ok(Ok(()));
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
        if let Err(closed) = emit_json(cx, record, &origin, Some(number)).await {
            return Ok(Err(closed));
        }
        if cx.shutdown.is_cancelled() {
            return Ok(Ok(()));
        }
    }
}
