//! `Cargo.lock` in every format Cargo has written: v1 (with or without the old `[root]` table, checksums
//! in `[metadata]`), v2 (checksums inline, short dependency references), v3 and v4 (explicit `version`).

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::ops::Range;
use std::sync::Arc;

use semver::Version;

use crate::LineError;
use toml::de::DeTable;

/// The source id Cargo writes for the default public registry.
pub const CRATES_IO_SOURCE: &str = "registry+https://github.com/rust-lang/crates.io-index";
/// The same registry reached through its sparse protocol.
pub const CRATES_IO_SPARSE_SOURCE: &str = "sparse+https://index.crates.io/";

/// A parsed lockfile.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Lockfile {
    /// The format version: 1 to 4.
    pub version: u32,
    /// Every `[[package]]` entry, in file order (the v1 `[root]` package is not among them).
    pub packages: Vec<Package>,
    /// The v1 `[root]` package, when present.
    pub root: Option<Package>,
}

/// One package of a lockfile.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Package {
    /// The crate name.
    pub name: String,
    /// The locked version.
    pub version: Version,
    /// Where it comes from (`registry+...`, `git+...`); `None` for path packages.
    pub source: Option<Arc<str>>,
    /// The checksum, inline or from v1's `[metadata]`.
    pub checksum: Option<String>,
    /// Indices into [`Lockfile::packages`] of the packages it depends on.
    pub dependencies: Vec<usize>,
    /// The `replace` entry, when present.
    pub replace: Option<String>,
    /// The 1-based line of the package's `[[package]]` entry.
    pub line: u32,
}

impl Package {
    /// Whether the package comes from the default public registry (the only one advisories describe).
    pub fn is_from_crates_io(&self) -> bool {
        matches!(self.source.as_deref(), Some(s) if source_without_fragment(s) == CRATES_IO_SOURCE || s == CRATES_IO_SPARSE_SOURCE)
    }
}

fn source_without_fragment(source: &str) -> &str {
    match memchr::memchr(b'#', source.as_bytes()) {
        Some(i) => &source[..i],
        None => source,
    }
}

/// Why a lockfile could not be read: the line, where known, and the problem.
pub type LockfileError = LineError;

/// One `[[package]]` (or `[root]`) entry before its dependency references are resolved.
struct Raw<'a> {
    name: &'a str,
    version_text: &'a str,
    version: Version,
    source: Option<&'a str>,
    checksum: Option<&'a str>,
    /// The entry's dependency references, as a range of [`Doc::dependency_refs`].
    dependencies: Range<usize>,
    replace: Option<&'a str>,
    line: u32,
}

/// The parts of a lockfile that matter, before resolution.
#[derive(Default)]
struct Doc<'a> {
    version: Option<u32>,
    packages: Vec<Raw<'a>>,
    root: Option<Raw<'a>>,
    /// v1 `[metadata]`: `"checksum NAME VERSION (SOURCE)"` to checksum.
    metadata: Option<HashMap<&'a str, &'a str>>,
    /// Every entry's dependency references, one after the other (one vector for the whole file).
    dependency_refs: Vec<&'a str>,
}

impl Lockfile {
    /// Parses the text of a lockfile. Files in the layout Cargo writes take a fast line-by-line path;
    /// anything else (hand edits, escapes, other key orders) goes through a full TOML parser, with the
    /// same result.
    pub fn parse(text: &str) -> Result<Lockfile, LockfileError> {
        match fast::scan(text) {
            Some(doc) => resolve(doc?),
            None => {
                let table = DeTable::parse(text).map_err(|e| LockfileError {
                    line: e.span().map(|s| LineIndex::new(text).line(s.start)),
                    message: format!("invalid TOML: {}", e.message().trim().replace('\n', " ")),
                })?;
                resolve(slow::scan(text, table.get_ref())?)
            }
        }
    }

    /// Parses with the full TOML parser only (for tests comparing both paths).
    #[doc(hidden)]
    pub fn parse_with_toml(text: &str) -> Result<Lockfile, LockfileError> {
        let table = DeTable::parse(text)
            .map_err(|e| LockfileError { line: None, message: format!("invalid TOML: {}", e.message().trim()) })?;
        resolve(slow::scan(text, table.get_ref())?)
    }

