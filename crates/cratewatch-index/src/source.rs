//! One interface over every way of reading an index, so that a server holds a `dyn CrateSource` and does
//! not care whether the index is in memory, on disk or behind HTTP.

use std::sync::Arc;

use crate::{CrateVersions, Error, IndexDir, IndexSnapshot, SparseIndex};

/// Somewhere the versions of a crate can be looked up: an [`IndexSnapshot`] in memory, a [`SparseIndex`]
/// over HTTP, or an [`IndexDir`] read on each call.
///
/// Every implementation looks names up the way the index layout does: ASCII case does not matter, but
/// `-` and `_` are different names (use [`IndexSnapshot::find`] for crates.io's looser rule). The result
/// is shared: callers on many threads get the same `Arc` without copying a crate's versions.
pub trait CrateSource: Send + Sync {
    /// Every version of crate `name`, in index order, or `None` when the index has no such crate.
    /// Malformed lines are in the result's diagnostics; an error means the index could not be read at
    /// all (a file system or network failure).
    fn crate_versions(&self, name: &str) -> Result<Option<Arc<CrateVersions>>, Error>;

    /// A short human description of the source for logs and status pages, such as
    /// `index snapshot /srv/index (43451 crates)`.
    fn describe(&self) -> String;

    /// Whether a lookup may block the calling thread on file or network IO (by default, yes). An async
    /// server sends such lookups to its blocking thread pool; an [`IndexSnapshot`] answers from memory
    /// and says no.
    fn may_block(&self) -> bool {
        true
    }
}

impl CrateSource for IndexSnapshot {
    fn crate_versions(&self, name: &str) -> Result<Option<Arc<CrateVersions>>, Error> {
        Ok(self.get_ignore_case(name).cloned())
    }

    fn describe(&self) -> String {
        format!("index snapshot {} ({} crates)", self.root().display(), self.crate_count())
    }

    fn may_block(&self) -> bool {
        false
    }
}

impl CrateSource for SparseIndex {
    fn crate_versions(&self, name: &str) -> Result<Option<Arc<CrateVersions>>, Error> {
        SparseIndex::crate_versions(self, name)
    }

    fn describe(&self) -> String {
        format!("sparse index {}", self.url())
    }
}

/// Reads the crate's file on every call, which suits a command that looks up a few crates once.
impl CrateSource for IndexDir {
    fn crate_versions(&self, name: &str) -> Result<Option<Arc<CrateVersions>>, Error> {
        Ok(IndexDir::crate_versions(self, name)?.map(Arc::new))
    }

    fn describe(&self) -> String {
        format!("index directory {}", self.root().display())
    }
}
