//! Answering one `POST /articles`.

use super::body::body_framing;
use super::Ack;
use axum::body::Bytes;
use axum::extract::{FromRequest, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use newsflow_core::codec::decode_body;
use newsflow_core::{Outcome, SourceContext, TrySendError};
use std::sync::Arc;
use std::time::Duration;

/// What a request may be and how it is answered.
pub(super) struct Limits {
    pub token: Option<String>,
    pub max_body_bytes: usize,
    pub max_articles: usize,
    pub max_article_bytes: usize,
    pub body_timeout: Duration,
    pub retry_after: HeaderValue,
    pub ack: Ack,
    pub ack_timeout: Duration,
}

/// What every request handler shares.
pub(super) struct Shared {
    pub cx: SourceContext,
    pub limits: Limits,
}

/// A JSON answer `{"error": message}` with `status`.
fn refuse(status: StatusCode, message: impl Into<String>) -> Response {
    (status, Json(serde_json::json!({ "error": message.into() }))).into_response()
}

/// A refusal the client should retry after `Retry-After`.
fn retry_later(limits: &Limits, status: StatusCode, message: impl Into<String>) -> Response {
    let mut response = refuse(status, message);
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, limits.retry_after.clone());
    response
}

/// The answer to a request cut because the source is stopping.
fn stopping(limits: &Limits) -> Response {
    retry_later(
        limits,
        StatusCode::SERVICE_UNAVAILABLE,
        "the pipeline is stopping; retry later",
    )
}

pub(super) async fn accept(State(shared): State<Arc<Shared>>, request: Request) -> Response {
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
    let too_large = || {
        format!(
            "the body is larger than {} bytes (`max_body_bytes`)",
            limits.max_body_bytes
        )
    };
    // A declared length over the limit is refused before a byte is read.
    if declared_length(request.headers()).is_some_and(|n| n > limits.max_body_bytes as u64) {
        tracing::warn!(source = %cx.name, "push refused: declared body over max_body_bytes");
        return refuse(StatusCode::PAYLOAD_TOO_LARGE, too_large());
    }
    let framing = body_framing(request.headers());
    let read = tokio::select! {
        read = Bytes::from_request(request, &()) => read,
        () = tokio::time::sleep(limits.body_timeout) => {
            tracing::warn!(source = %cx.name, "push refused: body not received in time");
            let mut response = refuse(
                StatusCode::REQUEST_TIMEOUT,
                format!(
                    "the body was not received within {} s (`body_timeout_secs`)",
                    limits.body_timeout.as_secs()
                ),
            );
            response
                .headers_mut()
                .insert(header::CONNECTION, HeaderValue::from_static("close"));
            return response;
        }
        () = cx.shutdown.cancelled() => return stopping(limits),
    };
    let body = match read {
        Ok(body) => body,
        Err(rejection) => {
            let status = rejection.status();
            let message = if status == StatusCode::PAYLOAD_TOO_LARGE {
                too_large()
            } else {
                rejection.body_text()
            };
            tracing::warn!(source = %cx.name, %status, reason = %message, "push refused");
            return refuse(status, message);
        }
    };
    // Parsing a body of megabytes is CPU work; keep it off the async threads.
    let parsed = tokio::task::spawn_blocking(move || decode_body(&body, framing)).await;
    let items = match parsed {
        Ok(Ok(items)) => items,
        Ok(Err(reason)) => {
            tracing::warn!(source = %cx.name, %reason, "push refused: malformed");
            return refuse(StatusCode::BAD_REQUEST, reason);
        }
        Err(e) => return refuse(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()),
    };
    if let Some(item) = items.iter().find(|i| i.bytes > limits.max_article_bytes) {
        let reason = format!(
            "{}: the article is {} bytes, over the limit of {} bytes (`max_article_bytes`)",
            item.place, item.bytes, limits.max_article_bytes
        );
        tracing::warn!(source = %cx.name, %reason, "push refused: article too large");
        return refuse(StatusCode::PAYLOAD_TOO_LARGE, reason);
    }
    let n = items.len();
    if n > limits.max_articles {
        return refuse(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!(
                "{n} articles in one request; at most {} (`max_articles`)",
                limits.max_articles
            ),
        );
    }
    if cx.shutdown.is_cancelled() {
        return stopping(limits);
    }
    // Each article's outcome, once every sink has settled it.
    let (settled, mut outcomes) = tokio::sync::mpsc::unbounded_channel();
    let delivery = || match limits.ack {
        Ack::Accepted => cx.delivery(),
        Ack::Delivered => {
            let settled = settled.clone();
            // After a 504 nobody listens any more; the outcome is dropped.
            cx.delivery_then(move |outcome| {
                let _ = settled.send(outcome);
            })
        }
    };
    let batch = items
        .into_iter()
        .map(|item| (item.article, delivery()))
        .collect();
    drop(settled);
    if let Err(e) = cx.out.try_send_batch(batch) {
        let message = match e {
            TrySendError::Full => "the pipeline is full; retry after the Retry-After delay",
            TrySendError::Closed => "the pipeline is stopping; retry later",
        };
        return retry_later(limits, StatusCode::SERVICE_UNAVAILABLE, message);
    }
    if limits.ack == Ack::Accepted {
        return (
            StatusCode::ACCEPTED,
            Json(serde_json::json!({ "accepted": n })),
        )
            .into_response();
    }
    // The channel ends when the last token has settled.
    let failed = tokio::time::timeout(limits.ack_timeout, async {
        let mut failed = 0;
        while let Some(outcome) = outcomes.recv().await {
            failed += usize::from(outcome == Outcome::Failed);
        }
        failed
    })
    .await;
    match failed {
        Ok(0) => (StatusCode::OK, Json(serde_json::json!({ "delivered": n }))).into_response(),
        Ok(failed) => {
            tracing::warn!(source = %cx.name, failed, "push answered 503: articles not delivered");
            retry_later(
                limits,
                StatusCode::SERVICE_UNAVAILABLE,
                format!("{failed} of {n} articles were not delivered; send the request again"),
            )
        }
        Err(_) => {
            tracing::warn!(source = %cx.name, "push answered 504: delivery not settled in time");
            refuse(
                StatusCode::GATEWAY_TIMEOUT,
                format!(
                    "the articles were not all delivered within {} s (`ack_timeout_secs`); \
                     they may still be written: send the request again",
                    limits.ack_timeout.as_secs()
                ),
            )
        }
    }
}

/// The `Content-Length` a request declares, if any.
fn declared_length(headers: &HeaderMap) -> Option<u64> {
    headers
        .get(header::CONTENT_LENGTH)?
        .to_str()
        .ok()?
        .trim()
        .parse()
        .ok()
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

#[cfg(test)]
mod tests {
    use super::*;

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
