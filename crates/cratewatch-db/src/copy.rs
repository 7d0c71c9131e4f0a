//! A local copy of a git-hosted advisory database for short-lived readers (`cratewatch audit`): the
//! [`GitMirror`] the server uses, fetched only when the last fetch is older than a maximum age, and
//! read under a lock so that concurrent runs (a CI matrix on one machine) neither fetch at once nor see
//! a checkout removed while they read it.
//!
//! The mirror's own rules are unchanged: a sync takes the mirror's exclusive lock, and keeps the
//! checkouts of the last two synced commits. A reader here holds a shared lock on the same file while it
//! reads its checkout, so no sync (whose exclusive lock waits for readers) can remove it meanwhile.
//! Refreshes are serialised by a second lock (`fetch.lock`), and the time of the last successful fetch
//! is kept in `fetched` beside the mirror's files, so that the runs waiting behind a refresh use its
//! result instead of fetching again.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::git::{Commit, GitError, GitMirror};

/// The file that records when the mirror was last fetched successfully (Unix seconds).
const FETCHED: &str = "fetched";
/// The lock that serialises refreshes.
const FETCH_LOCK: &str = "fetch.lock";
/// How long a run waits for another run's refresh (or for readers) before giving up: longer than one
/// git command may take ([`GitMirror::with_timeout`]'s default of five minutes).
const WAIT: Duration = Duration::from_secs(600);

/// What [`local_copy`] did about the network.
#[derive(Debug)]
#[non_exhaustive]
pub enum Refresh {
    /// The copy was fetched less than the maximum age ago (by this program or another): nothing was
    /// fetched.
    Recent,
    /// Fetching is off: the copy is used as it is.
    Skipped,
    /// The repository was fetched now.
    Fetched {
        /// It was cloned for the first time.
        first: bool,
        /// The fetched commit differs from the one before.
        changed: bool,
        /// The checkout the new commit replaces, when it changed (its compiled cache can go).
        previous: Option<PathBuf>,
    },
    /// The fetch failed; the copy is the last one fetched successfully.
    Failed {
        /// Why the fetch failed.
        error: GitError,
    },
}

/// Why no copy could be had.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CopyError {
    /// Fetching is off and the repository has never been fetched into this cache.
    #[error("no local copy of {url} in {dir} and fetching is off")]
    NoCopy {
        /// The repository, without any password.
        url: String,
        /// The mirror's directory.
        dir: PathBuf,
    },
    /// The first fetch failed, so there is no copy to fall back on.
    #[error(transparent)]
    Fetch(GitError),
    /// A lock or the fetch record could not be read or written.
    #[error("cannot {action} {path}: {source}")]
    Io {
        /// What was being done.
        action: &'static str,
        /// The file involved.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// Another run kept the mirror locked for longer than ten minutes.
    #[error("{path} is still locked by another run after {waited:?}")]
    Busy {
        /// The lock file.
        path: PathBuf,
        /// How long this run waited.
        waited: Duration,
    },
}

/// A checkout of the mirror, safe to read while this value lives.
#[derive(Debug)]
pub struct LocalCopy {
    /// The checkout: the advisory database to read.
    pub work_tree: PathBuf,
    /// Its commit.
    pub commit: Commit,
    /// When the mirror was last fetched successfully, when known.
    pub fetched_at: Option<SystemTime>,
    /// What was done about the network.
    pub refresh: Refresh,
    _reading: FileLock,
}

impl LocalCopy {
    /// How long ago the mirror was last fetched successfully (by the record of the last fetch, else by
    /// the commit's time).
    pub fn age(&self) -> Duration {
        let since = self.fetched_at.unwrap_or_else(|| {
            UNIX_EPOCH + Duration::from_secs(u64::try_from(self.commit.time.unix_seconds()).unwrap_or(0))
        });
        SystemTime::now().duration_since(since).unwrap_or(Duration::ZERO)
    }
}

