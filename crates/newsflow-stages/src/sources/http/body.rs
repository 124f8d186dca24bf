//! How a pushed body is framed, read off its content type; the framing and
//! decoding themselves are `newsflow_core::codec`'s.

use axum::http::{header, HeaderMap};
use newsflow_core::codec::Framing;

/// How a pushed body is framed, by its content type.
pub(super) fn body_framing(headers: &HeaderMap) -> Framing {
    let essence = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|v| v.trim().to_ascii_lowercase());
    match essence.as_deref() {
        Some(
            "application/x-ndjson"
            | "application/ndjson"
            | "application/jsonl"
            | "application/x-jsonl"
            | "application/json-lines"
            | "application/jsonlines"
            | "application/x-jsonlines",
        ) => Framing::Lines,
        _ => Framing::Sniff,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_json_lines_content_type_frames_by_line() {
        let mut headers = HeaderMap::new();
        assert_eq!(body_framing(&headers), Framing::Sniff);
        headers.insert(
            header::CONTENT_TYPE,
            "Application/X-NDJSON; charset=utf-8".parse().unwrap(),
        );
        assert_eq!(body_framing(&headers), Framing::Lines);
        headers.insert(header::CONTENT_TYPE, "application/json".parse().unwrap());
        assert_eq!(body_framing(&headers), Framing::Sniff);
    }
}
