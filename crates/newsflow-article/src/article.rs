//! The article: what sources produce, transforms enrich and sinks write.

use crate::{Entity, Figure};
use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// A news article, with its enrichment once a transform has added it.
///
/// Input fields round-trip unchanged: fields this struct does not know are
/// kept in [`Article::extra`] and written back out.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Article {
    /// Stable identifier; a `.txt` fixture's file stem.
    pub id: String,
    /// Headline.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Where the article was published.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// Publication time (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub published_at: Option<DateTime<FixedOffset>>,
    /// The publisher or feed it came from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// Language tag ("en").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
    /// Free-form data the producer attached.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Map<String, Value>>,
    /// The text. Entity and figure offsets are code points into it.
    pub body: String,
    /// Entities, once an entity transform has run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entities: Option<Vec<Entity>>,
    /// Figures, once a figure transform has run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub figures: Option<Vec<Figure>>,
    /// Input fields this model does not name, kept so nothing is lost.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// The longest article id, in bytes: every sink can key on it (database
/// indexes, message headers), and longer ids are dead-lettered at the source.
pub const MAX_ID_BYTES: usize = 1024;

/// Where [`Article::from_value`] keeps a `published_at` it cannot read.
const UNREADABLE_DATE_KEY: &str = "published_at_raw";

/// Reads `published_at` in the common forms and rewrites it as RFC 3339; a
/// value it cannot read is taken out and returned, so the article still
/// flows (the caller keeps it in `metadata.published_at_raw`).
fn normalise_published_at(value: &mut Value) -> Option<Value> {
    let object = value.as_object_mut()?;
    let parsed = match object.get("published_at")? {
        Value::Null => return None,
        Value::String(text) => parse_date(text),
        _ => None,
    };
    match parsed {
        Some(date) => {
            object.insert("published_at".into(), Value::String(date.to_rfc3339()));
            None
        }
        None => object.remove("published_at"),
    }
}

