//! Loads a whole git-layout index into an [`IndexSnapshot`] and prints what it holds and how long the
//! load took, for `bench/ingest.sh`:
//!
//! ```text
//! cargo run --release -p cratewatch-index --example ingest -- DIR
//! crates=43451 versions=259103 diagnostics=29 seconds=1.234
//! ```

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use cratewatch_index::IndexSnapshot;

fn main() -> ExitCode {
    let Some(dir) = std::env::args_os().nth(1).map(PathBuf::from) else {
        eprintln!("usage: ingest INDEX_DIR");
        return ExitCode::from(2);
    };
    let start = Instant::now();
    let snapshot = match IndexSnapshot::load(&dir) {
        Ok(snapshot) => snapshot,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let seconds = start.elapsed().as_secs_f64();
    println!(
        "crates={} versions={} diagnostics={} seconds={seconds:.3}",
        snapshot.crate_count(),
        snapshot.version_count(),
        snapshot.diagnostics().len()
    );
    ExitCode::SUCCESS
}
