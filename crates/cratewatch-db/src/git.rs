//! Git, through the `git` command-line program: a local mirror of an advisory database published in a
//! git repository ([`GitMirror`]), and the facts that the server and the OSV export read from any work
//! tree ([`head`], [`file_dates`]).
//!
//! Why the command-line program rather than libgit2 or gix: every machine that serves a git database
//! already has git, and git brings the credential helpers, proxies, SSH setup and `insteadOf` rewrites
//! exactly as the operator configured them, without a large dependency in our build. What in the user's
//! configuration could change our results is pinned with `-c` options ([`PINNED_CONFIG`]). What in the
//! environment could point git at another repository (`GIT_DIR` and its relatives, which are set when
//! cratewatch runs inside a git hook) is removed ([`SCRUBBED_ENV`]). Every command has a timeout, and on
//! Unix a command that overruns it is killed with its whole process group, so that helpers such as
//! `git-remote-https` die with it.

use std::collections::HashMap;
use std::ffi::OsStr;
use std::fmt;
use std::fs;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use crate::fnv1a;

/// How long one git command of a sync may take before it is killed, unless
/// [`GitMirror::with_timeout`] says otherwise. A first clone of the RustSec database over a slow link
/// fits comfortably; a hung connection does not hold the mirror's lock for ever.
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(300);

/// The timeout of the read-only commands behind [`head`] and [`file_dates`], which touch only local files.
const LOCAL_TIMEOUT: Duration = Duration::from_secs(120);

/// Configuration that would change what our commands do or print, pinned for every command. Everything
/// else (credentials, proxies, URL rewrites, SSH) stays as the user configured it.
const PINNED_CONFIG: &[(&str, &str)] = &[
    // A global hooks path (pre-commit frameworks set one) would run the user's hooks in our checkouts.
    ("core.hooksPath", "/dev/null"),
    // No file-system monitor daemon started in the cache directory.
    ("core.fsmonitor", "false"),
    // Checkouts hold the files byte for byte as committed, whatever the platform's habit.
    ("core.autocrlf", "false"),
    ("core.sparseCheckout", "false"),
    // Automatic housekeeping after a fetch runs in the foreground, inside the lock and the timeout, not
    // in a detached process that could still be writing when the next sync renames directories.
    ("gc.autoDetach", "false"),
    ("maintenance.autoDetach", "false"),
    ("fetch.recurseSubmodules", "false"),
    ("submodule.recurse", "false"),
    // `log.showRoot = false` would hide the files of the first commit, and with them their creation dates.
    ("log.showRoot", "true"),
    // Signature checks would print into `git log`'s output.
    ("log.showSignature", "false"),
    // File names are always relative to the top of the repository.
    ("diff.relative", "false"),
    ("color.ui", "false"),
];

/// Environment variables that would make git work on another repository, index or object store, or
/// match paths differently. They are removed for every command.
const SCRUBBED_ENV: &[&str] = &[
    "GIT_DIR",
    "GIT_WORK_TREE",
    "GIT_INDEX_FILE",
    "GIT_OBJECT_DIRECTORY",
    "GIT_ALTERNATE_OBJECT_DIRECTORIES",
    "GIT_COMMON_DIR",
    "GIT_NAMESPACE",
    "GIT_PREFIX",
    "GIT_SHALLOW_FILE",
    "GIT_GRAFT_FILE",
    "GIT_REPLACE_REF_BASE",
    "GIT_QUARANTINE_PATH",
    "GIT_CONFIG",
    "GIT_LITERAL_PATHSPECS",
    "GIT_GLOB_PATHSPECS",
    "GIT_NOGLOB_PATHSPECS",
    "GIT_ICASE_PATHSPECS",
];

/// At most this much of a command's standard error is kept (the end of it, where git puts the fatal
/// line). A damaged pack can make git repeat one error line tens of thousands of times.
const STDERR_KEEP: usize = 64 * 1024;
/// At most this many lines of standard error go into an error message.
const STDERR_LINES: usize = 8;

/// The mirror's parts, inside its directory.
const REPO: &str = "repo.git";
const TREES: &str = "trees";
const CURRENT: &str = "current";
/// The file a sync locks (`flock`, Unix only).
#[cfg(unix)]
pub(crate) const LOCK: &str = "lock";
/// The branch of the bare repository that holds the synced tip.
const SYNCED_BRANCH: &str = "synced";
/// Prefixes of the temporary entries a sync creates; any left by a crash are removed by the next sync.
const TMP_PREFIX: &str = ".tmp-";
const TRASH_PREFIX: &str = ".trash-";

/// Why a git operation failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum GitError {
    /// The `git` program could not be started.
    #[error("cannot run git (is it installed and on PATH?): {source}")]
    Spawn {
        /// The error from starting the process.
        source: io::Error,
    },
    /// A git command exited with an error.
    #[error("git {command} in {dir} failed: {stderr}")]
    Failed {
        /// The git subcommand (`fetch`, `log`, ...).
        command: &'static str,
        /// The directory it ran in.
        dir: PathBuf,
        /// What git printed on standard error, trimmed and shortened, or the exit status when it printed
        /// nothing.
        stderr: String,
    },
    /// A git command ran longer than its timeout and was killed.
    #[error("git {command} in {dir} did not finish within {timeout:?} and was stopped")]
    TimedOut {
        /// The git subcommand.
        command: &'static str,
        /// The directory it ran in.
        dir: PathBuf,
        /// The timeout it exceeded.
        timeout: Duration,
    },
    /// A git command printed something that could not be read.
    #[error("unexpected output from git {command} in {dir}: {detail}")]
    Output {
        /// The git subcommand.
        command: &'static str,
        /// The directory it ran in.
        dir: PathBuf,
        /// What was wrong with the output.
        detail: String,
    },
    /// A file or directory of the mirror could not be read or written.
    #[error("cannot {action} {path}: {source}")]
    Io {
        /// What was being done (`create`, `rename`, ...).
        action: &'static str,
        /// The path involved.
        path: PathBuf,
        /// The underlying error.
        source: io::Error,
    },
    /// The directory is not the top of a git work tree (it has no `.git`).
    #[error("{path} is not a git work tree (it has no .git)")]
    NotARepository {
        /// The directory given.
        path: PathBuf,
    },
    /// The repository is a shallow clone, so the first commit of its history is not the real one.
    #[error("{path} is a shallow clone, so its file dates would be wrong; run `git fetch --unshallow` there")]
    Shallow {
        /// The directory given.
        path: PathBuf,
    },
    /// Another sync of the same mirror held its lock for longer than the timeout.
    #[error("another sync of {path} is still running after {waited:?}")]
    Busy {
        /// The mirror directory.
        path: PathBuf,
        /// How long this sync waited.
        waited: Duration,
    },
    /// A sync failed; the mirror still holds the last good tree (see [`GitMirror::last_synced`]).
    #[error("cannot sync {url}: {source}")]
    Sync {
        /// The repository URL, with any password removed.
        url: String,
        /// What went wrong.
        source: Box<GitError>,
    },
}

