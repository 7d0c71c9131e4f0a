//! `POST /api/v1/audit`: a `Cargo.lock` checked against the served knowledge base, the same advisories
//! the pages show, workflow publications included. The findings are `cratewatch audit`'s (the same
//! `cratewatch_audit::audit`), without a registry index (no yanked checks).
//!
//! `POST /api/v1/audit/advisories`: what `cratewatch audit --server` asks for, the advisories that
//! affect a lockfile's packages as advisory texts, which the client parses and audits itself.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use cratewatch_advisory::semver::Version;
use cratewatch_advisory::{Advisory, Collection, DiagnosticSeverity, parse_advisory, parse_osv_record};
use cratewatch_audit::{AuditSettings, Finding, Lockfile, audit};
use serde::{Deserialize, Serialize};

use crate::error::AppError;
use crate::knowledge::Entry;
use crate::state::AppState;

/// The findings of an audit.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct AuditReport<'a> {
    /// Packages in the lockfile.
    dependencies: usize,
    /// Vulnerabilities (and malicious releases).
    vulnerabilities: Vec<AuditFinding<'a>>,
    /// Informational findings: unmaintained, unsound, notice.
    warnings: Vec<AuditFinding<'a>>,
}

/// One finding.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct AuditFinding<'a> {
    /// `vulnerability`, or the warning kind (`unmaintained`, `unsound`, `notice`).
    kind: &'static str,
    /// The advisory's id.
    advisory: Option<&'a str>,
    /// The advisory's title.
    title: Option<&'a str>,
    /// The package's name.
    package: &'a str,
    /// The package's locked version.
    version: String,
    /// The nearest version that fixes it, when one is known.
    fix: Option<String>,
}

/// Audits the `Cargo.lock` in the body against the served advisories, workflow publications included:
/// the findings of `cratewatch audit` (the same matching), without yanked checks.
#[utoipa::path(
    post,
    path = "/api/v1/audit",
    tag = "audit",
    request_body(content = String, content_type = "text/plain", description = "The text of a Cargo.lock (any lockfile version)"),
    responses(
        (status = 200, description = "The findings", body = AuditReport),
        (status = 400, description = "The body is not UTF-8", body = crate::error::Envelope),
        (status = 413, description = "The body is too large", body = crate::error::Envelope),
        (status = 422, description = "The body is not a valid Cargo.lock", body = crate::error::Envelope),
    )
)]
pub(crate) async fn post_audit(State(state): State<Arc<AppState>>, body: Bytes) -> Result<Response, AppError> {
    let text = std::str::from_utf8(&body).map_err(|_| AppError::bad_request("the lockfile is not UTF-8"))?;
    let lockfile = Lockfile::parse(text)
        .map_err(|e| AppError::new(StatusCode::UNPROCESSABLE_ENTITY, format!("invalid Cargo.lock: {e}")))?;
    let knowledge = state.knowledge();
    let today = crate::disclosure::advisory_date(jiff::Timestamp::now());
    let report = audit(&lockfile, knowledge.advisories(), &AuditSettings::new(today), None);
    let body = AuditReport {
        dependencies: report.dependency_count,
        vulnerabilities: report.vulnerabilities.iter().map(|f| view(f, &lockfile.packages)).collect(),
        warnings: report.warnings.iter().map(|f| view(f, &lockfile.packages)).collect(),
    };
    Ok(axum::Json(body).into_response())
}

fn view<'a>(f: &'a Finding, packages: &'a [cratewatch_audit::Package]) -> AuditFinding<'a> {
    let package = &packages[f.package];
    let advisory = f.advisory.as_deref();
    AuditFinding {
        kind: f.warning.map_or("vulnerability", |w| w.as_str()),
        advisory: advisory.map(|a| a.id.as_str()),
        title: advisory.map(|a| a.title.as_str()),
        package: &package.name,
        version: package.version.to_string(),
        fix: f.fix.as_ref().map(|u| u.version.to_string()),
    }
}

/// The lockfile packages a client asks about.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct AdvisoriesRequest {
    /// The crates.io packages of the lockfile (name and locked version).
    packages: Vec<RequestedPackage>,
}

/// One package of the lockfile.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct RequestedPackage {
    /// The crate's name.
    name: String,
    /// The locked version.
    version: String,
}

