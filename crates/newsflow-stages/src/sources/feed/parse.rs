//! Reading a feed document (RSS, Atom, JSON Feed) into articles: ids,
//! fields and the body as text.

use crate::html_text::html_to_text;
use newsflow_core::Article;
use serde_json::{Map, Value};

/// A feed item: its id, and the article or why there is none (with the
/// item's fields as JSON for the dead letter).
pub(super) struct Item {
    pub(super) id: String,
    pub(super) article: Result<Article, (String, Vec<u8>)>,
}

/// Reads a feed document into items; items without any id are dropped.
pub(super) fn parse_feed(
    bytes: &[u8],
    base: &str,
    max_article_bytes: usize,
) -> Result<Vec<Item>, String> {
    let parser = feed_rs::parser::Builder::new()
        .base_uri(Some(base))
        .sanitize_content(false)
        .id_generator(|links, title, uri| {
            // No guid: the link is the id, as the item's address is stable;
            // failing that, the feed and the title.
            match (links.first(), title, uri) {
                (Some(link), _, _) => link.href.clone(),
                (None, Some(title), Some(uri)) => {
                    feed_rs::parser::generate_id_from_uri_and_title(uri, title)
                }
                _ => String::new(),
            }
        })
        .build();
    let feed = parser.parse(bytes).map_err(|e| e.to_string())?;
    let source = feed
        .title
        .as_ref()
        .map(text_of)
        .filter(|t| !t.is_empty())
        .unwrap_or_else(|| base.to_owned());
    let mut items = Vec::with_capacity(feed.entries.len());
    for entry in feed.entries {
        let body = entry
            .content
            .as_ref()
            .and_then(|content| {
                let body = content.body.as_deref()?;
                Some(if is_plain(content.content_type.as_ref()) {
                    body.trim().to_owned()
                } else {
                    html_to_text(body)
                })
            })
            .filter(|b| !b.is_empty())
            .or_else(|| entry.summary.as_ref().map(text_of))
            .filter(|b| !b.is_empty());
        let title = entry.title.as_ref().map(text_of).filter(|t| !t.is_empty());
        let url = entry
            .links
            .iter()
            .find(|l| matches!(l.rel.as_deref(), None | Some("alternate")))
            .or(entry.links.first())
            .map(|l| l.href.clone());
        let mut id = entry.id.trim().to_owned();
        if id.is_empty() {
            // Nothing names the item: its text does.
            match &body {
                Some(body) => id = format!("{base}#{:016x}", fnv1a(body.as_bytes())),
                None => continue,
            }
        }
        let mut metadata = Map::new();
        metadata.insert("feed_url".into(), Value::from(base));
        let authors: Vec<Value> = entry
            .authors
            .iter()
            .filter_map(|p| p.name.clone())
            .map(Value::from)
            .collect();
        if !authors.is_empty() {
            metadata.insert("authors".into(), Value::from(authors));
        }
        let categories: Vec<Value> = entry
            .categories
            .iter()
            .map(|c| Value::from(c.label.clone().unwrap_or_else(|| c.term.clone())))
            .collect();
        if !categories.is_empty() {
            metadata.insert("categories".into(), Value::from(categories));
        }
        let published_at = entry.published.or(entry.updated).map(|d| d.fixed_offset());
        let language = entry.language.clone().or_else(|| feed.language.clone());
        let article_id = article_id(&id, base);
        let article = match body {
            None => Err("the item has neither content nor a summary".to_owned()),
            Some(body) if body.len() > max_article_bytes => Err(format!(
                "the item's text is {} bytes, over the limit of {max_article_bytes} bytes (max_article_bytes)",
                body.len()
            )),
            Some(body) => Article::from_text(article_id.clone(), body)
                .map(|mut article| {
                    article.title = title;
                    article.url = url;
                    article.published_at = published_at;
                    article.source = Some(source.clone());
                    article.language = language;
                    article.metadata = Some(metadata);
                    article
                })
                .map_err(|e| e.to_string()),
        };
        let article = article.map_err(|reason| {
            let links: Vec<&str> = entry.links.iter().map(|l| l.href.as_str()).collect();
            let title = entry.title.as_ref().map(|t| t.content.as_str());
            let raw = serde_json::json!({ "id": article_id, "title": title, "links": links });
            (reason, raw.to_string().into_bytes())
        });
        items.push(Item { id, article });
    }
    Ok(items)
}

