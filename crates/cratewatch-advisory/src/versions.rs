//! RustSec's `[versions]` semantics: `patched` and `unaffected` requirements describe the versions that
//! are *not* affected; every other version is. Matching is done on the affected ranges that remain once
//! the unaffected intervals are removed from the whole version line, exactly as the RustSec export to OSV
//! describes them, so that pre-releases compare by semver precedence (`1.2.0-rc.1 < 1.2.0`).

use std::cmp::Ordering;
use std::fmt;

use semver::{Comparator, Op, Prerelease, Version, VersionReq};

/// The validated `[versions]` table of an advisory.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Versions {
    patched: Vec<VersionReq>,
    unaffected: Vec<VersionReq>,
    affected: Vec<AffectedRange>,
    /// Unaffected intervals sorted by start, kept to answer "what is the next safe version".
    safe: Vec<Interval>,
}

/// A half-open range of affected versions: `introduced <= v < fixed`, unbounded where `None`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AffectedRange {
    /// The first affected version, or `None` when every version below `fixed` is affected.
    pub introduced: Option<Version>,
    /// The first version past the range, or `None` when no fix is known.
    pub fixed: Option<Version>,
}

impl AffectedRange {
    /// Whether `version` lies in this range.
    pub fn contains(&self, version: &Version) -> bool {
        self.introduced.as_ref().is_none_or(|start| version >= start)
            && self.fixed.as_ref().is_none_or(|end| version < end)
    }
}

impl fmt::Display for AffectedRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.introduced, &self.fixed) {
            (None, None) => f.write_str("all versions"),
            (Some(start), None) => write!(f, ">= {start}"),
            (None, Some(end)) => write!(f, "< {end}"),
            (Some(start), Some(end)) => write!(f, ">= {start}, < {end}"),
        }
    }
}

/// Why a `[versions]` table is invalid.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum VersionsError {
    /// A requirement uses an operator RustSec does not accept (such as a wildcard with a bound).
    UnsupportedOperator {
        /// The requirement as written.
        requirement: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// A requirement describes an empty interval.
    EmptyRange {
        /// The requirement as written.
        requirement: String,
    },
    /// Two requirements describe overlapping intervals.
    Overlap {
        /// The first requirement.
        first: String,
        /// The second requirement.
        second: String,
    },
}

impl fmt::Display for VersionsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            VersionsError::UnsupportedOperator { requirement, reason } => {
                write!(f, "unsupported version requirement `{requirement}`: {reason}")
            }
            VersionsError::EmptyRange { requirement } => {
                write!(f, "version requirement `{requirement}` matches no version")
            }
            VersionsError::Overlap { first, second } => {
                write!(f, "version requirements `{first}` and `{second}` overlap")
            }
        }
    }
}

impl std::error::Error for VersionsError {}

impl Versions {
    /// Validates `patched` and `unaffected` and computes the affected ranges.
    pub fn new(patched: Vec<VersionReq>, unaffected: Vec<VersionReq>) -> Result<Self, VersionsError> {
        let mut safe = Vec::with_capacity(patched.len() + unaffected.len());
        for req in unaffected.iter().chain(&patched) {
            safe.push((Interval::from_req(req)?, req));
        }
        for (i, (a, req_a)) in safe.iter().enumerate() {
            for (b, req_b) in &safe[i + 1..] {
                if a.overlaps(b) {
                    return Err(VersionsError::Overlap { first: req_a.to_string(), second: req_b.to_string() });
                }
            }
        }
        let mut safe: Vec<Interval> = safe.into_iter().map(|(interval, _)| interval).collect();
        safe.sort_by(|a, b| match (a.start.version(), b.start.version()) {
            (None, None) => Ordering::Equal,
            (None, _) => Ordering::Less,
            (_, None) => Ordering::Greater,
            (Some(x), Some(y)) => x.cmp(y),
        });
        let affected = complement(&safe);
        Ok(Versions { patched, unaffected, affected, safe })
    }

    /// Whether `version` is affected: it lies in none of the patched or unaffected requirements.
    pub fn is_affected(&self, version: &Version) -> bool {
        self.affected.iter().any(|range| range.contains(version))
    }

    /// The requirements naming patched versions, as written.
    pub fn patched(&self) -> &[VersionReq] {
        &self.patched
    }

    /// The requirements naming versions that were never affected, as written.
    pub fn unaffected(&self) -> &[VersionReq] {
        &self.unaffected
    }

    /// The affected ranges, sorted, in the form the OSV export uses.
    pub fn affected_ranges(&self) -> &[AffectedRange] {
        &self.affected
    }

