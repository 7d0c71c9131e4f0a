//! A whole git-layout index, read into memory on every core.

use std::cmp::Ordering;
use std::collections::HashSet;
use std::fmt;
use std::fs::{self, File};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering as AtomicOrdering};

use crate::dir::{is_plausible_name, relative_path};
use crate::parse::Interner;
use crate::{CrateSource, CrateVersions, DepKind, Error, IndexDir};

/// Every crate of a registry index, read once from a directory in the git-index layout and then
/// answered from memory.
///
/// Nothing in it changes after [`IndexSnapshot::load`], so it can sit in an `Arc` and serve any number of
/// threads without a lock; to see a newer index, load a new snapshot and swap it in. Crates are kept as
/// `Arc<CrateVersions>`, so a lookup hands out a pointer, not a copy.
pub struct IndexSnapshot {
    root: PathBuf,
    /// Sorted by normalised name (see [`normalised_cmp`]), then by name, so that the crates a normalised
    /// lookup may find sit next to each other.
    crates: Vec<Arc<CrateVersions>>,
    versions: usize,
    diagnostics: Vec<IndexDiagnostic>,
}

/// A problem found while loading an [`IndexSnapshot`]: a skipped line, a file that could not be read, or
/// two crates whose names are the same to crates.io.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct IndexDiagnostic {
    /// The file (or directory) the problem is in.
    pub path: PathBuf,
    /// The 1-based line, when the problem is on one line of the file.
    pub line: Option<u32>,
    /// A stable kebab-case code: one of [`crate::LineDiagnostic`]'s for a skipped line, or
    /// `unreadable-file` (a file or directory of the index could not be read; the load goes on without
    /// it) or `ambiguous-name` (two crates whose names differ only in case or in `-` versus `_`, which
    /// crates.io forbids; [`IndexSnapshot::find`] returns the first in sort order). New codes may be
    /// added; existing ones never change.
    pub code: &'static str,
    /// A lowercase sentence naming the problem.
    pub message: String,
}

impl fmt::Display for IndexDiagnostic {
    /// `path:line: code: message`, the line left out when there is none.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.path.display())?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
        }
        write!(f, ": {}: {}", self.code, self.message)
    }
}

impl fmt::Debug for IndexSnapshot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IndexSnapshot")
            .field("root", &self.root)
            .field("crates", &self.crates.len())
            .field("versions", &self.versions)
            .field("diagnostics", &self.diagnostics.len())
            .finish()
    }
}

