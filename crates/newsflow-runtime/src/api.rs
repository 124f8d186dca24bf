//! The daemon's HTTP endpoint: `/metrics` (Prometheus), `/health` (the
//! process is alive), `/ready` (every stage can do its job, and the
//! pipeline is not draining), the page at `/` and the observer streams
//! under `/api/` (see [`crate::observe`]).
//!
//! With `[api] token` set, every path but `/health` wants the token, as a
//! bearer header, a `token` query parameter (for a browser: its EventSource
//! cannot send a header) or the cookie a request with that parameter sets.

use crate::config::{ApiOptions, ConfigError, ParsedConfig, Problem};
use crate::status::Status;
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use std::sync::Arc;
use tokio_util::sync::CancellationToken;

/// A running API server.
pub(crate) struct Api {
    stop: CancellationToken,
    task: tokio::task::JoinHandle<()>,
}

impl Api {
    /// Stops serving (after the run, so `/ready` says 503 while draining).
    /// Observer streams end at once; a client that does not read its end
    /// (a stalled browser) is cut off after a moment rather than waited for.
    pub(crate) async fn stop(mut self) {
        self.stop.cancel();
        if tokio::time::timeout(STOP_GRACE, &mut self.task)
            .await
            .is_err()
        {
            self.task.abort();
        }
    }
}

/// How long a stop waits for clients to take the end of their streams.
const STOP_GRACE: std::time::Duration = std::time::Duration::from_secs(2);

/// Binds `options.address` and serves `status` there until stopped.
pub(crate) async fn serve(
    options: &ApiOptions,
    status: Status,
    config: &ParsedConfig,
) -> Result<Api, ConfigError> {
    let (listener, token) = open(options, config).await?;
    tracing::info!(address = %options.address, token = token.is_some(), "serving the page at /, /metrics, /health and /ready");
    let stop = CancellationToken::new();
    let guarded = Router::new()
        .route("/metrics", get(metrics))
        .route("/ready", get(ready))
        .merge(crate::observe::routes())
        .layer(axum::Extension(stop.clone()))
        .layer(axum::middleware::from_fn_with_state(
            Arc::new(token),
            require_token,
        ));
    let app = Router::new()
        .route("/health", get(health))
        .merge(guarded)
        .with_state(status);
    let stopped = stop.clone();
    let task = tokio::spawn(async move {
        let served = axum::serve(listener, app)
            .with_graceful_shutdown(async move { stopped.cancelled().await })
            .await;
        if let Err(e) = served {
            tracing::error!(error = %e, "the API server stopped");
        }
    });
    Ok(Api { stop, task })
}

/// What `serve` needs from outside: the address bound, and the token
/// (from the environment, for `token_env`).
async fn open(
    options: &ApiOptions,
    config: &ParsedConfig,
) -> Result<(tokio::net::TcpListener, Option<String>), ConfigError> {
    Ok((
        bind(options, config).await?,
        resolve_token(options, config)?,
    ))
}

/// Binds `options.address`.
async fn bind(
    options: &ApiOptions,
    config: &ParsedConfig,
) -> Result<tokio::net::TcpListener, ConfigError> {
    tokio::net::TcpListener::bind(options.address)
        .await
        .map_err(|e| ConfigError {
            file: config.file.clone(),
            problems: vec![Problem {
                key: "api.address".into(),
                line: config.line_of("api.address"),
                message: format!("cannot listen on {}: {e}", options.address),
            }],
        })
}

/// What `serve` would refuse at start (`validate --build`): an address
/// that cannot be bound, a `token_env` that is not set. Binds and lets go.
pub(crate) async fn check(options: &ApiOptions, config: &ParsedConfig) -> Vec<Problem> {
    let bound = bind(options, config).await.err();
    let token = resolve_token(options, config).err();
    bound
        .into_iter()
        .chain(token)
        .flat_map(|e| e.problems)
        .collect()
}

/// The token `options` asks for, read from the environment for `token_env`.
fn resolve_token(
    options: &ApiOptions,
    config: &ParsedConfig,
) -> Result<Option<String>, ConfigError> {
    let Some(name) = &options.token_env else {
        return Ok(options.token.clone());
    };
    match std::env::var(name) {
        Ok(token) if !token.is_empty() => Ok(Some(token)),
        _ => Err(ConfigError {
            file: config.file.clone(),
            problems: vec![Problem {
                key: "api.token_env".into(),
                line: config.line_of("api.token_env"),
                message: format!("the environment variable {name} is not set or empty"),
            }],
        }),
    }
}

/// Refuses a request without the configured token (401, saying how to send
/// it); lets everything through when no token is configured.
async fn require_token(
    State(expected): State<Arc<Option<String>>>,
    request: Request,
    next: Next,
) -> Response {
    let Some(expected) = expected.as_deref() else {
        return next.run(request).await;
    };
    let bearer = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.get(..7)
                .filter(|s| s.eq_ignore_ascii_case("bearer "))
                .map(|_| &v[7..])
        });
    let query = request.uri().query().unwrap_or("");
    let in_query = url_param(query, "token");
    let in_cookie = request
        .headers()
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|pair| url_param(pair.trim(), COOKIE));
    let given = bearer.map(str::to_owned).or(in_query.clone()).or(in_cookie);
    if given.is_some_and(|t| constant_time_eq(t.as_bytes(), expected.as_bytes())) {
        let mut response = next.run(request).await;
        // A browser that opened `/?token=` keeps the token in a cookie, so
        // the page's own assets and streams need no token in their URLs.
        let cookie = in_query
            .and_then(|t| serde_urlencoded::to_string([(COOKIE, t)]).ok())
            .and_then(|pair| {
                HeaderValue::from_str(&format!("{pair}; HttpOnly; SameSite=Strict; Path=/")).ok()
            });
        if let Some(cookie) = cookie {
            response.headers_mut().insert(header::SET_COOKIE, cookie);
        }
        return response;
    }
    tracing::warn!(path = %request.uri().path(), "API request refused: missing or wrong token");
    let mut response = (
        StatusCode::UNAUTHORIZED,
        "missing or wrong token: send `Authorization: Bearer TOKEN`, or add `?token=TOKEN` to the URL\n",
    )
        .into_response();
    response
        .headers_mut()
        .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
    response
}

/// The cookie a browser keeps the token in.
const COOKIE: &str = "newsflow_token";

/// The first value of `name` in a URL query string, percent-decoded.
pub(crate) fn url_param(query: &str, name: &str) -> Option<String> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(query).ok()?;
    pairs.into_iter().find(|(k, _)| k == name).map(|(_, v)| v)
}

/// Compares without stopping at the first difference, so the time taken does
/// not tell an attacker how much of a guessed token was right.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

async fn metrics(State(status): State<Status>) -> impl IntoResponse {
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        status.render_prometheus(),
    )
}

async fn health() -> &'static str {
    "ok\n"
}

async fn ready(State(status): State<Status>) -> impl IntoResponse {
    let body = serde_json::json!({
        "ready": status.is_ready(),
        "draining": status.is_draining(),
        "not_ready": status.not_ready(),
    });
    let code = if status.is_ready() {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (code, axum::Json(body))
}
