//! Writing a whole database as OSV files, in the layout of RustSec's official export.

use std::collections::{HashMap, HashSet};
use std::fs;
use std::path::{Path, PathBuf};

use cratewatch_advisory::Collection;
use cratewatch_db::{Database, FileDates, FileDiagnostic, GitError, file_dates};

use crate::to_osv_pretty;

/// Why an export could not run or could not finish.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The advisory database could not be opened.
    #[error("cannot export OSV records: {0}")]
    Load(#[from] cratewatch_db::Error),
    /// The database is a git work tree, but its history could not be read for the `modified` dates.
    #[error("cannot read the git dates of {path} for the OSV export: {source}")]
    Git {
        /// The database root.
        path: PathBuf,
        /// What git reported.
        source: GitError,
    },
    /// A directory or record could not be written.
    #[error("cannot write OSV export file {path}: {source}")]
    Write {
        /// The file or directory that failed.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
}

/// What an export did.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct ExportReport {
    /// The number of records written, one per crate advisory.
    pub written: usize,
    /// Whether `modified` came from the git history (`false`: the database is a plain directory, and
    /// `modified` equals `published`).
    pub dates_from_git: bool,
    /// Advisories of a git database whose file has no commit yet (new, uncommitted files). Their
    /// `modified` falls back to `published`.
    pub uncommitted: Vec<String>,
    /// Advisories of the `rust` collection, not exported: OSV has no ecosystem for the Rust toolchain,
    /// and RustSec's own export leaves them out too.
    pub skipped_toolchain: Vec<String>,
    /// Files already in the output's `crates/` that this export did not write (records of advisories that
    /// no longer exist, like the official export's stale `RUSTSEC-2025-0000`). They are left alone: the
    /// export never deletes files it did not write, but the caller can.
    pub stale: Vec<PathBuf>,
    /// Problems found while loading; the files they name are not exported.
    pub diagnostics: Vec<FileDiagnostic>,
}

/// Exports every crate advisory of the database at `db_root` as `out/crates/<ID>.json`, the layout of
/// RustSec's official export, pretty-printed as those files are.
///
/// When `db_root` is a git work tree, each record's `modified` is the time of the last commit that
/// touched the advisory file, as in the official export; otherwise it is the publication date. Existing
/// files are overwritten; other files in `out` are left alone and listed in [`ExportReport::stale`].
pub fn export(db_root: &Path, out: &Path) -> Result<ExportReport, Error> {
    let db = Database::load(db_root)?;
    let dates: Option<HashMap<PathBuf, FileDates>> = if db_root.join(".git").exists() {
        Some(file_dates(db_root).map_err(|source| Error::Git { path: db_root.to_owned(), source })?)
    } else {
        None
    };
    let dir = out.join("crates");
    fs::create_dir_all(&dir).map_err(|source| Error::Write { path: dir.clone(), source })?;

    let mut report = ExportReport {
        written: 0,
        dates_from_git: dates.is_some(),
        uncommitted: Vec::new(),
        skipped_toolchain: Vec::new(),
        stale: Vec::new(),
        diagnostics: db.diagnostics().to_vec(),
    };
    let mut names = HashSet::new();
    for advisory in db.advisories() {
        let id = advisory.id.as_str();
        if advisory.collection == Collection::Rust {
            report.skipped_toolchain.push(id.to_owned());
            continue;
        }
        // The loader has checked that each file sits at `crates/<package>/<id>.md`, so this is its path
        // in the repository, the key of the git dates.
        let file_dates = dates.as_ref().and_then(|dates| {
            let rel = Path::new(advisory.collection.as_str()).join(&advisory.package).join(format!("{id}.md"));
            let found = dates.get(&rel);
            if found.is_none() {
                report.uncommitted.push(id.to_owned());
            }
            found
        });
        let name = format!("{id}.json");
        let path = dir.join(&name);
        fs::write(&path, to_osv_pretty(advisory, file_dates)).map_err(|source| Error::Write { path, source })?;
        names.insert(name);
        report.written += 1;
    }

    let entries = fs::read_dir(&dir).map_err(|source| Error::Write { path: dir.clone(), source })?;
    for entry in entries.flatten() {
        let name = entry.file_name();
        if !names.contains(name.to_string_lossy().as_ref()) {
            report.stale.push(entry.path());
        }
    }
    report.stale.sort();
    Ok(report)
}
