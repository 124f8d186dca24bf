//! What `newsflow tap` and `newsflow top` share: finding a running daemon's
//! API, sending its token, and reading its server-sent events.

use anyhow::{bail, Context};
use reqwest::StatusCode;

/// Where the daemon's API is and how to get in.
#[derive(clap::Args, Debug, Clone)]
pub struct ApiArgs {
    /// The daemon's `[api] address`.
    #[arg(long, env = "NEWSFLOW_API", default_value = "127.0.0.1:8686")]
    api: String,
    /// The daemon's `[api] token`, when it has one.
    #[arg(long, env = "NEWSFLOW_API_TOKEN", hide_env_values = true)]
    token: Option<String>,
}

/// A connection to one daemon's API.
pub struct Api {
    base: String,
    token: Option<String>,
    client: reqwest::Client,
}

impl Api {
    /// A client for `args`; nothing is contacted yet.
    pub fn new(args: &ApiArgs) -> anyhow::Result<Api> {
        // reqwest is built without a default TLS crypto provider; the API is
        // plain HTTP, but the client wants one installed all the same.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let base = if args.api.contains("://") {
            args.api.trim_end_matches('/').to_owned()
        } else {
            format!("http://{}", args.api)
        };
        let client = reqwest::Client::builder()
            .connect_timeout(std::time::Duration::from_secs(5))
            .build()
            .context("cannot set up the HTTP client")?;
        Ok(Api {
            base,
            token: args.token.clone(),
            client,
        })
    }

    /// GETs `path`, refusing with a clear message when nothing answers, the
    /// token is refused or the request is (an unknown stage).
    pub async fn get(&self, path: &str) -> anyhow::Result<reqwest::Response> {
        let mut request = self.client.get(format!("{}{path}", self.base));
        if let Some(token) = &self.token {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.map_err(|e| {
            anyhow::anyhow!(
                "no newsflow API answers at {} ({}); is `newsflow run` running with `[api] address` set to it? (--api, NEWSFLOW_API)",
                self.base,
                cause(&e)
            )
        })?;
        let status = response.status();
        if status.is_success() {
            return Ok(response);
        }
        let body = response.text().await.unwrap_or_default();
        let body = body.trim();
        match status {
            StatusCode::UNAUTHORIZED if self.token.is_some() => {
                bail!("the API at {} refused the token: {body}", self.base)
            }
            StatusCode::UNAUTHORIZED => bail!(
                "the API at {} wants a token: pass --token or set NEWSFLOW_API_TOKEN ({body})",
                self.base
            ),
            _ => bail!("the API at {} answered {status}: {body}", self.base),
        }
    }

    /// Opens the event stream at `path`.
    pub async fn events(&self, path: &str) -> anyhow::Result<Events> {
        Ok(Events {
            response: self.get(path).await?,
            buffer: Vec::new(),
            base: self.base.clone(),
        })
    }
}

/// The innermost cause of an error, which says what went wrong ("connection
/// refused") where reqwest's own message does not.
fn cause(error: &dyn std::error::Error) -> String {
    let mut inner = error;
    while let Some(next) = inner.source() {
        inner = next;
    }
    inner.to_string()
}

/// A stream of server-sent events.
pub struct Events {
    response: reqwest::Response,
    buffer: Vec<u8>,
    base: String,
}

/// One server-sent event.
#[derive(Debug)]
pub struct SseEvent {
    /// Its `event:` name (`message` when none).
    pub name: String,
    /// Its `data:` lines, joined.
    pub data: String,
}

impl Events {
    /// The next event; `None` when the daemon ended the stream (it stopped).
    pub async fn next(&mut self) -> anyhow::Result<Option<SseEvent>> {
        loop {
            if let Some(end) = find_blank_line(&self.buffer) {
                let block: Vec<u8> = self.buffer.drain(..end.1).collect();
                let text = String::from_utf8_lossy(&block[..end.0]);
                if let Some(event) = parse_event(&text) {
                    return Ok(Some(event));
                }
                continue;
            }
            let chunk = self
                .response
                .chunk()
                .await
                .with_context(|| format!("lost the API at {}", self.base))?;
            match chunk {
                Some(bytes) => self.buffer.extend_from_slice(&bytes),
                None => return Ok(None),
            }
        }
    }
}

/// Where the first event block ends: (end of its text, end of the blank line).
fn find_blank_line(buffer: &[u8]) -> Option<(usize, usize)> {
    let lf = buffer
        .windows(2)
        .position(|w| w == b"\n\n")
        .map(|i| (i, i + 2));
    let crlf = buffer
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map(|i| (i, i + 4));
    match (lf, crlf) {
        (Some(a), Some(b)) => Some(if a.0 < b.0 { a } else { b }),
        (a, b) => a.or(b),
    }
}

/// One event block; `None` for a comment-only block (a keep-alive).
fn parse_event(block: &str) -> Option<SseEvent> {
    let mut name = "message".to_owned();
    let mut data: Vec<&str> = Vec::new();
    for line in block.lines() {
        let (field, value) = line.split_once(':').unwrap_or((line, ""));
        let value = value.strip_prefix(' ').unwrap_or(value);
        match field {
            "event" => name = value.to_owned(),
            "data" => data.push(value),
            _ => {}
        }
    }
    (!data.is_empty()).then(|| SseEvent {
        name,
        data: data.join("\n"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_are_split_on_blank_lines_and_keep_alives_skipped() {
        let stream = b": keep-alive\n\nevent: record\ndata: {\"a\":1}\n\ndata: x\r\n\r\n";
        let (end, next) = find_blank_line(stream).unwrap();
        assert!(parse_event(std::str::from_utf8(&stream[..end]).unwrap()).is_none());
        let rest = &stream[next..];
        let (end, next) = find_blank_line(rest).unwrap();
        let event = parse_event(std::str::from_utf8(&rest[..end]).unwrap()).unwrap();
        assert_eq!(
            (event.name.as_str(), event.data.as_str()),
            ("record", "{\"a\":1}")
        );
        let last = &rest[next..];
        let (end, _) = find_blank_line(last).unwrap();
        let event = parse_event(std::str::from_utf8(&last[..end]).unwrap()).unwrap();
        assert_eq!((event.name.as_str(), event.data.as_str()), ("message", "x"));
    }
}
