//! The HTTP application: shared state, routes, response caching with ETags, limits and metrics.

use std::collections::HashMap;
use std::hash::{BuildHasher, Hash, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use arc_swap::ArcSwap;
use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{MatchedPath, Path, Query, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use cratewatch_index::{CrateSource, CrateVersions};
use semver::Version;
use serde::Deserialize;

use crate::knowledge::{Entry, Knowledge};
use crate::metrics::Metrics;
use crate::security::CrateSecurity;
use crate::{api, audit_api, disclosure, feed, osv_api, pages};

/// Limits and tunables of the application.
#[derive(Clone, Debug)]
pub struct Settings {
    /// The absolute URL of the site, for feeds (no trailing slash).
    pub base_url: String,
    /// How long a rendered response may be served from memory before it is rendered again (index
    /// data from a sparse registry may change; a new advisory snapshot empties the cache at once).
    pub cache_ttl: Duration,
    /// How many rendered responses are kept.
    pub cache_entries: usize,
    /// Longest accepted request target (path and query), in bytes.
    pub max_uri: usize,
    /// Largest accepted total of request header bytes.
    pub max_headers: usize,
    /// Largest accepted request body.
    pub max_body: usize,
    /// Longest time a request may take.
    pub request_timeout: Duration,
    /// Reverse proxies whose `X-Forwarded-For` names the client (for the report form's rate limit).
    pub trusted_proxies: Vec<std::net::IpAddr>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            base_url: "http://127.0.0.1:8080".to_owned(),
            cache_ttl: Duration::from_secs(60),
            cache_entries: 20_000,
            max_uri: 2048,
            max_headers: 16 * 1024,
            max_body: 512 * 1024,
            request_timeout: Duration::from_secs(10),
            trusted_proxies: Vec::new(),
        }
    }
}

/// How the last synchronisation of the advisory database went.
#[derive(Clone, Debug, Default)]
pub struct SyncStatus {
    /// Successful loads so far (the first one included).
    pub loads: u64,
    /// Failed syncs so far.
    pub failures: u64,
    /// Why the last sync failed, while the last good snapshot keeps being served; `None` once a later
    /// sync succeeds.
    pub last_error: Option<String>,
}

/// Everything the handlers share.
pub struct AppState {
    /// What is served: the sources' snapshot plus the advisories published through the workflow.
    knowledge: ArcSwap<Knowledge>,
    /// The snapshot of the advisory sources alone, as last loaded.
    sources: ArcSwap<Knowledge>,
    /// Advisories published through the disclosure workflow.
    published: ArcSwap<Vec<Arc<Entry>>>,
    /// Held while the served snapshot is recomposed, so that a sync and a publication never interleave.
    compose: Mutex<()>,
    /// The disclosure workflow, when the service runs with a store.
    disclosure: std::sync::OnceLock<Arc<crate::disclosure::Disclosure>>,
    /// Limits the public report form and API.
    pub(crate) report_limiter: crate::disclosure::RateLimiter,
    generation: AtomicU64,
    index: Arc<dyn CrateSource>,
    settings: Settings,
    cache: ResponseCache,
    /// Request and sync counters for `/metrics`.
    pub(crate) metrics: Metrics,
    sync: Mutex<SyncStatus>,
    started: Instant,
}

impl AppState {
    /// State serving `knowledge` and the versions of `index`.
    pub fn new(knowledge: Knowledge, index: Arc<dyn CrateSource>, settings: Settings) -> Arc<AppState> {
        let cache = ResponseCache::new(settings.cache_entries);
        let knowledge = Arc::new(knowledge);
        Arc::new(AppState {
            knowledge: ArcSwap::new(Arc::clone(&knowledge)),
            sources: ArcSwap::new(knowledge),
            published: ArcSwap::from_pointee(Vec::new()),
            compose: Mutex::new(()),
            disclosure: std::sync::OnceLock::new(),
            report_limiter: crate::disclosure::RateLimiter::default(),
            generation: AtomicU64::new(1),
            index,
            settings,
            cache,
            metrics: Metrics::default(),
            sync: Mutex::new(SyncStatus { loads: 1, ..SyncStatus::default() }),
            started: Instant::now(),
        })
    }

    /// The snapshot being served.
    pub fn knowledge(&self) -> Arc<Knowledge> {
        self.knowledge.load_full()
    }

    /// The largest accepted request body.
    pub(crate) fn max_body(&self) -> usize {
        self.settings.max_body
    }

