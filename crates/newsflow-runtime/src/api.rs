//! The daemon's HTTP endpoint: `/metrics` (Prometheus), `/health` (the
//! process is alive) and `/ready` (every stage can do its job, and the
//! pipeline is not draining).

use crate::config::{ApiOptions, ConfigError, ParsedConfig, Problem};
use crate::status::Status;
use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;
use tokio_util::sync::CancellationToken;

/// A running API server.
pub(crate) struct Api {
    stop: CancellationToken,
    task: tokio::task::JoinHandle<()>,
}

impl Api {
    /// Stops serving (after the run, so `/ready` says 503 while draining).
    pub(crate) async fn stop(self) {
        self.stop.cancel();
        let _ = self.task.await;
    }
}

/// Binds `options.address` and serves `status` there until stopped.
pub(crate) async fn serve(
    options: &ApiOptions,
    status: Status,
    config: &ParsedConfig,
) -> Result<Api, ConfigError> {
    let listener = tokio::net::TcpListener::bind(options.address)
        .await
        .map_err(|e| ConfigError {
            file: config.file.clone(),
            problems: vec![Problem {
                key: "api.address".into(),
                line: config.line_of("api.address"),
                message: format!("cannot listen on {}: {e}", options.address),
            }],
        })?;
    tracing::info!(address = %options.address, "serving /metrics, /health and /ready");
    let app = Router::new()
        .route("/metrics", get(metrics))
        .route("/health", get(health))
        .route("/ready", get(ready))
        .with_state(status);
    let stop = CancellationToken::new();
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
