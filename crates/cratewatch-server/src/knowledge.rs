//! The advisory knowledge base as the server holds it: one immutable snapshot, indexed every way the
//! pages and the API look things up, swapped whole when the database is synced.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::SystemTime;

use cratewatch_advisory::{Advisory, Collection, DiagnosticSeverity};
use cratewatch_db::{Database, FileDates, FileDiagnostic};

use crate::markdown;

/// One advisory with what the pages need precomputed.
#[derive(Debug)]
pub struct Entry {
    /// The advisory as parsed.
    pub advisory: Advisory,
    /// The description rendered from Markdown and sanitized.
    pub description_html: String,
    /// The OSV record as compact JSON (the same record `cratewatch osv export` writes); `None` for
    /// toolchain advisories, which OSV has no ecosystem for.
    pub osv: Option<String>,
    /// The OSV record's `modified` time (RFC 3339).
    pub modified: String,
    /// Whether [`modified`](Entry::modified) is a real last-modification time (the file's last commit,
    /// the imported OSV record's own `modified`, the workflow's last update) rather than the
    /// publication date standing in for one.
    pub modified_known: bool,
    /// The file the advisory was read from; `None` for advisories published through the workflow.
    pub file: Option<SourceFile>,
    /// Whether the advisory was imported from an OSV record, which [`osv`](Entry::osv) then holds as it
    /// was read (with the merged aliases): the text `cratewatch audit --server` parses.
    pub from_osv: bool,
    /// Set when the file is malformed now and this is its last valid version, kept so that a broken
    /// commit never makes a vulnerability vanish: what is wrong with the file now.
    pub stale: Option<String>,
}

/// Where an advisory's file is in the advisory sources.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SourceFile {
    /// The index of the source (see [`Provenance::web`]), in the order the sources were given.
    pub source: usize,
    /// The file, relative to the source's root, with `/` separators (`crates/hyper/RUSTSEC-2021-0078.md`).
    pub path: String,
}

/// The web view of an advisory source's files, for links from advisory pages to a file and its history.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SourceWeb {
    /// The repository's web address, without a trailing slash (`https://github.com/rustsec/advisory-db`).
    pub repository: String,
    /// The commit (or branch) the links point into: the served commit, so that a link shows the file
    /// exactly as it was served, even after it moved or changed upstream.
    pub reference: String,
}

impl SourceWeb {
    /// The web view of a GitHub repository given by its git URL (`https://github.com/OWNER/REPO[.git]`,
    /// `git@github.com:OWNER/REPO.git` or `ssh://git@github.com/OWNER/REPO`), at `reference`. Any
    /// other URL (another host, a local path, a `file://` URL) has no known web view: `None`. A user or
    /// token in the URL is never carried into the links.
    pub fn github(git_url: &str, reference: &str) -> Option<SourceWeb> {
        let rest = if let Some(rest) = git_url.strip_prefix("git@") {
            rest.strip_prefix("github.com:")?
        } else {
            let rest = ["https://", "http://", "ssh://", "git://"].iter().find_map(|s| git_url.strip_prefix(s))?;
            let (authority, path) = rest.split_once('/')?;
            let host = authority.rsplit_once('@').map_or(authority, |(_, host)| host);
            if !host.eq_ignore_ascii_case("github.com") {
                return None;
            }
            path
        };
        let rest = rest.trim_end_matches('/');
        let rest = rest.strip_suffix(".git").unwrap_or(rest);
        let (owner, repo) = rest.split_once('/')?;
        let name_ok =
            |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'));
        let reference_ok = !reference.is_empty()
            && reference.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'/'));
        (name_ok(owner) && name_ok(repo) && reference_ok).then(|| SourceWeb {
            repository: format!("https://github.com/{owner}/{repo}"),
            reference: reference.to_owned(),
        })
    }

    /// The page showing the file at `path` (relative to the repository's root).
    pub fn blob(&self, path: &str) -> String {
        format!("{}/blob/{}/{}", self.repository, self.reference, encode_path(path))
    }

    /// The page listing the commits that changed the file at `path`.
    pub fn history(&self, path: &str) -> String {
        format!("{}/commits/{}/{}", self.repository, self.reference, encode_path(path))
    }
}

/// Percent-encodes what a URL path may not carry as is, keeping the `/` separators.
fn encode_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'/' | b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

