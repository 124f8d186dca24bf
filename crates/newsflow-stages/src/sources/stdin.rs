//! `stdin`: articles as JSON Lines on standard input, until it closes.

use super::emit_json;
use newsflow_core::{BoxError, BuildContext, Source, SourceConfig, SourceContext};
use serde::Deserialize;
use tokio::io::AsyncBufReadExt;

/// `type = "stdin"`; it takes no options.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StdinConfig {}

impl SourceConfig for StdinConfig {
    fn build(&self, _cx: &BuildContext) -> Result<Box<dyn Source>, BoxError> {
        Ok(Box::new(StdinSource))
    }
}

struct StdinSource;

#[async_trait::async_trait]
impl Source for StdinSource {
    async fn run(self: Box<Self>, cx: SourceContext) -> Result<(), BoxError> {
        let mut reader = tokio::io::BufReader::new(tokio::io::stdin());
        let mut line = Vec::new();
        let mut number = 0;
        loop {
            line.clear();
            let read = tokio::select! {
                read = reader.read_until(b'\n', &mut line) => read?,
                _ = cx.shutdown.cancelled() => return Ok(()),
            };
            if read == 0 {
                return Ok(());
            }
            number += 1;
            let record = line.strip_suffix(b"\n").unwrap_or(&line);
            let record = record.strip_suffix(b"\r").unwrap_or(record);
            if record.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            cx.progress.add_total(1);
            if emit_json(&cx, record, "stdin", Some(number)).await.is_err() {
                return Err("the pipeline downstream stopped".into());
            }
        }
    }
}
