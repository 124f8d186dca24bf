//! What the NATS source and sink share: the default server, the checks of
//! addresses, names and subjects, and the connection that keeps a stage's
//! health in step with it.

use newsflow_core::{BoxError, Health};
use serde::Deserialize;
use std::fmt;
use std::ops::Deref;

/// The server a NATS stage talks to when no `url` is given.
pub(crate) const DEFAULT_URL: &str = "nats://127.0.0.1:4222";

/// Defines a string that is checked as the config is read.
macro_rules! checked_string {
    ($(#[$doc:meta])* $name:ident, $check:expr) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
        #[serde(try_from = "String")]
        pub struct $name(String);

        impl TryFrom<String> for $name {
            type Error = String;

            fn try_from(text: String) -> Result<$name, String> {
                let check: fn(&str) -> Result<(), BoxError> = $check;
                check(&text).map_err(|e| e.to_string())?;
                Ok($name(text))
            }
        }

        impl Deref for $name {
            type Target = str;

            fn deref(&self) -> &str {
                &self.0
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

checked_string!(
    /// A NATS server address (`nats://host:4222`, credentials allowed).
    ServerUrl,
    check_url
);
checked_string!(
    /// A stream or consumer name.
    Name,
    |name| check_name(name)
);
checked_string!(
    /// A subject to publish to: no wildcards.
    Subject,
    |subject| check_subject(subject, false)
);
checked_string!(
    /// A subject to read, wildcards allowed.
    SubjectFilter,
    |subject| check_subject(subject, true)
);

impl Default for ServerUrl {
    fn default() -> ServerUrl {
        ServerUrl(DEFAULT_URL.to_owned())
    }
}

/// Checks that `url` names a NATS server.
fn check_url(url: &str) -> Result<(), BoxError> {
    url.parse::<async_nats::ServerAddr>()
        .map(drop)
        .map_err(|e| format!("{url:?} is not a NATS server address: {e}").into())
}

/// Checks a stream or consumer name: the server refuses empty names and ones
/// with whitespace, `.`, `*`, `>`, path separators or control characters.
fn check_name(name: &str) -> Result<(), BoxError> {
    let bad = name.chars().find(|&c| {
        c.is_whitespace() || c.is_control() || matches!(c, '.' | '*' | '>' | '/' | '\\')
    });
    match bad {
        _ if name.is_empty() => Err("the name is empty".into()),
        Some(c) => Err(format!("{name:?} contains {c:?}, which NATS names cannot hold").into()),
        None => Ok(()),
    }
}

/// Checks a subject: dot-separated non-empty tokens without whitespace;
/// `*` and `>` only as whole tokens (`>` last), and only when `wildcards`.
fn check_subject(subject: &str, wildcards: bool) -> Result<(), BoxError> {
    let refuse = |why: &str| Err(format!("subject {subject:?} {why}").into());
    if subject.is_empty() {
        return refuse("is empty");
    }
    let tokens: Vec<&str> = subject.split('.').collect();
    for (i, token) in tokens.iter().enumerate() {
        if token.is_empty() {
            return refuse("has an empty token");
        }
        if token.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return refuse("contains whitespace or a control character");
        }
        let wildcard = *token == "*" || *token == ">";
        if wildcard && !wildcards {
            return refuse("has a wildcard; a publish subject cannot");
        }
        if *token == ">" && i + 1 != tokens.len() {
            return refuse("has `>` before its last token");
        }
        if !wildcard && token.contains(['*', '>']) {
            return refuse("has `*` or `>` inside a token");
        }
    }
    Ok(())
}

/// Connects to `url`, keeping `health` in step with the connection (the
/// client reconnects by itself after that).
pub(crate) async fn connect(
    url: &str,
    stage: &str,
    health: &Health,
) -> Result<async_nats::Client, async_nats::ConnectError> {
    let events = health.clone();
    let stage_name = stage.to_owned();
    let client = async_nats::ConnectOptions::new()
        .name(format!("newsflow {stage}"))
        .event_callback(move |event| {
            match event {
                async_nats::Event::Connected => events.set_ready(true),
                async_nats::Event::Disconnected | async_nats::Event::Closed => {
                    events.set_ready(false)
                }
                _ => {}
            }
            tracing::info!(stage = %stage_name, %event, "NATS connection event");
            async {}
        })
        .connect(url)
        .await?;
    health.set_ready(true);
    Ok(client)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_subjects_are_checked() {
        assert!(check_name("ARTICLES_2").is_ok());
        for bad in ["", "a.b", "a b", "a*", "a>", "a/b", "a\nb"] {
            assert!(check_name(bad).is_err(), "{bad:?}");
        }
        assert!(check_subject("news.in.>", true).is_ok());
        assert!(check_subject("news.*.en", true).is_ok());
        assert!(check_subject("news.*.en", false).is_err());
        for bad in ["", "news..in", "news.>.en", "news.a*", "news in", ".news"] {
            assert!(check_subject(bad, true).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn values_are_checked_as_read() {
        assert!(serde_json::from_str::<Name>("\"a.b\"").is_err());
        assert!(serde_json::from_str::<Subject>("\"news.*\"").is_err());
        assert!(serde_json::from_str::<SubjectFilter>("\"news.*\"").is_ok());
        assert!(serde_json::from_str::<ServerUrl>("\"http://[::1\"").is_err());
        assert_eq!(&*ServerUrl::default(), DEFAULT_URL);
    }
}
