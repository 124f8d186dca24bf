//! `sqlite`: the embedded store, one database file (tables in
//! [`super::schema`]).
//!
//! Each batch is one transaction: articles are upserted by id (a replayed
//! article replaces its earlier copy and its entities, mentions and figures),
//! dead letters are added once per distinct record. A batch the database
//! refuses for its data is bisected under savepoints to find the records it
//! refuses: only those are dead-lettered. The database runs in WAL
//! mode with full sync, so a committed batch survives a crash and readers
//! never block the writer. SQLite calls block, so they run on tokio's
//! blocking threads.

use super::schema::{
    assemble, raw_encoding_label, stored_article, stored_entity, stored_figure, stored_mention,
    Migration, Rows, SELECT_ENTITIES, SELECT_FIGURES, SELECT_MENTIONS, SQLITE_MIGRATIONS,
    SQLITE_TABLES,
};
use super::Bisection;
use chrono::{DateTime, Utc};
use newsflow_core::{
    Article, Batch, BoxError, BuildContext, Record, Refusal, Sink, SinkConfig, SinkError,
    SinkErrorKind,
};
use rusqlite::{params, Connection, ErrorCode, OptionalExtension, TransactionBehavior};
use serde::Deserialize;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// How long a write waits for another connection's lock (a reader's
/// checkpoint, a second writer) before the batch is retried.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// `type = "sqlite"`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SqliteConfig {
    /// The database file; created with its parent directories if missing,
    /// its tables created or migrated when the pipeline starts.
    pub path: PathBuf,
}

impl SinkConfig for SqliteConfig {
    fn build(&self, _cx: &BuildContext) -> Result<Box<dyn Sink>, BoxError> {
        let conn = open(&self.path)?;
        Ok(Box::new(SqliteSink {
            conn: Arc::new(Mutex::new(conn)),
            path: self.path.clone(),
        }))
    }
}

/// Opens (creating if needed) a newsflow database: WAL mode, full sync,
/// foreign keys on, and its tables migrated to the current version.
pub fn open(path: &Path) -> Result<Connection, BoxError> {
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)
            .map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
    }
    let mut conn =
        Connection::open(path).map_err(|e| format!("cannot open {}: {e}", path.display()))?;
    configure(&conn).map_err(|e| format!("cannot set up {}: {e}", path.display()))?;
    migrate(&mut conn, SQLITE_MIGRATIONS)
        .map_err(|e| format!("cannot migrate {}: {e}", path.display()))?;
    Ok(conn)
}

fn configure(conn: &Connection) -> Result<(), BoxError> {
    conn.busy_timeout(BUSY_TIMEOUT)?;
    let mode: String =
        conn.pragma_update_and_check(None, "journal_mode", "wal", |row| row.get(0))?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(format!("the database refused WAL mode (journal_mode is `{mode}`)").into());
    }
    // WAL's default (NORMAL) may lose the last commits on power loss; a batch
    // reported delivered must not be lost.
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    Ok(())
}

/// Applies the migrations the database lacks, each in its own transaction,
/// then creates any table missing (dropped behind the sink's back);
/// `IMMEDIATE` takes the write lock first, so two processes opening the same
/// file cannot both apply one.
fn migrate(conn: &mut Connection, migrations: &[Migration]) -> Result<(), BoxError> {
    let known = migrations.last().map_or(0, |m| m.version);
    for migration in migrations {
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        tx.execute_batch(
            "CREATE TABLE IF NOT EXISTS schema_version (
                version INTEGER PRIMARY KEY,
                applied_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
            )",
        )?;
        let current: i64 = tx.query_row(
            "SELECT ifnull(max(version), 0) FROM schema_version",
            [],
            |r| r.get(0),
        )?;
        if current > known {
            return Err(format!(
                "the database is at schema version {current}, newer than this newsflow knows ({known})"
            )
            .into());
        }
        if current < migration.version {
            tx.execute_batch(migration.sql)?;
            tx.execute(
                "INSERT INTO schema_version (version) VALUES (?1)",
                [migration.version],
            )?;
        }
        tx.commit()?;
    }
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    tx.execute_batch(SQLITE_TABLES)?;
    tx.commit()?;
    Ok(())
}

struct SqliteSink {
    conn: Arc<Mutex<Connection>>,
    path: PathBuf,
}

