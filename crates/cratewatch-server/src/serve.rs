//! Running the service: load the first snapshot, listen, re-sync the database on an interval, and
//! stop gracefully (requests in flight finish) on Ctrl-C, SIGTERM or the caller's signal.

use std::future::Future;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use crate::disclosure::{Disclosure, DisclosureConfig, Tick};
use crate::health::panic_message;
use crate::knowledge::{Knowledge, Provenance, SourceWeb};
use crate::state::{AppState, Settings};
use cratewatch_db::GitMirror;
use cratewatch_disclosure::Clock;
use cratewatch_store::Store;
use cratewatch_workflow::Mailer;

use cratewatch_index::{CrateSource, IndexSnapshot};

/// Where the advisory database comes from.
#[derive(Clone, Debug)]
pub enum DbSource {
    /// A directory (a git work tree or a plain tree), reloaded on every sync.
    Path(PathBuf),
    /// A git repository, mirrored into the cache directory and fetched on every sync.
    Git(Arc<GitMirror>),
}

impl DbSource {
    /// The directory to read now and its commit, syncing a git source first; plus the sync error, when a
    /// git source fell back to its last synced checkout.
    fn checkout(&self) -> Result<(PathBuf, Option<String>, Option<String>), String> {
        match self {
            DbSource::Path(path) => {
                let commit = cratewatch_db::head(path).ok().flatten().map(|c| c.id);
                Ok((path.clone(), commit, None))
            }
            DbSource::Git(mirror) => {
                let (report, warning) = match mirror.sync() {
                    Ok(report) => (report, None),
                    Err(e) => match mirror.last_synced() {
                        Some(last) => (last, Some(e.to_string())),
                        None => return Err(e.to_string()),
                    },
                };
                Ok((report.work_tree, Some(report.commit.id.clone()), warning))
            }
        }
    }

    /// Where advisory pages link to the source's files: a GitHub repository given as a git URL, at the
    /// served `commit`. A directory (or another host) has no known web view; its pages show the path.
    fn web(&self, commit: Option<&str>) -> Option<SourceWeb> {
        match (self, commit) {
            (DbSource::Git(mirror), Some(commit)) => SourceWeb::github(mirror.url(), commit),
            _ => None,
        }
    }

    /// Describes the source for logs.
    pub fn describe(&self) -> String {
        match self {
            DbSource::Path(path) => path.display().to_string(),
            DbSource::Git(mirror) => mirror.url().to_owned(),
        }
    }
}

/// Reads several sources (the first one first) into one merged snapshot, fetching git sources first.
/// Blocking: run it on a blocking thread. A git source whose fetch fails is read from its last synced
/// checkout when there is one, and the error is returned beside the snapshot so that it can be reported.
pub fn load_sources(sources: &[DbSource]) -> Result<(Knowledge, Option<String>), String> {
    let mut roots = Vec::with_capacity(sources.len());
    let mut commits = Vec::new();
    let mut warnings = Vec::new();
    let mut web = Vec::with_capacity(sources.len());
    for source in sources {
        let (root, commit, warning) = source.checkout().map_err(|e| format!("{}: {e}", source.describe()))?;
        roots.push(root);
        web.push(source.web(commit.as_deref()));
        commits.extend(commit);
        warnings.extend(warning.map(|w| format!("{}: {w}", source.describe())));
    }
    let provenance = Provenance {
        source: sources.iter().map(DbSource::describe).collect::<Vec<_>>().join(" + "),
        commit: (!commits.is_empty()).then(|| commits.join("+")),
        loaded_at: SystemTime::now(),
        web,
    };
    let knowledge = Knowledge::load_all(&roots, provenance).map_err(|e| e.to_string())?;
    Ok((knowledge, (!warnings.is_empty()).then(|| warnings.join("; "))))
}