impl Entry {
    /// Precomputes what the pages and the OSV API need. `osv_json` is the record an advisory was
    /// imported from, if it came from OSV JSON: it is served as it was read (compacted), with the
    /// merged aliases; advisories from RustSec-format files are converted as `osv export` does.
    fn new(advisory: Advisory, osv_json: Option<&str>, dates: Option<&FileDates>, file: Option<SourceFile>) -> Entry {
        let description_html = markdown::render(&advisory.description);
        let imported = osv_json.and_then(|text| serde_json::from_str::<serde_json::Value>(text).ok());
        let from_osv = imported.is_some();
        let (osv, modified, modified_known) = match imported {
            Some(mut record) => {
                record["aliases"] = serde_json::json!(advisory.aliases);
                let known = record["modified"].as_str().map(str::to_owned);
                let modified_known = known.is_some();
                let modified = known.unwrap_or_else(|| format!("{}T12:00:00Z", advisory.date));
                (Some(record.to_string()), modified, modified_known)
            }
            None => {
                let osv = (advisory.collection == Collection::Crates)
                    .then(|| cratewatch_osv::to_osv_compact(&advisory, dates));
                let modified = match dates {
                    Some(d) => d.modified.to_string(),
                    None => format!("{}T12:00:00Z", advisory.date),
                };
                (osv, modified, dates.is_some())
            }
        };
        Entry { advisory, description_html, osv, modified, modified_known, file, from_osv, stale: None }
    }

    /// An advisory published through the disclosure workflow: its OSV `published` and `modified`
    /// times are the workflow's publication and last update (Unix seconds).
    pub fn published(advisory: Advisory, published_at: i64, modified_at: i64) -> Entry {
        let stamp = |secs: i64| cratewatch_db::Timestamp::from_unix_seconds(secs);
        match (stamp(published_at), stamp(modified_at)) {
            (Some(created), Some(modified)) => Entry::new(advisory, None, Some(&FileDates { created, modified }), None),
            _ => Entry::new(advisory, None, None, None),
        }
    }
}

/// Where a snapshot came from, for `/healthz`, the footer and the logs.
#[derive(Clone, Debug)]
pub struct Provenance {
    /// The path or URL the database was read from.
    pub source: String,
    /// The commit of the work tree, when it is a git repository.
    pub commit: Option<String>,
    /// When the snapshot was built.
    pub loaded_at: SystemTime,
    /// The web view of each source's files (see [`SourceFile::source`]), when it has a known one: advisory
    /// pages link to the file and its history there, and show the bare path otherwise.
    pub web: Vec<Option<SourceWeb>>,
}

/// An immutable, indexed snapshot of the advisory database.
#[derive(Debug)]
pub struct Knowledge {
    /// Every advisory, newest first (date, then id, descending).
    entries: Vec<Arc<Entry>>,
    by_id: HashMap<String, usize>,
    /// Aliases (CVE, GHSA, ...) in upper case, to the advisories that list them.
    by_alias: HashMap<String, Vec<usize>>,
    /// Crate names in normalised form (see [`normalize`]) to the advisories about them.
    by_crate: HashMap<String, Vec<usize>>,
    by_category: BTreeMap<String, Vec<usize>>,
    by_keyword: BTreeMap<String, Vec<usize>>,
    diagnostics: Vec<FileDiagnostic>,
    /// The files with error diagnostics (source index, path in the source): files that did not load.
    broken: HashMap<(usize, String), String>,
    provenance: Provenance,
    /// The advisories as the auditor takes them, built on first use.
    advisories: std::sync::OnceLock<Vec<Arc<Advisory>>>,
}

pub use cratewatch_advisory::normalize_crate_name as normalize;

impl Knowledge {
    /// Loads and indexes the database at `root`.
    pub fn load(root: &Path, provenance: Provenance) -> Result<Knowledge, cratewatch_db::Error> {
        Knowledge::load_all(&[root.to_owned()], provenance)
    }

    /// Loads the sources at `roots` (RustSec-format trees and directories of OSV records, first ones
    /// first), merges them (see [`Database::load_all`]) and indexes the result.
    pub fn load_all(roots: &[PathBuf], provenance: Provenance) -> Result<Knowledge, cratewatch_db::Error> {
        let (merged, diagnostics) = Database::load_all(roots)?.into_parts_with_origins();
        let broken = broken_files(roots, &diagnostics);
        // OSV's `modified` comes from the git history when a tree is a clone; a plain tree, or a
        // history git cannot read, falls back to the publication date (as `osv export` does).
        let dates: Vec<HashMap<PathBuf, FileDates>> = roots
            .iter()
            .map(|root| {
                if root.join(".git").exists() {
                    cratewatch_db::file_dates(root).unwrap_or_default()
                } else {
                    HashMap::new()
                }
            })
            .collect();
        let entries = merged
            .into_iter()
            .map(|(advisory, origin)| {
                let dates = dates.get(origin.source).and_then(|d| d.get(Path::new(&origin.path)));
                let file = SourceFile { source: origin.source, path: origin.path.clone() };
                Arc::new(Entry::new(advisory, origin.osv_json.as_deref(), dates, Some(file)))
            })
            .collect();
        let mut knowledge = Knowledge::index(entries, diagnostics, provenance);
        knowledge.broken = broken;
        Ok(knowledge)
    }