/// The advisories that affect the requested packages, as advisory texts, with what `cratewatch audit`
/// says about the database.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct AdvisoriesAnswer {
    /// The served database.
    database: DatabaseView,
    /// The advisories, sorted by id.
    advisories: Vec<AdvisoryText>,
}

/// The served database, as the audit's report describes it.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct DatabaseView {
    /// How many advisories are served (workflow publications included).
    advisory_count: usize,
    /// How many advisory files could not be loaded.
    skipped_files: usize,
    /// The sources' commit, when they are git repositories.
    commit: Option<String>,
}

/// One advisory as text that `cratewatch audit` parses as it parses database files.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct AdvisoryText {
    /// The advisory's id.
    id: String,
    /// `rustsec` (a RustSec Markdown file) or `osv` (the OSV record the advisory was imported from).
    format: &'static str,
    /// The file's text.
    text: String,
}

/// At most this many packages per request (a lockfile of the largest workspaces holds about 2,000).
const MAX_PACKAGES: usize = 20_000;

/// For the crates.io packages of a lockfile, the served advisories (workflow publications included)
/// that affect their versions, as advisory texts: what `cratewatch audit --server` parses and audits,
/// so that its report is the one a local audit against the same data gives. Each text is checked before
/// it is sent: parsed back, it must give the served advisory exactly.
#[utoipa::path(
    post,
    path = "/api/v1/audit/advisories",
    tag = "audit",
    request_body(content = AdvisoriesRequest, content_type = "application/json"),
    responses(
        (status = 200, description = "The advisories affecting the packages", body = AdvisoriesAnswer),
        (status = 400, description = "The body is not a package list", body = crate::error::Envelope),
        (status = 413, description = "The body is too large", body = crate::error::Envelope),
        (status = 500, description = "An advisory cannot be sent faithfully", body = crate::error::Envelope),
    )
)]
pub(crate) async fn post_audit_advisories(
    State(state): State<Arc<AppState>>,
    body: Bytes,
) -> Result<Response, AppError> {
    let request: AdvisoriesRequest =
        serde_json::from_slice(&body).map_err(|e| AppError::bad_request(format!("invalid package list: {e}")))?;
    if request.packages.len() > MAX_PACKAGES {
        return Err(AppError::bad_request(format!("at most {MAX_PACKAGES} packages per request")));
    }
    let knowledge = state.knowledge();
    let mut chosen: Vec<&Arc<Entry>> = Vec::new();
    for package in &request.packages {
        let version: Version = package.version.parse().map_err(|e| {
            AppError::bad_request(format!("invalid version `{}` of `{}`: {e}", package.version, package.name))
        })?;
        for entry in knowledge.for_crate(&package.name) {
            let a = &entry.advisory;
            if a.collection == Collection::Crates && a.package == package.name && a.versions.is_affected(&version) {
                chosen.push(entry);
            }
        }
    }
    chosen.sort_by(|a, b| a.advisory.id.cmp(&b.advisory.id));
    chosen.dedup_by(|a, b| a.advisory.id == b.advisory.id);
    let advisories = chosen.into_iter().map(|entry| advisory_text(entry)).collect::<Result<Vec<_>, _>>()?;
    let mut broken: Vec<&str> = knowledge
        .diagnostics()
        .iter()
        .filter(|d| d.diagnostic.severity == DiagnosticSeverity::Error)
        .map(|d| d.path.as_str())
        .collect();
    broken.dedup();
    let database = DatabaseView {
        advisory_count: knowledge.entries().len(),
        skipped_files: broken.len(),
        commit: knowledge.provenance().commit.clone(),
    };
    Ok(axum::Json(AdvisoriesAnswer { database, advisories }).into_response())
}

/// The text to send for `entry`: the OSV record it was imported from, else a RustSec file written from
/// the served advisory. Either is sent only if parsing it gives the served advisory back exactly.
fn advisory_text(entry: &Entry) -> Result<AdvisoryText, AppError> {
    let advisory = &entry.advisory;
    let id = advisory.id.as_str().to_owned();
    if let Some(osv) = entry.osv.as_deref().filter(|_| entry.from_osv) {
        let same = parse_osv_record(osv).is_ok_and(|records| records.iter().any(|a| a == advisory));
        if same {
            return Ok(AdvisoryText { id, format: "osv", text: osv.to_owned() });
        }
    }
    let text = rustsec_text(advisory);
    if parse_advisory(&text, Collection::Crates).advisory.as_ref() == Some(advisory) {
        return Ok(AdvisoryText { id, format: "rustsec", text });
    }
    tracing::error!(advisory = %id, "an advisory cannot be written as text that parses back to it");
    Err(AppError::new(
        StatusCode::INTERNAL_SERVER_ERROR,
        format!("advisory {id} cannot be sent as text that parses back to the served advisory"),
    ))
}

