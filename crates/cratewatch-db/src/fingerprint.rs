//! A cheap and reliable change detector for an advisory tree: the identity and times of every directory
//! and advisory file. Adding or removing a file changes its directory's times; editing a file changes its
//! own size or times; replacing it changes its inode. A change made in the same clock tick as the cache
//! was built could hide behind equal timestamps ("racy" entries, as git calls them), so such entries are
//! never trusted and force a rebuild.

use std::ffi::CStr;
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
    /// `crates/` and `rust/`, opened once so that paths below them resolve from there (the kernel then
    /// walks two components per stamp instead of three).
    #[cfg(unix)]
    collections: Vec<(&'static [u8], rustix::fd::OwnedFd)>,
    #[cfg(not(unix))]
    root: std::path::PathBuf,
}

impl Tree {
    pub(crate) fn open(root: &Path) -> std::io::Result<Tree> {
        #[cfg(unix)]
        {
            use rustix::fs::{Mode, OFlags};
            let flags = OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC;
            let fd = rustix::fs::open(root, flags, Mode::empty())?;
            let collections = [&b"crates/"[..], &b"rust/"[..]]
                .into_iter()
                .filter_map(|prefix| {
                    let name = std::str::from_utf8(&prefix[..prefix.len() - 1]).expect("ASCII");
                    Some((prefix, rustix::fs::openat(&fd, name, flags, Mode::empty()).ok()?))
                })
                .collect();
            Ok(Tree { root: fd, collections })
        }
        #[cfg(not(unix))]
        {
            Ok(Tree { root: root.to_owned() })
        }
    }

    /// The stamp of `rel` (following symlinks), or [`Stamp::absent`] when it cannot be read.
    pub(crate) fn stamp(&self, rel: &str) -> Stamp {
        match std::ffi::CString::new(rel) {
            Ok(path) => self.stamp_nul(path.as_bytes_with_nul()).unwrap_or_else(Stamp::absent),
            Err(_) => Stamp::absent(),
        }
    }

    /// Like [`Tree::stamp`], for the bytes of a path and its terminating NUL (no allocation on the hot
    /// path). The path is checked for a NUL inside it once, here, where it becomes a `CStr`: `None` for a
    /// path with one (or without the final NUL).
    pub(crate) fn stamp_nul(&self, rel: &[u8]) -> Option<Stamp> {
        #[cfg(unix)]
        {
            let (dir, rel) = self
                .collections
                .iter()
                .find_map(|(prefix, fd)| Some((fd, rel.strip_prefix(*prefix)?)))
                .unwrap_or((&self.root, rel));
            let rel = CStr::from_bytes_with_nul(rel).ok()?;
            // `allow`, not `expect`: these field widths differ between Unix platforms, so the casts are
            // needed on some of them and redundant on others.
            #[allow(clippy::unnecessary_cast)]
            Some(match rustix::fs::statat(dir, rel, rustix::fs::AtFlags::empty()) {
                Ok(st) => Stamp {
                    dev: st.st_dev as u64,
                    ino: st.st_ino as u64,
                    size: st.st_size as u64,
                    mtime_ns: i128::from(st.st_mtime) * 1_000_000_000 + i128::from(st.st_mtime_nsec as i64),
                    ctime_ns: i128::from(st.st_ctime) * 1_000_000_000 + i128::from(st.st_ctime_nsec as i64),
                },
                Err(_) => Stamp::absent(),
            })
        }
        #[cfg(not(unix))]
        {
            let nanos = |t: std::io::Result<SystemTime>| {
                t.ok().and_then(|t| t.duration_since(UNIX_EPOCH).ok()).map_or(0, |d| d.as_nanos() as i128)
            };
            let Ok(rel) = CStr::from_bytes_with_nul(rel).ok()?.to_str() else { return Some(Stamp::absent()) };
            Some(match std::fs::metadata(self.root.join(rel)) {
                Ok(meta) => Stamp {
                    dev: 0,
                    ino: 0,
                    size: meta.len(),
                    mtime_ns: nanos(meta.modified()),
                    ctime_ns: nanos(meta.created()),
                },
                Err(_) => Stamp::absent(),
            })
        }
    }
}

/// The trees of several sources, for fingerprints that span them: a path `/i/rest` is `rest` in tree
/// `i`, any other path is in tree 0. A tree that cannot be opened stamps every path as absent.
pub(crate) struct Trees(Vec<Option<Tree>>);

impl Trees {
    pub(crate) fn open(roots: &[std::path::PathBuf]) -> Trees {
        Trees(roots.iter().map(|root| Tree::open(root).ok()).collect())
    }