    /// Whether `text` takes the fast path (for tests).
    #[doc(hidden)]
    pub fn is_canonical(text: &str) -> bool {
        fast::scan(text).is_some()
    }
}

/// Splits at the first space.
fn split_space(s: &str) -> (&str, Option<&str>) {
    // References are short: a plain loop beats memchr's set-up.
    match s.bytes().position(|b| b == b' ') {
        Some(i) => (&s[..i], Some(&s[i + 1..])),
        None => (s, None),
    }
}

/// A multiply-rotate hash over eight bytes at a time (the scheme of rustc's FxHash): crate names are
/// short and come from the file being read, so SipHash's flooding resistance buys nothing here, while its
/// start-up cost and FNV's byte-at-a-time loop show up on lockfiles with thousands of references.
#[derive(Default)]
pub(crate) struct WordHash(u64);

impl Hasher for WordHash {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        const K: u64 = 0x517c_c1b7_2722_0a95;
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            let word = u64::from_le_bytes(chunk.try_into().expect("eight bytes"));
            self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(K);
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut last = [0u8; 8];
            last[..rest.len()].copy_from_slice(rest);
            self.0 = (self.0.rotate_left(5) ^ u64::from_le_bytes(last) ^ rest.len() as u64).wrapping_mul(K);
        }
    }

    fn write_u8(&mut self, byte: u8) {
        self.0 = (self.0.rotate_left(5) ^ u64::from(byte)).wrapping_mul(0x517c_c1b7_2722_0a95);
    }
}

/// Maps byte offsets to 1-based lines by binary search over the line starts.
pub(crate) struct LineIndex(Vec<usize>);

impl LineIndex {
    pub(crate) fn new(text: &str) -> Self {
        LineIndex(
            std::iter::once(0)
                .chain(text.bytes().enumerate().filter(|&(_, b)| b == b'\n').map(|(i, _)| i + 1))
                .collect(),
        )
    }

    pub(crate) fn line(&self, offset: usize) -> u32 {
        self.0.partition_point(|&start| start <= offset) as u32
    }
}

fn version_of(name: &str, text: &str, line: u32) -> Result<Version, LockfileError> {
    Version::parse(text).map_err(|e| LockfileError {
        line: Some(line),
        message: format!("package `{name}` has an invalid version `{text}`: {e}"),
    })
}

