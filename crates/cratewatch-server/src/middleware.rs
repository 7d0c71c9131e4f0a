//! Around every request, once: size limits, the allowed methods and `OPTIONS`, the body read within
//! its limit, the request timeout, panic catching, the route's error shape, its policy headers
//! (caching, CSP, CORS, security headers), metrics and the request log. Every policy comes from the
//! route's declaration in [`crate::routes`].

use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::time::Instant;

use axum::body::Body;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use futures_util::{FutureExt, StreamExt};

use crate::access::{Access, RouteInfo};
use crate::error::{AppError, Unrendered};
use crate::health::panic_message;
use crate::routes::table;
use crate::state::AppState;

/// How much of a body over the limit is read and thrown away before the 413 is sent, so that a client
/// that sends its whole body without waiting (no `Expect: 100-continue`) reads a complete answer
/// instead of a connection reset. Beyond this, the connection is closed after the answer.
const DRAIN_LIMIT: usize = 32 * 1024 * 1024;

/// The middleware: see the module documentation.
pub(crate) async fn guard(State(state): State<Arc<AppState>>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let routes = table();
    let index = routes.index(request.extensions().get::<MatchedPath>().map(MatchedPath::as_str));
    let route = routes.get(index).cloned();
    let access = route.as_ref().map_or_else(|| unmatched_access(request.uri().path()), |r| r.access);
    let method = request.method().clone();
    // The path is kept only when it will be logged: this runs on every request. Workflow paths can
    // carry a reporter's secret (`/report/{token}`): those log their route pattern.
    let logged_path = tracing::enabled!(tracing::Level::DEBUG).then(|| match access.private() {
        true => routes.label(index).to_owned(),
        false => request.uri().path().to_owned(),
    });

    let response = match admit(&state, route.as_ref(), &request) {
        Err(error) => error.into_response(),
        Ok(Some(answer)) => answer,
        Ok(None) => {
            let label = routes.label(index).to_owned();
            run(&state, &label, request, next).await
        }
    };
    let mut response = in_our_words(response).await;
    if let Some(Unrendered(error)) = response.extensions_mut().remove::<Unrendered>() {
        if error.status() == StatusCode::SERVICE_UNAVAILABLE {
            // Not ready yet (reach being computed): the client is told when to come back.
            tracing::debug!(route = routes.label(index), detail = error.detail(), "request deferred");
        } else if error.status().is_server_error() {
            tracing::error!(
                route = routes.label(index),
                status = error.status().as_u16(),
                detail = error.detail(),
                "request failed"
            );
        }
        crate::error::render(&mut response, &error, access, &state.knowledge());
    }
    apply_policy(response.headers_mut(), access);

    let elapsed = started.elapsed();
    state.metrics.observe(index, || routes.labels(), response.status().as_u16(), elapsed);
    if let Some(path) = logged_path {
        tracing::debug!(method = %method, path = %path, route = routes.label(index), status = response.status().as_u16(), micros = elapsed.as_micros() as u64, "request");
    }
    response
}

/// A refusal in the framework's own words (a plain-text 4xx or 5xx from an extractor the handler
/// used directly) becomes an [`AppError`], so that it gets the route's shape like every other error.
async fn in_our_words(response: Response) -> Response {
    let status = response.status();
    let plain = response.headers().get(header::CONTENT_TYPE).is_some_and(|v| v.as_bytes().starts_with(b"text/plain"));
    if !(status.is_client_error() || status.is_server_error()) || !plain {
        return response;
    }
    let (parts, body) = response.into_parts();
    let text = axum::body::to_bytes(body, 64 * 1024).await.unwrap_or_default();
    let text = String::from_utf8_lossy(&text);
    let mut error = AppError::new(status, crate::extract::lowercase_first(text.trim()));
    for name in [header::ALLOW, header::WWW_AUTHENTICATE, header::RETRY_AFTER] {
        if let Some(value) = parts.headers.get(&name) {
            error = error.with_header(name, value.clone());
        }
    }
    error.into_response()
}

/// The checks that need no handler: size limits, the method, `OPTIONS`. `Ok(Some(..))` is the whole
/// answer (an `OPTIONS` request); `Ok(None)` lets the request through.
fn admit(state: &AppState, route: Option<&RouteInfo>, request: &Request) -> Result<Option<Response>, AppError> {
    let settings = &state.settings;
    let uri_len = request.uri().path_and_query().map_or(0, |p| p.as_str().len());
    if uri_len > settings.max_uri {
        return Err(AppError::new(
            StatusCode::URI_TOO_LONG,
            format!("the request target is too long ({uri_len} bytes; the limit is {})", settings.max_uri),
        ));
    }
    let header_bytes: usize = request.headers().iter().map(|(k, v)| k.as_str().len() + v.len() + 4).sum();
    if header_bytes > settings.max_headers {
        return Err(AppError::new(
            StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            format!("the request headers are too large ({header_bytes} bytes; the limit is {})", settings.max_headers),
        ));
    }
    let Some(route) = route else { return Ok(None) };
    let method = request.method();
    if method == Method::OPTIONS {
        return Ok(Some(options(route, request.headers())));
    }
    if !route.allows(method) {
        let allow = route.allow_header();
        let value = HeaderValue::from_str(&allow).unwrap_or_else(|_| HeaderValue::from_static("GET, HEAD"));
        return Err(AppError::new(StatusCode::METHOD_NOT_ALLOWED, format!("this route accepts {allow}"))
            .with_header(header::ALLOW, value));
    }
    if let Some(declared) = content_length(request.headers()) {
        let expects_continue =
            request.headers().get(header::EXPECT).is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"100-continue"));
        // A client waiting for `100 Continue` sends nothing more: refuse at once. So does one whose body
        // is too large to be worth reading.
        if declared > settings.max_body as u64 && (expects_continue || declared > DRAIN_LIMIT as u64) {
            return Err(too_large(settings.max_body).with_header(header::CONNECTION, HeaderValue::from_static("close")));
        }
    }
    Ok(None)
}