/// A publication time in the forms feeds and CMSes write: RFC 3339, RFC 2822
/// (`Fri, 02 May 2025 10:00:00 +0200`), ISO 8601 with `+0200` or without a
/// zone, a space for the `T`, or a bare date. Without a zone the time is
/// taken as UTC; a bare date is its midnight, UTC.
///
/// ```
/// use newsflow_article::parse_date;
/// assert_eq!(parse_date("2025-05-02").unwrap().to_rfc3339(), "2025-05-02T00:00:00+00:00");
/// assert_eq!(parse_date("Fri, 02 May 2025 10:00:00 +0200").unwrap().to_rfc3339(), "2025-05-02T10:00:00+02:00");
/// assert!(parse_date("last Tuesday").is_none());
/// ```
pub fn parse_date(text: &str) -> Option<DateTime<FixedOffset>> {
    use chrono::{NaiveDate, NaiveDateTime, TimeZone, Utc};
    let text = text.trim();
    if let Ok(date) = DateTime::parse_from_rfc3339(text) {
        return Some(date);
    }
    if let Ok(date) = DateTime::parse_from_rfc2822(text) {
        return Some(date);
    }
    for format in [
        "%Y-%m-%dT%H:%M:%S%.f%z",
        "%Y-%m-%d %H:%M:%S%.f%z",
        "%Y-%m-%d %H:%M:%S%.f %z",
    ] {
        if let Ok(date) = DateTime::parse_from_str(text, format) {
            return Some(date);
        }
    }
    let utc = |naive: NaiveDateTime| Utc.from_utc_datetime(&naive).fixed_offset();
    for format in [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M",
    ] {
        if let Ok(naive) = NaiveDateTime::parse_from_str(text, format) {
            return Some(utc(naive));
        }
    }
    // A trailing `Z` with a form RFC 3339 does not take (no seconds).
    if let Some(rest) = text.strip_suffix('Z') {
        if let Ok(naive) = NaiveDateTime::parse_from_str(rest, "%Y-%m-%dT%H:%M") {
            return Some(utc(naive));
        }
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .ok()
        .and_then(|date| date.and_hms_opt(0, 0, 0))
        .map(utc)
}

/// Why a record could not be turned into an article. The parser's error,
/// when there is one, is kept as the source (its text is in the message).
#[derive(Debug, thiserror::Error)]
pub enum ArticleError {
    /// The input bytes are not UTF-8.
    #[error("not UTF-8: {0}")]
    NotUtf8(#[source] std::str::Utf8Error),
    /// The input is not JSON at all.
    #[error("not valid JSON: {0}")]
    Json(#[source] serde_json::Error),
    /// The JSON is not an object.
    #[error("an article must be a JSON object, found {0}")]
    NotAnObject(&'static str),
    /// A required field is absent, null or empty.
    #[error("the article has no `{0}`")]
    Missing(&'static str),
    /// A field has the wrong type or an unreadable value.
    #[error("`{field}`: {message}")]
    Invalid {
        /// The field's name.
        field: String,
        /// What is wrong with it.
        message: String,
        /// The parser's error, when the value could not be read.
        #[source]
        source: Option<serde_json::Error>,
    },
}

/// Errors are equal when they say the same: the parser's errors are
/// compared by their text.
impl PartialEq for ArticleError {
    fn eq(&self, other: &ArticleError) -> bool {
        use ArticleError::*;
        match (self, other) {
            (NotUtf8(a), NotUtf8(b)) => a == b,
            (Json(a), Json(b)) => a.to_string() == b.to_string(),
            (NotAnObject(a), NotAnObject(b)) | (Missing(a), Missing(b)) => a == b,
            (
                Invalid { field, message, .. },
                Invalid {
                    field: other_field,
                    message: other_message,
                    ..
                },
            ) => field == other_field && message == other_message,
            _ => false,
        }
    }
}

impl Eq for ArticleError {}

impl Article {
    /// An article from plain text: the whole text is the body.
    pub fn from_text(
        id: impl Into<String>,
        body: impl Into<String>,
    ) -> Result<Article, ArticleError> {
        let article = Article {
            id: id.into(),
            title: None,
            url: None,
            published_at: None,
            source: None,
            language: None,
            metadata: None,
            body: body.into(),
            entities: None,
            figures: None,
            extra: Map::new(),
        };
        article.check_required()?;
        Ok(article)
    }

    /// Parses one article object from JSON text.
    ///
    /// ```
    /// use newsflow_article::Article;
    /// let a = Article::from_json(r#"{"id": "a1", "body": "Text.", "title": "T"}"#).unwrap();
    /// assert_eq!(a.title.as_deref(), Some("T"));
    /// assert!(Article::from_json(r#"{"id": "a1"}"#).is_err());
    /// ```
    pub fn from_json(text: &str) -> Result<Article, ArticleError> {
        let value: Value = serde_json::from_str(text).map_err(ArticleError::Json)?;
        Article::from_value(value)
    }

    /// Reads an article from a parsed JSON value, checking every field.
    pub fn from_value(value: Value) -> Result<Article, ArticleError> {
        let object = match &value {
            Value::Object(object) => object,
            Value::Array(_) => return Err(ArticleError::NotAnObject("an array")),
            Value::String(_) => return Err(ArticleError::NotAnObject("a string")),
            Value::Number(_) => return Err(ArticleError::NotAnObject("a number")),
            Value::Bool(_) => return Err(ArticleError::NotAnObject("a boolean")),
            Value::Null => return Err(ArticleError::NotAnObject("null")),
        };
        // Name the missing field plainly rather than as a serde message.
        for field in ["id", "body"] {
            if matches!(object.get(field), None | Some(Value::Null)) {
                return Err(ArticleError::Missing(field));
            }
        }
        let mut value = value;
        let unreadable_date = normalise_published_at(&mut value);
        let mut article: Article = serde_path_to_error::deserialize(value).map_err(|e| {
            let field = e.path().to_string();
            let source = e.into_inner();
            ArticleError::Invalid {
                field,
                message: source.to_string(),
                source: Some(source),
            }
        })?;
        article.check_required()?;
        if let Some(raw) = unreadable_date {
            // The source logs it (this crate does no I/O): see
            // `Article::unreadable_date`.
            article
                .metadata
                .get_or_insert_with(Map::new)
                .insert(UNREADABLE_DATE_KEY.into(), raw);
        }
        Ok(article)
    }

    /// The `published_at` input could not be read as a date and was kept
    /// in `metadata.published_at_raw`: that value, for the source to log.
    pub fn unreadable_date(&self) -> Option<&Value> {
        if self.published_at.is_some() {
            return None;
        }
        self.metadata.as_ref()?.get(UNREADABLE_DATE_KEY)
    }

    fn check_required(&self) -> Result<(), ArticleError> {
        if self.id.trim().is_empty() {
            return Err(ArticleError::Missing("id"));
        }
        if self.id.len() > MAX_ID_BYTES {
            return Err(ArticleError::Invalid {
                field: "id".into(),
                message: format!(
                    "{} bytes long; an id is at most {MAX_ID_BYTES} bytes (use a URL or a hash, and put long text in `metadata`)",
                    self.id.len()
                ),
                source: None,
            });
        }
        if self.body.trim().is_empty() {
            return Err(ArticleError::Missing("body"));
        }
        Ok(())
    }

    /// About how many bytes the article holds in memory: its text fields
    /// and its annotations. What the byte budget counts
    /// (newsflow-core's `ByteBudget`); cheap, an estimate.
    pub fn approx_bytes(&self) -> usize {
        // What a struct with its vectors and options takes besides its text.
        const ENTITY: usize = 96;
        const MENTION: usize = 40;
        const FIGURE: usize = 160;
        let optional = |field: &Option<String>| field.as_ref().map_or(0, String::len);
        let entities: usize = self
            .entities
            .iter()
            .flatten()
            .map(|entity| {
                let mentions: usize = entity.mentions.iter().map(|m| MENTION + m.text.len()).sum();
                ENTITY + entity.name.len() + mentions
            })
            .sum();
        let figures: usize = self
            .figures
            .iter()
            .flatten()
            .map(|figure| FIGURE + figure.text.len())
            .sum();
        self.id.len()
            + self.body.len()
            + optional(&self.title)
            + optional(&self.url)
            + optional(&self.source)
            + entities
            + figures
    }

    /// Number of whitespace-separated words in the body.
    pub fn word_count(&self) -> usize {
        self.body.split_whitespace().count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_unknown_fields() {
        let a = Article::from_json(r#"{"id":"x","body":"b","feed_rank":3}"#).unwrap();
        let out = serde_json::to_value(&a).unwrap();
        assert_eq!(out["feed_rank"], 3);
    }

    #[test]
    fn refuses_missing_and_blank_fields() {
        assert_eq!(
            Article::from_json(r#"{"body":"b"}"#),
            Err(ArticleError::Missing("id"))
        );
        assert_eq!(
            Article::from_json(r#"{"id":"x","body":"  "}"#),
            Err(ArticleError::Missing("body"))
        );
        assert_eq!(
            Article::from_json("[1]"),
            Err(ArticleError::NotAnObject("an array"))
        );
    }

    #[test]
    fn reads_dates_in_the_common_forms_and_keeps_an_unreadable_one() {
        for (written, read) in [
            ("2025-05-02", "2025-05-02T00:00:00+00:00"),
            ("2025-05-02T10:15:00", "2025-05-02T10:15:00+00:00"),
            ("2025-05-02 10:15:00", "2025-05-02T10:15:00+00:00"),
            ("2025-05-02T10:15:00+0200", "2025-05-02T10:15:00+02:00"),
            ("2025-05-02T10:15Z", "2025-05-02T10:15:00+00:00"),
            ("Fri, 02 May 2025 10:15:00 GMT", "2025-05-02T10:15:00+00:00"),
            (
                "2025-05-02T10:15:00.5-04:00",
                "2025-05-02T10:15:00.500-04:00",
            ),
        ] {
            let json = format!(r#"{{"id":"x","body":"b","published_at":"{written}"}}"#);
            let article = Article::from_json(&json).unwrap();
            assert_eq!(
                article.published_at.unwrap().to_rfc3339(),
                read,
                "{written}"
            );
        }
        let a = Article::from_json(
            r#"{"id":"x","body":"b","published_at":"yesterday","metadata":{"desk":"world"}}"#,
        )
        .unwrap();
        assert_eq!(a.published_at, None);
        let metadata = a.metadata.unwrap();
        assert_eq!(metadata["published_at_raw"], "yesterday");
        assert_eq!(metadata["desk"], "world");
        let a = Article::from_json(r#"{"id":"x","body":"b","published_at":20250502}"#).unwrap();
        assert_eq!(a.metadata.unwrap()["published_at_raw"], 20250502);
    }

    #[test]
    fn refuses_an_id_longer_than_any_sink_can_key_on() {
        let json = format!(r#"{{"id":"{}","body":"b"}}"#, "x".repeat(MAX_ID_BYTES + 1));
        let err = Article::from_json(&json).unwrap_err();
        assert!(err.to_string().contains("at most 1024 bytes"), "{err}");
        let json = format!(r#"{{"id":"{}","body":"b"}}"#, "x".repeat(MAX_ID_BYTES));
        assert!(Article::from_json(&json).is_ok());
        assert!(Article::from_text("y".repeat(MAX_ID_BYTES + 1), "b").is_err());
    }

    #[test]
    fn keeps_the_parser_error_as_the_source() {
        use std::error::Error;
        let err = Article::from_json("{not json").unwrap_err();
        assert!(err.to_string().starts_with("not valid JSON: "), "{err}");
        let source = err.source().expect("the JSON error");
        assert!(source.is::<serde_json::Error>());
        assert_eq!(err.to_string(), format!("not valid JSON: {source}"));

        let err = Article::from_json(r#"{"id":"x","body":"b","title":["a"]}"#).unwrap_err();
        let source = err.source().expect("the JSON error");
        assert_eq!(err.to_string(), format!("`title`: {source}"));

        let bytes = vec![b'a', 0xff];
        let utf8 = std::str::from_utf8(&bytes).unwrap_err();
        let err = ArticleError::NotUtf8(utf8);
        assert_eq!(err.to_string(), format!("not UTF-8: {utf8}"));
        assert!(err.source().is_some());
    }

    #[test]
    fn names_the_bad_field() {
        let err = Article::from_json(r#"{"id":"x","body":"b","title":["a"]}"#).unwrap_err();
        assert!(
            matches!(err, ArticleError::Invalid { ref field, .. } if field == "title"),
            "{err}"
        );
        let err = Article::from_json(r#"{"id":7,"body":"b"}"#).unwrap_err();
        assert!(
            matches!(err, ArticleError::Invalid { ref field, .. } if field == "id"),
            "{err}"
        );
    }
}