/// A copy of the mirror's repository no older than `max_age`: the last fetched one when it is recent
/// enough (or when `fetch` is false), else a freshly fetched one. A failed fetch falls back on the last
/// good copy ([`Refresh::Failed`]); with no copy at all it is an error. The returned copy stays intact
/// until it is dropped.
pub fn local_copy(mirror: &GitMirror, max_age: Duration, fetch: bool) -> Result<LocalCopy, CopyError> {
    let dir = mirror.dir().to_owned();
    fs::create_dir_all(&dir).map_err(|source| CopyError::Io { action: "create", path: dir.clone(), source })?;
    let recent = |stamp: Option<SystemTime>| {
        stamp.is_some_and(|t| SystemTime::now().duration_since(t).unwrap_or(Duration::ZERO) < max_age)
    };
    let stamp = read_stamp(&dir);
    if !fetch || recent(stamp) {
        let reading = FileLock::shared(&dir.join(crate::git::LOCK))?;
        if let Some(last) = mirror.last_synced() {
            let refresh = if fetch { Refresh::Recent } else { Refresh::Skipped };
            return Ok(LocalCopy {
                work_tree: last.work_tree,
                commit: last.commit,
                fetched_at: stamp,
                refresh,
                _reading: reading,
            });
        }
        if !fetch {
            return Err(CopyError::NoCopy { url: mirror.url().to_owned(), dir });
        }
    }

    let _fetching = FileLock::exclusive(&dir.join(FETCH_LOCK))?;
    // Another run may have fetched while this one waited for the lock: its copy will do.
    let stamp_now = read_stamp(&dir);
    if stamp_now != stamp && recent(stamp_now) {
        let reading = FileLock::shared(&dir.join(crate::git::LOCK))?;
        if let Some(last) = mirror.last_synced() {
            return Ok(LocalCopy {
                work_tree: last.work_tree,
                commit: last.commit,
                fetched_at: stamp_now,
                refresh: Refresh::Recent,
                _reading: reading,
            });
        }
    }
    let previous = mirror.last_synced();
    let refresh = match mirror.sync() {
        Ok(report) => {
            write_stamp(&dir, SystemTime::now())?;
            let previous_tree = previous.as_ref().map(|p| p.work_tree.clone()).filter(|p| *p != report.work_tree);
            Refresh::Fetched { first: previous.is_none(), changed: report.changed, previous: previous_tree }
        }
        Err(error) if previous.is_some() => Refresh::Failed { error },
        Err(error) => return Err(CopyError::Fetch(error)),
    };
    // Read under the shared lock, while the fetch lock still keeps other runs from syncing: the copy
    // is whatever the mirror holds now (a server sharing the cache may have synced meanwhile).
    let reading = FileLock::shared(&dir.join(crate::git::LOCK))?;
    let last =
        mirror.last_synced().ok_or_else(|| CopyError::NoCopy { url: mirror.url().to_owned(), dir: dir.clone() })?;
    Ok(LocalCopy {
        work_tree: last.work_tree,
        commit: last.commit,
        fetched_at: read_stamp(&dir),
        refresh,
        _reading: reading,
    })
}

fn read_stamp(dir: &Path) -> Option<SystemTime> {
    let text = fs::read_to_string(dir.join(FETCHED)).ok()?;
    let secs: u64 = text.trim().parse().ok()?;
    Some(UNIX_EPOCH + Duration::from_secs(secs))
}

/// Records a successful fetch: written beside and renamed into place, so a reader sees the old record
/// or the new one.
fn write_stamp(dir: &Path, at: SystemTime) -> Result<(), CopyError> {
    let path = dir.join(FETCHED);
    let tmp = dir.join(format!(".tmp-{FETCHED}-{}", std::process::id()));
    let secs = at.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let result = fs::File::create(&tmp).and_then(|mut f| writeln!(f, "{secs}")).and_then(|()| fs::rename(&tmp, &path));
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result.map_err(|source| CopyError::Io { action: "write", path, source })
}

/// An advisory lock on a file (`flock`), released when dropped. Elsewhere than on Unix there is none, as
/// for the mirror's own lock.
#[derive(Debug)]
struct FileLock {
    #[cfg(unix)]
    _file: fs::File,
}

impl FileLock {
    fn shared(path: &Path) -> Result<FileLock, CopyError> {
        Self::acquire(path, false)
    }

    fn exclusive(path: &Path) -> Result<FileLock, CopyError> {
        Self::acquire(path, true)
    }

    fn acquire(path: &Path, exclusive: bool) -> Result<FileLock, CopyError> {
        #[cfg(unix)]
        {
            use rustix::fs::{FlockOperation, flock};
            let file = fs::OpenOptions::new()
                .create(true)
                .truncate(false)
                .write(true)
                .open(path)
                .map_err(|source| CopyError::Io { action: "open", path: path.to_owned(), source })?;
            let operation = if exclusive {
                FlockOperation::NonBlockingLockExclusive
            } else {
                FlockOperation::NonBlockingLockShared
            };
            let start = std::time::Instant::now();
            loop {
                match flock(&file, operation) {
                    Ok(()) => return Ok(FileLock { _file: file }),
                    Err(e) if e == rustix::io::Errno::WOULDBLOCK => {
                        if start.elapsed() >= WAIT {
                            return Err(CopyError::Busy { path: path.to_owned(), waited: start.elapsed() });
                        }
                        std::thread::sleep(Duration::from_millis(20));
                    }
                    Err(e) => {
                        return Err(CopyError::Io { action: "lock", path: path.to_owned(), source: e.into() });
                    }
                }
            }
        }
        #[cfg(not(unix))]
        {
            let _ = (path, exclusive);
            Ok(FileLock {})
        }
    }
}
