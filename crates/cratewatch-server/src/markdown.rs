//! Advisory descriptions: Markdown to HTML, then sanitized. Advisory text comes from pull requests to a
//! public repository (and, later, from reporters), so it is untrusted: whatever HTML the Markdown
//! carries goes through ammonia's allow-list, which drops scripts, event-handler attributes, `style`,
//! `javascript:` URLs and anything else not known to be safe.

use pulldown_cmark::{Event, HeadingLevel, Options, Parser, Tag, TagEnd};

/// Renders `markdown` to sanitized HTML. Headings are demoted two levels so that a description's
/// `# Heading` sits below the page's own `<h1>` and the advisory's `<h2>`.
pub(crate) fn render(markdown: &str) -> String {
    let options = Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH | Options::ENABLE_FOOTNOTES;
    let events = Parser::new_ext(markdown, options).map(|event| match event {
        Event::Start(Tag::Heading { level, id, classes, attrs }) => {
            Event::Start(Tag::Heading { level: demote(level), id, classes, attrs })
        }
        Event::End(TagEnd::Heading(level)) => Event::End(TagEnd::Heading(demote(level))),
        other => other,
    });
    let mut html = String::with_capacity(markdown.len() * 3 / 2);
    pulldown_cmark::html::push_html(&mut html, events);
    ammonia::Builder::default().link_rel(Some("noopener noreferrer nofollow")).clean(&html).to_string()
}

fn demote(level: HeadingLevel) -> HeadingLevel {
    match level {
        HeadingLevel::H1 => HeadingLevel::H3,
        HeadingLevel::H2 => HeadingLevel::H4,
        HeadingLevel::H3 => HeadingLevel::H5,
        _ => HeadingLevel::H6,
    }
}

#[cfg(test)]
mod tests {
    use super::render;

    #[test]
    fn scripts_and_handlers_are_removed() {
        let html = render(
            "Hello <script>alert(1)</script> <img src=x onerror=\"alert(2)\"> [x](javascript:alert(3)) <a href=\"https://example.org\" onclick=\"alert(4)\">ok</a>",
        );
        assert!(!html.contains("<script"), "{html}");
        assert!(!html.contains("onerror"), "{html}");
        assert!(!html.contains("onclick"), "{html}");
        assert!(!html.contains("javascript:"), "{html}");
        assert!(html.contains("href=\"https://example.org\""), "{html}");
    }

    #[test]
    fn markdown_renders_and_headings_are_demoted() {
        let html = render("# Impact\n\nSome `code` and **bold**.\n\n```rust\nfn main() {}\n```\n");
        assert!(html.contains("<h3>Impact</h3>"), "{html}");
        assert!(html.contains("<code>code</code>"), "{html}");
        assert!(html.contains("<strong>bold</strong>"), "{html}");
        assert!(html.contains("<pre><code"), "{html}");
    }
}
