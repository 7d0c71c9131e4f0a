//! The workflow's JSON API (`/api/v1/reports...`): submissions from anyone (rate-limited), everything
//! else with an `Authorization: Bearer` token, either a user's API token or a reporter's secret.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use cratewatch_disclosure::{Deadline, check_draft};
use cratewatch_store::ReportRecord;
use serde_json::{Value, json};

use super::input::parse_action;
use cratewatch_workflow::{Principal, ReportView, Submission};

use super::{Disclosure, WorkflowError};
use crate::error::AppError;
use crate::state::AppState;

impl From<WorkflowError> for AppError {
    fn from(e: WorkflowError) -> AppError {
        let status = match &e {
            WorkflowError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            WorkflowError::NotFound(_) => StatusCode::NOT_FOUND,
            WorkflowError::Forbidden(_) => StatusCode::FORBIDDEN,
            WorkflowError::Conflict(_) => StatusCode::CONFLICT,
            WorkflowError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            e => {
                tracing::error!(detail = %e, "disclosure store failure");
                return AppError::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "the disclosure store failed; see the server log",
                );
            }
        };
        let error = AppError::new(status, e.to_string());
        match status {
            StatusCode::UNAUTHORIZED => {
                error.with_header(header::WWW_AUTHENTICATE, header::HeaderValue::from_static("Bearer"))
            }
            _ => error,
        }
    }
}

fn enabled(state: &AppState) -> Result<&Arc<Disclosure>, AppError> {
    state
        .disclosure()
        .ok_or_else(|| AppError::new(StatusCode::NOT_FOUND, "the disclosure workflow is not enabled on this server"))
}

/// The caller, from `Authorization: Bearer TOKEN`.
async fn principal(disclosure: &Disclosure, headers: &HeaderMap) -> Result<Principal, AppError> {
    let unauthorized = |detail: &str| {
        AppError::new(StatusCode::UNAUTHORIZED, detail)
            .with_header(header::WWW_AUTHENTICATE, header::HeaderValue::from_static("Bearer"))
    };
    if !headers.contains_key(header::AUTHORIZATION) {
        return Err(unauthorized("an `Authorization: Bearer` token is required"));
    }
    let token = crate::auth::bearer(headers)
        .ok_or_else(|| unauthorized("the `Authorization` header must be `Bearer TOKEN`"))?;
    disclosure
        .principal_for_token(token)
        .await?
        .ok_or_else(|| unauthorized("the token is not valid (unknown, revoked, or its user is disabled)"))
}

/// Whether the request's `Content-Type` is `application/json` (any case, any parameters).
fn is_json(headers: &HeaderMap) -> bool {
    let Some(value) = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()) else { return false };
    value.split(';').next().is_some_and(|essence| essence.trim().eq_ignore_ascii_case("application/json"))
}

fn json_body(body: &Bytes) -> Result<serde_json::Map<String, Value>, AppError> {
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(AppError::new(StatusCode::BAD_REQUEST, "the body must be a JSON object")),
        Err(e) => Err(AppError::new(StatusCode::BAD_REQUEST, format!("the body is not valid JSON: {e}"))),
    }
}

fn report_id(id: &str) -> Result<i64, AppError> {
    id.parse().map_err(|_| AppError::new(StatusCode::NOT_FOUND, format!("no report {id}")))
}

/// A JSON field as text, whatever its JSON type (so that forms and JSON share one parser).
fn field(map: &serde_json::Map<String, Value>, name: &str) -> Option<String> {
    match map.get(name)? {
        Value::String(s) => Some(s.clone()),
        Value::Null => None,
        other => Some(other.to_string()),
    }
}

