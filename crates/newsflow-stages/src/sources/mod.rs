//! Sources: where articles come from.

pub mod dir;
pub mod feed;
pub mod http;
pub mod nats;
pub mod stdin;

use newsflow_core::{Article, ArticleError, Closed, DeadLetter, SourceContext};

/// Parses one JSON article and emits it, or dead-letters the raw input with
/// its location and the reason. `line` is the record's line for JSON Lines;
/// for a whole-file object it is `None`, and a syntax error's own line is
/// named instead.
pub(crate) async fn emit_json(
    cx: &SourceContext,
    raw: &[u8],
    origin: &str,
    line: Option<usize>,
) -> Result<(), Closed> {
    let mut location = match line {
        Some(line) => format!("{origin}:{line}"),
        None => origin.to_owned(),
    };
    let parsed = match std::str::from_utf8(raw) {
        Err(e) => Err(ArticleError::NotUtf8(e.to_string())),
        Ok(text) => match serde_json::from_str(text) {
            Ok(value) => Article::from_value(value),
            Err(e) => {
                if line.is_none() {
                    location = format!("{origin}:{}", e.line());
                }
                Err(ArticleError::Json(e.to_string()))
            }
        },
    };
    emit(cx, parsed, raw, location).await
}

/// Emits a parsed article, or dead-letters the raw input with the reason.
pub(crate) async fn emit(
    cx: &SourceContext,
    parsed: Result<Article, ArticleError>,
    raw: &[u8],
    location: String,
) -> Result<(), Closed> {
    match parsed {
        Ok(article) => cx.out.send(article, cx.delivery()).await,
        Err(reason) => {
            let letter = DeadLetter::from_bytes(&cx.name, Some(location), reason.to_string(), raw);
            cx.dead_letters.send(letter, cx.delivery()).await
        }
    }
}
