//! Framing a whole body (an HTTP push, a file): one JSON article, an array
//! of them, or JSON Lines.

use super::decode_json_str;
use crate::Article;
use serde_json::value::RawValue;
use std::fmt;

/// How to split a body into articles.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Framing {
    /// One JSON value (an article or an array of them), else JSON Lines.
    Sniff,
    /// JSON Lines, whatever the first line looks like.
    Lines,
}

/// Where in a body an article was.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    /// The body is the article.
    Whole,
    /// The n-th item of an array (from 1).
    Item(usize),
    /// The n-th line of JSON Lines (from 1).
    Line(usize),
}

impl fmt::Display for Place {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Place::Whole => f.write_str("the article"),
            Place::Item(n) => write!(f, "item {n}"),
            Place::Line(n) => write!(f, "line {n}"),
        }
    }
}

/// One article read from a body, with where it was and its size in the body.
#[derive(Debug)]
pub struct Decoded {
    /// The article.
    pub article: Article,
    /// Where it was.
    pub place: Place,
    /// Its JSON text's length in bytes.
    pub bytes: usize,
}

/// Reads every article of a body, or says what the first bad one is.
pub fn decode_body(body: &[u8], framing: Framing) -> Result<Vec<Decoded>, String> {
    let text = std::str::from_utf8(body).map_err(|e| format!("the body is not UTF-8: {e}"))?;
    if text.trim().is_empty() {
        return Err("the body is empty; send a JSON article or JSON Lines".into());
    }
    if framing == Framing::Sniff {
        match serde_json::from_str::<&RawValue>(text) {
            Ok(raw) if raw.get().starts_with('[') => {
                // Raw items, so each one's size in the body is known.
                let items: Vec<&RawValue> =
                    serde_json::from_str(raw.get()).map_err(|e| format!("not valid JSON: {e}"))?;
                if items.is_empty() {
                    return Err("the array holds no article".into());
                }
                return items
                    .into_iter()
                    .enumerate()
                    .map(|(i, item)| read(item.get(), Place::Item(i + 1)))
                    .collect();
            }
            Ok(raw) => return Ok(vec![read(raw.get(), Place::Whole)?]),
            // More than one line that is not one JSON document: JSON Lines.
            Err(_) if text.trim().contains('\n') => {}
            Err(e) => return Err(format!("not valid JSON: {e}")),
        }
    }
    let mut articles = Vec::new();
    for (i, line) in text.split('\n').enumerate() {
        let line = line.strip_suffix('\r').unwrap_or(line);
        if line.trim().is_empty() {
            continue;
        }
        articles.push(read(line, Place::Line(i + 1))?);
    }
    Ok(articles)
}

/// One article's JSON text; the error names its place.
fn read(json: &str, place: Place) -> Result<Decoded, String> {
    match decode_json_str(json) {
        Ok(article) => Ok(Decoded {
            article,
            place,
            bytes: json.len(),
        }),
        // A whole-body article's error is the reason alone: there is one place.
        Err(e) if place == Place::Whole => Err(e.to_string()),
        Err(e) => Err(format!("{place}: {e}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_article_an_array_or_json_lines() {
        let one = decode_body(br#"{"id": "a", "body": "Text."}"#, Framing::Sniff).unwrap();
        assert_eq!(one.len(), 1);
        let pretty = decode_body(
            b"{\n  \"id\": \"a\",\n  \"body\": \"Text.\"\n}\n",
            Framing::Sniff,
        );
        assert_eq!(pretty.unwrap().len(), 1);
        let array = br#"[{"id": "a", "body": "A."}, {"id": "b", "body": "B."}]"#;
        assert_eq!(decode_body(array, Framing::Sniff).unwrap().len(), 2);
        let lines = b"{\"id\": \"a\", \"body\": \"A.\"}\r\n\n{\"id\": \"b\", \"body\": \"B.\"}\n";
        assert_eq!(decode_body(lines, Framing::Sniff).unwrap().len(), 2);
        assert_eq!(decode_body(lines, Framing::Lines).unwrap().len(), 2);
    }

    #[test]
    fn the_first_bad_line_or_item_is_named() {
        let lines = b"{\"id\": \"a\", \"body\": \"A.\"}\n{\"id\": \"b\"}\n{oops\n";
        let err = decode_body(lines, Framing::Sniff).unwrap_err();
        assert!(err.starts_with("line 2:") && err.contains("body"), "{err}");
        let array = br#"[{"id": "a", "body": "A."}, {"body": "B."}]"#;
        let err = decode_body(array, Framing::Sniff).unwrap_err();
        assert!(err.starts_with("item 2:") && err.contains("id"), "{err}");
        let err = decode_body(b"{\"id\": \"a\",", Framing::Sniff).unwrap_err();
        assert!(err.starts_with("not valid JSON"), "{err}");
        assert!(decode_body(b" \n ", Framing::Sniff).is_err());
        assert!(decode_body(b"[]", Framing::Sniff).is_err());
        assert!(decode_body(&[0xff, 0xfe], Framing::Sniff)
            .unwrap_err()
            .contains("UTF-8"));
        // A JSON Lines content type reads a one-line array as one bad line.
        assert!(decode_body(br#"[{"id": "a", "body": "A."}]"#, Framing::Lines).is_err());
    }

    #[test]
    fn each_article_knows_its_place_and_size() {
        let array = br#"[{"id": "a", "body": "A."}, {"id": "b", "body": "Bee."}]"#;
        let items = decode_body(array, Framing::Sniff).unwrap();
        let seen: Vec<_> = items.iter().map(|i| (i.place, i.bytes)).collect();
        assert_eq!(seen, [(Place::Item(1), 25), (Place::Item(2), 27)]);
        let lines = b"{\"id\": \"a\", \"body\": \"A.\"}\r\n\n{\"id\": \"b\", \"body\": \"B.\"}\n";
        let items = decode_body(lines, Framing::Lines).unwrap();
        let seen: Vec<_> = items.iter().map(|i| (i.place, i.bytes)).collect();
        assert_eq!(seen, [(Place::Line(1), 25), (Place::Line(3), 25)]);
        let one = decode_body(b" {\"id\": \"a\", \"body\": \"A.\"} \n", Framing::Sniff).unwrap();
        assert_eq!((one[0].place, one[0].bytes), (Place::Whole, 25));
    }
}