fn io_error<'a>(action: &'static str, path: &'a Path) -> impl FnOnce(io::Error) -> GitError + 'a {
    move |source| GitError::Io { action, path: path.to_owned(), source }
}

// ---------------------------------------------------------------------------------------------------
// Time

/// A point in time in whole seconds, in UTC: what git records for a commit, and what the JSON and OSV
/// outputs print, in RFC 3339 form (`2026-08-21T06:28:40Z`, the form OSV's `modified` uses).
///
/// Its range is the years 0000 to 9999, the years that form can write, so formatting never fails.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp {
    secs: i64,
}

impl Timestamp {
    /// 0000-01-01T00:00:00Z.
    const MIN_SECS: i64 = -62_167_219_200;
    /// 9999-12-31T23:59:59Z.
    const MAX_SECS: i64 = 253_402_300_799;

    /// The time `secs` seconds after 1970-01-01T00:00:00Z (before it when negative), or `None` outside
    /// the years 0000 to 9999.
    pub fn from_unix_seconds(secs: i64) -> Option<Timestamp> {
        (Self::MIN_SECS..=Self::MAX_SECS).contains(&secs).then_some(Timestamp { secs })
    }

    /// Seconds since 1970-01-01T00:00:00Z.
    pub fn unix_seconds(self) -> i64 {
        self.secs
    }
}

/// 1970-01-01T00:00:00 on the UTC calendar.
const UNIX_EPOCH: jiff::civil::DateTime = jiff::civil::date(1970, 1, 1).at(0, 0, 0, 0);

impl fmt::Display for Timestamp {
    /// RFC 3339 in UTC with a `Z`: `YYYY-MM-DDTHH:MM:SSZ`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Civil time, not `jiff::Timestamp`: a jiff timestamp stops a day short of 9999-12-31 (it must
        // fit every UTC offset), while the civil calendar covers the years 0000 to 9999 whole, so this
        // never fails. jiff prints a whole second without a fraction, and these years with 4 digits.
        let utc = UNIX_EPOCH.checked_add(jiff::SignedDuration::from_secs(self.secs)).map_err(|_| fmt::Error)?;
        write!(f, "{utc}Z")
    }
}

// ---------------------------------------------------------------------------------------------------
// Facts about a work tree

/// A commit: its id (the full hexadecimal hash) and its committer time.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Commit {
    /// The full commit hash, in lowercase hexadecimal.
    pub id: String,
    /// When it was committed (the committer time, which is when it landed, not when it was written).
    pub time: Timestamp,
}

/// When a file first and last changed, by the committer times of the commits that touched it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FileDates {
    /// The time of the earliest commit that touched the file at this path.
    pub created: Timestamp,
    /// The time of the latest commit that touched the file at this path.
    pub modified: Timestamp,
}

/// The commit checked out at `path`, for the `last-commit` and `last-updated` fields.
///
/// `Ok(None)` when `path` is not the top of a git work tree (a plain directory, or a directory inside
/// some other repository, whose commits say nothing about these files), or when the repository has no
/// commit yet. An error means git itself failed.
pub fn head(path: &Path) -> Result<Option<Commit>, GitError> {
    if !path.join(".git").exists() {
        return Ok(None);
    }
    // Relative to `path`, where git runs, so that a relative `path` works too.
    let git_dir = Path::new(".git");
    // `--ignore-missing` makes an unborn HEAD an empty answer instead of an error.
    let out = GitCommand::new("log", path, Some(git_dir))
        .args(["-1", "--no-color", "--format=%H %ct", "--ignore-missing", "HEAD", "--"])
        .run_ok(LOCAL_TIMEOUT)?;
    let text = String::from_utf8_lossy(&out);
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    parse_commit_line(text).map(Some).ok_or_else(|| GitError::Output {
        command: "log",
        dir: path.to_owned(),
        detail: format!("expected a commit id and a time, got {text:?}"),
    })
}

/// `"<id> <unix seconds>"` into a commit.
fn parse_commit_line(line: &str) -> Option<Commit> {
    let (id, secs) = line.trim().split_once(' ')?;
    let valid_id = matches!(id.len(), 40 | 64) && id.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
    let time = Timestamp::from_unix_seconds(secs.parse().ok()?)?;
    valid_id.then(|| Commit { id: id.to_owned(), time })
}

