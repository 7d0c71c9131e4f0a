//! Several advisory databases seen as one: RustSec-format trees (the public database, an
//! organisation's private one) and directories of OSV JSON records (as GitHub's advisory database or
//! RustSec's own OSV export ship them).
//!
//! Records that are the same vulnerability (one's id or alias is another's id or alias, for the same
//! crate) become one advisory: the first RustSec-format record in source order is kept whole (its
//! informational kind, its versions, its text) and the others' ids and aliases are added to its
//! aliases. Where merged records disagree on the affected versions, or share an id or alias while
//! naming different crates, a diagnostic says so; nothing stops the load.

use std::collections::{HashMap, HashSet};
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use cratewatch_advisory::semver::Version;
use cratewatch_advisory::{Advisory, Code, Diagnostic, Versions, normalize_crate_name, parse_osv_record};

use crate::Error;
use crate::fingerprint::{Fingerprint, Tree};
use crate::tree::{EntryKind, FileDiagnostic, parse_files, read_dir_sorted, read_file, walk};

/// What format a source directory holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum SourceKind {
    /// A RustSec-format tree (`crates/<name>/RUSTSEC-*.md`, `rust/<component>/*.md`).
    RustSec,
    /// A directory of OSV JSON records, at any depth.
    Osv,
}

impl SourceKind {
    /// A tree whose `crates/` or `rust/` directory holds directories (`crates/<name>/*.md`) is RustSec;
    /// any other directory, RustSec's OSV export (`crates/<ID>.json`) included, is taken as OSV.
    pub fn of(root: &Path) -> Result<SourceKind, Error> {
        let meta = fs::metadata(root).map_err(|source| Error::Open { path: root.to_owned(), source })?;
        if !meta.is_dir() {
            return Err(Error::NotADirectory { path: root.to_owned() });
        }
        let holds_json = |dir: &Path| {
            fs::read_dir(dir)
                .into_iter()
                .flatten()
                .filter_map(Result::ok)
                .any(|e| e.file_name().to_str().is_some_and(|n| n.ends_with(".json")) && e.path().is_file())
        };
        let rustsec = ["crates", "rust"].iter().map(|c| root.join(c)).any(|c| c.is_dir() && !holds_json(&c));
        Ok(if rustsec { SourceKind::RustSec } else { SourceKind::Osv })
    }

    /// `rustsec` or `osv`.
    pub fn as_str(self) -> &'static str {
        match self {
            SourceKind::RustSec => "rustsec",
            SourceKind::Osv => "osv",
        }
    }
}

/// Where a merged advisory came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Origin {
    /// The index of the source, in the order the sources were given.
    pub source: usize,
    /// The file, relative to the source's root, with `/` separators.
    pub path: String,
    /// For a record imported from OSV JSON, the record as it was read.
    pub osv_json: Option<Arc<str>>,
}

/// One source, loaded: advisories with their files, and diagnostics with paths relative to its root.
pub(crate) struct Loaded {
    pub(crate) index: usize,
    pub(crate) kind: SourceKind,
    pub(crate) advisories: Vec<(Advisory, Origin)>,
    pub(crate) diagnostics: Vec<FileDiagnostic>,
    pub(crate) fingerprint: Fingerprint,
}

/// Loads source number `index` at `root`.
pub(crate) fn load_source(index: usize, root: &Path) -> Result<Loaded, Error> {
    let kind = SourceKind::of(root)?;
    match kind {
        SourceKind::RustSec => {
            let walk = walk(root)?;
            let (advisories, mut diagnostics) = parse_files(root, &walk.files);
            diagnostics.extend(walk.diagnostics);
            let advisories =
                advisories.into_iter().map(|(a, path)| (a, Origin { source: index, path, osv_json: None })).collect();
            Ok(Loaded { index, kind, advisories, diagnostics, fingerprint: walk.fingerprint })
        }
        SourceKind::Osv => load_osv_dir(index, root),
    }
}

