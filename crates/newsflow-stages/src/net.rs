//! What the network stages share: bearer tokens from the config or the
//! environment, the outgoing HTTP client, short excerpts of responses for
//! error messages, and errors with their causes on one line.

use newsflow_core::BoxError;
use std::time::Duration;

/// The token a stage uses: written in the config (`token`) or read from an
/// environment variable (`token_env`), never both. A named variable that is
/// unset or empty is an error, so a deployment whose secret went missing
/// fails at start instead of running without authentication.
pub(crate) fn resolve_token(
    token: Option<&str>,
    token_env: Option<&str>,
) -> Result<Option<String>, BoxError> {
    match (token, token_env) {
        (Some(_), Some(_)) => Err("set `token` or `token_env`, not both".into()),
        (Some(token), None) if token.trim().is_empty() => {
            Err("`token` is empty; remove it to accept requests without a token".into())
        }
        (Some(token), None) => Ok(Some(token.to_owned())),
        (None, Some(variable)) => match std::env::var(variable) {
            Ok(token) if !token.trim().is_empty() => Ok(Some(token)),
            Ok(_) => {
                Err(format!("the environment variable {variable} (`token_env`) is empty").into())
            }
            Err(e) => Err(format!(
                "cannot read the environment variable {variable} (`token_env`): {e}"
            )
            .into()),
        },
        (None, None) => Ok(None),
    }
}

/// Whether redirects are followed: yes for feeds (a GET is safe to repeat
/// elsewhere), no for webhooks (a redirected POST may turn into a GET that
/// drops the batch while reporting success).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Redirects {
    Follow,
    Refuse,
}

/// An HTTP client whose requests, connecting included, give up after
/// `timeout`.
pub(crate) fn client(timeout: Duration, redirects: Redirects) -> Result<reqwest::Client, BoxError> {
    // reqwest is built without a default TLS crypto provider; install ring
    // once per process. A second install reports the first one: not an error.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let policy = match redirects {
        Redirects::Follow => reqwest::redirect::Policy::limited(5),
        Redirects::Refuse => reqwest::redirect::Policy::none(),
    };
    Ok(reqwest::Client::builder()
        .user_agent(concat!("newsflow/", env!("CARGO_PKG_VERSION")))
        .timeout(timeout)
        .connect_timeout(timeout)
        .redirect(policy)
        .build()
        .map_err(|e| format!("cannot set up the HTTP client: {}", error_chain(&e)))?)
}

/// An error and its causes on one line (reqwest's own message leaves out
/// the cause: "connection refused", "timed out").
pub(crate) fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}

/// The start of a response body for an error message: at most `max_bytes`
/// read, invalid UTF-8 replaced, cut at a character boundary.
pub(crate) async fn body_excerpt(mut response: reqwest::Response, max_bytes: usize) -> String {
    let mut bytes = Vec::new();
    while bytes.len() < max_bytes {
        match response.chunk().await {
            Ok(Some(chunk)) => bytes.extend_from_slice(&chunk),
            _ => break,
        }
    }
    let truncated = bytes.len() > max_bytes;
    bytes.truncate(max_bytes);
    let mut text = String::from_utf8_lossy(&bytes).into_owned();
    if truncated {
        // A multi-byte character cut in two shows as U+FFFD at the end.
        text = text.trim_end_matches('\u{fffd}').to_owned();
        text.push('…');
    }
    text
}

/// Parses a `Retry-After` header given in seconds (the HTTP-date form is
/// rare from APIs and ignored).
pub(crate) fn retry_after(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    let value = headers.get(reqwest::header::RETRY_AFTER)?.to_str().ok()?;
    value.trim().parse::<u64>().ok().map(Duration::from_secs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_from_config_or_environment_never_both() {
        assert_eq!(resolve_token(None, None).unwrap(), None);
        assert_eq!(
            resolve_token(Some("s3cret"), None).unwrap().as_deref(),
            Some("s3cret")
        );
        assert!(resolve_token(Some("a"), Some("B")).is_err());
        assert!(resolve_token(Some("  "), None).is_err());
        let missing = resolve_token(None, Some("NEWSFLOW_TEST_SURELY_UNSET_VARIABLE"));
        assert!(missing
            .unwrap_err()
            .to_string()
            .contains("NEWSFLOW_TEST_SURELY_UNSET_VARIABLE"));
    }

    #[test]
    fn retry_after_in_seconds() {
        let mut headers = reqwest::header::HeaderMap::new();
        assert_eq!(retry_after(&headers), None);
        headers.insert(reqwest::header::RETRY_AFTER, "7".parse().unwrap());
        assert_eq!(retry_after(&headers), Some(Duration::from_secs(7)));
        headers.insert(
            reqwest::header::RETRY_AFTER,
            "Wed, 21 Oct 2015 07:28:00 GMT".parse().unwrap(),
        );
        assert_eq!(retry_after(&headers), None);
    }
}