/// For every file in the tree of HEAD at `path`, the times of the first and of the last commit that
/// touched it, keyed by its path relative to `path` (`crates/foo/RUSTSEC-2020-0001.md`).
///
/// One `git log` pass over the whole history reachable from HEAD lists the files each commit changed,
/// and each file keeps the smallest and largest committer time it was seen with. So a change on a
/// merged side branch counts, like it does for RustSec's own OSV export (which computes `modified` the
/// same way, and which this agrees with on every advisory of the shared snapshot). `git log -1 -- FILE`
/// can answer differently: its history simplification skips a side branch when the merge left the file
/// as the other parent had it.
///
/// Choices, and why:
/// - No rename detection (`--no-renames`): a file moved to a new path is new there, and its dates start
///   at the move. RustSec's export does the same, and rename following cannot be done for all files in
///   one pass (`--follow` takes one path).
/// - Merge commits count for the files that differ from every parent (`--diff-merges=combined`): a
///   conflict resolution is a change of its own. Merges that take one side's version add nothing,
///   since that side's commits already count. (In the shared snapshot no merge differs from all its
///   parents, so this matches RustSec's choice to skip merges.)
/// - Committer time, not author time: it is when the change reached the branch.
///
/// Errors: `path` without `.git` ([`GitError::NotARepository`]), a shallow clone, whose cut-off commit
/// would look like the creation of every file ([`GitError::Shallow`]), or a failing git.
pub fn file_dates(path: &Path) -> Result<HashMap<PathBuf, FileDates>, GitError> {
    if !path.join(".git").exists() {
        return Err(GitError::NotARepository { path: path.to_owned() });
    }
    let git_dir = Path::new(".git");
    let shallow =
        GitCommand::new("rev-parse", path, Some(git_dir)).args(["--is-shallow-repository"]).run_ok(LOCAL_TIMEOUT)?;
    if shallow.trim_ascii() == b"true" {
        return Err(GitError::Shallow { path: path.to_owned() });
    }
    let tree = GitCommand::new("ls-tree", path, Some(git_dir))
        .args(["-r", "-z", "--name-only", "--full-tree", "HEAD"])
        .run_ok(LOCAL_TIMEOUT)?;
    // `%x00` starts each commit with an empty NUL-separated field, which no file name can be, so the
    // output parses without ambiguity: `\0<time>\0\n<file>\0<file>\0\0<time>\0...`.
    let log = GitCommand::new("log", path, Some(git_dir))
        .args([
            "-z",
            "--name-only",
            "--no-renames",
            "--diff-merges=combined",
            "--no-color",
            "--format=%x00%ct",
            "HEAD",
            "--",
        ])
        .run_ok(LOCAL_TIMEOUT)?;
    let touched = parse_name_only_log(&log).map_err(|detail| GitError::Output {
        command: "log",
        dir: path.to_owned(),
        detail,
    })?;
    let mut dates = HashMap::with_capacity(touched.len());
    for name in tree.split(|&b| b == 0).filter(|name| !name.is_empty()) {
        // Every file of HEAD's tree was added by some commit reachable from HEAD; only grafts could hide it.
        if let Some(&(created, modified)) = touched.get(name) {
            dates.insert(path_from_bytes(name), FileDates { created, modified });
        }
    }
    Ok(dates)
}

/// The earliest and latest commit time of every path in `git log -z --name-only --format=%x00%ct`.
fn parse_name_only_log(out: &[u8]) -> Result<HashMap<&[u8], (Timestamp, Timestamp)>, String> {
    let mut touched: HashMap<&[u8], (Timestamp, Timestamp)> = HashMap::new();
    let mut fields = out.split(|&b| b == 0);
    let mut time = None;
    let mut first_of_commit = false;
    while let Some(field) = fields.next() {
        if field.is_empty() {
            // A commit header follows, or this is the end of the output. A merge with no file that
            // differs from all its parents adds one more empty field.
            let Some(header) = fields.find(|f| !f.is_empty()) else { break };
            let secs = std::str::from_utf8(header).ok().and_then(|s| s.parse::<i64>().ok());
            time = Some(
                secs.and_then(Timestamp::from_unix_seconds)
                    .ok_or_else(|| format!("bad commit time {:?}", String::from_utf8_lossy(header)))?,
            );
            first_of_commit = true;
            continue;
        }
        let time = time.ok_or("a file name before the first commit")?;
        // The file list of a commit starts on a new line.
        let name = match field {
            [b'\n', rest @ ..] if first_of_commit => rest,
            _ => field,
        };
        first_of_commit = false;
        touched
            .entry(name)
            .and_modify(|(created, modified)| {
                *created = (*created).min(time);
                *modified = (*modified).max(time);
            })
            .or_insert((time, time));
    }
    Ok(touched)
}

fn path_from_bytes(bytes: &[u8]) -> PathBuf {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        PathBuf::from(OsStr::from_bytes(bytes))
    }
    #[cfg(not(unix))]
    {
        PathBuf::from(String::from_utf8_lossy(bytes).into_owned())
    }
}

// ---------------------------------------------------------------------------------------------------
// The mirror

/// A local mirror of a git repository holding an advisory database, kept in a cache directory and
/// brought up to date by [`GitMirror::sync`]. What the server runs for `--db <git URL>`.
///
/// Each synced commit gets its own complete checkout, which is never modified once a sync has returned
/// it. Whoever loads the tree that a sync returned therefore reads one commit's files, never a mix of
/// two. A sync that fails (network down, upstream gone, disk full, timeout) changes nothing that an
/// earlier sync returned, and [`GitMirror::last_synced`] still answers with the last good tree.
///
/// Layout of the mirror's directory (`<cache>/<name>-<hash of URL and branch>`):
///
/// ```text
/// repo.git/         bare repository, full history; the synced tip is its branch `synced`
/// trees/<commit>/   one checkout per synced commit, each a repository of its own (a local clone)
/// current           "<commit> <commit time>" of the last successful sync
/// lock              locked while a sync runs, so two processes never sync the same mirror at once
/// ```
///
/// The checkouts are clones, not `git worktree`s, so that each is a whole repository ([`head`] and
/// [`file_dates`] work on it unchanged) and a moved cache directory keeps working. The previous
/// checkout is kept until the sync after next, for readers still using it; older ones are removed.
#[derive(Clone)]
pub struct GitMirror {
    /// What git is given: the URL, or a local path made absolute.
    git_url: String,
    /// The URL for messages, without a password.
    url: String,
    /// `user:password@`, when the URL carries one, to keep it out of error messages.
    secret: Option<String>,
    branch: Option<String>,
    cache_dir: PathBuf,
    dir: PathBuf,
    timeout: Duration,
}

/// What a sync did.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct SyncReport {
    /// The commit now checked out.
    pub commit: Commit,
    /// Whether the commit differs from the one the previous successful sync of this mirror returned
    /// (true on the first sync). A process that starts should load the tree whatever this says.
    pub changed: bool,
    /// The checkout of `commit`: load the database from here. It stays unchanged at least until the
    /// sync after the next one.
    pub work_tree: PathBuf,
    /// Why the local repository was thrown away and cloned again, when it was (it was damaged, or a
    /// crash had left it half-cloned).
    pub recloned: Option<String>,
}

/// How an update attempt failed.
enum Failure {
    /// The local repository looks damaged: clone it afresh (the reason is reported).
    Local(String),
    /// Give up and report this.
    Fatal(GitError),
}