/// Reads every `*.json` file under `root` (dot directories such as `.git` left out) and imports the
/// records about crates.io packages. Every file is parsed, so that a damaged one is reported even when
/// it is about another ecosystem.
fn load_osv_dir(index: usize, root: &Path) -> Result<Loaded, Error> {
    let tree = Tree::open(root).map_err(|source| Error::Open { path: root.to_owned(), source })?;
    let mut fingerprint = Fingerprint::default();
    let mut files = Vec::new();
    let mut diagnostics = Vec::new();
    // Directories already read, by canonical path: a symbolic link back to one of them (a loop) or a
    // second link to it is not followed, so no record is read twice and the walk ends.
    let mut seen_dirs = HashSet::new();
    let mut pending = vec![String::new()];
    while let Some(rel_dir) = pending.pop() {
        let dir = if rel_dir.is_empty() { root.to_owned() } else { root.join(&rel_dir) };
        if let Ok(canonical) = fs::canonicalize(&dir)
            && !seen_dirs.insert(canonical)
        {
            diagnostics.push(FileDiagnostic {
                path: rel_dir,
                diagnostic: Diagnostic::warning(
                    Code::BrokenSymlink,
                    None,
                    "symbolic link to a directory already read (a loop, or a second link to it); not followed",
                ),
            });
            continue;
        }
        let stamped = if rel_dir.is_empty() { "." } else { rel_dir.as_str() };
        fingerprint.push(stamped.to_owned(), tree.stamp(stamped));
        for (name, _, kind) in read_dir_sorted(&dir)?.into_iter().rev() {
            let rel = if rel_dir.is_empty() { name.clone() } else { format!("{rel_dir}/{name}") };
            let is_json = name.ends_with(".json");
            match kind {
                EntryKind::Dir => pending.push(rel),
                EntryKind::File if is_json => files.push(rel),
                EntryKind::Broken(why) if is_json => {
                    fingerprint.push(rel.clone(), tree.stamp(&rel));
                    diagnostics.push(osv_error(&rel, Code::BrokenSymlink, format!("{why}; the record is not read")));
                }
                EntryKind::Other if is_json => diagnostics.push(osv_error(
                    &rel,
                    Code::NotAFile,
                    "named like an OSV record, but not a regular file; not read".to_owned(),
                )),
                // Other files (READMEs, scripts) are not records.
                _ => {}
            }
        }
    }
    if files.is_empty() {
        return Err(Error::NotADatabase { path: root.to_owned() });
    }
    files.sort();
    let mut advisories = Vec::new();
    for rel in files {
        fingerprint.push(rel.clone(), tree.stamp(&rel));
        let text = match read_file(&root.join(&rel)).map(String::from_utf8) {
            Ok(Ok(text)) => text,
            Ok(Err(_)) => {
                diagnostics.push(osv_error(&rel, Code::UnreadableFile, "file is not valid UTF-8".into()));
                continue;
            }
            Err(e) => {
                diagnostics.push(osv_error(&rel, Code::UnreadableFile, format!("cannot read: {e}")));
                continue;
            }
        };
        match parse_osv_record(&text) {
            Ok(imported) => {
                let json: Arc<str> = Arc::from(text);
                advisories.extend(
                    imported
                        .into_iter()
                        .map(|a| (a, Origin { source: index, path: rel.clone(), osv_json: Some(Arc::clone(&json)) })),
                );
            }
            Err(e) => diagnostics.push(osv_error(&rel, Code::InvalidOsvRecord, format!("{e}; the record is skipped"))),
        }
    }
    Ok(Loaded { index, kind: SourceKind::Osv, advisories, diagnostics, fingerprint })
}

fn osv_error(path: &str, code: Code, message: String) -> FileDiagnostic {
    FileDiagnostic { path: path.to_owned(), diagnostic: Diagnostic::error(code, None, message) }
}

