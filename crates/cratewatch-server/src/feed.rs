//! Atom feeds (RFC 4287) of advisories, newest first.

use std::fmt::Write;
use std::sync::Arc;

use crate::knowledge::Entry;

/// How many entries a feed carries.
pub(crate) const FEED_LENGTH: usize = 50;

/// An Atom feed of `entries` (newest first). `base` is the absolute URL of the site (no trailing
/// slash), `path` the feed's own path.
pub(crate) fn atom(base: &str, path: &str, title: &str, entries: &[&Arc<Entry>]) -> String {
    let updated = entries.first().map(|e| e.advisory.date.to_string()).unwrap_or_else(|| "1970-01-01".to_owned());
    let entries = entries.iter().take(FEED_LENGTH).map(|entry| {
        let a = &entry.advisory;
        let url = format!("{base}/advisories/{}", a.id.as_str());
        let withdrawn = if a.withdrawn.is_some() { " (withdrawn)" } else { "" };
        AtomEntry {
            id: url.clone(),
            title: format!("{}: {}: {}{withdrawn}", a.id.as_str(), a.package, a.title),
            updated: a.withdrawn.unwrap_or(a.date).to_string(),
            published: Some(a.date.to_string()),
            link: url,
            category: a.kind().as_str(),
            content_html: entry.description_html.as_str().into(),
        }
    });
    write_atom(base, path, title, &updated, entries)
}

/// One entry of an Atom feed, as text not yet escaped. Dates are `YYYY-MM-DD`.
pub(crate) struct AtomEntry<'a> {
    pub(crate) id: String,
    pub(crate) title: String,
    pub(crate) updated: String,
    pub(crate) published: Option<String>,
    /// The entry's page.
    pub(crate) link: String,
    pub(crate) category: &'a str,
    pub(crate) content_html: std::borrow::Cow<'a, str>,
}

/// An Atom feed: its frame (id, title, updated, self link, author) and `entries` as given, every
/// value escaped here.
pub(crate) fn write_atom<'a>(
    base: &str,
    path: &str,
    title: &str,
    updated: &str,
    entries: impl ExactSizeIterator<Item = AtomEntry<'a>>,
) -> String {
    let mut xml = String::with_capacity(4096 + entries.len() * 2048);
    xml.push_str("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\">\n");
    let _ = writeln!(xml, "  <id>{}</id>", escape(&format!("{base}{path}")));
    let _ = writeln!(xml, "  <title>{}</title>", escape(title));
    let _ = writeln!(xml, "  <updated>{updated}T00:00:00Z</updated>");
    let _ = writeln!(xml, "  <link rel=\"self\" href=\"{}\"/>", escape(&format!("{base}{path}")));
    let _ = writeln!(xml, "  <author><name>cratewatch</name></author>");
    for entry in entries {
        xml.push_str("  <entry>\n");
        let _ = writeln!(xml, "    <id>{}</id>", escape(&entry.id));
        let _ = writeln!(xml, "    <title>{}</title>", escape(&entry.title));
        let _ = writeln!(xml, "    <updated>{}T00:00:00Z</updated>", entry.updated);
        if let Some(published) = &entry.published {
            let _ = writeln!(xml, "    <published>{published}T00:00:00Z</published>");
        }
        let _ = writeln!(xml, "    <link rel=\"alternate\" type=\"text/html\" href=\"{}\"/>", escape(&entry.link));
        let _ = writeln!(xml, "    <category term=\"{}\"/>", entry.category);
        let _ = writeln!(xml, "    <content type=\"html\">{}</content>", escape(&entry.content_html));
        xml.push_str("  </entry>\n");
    }
    xml.push_str("</feed>\n");
    xml
}

/// Escapes text for XML character data and attribute values.
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // Characters XML 1.0 does not allow at all.
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => {}
            c => out.push(c),
        }
    }
    out
}
