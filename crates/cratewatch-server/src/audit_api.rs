//! `POST /api/v1/audit`: a `Cargo.lock` checked against the served knowledge base, the same advisories
//! the pages show, workflow publications included. The findings are `cratewatch audit`'s (the same
//! `cratewatch_audit::audit`), without a registry index (no yanked checks).

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use cratewatch_audit::{AuditSettings, Finding, Lockfile, audit};
use serde_json::{Value, json};

use crate::api::errors;
use crate::app::AppState;

/// Audits the lockfile in the body.
pub(crate) async fn audit_lockfile(State(state): State<Arc<AppState>>, body: Bytes) -> Response {
    let Ok(text) = std::str::from_utf8(&body) else {
        return (StatusCode::BAD_REQUEST, axum::Json(errors("the lockfile is not UTF-8"))).into_response();
    };
    let lockfile = match Lockfile::parse(text) {
        Ok(lockfile) => lockfile,
        Err(e) => {
            let detail = format!("invalid Cargo.lock: {e}");
            return (StatusCode::UNPROCESSABLE_ENTITY, axum::Json(errors(&detail))).into_response();
        }
    };
    let knowledge = state.knowledge();
    let today = crate::disclosure::advisory_date(jiff::Timestamp::now());
    let report = audit(&lockfile, knowledge.advisories(), &AuditSettings::new(today), None);
    let finding = |f: &Finding| {
        let package = &lockfile.packages[f.package];
        let advisory = f.advisory.as_deref();
        json!({
            "kind": f.warning.map_or("vulnerability", |w| w.as_str()),
            "advisory": advisory.map(|a| a.id.as_str()),
            "title": advisory.map(|a| a.title.as_str()),
            "package": package.name,
            "version": package.version.to_string(),
            "fix": f.fix.as_ref().map(|u| u.version.to_string()),
        })
    };
    let body: Value = json!({
        "dependencies": report.dependency_count,
        "vulnerabilities": report.vulnerabilities.iter().map(finding).collect::<Vec<_>>(),
        "warnings": report.warnings.iter().map(finding).collect::<Vec<_>>(),
    });
    axum::Json(body).into_response()
}
