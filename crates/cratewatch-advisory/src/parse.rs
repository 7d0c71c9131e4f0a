//! Parsing one advisory file: TOML front matter in a ```` ```toml ```` block, then a Markdown `# ` title
//! and description. Every problem becomes a [`Diagnostic`] with a line number; the walk goes on after an
//! error so that one run of `cratewatch db check` shows all the problems of a file.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::ops::Range;
use std::str::FromStr;

use semver::VersionReq;
use toml::Spanned;
use toml::de::{DeTable, DeValue};

use crate::{
    Advisory, AdvisoryId, Affected, Category, Code, Collection, Cvss, Date, Diagnostic, DiagnosticSeverity,
    Informational, License, Versions,
};

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
}

/// Parses the text of one advisory file of the given collection.
pub fn parse_advisory(text: &str, collection: Collection) -> ParsedAdvisory {
    let mut cx = Cx { text, offset: 0, diagnostics: Vec::new() };
    let advisory = split(text).map_err(|d| cx.diagnostics.push(d)).ok().and_then(|parts| {
        cx.offset = parts.offset;
        match DeTable::parse(parts.front_matter) {
            Ok(table) => cx.advisory(table.get_ref(), &parts, collection),
            Err(e) => {
                let line = e.span().map(|s| cx.line(s.start));
                let message = e.message().trim().replace('\n', " ");
                cx.diagnostics.push(Diagnostic::error(Code::TomlSyntax, line, format!("invalid TOML: {message}")));
                None
            }
        }
    });
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
    let markdown = text[end + 4..].trim_start();
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
    })
}

fn line_at(text: &str, offset: usize) -> u32 {
    let offset = offset.min(text.len());
    1 + text.as_bytes()[..offset].iter().filter(|&&b| b == b'\n').count() as u32
}

type Value<'i> = Spanned<DeValue<'i>>;

struct Cx<'t> {
    text: &'t str,
    offset: usize,
    diagnostics: Vec<Diagnostic>,
}

impl Cx<'_> {
    fn line(&self, front_matter_offset: usize) -> u32 {
        line_at(self.text, self.offset + front_matter_offset)
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
        self.unknown_keys(
            t,
            "advisory.",
            &[
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
            ],
        );

        let id = self
            .required_str(t, "advisory", "id")
            .and_then(|(id, span)| AdvisoryId::new(&id).map_err(|e| self.error(Code::InvalidId, span, e)).ok());
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
        let url = self.optional_str(t, "url").and_then(|(u, span)| self.url(u, span));
        let references = self.str_list(t, "references").into_iter().filter_map(|(u, s)| self.url(u, s)).collect();
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

        let versions = versions_table.and_then(|v| self.versions(v));
        let affected = affected_table.map(|a| self.affected(a));

        Some(Advisory {
            id: id?,
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

    fn affected(&mut self, t: &DeTable<'_>) -> Affected {
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
                if let Some(reqs) = self.req_list(functions, "affected.functions", path.get_ref()) {
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

    fn str_list<'i>(&mut self, t: &DeTable<'i>, key: &str) -> Vec<(Cow<'i, str>, Range<usize>)> {
        let mut out = Vec::new();
        for item in self.array(t, key).unwrap_or_default() {
            match item.get_ref() {
                DeValue::String(s) => out.push((s.clone(), item.span())),
                other => self.wrong_type(item.span(), &format!("{key}[]"), "a string", other.type_str()),
            }
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
            DeValue::String(s) => s.to_string(),
            DeValue::Datetime(dt) if dt.date.is_some() && dt.time.is_none() => dt.to_string(),
            other => {
                self.wrong_type(value.span(), key, "a YYYY-MM-DD string", other.type_str());
                return None;
            }
        };
        Date::from_str(&text).map_err(|e| self.error(Code::InvalidDate, value.span(), format!("in `{key}`: {e}"))).ok()
    }

    fn url(&mut self, url: Cow<'_, str>, span: Range<usize>) -> Option<String> {
        let valid = url.split_once("://").is_some_and(|(scheme, rest)| {
            !scheme.is_empty()
                && scheme.chars().all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
                && !rest.is_empty()
                && !rest.starts_with('/')
                && !url.chars().any(char::is_whitespace)
        });
        if valid {
            Some(url.into_owned())
        } else {
            self.error(Code::InvalidUrl, span, format!("`{url}` is not an absolute URL"));
            None
        }
    }
}
