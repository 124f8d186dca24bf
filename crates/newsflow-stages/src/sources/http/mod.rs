//! `http`: articles pushed by clients: `POST /articles` over HTTP/1.1.
//!
//! The body is one JSON article, a JSON array of articles, or JSON Lines (one
//! article per line; always so with a `Content-Type` of
//! `application/x-ndjson`, `application/jsonl` or `application/json-lines`).
//! A request is all or nothing: every article valid and within
//! `max_article_bytes`, and room for all of them in the pipeline, or none is
//! taken.
//!
//! Answers (JSON bodies): with `ack = "accepted"`, 202 `{"accepted": n}` once
//! the articles are in the pipeline; with `ack = "delivered"`, 200
//! `{"delivered": n}` once every sink has written them (503 if one was lost,
//! 504 past `ack_timeout_secs`). 400 `{"error": ...}` names the first bad line
//! or item; 401 without the configured bearer token; 408 when the body does
//! not arrive within `body_timeout_secs`; 413 over `max_body_bytes` (a
//! declared `Content-Length` is refused before the body is read),
//! `max_articles` or `max_article_bytes`; 503 with `Retry-After` while the
//! pipeline is full or stopping. A refused request is not dead-lettered: the
//! client holds the data and is told why, and a client that retries a fixed
//! request would otherwise leave stale copies behind.
//!
//! A 202 means accepted, not yet written: articles in flight when the process
//! is killed are lost to this source (a graceful stop drains them); a client
//! that must not lose any asks for `ack = "delivered"`.
//!
//! The server (`server.rs`) holds at most `max_connections`, closes one whose
//! headers do not arrive within `header_timeout_secs`, and at shutdown closes
//! at once every connection that owes no answer.

mod body;
mod push;
mod server;

use axum::extract::DefaultBodyLimit;
use axum::http::HeaderValue;
use axum::routing::post;
use axum::Router;
use newsflow_core::{BoxError, BuildContext, Health, Source, SourceConfig, SourceContext};
use push::{Limits, Shared};
use serde::Deserialize;
use server::ServerLimits;
use std::num::{NonZeroU64, NonZeroUsize};
use std::sync::Arc;
use std::time::Duration;

/// When a push is answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Ack {
    /// 202 once the articles are in the pipeline (a crash may lose them).
    #[default]
    Accepted,
    /// 200 once every sink has written them; the client retries otherwise.
    Delivered,
}

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
    pub max_body_bytes: NonZeroUsize,
    /// The most articles one request may carry (default 256); a request
    /// with more is answered 413. Keep it at most `[runtime]
    /// channel_capacity`: a request that can never fit in the pipeline's
    /// queue would get 503 forever.
    #[serde(default = "default_max_articles")]
    pub max_articles: NonZeroUsize,
    /// The largest article, in bytes of its JSON text (default 10 MiB); a
    /// request with a larger one is answered 413 naming it.
    #[serde(default = "crate::sources::default_max_article_bytes")]
    pub max_article_bytes: NonZeroUsize,
    /// Seconds a client is told to wait (`Retry-After`) when the pipeline is
    /// full (default 1).
    #[serde(default = "default_retry_after_secs")]
    pub retry_after_secs: u64,
    /// When a push is answered (default `accepted`).
    #[serde(default)]
    pub ack: Ack,
    /// With `ack = "delivered"`: seconds to wait for the sinks before
    /// answering 504 (default 30).
    #[serde(default = "default_ack_timeout_secs")]
    pub ack_timeout_secs: NonZeroU64,
    /// Seconds a client has to send a request's headers, and that an idle
    /// kept-alive connection stays open (default 10).
    #[serde(default = "default_header_timeout_secs")]
    pub header_timeout_secs: NonZeroU64,
    /// Seconds a client has to send a request's body once its headers are
    /// in (default 30); later it is answered 408.
    #[serde(default = "default_body_timeout_secs")]
    pub body_timeout_secs: NonZeroU64,
    /// The most connections open at once (default 512); more wait to be
    /// accepted until one closes.
    #[serde(default = "default_max_connections")]
    pub max_connections: NonZeroUsize,
}

fn default_max_body_bytes() -> NonZeroUsize {
    NonZeroUsize::new(10 * 1024 * 1024).expect("not zero")
}

fn default_max_articles() -> NonZeroUsize {
    NonZeroUsize::new(256).expect("not zero")
}

fn default_retry_after_secs() -> u64 {
    1
}

fn default_ack_timeout_secs() -> NonZeroU64 {
    NonZeroU64::new(30).expect("not zero")
}

fn default_header_timeout_secs() -> NonZeroU64 {
    NonZeroU64::new(10).expect("not zero")
}

fn default_body_timeout_secs() -> NonZeroU64 {
    NonZeroU64::new(30).expect("not zero")
}

fn default_max_connections() -> NonZeroUsize {
    NonZeroUsize::new(512).expect("not zero")
}

impl SourceConfig for HttpSourceConfig {
    fn build(&self, cx: &BuildContext) -> Result<Box<dyn Source>, BoxError> {
        let token = crate::net::resolve_token(self.token.as_deref(), self.token_env.as_deref())?;
        // Binding here makes a taken or malformed address fail the start,
        // before any stage runs; clients queue in the backlog until `run`.
        let listener = std::net::TcpListener::bind(&self.address)
            .map_err(|e| format!("cannot listen on {}: {e}", self.address))?;
        listener.set_nonblocking(true)?;
        cx.health.set_ready(false);
        Ok(Box::new(HttpSource {
            listener,
            health: cx.health.clone(),
            server: ServerLimits {
                max_connections: self.max_connections.get(),
                header_timeout: Duration::from_secs(self.header_timeout_secs.get()),
            },
            limits: Limits {
                token,
                max_body_bytes: self.max_body_bytes.get(),
                max_articles: self.max_articles.get(),
                max_article_bytes: self.max_article_bytes.get(),
                body_timeout: Duration::from_secs(self.body_timeout_secs.get()),
                retry_after: HeaderValue::from(self.retry_after_secs),
                ack: self.ack,
                ack_timeout: Duration::from_secs(self.ack_timeout_secs.get()),
            },
        }))
    }
}

struct HttpSource {
    listener: std::net::TcpListener,
    health: Health,
    server: ServerLimits,
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
            .route("/articles", post(push::accept))
            .layer(DefaultBodyLimit::max(max_body_bytes))
            .with_state(shared);
        tracing::info!(source = %name, %address, "listening for POST /articles");
        server::serve(listener, app, self.server, self.health, shutdown).await;
        Ok(())
    }
}
