//! `postgres`: the tables of [`super::schema`] in a PostgreSQL schema.
//!
//! The sink connects on its first batch and then keeps one connection,
//! creating or migrating its tables on every new connection (under an
//! advisory lock, so sinks starting together do not race). Each batch is one
//! transaction of a few set-based statements (`unnest` over arrays, so the
//! bind-parameter limit never applies): articles upserted by id, their old
//! entities, mentions and figures replaced, dead letters added once per
//! distinct record. A batch the server refuses for its data (a value out of
//! range, a limit) is bisected under savepoints to find the records it
//! refuses: only those are dead-lettered. A lost connection or a timeout
//! makes the batch retryable; the runtime retries it with backoff and the
//! sink reconnects, reporting not-ready meanwhile, so an outage slows the
//! pipeline and drops nothing.

mod load;
mod migrate;
mod store;

use super::schema::Rows;
pub use load::load_article;
use migrate::{latest_version, migrate};
use newsflow_core::{
    Batch, BoxError, BuildContext, Health, Record, Refusal, Sink, SinkConfig, SinkError,
};
use serde::Deserialize;
use std::fmt;
use std::num::NonZeroU64;
use std::str::FromStr;
use std::time::Duration;
use store::{find_refused, is_data_error, nul_field, store, LetterRow};
use tokio_postgres::config::SslMode;
use tokio_postgres::{Client, NoTls};

/// Rows sent in one statement at most, and their approximate bytes: a batch
/// of large articles is split so no message nears PostgreSQL's 1 GB limit.
pub(super) const MAX_STATEMENT_ROWS: usize = 10_000;
pub(super) const MAX_STATEMENT_BYTES: usize = 32 << 20;

/// `type = "postgres"`.
#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PostgresConfig {
    /// The server: a URL (`postgres://user:password@host:5432/database`) or
    /// a `key=value` connection string. TLS is not supported (`sslmode` must
    /// not be `require`): use it on loopback or a trusted network.
    pub url: ConnectionString,
    /// The schema holding the tables; created if missing. Default `public`.
    #[serde(default = "default_schema")]
    pub schema: SchemaName,
    /// Seconds a connection attempt, or one batch's transaction, may take
    /// before it counts as failed (the connection is then dropped and the
    /// batch retried on a new one); also the TCP keepalive idle time. A
    /// schema migration at start is not bounded by it. Default 30.
    #[serde(default = "default_timeout_secs")]
    pub timeout_secs: NonZeroU64,
}

fn default_schema() -> SchemaName {
    SchemaName("public".to_owned())
}

fn default_timeout_secs() -> NonZeroU64 {
    NonZeroU64::new(30).expect("not zero")
}

/// A PostgreSQL connection string, read (not connected) as the config is:
/// a URL or `key=value` pairs, without TLS.
#[derive(Clone, Deserialize)]
#[serde(try_from = "String")]
pub struct ConnectionString(tokio_postgres::Config);

impl TryFrom<String> for ConnectionString {
    type Error = String;

    fn try_from(text: String) -> Result<ConnectionString, String> {
        let config = tokio_postgres::Config::from_str(&text)
            .map_err(|e| format!("not a PostgreSQL connection string: {e}"))?;
        if config.get_ssl_mode() == SslMode::Require {
            return Err("asks for TLS (sslmode=require), which this sink does not support".into());
        }
        Ok(ConnectionString(config))
    }
}

/// A schema name: 1 to 63 bytes, without NUL.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(try_from = "String")]
pub struct SchemaName(String);

impl TryFrom<String> for SchemaName {
    type Error = String;

    fn try_from(name: String) -> Result<SchemaName, String> {
        if name.is_empty() || name.contains('\0') || name.len() > 63 {
            return Err("must be 1 to 63 bytes, without NUL".into());
        }
        Ok(SchemaName(name))
    }
}

impl PartialEq<&str> for SchemaName {
    fn eq(&self, other: &&str) -> bool {
        self.0 == *other
    }
}

impl std::ops::Deref for SchemaName {
    type Target = str;

    fn deref(&self) -> &str {
        &self.0
    }
}

/// The URL may hold a password: never print it.
impl fmt::Debug for PostgresConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PostgresConfig")
            .field("url", &"<redacted>")
            .field("schema", &self.schema)
            .field("timeout_secs", &self.timeout_secs)
            .finish()
    }
}