/// `POST /api/v1/reports`: a new private report. Anyone may submit; at most 5 per hour per address.
///
/// Only as JSON (415 otherwise) and not from a page of another site (403): HTML forms and `fetch`
/// without a CORS preflight can send `text/plain` to any site, but never `application/json`, and
/// browsers name the sending page's site in `Origin`. Otherwise any web page could make its visitors'
/// browsers file reports (and use up their addresses' limit). Both are checked before the limit
/// counts the request.
#[utoipa::path(
    post,
    path = "/api/v1/reports",
    tag = "disclosure",
    request_body(content = crate::openapi::Submission, content_type = "application/json"),
    responses(
        (status = 201, description = "The report was recorded in state `received`", body = crate::openapi::SubmissionReceipt, headers(("Cache-Control" = String, description = "`no-store`: private data, never kept by browsers or proxies"))),
        (status = 400, description = "The body is not a JSON object", body = crate::error::Envelope),
        (status = 403, description = "The request comes from another site's page (a foreign `Origin`)", body = crate::error::Envelope),
        (status = 404, description = "The disclosure workflow is not enabled on this server", body = crate::error::Envelope),
        (status = 413, description = "The report is too large", body = crate::error::Envelope),
        (status = 415, description = "The body is not `application/json`", body = crate::error::Envelope),
        (status = 422, description = "An invalid submission: `title` not 1 to 200 characters or with control characters, `description` empty or over 64 KiB, `crate` or `reporter_name` too long or with control characters, `reporter_email` not an email address", body = crate::error::Envelope),
        (status = 429, description = "Too many reports from this address", body = crate::error::Envelope, headers(("Retry-After" = u64, description = "Seconds until this address may report again"))),
        (status = 500, description = "The disclosure store failed (the detail is in the server log)", body = crate::error::Envelope),
    )
)]
pub(crate) async fn post_report(State(state): State<Arc<AppState>>, request: Request) -> Result<Response, AppError> {
    let disclosure = enabled(&state)?;
    if !is_json(request.headers()) {
        return Err(AppError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "a report must be sent as `Content-Type: application/json`",
        ));
    }
    if !crate::disclosure::web::same_site_origin(request.headers(), &disclosure.config().base_url) {
        return Err(AppError::new(
            StatusCode::FORBIDDEN,
            "reports cannot be sent from a page of another site: its `Origin` is not this site",
        ));
    }
    let client = crate::disclosure::input::client_ip(&request, state.trusted_proxies());
    if let Err(wait) = state.report_limiter.check(client) {
        return Err(AppError::new(
            StatusCode::TOO_MANY_REQUESTS,
            format!("too many reports from this address; retry in {wait} s"),
        )
        .with_header(header::RETRY_AFTER, header::HeaderValue::from(wait)));
    }
    let body = axum::body::to_bytes(request.into_body(), state.max_body())
        .await
        .map_err(|_| AppError::new(StatusCode::PAYLOAD_TOO_LARGE, "the report is too large"))?;
    let map = json_body(&body)?;
    let submission = Submission {
        title: field(&map, "title").unwrap_or_default(),
        description: field(&map, "description").unwrap_or_default(),
        crate_name: field(&map, "crate").unwrap_or_default(),
        reporter_name: field(&map, "reporter_name"),
        reporter_email: field(&map, "reporter_email"),
    };
    let (record, token) = disclosure.submit(submission).await?;
    let body = json!({
        "id": record.id,
        "state": record.state,
        "reporter_token": token,
        "note": "Keep this token: it is shown once and is the only way to follow the report. Send it as \
                 `Authorization: Bearer TOKEN` to /api/v1/reports/{id}, or open /report/TOKEN.",
    });
    Ok((StatusCode::CREATED, axum::Json(body)).into_response())
}

/// `GET /api/v1/reports`: the reports the caller may see, newest first.
#[utoipa::path(
    get,
    path = "/api/v1/reports",
    tag = "disclosure",
    security(("bearerAuth" = [])),
    responses(
        (status = 200, description = "The reports the caller may see, newest first: every report for coordinators and admins, the assigned ones for a responder, their own for a reporter (without the staff's fields)", body = crate::openapi::ReportList, headers(("Cache-Control" = String, description = "`no-store`: private data, never kept by browsers or proxies"))),
        (status = 401, description = "No `Authorization: Bearer` token (the scheme in any case), a malformed header, or a token that is unknown, revoked or whose user is disabled", body = crate::error::Envelope, headers(("WWW-Authenticate" = String, description = "`Bearer`"))),
        (status = 403, description = "The token lacks the `read` scope", body = crate::error::Envelope),
        (status = 404, description = "The disclosure workflow is not enabled on this server", body = crate::error::Envelope),
        (status = 500, description = "The disclosure store failed (the detail is in the server log)", body = crate::error::Envelope),
    )
)]
pub(crate) async fn get_reports(State(state): State<Arc<AppState>>, headers: HeaderMap) -> Result<Response, AppError> {
    let disclosure = enabled(&state)?;
    let principal = principal(disclosure, &headers).await?;
    let reports = disclosure.list(&principal).await?;
    let staff = matches!(principal, Principal::User { .. });
    Ok(axum::Json(json!({ "reports": reports.iter().map(|r| report_json(r, staff)).collect::<Vec<_>>() }))
        .into_response())
}