    /// The reverse proxies whose `X-Forwarded-For` is believed.
    pub(crate) fn trusted_proxies(&self) -> &[std::net::IpAddr] {
        &self.settings.trusted_proxies
    }

    /// Turns the disclosure workflow on (once; later calls are ignored).
    pub fn enable_disclosure(&self, disclosure: Arc<crate::disclosure::Disclosure>) {
        let _ = self.disclosure.set(disclosure);
    }

    /// The disclosure workflow, when enabled.
    pub fn disclosure(&self) -> Option<&Arc<crate::disclosure::Disclosure>> {
        self.disclosure.get()
    }

    /// Serves the workflow's current publications: call after a step that publishes, updates or
    /// withdraws, and on every scheduler tick (another replica may have published).
    pub async fn refresh_published(&self) -> Result<(), crate::disclosure::WorkflowError> {
        if let Some(disclosure) = self.disclosure() {
            let entries = crate::disclosure::published_entries(disclosure).await?;
            let current = self.published.load();
            let same = current.len() == entries.len()
                && current.iter().zip(&entries).all(|(a, b)| a.advisory == b.advisory && a.modified == b.modified);
            if !same {
                self.replace_published(entries);
            }
        }
        Ok(())
    }

    /// The snapshot of the advisory sources alone, without workflow publications.
    pub fn sources(&self) -> Arc<Knowledge> {
        self.sources.load_full()
    }

    /// Replaces the sources' snapshot (workflow publications stay); requests already running finish
    /// with the old one.
    pub fn replace_knowledge(&self, knowledge: Knowledge) {
        let _composing = self.compose.lock().expect("compose lock");
        let published = self.published.load_full();
        self.serve(knowledge.with_published(&published));
        self.sources.store(Arc::new(knowledge));
        let mut sync = self.sync.lock().expect("sync status lock");
        sync.loads += 1;
        sync.last_error = None;
    }

    /// Replaces the advisories published through the disclosure workflow, at once, without a restart.
    pub fn replace_published(&self, published: Vec<Arc<Entry>>) {
        let _composing = self.compose.lock().expect("compose lock");
        let served = self.sources.load().with_published(&published);
        self.published.store(Arc::new(published));
        self.serve(served);
    }

    fn serve(&self, knowledge: Knowledge) {
        self.knowledge.store(Arc::new(knowledge));
        self.generation.fetch_add(1, Ordering::SeqCst);
        self.cache.clear();
    }

    /// Records a sync that found nothing new.
    pub fn sync_succeeded(&self) {
        let mut sync = self.sync.lock().expect("sync status lock");
        if sync.last_error.take().is_some() {
            tracing::info!("advisory database sync recovered");
        }
    }

    /// Records a failed sync; the current snapshot stays.
    pub fn sync_failed(&self, reason: String) {
        let mut sync = self.sync.lock().expect("sync status lock");
        sync.failures += 1;
        sync.last_error = Some(reason);
    }

    /// How syncing has gone.
    pub fn sync_status(&self) -> SyncStatus {
        self.sync.lock().expect("sync status lock").clone()
    }

    async fn crate_versions(&self, name: &str) -> Result<Option<Arc<CrateVersions>>, String> {
        if !self.index.may_block() {
            return self.index.crate_versions(name).map_err(|e| e.to_string());
        }
        let index = Arc::clone(&self.index);
        let name = name.to_owned();
        tokio::task::spawn_blocking(move || index.crate_versions(&name))
            .await
            .map_err(|e| format!("registry lookup failed: {e}"))?
            .map_err(|e| e.to_string())
    }
}