/// Resolves `name`, `name version` and `name version (source)` references and fills v1 checksums.
fn resolve(doc: Doc<'_>) -> Result<Lockfile, LockfileError> {
    let Doc { version, packages: raws, root, metadata, dependency_refs } = doc;
    if let Some(v) = version.filter(|v| !(1..=4).contains(v)) {
        return Err(LockfileError { line: None, message: format!("unsupported lockfile version {v}") });
    }
    // Without an explicit `version`, v1 is recognised by its `[metadata]` or `[root]` table; the rest is v2
    // (a v1 file with neither has no registry packages, so nothing in it audits differently).
    let version = version.unwrap_or(if metadata.is_some() || root.is_some() { 1 } else { 2 });

    let mut by_name: HashMap<&str, Vec<usize>, BuildHasherDefault<WordHash>> =
        HashMap::with_capacity_and_hasher(raws.len(), BuildHasherDefault::default());
    for (i, raw) in raws.iter().enumerate() {
        by_name.entry(raw.name).or_default().push(i);
    }
    // Each reference names exactly one package: by name alone when the name is unique, else with the
    // version and, if that is still ambiguous, the source.
    let find = |spec: &str| -> Result<usize, &'static str> {
        let (name, rest) = split_space(spec);
        let candidates = by_name.get(name).map(Vec::as_slice).unwrap_or_default();
        let Some(rest) = rest else {
            return match candidates {
                [only] => Ok(*only),
                [] => Err("which is not in the lockfile"),
                _ => Err("which is ambiguous"),
            };
        };
        let (version, source) = split_space(rest);
        let source = source.map(|s| source_without_fragment(s.trim_start_matches('(').trim_end_matches(')')));
        let fits = |i: usize| {
            let p: &Raw<'_> = &raws[i];
            p.version_text == version && source.is_none_or(|s| p.source.map(source_without_fragment) == Some(s))
        };
        let mut found = None;
        for &i in candidates {
            if fits(i) {
                if found.is_some() {
                    return Err("which is ambiguous");
                }
                found = Some(i);
            }
        }
        found.ok_or("which is not in the lockfile")
    };
    let resolve_deps = |raw: &Raw<'_>| -> Result<Vec<usize>, LockfileError> {
        let refs = &dependency_refs[raw.dependencies.clone()];
        let mut resolved = Vec::with_capacity(refs.len());
        for spec in refs {
            match find(spec) {
                Ok(i) => resolved.push(i),
                Err(problem) => {
                    return Err(LockfileError {
                        line: Some(raw.line),
                        message: format!("`{} {}` depends on `{spec}`, {problem}", raw.name, raw.version),
                    });
                }
            }
        }
        Ok(resolved)
    };
    let checksum_from_metadata = |raw: &Raw<'_>| -> Option<String> {
        let key = format!("checksum {} {} ({})", raw.name, raw.version_text, raw.source?);
        metadata.as_ref()?.get(key.as_str()).filter(|s| **s != "<none>").map(|s| (*s).to_owned())
    };
    // Nearly every package shares one source string; keep one copy of each.
    let sources = std::cell::RefCell::new(Vec::<Arc<str>>::new());
    let intern = |sources: &mut std::cell::RefMut<'_, Vec<Arc<str>>>, s: &str| -> Arc<str> {
        match sources.iter().find(|known| &***known == s) {
            Some(known) => Arc::clone(known),
            None => {
                let new: Arc<str> = Arc::from(s);
                sources.push(Arc::clone(&new));
                new
            }
        }
    };
    let finish = |raw: &Raw<'_>| -> Result<Package, LockfileError> {
        let mut sources = sources.borrow_mut();
        Ok(Package {
            name: raw.name.to_owned(),
            version: raw.version.clone(),
            source: raw.source.map(|s| intern(&mut sources, s)),
            checksum: raw.checksum.map(str::to_owned).or_else(|| checksum_from_metadata(raw)),
            dependencies: resolve_deps(raw)?,
            replace: raw.replace.map(str::to_owned),
            line: raw.line,
        })
    };
    let packages = raws.iter().map(finish).collect::<Result<Vec<_>, _>>()?;
    let root = root.as_ref().map(finish).transpose()?;
    Ok(Lockfile { version, packages, root })
}

/// The layout Cargo writes, line by line. Returns `None` at the first line it does not recognise, so
/// that the caller can fall back to the full TOML parser.
mod fast {
    use std::collections::HashMap;

    use super::{Doc, LockfileError, Raw, version_of};

    enum Section {
        Top,
        Package,
        Root,
        Metadata,
        /// `[[patch.unused]]` and other tables that carry nothing to audit.
        Skipped,
    }

    /// A `"..."` string that needs no unescaping and that TOML accepts as written (no quote, backslash or
    /// control character other than tab), or `None`.
    fn plain_string(value: &str) -> Option<&str> {
        let inner = value.strip_prefix('"')?.strip_suffix('"')?;
        // A fold without early exit so that the check compiles to vector instructions (checksums are
        // 64 bytes, and every line has a string).
        let special = |b: u8| b == b'"' || b == b'\\' || (b < 0x20 && b != b'\t') || b == 0x7f;
        (!inner.bytes().fold(false, |any, b| any | special(b))).then_some(inner)
    }

