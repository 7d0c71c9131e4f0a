//! The git-index directory layout: finding a crate's file, and walking every crate file.

use std::fs;
use std::io::ErrorKind;
use std::path::{Path, PathBuf};

use crate::{CrateVersions, Error};

/// A registry index in the git-index directory layout: a checkout of an index repository, or a plain
/// copy of one.
#[derive(Clone, Debug)]
pub struct IndexDir {
    root: PathBuf,
}

impl IndexDir {
    /// Opens the index at `path`. The directory must hold a `config.json` that is a JSON object with a
    /// `dl` string, as every registry index does (Cargo refuses an index without one); nothing else is
    /// read until asked for.
    pub fn open(path: &Path) -> Result<IndexDir, Error> {
        let meta = fs::metadata(path).map_err(|source| Error::Open { path: path.to_owned(), source })?;
        if !meta.is_dir() {
            return Err(Error::NotADirectory { path: path.to_owned() });
        }
        let config_path = path.join("config.json");
        let config = match fs::read(&config_path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == ErrorKind::NotFound => return Err(Error::NotAnIndex { path: path.to_owned() }),
            Err(source) => return Err(Error::Read { path: config_path, source }),
        };
        let invalid = |reason: String| Error::InvalidConfig { path: config_path.clone(), reason };
        let config: serde_json::Map<String, serde_json::Value> =
            serde_json::from_slice(&config).map_err(|e| invalid(format!("not a JSON object: {e}")))?;
        if !config.get("dl").is_some_and(serde_json::Value::is_string) {
            return Err(invalid("the `dl` download URL is missing or not a string".to_owned()));
        }
        Ok(IndexDir { root: path.to_owned() })
    }

    /// The directory the index was opened at.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The path of the index file of crate `name`, relative to the index root: `1/{name}`, `2/{name}`,
    /// `3/{first char}/{name}` or `{chars 1-2}/{chars 3-4}/{name}`, lowercased. The empty name has the
    /// empty path.
    pub fn path_of(name: &str) -> PathBuf {
        PathBuf::from(relative_path(name))
    }

    /// Every version of crate `name` (looked up case-insensitively, as the layout lowercases names), or
    /// `None` when the index has no such crate. A name that is not a plausible crate name (ASCII letters,
    /// digits, `-` and `_`) is never in the index.
    pub fn crate_versions(&self, name: &str) -> Result<Option<CrateVersions>, Error> {
        if !is_plausible_name(name) {
            return Ok(None);
        }
        let path = self.root.join(IndexDir::path_of(name));
        match fs::read(&path) {
            Ok(contents) => Ok(Some(CrateVersions::parse(name, &contents))),
            Err(e) if e.kind() == ErrorKind::NotFound => Ok(None),
            Err(source) => Err(Error::Read { path, source }),
        }
    }

    /// The names of every crate in the index, as their file names spell them (lowercase), sorted within
    /// each directory of the layout. Files that are not where the layout puts a crate of their name
    /// (`config.json`, READMEs, stray files, anything under a dot directory) are skipped. A directory
    /// that cannot be read yields an error, and the walk goes on.
    pub fn crate_names(&self) -> impl Iterator<Item = Result<String, Error>> + '_ {
        let mut pending = vec![Pending::Dir(PathBuf::new())];
        std::iter::from_fn(move || {
            loop {
                match pending.pop()? {
                    Pending::Name(name) => return Some(Ok(name)),
                    Pending::Dir(rel) => {
                        if let Err(e) = self.expand(&rel, &mut pending) {
                            return Some(Err(e));
                        }
                    }
                }
            }
        })
    }

    /// Reads the directory `rel` and pushes its crate files and subdirectories on the stack, in reverse
    /// order so that they pop sorted.
    fn expand(&self, rel: &Path, pending: &mut Vec<Pending>) -> Result<(), Error> {
        let dir = self.root.join(rel);
        let read = fs::read_dir(&dir).map_err(|source| Error::Read { path: dir.clone(), source })?;
        let mut entries: Vec<(String, PathBuf)> = read
            .filter_map(Result::ok)
            .filter_map(|e| {
                let name = e.file_name().into_string().ok()?;
                (!name.starts_with('.')).then(|| (name, e.path()))
            })
            .collect();
        entries.sort();
        // A crate file sits one or two directories below the root; nothing deeper belongs to the layout.
        let depth = rel.components().count();
        for (name, path) in entries.into_iter().rev() {
            let Ok(meta) = fs::metadata(&path) else { continue };
            let rel_path = rel.join(&name);
            if meta.is_dir() && depth < 2 {
                pending.push(Pending::Dir(rel_path));
            } else if meta.is_file() && depth > 0 && is_plausible_name(&name) && IndexDir::path_of(&name) == rel_path {
                pending.push(Pending::Name(name));
            }
        }
        Ok(())
    }
}

/// Work left in a walk of the index.
enum Pending {
    Dir(PathBuf),
    Name(String),
}

/// The path of crate `name`'s file relative to the index root, with `/` separators (as the sparse
/// protocol's URLs use them too): see [`IndexDir::path_of`].
pub(crate) fn relative_path(name: &str) -> String {
    let name = name.to_lowercase();
    // The byte offset where the first `n` characters end.
    let end_of = |n: usize| name.char_indices().nth(n).map_or(name.len(), |(i, _)| i);
    match name.chars().count() {
        0 => String::new(),
        n @ (1 | 2) => format!("{n}/{name}"),
        3 => format!("3/{}/{name}", &name[..end_of(1)]),
        _ => format!("{}/{}/{name}", &name[..end_of(2)], &name[end_of(2)..end_of(4)]),
    }
}

/// Whether `name` could be a crate name: ASCII letters, digits, `-` and `_`. Anything else is never in
/// an index, and must never become part of a path or a URL.
pub(crate) fn is_plausible_name(name: &str) -> bool {
    !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}