/// The router with every route and layer.
pub fn router(state: Arc<AppState>) -> Router {
    Router::new()
        .route("/", get(home))
        .route("/static/style.css", get(style))
        .route("/crates/{name}", get(crate_overview))
        .route("/crates/{name}/security", get(crate_security))
        .route("/crates/{name}/feed.xml", get(crate_feed))
        .route("/crates/{name}/{version}", get(version_overview))
        .route("/crates/{name}/{version}/security", get(version_security))
        .route("/advisories", get(advisories))
        .route("/advisories/{id}", get(advisory))
        .route("/categories", get(categories))
        .route("/categories/{category}", get(category))
        .route("/keywords/{keyword}", get(keyword))
        .route("/search", get(search))
        .route("/feed.xml", get(site_feed))
        .route("/api/openapi.json", get(openapi))
        .route("/api/v1/crates/{name}/security", get(api_crate))
        .route("/api/v1/crates/{name}/{version}/security", get(api_version))
        .route("/api/v1/advisories", get(api_advisories))
        .route("/api/v1/advisories/{id}", get(api_advisory))
        .route("/v1/query", axum::routing::post(osv_api::query))
        .route("/v1/querybatch", axum::routing::post(osv_api::querybatch))
        .route("/v1/vulns/{id}", get(osv_api::vuln))
        .route("/packages/{file}", get(osv_api::package))
        .route("/api/v1/reports", get(disclosure::api::list_reports).post(disclosure::api::submit_report))
        .route("/api/v1/reports/{id}", get(disclosure::api::get_report))
        .route("/api/v1/reports/{id}/actions", axum::routing::post(disclosure::api::act_on_report))
        .route("/api/v1/reports/{id}/advisory.md", get(disclosure::api::report_advisory))
        .route("/api/v1/reports/{id}/osv.json", get(disclosure::api::report_osv))
        .route("/api/v1/deadlines", get(disclosure::api::list_deadlines))
        .route("/api/v1/audit", axum::routing::post(audit_api::audit_lockfile))
        .route("/api/v1/drafts/check", axum::routing::post(disclosure::api::check_draft_text))
        .merge(disclosure::web::routes())
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics))
        .fallback(not_found)
        .layer(middleware::from_fn_with_state(Arc::clone(&state), guard))
        .with_state(state)
}

/// The router wrapped in the body limit, the request timeout and panic catching. These wrap the whole
/// router once: as route layers, axum would clone the stack for every request (17% of the time under
/// load). `guard` stays a route layer because it needs the matched route.
pub fn service(
    state: Arc<AppState>,
) -> impl tower::Service<Request, Response = Response, Error = std::convert::Infallible, Future = impl Send>
+ Clone
+ Send
+ 'static {
    let settings = state.settings.clone();
    tower::ServiceBuilder::new()
        .map_response(IntoResponse::into_response)
        .layer(tower_http::catch_panic::CatchPanicLayer::new())
        .map_response(IntoResponse::into_response)
        .layer(tower_http::timeout::TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            settings.request_timeout,
        ))
        .map_response(IntoResponse::into_response)
        .layer(tower_http::limit::RequestBodyLimitLayer::new(settings.max_body))
        .service(router(state))
}

