//! The advisory model: every field of the RustSec format, as validated domain types.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use semver::VersionReq;

use crate::{Cvss, Versions};

/// One RustSec advisory.
#[derive(Clone, Debug, PartialEq)]
pub struct Advisory {
    /// `RUSTSEC-YYYY-NNNN`, or another identifier for advisories from other databases.
    pub id: AdvisoryId,
    /// The affected crate (or Rust component for the `rust` collection).
    pub package: String,
    /// Whether the advisory concerns a crate or the Rust toolchain.
    pub collection: Collection,
    /// The Markdown title (the `# ` heading after the front matter).
    pub title: String,
    /// The Markdown description, unrendered.
    pub description: String,
    /// Disclosure date.
    pub date: Date,
    /// Other identifiers of the same vulnerability (CVE, GHSA, ...).
    pub aliases: Vec<String>,
    /// Identifiers of related but distinct vulnerabilities.
    pub related: Vec<String>,
    /// RustSec categories.
    pub categories: Vec<Category>,
    /// Free-form keywords.
    pub keywords: Vec<String>,
    /// The CVSS vector, parsed and scored.
    pub cvss: Option<Cvss>,
    /// Set for informational advisories (unmaintained, unsound, notice, ...).
    pub informational: Option<Informational>,
    /// Further URLs.
    pub references: Vec<String>,
    /// The registry the package comes from, when not the default public registry.
    pub source: Option<String>,
    /// The canonical long-form description URL.
    pub url: Option<String>,
    /// The withdrawal date, when the advisory was withdrawn.
    pub withdrawn: Option<Date>,
    /// The advisory's licence.
    pub license: License,
    /// Whether the package is expected to disappear from the registry (e.g. malware).
    pub expect_deleted: bool,
    /// The `[affected]` table: platform and function scope.
    pub affected: Option<Affected>,
    /// The `[versions]` table.
    pub versions: Versions,
}

impl Advisory {
    /// What sort of advisory this is, for labels and report sections.
    pub fn kind(&self) -> Kind {
        match &self.informational {
            None if self.categories.contains(&Category::Malicious) => Kind::Malicious,
            None => Kind::Vulnerability,
            Some(Informational::Unmaintained) => Kind::Unmaintained,
            Some(Informational::Unsound) => Kind::Unsound,
            Some(Informational::Notice) => Kind::Notice,
            Some(Informational::Other(_)) => Kind::OtherInformational,
        }
    }

    /// Whether the advisory applies on the given targets. An advisory limited to some operating systems
    /// (or architectures) applies only if one of the targets is among them; no targets means any.
    pub fn applies_to_targets(&self, target_os: &[String], target_arch: &[String]) -> bool {
        let Some(affected) = &self.affected else { return true };
        let fits = |limits: &[String], targets: &[String]| {
            limits.is_empty() || targets.is_empty() || targets.iter().any(|t| limits.contains(t))
        };
        fits(&affected.os, target_os) && fits(&affected.arch, target_arch)
    }
}

/// An advisory identifier.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct AdvisoryId(String);

impl AdvisoryId {
    /// Accepts `RUSTSEC-YYYY-NNNN` (and the `RUSTSEC-0000-0000` placeholder), `CVE-YYYY-N+`,
    /// `TALOS-YYYY-NNNN`, `GHSA-xxxx-xxxx-xxxx` and any other identifier made of letters, digits, `-`,
    /// `_`, `.` and `:`.
    pub fn new(id: &str) -> Result<Self, String> {
        // Without collecting the pieces: ids are checked again each time a cached advisory is decoded.
        let well_formed = |prefix: &str, parts: &[usize]| {
            let Some(rest) = id.strip_prefix(prefix) else { return true };
            let mut pieces = rest.split('-');
            parts
                .iter()
                .all(|&len| pieces.next().is_some_and(|p| p.len() >= len && p.bytes().all(|b| b.is_ascii_digit())))
                && pieces.next().is_none()
        };
        if !well_formed("RUSTSEC-", &[4, 4]) {
            return Err(format!("malformed RustSec id `{id}` (expected RUSTSEC-YYYY-NNNN)"));
        }
        if !well_formed("CVE-", &[4, 4]) {
            return Err(format!("malformed CVE id `{id}` (expected CVE-YYYY-NNNN)"));
        }
        if !well_formed("TALOS-", &[4, 4]) {
            return Err(format!("malformed Talos id `{id}` (expected TALOS-YYYY-NNNN)"));
        }
        if id.is_empty() || !id.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':')) {
            return Err(format!("malformed advisory id `{id}`"));
        }
        Ok(AdvisoryId(id.to_owned()))
    }

    /// The identifier as a string.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The year of a `RUSTSEC-`, `CVE-` or `TALOS-` identifier.
    pub fn year(&self) -> Option<u32> {
        let rest = ["RUSTSEC-", "CVE-", "TALOS-"].iter().find_map(|prefix| self.0.strip_prefix(prefix))?;
        rest.get(..4)?.parse().ok()
    }

    /// The `RUSTSEC-0000-0000` placeholder of a draft advisory, which gets its real id when it is
    /// published. RustSec's tools check a draft but never load it into a database.
    pub fn is_placeholder(&self) -> bool {
        self.0 == Self::PLACEHOLDER
    }

    /// The id of a draft advisory.
    pub const PLACEHOLDER: &'static str = "RUSTSEC-0000-0000";
}

