//! JSON in cargo-audit's report shape (`database`, `lockfile`, `settings`, `vulnerabilities`,
//! `warnings`), so tools that read cargo-audit's output read ours. cratewatch's additions sit beside
//! cargo-audit's keys: `dependency_path` and `fix` on each finding, `kind`, `cvss_score` and `severity`
//! on each advisory, `skipped-files` on the database, and `ignored` and `ignores` at the top.
//!
//! The view types below borrow from the report and serialize straight into the output buffer.

use std::collections::BTreeMap;

use cratewatch_advisory::Advisory;
use cratewatch_audit::{Finding, IgnoreOutcome, Package, WarningKind};
use serde::Serialize;

use super::Context;

#[derive(Serialize)]
struct ReportView<'a> {
    database: DatabaseView,
    lockfile: LockfileView,
    settings: SettingsView<'a>,
    vulnerabilities: VulnerabilitiesView<'a>,
    warnings: BTreeMap<&'static str, Vec<FindingView<'a>>>,
    ignored: Vec<FindingView<'a>>,
    ignores: Vec<IgnoreView<'a>>,
}

#[derive(Serialize)]
struct DatabaseView {
    #[serde(rename = "advisory-count")]
    advisory_count: usize,
    #[serde(rename = "last-commit")]
    last_commit: Option<String>,
    #[serde(rename = "last-updated")]
    last_updated: Option<String>,
    #[serde(rename = "skipped-files")]
    skipped_files: usize,
}

#[derive(Serialize)]
struct LockfileView {
    #[serde(rename = "dependency-count")]
    dependency_count: usize,
}

#[derive(Serialize)]
struct SettingsView<'a> {
    target_arch: &'a [String],
    target_os: &'a [String],
    severity: Option<&'static str>,
    ignore: Vec<&'a str>,
    informational_warnings: Vec<&'static str>,
}

#[derive(Serialize)]
struct VulnerabilitiesView<'a> {
    found: bool,
    count: usize,
    list: Vec<FindingView<'a>>,
}

#[derive(Serialize)]
struct IgnoreView<'a> {
    id: &'a str,
    reason: Option<&'a str>,
    expires: Option<String>,
    status: &'static str,
    ignored_findings: usize,
}

#[derive(Serialize)]
struct FindingView<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    kind: Option<&'static str>,
    advisory: Option<AdvisoryView<'a>>,
    versions: Option<VersionsView>,
    affected: Option<AffectedView<'a>>,
    package: PackageView<'a>,
    dependency_path: Vec<String>,
    fix: Option<FixView>,
}

#[derive(Serialize)]
struct VersionsView {
    patched: Vec<String>,
    unaffected: Vec<String>,
}

#[derive(Serialize)]
struct AffectedView<'a> {
    arch: &'a [String],
    os: &'a [String],
    functions: BTreeMap<&'a str, Vec<String>>,
}

#[derive(Serialize)]
struct PackageView<'a> {
    name: &'a str,
    version: String,
    source: Option<&'a str>,
    checksum: Option<&'a str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    dependencies: Vec<DependencyView<'a>>,
    replace: Option<&'a str>,
}

#[derive(Serialize)]
struct DependencyView<'a> {
    name: &'a str,
    version: String,
    source: Option<&'a str>,
}

#[derive(Serialize)]
struct FixView {
    version: String,
    compatible: bool,
}

/// An advisory with cargo-audit's keys, plus `kind` and the CVSS score and severity.
#[derive(Serialize)]
pub(crate) struct AdvisoryView<'a> {
    id: &'a str,
    package: &'a str,
    title: &'a str,
    description: &'a str,
    date: String,
    aliases: &'a [String],
    related: &'a [String],
    collection: &'static str,
    categories: Vec<&'a str>,
    keywords: &'a [String],
    cvss: Option<&'a str>,
    informational: Option<&'a str>,
    references: &'a [String],
    source: Option<&'a str>,
    url: Option<&'a str>,
    withdrawn: Option<String>,
    license: &'a str,
    #[serde(rename = "expect-deleted")]
    expect_deleted: bool,
    kind: &'static str,
    cvss_score: Option<f64>,
    severity: Option<&'static str>,
}

