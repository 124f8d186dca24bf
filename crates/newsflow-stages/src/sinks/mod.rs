//! Sinks: where records go.

pub mod http;
pub mod jsonl;
pub mod nats;
pub mod postgres;
pub mod schema;
pub mod sqlite;
pub mod stdout;

use newsflow_core::{Record, SinkError};

/// Appends each record to `buffer` as one JSON line.
pub(crate) fn encode_lines(batch: &[Record], buffer: &mut Vec<u8>) -> Result<(), SinkError> {
    for record in batch {
        serde_json::to_writer(&mut *buffer, record).map_err(|e| {
            SinkError::fatal(format!(
                "cannot encode {} as JSON: {e}",
                record.article_id().unwrap_or("a record")
            ))
        })?;
        buffer.push(b'\n');
    }
    Ok(())
}