/// What `cratewatch serve` runs.
pub struct ServeConfig {
    /// The address to listen on.
    pub listen: SocketAddr,
    /// The advisory database.
    pub db: DbSource,
    /// Further advisory sources merged after `db` (a private RustSec-format repository, a directory of
    /// OSV records).
    pub extra_dbs: Vec<DbSource>,
    /// The registry index.
    pub index: Arc<dyn CrateSource>,
    /// The registry index loaded whole, to compute ecosystem reach from (usually the same snapshot as
    /// `index`); `None` serves no reach (its routes answer 404, and pages have no Dependencies tab).
    pub reach: Option<Arc<IndexSnapshot>>,
    /// How often to re-sync the database; `None` never.
    pub sync_interval: Option<Duration>,
    /// Application limits and tunables.
    pub settings: Settings,
    /// A second, private address that serves `/metrics` alone (for Prometheus), so that the main
    /// listener need not expose them.
    pub metrics_listen: Option<SocketAddr>,
    /// The coordinated-disclosure workflow; `None` serves the public pages and APIs only.
    pub disclosure: Option<DisclosureSetup>,
}

/// How the disclosure workflow runs.
pub struct DisclosureSetup {
    /// The store: `sqlite:PATH` (created and migrated at start) or `postgres://...`.
    pub database_url: String,
    /// Delivers notifications.
    pub mailer: Arc<dyn Mailer>,
    /// The clock deadlines and embargoes are measured with.
    pub clock: Arc<dyn Clock>,
    /// Where notifications go.
    pub config: DisclosureConfig,
    /// How often the scheduler runs (embargo ends, pre-notifications, escalations, mail delivery).
    pub tick_interval: Duration,
}

/// Serves until `shutdown` completes (or Ctrl-C / SIGTERM). `on_ready` receives the bound address
/// (useful with port 0) and the state once the first snapshot is loaded and the socket listens.
pub async fn serve(
    config: ServeConfig,
    shutdown: impl Future<Output = ()> + Send + 'static,
    on_ready: impl FnOnce(SocketAddr, Arc<AppState>),
) -> Result<(), String> {
    let sources: Vec<DbSource> = std::iter::once(config.db.clone()).chain(config.extra_dbs.iter().cloned()).collect();
    let started = std::time::Instant::now();
    let load = sources.clone();
    let (knowledge, warning) =
        tokio::task::spawn_blocking(move || load_sources(&load)).await.map_err(|e| e.to_string())??;
    tracing::info!(
        source = %knowledge.provenance().source,
        advisories = knowledge.entries().len(),
        diagnostics = knowledge.diagnostics().len(),
        millis = started.elapsed().as_millis() as u64,
        "advisory database loaded"
    );
    for d in knowledge.diagnostics() {
        tracing::warn!(path = %d.path, line = d.diagnostic.line, code = %d.diagnostic.code, "{}", d.diagnostic.message);
    }
    let state = AppState::new(knowledge, config.index, config.settings);
    if let Some(index) = config.reach {
        state.start_reach(index);
    }
    if let Some(reason) = warning {
        tracing::error!(%reason, "advisory database sync failed; serving the last synced commit");
        state.sync_failed(reason);
    }
    let mut stop_ticks = None;
    if let Some(setup) = config.disclosure {
        let store = Store::open(&setup.database_url).await.map_err(|e| e.to_string())?;
        tracing::info!(backend = ?store.backend(), "disclosure store ready");
        let weak = Arc::downgrade(&state);
        let floor = Box::new(move |year: u16| weak.upgrade().map_or(0, |s| highest_number(&s.sources(), year)));
        let disclosure = Disclosure::new(store, setup.clock, setup.mailer, setup.config, floor);
        state.enable_disclosure(Arc::new(disclosure));
        state.refresh_published().await.map_err(|e| e.to_string())?;
        let (stop, mut stopped) = tokio::sync::watch::channel(false);
        stop_ticks = Some(stop);
        let ticking = Arc::clone(&state);
        tokio::spawn(async move {
            let mut ticker = tokio::time::interval(setup.tick_interval);
            loop {
                tokio::select! {
                    _ = ticker.tick() => tick_once(&ticking).await,
                    _ = stopped.changed() => break,
                }
            }
        });
    }
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", config.listen))?;
    let address = listener.local_addr().map_err(|e| e.to_string())?;
    tracing::info!(%address, "listening");
    let (stop_metrics, metrics_stopped) = tokio::sync::watch::channel(false);
    if let Some(metrics_address) = config.metrics_listen {
        let metrics_listener = tokio::net::TcpListener::bind(metrics_address)
            .await
            .map_err(|e| format!("cannot listen on {metrics_address} for metrics: {e}"))?;
        tracing::info!(address = %metrics_listener.local_addr().map_err(|e| e.to_string())?, "serving /metrics");
        let app = crate::listener::metrics_router(Arc::clone(&state));
        let settings = state.settings.clone();
        let mut stopped = metrics_stopped;
        tokio::spawn(async move {
            let stop = async move {
                let _ = stopped.changed().await;
            };
            if let Err(e) = crate::listener::serve_http(metrics_listener, app, &settings, stop).await {
                tracing::error!(error = %e, "the metrics listener failed");
            }
        });
    }

    let (stop_sync, mut sync_stopped) = tokio::sync::watch::channel(false);
    if let Some(interval) = config.sync_interval {
        let state = Arc::clone(&state);
        let db = sources.clone();
        tokio::spawn(async move {
            let mut ticker = tokio::time::interval(interval);
            ticker.tick().await;
            loop {
                tokio::select! {
                    _ = ticker.tick() => sync_once(&state, &db).await,
                    _ = sync_stopped.changed() => break,
                }
            }
        });
    }
    on_ready(address, Arc::clone(&state));
    let settings = state.settings.clone();
    let stopping = Arc::clone(&state);
    let app = crate::app::router(state);
    let stop = async move {
        tokio::select! {
            _ = shutdown => {},
            _ = terminate() => {},
        }
        tracing::info!("shutting down: finishing requests in flight");
    };
    let result = crate::listener::serve_http(listener, app, &settings, stop).await;
    // A resolution still running would keep the runtime (and the process) waiting for it.
    stopping.reach.stop();
    drop(stopping);
    let _ = stop_metrics.send(true);
    let _ = stop_sync.send(true);
    if let Some(stop) = stop_ticks {
        let _ = stop.send(true);
    }
    result
}

