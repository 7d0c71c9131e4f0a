//! `POST /api/v1/audit`: a `Cargo.lock` checked against the served knowledge base, the same advisories
//! the pages show, workflow publications included. The findings are `cratewatch audit`'s (the same
//! `cratewatch_audit::audit`), without a registry index (no yanked checks).

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use cratewatch_audit::{AuditSettings, Finding, Lockfile, audit};
use serde::Serialize;

use crate::error::AppError;
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