/// `GET /api/v1/reports/{id}`: one report with its timeline, messages and deadlines.
#[utoipa::path(
    get,
    path = "/api/v1/reports/{id}",
    tag = "disclosure",
    security(("bearerAuth" = [])),
    params(("id" = i64, Path, description = "The report's id. Anything that is not an integer answers 404.")),
    responses(
        (status = 200, description = "The report as the caller sees it: its timeline (audit log), messages, current deadlines and (staff only) queued notifications", body = crate::openapi::ReportView, headers(("Cache-Control" = String, description = "`no-store`: private data, never kept by browsers or proxies"))),
        (status = 401, description = "No `Authorization: Bearer` token (the scheme in any case), a malformed header, or a token that is unknown, revoked or whose user is disabled", body = crate::error::Envelope, headers(("WWW-Authenticate" = String, description = "`Bearer`"))),
        (status = 403, description = "The token lacks the `read` scope", body = crate::error::Envelope),
        (status = 404, description = "No such report, one the caller may not see (answered like an unknown id, so that ids do not leak), or the workflow is not enabled", body = crate::error::Envelope),
        (status = 500, description = "The disclosure store failed (the detail is in the server log)", body = crate::error::Envelope),
    )
)]
pub(crate) async fn get_report(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let disclosure = enabled(&state)?;
    let principal = principal(disclosure, &headers).await?;
    let view = disclosure.view(&principal, report_id(&id)?).await?;
    Ok(axum::Json(view_json(&view, matches!(principal, Principal::User { .. }))).into_response())
}

/// `POST /api/v1/reports/{id}/actions`: one step, `{"action": "acknowledge", ...}`, optionally with
/// `"expected_version"` (the `row_version` the caller last saw).
#[utoipa::path(
    post,
    path = "/api/v1/reports/{id}/actions",
    tag = "disclosure",
    security(("bearerAuth" = [])),
    params(("id" = i64, Path, description = "The report's id. Anything that is not an integer answers 404.")),
    request_body(content = crate::openapi::Action, content_type = "application/json"),
    responses(
        (status = 200, description = "The report after the step (without the staff's fields for a reporter)", body = crate::openapi::Report, headers(("Cache-Control" = String, description = "`no-store`: private data, never kept by browsers or proxies"))),
        (status = 400, description = "A malformed request: the body is not a JSON object, `action` is missing or unknown, a required field is missing or empty, a field has the wrong type or value (an unknown `reason` or checklist `item`, an `until` that is not RFC 3339), or `expected_version` is not an integer", body = crate::error::Envelope),
        (status = 401, description = "No `Authorization: Bearer` token (the scheme in any case), a malformed header, or a token that is unknown, revoked or whose user is disabled", body = crate::error::Envelope, headers(("WWW-Authenticate" = String, description = "`Bearer`"))),
        (status = 403, description = "The caller's role may not take this step on this report (a responder naming someone else in `start_fix` included), or the token lacks the `write` scope", body = crate::error::Envelope),
        (status = 404, description = "No such report, one the caller may not see, or the workflow is not enabled", body = crate::error::Envelope),
        (status = 409, description = "The step is not possible in the report's state, or the report changed since `expected_version`", body = crate::error::Envelope),
        (status = 422, description = "The step's input is invalid: a draft advisory with errors (or without the report's RustSec id), an embargo end not in the future or under 72 hours for a responder, `start_fix` without both confirmations, a handler or duplicate that does not exist", body = crate::error::Envelope),
        (status = 500, description = "The disclosure store failed (the detail is in the server log)", body = crate::error::Envelope),
    )
)]
pub(crate) async fn post_report_action(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, AppError> {
    let disclosure = enabled(&state)?;
    let principal = principal(disclosure, &headers).await?;
    let id = report_id(&id)?;
    let map = json_body(&body)?;
    let name = field(&map, "action").ok_or_else(|| AppError::new(StatusCode::BAD_REQUEST, "`action` is required"))?;
    let from_reporter = matches!(principal, Principal::Reporter { .. });
    let action = parse_action(&name, &|f| field(&map, f), from_reporter)
        .map_err(|detail| AppError::new(StatusCode::BAD_REQUEST, detail))?;
    let expected = match map.get("expected_version") {
        None | Some(Value::Null) => None,
        Some(v) => Some(
            v.as_i64()
                .ok_or_else(|| AppError::new(StatusCode::BAD_REQUEST, "`expected_version` must be an integer"))?,
        ),
    };
    let record = disclosure.act(&principal, id, action, expected).await?;
    if matches!(record.state.as_str(), "published" | "withdrawn") {
        state.refresh_published().await?;
    }
    Ok(axum::Json(report_json(&record, matches!(principal, Principal::User { .. }))).into_response())
}

/// `GET /api/v1/deadlines`: what is due and overdue on the reports the caller may see.
#[utoipa::path(
    get,
    path = "/api/v1/deadlines",
    tag = "disclosure",
    security(("bearerAuth" = [])),
    responses(
        (status = 200, description = "The policy's deadlines (acknowledgement, detailed response, reporter update, pre-notification, publication) on the open reports the caller may see, due and overdue, earliest first", body = crate::openapi::DeadlineList, headers(("Cache-Control" = String, description = "`no-store`: private data, never kept by browsers or proxies"))),
        (status = 401, description = "No `Authorization: Bearer` token (the scheme in any case), a malformed header, or a token that is unknown, revoked or whose user is disabled", body = crate::error::Envelope, headers(("WWW-Authenticate" = String, description = "`Bearer`"))),
        (status = 403, description = "The token lacks the `read` scope", body = crate::error::Envelope),
        (status = 404, description = "The disclosure workflow is not enabled on this server", body = crate::error::Envelope),
        (status = 500, description = "The disclosure store failed (the detail is in the server log)", body = crate::error::Envelope),
    )
)]
pub(crate) async fn get_deadlines(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let disclosure = enabled(&state)?;
    let principal = principal(disclosure, &headers).await?;
    let items: Vec<Value> = disclosure
        .due(&principal)
        .await?
        .iter()
        .map(|(r, d)| json!({ "report": r.id, "title": r.title, "state": r.state, "deadline": deadline_json(d) }))
        .collect();
    Ok(axum::Json(json!({ "now": disclosure.now().to_string(), "deadlines": items })).into_response())
}

