#![doc = include_str!("../README.md")]

mod beside;
mod codec;
mod compiled;
mod copy;
mod fingerprint;
mod git;
mod load;
mod sources;
mod tree;

use std::path::PathBuf;

pub use crate::beside::{cancel_standby, stand_by};
pub use crate::compiled::{CacheStatus, CompiledDb};
pub use crate::copy::{CopyError, LocalCopy, Refresh, local_copy};
pub use crate::git::{Commit, FileDates, GitError, GitMirror, SyncReport, Timestamp, file_dates, head};
pub use crate::load::{Database, FileDiagnostic};
pub use crate::sources::{Origin, SourceKind};

/// Why an advisory database could not be opened at all.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The path cannot be read.
    #[error("cannot read advisory database {path}: {source}")]
    Open {
        /// The path that failed.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// The path is a file.
    #[error("advisory database {path} is not a directory")]
    NotADirectory {
        /// The path given.
        path: PathBuf,
    },
    /// Neither `crates/` nor `rust/` exists under the path, and it holds no OSV `.json` record.
    #[error("{path} is not an advisory database (no crates/ or rust/ directory, and no OSV .json record)")]
    NotADatabase {
        /// The path given.
        path: PathBuf,
    },
    /// The cache was damaged while in use; it has been removed, so the next open rebuilds it.
    #[error("the compiled cache of advisory database {path} was damaged and has been removed; run again to rebuild it")]
    CorruptCache {
        /// The advisory tree whose cache is damaged.
        path: PathBuf,
    },
}

/// Where cratewatch keeps compiled databases and git mirrors when no directory is given:
/// `$CRATEWATCH_CACHE_DIR`, then `$XDG_CACHE_HOME/cratewatch`, then `~/.cache/cratewatch`, then a
/// directory under the system's temporary directory.
#[must_use]
pub fn default_cache_dir() -> PathBuf {
    let var = |name: &str| std::env::var_os(name).filter(|p| !p.is_empty()).map(PathBuf::from);
    if let Some(path) = var("CRATEWATCH_CACHE_DIR") {
        return path;
    }
    if let Some(path) = var("XDG_CACHE_HOME") {
        return path.join("cratewatch");
    }
    match var("HOME") {
        Some(home) => home.join(".cache/cratewatch"),
        None => std::env::temp_dir().join("cratewatch-cache"),
    }
}

/// 64-bit FNV-1a, for file and directory names derived from paths and URLs (the compiled cache, the git
/// mirror): stable across versions and platforms, which `std`'s hasher does not promise, and a name
/// needs no more.
pub(crate) fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, &b| (hash ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3))
}
