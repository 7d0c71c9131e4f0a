#![doc = include_str!("../README.md")]

mod dir;
mod model;
mod parse;
mod snapshot;
mod source;
mod sparse;

use std::path::PathBuf;

pub use crate::dir::IndexDir;
pub use crate::model::{Checksum, CrateVersions, DepKind, DepReq, FeatureMap, IndexDep, IndexVersion, LineDiagnostic};
pub use crate::snapshot::{IndexDiagnostic, IndexSnapshot};
pub use crate::source::CrateSource;
pub use crate::sparse::{SparseIndex, SparseOptions};

/// Why an index, or one of its files, could not be read or fetched at all. A malformed line is not an error but a
/// [`LineDiagnostic`].
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The index directory cannot be read.
    #[error("cannot open registry index {path}: {source}")]
    Open {
        /// The path that failed.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// The path is not a directory.
    #[error("registry index {path} is not a directory")]
    NotADirectory {
        /// The path given.
        path: PathBuf,
    },
    /// The directory has no `config.json`, which every registry index carries.
    #[error("{path} is not a registry index (no config.json)")]
    NotAnIndex {
        /// The path given.
        path: PathBuf,
    },
    /// The index's `config.json` is not a JSON object with a `dl` string.
    #[error("invalid registry index configuration {path}: {reason}")]
    InvalidConfig {
        /// The path of `config.json`.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// A crate file or a directory of the index cannot be read.
    #[error("cannot read registry index file {path}: {source}")]
    Read {
        /// The path that failed.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// The URL given for a sparse index is not an `http://` or `https://` URL.
    #[error("invalid sparse registry index URL {url}: {reason}")]
    InvalidUrl {
        /// The URL given.
        url: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A sparse index's `config.json` is not a JSON object with a `dl` string.
    #[error("invalid registry index configuration {url}: {reason}")]
    InvalidRemoteConfig {
        /// The URL of `config.json`.
        url: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A request to a sparse index failed: no connection, a timeout, a response that is not HTTP, one
    /// that is too large, or an unexpected status.
    #[error("cannot fetch {url}: {reason}")]
    Fetch {
        /// The URL requested.
        url: String,
        /// What went wrong.
        reason: String,
    },
}
