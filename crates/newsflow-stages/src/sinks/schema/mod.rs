//! The relational layout shared by the `sqlite` and `postgres` sinks: the
//! tables of each dialect as versioned migrations, and the conversions
//! between an [`Article`] and its rows.
//!
//! Tables (the same columns in both dialects):
//! - `articles`: one row per article id; `published_at` is the UTC instant and
//!   `published_at_offset` the UTC offset (seconds east) the article gave, so
//!   it reads back as written; `entity_count` / `figure_count` are NULL when
//!   that extraction did not run (not the same as "found none").
//! - `entities` (`article_id`, `idx`) and their `mentions` (`entity_idx`,
//!   `idx`), `figures` (`article_id`, `idx`): offsets are code points into the
//!   body, `end_offset` exclusive (`end` is a reserved word in SQL).
//! - `dead_letters`: refused input, one row per distinct (stage, location,
//!   reason, raw), so a replay does not add copies.
//! - `schema_version`: the migrations applied.
//!
//! Each dialect has its current layout as idempotent DDL (`*_TABLES`), run
//! after the migrations on every start, so a table dropped behind the sink's
//! back is created again, and versioned [`Migration`]s that bring an older
//! database up to that layout in place. PostgreSQL keys ids by their md5 and
//! looks them up through hash indexes: a B-tree entry cannot hold more than
//! about 2.7 kB, and an id may be any length.

use chrono::{DateTime, FixedOffset, Offset, Utc};
use newsflow_core::{
    Article, DeadLetter, Entity, EntityType, Figure, FigureKind, FigureValue, Mention, Qualifier,
    RawEncoding, Record, TextField,
};
use serde_json::{Map, Value};
use std::collections::HashMap;

mod ddl;

pub use ddl::{POSTGRES_MIGRATIONS, POSTGRES_TABLES, SQLITE_MIGRATIONS, SQLITE_TABLES};

/// A schema change: applied once, in a transaction, then recorded in
/// `schema_version`. From version 2 on a migration must also pass on a
/// database missing some tables (`ALTER TABLE IF EXISTS`): the layout step
/// after it creates them.
pub struct Migration {
    /// Applied in increasing order; never reused.
    pub version: i64,
    /// The statements, separated by semicolons.
    pub sql: &'static str,
}

/// The tables of the layout (besides `schema_version`), in both dialects.
pub(crate) const TABLES: &[&str] = &[
    "articles",
    "entities",
    "mentions",
    "figures",
    "dead_letters",
];

/// An article as its `articles` row, borrowing from the article.
pub(crate) struct ArticleRow<'a> {
    pub id: &'a str,
    pub title: Option<&'a str>,
    pub url: Option<&'a str>,
    pub published_at: Option<DateTime<FixedOffset>>,
    pub published_at_offset: Option<i32>,
    pub source: Option<&'a str>,
    pub language: Option<&'a str>,
    pub metadata: Option<String>,
    pub body: &'a str,
    pub extra: String,
    pub entity_count: Option<i64>,
    pub figure_count: Option<i64>,
}

/// One `entities` row.
pub(crate) struct EntityRow<'a> {
    pub article_id: &'a str,
    pub idx: i32,
    pub name: &'a str,
    pub kind: &'static str,
    pub confidence: f64,
}

/// One `mentions` row.
pub(crate) struct MentionRow<'a> {
    pub article_id: &'a str,
    pub entity_idx: i32,
    pub idx: i32,
    pub text: &'a str,
    pub start: i64,
    pub end: i64,
    /// `title`, or `None` for the body.
    pub field: Option<&'static str>,
}

/// One `figures` row.
pub(crate) struct FigureRow<'a> {
    pub article_id: &'a str,
    pub idx: i32,
    pub text: &'a str,
    pub start: i64,
    pub end: i64,
    pub value_number: Option<f64>,
    pub value_text: Option<&'a str>,
    pub kind: &'static str,
    pub unit: Option<&'a str>,
    pub qualifier: &'static str,
    pub event: Option<&'a str>,
    pub subject: Option<&'a str>,
    pub low: Option<f64>,
    pub high: Option<f64>,
    pub of: Option<f64>,
    pub against: Option<f64>,
    pub base_value: Option<f64>,
    pub base_unit: Option<&'a str>,
}

