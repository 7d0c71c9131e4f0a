//! JSON in cargo-audit's report shape (`database`, `lockfile`, `settings`, `vulnerabilities`,
//! `warnings`), so tools that read cargo-audit's output read ours. cratewatch's additions sit beside
//! cargo-audit's keys: `dependency_path` and `fix` on each finding, `kind`, `cvss_score` and `severity`
//! on each advisory, `skipped-files` on the database, and `ignored` and `ignores` at the top.
//!
//! The report is written straight into one buffer by a small writer rather than through serde: a large
//! lockfile's report is mostly advisory descriptions and repeated source URLs, and escaping them a word at
//! a time instead of a byte at a time is what keeps `--json` as fast as the human output.

use cratewatch_advisory::Advisory;
use cratewatch_advisory::semver::VersionReq;
use cratewatch_audit::{CRATES_IO_SOURCE, Finding, IgnoreOutcome, IgnoreRule, Package, WarningKind};

use super::{Context, push_date, push_req, push_version};
use crate::output::Stdout;

pub(crate) fn json(cx: &Context<'_>, out: &mut Stdout) {
    let report = cx.report;
    let settings = &report.settings;
    let mut w = Writer { out, first: true };
    w.open('{');

    w.key("database");
    w.open('{');
    w.key("advisory-count");
    w.uint(cx.db.advisory_count as u64);
    w.key("last-commit");
    w.opt_str(cx.db.last_commit.as_deref());
    w.key("last-updated");
    w.opt_str(cx.db.last_updated.as_deref());
    w.key("skipped-files");
    w.uint(cx.db.skipped_files as u64);
    w.close('}');

    w.key("lockfile");
    w.open('{');
    w.key("dependency-count");
    w.uint(report.dependency_count as u64);
    w.close('}');

    w.key("settings");
    w.open('{');
    w.key("target_arch");
    w.strings(&settings.target_arch);
    w.key("target_os");
    w.strings(&settings.target_os);
    w.key("severity");
    w.opt_str(settings.severity_threshold.map(|s| s.as_str()));
    w.key("ignore");
    w.strings(settings.ignore.iter().map(|r| r.id.as_str()));
    w.key("informational_warnings");
    w.strings(settings.informational_warnings.iter().map(|k| k.as_str()));
    w.close('}');

    w.key("vulnerabilities");
    w.open('{');
    w.key("found");
    w.bool(!report.vulnerabilities.is_empty());
    w.key("count");
    w.uint(report.vulnerabilities.len() as u64);
    w.key("list");
    findings(&mut w, cx, &report.vulnerabilities);
    w.close('}');

    // Kinds in name order, as a sorted map of cargo-audit's would be; kinds without findings are left out.
    let mut kinds = [WarningKind::Unmaintained, WarningKind::Unsound, WarningKind::Notice, WarningKind::Yanked];
    kinds.sort_by_key(|k| k.as_str());
    w.key("warnings");
    w.open('{');
    for kind in kinds {
        let mut list = report.warnings_of(kind).peekable();
        if list.peek().is_none() {
            continue;
        }
        w.key(kind.as_str());
        findings(&mut w, cx, list);
    }
    w.close('}');

    w.key("locked_only");
    findings(&mut w, cx, &report.locked_only);

    w.key("ignored");
    w.open('[');
    for (f, rule) in &report.ignored {
        finding_with(&mut w, cx, f, Some(&settings.ignore[*rule]));
    }
    w.close(']');

    w.key("ignores");
    w.open('[');
    for (rule, outcome) in settings.ignore.iter().zip(&report.ignore_outcomes) {
        let (status, ignored_findings) = match outcome {
            IgnoreOutcome::Applied(n) => ("applied", *n),
            IgnoreOutcome::Expired => ("expired", 0),
            IgnoreOutcome::Unused => ("unused", 0),
            _ => ("unknown", 0),
        };
        w.open('{');
        w.key("id");
        w.str(&rule.id);
        w.key("reason");
        w.opt_str(rule.reason.as_deref());
        w.key("expires");
        w.opt_str(rule.expires.map(|d| d.to_string()).as_deref());
        w.key("sources");
        w.strings(&rule.sources);
        w.key("status");
        w.str(status);
        w.key("ignored_findings");
        w.uint(ignored_findings as u64);
        w.close('}');
    }
    w.close(']');

    w.close('}');
    w.finish();
}

/// A JSON array of findings.
fn findings<'f>(w: &mut Writer<'_>, cx: &Context<'_>, list: impl IntoIterator<Item = &'f Finding>) {
    w.open('[');
    for f in list {
        finding_with(w, cx, f, None);
    }
    w.close(']');
}

