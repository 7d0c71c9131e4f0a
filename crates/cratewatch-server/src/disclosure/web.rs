//! The workflow's web pages: sign-in, the dashboard, report pages with their forms, and the public
//! report form with the reporter's own page. Server-rendered HTML that works without JavaScript.
//!
//! - `staff.rs`: `/signin`, `/signout`, `/disclosure` (the dashboard).
//! - `report.rs`: `/disclosure/reports/{id}`, its action forms and the draft preview.
//! - `reporter.rs`: `/report` (the public form) and `/report/{token}` (the reporter's page).
//!
//! How the pages are protected:
//! - Staff pages need a session: the cookie `cw_session` (HttpOnly, SameSite=Strict, Secure behind
//!   https) holds the session id, which the store keeps only as a hash.
//! - Every POST from a signed-in page carries the session's CSRF secret in a hidden `csrf` field,
//!   compared in constant time; a reporter's forms carry SHA-256 of `csrf:` and their token instead.
//! - A POST whose `Origin` names another site is refused. The pages ask for
//!   `<meta name="referrer" content="same-origin">`: under the site-wide `Referrer-Policy:
//!   no-referrer`, browsers would send `Origin: null` with every form.
//! - Every response is `Cache-Control: no-store`, and the pages show a report only to whom
//!   [`Disclosure::view`] shows it.

mod report;
mod reporter;
mod staff;

use std::sync::Arc;

use axum::body::Body;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use cookie::{Cookie, SameSite};
use cratewatch_disclosure::Role;
use cratewatch_store::UserRecord;
use maud::{DOCTYPE, Markup, html};

use cratewatch_workflow::Principal;

use super::{Disclosure, WorkflowError, time};
use crate::auth::same_secret;
use crate::state::AppState;

pub(crate) use report::{get_report, post_action, post_preview};
pub(crate) use reporter::{get_report_form, get_reporter_report, post_report_form, post_reporter_message};
pub(crate) use staff::{get_dashboard, get_signin, post_signin, post_signout};

/// A response that ends a handler early: an error page or a redirect (boxed: results carry it).
pub(crate) struct Stop(Box<Response>);

impl Stop {
    fn new(response: Response) -> Stop {
        Stop(Box::new(response))
    }
}

impl IntoResponse for Stop {
    fn into_response(self) -> Response {
        *self.0
    }
}

impl From<WorkflowError> for Stop {
    fn from(e: WorkflowError) -> Stop {
        Stop::new(workflow_error(&e, None))
    }
}

/// What a handler returns: its page, or the page or redirect that stopped it.
pub(crate) type Reply = Result<Response, Stop>;

/// The error page of a workflow error, with the status the API gives it. Store failures are logged
/// and shown without details.
fn workflow_error(e: &WorkflowError, viewer: Option<&Viewer>) -> Response {
    let (status, title) = match e {
        WorkflowError::Unauthorized(_) => (StatusCode::UNAUTHORIZED, "Not signed in"),
        WorkflowError::NotFound(_) => (StatusCode::NOT_FOUND, "Not found"),
        WorkflowError::Forbidden(_) => (StatusCode::FORBIDDEN, "Not allowed"),
        WorkflowError::Conflict(_) => (StatusCode::CONFLICT, "Conflict"),
        WorkflowError::Invalid(_) => (StatusCode::UNPROCESSABLE_ENTITY, "Invalid request"),
        e => {
            tracing::error!(detail = %e, "disclosure store failure");
            let detail = "The disclosure store failed; the server log has the details. Please try again later.";
            return error_page(StatusCode::INTERNAL_SERVER_ERROR, "Server error", detail, viewer);
        }
    };
    error_page(status, title, &e.to_string(), viewer)
}

/// A friendly error page.
fn error_page(status: StatusCode, title: &str, detail: &str, viewer: Option<&Viewer>) -> Response {
    let body = html! {
        h1 { (title) }
        div.banner.bad role="alert" { (detail) }
        p {
            @if viewer.is_some() { a href="/disclosure" { "Back to the dashboard" } }
            @else { a href="/" { "Back to the start page" } }
        }
    };
    page(status, layout(title, viewer, body))
}

/// An HTML response.
fn page(status: StatusCode, markup: Markup) -> Response {
    (status, [(header::CONTENT_TYPE, "text/html; charset=utf-8")], markup.into_string()).into_response()
}

