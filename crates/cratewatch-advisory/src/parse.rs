//! Parsing one advisory file: TOML front matter in a ```` ```toml ```` block, then a Markdown `# ` title
//! and description. Every problem becomes a [`Diagnostic`] with a line number; the walk goes on after an
//! error so that one run of `cratewatch db check` shows all the problems of a file.
//!
//! Both layouts of the format are read, exactly as the `rustsec` crate (0.33) reads them: when the front
//! matter starts with `[advisory]` (white space aside), the advisory's fields are in that table;
//! otherwise (the newer layout) they are the top-level keys, which `rustsec` reads by writing an
//! `[advisory]` header in front of the text. An `[advisory]` table that does not come first is
//! therefore an error in both.
//!
//! Severity follows what RustSec's own tools do with a file. What the `rustsec` parser refuses (so that
//! cargo-audit stops) is an error here, and the file is not loaded; what only the linter of
//! `rustsec-admin` refuses is a warning, and the advisory loads as cargo-audit loads it (`db check`
//! still fails on it). Two errors go further than `rustsec` on purpose: a URL that is not `http(s)` (it
//! would become a link on the pages) and an incomplete CVSS vector (it would be scored 0.0).

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::ops::Range;
use std::str::FromStr;

use semver::VersionReq;
use toml::Spanned;
use toml::de::{DeTable, DeValue};

use crate::url::{UrlError, UrlKind, check_url};
use crate::{
    Advisory, AdvisoryId, Affected, Category, Code, Collection, Cvss, Date, Diagnostic, DiagnosticSeverity,
    Informational, License, Versions,
};

/// What `rustsec` writes in front of a front matter in the newer layout.
const NEWER_LAYOUT_HEADER: &str = "[advisory]\n";

/// The years `rustsec` accepts in dates and in the year of an advisory id.
const YEARS: std::ops::RangeInclusive<u16> = 2000..=2100;

/// The fields of the `[advisory]` table.
const ADVISORY_KEYS: &[&str] = &[
    "id",
    "package",
    "date",
    "url",
    "references",
    "informational",
    "categories",
    "keywords",
    "aliases",
    "related",
    "cvss",
    "withdrawn",
    "license",
    "expect-deleted",
    "source",
    // Accepted by `rustsec`, and checked below.
    "collection",
    "yanked",
    "title",
    "description",
];

/// The outcome of parsing one advisory: the advisory unless an error prevented it, and every diagnostic.
#[derive(Clone, Debug)]
pub struct ParsedAdvisory {
    /// The advisory, when no error-level diagnostic was found.
    pub advisory: Option<Advisory>,
    /// Errors and warnings, in file order.
    pub diagnostics: Vec<Diagnostic>,
}

/// The pieces of an advisory file, before the front matter is interpreted.
struct Parts<'a> {
    /// The TOML text, not trimmed, so spans inside it map back to the file.
    front_matter: &'a str,
    /// Byte offset of `front_matter` in the file.
    offset: usize,
    title: &'a str,
    description: &'a str,
    /// The Markdown after the front matter (title included), and its byte offset in the file.
    markdown: &'a str,
    markdown_offset: usize,
}

/// Parses the text of one advisory file of the given collection.
pub fn parse_advisory(text: &str, collection: Collection) -> ParsedAdvisory {
    let mut cx = Cx { text, offset: 0, shift: 0, diagnostics: Vec::new() };
    let advisory = match split(text) {
        Ok(parts) => {
            cx.offset = parts.offset;
            let advisory = cx.front_matter(&parts, collection);
            cx.mentions(&parts);
            advisory
        }
        Err(d) => {
            cx.diagnostics.push(d);
            None
        }
    };
    let failed = cx.diagnostics.iter().any(|d| d.severity == DiagnosticSeverity::Error);
    ParsedAdvisory { advisory: if failed { None } else { advisory }, diagnostics: cx.diagnostics }
}

