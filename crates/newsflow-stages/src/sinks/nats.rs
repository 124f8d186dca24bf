//! `nats`: publishes each record to a NATS JetStream subject.
//!
//! Every message carries the article id as its `Nats-Msg-Id`, so the server
//! drops a second copy published within the stream's duplicate window (two
//! minutes unless the stream says otherwise): a batch published again after a
//! crash or a retry is stored once. Dead letters (when this sink is the
//! dead-letter sink) are keyed by their stage, location and article id, or
//! by the SHA-256 of those when long, so any dead letter fits the headers. A
//! `Newsflow-Record` header says which of the two a message holds.
//!
//! A record the server cannot take (over `max_payload`, or headers over
//! JetStream's 64 KiB because of a long article id) is refused alone, before
//! anything of its batch is published; the rest of the batch goes on.
//!
//! A batch counts as written only once the server has acknowledged every
//! message in it (the stream has stored it). The connection is made at the
//! first flush; while the server is unreachable flushes fail as retryable and
//! the client reconnects.

use crate::nats::{connect, stream_config, wrong_retention, Name, Retention, ServerUrl, Subject};
use async_nats::jetstream::{
    self,
    context::{PublishError, PublishErrorKind},
    message::PublishMessage,
};
use futures::stream::{FuturesUnordered, StreamExt};
use newsflow_core::{
    Batch, BoxError, BuildContext, FieldError, Health, Record, Refusal, Sink, SinkConfig,
    SinkError, SinkErrorKind,
};
use serde::Deserialize;
use sha2::{Digest, Sha256};
use std::future::IntoFuture;

/// Most messages awaiting the server's acknowledgement at once; well under
/// the client's own limit, so publishing never stalls on it.
const ACKS_IN_FLIGHT: usize = 256;

/// The header naming what a message holds: `article` or `dead-letter`.
pub const RECORD_HEADER: &str = "Newsflow-Record";

/// The largest header block JetStream stores (error 10097 above it).
const MAX_HEADER_BYTES: usize = u16::MAX as usize;

/// A dead letter's message id longer than this is replaced by its digest.
const MAX_DEAD_LETTER_ID: usize = 256;

/// How much of an id or location messages quote.
const LABEL_CHARS: usize = 80;

/// `type = "nats"` (sink).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NatsSinkConfig {
    /// The server, `nats://host:port` (default `nats://127.0.0.1:4222`);
    /// credentials may be given in it (`nats://user:password@host:4222`).
    #[serde(default)]
    pub url: ServerUrl,
    /// The subject to publish to (no wildcards); a JetStream stream must
    /// capture it.
    pub subject: Subject,
    /// The stream expected to store the messages: the server refuses them
    /// if `subject` belongs to another stream (which stops the run). Unset,
    /// any stream capturing `subject` will do.
    #[serde(default)]
    pub stream: Option<Name>,
    /// Create `stream`, capturing `subject`, when it does not exist (default
    /// false; needs `stream`).
    #[serde(default)]
    pub create_stream: bool,
    /// `stream`'s retention policy: `limits`, `interest` or `work_queue` (a
    /// stream workers share, each message deleted once one acknowledges it).
    /// A stream created by `create_stream` gets it (`limits` when unset); a
    /// stream found with another stops the run. Needs `stream`.
    #[serde(default)]
    pub retention: Option<Retention>,
}

impl SinkConfig for NatsSinkConfig {
    fn check(&self) -> Result<(), FieldError> {
        if self.create_stream && self.stream.is_none() {
            return Err(FieldError {
                path: "create_stream".into(),
                message: "`create_stream` needs `stream`: the name of the stream to create".into(),
            });
        }
        if self.retention.is_some() && self.stream.is_none() {
            return Err(FieldError {
                path: "retention".into(),
                message: "`retention` needs `stream`: the stream it applies to".into(),
            });
        }
        Ok(())
    }

    fn build(&self, cx: &BuildContext) -> Result<Box<dyn Sink>, BoxError> {
        // Not ready until connected.
        cx.health.set_ready(false);
        Ok(Box::new(NatsSink {
            config: self.clone(),
            stage: cx.key.to_string(),
            health: cx.health.clone(),
            connection: None,
        }))
    }
}

/// One record of a batch, encoded for publishing.
struct Encoded {
    /// Its place in the batch.
    index: usize,
    /// The `Nats-Msg-Id`, if the record has an identity.
    message_id: Option<String>,
    /// `article` or `dead-letter`.
    kind: &'static str,
    /// How the record is named in messages (its article id, or its
    /// location), cut to [`LABEL_CHARS`].
    label: String,
    /// The record as JSON.
    payload: Vec<u8>,
}