    /// A decimal integer as TOML writes it without sign or underscores: no leading zeros.
    fn plain_integer(value: &str) -> Option<u32> {
        let digits = !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit());
        (digits && (value == "0" || !value.starts_with('0'))).then(|| value.parse().ok()).flatten()
    }

    /// `key = value` with a bare key (no spaces in it), split at the first space.
    fn bare_key_value(line: &str) -> Option<(&str, &str)> {
        // Keys are short (`name`, `checksum`, ...): a plain loop beats memchr's set-up.
        let space = line.bytes().position(|b| b == b' ')?;
        let value = line[space..].strip_prefix(" = ")?;
        Some((&line[..space], value))
    }

    #[derive(Default)]
    struct Fields<'a> {
        name: Option<&'a str>,
        version: Option<&'a str>,
        source: Option<&'a str>,
        checksum: Option<&'a str>,
        dependencies: std::ops::Range<usize>,
        has_dependencies: bool,
        replace: Option<&'a str>,
        line: u32,
    }

    fn finish<'a>(fields: Fields<'a>) -> Result<Raw<'a>, LockfileError> {
        let line = fields.line;
        let name = fields
            .name
            .ok_or_else(|| LockfileError { line: Some(line), message: "package entry has no `name`".into() })?;
        let version_text = fields
            .version
            .ok_or_else(|| LockfileError { line: Some(line), message: format!("package `{name}` has no `version`") })?;
        Ok(Raw {
            name,
            version_text,
            version: version_of(name, version_text, line)?,
            source: fields.source,
            checksum: fields.checksum,
            dependencies: fields.dependencies,
            replace: fields.replace,
            line,
        })
    }

    /// Moves the entry being read, if any, into `doc`.
    fn flush<'a>(current: &mut Option<Fields<'a>>, section: &Section, doc: &mut Doc<'a>) -> Result<(), LockfileError> {
        if let Some(fields) = current.take() {
            let raw = finish(fields)?;
            match section {
                Section::Root => doc.root = Some(raw),
                _ => doc.packages.push(raw),
            }
        }
        Ok(())
    }

    pub(super) fn scan(text: &str) -> Option<Result<Doc<'_>, LockfileError>> {
        // Reserve for the largest counts the text could hold (an entry takes at least ~64 bytes, a
        // dependency line at least ~8): pages of a reservation that are never written cost nothing,
        // while growing these vectors would copy them and touch fresh pages at every doubling.
        let mut doc = Doc {
            packages: Vec::with_capacity(text.len() / 64 + 1),
            dependency_refs: Vec::with_capacity(text.len() / 8 + 1),
            ..Doc::default()
        };
        let mut section = Section::Top;
        let mut current: Option<Fields<'_>> = None;
        let mut in_deps = false;
        let mut rest = text;
        let mut number = 0u32;
        while !rest.is_empty() {
            let end = memchr::memchr(b'\n', rest.as_bytes()).unwrap_or(rest.len());
            let line = rest[..end].strip_suffix('\r').unwrap_or(&rest[..end]);
            rest = rest.get(end + 1..).unwrap_or_default();
            number += 1;
            if in_deps {
                let item = line.strip_prefix(' ').unwrap_or(line);
                if item == "]" {
                    in_deps = false;
                } else {
                    let value = plain_string(item.strip_suffix(',').unwrap_or(item))?;
                    let fields = current.as_mut()?;
                    doc.dependency_refs.push(value);
                    fields.dependencies.end = doc.dependency_refs.len();
                }
                continue;
            }
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            if line.starts_with('[') {
                let previous = std::mem::replace(&mut section, Section::Skipped);
                if let Err(e) = flush(&mut current, &previous, &mut doc) {
                    return Some(Err(e));
                }
                section = match line {
                    "[[package]]" => Section::Package,
                    "[root]" => Section::Root,
                    "[metadata]" => Section::Metadata,
                    "[[patch.unused]]" => Section::Skipped,
                    _ => return None,
                };
                if matches!(section, Section::Package | Section::Root) {
                    current = Some(Fields { line: number, ..Fields::default() });
                }
                if matches!(section, Section::Metadata) {
                    doc.metadata.get_or_insert_with(HashMap::new);
                }
                continue;
            }
            let (key, value) = match section {
                // Quoted keys with spaces: `"checksum NAME VERSION (SOURCE)" = "HASH"`.
                Section::Metadata => line.rsplit_once(" = ")?,
                _ => bare_key_value(line)?,
            };
            match section {
                Section::Top if key == "version" => doc.version = Some(plain_integer(value)?),
                Section::Top => return None,
                Section::Skipped => {}
                Section::Metadata => {
                    let key = plain_string(key)?;
                    doc.metadata.as_mut()?.insert(key, plain_string(value)?);
                }
                Section::Package | Section::Root => {
                    let fields = current.as_mut()?;
                    if key == "dependencies" {
                        // A repeated key is an error for TOML: leave it to the full parser.
                        if std::mem::replace(&mut fields.has_dependencies, true) {
                            return None;
                        }
                        let here = doc.dependency_refs.len();
                        fields.dependencies = here..here;
                        match value {
                            "[" => in_deps = true,
                            "[]" => {}
                            _ => return None,
                        }
                        continue;
                    }
                    let value = plain_string(value)?;
                    let slot = match key {
                        "name" => &mut fields.name,
                        "version" => &mut fields.version,
                        "source" => &mut fields.source,
                        "checksum" => &mut fields.checksum,
                        "replace" => &mut fields.replace,
                        _ => return None,
                    };
                    if slot.replace(value).is_some() {
                        return None;
                    }
                }
            }
        }
        if in_deps {
            return None;
        }
        let last = std::mem::replace(&mut section, Section::Skipped);
        Some(flush(&mut current, &last, &mut doc).map(|()| doc))
    }
}

