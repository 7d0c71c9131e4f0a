//! Matching a lockfile against advisories, and the report that comes out.

use rustc_hash::FxBuildHasher;
use std::collections::{HashMap, HashSet, VecDeque};
use std::fmt;
use std::str::FromStr;
use std::sync::Arc;

use cratewatch_advisory::{Advisory, Collection, Date, Informational, SafeUpgrade, Severity, pick_upgrade};
use semver::Version;

use crate::{Lockfile, Package};

/// The kinds of warning an audit reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum WarningKind {
    /// An unmaintained-crate advisory.
    Unmaintained,
    /// An unsoundness advisory.
    Unsound,
    /// A notice.
    Notice,
    /// The locked version is yanked from the registry.
    Yanked,
}

impl WarningKind {
    /// The lowercase name, as cargo-audit's JSON spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            WarningKind::Unmaintained => "unmaintained",
            WarningKind::Unsound => "unsound",
            WarningKind::Notice => "notice",
            WarningKind::Yanked => "yanked",
        }
    }
}

/// What makes an audit fail besides vulnerabilities (`--deny`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Deny {
    /// Any warning.
    Warnings,
    /// Unmaintained warnings.
    Unmaintained,
    /// Unsound warnings.
    Unsound,
    /// Notices.
    Notice,
    /// Yanked versions.
    Yanked,
    /// Findings on packages that are locked but not built (see [`AuditSettings::built`]): with this,
    /// they fail the audit as findings on built packages do.
    LockedOnly,
}

impl FromStr for Deny {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(match s {
            "warnings" => Deny::Warnings,
            "unmaintained" => Deny::Unmaintained,
            "unsound" => Deny::Unsound,
            "notice" => Deny::Notice,
            "yanked" => Deny::Yanked,
            "locked-only" => Deny::LockedOnly,
            other => {
                return Err(format!(
                    "unknown kind `{other}` (expected warnings, unmaintained, unsound, notice, yanked or locked-only)"
                ));
            }
        })
    }
}

impl Deny {
    fn covers(self, kind: WarningKind) -> bool {
        matches!(
            (self, kind),
            (Deny::Warnings, _)
                | (Deny::Unmaintained, WarningKind::Unmaintained)
                | (Deny::Unsound, WarningKind::Unsound)
                | (Deny::Notice, WarningKind::Notice)
                | (Deny::Yanked, WarningKind::Yanked)
        )
    }
}

/// An advisory id to leave out of the report.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IgnoreRule {
    /// The advisory id (or an alias of it).
    pub id: String,
    /// Why it is ignored.
    pub reason: Option<String>,
    /// The last day the rule applies; after it the finding is reported again.
    pub expires: Option<Date>,
    /// Where the rule was stated, as the reports show it: the configuration files (paths) in the order
    /// they were read, or `--ignore`. One rule may come from several files (see
    /// [`merge_ignores`](crate::merge_ignores)).
    pub sources: Vec<String>,
}

/// What became of an ignore rule in this audit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum IgnoreOutcome {
    /// The rule hid this many findings.
    Applied(usize),
    /// The rule expired; its findings are reported.
    Expired,
    /// The rule matched no finding.
    Unused,
}

/// How to audit.
#[derive(Clone, Debug, PartialEq)]
pub struct AuditSettings {
    /// Only advisories for these operating systems (empty: all).
    pub target_os: Vec<String>,
    /// Only advisories for these architectures (empty: all).
    pub target_arch: Vec<String>,
    /// Informational kinds reported as warnings.
    pub informational_warnings: Vec<WarningKind>,
    /// Vulnerabilities with a CVSS severity below this are left out.
    pub severity_threshold: Option<Severity>,
    /// Ignore rules.
    pub ignore: Vec<IgnoreRule>,
    /// Today's date, to expire ignore rules.
    pub today: Date,
    /// The packages Cargo builds, as `(name, version)`, when known (from `cargo metadata`): findings on
    /// the lockfile's other packages, locked but never built, go to [`Report::locked_only`]. `None`:
    /// every package counts as built.
    pub built: Option<HashSet<(String, Version)>>,
}

impl AuditSettings {
    /// cargo-audit's defaults: every target, warnings for unmaintained, unsound and notice.
    pub fn new(today: Date) -> Self {
        AuditSettings {
            target_os: Vec::new(),
            target_arch: Vec::new(),
            informational_warnings: vec![WarningKind::Unmaintained, WarningKind::Unsound, WarningKind::Notice],
            severity_threshold: None,
            ignore: Vec::new(),
            today,
            built: None,
        }
    }
}

/// Published versions of crates, from a registry index (for yanked checks and real upgrade targets).
pub trait PublishedVersions {
    /// Every published version of `name` with its yanked flag; `None` when the crate is unknown.
    fn published(&self, name: &str) -> Option<Vec<(Version, bool)>>;
}

