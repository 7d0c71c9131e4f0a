//! `Cargo.lock` in every format Cargo has written: v1 (with or without the old `[root]` table, checksums
//! in `[metadata]`), v2 (checksums inline, short dependency references), v3 and v4 (explicit `version`).
//!
//! What a lockfile may hold is decided the way cargo-audit decides it (its `cargo-lock` crate): a file
//! it refuses is refused here too, with the line of the value at fault, so that no value the auditor
//! cannot interpret ever hides a package. Dependency references are resolved the way Cargo itself
//! resolves them (`core/resolver/encode.rs`); a reference that names no single package is recorded in
//! [`Lockfile::unresolved`] and left out of the dependency graph, as Cargo leaves it out.

use rustc_hash::FxBuildHasher;
use std::collections::HashMap;
use std::ops::Range;
use std::sync::Arc;

use semver::Version;

use crate::LineError;
use crate::source::{self, Source};
use toml::de::DeTable;

/// The source id Cargo writes for the default public registry.
pub const CRATES_IO_SOURCE: &str = "registry+https://github.com/rust-lang/crates.io-index";
/// The same registry reached through its sparse protocol.
pub const CRATES_IO_SPARSE_SOURCE: &str = "sparse+https://index.crates.io/";

/// A parsed lockfile.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Lockfile {
    /// The format version: 1 to 4. Without a `version` key, a file is v1 when its `[metadata]` holds
    /// checksums, else v2 (cargo-audit's rule).
    pub version: u32,
    /// Every `[[package]]` entry, in file order (the v1 `[root]` package is not among them).
    pub packages: Vec<Package>,
    /// The v1 `[root]` package, when present.
    pub root: Option<Package>,
    /// Dependency references that name no package of the file, or more than one: left out of
    /// [`Package::dependencies`], as Cargo leaves them out of its dependency graph. Cargo never writes
    /// them, but hand-edited and merged files have them, and cargo-audit accepts them.
    pub unresolved: Vec<UnresolvedDependency>,
}

/// A dependency reference that names no single package of the lockfile.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnresolvedDependency {
    /// The 1-based line of the reference (of its entry when the reference was written with escapes).
    pub line: u32,
    /// `name version` of the package that holds the reference.
    pub from: String,
    /// The reference as written (`name`, `name version` or `name version (source)`).
    pub reference: String,
    /// Whether it names several packages (rather than none).
    pub ambiguous: bool,
}

/// One package of a lockfile.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Package {
    /// The crate name.
    pub name: String,
    /// The locked version.
    pub version: Version,
    /// Where it comes from, normalised as cargo-audit prints it (`registry+...`, `git+...?branch=..#..`);
    /// `None` for path packages.
    pub source: Option<Arc<str>>,
    /// The checksum (64 hexadecimal digits, lowercase), inline or from v1's `[metadata]`.
    pub checksum: Option<String>,
    /// Indices into [`Lockfile::packages`] of the packages it depends on.
    pub dependencies: Vec<usize>,
    /// The `replace` entry, when present.
    pub replace: Option<String>,
    /// The 1-based line of the package's `[[package]]` entry.
    pub line: u32,
    /// Whether the source is the default public registry (its git or its sparse index).
    crates_io: bool,
}

impl Package {
    /// Whether the package comes from the default public registry (the only one advisories describe).
    pub fn is_from_crates_io(&self) -> bool {
        self.crates_io
    }
}

/// Why a lockfile could not be read: the line, where known, and the problem.
pub type LockfileError = LineError;

/// One `[[package]]`, `[root]` or `[[patch.unused]]` entry before its values are checked and its
/// dependency references resolved.
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
    /// `[[patch.unused]]` entries: patches the resolver did not use. Nothing in them is audited, but
    /// cargo-audit refuses a file whose entries have no valid `name`, `version` or `source`.
    patches: Vec<Raw<'a>>,
    /// `[metadata]`, in file order: v1 keeps checksums there as `"checksum NAME VERSION (SOURCE)"`.
    metadata: Option<Vec<(&'a str, &'a str)>>,
    /// Every entry's dependency references, one after the other (one vector for the whole file).
    dependency_refs: Vec<&'a str>,
}

