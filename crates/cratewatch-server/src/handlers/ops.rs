//! Operations: `/healthz` and `/metrics`.

use std::sync::Arc;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::error::AppError;
use crate::state::{AppState, MetricsAccess};

/// The service's health.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct HealthView {
    /// `ok`, or `degraded` while the last sync failed or after a panic was caught (the last good
    /// snapshot is served meanwhile).
    status: &'static str,
    /// Why the service is degraded.
    reasons: Vec<String>,
    /// Advisories served.
    advisories: usize,
    /// Diagnostics of the last load (malformed advisory files).
    diagnostics: usize,
    /// The first diagnostics, as `path:line: code: message`.
    first_diagnostics: Vec<String>,
    /// Advisories served from an earlier, valid version of a file that is now malformed.
    stale_advisories: Vec<String>,
    /// Where the advisories come from.
    source: String,
    /// The commit served, for a git source.
    commit: Option<String>,
    /// The registry index.
    index: String,
    /// Ecosystem reach: `off` (the index is not loaded whole), `computing` (the reach routes answer
    /// 503 meanwhile), `ready` or `failed`.
    reach: &'static str,
    /// Registry resolutions built since the start (one per index: a sync of the advisories does not
    /// resolve again).
    reach_resolutions: u64,
    /// Exposures computed since the start (one more after each change of the served advisories).
    reach_exposures: u64,
    /// Snapshots loaded (the first one included).
    loads: u64,
    /// Syncs that failed.
    sync_failures: u64,
    /// Why the last sync failed, while it does.
    last_sync_error: Option<String>,
    /// Panics caught since the start.
    panics: u64,
    /// Seconds since the start.
    uptime_seconds: u64,
}

/// How many diagnostics `/healthz` lists.
const FIRST_DIAGNOSTICS: usize = 10;

/// Liveness and the state of the advisory snapshot.
#[utoipa::path(
    get,
    path = "/healthz",
    tag = "operations",
    responses((status = 200, description = "Health; `status` is `degraded` while the last sync failed or after a caught panic", body = HealthView))
)]
pub(crate) async fn get_healthz(State(state): State<Arc<AppState>>) -> Response {
    let k = state.knowledge();
    let sync = state.sync_status();
    let reasons = state.health().degraded();
    let (panics, _) = state.health().panics();
    let body = HealthView {
        status: if reasons.is_empty() { "ok" } else { "degraded" },
        reasons,
        advisories: k.entries().len(),
        diagnostics: k.diagnostics().len(),
        first_diagnostics: k
            .diagnostics()
            .iter()
            .take(FIRST_DIAGNOSTICS)
            .map(|d| match d.diagnostic.line {
                Some(line) => format!("{}:{line}: {}: {}", d.path, d.diagnostic.code, d.diagnostic.message),
                None => format!("{}: {}: {}", d.path, d.diagnostic.code, d.diagnostic.message),
            })
            .collect(),
        stale_advisories: k.stale().map(|e| e.advisory.id.as_str().to_owned()).collect(),
        source: k.provenance().source.clone(),
        commit: k.provenance().commit.clone(),
        index: state.index.describe(),
        reach: state.reach.status(),
        reach_resolutions: state.reach.computations().0,
        reach_exposures: state.reach.computations().1,
        loads: sync.loads,
        sync_failures: sync.failures,
        last_sync_error: sync.last_error,
        panics,
        uptime_seconds: state.started().elapsed().as_secs(),
    };
    ([(header::CACHE_CONTROL, "no-store")], axum::Json(body)).into_response()
}

/// Prometheus metrics: requests by route and status class, latency, cache, sync and diagnostics.
#[utoipa::path(
    get,
    path = "/metrics",
    tag = "operations",
    security((), ("bearerAuth" = [])),
    responses(
        (status = 200, description = "Prometheus text format", content_type = "text/plain", body = String),
        (status = 401, description = "The server protects its metrics with a token (`--metrics-token-file`) and none or another was given", body = crate::error::Envelope),
        (status = 404, description = "The server serves its metrics on a separate address (`--metrics-listen`)", body = crate::error::Envelope),
    )
)]
pub(crate) async fn get_metrics(State(state): State<Arc<AppState>>, headers: HeaderMap) -> Result<Response, AppError> {
    match &state.settings.metrics {
        MetricsAccess::Public => {}
        MetricsAccess::Hidden => {
            return Err(AppError::not_found("the metrics are served on a separate address"));
        }
        MetricsAccess::Token(token) => {
            let given = crate::auth::bearer(&headers);
            if !given.is_some_and(|g| crate::auth::same_secret(g, token)) {
                return Err(AppError::new(StatusCode::UNAUTHORIZED, "the metrics need `Authorization: Bearer TOKEN`")
                    .with_header(header::WWW_AUTHENTICATE, header::HeaderValue::from_static("Bearer")));
            }
        }
    }
    Ok(metrics_response(&state))
}

/// The metrics text, for the main listener and the separate metrics listener alike.
pub(crate) fn metrics_response(state: &AppState) -> Response {
    let k = state.knowledge();
    let text = state.metrics.render(&k, &state.sync_status(), state.health());
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8"), (header::CACHE_CONTROL, "no-store")], text)
        .into_response()
}