/// A finding; an ignored one also names the rule that hid it (`ignored_by`: its id, reason and sources).
fn finding_with(w: &mut Writer<'_>, cx: &Context<'_>, f: &Finding, rule: Option<&IgnoreRule>) {
    let advisory = f.advisory.as_deref();
    w.open('{');
    if let Some(kind) = f.warning {
        w.key("kind");
        w.str(kind.as_str());
    }
    if let Some(rule) = rule {
        w.key("ignored_by");
        w.open('{');
        w.key("id");
        w.str(&rule.id);
        w.key("reason");
        w.opt_str(rule.reason.as_deref());
        w.key("sources");
        w.strings(&rule.sources);
        w.close('}');
    }
    w.key("advisory");
    match advisory {
        Some(a) => advisory_object(w, a),
        None => w.null(),
    }
    w.key("versions");
    match advisory {
        Some(a) => {
            w.open('{');
            w.key("patched");
            reqs(w, a.versions.patched());
            w.key("unaffected");
            reqs(w, a.versions.unaffected());
            w.close('}');
        }
        None => w.null(),
    }
    w.key("affected");
    match advisory.and_then(|a| a.affected.as_ref()) {
        Some(affected) => {
            w.open('{');
            w.key("arch");
            w.strings(&affected.arch);
            w.key("os");
            w.strings(&affected.os);
            w.key("functions");
            w.open('{');
            for (path, list) in &affected.functions {
                w.escaped_key(path);
                reqs(w, list);
            }
            w.close('}');
            w.close('}');
        }
        None => w.null(),
    }
    w.key("package");
    package(w, cx, &cx.lockfile.packages[f.package]);
    w.key("dependency_path");
    w.open('[');
    for &i in &f.path {
        let p = &cx.lockfile.packages[i];
        w.comma();
        w.out.push('"');
        w.escaped(&p.name);
        w.out.push(' ');
        push_version(w.out, &p.version);
        w.out.push('"');
    }
    w.close(']');
    if cx.updates.is_some() {
        w.key("update");
        match cx.update(f) {
            None => w.null(),
            Some(update) => {
                w.open('{');
                w.key("class");
                w.str(update.code());
                w.key("blockers");
                w.open('[');
                if let crate::fixes::Update::Blocked(blockers) = update {
                    for b in blockers {
                        w.open('{');
                        w.key("name");
                        w.str(&b.name);
                        w.key("version");
                        w.version(&b.version);
                        w.key("requirement");
                        w.str(&b.requirement);
                        w.key("lifted_in");
                        match &b.lifted_in {
                            Some(v) => w.version(v),
                            None => w.null(),
                        }
                        w.close('}');
                    }
                }
                w.close(']');
                w.close('}');
            }
        }
    }
    w.key("fix");
    match &f.fix {
        Some(up) => {
            w.open('{');
            w.key("version");
            w.version(&up.version);
            w.key("compatible");
            w.bool(up.compatible);
            w.close('}');
        }
        None => w.null(),
    }
    w.close('}');
    w.out.spill();
}

/// An advisory with cargo-audit's keys, plus `kind` and the CVSS score and severity.
fn advisory_object(w: &mut Writer<'_>, a: &Advisory) {
    w.open('{');
    w.key("id");
    w.str(a.id.as_str());
    w.key("package");
    w.str(&a.package);
    w.key("title");
    w.str(&a.title);
    w.key("description");
    w.str(&a.description);
    w.key("date");
    w.date(a.date);
    w.key("aliases");
    w.strings(&a.aliases);
    w.key("related");
    w.strings(&a.related);
    w.key("collection");
    w.str(a.collection.as_str());
    w.key("categories");
    w.strings(a.categories.iter().map(|c| c.as_str()));
    w.key("keywords");
    w.strings(&a.keywords);
    w.key("cvss");
    w.opt_str(a.cvss.as_ref().map(|c| c.vector()));
    w.key("informational");
    w.opt_str(a.informational.as_ref().map(|i| i.as_str()));
    w.key("references");
    w.strings(&a.references);
    w.key("source");
    w.opt_str(a.source.as_deref());
    w.key("url");
    w.opt_str(a.url.as_deref());
    w.key("withdrawn");
    match a.withdrawn {
        Some(date) => w.date(date),
        None => w.null(),
    }
    w.key("license");
    w.str(a.license.as_str());
    w.key("expect-deleted");
    w.bool(a.expect_deleted);
    w.key("kind");
    w.str(a.kind().as_str());
    w.key("cvss_score");
    match &a.cvss {
        Some(c) => w.float(c.score()),
        None => w.null(),
    }
    w.key("severity");
    w.opt_str(a.cvss.as_ref().map(|c| c.severity().as_str()));
    w.close('}');
}