impl Encoded {
    /// The header block's size as the server counts it, with the
    /// `Nats-Expected-Stream` header when `stream` is set.
    fn header_size(&self, stream: Option<&str>) -> usize {
        const VERSION_LINE_AND_END: usize = "NATS/1.0\r\n\r\n".len();
        let header = |name: &str, value: &str| name.len() + 2 + value.len() + 2;
        let id = self
            .message_id
            .as_deref()
            .map_or(0, |id| header("Nats-Msg-Id", id));
        let expected = stream.map_or(0, |s| header("Nats-Expected-Stream", s));
        VERSION_LINE_AND_END + id + expected + header(RECORD_HEADER, self.kind)
    }

    /// Why the server would refuse this message, if it would: the payload
    /// and headers over `max_payload`, or the headers over JetStream's limit.
    fn too_big(&self, stream: Option<&str>, max_payload: usize) -> Option<String> {
        let header = self.header_size(stream);
        let size = self.payload.len() + header;
        if header > MAX_HEADER_BYTES {
            Some(format!(
                "{} needs {header} bytes of NATS headers (its id is the Nats-Msg-Id), \
                 over JetStream's limit of {MAX_HEADER_BYTES}",
                self.label
            ))
        } else if size > max_payload {
            Some(format!(
                "{} is {size} bytes as a NATS message, over the server's max_payload of {max_payload}",
                self.label
            ))
        } else {
            None
        }
    }
}

/// A published record's index and label, and the server's answer.
type Ack = (
    usize,
    String,
    Result<jetstream::publish::PublishAck, PublishError>,
);

struct NatsSink {
    config: NatsSinkConfig,
    stage: String,
    health: Health,
    /// Made at the start; the client reconnects by itself afterwards.
    connection: Option<(async_nats::Client, jetstream::Context)>,
}

/// A message id the server can carry in a header: header values cannot hold
/// line breaks, so `%` and control characters are percent-encoded (which
/// keeps distinct ids distinct).
fn header_safe(id: &str) -> String {
    if !id.chars().any(|c| c == '%' || c.is_control()) {
        return id.to_owned();
    }
    let mut safe = String::with_capacity(id.len() + 8);
    for c in id.chars() {
        if c == '%' || c.is_control() {
            let mut utf8 = [0u8; 4];
            for byte in c.encode_utf8(&mut utf8).bytes() {
                safe.push_str(&format!("%{byte:02X}"));
            }
        } else {
            safe.push(c);
        }
    }
    safe
}

/// The start of `text`, for messages.
fn label(text: &str) -> String {
    match text.char_indices().nth(LABEL_CHARS) {
        Some((end, _)) => format!("{}… ({} bytes)", &text[..end], text.len()),
        None => text.to_owned(),
    }
}

fn encode(index: usize, record: &Record) -> Result<Encoded, SinkError> {
    let (message_id, kind, label) = match record {
        Record::Article(article) => (
            Some(header_safe(&article.id)),
            "article",
            label(&article.id),
        ),
        Record::DeadLetter(letter) => {
            let location = letter.location.as_deref();
            let article_id = letter.article_id.as_deref();
            // Without a location or an id, nothing tells two copies apart
            // from two different failures; publish without an id then.
            let message_id = (location.is_some() || article_id.is_some()).then(|| {
                let key = format!(
                    "dead-letter:{}:{}:{}",
                    letter.stage,
                    location.unwrap_or(""),
                    article_id.unwrap_or("")
                );
                if key.len() > MAX_DEAD_LETTER_ID {
                    // A dead letter must fit whatever id it holds.
                    let digest: String = Sha256::digest(key.as_bytes())
                        .iter()
                        .map(|byte| format!("{byte:02x}"))
                        .collect();
                    format!("dead-letter:sha256:{digest}")
                } else {
                    header_safe(&key)
                }
            });
            let label = label(location.or(article_id).unwrap_or("a dead letter"));
            (message_id, "dead-letter", label)
        }
    };
    let payload = serde_json::to_vec(record).map_err(|e| {
        SinkError::fatal(format!("cannot encode {label} as JSON: {e}")).with_source(e)
    })?;
    Ok(Encoded {
        index,
        message_id,
        kind,
        label,
        payload,
    })
}

