//! Prometheus text-format metrics: request counts and latency by route and status class, cache hits,
//! index errors, caught panics and the state of the advisory snapshot. Plain atomics, one set per
//! declared route (see [`crate::routes`]); a scrape renders them.

use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use std::sync::OnceLock;

use crate::health::{Health, SyncStatus};
use crate::knowledge::Knowledge;

/// Upper bounds of the latency histogram, in seconds.
const BUCKETS: [f64; 9] = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 1.0];

#[derive(Default)]
struct RouteStats {
    /// Requests by status class (1xx..5xx).
    by_class: [AtomicU64; 5],
    /// Requests per bucket (not cumulative; summed when rendered), plus one past the last bound.
    buckets: [AtomicU64; BUCKETS.len() + 1],
    micros: AtomicU64,
}

/// Counters for `/metrics`.
#[derive(Default)]
pub(crate) struct Metrics {
    /// One label and one set of counters per declared route, the unmatched requests last; set up on
    /// the first request, from the route table.
    routes: OnceLock<(Vec<String>, Vec<RouteStats>)>,
    cache_hits: AtomicU64,
    cache_misses: AtomicU64,
    index_errors: AtomicU64,
}

impl Metrics {
    /// Records one request under its route: `route` indexes the labels `labels` gives (called once).
    pub(crate) fn observe(&self, route: usize, labels: impl FnOnce() -> Vec<String>, status: u16, elapsed: Duration) {
        let (_, routes) = self.routes.get_or_init(|| {
            let labels = labels();
            let stats = labels.iter().map(|_| RouteStats::default()).collect();
            (labels, stats)
        });
        let Some(stats) = routes.get(route).or_else(|| routes.last()) else { return };
        let class = usize::from(status / 100).clamp(1, 5) - 1;
        stats.by_class[class].fetch_add(1, Ordering::Relaxed);
        let seconds = elapsed.as_secs_f64();
        let bucket = BUCKETS.iter().position(|bound| seconds <= *bound).unwrap_or(BUCKETS.len());
        stats.buckets[bucket].fetch_add(1, Ordering::Relaxed);
        stats.micros.fetch_add(elapsed.as_micros() as u64, Ordering::Relaxed);
    }

    pub(crate) fn cache_hit(&self) {
        self.cache_hits.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn cache_miss(&self) {
        self.cache_misses.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn index_error(&self) {
        self.index_errors.fetch_add(1, Ordering::Relaxed);
    }

    /// The exposition text.
    pub(crate) fn render(&self, knowledge: &Knowledge, sync: &SyncStatus, health: &Health) -> String {
        let advisories = knowledge.entries().len();
        let mut out = String::with_capacity(4096);
        out.push_str("# HELP cratewatch_http_requests_total HTTP requests by route and status class.\n");
        out.push_str("# TYPE cratewatch_http_requests_total counter\n");
        let empty = (Vec::new(), Vec::new());
        let (labels, stats) = self.routes.get().unwrap_or(&empty);
        let routes = || labels.iter().zip(stats);
        for (route, stats) in routes() {
            for (i, n) in stats.by_class.iter().enumerate() {
                let n = n.load(Ordering::Relaxed);
                if n > 0 {
                    let _ =
                        writeln!(out, "cratewatch_http_requests_total{{route=\"{route}\",status=\"{}xx\"}} {n}", i + 1);
                }
            }
        }
        out.push_str("# HELP cratewatch_http_request_duration_seconds Time to answer, by route.\n");
        out.push_str("# TYPE cratewatch_http_request_duration_seconds histogram\n");
        for (route, stats) in routes() {
            let counts: Vec<u64> = stats.buckets.iter().map(|b| b.load(Ordering::Relaxed)).collect();
            let total: u64 = counts.iter().sum();
            if total == 0 {
                continue;
            }
            let mut cumulative = 0;
            for (i, bound) in BUCKETS.iter().enumerate() {
                cumulative += counts[i];
                let _ = writeln!(
                    out,
                    "cratewatch_http_request_duration_seconds_bucket{{route=\"{route}\",le=\"{bound}\"}} {cumulative}"
                );
            }
            let _ = writeln!(
                out,
                "cratewatch_http_request_duration_seconds_bucket{{route=\"{route}\",le=\"+Inf\"}} {total}"
            );
            let seconds = stats.micros.load(Ordering::Relaxed) as f64 / 1e6;
            let _ = writeln!(out, "cratewatch_http_request_duration_seconds_sum{{route=\"{route}\"}} {seconds}");
            let _ = writeln!(out, "cratewatch_http_request_duration_seconds_count{{route=\"{route}\"}} {total}");
        }
        let counters = [
            (
                "cratewatch_cache_hits_total",
                "Responses served from the rendered-response cache.",
                self.cache_hits.load(Ordering::Relaxed),
            ),
            ("cratewatch_cache_misses_total", "Responses rendered anew.", self.cache_misses.load(Ordering::Relaxed)),
            (
                "cratewatch_index_errors_total",
                "Failed registry index lookups.",
                self.index_errors.load(Ordering::Relaxed),
            ),
            ("cratewatch_db_loads_total", "Advisory snapshots loaded (first load included).", sync.loads),
            ("cratewatch_db_sync_failures_total", "Advisory database syncs that failed.", sync.failures),
            ("cratewatch_panics_total", "Panics caught in requests and background tasks.", health.panics().0),
        ];
        for (name, help, value) in counters {
            let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} counter\n{name} {value}");
        }
        let _ = writeln!(
            out,
            "# HELP cratewatch_advisories Advisories in the served snapshot.\n# TYPE cratewatch_advisories gauge\ncratewatch_advisories {advisories}"
        );
        let _ = writeln!(
            out,
            "# HELP cratewatch_db_sync_failing Whether the last sync failed (the previous snapshot is served).\n# TYPE cratewatch_db_sync_failing gauge\ncratewatch_db_sync_failing {}",
            u8::from(sync.last_error.is_some())
        );
        let _ = writeln!(
            out,
            "# HELP cratewatch_db_diagnostics Problems found in the advisory sources at the last load.\n# TYPE cratewatch_db_diagnostics gauge\ncratewatch_db_diagnostics {}",
            knowledge.diagnostics().len()
        );
        let _ = writeln!(
            out,
            "# HELP cratewatch_db_stale_advisories Advisories served from an earlier valid version of a file that is now malformed.\n# TYPE cratewatch_db_stale_advisories gauge\ncratewatch_db_stale_advisories {}",
            knowledge.stale().count()
        );
        out
    }
}
