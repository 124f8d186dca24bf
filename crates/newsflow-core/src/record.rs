//! What travels between stages, and what sinks write.

use crate::{Article, Delivery};
use base64::Engine;
use serde::{Deserialize, Serialize};

/// An article on its way through the pipeline, with its delivery token.
#[derive(Debug)]
pub struct Event {
    /// The article.
    pub article: Article,
    /// Settled by the sinks once written; see [`Delivery`].
    pub delivery: Delivery,
}

/// How much of an oversized input [`DeadLetter::oversized`] keeps.
pub const OVERSIZED_RAW_KEPT: usize = 1024;

/// The default largest article a source reads (`max_article_bytes`): 10 MiB.
pub const DEFAULT_MAX_ARTICLE_BYTES: usize = 10 * 1024 * 1024;

/// How [`DeadLetter::raw`] is encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RawEncoding {
    /// The input was valid UTF-8 and is kept as it was.
    Utf8,
    /// The input was not UTF-8; `raw` holds its bytes in standard base64.
    Base64,
}

/// Input that could not be processed, kept whole with the reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeadLetter {
    /// The stage that refused it.
    pub stage: String,
    /// Where it came from: `file:line`, a URL, a message id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    /// Why it was refused.
    pub reason: String,
    /// The article's id, where one could be read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub article_id: Option<String>,
    /// The input exactly as received (see `raw_encoding`).
    pub raw: String,
    /// How `raw` is encoded.
    pub raw_encoding: RawEncoding,
}

impl DeadLetter {
    /// A dead letter for raw input bytes; kept verbatim when they are UTF-8,
    /// base64-encoded otherwise, so nothing is lost either way.
    pub fn from_bytes(
        stage: &str,
        location: Option<String>,
        reason: impl Into<String>,
        raw: &[u8],
    ) -> DeadLetter {
        let (raw, raw_encoding) = match std::str::from_utf8(raw) {
            Ok(text) => (text.to_owned(), RawEncoding::Utf8),
            Err(_) => (
                base64::engine::general_purpose::STANDARD.encode(raw),
                RawEncoding::Base64,
            ),
        };
        DeadLetter {
            stage: stage.to_owned(),
            location,
            reason: reason.into(),
            article_id: None,
            raw,
            raw_encoding,
        }
    }

    /// A dead letter for input over a size limit (`max_article_bytes`, a
    /// line-length limit): the reason names the size and the limit, and
    /// `raw` keeps only the input's first [`OVERSIZED_RAW_KEPT`] bytes, so
    /// one huge input cannot make a huge dead letter.
    ///
    /// ```
    /// use newsflow_core::DeadLetter;
    /// let letter = DeadLetter::oversized("inbox", Some("big.txt".into()), 20_000_000, 10_485_760, &[b'x'; 4096]);
    /// assert_eq!(letter.raw.len(), 1024);
    /// assert!(letter.reason.contains("20000000 bytes"));
    /// ```
    pub fn oversized(
        stage: &str,
        location: Option<String>,
        size: u64,
        limit: usize,
        start: &[u8],
    ) -> DeadLetter {
        let mut kept = &start[..start.len().min(OVERSIZED_RAW_KEPT)];
        // Cut before a character the limit split, so UTF-8 input stays text.
        if let Err(e) = std::str::from_utf8(kept) {
            if e.error_len().is_none() {
                kept = &kept[..e.valid_up_to()];
            }
        }
        let reason = format!(
            "the input is {size} bytes, over the limit of {limit} bytes (max_article_bytes); \
             `raw` keeps its first {} bytes",
            kept.len()
        );
        DeadLetter::from_bytes(stage, location, reason, kept)
    }

    /// A dead letter for an article a transform or sink refused.
    pub fn for_article(stage: &str, reason: impl Into<String>, article: &Article) -> DeadLetter {
        DeadLetter {
            stage: stage.to_owned(),
            location: None,
            reason: reason.into(),
            article_id: Some(article.id.clone()),
            // Serialising a value built from JSON cannot fail.
            raw: serde_json::to_string(article).unwrap_or_default(),
            raw_encoding: RawEncoding::Utf8,
        }
    }
}

/// A dead letter on its way to the dead-letter sink.
#[derive(Debug)]
pub struct DeadLetterEvent {
    /// The record.
    pub letter: DeadLetter,
    /// Settled once the dead-letter sink has written it.
    pub delivery: Delivery,
}

/// One item a sink writes.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Record {
    /// An (enriched) article.
    Article(Article),
    /// Input that could not be processed.
    DeadLetter(DeadLetter),
}

impl Record {
    /// The article id, where there is one.
    pub fn article_id(&self) -> Option<&str> {
        match self {
            Record::Article(article) => Some(&article.id),
            Record::DeadLetter(letter) => letter.article_id.as_deref(),
        }
    }
}

/// Records a sink writes at once, shared: handing the batch to another
/// thread, or keeping it for a retry, clones a pointer, not the records.
#[derive(Debug, Clone, Default)]
pub struct Batch(std::sync::Arc<Vec<Record>>);

impl Batch {
    /// The records back, without copying them when nothing else holds the
    /// batch (the runtime's case once a write has returned).
    pub fn into_records(self) -> Vec<Record> {
        std::sync::Arc::try_unwrap(self.0).unwrap_or_else(|shared| (*shared).clone())
    }
}

impl From<Vec<Record>> for Batch {
    fn from(records: Vec<Record>) -> Batch {
        Batch(std::sync::Arc::new(records))
    }
}

impl std::ops::Deref for Batch {
    type Target = [Record];

    fn deref(&self) -> &[Record] {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn non_utf8_input_survives_as_base64() {
        let letter = DeadLetter::from_bytes("src", None, "not UTF-8", &[0xff, 0xfe, b'a']);
        assert_eq!(letter.raw_encoding, RawEncoding::Base64);
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(&letter.raw)
            .unwrap();
        assert_eq!(bytes, [0xff, 0xfe, b'a']);
    }
}
