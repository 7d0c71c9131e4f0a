//! The reporter's side: the public report form, and the page behind the secret link where a reporter
//! follows their report and writes to the security team. A reporter has no session: the link's token
//! is their key, and their forms carry a CSRF field derived from it.

use std::sync::Arc;

use axum::extract::{Path, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use cratewatch_disclosure::{Action, State as ReportState};
use maud::{Markup, PreEscaped, html};
use sha2::{Digest, Sha256};

use super::{
    Form, Reply, Stop, check_origin, enabled, error_page, layout, over_https, page, same_secret, see_other,
    state_label, when, workflow_error,
};
use crate::disclosure::{Disclosure, WorkflowError};
use crate::state::AppState;
use cratewatch_workflow::{Principal, ReportView, Submission};

/// `GET /report`: the form.
pub(crate) async fn get_report_form(State(state): State<Arc<AppState>>) -> Reply {
    enabled(&state)?;
    Ok(page(StatusCode::OK, report_form(&Fields::default(), None)))
}

/// What the reporter typed, to show again when the form is refused.
#[derive(Default)]
struct Fields {
    title: String,
    crate_name: String,
    description: String,
    reporter_name: String,
    reporter_email: String,
}

fn report_form(fields: &Fields, error: Option<&str>) -> Markup {
    let body = html! {
        h1 { "Report a vulnerability" }
        p {
            "Found a security problem in a crate? Tell us privately here. Only the security team sees the "
            "report. We acknowledge it within 24 hours, give a detailed response within 48 hours, and keep you "
            "informed at least every five days until the advisory is published."
        }
        p.muted { "Please do not open a public issue or pull request about the problem until it is disclosed." }
        @if let Some(error) = error { div.banner.bad role="alert" { (error) } }
        form.stack method="post" action="/report" {
            label for="title" { "Title " span.muted { "(one line)" } }
            input #title type="text" name="title" value=(fields.title) maxlength="200" required;
            label for="crate" { "Crate " span.muted { "(if you know it)" } }
            input #crate type="text" name="crate" value=(fields.crate_name) maxlength="64" autocapitalize="none";
            label for="description" { "What did you find? " span.muted { "(Markdown: affected versions, how to reproduce, impact)" } }
            textarea #description name="description" rows="12" required { (fields.description) }
            label for="reporter_name" { "Your name " span.muted { "(optional, for the credit)" } }
            input #reporter_name type="text" name="reporter_name" value=(fields.reporter_name) autocomplete="name";
            label for="reporter_email" { "Your email address " span.muted { "(optional, for updates)" } }
            input #reporter_email type="email" name="reporter_email" value=(fields.reporter_email) autocomplete="email";
            div { button type="submit" { "Send the report" } }
        }
    };
    layout("Report a vulnerability", None, body)
}

/// `POST /report`: a new report. At most 5 per hour from one address.
pub(crate) async fn post_report_form(State(state): State<Arc<AppState>>, request: Request) -> Reply {
    let disclosure = enabled(&state)?;
    let client = crate::disclosure::input::client_ip(&request, state.trusted_proxies());
    let (parts, body) = request.into_parts();
    check_origin(&parts.headers, disclosure)?;
    if let Err(wait) = state.report_limiter.check(client) {
        let minutes = wait.div_ceil(60);
        let detail = format!(
            "Too many reports were sent from your address in the last hour. Please try again in {minutes} \
             minute{}.",
            if minutes == 1 { "" } else { "s" }
        );
        let mut response = error_page(StatusCode::TOO_MANY_REQUESTS, "Too many reports", &detail, None);
        response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(wait));
        return Ok(response);
    }
    let form = Form::read(body, state.max_body()).await?;
    let text = |name: &str| form.get(name).unwrap_or_default().to_owned();
    let fields = Fields {
        title: text("title"),
        crate_name: text("crate"),
        description: text("description"),
        reporter_name: text("reporter_name"),
        reporter_email: text("reporter_email"),
    };
    let optional = |value: &str| Some(value.trim().to_owned()).filter(|v| !v.is_empty());
    let submission = Submission {
        title: fields.title.clone(),
        description: fields.description.clone(),
        crate_name: fields.crate_name.clone(),
        reporter_name: optional(&fields.reporter_name),
        reporter_email: optional(&fields.reporter_email),
    };
    match disclosure.submit(submission).await {
        Ok((record, token)) => {
            tracing::info!(report = record.id, "report received through the web form");
            Ok(page(StatusCode::CREATED, submitted(&secret_link(disclosure, &parts.headers, &token), &token)))
        }
        Err(WorkflowError::Invalid(detail)) => {
            let error = format!("The report was not sent: {detail}.");
            Ok(page(StatusCode::UNPROCESSABLE_ENTITY, report_form(&fields, Some(&error))))
        }
        Err(e) => Err(e.into()),
    }
}

