//! The security state of one crate: its published versions, each with the advisories that affect it.
//! Pages and the JSON API both render from this, so they cannot disagree.

use std::fmt::Write;
use std::sync::Arc;

use cratewatch_advisory::{Kind, SafeUpgrade, pick_upgrade};
use cratewatch_index::CrateVersions;
use semver::Version;

use crate::knowledge::{Entry, Knowledge};

/// One published version and the advisories that affect it.
#[derive(Debug)]
pub struct VersionState {
    /// The version.
    pub version: Version,
    /// Whether it was yanked.
    pub yanked: bool,
    /// Indices into [`CrateSecurity::advisories`] of the non-withdrawn advisories (of any kind) whose
    /// ranges contain this version.
    pub affected_by: Vec<usize>,
}

/// A crate's versions and advisories.
#[derive(Debug)]
pub struct CrateSecurity {
    /// The name as the index spells it, or as the advisories do when the index does not know the crate.
    pub name: String,
    /// Published versions, newest first; empty when the index does not list the crate.
    pub versions: Vec<VersionState>,
    /// Every advisory about the crate, withdrawn ones included, newest first.
    pub advisories: Vec<Arc<Entry>>,
}

/// Kinds that make a version unsafe to stay on (as opposed to unmaintained or notice advisories,
/// which describe the crate rather than a defect of some versions).
pub(crate) fn blocks_upgrade(kind: Kind) -> bool {
    matches!(kind, Kind::Vulnerability | Kind::Malicious | Kind::Unsound)
}

impl CrateSecurity {
    /// Builds the state of crate `name`, or `None` when neither the index nor the advisories know it.
    pub fn build(knowledge: &Knowledge, name: &str, index: Option<&CrateVersions>) -> Option<CrateSecurity> {
        let advisories: Vec<Arc<Entry>> = knowledge.for_crate(name).into_iter().cloned().collect();
        let index = index.filter(|c| !c.versions.is_empty());
        if index.is_none() && advisories.is_empty() {
            return None;
        }
        let name = match (index, advisories.first()) {
            (Some(c), _) => c.name.clone(),
            (None, Some(entry)) => entry.advisory.package.clone(),
            (None, None) => name.to_owned(),
        };
        let mut versions: Vec<VersionState> = index
            .map(|c| {
                c.versions
                    .iter()
                    .map(|v| VersionState {
                        version: v.version.clone(),
                        yanked: v.yanked,
                        affected_by: advisories
                            .iter()
                            .enumerate()
                            .filter(|(_, e)| {
                                e.advisory.withdrawn.is_none() && e.advisory.versions.is_affected(&v.version)
                            })
                            .map(|(i, _)| i)
                            .collect(),
                    })
                    .collect()
            })
            .unwrap_or_default();
        versions.sort_by(|a, b| b.version.cmp(&a.version));
        versions.dedup_by(|a, b| a.version == b.version);
        Some(CrateSecurity { name, versions, advisories })
    }

    /// The version a visitor sees by default: the newest non-yanked release, else the newest
    /// non-yanked pre-release, else the newest of all.
    pub fn default_version(&self) -> Option<&VersionState> {
        let live = || self.versions.iter().filter(|v| !v.yanked);
        live().find(|v| v.version.pre.is_empty()).or_else(|| live().next()).or_else(|| self.versions.first())
    }

    /// The published version `version`, if there is one.
    pub fn version(&self, version: &Version) -> Option<&VersionState> {
        self.versions.iter().find(|v| &v.version == version)
    }

    /// The published versions that advisory `index` affects, oldest first.
    pub fn affected_versions(&self, index: usize) -> Vec<&Version> {
        self.versions.iter().rev().filter(|v| v.affected_by.contains(&index)).map(|v| &v.version).collect()
    }

    /// Non-withdrawn advisories of these kinds that affect every version (no fix, nothing unaffected):
    /// the unmaintained banner, for instance.
    pub fn crate_wide(&self, kind: Kind) -> Option<&Arc<Entry>> {
        self.advisories.iter().find(|e| {
            e.advisory.withdrawn.is_none()
                && e.advisory.kind() == kind
                && e.advisory.versions.patched().is_empty()
                && e.advisory.versions.unaffected().is_empty()
        })
    }

    /// The nearest published, non-yanked version above `from` that none of `advisories` (indices)
    /// affects: the smallest semver-compatible one, else the smallest at all. Pre-releases are suggested
    /// only to someone already on a pre-release.
    pub fn safe_upgrade(&self, from: &Version, advisories: &[usize]) -> Option<SafeUpgrade> {
        // Like Cargo, suggest a pre-release only to someone already on one.
        let pre_ok = !from.pre.is_empty();
        let candidates = self.versions.iter().filter(|v| {
            !v.yanked
                && v.version > *from
                && (pre_ok || v.version.pre.is_empty())
                && !v.affected_by.iter().any(|i| advisories.contains(i))
        });
        pick_upgrade(from, candidates.map(|v| v.version.clone()))
    }

    /// The nearest safe upgrade from `from` with respect to every advisory that blocks upgrades
    /// (vulnerability, malicious, unsound) and affects `from`; `None` when nothing of that sort affects it.
    pub fn overall_upgrade(&self, from: &VersionState) -> Option<SafeUpgrade> {
        let blocking: Vec<usize> = (0..self.advisories.len())
            .filter(|&i| {
                self.advisories[i].advisory.withdrawn.is_none() && blocks_upgrade(self.advisories[i].advisory.kind())
            })
            .collect();
        if !from.affected_by.iter().any(|i| blocking.contains(i)) {
            return None;
        }
        self.safe_upgrade(&from.version, &blocking)
    }
}

/// Consecutive runs of `all` (newest first, as [`CrateSecurity::versions`]) that are in `selected`,
/// as (first, last, count) oldest first: "0.1.0 to 0.3.2 (24 versions)" reads better than 24 numbers.
pub(crate) fn runs<'a>(all: &'a [VersionState], selected: &[&Version]) -> Vec<(&'a Version, &'a Version, usize)> {
    let mut runs: Vec<(&Version, &Version, usize)> = Vec::new();
    let mut open = false;
    for state in all.iter().rev() {
        if selected.contains(&&state.version) {
            match runs.last_mut() {
                Some(run) if open => {
                    run.1 = &state.version;
                    run.2 += 1;
                }
                _ => runs.push((&state.version, &state.version, 1)),
            }
            open = true;
        } else {
            open = false;
        }
    }
    runs
}

/// The affected ranges as text: "< 0.3.1 or >= 0.4.0, < 0.4.2".
pub(crate) fn affected_ranges(a: &cratewatch_advisory::Advisory) -> String {
    let ranges = a.versions.affected_ranges();
    if ranges.is_empty() {
        return "no version".to_owned();
    }
    let mut text = String::new();
    for (n, range) in ranges.iter().enumerate() {
        if n > 0 {
            text.push_str(" or ");
        }
        let _ = write!(text, "{range}");
    }
    text
}