impl<'a> AdvisoryView<'a> {
    pub(crate) fn new(a: &'a Advisory) -> Self {
        AdvisoryView {
            id: a.id.as_str(),
            package: &a.package,
            title: &a.title,
            description: &a.description,
            date: a.date.to_string(),
            aliases: &a.aliases,
            related: &a.related,
            collection: a.collection.as_str(),
            categories: a.categories.iter().map(|c| c.as_str()).collect(),
            keywords: &a.keywords,
            cvss: a.cvss.as_ref().map(|c| c.vector()),
            informational: a.informational.as_ref().map(|i| i.as_str()),
            references: &a.references,
            source: a.source.as_deref(),
            url: a.url.as_deref(),
            withdrawn: a.withdrawn.map(|d| d.to_string()),
            license: a.license.as_str(),
            expect_deleted: a.expect_deleted,
            kind: a.kind().as_str(),
            cvss_score: a.cvss.as_ref().map(|c| c.score()),
            severity: a.cvss.as_ref().map(|c| c.severity().as_str()),
        }
    }
}

pub(crate) fn json(cx: &Context<'_>) -> String {
    let report = cx.report;
    let settings = &report.settings;
    let mut warnings = BTreeMap::new();
    for kind in [WarningKind::Unmaintained, WarningKind::Unsound, WarningKind::Notice, WarningKind::Yanked] {
        let list: Vec<FindingView<'_>> = report.warnings_of(kind).map(|f| finding(cx, f)).collect();
        if !list.is_empty() {
            warnings.insert(kind.as_str(), list);
        }
    }
    let ignores = settings
        .ignore
        .iter()
        .zip(&report.ignore_outcomes)
        .map(|(rule, outcome)| {
            let (status, ignored_findings) = match outcome {
                IgnoreOutcome::Applied(n) => ("applied", *n),
                IgnoreOutcome::Expired => ("expired", 0),
                IgnoreOutcome::Unused => ("unused", 0),
                _ => ("unknown", 0),
            };
            IgnoreView {
                id: &rule.id,
                reason: rule.reason.as_deref(),
                expires: rule.expires.map(|d| d.to_string()),
                status,
                ignored_findings,
            }
        })
        .collect();
    let view = ReportView {
        database: DatabaseView {
            advisory_count: cx.db.advisory_count(),
            last_commit: None,
            last_updated: None,
            skipped_files: cx.db.skipped_count(),
        },
        lockfile: LockfileView { dependency_count: report.dependency_count },
        settings: SettingsView {
            target_arch: &settings.target_arch,
            target_os: &settings.target_os,
            severity: settings.severity_threshold.map(|s| s.as_str()),
            ignore: settings.ignore.iter().map(|r| r.id.as_str()).collect(),
            informational_warnings: settings.informational_warnings.iter().map(|k| k.as_str()).collect(),
        },
        vulnerabilities: VulnerabilitiesView {
            found: !report.vulnerabilities.is_empty(),
            count: report.vulnerabilities.len(),
            list: report.vulnerabilities.iter().map(|f| finding(cx, f)).collect(),
        },
        warnings,
        ignored: report.ignored.iter().map(|(f, _)| finding(cx, f)).collect(),
        ignores,
    };
    let mut out = Vec::with_capacity(64 * 1024);
    serde_json::to_writer(&mut out, &view).expect("serializing to memory cannot fail");
    out.push(b'\n');
    String::from_utf8(out).expect("serde_json writes UTF-8")
}

fn finding<'a>(cx: &'a Context<'_>, f: &'a Finding) -> FindingView<'a> {
    let advisory = f.advisory.as_deref();
    let reqs = |list: &[cratewatch_advisory::semver::VersionReq]| list.iter().map(ToString::to_string).collect();
    FindingView {
        kind: f.warning.map(WarningKind::as_str),
        advisory: advisory.map(AdvisoryView::new),
        versions: advisory
            .map(|a| VersionsView { patched: reqs(a.versions.patched()), unaffected: reqs(a.versions.unaffected()) }),
        affected: advisory.and_then(|a| a.affected.as_ref()).map(|affected| AffectedView {
            arch: &affected.arch,
            os: &affected.os,
            functions: affected.functions.iter().map(|(path, list)| (path.as_str(), reqs(list))).collect(),
        }),
        package: package(cx, &cx.lockfile.packages[f.package]),
        dependency_path: cx.path_labels(f),
        fix: f.fix.as_ref().map(|up| FixView { version: up.version.to_string(), compatible: up.compatible }),
    }
}

fn package<'a>(cx: &'a Context<'_>, p: &'a Package) -> PackageView<'a> {
    PackageView {
        name: &p.name,
        version: p.version.to_string(),
        source: p.source.as_deref(),
        checksum: p.checksum.as_deref(),
        dependencies: p
            .dependencies
            .iter()
            .map(|&d| {
                let dep = &cx.lockfile.packages[d];
                DependencyView { name: &dep.name, version: dep.version.to_string(), source: dep.source.as_deref() }
            })
            .collect(),
        replace: p.replace.as_deref(),
    }
}