/// Merges the advisories of several loaded sources (see the module documentation). Diagnostics about
/// a merge are attached to the file of the record that was not kept whole; their paths are the
/// sources' `labels` joined with the file's relative path.
pub(crate) fn merge(sources: Vec<Loaded>, labels: &[String]) -> (Vec<(Advisory, Origin)>, Vec<FileDiagnostic>) {
    // RustSec-format sources first (in the order given), then OSV ones: the first record of a group
    // is the one kept whole.
    let mut all: Vec<(Advisory, Origin, SourceKind)> =
        Vec::with_capacity(sources.iter().map(|l| l.advisories.len()).sum());
    let mut diagnostics = Vec::new();
    let multi = sources.len() > 1;
    let mut ordered: Vec<Loaded> = sources;
    ordered.sort_by_key(|l| l.kind != SourceKind::RustSec);
    for loaded in ordered {
        for d in loaded.diagnostics {
            let path = match labels.get(loaded.index) {
                Some(label) if multi => format!("{label}/{}", d.path),
                _ => d.path,
            };
            diagnostics.push(FileDiagnostic { path, ..d });
        }
        all.extend(loaded.advisories.into_iter().map(|(a, o)| (a, o, loaded.kind)));
    }
    let place = |origin: &Origin| -> String {
        if multi {
            format!("{}/{}", labels.get(origin.source).map_or("?", String::as_str), origin.path)
        } else {
            origin.path.clone()
        }
    };

    // Group by id and alias (upper case), within one crate.
    // Each key (an id or alias, upper case) lists the groups holding it, and whether it is the id of
    // the member that brought it: one vulnerability id (a CVE) may rightly cover several crates, but an
    // advisory's own id naming two different crates is a conflict.
    let mut group_of_key: HashMap<String, Vec<(usize, bool)>> = HashMap::new();
    let mut groups: Vec<Vec<usize>> = Vec::new();
    let mut group_crate: Vec<String> = Vec::new();
    for (i, (advisory, origin, _)) in all.iter().enumerate() {
        let krate = normalize_crate_name(&advisory.package);
        let keys: Vec<(String, bool)> = std::iter::once((advisory.id.as_str(), true))
            .chain(advisory.aliases.iter().map(|a| (a.as_str(), false)))
            .map(|(k, is_id)| (k.to_ascii_uppercase(), is_id))
            .collect();
        let mut joined: Option<usize> = None;
        let mut conflicts: Vec<(usize, &str)> = Vec::new();
        for (key, is_id) in &keys {
            for &(g, g_is_id) in group_of_key.get(key).into_iter().flatten() {
                // Records of one source are its authors' decision: they are never merged with each
                // other through an alias (two advisories may share a CVE). A record whose own id is
                // already in the group is the same advisory, whatever else the group holds.
                if !*is_id && groups[g].iter().any(|&m| all[m].1.source == origin.source) {
                    continue;
                }
                if group_crate[g] == krate {
                    joined.get_or_insert(g);
                } else if (*is_id || g_is_id) && !conflicts.iter().any(|(c, _)| *c == g) {
                    conflicts.push((g, key));
                }
            }
        }
        for (g, key) in conflicts {
            let other = &all[groups[g][0]];
            diagnostics.push(FileDiagnostic {
                path: place(origin),
                diagnostic: Diagnostic::warning(
                    Code::AliasConflict,
                    None,
                    format!(
                        "`{}` is about crate `{}`, but `{key}` is `{}` about crate `{}` ({}); the two are kept apart",
                        advisory.id,
                        advisory.package,
                        other.0.id,
                        other.0.package,
                        place(&other.1)
                    ),
                ),
            });
        }
        let g = joined.unwrap_or_else(|| {
            groups.push(Vec::new());
            group_crate.push(krate);
            groups.len() - 1
        });
        groups[g].push(i);
        for (key, is_id) in keys {
            let list = group_of_key.entry(key).or_default();
            if !list.iter().any(|&(known, _)| known == g) {
                list.push((g, is_id));
            }
        }
    }

    let mut slots: Vec<Option<(Advisory, Origin, SourceKind)>> = all.into_iter().map(Some).collect();
    let mut merged = Vec::with_capacity(groups.len());
    for members in groups {
        let (mut kept, origin, _) = slots[members[0]].take().expect("each record is in one group");
        for &m in &members[1..] {
            let (other, other_origin, _) = slots[m].take().expect("each record is in one group");
            if other.id == kept.id && other == kept {
                continue;
            }
            if !same_affected(&other.versions, &kept.versions) {
                diagnostics.push(FileDiagnostic {
                    path: place(&other_origin),
                    diagnostic: Diagnostic::warning(
                        Code::VersionsConflict,
                        None,
                        format!(
                            "`{}` is merged into `{}` ({}), which gives other affected versions; those of `{}` are kept",
                            other.id,
                            kept.id,
                            place(&origin),
                            kept.id
                        ),
                    ),
                });
            }
            for id in std::iter::once(other.id.as_str().to_owned()).chain(other.aliases) {
                if id != kept.id.as_str() && !kept.aliases.iter().any(|a| a.eq_ignore_ascii_case(&id)) {
                    kept.aliases.push(id);
                }
            }
        }
        merged.push((kept, origin));
    }
    (merged, diagnostics)
}

/// Whether two `[versions]` describe the same affected versions, whatever requirements they were
/// written with. Both are unions of half-open ranges, so membership can change only at a range bound:
/// agreeing at every bound of either, and below all of them, is agreeing everywhere.
fn same_affected(a: &Versions, b: &Versions) -> bool {
    let lowest = Version::parse("0.0.0-0").expect("a valid version");
    let bounds = a
        .affected_ranges()
        .iter()
        .chain(b.affected_ranges())
        .flat_map(|r| r.introduced.iter().chain(r.fixed.iter()))
        .chain(std::iter::once(&lowest));
    bounds.into_iter().all(|v| a.is_affected(v) == b.is_affected(v))
}

/// Every source loaded and merged, with one fingerprint over all of them.
pub(crate) struct Merged {
    pub(crate) advisories: Vec<(Advisory, Origin)>,
    pub(crate) diagnostics: Vec<FileDiagnostic>,
    pub(crate) fingerprint: Fingerprint,
}

/// Loads the sources at `roots` (in precedence order) and merges them. The fingerprint holds the first
/// source's entries as they are and those of source `i > 0` under `/i/` (see [`crate::fingerprint`]).
pub(crate) fn load_merged(roots: &[PathBuf]) -> Result<Merged, Error> {
    let labels: Vec<String> = roots.iter().map(|r| r.display().to_string()).collect();
    let mut fingerprint = Fingerprint::default();
    let mut loaded = Vec::with_capacity(roots.len());
    for (i, root) in roots.iter().enumerate() {
        let mut source = load_source(i, root)?;
        for (path, stamp) in std::mem::take(&mut source.fingerprint.entries) {
            fingerprint.push(if i == 0 { path } else { format!("/{i}/{path}") }, stamp);
        }
        loaded.push(source);
    }
    let (advisories, diagnostics) = merge(loaded, &labels);
    Ok(Merged { advisories, diagnostics, fingerprint })
}