/// A batch of records as table rows.
#[derive(Default)]
pub(crate) struct Rows<'a> {
    /// One per article id: the last copy in the batch wins, as it would had
    /// the copies come in separate batches.
    pub articles: Vec<ArticleRow<'a>>,
    pub entities: Vec<EntityRow<'a>>,
    pub mentions: Vec<MentionRow<'a>>,
    pub figures: Vec<FigureRow<'a>>,
    pub dead_letters: Vec<&'a DeadLetter>,
}

impl<'a> Rows<'a> {
    /// Splits `batch` into rows.
    pub fn of(batch: &'a [Record]) -> Rows<'a> {
        let mut last_copy: HashMap<&str, usize> = HashMap::new();
        for (i, record) in batch.iter().enumerate() {
            if let Record::Article(article) = record {
                last_copy.insert(&article.id, i);
            }
        }
        let mut rows = Rows::default();
        for (i, record) in batch.iter().enumerate() {
            match record {
                Record::Article(article) if last_copy.get(article.id.as_str()) == Some(&i) => {
                    rows.add_article(article);
                }
                Record::Article(_) => {}
                Record::DeadLetter(letter) => rows.dead_letters.push(letter),
            }
        }
        rows
    }

    fn add_article(&mut self, article: &'a Article) {
        let id = article.id.as_str();
        for (entity_idx, entity) in article.entities.iter().flatten().enumerate() {
            let entity_idx = index(entity_idx);
            self.entities.push(EntityRow {
                article_id: id,
                idx: entity_idx,
                name: &entity.name,
                kind: entity.kind.label(),
                confidence: entity.confidence,
            });
            for (idx, mention) in entity.mentions.iter().enumerate() {
                self.mentions.push(MentionRow {
                    article_id: id,
                    entity_idx,
                    idx: index(idx),
                    text: &mention.text,
                    start: offset(mention.start),
                    end: offset(mention.end),
                    field: (!mention.field.is_body()).then(|| mention.field.label()),
                });
            }
        }
        for (idx, figure) in article.figures.iter().flatten().enumerate() {
            let (value_number, value_text) = match &figure.value {
                Some(FigureValue::Number(n)) => (Some(*n), None),
                Some(FigureValue::Date(d)) => (None, Some(d.as_str())),
                None => (None, None),
            };
            self.figures.push(FigureRow {
                article_id: id,
                idx: index(idx),
                text: &figure.text,
                start: offset(figure.start),
                end: offset(figure.end),
                value_number,
                value_text,
                kind: figure_kind_label(figure.kind),
                unit: figure.unit.as_deref(),
                qualifier: qualifier_label(figure.qualifier),
                event: figure.event.as_deref(),
                subject: figure.subject.as_deref(),
                low: figure.low,
                high: figure.high,
                of: figure.of,
                against: figure.against,
                base_value: figure.base_value,
                base_unit: figure.base_unit.as_deref(),
            });
        }
        self.articles.push(ArticleRow {
            id,
            title: article.title.as_deref(),
            url: article.url.as_deref(),
            published_at: article.published_at,
            published_at_offset: article.published_at.map(|t| t.offset().local_minus_utc()),
            source: article.source.as_deref(),
            language: article.language.as_deref(),
            metadata: article.metadata.as_ref().map(json_text),
            body: &article.body,
            extra: json_text(&article.extra),
            entity_count: article.entities.as_ref().map(|e| count(e.len())),
            figure_count: article.figures.as_ref().map(|f| count(f.len())),
        });
    }

    /// Whether there is nothing to write.
    pub fn is_empty(&self) -> bool {
        self.articles.is_empty() && self.dead_letters.is_empty()
    }

    /// The ids of the articles, for deleting their old child rows.
    pub fn article_ids(&self) -> Vec<&'a str> {
        self.articles.iter().map(|a| a.id).collect()
    }
}