    /// This snapshot, plus the advisories of `previous` whose files are malformed now: each is kept
    /// in its last valid version and marked stale (with what is wrong now), so that a commit that
    /// breaks a file never makes its advisory vanish. A file that was deleted, or whose advisory now
    /// comes from another file, is not kept.
    pub fn keeping_stale(self, previous: &Knowledge) -> Knowledge {
        let carried: Vec<Arc<Entry>> = previous
            .entries
            .iter()
            .filter_map(|e| {
                let file = e.file.as_ref()?;
                let problem = self.broken.get(&(file.source, file.path.clone()))?;
                if self.by_id(e.advisory.id.as_str()).is_some() {
                    return None;
                }
                Some(Arc::new(Entry {
                    advisory: e.advisory.clone(),
                    description_html: e.description_html.clone(),
                    osv: e.osv.clone(),
                    modified: e.modified.clone(),
                    modified_known: e.modified_known,
                    file: e.file.clone(),
                    from_osv: e.from_osv,
                    stale: Some(problem.clone()),
                }))
            })
            .collect();
        if carried.is_empty() {
            return self;
        }
        let broken = self.broken;
        let mut entries = self.entries;
        entries.extend(carried);
        let mut knowledge = Knowledge::index(entries, self.diagnostics, self.provenance);
        knowledge.broken = broken;
        knowledge
    }

    /// The advisories served from an earlier valid version of a file that is malformed now.
    pub fn stale(&self) -> impl Iterator<Item = &Arc<Entry>> {
        self.entries.iter().filter(|e| e.stale.is_some())
    }

    /// Indexes `advisories` with no git dates.
    pub fn new(advisories: Vec<Advisory>, diagnostics: Vec<FileDiagnostic>, provenance: Provenance) -> Knowledge {
        let entries = advisories.into_iter().map(|advisory| Arc::new(Entry::new(advisory, None, None, None))).collect();
        Knowledge::index(entries, diagnostics, provenance)
    }

    /// This snapshot plus advisories published through the disclosure workflow. A published advisory
    /// whose id the sources already hold (it reached the public database) is left out: the sources win.
    pub fn with_published(&self, published: &[Arc<Entry>]) -> Knowledge {
        let mut entries = self.entries.clone();
        entries.extend(published.iter().filter(|e| self.by_id(e.advisory.id.as_str()).is_none()).cloned());
        let mut knowledge = Knowledge::index(entries, self.diagnostics.clone(), self.provenance.clone());
        knowledge.broken = self.broken.clone();
        knowledge
    }

    /// Sorts the entries newest first and builds the lookup tables.
    fn index(mut entries: Vec<Arc<Entry>>, diagnostics: Vec<FileDiagnostic>, provenance: Provenance) -> Knowledge {
        entries.sort_by(|a, b| (b.advisory.date, &b.advisory.id).cmp(&(a.advisory.date, &a.advisory.id)));
        let mut knowledge = Knowledge {
            by_id: HashMap::with_capacity(entries.len()),
            by_alias: HashMap::new(),
            by_crate: HashMap::new(),
            by_category: BTreeMap::new(),
            by_keyword: BTreeMap::new(),
            entries: Vec::new(),
            diagnostics,
            broken: HashMap::new(),
            provenance,
            advisories: std::sync::OnceLock::new(),
        };
        for (i, entry) in entries.iter().enumerate() {
            let a = &entry.advisory;
            knowledge.by_id.insert(a.id.as_str().to_owned(), i);
            for alias in &a.aliases {
                knowledge.by_alias.entry(alias.to_ascii_uppercase()).or_default().push(i);
            }
            if a.collection == Collection::Crates {
                knowledge.by_crate.entry(normalize(&a.package)).or_default().push(i);
            }
            for category in &a.categories {
                knowledge.by_category.entry(category.as_str().to_owned()).or_default().push(i);
            }
            for keyword in &a.keywords {
                knowledge.by_keyword.entry(keyword.to_lowercase()).or_default().push(i);
            }
        }
        knowledge.entries = entries;
        knowledge
    }

    /// Every advisory, newest first, shared as `cratewatch_audit::audit` takes them.
    pub fn advisories(&self) -> &[Arc<Advisory>] {
        self.advisories.get_or_init(|| self.entries.iter().map(|e| Arc::new(e.advisory.clone())).collect())
    }

    /// Every advisory, newest first.
    pub fn entries(&self) -> &[Arc<Entry>] {
        &self.entries
    }

    /// The advisory with this id (`RUSTSEC-...`), exactly.
    pub fn by_id(&self, id: &str) -> Option<&Arc<Entry>> {
        self.by_id.get(id).map(|&i| &self.entries[i])
    }

