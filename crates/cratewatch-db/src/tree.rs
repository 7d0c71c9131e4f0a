//! Walking a RustSec-format advisory tree (`crates/<name>/*.md`, `rust/<component>/*.md`), with the
//! layout diagnostics, and parsing every advisory file in it. `sources.rs` builds sources on this, and
//! `load.rs` the `Database` on the sources.

use std::collections::HashMap;
use std::fs;
use std::path::{Path, PathBuf};

use cratewatch_advisory::{Advisory, AdvisoryId, Code, Collection, Diagnostic, parse_advisory};

use crate::Error;
use crate::fingerprint::{Fingerprint, Stamp, Tree};

/// A diagnostic about one file of the database.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileDiagnostic {
    /// The path relative to the database root, with `/` separators.
    pub path: String,
    /// What is wrong.
    pub diagnostic: Diagnostic,
}

/// One advisory file found by the walk.
pub(crate) struct AdvisoryFile {
    pub(crate) rel_path: String,
    pub(crate) collection: Collection,
    pub(crate) dir_name: String,
}

/// The result of walking the tree: the files to parse and the stamps that fingerprint the tree.
pub(crate) struct Walk {
    pub(crate) files: Vec<AdvisoryFile>,
    pub(crate) fingerprint: Fingerprint,
    pub(crate) diagnostics: Vec<FileDiagnostic>,
}

pub(crate) fn walk(root: &Path) -> Result<Walk, Error> {
    let meta = fs::metadata(root).map_err(|source| Error::Open { path: root.to_owned(), source })?;
    if !meta.is_dir() {
        return Err(Error::NotADirectory { path: root.to_owned() });
    }
    let tree = Tree::open(root).map_err(|source| Error::Open { path: root.to_owned(), source })?;
    let mut files = Vec::new();
    let mut fingerprint = Fingerprint::default();
    let mut diagnostics = Vec::new();
    let mut found_collection = false;
    let mut report = |path: String, diagnostic: Diagnostic| diagnostics.push(FileDiagnostic { path, diagnostic });
    for collection in [Collection::Crates, Collection::Rust] {
        let top = collection.as_str();
        let top_path = root.join(top);
        if !top_path.is_dir() {
            fingerprint.push(top.to_owned(), Stamp::absent());
            continue;
        }
        found_collection = true;
        fingerprint.push(top.to_owned(), tree.stamp(top));
        let entries = read_dir_sorted(&top_path)?;
        for (dir_name, dir_path, kind) in entries {
            let rel_dir = format!("{top}/{dir_name}");
            let is_md = dir_name.ends_with(".md");
            match &kind {
                EntryKind::Dir => {}
                // RustSec's tools skip files here (cargo-audit) or refuse them (its linter): an advisory
                // file must be in its package's directory to be loaded.
                EntryKind::File if is_md => report(
                    rel_dir.clone(),
                    Diagnostic::error(
                        Code::MisplacedAdvisory,
                        None,
                        format!(
                            "an advisory file directly under `{top}/` is not loaded: move it to `{top}/<package>/`"
                        ),
                    ),
                ),
                EntryKind::Broken(why) => {
                    // Its target may appear later: its stamp (absent now) says when.
                    fingerprint.push(rel_dir.clone(), tree.stamp(&rel_dir));
                    report(rel_dir.clone(), Diagnostic::error(Code::BrokenSymlink, None, format!("{why}; not loaded")));
                }
                EntryKind::File | EntryKind::Other => report(
                    rel_dir.clone(),
                    Diagnostic::warning(
                        Code::UnexpectedFile,
                        None,
                        format!("`{top}/` holds package directories only; this is not one, and is ignored"),
                    ),
                ),
            }
            if kind != EntryKind::Dir {
                continue;
            }
            fingerprint.push(rel_dir.clone(), tree.stamp(&rel_dir));
            for (file_name, _, kind) in read_dir_sorted(&dir_path)? {
                let rel_path = format!("{rel_dir}/{file_name}");
                let is_md = file_name.ends_with(".md");
                let diagnostic = match kind {
                    EntryKind::File if is_md => {
                        fingerprint.push(rel_path.clone(), tree.stamp(&rel_path));
                        files.push(AdvisoryFile { rel_path, collection, dir_name: dir_name.clone() });
                        continue;
                    }
                    EntryKind::File => Diagnostic::warning(
                        Code::UnexpectedFile,
                        None,
                        "not an advisory (advisory files end in .md); ignored",
                    ),
                    EntryKind::Broken(why) => {
                        fingerprint.push(rel_path.clone(), tree.stamp(&rel_path));
                        if is_md {
                            Diagnostic::error(Code::BrokenSymlink, None, format!("{why}; the advisory is not loaded"))
                        } else {
                            Diagnostic::warning(Code::BrokenSymlink, None, format!("{why}; ignored"))
                        }
                    }
                    EntryKind::Dir if is_md => Diagnostic::error(
                        Code::NotAFile,
                        None,
                        "named like an advisory file, but a directory; not loaded",
                    ),
                    EntryKind::Other if is_md => Diagnostic::error(
                        Code::NotAFile,
                        None,
                        "named like an advisory file, but not a regular file; not loaded",
                    ),
                    EntryKind::Dir | EntryKind::Other => Diagnostic::warning(
                        Code::UnexpectedFile,
                        None,
                        "not an advisory file (a package directory holds `.md` files only); ignored",
                    ),
                };
                report(rel_path, diagnostic);
            }
        }
    }
    if !found_collection {
        return Err(Error::NotADatabase { path: root.to_owned() });
    }
    Ok(Walk { files, fingerprint, diagnostics })
}