/// The advisory as a RustSec Markdown file (`[advisory]`, `[affected]` and `[versions]` in TOML front
/// matter, then the title and the description). Every field the format has is written, so that the
/// file parses back to the same advisory; `advisory_text` checks that it does.
fn rustsec_text(a: &Advisory) -> String {
    use std::fmt::Write;
    let mut t = String::from("```toml\n[advisory]\n");
    let mut line = |key: &str, value: String| {
        let _ = writeln!(t, "{key} = {value}");
    };
    line("id", toml_str(a.id.as_str()));
    line("package", toml_str(&a.package));
    line("date", toml_str(&a.date.to_string()));
    if let Some(url) = &a.url {
        line("url", toml_str(url));
    }
    let lists: [(&str, Vec<&str>); 5] = [
        ("references", a.references.iter().map(String::as_str).collect()),
        ("categories", a.categories.iter().map(|c| c.as_str()).collect()),
        ("keywords", a.keywords.iter().map(String::as_str).collect()),
        ("aliases", a.aliases.iter().map(String::as_str).collect()),
        ("related", a.related.iter().map(String::as_str).collect()),
    ];
    for (key, values) in lists {
        if !values.is_empty() {
            line(key, toml_list(values));
        }
    }
    if let Some(cvss) = &a.cvss {
        line("cvss", toml_str(cvss.vector()));
    }
    if let Some(informational) = &a.informational {
        line("informational", toml_str(informational.as_str()));
    }
    if let Some(source) = &a.source {
        line("source", toml_str(source));
    }
    if let Some(withdrawn) = a.withdrawn {
        line("withdrawn", toml_str(&withdrawn.to_string()));
    }
    line("license", toml_str(a.license.as_str()));
    if a.expect_deleted {
        line("expect-deleted", "true".to_owned());
    }
    if let Some(affected) = &a.affected {
        t.push_str("\n[affected]\n");
        if !affected.arch.is_empty() {
            let _ = writeln!(t, "arch = {}", toml_list(affected.arch.iter().map(String::as_str)));
        }
        if !affected.os.is_empty() {
            let _ = writeln!(t, "os = {}", toml_list(affected.os.iter().map(String::as_str)));
        }
        if !affected.functions.is_empty() {
            let functions: Vec<String> = affected
                .functions
                .iter()
                .map(|(path, reqs)| {
                    let reqs: Vec<String> = reqs.iter().map(ToString::to_string).collect();
                    format!("{} = {}", toml_str(path), toml_list(reqs.iter().map(String::as_str)))
                })
                .collect();
            let _ = writeln!(t, "functions = {{ {} }}", functions.join(", "));
        }
    }
    let reqs = |list: &[cratewatch_advisory::semver::VersionReq]| {
        let list: Vec<String> = list.iter().map(ToString::to_string).collect();
        toml_list(list.iter().map(String::as_str))
    };
    let _ = write!(
        t,
        "\n[versions]\npatched = {}\nunaffected = {}\n```\n\n# {}\n\n{}\n",
        reqs(a.versions.patched()),
        reqs(a.versions.unaffected()),
        a.title,
        a.description
    );
    t
}

/// A TOML basic string.
fn toml_str(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    for c in value.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn toml_list<'a>(values: impl IntoIterator<Item = &'a str>) -> String {
    let items: Vec<String> = values.into_iter().map(toml_str).collect();
    format!("[{}]", items.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn toml_strings_escape_what_toml_requires() {
        for value in ["plain", "a \"quote\"", "back\\slash", "line\nbreak\ttab", "\u{1}\u{7f}\u{85}", "é 漢字 🦀"]
        {
            let text = format!("v = {}", toml_str(value));
            let table: toml::Table = toml::from_str(&text).unwrap_or_else(|e| panic!("{value:?}: {e}"));
            assert_eq!(table["v"].as_str(), Some(value), "{text}");
        }
    }
}
