//! `redis`: articles in a Redis hash, one field per article id (its JSON),
//! and dead letters in a second hash keyed by their content's digest.
//!
//! Each batch is one `MULTI`/`EXEC` transaction of `HSET`s, so a batch is
//! stored whole or not at all, and a batch written again after a lost
//! reply (the runtime retries it) overwrites itself: nothing is stored
//! twice. A lost connection makes the batch retryable; the sink reconnects
//! on the next attempt, reporting not-ready meanwhile.

use newsflow_core::{Batch, BoxError, BuildContext, Health, Record, Sink, SinkConfig, SinkError};
use serde::Deserialize;
use sha2::{Digest, Sha256};
use std::fmt;

/// `type = "redis"`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RedisConfig {
    /// The server, `redis://[user:password@]host:6379/DB` (default
    /// `redis://127.0.0.1:6379/0`).
    #[serde(default)]
    pub url: RedisUrl,
    /// The hash holding articles by id (default `newsflow:articles`).
    #[serde(default = "default_key")]
    pub key: String,
    /// The hash holding dead letters by digest (default
    /// `newsflow:dead_letters`).
    #[serde(default = "default_dead_letter_key")]
    pub dead_letter_key: String,
}

fn default_key() -> String {
    "newsflow:articles".into()
}

fn default_dead_letter_key() -> String {
    "newsflow:dead_letters".into()
}

/// A Redis server address, read (not connected) as the config is.
#[derive(Clone, Deserialize)]
#[serde(try_from = "String")]
pub struct RedisUrl(redis::Client);

impl Default for RedisUrl {
    fn default() -> RedisUrl {
        RedisUrl(redis::Client::open("redis://127.0.0.1:6379/0").expect("a valid address"))
    }
}

impl TryFrom<String> for RedisUrl {
    type Error = String;

    fn try_from(url: String) -> Result<RedisUrl, String> {
        redis::Client::open(url.as_str())
            .map(RedisUrl)
            .map_err(|e| format!("not a Redis address: {e}"))
    }
}

/// The address may hold a password: never print it.
impl fmt::Debug for RedisUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("RedisUrl(<redacted>)")
    }
}

impl SinkConfig for RedisConfig {
    fn build(&self, cx: &BuildContext) -> Result<Box<dyn Sink>, BoxError> {
        cx.health.set_ready(false);
        Ok(Box::new(RedisSink {
            config: self.clone(),
            health: cx.health.clone(),
            connection: None,
        }))
    }
}

struct RedisSink {
    config: RedisConfig,
    health: Health,
    connection: Option<redis::aio::MultiplexedConnection>,
}

impl RedisSink {
    async fn connection(&mut self) -> Result<redis::aio::MultiplexedConnection, SinkError> {
        if let Some(connection) = &self.connection {
            return Ok(connection.clone());
        }
        let connection = self
            .config
            .url
            .0
            .get_multiplexed_async_connection()
            .await
            .map_err(|e| self.failed("cannot reach the Redis server", e))?;
        self.health.set_ready(true);
        Ok(self.connection.insert(connection).clone())
    }

    /// A failure the next attempt may get past on a new connection; a
    /// server that refuses the credentials or the command will not.
    fn failed(&mut self, what: &str, e: redis::RedisError) -> SinkError {
        self.connection = None;
        self.health.set_ready(false);
        let message = format!("{what}: {e}");
        let error = if e.kind() == redis::ErrorKind::AuthenticationFailed {
            SinkError::misconfigured(message)
        } else if e.is_io_error() || e.is_timeout() || e.is_connection_dropped() {
            SinkError::retryable(message)
        } else {
            SinkError::fatal(message)
        };
        error.with_source(e)
    }
}

#[async_trait::async_trait]
impl Sink for RedisSink {
    async fn start(&mut self) -> Result<(), SinkError> {
        self.connection().await.map(drop)
    }

    async fn write_batch(&mut self, batch: &Batch) -> Result<(), SinkError> {
        if batch.is_empty() {
            return Ok(());
        }
        let mut transaction = redis::pipe();
        transaction.atomic();
        for record in batch.iter() {
            let json = serde_json::to_vec(record).map_err(|e| {
                SinkError::fatal(format!(
                    "cannot encode {} as JSON: {e}",
                    record.article_id().unwrap_or("a record")
                ))
                .with_source(e)
            })?;
            let (key, field) = match record {
                Record::Article(article) => (&self.config.key, article.id.clone()),
                Record::DeadLetter(_) => (
                    &self.config.dead_letter_key,
                    Sha256::digest(&json)
                        .iter()
                        .map(|byte| format!("{byte:02x}"))
                        .collect(),
                ),
            };
            transaction.hset(key, field, json).ignore();
        }
        let mut connection = self.connection().await?;
        transaction
            .query_async::<()>(&mut connection)
            .await
            .map_err(|e| self.failed("cannot write the batch to Redis", e))
    }
}