/// One scheduler pass, then the publications served again (this or another replica may have
/// published). Failures are logged; the next tick tries again.
pub(crate) async fn tick_once(state: &Arc<AppState>) {
    let Some(disclosure) = state.disclosure() else { return };
    match disclosure.tick().await {
        Ok(tick) if tick != Tick::default() => tracing::info!(?tick, "disclosure scheduler"),
        Ok(_) => {}
        Err(e) => tracing::error!(error = %e, "disclosure scheduler failed"),
    }
    if let Err(e) = state.refresh_published().await {
        tracing::error!(error = %e, "cannot refresh the published advisories");
    }
}

/// The highest RUSTSEC number of `year` in the advisory sources, so that allocated ids follow it.
fn highest_number(knowledge: &Knowledge, year: u16) -> u32 {
    let prefix = format!("RUSTSEC-{year}-");
    knowledge
        .entries()
        .iter()
        .filter_map(|e| e.advisory.id.as_str().strip_prefix(&prefix)?.parse::<u32>().ok())
        .max()
        .unwrap_or(0)
}

/// One sync: load the database again and swap the snapshot if anything changed. A failure keeps the
/// snapshot being served and is reported on `/healthz`, `/metrics` and in the log.
pub(crate) async fn sync_once(state: &Arc<AppState>, db: &[DbSource]) {
    let sources = db.to_vec();
    sync_with(state, move || load_sources(&sources)).await;
}