impl NatsSink {
    /// The connection, made (and the stream created) on first use.
    async fn connection(&mut self) -> Result<(async_nats::Client, jetstream::Context), SinkError> {
        if let Some(connection) = &self.connection {
            return Ok(connection.clone());
        }
        let url = &self.config.url;
        let client = connect(url, &self.stage, &self.health).await.map_err(|e| {
            self.health.set_ready(false);
            SinkError::retryable(format!("cannot reach the NATS server {url}: {e}")).with_source(e)
        })?;
        let js = jetstream::new(client.clone());
        if let Some(stream) = &self.config.stream {
            let found = if self.config.create_stream {
                let config = stream_config(
                    stream,
                    vec![self.config.subject.to_string()],
                    self.config.retention,
                );
                Some(js.get_or_create_stream(config).await.map_err(|e| {
                    SinkError::retryable(format!("cannot create the stream {stream}: {e}"))
                        .with_source(e)
                })?)
            } else if self.config.retention.is_some() {
                Some(js.get_stream(&**stream).await.map_err(|e| {
                    SinkError::retryable(format!("cannot read the stream {stream}: {e}"))
                        .with_source(e)
                })?)
            } else {
                // Nothing to check: publishing finds out whether it exists.
                None
            };
            let retention = self.config.retention;
            if let Some(problem) = found.and_then(|s| wrong_retention(&s, retention)) {
                return Err(SinkError::misconfigured(problem));
            }
        }
        self.connection = Some((client.clone(), js.clone()));
        self.health.set_ready(true);
        Ok((client, js))
    }

    fn publish_error(&self, label: &str, e: PublishError) -> SinkError {
        let subject = &self.config.subject;
        let api_code = std::error::Error::source(&e)
            .and_then(|source| source.downcast_ref::<jetstream::Error>())
            .map(jetstream::Error::error_code);
        let message = format!("cannot publish {label} to {subject}: {e}");
        let error = match (e.kind(), api_code) {
            (PublishErrorKind::MaxPayloadExceeded, _) => SinkError::rejected(message),
            (
                _,
                Some(
                    jetstream::ErrorCode::STREAM_MESSAGE_EXCEEDS_MAXIMUM
                    | jetstream::ErrorCode::STREAM_HEADER_EXCEEDS_MAXIMUM,
                ),
            ) => SinkError::rejected(message),
            (_, Some(jetstream::ErrorCode::STREAM_NOT_MATCH)) => SinkError::misconfigured(format!(
                "{message} (the subject is not in the stream {})",
                self.config.stream.as_deref().map_or("?", |s| s)
            )),
            (PublishErrorKind::StreamNotFound, _) => {
                SinkError::retryable(format!("{message} (no stream captures {subject})"))
            }
            // Timeouts, a lost connection, a server short of resources.
            _ => SinkError::retryable(message),
        };
        error.with_source(e)
    }

    /// Publishes `pending` and waits for every acknowledgement. A message
    /// the server refuses is a refusal of its record; the others go on.
    async fn publish_all(
        &self,
        js: &jetstream::Context,
        pending: Vec<Encoded>,
    ) -> Result<(), SinkError> {
        let mut acks = FuturesUnordered::new();
        let mut duplicates = 0usize;
        let mut refused = Vec::new();
        let total = pending.len();
        for record in pending {
            if acks.len() >= ACKS_IN_FLIGHT {
                if let Some(ack) = acks.next().await {
                    duplicates += self.check_ack(ack, &mut refused)?;
                }
            }
            let mut message = PublishMessage::build()
                .payload(record.payload.into())
                .header(RECORD_HEADER, record.kind);
            if let Some(id) = &record.message_id {
                message = message.message_id(id);
            }
            if let Some(stream) = &self.config.stream {
                message = message.expected_stream(&**stream);
            }
            let (index, label) = (record.index, record.label);
            match js
                .send_publish(self.config.subject.to_string(), message)
                .await
            {
                Ok(ack) => acks.push(async move { (index, label, ack.into_future().await) }),
                Err(e) => refuse(self.publish_error(&label, e), index, &mut refused)?,
            }
        }
        while let Some(ack) = acks.next().await {
            duplicates += self.check_ack(ack, &mut refused)?;
        }
        if duplicates > 0 {
            tracing::debug!(sink = %self.stage, duplicates, of = total, "the server dropped messages it already had");
        }
        refusal(refused)
    }

    /// 1 when the server reports the message a duplicate it already stores.
    fn check_ack(
        &self,
        (index, label, ack): Ack,
        refused: &mut Vec<Refusal>,
    ) -> Result<usize, SinkError> {
        match ack {
            Ok(ack) => Ok(usize::from(ack.duplicate)),
            Err(e) => refuse(self.publish_error(&label, e), index, refused).map(|()| 0),
        }
    }
}

/// Notes a rejection as the refusal of record `index`; any other failure is
/// the batch's.
fn refuse(error: SinkError, index: usize, refused: &mut Vec<Refusal>) -> Result<(), SinkError> {
    if error.kind != SinkErrorKind::Rejected {
        return Err(error);
    }
    refused.push(Refusal {
        index,
        reason: error.message,
    });
    Ok(())
}