impl SinkConfig for PostgresConfig {
    fn build(&self, cx: &BuildContext) -> Result<Box<dyn Sink>, BoxError> {
        let mut config = self.url.0.clone();
        let timeout = Duration::from_secs(self.timeout_secs.get());
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(timeout);
        }
        // A long migration waits on the server without a deadline; TCP
        // keepalives (the default idle is 2 hours) notice a server gone.
        if config.get_keepalives_idle() == Duration::from_secs(2 * 60 * 60) {
            config.keepalives_idle(timeout);
        }
        if config.get_application_name().is_none() {
            config.application_name("newsflow");
        }
        // Not ready until connected, with the schema in place.
        cx.health.set_ready(false);
        Ok(Box::new(PostgresSink {
            config,
            schema: self.schema.to_string(),
            timeout,
            health: cx.health.clone(),
            session: None,
        }))
    }
}

struct PostgresSink {
    config: tokio_postgres::Config,
    schema: String,
    timeout: Duration,
    health: Health,
    /// The open connection, if any; dropped on a connection failure.
    session: Option<Session>,
}

/// A connection and the task driving its socket.
struct Session {
    client: Client,
    driver: tokio::task::JoinHandle<()>,
}

impl Drop for Session {
    fn drop(&mut self) {
        // A socket to a vanished server may never report an error; do not
        // leave its task behind.
        self.driver.abort();
    }
}

/// Why a connection or batch failed.
pub(super) enum Failure {
    Postgres(tokio_postgres::Error),
    NewerSchema(i64),
    /// The server refused the batch for its data: `e` for the batch, and
    /// the records it refuses alone (none found: the batch as a whole).
    Refused(tokio_postgres::Error, Vec<Refusal>),
}

impl From<tokio_postgres::Error> for Failure {
    fn from(e: tokio_postgres::Error) -> Failure {
        Failure::Postgres(e)
    }
}

#[async_trait::async_trait]
impl Sink for PostgresSink {
    async fn write_batch(&mut self, batch: &Batch) -> Result<(), SinkError> {
        // PostgreSQL text cannot hold U+0000: such an article would be
        // refused on every retry, so refuse it now, naming it.
        let refused: Vec<Refusal> = batch
            .iter()
            .enumerate()
            .filter_map(|(index, record)| match record {
                Record::Article(a) => nul_field(a).map(|field| Refusal {
                    index,
                    reason: format!(
                        "PostgreSQL cannot store the NUL character (U+0000), found in `{field}` \
                         of article `{}`",
                        a.id
                    ),
                }),
                Record::DeadLetter(_) => None,
            })
            .collect();
        if !refused.is_empty() {
            let message = format!(
                "{} of {} records hold the NUL character (U+0000), which PostgreSQL cannot store: {}",
                refused.len(),
                batch.len(),
                refused[0].reason
            );
            return Err(SinkError::refused(message, refused));
        }
        let records: &[Record] = batch;
        let rows = Rows::of(records);
        if rows.is_empty() {
            return Ok(());
        }
        let letters: Vec<LetterRow> = rows.dead_letters.iter().map(|d| LetterRow::of(d)).collect();
        let attempt = tokio::time::timeout(self.timeout, async {
            let client = &mut self.session().await?.client;
            let tx = client.transaction().await?;
            match store(&tx, &rows, &letters).await {
                Ok(()) => Ok(tx.commit().await?),
                Err(Failure::Postgres(e)) if is_data_error(&e) => {
                    tx.rollback().await?;
                    Err(Failure::Refused(e, find_refused(client, records).await?))
                }
                Err(failure) => Err(failure),
            }
        })
        .await;
        match attempt {
            Ok(Ok(())) => Ok(()),
            Ok(Err(failure)) => Err(self.failed(failure)),
            Err(_) => Err(self.timed_out()),
        }
    }

    async fn start(&mut self) -> Result<(), SinkError> {
        // Connecting creates or migrates the tables, so they exist at start.
        // Connecting is bounded by `timeout_secs`; migrating is not: building
        // its indexes on a large table may take minutes, and abandoning it
        // would roll it back on every retry. TCP keepalives still tell a
        // vanished server from a busy one.
        if self.session.is_some() {
            return Ok(());
        }
        let mut session = match tokio::time::timeout(self.timeout, open(&self.config)).await {
            Ok(Ok(session)) => session,
            Ok(Err(failure)) => return Err(self.failed(failure)),
            Err(_) => return Err(self.timed_out()),
        };
        let migrating = migrate(&mut session.client, &self.schema);
        match patiently(migrating, self.timeout, &self.schema).await {
            Ok(()) => {
                self.connected(session);
                Ok(())
            }
            Err(failure) => Err(self.failed(failure)),
        }
    }
}