impl Lockfile {
    /// Parses the text of a lockfile. Files in the layout Cargo writes take a fast line-by-line path;
    /// anything else (hand edits, escapes, other key orders) goes through a full TOML parser, with the
    /// same result.
    pub fn parse(text: &str) -> Result<Lockfile, LockfileError> {
        match fast::scan(text) {
            Some(doc) => doc.and_then(|doc| resolve(text, doc)).map_err(one_line),
            None => Self::parse_with_toml(text),
        }
    }

    /// Parses with the full TOML parser only (for tests comparing both paths).
    #[doc(hidden)]
    pub fn parse_with_toml(text: &str) -> Result<Lockfile, LockfileError> {
        let table = DeTable::parse(text).map_err(|e| LockfileError {
            line: e.span().map(|s| LineIndex::new(text).line(s.start)),
            message: format!("invalid TOML: {}", e.message().trim().replace('\n', " ")),
        })?;
        slow::scan(text, table.get_ref()).and_then(|doc| resolve(text, doc)).map_err(one_line)
    }

    /// Whether `text` takes the fast path (for tests).
    #[doc(hidden)]
    pub fn is_canonical(text: &str) -> bool {
        fast::scan(text).is_some()
    }
}

/// An error message quotes values from the file, which may hold newlines and other control characters:
/// they are escaped, so that an error stays on one line.
fn one_line(mut error: LockfileError) -> LockfileError {
    if error.message.contains(char::is_control) {
        error.message = error
            .message
            .chars()
            .map(|c| if c.is_control() { c.escape_default().to_string() } else { c.to_string() })
            .collect();
    }
    error
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
        u32::try_from(self.0.partition_point(|&start| start <= offset)).unwrap_or(u32::MAX)
    }
}

/// The 1-based line of `part` when it is a slice of `text` (values without escapes are), else `fallback`.
/// Only called to report an error, so the line count is not kept between calls.
fn line_of(text: &str, part: &str, fallback: u32) -> u32 {
    let start = text.as_ptr() as usize;
    let at = part.as_ptr() as usize;
    if at < start || at > start + text.len() {
        return fallback;
    }
    let newlines = memchr::memchr_iter(b'\n', &text.as_bytes()[..at - start]).count();
    u32::try_from(newlines + 1).unwrap_or(u32::MAX)
}

fn version_of(name: &str, text: &str, line: u32) -> Result<Version, LockfileError> {
    Version::parse(text).map_err(|e| LockfileError {
        line: Some(line),
        message: format!("package `{name}` has an invalid version `{text}`: {e}"),
    })
}

/// A checksum as cargo-audit reads it: 64 hexadecimal digits, printed back in lowercase.
fn checksum_of(text: &str) -> Option<String> {
    if text.len() != 64 {
        return None;
    }
    // One pass without early exit, so that it compiles to vector instructions: every package has a
    // checksum, and a byte-by-byte check was a third of the parse.
    let (bad, upper) = text.bytes().fold((false, false), |(bad, upper), b| {
        let digit = b.wrapping_sub(b'0') < 10;
        let lower_hex = b.wrapping_sub(b'a') < 6;
        let upper_hex = b.wrapping_sub(b'A') < 6;
        (bad | !(digit | lower_hex | upper_hex), upper | upper_hex)
    });
    match (bad, upper) {
        (true, _) => None,
        (false, true) => Some(text.to_ascii_lowercase()),
        (false, false) => Some(text.to_owned()),
    }
}

/// A dependency reference, `name`, `name version` or `name version (source)`, split at whitespace as
/// cargo-audit splits it.
struct Reference<'a> {
    name: &'a str,
    version: Option<&'a str>,
    /// The text between the parentheses.
    source: Option<&'a str>,
}

/// Whether a byte is ASCII whitespace as Rust's `char::is_whitespace` sees it: space and `\t` to `\r`.
fn is_space(b: u8) -> bool {
    b == b' ' || b.wrapping_sub(b'\t') < 5
}