/// The refusal of the records in `refused`, if any.
fn refusal(mut refused: Vec<Refusal>) -> Result<(), SinkError> {
    if refused.is_empty() {
        return Ok(());
    }
    refused.sort_by_key(|r| r.index);
    let reasons: Vec<&str> = refused.iter().map(|r| r.reason.as_str()).collect();
    Err(SinkError::refused(
        format!(
            "NATS refused {} record(s): {}",
            refused.len(),
            reasons.join("; ")
        ),
        refused,
    ))
}

#[async_trait::async_trait]
impl Sink for NatsSink {
    async fn start(&mut self) -> Result<(), SinkError> {
        // Connect (and create the stream) before the first batch, so
        // readiness tells the truth from the start.
        self.connection().await.map(drop)
    }

    async fn write_batch(&mut self, batch: &Batch) -> Result<(), SinkError> {
        let pending = batch
            .iter()
            .enumerate()
            .map(|(index, record)| encode(index, record))
            .collect::<Result<Vec<Encoded>, SinkError>>()?;
        if pending.is_empty() {
            return Ok(());
        }
        let (client, js) = self.connection().await?;
        // Check every size first, so a refused record's batch has published
        // nothing: the runtime passes the rest again.
        let max_payload = client.server_info().max_payload;
        let stream = self.config.stream.as_deref();
        refusal(
            pending
                .iter()
                .filter_map(|r| {
                    r.too_big(stream, max_payload).map(|reason| Refusal {
                        index: r.index,
                        reason,
                    })
                })
                .collect(),
        )?;
        let result = self.publish_all(&js, pending).await;
        // A refused record says nothing about the server being reachable.
        let failed = result
            .as_ref()
            .is_err_and(|e| e.kind != SinkErrorKind::Rejected);
        self.health.set_ready(
            !failed && client.connection_state() == async_nats::connection::State::Connected,
        );
        result
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use newsflow_core::{Article, DeadLetter};

    #[test]
    fn message_ids_never_break_a_header_and_stay_distinct() {
        assert_eq!(header_safe("reuters-2024-001"), "reuters-2024-001");
        assert_eq!(header_safe("a\r\nb"), "a%0D%0Ab");
        assert_eq!(header_safe("a%0Ab"), "a%250Ab");
        assert_ne!(header_safe("a\nb"), header_safe("a%0Ab"));
        assert_eq!(header_safe("مقال\u{0301}"), "مقال\u{0301}");
    }

    #[test]
    fn records_are_keyed_by_article_or_by_dead_letter_origin() {
        let article = Article::from_text("a1", "Body.").unwrap();
        let encoded = encode(0, &Record::Article(article)).unwrap();
        assert_eq!(encoded.message_id.as_deref(), Some("a1"));
        assert_eq!(encoded.kind, "article");

        let letter = DeadLetter::from_bytes("in", Some("nats:S/7".into()), "bad", b"{");
        let encoded = encode(1, &Record::DeadLetter(letter)).unwrap();
        assert_eq!(
            encoded.message_id.as_deref(),
            Some("dead-letter:in:nats:S/7:")
        );
        assert_eq!(encoded.kind, "dead-letter");

        let anonymous = DeadLetter::from_bytes("in", None, "bad", b"{");
        assert_eq!(
            encode(2, &Record::DeadLetter(anonymous))
                .unwrap()
                .message_id,
            None
        );
    }

    #[test]
    fn bad_options_are_refused() {
        // Read, checked and built as the runtime does: most values are
        // refused as they are read.
        let build = |table: serde_json::Value| {
            let config: NatsSinkConfig =
                serde_json::from_value(table).map_err(|e| e.to_string())?;
            config.check().map_err(|e| e.message)?;
            config
                .build(&BuildContext::new(
                    newsflow_core::StageKey::sink("bus"),
                    "/nonexistent",
                ))
                .map(drop)
                .map_err(|e| e.to_string())
        };
        assert!(build(serde_json::json!({"subject": "news.enriched"})).is_ok());
        assert!(build(serde_json::json!({"subject": "news.*"})).is_err());
        assert!(
            build(serde_json::json!({"subject": "news.enriched", "create_stream": true})).is_err()
        );
        assert!(build(serde_json::json!({"subject": "n", "stream": "bad.name"})).is_err());
        assert!(build(serde_json::json!({"subject": "n", "retention": "work_queue"})).is_err());
        assert!(build(
            serde_json::json!({"subject": "n", "stream": "S", "retention": "work_queue"})
        )
        .is_ok());
    }
}