/// A `303 See Other` to `location`, where a form's result is shown.
fn see_other(location: &str) -> Response {
    match HeaderValue::from_str(location) {
        Ok(value) => (StatusCode::SEE_OTHER, [(header::LOCATION, value)]).into_response(),
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

/// The workflow, or a 404 page when this server runs without it.
fn enabled(state: &AppState) -> Result<&Arc<Disclosure>, Stop> {
    state.disclosure().ok_or_else(|| {
        Stop::new(error_page(
            StatusCode::NOT_FOUND,
            "Not found",
            "The coordinated-disclosure workflow is not enabled on this server.",
            None,
        ))
    })
}

/// A signed-in user, as the pages need them.
struct Viewer {
    principal: Principal,
    user: UserRecord,
    role: Role,
    /// The session's CSRF secret, which every form of the session carries.
    csrf: String,
}

const SESSION_COOKIE: &str = "cw_session";

/// The value of the session cookie, if the request has one (`Cookie` headers read by the `cookie`
/// crate; cookies it cannot parse are skipped).
fn session_id(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(Cookie::split_parse)
        .filter_map(Result::ok)
        .find(|cookie| cookie.name() == SESSION_COOKIE)
        .map(|cookie| cookie.value().to_owned())
        .filter(|value| !value.is_empty())
}

/// The signed-in user of the request, if their session is valid.
async fn viewer(disclosure: &Disclosure, headers: &HeaderMap) -> Result<Option<Viewer>, WorkflowError> {
    let Some(id) = session_id(headers) else { return Ok(None) };
    let Some((principal, csrf)) = disclosure.principal_for_session(&id).await? else { return Ok(None) };
    let (user, role) = match &principal {
        Principal::User { user, role, .. } => (user.clone(), *role),
        Principal::Reporter { .. } => return Ok(None),
    };
    Ok(Some(Viewer { principal, user, role, csrf }))
}

/// The signed-in user, or a redirect to the sign-in page.
async fn signed_in(disclosure: &Disclosure, headers: &HeaderMap) -> Result<Viewer, Stop> {
    viewer(disclosure, headers).await?.ok_or_else(|| Stop::new(see_other("/signin")))
}

/// Whether the request came over https (through a proxy that says so).
fn over_https(headers: &HeaderMap) -> bool {
    headers
        .get("x-forwarded-proto")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(',').next())
        .is_some_and(|proto| proto.trim().eq_ignore_ascii_case("https"))
}

/// Whether cookies must be `Secure`: the site is served over https (its configured address is an
/// `https://` URL, as behind a proxy that ends TLS), or this request came over https.
fn secure_cookies(headers: &HeaderMap, disclosure: &Disclosure) -> bool {
    let base = disclosure.config().base_url.trim_start();
    base.get(..8).is_some_and(|scheme| scheme.eq_ignore_ascii_case("https://")) || over_https(headers)
}

/// The `Set-Cookie` value of the session cookie (HttpOnly, SameSite=Strict, the whole site, `Secure`
/// when asked); an empty value with `max_age` 0 removes it.
fn session_cookie(value: &str, max_age_secs: i64, secure: bool) -> HeaderValue {
    let cookie = Cookie::build((SESSION_COOKIE, value))
        .http_only(true)
        .same_site(SameSite::Strict)
        .path("/")
        .max_age(cookie::time::Duration::seconds(max_age_secs))
        .secure(secure)
        .build();
    HeaderValue::from_str(&cookie.to_string()).unwrap_or_else(|_| HeaderValue::from_static("cw_session=; Max-Age=0"))
}

/// Whether a request may come from the page that sent it: it names no `Origin` (not from a browser,
/// or an old one), or its `Origin` is this site, by the address it was reached at or the configured
/// one. A browser sends `Origin` with every cross-site POST; `null` (an opaque origin) is another site.
pub(crate) fn same_site_origin(headers: &HeaderMap, base_url: &str) -> bool {
    let Some(origin) = headers.get(header::ORIGIN) else { return true };
    let origin = origin.to_str().unwrap_or_default().trim().trim_end_matches('/');
    let configured = base_url.trim_end_matches('/');
    let authority = origin.split_once("://").map(|(_, authority)| authority);
    let host = headers.get("x-forwarded-host").or_else(|| headers.get(header::HOST)).and_then(|v| v.to_str().ok());
    let same_host = matches!((authority, host), (Some(a), Some(h)) if a.eq_ignore_ascii_case(h.trim()));
    let same_base = !configured.is_empty()
        && configured.strip_prefix(origin).is_some_and(|rest| rest.starts_with('/') || rest.is_empty());
    same_host || same_base
}

/// Refuses a POST whose `Origin` header names another site. A request without the header passes: the
/// CSRF field is the real check.
fn check_origin(headers: &HeaderMap, disclosure: &Disclosure) -> Result<(), Stop> {
    if same_site_origin(headers, &disclosure.config().base_url) {
        Ok(())
    } else {
        Err(Stop::new(error_page(
            StatusCode::FORBIDDEN,
            "Not allowed",
            "This form was sent from another site. Open the page on this site and send the form again.",
            None,
        )))
    }
}

/// The 403 page of a form whose CSRF field is missing or wrong.
fn csrf_refused(viewer: Option<&Viewer>) -> Stop {
    Stop::new(error_page(
        StatusCode::FORBIDDEN,
        "Form expired",
        "The form did not carry this session's security token (it may be from an older session, or from \
         another site). Nothing was changed. Reload the page and try again.",
        viewer,
    ))
}

/// The fields of an `application/x-www-form-urlencoded` body, in order.
struct Form(Vec<(String, String)>);

impl Form {
    /// Reads the request body as a form, decoded by `serde_urlencoded` as browsers encode it (`+` is a
    /// space; malformed escapes are kept as they are, invalid UTF-8 is replaced: the fields are then
    /// validated like any other input). Line breaks become `\n`: browsers send a textarea's lines
    /// separated by CR LF, which the advisory format does not expect.
    async fn read(body: Body, limit: usize) -> Result<Form, Stop> {
        let bytes = axum::body::to_bytes(body, limit).await.map_err(|_| {
            Stop::new(error_page(StatusCode::PAYLOAD_TOO_LARGE, "Too large", "The form is too large.", None))
        })?;
        Form::parse(&bytes).map_err(|e| {
            let detail = format!("The form could not be read: {e}.");
            Stop::new(error_page(StatusCode::BAD_REQUEST, "Bad request", &detail, None))
        })
    }

    fn parse(bytes: &[u8]) -> Result<Form, serde_urlencoded::de::Error> {
        let fields: Vec<(String, String)> = serde_urlencoded::from_bytes(bytes)?;
        let lines = |value: String| value.replace("\r\n", "\n").replace('\r', "\n");
        Ok(Form(fields.into_iter().map(|(name, value)| (name, lines(value))).collect()))
    }

    /// The first value of the field.
    fn get(&self, name: &str) -> Option<&str> {
        self.0.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }

    /// The first value of the field, trimmed, if not empty.
    fn text(&self, name: &str) -> Option<&str> {
        self.get(name).map(str::trim).filter(|v| !v.is_empty())
    }
}

/// A stored time for people: `2026-11-22 09:00 UTC`.
fn when(ms: i64) -> String {
    time(ms).strftime("%Y-%m-%d %H:%M UTC").to_string()
}

/// The page frame of the workflow: the site's header with the workflow's links, the content, and a
/// short footer.
fn layout(title: &str, viewer: Option<&Viewer>, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                meta name="referrer" content="same-origin";
                meta name="robots" content="noindex, nofollow";
                title { (title) " · cratewatch" }
                link rel="stylesheet" href="/static/style.css";
            }
            body {
                a.skip href="#main" { "Skip to content" }
                header.site {
                    a.brand href="/" { "cratewatch" }
                    nav.workflow aria-label="Disclosure" {
                        @if let Some(v) = viewer {
                            a href="/disclosure" { "Dashboard" }
                            span.who { (v.user.name) " (" (v.role.as_str()) ")" }
                            form method="post" action="/signout" {
                                input type="hidden" name="csrf" value=(v.csrf);
                                button type="submit" { "Sign out" }
                            }
                        } @else {
                            a href="/report" { "Report a vulnerability" }
                            a href="/signin" { "Sign in" }
                        }
                    }
                }
                main #main { (body) }
                footer {
                    "Coordinated disclosure · "
                    a href="/" { "Advisories" } " · "
                    a href="/report" { "Report a vulnerability" }
                }
            }
        }
    }
}