/// Splits a reference at whitespace, as cargo-audit does (`split_whitespace`). Its version is not
/// checked here: a version equal to a package's is valid, so only one that names no package needs
/// [`check_version`] (parsing every version of a v1 file cost 15%).
fn reference(spec: &str) -> Result<Reference<'_>, String> {
    // The common cases, `name` and `name version`, in one pass over the bytes.
    let special = |b: u8| is_space(b) || !b.is_ascii();
    match spec.bytes().position(special) {
        None if !spec.is_empty() => return Ok(Reference { name: spec, version: None, source: None }),
        Some(space) if space > 0 && spec.as_bytes()[space] == b' ' => {
            let version = &spec[space + 1..];
            if !version.is_empty() && !version.bytes().any(special) {
                return Ok(Reference { name: &spec[..space], version: Some(version), source: None });
            }
        }
        _ => {}
    }
    // At most four parts matter: a fourth is an error.
    let mut parts: [&str; 4] = [""; 4];
    let mut count = 0;
    if spec.is_ascii() {
        // Bytes, not characters: references are ASCII, and this is the parse's inner loop.
        let bytes = spec.as_bytes();
        let mut i = 0;
        while count < 4 {
            while i < bytes.len() && is_space(bytes[i]) {
                i += 1;
            }
            if i == bytes.len() {
                break;
            }
            let start = i;
            while i < bytes.len() && !is_space(bytes[i]) {
                i += 1;
            }
            parts[count] = &spec[start..i];
            count += 1;
        }
    } else {
        for part in spec.split_whitespace().take(4) {
            parts[count] = part;
            count += 1;
        }
    }
    let [name, version, source, _] = parts;
    if count == 0 {
        return Err("an empty dependency reference".to_owned());
    }
    if count == 4 {
        return Err(format!("the dependency reference `{spec}` is malformed (expected `name version (source)`)"));
    }
    let source = match count {
        3 => Some(source.strip_prefix('(').and_then(|s| s.strip_suffix(')')).ok_or_else(|| {
            format!("the dependency reference `{spec}` has a malformed source `{source}` (expected `(SOURCE)`)")
        })?),
        _ => None,
    };
    Ok(Reference { name, version: (count >= 2).then_some(version), source })
}

/// Checks the version of a reference that names no package, as cargo-audit checks every one.
fn check_version(spec: &str, r: &Reference<'_>) -> Result<(), String> {
    match r.version.map(Version::parse) {
        Some(Err(e)) => Err(format!(
            "the dependency reference `{spec}` has an invalid version `{}`: {e}",
            r.version.unwrap_or_default()
        )),
        _ => Ok(()),
    }
}

/// Parsed sources, each distinct text once (nearly every package shares one), named by their index.
#[derive(Default)]
struct Sources<'a>(Vec<(&'a str, Source)>);

impl<'a> Sources<'a> {
    fn get(&mut self, text: &'a str) -> Result<usize, String> {
        if let Some(known) = self.0.iter().position(|(t, _)| *t == text) {
            return Ok(known);
        }
        self.0.push((text, source::parse(text)?));
        Ok(self.0.len() - 1)
    }

    fn source(&self, index: usize) -> &Source {
        &self.0[index].1
    }
}

