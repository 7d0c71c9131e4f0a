//! One error type for every route. A handler (or an extractor, or the middleware) returns an
//! [`AppError`] with a status and a detail; the middleware, which knows the route's [`Access`] class,
//! renders it in the shape that route's consumers read:
//!
//! - the JSON envelope `{"errors":[{"detail": "..."}]}` on the JSON API and the operations routes;
//! - OSV's `{"code": N, "message": "..."}` on the OSV routes, with gRPC's codes as osv.dev answers;
//! - the HTML error page on pages and feeds.
//!
//! So a framework rejection (a bad path, a bad query) or a limit never answers in the framework's
//! words, and every error carries the security headers the middleware adds to every response.

use std::sync::Arc;

use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::access::{Access, ErrorShape};
use crate::knowledge::Knowledge;

/// A refused or failed request: its status, what to tell the client, and any extra headers
/// (`Allow`, `Retry-After`, `WWW-Authenticate`).
#[derive(Clone, Debug)]
pub(crate) struct AppError {
    status: StatusCode,
    detail: String,
    headers: Vec<(HeaderName, HeaderValue)>,
}

impl AppError {
    pub(crate) fn new(status: StatusCode, detail: impl Into<String>) -> AppError {
        AppError { status, detail: detail.into(), headers: Vec::new() }
    }

    /// 400: the request is malformed.
    pub(crate) fn bad_request(detail: impl Into<String>) -> AppError {
        AppError::new(StatusCode::BAD_REQUEST, detail)
    }

    /// 404: no such crate, version, advisory or route.
    pub(crate) fn not_found(detail: impl Into<String>) -> AppError {
        AppError::new(StatusCode::NOT_FOUND, detail)
    }

    /// Adds a header to the response.
    pub(crate) fn with_header(mut self, name: HeaderName, value: HeaderValue) -> AppError {
        self.headers.push((name, value));
        self
    }

    pub(crate) fn status(&self) -> StatusCode {
        self.status
    }

    pub(crate) fn detail(&self) -> &str {
        &self.detail
    }

    /// The value of an extra header, for tests.
    #[cfg(test)]
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.as_str() == name).and_then(|(_, v)| v.to_str().ok())
    }
}

impl std::fmt::Display for AppError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.status, self.detail)
    }
}

/// The marker a response carries until the middleware renders its body.
#[derive(Clone, Debug)]
pub(crate) struct Unrendered(pub(crate) Arc<AppError>);

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let mut response = self.status.into_response();
        for (name, value) in &self.headers {
            response.headers_mut().insert(name.clone(), value.clone());
        }
        response.extensions_mut().insert(Unrendered(Arc::new(self)));
        response
    }
}

/// The JSON error envelope: `{"errors":[{"detail": "..."}]}`.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = Errors)]
pub(crate) struct Envelope<'a> {
    /// One entry per problem (today always one).
    errors: [ErrorDetail<'a>; 1],
}

/// One problem.
#[derive(Serialize, utoipa::ToSchema)]
struct ErrorDetail<'a> {
    /// What is wrong, in words.
    detail: &'a str,
}

/// The envelope around one detail.
pub(crate) fn envelope(detail: &str) -> Envelope<'_> {
    Envelope { errors: [ErrorDetail { detail }] }
}

/// An OSV-style error, as osv.dev answers.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = OsvError)]
pub(crate) struct OsvError<'a> {
    /// The gRPC status code: 3 invalid argument, 4 deadline exceeded, 5 not found, 8 resource
    /// exhausted, 12 unimplemented, 13 internal, 14 unavailable.
    code: u8,
    /// What is wrong, in words.
    message: &'a str,
}

/// gRPC's code for an HTTP status, as osv.dev maps them.
fn grpc_code(status: StatusCode) -> u8 {
    match status {
        StatusCode::NOT_FOUND => 5,
        StatusCode::REQUEST_TIMEOUT => 4,
        StatusCode::PAYLOAD_TOO_LARGE | StatusCode::TOO_MANY_REQUESTS => 8,
        StatusCode::METHOD_NOT_ALLOWED => 12,
        StatusCode::SERVICE_UNAVAILABLE => 14,
        s if s.is_server_error() => 13,
        _ => 3,
    }
}

/// Replaces the body of `response`, which carries `error`, with the shape `access` calls for.
pub(crate) fn render(response: &mut Response, error: &AppError, access: Access, knowledge: &Knowledge) {
    let (content_type, body) = match access.error_shape() {
        ErrorShape::Envelope => ("application/json", serde_json::to_vec(&envelope(&error.detail))),
        ErrorShape::Osv => (
            "application/json",
            serde_json::to_vec(&OsvError { code: grpc_code(error.status), message: &error.detail }),
        ),
        ErrorShape::Html => {
            let title = title(error.status);
            let page = crate::pages::error_page(knowledge, title, &error.detail);
            ("text/html; charset=utf-8", Ok(page.into_string().into_bytes()))
        }
    };
    // Serializing these shapes to memory cannot fail; should it ever, the status still stands.
    let body = body.unwrap_or_default();
    *response.body_mut() = axum::body::Body::from(body);
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.remove(header::CONTENT_LENGTH);
}

/// The title of an error page.
fn title(status: StatusCode) -> &'static str {
    match status {
        StatusCode::BAD_REQUEST => "Bad request",
        StatusCode::NOT_FOUND => "Not found",
        StatusCode::METHOD_NOT_ALLOWED => "Method not allowed",
        StatusCode::REQUEST_TIMEOUT => "Request timeout",
        StatusCode::PAYLOAD_TOO_LARGE => "Request too large",
        StatusCode::URI_TOO_LONG => "Address too long",
        StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE => "Request headers too large",
        StatusCode::TOO_MANY_REQUESTS => "Too many requests",
        StatusCode::BAD_GATEWAY => "Registry unavailable",
        StatusCode::SERVICE_UNAVAILABLE => "Not ready yet",
        s if s.is_server_error() => "Server error",
        _ => "Request refused",
    }
}
