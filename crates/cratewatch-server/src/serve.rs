//! Running the service: load the first snapshot, listen, re-sync the database on an interval, and
//! stop gracefully (requests in flight finish) on Ctrl-C, SIGTERM or the caller's signal.

use std::future::Future;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use crate::app::{AppState, Settings, service};
use crate::disclosure::{Disclosure, DisclosureConfig, Tick};
use crate::knowledge::{Knowledge, Provenance};
use cratewatch_db::GitMirror;
use cratewatch_disclosure::Clock;
use cratewatch_store::Store;
use cratewatch_workflow::Mailer;

use cratewatch_index::CrateSource;

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
    for source in sources {
        let (root, commit, warning) = source.checkout().map_err(|e| format!("{}: {e}", source.describe()))?;
        roots.push(root);
        commits.extend(commit);
        warnings.extend(warning.map(|w| format!("{}: {w}", source.describe())));
    }
    let provenance = Provenance {
        source: sources.iter().map(DbSource::describe).collect::<Vec<_>>().join(" + "),
        commit: (!commits.is_empty()).then(|| commits.join("+")),
        loaded_at: SystemTime::now(),
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
    /// How often to re-sync the database; `None` never.
    pub sync_interval: Option<Duration>,
    /// Application limits and tunables.
    pub settings: Settings,
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
    let app =
        axum::ServiceExt::<axum::extract::Request>::into_make_service_with_connect_info::<SocketAddr>(service(state));
    let result = axum::serve(listener, app)
        .with_graceful_shutdown(async move {
            tokio::select! {
                _ = shutdown => {},
                _ = terminate() => {},
            }
            tracing::info!("shutting down: finishing requests in flight");
        })
        .await
        .map_err(|e| e.to_string());
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
    let loaded =
        tokio::task::spawn_blocking(move || load_sources(&sources)).await.map_err(|e| e.to_string()).and_then(|r| r);
    match loaded {
        Ok((_, Some(reason))) | Err(reason) => {
            tracing::error!(%reason, "advisory database sync failed; serving the previous snapshot");
            state.sync_failed(reason);
        }
        Ok((knowledge, None)) => {
            let current = state.sources();
            let same = current.entries().len() == knowledge.entries().len()
                && current.entries().iter().zip(knowledge.entries()).all(|(a, b)| a.advisory == b.advisory)
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