    /// The smallest version above `current` that the requirements say is not affected, preferring one
    /// that is semver-compatible with `current` (a `cargo update` away). `None` when no version above
    /// `current` is known to be safe.
    pub fn nearest_safe(&self, current: &Version) -> Option<SafeUpgrade> {
        let candidates = self.safe.iter().filter_map(|interval| interval.smallest_member()).filter(|v| v > current);
        pick_upgrade(current, candidates)
    }
}

/// A suggested upgrade away from an affected version.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SafeUpgrade {
    /// The version to move to.
    pub version: Version,
    /// Whether it is semver-compatible with the current version (so `cargo update` can reach it).
    pub compatible: bool,
}

/// Picks the smallest compatible candidate, or else the smallest candidate at all.
pub fn pick_upgrade(current: &Version, candidates: impl IntoIterator<Item = Version>) -> Option<SafeUpgrade> {
    let mut best_compatible: Option<Version> = None;
    let mut best_any: Option<Version> = None;
    for candidate in candidates {
        if is_compatible(current, &candidate) && best_compatible.as_ref().is_none_or(|b| &candidate < b) {
            best_compatible = Some(candidate.clone());
        }
        if best_any.as_ref().is_none_or(|b| &candidate < b) {
            best_any = Some(candidate);
        }
    }
    match (best_compatible, best_any) {
        (Some(version), _) => Some(SafeUpgrade { version, compatible: true }),
        (None, Some(version)) => Some(SafeUpgrade { version, compatible: false }),
        (None, None) => None,
    }
}

/// Cargo's compatibility rule: the same left-most non-zero component.
pub fn is_compatible(current: &Version, candidate: &Version) -> bool {
    if current.major != candidate.major {
        return false;
    }
    if current.major > 0 {
        return true;
    }
    if current.minor != candidate.minor {
        return false;
    }
    current.minor > 0 || current.patch == candidate.patch
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Bound {
    Unbounded,
    Exclusive(Version),
    Inclusive(Version),
}

impl Bound {
    fn version(&self) -> Option<&Version> {
        match self {
            Bound::Unbounded => None,
            Bound::Exclusive(v) | Bound::Inclusive(v) => Some(v),
        }
    }
}

/// A closed, open or half-open interval of versions that are not affected.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Interval {
    start: Bound,
    end: Bound,
}

/// Whether an interval starting at `start` and one ending at `end` share at least one version, in the
/// precedence order of versions (the same test decides both emptiness and overlap).
fn reaches(start: &Bound, end: &Bound) -> bool {
    match (start.version(), end.version()) {
        (None, _) | (_, None) => true,
        (Some(s), Some(e)) => s < e || (s == e && matches!((start, end), (Bound::Inclusive(_), Bound::Inclusive(_)))),
    }
}

impl Interval {
    fn from_req(req: &VersionReq) -> Result<Self, VersionsError> {
        let unsupported = |reason| VersionsError::UnsupportedOperator { requirement: req.to_string(), reason };
        if req.comparators.len() > 2 {
            return Err(unsupported("at most two comparators are allowed"));
        }
        let alone = req.comparators.len() == 1;
        let mut start = Bound::Unbounded;
        let mut end = Bound::Unbounded;
        for comparator in &req.comparators {
            let version = lowest(comparator);
            match comparator.op {
                Op::Greater | Op::GreaterEq => {
                    if start != Bound::Unbounded {
                        return Err(unsupported("more than one lower bound"));
                    }
                    start = if comparator.op == Op::Greater {
                        Bound::Exclusive(version)
                    } else {
                        Bound::Inclusive(version)
                    };
                }
                Op::Less | Op::LessEq => {
                    if end != Bound::Unbounded {
                        return Err(unsupported("more than one upper bound"));
                    }
                    end = if comparator.op == Op::Less { Bound::Exclusive(version) } else { Bound::Inclusive(version) };
                }
                Op::Exact => {
                    if !alone {
                        return Err(unsupported("an exact version must stand alone"));
                    }
                    start = Bound::Inclusive(version.clone());
                    end = Bound::Inclusive(version);
                }
                Op::Caret | Op::Tilde => {
                    if !alone {
                        return Err(unsupported("a caret or tilde requirement must stand alone"));
                    }
                    let upper =
                        if comparator.op == Op::Caret { caret_upper(comparator) } else { tilde_upper(comparator) };
                    start = Bound::Inclusive(version);
                    // No upper bound when the next version cannot be written (`^18446744073709551615`).
                    end = upper.map_or(Bound::Unbounded, |upper| Bound::Exclusive(with_zero_pre(upper)));
                }
                _ => return Err(unsupported("wildcard operators are not supported")),
            }
        }
        if !reaches(&start, &end) {
            return Err(VersionsError::EmptyRange { requirement: req.to_string() });
        }
        Ok(Interval { start, end })
    }