/// One finding: a package matched by an advisory, or a yanked package.
#[derive(Clone, Debug, PartialEq)]
pub struct Finding {
    /// `None` for a vulnerability, else the warning kind.
    pub warning: Option<WarningKind>,
    /// The advisory (`None` for a yanked-version warning).
    pub advisory: Option<Arc<Advisory>>,
    /// Index of the package in [`Lockfile::packages`].
    pub package: usize,
    /// Indices of the packages from a root package down to this one (inclusive). When the root is the
    /// v1 `[root]` table, it is left out of the path.
    pub path: Vec<usize>,
    /// The nearest version that fixes it.
    pub fix: Option<SafeUpgrade>,
}

/// The result of an audit.
#[derive(Clone, Debug, PartialEq)]
pub struct Report {
    /// How many packages the lockfile holds.
    pub dependency_count: usize,
    /// Vulnerabilities, in lockfile order.
    pub vulnerabilities: Vec<Finding>,
    /// Warnings, in lockfile order.
    pub warnings: Vec<Finding>,
    /// Findings on packages that are locked but not built (see [`AuditSettings::built`]), vulnerabilities
    /// and warnings alike, in lockfile order. They fail the audit only with [`Deny::LockedOnly`].
    pub locked_only: Vec<Finding>,
    /// Findings hidden by an ignore rule, with the index of the rule.
    pub ignored: Vec<(Finding, usize)>,
    /// The outcome of each ignore rule, in the order of [`AuditSettings::ignore`].
    pub ignore_outcomes: Vec<IgnoreOutcome>,
    /// The settings used.
    pub settings: AuditSettings,
}

impl Report {
    /// Whether the audit fails: any vulnerability, or a warning of a denied kind.
    pub fn fails(&self, deny: &[Deny]) -> bool {
        let fails = |findings: &[Finding]| {
            findings.iter().any(|f| match f.warning {
                None => true,
                Some(kind) => deny.iter().any(|d| d.covers(kind)),
            })
        };
        fails(&self.vulnerabilities)
            || fails(&self.warnings)
            || (deny.contains(&Deny::LockedOnly) && fails(&self.locked_only))
    }

    /// Warnings of one kind.
    pub fn warnings_of(&self, kind: WarningKind) -> impl Iterator<Item = &Finding> {
        self.warnings.iter().filter(move |w| w.warning == Some(kind))
    }
}

impl fmt::Display for WarningKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A map keyed by crate name.
type NameMap<'a, V> = HashMap<&'a str, V, FxBuildHasher>;