fn split(text: &str) -> Result<Parts<'_>, Diagnostic> {
    const OPEN: &str = "```toml";
    if !text.starts_with(OPEN) {
        return Err(Diagnostic::error(Code::MissingFrontMatter, Some(1), "advisory must start with a ```toml block"));
    }
    let end = text.find("\n```").ok_or_else(|| {
        Diagnostic::error(Code::UnterminatedFrontMatter, Some(1), "the ```toml block is never closed")
    })?;
    // A file with CR LF line endings (edited on Windows, or sent from a browser's text area) leaves a
    // lone CR before the closing fence, which TOML refuses; the other CRs end TOML lines as they may.
    let front_matter = &text[OPEN.len()..end];
    let front_matter = front_matter.strip_suffix('\r').unwrap_or(front_matter);
    let closing_line = line_at(text, end + 1);
    let after = &text[end + 4..];
    let markdown = after.trim_start();
    let markdown_offset = end + 4 + (after.len() - markdown.len());
    let Some(heading) = markdown.strip_prefix("# ") else {
        return Err(Diagnostic::error(
            Code::MissingTitle,
            Some(closing_line + 1),
            "expected a `# ` title after the front matter",
        ));
    };
    let Some(newline) = heading.find('\n') else {
        return Err(Diagnostic::error(
            Code::MissingDescription,
            Some(closing_line + 1),
            "the title is not followed by a description",
        ));
    };
    Ok(Parts {
        front_matter,
        offset: OPEN.len(),
        title: heading[..newline].trim_end(),
        description: heading[newline + 1..].trim(),
        markdown,
        markdown_offset,
    })
}

fn line_at(text: &str, offset: usize) -> u32 {
    let offset = offset.min(text.len());
    1 + text.as_bytes()[..offset].iter().filter(|&&b| b == b'\n').count() as u32
}

type Value<'i> = Spanned<DeValue<'i>>;

struct Cx<'t> {
    text: &'t str,
    /// Where the front matter starts in the file.
    offset: usize,
    /// How many bytes were written in front of the front matter before parsing it (the newer layout's
    /// `[advisory]` header): spans are that much past the file's text.
    shift: usize,
    diagnostics: Vec<Diagnostic>,
}

