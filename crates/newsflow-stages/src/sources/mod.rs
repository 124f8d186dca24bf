//! Sources: where articles come from.

pub mod dir;
pub mod feed;
pub mod http;
mod ledger;
pub mod nats;
pub mod stdin;

use newsflow_core::codec;
use newsflow_core::{Article, ArticleError, Closed, DeadLetter, Delivery, SourceContext};

/// The default of every source's `max_article_bytes` option.
pub(crate) fn default_max_article_bytes() -> std::num::NonZeroUsize {
    std::num::NonZeroUsize::new(newsflow_core::DEFAULT_MAX_ARTICLE_BYTES).expect("not zero")
}

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
    emit_json_with(cx, raw, origin, line, cx.delivery()).await
}

/// [`emit_json`] with the caller's delivery token (to checkpoint on delivery).
pub(crate) async fn emit_json_with(
    cx: &SourceContext,
    raw: &[u8],
    origin: &str,
    line: Option<usize>,
    delivery: Delivery,
) -> Result<(), Closed> {
    let mut location = match line {
        Some(line) => format!("{origin}:{line}"),
        None => origin.to_owned(),
    };
    let parsed = codec::decode_json(raw);
    if let (Err(ArticleError::Json(e)), None) = (&parsed, line) {
        location = format!("{origin}:{}", e.line());
    }
    emit_with(cx, parsed, raw, location, delivery).await
}

/// Emits a parsed article, or dead-letters the raw input with the reason.
pub(crate) async fn emit_with(
    cx: &SourceContext,
    parsed: Result<Article, ArticleError>,
    raw: &[u8],
    location: String,
    delivery: Delivery,
) -> Result<(), Closed> {
    match parsed {
        Ok(article) => cx.out.send(article, delivery).await,
        Err(reason) => {
            let letter = DeadLetter::from_bytes(&cx.name, Some(location), reason.to_string(), raw);
            cx.dead_letters.send(letter, delivery).await
        }
    }
}
