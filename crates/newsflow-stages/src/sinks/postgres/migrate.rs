//! The tables' creation and migrations, applied on every new connection.

use super::Failure;
use crate::sinks::schema::{POSTGRES_MIGRATIONS, POSTGRES_TABLES, TABLES};
use tokio_postgres::Client;

pub(super) fn latest_version() -> i64 {
    POSTGRES_MIGRATIONS.last().map_or(0, |m| m.version)
}

/// Quotes an identifier for SQL text (the schema name is the only one that
/// comes from the config).
pub(super) fn quote_ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// Creates the schema if missing, sets it as the session's `search_path`,
/// applies the migrations it lacks and creates missing tables, all in one
/// transaction under an advisory lock named after the schema.
pub(super) async fn migrate(client: &mut Client, schema: &str) -> Result<(), Failure> {
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
