//! The index model: the versions of a crate as the registry lists them, as domain types.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use semver::{Version, VersionReq};

/// Every version of one crate that the registry index lists, in publication order (the order of the
/// lines in the index file).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct CrateVersions {
    /// The crate name as the index spells it (its case may differ from the lowercased file name), or the
    /// name asked for when no line of the file loaded.
    pub name: String,
    /// The versions that loaded.
    pub versions: Vec<IndexVersion>,
    /// One diagnostic per line that was skipped, in line order.
    pub diagnostics: Vec<LineDiagnostic>,
}

/// A line of an index file that was skipped, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LineDiagnostic {
    /// The 1-based line number in the index file.
    pub line: u32,
    /// A stable kebab-case code: `invalid-json`, `invalid-entry`, `unsupported-schema`, `name-mismatch`,
    /// `invalid-version`, `invalid-checksum`, `invalid-dependency` or `duplicate-version`. New codes may be added; existing
    /// ones never change.
    pub code: &'static str,
    /// A lowercase sentence naming the problem.
    pub message: String,
}

/// The features of a version and what each enables, sorted by name. Versions of a crate whose features
/// are the same share one map.
pub type FeatureMap = BTreeMap<Arc<str>, Vec<Arc<str>>>;

/// One published version of a crate.
///
/// Strings that repeat across the index (crate and feature names, targets, requirements) are shared
/// `Arc<str>`s, and consecutive versions with the same dependencies or features share one list: a whole
/// registry then fits in a few hundred megabytes, and cloning a version is cheap.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct IndexVersion {
    /// The version number.
    pub version: Version,
    /// Whether the version was yanked: still downloadable by lockfiles that name it, never chosen anew.
    pub yanked: bool,
    /// The SHA-256 of the `.crate` file, when the index gives one.
    pub checksum: Option<Checksum>,
    /// The dependencies, in the order the index lists them.
    pub deps: Arc<[IndexDep]>,
    /// The features and what each enables, with the index's `features2` merged in.
    pub features: Arc<FeatureMap>,
    /// The native library the crate links, from the `links` manifest key.
    pub links: Option<Arc<str>>,
    /// The minimum supported Rust version, as written in the manifest.
    pub rust_version: Option<Arc<str>>,
}

/// The SHA-256 digest of a `.crate` file. It is kept as 32 bytes rather than the index's 64 hex digits,
/// which halves its size and saves an allocation per version; [`fmt::Display`] writes the lowercase hex
/// back.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Checksum([u8; 32]);

impl Checksum {
    /// Parses 64 hex digits (either case), or returns `None`.
    pub fn from_hex(hex: &str) -> Option<Checksum> {
        let hex = hex.as_bytes();
        if hex.len() != 64 {
            return None;
        }
        let mut bytes = [0; 32];
        for (byte, pair) in bytes.iter_mut().zip(hex.chunks_exact(2)) {
            *byte = (hex_digit(pair[0])? << 4) | hex_digit(pair[1])?;
        }
        Some(Checksum(bytes))
    }

    /// The digest.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }
}

fn hex_digit(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

impl fmt::Display for Checksum {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.iter().try_for_each(|b| write!(f, "{b:02x}"))
    }
}

impl fmt::Debug for Checksum {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Checksum({self})")
    }
}

/// One dependency of a published version.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct IndexDep {
    /// The name the dependent uses for the dependency: the crate name, or the rename when `package`
    /// is set.
    pub name: Arc<str>,
    /// The real crate name when the dependency is renamed (`foo = { package = "bar" }`).
    pub package: Option<Arc<str>>,
    /// The version requirement.
    pub req: DepReq,
    /// Whether it is a normal, dev or build dependency.
    pub kind: DepKind,
    /// The `cfg(..)` expression or target triple the dependency is limited to.
    pub target: Option<Arc<str>>,
    /// Whether the dependency is optional (enabled by a feature).
    pub optional: bool,
    /// Whether the dependency's default features are enabled.
    pub default_features: bool,
    /// The dependency's features that are enabled (empty names, which old entries carry, are dropped).
    pub features: Vec<Arc<str>>,
    /// The index URL of the registry the dependency comes from, when it is not this registry.
    pub registry: Option<Arc<str>>,
}

impl IndexDep {
    /// The name of the crate depended on: `package` when the dependency is renamed, else `name`.
    pub fn crate_name(&self) -> &str {
        self.package.as_deref().unwrap_or(&self.name)
    }
}

/// A dependency's version requirement: the text the index gives, and its parsed form when the `semver`
/// crate accepts it (the registry accepted looser syntax in its early years, such as `^0.51-oldsyn`).
///
/// Both are held behind one shared pointer, because a few thousand distinct requirements cover the
/// million and a half dependencies of a registry: the loader parses each text once and shares it.
#[derive(Clone)]
pub struct DepReq(Arc<ReqRepr>);

struct ReqRepr {
    text: Box<str>,
    parsed: Option<VersionReq>,
}

impl DepReq {
    /// Parses `text` as a requirement; text that `semver` rejects is kept as written.
    pub fn new(text: &str) -> DepReq {
        DepReq(Arc::new(ReqRepr { text: text.into(), parsed: VersionReq::parse(text).ok() }))
    }

    /// The parsed requirement, or `None` when it does not parse.
    pub fn parsed(&self) -> Option<&VersionReq> {
        self.0.parsed.as_ref()
    }

    /// The requirement as the index writes it.
    pub fn as_str(&self) -> &str {
        &self.0.text
    }
}

impl PartialEq for DepReq {
    fn eq(&self, other: &DepReq) -> bool {
        Arc::ptr_eq(&self.0, &other.0) || self.0.text == other.0.text
    }
}

impl Eq for DepReq {}

impl fmt::Debug for DepReq {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.parsed() {
            Some(_) => write!(f, "DepReq({:?})", self.as_str()),
            None => write!(f, "DepReq({:?}, unparsed)", self.as_str()),
        }
    }
}

/// The requirement as the index writes it.
impl fmt::Display for DepReq {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The kind of a dependency.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum DepKind {
    /// A dependency of the library and binaries.
    Normal,
    /// A dependency of tests, examples and benchmarks only.
    Dev,
    /// A dependency of the build script.
    Build,
}

impl DepKind {
    /// `normal`, `dev` or `build`, as the index spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            DepKind::Normal => "normal",
            DepKind::Dev => "dev",
            DepKind::Build => "build",
        }
    }
}

impl fmt::Display for DepKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
