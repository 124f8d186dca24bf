//! `stdout`: one JSON record per line on standard output.

use super::encode_lines;
use newsflow_core::{Batch, BoxError, BuildContext, Sink, SinkConfig, SinkError};
use serde::Deserialize;
use tokio::io::AsyncWriteExt;

/// `type = "stdout"`; it takes no options.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StdoutConfig {}

impl SinkConfig for StdoutConfig {
    fn build(&self, _cx: &BuildContext) -> Result<Box<dyn Sink>, BoxError> {
        Ok(Box::new(StdoutSink {
            out: tokio::io::stdout(),
        }))
    }
}

struct StdoutSink {
    out: tokio::io::Stdout,
}

#[async_trait::async_trait]
impl Sink for StdoutSink {
    async fn write_batch(&mut self, batch: &Batch) -> Result<(), SinkError> {
        let mut buffer = Vec::new();
        encode_lines(batch, &mut buffer)?;
        let result = async {
            self.out.write_all(&buffer).await?;
            self.out.flush().await
        };
        result.await.map_err(|e| {
            SinkError::fatal(format!("cannot write to standard output: {e}")).with_source(e)
        })
    }
}