/// Size limits, security headers, metrics and the request log, around every request.
async fn guard(State(state): State<Arc<AppState>>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let uri_len = request.uri().path_and_query().map_or(0, |p| p.as_str().len());
    let header_bytes: usize = request.headers().iter().map(|(k, v)| k.as_str().len() + v.len() + 4).sum();
    let route = crate::metrics::route_index(request.extensions().get::<MatchedPath>().map(MatchedPath::as_str));
    let method = request.method().clone();
    // The path is kept only when it will be logged: this runs on every request.
    // Workflow paths can carry a reporter's secret (`/report/{token}`): those log their route pattern.
    let path = tracing::enabled!(tracing::Level::DEBUG).then(|| match is_workflow(route) {
        true => crate::metrics::ROUTES[route].to_owned(),
        false => request.uri().path().to_owned(),
    });
    let mut response = if uri_len > state.settings.max_uri {
        problem(StatusCode::URI_TOO_LONG, "the request target is too long")
    } else if header_bytes > state.settings.max_headers {
        problem(StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE, "the request headers are too large")
    } else if !method_allowed(route, &method) {
        let allow = if accepts_post(route) { "POST" } else { "GET, HEAD" };
        let mut r = problem(StatusCode::METHOD_NOT_ALLOWED, &format!("this route accepts {allow}"));
        r.headers_mut().insert(header::ALLOW, HeaderValue::from_str(allow).expect("static text"));
        r
    } else {
        next.run(request).await
    };
    let headers = response.headers_mut();
    if is_workflow(route) {
        // Private data: never kept by browsers or proxies.
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    headers.insert("x-content-type-options", HeaderValue::from_static("nosniff"));
    headers.insert("referrer-policy", HeaderValue::from_static("no-referrer"));
    // Workflow pages show reporters' Markdown to staff: no outside images there, which would tell an
    // outside server who read a report, and when.
    let csp = if is_workflow(route) {
        "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
    } else {
        "default-src 'none'; style-src 'self'; img-src 'self' https:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
    };
    headers.insert("content-security-policy", HeaderValue::from_static(csp));
    let elapsed = started.elapsed();
    state.metrics.observe(route, response.status().as_u16(), elapsed);
    if let Some(path) = path {
        tracing::debug!(method = %method, path = %path, route = crate::metrics::ROUTES[route], status = response.status().as_u16(), micros = elapsed.as_micros() as u64, "request");
    }
    response
}

/// Whether the route (an index into [`ROUTES`](crate::metrics::ROUTES)) is one of the OSV queries, which
/// take POST rather than GET and HEAD.
fn accepts_post(route: usize) -> bool {
    matches!(crate::metrics::ROUTES.get(route), Some(&"/v1/query" | &"/v1/querybatch" | &"/api/v1/audit"))
}

/// Whether the route belongs to the disclosure workflow, whose routes take POST as well as GET and
/// HEAD (each route's own method router answers 405 to a method it does not take).
fn is_workflow(route: usize) -> bool {
    crate::metrics::ROUTES.get(route).is_some_and(|r| {
        ["/api/v1/reports", "/api/v1/deadlines", "/api/v1/drafts", "/disclosure", "/signin", "/signout", "/report"]
            .iter()
            .any(|prefix| r.starts_with(prefix))
    })
}

/// The OSV queries take POST; the workflow's routes GET, HEAD and POST; every other route GET and HEAD.
fn method_allowed(route: usize, method: &axum::http::Method) -> bool {
    use axum::http::Method;
    if accepts_post(route) {
        method == Method::POST
    } else if is_workflow(route) {
        method == Method::GET || method == Method::HEAD || method == Method::POST
    } else {
        method == Method::GET || method == Method::HEAD
    }
}

/// An error in the JSON envelope, for the guard and the API fallback (nothing to cache or revalidate).
fn problem(status: StatusCode, detail: &str) -> Response {
    let body = serde_json::to_vec(&api::errors(detail)).expect("serializing to memory");
    (status, [(header::CONTENT_TYPE, "application/json"), (header::CACHE_CONTROL, "no-store")], body).into_response()
}

/// A rendered response body, kept for ETag checks and reuse.
#[derive(Clone)]
struct Rendered {
    status: StatusCode,
    content_type: &'static str,
    body: Bytes,
    etag: HeaderValue,
}

const HTML: &str = "text/html; charset=utf-8";
const JSON: &str = "application/json";
const ATOM: &str = "application/atom+xml; charset=utf-8";

impl Rendered {
    fn new(status: StatusCode, content_type: &'static str, body: Vec<u8>) -> Rendered {
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        body.hash(&mut hasher);
        content_type.hash(&mut hasher);
        let etag = HeaderValue::from_str(&format!("\"{:016x}\"", hasher.finish())).expect("hex is a valid header");
        Rendered { status, content_type, body: Bytes::from(body), etag }
    }

    fn html(status: StatusCode, markup: maud::Markup) -> Rendered {
        Rendered::new(status, HTML, markup.into_string().into_bytes())
    }

    fn json(status: StatusCode, value: &impl serde::Serialize) -> Rendered {
        Rendered::new(status, JSON, serde_json::to_vec(value).expect("serializing to memory"))
    }

    /// The response, or 304 when the client's `If-None-Match` names this body.
    fn respond(&self, request_headers: &HeaderMap) -> Response {
        let fresh = request_headers
            .get_all(header::IF_NONE_MATCH)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .any(|tag| {
                let tag = tag.trim();
                tag == "*" || tag.trim_start_matches("W/").as_bytes() == self.etag.as_bytes()
            });
        let cache_control = if self.status.is_success() { "public, max-age=60" } else { "public, max-age=30" };
        let mut response = if fresh && self.status.is_success() {
            StatusCode::NOT_MODIFIED.into_response()
        } else {
            (self.status, Body::from(self.body.clone())).into_response()
        };
        let headers = response.headers_mut();
        if !fresh {
            headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(self.content_type));
        }
        headers.insert(header::ETAG, self.etag.clone());
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache_control));
        response
    }
}

/// One part of the cache: request target to when it was rendered and what.
type Shard = HashMap<String, (Instant, Arc<Rendered>)>;

/// Rendered responses by request target, emptied on every snapshot swap. Sharded so that concurrent
/// requests rarely wait on one another.
struct ResponseCache {
    shards: Vec<RwLock<Shard>>,
    per_shard: usize,
    hasher: std::hash::RandomState,
}

impl ResponseCache {
    const SHARDS: usize = 16;

    fn new(entries: usize) -> ResponseCache {
        ResponseCache {
            shards: (0..Self::SHARDS).map(|_| RwLock::new(HashMap::new())).collect(),
            per_shard: entries.div_ceil(Self::SHARDS).max(1),
            hasher: std::hash::RandomState::new(),
        }
    }

    fn shard(&self, key: &str) -> &RwLock<Shard> {
        &self.shards[(self.hasher.hash_one(key) as usize) % Self::SHARDS]
    }