#[async_trait::async_trait]
impl Sink for SqliteSink {
    async fn write_batch(&mut self, batch: &Batch) -> Result<(), SinkError> {
        // The database call blocks: it runs on a blocking thread, with the
        // batch shared, not copied.
        let records = batch.clone();
        if records.is_empty() {
            return Ok(());
        }
        let conn = self.conn.clone();
        let path = self.path.clone();
        let result = tokio::task::spawn_blocking(move || {
            // A panic elsewhere cannot leave a transaction open: rusqlite
            // rolls back on drop, so the connection stays usable.
            let mut conn = conn.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            let error = match store(&mut conn, &records) {
                Ok(()) => return Ok(()),
                Err(e) => {
                    let message = format!("cannot write to {}: {e}", path.display());
                    classify(e, &message)
                }
            };
            if error.kind != SinkErrorKind::Rejected {
                return Err(error);
            }
            match find_refused(&mut conn, &records) {
                Ok(refused) => Err(SinkError { refused, ..error }),
                Err(e) => {
                    let message = format!("cannot write to {}: {e}", path.display());
                    Err(classify(e, &message))
                }
            }
        })
        .await;
        match result {
            Ok(result) => result,
            Err(e) => Err(SinkError::fatal(format!(
                "the write to {} did not finish: {e}",
                self.path.display()
            ))
            .with_source(e)),
        }
    }
}

/// Writes one batch in one transaction.
fn store(conn: &mut Connection, records: &[Record]) -> rusqlite::Result<()> {
    let rows = Rows::of(records);
    if rows.is_empty() {
        return Ok(());
    }
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    store_rows(&tx, &rows)?;
    tx.commit()
}

/// Finds the records of a batch the database refuses alone, trying parts of
/// it under savepoints, rolled back. Nothing is written.
fn find_refused(conn: &mut Connection, records: &[Record]) -> rusqlite::Result<Vec<Refusal>> {
    let mut tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let mut search = Bisection::new(records.len());
    while let Some(part) = search.next_part() {
        let mut probe = tx.savepoint()?;
        let result = store_rows(&probe, &Rows::of(&records[part.clone()]));
        probe.rollback()?;
        drop(probe);
        match result {
            Ok(()) => search.tried(part, None),
            Err(e) if kind_of(&e) == SinkErrorKind::Rejected => {
                search.tried(part, Some(format!("SQLite refused it: {e}")))
            }
            Err(e) => return Err(e),
        }
    }
    tx.rollback()?;
    Ok(search.refused())
}

/// Writes a batch's rows in the open transaction `tx`.
fn store_rows(tx: &Connection, rows: &Rows<'_>) -> rusqlite::Result<()> {
    {
        let mut upsert = tx.prepare_cached(
            "INSERT INTO articles (id, title, url, published_at, published_at_offset, source,
                language, metadata, body, extra, entity_count, figure_count)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)
             ON CONFLICT (id) DO UPDATE SET
                title = excluded.title, url = excluded.url,
                published_at = excluded.published_at,
                published_at_offset = excluded.published_at_offset,
                source = excluded.source, language = excluded.language,
                metadata = excluded.metadata, body = excluded.body, extra = excluded.extra,
                entity_count = excluded.entity_count, figure_count = excluded.figure_count,
                updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')",
        )?;
        let mut clear_mentions = tx.prepare_cached("DELETE FROM mentions WHERE article_id = ?1")?;
        let mut clear_entities = tx.prepare_cached("DELETE FROM entities WHERE article_id = ?1")?;
        let mut clear_figures = tx.prepare_cached("DELETE FROM figures WHERE article_id = ?1")?;
        for a in &rows.articles {
            upsert.execute(params![
                a.id,
                a.title,
                a.url,
                a.published_at.map(|t| utc_text(t.to_utc())),
                a.published_at_offset,
                a.source,
                a.language,
                a.metadata,
                a.body,
                a.extra,
                a.entity_count,
                a.figure_count,
            ])?;
            clear_mentions.execute([a.id])?;
            clear_entities.execute([a.id])?;
            clear_figures.execute([a.id])?;
        }
        let mut entity = tx.prepare_cached(
            "INSERT INTO entities (article_id, idx, name, type, confidence)
             VALUES (?1, ?2, ?3, ?4, ?5)",
        )?;
        for e in &rows.entities {
            entity.execute(params![e.article_id, e.idx, e.name, e.kind, e.confidence])?;
        }
        let mut mention = tx.prepare_cached(
            "INSERT INTO mentions (article_id, entity_idx, idx, text, start_offset, end_offset, field)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        )?;
        for m in &rows.mentions {
            mention.execute(params![
                m.article_id,
                m.entity_idx,
                m.idx,
                m.text,
                m.start,
                m.end,
                m.field
            ])?;
        }
        let mut figure = tx.prepare_cached(
            "INSERT INTO figures (article_id, idx, text, start_offset, end_offset, value_number,
                value_text, kind, unit, qualifier, event, subject, value_low, value_high,
                value_of, value_against, base_value, base_unit)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16,
                ?17, ?18)",
        )?;
        for f in &rows.figures {
            figure.execute(params![
                f.article_id,
                f.idx,
                f.text,
                f.start,
                f.end,
                f.value_number,
                f.value_text,
                f.kind,
                f.unit,
                f.qualifier,
                f.event,
                f.subject,
                f.low,
                f.high,
                f.of,
                f.against,
                f.base_value,
                f.base_unit,
            ])?;
        }
        let mut letter = tx.prepare_cached(
            "INSERT INTO dead_letters (stage, location, reason, article_id, raw, raw_encoding)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)
             ON CONFLICT DO NOTHING",
        )?;
        for d in &rows.dead_letters {
            letter.execute(params![
                d.stage,
                d.location,
                d.reason,
                d.article_id,
                d.raw,
                raw_encoding_label(d.raw_encoding),
            ])?;
        }
    }
    Ok(())
}

