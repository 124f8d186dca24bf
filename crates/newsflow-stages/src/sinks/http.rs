//! `http`: a webhook. Each batch is POSTed as one JSON array of records
//! (enriched articles; dead letters when used as the dead-letter sink), with
//! `Content-Type: application/json`.
//!
//! A 2xx answer makes the batch delivered. A timeout, a lost connection,
//! 408, 429 or a 5xx is handed to the runtime as retryable, with the
//! server's `Retry-After`: the runtime retries the same batch with its one
//! backoff policy, waiting at least that long, until the receiver takes it. 401 and 403 mean the credentials are wrong, not the
//! data: the sink stops (a configuration error when the webhook has taken
//! nothing since the start). Any other answer (a 4xx, a redirect) refuses the
//! batch for good: its records go to the dead-letter sink with the status
//! and the start of the response body.
//!
//! Delivery is at least once: a batch whose answer was lost is sent again,
//! so receivers should treat article `id`s as idempotency keys.

use crate::net::{body_excerpt, error_chain, retry_after, Redirects};
use crate::values::{Headers, HttpUrl};
use axum::body::Bytes;
use newsflow_core::{Batch, BoxError, BuildContext, Sink, SinkConfig, SinkError};
use reqwest::header::{HeaderMap, HeaderValue, AUTHORIZATION, CONTENT_TYPE};
use serde::Deserialize;
use std::num::NonZeroU64;
use std::time::Duration;

/// `type = "http"` (as a sink).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebhookConfig {
    /// Where batches are POSTed (`http://` or `https://`).
    pub url: HttpUrl,
    /// A bearer token sent as `Authorization: Bearer TOKEN`.
    #[serde(default)]
    pub token: Option<String>,
    /// The name of an environment variable holding the bearer token; it
    /// must be set and non-empty at start.
    #[serde(default)]
    pub token_env: Option<String>,
    /// Extra headers sent with every request (`{ "X-Api-Key" = "..." }`).
    #[serde(default)]
    pub headers: Headers,
    /// Seconds one request may take, connecting included, before it counts
    /// as failed and is retried (default 30).
    #[serde(default = "default_timeout_secs")]
    pub timeout_secs: NonZeroU64,
    /// No longer used: the sink made quick retries of its own inside one
    /// flush; the runtime's retries now do all of it. Accepted, with a
    /// warning, so configs that set it still load.
    #[serde(default)]
    pub max_retries: Option<u32>,
    /// No longer used, like `max_retries`.
    #[serde(default)]
    pub retry_backoff_ms: Option<u64>,
}

fn default_timeout_secs() -> NonZeroU64 {
    NonZeroU64::new(30).expect("not zero")
}

/// How much of a response body an error message quotes.
const EXCERPT_BYTES: usize = 2048;

impl SinkConfig for WebhookConfig {
    fn build(&self, _cx: &BuildContext) -> Result<Box<dyn Sink>, BoxError> {
        if self.max_retries.is_some() || self.retry_backoff_ms.is_some() {
            tracing::warn!(
                "`max_retries` and `retry_backoff_ms` of an `http` sink are no longer used: \
                 the runtime retries a failed batch (see the README's Sinks section)"
            );
        }
        let mut headers = self.headers.map().clone();
        if let Some(token) =
            crate::net::resolve_token(self.token.as_deref(), self.token_env.as_deref())?
        {
            let mut value = HeaderValue::try_from(format!("Bearer {token}"))
                .map_err(|_| "the token holds characters a header cannot carry")?;
            value.set_sensitive(true);
            headers.insert(AUTHORIZATION, value);
        }
        headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        let client = crate::net::client(
            Duration::from_secs(self.timeout_secs.get()),
            Redirects::Refuse,
        )?;
        Ok(Box::new(WebhookSink {
            client,
            url: self.url.url().clone(),
            headers,
            delivered: false,
        }))
    }
}

struct WebhookSink {
    client: reqwest::Client,
    url: reqwest::Url,
    headers: HeaderMap,
    /// Whether the webhook has taken a batch since the start.
    delivered: bool,
}

