//! Bytes to articles, in one place: every source and command that reads
//! articles frames and decodes them here.
//!
//! - **Framing**: a whole body (an HTTP push, a file) is one JSON article,
//!   an array of them, or JSON Lines ([`decode_body`]); a stream is read a
//!   line at a time with a bound on a line's length ([`next_line`]).
//! - **Decoding**: JSON into a checked [`Article`] ([`decode_json`]), or plain
//!   text as an article's body ([`decode_text`]).
//!
//! ```
//! use newsflow_core::codec::{decode_body, decode_json, Framing};
//! let article = decode_json(br#"{"id": "a1", "body": "Text."}"#).unwrap();
//! assert_eq!(article.id, "a1");
//! let two = decode_body(b"{\"id\": \"a\", \"body\": \"A.\"}\n{\"id\": \"b\", \"body\": \"B.\"}\n", Framing::Sniff);
//! assert_eq!(two.unwrap().len(), 2);
//! ```

mod body;
mod lines;

pub use body::{decode_body, Decoded, Framing, Place};
pub use lines::{next_line, Line};

use crate::{Article, ArticleError};

/// One JSON article from bytes: UTF-8, then JSON, then every field checked.
pub fn decode_json(bytes: &[u8]) -> Result<Article, ArticleError> {
    let text = std::str::from_utf8(bytes).map_err(ArticleError::NotUtf8)?;
    decode_json_str(text)
}

/// One JSON article from text.
pub fn decode_json_str(text: &str) -> Result<Article, ArticleError> {
    let article = Article::from_json(text)?;
    warn_of_unreadable_date(&article);
    Ok(article)
}

/// Plain text as the body of an article named `id`.
pub fn decode_text(id: impl Into<String>, bytes: &[u8]) -> Result<Article, ArticleError> {
    let text = std::str::from_utf8(bytes).map_err(ArticleError::NotUtf8)?;
    Article::from_text(id, text)
}

/// A JSON object is an article; anything else is the body of an article
/// named `id` (what `newsflow extract` reads).
pub fn decode_json_or_text(id: impl Into<String>, bytes: &[u8]) -> Result<Article, ArticleError> {
    let text = std::str::from_utf8(bytes).map_err(ArticleError::NotUtf8)?;
    if text.trim_start().starts_with('{') {
        decode_json_str(text)
    } else {
        Article::from_text(id, text)
    }
}

/// The vocabulary crate keeps an unreadable `published_at` in metadata
/// without logging (it does no I/O); the operator hears of it here.
fn warn_of_unreadable_date(article: &Article) {
    if let Some(raw) = article.unreadable_date() {
        tracing::warn!(
            article = %article.id,
            published_at = %raw,
            "`published_at` is not a date newsflow reads; kept in metadata.published_at_raw"
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_text_and_either() {
        assert_eq!(
            decode_json(br#"{"id": "a", "body": "B."}"#).unwrap().body,
            "B."
        );
        assert!(matches!(
            decode_json(&[0xff]),
            Err(ArticleError::NotUtf8(_))
        ));
        assert!(matches!(decode_json(b"{oops"), Err(ArticleError::Json(_))));
        assert_eq!(decode_text("t", b"Plain.").unwrap().id, "t");
        assert_eq!(
            decode_json_or_text("x", b" {\"id\": \"a\", \"body\": \"B.\"}")
                .unwrap()
                .id,
            "a"
        );
        assert_eq!(decode_json_or_text("x", b"Plain text.").unwrap().id, "x");
        let dated = decode_json(br#"{"id": "a", "body": "B.", "published_at": "yesterday"}"#);
        assert_eq!(dated.unwrap().unreadable_date().unwrap(), "yesterday");
    }
}