/// `POST /api/v1/drafts/check`: the live check of a draft advisory, `{"text": "..."}`: the same
/// diagnostics as `cratewatch db check`, and the CVSS score when there is a vector.
#[utoipa::path(
    post,
    path = "/api/v1/drafts/check",
    tag = "disclosure",
    security(("bearerAuth" = [])),
    request_body(content = crate::openapi::DraftText, content_type = "application/json"),
    responses(
        (status = 200, description = "The diagnostics `cratewatch db check` reports for the text, and the CVSS score when the draft has a vector", body = crate::openapi::DraftCheck, headers(("Cache-Control" = String, description = "`no-store`: private data, never kept by browsers or proxies"))),
        (status = 400, description = "The body is not a JSON object, or `text` is missing", body = crate::error::Envelope),
        (status = 401, description = "No `Authorization: Bearer` token (the scheme in any case), a malformed header, or a token that is unknown, revoked or whose user is disabled", body = crate::error::Envelope, headers(("WWW-Authenticate" = String, description = "`Bearer`"))),
        (status = 403, description = "Reporters cannot check drafts", body = crate::error::Envelope),
        (status = 404, description = "The disclosure workflow is not enabled on this server", body = crate::error::Envelope),
        (status = 500, description = "The disclosure store failed (the detail is in the server log)", body = crate::error::Envelope),
    )
)]
pub(crate) async fn post_draft_check(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, AppError> {
    let disclosure = enabled(&state)?;
    if let Principal::Reporter { .. } = principal(disclosure, &headers).await? {
        return Err(AppError::new(StatusCode::FORBIDDEN, "reporters cannot check drafts"));
    }
    let map = json_body(&body)?;
    let text = field(&map, "text").ok_or_else(|| AppError::new(StatusCode::BAD_REQUEST, "`text` is required"))?;
    Ok(axum::Json(draft_check_json(&text)).into_response())
}

/// `GET /api/v1/reports/{id}/advisory.md`: the draft as a RustSec file, ready to submit to the
/// public database (staff only).
#[utoipa::path(
    get,
    path = "/api/v1/reports/{id}/advisory.md",
    tag = "disclosure",
    security(("bearerAuth" = [])),
    params(("id" = i64, Path, description = "The report's id. Anything that is not an integer answers 404.")),
    responses(
        (status = 200, description = "The report's draft advisory as a RustSec file (TOML front matter and Markdown), ready to submit to the public database", content_type = "text/markdown", body = String, headers(("Cache-Control" = String, description = "`no-store`: private data, never kept by browsers or proxies"))),
        (status = 401, description = "No `Authorization: Bearer` token (the scheme in any case), a malformed header, or a token that is unknown, revoked or whose user is disabled", body = crate::error::Envelope, headers(("WWW-Authenticate" = String, description = "`Bearer`"))),
        (status = 403, description = "Reporters cannot export drafts, or the token lacks the `read` scope", body = crate::error::Envelope),
        (status = 404, description = "No such report, one the caller may not see, a report without a draft yet, or the workflow is not enabled", body = crate::error::Envelope),
        (status = 500, description = "The disclosure store failed (the detail is in the server log)", body = crate::error::Envelope),
    )
)]
pub(crate) async fn get_report_advisory(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let record = exported(&state, &headers, &id).await?;
    match record.draft {
        Some(draft) => Ok(([(header::CONTENT_TYPE, "text/markdown; charset=utf-8")], draft).into_response()),
        None => Err(AppError::new(StatusCode::NOT_FOUND, format!("report {id} has no draft advisory yet"))),
    }
}