impl IndexSnapshot {
    /// Reads every crate file of the index at `path` (checked as by [`IndexDir::open`]), on as many
    /// threads as the machine has cores.
    ///
    /// Malformed lines, unreadable files and other problems inside the index become
    /// [`IndexDiagnostic`]s and the load goes on; it fails only when `path` is not a readable index.
    /// Files that are not where the layout puts a crate of their name (READMEs, scripts, `.git`) are
    /// skipped, as [`IndexDir::crate_names`] skips them.
    pub fn load(path: &Path) -> Result<IndexSnapshot, Error> {
        let index = IndexDir::open(path)?;
        let root = index.root();
        let read = fs::read_dir(root).map_err(|source| Error::Read { path: root.to_owned(), source })?;
        // The top-level directories are the units of work: there are hundreds (`1`, `2`, `3` and one per
        // two-letter prefix), enough to keep every thread busy to the end.
        let mut tops: Vec<String> = read
            .filter_map(Result::ok)
            .filter(is_dir)
            .filter_map(|e| e.file_name().into_string().ok())
            .filter(|name| !name.starts_with('.'))
            .collect();
        tops.sort();
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).min(tops.len()).max(1);
        let next = AtomicUsize::new(0);
        let loaders: Vec<Loader<'_>> = std::thread::scope(|scope| {
            let handles: Vec<_> = (0..threads)
                .map(|_| {
                    scope.spawn(|| {
                        let mut loader = Loader::new(root);
                        while let Some(top) = tops.get(next.fetch_add(1, AtomicOrdering::Relaxed)) {
                            loader.load_top(top);
                        }
                        loader
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic))).collect()
        });

        let mut crates = Vec::with_capacity(loaders.iter().map(|l| l.crates.len()).sum());
        let mut diagnostics = Vec::new();
        for loader in loaders {
            crates.extend(loader.crates);
            diagnostics.extend(loader.diagnostics);
        }
        Ok(IndexSnapshot::assemble(root.to_owned(), crates, diagnostics))
    }

    /// The crates `names` and every crate that any of their versions depends on (normal and build
    /// dependencies from the same registry, optional and platform-specific ones included; never dev
    /// dependencies, which Cargo does not resolve for a registry package), transitively, read from
    /// `source`. That is every crate a resolution of any version of `names` can touch, so `cratewatch-reach`
    /// resolves them in this snapshot exactly as in the whole registry, at a fraction of the cost: on
    /// the 2020 crates.io index the closure of `tokio` is 882 crates of 43,450.
    ///
    /// Names are looked up as the index layout looks them up (ASCII case ignored); names the source does
    /// not have are left out, as a whole-index snapshot would not have them either. The crates are read
    /// on sixteen threads when the source may block (files, or a sparse index's requests, wait on IO),
    /// on one per core otherwise. Malformed lines become [`IndexDiagnostic`]s, with paths relative to
    /// `root`; a crate the source cannot read at all is an error, since a resolution without it would be
    /// wrong.
    pub fn closure(source: &dyn CrateSource, names: &[&str], root: &Path) -> Result<IndexSnapshot, Error> {
        let threads = if source.may_block() { 16 } else { std::thread::available_parallelism().map_or(1, |n| n.get()) };
        let mut seen: HashSet<String> = HashSet::new();
        let mut level: Vec<String> =
            names.iter().filter(|n| seen.insert(n.to_ascii_lowercase())).map(|n| (*n).to_owned()).collect();
        let mut crates: Vec<Arc<CrateVersions>> = Vec::new();
        while !level.is_empty() {
            let next = AtomicUsize::new(0);
            let fetched: Vec<Result<Option<Arc<CrateVersions>>, Error>> = std::thread::scope(|scope| {
                let handles: Vec<_> = (0..threads.min(level.len()))
                    .map(|_| {
                        scope.spawn(|| {
                            let mut mine = Vec::new();
                            while let Some(name) = level.get(next.fetch_add(1, AtomicOrdering::Relaxed)) {
                                mine.push(source.crate_versions(name));
                            }
                            mine
                        })
                    })
                    .collect();
                handles.into_iter().flat_map(|h| h.join().unwrap_or_else(|p| std::panic::resume_unwind(p))).collect()
            });
            let mut following = Vec::new();
            for krate in fetched {
                let Some(krate) = krate? else { continue };
                for dep in krate.versions.iter().flat_map(|v| v.deps.iter()) {
                    let name = dep.crate_name();
                    if dep.kind != DepKind::Dev && dep.registry.is_none() && seen.insert(name.to_ascii_lowercase()) {
                        following.push(name.to_owned());
                    }
                }
                crates.push(krate);
            }
            level = following;
        }
        let diagnostics = crates
            .iter()
            .flat_map(|krate| {
                let path = root.join(relative_path(&krate.name));
                krate.diagnostics.iter().map(move |d| IndexDiagnostic {
                    path: path.clone(),
                    line: Some(d.line),
                    code: d.code,
                    message: d.message.clone(),
                })
            })
            .collect();
        Ok(IndexSnapshot::assemble(root.to_owned(), crates, diagnostics))
    }

    /// A snapshot of `crates`, sorted for lookups, with a diagnostic for each pair of ambiguous names.
    fn assemble(
        root: PathBuf,
        mut crates: Vec<Arc<CrateVersions>>,
        mut diagnostics: Vec<IndexDiagnostic>,
    ) -> IndexSnapshot {
        let versions = crates.iter().map(|c| c.versions.len()).sum();
        crates.sort_unstable_by(|a, b| normalised_cmp(&a.name, &b.name).then_with(|| a.name.cmp(&b.name)));
        for pair in crates.windows(2) {
            if normalised_cmp(&pair[0].name, &pair[1].name).is_eq() {
                diagnostics.push(IndexDiagnostic {
                    path: root.join(relative_path(&pair[1].name)),
                    line: None,
                    code: "ambiguous-name",
                    message: format!(
                        "crate `{}` has the same name as `{}` to crates.io (case and `-`/`_` aside)",
                        pair[1].name, pair[0].name
                    ),
                });
            }
        }
        diagnostics.sort_by(|a, b| (&a.path, a.line).cmp(&(&b.path, b.line)));
        IndexSnapshot { root, crates, versions, diagnostics }
    }

    /// The directory the index was loaded from (for [`IndexSnapshot::closure`], the root it was given).
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The crate whose name is exactly `name`, as the index spells it (`Inflector`, not `inflector`).
    pub fn get(&self, name: &str) -> Option<&Arc<CrateVersions>> {
        self.same_normalised(name).iter().find(|c| c.name == name)
    }

    /// The crate named `name` regardless of ASCII case, as the index layout looks names up (its paths
    /// are lowercase). `-` and `_` still differ.
    pub fn get_ignore_case(&self, name: &str) -> Option<&Arc<CrateVersions>> {
        self.same_normalised(name).iter().find(|c| c.name.eq_ignore_ascii_case(name))
    }

    /// The crate whose name is `name` by crates.io's rule for telling names apart: ASCII case is ignored,
    /// and `-` and `_` are the same character. So `Serde-JSON` finds `serde_json`. If the index holds two
    /// such crates (crates.io forbids it; an `ambiguous-name` diagnostic reports it), the exact spelling
    /// wins, then the first in sort order.
    pub fn find(&self, name: &str) -> Option<&Arc<CrateVersions>> {
        let candidates = self.same_normalised(name);
        candidates.iter().find(|c| c.name == name).or_else(|| candidates.first())
    }

    /// The crates whose normalised name is `name`'s: usually none or one.
    fn same_normalised(&self, name: &str) -> &[Arc<CrateVersions>] {
        let start = self.crates.partition_point(|c| normalised_cmp(&c.name, name).is_lt());
        let len = self.crates[start..].partition_point(|c| normalised_cmp(&c.name, name).is_eq());
        &self.crates[start..start + len]
    }

    /// Every crate, sorted by name with ASCII case ignored and `-` sorting with `_`.
    pub fn crates(&self) -> impl ExactSizeIterator<Item = &Arc<CrateVersions>> + '_ {
        self.crates.iter()
    }

    /// Every crate name as the index spells it, in the order of [`IndexSnapshot::crates`].
    pub fn names(&self) -> impl ExactSizeIterator<Item = &str> + '_ {
        self.crates.iter().map(|c| c.name.as_str())
    }

    /// The number of crates (files) in the index, including any whose lines were all skipped.
    pub fn crate_count(&self) -> usize {
        self.crates.len()
    }

    /// The number of versions that loaded, over all crates.
    pub fn version_count(&self) -> usize {
        self.versions
    }

    /// Every problem found in the index, sorted by path and line.
    pub fn diagnostics(&self) -> &[IndexDiagnostic] {
        &self.diagnostics
    }
}

