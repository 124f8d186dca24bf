//! Sinks: where records go.

pub mod http;
pub mod jsonl;
pub mod nats;
pub mod postgres;
pub mod redis;
pub mod schema;
pub mod sqlite;
pub mod stdout;

use newsflow_core::{Record, Refusal, SinkError};
use std::ops::Range;

/// Appends each record to `buffer` as one JSON line.
pub(crate) fn encode_lines(batch: &[Record], buffer: &mut Vec<u8>) -> Result<(), SinkError> {
    for record in batch {
        encode(record, buffer)?;
        buffer.push(b'\n');
    }
    Ok(())
}

/// Appends `record` to `buffer` as JSON; a record that cannot be encoded
/// stops the sink.
pub(crate) fn encode(record: &Record, buffer: &mut Vec<u8>) -> Result<(), SinkError> {
    serde_json::to_writer(&mut *buffer, record).map_err(|e| {
        SinkError::fatal(format!(
            "cannot encode {} as JSON: {e}",
            record.article_id().unwrap_or("a record")
        ))
        .with_source(e)
    })
}

/// Finds the records of a batch a database refuses alone, by halving: the
/// sink tries each part handed out (and undoes it), then says how that went.
/// One bad record among n costs about 2 log2(n) tries.
pub(crate) struct Bisection {
    parts: Vec<Range<usize>>,
    refused: Vec<Refusal>,
}

impl Bisection {
    /// A search over the records `0..len`.
    pub(crate) fn new(len: usize) -> Bisection {
        let mut parts = Vec::with_capacity(16);
        parts.push(0..len);
        Bisection {
            parts,
            refused: Vec::new(),
        }
    }

    /// The next part to try, if any is left.
    pub(crate) fn next_part(&mut self) -> Option<Range<usize>> {
        self.parts.pop()
    }

    /// How trying `part` went: `None` when it was taken, else the reason it
    /// was refused; a refused part of one record is a refusal of that record.
    pub(crate) fn tried(&mut self, part: Range<usize>, refusal: Option<String>) {
        let Some(reason) = refusal else { return };
        match part.len() {
            0 => {}
            1 => self.refused.push(Refusal {
                index: part.start,
                reason,
            }),
            len => {
                let middle = part.start + len / 2;
                self.parts.push(middle..part.end);
                self.parts.push(part.start..middle);
            }
        }
    }

    /// The records refused alone, in batch order (none found: only the
    /// batch as a whole is refused).
    pub(crate) fn refused(self) -> Vec<Refusal> {
        self.refused
    }
}

#[cfg(test)]
mod tests {
    use super::Bisection;

    #[test]
    fn bisection_finds_each_bad_record_and_no_other() {
        let bad = [3, 4, 9];
        let mut search = Bisection::new(10);
        let mut tries = 0;
        while let Some(part) = search.next_part() {
            tries += 1;
            let refused = bad.iter().any(|i| part.contains(i));
            search.tried(part, refused.then(|| "bad".to_owned()));
        }
        let found: Vec<usize> = search.refused().iter().map(|r| r.index).collect();
        assert_eq!(found, bad);
        assert!(tries < 20, "{tries} tries");
    }
}
