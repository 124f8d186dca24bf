//! The article on a web page: its main text and what its metadata says
//! (title, author, date). Pure and synchronous, so `newsflow eval
//! extraction` measures exactly what the `fetch` transform does.
//!
//! rs-trafilatura finds the text; dom_smoothie (readability.js's algorithm)
//! gives a second opinion. Each keeps boilerplate the other drops (related
//! headlines, bylines, share bars), and they rarely keep the same, so a line
//! of trafilatura's text stays only when most of its words are in
//! readability's too. On the article extraction benchmark that takes the F1
//! from 0.957 (trafilatura alone) to 0.968; see the README.

use crate::html_text::tidy;
use chrono::{DateTime, Utc};
use std::collections::HashSet;
use std::panic::AssertUnwindSafe;

/// What a page says about the article on it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PageArticle {
    /// The main text, a paragraph a line.
    pub text: String,
    /// The headline, from the page's metadata or its heading.
    pub title: Option<String>,
    /// The author named by the page.
    pub author: Option<String>,
    /// When the page says the article was published.
    pub published: Option<DateTime<Utc>>,
}

/// Extracts the article from an HTML document in any common encoding.
/// `url` is where it came from (for the extractors' site rules). An error
/// says why no text was found; an extractor that panics on odd markup is an
/// error too, not a crash.
pub fn extract_article(html: &[u8], url: Option<&str>) -> Result<PageArticle, String> {
    std::panic::catch_unwind(AssertUnwindSafe(|| extract(html, url)))
        .unwrap_or_else(|_| Err("the extractor failed on this page's markup".into()))
}

fn extract(html: &[u8], url: Option<&str>) -> Result<PageArticle, String> {
    let html = rs_trafilatura::encoding::transcode_to_utf8(html);
    let options = rs_trafilatura::Options {
        url: url.map(str::to_owned),
        ..rs_trafilatura::Options::default()
    };
    let primary = rs_trafilatura::extract_with_options(&html, &options);
    let second = dom_smoothie::Readability::new(html.as_str(), url, None)
        .and_then(|mut readability| readability.parse())
        .ok();
    let second_text = second
        .as_ref()
        .map(|article| article.text_content.to_string())
        .unwrap_or_default();
    let mut article = match primary {
        Ok(result) => PageArticle {
            text: agreed(&result.content_text, &second_text),
            title: result.metadata.title,
            author: result.metadata.author,
            published: result.metadata.date,
        },
        // trafilatura found nothing it trusts: readability's text, if any.
        Err(_) => PageArticle {
            text: second_text,
            title: second.as_ref().map(|a| a.title.to_string()),
            author: second.as_ref().and_then(|a| a.byline.clone()),
            published: None,
        },
    };
    // Pages indent their markup; the text keeps no indentation.
    let trimmed: Vec<&str> = article.text.lines().map(str::trim).collect();
    article.text = tidy(&trimmed.join("\n"));
    article.title = nonblank(article.title);
    article.author = nonblank(article.author);
    if words(&article.text).next().is_none() {
        return Err("no article text found on the page".into());
    }
    Ok(article)
}

/// The lines of `primary` most of whose words `second` has too; all of
/// `primary` when `second` is empty or agrees with none of it.
fn agreed(primary: &str, second: &str) -> String {
    let known: HashSet<&str> = words(second).collect();
    if known.is_empty() {
        return primary.to_owned();
    }
    let kept: Vec<&str> = primary
        .lines()
        .filter(|line| {
            let (mut all, mut shared) = (0usize, 0usize);
            for word in words(line) {
                all += 1;
                shared += usize::from(known.contains(word));
            }
            all > 0 && 2 * shared >= all
        })
        .collect();
    if kept.is_empty() {
        primary.to_owned()
    } else {
        kept.join("\n")
    }
}

/// Runs of letters and digits (the benchmark's tokens).
pub(crate) fn words(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .filter(|w| !w.is_empty())
}

fn nonblank(value: Option<String>) -> Option<String> {
    value
        .map(|v| v.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|v| !v.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_the_second_opinion_lacks_are_dropped() {
        let primary = "The council voted on Tuesday to close the bridge.\nRelated: Ten best bakeries in town\nRepairs start in May.";
        let second = "The council voted on Tuesday to close the bridge. Repairs start in May.";
        assert_eq!(
            agreed(primary, second),
            "The council voted on Tuesday to close the bridge.\nRepairs start in May."
        );
        assert_eq!(agreed(primary, ""), primary);
        assert_eq!(agreed(primary, "nothing in common"), primary);
    }

    #[test]
    fn a_page_without_text_is_an_error() {
        let err = extract_article(b"<html><body><nav>Home</nav></body></html>", None);
        assert!(err.is_err(), "{err:?}");
        let empty = extract_article(b"", None);
        assert_eq!(empty, Err("no article text found on the page".into()));
    }
}
