//! The article: what sources produce, transforms enrich and sinks write.

use chrono::{DateTime, FixedOffset};
use newsflow_extract::{Entity, Figure};
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

/// Why a record could not be turned into an article.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ArticleError {
    /// The input bytes are not UTF-8.
    #[error("not UTF-8: {0}")]
    NotUtf8(String),
    /// The input is not JSON at all.
    #[error("not valid JSON: {0}")]
    Json(String),
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
    },
}

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
    /// use newsflow_core::Article;
    /// let a = Article::from_json(r#"{"id": "a1", "body": "Text.", "title": "T"}"#).unwrap();
    /// assert_eq!(a.title.as_deref(), Some("T"));
    /// assert!(Article::from_json(r#"{"id": "a1"}"#).is_err());
    /// ```
    pub fn from_json(text: &str) -> Result<Article, ArticleError> {
        let value: Value =
            serde_json::from_str(text).map_err(|e| ArticleError::Json(e.to_string()))?;
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
        let article: Article =
            serde_path_to_error::deserialize(value).map_err(|e| ArticleError::Invalid {
                field: e.path().to_string(),
                message: e.inner().to_string(),
            })?;
        article.check_required()?;
        Ok(article)
    }

    fn check_required(&self) -> Result<(), ArticleError> {
        if self.id.trim().is_empty() {
            return Err(ArticleError::Missing("id"));
        }
        if self.body.trim().is_empty() {
            return Err(ArticleError::Missing("body"));
        }
        Ok(())
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
    fn names_the_bad_field() {
        let err =
            Article::from_json(r#"{"id":"x","body":"b","published_at":"yesterday"}"#).unwrap_err();
        assert!(
            matches!(err, ArticleError::Invalid { ref field, .. } if field == "published_at"),
            "{err}"
        );
        let err = Article::from_json(r#"{"id":7,"body":"b"}"#).unwrap_err();
        assert!(
            matches!(err, ArticleError::Invalid { ref field, .. } if field == "id"),
            "{err}"
        );
    }
}
