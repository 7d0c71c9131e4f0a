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
    Form, Reply, Stop, Viewer, csrf_refused, enabled, layout, page, same_secret, secure_cookies, see_other,
    session_cookie, session_id, signed_in, state_label, viewer, when, workflow_error,
};
use crate::disclosure::{Disclosure, WorkflowError, millis};
use crate::state::AppState;

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

/// `POST /signin`: checks that the token is one of the user's (active, not revoked, with both
/// scopes), starts a 12-hour session and sets its cookie.
pub(crate) async fn post_signin(State(state): State<Arc<AppState>>, request: Request) -> Reply {
    let disclosure = enabled(&state)?;
    let (parts, body) = request.into_parts();
    super::check_origin(&parts.headers, disclosure)?;
    let form = Form::read(body, state.max_body()).await?;
    let name = form.text("name").unwrap_or_default();
    let token = form.text("token").unwrap_or_default();
    let session = match disclosure.sign_in(name, token).await {
        Ok(session) => session,
        // The same answer whatever was wrong: the name, the token, or both.
        Err(WorkflowError::Unauthorized(_)) => {
            let error = "The user name and token do not match an active account.";
            return Ok(page(StatusCode::UNAUTHORIZED, signin_page(name, Some(error))));
        }
        Err(WorkflowError::Forbidden(reason)) => {
            let error = format!("{}.", capitalized(&reason));
            return Ok(page(StatusCode::FORBIDDEN, signin_page(name, Some(&error))));
        }
        Err(e) => return Err(e.into()),
    };
    let mut response = see_other("/disclosure");
    let cookie = session_cookie(&session.id, session.ttl.as_secs(), secure_cookies(&parts.headers, disclosure));
    response.headers_mut().insert(header::SET_COOKIE, cookie);
    Ok(response)
}

/// `text` with its first letter in upper case, for a sentence made of a service message.
fn capitalized(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map(|first| first.to_uppercase().chain(chars).collect()).unwrap_or_default()
}

/// `POST /signout`: ends the session and removes its cookie.
pub(crate) async fn post_signout(State(state): State<Arc<AppState>>, request: Request) -> Reply {
    let disclosure = enabled(&state)?;
    let (parts, body) = request.into_parts();
    let secure = secure_cookies(&parts.headers, disclosure);
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
        disclosure.sign_out(&id).await?;
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
    Ok(disclosure.users().await?.into_iter().map(|u| (u.id, u.name)).collect())
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
