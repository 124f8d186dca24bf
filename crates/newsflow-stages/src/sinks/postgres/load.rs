//! Reading an article back from the tables (for tests and tools).

use crate::sinks::schema::{
    assemble, stored_article, stored_entity, stored_figure, stored_mention, SELECT_ENTITIES,
    SELECT_FIGURES, SELECT_MENTIONS,
};
use chrono::{DateTime, Utc};
use newsflow_core::{Article, BoxError};
use tokio_postgres::{Client, Row};

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
    let stored = stored_article!(row.try_get, row.try_get::<_, Option<DateTime<Utc>>>(3)?);
    let entities = children(client, SELECT_ENTITIES, id, |r| {
        Ok(stored_entity!(r.try_get))
    })
    .await?;
    let mentions = children(client, SELECT_MENTIONS, id, |r| {
        Ok(stored_mention!(r.try_get))
    })
    .await?;
    let figures = children(client, SELECT_FIGURES, id, |r| {
        Ok(stored_figure!(r.try_get))
    })
    .await?;
    Ok(Some(assemble(stored, entities, mentions, figures)?))
}

/// The rows `sql` selects for the article `id`, each read by `read`.
async fn children<T>(
    client: &Client,
    sql: &str,
    id: &str,
    read: impl Fn(&Row) -> Result<T, tokio_postgres::Error>,
) -> Result<Vec<T>, tokio_postgres::Error> {
    client.query(sql, &[&id]).await?.iter().map(read).collect()
}