/// `name`, `version` and `source`: what identifies a package, in a package object and in each of its
/// dependencies.
fn package_id(w: &mut Writer<'_>, p: &Package) {
    w.key("name");
    w.str(&p.name);
    w.key("version");
    w.version(&p.version);
    w.key("source");
    match p.source.as_deref() {
        // Nearly every package's: a constant that needs no escaping, so it is not scanned for escapes.
        Some(CRATES_IO_SOURCE) => w.literal(CRATES_IO_SOURCE),
        other => w.opt_str(other),
    }
}

fn package(w: &mut Writer<'_>, cx: &Context<'_>, p: &Package) {
    w.open('{');
    package_id(w, p);
    w.key("checksum");
    w.opt_str(p.checksum.as_deref());
    if !p.dependencies.is_empty() {
        w.key("dependencies");
        w.open('[');
        for &d in &p.dependencies {
            w.open('{');
            package_id(w, &cx.lockfile.packages[d]);
            w.close('}');
        }
        w.close(']');
    }
    w.key("replace");
    w.opt_str(p.replace.as_deref());
    w.close('}');
}

fn reqs(w: &mut Writer<'_>, list: &[VersionReq]) {
    w.open('[');
    for req in list {
        // Requirements print as operators, digits, dots, letters, `-`, `+`, `*`, commas and spaces:
        // nothing JSON escapes, so they go straight into the output.
        w.comma();
        w.out.push('"');
        let start = w.out.len();
        push_req(w.out, req);
        debug_assert!(special_bytes_in(&w.out[start..]).is_none(), "requirement {req} needs escaping");
        w.out.push('"');
    }
    w.close(']');
}

/// Compact JSON, written out in pieces (see [`Stdout`]). Commas are placed by remembering whether the current object or array
/// already has an element; `key` counts as the start of an element so that its value adds no comma.
struct Writer<'o> {
    out: &'o mut Stdout,
    /// Whether the next element is the first of its object or array.
    first: bool,
}

impl Writer<'_> {
    fn finish(self) {
        self.out.push('\n');
    }

    fn comma(&mut self) {
        if !std::mem::replace(&mut self.first, false) {
            self.out.push(',');
        }
    }

    fn open(&mut self, bracket: char) {
        self.comma();
        self.out.push(bracket);
        self.first = true;
    }

    fn close(&mut self, bracket: char) {
        self.out.push(bracket);
        self.first = false;
    }

    /// A key taken from the data.
    fn escaped_key(&mut self, key: &str) {
        self.comma();
        self.out.push('"');
        self.escaped(key);
        self.out.push_str("\":");
        self.first = true;
    }

    /// A key: one of this module's literals, which never need escaping.
    fn key(&mut self, key: &'static str) {
        debug_assert!(special_bytes_in(key).is_none(), "key {key:?} needs escaping");
        self.comma();
        self.out.push('"');
        self.out.push_str(key);
        self.out.push_str("\":");
        self.first = true;
    }

    /// A date, `"YYYY-MM-DD"` (digits and dashes need no escaping).
    fn date(&mut self, date: cratewatch_advisory::Date) {
        self.comma();
        self.out.push('"');
        push_date(self.out, date);
        self.out.push('"');
    }

    fn null(&mut self) {
        self.comma();
        self.out.push_str("null");
    }

    fn bool(&mut self, value: bool) {
        self.comma();
        self.out.push_str(if value { "true" } else { "false" });
    }

    fn uint(&mut self, value: u64) {
        self.comma();
        super::push_number(self.out, value);
    }

    /// A float as serde_json writes one: the shortest form that reads back, with `.0` on whole numbers.
    fn float(&mut self, value: f64) {
        self.comma();
        if value.is_finite() {
            let start = self.out.len();
            std::fmt::Write::write_fmt(&mut **self.out, format_args!("{value}")).expect("writing to a String");
            if !self.out[start..].contains(['.', 'e']) {
                self.out.push_str(".0");
            }
        } else {
            self.out.push_str("null");
        }
    }

    fn str(&mut self, value: &str) {
        self.comma();
        self.out.push('"');
        self.escaped(value);
        self.out.push('"');
    }

    /// A string value that is a constant of the program, which never needs escaping (as [`Writer::key`]).
    fn literal(&mut self, value: &'static str) {
        debug_assert!(special_bytes_in(value).is_none(), "{value:?} needs escaping");
        self.comma();
        self.out.push('"');
        self.out.push_str(value);
        self.out.push('"');
    }

    fn opt_str(&mut self, value: Option<&str>) {
        match value {
            Some(s) => self.str(s),
            None => self.null(),
        }
    }

    fn strings<'s>(&mut self, values: impl IntoIterator<Item = &'s (impl AsRef<str> + 's + ?Sized)>) {
        self.open('[');
        for value in values {
            self.str(value.as_ref());
        }
        self.close(']');
    }

    fn version(&mut self, version: &cratewatch_advisory::semver::Version) {
        self.comma();
        self.out.push('"');
        push_version(self.out, version);
        self.out.push('"');
    }

    /// Appends `value` with JSON's escapes, copying runs without special characters whole. The runs are
    /// found eight bytes at a time (see [`special_bytes`]).
    fn escaped(&mut self, value: &str) {
        let bytes = value.as_bytes();
        self.out.reserve(bytes.len() + 2);
        let mut start = 0;
        let mut i = 0;
        while i < bytes.len() {
            let word = match bytes.get(i..i + 8) {
                Some(eight) => u64::from_le_bytes(eight.try_into().expect("eight bytes")),
                None => {
                    // The tail, padded with a byte that needs no escape.
                    let mut padded = [b'a'; 8];
                    padded[..bytes.len() - i].copy_from_slice(&bytes[i..]);
                    u64::from_le_bytes(padded)
                }
            };
            let mask = special_bytes(word);
            if mask == 0 {
                i += 8;
                continue;
            }
            i += (mask.trailing_zeros() / 8) as usize;
            let b = bytes[i];
            self.out.push_str(&value[start..i]);
            let escape = match b {
                b'"' => "\\\"",
                b'\\' => "\\\\",
                b'\n' => "\\n",
                b'\r' => "\\r",
                b'\t' => "\\t",
                0x08 => "\\b",
                0x0c => "\\f",
                _ => "",
            };
            if escape.is_empty() {
                const HEX: &[u8; 16] = b"0123456789abcdef";
                self.out.push_str("\\u00");
                self.out.push(char::from(HEX[usize::from(b >> 4)]));
                self.out.push(char::from(HEX[usize::from(b & 0xf)]));
            } else {
                self.out.push_str(escape);
            }
            i += 1;
            start = i;
        }
        self.out.push_str(&value[start..]);
    }
}