/// The report whose draft a staff member exports.
async fn exported(state: &AppState, headers: &HeaderMap, id: &str) -> Result<ReportRecord, AppError> {
    let disclosure = enabled(state)?;
    let principal = principal(disclosure, headers).await?;
    if let Principal::Reporter { .. } = principal {
        return Err(AppError::new(StatusCode::FORBIDDEN, "reporters cannot export drafts"));
    }
    Ok(disclosure.view(&principal, report_id(id)?).await?.record)
}

/// The draft check as JSON.
pub(crate) fn draft_check_json(text: &str) -> Value {
    let check = check_draft(text);
    json!({
        "valid": !check.has_errors(),
        "id": check.id,
        "package": check.package,
        "title": check.title,
        "cvss": check.cvss.as_ref().map(|c| json!({
            "vector": c.vector, "version": match c.version {
                cratewatch_advisory::CvssVersion::V2 => "2.0",
                cratewatch_advisory::CvssVersion::V30 => "3.0",
                cratewatch_advisory::CvssVersion::V31 => "3.1",
                _ => "4.0",
            }, "score": c.score, "severity": c.severity.to_string(),
        })),
        "diagnostics": check.diagnostics.iter().map(|d| json!({
            "severity": d.severity.as_str(), "code": d.code.to_string(), "line": d.line, "message": d.message,
        })).collect::<Vec<_>>(),
    })
}

/// `GET /api/v1/reports/{id}/osv.json`: the draft as the OSV record `osv export` would write for it
/// (staff only), its `modified` time the report's last change.
#[utoipa::path(
    get,
    path = "/api/v1/reports/{id}/osv.json",
    tag = "disclosure",
    security(("bearerAuth" = [])),
    params(("id" = i64, Path, description = "The report's id. Anything that is not an integer answers 404.")),
    responses(
        (status = 200, description = "The draft advisory as the OSV record `osv export` would write for it, its `modified` time the report's last change", body = crate::openapi::OsvRecord, headers(("Cache-Control" = String, description = "`no-store`: private data, never kept by browsers or proxies"))),
        (status = 401, description = "No `Authorization: Bearer` token (the scheme in any case), a malformed header, or a token that is unknown, revoked or whose user is disabled", body = crate::error::Envelope, headers(("WWW-Authenticate" = String, description = "`Bearer`"))),
        (status = 403, description = "Reporters cannot export drafts, or the token lacks the `read` scope", body = crate::error::Envelope),
        (status = 404, description = "No such report, one the caller may not see, a report without a valid draft advisory, or the workflow is not enabled", body = crate::error::Envelope),
        (status = 500, description = "The disclosure store failed (the detail is in the server log)", body = crate::error::Envelope),
    )
)]
pub(crate) async fn get_report_osv(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let record = exported(&state, &headers, &id).await?;
    let entry = super::draft_entry(&record).ok_or_else(|| {
        AppError::new(StatusCode::NOT_FOUND, format!("report {id} has no valid draft advisory to export"))
    })?;
    let record = entry.osv.as_deref().unwrap_or("{}");
    Ok(([(header::CONTENT_TYPE, "application/json")], record.to_owned()).into_response())
}