    fn get(&self, key: &str, ttl: Duration) -> Option<Arc<Rendered>> {
        let shard = self.shard(key).read().expect("cache lock");
        shard.get(key).filter(|(at, _)| at.elapsed() < ttl).map(|(_, r)| Arc::clone(r))
    }

    fn put(&self, key: String, rendered: Arc<Rendered>) {
        let mut shard = self.shard(&key).write().expect("cache lock");
        if shard.len() >= self.per_shard {
            // Simple and bounded: drop the shard's entries; popular pages come back at once.
            shard.clear();
        }
        shard.insert(key, (Instant::now(), rendered));
    }

    fn clear(&self) {
        for shard in &self.shards {
            shard.write().expect("cache lock").clear();
        }
    }
}

/// Serves `key` from the cache, or renders it with `render` and keeps successful results.
async fn cached<F, Fut>(state: &AppState, key: String, headers: &HeaderMap, render: F) -> Response
where
    F: FnOnce(Arc<Knowledge>) -> Fut,
    Fut: std::future::Future<Output = Rendered>,
{
    if let Some(hit) = state.cache.get(&key, state.settings.cache_ttl) {
        state.metrics.cache_hit();
        return hit.respond(headers);
    }
    state.metrics.cache_miss();
    let generation = state.generation.load(Ordering::SeqCst);
    let rendered = Arc::new(render(state.knowledge()).await);
    // Keep it only if no swap happened meanwhile, so an old snapshot's page never outlives the swap.
    if rendered.status.is_success() && state.generation.load(Ordering::SeqCst) == generation {
        state.cache.put(key, Arc::clone(&rendered));
    }
    rendered.respond(headers)
}

/// An error page whose title names the status (400, 404, or the registry being unavailable).
fn error_html(knowledge: &Knowledge, status: StatusCode, detail: &str) -> Rendered {
    let title = match status {
        StatusCode::BAD_REQUEST => "Bad request",
        StatusCode::NOT_FOUND => "Not found",
        _ => "Registry unavailable",
    };
    Rendered::html(status, pages::error_page(knowledge, title, detail))
}

fn not_found_html(knowledge: &Knowledge, detail: &str) -> Rendered {
    error_html(knowledge, StatusCode::NOT_FOUND, detail)
}

/// The error of a crate route: the JSON envelope for the API, a page for people.
fn crate_error(knowledge: &Knowledge, json: bool, status: StatusCode, detail: &str) -> Rendered {
    if json { json_error(status, detail) } else { error_html(knowledge, status, detail) }
}

fn json_error(status: StatusCode, detail: &str) -> Rendered {
    Rendered::json(status, &api::errors(detail))
}

/// Crate names are ASCII letters, digits, `-` and `_`, at most 64 characters (the registry's rules).
fn valid_crate_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 64
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        && name.as_bytes()[0].is_ascii_alphabetic()
}

/// Looks a crate up in the index and the advisories: `Err` carries the error response.
async fn load_crate(
    state: &AppState,
    knowledge: &Knowledge,
    name: &str,
    json: bool,
) -> Result<(CrateSecurity, Option<Arc<CrateVersions>>), Rendered> {
    let fail = |status: StatusCode, detail: String| crate_error(knowledge, json, status, &detail);
    if !valid_crate_name(name) {
        return Err(fail(
            StatusCode::BAD_REQUEST,
            format!(
                "`{name}` is not a valid crate name (letters, digits, `-` and `_`, starting with a letter, at most 64)"
            ),
        ));
    }
    let index = match state.crate_versions(name).await {
        Ok(index) => index,
        Err(e) => {
            state.metrics.index_error();
            // Without the index the advisories can still be shown; only a crate that nobody knows is
            // reported as unavailable.
            tracing::warn!(crate_name = name, error = %e, "registry index lookup failed");
            if knowledge.for_crate(name).is_empty() {
                return Err(fail(StatusCode::BAD_GATEWAY, format!("the registry index could not be read: {e}")));
            }
            None
        }
    };
    match CrateSecurity::build(knowledge, name, index.as_deref()) {
        Some(c) => Ok((c, index)),
        None => Err(fail(
            StatusCode::NOT_FOUND,
            format!("no crate named `{name}` is known to the registry or the advisories"),
        )),
    }
}

fn parse_version(text: &str) -> Option<Version> {
    Version::parse(text).ok()
}

async fn home(State(state): State<Arc<AppState>>, headers: HeaderMap) -> Response {
    cached(&state, "/".into(), &headers, |k| async move { Rendered::html(StatusCode::OK, pages::home(&k)) }).await
}

