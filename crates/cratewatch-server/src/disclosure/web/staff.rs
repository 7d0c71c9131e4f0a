//! Signing in and out, and the dashboard.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::IntoResponse;
use cratewatch_disclosure::{Deadline, Role};
use cratewatch_store::ReportRecord;
use maud::{Markup, html};

use super::{
    Form, Reply, Stop, Viewer, csrf_refused, enabled, layout, over_https, page, same_secret, see_other, session_cookie,
    session_id, signed_in, state_label, viewer, when, workflow_error,
};
use crate::disclosure::{Disclosure, Principal, WorkflowError, millis};
use crate::state::AppState;

/// How long a session lasts.
const SESSION_TTL_MS: i64 = 12 * 60 * 60 * 1000;

/// `GET /signin`: the sign-in form (or the dashboard for someone signed in already).
pub(crate) async fn get_signin(State(state): State<Arc<AppState>>, headers: HeaderMap) -> Reply {
    let disclosure = enabled(&state)?;
    if viewer(disclosure, &headers).await?.is_some() {
        return Ok(see_other("/disclosure"));
    }
    Ok(page(StatusCode::OK, signin_page("", None)))
}

fn signin_page(name: &str, error: Option<&str>) -> Markup {
    let body = html! {
        h1 { "Sign in" }
        p {
            "For the people who handle reports. Sign in with your user name and one of your API tokens "
            "(" code { "cratewatch user add" } " and " code { "cratewatch user token" } " print them). "
            "To report a vulnerability, use the " a href="/report" { "report form" } " instead."
        }
        @if let Some(error) = error { div.banner.bad role="alert" { (error) } }
        form.stack method="post" action="/signin" {
            label for="name" { "User name" }
            input #name type="text" name="name" value=(name) required autocomplete="username" autocapitalize="none";
            label for="token" { "API token" }
            input #token type="password" name="token" required autocomplete="current-password";
            div { button type="submit" { "Sign in" } }
        }
    };
    layout("Sign in", None, body)
}

/// `POST /signin`: checks that the token is one of the user's (active, not revoked), starts a
/// 12-hour session and sets its cookie.
pub(crate) async fn post_signin(State(state): State<Arc<AppState>>, request: Request) -> Reply {
    let disclosure = enabled(&state)?;
    let (parts, body) = request.into_parts();
    super::check_origin(&parts.headers, disclosure)?;
    let form = Form::read(body, state.max_body()).await?;
    let name = form.text("name").unwrap_or_default();
    let token = form.text("token").unwrap_or_default();
    let principal =
        if name.is_empty() || token.is_empty() { None } else { disclosure.principal_for_token(token).await? };
    let (user, role, scopes) = match principal {
        Some(Principal::User { user, role, scopes }) if user.name == name => (user, role, scopes),
        // The same answer whatever was wrong: the name, the token, or both.
        _ => {
            let error = "The user name and token do not match an active account.";
            return Ok(page(StatusCode::UNAUTHORIZED, signin_page(name, Some(error))));
        }
    };
    // A session may do everything its user may, so a narrower token must not open one.
    let scoped = |scope: &str| scopes.as_ref().is_none_or(|s| s.iter().any(|have| have == scope));
    if !(scoped("read") && scoped("write")) {
        let error = "This token is limited (it lacks the read or write scope). Sign in with a token that has both.";
        return Ok(page(StatusCode::FORBIDDEN, signin_page(name, Some(error))));
    }
    if role == Role::Reporter {
        let error = "Reporter accounts follow their reports through the secret link given when reporting.";
        return Ok(page(StatusCode::FORBIDDEN, signin_page(name, Some(error))));
    }
    let now = millis(disclosure.now());
    let store = disclosure.store();
    if let Err(e) = store.delete_expired_sessions(now).await {
        tracing::warn!(error = %e, "cannot delete expired sessions");
    }
    let (session, _) = store.create_session(user.id, now, SESSION_TTL_MS).await.map_err(WorkflowError::from)?;
    tracing::info!(user = %user.name, "signed in");
    let mut response = see_other("/disclosure");
    let cookie = session_cookie(&session, SESSION_TTL_MS / 1000, over_https(&parts.headers));
    response.headers_mut().insert(header::SET_COOKIE, cookie);
    Ok(response)
}

