//! `http`: articles pushed by clients: `POST /articles`.
//!
//! The body is one JSON article, a JSON array of articles, or JSON Lines (one
//! article per line; always so with a `Content-Type` of
//! `application/x-ndjson`, `application/jsonl` or `application/json-lines`).
//! A request is all or nothing: every article valid and room for all of
//! them in the pipeline, or none is taken.
//!
//! Answers (JSON bodies): 202 `{"accepted": n}` once the articles are in the
//! pipeline; 400 `{"error": ...}` naming the first bad line or item; 401
//! without the configured bearer token; 413 over `max_body_bytes` or
//! `max_articles`; 503 with `Retry-After` while the pipeline is full or
//! stopping. A refused request is not dead-lettered: the client holds the
//! data and is told why, and a client that retries a fixed request would
//! otherwise leave stale copies behind.
//!
//! 202 means accepted, not yet written: articles in flight when the process
//! is killed are lost to this source (a graceful stop drains them).

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, FromRequest, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use newsflow_core::{
    Article, BoxError, BuildContext, Health, Source, SourceConfig, SourceContext, TrySendError,
};
use serde::Deserialize;
use std::sync::Arc;

/// `type = "http"`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HttpSourceConfig {
    /// Where to listen, `host:port`: "127.0.0.1:8080" for this machine only,
    /// "0.0.0.0:8080" for every interface.
    pub address: String,
    /// The bearer token clients must send (`Authorization: Bearer TOKEN`).
    /// Without `token` or `token_env` any client may push.
    #[serde(default)]
    pub token: Option<String>,
    /// The name of an environment variable holding the token (keeps the
    /// secret out of the file); it must be set and non-empty at start.
    #[serde(default)]
    pub token_env: Option<String>,
    /// The largest request body accepted, in bytes (default 10 MiB); a
    /// bigger one is answered 413.
    #[serde(default = "default_max_body_bytes")]
    pub max_body_bytes: usize,
    /// The most articles one request may carry (default 256); a request
    /// with more is answered 413. Keep it at most `[runtime]
    /// channel_capacity`: a request that can never fit in the pipeline's
    /// queue would get 503 forever.
    #[serde(default = "default_max_articles")]
    pub max_articles: usize,
    /// Seconds a client is told to wait (`Retry-After`) when the pipeline is
    /// full (default 1).
    #[serde(default = "default_retry_after_secs")]
    pub retry_after_secs: u64,
}

fn default_max_body_bytes() -> usize {
    10 * 1024 * 1024
}

fn default_max_articles() -> usize {
    256
}

fn default_retry_after_secs() -> u64 {
    1
}

impl SourceConfig for HttpSourceConfig {
    fn build(&self, cx: &BuildContext) -> Result<Box<dyn Source>, BoxError> {
        let token = crate::net::resolve_token(self.token.as_deref(), self.token_env.as_deref())?;
        if self.max_body_bytes == 0 {
            return Err("`max_body_bytes` must be at least 1".into());
        }
        if self.max_articles == 0 {
            return Err("`max_articles` must be at least 1".into());
        }
        // Binding here makes a taken or malformed address fail the start,
        // before any stage runs; clients queue in the backlog until `run`.
        let listener = std::net::TcpListener::bind(&self.address)
            .map_err(|e| format!("cannot listen on {}: {e}", self.address))?;
        listener.set_nonblocking(true)?;
        cx.health.set_ready(false);
        Ok(Box::new(HttpSource {
            listener,
            health: cx.health.clone(),
            limits: Limits {
                token,
                max_body_bytes: self.max_body_bytes,
                max_articles: self.max_articles,
                retry_after: HeaderValue::from(self.retry_after_secs),
            },
        }))
    }
}

struct HttpSource {
    listener: std::net::TcpListener,
    health: Health,
    limits: Limits,
}

struct Limits {
    token: Option<String>,
    max_body_bytes: usize,
    max_articles: usize,
    retry_after: HeaderValue,
}

struct Shared {
    cx: SourceContext,
    limits: Limits,
}

#[async_trait::async_trait]
impl Source for HttpSource {
    async fn run(self: Box<Self>, cx: SourceContext) -> Result<(), BoxError> {
        let listener = tokio::net::TcpListener::from_std(self.listener)?;
        let address = listener.local_addr()?;
        let shutdown = cx.shutdown.clone();
        let name = cx.name.clone();
        let max_body_bytes = self.limits.max_body_bytes;
        let shared = Arc::new(Shared {
            cx,
            limits: self.limits,
        });
        let app = Router::new()
            .route("/articles", post(accept))
            .layer(DefaultBodyLimit::max(max_body_bytes))
            .with_state(shared);
        tracing::info!(source = %name, %address, "listening for POST /articles");
        self.health.set_ready(true);
        let served = axum::serve(listener, app)
            .with_graceful_shutdown(shutdown.cancelled_owned())
            .await;
        self.health.set_ready(false);
        served.map_err(|e| format!("serving {address}: {e}").into())
    }
}

