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

use super::schema::{
    assemble, raw_encoding_label, ArticleRow, Rows, StoredArticle, StoredEntity, StoredFigure,
    StoredMention, POSTGRES_MIGRATIONS, POSTGRES_TABLES, TABLES,
};
use super::Bisection;
use base64::Engine;
use chrono::{DateTime, Utc};
use newsflow_core::{
    Article, BoxError, BuildContext, DeadLetter, Health, RawEncoding, Record, Refusal, Sink,
    SinkConfig, SinkError,
};
use serde::Deserialize;
use serde_json::{Map, Value};
use std::borrow::Cow;
use std::fmt;
use std::num::NonZeroU64;
use std::str::FromStr;
use std::time::Duration;
use tokio_postgres::config::SslMode;
use tokio_postgres::{Client, NoTls, Transaction};

/// Rows sent in one statement at most, and their approximate bytes: a batch
/// of large articles is split so no message nears PostgreSQL's 1 GB limit.
const MAX_STATEMENT_ROWS: usize = 10_000;
const MAX_STATEMENT_BYTES: usize = 32 << 20;

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
            pending: Vec::new(),
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
    /// Records written since the last flush.
    pending: Vec<Record>,
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
enum Failure {
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
    async fn write(&mut self, batch: &[Record]) -> Result<(), SinkError> {
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
        self.pending.extend_from_slice(batch);
        Ok(())
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

    async fn flush(&mut self) -> Result<(), SinkError> {
        // Taken whatever happens: a failed batch is passed again by the retry.
        let records = std::mem::take(&mut self.pending);
        let rows = Rows::of(&records);
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
                    Err(Failure::Refused(e, find_refused(client, &records).await?))
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
fn describe(e: &tokio_postgres::Error) -> String {
    if let Some(db) = e.as_db_error() {
        let mut text = format!("{} (SQLSTATE {})", db.message(), db.code().code());
        if let Some(detail) = db.detail() {
            text.push_str(": ");
            text.push_str(detail);
        }
        return text;
    }
    let mut text = e.to_string();
    let mut source = std::error::Error::source(e);
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

fn latest_version() -> i64 {
    POSTGRES_MIGRATIONS.last().map_or(0, |m| m.version)
}

/// Quotes an identifier for SQL text (the schema name is the only one that
/// comes from the config).
fn quote_ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
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

/// Creates the schema if missing, sets it as the session's `search_path`,
/// applies the migrations it lacks and creates missing tables, all in one
/// transaction under an advisory lock named after the schema.
async fn migrate(client: &mut Client, schema: &str) -> Result<(), Failure> {
    let quoted = quote_ident(schema);
    let tx = client.transaction().await?;
    tx.execute(
        "SELECT pg_advisory_xact_lock(hashtext($1))",
        &[&format!("newsflow schema {schema}")],
    )
    .await?;
    // Checked first: CREATE SCHEMA IF NOT EXISTS needs the CREATE privilege
    // even when the schema is there.
    let exists: bool = tx
        .query_one(
            "SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1)",
            &[&schema],
        )
        .await?
        .get(0);
    if !exists {
        tx.batch_execute(&format!("CREATE SCHEMA {quoted}")).await?;
    }
    // A SET in a committed transaction lasts for the session.
    tx.batch_execute(&format!(
        "SET search_path TO {quoted};
         CREATE TABLE IF NOT EXISTS schema_version (
             version bigint PRIMARY KEY,
             applied_at timestamptz NOT NULL DEFAULT now()
         )"
    ))
    .await?;
    let current: i64 = tx
        .query_one(
            "SELECT coalesce(max(version), 0)::bigint FROM schema_version",
            &[],
        )
        .await?
        .get(0);
    if current > latest_version() {
        return Err(Failure::NewerSchema(current));
    }
    for migration in POSTGRES_MIGRATIONS {
        if migration.version > current {
            tx.batch_execute(migration.sql).await?;
            tx.execute(
                "INSERT INTO schema_version (version) VALUES ($1)",
                &[&migration.version],
            )
            .await?;
        }
    }
    // The version row does not prove the tables are there (a DBA, a partial
    // restore): create what is missing. Only then, or after a migration, as
    // creating an index (even one that exists) needs to own the table.
    let present: i64 = tx
        .query_one(
            "SELECT count(*) FROM pg_tables WHERE schemaname = $1 AND tablename = ANY($2)",
            &[&schema, &TABLES],
        )
        .await?
        .get(0);
    if current < latest_version() || present < TABLES.len() as i64 {
        tx.batch_execute(POSTGRES_TABLES).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// A dead letter made storable: PostgreSQL text cannot hold U+0000, so raw
/// input containing one is kept as base64 (its encoding says so, nothing is
/// lost), and the descriptive fields get U+FFFD in its place.
struct LetterRow<'a> {
    stage: Cow<'a, str>,
    location: Option<Cow<'a, str>>,
    reason: Cow<'a, str>,
    article_id: Option<Cow<'a, str>>,
    raw: Cow<'a, str>,
    raw_encoding: &'static str,
}

impl<'a> LetterRow<'a> {
    fn of(letter: &'a DeadLetter) -> LetterRow<'a> {
        let (raw, encoding) = if letter.raw.contains('\0') {
            debug_assert_eq!(letter.raw_encoding, RawEncoding::Utf8, "base64 has no NUL");
            let encoded = base64::engine::general_purpose::STANDARD.encode(&letter.raw);
            (Cow::Owned(encoded), RawEncoding::Base64)
        } else {
            (Cow::Borrowed(letter.raw.as_str()), letter.raw_encoding)
        };
        LetterRow {
            stage: without_nul(&letter.stage),
            location: letter.location.as_deref().map(without_nul),
            reason: without_nul(&letter.reason),
            article_id: letter.article_id.as_deref().map(without_nul),
            raw,
            raw_encoding: raw_encoding_label(encoding),
        }
    }
}

fn without_nul(text: &str) -> Cow<'_, str> {
    if text.contains('\0') {
        Cow::Owned(text.replace('\0', "\u{FFFD}"))
    } else {
        Cow::Borrowed(text)
    }
}

/// The first field of `article` holding U+0000, if any.
fn nul_field(article: &Article) -> Option<&'static str> {
    let has = |text: &str| text.contains('\0');
    let has_opt = |text: &Option<String>| text.as_deref().is_some_and(has);
    if has(&article.id) {
        return Some("id");
    }
    if has(&article.body) {
        return Some("body");
    }
    for (field, value) in [
        ("title", &article.title),
        ("url", &article.url),
        ("source", &article.source),
        ("language", &article.language),
    ] {
        if has_opt(value) {
            return Some(field);
        }
    }
    if article.metadata.as_ref().is_some_and(map_has_nul) {
        return Some("metadata");
    }
    if map_has_nul(&article.extra) {
        return Some("extra fields");
    }
    let entities = article.entities.iter().flatten();
    if entities
        .clone()
        .any(|e| has(&e.name) || e.mentions.iter().any(|m| has(&m.text)))
    {
        return Some("entities");
    }
    let figure_has = |f: &newsflow_core::Figure| {
        has(&f.text)
            || has_opt(&f.unit)
            || has_opt(&f.event)
            || has_opt(&f.subject)
            || has_opt(&f.base_unit)
            || matches!(&f.value, Some(newsflow_core::FigureValue::Date(d)) if has(d))
    };
    if article.figures.iter().flatten().any(figure_has) {
        return Some("figures");
    }
    None
}

fn map_has_nul(map: &Map<String, Value>) -> bool {
    // An explicit stack: nesting depth is the input's to choose.
    let mut stack: Vec<&Value> = Vec::new();
    for (key, value) in map {
        if key.contains('\0') {
            return true;
        }
        stack.push(value);
    }
    while let Some(value) = stack.pop() {
        match value {
            Value::String(s) if s.contains('\0') => return true,
            Value::Array(items) => stack.extend(items),
            Value::Object(map) => {
                for (key, value) in map {
                    if key.contains('\0') {
                        return true;
                    }
                    stack.push(value);
                }
            }
            _ => {}
        }
    }
    false
}

/// Splits `rows` into runs under the statement limits.
fn chunks<T>(rows: &[T], bytes: impl Fn(&T) -> usize) -> Vec<&[T]> {
    let mut out = Vec::new();
    let (mut start, mut size) = (0, 0);
    for (i, row) in rows.iter().enumerate() {
        let row_bytes = bytes(row);
        if i > start && (i - start >= MAX_STATEMENT_ROWS || size + row_bytes > MAX_STATEMENT_BYTES)
        {
            out.push(&rows[start..i]);
            start = i;
            size = 0;
        }
        size += row_bytes;
    }
    if start < rows.len() {
        out.push(&rows[start..]);
    }
    out
}

fn opt_len(text: Option<&str>) -> usize {
    text.map_or(0, str::len)
}

fn article_bytes(a: &ArticleRow) -> usize {
    64 + a.id.len()
        + a.body.len()
        + a.extra.len()
        + opt_len(a.metadata.as_deref())
        + opt_len(a.title)
        + opt_len(a.url)
        + opt_len(a.source)
        + opt_len(a.language)
}

const UPSERT_ARTICLES: &str = "
INSERT INTO articles (id, title, url, published_at, published_at_offset, source, language,
    metadata, body, extra, entity_count, figure_count)
SELECT id, title, url, published_at, published_at_offset, source, language,
    metadata::jsonb, body, extra::jsonb, entity_count, figure_count
FROM unnest($1::text[], $2::text[], $3::text[], $4::timestamptz[], $5::int4[], $6::text[],
    $7::text[], $8::text[], $9::text[], $10::text[], $11::int8[], $12::int8[])
    AS t(id, title, url, published_at, published_at_offset, source, language,
        metadata, body, extra, entity_count, figure_count)
ON CONFLICT ((md5(id))) DO UPDATE SET
    title = excluded.title, url = excluded.url, published_at = excluded.published_at,
    published_at_offset = excluded.published_at_offset, source = excluded.source,
    language = excluded.language, metadata = excluded.metadata, body = excluded.body,
    extra = excluded.extra, entity_count = excluded.entity_count,
    figure_count = excluded.figure_count, updated_at = now()";

const INSERT_ENTITIES: &str = "
INSERT INTO entities (article_id, idx, name, type, confidence)
SELECT * FROM unnest($1::text[], $2::int4[], $3::text[], $4::text[], $5::float8[])";

const INSERT_MENTIONS: &str = "
INSERT INTO mentions (article_id, entity_idx, idx, text, start_offset, end_offset)
SELECT * FROM unnest($1::text[], $2::int4[], $3::int4[], $4::text[], $5::int8[], $6::int8[])";

const INSERT_FIGURES: &str = "
INSERT INTO figures (article_id, idx, text, start_offset, end_offset, value_number, value_text,
    kind, unit, qualifier, event, subject, value_low, value_high, value_of, value_against,
    base_value, base_unit)
SELECT * FROM unnest($1::text[], $2::int4[], $3::text[], $4::int8[], $5::int8[],
    $6::float8[], $7::text[], $8::text[], $9::text[], $10::text[], $11::text[], $12::text[],
    $13::float8[], $14::float8[], $15::float8[], $16::float8[], $17::float8[], $18::text[])";

const INSERT_DEAD_LETTERS: &str = "
INSERT INTO dead_letters (stage, location, reason, article_id, raw, raw_encoding)
SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[])
ON CONFLICT DO NOTHING";

/// One column of `rows`, as the array a statement's parameter takes.
fn column<'r, T, U>(rows: &'r [T], field: impl Fn(&'r T) -> U) -> Vec<U> {
    rows.iter().map(field).collect()
}

/// Whether PostgreSQL refused a statement for its data (a bad value, a
/// constraint, a limit): the same records would be refused again.
fn is_data_error(e: &tokio_postgres::Error) -> bool {
    e.code()
        .is_some_and(|code| matches!(&code.code()[..2], "22" | "23" | "54"))
}

/// Finds the records of a batch the server refuses alone, trying parts of
/// it under savepoints, rolled back. Nothing is written.
async fn find_refused(client: &mut Client, records: &[Record]) -> Result<Vec<Refusal>, Failure> {
    let mut tx = client.transaction().await?;
    let mut search = Bisection::new(records.len());
    while let Some(part) = search.next_part() {
        let rows = Rows::of(&records[part.clone()]);
        let letters: Vec<LetterRow> = rows.dead_letters.iter().map(|d| LetterRow::of(d)).collect();
        let probe = tx.savepoint("newsflow_probe").await?;
        let result = store(&probe, &rows, &letters).await;
        probe.rollback().await?;
        match result {
            Ok(()) => search.tried(part, None),
            Err(Failure::Postgres(e)) if is_data_error(&e) => {
                search.tried(part, Some(format!("PostgreSQL: {}", describe(&e))))
            }
            Err(failure) => return Err(failure),
        }
    }
    tx.rollback().await?;
    Ok(search.refused())
}

/// Writes one batch's rows in `tx`.
async fn store(
    tx: &Transaction<'_>,
    rows: &Rows<'_>,
    letters: &[LetterRow<'_>],
) -> Result<(), Failure> {
    for chunk in chunks(&rows.articles, article_bytes) {
        tx.execute(
            UPSERT_ARTICLES,
            &[
                &column(chunk, |a| a.id),
                &column(chunk, |a| a.title),
                &column(chunk, |a| a.url),
                &column(chunk, |a| a.published_at),
                &column(chunk, |a| a.published_at_offset),
                &column(chunk, |a| a.source),
                &column(chunk, |a| a.language),
                &column(chunk, |a| a.metadata.as_deref()),
                &column(chunk, |a| a.body),
                &column(chunk, |a| a.extra.as_str()),
                &column(chunk, |a| a.entity_count),
                &column(chunk, |a| a.figure_count),
            ],
        )
        .await?;
    }
    let ids = rows.article_ids();
    for table in ["mentions", "entities", "figures"] {
        let sql = format!("DELETE FROM {table} WHERE article_id = ANY($1)");
        tx.execute(&sql, &[&ids]).await?;
    }
    for chunk in chunks(&rows.entities, |e| 32 + e.name.len()) {
        tx.execute(
            INSERT_ENTITIES,
            &[
                &column(chunk, |e| e.article_id),
                &column(chunk, |e| e.idx),
                &column(chunk, |e| e.name),
                &column(chunk, |e| e.kind),
                &column(chunk, |e| e.confidence),
            ],
        )
        .await?;
    }
    for chunk in chunks(&rows.mentions, |m| 48 + m.text.len()) {
        tx.execute(
            INSERT_MENTIONS,
            &[
                &column(chunk, |m| m.article_id),
                &column(chunk, |m| m.entity_idx),
                &column(chunk, |m| m.idx),
                &column(chunk, |m| m.text),
                &column(chunk, |m| m.start),
                &column(chunk, |m| m.end),
            ],
        )
        .await?;
    }
    for chunk in chunks(&rows.figures, |f| 96 + f.text.len()) {
        tx.execute(
            INSERT_FIGURES,
            &[
                &column(chunk, |f| f.article_id),
                &column(chunk, |f| f.idx),
                &column(chunk, |f| f.text),
                &column(chunk, |f| f.start),
                &column(chunk, |f| f.end),
                &column(chunk, |f| f.value_number),
                &column(chunk, |f| f.value_text),
                &column(chunk, |f| f.kind),
                &column(chunk, |f| f.unit),
                &column(chunk, |f| f.qualifier),
                &column(chunk, |f| f.event),
                &column(chunk, |f| f.subject),
                &column(chunk, |f| f.low),
                &column(chunk, |f| f.high),
                &column(chunk, |f| f.of),
                &column(chunk, |f| f.against),
                &column(chunk, |f| f.base_value),
                &column(chunk, |f| f.base_unit),
            ],
        )
        .await?;
    }
    for chunk in chunks(letters, |d| 64 + d.raw.len() + d.reason.len()) {
        tx.execute(
            INSERT_DEAD_LETTERS,
            &[
                &column(chunk, |d| &*d.stage),
                &column(chunk, |d| d.location.as_deref()),
                &column(chunk, |d| &*d.reason),
                &column(chunk, |d| d.article_id.as_deref()),
                &column(chunk, |d| &*d.raw),
                &column(chunk, |d| d.raw_encoding),
            ],
        )
        .await?;
    }
    Ok(())
}

/// Reads an article back as it was written, or `None` if the id is unknown;
/// the tables are looked up on the client's `search_path`. PostgreSQL keeps
/// timestamps to the microsecond.
pub async fn load_article(client: &Client, id: &str) -> Result<Option<Article>, BoxError> {
    let Some(row) = client
        .query_opt(
            "SELECT id, title, url, published_at, published_at_offset, source, language,
                metadata::text, body, extra::text, entity_count, figure_count
             FROM articles WHERE id = $1",
            &[&id],
        )
        .await?
    else {
        return Ok(None);
    };
    let stored = StoredArticle {
        id: row.try_get(0)?,
        title: row.try_get(1)?,
        url: row.try_get(2)?,
        published_at: row.try_get::<_, Option<DateTime<Utc>>>(3)?,
        published_at_offset: row.try_get(4)?,
        source: row.try_get(5)?,
        language: row.try_get(6)?,
        metadata: row.try_get(7)?,
        body: row.try_get(8)?,
        extra: row.try_get(9)?,
        entity_count: row.try_get(10)?,
        figure_count: row.try_get(11)?,
    };
    let entities = client
        .query(
            "SELECT idx, name, type, confidence FROM entities WHERE article_id = $1 ORDER BY idx",
            &[&id],
        )
        .await?
        .iter()
        .map(|r| {
            Ok(StoredEntity {
                idx: r.try_get(0)?,
                name: r.try_get(1)?,
                kind: r.try_get(2)?,
                confidence: r.try_get(3)?,
            })
        })
        .collect::<Result<Vec<_>, tokio_postgres::Error>>()?;
    let mentions = client
        .query(
            "SELECT entity_idx, text, start_offset, end_offset FROM mentions
             WHERE article_id = $1 ORDER BY entity_idx, idx",
            &[&id],
        )
        .await?
        .iter()
        .map(|r| {
            Ok(StoredMention {
                entity_idx: r.try_get(0)?,
                text: r.try_get(1)?,
                start: r.try_get(2)?,
                end: r.try_get(3)?,
            })
        })
        .collect::<Result<Vec<_>, tokio_postgres::Error>>()?;
    let figures = client
        .query(
            "SELECT text, start_offset, end_offset, value_number, value_text, kind, unit,
                qualifier, event, subject, value_low, value_high, value_of, value_against,
                base_value, base_unit
             FROM figures WHERE article_id = $1 ORDER BY idx",
            &[&id],
        )
        .await?
        .iter()
        .map(|r| {
            Ok(StoredFigure {
                text: r.try_get(0)?,
                start: r.try_get(1)?,
                end: r.try_get(2)?,
                value_number: r.try_get(3)?,
                value_text: r.try_get(4)?,
                kind: r.try_get(5)?,
                unit: r.try_get(6)?,
                qualifier: r.try_get(7)?,
                event: r.try_get(8)?,
                subject: r.try_get(9)?,
                low: r.try_get(10)?,
                high: r.try_get(11)?,
                of: r.try_get(12)?,
                against: r.try_get(13)?,
                base_value: r.try_get(14)?,
                base_unit: r.try_get(15)?,
            })
        })
        .collect::<Result<Vec<_>, tokio_postgres::Error>>()?;
    Ok(Some(assemble(stored, entities, mentions, figures)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks_respect_both_limits() {
        let rows: Vec<usize> = vec![1; MAX_STATEMENT_ROWS * 2 + 5];
        let sizes: Vec<usize> = chunks(&rows, |&b| b).iter().map(|c| c.len()).collect();
        assert_eq!(sizes, [MAX_STATEMENT_ROWS, MAX_STATEMENT_ROWS, 5]);
        let big = vec![MAX_STATEMENT_BYTES / 2 + 1; 3];
        let sizes: Vec<usize> = chunks(&big, |&b| b).iter().map(|c| c.len()).collect();
        assert_eq!(sizes, [1, 1, 1], "each run stays under the byte limit");
        let huge = vec![MAX_STATEMENT_BYTES * 2];
        assert_eq!(
            chunks(&huge, |&b| b).len(),
            1,
            "one oversized row still goes"
        );
        assert!(chunks(&[] as &[usize], |&b| b).is_empty());
    }

    #[test]
    fn nul_is_found_anywhere_in_an_article() {
        let mut article = Article::from_text("a", "clean").unwrap();
        assert_eq!(nul_field(&article), None);
        article.extra.insert(
            "deep".into(),
            serde_json::json!([{"x": ["fine", "bad\u{0}"]}]),
        );
        assert_eq!(nul_field(&article), Some("extra fields"));
    }

    #[test]
    fn a_raw_input_with_nul_is_kept_as_base64() {
        let letter = DeadLetter::from_bytes("src", Some("f:1\0".into()), "bad", b"a\0b");
        let row = LetterRow::of(&letter);
        assert_eq!(row.raw_encoding, "base64");
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(row.raw.as_bytes())
            .unwrap();
        assert_eq!(bytes, b"a\0b");
        assert_eq!(row.location.as_deref(), Some("f:1\u{FFFD}"));
    }

    #[test]
    fn the_url_is_not_printed() {
        let config: PostgresConfig =
            serde_json::from_value(serde_json::json!({"url": "postgres://u:secret@h/db"})).unwrap();
        assert!(!format!("{config:?}").contains("secret"));
        assert_eq!(config.schema, "public");
    }
}
