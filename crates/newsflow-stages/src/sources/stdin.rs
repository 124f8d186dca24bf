//! `stdin`: articles as JSON Lines on standard input, until it closes.

use super::{default_max_article_bytes, emit_json};
use newsflow_core::codec::{next_line, Line};
use newsflow_core::{BoxError, BuildContext, DeadLetter, Source, SourceConfig, SourceContext};
use serde::Deserialize;
use std::num::NonZeroUsize;

/// `type = "stdin"`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StdinConfig {
    /// A line longer than this is not read into memory but dead-lettered
    /// with its first KiB (default 10 MiB).
    #[serde(default = "default_max_article_bytes")]
    pub max_article_bytes: NonZeroUsize,
}

impl SourceConfig for StdinConfig {
    fn build(&self, _cx: &BuildContext) -> Result<Box<dyn Source>, BoxError> {
        Ok(Box::new(StdinSource {
            max_article_bytes: self.max_article_bytes.get(),
        }))
    }
}

struct StdinSource {
    max_article_bytes: usize,
}

#[async_trait::async_trait]
impl Source for StdinSource {
    async fn run(self: Box<Self>, cx: SourceContext) -> Result<(), BoxError> {
        let limit = self.max_article_bytes;
        let mut reader = tokio::io::BufReader::new(tokio::io::stdin());
        let mut line = Vec::new();
        let mut number = 0;
        loop {
            let next = tokio::select! {
                next = next_line(&mut reader, &mut line, limit) => next?,
                _ = cx.shutdown.cancelled() => return Ok(()),
            };
            number += 1;
            let sent = match next {
                Line::End => return Ok(()),
                Line::Whole => {
                    let record = line.strip_suffix(b"\r").unwrap_or(&line);
                    if record.iter().all(u8::is_ascii_whitespace) {
                        continue;
                    }
                    emit_json(&cx, record, "stdin", Some(number)).await
                }
                Line::TooLong(size) => {
                    let location = Some(format!("stdin:{number}"));
                    let letter = DeadLetter::oversized(&cx.name, location, size, limit, &line);
                    cx.dead_letters.send(letter, cx.delivery()).await
                }
            };
            if sent.is_err() {
                return Err("the pipeline downstream stopped".into());
            }
        }
    }
}
