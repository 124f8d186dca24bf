//! HTML to plain text for article bodies, with html2text: block elements
//! become lines, paragraphs are separated by a blank line, entities are
//! decoded, scripts and styles dropped, and lines are never wrapped (the
//! entity tagger reads whole sentences).

use html2text::render::TrivialDecorator;

/// Lines are never wrapped below this width; a paragraph longer than it
/// still comes out as one line.
const NO_WRAP: usize = 1 << 20;

/// The text of an HTML fragment or document. Text that fails to render
/// (html2text refuses a few pathological layouts) falls back to the tags
/// stripped naively, so an item is never lost for its markup.
pub(crate) fn html_to_text(html: &str) -> String {
    let rendered = html2text::config::with_decorator(TrivialDecorator::new())
        .no_table_borders()
        .no_link_wrapping()
        .allow_width_overflow()
        .string_from_read(html.as_bytes(), NO_WRAP);
    let text = match rendered {
        Ok(text) => text,
        Err(e) => {
            tracing::debug!(error = %e, "html2text could not render; stripping tags");
            strip_tags(html)
        }
    };
    tidy(&text)
}

/// Trailing spaces off every line, at most one blank line in a row, no
/// blank lines at either end.
pub(crate) fn tidy(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut blank_run = false;
    for line in text.lines().map(str::trim_end) {
        if line.is_empty() {
            blank_run = !out.is_empty();
            continue;
        }
        if blank_run {
            out.push_str("\n\n");
        } else if !out.is_empty() {
            out.push('\n');
        }
        blank_run = false;
        out.push_str(line);
    }
    out
}

/// Everything outside `<...>`; the last resort.
fn strip_tags(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => {
                in_tag = false;
                out.push(' ');
            }
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paragraphs_lines_and_entities() {
        let html = "<p>Shares of <b>Acme&nbsp;Corp</b> rose 5% &amp; more.</p>\
                    <p>Second paragraph, a <a href=\"https://x.test/a\">link</a>.</p>\
                    <script>var x = 1;</script><ul><li>one</li><li>two</li></ul>";
        let text = html_to_text(html);
        assert_eq!(
            text,
            "Shares of Acme\u{a0}Corp rose 5% & more.\n\nSecond paragraph, a link.\none\ntwo"
        );
    }

    #[test]
    fn long_paragraphs_are_not_wrapped() {
        let sentence = "The quick brown fox jumps over the lazy dog. ".repeat(100);
        let text = html_to_text(&format!("<p>{sentence}</p>"));
        assert_eq!(text.lines().count(), 1);
        assert_eq!(text, sentence.trim_end());
    }

    #[test]
    fn plain_text_and_junk_survive() {
        assert_eq!(html_to_text("Just text"), "Just text");
        assert_eq!(html_to_text(""), "");
        let junk = "<<<>>><p><div></span>\u{202e}مرحبا\u{301}".repeat(50);
        let _ = html_to_text(&junk);
        let deep = "<div>".repeat(5000) + "deep" + &"</div>".repeat(5000);
        assert!(html_to_text(&deep).contains("deep"));
    }

    #[test]
    fn tidy_collapses_blank_runs() {
        assert_eq!(tidy("\n\na  \n\n\n\nb\nc\n\n"), "a\n\nb\nc");
        assert_eq!(strip_tags("<p>a</p>b"), " a b");
    }
}