impl GitMirror {
    /// A mirror of `url` (a URL git understands, or a local path) in a directory under `cache_dir`
    /// named after the URL. Nothing is read or written until [`GitMirror::sync`].
    ///
    /// An existing local path is made absolute first, so that the same repository always maps to the
    /// same mirror, whatever the current directory.
    pub fn new(url: impl Into<String>, cache_dir: impl AsRef<Path>) -> GitMirror {
        let mut url = url.into();
        if !url.contains("://")
            && let Ok(absolute) = fs::canonicalize(&url)
            && let Some(absolute) = absolute.to_str()
        {
            url = absolute.to_owned();
        }
        let (shown, secret) = redact_url(&url);
        // Absolute, because git runs in directories of its own and is handed paths relative to none.
        let cache_dir = std::path::absolute(cache_dir.as_ref()).unwrap_or_else(|_| cache_dir.as_ref().to_owned());
        let mut mirror = GitMirror {
            git_url: url,
            url: shown,
            secret,
            branch: None,
            dir: PathBuf::new(),
            cache_dir,
            timeout: DEFAULT_TIMEOUT,
        };
        mirror.dir = mirror.cache_dir.join(mirror_dir_name(&mirror.git_url, None));
        mirror
    }

    /// Follows `branch` instead of the remote's default branch (its `HEAD`). Another branch is another
    /// mirror directory.
    pub fn with_branch(mut self, branch: impl Into<String>) -> GitMirror {
        let branch = branch.into();
        self.dir = self.cache_dir.join(mirror_dir_name(&self.git_url, Some(&branch)));
        self.branch = Some(branch);
        self
    }

    /// How long any one git command of a sync may run before it is killed (five minutes unless set).
    /// The same limit bounds the wait for another process's sync of the same mirror.
    pub fn with_timeout(mut self, timeout: Duration) -> GitMirror {
        self.timeout = timeout;
        self
    }

    /// The URL, with any password replaced by `***`.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The mirror's directory under the cache directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Brings the mirror up to date with the remote and returns the checkout of its tip.
    ///
    /// The first sync clones the full history (the OSV export needs every file's first and last commit).
    /// Later ones fetch, and check out a new commit into a new directory. A tip that has not moved
    /// keeps its checkout, after a check that nobody has added, changed or removed files in it (one
    /// that was tampered with is checked out again).
    ///
    /// A damaged local repository (a missing `HEAD`, a truncated pack, a clone that a crash cut short)
    /// is detected when reading it fails, or when a fetch fails while the remote answers `ls-remote`.
    /// It is then cloned again into a temporary directory that replaces it only once complete; the
    /// report says why. A failure of the remote itself is returned as an error, and the last good
    /// checkout stays as it was.
    pub fn sync(&self) -> Result<SyncReport, GitError> {
        self.sync_locked().map_err(|e| GitError::Sync { url: self.url.clone(), source: Box::new(self.scrub(e)) })
    }

    /// The result of the last successful sync, read from the mirror's directory without running git:
    /// what a server that has just started should serve when its first sync fails. `None` when there
    /// has been no successful sync or its checkout is gone. `changed` is false.
    pub fn last_synced(&self) -> Option<SyncReport> {
        let commit = read_current(&self.dir)?;
        let work_tree = self.dir.join(TREES).join(&commit.id);
        work_tree.join(".git").exists().then_some(SyncReport { commit, changed: false, work_tree, recloned: None })
    }

    fn sync_locked(&self) -> Result<SyncReport, GitError> {
        fs::create_dir_all(&self.dir).map_err(io_error("create", &self.dir))?;
        let _lock = MirrorLock::acquire(&self.dir, self.timeout)?;
        remove_leftovers(&self.dir);
        remove_leftovers(&self.dir.join(TREES));
        let previous = read_current(&self.dir);

        let (commit, work_tree, recloned) = if self.dir.join(REPO).exists() {
            match self.update_existing() {
                Ok((commit, tree)) => (commit, tree, None),
                Err(Failure::Fatal(e)) => return Err(e),
                Err(Failure::Local(reason)) => {
                    let (commit, tree) = self.update_fresh()?;
                    (commit, tree, Some(reason))
                }
            }
        } else {
            let (commit, tree) = self.update_fresh()?;
            (commit, tree, None)
        };
        write_current(&self.dir, &commit)?;

        let changed = previous.as_ref().is_none_or(|p| p.id != commit.id);
        let mut keep = vec![commit.id.as_str()];
        keep.extend(previous.as_ref().map(|p| p.id.as_str()));
        prune_trees(&self.dir.join(TREES), &keep);
        Ok(SyncReport { commit, changed, work_tree, recloned })
    }

    /// Fetches into the existing repository, then makes sure the tip has an intact checkout. A failure
    /// that points at the local repository asks for a fresh clone instead of giving up.
    fn update_existing(&self) -> Result<(Commit, PathBuf), Failure> {
        let repo = self.dir.join(REPO);
        let local = |e: GitError| match e {
            GitError::Failed { .. } | GitError::Output { .. } => {
                Failure::Local(format!("the local repository could not be used: {}", self.scrub(e)))
            }
            e => Failure::Fatal(e),
        };
        // A repository that cannot name its own tip (no HEAD, unreadable objects) is not worth a fetch.
        self.tip(&repo).map_err(local)?;
        if let Err(e) = self.fetch(&repo) {
            // If the remote answers, the fetch failed on our side: the local repository is to blame.
            return Err(match e {
                GitError::Failed { .. } if self.remote_answers() => Failure::Local(format!(
                    "fetching into the local repository failed while the remote answers: {}",
                    self.scrub(e)
                )),
                e => Failure::Fatal(e),
            });
        }
        let tip = self.tip(&repo).map_err(local)?;
        let tree = self.checkout(&repo, &tip).map_err(local)?;
        Ok((tip, tree))
    }

    /// Clones the repository afresh, then makes sure the tip has an intact checkout. Nothing is blamed
    /// on the local copy any more: every failure is final.
    fn update_fresh(&self) -> Result<(Commit, PathBuf), GitError> {
        let repo = self.dir.join(REPO);
        self.clone_repo()?;
        let tip = self.tip(&repo)?;
        let tree = self.checkout(&repo, &tip)?;
        Ok((tip, tree))
    }

