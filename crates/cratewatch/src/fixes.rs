//! `audit --index`: for each finding, whether `cargo update -p` fixes it or which crate's manifest
//! blocks the fix, from `cratewatch-reach`'s fix classification (the same one `cratewatch reach` and the
//! server's reach pages use), never a second implementation.
//!
//! A locked package `X v` is held by the requirements of the packages that depend on it in the
//! lockfile. For each such dependent `D d` from the registry, reach has resolved `D d` as Cargo would
//! and classified what fixes its exposure to the advisory: when it names `D d` itself as the blocker
//! (its own requirement on `X` admits no fixed release), `D`'s manifest blocks the update, and reach
//! names the smallest later release of `D` that lifts the block, if any. When no dependent blocks, the
//! update is one `cargo update -p`. The lockfile's own members are not in the index: their requirements
//! are the user's, and the finding's `fix` already says whether the fix is semver-compatible with them.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use cratewatch_advisory::Advisory;
use cratewatch_advisory::semver::Version;
use cratewatch_audit::{Finding, Lockfile, Report};
use cratewatch_index::{CrateSource, IndexSnapshot};
use cratewatch_reach::{Exposure, FixClass, Resolution};

/// What fixes one finding.
#[derive(Clone, Debug, PartialEq, Eq)]
#[expect(clippy::enum_variant_names, reason = "`CargoUpdate` is reach's name for the class, `cargo update`")]
pub(crate) enum Update {
    /// No dependent's requirement stands in the way: `cargo update -p` fixes it.
    CargoUpdate,
    /// No registry dependent blocks it, but the fix is not semver-compatible with the locked version:
    /// the project's own requirement must change.
    OwnManifest,
    /// These dependents' manifests admit no fixed release.
    Blocked(Vec<Blocker>),
    /// No release of the crate fixes the advisory in this index.
    NoFixedRelease,
}

/// A dependent whose requirement blocks the fix.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Blocker {
    /// The dependent's name and locked version.
    pub(crate) name: String,
    pub(crate) version: Version,
    /// Its requirement on the advised crate, as its manifest writes it.
    pub(crate) requirement: String,
    /// The smallest later release of the dependent whose requirements let a fixed release through.
    pub(crate) lifted_in: Option<Version>,
}

/// The classification of every advisory finding of a report, by (package index, advisory id).
pub(crate) type Updates = HashMap<(usize, String), Update>;

/// What [`classify`] found, and how much of the registry it resolved to find it.
pub(crate) struct Classified {
    pub(crate) updates: Updates,
    /// The crates and versions resolved: the findings' dependents and their dependency closure.
    pub(crate) crates: usize,
    pub(crate) versions: usize,
}

/// Classifies the report's findings with `cratewatch-reach`, resolving the part of the registry index
/// `source` (found at `root`) that the findings' registry dependents can reach: every crate any of
/// their versions depends on, transitively ([`IndexSnapshot::closure`]). A version resolves there
/// exactly as in the whole index, which takes ten times as long and more on a real registry.
pub(crate) fn classify(
    source: &dyn CrateSource,
    root: &Path,
    lockfile: &Lockfile,
    report: &Report,
) -> anyhow::Result<Classified> {
    let findings: Vec<&Finding> = report
        .vulnerabilities
        .iter()
        .chain(&report.warnings)
        .chain(&report.locked_only)
        .filter(|f| f.advisory.is_some())
        .collect();
    if findings.is_empty() {
        return Ok(Classified { updates: Updates::new(), crates: 0, versions: 0 });
    }
    let mut dependents: Vec<Vec<usize>> = vec![Vec::new(); lockfile.packages.len()];
    for (i, package) in lockfile.packages.iter().enumerate() {
        for &dependency in &package.dependencies {
            dependents[dependency].push(i);
        }
    }
    let mut roots: Vec<&str> = Vec::new();
    for finding in &findings {
        roots.push(&lockfile.packages[finding.package].name);
        roots.extend(
            dependents[finding.package]
                .iter()
                .map(|&d| &lockfile.packages[d])
                .filter(|d| d.is_from_crates_io())
                .map(|d| d.name.as_str()),
        );
    }
    let index = IndexSnapshot::closure(source, &roots, root)?;
    let resolution = Arc::new(Resolution::build(&index, &|_| {}));
    let mut advisories: Vec<Advisory> =
        findings.iter().filter_map(|f| f.advisory.as_deref().cloned()).collect::<Vec<_>>();
    advisories.sort_by(|a, b| a.id.cmp(&b.id));
    advisories.dedup_by(|a, b| a.id == b.id);
    let exposure = Exposure::compute(Arc::clone(&resolution), &advisories);
    let mut updates = Updates::new();
    for finding in findings {
        let advisory = finding.advisory.as_deref().expect("filtered");
        let mut blockers = Vec::new();
        let mut no_fixed_release = false;
        for &d in &dependents[finding.package] {
            let dependent = &lockfile.packages[d];
            if !dependent.is_from_crates_io() {
                continue;
            }
            let Some(pkg) = resolution.pkg(&dependent.name, &dependent.version) else { continue };
            for hit in exposure.for_version(pkg).iter().filter(|h| h.advisory().id == advisory.id.as_str()) {
                match hit.class() {
                    FixClass::NoFixedRelease => no_fixed_release = true,
                    FixClass::ManifestChange if hit.blocker() == Some(pkg) => {
                        let blocker = Blocker {
                            name: dependent.name.clone(),
                            version: dependent.version.clone(),
                            requirement: hit.blocking_requirement().unwrap_or("?").to_owned(),
                            lifted_in: hit.fixed_in().map(|p| resolution.version(p).clone()),
                        };
                        if !blockers.contains(&blocker) {
                            blockers.push(blocker);
                        }
                    }
                    _ => {}
                }
            }
        }
        let update = if no_fixed_release {
            Update::NoFixedRelease
        } else if !blockers.is_empty() {
            Update::Blocked(blockers)
        } else {
            match &finding.fix {
                Some(up) if up.compatible => Update::CargoUpdate,
                Some(_) => Update::OwnManifest,
                None => Update::NoFixedRelease,
            }
        };
        updates.insert((finding.package, advisory.id.as_str().to_owned()), update);
    }
    Ok(Classified { updates, crates: index.crate_count(), versions: index.version_count() })
}

impl Update {
    /// A stable kebab-case code, for the JSON report.
    pub(crate) fn code(&self) -> &'static str {
        match self {
            Update::CargoUpdate => "cargo-update",
            Update::OwnManifest => "own-manifest",
            Update::Blocked(_) => "manifest-change",
            Update::NoFixedRelease => "no-fixed-release",
        }
    }
}