    /// The advisories listing `alias` (CVE or GHSA id, any case).
    pub fn by_alias(&self, alias: &str) -> Vec<&Arc<Entry>> {
        self.lookup(&self.by_alias, &alias.to_ascii_uppercase())
    }

    /// The advisories about crate `name` (any spelling the registry treats as the same), newest first.
    pub fn for_crate(&self, name: &str) -> Vec<&Arc<Entry>> {
        self.lookup(&self.by_crate, &normalize(name))
    }

    /// The advisories in `category`, newest first.
    pub fn for_category(&self, category: &str) -> Vec<&Arc<Entry>> {
        self.by_category.get(category).into_iter().flatten().map(|&i| &self.entries[i]).collect()
    }

    /// The advisories with `keyword` (any case), newest first.
    pub fn for_keyword(&self, keyword: &str) -> Vec<&Arc<Entry>> {
        self.by_keyword.get(&keyword.to_lowercase()).into_iter().flatten().map(|&i| &self.entries[i]).collect()
    }

    /// Every category with its number of advisories.
    pub fn categories(&self) -> impl Iterator<Item = (&str, usize)> {
        self.by_category.iter().map(|(c, list)| (c.as_str(), list.len()))
    }

    /// Crate names with advisories, as the advisories spell them, sorted.
    pub fn crate_names(&self) -> Vec<&str> {
        let mut names: Vec<&str> = self
            .by_crate
            .values()
            .filter_map(|list| list.first())
            .map(|&i| self.entries[i].advisory.package.as_str())
            .collect();
        names.sort_unstable();
        names
    }

    /// Problems found while loading.
    pub fn diagnostics(&self) -> &[FileDiagnostic] {
        &self.diagnostics
    }

    /// Where the snapshot came from.
    pub fn provenance(&self) -> &Provenance {
        &self.provenance
    }

    fn lookup(&self, map: &HashMap<String, Vec<usize>>, key: &str) -> Vec<&Arc<Entry>> {
        map.get(key).into_iter().flatten().map(|&i| &self.entries[i]).collect()
    }
}

/// The files with error diagnostics, as (source index, path in the source), each with its first
/// error. With several sources, the merge names a file `ROOT/PATH`; with one, `PATH`.
fn broken_files(roots: &[PathBuf], diagnostics: &[FileDiagnostic]) -> HashMap<(usize, String), String> {
    let labels: Vec<String> = roots.iter().map(|r| r.display().to_string()).collect();
    let mut broken = HashMap::new();
    let mut seen = HashSet::new();
    for d in diagnostics.iter().filter(|d| d.diagnostic.severity == DiagnosticSeverity::Error) {
        let place = if roots.len() == 1 {
            Some((0, d.path.clone()))
        } else {
            labels.iter().enumerate().find_map(|(i, label)| {
                d.path.strip_prefix(label.as_str())?.strip_prefix('/').map(|rest| (i, rest.to_owned()))
            })
        };
        if let Some(place) = place
            && seen.insert(place.clone())
        {
            let message = format!("{}: {}: {}", d.path, d.diagnostic.code, d.diagnostic.message);
            broken.insert(place, message);
        }
    }
    broken
}

#[cfg(test)]
mod tests {
    use super::SourceWeb;

    #[test]
    fn only_github_urls_have_a_known_web_view() {
        let commit = "abc123";
        let web = |url: &str| SourceWeb::github(url, commit).map(|w| w.repository);
        for url in [
            "https://github.com/rustsec/advisory-db",
            "https://github.com/rustsec/advisory-db.git",
            "https://github.com/rustsec/advisory-db/",
            "https://x-access-token:secret@github.com/rustsec/advisory-db.git",
            "git@github.com:rustsec/advisory-db.git",
            "ssh://git@github.com/rustsec/advisory-db",
            "https://GitHub.com/rustsec/advisory-db",
        ] {
            assert_eq!(web(url).as_deref(), Some("https://github.com/rustsec/advisory-db"), "{url}");
        }
        for url in [
            "https://gitlab.com/rustsec/advisory-db",
            "https://github.com.evil.example/rustsec/advisory-db",
            "https://github.com/rustsec",
            "https://github.com/rustsec/advisory-db/tree/main",
            "file:///srv/advisory-db",
            "/srv/advisory-db",
            "https://github.com/rust sec/advisory-db",
        ] {
            assert_eq!(web(url), None, "{url}");
        }
        let w = SourceWeb::github("https://github.com/o/r", "main").unwrap();
        assert_eq!(
            w.blob("crates/a b/RUSTSEC-2020-0001.md"),
            "https://github.com/o/r/blob/main/crates/a%20b/RUSTSEC-2020-0001.md"
        );
        assert_eq!(w.history("crates/x/y.md"), "https://github.com/o/r/commits/main/crates/x/y.md");
        assert_eq!(SourceWeb::github("https://github.com/o/r", "bad ref"), None);
    }
}