/// What a directory entry is, following symlinks.
#[derive(Clone, PartialEq, Eq)]
pub(crate) enum EntryKind {
    Dir,
    File,
    /// A symbolic link that leads nowhere, and why, as a lowercase phrase.
    Broken(String),
    /// A FIFO, socket or device, or an entry whose type cannot be read.
    Other,
}

/// The entries of `dir` (dot files left out), sorted by name. The kind comes from the directory listing
/// itself, so no `stat` is needed except for symlinks. Names that are not UTF-8 are left out.
///
/// On Unix the directory is read with `open` and `getdents` directly: `fs::read_dir` costs one more
/// system call per directory with musl (close-on-exec set apart), and a cold compile reads 900.
#[cfg(unix)]
pub(crate) fn read_dir_sorted(dir: &Path) -> Result<Vec<(String, PathBuf, EntryKind)>, Error> {
    use rustix::fs::{FileType, Mode, OFlags};
    let open_error = |e: rustix::io::Errno| Error::Open { path: dir.to_owned(), source: e.into() };
    let flags = OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC;
    let fd = rustix::fs::open(dir, flags, Mode::empty()).map_err(open_error)?;
    let mut listing = rustix::fs::Dir::new(fd).map_err(open_error)?;
    let mut entries = Vec::new();
    // A read error ends the listing with what was read, as the iterator of `fs::read_dir` does.
    while let Some(Ok(entry)) = listing.read() {
        let Ok(name) = entry.file_name().to_str() else { continue };
        if name.starts_with('.') {
            continue;
        }
        let path = dir.join(name);
        let kind = match entry.file_type() {
            FileType::Directory => EntryKind::Dir,
            FileType::RegularFile => EntryKind::File,
            FileType::Symlink => follow(&path),
            // A file system that does not give types in listings is asked.
            FileType::Unknown => match fs::symlink_metadata(&path) {
                Ok(meta) if meta.file_type().is_symlink() => follow(&path),
                Ok(meta) => kind_of(meta.file_type()),
                Err(_) => EntryKind::Other,
            },
            _ => EntryKind::Other,
        };
        entries.push((name.to_owned(), path, kind));
    }
    entries.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(entries)
}