/// A JSON answer `{"error": message}` with `status`.
fn refuse(status: StatusCode, message: impl Into<String>) -> Response {
    (status, Json(serde_json::json!({ "error": message.into() }))).into_response()
}

async fn accept(State(shared): State<Arc<Shared>>, request: Request) -> Response {
    let cx = &shared.cx;
    let limits = &shared.limits;
    // The token is checked before the body is read, so a client without it
    // cannot make the server buffer anything.
    if let Some(expected) = &limits.token {
        if !bearer_matches(request.headers(), expected) {
            tracing::warn!(source = %cx.name, "push refused: missing or wrong bearer token");
            let mut response = refuse(
                StatusCode::UNAUTHORIZED,
                "missing or wrong bearer token (send `Authorization: Bearer TOKEN`)",
            );
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
            return response;
        }
    }
    let format = body_format(request.headers());
    let body = match Bytes::from_request(request, &()).await {
        Ok(body) => body,
        Err(rejection) => {
            let status = rejection.status();
            let message = if status == StatusCode::PAYLOAD_TOO_LARGE {
                format!(
                    "the body is larger than {} bytes (`max_body_bytes`)",
                    limits.max_body_bytes
                )
            } else {
                rejection.body_text()
            };
            tracing::warn!(source = %cx.name, %status, reason = %message, "push refused");
            return refuse(status, message);
        }
    };
    // Parsing a body of megabytes is CPU work; keep it off the async threads.
    let parsed = tokio::task::spawn_blocking(move || parse_body(&body, format)).await;
    let articles = match parsed {
        Ok(Ok(articles)) => articles,
        Ok(Err(reason)) => {
            tracing::warn!(source = %cx.name, %reason, "push refused: malformed");
            return refuse(StatusCode::BAD_REQUEST, reason);
        }
        Err(e) => return refuse(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()),
    };
    let n = articles.len();
    if n > limits.max_articles {
        return refuse(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!(
                "{n} articles in one request; at most {} (`max_articles`)",
                limits.max_articles
            ),
        );
    }
    // Announced before sending: tokens of a refused batch settle (as
    // failed) when dropped, which advances the progress as much.
    cx.progress.add_total(n as u64);
    let batch = articles
        .into_iter()
        .map(|article| (article, cx.delivery()))
        .collect();
    match cx.out.try_send_batch(batch) {
        Ok(()) => (
            StatusCode::ACCEPTED,
            Json(serde_json::json!({ "accepted": n })),
        )
            .into_response(),
        Err(e) => {
            let message = match e {
                TrySendError::Full => "the pipeline is full; retry after the Retry-After delay",
                TrySendError::Closed => "the pipeline is stopping; retry later",
            };
            let mut response = refuse(StatusCode::SERVICE_UNAVAILABLE, message);
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, limits.retry_after.clone());
            response
        }
    }
}

/// Whether the request carries `Authorization: Bearer <expected>`.
fn bearer_matches(headers: &HeaderMap, expected: &str) -> bool {
    let Some(value) = headers.get(header::AUTHORIZATION) else {
        return false;
    };
    let Some((scheme, token)) = value.as_bytes().split_first_chunk::<7>() else {
        return false;
    };
    scheme.eq_ignore_ascii_case(b"bearer ") && constant_time_eq(token, expected.as_bytes())
}

/// Compares without stopping at the first difference, so the time taken does
/// not tell an attacker how much of a guessed token was right.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// How to read a body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum BodyFormat {
    /// One JSON value (an article or an array of them), else JSON Lines.
    Sniff,
    /// JSON Lines, as the content type says.
    Lines,
}

fn body_format(headers: &HeaderMap) -> BodyFormat {
    let essence = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|v| v.trim().to_ascii_lowercase());
    match essence.as_deref() {
        Some(
            "application/x-ndjson"
            | "application/ndjson"
            | "application/jsonl"
            | "application/x-jsonl"
            | "application/json-lines"
            | "application/jsonlines"
            | "application/x-jsonlines",
        ) => BodyFormat::Lines,
        _ => BodyFormat::Sniff,
    }
}

