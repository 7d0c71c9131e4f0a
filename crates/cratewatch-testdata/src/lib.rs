#![doc = include_str!("../README.md")]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// The workspace root (the directory holding the root `Cargo.toml`).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().expect("workspace root exists")
}

/// The unpacked shared data directory, unpacking it on first use. Panics with a clear message when the
/// shared data is not beside the repository.
pub fn shared_data() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let root = workspace_root();
        let dest = std::env::var_os("CRATEWATCH_SHARED_DATA")
            .map(PathBuf::from)
            .unwrap_or_else(|| root.join("target/shared-data"));
        let ready = ["advisory-db/.git", "crates-index-2020/.unpacked", "lockfiles/.unpacked", "osv-export/.unpacked"]
            .iter()
            .all(|p| dest.join(p).exists());
        if !ready {
            let unpack = root.join("../shared/data/unpack");
            assert!(unpack.exists(), "shared data not found: expected {} (see README, Tests)", unpack.display());
            let status = Command::new("bash").arg(&unpack).arg(&dest).status().expect("run the unpack script");
            assert!(status.success(), "{} failed", unpack.display());
        }
        dest
    })
}

/// The RustSec advisory database (a git clone, snapshot of 2026-08-21).
pub fn advisory_db() -> PathBuf {
    shared_data().join("advisory-db")
}

/// The public registry index of 2020-11-27 in the git-index layout.
pub fn crates_index_2020() -> PathBuf {
    shared_data().join("crates-index-2020")
}

/// The real lockfiles and cargo-audit's findings for each: `(lockfile, cargo-audit JSON)` pairs.
pub fn lockfiles() -> Vec<(PathBuf, PathBuf)> {
    let dir = shared_data().join("lockfiles");
    let mut pairs: Vec<(PathBuf, PathBuf)> = std::fs::read_dir(&dir)
        .expect("lockfiles directory")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "lock"))
        .map(|lock| {
            let stem = lock.file_name().unwrap().to_string_lossy().trim_end_matches(".Cargo.lock").to_owned();
            let json = dir.join("cargo-audit").join(format!("{stem}.json"));
            (lock, json)
        })
        .collect();
    pairs.sort();
    pairs
}

/// A fresh, empty temporary directory under `target/`, removed and recreated on each call with the same
/// name, so failed runs leave their files for inspection.
pub fn scratch_dir(name: &str) -> PathBuf {
    let dir = workspace_root().join("target/test-scratch").join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create scratch dir");
    dir
}
