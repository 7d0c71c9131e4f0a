//! The service's own health: how syncing has gone, and the panics it survived. `/healthz` and
//! `/metrics` report it.

use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How long after a caught panic `/healthz` keeps reporting `degraded`.
pub(crate) const PANIC_MEMORY: Duration = Duration::from_secs(600);

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

/// A panic the service caught and survived.
#[derive(Clone, Debug)]
pub(crate) struct CaughtPanic {
    /// Where: a route pattern, or `sync`.
    pub(crate) place: String,
    /// The panic's message.
    pub(crate) message: String,
    /// When.
    pub(crate) at: Instant,
}

#[derive(Default)]
struct Inner {
    sync: SyncStatus,
    panics: u64,
    last_panic: Option<CaughtPanic>,
}

/// The health record, shared by the sync task, the middleware and `/healthz`.
pub(crate) struct Health {
    inner: Mutex<Inner>,
    started: Instant,
}

impl Health {
    pub(crate) fn new() -> Health {
        Health {
            inner: Mutex::new(Inner { sync: SyncStatus { loads: 1, ..SyncStatus::default() }, ..Inner::default() }),
            started: Instant::now(),
        }
    }

    pub(crate) fn started(&self) -> Instant {
        self.started
    }

    /// A new snapshot was loaded and swapped in.
    pub(crate) fn loaded(&self) {
        let mut inner = lock(&self.inner);
        inner.sync.loads += 1;
        inner.sync.last_error = None;
    }

    pub(crate) fn sync_succeeded(&self) {
        let mut inner = lock(&self.inner);
        if inner.sync.last_error.take().is_some() {
            tracing::info!("advisory database sync recovered");
        }
    }

    pub(crate) fn sync_failed(&self, reason: String) {
        let mut inner = lock(&self.inner);
        inner.sync.failures += 1;
        inner.sync.last_error = Some(reason);
    }

    pub(crate) fn panicked(&self, place: &str, message: &str) {
        let mut inner = lock(&self.inner);
        inner.panics += 1;
        inner.last_panic =
            Some(CaughtPanic { place: place.to_owned(), message: message.to_owned(), at: Instant::now() });
    }

    pub(crate) fn sync_status(&self) -> SyncStatus {
        lock(&self.inner).sync.clone()
    }

    /// Panics caught since the start, and the last one.
    pub(crate) fn panics(&self) -> (u64, Option<CaughtPanic>) {
        let inner = lock(&self.inner);
        (inner.panics, inner.last_panic.clone())
    }

    /// Why the service is degraded, if it is: the last sync failed, or something panicked within
    /// [`PANIC_MEMORY`].
    pub(crate) fn degraded(&self) -> Vec<String> {
        let inner = lock(&self.inner);
        let mut reasons = Vec::new();
        if let Some(e) = &inner.sync.last_error {
            reasons.push(format!("the last sync failed: {e}"));
        }
        if let Some(p) = inner.last_panic.as_ref().filter(|p| p.at.elapsed() < PANIC_MEMORY) {
            reasons.push(format!(
                "a panic was caught {} s ago in {}: {}",
                p.at.elapsed().as_secs(),
                p.place,
                p.message
            ));
        }
        reasons
    }
}

/// The message of a caught panic's payload.
pub(crate) fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_owned()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "a panic without a message".to_owned()
    }
}

/// Locks `mutex`, also after a panic while it was held: the data behind our locks (status records,
/// the composition token) stays consistent whatever a panicking holder did, and a service that
/// survives panics must not turn one into a poisoned lock that fails every later request.
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}
