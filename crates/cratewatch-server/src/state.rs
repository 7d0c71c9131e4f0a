//! What every handler shares: the served snapshot (swapped whole on sync and publication), the
//! registry index, the settings, the response cache, the metrics and the health of the service.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use arc_swap::ArcSwap;
use cratewatch_index::{CrateSource, CrateVersions};

use crate::cache::ResponseCache;
pub(crate) use crate::health::lock;
use crate::health::{Health, SyncStatus};
use crate::knowledge::{Entry, Knowledge};
use crate::metrics::Metrics;

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
    /// Longest time a request may take, reading its body included.
    pub request_timeout: Duration,
    /// Longest time a client may take to send a request's headers, and longest time a keep-alive
    /// connection may stay idle waiting for the next request: slow and idle clients are disconnected.
    pub header_timeout: Duration,
    /// Most connections served at once; more wait in the listen backlog.
    pub max_connections: usize,
    /// Reverse proxies whose `X-Forwarded-For` names the client (for the report form's rate limit).
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// Who may read `/metrics` on the main listener.
    pub metrics: MetricsAccess,
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
            header_timeout: Duration::from_secs(10),
            max_connections: 1024,
            trusted_proxies: Vec::new(),
            metrics: MetricsAccess::Hidden,
        }
    }
}

/// Who may read `/metrics` on the main listener. The metrics count requests to the workflow's routes
/// (sign-ins, report actions), which shows disclosure activity, so a public deployment either puts
/// them behind a token or serves them on a separate, private address (`cratewatch serve
/// --metrics-listen`), where this setting does not apply.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum MetricsAccess {
    /// Anyone (tests and local use).
    Public,
    /// Only requests with `Authorization: Bearer TOKEN`; others get 401.
    Token(String),
    /// Nobody: `/metrics` on the main listener answers 404 (they are served elsewhere, or not at all).
    Hidden,
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
    disclosure: OnceLock<Arc<crate::disclosure::Disclosure>>,
    /// Limits the public report form and API.
    pub(crate) report_limiter: crate::disclosure::RateLimiter,
    /// Bumped on every swap: a response rendered across a swap is not cached.
    pub(crate) generation: AtomicU64,
    pub(crate) index: Arc<dyn CrateSource>,
    pub(crate) settings: Settings,
    pub(crate) cache: ResponseCache,
    /// Request and sync counters for `/metrics`.
    pub(crate) metrics: Metrics,
    /// Ecosystem reach, computed in the background when the index is loaded whole.
    pub(crate) reach: crate::reach::Reach,
    health: Health,
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
            disclosure: OnceLock::new(),
            report_limiter: crate::disclosure::RateLimiter::default(),
            generation: AtomicU64::new(1),
            index,
            settings,
            cache,
            metrics: Metrics::default(),
            reach: crate::reach::Reach::default(),
            health: Health::new(),
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

    /// The settings the service runs with.
    pub fn settings(&self) -> &Settings {
        &self.settings
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
        let _composing = lock(&self.compose);
        let published = self.published.load_full();
        self.serve(knowledge.with_published(&published));
        self.sources.store(Arc::new(knowledge));
        self.health.loaded();
    }

    /// Replaces the advisories published through the disclosure workflow, at once, without a restart.
    pub fn replace_published(&self, published: Vec<Arc<Entry>>) {
        let _composing = lock(&self.compose);
        let served = self.sources.load().with_published(&published);
        self.published.store(Arc::new(published));
        self.serve(served);
    }

    fn serve(&self, knowledge: Knowledge) {
        self.knowledge.store(Arc::new(knowledge));
        self.invalidate();
        self.reach.advisories_changed();
    }

    /// Empties the response cache, and keeps responses rendered before now out of it: call after
    /// anything the pages show changes (the snapshot, the reach results).
    pub(crate) fn invalidate(&self) {
        self.generation.fetch_add(1, Ordering::SeqCst);
        self.cache.clear();
    }

    /// How far the reach resolution has got: versions resolved and in all (both 0 before it starts;
    /// `done` stays below `total` when the service stopped it).
    pub fn reach_progress(&self) -> (usize, usize) {
        self.reach.progress_counts()
    }

    /// Computes ecosystem reach over `index` in the background (the resolution once, the exposure of
    /// the served advisories after every change), and serves it on the reach routes and pages when
    /// ready. Call once, from within the service's runtime.
    pub fn start_reach(self: &Arc<Self>, index: Arc<cratewatch_index::IndexSnapshot>) {
        crate::reach::start(self, index);
    }

    /// Records a sync that found nothing new.
    pub fn sync_succeeded(&self) {
        self.health.sync_succeeded();
    }

    /// Records a failed sync; the current snapshot stays.
    pub fn sync_failed(&self, reason: String) {
        self.health.sync_failed(reason);
    }

    /// Records a panic caught in a request or a background task; the service goes on.
    pub(crate) fn panicked(&self, place: &str, message: &str) {
        tracing::error!(place, message, "panic caught; the service goes on");
        self.health.panicked(place, message);
    }

    /// How syncing has gone.
    pub fn sync_status(&self) -> SyncStatus {
        self.health.sync_status()
    }

    /// The service's health: what `/healthz` reports.
    pub(crate) fn health(&self) -> &Health {
        &self.health
    }

    /// The versions of crate `name` from the registry index, on a blocking thread when the index may block.
    pub(crate) async fn crate_versions(&self, name: &str) -> Result<Option<Arc<CrateVersions>>, String> {
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

    /// When the service started.
    pub(crate) fn started(&self) -> Instant {
        self.health.started()
    }
}