/// Audits `lockfile` against `advisories` (which need only cover the lockfile's package names). Findings
/// share the advisories rather than copy them.
pub fn audit(
    lockfile: &Lockfile,
    advisories: &[Arc<Advisory>],
    settings: &AuditSettings,
    index: Option<&dyn PublishedVersions>,
) -> Report {
    let mut by_package: NameMap<'_, Vec<&Arc<Advisory>>> = HashMap::default();
    for advisory in advisories {
        if advisory.collection == Collection::Crates && advisory.withdrawn.is_none() {
            by_package.entry(advisory.package.as_str()).or_default().push(advisory);
        }
    }
    let graph = Graph::new(lockfile);
    let active: Vec<bool> =
        settings.ignore.iter().map(|rule| rule.expires.is_none_or(|last_day| settings.today <= last_day)).collect();
    let mut applied = vec![0usize; settings.ignore.len()];
    let mut report = Report {
        dependency_count: lockfile.packages.len(),
        vulnerabilities: Vec::new(),
        warnings: Vec::new(),
        locked_only: Vec::new(),
        ignored: Vec::new(),
        ignore_outcomes: Vec::new(),
        settings: settings.clone(),
    };

    let mut published_cache: NameMap<'_, Option<Vec<(Version, bool)>>> = HashMap::default();
    for (i, package) in lockfile.packages.iter().enumerate() {
        if !package.is_from_crates_io() {
            continue;
        }
        let built =
            settings.built.as_ref().is_none_or(|b| b.contains(&(package.name.clone(), package.version.clone())));
        let mut published =
            |name| published_cache.entry(name).or_insert_with(|| index.and_then(|ix| ix.published(name))).clone();
        for advisory in by_package.get(package.name.as_str()).into_iter().flatten() {
            if !matches_package(advisory, package)
                || !advisory.applies_to_targets(&settings.target_os, &settings.target_arch)
            {
                continue;
            }
            let warning = match &advisory.informational {
                None => {
                    let below = settings
                        .severity_threshold
                        .zip(advisory.cvss.as_ref())
                        .is_some_and(|(min, c)| c.severity() < min);
                    if below {
                        continue;
                    }
                    None
                }
                Some(info) => match informational_kind(info) {
                    Some(kind) if settings.informational_warnings.contains(&kind) => Some(kind),
                    _ => continue,
                },
            };
            // A real release from the index when one is safe; else what the advisory's ranges name (the
            // index may predate the fix).
            let fix = published(package.name.as_str())
                .and_then(|versions| {
                    pick_upgrade(
                        &package.version,
                        versions
                            .into_iter()
                            .filter(|(v, yanked)| !yanked && v > &package.version && !advisory.versions.is_affected(v))
                            .map(|(v, _)| v),
                    )
                })
                .or_else(|| advisory.versions.nearest_safe(&package.version));
            let finding =
                Finding { warning, advisory: Some(Arc::clone(advisory)), package: i, path: graph.path_to(i), fix };
            let rule = settings.ignore.iter().enumerate().position(|(r, rule)| active[r] && ignores(rule, advisory));
            match rule {
                Some(r) => {
                    applied[r] += 1;
                    report.ignored.push((finding, r));
                }
                None if !built => report.locked_only.push(finding),
                None if warning.is_none() => report.vulnerabilities.push(finding),
                None => report.warnings.push(finding),
            }
        }
        if let Some(versions) = index.and(published(package.name.as_str())) {
            let yanked = versions.iter().any(|(v, yanked)| *yanked && v == &package.version);
            if yanked {
                let fix = pick_upgrade(
                    &package.version,
                    versions.into_iter().filter(|(v, y)| !y && v > &package.version).map(|(v, _)| v),
                );
                let path = graph.path_to(i);
                let finding = Finding { warning: Some(WarningKind::Yanked), advisory: None, package: i, path, fix };
                if built { report.warnings.push(finding) } else { report.locked_only.push(finding) }
            }
        }
    }
    report.ignore_outcomes = active
        .iter()
        .zip(&applied)
        .map(|(&active, &count)| match (active, count) {
            (false, _) => IgnoreOutcome::Expired,
            (true, 0) => IgnoreOutcome::Unused,
            (true, n) => IgnoreOutcome::Applied(n),
        })
        .collect();
    report
}

fn informational_kind(info: &Informational) -> Option<WarningKind> {
    match info {
        Informational::Unmaintained => Some(WarningKind::Unmaintained),
        Informational::Unsound => Some(WarningKind::Unsound),
        Informational::Notice => Some(WarningKind::Notice),
        _ => None,
    }
}

/// Whether the advisory's package, source and versions match the locked package. An advisory's
/// `source` is compared as cargo-audit compares it: parsed and normalised like a package's source (an
/// unreadable one matches nothing).
fn matches_package(advisory: &Advisory, package: &Package) -> bool {
    let source_fits = match &advisory.source {
        None => true,
        Some(source) => crate::source::parse(source)
            .is_ok_and(|parsed| package.source.as_deref().is_some_and(|s| s == &*parsed.display)),
    };
    source_fits && advisory.versions.is_affected(&package.version)
}

fn ignores(rule: &IgnoreRule, advisory: &Advisory) -> bool {
    rule.id == advisory.id.as_str() || advisory.aliases.iter().any(|alias| alias == &rule.id)
}

/// For each package, the package it was first reached from in a breadth-first walk down from the
/// roots (the packages nothing depends on): following these links up gives a shortest path from a root.
struct Graph {
    parent: Vec<Option<usize>>,
    reached: Vec<bool>,
}

impl Graph {
    fn new(lockfile: &Lockfile) -> Self {
        let n = lockfile.packages.len();
        let mut depended_on = vec![false; n];
        for package in &lockfile.packages {
            for &dep in &package.dependencies {
                depended_on[dep] = true;
            }
        }
        let mut parent = vec![None; n];
        let mut reached = vec![false; n];
        let mut queue: VecDeque<usize> = (0..n).filter(|&i| !depended_on[i]).collect();
        for &root in &queue {
            reached[root] = true;
        }
        while let Some(node) = queue.pop_front() {
            for &dep in &lockfile.packages[node].dependencies {
                if !reached[dep] {
                    reached[dep] = true;
                    parent[dep] = Some(node);
                    queue.push_back(dep);
                }
            }
        }
        Graph { parent, reached }
    }

    /// The path from a root down to `target` (inclusive). A package only reachable through a cycle
    /// (possible with dev-dependencies) gets a path of itself alone.
    fn path_to(&self, target: usize) -> Vec<usize> {
        if !self.reached[target] {
            return vec![target];
        }
        let mut path = vec![target];
        let mut at = target;
        while let Some(up) = self.parent[at] {
            path.push(up);
            at = up;
        }
        path.reverse();
        path
    }
}