    /// The commit at the tip of the bare repository's `synced` branch.
    fn tip(&self, repo: &Path) -> Result<Commit, GitError> {
        let out = GitCommand::new("log", &self.dir, Some(repo))
            .args(["-1", "--no-color", "--format=%H %ct", SYNCED_BRANCH, "--"])
            .run_ok(self.timeout)?;
        let text = String::from_utf8_lossy(&out);
        parse_commit_line(&text).ok_or_else(|| GitError::Output {
            command: "log",
            dir: repo.to_owned(),
            detail: format!("expected a commit id and a time, got {:?}", text.trim()),
        })
    }

    fn refspec(&self) -> String {
        let source = self.branch.as_ref().map_or_else(|| "HEAD".to_owned(), |b| format!("refs/heads/{b}"));
        format!("+{source}:refs/heads/{SYNCED_BRANCH}")
    }

    /// Fetches the remote's tip, with its whole history, into the bare repository `repo`.
    fn fetch(&self, repo: &Path) -> Result<(), GitError> {
        GitCommand::new("fetch", &self.dir, Some(repo))
            .args(["-q", "--no-tags", "--no-recurse-submodules", "--update-head-ok", "--"])
            .arg(&self.git_url)
            .arg(self.refspec())
            .run_ok(self.timeout)
            .map(drop)
    }

    /// Whether the remote answers and has the ref we follow.
    fn remote_answers(&self) -> bool {
        let pattern = self.branch.as_ref().map_or_else(|| "HEAD".to_owned(), |b| format!("refs/heads/{b}"));
        let mut command = GitCommand::new("ls-remote", &self.dir, None);
        // ls-remote looks for a repository around its working directory; keep it from finding one that
        // encloses the cache (whose configuration could rewrite the URL).
        if let Some(parent) = self.dir.parent().and_then(|p| fs::canonicalize(p).ok()) {
            command.command.env("GIT_CEILING_DIRECTORIES", parent);
        }
        command.args(["-q", "--exit-code", "--"]).arg(&self.git_url).arg(pattern).run_ok(self.timeout).is_ok()
    }

    /// Clones the remote into a temporary bare repository, which then replaces `repo.git`.
    fn clone_repo(&self) -> Result<(), GitError> {
        let tmp = temp_path(&self.dir, "repo");
        let result = GitCommand::new("init", &self.dir, None)
            .args(["--bare", "-q", "--template=", "--initial-branch", SYNCED_BRANCH])
            .arg(&tmp)
            .run_ok(self.timeout)
            .and_then(|_| self.fetch(&tmp));
        if let Err(e) = result {
            let _ = fs::remove_dir_all(&tmp);
            return Err(e);
        }
        replace_dir(&tmp, &self.dir.join(REPO))
    }

    /// The checkout of `tip` under `trees/`, built (or rebuilt) unless an intact one is there.
    fn checkout(&self, repo: &Path, tip: &Commit) -> Result<PathBuf, GitError> {
        let trees = self.dir.join(TREES);
        let tree = trees.join(&tip.id);
        if tree.exists() && self.is_intact(&tree, &tip.id).unwrap_or(false) {
            return Ok(tree);
        }
        fs::create_dir_all(&trees).map_err(io_error("create", &trees))?;
        let tmp = temp_path(&trees, &tip.id);
        let result = GitCommand::new("clone", &trees, None)
            .args(["-q", "--no-hardlinks", "--template=", "--branch", SYNCED_BRANCH, "--"])
            .arg(repo)
            .arg(&tmp)
            .run_ok(self.timeout)
            .and_then(|_| {
                let built = head(&tmp)?;
                match built {
                    Some(commit) if commit.id == tip.id => Ok(()),
                    other => Err(GitError::Output {
                        command: "clone",
                        dir: tmp.clone(),
                        detail: format!("the checkout is at {other:?}, not at {}", tip.id),
                    }),
                }
            });
        if let Err(e) = result {
            let _ = fs::remove_dir_all(&tmp);
            return Err(e);
        }
        replace_dir(&tmp, &tree)?;
        Ok(tree)
    }

    /// Whether the checkout at `tree` is exactly commit `id`: HEAD there, and no file added, changed or
    /// removed, ignored files included.
    fn is_intact(&self, tree: &Path, id: &str) -> Result<bool, GitError> {
        let out = GitCommand::new("status", tree, Some(&tree.join(".git")))
            .args([
                "--porcelain=v2",
                "-z",
                "--branch",
                "--untracked-files=all",
                "--ignored=matching",
                "--ignore-submodules=none",
            ])
            .run_ok(self.timeout)?;
        let mut at_commit = false;
        for entry in out.split(|&b| b == 0).filter(|e| !e.is_empty()) {
            match entry.strip_prefix(b"# ") {
                Some(header) => at_commit |= header.strip_prefix(b"branch.oid ") == Some(id.as_bytes()),
                None => return Ok(false),
            }
        }
        Ok(at_commit)
    }

    /// `e` with the URL's password, if any, replaced wherever git printed it.
    fn scrub(&self, e: GitError) -> GitError {
        match (e, &self.secret) {
            (GitError::Failed { command, dir, stderr }, Some(secret)) => {
                GitError::Failed { command, dir, stderr: stderr.replace(secret.as_str(), "***@") }
            }
            (GitError::Sync { url, source }, _) => GitError::Sync { url, source: Box::new(self.scrub(*source)) },
            (e, _) => e,
        }
    }
}