/// The position of the first byte of `text` that JSON escapes, if any (for checks).
fn special_bytes_in(text: &str) -> Option<usize> {
    text.bytes().position(|b| b == b'"' || b == b'\\' || b < 0x20)
}

/// The high bit of each byte of `word` (little-endian) that is `"`, `\` or a control character below
/// 0x20. Only the lowest set bit is exact (a borrow can flag a later byte), which is all the caller uses:
/// a byte is zero after XOR with a character exactly when it equals it, and subtracting 0x20 from a byte
/// below 0x20 borrows into its high bit.
fn special_bytes(word: u64) -> u64 {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    let zero_bytes = |v: u64| v.wrapping_sub(ONES) & !v & HIGHS;
    let below_0x20 = word.wrapping_sub(ONES * 0x20) & !word & HIGHS;
    zero_bytes(word ^ (ONES * u64::from(b'"'))) | zero_bytes(word ^ (ONES * u64::from(b'\\'))) | below_0x20
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_like_serde_json() {
        let samples = [
            "",
            "plain",
            "a \"quoted\" word",
            "back\\slash",
            "line\nbreak\r\n\ttab",
            "\u{0}\u{1}\u{8}\u{c}\u{1f}\u{7f}",
            "unicode: é ü 漢字 🦀 and \u{2028}",
            "exactly8",
            "sixteen bytes!!!\"",
            "long text without anything special in it at all, more than eight bytes",
        ];
        for sample in samples {
            let mut out = Stdout::new();
            let mut w = Writer { out: &mut out, first: true };
            w.str(sample);
            assert_eq!(w.out.as_str(), serde_json::to_string(sample).unwrap(), "{sample:?}");
        }
        // Every single byte value below 0x80, at every offset within a word.
        for b in 0u8..0x80 {
            for offset in 0..9 {
                let text = format!("{}{}{}", "x".repeat(offset), char::from(b), "y".repeat(9));
                let mut out = Stdout::new();
                let mut w = Writer { out: &mut out, first: true };
                w.str(&text);
                assert_eq!(w.out.as_str(), serde_json::to_string(&text).unwrap(), "byte {b:#x} at {offset}");
            }
        }
    }

    #[test]
    fn floats_like_serde_json() {
        for value in [0.0, 1.0, 5.3, 7.5, 9.8, 10.0, 4.25, 0.1] {
            let mut out = Stdout::new();
            let mut w = Writer { out: &mut out, first: true };
            w.float(value);
            assert_eq!(w.out.as_str(), serde_json::to_string(&value).unwrap());
        }
    }

    #[test]
    fn commas_between_elements_only() {
        let mut out = Stdout::new();
        let mut w = Writer { out: &mut out, first: true };
        w.open('{');
        w.key("a");
        w.open('[');
        w.uint(1);
        w.null();
        w.open('{');
        w.close('}');
        w.close(']');
        w.key("b");
        w.bool(true);
        w.close('}');
        assert_eq!(w.out.as_str(), r#"{"a":[1,null,{}],"b":true}"#);
    }
}