/// `POST /signout`: ends the session and removes its cookie.
pub(crate) async fn post_signout(State(state): State<Arc<AppState>>, request: Request) -> Reply {
    let disclosure = enabled(&state)?;
    let (parts, body) = request.into_parts();
    let secure = over_https(&parts.headers);
    let signed_out = || {
        let mut response = see_other("/signin");
        response.headers_mut().insert(header::SET_COOKIE, session_cookie("", 0, secure));
        response
    };
    let Some(viewer) = viewer(disclosure, &parts.headers).await? else { return Ok(signed_out()) };
    super::check_origin(&parts.headers, disclosure)?;
    let form = Form::read(body, state.max_body()).await?;
    if !form.get("csrf").is_some_and(|csrf| same_secret(csrf, &viewer.csrf)) {
        return Err(csrf_refused(Some(&viewer)));
    }
    if let Some(id) = session_id(&parts.headers) {
        disclosure.store().delete_session(id).await.map_err(WorkflowError::from)?;
    }
    Ok(signed_out())
}

/// `GET /disclosure`: the reports the user may see and what is due on them.
pub(crate) async fn get_dashboard(State(state): State<Arc<AppState>>, headers: HeaderMap) -> Reply {
    let disclosure = enabled(&state)?;
    let viewer = signed_in(disclosure, &headers).await?;
    let fail = |e| Stop::new(workflow_error(&e, Some(&viewer)));
    let reports = disclosure.list(&viewer.principal).await.map_err(fail)?;
    let due = disclosure.due(&viewer.principal).await.map_err(fail)?;
    let users = user_names(disclosure).await.map_err(fail)?;
    Ok(page(StatusCode::OK, dashboard(&viewer, &reports, &due, &users)).into_response())
}

/// Every user's name by id, to show handlers.
pub(super) async fn user_names(disclosure: &Disclosure) -> Result<HashMap<i64, String>, WorkflowError> {
    Ok(disclosure.store().list_users().await?.into_iter().map(|u| (u.id, u.name)).collect())
}

fn dashboard(
    viewer: &Viewer,
    reports: &[ReportRecord],
    due: &[(ReportRecord, Deadline)],
    users: &HashMap<i64, String>,
) -> Markup {
    let overdue = due.iter().filter(|(_, d)| d.overdue).count();
    let scope = match viewer.role {
        Role::Responder => "The reports assigned to you",
        _ => "Every report",
    };
    let body = html! {
        h1 { "Disclosure dashboard" }
        h2 #deadlines { "Deadlines (" (due.len()) ")" }
        @if due.is_empty() {
            p.muted { "Nothing is due." }
        } @else {
            @if overdue > 0 {
                div.banner.bad role="alert" {
                    strong { (overdue) " overdue." } " The scheduler escalates overdue deadlines to the coordinators."
                }
            }
            table.deadlines {
                thead { tr { th scope="col" { "Due" } th scope="col" { "Report" } th scope="col" { "What" } th scope="col" { "State" } } }
                tbody {
                    @for (report, deadline) in due {
                        tr class=[deadline.overdue.then_some("overdue")] {
                            td {
                                (when(millis(deadline.due_at)))
                                @if deadline.overdue { " " span.label.overdue { "overdue" } }
                            }
                            td { a href={ "/disclosure/reports/" (report.id) } { "#" (report.id) " " (report.title) } }
                            td { (deadline.kind.describe()) }
                            td { (state_label(&report.state)) }
                        }
                    }
                }
            }
        }
        h2 #reports { "Reports (" (reports.len()) ")" }
        p.muted { (scope) ", newest first." }
        @if reports.is_empty() {
            p.muted { "No reports." }
        } @else {
            table.reports {
                thead {
                    tr {
                        th scope="col" { "#" } th scope="col" { "Title" } th scope="col" { "Crate" }
                        th scope="col" { "State" } th scope="col" { "RUSTSEC id" } th scope="col" { "Handler" }
                        th scope="col" { "Received" }
                    }
                }
                tbody {
                    @for report in reports {
                        tr {
                            td { (report.id) }
                            td { a href={ "/disclosure/reports/" (report.id) } { (report.title) } }
                            td { @if !report.crate_name.is_empty() { code { (report.crate_name) } } }
                            td { (state_label(&report.state)) }
                            td { @if let Some(id) = &report.rustsec_id { (id) } @else { span.muted { "—" } } }
                            td {
                                @match report.handler_user_id {
                                    Some(h) => (users.get(&h).cloned().unwrap_or_else(|| format!("user {h}"))),
                                    None => span.muted { "—" },
                                }
                            }
                            td { (when(report.received_at)) }
                        }
                    }
                }
            }
        }
    };
    layout("Dashboard", Some(viewer), body)
}