/// Without `git_url` and `secret`, which may hold a password.
impl fmt::Debug for GitMirror {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GitMirror")
            .field("url", &self.url)
            .field("branch", &self.branch)
            .field("dir", &self.dir)
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

/// `<last path segment>-<hash>`: readable in a directory listing, and unique per URL and branch.
fn mirror_dir_name(url: &str, branch: Option<&str>) -> String {
    let trimmed = url.trim_end_matches(['/', '\\']);
    let last = trimmed.rsplit(['/', '\\', ':']).next().unwrap_or("");
    let last = last.strip_suffix(".git").unwrap_or(last);
    let mut stem: String = last
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') { c } else { '_' })
        .take(40)
        .collect();
    if stem.trim_matches('.').is_empty() {
        stem = "repo".to_owned();
    }
    let mut key = url.as_bytes().to_vec();
    if let Some(branch) = branch {
        key.push(0);
        key.extend_from_slice(branch.as_bytes());
    }
    format!("{stem}-{:016x}", fnv1a(&key))
}

/// The URL to show, with the password of `scheme://user:password@host/...` replaced by `***`, and the
/// `user:password@` part itself, to remove from git's messages.
fn redact_url(url: &str) -> (String, Option<String>) {
    let Some(scheme_end) = url.find("://") else { return (url.to_owned(), None) };
    let rest = &url[scheme_end + 3..];
    let authority = &rest[..rest.find('/').unwrap_or(rest.len())];
    let Some(at) = authority.rfind('@') else { return (url.to_owned(), None) };
    let userinfo = &authority[..at];
    let Some((user, _password)) = userinfo.split_once(':') else { return (url.to_owned(), None) };
    let shown = format!("{}{user}:***@{}", &url[..scheme_end + 3], &rest[at + 1..]);
    (shown, Some(format!("{userinfo}@")))
}

/// The commit recorded in `current`, when it is readable and well formed.
fn read_current(dir: &Path) -> Option<Commit> {
    parse_commit_line(&fs::read_to_string(dir.join(CURRENT)).ok()?)
}

/// Records `commit` as the result of the last successful sync: written to a temporary file, flushed to
/// disk and renamed over `current`, so a crash leaves either the old record or the new one.
fn write_current(dir: &Path, commit: &Commit) -> Result<(), GitError> {
    let path = dir.join(CURRENT);
    let tmp = temp_path(dir, CURRENT);
    let result = (|| {
        let mut file = fs::File::create(&tmp)?;
        writeln!(file, "{} {}", commit.id, commit.time.unix_seconds())?;
        file.sync_all()?;
        fs::rename(&tmp, &path)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result.map_err(io_error("write", &path))
}

/// A fresh name in `dir` for a temporary entry: `<prefix><what>-<pid>-<counter>`. The lock makes it
/// unique among live syncs, and the counter among the entries of one sync.
fn scratch_path(dir: &Path, prefix: &str, what: &str) -> PathBuf {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    dir.join(format!("{prefix}{what}-{}-{n}", std::process::id()))
}

fn temp_path(dir: &Path, what: &str) -> PathBuf {
    scratch_path(dir, TMP_PREFIX, what)
}

/// Puts the complete directory `new` in the place of `target`. The old one is first renamed aside and
/// only removed once `new` is in place, so a failure in between loses nothing.
fn replace_dir(new: &Path, target: &Path) -> Result<(), GitError> {
    let parent = target.parent().unwrap_or(Path::new("."));
    let trash = scratch_path(parent, TRASH_PREFIX, "old");
    let had_old = match fs::rename(target, &trash) {
        Ok(()) => true,
        Err(e) if e.kind() == io::ErrorKind::NotFound => false,
        Err(e) => {
            let _ = fs::remove_dir_all(new);
            return Err(io_error("move aside", target)(e));
        }
    };
    if let Err(e) = fs::rename(new, target) {
        if had_old {
            let _ = fs::rename(&trash, target);
        }
        let _ = fs::remove_dir_all(new);
        return Err(io_error("rename into place", target)(e));
    }
    if had_old {
        let _ = fs::remove_dir_all(&trash);
    }
    Ok(())
}

/// Removes what an interrupted sync left in `dir`. Only called with the lock held.
fn remove_leftovers(dir: &Path) {
    let Ok(entries) = fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if name.starts_with(TMP_PREFIX) || name.starts_with(TRASH_PREFIX) {
            let path = entry.path();
            let _ = fs::remove_dir_all(&path).or_else(|_| fs::remove_file(&path));
        }
    }
}

/// Removes the checkouts under `trees` other than `keep`. Failures are left for the next sync.
fn prune_trees(trees: &Path, keep: &[&str]) {
    let Ok(entries) = fs::read_dir(trees) else { return };
    for entry in entries.flatten() {
        if !keep.iter().any(|k| entry.file_name() == OsStr::new(k)) {
            let _ = fs::remove_dir_all(entry.path());
        }
    }
}

/// An exclusive lock on the mirror's `lock` file, released when dropped. Two processes (a server and a
/// CLI run, say) syncing one mirror at once would otherwise race on the renames.
struct MirrorLock {
    #[cfg(unix)]
    _file: fs::File,
}

impl MirrorLock {
    fn acquire(dir: &Path, timeout: Duration) -> Result<MirrorLock, GitError> {
        #[cfg(unix)]
        {
            use rustix::fs::{FlockOperation, flock};
            let path = dir.join(LOCK);
            let file = fs::OpenOptions::new()
                .create(true)
                .truncate(false)
                .write(true)
                .open(&path)
                .map_err(io_error("open", &path))?;
            let start = Instant::now();
            loop {
                match flock(&file, FlockOperation::NonBlockingLockExclusive) {
                    Ok(()) => return Ok(MirrorLock { _file: file }),
                    Err(e) if e == rustix::io::Errno::WOULDBLOCK => {
                        if start.elapsed() >= timeout {
                            return Err(GitError::Busy { path: dir.to_owned(), waited: start.elapsed() });
                        }
                        thread::sleep(Duration::from_millis(50));
                    }
                    Err(e) => return Err(io_error("lock", &path)(e.into())),
                }
            }
        }
        #[cfg(not(unix))]
        {
            // No lock elsewhere: syncs of one mirror must not overlap there.
            let _ = (dir, timeout);
            Ok(MirrorLock {})
        }
    }
}

// ---------------------------------------------------------------------------------------------------
// Running git

/// One git invocation with the pinned configuration and a cleaned environment.
struct GitCommand {
    command: Command,
    name: &'static str,
    dir: PathBuf,
}

impl GitCommand {
    /// `git -c ... [--git-dir <git_dir>] <name>`, run in `dir`. With an explicit `git_dir`, git never
    /// searches the parent directories for a repository, so a damaged one cannot send it to an
    /// enclosing repository instead.
    fn new(name: &'static str, dir: &Path, git_dir: Option<&Path>) -> GitCommand {
        let mut command = Command::new("git");
        for (key, value) in PINNED_CONFIG {
            command.arg("-c").arg(format!("{key}={value}"));
        }
        if let Some(git_dir) = git_dir {
            command.arg("--git-dir").arg(git_dir);
        }
        command.arg(name);
        for var in SCRUBBED_ENV {
            command.env_remove(var);
        }
        command
            // Never wait for a password on a terminal: fail, and let the error say so.
            .env("GIT_TERMINAL_PROMPT", "0")
            // Read-only commands (`status`) do not rewrite the index, which readers may be using.
            .env("GIT_OPTIONAL_LOCKS", "0")
            // History as committed, not as locally replaced.
            .env("GIT_NO_REPLACE_OBJECTS", "1")
            .current_dir(dir);
        GitCommand { command, name, dir: dir.to_owned() }
    }

    fn arg(&mut self, arg: impl AsRef<OsStr>) -> &mut Self {
        self.command.arg(arg);
        self
    }

    fn args<I: IntoIterator<Item = S>, S: AsRef<OsStr>>(&mut self, args: I) -> &mut Self {
        self.command.args(args);
        self
    }

    /// Runs the command and returns its standard output, or an error carrying its standard error.
    fn run_ok(&mut self, timeout: Duration) -> Result<Vec<u8>, GitError> {
        let (status, stdout, stderr) = run_with_timeout(&mut self.command, timeout).map_err(|e| match e {
            RunError::Spawn(source) => GitError::Spawn { source },
            RunError::TimedOut => GitError::TimedOut { command: self.name, dir: self.dir.clone(), timeout },
        })?;
        if status.success() {
            Ok(stdout)
        } else {
            let mut stderr = summarize_stderr(&stderr);
            if stderr.is_empty() {
                stderr = status.to_string();
            }
            Err(GitError::Failed { command: self.name, dir: self.dir.clone(), stderr })
        }
    }
}

#[derive(Debug)]
enum RunError {
    Spawn(io::Error),
    TimedOut,
}

/// Runs `command` with piped output and no input, and kills it (on Unix, with its process group) once
/// `timeout` has passed. Returns its exit status, standard output and the end of its standard error.
fn run_with_timeout(command: &mut Command, timeout: Duration) -> Result<(ExitStatus, Vec<u8>, Vec<u8>), RunError> {
    command.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped());
    #[cfg(unix)]
    {
        // Its own process group, so that a kill reaches the helpers it starts too (`git-remote-https`,
        // `ssh`, `index-pack`), which would otherwise hold the pipes open.
        use std::os::unix::process::CommandExt;
        command.process_group(0);
    }
    let start = Instant::now();
    let mut child = command.spawn().map_err(RunError::Spawn)?;
    let mut stdout = child.stdout.take().expect("stdout is piped");
    let mut stderr = child.stderr.take().expect("stderr is piped");
    let out_reader = thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = stdout.read_to_end(&mut buf);
        buf
    });
    let err_reader = thread::spawn(move || read_tail(&mut stderr, STDERR_KEEP));
    // Most git commands here take milliseconds: poll often at first, then back off.
    let mut pause = Duration::from_micros(250);
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) => {}
            Err(e) => {
                kill(&mut child);
                return Err(RunError::Spawn(e));
            }
        }
        let elapsed = start.elapsed();
        if elapsed >= timeout {
            kill(&mut child);
            // With the whole group gone the pipes close and the readers finish. Elsewhere a helper
            // could keep them open, so the readers are left to finish on their own.
            #[cfg(unix)]
            {
                let _ = out_reader.join();
                let _ = err_reader.join();
            }
            return Err(RunError::TimedOut);
        }
        thread::sleep(pause.min(timeout - elapsed));
        pause = (pause * 2).min(Duration::from_millis(50));
    };
    let stdout = out_reader.join().unwrap_or_default();
    let stderr = err_reader.join().unwrap_or_default();
    Ok((status, stdout, stderr))
}