/// The absolute address of a reporter's page: the configured site address, or else this request's.
fn secret_link(disclosure: &Disclosure, headers: &HeaderMap, token: &str) -> String {
    let base = disclosure.config().base_url.trim_end_matches('/');
    if !base.is_empty() {
        return format!("{base}/report/{token}");
    }
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok());
    match host {
        Some(host) => {
            let scheme = if over_https(headers) { "https" } else { "http" };
            format!("{scheme}://{host}/report/{token}")
        }
        None => format!("/report/{token}"),
    }
}

fn submitted(link: &str, token: &str) -> Markup {
    let body = html! {
        h1 { "Thank you: your report was received" }
        div.banner.warn role="alert" {
            strong { "Keep this link. " }
            "It is shown only once, and it is the only way to follow your report, read our answers and write "
            "to us. Anyone who has it can read the report: keep it private."
        }
        p.secret { a #secret-link href={ "/report/" (token) } { (link) } }
        p {
            "We will acknowledge the report within 24 hours. If you gave an email address, updates are also "
            "sent there."
        }
    };
    layout("Report received", None, body)
}

/// The CSRF field of a reporter's forms: SHA-256 of `csrf:` and their token, in hex. Only someone who
/// has the token can compute it, and it reveals nothing of the token.
fn reporter_csrf(token: &str) -> String {
    let digest = Sha256::digest(format!("csrf:{token}").as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// The reporter of the token's report, or a 404 page. Only reporter tokens count: an API token in
/// the link finds nothing.
async fn reporter(disclosure: &Disclosure, token: &str) -> Result<(Principal, i64), Stop> {
    let not_found = || {
        Stop::new(error_page(
            StatusCode::NOT_FOUND,
            "Not found",
            "No report has this link. Check that you copied the whole link.",
            None,
        ))
    };
    let plausible =
        token.strip_prefix("cw_").is_some_and(|hex| hex.len() == 64 && hex.bytes().all(|b| b.is_ascii_hexdigit()));
    if !plausible {
        return Err(not_found());
    }
    match disclosure.reporter_for_link(token).await? {
        Some(principal @ Principal::Reporter { report_id }) => Ok((principal, report_id)),
        _ => Err(not_found()),
    }
}

/// `GET /report/{token}`: the reporter's page.
pub(crate) async fn get_reporter_report(State(state): State<Arc<AppState>>, Path(token): Path<String>) -> Reply {
    let disclosure = enabled(&state)?;
    let (principal, report_id) = reporter(disclosure, &token).await?;
    render(disclosure, &principal, report_id, &token, None, None, StatusCode::OK).await
}

/// `POST /report/{token}/messages`: a message from the reporter.
pub(crate) async fn post_reporter_message(
    State(state): State<Arc<AppState>>,
    Path(token): Path<String>,
    request: Request,
) -> Reply {
    let disclosure = enabled(&state)?;
    let (principal, report_id) = reporter(disclosure, &token).await?;
    let (parts, body) = request.into_parts();
    check_origin(&parts.headers, disclosure)?;
    let form = Form::read(body, state.max_body()).await?;
    if !form.get("csrf").is_some_and(|csrf| same_secret(csrf, &reporter_csrf(&token))) {
        return Err(Stop::new(error_page(
            StatusCode::FORBIDDEN,
            "Form expired",
            "The form did not carry the security token of this report's page. Nothing was sent. Open your \
             link again and write the message there.",
            None,
        )));
    }
    let text = form.get("body").unwrap_or_default().to_owned();
    let action = Action::AddMessage { from_reporter: true, body: text.clone() };
    match disclosure.act(&principal, report_id, action, None).await {
        Ok(_) => Ok(see_other(&format!("/report/{token}#messages"))),
        Err(e @ (WorkflowError::Conflict(_) | WorkflowError::Invalid(_))) => {
            let status = if matches!(e, WorkflowError::Conflict(_)) {
                StatusCode::CONFLICT
            } else {
                StatusCode::UNPROCESSABLE_ENTITY
            };
            render(disclosure, &principal, report_id, &token, Some(&text), Some(&e.to_string()), status).await
        }
        Err(e) => Err(e.into()),
    }
}

async fn render(
    disclosure: &Disclosure,
    principal: &Principal,
    report_id: i64,
    token: &str,
    message: Option<&str>,
    error: Option<&str>,
    status: StatusCode,
) -> Reply {
    let view = disclosure.view(principal, report_id).await.map_err(|e| Stop::new(workflow_error(&e, None)))?;
    Ok(page(status, reporter_page(&view, token, message, error)))
}

/// What a state means, told to the reporter.
fn state_story(state: &str) -> &'static str {
    match state.parse::<ReportState>() {
        Ok(ReportState::Received) => "Report received",
        Ok(ReportState::Acknowledged) => "Acknowledged by the security team",
        Ok(ReportState::Accepted) => "Confirmed as a vulnerability",
        Ok(ReportState::Rejected) => "Closed: not handled as a security vulnerability",
        Ok(ReportState::FixInProgress) => "A fix is being prepared",
        Ok(ReportState::Drafted) => "The advisory is drafted",
        Ok(ReportState::Embargoed) => "A disclosure date is set",
        Ok(ReportState::Published) => "The advisory is published",
        Ok(ReportState::Withdrawn) => "The advisory was withdrawn",
        _ => "Updated",
    }
}

/// The reporter's page: their report, its public steps and the conversation. Nothing staff-only: no
/// draft, no handler, no checklist, no notifications, and no names or details from the audit log.
fn reporter_page(view: &ReportView, token: &str, message: Option<&str>, error: Option<&str>) -> Markup {
    let r = &view.record;
    let open = r.state.parse::<ReportState>().is_ok_and(ReportState::is_open);
    // Only the steps that moved the report, told by where it went.
    let steps = view.events.iter().filter(|e| e.to_state.is_some() && e.from_state != e.to_state);
    let body = html! {
        h1 { (r.title) " " (state_label(&r.state)) }
        @if let Some(error) = error { div.banner.bad role="alert" { strong { "Not sent: " } (error) } }
        p.muted { "This page is private to you: keep its link to yourself." }
        dl.facts {
            dt { "State" } dd { (state_story(&r.state)) }
            @if !r.crate_name.is_empty() { dt { "Crate" } dd { code { (r.crate_name) } } }
            dt { "Sent" } dd { (when(r.received_at)) }
            @if let Some(id) = &r.rustsec_id { dt { "Advisory id" } dd { (id) } }
            @if let Some(cve) = &r.cve { dt { "CVE" } dd { (cve) } }
            @if let Some(at) = r.embargo_until { dt { "Planned disclosure" } dd { (when(at)) } }
            @if let Some(at) = r.published_at {
                dt { "Published" }
                dd {
                    (when(at))
                    @if let Some(id) = &r.rustsec_id { " · " a href={ "/advisories/" (id) } { "the public advisory" } }
                }
            }
            @if let (Some(reason), Some(detail)) = (&r.reject_reason, &r.reject_detail) {
                dt { "Why it was closed" }
                dd { (reason.replace('_', " ")) ": " (detail) }
            }
        }
        h2 { "Your report" }
        div.description { (PreEscaped(crate::markdown::render(&r.description))) }
        h2 { "Progress" }
        ol.timeline {
            @for e in steps {
                li { span.at { (when(e.at)) } " " (state_story(e.to_state.as_deref().unwrap_or_default())) }
            }
        }
        h2 #messages { "Messages (" (view.messages.len()) ")" }
        @if view.messages.is_empty() { p.muted { "No messages yet." } }
        ol.messages {
            @for m in &view.messages {
                li.from-reporter[m.from_reporter] {
                    p.meta { strong { @if m.from_reporter { "You" } @else { "Security team" } } " · " (when(m.at)) }
                    div.body { (m.body) }
                }
            }
        }
        @if open {
            form.stack method="post" action={ "/report/" (token) "/messages" } {
                input type="hidden" name="csrf" value=(reporter_csrf(token));
                label for="message-body" { "Write to the security team" }
                textarea #message-body name="body" rows="5" required { (message.unwrap_or_default()) }
                div { button type="submit" { "Send" } }
            }
        } @else {
            p.muted { "The report is closed; messages can no longer be sent here." }
        }
    };
    layout(&format!("Your report: {}", r.title), None, body)
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_reporter_csrf_field_is_sha256_hex() {
        // printf 'csrf:cw_x' | sha256sum
        assert_eq!(super::reporter_csrf("cw_x"), "2b559d515d46a60f965b18775f2e8786ffaa03fb09bbf0b1f9fb8b843846393b");
    }
}
