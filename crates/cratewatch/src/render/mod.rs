//! One report, three renderers: human text, cargo-audit-shaped JSON, and SARIF.

mod human;
mod json;
mod sarif;

use std::path::Path;

use cratewatch_advisory::semver::Version;
use cratewatch_audit::{Finding, Lockfile, Report, WarningKind};

pub(crate) use human::human;
pub(crate) use json::json;
pub(crate) use sarif::sarif;

/// What the reports say about the advisory database, wherever it came from (a compiled local database or a
/// server).
#[derive(Clone, Debug, Default)]
pub(crate) struct DbSummary {
    /// How many advisories it holds.
    pub(crate) advisory_count: usize,
    /// How many advisory files could not be loaded.
    pub(crate) skipped_files: usize,
    /// The commit of a fetched database (cargo-audit's `last-commit`).
    pub(crate) last_commit: Option<String>,
    /// That commit's time, RFC 3339 (cargo-audit's `last-updated`).
    pub(crate) last_updated: Option<String>,
}

/// Everything a renderer needs.
pub(crate) struct Context<'a> {
    pub(crate) lockfile: &'a Lockfile,
    pub(crate) lockfile_path: &'a Path,
    pub(crate) db: &'a DbSummary,
    pub(crate) report: &'a Report,
    /// Whether the audit fails (vulnerabilities, warnings of a denied kind, or denied locked-only findings).
    pub(crate) fails: bool,
    /// Whether it fails on built packages alone.
    pub(crate) built_fails: bool,
    /// What fixes each finding (`--index DIR`), when classified.
    pub(crate) updates: Option<&'a crate::fixes::Updates>,
    pub(crate) color: bool,
}

impl Context<'_> {
    /// `name version` of a package of the lockfile, printable on a terminal.
    fn package_label(&self, index: usize) -> String {
        let p = &self.lockfile.packages[index];
        let mut label = String::with_capacity(p.name.len() + 16);
        push_label(&mut label, p);
        label
    }
}

/// Text from the lockfile with its control characters escaped (`\u{1b}`): a package name is any TOML
/// string, and one holding terminal escape sequences must not reach the terminal as such.
pub(crate) fn printable(text: &str) -> std::borrow::Cow<'_, str> {
    if text.contains(char::is_control) {
        text.chars().map(|c| if c.is_control() { c.escape_default().to_string() } else { c.to_string() }).collect()
    } else {
        std::borrow::Cow::Borrowed(text)
    }
}

/// Appends `name version` of a package, printable on a terminal (see [`Context::package_label`]).
fn push_label(out: &mut String, package: &cratewatch_audit::Package) {
    out.push_str(&printable(&package.name));
    out.push(' ');
    push_version(out, &package.version);
}

/// Appends `version` as semver writes it, `major.minor.patch[-pre][+build]`, without the formatting
/// machinery (reports print thousands of versions).
fn push_version(out: &mut String, version: &Version) {
    push_number(out, version.major);
    out.push('.');
    push_number(out, version.minor);
    out.push('.');
    push_number(out, version.patch);
    if !version.pre.is_empty() {
        out.push('-');
        out.push_str(version.pre.as_str());
    }
    if !version.build.is_empty() {
        out.push('+');
        out.push_str(version.build.as_str());
    }
}

/// Where to read more about an advisory: its own URL, else its page in the database its id comes from
/// (RustSec or GitHub's), else its first reference.
fn advisory_url(advisory: &cratewatch_advisory::Advisory) -> String {
    let id = advisory.id.as_str();
    advisory.url.clone().unwrap_or_else(|| {
        if id.starts_with("RUSTSEC-") {
            format!("https://rustsec.org/advisories/{id}")
        } else if id.starts_with("GHSA-") {
            format!("https://github.com/advisories/{id}")
        } else {
            advisory.references.first().cloned().unwrap_or_else(|| format!("https://osv.dev/vulnerability/{id}"))
        }
    })
}

/// Appends `req` as semver writes it (`>=1.2.3, <2`, `*`), without the formatting machinery: an
/// advisory's `patched` and `unaffected` requirements go into every JSON finding, and `{req}` costs
/// about 1,400 instructions a requirement.
fn push_req(out: &mut String, req: &cratewatch_advisory::semver::VersionReq) {
    use cratewatch_advisory::semver::Op;
    if req.comparators.is_empty() {
        out.push('*');
        return;
    }
    for (i, c) in req.comparators.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        let op = match c.op {
            Op::Exact => "=",
            Op::Greater => ">",
            Op::GreaterEq => ">=",
            Op::Less => "<",
            Op::LessEq => "<=",
            Op::Tilde => "~",
            Op::Caret => "^",
            Op::Wildcard => "",
            // An operator of a later semver: its own Display.
            _ => {
                std::fmt::Write::write_fmt(out, format_args!("{c}")).expect("writing to a String");
                continue;
            }
        };
        out.push_str(op);
        push_number(out, c.major);
        match (c.minor, c.patch) {
            (Some(minor), patch) => {
                out.push('.');
                push_number(out, minor);
                match patch {
                    Some(patch) => {
                        out.push('.');
                        push_number(out, patch);
                        if !c.pre.is_empty() {
                            out.push('-');
                            out.push_str(c.pre.as_str());
                        }
                    }
                    None if c.op == Op::Wildcard => out.push_str(".*"),
                    None => {}
                }
            }
            (None, _) if c.op == Op::Wildcard => out.push_str(".*"),
            (None, _) => {}
        }
    }
}