fn kill(child: &mut Child) {
    #[cfg(unix)]
    {
        use rustix::process::{Pid, Signal, kill_process_group};
        let _ = kill_process_group(Pid::from_child(child), Signal::KILL);
    }
    let _ = child.kill();
    let _ = child.wait();
}

/// Reads `reader` to its end, keeping only the last `keep` bytes or so.
fn read_tail(reader: &mut impl Read, keep: usize) -> Vec<u8> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 8192];
    loop {
        match reader.read(&mut chunk) {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                buf.extend_from_slice(&chunk[..n]);
                if buf.len() > 2 * keep {
                    buf.drain(..buf.len() - keep);
                }
            }
        }
    }
    buf
}

/// Git's standard error for a message: trimmed, runs of the same line counted instead of repeated,
/// and only the last lines kept (git prints the fatal reason last).
fn summarize_stderr(stderr: &[u8]) -> String {
    let text = String::from_utf8_lossy(stderr);
    let mut lines: Vec<(String, usize)> = Vec::new();
    for line in text.lines().map(str::trim_end).filter(|l| !l.trim().is_empty()) {
        match lines.last_mut() {
            Some((last, count)) if last == line => *count += 1,
            _ => lines.push((line.to_owned(), 1)),
        }
    }
    let skipped = lines.len().saturating_sub(STDERR_LINES);
    let mut out: Vec<String> = Vec::new();
    if skipped > 0 {
        out.push(format!("[{skipped} earlier lines left out]"));
    }
    for (line, count) in &lines[skipped..] {
        out.push(if *count > 1 { format!("{line} [{count} times]") } else { line.clone() });
    }
    out.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_print_as_rfc3339_utc() {
        let cases = [
            (0, "1970-01-01T00:00:00Z"),
            (-1, "1969-12-31T23:59:59Z"),
            (951_782_400, "2000-02-29T00:00:00Z"),
            (951_868_799, "2000-02-29T23:59:59Z"),
            (1_787_293_720, "2026-08-21T06:28:40Z"),
            (4_107_542_400, "2100-03-01T00:00:00Z"),
            (Timestamp::MIN_SECS, "0000-01-01T00:00:00Z"),
            (Timestamp::MAX_SECS, "9999-12-31T23:59:59Z"),
        ];
        for (secs, text) in cases {
            assert_eq!(Timestamp::from_unix_seconds(secs).unwrap().to_string(), text, "{secs}");
        }
        assert_eq!(Timestamp::from_unix_seconds(Timestamp::MIN_SECS - 1), None);
        assert_eq!(Timestamp::from_unix_seconds(Timestamp::MAX_SECS + 1), None);
    }

    #[test]
    fn every_day_of_four_centuries_follows_the_previous_one() {
        // Walking day by day from 1900 to 2300 must step the printed calendar by exactly one day each
        // time.
        let date = |days: i64| {
            let text = Timestamp::from_unix_seconds(days * 86_400).unwrap().to_string();
            assert!(text.ends_with("T00:00:00Z") && text.len() == 20, "{text}");
            let field = |range: std::ops::Range<usize>| text[range].parse::<i64>().unwrap();
            (field(0..4), field(5..7), field(8..10))
        };
        let mut prev = date(-25_567); // 1900-01-01
        assert_eq!(prev, (1900, 1, 1));
        for days in -25_566..120_000 {
            let (y, m, d) = date(days);
            let (py, pm, pd) = prev;
            let leap = (py % 4 == 0 && py % 100 != 0) || py % 400 == 0;
            let month_len = match pm {
                2 if leap => 29,
                2 => 28,
                4 | 6 | 9 | 11 => 30,
                _ => 31,
            };
            let expected = if pd < month_len {
                (py, pm, pd + 1)
            } else if pm < 12 {
                (py, pm + 1, 1)
            } else {
                (py + 1, 1, 1)
            };
            assert_eq!((y, m, d), expected, "day {days}");
            prev = (y, m, d);
        }
    }

    #[test]
    fn name_only_log_is_parsed_with_first_and_last_times() {
        // Commits at 300 (two files), 250 (a merge: an extra empty field), 200 (none) and 100.
        let out = b"\x00300\x00\na.md\x00dir/b.md\x00\x00250\x00\x00\x00200\x00\x00100\x00\na.md\x00\nodd\x00";
        let touched = parse_name_only_log(out).unwrap();
        let t = |s| Timestamp::from_unix_seconds(s).unwrap();
        assert_eq!(touched[&b"a.md"[..]], (t(100), t(300)));
        assert_eq!(touched[&b"dir/b.md"[..]], (t(300), t(300)));
        // Only the first name of a commit has git's newline before it; a later one keeps its own.
        assert_eq!(touched[&b"\nodd"[..]], (t(100), t(100)));
        assert_eq!(touched.len(), 3);
        assert!(parse_name_only_log(b"\x00soon\x00\na\x00").is_err());
        assert!(parse_name_only_log(b"a\x00").is_err());
        assert!(parse_name_only_log(b"").unwrap().is_empty());
    }

    #[test]
    fn mirror_directories_are_named_after_the_url() {
        let a = mirror_dir_name("https://github.com/rustsec/advisory-db.git", None);
        assert!(a.starts_with("advisory-db-") && a.len() == "advisory-db-".len() + 16, "{a}");
        assert_ne!(a, mirror_dir_name("https://github.com/rustsec/advisory-db.git", Some("main")));
        assert_ne!(a, mirror_dir_name("https://example.com/rustsec/advisory-db.git", None));
        assert!(mirror_dir_name("git@host:org/db/", None).starts_with("db-"));
        assert!(mirror_dir_name("/srv/my db (copy)", None).starts_with("my_db__copy_-"));
        assert!(mirror_dir_name("..", None).starts_with("repo-"));
    }

    #[test]
    fn passwords_stay_out_of_what_is_shown() {
        assert_eq!(
            redact_url("https://bot:s3cret@git.example.com/db.git"),
            ("https://bot:***@git.example.com/db.git".to_owned(), Some("bot:s3cret@".to_owned()))
        );
        assert_eq!(redact_url("ssh://git@host/db").0, "ssh://git@host/db");
        assert_eq!(redact_url("/srv/a:b@c/db").0, "/srv/a:b@c/db");
        let mirror = GitMirror::new("https://bot:s3cret@git.example.com/db.git", "/nonexistent");
        assert_eq!(mirror.url(), "https://bot:***@git.example.com/db.git");
        assert!(!format!("{mirror:?}").contains("s3cret"));
        let scrubbed = mirror.scrub(GitError::Failed {
            command: "fetch",
            dir: PathBuf::from("/x"),
            stderr: "fatal: unable to access 'https://bot:s3cret@git.example.com/db.git/'".to_owned(),
        });
        assert!(!scrubbed.to_string().contains("s3cret"), "{scrubbed}");
    }

    #[test]
    fn stderr_is_trimmed_and_repetitions_counted() {
        let mut noisy = b"error: packfile p does not match index\n".repeat(1000);
        noisy.extend_from_slice(b"fatal: bad object refs/heads/synced\n\n");
        assert_eq!(
            summarize_stderr(&noisy),
            "error: packfile p does not match index [1000 times]\nfatal: bad object refs/heads/synced"
        );
        let many: String = (0..20).map(|i| format!("line {i}\n")).collect();
        let summary = summarize_stderr(many.as_bytes());
        assert!(summary.starts_with("[12 earlier lines left out]\nline 12\n"), "{summary}");
        assert!(summary.ends_with("line 19"), "{summary}");
    }

    #[cfg(unix)]
    #[test]
    fn a_command_over_its_timeout_is_killed_with_its_children() {
        // The background `sleep` holds the output pipe: unless the whole group dies, reading waits 30 s.
        let mut command = Command::new("sh");
        command.args(["-c", "sleep 30 & sleep 30"]);
        let start = Instant::now();
        let result = run_with_timeout(&mut command, Duration::from_millis(200));
        assert!(matches!(result, Err(RunError::TimedOut)), "{result:?}");
        assert!(start.elapsed() < Duration::from_secs(20), "the children outlived the timeout");
    }

    #[cfg(unix)]
    #[test]
    fn a_quick_command_returns_its_output() {
        let mut command = Command::new("sh");
        command.args(["-c", "echo out; echo err >&2; exit 3"]);
        let (status, stdout, stderr) = run_with_timeout(&mut command, Duration::from_secs(30)).unwrap();
        assert_eq!((status.code(), &stdout[..], &stderr[..]), (Some(3), &b"out\n"[..], &b"err\n"[..]));
    }
}