/// Any valid TOML, through the spanned document of the `toml` crate.
mod slow {
    use std::collections::HashMap;

    use toml::de::{DeTable, DeValue};

    use super::{Doc, LineIndex, LockfileError, Raw, version_of};

    pub(super) fn scan<'a>(text: &str, doc: &'a DeTable<'a>) -> Result<Doc<'a>, LockfileError> {
        let lines = LineIndex::new(text);
        let at = |offset: usize, message: String| LockfileError { line: Some(lines.line(offset)), message };
        let version = match doc.get("version") {
            None => None,
            Some(v) => match v.get_ref() {
                DeValue::Integer(i) => Some(
                    i.as_str()
                        .parse::<u32>()
                        .map_err(|_| at(v.span().start, format!("unsupported lockfile version {}", i.as_str())))?,
                ),
                _ => return Err(at(v.span().start, "`version` must be an integer".into())),
            },
        };
        let metadata = match doc.get("metadata") {
            None => None,
            Some(m) => {
                let table =
                    m.get_ref().as_table().ok_or_else(|| at(m.span().start, "`metadata` must be a table".into()))?;
                Some(
                    table
                        .iter()
                        .filter_map(|(k, v)| Some((k.get_ref().as_ref(), v.get_ref().as_str()?)))
                        .collect::<HashMap<&str, &str>>(),
                )
            }
        };
        let mut packages = Vec::new();
        let mut refs = Vec::new();
        if let Some(list) = doc.get("package") {
            let DeValue::Array(items) = list.get_ref() else {
                return Err(at(list.span().start, "`package` must be an array of tables".into()));
            };
            for item in items.iter() {
                let table = item
                    .get_ref()
                    .as_table()
                    .ok_or_else(|| at(item.span().start, "a `[[package]]` entry must be a table".into()))?;
                packages.push(raw(table, lines.line(item.span().start), &mut refs, &at)?);
            }
        }
        let root = match doc.get("root") {
            None => None,
            Some(r) => {
                let table =
                    r.get_ref().as_table().ok_or_else(|| at(r.span().start, "`root` must be a table".into()))?;
                Some(raw(table, lines.line(r.span().start), &mut refs, &at)?)
            }
        };
        Ok(Doc { version, packages, root, metadata, dependency_refs: refs })
    }

    fn raw<'a>(
        table: &'a DeTable<'a>,
        line: u32,
        refs: &mut Vec<&'a str>,
        at: &dyn Fn(usize, String) -> LockfileError,
    ) -> Result<Raw<'a>, LockfileError> {
        let string = |key: &str| -> Result<Option<&'a str>, LockfileError> {
            match table.get(key) {
                None => Ok(None),
                Some(v) => v
                    .get_ref()
                    .as_str()
                    .map(Some)
                    .ok_or_else(|| at(v.span().start, format!("`{key}` must be a string"))),
            }
        };
        let name = string("name")?
            .ok_or_else(|| LockfileError { line: Some(line), message: "package entry has no `name`".into() })?;
        let version_text = string("version")?
            .ok_or_else(|| LockfileError { line: Some(line), message: format!("package `{name}` has no `version`") })?;
        let start = refs.len();
        if let Some(deps) = table.get("dependencies") {
            let DeValue::Array(items) = deps.get_ref() else {
                return Err(at(deps.span().start, "`dependencies` must be an array".into()));
            };
            for item in items.iter() {
                refs.push(
                    item.get_ref()
                        .as_str()
                        .ok_or_else(|| at(item.span().start, "a dependency must be a string".into()))?,
                );
            }
        }
        Ok(Raw {
            name,
            version_text,
            version: version_of(name, version_text, line)?,
            source: string("source")?,
            checksum: string("checksum")?,
            dependencies: start..refs.len(),
            replace: string("replace")?,
            line,
        })
    }
}
