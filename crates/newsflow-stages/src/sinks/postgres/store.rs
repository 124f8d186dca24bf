//! Writing one batch: set-based statements over arrays, chunked under the
//! server's message limit, and the bisection that finds refused records.

use super::{describe, Failure, MAX_STATEMENT_BYTES, MAX_STATEMENT_ROWS};
use crate::sinks::schema::{raw_encoding_label, ArticleRow, Rows};
use crate::sinks::Bisection;
use base64::Engine;
use newsflow_core::{Article, DeadLetter, RawEncoding, Record, Refusal};
use serde_json::{Map, Value};
use std::borrow::Cow;
use tokio_postgres::types::ToSql;
use tokio_postgres::{Client, Transaction};

/// A dead letter made storable: PostgreSQL text cannot hold U+0000, so raw
/// input containing one is kept as base64 (its encoding says so, nothing is
/// lost), and the descriptive fields get U+FFFD in its place.
pub(super) struct LetterRow<'a> {
    stage: Cow<'a, str>,
    location: Option<Cow<'a, str>>,
    reason: Cow<'a, str>,
    article_id: Option<Cow<'a, str>>,
    raw: Cow<'a, str>,
    raw_encoding: &'static str,
}

impl<'a> LetterRow<'a> {
    pub(super) fn of(letter: &'a DeadLetter) -> LetterRow<'a> {
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
pub(super) fn nul_field(article: &Article) -> Option<&'static str> {
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
INSERT INTO mentions (article_id, entity_idx, idx, text, start_offset, end_offset, field)
SELECT * FROM unnest($1::text[], $2::int4[], $3::int4[], $4::text[], $5::int8[], $6::int8[],
    $7::text[])";

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

/// A statement's parameters: one array per value, each read from every row
/// of `$chunk` (named `$row`), in the order of the statement's columns.
macro_rules! columns {
    ($chunk:expr, $row:ident => $($value:expr),+ $(,)?) => {
        [$(&column($chunk, |$row| $value) as &(dyn ToSql + Sync)),+]
    };
}

/// Whether PostgreSQL refused a statement for its data (a bad value, a
/// constraint, a limit): the same records would be refused again.
pub(super) fn is_data_error(e: &tokio_postgres::Error) -> bool {
    e.code()
        .is_some_and(|code| matches!(&code.code()[..2], "22" | "23" | "54"))
}

/// Finds the records of a batch the server refuses alone, trying parts of
/// it under savepoints, rolled back. Nothing is written.
pub(super) async fn find_refused(
    client: &mut Client,
    records: &[Record],
) -> Result<Vec<Refusal>, Failure> {
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
pub(super) async fn store(
    tx: &Transaction<'_>,
    rows: &Rows<'_>,
    letters: &[LetterRow<'_>],
) -> Result<(), Failure> {
    for chunk in chunks(&rows.articles, article_bytes) {
        let values = columns!(chunk, a => a.id, a.title, a.url, a.published_at,
            a.published_at_offset, a.source, a.language, a.metadata.as_deref(), a.body,
            a.extra.as_str(), a.entity_count, a.figure_count);
        tx.execute(UPSERT_ARTICLES, &values).await?;
    }
    let ids = rows.article_ids();
    for table in ["mentions", "entities", "figures"] {
        let sql = format!("DELETE FROM {table} WHERE article_id = ANY($1)");
        tx.execute(&sql, &[&ids]).await?;
    }
    for chunk in chunks(&rows.entities, |e| 32 + e.name.len()) {
        let values = columns!(chunk, e => e.article_id, e.idx, e.name, e.kind, e.confidence);
        tx.execute(INSERT_ENTITIES, &values).await?;
    }
    for chunk in chunks(&rows.mentions, |m| 48 + m.text.len()) {
        let values = columns!(chunk, m => m.article_id, m.entity_idx, m.idx, m.text, m.start,
            m.end, m.field);
        tx.execute(INSERT_MENTIONS, &values).await?;
    }
    for chunk in chunks(&rows.figures, |f| 96 + f.text.len()) {
        let values = columns!(chunk, f => f.article_id, f.idx, f.text, f.start, f.end,
            f.value_number, f.value_text, f.kind, f.unit, f.qualifier, f.event, f.subject, f.low,
            f.high, f.of, f.against, f.base_value, f.base_unit);
        tx.execute(INSERT_FIGURES, &values).await?;
    }
    for chunk in chunks(letters, |d| 64 + d.raw.len() + d.reason.len()) {
        let values = columns!(chunk, d => &*d.stage, d.location.as_deref(), &*d.reason,
            d.article_id.as_deref(), &*d.raw, d.raw_encoding);
        tx.execute(INSERT_DEAD_LETTERS, &values).await?;
    }
    Ok(())
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
}