/// Appends `date` as `YYYY-MM-DD`, as its Display does, without the formatting machinery.
fn push_date(out: &mut String, date: cratewatch_advisory::Date) {
    let (year, month, day) = (date.year(), date.month(), date.day());
    for (value, width) in [(u64::from(year), 4), (u64::from(month), 2), (u64::from(day), 2)] {
        if width == 2 {
            out.push('-');
        }
        let mut digits = [b'0'; 4];
        let mut n = value;
        for d in digits[..width].iter_mut().rev() {
            *d = b'0' + (n % 10) as u8;
            n /= 10;
        }
        if n == 0 {
            out.push_str(std::str::from_utf8(&digits[..width]).expect("ASCII digits"));
        } else {
            // Wider than the field (a year past 9999 cannot be built, but Display would print it whole).
            push_number(out, value);
        }
    }
}

fn push_number(out: &mut String, mut n: u64) {
    // Most version numbers have one digit.
    if n < 10 {
        out.push(char::from(b'0' + n as u8));
        return;
    }
    let mut digits = [0u8; 20];
    let mut at = digits.len();
    loop {
        at -= 1;
        digits[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.push_str(std::str::from_utf8(&digits[at..]).expect("ASCII digits"));
}

/// One line counting what was found, for standard error.
pub(crate) fn summary(report: &Report) -> String {
    let kinds = [WarningKind::Unmaintained, WarningKind::Unsound, WarningKind::Notice, WarningKind::Yanked];
    let parts: Vec<String> = kinds
        .iter()
        .map(|&k| (k, report.warnings_of(k).count()))
        .filter(|&(_, n)| n > 0)
        .map(|(k, n)| format!("{n} {k}"))
        .collect();
    let warnings = if parts.is_empty() { String::new() } else { format!(" ({})", parts.join(", ")) };
    let ignored = if report.ignored.is_empty() { String::new() } else { format!(", {} ignored", report.ignored.len()) };
    let locked_only = match report.locked_only.len() {
        0 => String::new(),
        n => format!(", {n} in locked-only packages"),
    };
    format!(
        "{} {} and {} {}{warnings} in {} packages{ignored}{locked_only}",
        report.vulnerabilities.len(),
        plural(report.vulnerabilities.len(), "vulnerability", "vulnerabilities"),
        report.warnings.len(),
        plural(report.warnings.len(), "warning", "warnings"),
        report.dependency_count,
    )
}

impl Context<'_> {
    /// What fixes `finding`, when classified.
    pub(crate) fn update(&self, finding: &Finding) -> Option<&crate::fixes::Update> {
        let id = finding.advisory.as_ref()?.id.as_str().to_owned();
        self.updates?.get(&(finding.package, id))
    }
}

/// Where an ignore rule came from, for the reports: its files, or `--ignore`.
pub(crate) fn ignore_sources(rule: &cratewatch_audit::IgnoreRule) -> String {
    rule.sources.join(", ")
}

fn plural<'a>(n: usize, one: &'a str, many: &'a str) -> &'a str {
    if n == 1 { one } else { many }
}

#[cfg(test)]
mod tests {
    use cratewatch_advisory::Date;
    use cratewatch_advisory::semver::VersionReq;

    use super::{push_date, push_req};

    fn req_text(req: &VersionReq) -> String {
        let mut out = String::new();
        push_req(&mut out, req);
        out
    }

    /// Every requirement of the real advisory database (patched, unaffected, affected functions),
    /// and the forms it does not use, print as semver's Display prints them.
    #[test]
    fn requirements_print_as_semver_prints_them() {
        let db = cratewatch_db::Database::load(&cratewatch_testdata::advisory_db()).unwrap();
        let mut checked = 0;
        for a in db.advisories() {
            let functions = a.affected.iter().flat_map(|affected| affected.functions.values().flatten());
            for req in a.versions.patched().iter().chain(a.versions.unaffected()).chain(functions) {
                assert_eq!(req_text(req), req.to_string(), "{}", a.id.as_str());
                checked += 1;
            }
        }
        assert!(checked > 1000, "only {checked} requirements");
        for text in cratewatch_testdata::REQUIREMENT_FORMS {
            let req = VersionReq::parse(text).unwrap();
            assert_eq!(req_text(&req), req.to_string(), "{text}");
        }
        assert_eq!(req_text(&VersionReq::STAR), "*");
    }

    #[test]
    fn dates_print_as_their_display_does() {
        for (y, m, d) in [(2024, 1, 5), (1999, 12, 31), (2000, 2, 29), (2016, 10, 1), (1970, 1, 1)] {
            let date = Date::new(y, m, d).unwrap();
            let mut out = String::new();
            push_date(&mut out, date);
            assert_eq!(out, date.to_string());
        }
    }
}