/// The entries of `dir` (dot files left out), sorted by name. The kind comes from the directory listing
/// itself, so no `stat` is needed except for symlinks.
#[cfg(not(unix))]
pub(crate) fn read_dir_sorted(dir: &Path) -> Result<Vec<(String, PathBuf, EntryKind)>, Error> {
    let read = fs::read_dir(dir).map_err(|source| Error::Open { path: dir.to_owned(), source })?;
    let mut entries: Vec<(String, PathBuf, EntryKind)> = read
        .filter_map(Result::ok)
        .filter_map(|e| {
            let name = e.file_name().into_string().ok()?;
            if name.starts_with('.') {
                return None;
            }
            let path = e.path();
            let kind = match e.file_type() {
                Ok(t) if t.is_symlink() => follow(&path),
                Ok(t) => kind_of(t),
                Err(_) => EntryKind::Other,
            };
            Some((name, path, kind))
        })
        .collect();
    entries.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(entries)
}

/// What the symbolic link at `path` leads to.
fn follow(path: &Path) -> EntryKind {
    match fs::metadata(path) {
        Ok(meta) => kind_of(meta.file_type()),
        Err(error) => EntryKind::Broken(broken_link(path, &error)),
    }
}

fn kind_of(file_type: fs::FileType) -> EntryKind {
    if file_type.is_dir() {
        EntryKind::Dir
    } else if file_type.is_file() {
        EntryKind::File
    } else {
        EntryKind::Other
    }
}

/// Why the symbolic link at `path` cannot be followed.
fn broken_link(path: &Path, error: &std::io::Error) -> String {
    let target = fs::read_link(path).map(|t| format!(" `{}`", t.display())).unwrap_or_default();
    match error.kind() {
        std::io::ErrorKind::NotFound => format!("dangling symbolic link: its target{target} does not exist"),
        _ if is_loop(error) => {
            format!("symbolic link that leads back to itself{target} (a loop)")
        }
        _ => format!("symbolic link{target} that cannot be followed: {error}"),
    }
}

/// Whether `error` is "too many levels of symbolic links" (`ELOOP`, which has no stable `ErrorKind`).
#[cfg(unix)]
fn is_loop(error: &std::io::Error) -> bool {
    error.raw_os_error() == Some(rustix::io::Errno::LOOP.raw_os_error())
}

#[cfg(not(unix))]
fn is_loop(_: &std::io::Error) -> bool {
    false
}

/// Parses the walked files on every core. Returns the advisories in walk order, each with its file's
/// path relative to the root, and all diagnostics.
pub(crate) fn parse_files(root: &Path, files: &[AdvisoryFile]) -> (Vec<(Advisory, String)>, Vec<FileDiagnostic>) {
    type Part<'f> = (Vec<(Advisory, &'f str)>, Vec<FileDiagnostic>);
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).clamp(1, 8);
    let chunk = files.len().div_ceil(threads).max(1);
    let parts: Vec<Part<'_>> = std::thread::scope(|scope| {
        let handles: Vec<_> = files
            .chunks(chunk)
            .map(|part| {
                scope.spawn(move || {
                    // Sized up front: an advisory is a large value, and a vector grown by doubling
                    // touches (and, with some allocators, copies into) fresh pages at every step.
                    let mut out: Part<'_> = (Vec::with_capacity(part.len()), Vec::new());
                    for file in part {
                        let (advisory, diagnostics) = parse_one(root, file);
                        out.0.extend(advisory.map(|a| (a, file.rel_path.as_str())));
                        out.1.extend(diagnostics);
                    }
                    out
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().expect("advisory parser thread panicked")).collect()
    });
    let mut advisories = Vec::with_capacity(files.len());
    let mut diagnostics = Vec::new();
    let mut seen: HashMap<String, &str> = HashMap::with_capacity(files.len());
    for (parsed, part_diagnostics) in parts {
        diagnostics.extend(part_diagnostics);
        for (advisory, path) in parsed {
            match seen.get(advisory.id.as_str()) {
                Some(first) => diagnostics.push(FileDiagnostic {
                    path: path.to_owned(),
                    diagnostic: Diagnostic::error(
                        Code::DuplicateId,
                        None,
                        format!("advisory id `{}` is already used by {first}; this file is skipped", advisory.id),
                    ),
                }),
                None => {
                    seen.insert(advisory.id.as_str().to_owned(), path);
                    advisories.push((advisory, path.to_owned()));
                }
            }
        }
    }
    (advisories, diagnostics)
}