impl Cx<'_> {
    fn line(&self, front_matter_offset: usize) -> u32 {
        line_at(self.text, self.offset + front_matter_offset.saturating_sub(self.shift))
    }

    /// Parses the front matter in either layout (see the module documentation) and reads the advisory.
    fn front_matter(&mut self, parts: &Parts<'_>, collection: Collection) -> Option<Advisory> {
        if parts.front_matter.trim_start().starts_with("[advisory]") {
            return match DeTable::parse(parts.front_matter) {
                Ok(table) => self.advisory(table.get_ref(), parts, collection),
                Err(e) => {
                    self.toml_error(&e);
                    None
                }
            };
        }
        let prefixed = format!("{NEWER_LAYOUT_HEADER}{}", parts.front_matter);
        match DeTable::parse(&prefixed) {
            Ok(table) => {
                self.shift = NEWER_LAYOUT_HEADER.len();
                self.advisory(table.get_ref(), parts, collection)
            }
            Err(e) => {
                // The usual cause: an `[advisory]` table after something else (a comment, a key, another
                // table), which the header in front makes a second `[advisory]` table.
                if let Ok(table) = DeTable::parse(parts.front_matter)
                    && let Some((key, _)) = table.get_ref().get_key_value("advisory")
                {
                    self.error(
                        Code::MixedLayout,
                        key.span(),
                        "the front matter does not start with `[advisory]` but has an `[advisory]` table: RustSec \
                         reads such a file in the newer layout, with the advisory's fields at the top level, and \
                         refuses it; put `[advisory]` first, or remove its header"
                            .to_owned(),
                    );
                } else {
                    self.shift = NEWER_LAYOUT_HEADER.len();
                    self.toml_error(&e);
                }
                None
            }
        }
    }

    fn toml_error(&mut self, e: &toml::de::Error) {
        let line = e.span().map(|s| self.line(s.start));
        let message = e.message().trim().replace('\n', " ");
        self.diagnostics.push(Diagnostic::error(Code::TomlSyntax, line, format!("invalid TOML: {message}")));
    }

    fn error(&mut self, code: Code, span: Range<usize>, message: String) {
        let line = Some(self.line(span.start));
        self.diagnostics.push(Diagnostic::error(code, line, message));
    }

    fn warning(&mut self, code: Code, span: Range<usize>, message: String) {
        let line = Some(self.line(span.start));
        self.diagnostics.push(Diagnostic::warning(code, line, message));
    }

    fn advisory(&mut self, root: &DeTable<'_>, parts: &Parts<'_>, collection: Collection) -> Option<Advisory> {
        self.unknown_keys(root, "", &["advisory", "versions", "affected"]);
        let advisory_table = self.table(root, "advisory", 0..0, true);
        let versions_table = self.table(root, "versions", 0..0, true);
        let affected_table = self.table(root, "affected", 0..0, false);
        let t = advisory_table?;
        self.unknown_keys(t, "advisory.", ADVISORY_KEYS);

        let id = self.required_str(t, "advisory", "id").and_then(|(id, span)| match AdvisoryId::new(&id) {
            Ok(id) => Some((id, span)),
            Err(e) => {
                self.error(Code::InvalidId, span, e);
                None
            }
        });
        let id = id.filter(|(id, span)| self.check_id(id, span.clone()));
        let package = self.required_str(t, "advisory", "package").and_then(|(name, span)| {
            let valid = !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
            if valid {
                Some(name.into_owned())
            } else {
                self.error(Code::InvalidPackage, span, format!("`{name}` is not a valid package name"));
                None
            }
        });
        let date = match t.get("date") {
            None => {
                self.missing("advisory", "date");
                None
            }
            Some(value) => self.date(value, "date"),
        };
        let withdrawn = t.get("withdrawn").and_then(|v| self.date(v, "withdrawn"));
        // RustSec's linter leaves CVE ids out: a CVE's year is the year it was reserved.
        if let (Some((id, span)), Some(date)) = (&id, date)
            && !id.is_placeholder()
            && !id.as_str().starts_with("CVE-")
            && id.year().is_some_and(|year| year != u32::from(date.year()))
        {
            self.warning(
                Code::IdYearMismatch,
                span.clone(),
                format!("the year of `{id}` is not the year of its date, {date}"),
            );
        }
        let url = self.optional_str(t, "url").and_then(|(u, span)| self.url(u, span, "url"));
        let references =
            self.str_list(t, "references").into_iter().filter_map(|(u, s)| self.url(u, s, "references")).collect();
        let informational = self.optional_str(t, "informational").map(|(value, span)| {
            let informational = Informational::parse(value.trim());
            if let Informational::Other(other) = &informational {
                self.warning(
                    Code::UnknownInformational,
                    span,
                    format!("unknown informational kind `{other}` (expected unmaintained, unsound or notice)"),
                );
            }
            informational
        });
        let categories = self
            .str_list(t, "categories")
            .into_iter()
            .map(|(c, span)| {
                let category = Category::parse(&c);
                if let Category::Other(other) = &category {
                    self.warning(Code::UnknownCategory, span, format!("unknown category `{other}`"));
                }
                category
            })
            .collect();
        let keywords = self.str_list(t, "keywords").into_iter().map(|(k, _)| k.into_owned()).collect();
        let aliases = self.id_list(t, "aliases");
        let related = self.id_list(t, "related");
        let cvss = self.optional_str(t, "cvss").and_then(|(vector, span)| {
            Cvss::from_str(&vector).map_err(|e| self.error(Code::InvalidCvss, span, e)).ok()
        });
        let license = self.optional_str(t, "license").map(|(l, span)| match &*l {
            "CC0-1.0" => License::Cc0,
            "CC-BY-4.0" => License::CcBy40,
            other => {
                self.warning(Code::InvalidLicense, span, format!("licence `{other}` is neither CC0-1.0 nor CC-BY-4.0"));
                License::Other(other.to_owned())
            }
        });
        let expect_deleted = match t.get("expect-deleted") {
            None => false,
            Some(v) => match v.get_ref() {
                DeValue::Boolean(b) => *b,
                other => {
                    self.wrong_type(v.span(), "advisory.expect-deleted", "a boolean", other.type_str());
                    false
                }
            },
        };
        let source = self.optional_str(t, "source").map(|(s, _)| s.into_owned());
        if let (Some(url), Some(url_value)) = (&url, t.get("url")) {
            // RustSec's linter (its main branch, unreleased): the GitHub advisory's page is derived from
            // the alias already. The linter flags any URL that contains the alias; this flags the global
            // page only, as a repository's own security advisory (`github.com/OWNER/REPO/security/
            // advisories/GHSA-...`) is the maintainers' statement, which the alias does not lead to. On
            // the real database that is 11 files instead of 154.
            let global = |alias: &str| format!("https://github.com/advisories/{alias}");
            let redundant = aliases.iter().filter(|a| a.starts_with("GHSA-") && url.starts_with(&global(a)));
            for alias in redundant {
                self.warning(
                    Code::RedundantGhsaUrl,
                    url_value.span(),
                    format!("`url` is the page of the GitHub advisory `{alias}`, already an alias: link the issue, pull request or commit instead"),
                );
            }
        }
        self.rustsec_only_keys(t, collection);

        let versions = versions_table.and_then(|v| self.versions(v));
        let affected = affected_table.map(|a| self.affected(a, package.as_deref()));

        Some(Advisory {
            id: id?.0,
            package: package?,
            collection,
            title: parts.title.to_owned(),
            description: parts.description.to_owned(),
            date: date?,
            aliases,
            related,
            categories,
            keywords,
            cvss,
            informational,
            references,
            source,
            url,
            withdrawn,
            license: license.unwrap_or_default(),
            expect_deleted,
            affected,
            versions: versions?,
        })
    }

    fn versions(&mut self, t: &DeTable<'_>) -> Option<Versions> {
        self.unknown_keys(t, "versions.", &["patched", "unaffected"]);
        let patched_span = t.get("patched").map(|v| v.span());
        if patched_span.is_none() {
            self.missing("versions", "patched");
        }
        let patched = self.req_list(t, "versions", "patched");
        let unaffected = self.req_list(t, "versions", "unaffected");
        let (patched, unaffected) = (patched?, unaffected?);
        let span = patched_span.or_else(|| t.get("unaffected").map(|v| v.span())).unwrap_or(0..0);
        Versions::new(patched, unaffected).map_err(|e| self.error(Code::InvalidVersions, span, e.to_string())).ok()
    }

    fn affected(&mut self, t: &DeTable<'_>, package: Option<&str>) -> Affected {
        self.unknown_keys(t, "affected.", &["arch", "os", "functions"]);
        let mut affected = Affected::default();
        for (os, span) in self.str_list(t, "os") {
            match platforms::target::OS::from_str(&os) {
                Ok(_) => affected.os.push(os.into_owned()),
                Err(_) => self.error(Code::UnknownOs, span, format!("unknown operating system `{os}`")),
            }
        }
        for (arch, span) in self.str_list(t, "arch") {
            match platforms::target::Arch::from_str(&arch) {
                Ok(_) => affected.arch.push(arch.into_owned()),
                Err(_) => self.error(Code::UnknownArch, span, format!("unknown architecture `{arch}`")),
            }
        }
        if let Some(functions) = self.table(t, "functions", 0..0, false) {
            let mut map = BTreeMap::new();
            for (path, _) in functions.iter() {
                let valid = self.function_path(path.get_ref(), path.span(), package);
                let reqs = self.req_list(functions, "affected.functions", path.get_ref());
                if let (true, Some(reqs)) = (valid, reqs) {
                    map.insert(path.get_ref().to_string(), reqs);
                }
            }
            affected.functions = map;
        }
        affected
    }

    fn table<'a, 'i>(
        &mut self,
        parent: &'a DeTable<'i>,
        key: &str,
        parent_span: Range<usize>,
        required: bool,
    ) -> Option<&'a DeTable<'i>> {
        match parent.get(key) {
            None => {
                if required {
                    self.diagnostics.push(Diagnostic::error(
                        Code::MissingField,
                        Some(self.line(parent_span.start)),
                        format!("missing the [{key}] table"),
                    ));
                }
                None
            }
            Some(value) => match value.get_ref() {
                DeValue::Table(table) => Some(table),
                other => {
                    self.wrong_type(value.span(), key, "a table", other.type_str());
                    None
                }
            },
        }
    }

    fn unknown_keys(&mut self, t: &DeTable<'_>, prefix: &str, known: &[&str]) {
        for (key, _) in t.iter() {
            if !known.contains(&key.get_ref().as_ref()) {
                let message = format!("unknown field `{prefix}{}` is ignored", key.get_ref());
                self.warning(Code::UnknownField, key.span(), message);
            }
        }
    }

    fn missing(&mut self, table: &str, key: &str) {
        self.diagnostics.push(Diagnostic::error(
            Code::MissingField,
            None,
            format!("missing the mandatory field `{table}.{key}`"),
        ));
    }

    fn wrong_type(&mut self, span: Range<usize>, key: &str, expected: &str, found: &str) {
        self.error(Code::WrongType, span, format!("`{key}` must be {expected}, found {found}"));
    }

    fn required_str<'i>(&mut self, t: &DeTable<'i>, table: &str, key: &str) -> Option<(Cow<'i, str>, Range<usize>)> {
        if t.get(key).is_none() {
            self.missing(table, key);
        }
        self.optional_str(t, key)
    }

    fn optional_str<'i>(&mut self, t: &DeTable<'i>, key: &str) -> Option<(Cow<'i, str>, Range<usize>)> {
        let value = t.get(key)?;
        match value.get_ref() {
            DeValue::String(s) => Some((s.clone(), value.span())),
            other => {
                self.wrong_type(value.span(), key, "a string", other.type_str());
                None
            }
        }
    }

    fn array<'a, 'i>(&mut self, t: &'a DeTable<'i>, key: &str) -> Option<&'a [Value<'i>]> {
        let value = t.get(key)?;
        match value.get_ref() {
            DeValue::Array(items) => Some(items),
            other => {
                self.wrong_type(value.span(), key, "an array", other.type_str());
                None
            }
        }
    }

    /// The strings of a list. Items of other types are one diagnostic for the whole list, at the first.
    fn str_list<'i>(&mut self, t: &DeTable<'i>, key: &str) -> Vec<(Cow<'i, str>, Range<usize>)> {
        let mut out = Vec::new();
        let mut wrong: Vec<(usize, Range<usize>, &str)> = Vec::new();
        for (i, item) in self.array(t, key).unwrap_or_default().iter().enumerate() {
            match item.get_ref() {
                DeValue::String(s) => out.push((s.clone(), item.span())),
                other => wrong.push((i, item.span(), other.type_str())),
            }
        }
        if let Some((first, span, found)) = wrong.first().cloned() {
            let more = match wrong.len() {
                1 => String::new(),
                n => format!(" (and {} more item{} not strings)", n - 1, if n == 2 { "" } else { "s" }),
            };
            let message = format!("the items of `{key}` must be strings, found {found} at `{key}[{first}]`{more}");
            self.error(Code::WrongType, span, message);
        }
        out
    }

    /// Aliases and related ids: RustSec accepts any string here, so a malformed one is a warning and kept.
    fn id_list(&mut self, t: &DeTable<'_>, key: &str) -> Vec<String> {
        let mut ids = Vec::new();
        for (id, span) in self.str_list(t, key) {
            if let Err(e) = AdvisoryId::new(&id) {
                self.warning(Code::InvalidId, span, format!("in `{key}`: {e}"));
            }
            ids.push(id.into_owned());
        }
        ids
    }

    /// A list of version requirements; `None` if any of them is invalid.
    fn req_list(&mut self, t: &DeTable<'_>, table: &str, key: &str) -> Option<Vec<VersionReq>> {
        let before = self.diagnostics.len();
        let mut reqs = Vec::new();
        for (req, span) in self.str_list(t, key) {
            match VersionReq::parse(&req) {
                Ok(parsed) => reqs.push(parsed),
                Err(e) => self.error(
                    Code::InvalidVersionReq,
                    span,
                    format!("invalid version requirement `{req}` in `{table}.{key}`: {e}"),
                ),
            }
        }
        let clean = !self.diagnostics[before..].iter().any(|d| d.severity == DiagnosticSeverity::Error);
        clean.then_some(reqs)
    }

    fn date(&mut self, value: &Value<'_>, key: &str) -> Option<Date> {
        let text = match value.get_ref() {
            DeValue::String(s) => s,
            // `rustsec` reads dates as strings only, so cargo-audit stops at a bare TOML date.
            DeValue::Datetime(dt) => {
                let message = format!("`{key}` must be a string, found a bare TOML date: write `{key} = \"{dt}\"`");
                self.error(Code::WrongType, value.span(), message);
                return None;
            }
            other => {
                self.wrong_type(value.span(), key, "a YYYY-MM-DD string", other.type_str());
                return None;
            }
        };
        let date = Date::from_str(text)
            .map_err(|e| self.error(Code::InvalidDate, value.span(), format!("in `{key}`: {e}")))
            .ok()?;
        if !YEARS.contains(&date.year()) {
            let message = format!("in `{key}`: the year of `{date}` is not between 2000 and 2100");
            self.error(Code::InvalidDate, value.span(), message);
            return None;
        }
        Some(date)
    }

    fn url(&mut self, url: Cow<'_, str>, span: Range<usize>, key: &str) -> Option<String> {
        match check_url(&url) {
            Ok(UrlKind::Https) => Some(url.into_owned()),
            Ok(UrlKind::Http) => {
                let message = format!("in `{key}`: `{url}` must start with https://");
                self.warning(Code::InsecureUrl, span, message);
                Some(url.into_owned())
            }
            Err(UrlError::Scheme(scheme)) => {
                let message = format!(
                    "in `{key}`: `{url}` is a `{scheme}:` URL; only http and https URLs are accepted, as they are shown as links"
                );
                self.error(Code::UnsupportedUrlScheme, span, message);
                None
            }
            Err(UrlError::NotAbsolute) => {
                self.error(Code::InvalidUrl, span, format!("in `{key}`: `{url}` is not an absolute URL"));
                None
            }
        }
    }

    /// The advisory id beyond its syntax: the years `rustsec` accepts, and the kinds its linter knows.
    /// Returns whether the id is usable.
    fn check_id(&mut self, id: &AdvisoryId, span: Range<usize>) -> bool {
        if id.is_placeholder() {
            return true;
        }
        if let Some(year) = id.year()
            && !YEARS.contains(&u16::try_from(year).unwrap_or(u16::MAX))
        {
            self.error(Code::InvalidId, span, format!("the year of `{id}` is not between 2000 and 2100"));
            return false;
        }
        let known = ["RUSTSEC-", "CVE-", "GHSA-", "TALOS-"].iter().any(|prefix| id.as_str().starts_with(prefix));
        if !known {
            let message = format!("`{id}` is not a RUSTSEC, CVE, GHSA or TALOS id (an unknown kind of id)");
            self.warning(Code::UnknownIdType, span, message);
        }
        true
    }

    /// The keys that `rustsec` reads but that are not part of the format as written today.
    fn rustsec_only_keys(&mut self, t: &DeTable<'_>, collection: Collection) {
        if let Some((key, value)) = t.get_key_value("collection") {
            match value.get_ref() {
                DeValue::String(s) if s == collection.as_str() => self.warning(
                    Code::ExplicitCollection,
                    key.span(),
                    "`collection` should not be written: it is the directory the file is in".to_owned(),
                ),
                DeValue::String(s) => self.error(
                    Code::ExplicitCollection,
                    value.span(),
                    format!(
                        "`collection = \"{s}\"` contradicts the `{}/` directory the file is in",
                        collection.as_str()
                    ),
                ),
                other => self.wrong_type(value.span(), "collection", "a string", other.type_str()),
            }
        }
        if let Some((key, _)) = t.get_key_value("yanked") {
            self.warning(
                Code::DeprecatedField,
                key.span(),
                "`yanked` is deprecated and ignored: write `withdrawn = \"YYYY-MM-DD\"` instead".to_owned(),
            );
        }
        for field in ["title", "description"] {
            let Some(value) = t.get(field) else { continue };
            match value.get_ref() {
                DeValue::String(s) if s.is_empty() => {}
                DeValue::String(_) => self.error(
                    Code::TextInFrontMatter,
                    value.span(),
                    format!("`{field}` must not be set in the front matter: the {field} is the Markdown after it"),
                ),
                other => self.wrong_type(value.span(), field, "a string", other.type_str()),
            }
        }
    }

    /// An `[affected] functions` key: a Rust path (`crate::module::function`) as `rustsec` accepts it,
    /// which RustSec's linter wants to start with the crate's name. Returns whether it is valid.
    fn function_path(&mut self, path: &str, span: Range<usize>, package: Option<&str>) -> bool {
        let segments: Vec<&str> = path.split("::").collect();
        let bad_segment = segments.iter().find(|segment| {
            let mut chars = segment.chars();
            let first_ok = chars.next().is_some_and(|c| c.is_ascii_alphabetic() || "_<".contains(c));
            !(first_ok && chars.all(|c| c.is_ascii_alphanumeric() || "_<>,".contains(c)))
        });
        let problem = match bad_segment {
            Some(segment) if segment.contains(['(', ')']) => Some(format!("`{segment}`: leave out the parameters")),
            Some(segment) => Some(format!("`{segment}` is not an identifier")),
            None if segments.len() < 2 => Some("a path has at least two segments, the crate's name first".to_owned()),
            None => None,
        };
        if let Some(problem) = problem {
            self.error(
                Code::InvalidFunctionPath,
                span,
                format!("invalid function path `{path}` in `[affected] functions`: {problem}"),
            );
            return false;
        }
        if let Some(package) = package {
            // Crate names may contain `-`; Rust paths spell it `_`.
            let crate_name = package.replace('-', "_");
            if segments[0] != crate_name {
                let message = format!("function path `{path}` must start with the crate's name, `{crate_name}`");
                self.warning(Code::FunctionOutsideCrate, span, message);
            }
        }
        true
    }

    /// RustSec's linter: a bare `@name` in the Markdown notifies that GitHub user each time the advisory is
    /// copied somewhere GitHub renders it. At most one per line, as the linter reports them.
    fn mentions(&mut self, parts: &Parts<'_>) {
        let mut line_start = parts.markdown_offset;
        for line in parts.markdown.split_inclusive('\n') {
            if let Some(name) = bare_mention(line) {
                let message = format!(
                    "bare mention `@{name}` in the text: link the profile instead, as [@{name}](https://github.com/{name})"
                );
                self.diagnostics.push(Diagnostic::warning(
                    Code::BareMention,
                    Some(line_at(self.text, line_start)),
                    message,
                ));
            }
            line_start += line.len();
        }
    }
}

/// The first user named with a bare `@` in a line of Markdown, by the rule of RustSec's linter: an `@`
/// followed by a letter or digit, whose word contains no `.` (an e-mail address or a domain), `@` or
/// backtick (code). The linter drops a closing parenthesis after the name; this drops any punctuation
/// that ends a sentence or a clause too, so that `Reported by @alice.` is a mention (the linter misses it).
fn bare_mention(line: &str) -> Option<&str> {
    let mut rest = line;
    while let Some(at) = rest.find('@') {
        rest = &rest[at + 1..];
        // The part up to and including the next `@`, as the linter splits the line.
        let part = rest.find('@').map_or(rest, |next| &rest[..=next]);
        if !part.starts_with(|c: char| c.is_ascii_alphanumeric()) {
            continue;
        }
        let Some(word) = part.split_whitespace().next() else { continue };
        // Sentence punctuation after the name is not part of it; a `.` inside (a domain) is.
        let word = word.trim_end_matches(['.', ',', ';', ':', '!', '?', ')', '"', '\'']);
        if word.contains(['.', '@', '`']) {
            continue;
        }
        return Some(word);
    }
    None
}
