//! Ecosystem reach: the resolver against Cargo (on the real 2020 registry and on small registries
//! written here), exposure against the `rustsec` crate, and the lookups the server will use.

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