    /// The stamp of `/i/rest` in tree `i`, of any other path in tree 0 (the bytes of the path and its
    /// terminating NUL; `None` for a path that is not one, see [`Tree::stamp_nul`]).
    pub(crate) fn stamp_nul(&self, bytes: &[u8]) -> Option<Stamp> {
        let (index, rest) = match bytes.strip_prefix(b"/") {
            Some(after) => {
                let digits = after.iter().take_while(|b| b.is_ascii_digit()).count();
                let index = std::str::from_utf8(&after[..digits]).ok().and_then(|d| d.parse::<usize>().ok());
                match (index, after.get(digits)) {
                    (Some(index), Some(b'/')) => (index, &after[digits + 1..]),
                    _ => return Some(Stamp::absent()),
                }
            }
            None => (0, bytes),
        };
        match self.0.get(index) {
            Some(Some(tree)) => tree.stamp_nul(rest),
            _ => Some(Stamp::absent()),
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

    /// Encodes the fingerprint for the cache: a count, fixed-size records, then the NUL-terminated paths,
    /// so that it can be verified in place without decoding.
    pub(crate) fn encode(&self, out: &mut Vec<u8>) {
        let path_bytes: usize = self.entries.iter().map(|(path, _)| path.len() + 1).sum();
        out.reserve(8 + self.entries.len() * 64 + path_bytes);
        let mut paths = Vec::with_capacity(path_bytes);
        out.extend_from_slice(&(self.entries.len() as u32).to_le_bytes());
        for (path, s) in &self.entries {
            out.extend_from_slice(&(paths.len() as u32).to_le_bytes());
            out.extend_from_slice(&(path.len() as u32).to_le_bytes());
            out.extend_from_slice(&s.dev.to_le_bytes());
            out.extend_from_slice(&s.ino.to_le_bytes());
            out.extend_from_slice(&s.size.to_le_bytes());
            out.extend_from_slice(&s.mtime_ns.to_le_bytes());
            out.extend_from_slice(&s.ctime_ns.to_le_bytes());
            paths.extend_from_slice(path.as_bytes());
            paths.push(0);
        }
        out.extend_from_slice(&(paths.len() as u32).to_le_bytes());
        out.extend_from_slice(&paths);
    }
}

/// An encoded fingerprint inside a cache header, read in place.
#[derive(Clone, Copy, Debug)]
pub(crate) struct EncodedFingerprint<'a> {
    records: &'a [u8],
    paths: &'a [u8],
}

const RECORD: usize = 64;

impl<'a> EncodedFingerprint<'a> {
    /// Splits an encoded fingerprint off the front of `bytes`; returns it and the rest.
    pub(crate) fn split(bytes: &'a [u8]) -> Option<(Self, &'a [u8])> {
        let count = u32::from_le_bytes(bytes.get(..4)?.try_into().ok()?) as usize;
        let records_end = 4 + count.checked_mul(RECORD)?;
        let records = bytes.get(4..records_end)?;
        let paths_len = u32::from_le_bytes(bytes.get(records_end..records_end + 4)?.try_into().ok()?) as usize;
        let paths = bytes.get(records_end + 4..records_end + 4 + paths_len)?;
        Some((EncodedFingerprint { records, paths }, &bytes[records_end + 4 + paths_len..]))
    }

    fn len(&self) -> usize {
        self.records.len() / RECORD
    }

    /// The path (its bytes and the NUL that ends it) and stamp of entry `i`, or `None` if the encoding
    /// is damaged. A NUL inside the path is found where it is stamped ([`Tree::stamp_nul`]), not here:
    /// the scans for it, three per entry, were most of the instructions the check runs outside the
    /// kernel.
    fn entry(&self, i: usize) -> Option<(&'a [u8], Stamp)> {
        let r = self.records.get(i * RECORD..(i + 1) * RECORD)?;
        let u32_at = |at: usize| u32::from_le_bytes(r[at..at + 4].try_into().expect("4 bytes")) as usize;
        let u64_at = |at: usize| u64::from_le_bytes(r[at..at + 8].try_into().expect("8 bytes"));
        let i128_at = |at: usize| i128::from_le_bytes(r[at..at + 16].try_into().expect("16 bytes"));
        let (offset, len) = (u32_at(0), u32_at(4));
        let path = self.paths.get(offset..offset.checked_add(len)?.checked_add(1)?)?;
        if path.last() != Some(&0) {
            return None;
        }
        let stamp =
            Stamp { dev: u64_at(8), ino: u64_at(16), size: u64_at(24), mtime_ns: i128_at(32), ctime_ns: i128_at(48) };
        Some((path, stamp))
    }

    /// A freshness check of the trees under `roots` against this fingerprint, to be shared by threads.
    pub(crate) fn verification(self, roots: &[std::path::PathBuf], built_ns: i128) -> Verification<'a> {
        Verification {
            fingerprint: self,
            built_ns,
            trees: Trees::open(roots),
            next: AtomicUsize::new(0),
            stale: AtomicBool::new(false),
        }
    }
}

/// A freshness check shared between threads. The entries are handed out in chunks through a shared
/// counter: each thread calls [`Verification::help`] until no chunk is left.
pub(crate) struct Verification<'a> {
    fingerprint: EncodedFingerprint<'a>,
    built_ns: i128,
    trees: Trees,
    next: AtomicUsize,
    stale: AtomicBool,
}

impl Verification<'_> {
    const CHUNK: usize = 64;

    /// Checks chunks of entries until none is left or a difference is found. An entry that changed
    /// within the racy window before the cache was built is a difference too.
    pub(crate) fn help(&self) {
        let tree = &self.trees;
        let total = self.fingerprint.len();
        let trusted_before = self.built_ns - RACY_WINDOW_NS;
        while !self.stale.load(Ordering::Relaxed) {
            let start = self.next.fetch_add(Self::CHUNK, Ordering::Relaxed);
            if start >= total {
                break;
            }
            let changed = (start..(start + Self::CHUNK).min(total)).any(|i| match self.fingerprint.entry(i) {
                Some((path, stamp)) => {
                    stamp.mtime_ns.max(stamp.ctime_ns) > trusted_before || tree.stamp_nul(path) != Some(stamp)
                }
                None => true,
            });
            if changed {
                self.stale.store(true, Ordering::Relaxed);
            }
        }
    }

    /// Whether every entry matched; call once all helpers are done.
    pub(crate) fn is_fresh(&self) -> bool {
        !self.stale.load(Ordering::Relaxed)
    }
}
