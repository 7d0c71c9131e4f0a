//! Advisory descriptions: Markdown to HTML, then sanitized. Advisory text comes from pull requests to a
//! public repository (and, later, from reporters), so it is untrusted: whatever HTML the Markdown
//! carries goes through ammonia's allow-list, which drops scripts, event-handler attributes, `style`,
//! `javascript:` URLs and anything else not known to be safe.

use maud::{Markup, html};
use pulldown_cmark::{Event, HeadingLevel, Options, Parser, Tag, TagEnd};

/// A piece of an advisory title: text, or a Markdown code span.
#[derive(Debug, PartialEq, Eq)]
enum Piece<'a> {
    Text(std::borrow::Cow<'a, str>),
    Code(std::borrow::Cow<'a, str>),
}

/// An advisory title as HTML: its Markdown code spans (`` `Error::downcast_mut()` ``) become `<code>`,
/// everything else stays text, escaped by maud. Titles are written in Markdown, but only code spans
/// are rendered: emphasis markers and HTML in a title are rare, and shown as typed they can never
/// change the page's structure.
pub(crate) fn title(text: &str) -> Markup {
    html! {
        @for piece in code_spans(text) {
            @match piece {
                Piece::Text(t) => (t),
                Piece::Code(c) => code { (c) },
            }
        }
    }
}

/// Splits `text` into text and code spans by CommonMark's rules (section 6.1): a run of N backticks
/// opens a span that the next run of exactly N backticks closes; a run that nothing closes is literal
/// text. Inside a span, line endings become spaces and one space is stripped from each end when both
/// ends have one (and the content is not all spaces). Outside spans, `\`` is a literal backtick.
fn code_spans(text: &str) -> Vec<Piece<'_>> {
    let bytes = text.as_bytes();
    let run_at = |i: usize| bytes[i..].iter().take_while(|&&b| b == b'`').count();
    let mut pieces = Vec::new();
    let mut plain = String::new();
    let mut start = 0; // start of the text not yet copied into `plain`
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' if bytes.get(i + 1) == Some(&b'`') => {
                plain.push_str(&text[start..i]);
                plain.push('`');
                i += 2;
                start = i;
            }
            b'`' => {
                let n = run_at(i);
                let open_end = i + n;
                // Find the closing run of exactly `n` backticks.
                let mut j = open_end;
                let mut close = None;
                while j < bytes.len() {
                    if bytes[j] == b'`' {
                        let m = run_at(j);
                        if m == n {
                            close = Some(j);
                            break;
                        }
                        j += m;
                    } else {
                        j += 1;
                    }
                }
                match close {
                    Some(j) => {
                        plain.push_str(&text[start..i]);
                        if !plain.is_empty() {
                            pieces.push(Piece::Text(std::mem::take(&mut plain).into()));
                        }
                        let mut content = text[open_end..j].replace(['\r', '\n'], " ");
                        if content.len() >= 2
                            && content.starts_with(' ')
                            && content.ends_with(' ')
                            && !content.bytes().all(|b| b == b' ')
                        {
                            content = content[1..content.len() - 1].to_owned();
                        }
                        pieces.push(Piece::Code(content.into()));
                        i = j + n;
                        start = i;
                    }
                    // No closing run: the backticks are text.
                    None => i = open_end,
                }
            }
            _ => i += 1,
        }
    }
    plain.push_str(&text[start..]);
    if !plain.is_empty() {
        pieces.push(Piece::Text(plain.into()));
    }
    pieces
}

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
    use super::{Piece, code_spans, render, title};

    #[track_caller]
    fn check_spans(text: &str, expected: &[(&str, bool)]) {
        let got: Vec<(String, bool)> = code_spans(text)
            .into_iter()
            .map(|p| match p {
                Piece::Text(t) => (t.into_owned(), false),
                Piece::Code(c) => (c.into_owned(), true),
            })
            .collect();
        let expected: Vec<(String, bool)> = expected.iter().map(|(t, c)| ((*t).to_owned(), *c)).collect();
        assert_eq!(got, expected, "{text}");
    }

    #[test]
    fn title_code_spans_follow_commonmark() {
        check_spans(
            "Unsoundness in `Error::downcast_mut()`",
            &[("Unsoundness in ", false), ("Error::downcast_mut()", true)],
        );
        check_spans("`a` and `b`", &[("a", true), (" and ", false), ("b", true)]);
        check_spans("plain title", &[("plain title", false)]);
        check_spans("", &[]);
        // Runs of two backticks may hold one; a run closes only on the same length.
        check_spans("``a ` b`` end", &[("a ` b", true), (" end", false)]);
        check_spans("`` `x` ``", &[("`x`", true)]);
        // Unclosed runs are text, and a later pair still forms a span.
        check_spans("a ` b", &[("a ` b", false)]);
        check_spans("``a` `b`", &[("``a", false), (" ", true), ("b`", false)]);
        check_spans("x \\`y` z", &[("x `y` z", false)]);
        check_spans("`  `", &[("  ", true)]);
    }

    #[test]
    fn titles_render_code_and_escape_everything_else() {
        let html = title("Use of `Vec<T>` in <b>bold</b> & `<script>`").into_string();
        assert_eq!(
            html,
            "Use of <code>Vec&lt;T&gt;</code> in &lt;b&gt;bold&lt;/b&gt; &amp; <code>&lt;script&gt;</code>"
        );
    }

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
