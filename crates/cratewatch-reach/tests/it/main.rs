//! Ecosystem reach: the resolver against Cargo (on the real 2020 registry and on small registries
//! written here), exposure against the `rustsec` crate, and the lookups the server will use.

mod closure;
mod exposure;
mod faithfulness;
mod oracle;
mod registry;
mod rules;

use std::sync::{Arc, OnceLock};

use cratewatch_index::IndexSnapshot;
use cratewatch_reach::Resolution;
use cratewatch_testdata::crates_index_2020;

/// The real 2020 index's resolution, built once per test binary.
pub(crate) struct Real {
    pub(crate) resolution: Arc<Resolution>,
}

pub(crate) fn real() -> &'static Real {
    static REAL: OnceLock<Real> = OnceLock::new();
    REAL.get_or_init(|| {
        let index = IndexSnapshot::load(&crates_index_2020()).expect("the 2020 index loads");
        let resolution = Arc::new(Resolution::build(&index, &|_| {}));
        Real { resolution }
    })
}

/// A small deterministic generator (SplitMix64), so that a printed seed reproduces a sample.
pub(crate) struct Rng(u64);

impl Rng {
    pub(crate) fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    pub(crate) fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n`.
    pub(crate) fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next()) * u128::from(n)) >> 64) as u64
    }
}

/// The seed of a randomised test: `$CRATEWATCH_REACH_SEED`, else one from the clock, printed so that a
/// failure can be reproduced.
pub(crate) fn seed(test: &str) -> u64 {
    let seed = std::env::var("CRATEWATCH_REACH_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or_else(|| {
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(1, |d| d.as_nanos() as u64)
    });
    eprintln!("{test}: seed {seed} (set CRATEWATCH_REACH_SEED={seed} to reproduce)");
    seed
}

/// A resolution asked to stop gives up at the next chunk of crates: no result, and no progress report
/// claiming it is complete. Never asked to stop, it is the full resolution.
#[test]
fn a_resolution_stops_when_asked() {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use cratewatch_reach::ResolveOptions;

    let index = IndexSnapshot::load(&crates_index_2020()).expect("the 2020 index loads");

    // Told to stop while the index is compiled into ids (the first seconds): resolving never starts.
    let resolving = std::sync::atomic::AtomicBool::new(false);
    let asked = AtomicUsize::new(0);
    let stopped = Resolution::build_until(
        &index,
        &ResolveOptions::default(),
        &|p| {
            resolving.fetch_or(p.stage == "resolving", Ordering::SeqCst);
        },
        &|| asked.fetch_add(1, Ordering::SeqCst) >= 1,
    );
    assert!(stopped.is_none(), "a stopped resolution has no result");
    assert!(!resolving.load(Ordering::SeqCst), "the compile went on to resolving after the stop");
    assert!(asked.load(Ordering::SeqCst) <= 2 + std::thread::available_parallelism().map_or(1, |n| n.get()));

    // Told to stop while resolving: the questions are counted from the start of resolving.
    let resolving = std::sync::atomic::AtomicBool::new(false);
    let asked = AtomicUsize::new(0);
    let furthest = AtomicUsize::new(0);
    let stop_after = 3;
    let stopped = Resolution::build_until(
        &index,
        &ResolveOptions::default(),
        &|p| {
            if p.stage == "resolving" {
                resolving.store(true, Ordering::SeqCst);
                furthest.fetch_max(p.done, Ordering::SeqCst);
            }
        },
        &|| resolving.load(Ordering::SeqCst) && asked.fetch_add(1, Ordering::SeqCst) >= stop_after,
    );
    assert!(stopped.is_none(), "a stopped resolution has no result");
    let furthest = furthest.load(Ordering::SeqCst);
    assert!(furthest < index.version_count() / 2, "it went on after the stop: {furthest} versions reported");
    // One more question per resolving thread at most, after the answer turned to stop.
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    assert!(asked.load(Ordering::SeqCst) <= stop_after + 1 + threads, "{} questions", asked.load(Ordering::SeqCst));

    let full = Resolution::build_until(&index, &ResolveOptions::default(), &|_| {}, &|| false)
        .expect("never asked to stop, it finishes");
    assert_eq!(full.stats().resolved, real().resolution.stats().resolved);
    assert_eq!(full.stats().packages, real().resolution.stats().packages);
}