/// Reads every article of a body, or says what the first bad one is.
fn parse_body(body: &[u8], format: BodyFormat) -> Result<Vec<Article>, String> {
    let text = std::str::from_utf8(body).map_err(|e| format!("the body is not UTF-8: {e}"))?;
    if text.trim().is_empty() {
        return Err("the body is empty; send a JSON article or JSON Lines".into());
    }
    if format == BodyFormat::Sniff {
        match serde_json::from_str::<serde_json::Value>(text) {
            Ok(serde_json::Value::Array(items)) => {
                if items.is_empty() {
                    return Err("the array holds no article".into());
                }
                return items
                    .into_iter()
                    .enumerate()
                    .map(|(i, item)| {
                        Article::from_value(item).map_err(|e| format!("item {}: {e}", i + 1))
                    })
                    .collect();
            }
            Ok(value) => {
                return Article::from_value(value)
                    .map(|a| vec![a])
                    .map_err(|e| e.to_string())
            }
            // More than one line that is not one JSON document: JSON Lines.
            Err(_) if text.trim().contains('\n') => {}
            Err(e) => return Err(format!("not valid JSON: {e}")),
        }
    }
    let mut articles = Vec::new();
    for (i, line) in text.split('\n').enumerate() {
        let line = line.strip_suffix('\r').unwrap_or(line);
        if line.trim().is_empty() {
            continue;
        }
        let article = Article::from_json(line).map_err(|e| format!("line {}: {e}", i + 1))?;
        articles.push(article);
    }
    Ok(articles)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_article_an_array_or_json_lines() {
        let one = parse_body(br#"{"id": "a", "body": "Text."}"#, BodyFormat::Sniff).unwrap();
        assert_eq!(one.len(), 1);
        let pretty = parse_body(
            b"{\n  \"id\": \"a\",\n  \"body\": \"Text.\"\n}\n",
            BodyFormat::Sniff,
        );
        assert_eq!(pretty.unwrap().len(), 1);
        let array = br#"[{"id": "a", "body": "A."}, {"id": "b", "body": "B."}]"#;
        assert_eq!(parse_body(array, BodyFormat::Sniff).unwrap().len(), 2);
        let lines = b"{\"id\": \"a\", \"body\": \"A.\"}\r\n\n{\"id\": \"b\", \"body\": \"B.\"}\n";
        assert_eq!(parse_body(lines, BodyFormat::Sniff).unwrap().len(), 2);
        assert_eq!(parse_body(lines, BodyFormat::Lines).unwrap().len(), 2);
    }

    #[test]
    fn the_first_bad_line_or_item_is_named() {
        let lines = b"{\"id\": \"a\", \"body\": \"A.\"}\n{\"id\": \"b\"}\n{oops\n";
        let err = parse_body(lines, BodyFormat::Sniff).unwrap_err();
        assert!(err.starts_with("line 2:") && err.contains("body"), "{err}");
        let array = br#"[{"id": "a", "body": "A."}, {"body": "B."}]"#;
        let err = parse_body(array, BodyFormat::Sniff).unwrap_err();
        assert!(err.starts_with("item 2:") && err.contains("id"), "{err}");
        let err = parse_body(b"{\"id\": \"a\",", BodyFormat::Sniff).unwrap_err();
        assert!(err.starts_with("not valid JSON"), "{err}");
        assert!(parse_body(b" \n ", BodyFormat::Sniff).is_err());
        assert!(parse_body(b"[]", BodyFormat::Sniff).is_err());
        assert!(parse_body(&[0xff, 0xfe], BodyFormat::Sniff)
            .unwrap_err()
            .contains("UTF-8"));
        // A JSON Lines content type reads a one-line array as one bad line.
        assert!(parse_body(br#"[{"id": "a", "body": "A."}]"#, BodyFormat::Lines).is_err());
    }

    #[test]
    fn bearer_tokens_compare_exactly() {
        let mut headers = HeaderMap::new();
        assert!(!bearer_matches(&headers, "s3cret"));
        headers.insert(header::AUTHORIZATION, "Bearer s3cret".parse().unwrap());
        assert!(bearer_matches(&headers, "s3cret"));
        headers.insert(header::AUTHORIZATION, "bearer s3cret".parse().unwrap());
        assert!(bearer_matches(&headers, "s3cret"));
        assert!(!bearer_matches(&headers, "s3cre"));
        assert!(!bearer_matches(&headers, "s3crets"));
        headers.insert(header::AUTHORIZATION, "Basic czNjcmV0".parse().unwrap());
        assert!(!bearer_matches(&headers, "s3cret"));
        headers.insert(header::AUTHORIZATION, "Bear".parse().unwrap());
        assert!(!bearer_matches(&headers, "s3cret"));
    }
}