/// Reads the body within its limit, then runs the handler under the request timeout, catching a
/// panic: the panic becomes a 500 in the route's shape, is logged and counted, and the service goes on.
async fn run(state: &Arc<AppState>, label: &str, request: Request, next: Next) -> Response {
    let work = async {
        let request = read_body(request, state.settings.max_body).await?;
        match AssertUnwindSafe(next.run(request)).catch_unwind().await {
            Ok(response) => Ok(response),
            Err(payload) => {
                let message = panic_message(payload.as_ref());
                state.panicked(label, &message);
                Err(AppError::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "the server failed to answer this request; the failure is logged",
                ))
            }
        }
    };
    match tokio::time::timeout(state.settings.request_timeout, work).await {
        Ok(Ok(response)) => response,
        Ok(Err(error)) => error.into_response(),
        Err(_) => AppError::new(
            StatusCode::REQUEST_TIMEOUT,
            format!("the request took longer than {} s", state.settings.request_timeout.as_secs_f64()),
        )
        .with_header(header::CONNECTION, HeaderValue::from_static("close"))
        .into_response(),
    }
}

fn too_large(limit: usize) -> AppError {
    AppError::new(StatusCode::PAYLOAD_TOO_LARGE, format!("the request body is larger than the limit of {limit} bytes"))
}

fn content_length(headers: &HeaderMap) -> Option<u64> {
    headers.get(header::CONTENT_LENGTH)?.to_str().ok()?.trim().parse().ok()
}

/// The request with its body read into memory, at most `limit` bytes. A larger body is read on and
/// thrown away up to [`DRAIN_LIMIT`], then refused with 413.
async fn read_body(request: Request, limit: usize) -> Result<Request, AppError> {
    let (parts, body) = request.into_parts();
    let mut stream = body.into_data_stream();
    let mut kept = Vec::new();
    let mut total = 0usize;
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|e| AppError::bad_request(format!("cannot read the request body: {e}")))?;
        total = total.saturating_add(chunk.len());
        if total > limit {
            if total > DRAIN_LIMIT {
                return Err(too_large(limit).with_header(header::CONNECTION, HeaderValue::from_static("close")));
            }
            continue;
        }
        kept.extend_from_slice(&chunk);
    }
    if total > limit {
        return Err(too_large(limit));
    }
    Ok(Request::from_parts(parts, Body::from(kept)))
}

/// The answer to `OPTIONS`: the allowed methods, and for a route any origin may read, the CORS
/// preflight's answer.
fn options(route: &RouteInfo, headers: &HeaderMap) -> Response {
    let allow = route.allow_header();
    let mut response = StatusCode::NO_CONTENT.into_response();
    let out = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(&allow) {
        out.insert(header::ALLOW, value.clone());
        if route.access.cors() && headers.contains_key(header::ACCESS_CONTROL_REQUEST_METHOD) {
            out.insert(header::ACCESS_CONTROL_ALLOW_METHODS, value);
            out.insert(header::ACCESS_CONTROL_ALLOW_HEADERS, HeaderValue::from_static("content-type, if-none-match"));
            out.insert(header::ACCESS_CONTROL_MAX_AGE, HeaderValue::from_static("86400"));
        }
    }
    response
}

/// The headers every response of an access class carries.
fn apply_policy(headers: &mut HeaderMap, access: Access) {
    if access.private() {
        // Private data: never kept by browsers or proxies.
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    if access.cors() {
        headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, HeaderValue::from_static("*"));
        headers.insert(header::ACCESS_CONTROL_EXPOSE_HEADERS, HeaderValue::from_static("etag"));
    }
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    // Workflow pages show reporters' Markdown to staff: no outside images there, which would tell an
    // outside server who read a report, and when.
    let csp = if access.private() {
        "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
    } else {
        "default-src 'none'; style-src 'self'; img-src 'self' https:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
    };
    headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(csp));
}

/// The access class of a path no route matched, for the shape of its 404.
fn unmatched_access(path: &str) -> Access {
    if path.starts_with("/api/") {
        Access::PublicApi
    } else if path.starts_with("/v1/") {
        Access::Osv
    } else {
        Access::PublicPage
    }
}

/// Requests that match no route.
pub(crate) async fn not_found(request: Request) -> AppError {
    let path = request.uri().path();
    match unmatched_access(path) {
        Access::PublicPage => AppError::not_found(format!("there is no page at `{path}`")),
        _ => AppError::not_found(format!("no API route matches `{path}`")),
    }
}