/// Serialises a JSON object; a map of JSON values always serialises.
fn json_text(map: &Map<String, Value>) -> String {
    serde_json::to_string(map).unwrap_or_else(|_| "{}".to_owned())
}

/// Positions within one article; more than `i32::MAX` entities cannot occur
/// in a body a process can hold, so saturating never changes a real value.
fn index(i: usize) -> i32 {
    i32::try_from(i).unwrap_or(i32::MAX)
}

/// A code-point offset as SQL's signed 64-bit integer.
fn offset(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

fn count(n: usize) -> i64 {
    offset(n)
}

/// The name a figure kind has in the JSON output.
pub(crate) fn figure_kind_label(kind: FigureKind) -> &'static str {
    match kind {
        FigureKind::Count => "count",
        FigureKind::Money => "money",
        FigureKind::Percent => "percent",
        FigureKind::Year => "year",
        FigureKind::Date => "date",
        FigureKind::Duration => "duration",
        FigureKind::Ordinal => "ordinal",
        FigureKind::Measure => "measure",
        FigureKind::Score => "score",
        FigureKind::Ratio => "ratio",
    }
}

/// The name a qualifier has in the JSON output.
pub(crate) fn qualifier_label(qualifier: Qualifier) -> &'static str {
    match qualifier {
        Qualifier::Exact => "exact",
        Qualifier::AtLeast => "at_least",
        Qualifier::MoreThan => "more_than",
        Qualifier::Approximately => "approximately",
        Qualifier::UpTo => "up_to",
        Qualifier::LessThan => "less_than",
    }
}

/// The `raw_encoding` column's value.
pub(crate) fn raw_encoding_label(encoding: RawEncoding) -> &'static str {
    match encoding {
        RawEncoding::Utf8 => "utf8",
        RawEncoding::Base64 => "base64",
    }
}

/// Reads a stored value back into an enum by its label.
fn parse_label<T: serde::de::DeserializeOwned>(what: &str, label: &str) -> Result<T, String> {
    serde_json::from_value(Value::String(label.to_owned()))
        .map_err(|_| format!("unknown {what} `{label}` in the database"))
}

/// An `articles` row read back.
pub(crate) struct StoredArticle {
    pub id: String,
    pub title: Option<String>,
    pub url: Option<String>,
    pub published_at: Option<DateTime<Utc>>,
    pub published_at_offset: Option<i32>,
    pub source: Option<String>,
    pub language: Option<String>,
    pub metadata: Option<String>,
    pub body: String,
    pub extra: String,
    pub entity_count: Option<i64>,
    pub figure_count: Option<i64>,
}

/// An `entities` row read back (rows come ordered by `idx`).
pub(crate) struct StoredEntity {
    pub idx: i32,
    pub name: String,
    pub kind: String,
    /// NULL in SQLite stands for a confidence that was not a number.
    pub confidence: Option<f64>,
}

/// A `mentions` row read back (ordered by `entity_idx`, `idx`).
pub(crate) struct StoredMention {
    pub entity_idx: i32,
    pub text: String,
    pub start: i64,
    pub end: i64,
    pub field: Option<String>,
}

/// A `figures` row read back (ordered by `idx`).
pub(crate) struct StoredFigure {
    pub text: String,
    pub start: i64,
    pub end: i64,
    pub value_number: Option<f64>,
    pub value_text: Option<String>,
    pub kind: String,
    pub unit: Option<String>,
    pub qualifier: String,
    pub event: Option<String>,
    pub subject: Option<String>,
    pub low: Option<f64>,
    pub high: Option<f64>,
    pub of: Option<f64>,
    pub against: Option<f64>,
    pub base_value: Option<f64>,
    pub base_unit: Option<String>,
}

