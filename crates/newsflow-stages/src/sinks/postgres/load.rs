//! Reading an article back from the tables (for tests and tools).

use crate::sinks::schema::{assemble, StoredArticle, StoredEntity, StoredFigure, StoredMention};
use chrono::{DateTime, Utc};
use newsflow_core::{Article, BoxError};
use tokio_postgres::Client;

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
            "SELECT entity_idx, text, start_offset, end_offset, field FROM mentions
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
                field: r.try_get(4)?,
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