async fn style(headers: HeaderMap) -> Response {
    static STYLE: std::sync::OnceLock<Rendered> = std::sync::OnceLock::new();
    let rendered = STYLE
        .get_or_init(|| Rendered::new(StatusCode::OK, "text/css; charset=utf-8", include_bytes!("style.css").to_vec()));
    let mut response = rendered.respond(&headers);
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=86400"));
    response
}

/// What a crate route renders.
#[derive(Clone, Copy)]
enum CrateView {
    /// `/crates/{name}[/{version}]`.
    Overview,
    /// `/crates/{name}[/{version}]/security`.
    Security,
    /// `/api/v1/crates/{name}[/{version}]/security`.
    Api,
}

/// Every crate route: the crate, optionally one of its versions, rendered as `view`. Without a version
/// the pages select the default version; the API lists all of them.
async fn crate_route(
    state: Arc<AppState>,
    headers: HeaderMap,
    key: String,
    name: String,
    version: Option<String>,
    view: CrateView,
) -> Response {
    let st = Arc::clone(&state);
    let json = matches!(view, CrateView::Api);
    cached(&state, key, &headers, |k| async move {
        let fail = |status: StatusCode, detail: String| crate_error(&k, json, status, &detail);
        let wanted = match version.as_deref().map(|v| (v, parse_version(v))) {
            None => None,
            Some((_, Some(parsed))) => Some(parsed),
            Some((text, None)) => return fail(StatusCode::BAD_REQUEST, format!("`{text}` is not a semantic version")),
        };
        let (c, index) = match load_crate(&st, &k, &name, json).await {
            Ok(found) => found,
            Err(rendered) => return rendered,
        };
        let selected = match &wanted {
            None => c.default_version(),
            Some(v) => match c.version(v) {
                Some(state) => Some(state),
                None => return fail(StatusCode::NOT_FOUND, format!("{} has no published version {v}", c.name)),
            },
        };
        let explicit = wanted.is_some();
        match view {
            CrateView::Overview => {
                let iv = selected.and_then(|s| index.as_ref()?.versions.iter().find(|v| v.version == s.version));
                Rendered::html(StatusCode::OK, pages::crate_overview(&k, &c, selected, explicit, iv))
            }
            CrateView::Security => Rendered::html(StatusCode::OK, pages::crate_security(&k, &c, selected, explicit)),
            CrateView::Api => match (explicit, selected) {
                (true, Some(v)) => Rendered::json(StatusCode::OK, &api::version_body(&c, v)),
                _ => Rendered::json(StatusCode::OK, &api::crate_body(&c)),
            },
        }
    })
    .await
}

async fn crate_overview(State(state): State<Arc<AppState>>, Path(name): Path<String>, headers: HeaderMap) -> Response {
    let key = format!("/crates/{name}");
    crate_route(state, headers, key, name, None, CrateView::Overview).await
}

