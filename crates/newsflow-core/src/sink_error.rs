//! What a sink's failure means: retry, refuse named records, or stop (and
//! whether the configuration is to blame).

use crate::BoxError;

/// What a sink failure means for the batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SinkErrorKind {
    /// Trying the same batch again may succeed (a lost connection, a
    /// timeout, a 5xx): the runtime retries as
    /// [`Backoff::STANDARD`](crate::Backoff::STANDARD) says, waiting at
    /// least [`SinkError::retry_after`], dropping nothing.
    Retryable,
    /// The target refused records for good (a 4xx, a value it cannot
    /// store): the runtime sends them to the dead-letter sink with the
    /// reason and goes on. [`SinkError::refused`] says which records; when
    /// it is empty the whole batch is refused.
    Rejected,
    /// The sink cannot go on (a disk error, bad credentials): the run stops
    /// with an error.
    Fatal,
}

/// A record of a batch the target refused, by its place in the batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// The record's index among those written since the last flush (the
    /// batch: the runtime writes one batch per flush).
    pub index: usize,
    /// Why, for the dead letter.
    pub reason: String,
}

/// A sink failure.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct SinkError {
    /// What went wrong, with the target named.
    pub message: String,
    /// What it means for the batch.
    pub kind: SinkErrorKind,
    /// For a rejection, the records refused one by one; empty when the
    /// whole batch is refused. Either way nothing of the batch counts as
    /// written: the runtime dead-letters the refused records and passes the
    /// rest again.
    pub refused: Vec<Refusal>,
    /// For a fatal failure: the configuration is wrong (an unknown database
    /// or role, refused credentials), so restarting cannot help. A run
    /// stopped by it reports [`Misconfigured`].
    pub misconfigured: bool,
    /// For a failure that may pass: how long the target asked to be left
    /// alone (an HTTP `Retry-After`). The runtime waits at least this long
    /// before it tries again.
    pub retry_after: Option<std::time::Duration>,
    /// The driver's error behind the failure, for logs that print the chain
    /// ([`message`](SinkError::message) already quotes it).
    #[source]
    pub source: Option<BoxError>,
}

impl SinkError {
    fn new(message: impl Into<String>, kind: SinkErrorKind) -> SinkError {
        SinkError {
            message: message.into(),
            kind,
            refused: Vec::new(),
            misconfigured: false,
            retry_after: None,
            source: None,
        }
    }

    /// The same failure, caused by `source` (the driver's error).
    pub fn with_source(self, source: impl Into<BoxError>) -> SinkError {
        SinkError {
            source: Some(source.into()),
            ..self
        }
    }

    /// The same failure, which the target asked not to retry before `wait`
    /// has passed.
    pub fn with_retry_after(self, wait: Option<std::time::Duration>) -> SinkError {
        SinkError {
            retry_after: wait,
            ..self
        }
    }

    /// A failure that retrying can fix.
    pub fn retryable(message: impl Into<String>) -> SinkError {
        SinkError::new(message, SinkErrorKind::Retryable)
    }

    /// The target refused the batch; its records go to the dead-letter sink.
    pub fn rejected(message: impl Into<String>) -> SinkError {
        SinkError::new(message, SinkErrorKind::Rejected)
    }

    /// The target refused these records of the batch (and would take the
    /// others): only they go to the dead-letter sink.
    pub fn refused(message: impl Into<String>, refused: Vec<Refusal>) -> SinkError {
        SinkError {
            refused,
            ..SinkError::new(message, SinkErrorKind::Rejected)
        }
    }

    /// A failure that stops the sink.
    pub fn fatal(message: impl Into<String>) -> SinkError {
        SinkError::new(message, SinkErrorKind::Fatal)
    }

    /// A failure that stops the sink because its configuration is wrong.
    pub fn misconfigured(message: impl Into<String>) -> SinkError {
        SinkError {
            misconfigured: true,
            ..SinkError::fatal(message)
        }
    }
}

/// A stage stopped because its configuration is wrong in a way only the
/// target could tell (a stream, database or role that does not exist,
/// credentials refused): restarting cannot help, so `newsflow run` exits 78
/// (EX_CONFIG) instead of 1. Sources return it boxed; the runtime looks for
/// it by downcasting.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Misconfigured(pub String);

#[cfg(test)]
mod tests {
    use super::*;
    use std::error::Error;
    use std::time::Duration;

    #[test]
    fn a_sink_error_keeps_its_cause_and_says_the_same() {
        let io = std::io::Error::new(std::io::ErrorKind::ConnectionRefused, "refused");
        let err = SinkError::retryable(format!("cannot reach db: {io}"))
            .with_source(io)
            .with_retry_after(Some(Duration::from_secs(3)));
        assert_eq!(err.to_string(), "cannot reach db: refused");
        assert_eq!(err.kind, SinkErrorKind::Retryable);
        assert_eq!(err.retry_after, Some(Duration::from_secs(3)));
        let cause = err.source().expect("the cause");
        assert_eq!(
            cause.downcast_ref::<std::io::Error>().map(|e| e.kind()),
            Some(std::io::ErrorKind::ConnectionRefused)
        );
        assert!(SinkError::fatal("disk").source().is_none());
    }
}