impl fmt::Display for AdvisoryId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for AdvisoryId {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        AdvisoryId::new(s)
    }
}

/// A calendar date, `YYYY-MM-DD`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    year: u16,
    month: u8,
    day: u8,
}

impl Date {
    /// A validated date.
    pub fn new(year: u16, month: u8, day: u8) -> Result<Self, String> {
        let leap = (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400);
        let days = match month {
            1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
            4 | 6 | 9 | 11 => 30,
            2 if leap => 29,
            2 => 28,
            _ => return Err(format!("month {month} is out of range")),
        };
        if day == 0 || day > days {
            return Err(format!("day {day} is out of range for {year}-{month:02}"));
        }
        Ok(Date { year, month, day })
    }

    /// The year.
    pub fn year(self) -> u16 {
        self.year
    }

    /// The month, 1 to 12.
    pub fn month(self) -> u8 {
        self.month
    }

    /// The day of the month.
    pub fn day(self) -> u8 {
        self.day
    }
}

impl FromStr for Date {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || format!("malformed date `{s}` (expected YYYY-MM-DD)");
        let b = s.as_bytes();
        if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
            return Err(bad());
        }
        let number = |range: std::ops::Range<usize>| {
            let part = &s[range];
            if part.bytes().all(|c| c.is_ascii_digit()) { part.parse::<u16>().map_err(|_| bad()) } else { Err(bad()) }
        };
        let (year, month, day) = (number(0..4)?, number(5..7)?, number(8..10)?);
        Date::new(year, month as u8, day as u8).map_err(|e| format!("invalid date `{s}`: {e}"))
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

/// Whether an advisory is about a crate or about the Rust toolchain.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Collection {
    /// `crates/<name>/`.
    Crates,
    /// `rust/<component>/`.
    Rust,
}

impl Collection {
    /// The directory name, as RustSec spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            Collection::Crates => "crates",
            Collection::Rust => "rust",
        }
    }
}

/// The `informational` field.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Informational {
    /// The crate is no longer maintained.
    Unmaintained,
    /// The crate has soundness issues.
    Unsound,
    /// Some other notice.
    Notice,
    /// A value this version does not know; kept, and not reported as a warning.
    Other(String),
}

impl Informational {
    /// The value as written.
    pub fn as_str(&self) -> &str {
        match self {
            Informational::Unmaintained => "unmaintained",
            Informational::Unsound => "unsound",
            Informational::Notice => "notice",
            Informational::Other(other) => other,
        }
    }

    /// Parses the field; unknown values become [`Informational::Other`].
    pub fn parse(s: &str) -> Self {
        match s {
            "unmaintained" => Informational::Unmaintained,
            "unsound" => Informational::Unsound,
            "notice" => Informational::Notice,
            other => Informational::Other(other.to_owned()),
        }
    }
}

/// The label of an advisory, derived from `informational` and the `malicious` category.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Kind {
    /// A vulnerability.
    Vulnerability,
    /// Malicious code published as a crate.
    Malicious,
    /// Unmaintained crate.
    Unmaintained,
    /// Soundness issue.
    Unsound,
    /// Other notice.
    Notice,
    /// An informational kind this version does not know.
    OtherInformational,
}

impl Kind {
    /// The lowercase label.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Vulnerability => "vulnerability",
            Kind::Malicious => "malicious",
            Kind::Unmaintained => "unmaintained",
            Kind::Unsound => "unsound",
            Kind::Notice => "notice",
            Kind::OtherInformational => "informational",
        }
    }
}

