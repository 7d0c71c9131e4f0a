//! Running the service: load the first snapshot, listen, re-sync the database on an interval, and
//! stop gracefully (requests in flight finish) on Ctrl-C, SIGTERM or the caller's signal.

use std::future::Future;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use crate::app::{AppState, Settings, service};
use crate::knowledge::{Knowledge, Provenance};
use cratewatch_db::GitMirror;

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
    /// Reads the database into a fresh snapshot (fetching first for a git source). Blocking: run it on a
    /// blocking thread. For a git source whose fetch fails, the last synced checkout is loaded instead
    /// when there is one, and the error is returned beside it so that it can be reported.
    pub fn load(&self) -> Result<(Knowledge, Option<String>), String> {
        match self {
            DbSource::Path(path) => {
                let commit = cratewatch_db::head(path).ok().flatten().map(|c| c.id);
                let provenance =
                    Provenance { source: path.display().to_string(), commit, loaded_at: SystemTime::now() };
                Ok((Knowledge::load(path, provenance).map_err(|e| e.to_string())?, None))
            }
            DbSource::Git(mirror) => {
                let (report, warning) = match mirror.sync() {
                    Ok(report) => (report, None),
                    Err(e) => match mirror.last_synced() {
                        Some(last) => (last, Some(e.to_string())),
                        None => return Err(e.to_string()),
                    },
                };
                let provenance = Provenance {
                    source: mirror.url().to_owned(),
                    commit: Some(report.commit.id.clone()),
                    loaded_at: SystemTime::now(),
                };
                let knowledge = Knowledge::load(&report.work_tree, provenance).map_err(|e| e.to_string())?;
                Ok((knowledge, warning))
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

/// What `cratewatch serve` runs.
pub struct ServeConfig {
    /// The address to listen on.
    pub listen: SocketAddr,
    /// The advisory database.
    pub db: DbSource,
    /// The registry index.
    pub index: Arc<dyn CrateSource>,
    /// How often to re-sync the database; `None` never.
    pub sync_interval: Option<Duration>,
    /// Application limits and tunables.
    pub settings: Settings,
}

/// Serves until `shutdown` completes (or Ctrl-C / SIGTERM). `on_ready` receives the bound address
/// (useful with port 0) and the state once the first snapshot is loaded and the socket listens.
pub async fn serve(
    config: ServeConfig,
    shutdown: impl Future<Output = ()> + Send + 'static,
    on_ready: impl FnOnce(SocketAddr, Arc<AppState>),
) -> Result<(), String> {
    let db = config.db.clone();
    let started = std::time::Instant::now();
    let (knowledge, warning) = tokio::task::spawn_blocking(move || db.load()).await.map_err(|e| e.to_string())??;
    tracing::info!(
        source = %config.db.describe(),
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
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", config.listen))?;
    let address = listener.local_addr().map_err(|e| e.to_string())?;
    tracing::info!(%address, "listening");

    let (stop_sync, mut sync_stopped) = tokio::sync::watch::channel(false);
    if let Some(interval) = config.sync_interval {
        let state = Arc::clone(&state);
        let db = config.db.clone();
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
    let app = axum::ServiceExt::<axum::extract::Request>::into_make_service(service(state));
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
    result
}

/// One sync: load the database again and swap the snapshot if anything changed. A failure keeps the
/// snapshot being served and is reported on `/healthz`, `/metrics` and in the log.
pub(crate) async fn sync_once(state: &Arc<AppState>, db: &DbSource) {
    let source = db.clone();
    let loaded = tokio::task::spawn_blocking(move || source.load()).await.map_err(|e| e.to_string()).and_then(|r| r);
    match loaded {
        Ok((_, Some(reason))) | Err(reason) => {
            tracing::error!(%reason, "advisory database sync failed; serving the previous snapshot");
            state.sync_failed(reason);
        }
        Ok((knowledge, None)) => {
            let current = state.knowledge();
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
