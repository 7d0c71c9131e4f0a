//! A cheap and reliable change detector for an advisory tree: the identity and times of every directory
//! and advisory file. Adding or removing a file changes its directory's times; editing a file changes its
//! own size or times; replacing it changes its inode. A change made in the same clock tick as the cache
//! was built could hide behind equal timestamps ("racy" entries, as git calls them), so such entries are
//! never trusted and force a rebuild.

use std::fs::Metadata;
use std::path::Path;
use std::time::{SystemTime, UNIX_EPOCH};

/// The stamps of every directory and advisory file, keyed by relative path.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Fingerprint {
    pub(crate) entries: Vec<(String, Stamp)>,
}

/// What is recorded of one path.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Stamp {
    pub(crate) dev: u64,
    pub(crate) ino: u64,
    pub(crate) size: u64,
    pub(crate) mtime_ns: i128,
    pub(crate) ctime_ns: i128,
}

/// Entries changed less than this long before the cache was written are not trusted.
const RACY_WINDOW_NS: i128 = 2_000_000_000;

impl Stamp {
    #[cfg(unix)]
    pub(crate) fn of(meta: &Metadata) -> Stamp {
        use std::os::unix::fs::MetadataExt;
        Stamp {
            dev: meta.dev(),
            ino: meta.ino(),
            size: meta.size(),
            mtime_ns: i128::from(meta.mtime()) * 1_000_000_000 + i128::from(meta.mtime_nsec()),
            ctime_ns: i128::from(meta.ctime()) * 1_000_000_000 + i128::from(meta.ctime_nsec()),
        }
    }

    #[cfg(not(unix))]
    pub(crate) fn of(meta: &Metadata) -> Stamp {
        let nanos = |t: std::io::Result<SystemTime>| {
            t.ok().and_then(|t| t.duration_since(UNIX_EPOCH).ok()).map_or(0, |d| d.as_nanos() as i128)
        };
        Stamp { dev: 0, ino: 0, size: meta.len(), mtime_ns: nanos(meta.modified()), ctime_ns: nanos(meta.created()) }
    }

    /// The stamp of a path that does not exist.
    pub(crate) fn absent() -> Stamp {
        Stamp { dev: 0, ino: 0, size: 0, mtime_ns: -1, ctime_ns: -1 }
    }

    fn read(path: &Path) -> Stamp {
        std::fs::metadata(path).map_or(Stamp::absent(), |m| Stamp::of(&m))
    }
}

pub(crate) fn now_ns() -> i128 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_nanos() as i128)
}

impl Fingerprint {
    pub(crate) fn push(&mut self, path: String, stamp: Stamp) {
        self.entries.push((path, stamp));
    }

    /// Whether any entry changed within the racy window before `built_ns`.
    pub(crate) fn is_racy(&self, built_ns: i128) -> bool {
        self.entries.iter().any(|(_, s)| s.mtime_ns.max(s.ctime_ns) > built_ns - RACY_WINDOW_NS)
    }

    /// Whether the tree under `root` still looks exactly as recorded.
    pub(crate) fn still_matches(&self, root: &Path) -> bool {
        self.entries.iter().all(|(rel, stamp)| Stamp::read(&root.join(rel)) == *stamp)
    }
}