    fn overlaps(&self, other: &Interval) -> bool {
        reaches(&self.start, &other.end) && reaches(&other.start, &self.end)
    }

    /// The smallest release version inside the interval, if one can be named.
    fn smallest_member(&self) -> Option<Version> {
        let candidate = match &self.start {
            Bound::Unbounded => Version::new(0, 0, 0),
            Bound::Inclusive(v) => v.clone(),
            Bound::Exclusive(v) if v.pre.is_empty() => next_patch(v.major, v.minor, v.patch)?,
            Bound::Exclusive(v) => Version::new(v.major, v.minor, v.patch),
        };
        let below_end = match &self.end {
            Bound::Unbounded => true,
            Bound::Exclusive(e) => &candidate < e,
            Bound::Inclusive(e) => &candidate <= e,
        };
        below_end.then_some(candidate)
    }
}

fn lowest(c: &Comparator) -> Version {
    Version {
        major: c.major,
        minor: c.minor.unwrap_or(0),
        patch: c.patch.unwrap_or(0),
        pre: c.pre.clone(),
        build: semver::BuildMetadata::EMPTY,
    }
}

/// The first version past a caret requirement's range, `None` when it cannot be written.
fn caret_upper(c: &Comparator) -> Option<Version> {
    match (c.major, c.minor, c.patch) {
        (0, Some(0), Some(patch)) => next_patch(0, 0, patch),
        (0, Some(minor), _) => next_minor(0, minor),
        (major, _, _) => next_major(major),
    }
}

/// The first version past a tilde requirement's range, `None` when it cannot be written.
fn tilde_upper(c: &Comparator) -> Option<Version> {
    match c.minor {
        Some(minor) => next_minor(c.major, minor),
        None => next_major(c.major),
    }
}

// Version numbers are `u64`s, which a requirement may write at their largest: the next number then
// carries into the component to the left, and past `18446744073709551615.x.y` there is no version at all.

fn next_patch(major: u64, minor: u64, patch: u64) -> Option<Version> {
    match patch.checked_add(1) {
        Some(patch) => Some(Version::new(major, minor, patch)),
        None => next_minor(major, minor),
    }
}

fn next_minor(major: u64, minor: u64) -> Option<Version> {
    match minor.checked_add(1) {
        Some(minor) => Some(Version::new(major, minor, 0)),
        None => next_major(major),
    }
}

fn next_major(major: u64) -> Option<Version> {
    major.checked_add(1).map(|major| Version::new(major, 0, 0))
}

/// `v` with the `0` pre-release: the lowest version with its numbers.
fn with_zero_pre(v: Version) -> Version {
    Version { pre: Prerelease::new("0").expect("`0` is a valid pre-release"), ..v }
}

/// The smallest version that sorts after `v` once build metadata is dropped; `None` past the largest.
fn successor(v: &Version) -> Option<Version> {
    if v.pre.is_empty() {
        return next_patch(v.major, v.minor, v.patch).map(with_zero_pre);
    }
    // Appending a `.0` identifier to a valid pre-release gives a valid one, just above it.
    let pre = Prerelease::new(&format!("{}.0", v.pre)).expect("appending `.0` keeps a pre-release valid");
    Some(Version { pre, build: semver::BuildMetadata::EMPTY, ..v.clone() })
}

/// The gaps between sorted, disjoint unaffected intervals: the affected ranges.
fn complement(safe: &[Interval]) -> Vec<AffectedRange> {
    let (Some(first), Some(last)) = (safe.first(), safe.last()) else {
        return vec![AffectedRange { introduced: None, fixed: None }];
    };
    // The first version after an unaffected interval that ends at `bound`: `None` when nothing follows
    // (an unbounded end, or an end at the largest version there is).
    let after = |bound: &Bound| match bound {
        Bound::Exclusive(v) => Some(v.clone()),
        Bound::Inclusive(v) => successor(v),
        Bound::Unbounded => None,
    };
    // The first version of an unaffected interval that starts at `bound`, as an exclusive end of the
    // affected range before it: `None` when the interval holds no version (it starts past the largest).
    let before = |bound: &Bound| match bound {
        Bound::Exclusive(v) => successor(v),
        Bound::Inclusive(v) => Some(v.clone()),
        Bound::Unbounded => None,
    };
    let mut ranges = Vec::new();
    if first.start != Bound::Unbounded {
        ranges.push(AffectedRange { introduced: None, fixed: before(&first.start) });
    }
    for pair in safe.windows(2) {
        if let Some(introduced) = after(&pair[0].end) {
            ranges.push(AffectedRange { introduced: Some(introduced), fixed: before(&pair[1].start) });
        }
    }
    if let Some(introduced) = after(&last.end) {
        ranges.push(AffectedRange { introduced: Some(introduced), fixed: None });
    }
    ranges
}