// Reading the rows back, for both drivers. Their row types share no trait
// (rusqlite's `get` and tokio-postgres's `try_get` take different `FromSql`
// bounds), so the column lists are macros: `$get` names the driver's
// getter.

/// An `articles` row, selected in field order, as a [`StoredArticle`], with
/// `published_at` read by the caller (its type differs between drivers).
macro_rules! stored_article {
    ($row:ident . $get:ident, $published_at:expr) => {
        $crate::sinks::schema::StoredArticle {
            id: $row.$get(0)?,
            title: $row.$get(1)?,
            url: $row.$get(2)?,
            published_at: $published_at,
            published_at_offset: $row.$get(4)?,
            source: $row.$get(5)?,
            language: $row.$get(6)?,
            metadata: $row.$get(7)?,
            body: $row.$get(8)?,
            extra: $row.$get(9)?,
            entity_count: $row.$get(10)?,
            figure_count: $row.$get(11)?,
        }
    };
}

/// The `SELECT`s that read an article's child rows back, in the field
/// order of [`StoredEntity`], [`StoredMention`] and [`StoredFigure`]. `$1`,
/// the article id, is a parameter in both dialects (SQLite binds it first).
pub(crate) const SELECT_ENTITIES: &str =
    "SELECT idx, name, type, confidence FROM entities WHERE article_id = $1 ORDER BY idx";
/// See [`SELECT_ENTITIES`].
pub(crate) const SELECT_MENTIONS: &str =
    "SELECT entity_idx, text, start_offset, end_offset, field FROM mentions
     WHERE article_id = $1 ORDER BY entity_idx, idx";
/// See [`SELECT_ENTITIES`].
pub(crate) const SELECT_FIGURES: &str =
    "SELECT text, start_offset, end_offset, value_number, value_text, kind, unit,
        qualifier, event, subject, value_low, value_high, value_of, value_against,
        base_value, base_unit
     FROM figures WHERE article_id = $1 ORDER BY idx";

/// A `$ty` whose fields are read from the row's columns in turn (struct
/// fields are evaluated in the order written).
macro_rules! read_in_order {
    ($row:ident . $get:ident => $ty:ident { $($field:ident),+ $(,)? }) => {{
        let mut column = 0..;
        $crate::sinks::schema::$ty {
            $($field: $row.$get(column.next().unwrap_or_default())?),+
        }
    }};
}

/// A row of [`SELECT_ENTITIES`] as a [`StoredEntity`].
macro_rules! stored_entity {
    ($row:ident . $get:ident) => {
        $crate::sinks::schema::read_in_order!($row.$get => StoredEntity {
            idx, name, kind, confidence
        })
    };
}

/// A row of [`SELECT_MENTIONS`] as a [`StoredMention`].
macro_rules! stored_mention {
    ($row:ident . $get:ident) => {
        $crate::sinks::schema::read_in_order!($row.$get => StoredMention {
            entity_idx, text, start, end, field
        })
    };
}

/// A row of [`SELECT_FIGURES`] as a [`StoredFigure`].
macro_rules! stored_figure {
    ($row:ident . $get:ident) => {
        $crate::sinks::schema::read_in_order!($row.$get => StoredFigure {
            text, start, end, value_number, value_text, kind, unit, qualifier, event, subject,
            low, high, of, against, base_value, base_unit
        })
    };
}

pub(crate) use {read_in_order, stored_article, stored_entity, stored_figure, stored_mention};