/// How one request ended.
enum Attempt {
    Delivered,
    /// Worth trying again, after at least the server's `Retry-After`; with
    /// the client's error when there was no answer.
    Failed(String, Option<Duration>, Option<reqwest::Error>),
    Refused(String),
    /// 401 or 403: the credentials are wrong, not the data.
    Unauthorized(String),
}

impl WebhookSink {
    async fn post(&self, body: Bytes) -> Attempt {
        let sent = self
            .client
            .post(self.url.clone())
            .headers(self.headers.clone())
            .body(body)
            .send()
            .await;
        let response = match sent {
            Ok(response) => response,
            Err(e) => return Attempt::Failed(error_chain(&e), None, Some(e)),
        };
        let status = response.status();
        if status.is_success() {
            return Attempt::Delivered;
        }
        let wait = retry_after(response.headers());
        let location = response
            .headers()
            .get(reqwest::header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .map(|v| format!(" (redirects to {v}; set `url` to the final address)"))
            .unwrap_or_default();
        let excerpt = body_excerpt(response, EXCERPT_BYTES).await;
        let answer = format!("answered {status}{location}: {excerpt}");
        let retryable = status.is_server_error()
            || status == reqwest::StatusCode::REQUEST_TIMEOUT
            || status == reqwest::StatusCode::TOO_MANY_REQUESTS;
        if retryable {
            Attempt::Failed(answer, wait, None)
        } else if matches!(
            status,
            reqwest::StatusCode::UNAUTHORIZED | reqwest::StatusCode::FORBIDDEN
        ) {
            Attempt::Unauthorized(answer)
        } else {
            Attempt::Refused(answer)
        }
    }
}

#[async_trait::async_trait]
impl Sink for WebhookSink {
    async fn write_batch(&mut self, batch: &Batch) -> Result<(), SinkError> {
        if batch.is_empty() {
            return Ok(());
        }
        let mut body = Vec::new();
        for record in batch.iter() {
            body.push(if body.is_empty() { b'[' } else { b',' });
            super::encode(record, &mut body)?;
        }
        body.push(b']');
        match self.post(Bytes::from(body)).await {
            Attempt::Delivered => {
                self.delivered = true;
                Ok(())
            }
            Attempt::Unauthorized(answer) => {
                let message = format!("the webhook {} refused the credentials: {answer}", self.url);
                // Never accepted: the token or headers in the config are
                // wrong. Accepted before: the token was revoked meanwhile.
                Err(if self.delivered {
                    SinkError::fatal(message)
                } else {
                    SinkError::misconfigured(message)
                })
            }
            Attempt::Refused(answer) => Err(SinkError::rejected(format!(
                "the webhook {} refused the batch: {answer}",
                self.url
            ))),
            // The runtime retries it, not before the server's `Retry-After`.
            Attempt::Failed(reason, wait, error) => {
                let failure =
                    SinkError::retryable(format!("the webhook {} failed: {reason}", self.url))
                        .with_retry_after(wait);
                Err(match error {
                    Some(e) => failure.with_source(e),
                    None => failure,
                })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(fields: serde_json::Value) -> Result<WebhookConfig, serde_json::Error> {
        serde_json::from_value(fields)
    }

    /// Refused as the config is read (so by `validate` too), not at build.
    #[test]
    fn the_url_and_headers_are_checked_as_read() {
        let dir = tempfile::tempdir().unwrap();
        let cx = BuildContext::new(newsflow_core::StageKey::sink("hook"), dir.path());
        let good = config(serde_json::json!({ "url": "http://127.0.0.1:9/hook" })).unwrap();
        assert!(good.build(&cx).is_ok());
        assert!(config(serde_json::json!({ "url": "not a url" })).is_err());
        assert!(config(serde_json::json!({ "url": "ftp://example.com/x" })).is_err());
        let bad_header = serde_json::json!({
            "url": "http://127.0.0.1:9/hook",
            "headers": { "bad header": "x" },
        });
        assert!(config(bad_header).is_err());
        let zero = serde_json::json!({ "url": "http://127.0.0.1:9/hook", "timeout_secs": 0 });
        assert!(config(zero).is_err());
    }
}