fn deadline_json(d: &Deadline) -> Value {
    json!({ "kind": d.kind.as_str(), "due_at": d.due_at.to_string(), "overdue": d.overdue })
}

fn ms(t: Option<i64>) -> Value {
    t.map_or(Value::Null, |t| Value::String(super::time(t).to_string()))
}

/// A report as JSON; the reporter's view leaves out the staff's working fields.
fn report_json(r: &ReportRecord, staff: bool) -> Value {
    let mut v = json!({
        "id": r.id,
        "title": r.title,
        "description": r.description,
        "crate": r.crate_name,
        "state": r.state,
        "received_at": ms(Some(r.received_at)),
        "acknowledged_at": ms(r.acknowledged_at),
        "responded_at": ms(r.responded_at),
        "rustsec_id": r.rustsec_id,
        "cve": r.cve,
        "embargo_until": ms(r.embargo_until),
        "published_at": ms(r.published_at),
        "withdrawn_at": ms(r.withdrawn_at),
        "reject_reason": r.reject_reason,
        "reject_detail": r.reject_detail,
        "duplicate_of": r.duplicate_of,
        "row_version": r.row_version,
    });
    if staff {
        let extra = json!({
            "reporter_name": r.reporter_name,
            "reporter_email": r.reporter_email,
            "handler": r.handler_user_id,
            "affected_versions_confirmed": r.affected_versions_confirmed,
            "similar_code_audited": r.similar_code_audited,
            "draft": r.draft,
            "prenotified_at": ms(r.prenotified_at),
            "last_reporter_update_at": ms(r.last_reporter_update_at),
            "checklist": r.checklist,
            "updated_at": ms(Some(r.updated_at)),
        });
        if let (Value::Object(v), Value::Object(extra)) = (&mut v, extra) {
            v.extend(extra);
        }
    }
    v
}

fn view_json(view: &ReportView, staff: bool) -> Value {
    json!({
        "report": report_json(&view.record, staff),
        // The reporter sees the state changes only: not who took them, nor the staff's notes.
        "timeline": view.events.iter().filter(|e| staff || e.seq == 1 || e.from_state != e.to_state).map(|e| {
            if staff {
                json!({
                    "seq": e.seq, "at": ms(Some(e.at)), "actor": e.actor_label, "action": e.action,
                    "summary": e.summary, "from_state": e.from_state, "to_state": e.to_state, "detail": e.detail,
                })
            } else {
                json!({ "at": ms(Some(e.at)), "action": e.action, "from_state": e.from_state, "to_state": e.to_state })
            }
        }).collect::<Vec<_>>(),
        // The reporter is not told which staff member wrote.
        "messages": view.messages.iter().map(|m| json!({
            "at": ms(Some(m.at)), "from_reporter": m.from_reporter,
            "author": if staff || m.from_reporter { m.author_label.as_str() } else { "Security team" },
            "body": m.body,
        })).collect::<Vec<_>>(),
        "deadlines": view.deadlines.iter().map(deadline_json).collect::<Vec<_>>(),
        "notifications": view.notifications.iter().map(|n| json!({
            "kind": n.kind, "recipient": n.recipient, "subject": n.subject, "attempts": n.attempts,
            "sent_at": ms(n.sent_at), "last_error": n.last_error,
        })).collect::<Vec<_>>(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_is_recognised_by_its_media_type() {
        let with = |value: &'static str| {
            let mut headers = HeaderMap::new();
            headers.insert(header::CONTENT_TYPE, header::HeaderValue::from_static(value));
            is_json(&headers)
        };
        assert!(with("application/json"));
        assert!(with("Application/JSON; charset=utf-8"));
        assert!(!with("text/plain"));
        assert!(!with("application/x-www-form-urlencoded"));
        assert!(!with("application/jsonx"));
        assert!(!is_json(&HeaderMap::new()));
    }
}
