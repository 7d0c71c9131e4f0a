//! Findings about advisory files: data, not errors.

use std::fmt;

/// A problem found in an advisory (or in an advisory database's layout).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    /// The stable code of the problem.
    pub code: Code,
    /// Whether the advisory could still be loaded.
    pub severity: DiagnosticSeverity,
    /// The 1-based line in the file, where known.
    pub line: Option<u32>,
    /// A lowercase sentence naming the problem.
    pub message: String,
}

impl Diagnostic {
    /// An error: the advisory is not loaded.
    pub fn error(code: Code, line: Option<u32>, message: impl Into<String>) -> Self {
        Diagnostic { code, severity: DiagnosticSeverity::Error, line, message: message.into() }
    }

    /// A warning: the advisory is loaded, but something should be fixed.
    pub fn warning(code: Code, line: Option<u32>, message: impl Into<String>) -> Self {
        Diagnostic { code, severity: DiagnosticSeverity::Warning, line, message: message.into() }
    }
}

/// Whether a diagnostic prevented loading.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum DiagnosticSeverity {
    /// The advisory is loaded despite it.
    Warning,
    /// The advisory is skipped.
    Error,
}

impl DiagnosticSeverity {
    /// `warning` or `error`.
    pub fn as_str(self) -> &'static str {
        match self {
            DiagnosticSeverity::Warning => "warning",
            DiagnosticSeverity::Error => "error",
        }
    }
}

macro_rules! codes {
    ($($variant:ident => $name:literal: $doc:literal,)*) => {
        /// Stable, kebab-case diagnostic codes. New codes may be added; existing ones never change.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        #[non_exhaustive]
        pub enum Code {
            $(#[doc = $doc] $variant,)*
        }

        impl Code {
            /// Every code, for documentation and tests.
            pub const ALL: &'static [Code] = &[$(Code::$variant,)*];

            /// The code with the given kebab-case name.
            pub fn parse(name: &str) -> Option<Code> {
                Code::ALL.iter().copied().find(|c| c.as_str() == name)
            }

            /// The kebab-case name.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Code::$variant => $name,)*
                }
            }
        }
    };
}

codes! {
    MissingFrontMatter => "missing-front-matter": "The file does not start with a ```` ```toml ```` block.",
    UnterminatedFrontMatter => "unterminated-front-matter": "The TOML block is never closed.",
    MissingTitle => "missing-title": "No `# ` heading follows the front matter.",
    MissingDescription => "missing-description": "The title is not followed by a description.",
    TomlSyntax => "toml-syntax": "The front matter is not valid TOML.",
    MissingField => "missing-field": "A mandatory field or table is absent.",
    WrongType => "wrong-type": "A field has the wrong TOML type.",
    UnknownField => "unknown-field": "A field the format does not define (ignored).",
    InvalidId => "invalid-id": "An advisory, alias or related id is malformed.",
    InvalidDate => "invalid-date": "A date is not a valid YYYY-MM-DD date.",
    InvalidPackage => "invalid-package": "The package name is not a valid crate name.",
    InvalidVersionReq => "invalid-version-req": "A version requirement does not parse.",
    InvalidVersions => "invalid-versions": "Version requirements overlap or use unsupported operators.",
    InvalidCvss => "invalid-cvss": "The CVSS vector does not parse.",
    UnknownOs => "unknown-os": "An `[affected] os` value is not a known target OS.",
    UnknownArch => "unknown-arch": "An `[affected] arch` value is not a known target architecture.",
    InvalidUrl => "invalid-url": "A URL is not an absolute URL (`scheme://host...`).",
    InvalidLicense => "invalid-license": "The licence is not CC0-1.0 or CC-BY-4.0.",
    UnknownCategory => "unknown-category": "A category RustSec does not define (kept).",
    UnknownInformational => "unknown-informational": "An informational kind RustSec does not define (kept, never warned).",
    IdMismatch => "id-mismatch": "The file name does not match the advisory id.",
    PackageMismatch => "package-mismatch": "The directory name does not match the package.",
    DuplicateId => "duplicate-id": "Two files carry the same advisory id; the second is skipped.",
    UnreadableFile => "unreadable-file": "The file cannot be read or is not UTF-8.",
    UnexpectedFile => "unexpected-file": "A file in an advisory directory that is not an advisory.",
    InvalidOsvRecord => "invalid-osv-record": "An OSV JSON record that cannot be imported (skipped).",
    AliasConflict => "alias-conflict": "Records of different sources share an id or alias but name different crates; both are kept.",
    VersionsConflict => "versions-conflict": "Records merged as one vulnerability disagree on the affected versions; the first source's are kept.",
    MixedLayout => "mixed-layout": "The front matter does not start with `[advisory]` but has an `[advisory]` table (RustSec refuses it).",
    IdYearMismatch => "id-year-mismatch": "The year in a RUSTSEC or TALOS id is not the year of `date` (RustSec's linter).",
    UnknownIdType => "unknown-id-type": "The advisory id is not a RUSTSEC, CVE, GHSA or TALOS id (RustSec's linter).",
    InsecureUrl => "insecure-url": "A `url` or `references` URL starts with `http://`, not `https://` (RustSec's linter; kept).",
    UnsupportedUrlScheme => "unsupported-url-scheme": "A URL whose scheme is not http or https (`javascript:`, `data:`): refused, as URLs are shown as links.",
    RedundantGhsaUrl => "redundant-ghsa-url": "`url` is the github.com/advisories page of a GHSA alias, which is derived from the alias already (RustSec's linter).",
    InvalidFunctionPath => "invalid-function-path": "An `[affected] functions` key is not a Rust path of two or more identifiers (RustSec refuses it).",
    FunctionOutsideCrate => "function-outside-crate": "An `[affected] functions` path does not start with the crate's name (RustSec's linter).",
    BareMention => "bare-mention": "A bare `@name` in the Markdown, which notifies that GitHub user on every copy (RustSec's linter).",
    ExplicitCollection => "explicit-collection": "`collection` is written in the front matter (RustSec's linter), or contradicts the directory (RustSec refuses it).",
    DeprecatedField => "deprecated-field": "`yanked`, replaced by `withdrawn` (RustSec's linter; ignored).",
    TextInFrontMatter => "text-in-front-matter": "A non-empty `title` or `description` in the front matter (RustSec refuses it: both come from the Markdown).",
    DraftNotLoaded => "draft-not-loaded": "A draft (`RUSTSEC-0000-0000`) was checked but not loaded, as RustSec's tools do.",
    BrokenSymlink => "broken-symlink": "A symbolic link in the database that leads nowhere: dangling, to itself, or in a loop.",
    NotAFile => "not-a-file": "An entry named like an advisory (`*.md`) that is a directory or another non-file.",
    MisplacedAdvisory => "misplaced-advisory": "An advisory file directly under `crates/` or `rust/`, outside a package directory (not loaded).",
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