/// A RustSec category.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Category {
    /// `code-execution`.
    CodeExecution,
    /// `crypto-failure`.
    CryptoFailure,
    /// `denial-of-service`.
    DenialOfService,
    /// `file-disclosure`.
    FileDisclosure,
    /// `format-injection`.
    FormatInjection,
    /// `malicious`.
    Malicious,
    /// `memory-corruption`.
    MemoryCorruption,
    /// `memory-exposure`.
    MemoryExposure,
    /// `privilege-escalation`.
    PrivilegeEscalation,
    /// `thread-safety`.
    ThreadSafety,
    /// Any other value, kept as written.
    Other(String),
}

impl Category {
    /// The kebab-case name.
    pub fn as_str(&self) -> &str {
        match self {
            Category::CodeExecution => "code-execution",
            Category::CryptoFailure => "crypto-failure",
            Category::DenialOfService => "denial-of-service",
            Category::FileDisclosure => "file-disclosure",
            Category::FormatInjection => "format-injection",
            Category::Malicious => "malicious",
            Category::MemoryCorruption => "memory-corruption",
            Category::MemoryExposure => "memory-exposure",
            Category::PrivilegeEscalation => "privilege-escalation",
            Category::ThreadSafety => "thread-safety",
            Category::Other(other) => other,
        }
    }

    /// Parses a category; unknown names become [`Category::Other`].
    pub fn parse(s: &str) -> Self {
        match s {
            "code-execution" => Category::CodeExecution,
            "crypto-failure" => Category::CryptoFailure,
            "denial-of-service" => Category::DenialOfService,
            "file-disclosure" => Category::FileDisclosure,
            "format-injection" => Category::FormatInjection,
            "malicious" => Category::Malicious,
            "memory-corruption" => Category::MemoryCorruption,
            "memory-exposure" => Category::MemoryExposure,
            "privilege-escalation" => Category::PrivilegeEscalation,
            "thread-safety" => Category::ThreadSafety,
            other => Category::Other(other.to_owned()),
        }
    }
}

/// The advisory's licence.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum License {
    /// CC0-1.0, the default.
    #[default]
    Cc0,
    /// CC-BY-4.0, for advisories imported from GitHub's database.
    CcBy40,
    /// Any other SPDX identifier, kept as written.
    Other(String),
}

impl License {
    /// The SPDX identifier.
    pub fn as_str(&self) -> &str {
        match self {
            License::Cc0 => "CC0-1.0",
            License::CcBy40 => "CC-BY-4.0",
            License::Other(other) => other,
        }
    }
}

/// The `[affected]` table.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Affected {
    /// CPU architectures (Rust target names such as `x86_64`); empty means all.
    pub arch: Vec<String>,
    /// Operating systems (Rust target names such as `windows`); empty means all.
    pub os: Vec<String>,
    /// Affected functions with the versions in which each is affected.
    pub functions: BTreeMap<String, Vec<VersionReq>>,
}

/// The registry's rule for crate names: case-insensitive, and `-` and `_` are the same. Two names are
/// the same crate exactly when their normalised forms are equal.
pub fn normalize_crate_name(name: &str) -> String {
    name.chars().map(|c| if c == '_' { '-' } else { c.to_ascii_lowercase() }).collect()
}

#[cfg(test)]
mod tests {
    use super::AdvisoryId;

    #[test]
    fn advisory_ids_are_checked_by_their_prefix() {
        for good in [
            "RUSTSEC-2020-0001",
            "RUSTSEC-0000-0000",
            "RUSTSEC-2020-12345",
            "CVE-2021-12345",
            "TALOS-2022-1234",
            "GHSA-abcd-efgh-ijkl",
            "OSV-2020-1",
            "a:b.c_d",
        ] {
            assert_eq!(AdvisoryId::new(good).map(|id| id.as_str().to_owned()), Ok(good.to_owned()));
        }
        for bad in [
            "RUSTSEC-2020-001",
            "RUSTSEC-2020",
            "RUSTSEC-2020-0001-2",
            "RUSTSEC-20x0-0001",
            "RUSTSEC-",
            "CVE-2021-123",
            "CVE-2021-",
            "TALOS-2022",
            "RUSTSEC-２０２０-0001",
            "",
            "bad id",
            "é",
            "GHSA/abcd",
        ] {
            assert!(AdvisoryId::new(bad).is_err(), "{bad:?} accepted");
        }
    }
}
