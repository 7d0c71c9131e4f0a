//! The index model: the versions of a crate as the registry lists them, as domain types.

use std::collections::BTreeMap;
use std::fmt;

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
    /// `invalid-version`, `invalid-dependency` or `duplicate-version`. New codes may be added; existing
    /// ones never change.
    pub code: &'static str,
    /// A lowercase sentence naming the problem.
    pub message: String,
}

/// One published version of a crate.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct IndexVersion {
    /// The version number.
    pub version: Version,
    /// Whether the version was yanked: still downloadable by lockfiles that name it, never chosen anew.
    pub yanked: bool,
    /// The SHA-256 of the `.crate` file, in lowercase hex, when the index gives one.
    pub checksum: Option<String>,
    /// The dependencies, in the order the index lists them.
    pub deps: Vec<IndexDep>,
    /// The features and what each enables, with the index's `features2` merged in.
    pub features: BTreeMap<String, Vec<String>>,
    /// The native library the crate links, from the `links` manifest key.
    pub links: Option<String>,
    /// The minimum supported Rust version, as written in the manifest.
    pub rust_version: Option<String>,
}

/// One dependency of a published version.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct IndexDep {
    /// The name the dependent uses for the dependency: the crate name, or the rename when `package`
    /// is set.
    pub name: String,
    /// The real crate name when the dependency is renamed (`foo = { package = "bar" }`).
    pub package: Option<String>,
    /// The version requirement.
    pub req: DepReq,
    /// Whether it is a normal, dev or build dependency.
    pub kind: DepKind,
    /// The `cfg(..)` expression or target triple the dependency is limited to.
    pub target: Option<String>,
    /// Whether the dependency is optional (enabled by a feature).
    pub optional: bool,
    /// Whether the dependency's default features are enabled.
    pub default_features: bool,
    /// The dependency's features that are enabled (empty names, which old entries carry, are dropped).
    pub features: Vec<String>,
    /// The index URL of the registry the dependency comes from, when it is not this registry.
    pub registry: Option<String>,
}

impl IndexDep {
    /// The name of the crate depended on: `package` when the dependency is renamed, else `name`.
    pub fn crate_name(&self) -> &str {
        self.package.as_deref().unwrap_or(&self.name)
    }
}

/// A dependency's version requirement.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DepReq {
    /// A requirement the `semver` crate parses.
    Parsed(VersionReq),
    /// A requirement `semver` rejects, kept as written: the registry accepted looser syntax in its early
    /// years.
    Unparsed(String),
}

impl DepReq {
    /// The parsed requirement, or `None` when it does not parse.
    pub fn parsed(&self) -> Option<&VersionReq> {
        match self {
            DepReq::Parsed(req) => Some(req),
            DepReq::Unparsed(_) => None,
        }
    }
}

impl fmt::Display for DepReq {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DepReq::Parsed(req) => req.fmt(f),
            DepReq::Unparsed(text) => f.write_str(text),
        }
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
