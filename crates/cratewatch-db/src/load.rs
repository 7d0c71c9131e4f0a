//! The `Database`: one or several advisory sources loaded and merged (see `sources.rs`), with the
//! diagnostics of every file.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use cratewatch_advisory::{Advisory, DiagnosticSeverity};

use crate::Error;
use crate::sources::{Origin, load_merged};
pub use crate::tree::FileDiagnostic;

/// A fully loaded advisory database.
#[derive(Clone, Debug)]
pub struct Database {
    root: PathBuf,
    advisories: Vec<Advisory>,
    /// Where each advisory came from, index for index.
    origins: Vec<Origin>,
    diagnostics: Vec<FileDiagnostic>,
    by_package: HashMap<String, Vec<usize>>,
}

impl Database {
    /// Loads every advisory under `root`. Fails only when `root` is not a readable advisory database;
    /// problems in single files are reported by [`Database::diagnostics`].
    pub fn load(root: &Path) -> Result<Database, Error> {
        Database::load_all(&[root.to_owned()])
    }

    /// Loads several sources (RustSec-format trees and directories of OSV JSON records, see
    /// [`SourceKind`](crate::SourceKind)) and merges them into one view: records of different sources
    /// that alias each other become one advisory. With more than one source, diagnostic paths start
    /// with the source's root.
    pub fn load_all(roots: &[PathBuf]) -> Result<Database, Error> {
        let merged = load_merged(roots)?;
        let root = roots.first().cloned().unwrap_or_default();
        Ok(Database::from_merged(root, merged.advisories, merged.diagnostics))
    }

    pub(crate) fn from_merged(
        root: PathBuf,
        merged: Vec<(Advisory, Origin)>,
        mut diagnostics: Vec<FileDiagnostic>,
    ) -> Self {
        diagnostics.sort_by(|a, b| (&a.path, a.diagnostic.line).cmp(&(&b.path, b.diagnostic.line)));
        let (advisories, origins): (Vec<Advisory>, Vec<Origin>) = merged.into_iter().unzip();
        let mut by_package: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, advisory) in advisories.iter().enumerate() {
            by_package.entry(advisory.package.clone()).or_default().push(i);
        }
        Database { root, advisories, origins, diagnostics, by_package }
    }

    /// The directory the database was loaded from.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Every advisory that loaded, in path order.
    pub fn advisories(&self) -> &[Advisory] {
        &self.advisories
    }

    /// The advisories about `package` (in either collection).
    pub fn for_package<'a>(&'a self, package: &str) -> impl Iterator<Item = &'a Advisory> + 'a {
        self.by_package.get(package).into_iter().flatten().map(|&i| &self.advisories[i])
    }

    /// Problems found while loading, sorted by path and line.
    pub fn diagnostics(&self) -> &[FileDiagnostic] {
        &self.diagnostics
    }

    /// The advisories and the diagnostics, for callers that index them their own way.
    pub fn into_parts(self) -> (Vec<Advisory>, Vec<FileDiagnostic>) {
        (self.advisories, self.diagnostics)
    }

    /// Where each advisory of [`Database::advisories`] came from, index for index.
    pub fn origins(&self) -> &[Origin] {
        &self.origins
    }

    /// The advisories with their origins, and the diagnostics.
    pub fn into_parts_with_origins(self) -> (Vec<(Advisory, Origin)>, Vec<FileDiagnostic>) {
        (self.advisories.into_iter().zip(self.origins).collect(), self.diagnostics)
    }

    /// How many error-level diagnostics were found (each one kept a file from loading).
    pub fn error_count(&self) -> usize {
        self.diagnostics.iter().filter(|d| d.diagnostic.severity == DiagnosticSeverity::Error).count()
    }
}