#[cfg(test)]
mod tests {
    use super::*;

    fn versions(patched: &[&str], unaffected: &[&str]) -> Versions {
        let reqs = |list: &[&str]| list.iter().map(|r| VersionReq::parse(r).unwrap()).collect();
        Versions::new(reqs(patched), reqs(unaffected)).unwrap()
    }

    #[track_caller]
    fn check(patched: &[&str], unaffected: &[&str], affected: &[&str], safe: &[&str]) {
        let v = versions(patched, unaffected);
        for a in affected {
            assert!(v.is_affected(&Version::parse(a).unwrap()), "{a} should be affected");
        }
        for s in safe {
            assert!(!v.is_affected(&Version::parse(s).unwrap()), "{s} should be safe");
        }
    }

    #[test]
    fn patched_and_unaffected_carve_out_safe_versions() {
        check(
            &[">= 1.2.3, < 1.3.0", ">= 1.3.4"],
            &["<= 0.1.2"],
            &["0.1.3", "1.2.2", "1.3.0", "1.3.3"],
            &["0.1.2", "1.2.3", "1.2.9", "1.3.4", "9.0.0"],
        );
    }

    #[test]
    fn no_patched_versions_means_all_affected() {
        check(&[], &[], &["0.0.0", "1.0.0-alpha", "99.0.0"], &[]);
    }

    #[test]
    fn prereleases_follow_semver_precedence() {
        check(&[">= 1.2.0"], &[], &["1.2.0-rc.1", "1.1.9"], &["1.2.0", "1.2.1-alpha"]);
        check(&["^0.3.5"], &[], &["0.3.4", "0.3.5-beta", "0.4.0-0", "0.4.0"], &["0.3.5", "0.3.99"]);
    }

    #[test]
    fn overlapping_requirements_are_rejected() {
        let err = Versions::new(vec![VersionReq::parse(">= 1.0").unwrap()], vec![VersionReq::parse("< 1.5").unwrap()]);
        assert!(matches!(err, Err(VersionsError::Overlap { .. })));
    }

    #[test]
    fn the_largest_version_numbers_do_not_overflow() {
        let max = u64::MAX;
        // `^M.0.0` ends where no version can be written: every version from it on is safe.
        check(&[&format!("^{max}.0.0")], &[], &["1.0.0", &format!("{}.0.0", max - 1)], &[&format!("{max}.5.0")]);
        // `^0.0.M`, `~0.M` and `<= M.M.M` carry into the component to the left.
        check(&[&format!("^0.0.{max}")], &[], &["0.0.1", "0.1.0-0", "0.1.0"], &[&format!("0.0.{max}")]);
        check(&[&format!("~0.{max}")], &[], &["0.1.0", "1.0.0-0", "1.0.0"], &[&format!("0.{max}.7")]);
        let top = format!("{max}.{max}.{max}");
        check(&[&format!("<= {top}")], &[], &[], &["0.0.0", &top]);
        check(&[&format!("> {top}")], &[], &["0.0.0", &top], &[]);
        let v = versions(&[&format!("= {top}")], &[]);
        assert_eq!(v.nearest_safe(&Version::new(1, 0, 0)).map(|u| u.version.to_string()), Some(top.clone()));
        assert_eq!(versions(&[&format!("> {top}")], &[]).nearest_safe(&Version::new(1, 0, 0)), None);
    }

    #[test]
    fn nearest_safe_prefers_compatible() {
        let v = versions(&[">= 0.9.1, < 0.10.0", ">= 1.4.2"], &[]);
        let up = v.nearest_safe(&Version::parse("0.9.0").unwrap()).unwrap();
        assert_eq!((up.version.to_string(), up.compatible), ("0.9.1".into(), true));
        let up = v.nearest_safe(&Version::parse("1.0.0").unwrap()).unwrap();
        assert_eq!((up.version.to_string(), up.compatible), ("1.4.2".into(), true));
        let up = v.nearest_safe(&Version::parse("0.8.0").unwrap()).unwrap();
        assert_eq!((up.version.to_string(), up.compatible), ("0.9.1".into(), false));
        assert_eq!(versions(&[], &[]).nearest_safe(&Version::new(1, 0, 0)), None);
    }
}