/// The article id of a feed item: a guid that is an address of its own
/// (`https://host/...`, `urn:...`, `tag:...`) is unique everywhere and kept,
/// so one story listed in two feeds is one article; any other guid ("1",
/// "wire-3") is unique only within its feed and is prefixed with the feed's
/// URL: `https://example.com/rss.xml#1`.
fn article_id(guid: &str, feed: &str) -> String {
    let global = reqwest::Url::parse(guid)
        .is_ok_and(|url| url.has_host() || matches!(url.scheme(), "urn" | "tag"));
    if global {
        guid.to_owned()
    } else {
        format!("{feed}#{guid}")
    }
}

/// Plain text stays as it is; anything else (HTML, XHTML) is rendered.
fn is_plain(content_type: &str) -> bool {
    content_type.starts_with("text/plain")
}

fn text_of(text: &feed_rs::model::Text) -> String {
    if is_plain(text.content_type.as_ref()) {
        text.content.trim().to_owned()
    } else {
        html_to_text(&text.content)
    }
}

/// FNV-1a: a small hash that stays the same across builds and runs (the
/// standard library's does not promise to).
pub(super) fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, &b| {
        (hash ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn junk_is_a_malformed_feed_not_a_panic() {
        for junk in [
            &b""[..],
            b"\xff\xfe\x00<",
            b"{\"version\": 7}",
            b"<rss version=\"2.0\"><channel><item><description>\xd8\xb3\xd9\x84\xd8\xa7\xd9\x85</description></item>",
        ] {
            let _ = parse_feed(junk, "http://feeds.test/x", 1 << 20);
        }
        let many_digits = format!(
            "<rss version=\"2.0\"><channel><title>T</title><item><guid>g</guid><description>{}</description></item></channel></rss>",
            "9".repeat(100_000)
        );
        let items = parse_feed(many_digits.as_bytes(), "http://feeds.test/x", 1 << 20).unwrap();
        assert_eq!(items[0].article.as_ref().unwrap().body.len(), 100_000);
        // Over max_article_bytes: refused with the sizes, without its text.
        let items = parse_feed(many_digits.as_bytes(), "http://feeds.test/x", 50_000).unwrap();
        let Err((reason, raw)) = &items[0].article else {
            panic!("an item over the limit was read")
        };
        assert!(
            reason.contains("100000 bytes, over the limit of 50000"),
            "{reason}"
        );
        assert!(raw.len() < 200);
    }

    #[test]
    fn guids_that_are_not_addresses_are_namespaced_by_their_feed() {
        let rss = "<rss version=\"2.0\"><channel><title>T</title>\
                   <item><guid>1</guid><description>One.</description></item>\
                   <item><guid>https://news.test/a</guid><description>A.</description></item>\
                   <item><guid>urn:uuid:5f1c</guid><description>U.</description></item>\
                   </channel></rss>";
        let ids = |feed: &str| -> Vec<String> {
            parse_feed(rss.as_bytes(), feed, 1 << 20)
                .unwrap()
                .into_iter()
                .map(|item| item.article.unwrap().id)
                .collect()
        };
        let first = ids("http://one.test/rss.xml");
        assert_eq!(
            first,
            [
                "http://one.test/rss.xml#1",
                "https://news.test/a",
                "urn:uuid:5f1c"
            ]
        );
        // Another publisher's guid "1" is another article.
        assert_eq!(ids("http://two.test/feed")[0], "http://two.test/feed#1");
    }

    #[test]
    fn an_item_without_guid_link_or_title_is_named_by_its_text() {
        let rss = "<rss version=\"2.0\"><channel><title>T</title>\
                   <item><description>Only text.</description></item>\
                   <item></item></channel></rss>";
        let items = parse_feed(rss.as_bytes(), "http://feeds.test/x", 1 << 20).unwrap();
        assert_eq!(items.len(), 1, "an item with nothing in it is skipped");
        assert!(items[0].id.starts_with("http://feeds.test/x#"));
        let again = parse_feed(rss.as_bytes(), "http://feeds.test/x", 1 << 20).unwrap();
        assert_eq!(items[0].id, again[0].id, "the same text, the same id");
    }
}
