//! Ecosystem reach in the service: every version of the loaded registry index resolved as Cargo would
//! ([`Resolution`], once per index, in the background at start), and who each served advisory reaches
//! ([`Exposure`], recomputed in the background after every change of the served advisories, without
//! resolving again). Each result is swapped in whole; until the first one exists, the reach routes
//! answer 503 with `Retry-After`, never a partial or empty answer.

use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock, Weak};
use std::time::{Duration, Instant};

use arc_swap::ArcSwapOption;
use axum::http::{HeaderValue, StatusCode, header};
use cratewatch_index::IndexSnapshot;
use cratewatch_reach::{Exposure, Progress, Resolution, ResolveOptions};

use crate::error::AppError;
use crate::health::{lock, panic_message};
use crate::knowledge::Knowledge;
use crate::state::AppState;

/// The exposure being served, and the snapshot of advisories it was computed from.
pub(crate) struct ReachView {
    pub(crate) exposure: Exposure,
    /// The served snapshot the exposure was computed from (its advisories' texts, for titles and links).
    pub(crate) knowledge: Arc<Knowledge>,
}

impl ReachView {
    pub(crate) fn resolution(&self) -> &Resolution {
        self.exposure.resolution()
    }
}

/// Where reach stands, shared by the handlers and the background task.
#[derive(Default)]
pub(crate) struct Reach {
    /// Whether the service computes reach at all (it needs an index loaded whole).
    enabled: AtomicBool,
    /// The resolution stage's progress: versions done and in all.
    done: AtomicUsize,
    total: AtomicUsize,
    started: OnceLock<Instant>,
    /// Why the computation failed, when it did (a panic; the service goes on without reach).
    failed: Mutex<Option<String>>,
    view: ArcSwapOption<ReachView>,
    /// Resolutions built (one per index) and exposures computed (one per change of the advisories).
    resolutions: AtomicU64,
    exposures: AtomicU64,
    /// Woken when the served advisories change.
    changed: Arc<tokio::sync::Notify>,
    /// Set when the service stops: a resolution in progress gives up rather than keep the process
    /// waiting for it (a minute on a large registry).
    stopping: AtomicBool,
}

impl Reach {
    /// Asks a resolution in progress to give up: the service is stopping.
    pub(crate) fn stop(&self) {
        self.stopping.store(true, Ordering::SeqCst);
    }

    /// The current view, or the error a reach route answers with: 404 when the service does not
    /// compute reach, 500 when the computation failed, 503 with `Retry-After` until the first result.
    pub(crate) fn ready(&self) -> Result<Arc<ReachView>, AppError> {
        if let Some(view) = self.view.load_full() {
            return Ok(view);
        }
        if !self.enabled.load(Ordering::SeqCst) {
            return Err(AppError::not_found(
                "this server does not compute ecosystem reach: it needs a registry index loaded whole \
                 (`cratewatch serve --index DIR`)",
            ));
        }
        if let Some(reason) = lock(&self.failed).clone() {
            return Err(AppError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                format!("ecosystem reach could not be computed: {reason}"),
            ));
        }
        let (done, total) = (self.done.load(Ordering::SeqCst), self.total.load(Ordering::SeqCst));
        let progress =
            if total == 0 { "loading the index".to_owned() } else { format!("{done} of {total} versions resolved") };
        Err(AppError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            format!("ecosystem reach is being computed ({progress}); try again in a few seconds"),
        )
        .with_header(header::RETRY_AFTER, HeaderValue::from(self.retry_after().as_secs())))
    }

    /// The view if there is one (pages show reach where they can and say when it is not ready).
    pub(crate) fn view(&self) -> Option<Arc<ReachView>> {
        self.view.load_full()
    }

    /// Whether the service computes reach.
    pub(crate) fn enabled(&self) -> bool {
        self.enabled.load(Ordering::SeqCst)
    }

    /// What `/healthz` says about reach: `off`, `computing`, `ready` or `failed`.
    pub(crate) fn status(&self) -> &'static str {
        if self.view.load().is_some() {
            "ready"
        } else if !self.enabled() {
            "off"
        } else if lock(&self.failed).is_some() {
            "failed"
        } else {
            "computing"
        }
    }

    /// How many resolutions were built and exposures computed since the start.
    pub(crate) fn computations(&self) -> (u64, u64) {
        (self.resolutions.load(Ordering::SeqCst), self.exposures.load(Ordering::SeqCst))
    }

    /// The served advisories changed: the exposure is recomputed.
    pub(crate) fn advisories_changed(&self) {
        self.changed.notify_one();
    }

    /// A guess at when the first result is there, from the progress so far (1 to 60 seconds).
    fn retry_after(&self) -> Duration {
        let (done, total) = (self.done.load(Ordering::SeqCst), self.total.load(Ordering::SeqCst));
        let elapsed = self.started.get().map_or(Duration::ZERO, Instant::elapsed);
        let left = if done == 0 || total == 0 {
            Duration::from_secs(10)
        } else {
            elapsed.mul_f64((total - done.min(total)) as f64 / done as f64) + Duration::from_secs(1)
        };
        left.clamp(Duration::from_secs(1), Duration::from_secs(60))
    }

    fn progress(&self, p: Progress) {
        self.set_progress(p.done, p.total);
    }

    pub(crate) fn progress_counts(&self) -> (usize, usize) {
        (self.done.load(Ordering::SeqCst), self.total.load(Ordering::SeqCst))
    }

    fn set_progress(&self, done: usize, total: usize) {
        self.done.store(done, Ordering::SeqCst);
        self.total.store(total, Ordering::SeqCst);
    }

    fn fail(&self, state: &AppState, place: &str, message: String) {
        state.panicked(place, &message);
        *lock(&self.failed) = Some(message);
    }
}