/// One sync with `load` (on a blocking thread). A `load` that fails or panics leaves the snapshot
/// being served; the failure is reported, and the service goes on. Advisories whose files are
/// malformed now are kept in their last valid version, marked stale, and logged at every sync.
pub(crate) async fn sync_with<F>(state: &Arc<AppState>, load: F)
where
    F: FnOnce() -> Result<(Knowledge, Option<String>), String> + Send + 'static,
{
    let loaded = match tokio::task::spawn_blocking(load).await {
        Ok(result) => result,
        Err(e) if e.is_panic() => {
            let message = panic_message(e.into_panic().as_ref());
            state.panicked("sync", &message);
            Err(format!("the sync panicked: {message}"))
        }
        Err(e) => Err(format!("the sync was cancelled: {e}")),
    };
    match loaded {
        Ok((_, Some(reason))) | Err(reason) => {
            tracing::error!(%reason, "advisory database sync failed; serving the previous snapshot");
            state.sync_failed(reason);
        }
        Ok((knowledge, None)) => {
            let current = state.sources();
            let knowledge = knowledge.keeping_stale(&current);
            log_problems(&knowledge);
            let same = current.entries().len() == knowledge.entries().len()
                && current
                    .entries()
                    .iter()
                    .zip(knowledge.entries())
                    .all(|(a, b)| a.advisory == b.advisory && a.stale == b.stale)
                && current.provenance().commit == knowledge.provenance().commit;
            if same {
                tracing::debug!("advisory database unchanged");
                state.sync_succeeded();
                return;
            }
            tracing::info!(advisories = knowledge.entries().len(), "advisory database changed: snapshot swapped");
            state.replace_knowledge(knowledge);
        }
    }
}

/// Logs, at every sync, what is wrong in the sources: each advisory kept from an earlier version
/// because its file is malformed now, and how many diagnostics there are.
fn log_problems(knowledge: &Knowledge) {
    for entry in knowledge.stale() {
        tracing::warn!(
            id = entry.advisory.id.as_str(),
            problem = entry.stale.as_deref().unwrap_or_default(),
            "advisory file is malformed; serving its last valid version"
        );
    }
    let errors = knowledge
        .diagnostics()
        .iter()
        .filter(|d| d.diagnostic.severity == cratewatch_advisory::DiagnosticSeverity::Error)
        .count();
    if errors > 0 {
        tracing::warn!(
            errors,
            diagnostics = knowledge.diagnostics().len(),
            "advisory files that did not load (run `cratewatch db check` for the list)"
        );
    }
}

async fn terminate() {
    #[cfg(unix)]
    {
        let mut term = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(signal) => signal,
            Err(_) => return std::future::pending().await,
        };
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {},
            _ = term.recv() => {},
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::time::SystemTime;

    use super::sync_with;
    use crate::knowledge::{Knowledge, Provenance};
    use crate::source::NoIndex;
    use crate::state::{AppState, Settings};

    fn provenance(commit: &str) -> Provenance {
        Provenance { source: "test".into(), commit: Some(commit.into()), loaded_at: SystemTime::now(), web: Vec::new() }
    }

    /// A sync whose load panics (the injected fault) keeps the snapshot, reports `degraded` with the
    /// panic, and the next good sync recovers.
    #[test]
    fn a_panicking_sync_keeps_the_last_good_snapshot() {
        let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap();
        runtime.block_on(async {
            let state = AppState::new(
                Knowledge::new(Vec::new(), Vec::new(), provenance("a")),
                Arc::new(NoIndex),
                Settings::default(),
            );
            sync_with(&state, || panic!("injected fault in the sync")).await;
            let status = state.sync_status();
            assert!(status.last_error.as_deref().unwrap().contains("injected fault in the sync"), "{status:?}");
            assert_eq!(state.knowledge().provenance().commit.as_deref(), Some("a"), "the last good snapshot stays");
            let reasons = state.health().degraded();
            assert!(reasons.iter().any(|r| r.contains("sync") && r.contains("injected fault")), "{reasons:?}");
            assert_eq!(state.health().panics().0, 1);

            sync_with(&state, || Ok((Knowledge::new(Vec::new(), Vec::new(), provenance("b")), None))).await;
            assert_eq!(state.sync_status().last_error, None);
            assert_eq!(state.knowledge().provenance().commit.as_deref(), Some("b"));
        });
    }
}
