//! `jsonl`: one JSON record per line in a file.
//!
//! Lines are whole or absent: each batch is written in one piece, synced to
//! disk before it is reported delivered, and cut back off if the write fails.
//! A partial last line left by a crash is removed when the file is opened.

use super::encode_lines;
use newsflow_core::{Batch, BoxError, BuildContext, Sink, SinkConfig, SinkError};
use serde::Deserialize;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use tokio::io::AsyncWriteExt;

/// What happens to an existing file when the pipeline starts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WriteMode {
    /// Keep it and add lines at the end (a daemon's choice).
    #[default]
    Append,
    /// Start it afresh (a replay's choice: the same input gives the same file).
    Overwrite,
}

/// `type = "jsonl"`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JsonlConfig {
    /// The file; parent directories are created.
    pub path: PathBuf,
    /// `append` (default) or `overwrite`.
    #[serde(default)]
    pub mode: WriteMode,
}

impl SinkConfig for JsonlConfig {
    fn overwrites(&self) -> bool {
        self.mode == WriteMode::Overwrite
    }

    fn build(&self, _cx: &BuildContext) -> Result<Box<dyn Sink>, BoxError> {
        let path = &self.path;
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent)
                .map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
        }
        // Overwriting waits for the first flush, so a pipeline that fails to
        // start leaves the previous output as it was.
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .read(true)
            .append(true)
            .open(path)
            .map_err(|e| format!("cannot open {}: {e}", path.display()))?;
        let committed = drop_partial_line(&mut file, path)?;
        Ok(Box::new(JsonlSink {
            file: tokio::fs::File::from_std(file),
            path: path.clone(),
            buffer: Vec::new(),
            committed,
            truncate_pending: self.mode == WriteMode::Overwrite,
        }))
    }
}

/// Cuts off a last line with no newline (a write a crash interrupted) and
/// returns the file's length after that.
fn drop_partial_line(file: &mut std::fs::File, path: &Path) -> Result<u64, BoxError> {
    let len = file.metadata()?.len();
    if len == 0 {
        return Ok(0);
    }
    // Scan backwards for the last newline, a block at a time.
    let mut end = len;
    let mut block = vec![0u8; 64 * 1024];
    let mut keep = 0;
    while end > 0 {
        let start = end.saturating_sub(block.len() as u64);
        let chunk = &mut block[..(end - start) as usize];
        file.seek(SeekFrom::Start(start))?;
        file.read_exact(chunk)?;
        if let Some(i) = chunk.iter().rposition(|&b| b == b'\n') {
            keep = start + i as u64 + 1;
            break;
        }
        end = start;
    }
    if keep < len {
        tracing::warn!(
            file = %path.display(),
            bytes = len - keep,
            "removed an unfinished last line left by an interrupted write"
        );
        file.set_len(keep)?;
    }
    Ok(keep)
}

struct JsonlSink {
    file: tokio::fs::File,
    path: PathBuf,
    buffer: Vec<u8>,
    /// Length of the file up to its last complete, synced line.
    committed: u64,
    /// In overwrite mode, until the first write empties the file.
    truncate_pending: bool,
}

impl JsonlSink {
    /// In overwrite mode, empties the file before the first write (or at
    /// the end of a run that wrote nothing).
    async fn truncate_if_pending(&mut self) -> Result<(), SinkError> {
        if self.truncate_pending {
            self.file.set_len(0).await.map_err(|e| {
                SinkError::fatal(format!("cannot empty {}: {e}", self.path.display()))
                    .with_source(e)
            })?;
            self.committed = 0;
            self.truncate_pending = false;
        }
        Ok(())
    }

    async fn append_buffer(&mut self) -> std::io::Result<()> {
        self.file.write_all(&self.buffer).await?;
        self.file.flush().await?;
        self.file.sync_data().await
    }
}

#[async_trait::async_trait]
impl Sink for JsonlSink {
    async fn write_batch(&mut self, batch: &Batch) -> Result<(), SinkError> {
        self.truncate_if_pending().await?;
        encode_lines(batch, &mut self.buffer)?;
        if self.buffer.is_empty() {
            return Ok(());
        }
        let result = self.append_buffer().await;
        let written = std::mem::take(&mut self.buffer).len() as u64;
        match result {
            Ok(()) => {
                self.committed += written;
                Ok(())
            }
            Err(e) => {
                // Leave no partial line behind; the batch counts as not written.
                let _ = self.file.set_len(self.committed).await;
                Err(
                    SinkError::fatal(format!("cannot write {}: {e}", self.path.display()))
                        .with_source(e),
                )
            }
        }
    }

    async fn finish(&mut self) -> Result<(), SinkError> {
        self.truncate_if_pending().await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_partial_last_line_is_removed_on_open() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.jsonl");
        std::fs::write(&path, "{\"id\":\"a\"}\n{\"id\":\"b\"}\n{\"id\":").unwrap();
        let config = JsonlConfig {
            path: path.clone(),
            mode: WriteMode::Append,
        };
        drop(
            config
                .build(&BuildContext::new(
                    newsflow_core::StageKey::sink("out"),
                    dir.path(),
                ))
                .unwrap(),
        );
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            "{\"id\":\"a\"}\n{\"id\":\"b\"}\n"
        );
    }
}