async fn version_overview(
    State(state): State<Arc<AppState>>,
    Path((name, version)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    let key = format!("/crates/{name}/{version}");
    crate_route(state, headers, key, name, Some(version), CrateView::Overview).await
}

async fn crate_security(State(state): State<Arc<AppState>>, Path(name): Path<String>, headers: HeaderMap) -> Response {
    let key = format!("/crates/{name}/security");
    crate_route(state, headers, key, name, None, CrateView::Security).await
}

async fn version_security(
    State(state): State<Arc<AppState>>,
    Path((name, version)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    let key = format!("/crates/{name}/{version}/security");
    crate_route(state, headers, key, name, Some(version), CrateView::Security).await
}

async fn crate_feed(State(state): State<Arc<AppState>>, Path(name): Path<String>, headers: HeaderMap) -> Response {
    let key = format!("/crates/{name}/feed.xml");
    let st = Arc::clone(&state);
    cached(&state, key, &headers, |k| async move {
        let entries = k.for_crate(&name);
        if entries.is_empty() && !valid_crate_name(&name) {
            return not_found_html(&k, &format!("`{name}` is not a valid crate name"));
        }
        let title = format!("Advisories for {name}");
        let xml = feed::atom(&st.settings.base_url, &format!("/crates/{name}/feed.xml"), &title, &entries);
        Rendered::new(StatusCode::OK, ATOM, xml.into_bytes())
    })
    .await
}

async fn site_feed(State(state): State<Arc<AppState>>, headers: HeaderMap) -> Response {
    let st = Arc::clone(&state);
    cached(&state, "/feed.xml".into(), &headers, |k| async move {
        let entries: Vec<_> = k.entries().iter().take(feed::FEED_LENGTH).collect();
        let xml = feed::atom(&st.settings.base_url, "/feed.xml", "RustSec advisories (cratewatch)", &entries);
        Rendered::new(StatusCode::OK, ATOM, xml.into_bytes())
    })
    .await
}

#[derive(Deserialize)]
struct PageQuery {
    page: Option<String>,
}

async fn advisories(
    State(state): State<Arc<AppState>>,
    Query(query): Query<PageQuery>,
    headers: HeaderMap,
) -> Response {
    const PER_PAGE: usize = 100;
    let page_text = query.page.unwrap_or_else(|| "1".into());
    let key = format!("/advisories?page={page_text}");
    cached(&state, key, &headers, |k| async move {
        let pages = k.entries().len().div_ceil(PER_PAGE).max(1);
        match page_text.parse::<usize>() {
            Ok(page) if (1..=pages).contains(&page) => {
                Rendered::html(StatusCode::OK, pages::advisories_page(&k, page, PER_PAGE))
            }
            _ => error_html(&k, StatusCode::BAD_REQUEST, &format!("`page` must be a number from 1 to {pages}")),
        }
    })
    .await
}

async fn advisory(State(state): State<Arc<AppState>>, Path(id): Path<String>, headers: HeaderMap) -> Response {
    let key = format!("/advisories/{id}");
    let st = Arc::clone(&state);
    cached(&state, key, &headers, |k| async move {
        let Some(entry) = k.by_id(&id).cloned() else {
            return not_found_html(&k, &format!("no advisory has the id `{id}`"));
        };
        let c = match entry.advisory.collection {
            cratewatch_advisory::Collection::Crates => {
                load_crate(&st, &k, &entry.advisory.package, false).await.ok().map(|(c, _)| c)
            }
            _ => None,
        };
        Rendered::html(StatusCode::OK, pages::advisory_page(&k, &entry, c.as_ref()))
    })
    .await
}

async fn categories(State(state): State<Arc<AppState>>, headers: HeaderMap) -> Response {
    cached(&state, "/categories".into(), &headers, |k| async move {
        Rendered::html(StatusCode::OK, pages::categories_page(&k))
    })
    .await
}

async fn category(State(state): State<Arc<AppState>>, Path(category): Path<String>, headers: HeaderMap) -> Response {
    let key = format!("/categories/{category}");
    cached(&state, key, &headers, |k| async move {
        let entries = k.for_category(&category);
        if entries.is_empty() {
            return not_found_html(&k, &format!("no advisory is in the category `{category}`"));
        }
        Rendered::html(StatusCode::OK, pages::tagged_page(&k, "Category", &category, &entries))
    })
    .await
}

async fn keyword(State(state): State<Arc<AppState>>, Path(keyword): Path<String>, headers: HeaderMap) -> Response {
    let key = format!("/keywords/{keyword}");
    cached(&state, key, &headers, |k| async move {
        let entries = k.for_keyword(&keyword);
        if entries.is_empty() {
            return not_found_html(&k, &format!("no advisory has the keyword `{keyword}`"));
        }
        Rendered::html(StatusCode::OK, pages::tagged_page(&k, "Keyword", &keyword, &entries))
    })
    .await
}

#[derive(Deserialize)]
struct SearchQuery {
    q: Option<String>,
}

async fn search(State(state): State<Arc<AppState>>, Query(query): Query<SearchQuery>, headers: HeaderMap) -> Response {
    let q = query.q.unwrap_or_default().trim().to_owned();
    let k = state.knowledge();
    // Exact matches go straight to their page.
    if let Some(entry) = k.by_id(&q.to_ascii_uppercase()) {
        return Redirect::to(&format!("/advisories/{}", entry.advisory.id.as_str())).into_response();
    }
    let by_alias = k.by_alias(&q);
    if by_alias.len() == 1 {
        return Redirect::to(&format!("/advisories/{}", by_alias[0].advisory.id.as_str())).into_response();
    }
    if valid_crate_name(&q) {
        let known = !k.for_crate(&q).is_empty() || matches!(state.crate_versions(&q).await, Ok(Some(_)));
        if known && by_alias.is_empty() {
            return Redirect::to(&format!("/crates/{q}/security")).into_response();
        }
    }
    let key = format!("/search?q={q}");
    cached(&state, key, &headers, |k| async move {
        let needle = q.to_lowercase();
        let crates: Vec<String> = if needle.is_empty() {
            Vec::new()
        } else {
            k.crate_names()
                .into_iter()
                .filter(|n| n.to_lowercase().contains(&needle))
                .take(100)
                .map(str::to_owned)
                .collect()
        };
        let mut entries = k.by_alias(&q);
        if !needle.is_empty() {
            for entry in k.entries() {
                let a = &entry.advisory;
                if entries.len() >= 100 {
                    break;
                }
                let hit = a.title.to_lowercase().contains(&needle) || a.package.to_lowercase().contains(&needle);
                if hit && !entries.iter().any(|e| e.advisory.id == a.id) {
                    entries.push(entry);
                }
            }
        }
        Rendered::html(StatusCode::OK, pages::search_page(&k, &q, &crates, &entries))
    })
    .await
}

async fn openapi(headers: HeaderMap) -> Response {
    static DOC: std::sync::OnceLock<Rendered> = std::sync::OnceLock::new();
    DOC.get_or_init(|| Rendered::new(StatusCode::OK, JSON, include_bytes!("openapi.json").to_vec())).respond(&headers)
}

async fn api_crate(State(state): State<Arc<AppState>>, Path(name): Path<String>, headers: HeaderMap) -> Response {
    let key = format!("/api/v1/crates/{name}/security");
    crate_route(state, headers, key, name, None, CrateView::Api).await
}

async fn api_version(
    State(state): State<Arc<AppState>>,
    Path((name, version)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    let key = format!("/api/v1/crates/{name}/{version}/security");
    crate_route(state, headers, key, name, Some(version), CrateView::Api).await
}

#[derive(Deserialize)]
struct SinceQuery {
    since: Option<String>,
}

async fn api_advisories(
    State(state): State<Arc<AppState>>,
    Query(query): Query<SinceQuery>,
    headers: HeaderMap,
) -> Response {
    let since = query.since.unwrap_or_default();
    let key = format!("/api/v1/advisories?since={since}");
    cached(&state, key, &headers, |k| async move {
        let date = if since.is_empty() {
            None
        } else {
            match since.parse::<cratewatch_advisory::Date>() {
                Ok(date) => Some(date),
                Err(e) => {
                    return json_error(StatusCode::BAD_REQUEST, &format!("`since` must be a date YYYY-MM-DD: {e}"));
                }
            }
        };
        // An advisory counts as new when it was published or withdrawn on or after `since`.
        let entries = k
            .entries()
            .iter()
            .filter(|e| date.is_none_or(|d| e.advisory.date >= d || e.advisory.withdrawn.is_some_and(|w| w >= d)))
            .map(|e| &**e);
        Rendered::json(StatusCode::OK, &api::advisories_body(entries))
    })
    .await
}

async fn api_advisory(State(state): State<Arc<AppState>>, Path(id): Path<String>, headers: HeaderMap) -> Response {
    let key = format!("/api/v1/advisories/{id}");
    cached(&state, key, &headers, |k| async move {
        match k.by_id(&id) {
            Some(entry) => Rendered::json(StatusCode::OK, &api::AdvisoryView::new(entry)),
            None => json_error(StatusCode::NOT_FOUND, &format!("no advisory has the id `{id}`")),
        }
    })
    .await
}

async fn healthz(State(state): State<Arc<AppState>>) -> Response {
    let k = state.knowledge();
    let sync = state.sync_status();
    let body = serde_json::json!({
        "status": if sync.last_error.is_some() { "degraded" } else { "ok" },
        "advisories": k.entries().len(),
        "diagnostics": k.diagnostics().len(),
        "source": k.provenance().source,
        "commit": k.provenance().commit,
        "index": state.index.describe(),
        "loads": sync.loads,
        "sync_failures": sync.failures,
        "last_sync_error": sync.last_error,
        "uptime_seconds": state.started.elapsed().as_secs(),
    });
    ([(header::CACHE_CONTROL, "no-store")], axum::Json(body)).into_response()
}

async fn metrics(State(state): State<Arc<AppState>>) -> Response {
    let k = state.knowledge();
    let sync = state.sync_status();
    let text = state.metrics.render(k.entries().len(), &sync);
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8"), (header::CACHE_CONTROL, "no-store")], text)
        .into_response()
}

async fn not_found(State(state): State<Arc<AppState>>, request: Request) -> Response {
    let path = request.uri().path().to_owned();
    if path.starts_with("/api/") {
        return problem(StatusCode::NOT_FOUND, &format!("no API route matches `{path}`"));
    }
    let k = state.knowledge();
    not_found_html(&k, &format!("there is no page at `{path}`")).respond(request.headers())
}