impl PostgresSink {
    /// Drops a connection that did not answer in time; the retry reconnects.
    fn timed_out(&mut self) -> SinkError {
        self.disconnect();
        SinkError::retryable(format!(
            "PostgreSQL did not answer within {} s",
            self.timeout.as_secs()
        ))
    }

    /// The open connection, connecting (and migrating) first when there is none.
    async fn session(&mut self) -> Result<&mut Session, Failure> {
        if self.session.is_none() {
            let mut session = open(&self.config).await?;
            migrate(&mut session.client, &self.schema).await?;
            self.connected(session);
        }
        Ok(self.session.as_mut().expect("just connected"))
    }

    /// Keeps a connection whose schema is ready.
    fn connected(&mut self, session: Session) {
        tracing::info!(schema = %self.schema, "connected to PostgreSQL");
        self.health.set_ready(true);
        self.session = Some(session);
    }

    fn disconnect(&mut self) {
        self.session = None;
        self.health.set_ready(false);
    }

    /// Classifies a failure by its SQLSTATE class, dropping the connection
    /// when it is the connection that failed.
    fn failed(&mut self, failure: Failure) -> SinkError {
        let e = match failure {
            Failure::NewerSchema(version) => {
                self.disconnect();
                return SinkError::fatal(format!(
                    "schema `{}` is at version {version}, newer than this newsflow knows ({})",
                    self.schema,
                    latest_version()
                ));
            }
            Failure::Refused(e, refused) => {
                return SinkError::refused(format!("PostgreSQL: {}", describe(&e)), refused)
                    .with_source(e)
            }
            Failure::Postgres(e) => e,
        };
        let message = format!("PostgreSQL: {}", describe(&e));
        let code = e.code().map(|code| code.code());
        let error = match code.map(|code| &code[..2]) {
            // No SQLSTATE: the socket failed, closed or could not connect.
            None | Some("08" | "57") => {
                self.disconnect();
                SinkError::retryable(message)
            }
            // Serialization failures, deadlocks, resources, locks, server I/O.
            Some("40" | "53" | "55" | "58") => SinkError::retryable(message),
            // The data itself: a bad value, a constraint, a limit.
            Some("22" | "23" | "54") => SinkError::rejected(message),
            // What only the configuration can fix: authentication (an
            // unknown role, a wrong password), an unknown database, a
            // missing privilege.
            Some("28" | "3D") => {
                self.disconnect();
                SinkError::misconfigured(message)
            }
            Some(_) if code == Some("42501") => {
                self.disconnect();
                SinkError::misconfigured(message)
            }
            // A damaged schema, an internal error.
            Some(_) => {
                self.disconnect();
                SinkError::fatal(message)
            }
        };
        error.with_source(e)
    }
}

/// The server's message and code when it sent one, else the error chain.
pub(super) fn describe(e: &tokio_postgres::Error) -> String {
    if let Some(db) = e.as_db_error() {
        let mut text = format!("{} (SQLSTATE {})", db.message(), db.code().code());
        if let Some(detail) = db.detail() {
            text.push_str(": ");
            text.push_str(detail);
        }
        return text;
    }
    crate::net::error_chain(e)
}

/// Connects; the schema is not prepared yet.
async fn open(config: &tokio_postgres::Config) -> Result<Session, Failure> {
    let (client, connection) = config.connect(NoTls).await?;
    let driver = tokio::spawn(async move {
        if let Err(e) = connection.await {
            tracing::debug!(error = %e, "PostgreSQL connection ended");
        }
    });
    Ok(Session { client, driver })
}

/// Waits for `work`, however long, saying so every `every`.
async fn patiently<T>(
    work: impl std::future::Future<Output = T>,
    every: Duration,
    schema: &str,
) -> T {
    tokio::pin!(work);
    let started = tokio::time::Instant::now();
    loop {
        tokio::select! {
            done = &mut work => return done,
            () = tokio::time::sleep(every) => tracing::warn!(
                %schema,
                waited_secs = started.elapsed().as_secs(),
                "still preparing the PostgreSQL schema (a migration, or another sink holding its lock)"
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_url_is_not_printed() {
        let config: PostgresConfig =
            serde_json::from_value(serde_json::json!({"url": "postgres://u:secret@h/db"})).unwrap();
        assert!(!format!("{config:?}").contains("secret"));
        assert_eq!(config.schema, "public");
    }
}