/// UTC with nine fraction digits: one fixed width, so text order is time order.
fn utc_text(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%S%.9fZ").to_string()
}

/// What a failed write means for the batch: a lock held too long passes on
/// retry; a value the database refuses will be refused again; the rest
/// (disk, corruption, permissions) needs an operator.
fn classify(error: rusqlite::Error, message: &str) -> SinkError {
    let classified = match kind_of(&error) {
        SinkErrorKind::Retryable => SinkError::retryable(message),
        SinkErrorKind::Rejected => SinkError::rejected(message),
        SinkErrorKind::Fatal => SinkError::fatal(message),
    };
    classified.with_source(error)
}

/// What [`classify`] makes of `error`.
fn kind_of(error: &rusqlite::Error) -> SinkErrorKind {
    match error.sqlite_error_code() {
        Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => SinkErrorKind::Retryable,
        Some(ErrorCode::ConstraintViolation | ErrorCode::TooBig | ErrorCode::TypeMismatch) => {
            SinkErrorKind::Rejected
        }
        _ => SinkErrorKind::Fatal,
    }
}

/// Reads an article back as it was written, or `None` if the id is unknown.
pub fn load_article(conn: &Connection, id: &str) -> Result<Option<Article>, BoxError> {
    let stored = conn
        .query_row(
            "SELECT id, title, url, published_at, published_at_offset, source, language,
                metadata, body, extra, entity_count, figure_count
             FROM articles WHERE id = ?1",
            [id],
            |r| Ok((r.get::<_, Option<String>>(3)?, stored_article!(r.get, None))),
        )
        .optional()?;
    let Some((published_at, mut stored)) = stored else {
        return Ok(None);
    };
    stored.published_at = published_at
        .map(|text| {
            DateTime::parse_from_rfc3339(&text)
                .map(|t| t.to_utc())
                .map_err(|e| format!("`published_at` `{text}` is not RFC 3339: {e}"))
        })
        .transpose()?;
    let entities = children(conn, SELECT_ENTITIES, id, |r| Ok(stored_entity!(r.get)))?;
    let mentions = children(conn, SELECT_MENTIONS, id, |r| Ok(stored_mention!(r.get)))?;
    let figures = children(conn, SELECT_FIGURES, id, |r| Ok(stored_figure!(r.get)))?;
    Ok(Some(assemble(stored, entities, mentions, figures)?))
}

/// The rows `sql` selects for the article `id`, each read by `read`.
fn children<T>(
    conn: &Connection,
    sql: &str,
    id: &str,
    read: impl FnMut(&rusqlite::Row<'_>) -> rusqlite::Result<T>,
) -> rusqlite::Result<Vec<T>> {
    let mut statement = conn.prepare(sql)?;
    let rows = statement.query_map([id], read)?.collect();
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_newer_schema_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("news.db");
        let conn = open(&path).unwrap();
        conn.execute("INSERT INTO schema_version (version) VALUES (999)", [])
            .unwrap();
        drop(conn);
        let err = open(&path).unwrap_err().to_string();
        assert!(err.contains("schema version 999"), "{err}");
    }

    #[test]
    fn utc_text_sorts_as_time() {
        let early = DateTime::parse_from_rfc3339("2024-05-01T10:00:00Z").unwrap();
        let late = DateTime::parse_from_rfc3339("2024-05-01T10:00:00.5Z").unwrap();
        assert!(utc_text(early.to_utc()) < utc_text(late.to_utc()));
        assert_eq!(utc_text(early.to_utc()), "2024-05-01T10:00:00.000000000Z");
    }

    #[test]
    fn migrating_twice_changes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("news.db");
        drop(open(&path).unwrap());
        let conn = open(&path).unwrap();
        let versions: i64 = conn
            .query_row("SELECT count(*) FROM schema_version", [], |r| r.get(0))
            .unwrap();
        assert_eq!(versions, SQLITE_MIGRATIONS.len() as i64);
    }
}