/// The label of a report's state, styled by state.
fn state_label(state: &str) -> Markup {
    html! { span class={ "state " (state) } { (state.replace('_', " ")) } }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms_decode_like_browsers_encode() {
        let form =
            Form::parse(b"a=1+2&b=%3Cx%3E%26&c&d=%zz%4&e=%C3%A9&a=second&=empty&f=x%0D%0Ay%0Dz%0A&g=%FF").unwrap();
        assert_eq!(form.get("a"), Some("1 2"));
        assert_eq!(form.get("b"), Some("<x>&"));
        assert_eq!(form.get("c"), Some(""));
        assert_eq!(form.get("d"), Some("%zz%4"));
        assert_eq!(form.get("e"), Some("é"));
        assert_eq!(form.get("f"), Some("x\ny\nz\n"));
        assert_eq!(form.get("g"), Some("\u{fffd}"), "invalid UTF-8 is replaced, not an error");
        assert_eq!(form.text("c"), None);
        assert_eq!(form.get("missing"), None);
    }

    #[test]
    fn secrets_compare_whole() {
        assert!(same_secret("abc", "abc"));
        assert!(!same_secret("abc", "abd"));
        assert!(!same_secret("abc", "ab"));
        assert!(!same_secret("", "a"));
    }

    #[test]
    fn the_session_cookie_is_http_only_strict_site_wide_and_secure_when_asked() {
        let cookie = |secure| session_cookie("cw_1", 43_200, secure).to_str().unwrap().to_owned();
        assert_eq!(cookie(false), "cw_session=cw_1; HttpOnly; SameSite=Strict; Path=/; Max-Age=43200");
        assert_eq!(cookie(true), "cw_session=cw_1; HttpOnly; SameSite=Strict; Secure; Path=/; Max-Age=43200");
        assert_eq!(session_cookie("", 0, false), "cw_session=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0");
    }

    #[test]
    fn the_session_cookie_is_found_among_others() {
        let mut headers = HeaderMap::new();
        headers.insert(header::COOKIE, HeaderValue::from_static("a=b; cw_session=cw_123 ; c=d"));
        assert_eq!(session_id(&headers).as_deref(), Some("cw_123"));
        headers.insert(header::COOKIE, HeaderValue::from_static("cw_session="));
        assert_eq!(session_id(&headers), None);
    }
}
