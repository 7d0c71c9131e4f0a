//! The peer for `bench/ingest.sh`: loads every crate file of a git-layout index into memory with the
//! `tame-index` crate (`IndexKrate::from_slice`), walking and reading the directory the same way as
//! [`cratewatch_index::IndexSnapshot::load`] (one thread per core taking the top-level directories in
//! turn), so that the two differ only in parsing and in what they keep.
//!
//! ```text
//! cargo run --release -p cratewatch-index --example ingest_tame_index -- DIR
//! crates=43451 versions=259132 failed=0 seconds=1.234
//! ```

use std::fs;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use cratewatch_index::IndexDir;
use tame_index::IndexKrate;

fn main() -> ExitCode {
    let Some(dir) = std::env::args_os().nth(1).map(PathBuf::from) else {
        eprintln!("usage: ingest_tame_index INDEX_DIR");
        return ExitCode::from(2);
    };
    let start = Instant::now();
    let mut tops: Vec<String> = fs::read_dir(&dir)
        .expect("readable index directory")
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
        .filter_map(|e| e.file_name().into_string().ok())
        .filter(|n| !n.starts_with('.'))
        .collect();
    tops.sort();
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let next = AtomicUsize::new(0);
    let loaded: Vec<(Vec<IndexKrate>, Vec<String>)> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|_| {
                scope.spawn(|| {
                    let mut crates = Vec::new();
                    let mut failed = Vec::new();
                    while let Some(top) = tops.get(next.fetch_add(1, Ordering::Relaxed)) {
                        for path in crate_files(&dir, top) {
                            let parsed = fs::read(&path)
                                .map_err(|e| e.to_string())
                                .and_then(|bytes| IndexKrate::from_slice(&bytes).map_err(|e| e.to_string()));
                            match parsed {
                                Ok(krate) => crates.push(krate),
                                Err(e) => failed.push(format!("{}: {e}", path.display())),
                            }
                        }
                    }
                    (crates, failed)
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().expect("loader thread")).collect()
    });
    let seconds = start.elapsed().as_secs_f64();
    let crates: usize = loaded.iter().map(|(c, _)| c.len()).sum();
    let versions: usize = loaded.iter().flat_map(|(c, _)| c).map(|k| k.versions.len()).sum();
    let failed: Vec<&String> = loaded.iter().flat_map(|(_, f)| f).collect();
    println!("crates={crates} versions={versions} failed={} seconds={seconds:.3}", failed.len());
    // The reasons go to standard error, first few only.
    for failure in failed.iter().take(3) {
        eprintln!("not loaded: {failure}");
    }
    ExitCode::SUCCESS
}

/// The crate files under the top-level directory `top`, where the layout puts them.
fn crate_files(root: &Path, top: &str) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let list = |dir: &Path| -> Vec<(String, bool)> {
        fs::read_dir(dir)
            .map(|read| {
                read.filter_map(Result::ok)
                    .filter_map(|e| Some((e.file_name().into_string().ok()?, e.file_type().ok()?.is_dir())))
                    .filter(|(n, _)| !n.starts_with('.'))
                    .collect()
            })
            .unwrap_or_default()
    };
    let top_dir = root.join(top);
    for (name, is_dir) in list(&top_dir) {
        let entries = if is_dir {
            list(&top_dir.join(&name)).into_iter().map(|(n, d)| (format!("{name}/{n}"), n, d)).collect()
        } else {
            vec![(name.clone(), name, false)]
        };
        for (rel, name, is_dir) in entries {
            if !is_dir && Path::new(top).join(&rel) == IndexDir::path_of(&name) {
                files.push(top_dir.join(rel));
            }
        }
    }
    files
}