/// Starts computing reach over `index` in the background: the resolution once, then the exposure of
/// the served advisories, again after every change. Returns at once. The task holds the state weakly
/// and ends with the service.
pub(crate) fn start(state: &Arc<AppState>, index: Arc<IndexSnapshot>) {
    let reach = &state.reach;
    reach.enabled.store(true, Ordering::SeqCst);
    let _ = reach.started.set(Instant::now());
    let weak = Arc::downgrade(state);
    tokio::spawn(async move {
        let Some(resolution) = resolve(&weak, index).await else { return };
        loop {
            let Some(state) = weak.upgrade() else { return };
            // Registered before the snapshot is read, so that a change while computing is not missed.
            let notify = Arc::clone(&state.reach.changed);
            let changed = notify.notified();
            let knowledge = state.knowledge();
            let current = state.reach.view().is_some_and(|v| Arc::ptr_eq(&v.knowledge, &knowledge));
            if !current {
                expose(&state, &resolution, knowledge).await;
            }
            drop(state);
            changed.await;
        }
    });
}

/// Resolves every version of `index` on a blocking thread; `None` when the service is gone or the
/// resolution panicked (reported, and the reach routes say so).
async fn resolve(weak: &Weak<AppState>, index: Arc<IndexSnapshot>) -> Option<Arc<Resolution>> {
    let service = weak.clone();
    let started = Instant::now();
    let result = tokio::task::spawn_blocking(move || {
        Resolution::build_until(
            &index,
            &ResolveOptions::default(),
            &|p| {
                if let Some(state) = service.upgrade() {
                    state.reach.progress(p);
                }
            },
            &|| service.upgrade().is_none_or(|state| state.reach.stopping.load(Ordering::SeqCst)),
        )
    })
    .await;
    let state = weak.upgrade()?;
    match result {
        Ok(None) => {
            tracing::info!("ecosystem reach: the resolution was stopped with the service");
            None
        }
        Ok(Some(resolution)) => {
            let stats = resolution.stats();
            tracing::info!(
                versions = stats.versions,
                resolved = stats.resolved,
                millis = started.elapsed().as_millis() as u64,
                "ecosystem reach: every version resolved"
            );
            state.reach.resolutions.fetch_add(1, Ordering::SeqCst);
            Some(Arc::new(resolution))
        }
        Err(e) => {
            let message = if e.is_panic() { panic_message(e.into_panic().as_ref()) } else { e.to_string() };
            state.reach.fail(&state, "reach", format!("the resolution failed: {message}"));
            None
        }
    }
}

/// Computes the exposure of `knowledge`'s advisories and serves it. A panic keeps the previous view
/// (if any) and is reported.
async fn expose(state: &Arc<AppState>, resolution: &Arc<Resolution>, knowledge: Arc<Knowledge>) {
    let started = Instant::now();
    let (resolution, snapshot) = (Arc::clone(resolution), Arc::clone(&knowledge));
    let result = tokio::task::spawn_blocking(move || {
        let advisories: Vec<_> = snapshot.entries().iter().map(|e| e.advisory.clone()).collect();
        Exposure::compute(resolution, &advisories)
    })
    .await;
    match result {
        Ok(exposure) => {
            tracing::info!(
                advisories = exposure.stats().advisories,
                exposed_versions = exposure.stats().exposed_versions,
                millis = started.elapsed().as_millis() as u64,
                "ecosystem reach: exposure computed"
            );
            state.reach.exposures.fetch_add(1, Ordering::SeqCst);
            state.reach.view.store(Some(Arc::new(ReachView { exposure, knowledge })));
            state.invalidate();
        }
        Err(e) => {
            let message = if e.is_panic() { panic_message(e.into_panic().as_ref()) } else { e.to_string() };
            if state.reach.view().is_none() {
                state.reach.fail(state, "reach", format!("the exposure failed: {message}"));
            } else {
                state.panicked("reach", &format!("the exposure failed: {message}"));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_routes_say_why_there_is_no_answer_yet() {
        let reach = Reach::default();
        let off = reach.ready().err().unwrap();
        assert_eq!(off.status(), StatusCode::NOT_FOUND);
        assert!(off.detail().contains("--index DIR"), "{off}");
        assert_eq!(reach.status(), "off");

        reach.enabled.store(true, Ordering::SeqCst);
        let _ = reach.started.set(Instant::now());
        reach.set_progress(0, 0);
        let computing = reach.ready().err().unwrap();
        assert_eq!(computing.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert!(computing.detail().contains("loading the index"), "{computing}");
        let seconds: u64 = computing.header("retry-after").expect("Retry-After").parse().unwrap();
        assert!((1..=60).contains(&seconds), "{seconds}");
        assert_eq!(reach.status(), "computing");

        reach.set_progress(100, 400);
        let computing = reach.ready().err().unwrap();
        assert!(computing.detail().contains("100 of 400 versions resolved"), "{computing}");

        *lock(&reach.failed) = Some("the resolution failed: injected".into());
        let failed = reach.ready().err().unwrap();
        assert_eq!(failed.status(), StatusCode::INTERNAL_SERVER_ERROR);
        assert!(failed.detail().contains("injected"), "{failed}");
        assert_eq!(reach.status(), "failed");
    }
}