/// Checks every value, resolves dependency references as Cargo does, and picks each package's checksum.
fn resolve<'a>(text: &'a str, doc: Doc<'a>) -> Result<Lockfile, LockfileError> {
    let Doc { version, packages: raws, root, patches, metadata, dependency_refs } = doc;
    if let Some(v) = version.filter(|v| !(1..=4).contains(v)) {
        let line = text
            .lines()
            .position(|l| l.trim_start().starts_with("version"))
            .map(|i| u32::try_from(i + 1).unwrap_or(u32::MAX));
        return Err(LockfileError { line, message: format!("unsupported lockfile version {v}") });
    }
    let error = |part: &str, fallback: u32, message: String| LockfileError {
        line: Some(line_of(text, part, fallback)),
        message,
    };
    // Without an explicit `version`, checksums in `[metadata]` make a v1 file, and checksums in both
    // places a broken one (cargo-audit's rule; Cargo discards them all).
    let metadata_checksums = metadata.iter().flatten().any(|(key, _)| key.starts_with("checksum "));
    let version = match version {
        Some(v) => v,
        None if metadata_checksums => {
            if let Some(raw) = raws.iter().find(|raw| raw.checksum.is_some()) {
                return Err(LockfileError {
                    line: Some(raw.line),
                    message: "checksums are both in `[[package]]` entries and in `[metadata]`".into(),
                });
            }
            1
        }
        None => 2,
    };

    let mut sources = Sources::default();
    let mut source_of = |raw: &Raw<'a>| -> Result<Option<usize>, LockfileError> {
        raw.source
            .map(|s| sources.get(s).map_err(|e| error(s, raw.line, format!("package `{}`: {e}", raw.name))))
            .transpose()
    };
    let package_sources = raws.iter().map(&mut source_of).collect::<Result<Vec<_>, _>>()?;
    let root_source = root.as_ref().map(&mut source_of).transpose()?.flatten();
    for raw in &patches {
        source_of(raw)?;
    }
    let checksum = |raw: &Raw<'a>| -> Result<Option<String>, LockfileError> {
        let Some(text) = raw.checksum else { return Ok(None) };
        let message =
            || format!("package `{}` has an invalid checksum `{text}` (expected 64 hexadecimal digits)", raw.name);
        checksum_of(text).map(Some).ok_or_else(|| error(text, raw.line, message()))
    };
    let checksums = raws.iter().map(checksum).collect::<Result<Vec<_>, _>>()?;
    let root_checksum = root.as_ref().map(checksum).transpose()?.flatten();

    let mut by_name: HashMap<&str, Vec<usize>, FxBuildHasher> =
        HashMap::with_capacity_and_hasher(raws.len(), FxBuildHasher);
    for (i, raw) in raws.iter().enumerate() {
        by_name.entry(raw.name).or_default().push(i);
    }
    // Cargo's `lookup_id`: the version, when the reference omits it, is the name's only version; the
    // source, when omitted, is the path package's (path packages have no source to write), else the
    // only source left. `Err(true)` means several packages fit, `Err(false)` none.
    let lookup = |r: &Reference<'_>, key: Option<&str>, sources: &Sources<'_>| -> Result<usize, bool> {
        let candidates = by_name.get(r.name).map(Vec::as_slice).unwrap_or_default();
        // The common case: a name that one package has, written alone.
        if let ([only], None, None) = (candidates, r.version, key) {
            return Ok(*only);
        }
        let (&first, _) = candidates.split_first().ok_or(false)?;
        let version = match r.version {
            Some(v) => v,
            None if candidates.iter().all(|&i| raws[i].version_text == raws[first].version_text) => {
                raws[first].version_text
            }
            None => return Err(true),
        };
        let mut fitting = candidates.iter().copied().filter(|&i| raws[i].version_text == version);
        let key_of = |i: usize| package_sources[i].map(|s| &*sources.source(s).key);
        match key {
            Some(key) => fitting.find(|&i| key_of(i) == Some(key)).ok_or(false),
            None => {
                let first = fitting.next().ok_or(false)?;
                let mut rest = fitting;
                // Several entries of one identity (a duplicated entry) count as one package.
                match rest.find(|&i| key_of(i) != key_of(first)) {
                    None => Ok(first),
                    Some(other) => {
                        let mut paths = std::iter::once(first).chain(std::iter::once(other)).chain(rest);
                        paths.find(|&i| key_of(i).is_none()).ok_or(true)
                    }
                }
            }
        }
    };

    let mut unresolved = Vec::new();
    // `in_root`: cargo-audit reads the `[root]` entry's references, and every reference of a v1 file,
    // without looking packages up, so each must carry its version.
    let mut resolve_deps = |raw: &Raw<'a>, in_root: bool| -> Result<Vec<usize>, LockfileError> {
        let refs = &dependency_refs[raw.dependencies.clone()];
        let mut resolved = Vec::with_capacity(refs.len());
        for &spec in refs {
            let here = |message: String| error(spec, raw.line, format!("`{} {}`: {message}", raw.name, raw.version));
            let r = reference(spec).map_err(here)?;
            let key = match r.source {
                Some(s) => {
                    let index = sources.get(s).map_err(here)?;
                    Some(Arc::clone(&sources.source(index).key))
                }
                None => None,
            };
            if r.version.is_none() && (in_root || version == 1) {
                return Err(here(format!("the dependency reference `{spec}` has no version")));
            }
            let found = lookup(&r, key.as_deref(), &sources);
            if found.is_err() {
                check_version(spec, &r).map_err(here)?;
            }
            match found {
                Ok(i) => resolved.push(i),
                Err(false) if r.version.is_none() => {
                    let message =
                        format!("`{} {}` depends on `{spec}`, which is not in the lockfile", raw.name, raw.version);
                    return Err(error(spec, raw.line, message));
                }
                Err(ambiguous) => unresolved.push(UnresolvedDependency {
                    line: line_of(text, spec, raw.line),
                    from: format!("{} {}", raw.name, raw.version),
                    reference: spec.to_owned(),
                    ambiguous,
                }),
            }
        }
        if let Some(replace) = raw.replace {
            let here = |message: String| error(replace, raw.line, format!("`{} {}`: {message}", raw.name, raw.version));
            let r = reference(replace).map_err(here)?;
            check_version(replace, &r).map_err(here)?;
            if let Some(s) = r.source {
                sources.get(s).map_err(here)?;
            }
            if r.version.is_none() {
                return Err(here(format!("the `replace` reference `{replace}` has no version")));
            }
        }
        Ok(resolved)
    };
    let mut dependencies = Vec::with_capacity(raws.len());
    for raw in &raws {
        dependencies.push(resolve_deps(raw, false)?);
    }
    let root_dependencies = root.as_ref().map(|raw| resolve_deps(raw, true)).transpose()?;

    let v1_checksums = match version {
        1 => v1_checksums(metadata.as_deref().unwrap_or_default(), &mut sources),
        _ => HashMap::default(),
    };
    let finish = |raw: &Raw<'_>, source: Option<usize>, checksum: Option<String>, dependencies: Vec<usize>| Package {
        name: raw.name.to_owned(),
        version: raw.version.clone(),
        crates_io: source.is_some_and(|s| sources.source(s).crates_io),
        source: source.map(|s| Arc::clone(&sources.source(s).display)),
        // v1 takes checksums from `[metadata]` only, as cargo-audit does.
        checksum: match version {
            1 => v1_checksums.get(&(raw.name, raw.version_text)).and_then(|(_, value)| checksum_of(value)),
            _ => checksum,
        },
        dependencies,
        replace: raw.replace.map(str::to_owned),
        line: raw.line,
    };
    let packages: Vec<Package> = raws
        .iter()
        .zip(package_sources)
        .zip(checksums)
        .zip(dependencies)
        .map(|(((raw, s), c), d)| finish(raw, s, c, d))
        .collect();
    let root = root.as_ref().zip(root_dependencies).map(|(raw, d)| finish(raw, root_source, root_checksum, d));
    Ok(Lockfile { version, packages, root, unresolved })
}

