//! A cheap and reliable change detector for an advisory tree: the identity and times of every directory
//! and advisory file. Adding or removing a file changes its directory's times; editing a file changes its
//! own size or times; replacing it changes its inode. A change made in the same clock tick as the cache
//! was built could hide behind equal timestamps ("racy" entries, as git calls them), so such entries are
//! never trusted and force a rebuild.

use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
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
    /// The stamp of a path that does not exist.
    pub(crate) fn absent() -> Stamp {
        Stamp { dev: 0, ino: 0, size: 0, mtime_ns: -1, ctime_ns: -1 }
    }
}

/// An open advisory tree, stamping paths relative to its root. On Unix the root stays open as a
/// directory handle, so each stamp costs one `fstatat` that walks only the relative components.
pub(crate) struct Tree {
    #[cfg(unix)]
    root: rustix::fd::OwnedFd,
    #[cfg(not(unix))]
    root: std::path::PathBuf,
}

impl Tree {
    pub(crate) fn open(root: &Path) -> std::io::Result<Tree> {
        #[cfg(unix)]
        {
            use rustix::fs::{Mode, OFlags};
            let fd = rustix::fs::open(root, OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC, Mode::empty())?;
            Ok(Tree { root: fd })
        }
        #[cfg(not(unix))]
        {
            Ok(Tree { root: root.to_owned() })
        }
    }

    /// The stamp of `rel` (following symlinks), or [`Stamp::absent`] when it cannot be read.
    pub(crate) fn stamp(&self, rel: &str) -> Stamp {
        #[cfg(unix)]
        {
            // `allow`, not `expect`: these field widths differ between Unix platforms, so the casts are
            // needed on some of them and redundant on others.
            #[allow(clippy::unnecessary_cast)]
            match rustix::fs::statat(&self.root, rel, rustix::fs::AtFlags::empty()) {
                Ok(st) => Stamp {
                    dev: st.st_dev as u64,
                    ino: st.st_ino as u64,
                    size: st.st_size as u64,
                    mtime_ns: i128::from(st.st_mtime) * 1_000_000_000 + i128::from(st.st_mtime_nsec as i64),
                    ctime_ns: i128::from(st.st_ctime) * 1_000_000_000 + i128::from(st.st_ctime_nsec as i64),
                },
                Err(_) => Stamp::absent(),
            }
        }
        #[cfg(not(unix))]
        {
            let nanos = |t: std::io::Result<SystemTime>| {
                t.ok().and_then(|t| t.duration_since(UNIX_EPOCH).ok()).map_or(0, |d| d.as_nanos() as i128)
            };
            match std::fs::metadata(self.root.join(rel)) {
                Ok(meta) => Stamp {
                    dev: 0,
                    ino: 0,
                    size: meta.len(),
                    mtime_ns: nanos(meta.modified()),
                    ctime_ns: nanos(meta.created()),
                },
                Err(_) => Stamp::absent(),
            }
        }
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

    /// Whether the tree under `root` still looks exactly as recorded. The entries are checked in chunks
    /// handed out through a shared counter, so that any number of threads can share the work: each
    /// thread calls [`Verification::help`] until no chunk is left.
    pub(crate) fn verification<'a>(&'a self, root: &Path) -> Verification<'a> {
        Verification {
            fingerprint: self,
            tree: Tree::open(root).ok(),
            next: AtomicUsize::new(0),
            stale: AtomicBool::new(false),
        }
    }
}

/// A freshness check shared between threads.
pub(crate) struct Verification<'a> {
    fingerprint: &'a Fingerprint,
    tree: Option<Tree>,
    next: AtomicUsize,
    stale: AtomicBool,
}

impl Verification<'_> {
    const CHUNK: usize = 64;

    /// Checks chunks of entries until none is left or a difference is found.
    pub(crate) fn help(&self) {
        let Some(tree) = &self.tree else {
            self.stale.store(true, Ordering::Relaxed);
            return;
        };
        let entries = &self.fingerprint.entries;
        while !self.stale.load(Ordering::Relaxed) {
            let start = self.next.fetch_add(Self::CHUNK, Ordering::Relaxed);
            if start >= entries.len() {
                break;
            }
            let end = (start + Self::CHUNK).min(entries.len());
            if entries[start..end].iter().any(|(rel, stamp)| tree.stamp(rel) != *stamp) {
                self.stale.store(true, Ordering::Relaxed);
            }
        }
    }

    /// Whether every entry matched; call once all helpers are done.
    pub(crate) fn is_fresh(&self) -> bool {
        !self.stale.load(Ordering::Relaxed)
    }
}