/// A file's bytes, in three system calls: `open`, `read` until the end, `close`. `fs::read` asks for the
/// file's size first, and musl's `open` sets close-on-exec with one more call; on 1,200 advisory files
/// that is 2,400 calls of a cold compile. RustSec files and OSV records are both read with it.
#[cfg(unix)]
pub(crate) fn read_file(path: &Path) -> std::io::Result<Vec<u8>> {
    use rustix::fs::{Mode, OFlags};
    use std::io::Read;
    let fd = rustix::fs::open(path, OFlags::RDONLY | OFlags::CLOEXEC, Mode::empty())?;
    // Advisories are a few kilobytes; a larger one grows the buffer as `read_to_end` goes.
    let mut bytes = Vec::with_capacity(16 * 1024);
    // `Take` reads without asking for the size, as `File`'s own `read_to_end` would.
    fs::File::from(fd).take(u64::MAX).read_to_end(&mut bytes)?;
    Ok(bytes)
}

#[cfg(not(unix))]
pub(crate) fn read_file(path: &Path) -> std::io::Result<Vec<u8>> {
    fs::read(path)
}

fn parse_one(root: &Path, file: &AdvisoryFile) -> (Option<Advisory>, Vec<FileDiagnostic>) {
    let at = |diagnostic| FileDiagnostic { path: file.rel_path.clone(), diagnostic };
    let text = match read_file(&root.join(&file.rel_path)).map(String::from_utf8) {
        Ok(Ok(text)) => text,
        Ok(Err(_)) => {
            return (None, vec![at(Diagnostic::error(Code::UnreadableFile, None, "file is not valid UTF-8"))]);
        }
        Err(e) => return (None, vec![at(Diagnostic::error(Code::UnreadableFile, None, format!("cannot read: {e}")))]),
    };
    let parsed = parse_advisory(&text, file.collection);
    let mut diagnostics: Vec<FileDiagnostic> = parsed.diagnostics.into_iter().map(at).collect();
    let Some(advisory) = parsed.advisory else { return (None, diagnostics) };
    let name = file.rel_path.rsplit('/').next().unwrap_or_default();
    let stem = name.trim_end_matches(".md");
    // A draft's file name, by `rustsec`'s rule (`Advisory::is_draft`).
    let draft_name = name.strip_prefix(AdvisoryId::PLACEHOLDER).is_some_and(|rest| rest.starts_with('.'));
    if advisory.id.is_placeholder() != draft_name || (!draft_name && stem != advisory.id.as_str()) {
        let message = if draft_name {
            format!("file name `{name}` is a draft's, but the advisory id is `{}`", advisory.id)
        } else {
            format!("file name `{name}` does not match advisory id `{}`", advisory.id)
        };
        diagnostics.push(at(Diagnostic::warning(Code::IdMismatch, None, message)));
    }
    if file.dir_name != advisory.package {
        diagnostics.push(at(Diagnostic::warning(
            Code::PackageMismatch,
            None,
            format!("directory `{}` does not match package `{}`", file.dir_name, advisory.package),
        )));
    }
    if advisory.id.is_placeholder() {
        // cargo-audit and `rustsec` check a draft as any other file, then leave it out of the database.
        diagnostics.push(at(Diagnostic::warning(
            Code::DraftNotLoaded,
            None,
            "draft advisory (id `RUSTSEC-0000-0000`): checked, but not loaded until it gets its id",
        )));
        return (None, diagnostics);
    }
    (Some(advisory), diagnostics)
}