/// `(name, version)` to the `(key, value)` of its v1 checksum, as cargo-audit finds it: the first
/// `checksum NAME VERSION (SOURCE)` key in key order whose reference is valid, the source not compared. A
/// value that is not a checksum (such as `<none>`) gives none. (A key whose version is not valid semver
/// is looked up by no package, so it is not checked.)
type V1Checksums<'a> = HashMap<(&'a str, &'a str), (&'a str, &'a str), FxBuildHasher>;

fn v1_checksums<'a>(metadata: &[(&'a str, &'a str)], sources: &mut Sources<'a>) -> V1Checksums<'a> {
    let mut found = V1Checksums::default();
    for &(key, value) in metadata {
        let Some(Ok(r)) = key.strip_prefix("checksum ").map(reference) else { continue };
        let (Some(version), true) = (r.version, r.source.is_none_or(|s| sources.get(s).is_ok())) else { continue };
        let first = found.entry((r.name, version)).or_insert((key, value));
        if key < first.0 {
            *first = (key, value);
        }
    }
    found
}

/// The layout Cargo writes, line by line. Returns `None` at the first line it does not recognise, so
/// that the caller can fall back to the full TOML parser.
mod fast {
    use super::{Doc, LockfileError, Raw, version_of};

    enum Section {
        Top,
        Package,
        Root,
        Metadata,
        /// `[[patch.unused]]`: checked, not audited.
        Patch,
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
                Section::Patch => doc.patches.push(raw),
                _ => doc.packages.push(raw),
            }
        }
        Ok(())
    }

    /// Finds line ends. On x86-64 with SSE2 (every x86-64 CPU), without asking the CPU what else it has:
    /// `memchr::memchr` picks its AVX2 version at the first call with about eight CPUID instructions,
    /// which trap to the hypervisor on a virtual machine (3.5-9.6 µs each on CI's), more than AVX2 saves
    /// on lines of a few dozen bytes.
    struct Newline {
        #[cfg(target_arch = "x86_64")]
        sse2: Option<memchr::arch::x86_64::sse2::memchr::One>,
    }

    impl Newline {
        fn new() -> Newline {
            Newline {
                #[cfg(target_arch = "x86_64")]
                sse2: memchr::arch::x86_64::sse2::memchr::One::new(b'\n'),
            }
        }

        fn find(&self, haystack: &[u8]) -> Option<usize> {
            #[cfg(target_arch = "x86_64")]
            if let Some(sse2) = &self.sse2 {
                return sse2.find(haystack);
            }
            memchr::memchr(b'\n', haystack)
        }
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
        let newline = Newline::new();
        while !rest.is_empty() {
            let end = newline.find(rest.as_bytes()).unwrap_or(rest.len());
            let line = rest[..end].strip_suffix('\r').unwrap_or(&rest[..end]);
            rest = rest.get(end + 1..).unwrap_or_default();
            number = number.saturating_add(1);
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
                let previous = std::mem::replace(&mut section, Section::Top);
                if let Err(e) = flush(&mut current, &previous, &mut doc) {
                    return Some(Err(e));
                }
                // A table TOML allows only once, seen twice, is left to the full parser (which refuses it).
                let once = |seen: bool| (!seen).then_some(());
                section = match line {
                    "[[package]]" => Section::Package,
                    "[root]" => {
                        once(doc.root.is_some())?;
                        Section::Root
                    }
                    "[metadata]" => {
                        once(doc.metadata.is_some())?;
                        doc.metadata = Some(Vec::new());
                        Section::Metadata
                    }
                    "[[patch.unused]]" => Section::Patch,
                    _ => return None,
                };
                if matches!(section, Section::Package | Section::Root | Section::Patch) {
                    current = Some(Fields { line: number, ..Fields::default() });
                }
                continue;
            }
            let (key, value) = match section {
                // Quoted keys with spaces: `"checksum NAME VERSION (SOURCE)" = "HASH"`.
                Section::Metadata => line.rsplit_once(" = ")?,
                _ => bare_key_value(line)?,
            };
            match section {
                Section::Top if key == "version" => {
                    // A repeated key is an error for TOML: leave it to the full parser.
                    if doc.version.replace(plain_integer(value)?).is_some() {
                        return None;
                    }
                }
                Section::Top => return None,
                Section::Metadata => {
                    let key = plain_string(key)?;
                    let metadata = doc.metadata.as_mut()?;
                    // TOML refuses a repeated key; `[metadata]` is short (v1 only), so a scan is fine.
                    if metadata.iter().any(|(k, _)| *k == key) {
                        return None;
                    }
                    metadata.push((key, plain_string(value)?));
                }
                Section::Patch if key == "dependencies" => return None,
                Section::Package | Section::Root | Section::Patch => {
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
        let last = std::mem::replace(&mut section, Section::Top);
        Some(flush(&mut current, &last, &mut doc).map(|()| doc))
    }
}

/// Any valid TOML, through the spanned document of the `toml` crate. The types it accepts are the types
/// cargo-audit's serde model accepts: keys it does not know are ignored, keys it knows must have their
/// type.
mod slow {
    use toml::de::{DeTable, DeValue};

    use super::{Doc, LineIndex, LockfileError, Raw, version_of};

    type At<'l> = dyn Fn(usize, String) -> LockfileError + 'l;

    pub(super) fn scan<'a>(text: &str, doc: &'a DeTable<'a>) -> Result<Doc<'a>, LockfileError> {
        let lines = LineIndex::new(text);
        let at = |offset: usize, message: String| LockfileError { line: Some(lines.line(offset)), message };
        let version = match doc.get("version") {
            None => None,
            Some(v) => match v.get_ref() {
                DeValue::Integer(i) => Some(
                    u32::from_str_radix(i.as_str(), i.radix())
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
                let mut entries = Vec::with_capacity(table.len());
                for (k, v) in table.iter() {
                    let value = v.get_ref().as_str().ok_or_else(|| {
                        at(v.span().start, format!("`metadata` value `{}` must be a string", k.get_ref()))
                    })?;
                    entries.push((k.get_ref().as_ref(), value));
                }
                Some(entries)
            }
        };
        let mut refs = Vec::new();
        let packages = match doc.get("package") {
            None => Vec::new(),
            Some(list) => entries(list, "package", &at)?
                .map(|(table, offset)| raw(table, lines.line(offset), &mut refs, &at))
                .collect::<Result<_, _>>()?,
        };
        let root = match doc.get("root") {
            None => None,
            Some(r) => {
                let table =
                    r.get_ref().as_table().ok_or_else(|| at(r.span().start, "`root` must be a table".into()))?;
                Some(raw(table, lines.line(r.span().start), &mut refs, &at)?)
            }
        };
        let patches = match doc.get("patch") {
            None => Vec::new(),
            Some(p) => {
                let table =
                    p.get_ref().as_table().ok_or_else(|| at(p.span().start, "`patch` must be a table".into()))?;
                let unused =
                    table.get("unused").ok_or_else(|| at(p.span().start, "`patch` has no `unused` list".into()))?;
                entries(unused, "patch.unused", &at)?
                    .map(|(table, offset)| patch(table, lines.line(offset), &at))
                    .collect::<Result<_, _>>()?
            }
        };
        Ok(Doc { version, packages, root, patches, metadata, dependency_refs: refs })
    }

    /// The tables of an array of tables, with their offsets.
    fn entries<'a>(
        list: &'a toml::Spanned<DeValue<'a>>,
        what: &str,
        at: &At<'_>,
    ) -> Result<impl Iterator<Item = (&'a DeTable<'a>, usize)>, LockfileError> {
        let DeValue::Array(items) = list.get_ref() else {
            return Err(at(list.span().start, format!("`{what}` must be an array of tables")));
        };
        if let Some(bad) = items.iter().find(|item| item.get_ref().as_table().is_none()) {
            return Err(at(bad.span().start, format!("a `[[{what}]]` entry must be a table")));
        }
        Ok(items.iter().filter_map(|item| Some((item.get_ref().as_table()?, item.span().start))))
    }

    fn string<'a>(table: &'a DeTable<'a>, key: &str, at: &At<'_>) -> Result<Option<&'a str>, LockfileError> {
        match table.get(key) {
            None => Ok(None),
            Some(v) => {
                v.get_ref().as_str().map(Some).ok_or_else(|| at(v.span().start, format!("`{key}` must be a string")))
            }
        }
    }

    fn name_and_version<'a>(
        table: &'a DeTable<'a>,
        line: u32,
        at: &At<'_>,
    ) -> Result<(&'a str, &'a str), LockfileError> {
        let name = string(table, "name", at)?
            .ok_or_else(|| LockfileError { line: Some(line), message: "package entry has no `name`".into() })?;
        let version = string(table, "version", at)?
            .ok_or_else(|| LockfileError { line: Some(line), message: format!("package `{name}` has no `version`") })?;
        Ok((name, version))
    }

    fn raw<'a>(
        table: &'a DeTable<'a>,
        line: u32,
        refs: &mut Vec<&'a str>,
        at: &At<'_>,
    ) -> Result<Raw<'a>, LockfileError> {
        let (name, version_text) = name_and_version(table, line, at)?;
        let start = refs.len();
        if let Some(deps) = table.get("dependencies") {
            let DeValue::Array(items) = deps.get_ref() else {
                return Err(at(deps.span().start, "`dependencies` must be an array".into()));
            };
            for item in items.iter() {
                let spec = item
                    .get_ref()
                    .as_str()
                    .ok_or_else(|| at(item.span().start, "a dependency must be a string".into()))?;
                refs.push(spec);
            }
        }
        Ok(Raw {
            name,
            version_text,
            version: version_of(name, version_text, line)?,
            source: string(table, "source", at)?,
            checksum: string(table, "checksum", at)?,
            dependencies: start..refs.len(),
            replace: string(table, "replace", at)?,
            line,
        })
    }

    /// A `[[patch.unused]]` entry: cargo-audit reads its `name`, `version` and `source` only.
    fn patch<'a>(table: &'a DeTable<'a>, line: u32, at: &At<'_>) -> Result<Raw<'a>, LockfileError> {
        let (name, version_text) = name_and_version(table, line, at)?;
        Ok(Raw {
            name,
            version_text,
            version: version_of(name, version_text, line)?,
            source: string(table, "source", at)?,
            checksum: None,
            dependencies: 0..0,
            replace: None,
            line,
        })
    }
}