/// Rebuilds the article its rows were written from.
pub(crate) fn assemble(
    stored: StoredArticle,
    entities: Vec<StoredEntity>,
    mentions: Vec<StoredMention>,
    figures: Vec<StoredFigure>,
) -> Result<Article, String> {
    let published_at = match (stored.published_at, stored.published_at_offset) {
        (Some(utc), offset) => {
            let offset = offset
                .and_then(FixedOffset::east_opt)
                .unwrap_or_else(|| Utc.fix());
            Some(utc.with_timezone(&offset))
        }
        (None, _) => None,
    };
    let mut by_idx: HashMap<i32, Vec<Mention>> = HashMap::new();
    for m in mentions {
        let field = match m.field.as_deref() {
            None | Some("body") => TextField::Body,
            Some("title") => TextField::Title,
            Some(other) => return Err(format!("unknown mention field `{other}` in the database")),
        };
        by_idx.entry(m.entity_idx).or_default().push(Mention {
            text: m.text,
            start: stored_offset(m.start)?,
            end: stored_offset(m.end)?,
            field,
        });
    }
    let entities = entities
        .into_iter()
        .map(|e| {
            Ok(Entity {
                kind: EntityType::from_label(&e.kind)
                    .ok_or_else(|| format!("unknown entity type `{}` in the database", e.kind))?,
                name: e.name,
                confidence: e.confidence.unwrap_or(f64::NAN),
                mentions: by_idx.remove(&e.idx).unwrap_or_default(),
            })
        })
        .collect::<Result<Vec<_>, String>>()?;
    let figures = figures
        .into_iter()
        .map(|f| {
            let value = match (f.value_number, f.value_text) {
                (Some(n), _) => Some(FigureValue::Number(n)),
                (None, Some(d)) => Some(FigureValue::Date(d)),
                (None, None) => None,
            };
            Ok(Figure {
                text: f.text,
                start: stored_offset(f.start)?,
                end: stored_offset(f.end)?,
                value,
                kind: parse_label("figure kind", &f.kind)?,
                unit: f.unit,
                low: f.low,
                high: f.high,
                of: f.of,
                against: f.against,
                base_value: f.base_value,
                base_unit: f.base_unit,
                qualifier: parse_label("qualifier", &f.qualifier)?,
                event: f.event,
                subject: f.subject,
            })
        })
        .collect::<Result<Vec<_>, String>>()?;
    let metadata = stored
        .metadata
        .as_deref()
        .map(|text| parse_object("metadata", text))
        .transpose()?;
    Ok(Article {
        id: stored.id,
        title: stored.title,
        url: stored.url,
        published_at,
        source: stored.source,
        language: stored.language,
        metadata,
        body: stored.body,
        entities: stored.entity_count.map(|_| entities),
        figures: stored.figure_count.map(|_| figures),
        extra: parse_object("extra", &stored.extra)?,
    })
}

fn stored_offset(n: i64) -> Result<usize, String> {
    usize::try_from(n).map_err(|_| format!("negative offset {n} in the database"))
}

fn parse_object(column: &str, text: &str) -> Result<Map<String, Value>, String> {
    serde_json::from_str(text).map_err(|e| format!("`{column}` is not a JSON object: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_match_the_json_output() {
        use FigureKind::*;
        for kind in [
            Count, Money, Percent, Year, Date, Duration, Ordinal, Measure, Score, Ratio,
        ] {
            assert_eq!(
                serde_json::to_value(kind).unwrap(),
                figure_kind_label(kind),
                "{kind:?}"
            );
        }
        use Qualifier::*;
        for q in [Exact, AtLeast, MoreThan, Approximately, UpTo, LessThan] {
            assert_eq!(
                serde_json::to_value(q).unwrap(),
                qualifier_label(q),
                "{q:?}"
            );
        }
        for e in [RawEncoding::Utf8, RawEncoding::Base64] {
            assert_eq!(serde_json::to_value(e).unwrap(), raw_encoding_label(e));
        }
    }

    #[test]
    fn the_last_copy_of_an_article_in_a_batch_wins() {
        let first = Article::from_text("a", "first").unwrap();
        let other = Article::from_text("b", "other").unwrap();
        let second = Article::from_text("a", "second").unwrap();
        let batch = [
            Record::Article(first),
            Record::Article(other),
            Record::Article(second),
        ];
        let rows = Rows::of(&batch);
        let bodies: Vec<_> = rows.articles.iter().map(|a| (a.id, a.body)).collect();
        assert_eq!(bodies, [("b", "other"), ("a", "second")]);
    }
}