/// Compares crate names as crates.io tells them apart: ASCII case ignored, `-` equal to `_`.
fn normalised_cmp(a: &str, b: &str) -> Ordering {
    let norm = |b: &u8| if *b == b'_' { b'-' } else { b.to_ascii_lowercase() };
    a.as_bytes().iter().map(norm).cmp(b.as_bytes().iter().map(norm))
}

fn is_dir(entry: &fs::DirEntry) -> bool {
    match entry.file_type() {
        // A symbolic link is followed, as `IndexDir` follows it.
        Ok(t) if t.is_symlink() => entry.path().is_dir(),
        Ok(t) => t.is_dir(),
        Err(_) => false,
    }
}

/// What one loading thread has read: its crates, their diagnostics, and the interner and buffer it
/// reuses from file to file.
struct Loader<'r> {
    root: &'r Path,
    interner: Interner,
    buffer: Vec<u8>,
    crates: Vec<Arc<CrateVersions>>,
    diagnostics: Vec<IndexDiagnostic>,
}

impl<'r> Loader<'r> {
    fn new(root: &'r Path) -> Loader<'r> {
        Loader { root, interner: Interner::default(), buffer: Vec::new(), crates: Vec::new(), diagnostics: Vec::new() }
    }

    /// Loads the crate files in the top-level directory `top`: directly inside it for `1` and `2`, one
    /// directory further down for the others.
    fn load_top(&mut self, top: &str) {
        for (name, is_dir) in self.list(top) {
            let rel = format!("{top}/{name}");
            if !is_dir {
                self.load_file(&rel, &name);
                continue;
            }
            for (name, is_dir) in self.list(&rel) {
                if !is_dir {
                    self.load_file(&format!("{rel}/{name}"), &name);
                }
            }
        }
    }

    /// The entries of directory `rel` with whether each is a directory, skipping dot files and names that
    /// are not UTF-8. A directory that cannot be read is a diagnostic.
    fn list(&mut self, rel: &str) -> Vec<(String, bool)> {
        let dir = self.root.join(rel);
        match fs::read_dir(&dir) {
            Ok(read) => read
                .filter_map(Result::ok)
                .filter_map(|e| {
                    let name = e.file_name().into_string().ok()?;
                    (!name.starts_with('.')).then(|| (name, is_dir(&e)))
                })
                .collect(),
            Err(e) => {
                self.unreadable(dir, &e);
                Vec::new()
            }
        }
    }

    /// Loads the file at `rel` if the layout puts crate `name` there.
    fn load_file(&mut self, rel: &str, name: &str) {
        if !is_plausible_name(name) || relative_path(name) != rel {
            return;
        }
        self.buffer.clear();
        let read = File::open(self.root.join(rel)).and_then(|mut file| file.read_to_end(&mut self.buffer));
        if let Err(e) = read {
            self.unreadable(self.root.join(rel), &e);
            return;
        }
        let krate = CrateVersions::parse_with(name, &self.buffer, &mut self.interner);
        if !krate.diagnostics.is_empty() {
            let path = self.root.join(rel);
            self.diagnostics.extend(krate.diagnostics.iter().map(|d| IndexDiagnostic {
                path: path.clone(),
                line: Some(d.line),
                code: d.code,
                message: d.message.clone(),
            }));
        }
        self.crates.push(Arc::new(krate));
    }

    fn unreadable(&mut self, path: PathBuf, error: &std::io::Error) {
        let message = format!("cannot read: {error}");
        self.diagnostics.push(IndexDiagnostic { path, line: None, code: "unreadable-file", message });
    }
}
