//! [`Exposure`]: which versions each advisory reaches through their resolved graphs, how deep, and
//! what fixes each exposure. Computed from a [`Resolution`] and the advisories in well under a second,
//! so that a server can recompute it after every sync without resolving again.

use crate::hash::FxHashMap as HashMap;
use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use cratewatch_advisory::{Advisory, Collection, Kind};

use crate::resolution::{Pkg, Resolution, ResolvedGraph};
use crate::universe::{CrateId, NONE, ReqId, Universe, VersionId};

/// What fixes one exposure of a version to an advisory.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum FixClass {
    /// The version is itself an affected version of the advised crate.
    Affected,
    /// The version's fresh resolution is not affected, but its graph's requirements also allow an
    /// affected version: a project whose lockfile is older may hold it, and `cargo update` fixes that.
    CargoUpdate,
    /// The version's fresh resolution is affected, even though a fixed release exists: some
    /// requirement in its graph (its own, or an upstream crate's) admits no fixed release, and that
    /// manifest must change.
    ManifestChange,
    /// The version's fresh resolution is affected and no release of the advised crate newer than the
    /// affected one is unaffected: nothing a manifest change can do yet.
    NoFixedRelease,
}

impl FixClass {
    /// A stable kebab-case code: `affected`, `cargo-update`, `manifest-change`, `no-fixed-release`.
    pub fn code(self) -> &'static str {
        match self {
            FixClass::Affected => "affected",
            FixClass::CargoUpdate => "cargo-update",
            FixClass::ManifestChange => "manifest-change",
            FixClass::NoFixedRelease => "no-fixed-release",
        }
    }

    /// Whether the version's fresh resolution (its lockfile today) holds an affected version.
    pub fn is_fresh(self) -> bool {
        !matches!(self, FixClass::CargoUpdate)
    }
}

impl fmt::Display for FixClass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// One exposure, stored compactly.
#[derive(Clone, Copy, Debug)]
struct Hit {
    advisory: u32,
    root: VersionId,
    /// The position in the root's graph of the affected package (or, for `CargoUpdate`, of the package
    /// an older lockfile may hold an affected version of).
    position: u16,
    depth: u8,
    class: FixClass,
    /// The position in the graph of the dependent whose requirement blocks the fix (`u16::MAX` when
    /// none is known), and that requirement.
    blocker: u16,
    requirement: ReqId,
    /// The smallest release of the blocker's crate whose requirements let a fixed release through.
    fixed_in: VersionId,
}

/// One exposure of a version to an advisory, with its path and fix.
#[derive(Clone, Copy)]
pub struct Finding<'e> {
    exposure: &'e Exposure,
    hit: &'e Hit,
}

impl fmt::Debug for Finding<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Finding")
            .field("advisory", &self.advisory().id)
            .field("root", &self.root())
            .field("package", &self.package())
            .field("depth", &self.depth())
            .field("class", &self.class())
            .finish()
    }
}

impl<'e> Finding<'e> {
    /// The advisory.
    pub fn advisory(&self) -> &'e AdvisoryReach {
        &self.exposure.reach[self.hit.advisory as usize]
    }

    /// The exposed version (the root of the resolved graph).
    pub fn root(&self) -> Pkg {
        Pkg(self.hit.root)
    }

    /// The package of the graph the advisory is about: an affected version, or for
    /// [`FixClass::CargoUpdate`] the unaffected version a fresh resolution picks instead.
    pub fn package(&self) -> Pkg {
        self.graph().get(self.hit.position as usize).pkg
    }

    /// The length of a shortest path from the root to the package (0: the root itself is affected; 1:
    /// a direct dependency).
    pub fn depth(&self) -> u32 {
        u32::from(self.hit.depth)
    }

    /// What fixes it.
    pub fn class(&self) -> FixClass {
        self.hit.class
    }

    /// A shortest dependency path from the root to the package, both included.
    pub fn path(&self) -> Vec<Pkg> {
        self.graph().path(self.hit.position as usize)
    }

    /// For [`FixClass::ManifestChange`]: the version whose manifest must change (the root itself when
    /// its own requirement blocks the fix), if one of the requirements on the affected package is to
    /// blame.
    pub fn blocker(&self) -> Option<Pkg> {
        (self.hit.blocker != u16::MAX).then(|| self.graph().get(self.hit.blocker as usize).pkg)
    }

    /// The blocking requirement, as the blocker's manifest writes it.
    pub fn blocking_requirement(&self) -> Option<&'e str> {
        (self.hit.blocker != u16::MAX)
            .then(|| &*self.exposure.resolution.universe.reqs[self.hit.requirement as usize].text)
    }

    /// The smallest release of the blocker's crate, newer than the blocker, whose requirements let a
    /// fixed release through (or that no longer depends on the advised crate); `None` when no release
    /// does yet.
    pub fn fixed_in(&self) -> Option<Pkg> {
        (self.hit.fixed_in != NONE).then_some(Pkg(self.hit.fixed_in))
    }

    fn graph(&self) -> ResolvedGraph<'e> {
        self.exposure.resolution.graph(Pkg(self.hit.root)).expect("a finding's root is resolved")
    }
}

/// What an advisory reaches across the registry.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct AdvisoryReach {
    /// The advisory id.
    pub id: String,
    /// The advised crate.
    pub package: String,
    /// Its kind (vulnerability, unmaintained, ...).
    pub kind: Kind,
    /// Its title.
    pub title: String,
    /// Whether the advised crate is in the registry at all.
    pub in_registry: bool,
    /// Published versions of the advised crate that it affects.
    pub affected_versions: usize,
    /// Versions of other crates whose fresh resolution holds an affected version.
    pub exposed_versions: usize,
    /// Of those, through a direct dependency (depth 1).
    pub direct: usize,
    /// Of those, only through a transitive dependency (depth 2 or more).
    pub transitive: usize,
    /// Exposed versions by the depth of their shortest path (index 1 is direct).
    pub by_depth: Vec<usize>,
    /// Crates with at least one exposed version.
    pub exposed_crates: usize,
    /// Crates whose newest release is exposed.
    pub newest_releases_exposed: usize,
    /// Exposed versions whose own requirement must change.
    pub own_manifest: usize,
    /// Exposed versions where an upstream crate's requirement must change (or the fixed release does
    /// not fit the rest of the graph).
    pub upstream_manifest: usize,
    /// Exposed versions for which no fixed release exists in the registry.
    pub no_fixed_release: usize,
    /// Versions whose fresh resolution is clean but whose requirements allow an affected version: a
    /// project with an older lockfile is exposed, and `cargo update` fixes it. Counted apart from the
    /// exposed versions.
    pub cargo_update: usize,
    /// Crates with at least one such version.
    pub cargo_update_crates: usize,
}

/// Counts and timing of an [`Exposure`].
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ExposureStats {
    /// Advisories considered (crates collection, not withdrawn).
    pub advisories: usize,
    /// Versions exposed (fresh) to at least one advisory.
    pub exposed_versions: usize,
    /// Versions that are only exposed through an older lockfile.
    pub cargo_update_only_versions: usize,
    /// Findings stored.
    pub findings: usize,
    /// Time spent.
    pub elapsed: Duration,
}

/// Which versions each advisory reaches, and how each can be fixed. See the crate documentation for the
/// definitions.
pub struct Exposure {
    resolution: Arc<Resolution>,
    reach: Vec<AdvisoryReach>,
    by_id: std::collections::HashMap<String, u32>,
    /// Sorted by root.
    hits: Vec<Hit>,
    /// Per advisory, its run of `by_advisory`.
    advisory_start: Vec<usize>,
    /// Positions in `hits`, by advisory; within one, fresh exposures first, then older lockfiles, then
    /// the crate's own versions, each by depth, then root.
    by_advisory: Vec<u32>,
    stats: ExposureStats,
}

impl fmt::Debug for Exposure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Exposure").field("stats", &self.stats).finish_non_exhaustive()
    }
}

/// One advisory, prepared for matching.
struct Prepared {
    krate: CrateId,
    /// The crate's first version id, to index `affected`.
    first: VersionId,
    /// Whether any version is affected.
    any_affected: bool,
    /// Per version of the crate (by offset from its first id): affected or not.
    affected: Vec<bool>,
    /// Unaffected, non-yanked, stable versions above the lowest affected one, ascending.
    fixed: Vec<VersionId>,
}

impl Exposure {
    /// Matches `advisories` (those of the crates collection that are not withdrawn; the others are
    /// ignored) against every resolved graph of `resolution`.
    pub fn compute(resolution: Arc<Resolution>, advisories: &[Advisory]) -> Exposure {
        let started = Instant::now();
        let u = &resolution.universe;
        let mut prepared: Vec<Prepared> = Vec::new();
        let mut reach = Vec::new();
        for advisory in advisories.iter().filter(|a| a.collection == Collection::Crates && a.withdrawn.is_none()) {
            let krate = resolution.crate_id(&advisory.package).unwrap_or(NONE);
            let mut affected = Vec::new();
            let mut fixed = Vec::new();
            if krate != NONE {
                let c = &u.crates[krate as usize];
                affected = (c.first..c.first + c.len).map(|v| advisory.versions.is_affected(u.version(v))).collect();
                if let Some(lowest) = affected.iter().position(|&a| a) {
                    fixed = (c.first + lowest as u32..c.first + c.len)
                        .filter(|&v| {
                            !affected[(v - c.first) as usize]
                                && !u.versions[v as usize].yanked
                                && u.version(v).pre.is_empty()
                        })
                        .collect();
                }
            }
            reach.push(AdvisoryReach {
                id: advisory.id.as_str().to_owned(),
                package: advisory.package.clone(),
                kind: advisory.kind(),
                title: advisory.title.clone(),
                in_registry: krate != NONE,
                affected_versions: affected.iter().filter(|&&a| a).count(),
                exposed_versions: 0,
                direct: 0,
                transitive: 0,
                by_depth: Vec::new(),
                exposed_crates: 0,
                newest_releases_exposed: 0,
                own_manifest: 0,
                upstream_manifest: 0,
                no_fixed_release: 0,
                cargo_update: 0,
                cargo_update_crates: 0,
            });
            let first = if krate == NONE { 0 } else { u.crates[krate as usize].first };
            let any_affected = affected.iter().any(|&a| a);
            prepared.push(Prepared { krate, first, any_affected, affected, fixed });
        }
        let mut of_crate: Vec<Vec<u32>> = vec![Vec::new(); u.crates.len()];
        for (i, p) in prepared.iter().enumerate() {
            if p.krate != NONE && p.any_affected {
                of_crate[p.krate as usize].push(i as u32);
            }
        }

        // Whether a version's crate has an advisory affecting some version: one lookup per node below.
        let mut advised = vec![false; u.versions.len()];
        for (k, advs) in of_crate.iter().enumerate() {
            if !advs.is_empty() {
                let c = &u.crates[k];
                advised[c.first as usize..(c.first + c.len) as usize].iter_mut().for_each(|a| *a = true);
            }
        }

        // Per stored graph: the advised packages in it (node 0, the root, is handled per root), on
        // every core.
        let store = &resolution.store;
        let graphs = store.graphs();
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).clamp(1, 16);
        let chunk = graphs.div_ceil(threads).max(1);
        let graph_hits: Vec<Vec<GraphHit>> = std::thread::scope(|scope| {
            let handles: Vec<_> = (0..graphs)
                .step_by(chunk)
                .map(|first| {
                    let (of_crate, prepared, resolution, advised) = (&of_crate, &prepared, &*resolution, &advised);
                    scope.spawn(move || {
                        let mut matcher = Matcher::new(u, prepared);
                        (first..(first + chunk).min(graphs))
                            .map(|g| scan_graph(resolution, g as u32, advised, of_crate, prepared, &mut matcher))
                            .collect::<Vec<_>>()
                    })
                })
                .collect();
            handles.into_iter().flat_map(|h| h.join().unwrap_or_else(|p| std::panic::resume_unwind(p))).collect()
        });

        // Per root, on every core: its own affected advisories, and its graph's hits, classified.
        let roots = u.versions.len();
        let chunk = roots.div_ceil(threads * 4).max(1);
        let next = std::sync::atomic::AtomicUsize::new(0);
        let mut parts: Vec<(usize, Vec<Hit>)> = std::thread::scope(|scope| {
            let handles: Vec<_> = (0..threads)
                .map(|_| {
                    let (of_crate, prepared, resolution, graph_hits, next) =
                        (&of_crate, &prepared, &*resolution, &graph_hits, &next);
                    scope.spawn(move || {
                        let mut matcher = Matcher::new(u, prepared);
                        let mut done = Vec::new();
                        loop {
                            let first = next.fetch_add(chunk, std::sync::atomic::Ordering::Relaxed);
                            if first >= roots {
                                break;
                            }
                            let mut hits = Vec::new();
                            for root in first as VersionId..(first + chunk).min(roots) as VersionId {
                                root_hits(resolution, root, of_crate, prepared, graph_hits, &mut matcher, &mut hits);
                            }
                            done.push((first, hits));
                        }
                        done
                    })
                })
                .collect();
            handles.into_iter().flat_map(|h| h.join().unwrap_or_else(|p| std::panic::resume_unwind(p))).collect()
        });
        parts.sort_by_key(|p| p.0);
        let mut hits: Vec<Hit> = Vec::with_capacity(parts.iter().map(|p| p.1.len()).sum());
        for (_, part) in parts {
            hits.extend(part);
        }

        // `hits` is in root order. Group it by advisory with a stable counting sort (root order within),
        // which also puts a crate's versions next to each other for counting distinct crates.
        let mut advisory_start = vec![0usize; reach.len() + 1];
        for h in &hits {
            advisory_start[h.advisory as usize + 1] += 1;
        }
        for i in 0..reach.len() {
            advisory_start[i + 1] += advisory_start[i];
        }
        let mut by_advisory = vec![0u32; hits.len()];
        let mut fill = advisory_start.clone();
        for (i, h) in hits.iter().enumerate() {
            by_advisory[fill[h.advisory as usize]] = i as u32;
            fill[h.advisory as usize] += 1;
        }

        // Aggregates.
        let mut newest = vec![false; u.versions.len()];
        for c in &u.crates {
            if c.len > 0 {
                newest[resolution.newest_of_crate(Pkg(c.first)).0 as usize] = true;
            }
        }
        for (a, r) in reach.iter_mut().enumerate() {
            let (mut last_exposed, mut last_update) = (NONE, NONE);
            for &i in &by_advisory[advisory_start[a]..advisory_start[a + 1]] {
                let h = &hits[i as usize];
                let krate = u.versions[h.root as usize].krate;
                match h.class {
                    FixClass::Affected => {}
                    FixClass::CargoUpdate => {
                        r.cargo_update += 1;
                        if std::mem::replace(&mut last_update, krate) != krate {
                            r.cargo_update_crates += 1;
                        }
                    }
                    class => {
                        r.exposed_versions += 1;
                        if h.depth == 1 {
                            r.direct += 1;
                        } else {
                            r.transitive += 1;
                        }
                        if r.by_depth.len() <= h.depth as usize {
                            r.by_depth.resize(h.depth as usize + 1, 0);
                        }
                        r.by_depth[h.depth as usize] += 1;
                        if std::mem::replace(&mut last_exposed, krate) != krate {
                            r.exposed_crates += 1;
                        }
                        if newest[h.root as usize] {
                            r.newest_releases_exposed += 1;
                        }
                        match class {
                            FixClass::NoFixedRelease => r.no_fixed_release += 1,
                            _ if h.blocker == 0 => r.own_manifest += 1,
                            _ => r.upstream_manifest += 1,
                        }
                    }
                }
            }
        }

        // Within an advisory: fresh exposures, then older lockfiles, then the crate's own versions, each
        // by depth; a stable sort keeps root order among equals.
        let order = |c: FixClass| match c {
            FixClass::CargoUpdate => 1u8,
            FixClass::Affected => 2,
            _ => 0,
        };
        let mut counts = vec![0usize; 3 << 7];
        let mut scratch: Vec<u32> = Vec::new();
        for a in 0..reach.len() {
            let run = &mut by_advisory[advisory_start[a]..advisory_start[a + 1]];
            let key = |i: u32| {
                let h = &hits[i as usize];
                ((order(h.class) as usize) << 7) | (h.depth as usize).min(127)
            };
            counts.iter_mut().for_each(|c| *c = 0);
            for &i in run.iter() {
                counts[key(i)] += 1;
            }
            let mut sum = 0;
            for c in counts.iter_mut() {
                let n = *c;
                *c = sum;
                sum += n;
            }
            scratch.clear();
            scratch.resize(run.len(), 0);
            for &i in run.iter() {
                let k = key(i);
                scratch[counts[k]] = i;
                counts[k] += 1;
            }
            run.copy_from_slice(&scratch);
        }
        let by_id: std::collections::HashMap<String, u32> =
            reach.iter().enumerate().map(|(i, r)| (r.id.clone(), i as u32)).collect();
        // Roots exposed afresh, and roots exposed only through an older lockfile.
        let (mut fresh_roots, mut update_only) = (0, 0);
        let mut i = 0;
        while i < hits.len() {
            let root = hits[i].root;
            let (mut fresh, mut update) = (false, false);
            while i < hits.len() && hits[i].root == root {
                match hits[i].class {
                    FixClass::Affected => {}
                    FixClass::CargoUpdate => update = true,
                    _ => fresh = true,
                }
                i += 1;
            }
            fresh_roots += usize::from(fresh);
            update_only += usize::from(update && !fresh);
        }
        let stats = ExposureStats {
            advisories: reach.len(),
            exposed_versions: fresh_roots,
            cargo_update_only_versions: update_only,
            findings: hits.len(),
            elapsed: started.elapsed(),
        };
        Exposure { resolution, reach, by_id, hits, advisory_start, by_advisory, stats }
    }

    /// The resolution this was computed from.
    pub fn resolution(&self) -> &Arc<Resolution> {
        &self.resolution
    }

    /// Counts and timing.
    pub fn stats(&self) -> &ExposureStats {
        &self.stats
    }

    /// Every advisory considered, in the order given.
    pub fn advisories(&self) -> &[AdvisoryReach] {
        &self.reach
    }

    /// The advisory with this id.
    pub fn advisory(&self, id: &str) -> Option<&AdvisoryReach> {
        self.by_id.get(id).map(|&i| &self.reach[i as usize])
    }

    /// The advisories ranked by exposed crates, then newest releases exposed, then exposed versions
    /// (most first), then id.
    pub fn ranking(&self) -> Vec<&AdvisoryReach> {
        let mut ranked: Vec<&AdvisoryReach> = self.reach.iter().collect();
        ranked.sort_by(|a, b| {
            (b.exposed_crates, b.newest_releases_exposed, b.exposed_versions)
                .cmp(&(a.exposed_crates, a.newest_releases_exposed, a.exposed_versions))
                .then_with(|| a.id.cmp(&b.id))
        });
        ranked
    }

    /// The findings of advisory `id`: fresh exposures first (by depth, then version id), then the
    /// versions only an older lockfile exposes, then the advised crate's own affected versions; `limit`
    /// of them from `offset`. `None` for an unknown id.
    pub fn findings(&self, id: &str, offset: usize, limit: usize) -> Option<Vec<Finding<'_>>> {
        let a = *self.by_id.get(id)? as usize;
        let run = &self.by_advisory[self.advisory_start[a]..self.advisory_start[a + 1]];
        Some(
            run.iter()
                .skip(offset)
                .take(limit)
                .map(|&i| Finding { exposure: self, hit: &self.hits[i as usize] })
                .collect(),
        )
    }

    /// How many findings advisory `id` has (for paging).
    pub fn finding_count(&self, id: &str) -> Option<usize> {
        let a = *self.by_id.get(id)? as usize;
        Some(self.advisory_start[a + 1] - self.advisory_start[a])
    }

    /// The advisories reaching `pkg`, one finding each, by advisory id.
    pub fn for_version(&self, pkg: Pkg) -> Vec<Finding<'_>> {
        let start = self.hits.partition_point(|h| h.root < pkg.0);
        let mut out: Vec<Finding<'_>> = self.hits[start..]
            .iter()
            .take_while(|h| h.root == pkg.0)
            .map(|hit| Finding { exposure: self, hit })
            .collect();
        out.sort_by(|a, b| a.advisory().id.cmp(&b.advisory().id));
        out
    }

    /// The newest release of crate `name` (exact name) and the advisories reaching it: what a
    /// per-crate feed shows.
    pub fn newest_release(&self, name: &str) -> Option<(Pkg, Vec<Finding<'_>>)> {
        let first = self.resolution.versions_of(name)?.next()?;
        let newest = self.resolution.newest_of_crate(first);
        Some((newest, self.for_version(newest)))
    }
}

/// One root's findings: its own affected advisories, then its graph's hits, classified.
fn root_hits(
    resolution: &Resolution,
    root: VersionId,
    of_crate: &[Vec<u32>],
    prepared: &[Prepared],
    graph_hits: &[Vec<GraphHit>],
    matcher: &mut Matcher<'_>,
    hits: &mut Vec<Hit>,
) {
    let u = &resolution.universe;
    let g = resolution.root_graph[root as usize];
    if g == NONE {
        return;
    }
    let first = hits.len();
    for &a in &of_crate[u.versions[root as usize].krate as usize] {
        let p = &prepared[a as usize];
        if p.affected[(root - p.first) as usize] {
            hits.push(Hit {
                advisory: a,
                root,
                position: 0,
                depth: 0,
                class: FixClass::Affected,
                blocker: u16::MAX,
                requirement: NONE,
                fixed_in: NONE,
            });
        }
    }
    let own = hits.len();
    for h in &graph_hits[g as usize] {
        // The root is itself affected: that says it all.
        if !hits[first..own].iter().any(|o| o.advisory == h.advisory) {
            hits.push(matcher.classify(resolution, root, g, h));
        }
    }
}

/// The advised packages of one stored graph, the best one per advisory (fresh before unaffected, then
/// the shallowest): affected ones, and unaffected ones an older lockfile may hold an affected version
/// of.
fn scan_graph(
    resolution: &Resolution,
    g: u32,
    advised: &[bool],
    of_crate: &[Vec<u32>],
    prepared: &[Prepared],
    matcher: &mut Matcher<'_>,
) -> Vec<GraphHit> {
    let u = &resolution.universe;
    let (store, range) = resolution.store.nodes(g);
    let mut hits = Vec::new();
    for i in range.start + 1..range.end {
        let v = store.version[i];
        if !advised[v as usize] {
            continue;
        }
        let advs = &of_crate[u.versions[v as usize].krate as usize];
        let position = (i - range.start) as u16;
        let depth = store.meta[i] & 0x7f;
        for &a in advs {
            let p = &prepared[a as usize];
            if p.affected[(v - p.first) as usize] {
                hits.push(GraphHit { advisory: a, position, depth, fresh: true });
            } else if matcher.older_lockfile_may_hold_affected(a, resolution, g, position as usize) {
                hits.push(GraphHit { advisory: a, position, depth, fresh: false });
            }
        }
    }
    let mut best: Vec<GraphHit> = Vec::with_capacity(hits.len());
    for h in hits {
        match best.iter_mut().find(|b| b.advisory == h.advisory) {
            Some(b) => {
                if (!h.fresh, h.depth) < (!b.fresh, b.depth) {
                    *b = h;
                }
            }
            None => best.push(h),
        }
    }
    best
}

#[derive(Clone, Copy)]
struct GraphHit {
    advisory: u32,
    position: u16,
    depth: u8,
    fresh: bool,
}

/// Requirement questions, answered once per (requirement, advisory).
struct Matcher<'a> {
    u: &'a Universe,
    prepared: &'a [Prepared],
    /// The highest fixed release a requirement matches.
    admits_fixed: HashMap<(ReqId, u32), VersionId>,
    /// Which affected versions (by offset in the crate) a requirement matches; empty when none.
    admits_affected: HashMap<(ReqId, u32), Vec<u64>>,
}

impl<'a> Matcher<'a> {
    fn new(u: &'a Universe, prepared: &'a [Prepared]) -> Matcher<'a> {
        Matcher { u, prepared, admits_fixed: HashMap::default(), admits_affected: HashMap::default() }
    }

    fn highest_fixed(&mut self, req: ReqId, a: u32) -> VersionId {
        let (u, p) = (self.u, &self.prepared[a as usize]);
        *self.admits_fixed.entry((req, a)).or_insert_with(|| {
            let r = &u.reqs[req as usize];
            match (&r.req, r.krate == p.krate) {
                (Some(parsed), true) => {
                    p.fixed.iter().rev().copied().find(|&f| parsed.matches(u.version(f))).unwrap_or(NONE)
                }
                _ => NONE,
            }
        })
    }

    fn affected_admitted(&mut self, req: ReqId, a: u32) -> &Vec<u64> {
        let (u, p) = (self.u, &self.prepared[a as usize]);
        self.admits_affected.entry((req, a)).or_insert_with(|| {
            let c = &u.crates[p.krate as usize];
            let mut bits = vec![0u64; (c.len as usize).div_ceil(64)];
            let r = &u.reqs[req as usize];
            if let (Some(parsed), true) = (&r.req, r.krate == p.krate) {
                for (i, &affected) in p.affected.iter().enumerate() {
                    if affected && parsed.matches(u.version(c.first + i as u32)) {
                        bits[i / 64] |= 1 << (i % 64);
                    }
                }
            }
            if bits.iter().all(|&w| w == 0) { Vec::new() } else { bits }
        })
    }

    /// Whether every requirement on the node at `position` of graph `g` also allows some affected
    /// version.
    fn older_lockfile_may_hold_affected(&mut self, a: u32, resolution: &Resolution, g: u32, position: usize) -> bool {
        let (s, range) = resolution.store.nodes(g);
        let i = range.start + position;
        let (_, base) = resolution.store.edges(g);
        let start = if position == 0 { 0 } else { s.in_end[i - 1] as usize };
        let reqs = &s.in_req[base + start..base + s.in_end[i] as usize];
        let Some((&first, rest)) = reqs.split_first() else { return false };
        let mut common = self.affected_admitted(first, a).clone();
        for &req in rest {
            if common.is_empty() {
                return false;
            }
            let bits = self.affected_admitted(req, a);
            if bits.is_empty() {
                return false;
            }
            common.iter_mut().zip(bits.iter()).for_each(|(x, y)| *x &= y);
        }
        common.iter().any(|&w| w != 0)
    }

    /// Classifies a fresh or older-lockfile exposure of `root` (whose graph is `graph`).
    fn classify(&mut self, resolution: &Resolution, root: VersionId, graph: u32, h: &GraphHit) -> Hit {
        let mut hit = Hit {
            advisory: h.advisory,
            root,
            position: h.position,
            depth: h.depth,
            class: FixClass::CargoUpdate,
            blocker: u16::MAX,
            requirement: NONE,
            fixed_in: NONE,
        };
        if !h.fresh {
            return hit;
        }
        // Versions of one crate have ids in version order: comparing ids compares versions.
        let store = &resolution.store;
        let (segment, range) = store.nodes(graph);
        let version = segment.version[range.start + h.position as usize];
        let p = &self.prepared[h.advisory as usize];
        if p.fixed.last().is_none_or(|&f| f <= version) {
            hit.class = FixClass::NoFixedRelease;
            return hit;
        }
        hit.class = FixClass::ManifestChange;
        let i = range.start + h.position as usize;
        let (_, base) = store.edges(graph);
        let start = if h.position == 0 { 0 } else { segment.in_end[i - 1] as usize };
        for e in base + start..base + segment.in_end[i] as usize {
            let (parent, req) = (segment.in_parent[e] as usize, segment.in_req[e]);
            let best = self.highest_fixed(req, h.advisory);
            if best == NONE || best <= version {
                hit.blocker = parent as u16;
                hit.requirement = req;
                let blocker = if parent == 0 { root } else { segment.version[range.start + parent] };
                hit.fixed_in = self.first_release_letting_fix_through(blocker, h.advisory, version);
                break;
            }
        }
        hit
    }

    /// The smallest non-yanked release of `blocker`'s crate above it whose normal and build
    /// requirements on the advised crate all admit a fixed release above `threshold` (or that has
    /// none).
    fn first_release_letting_fix_through(&mut self, blocker: VersionId, a: u32, threshold: VersionId) -> VersionId {
        let u = self.u;
        let krate = self.prepared[a as usize].krate;
        let c = &u.crates[u.versions[blocker as usize].krate as usize];
        for y in blocker + 1..c.first + c.len {
            if u.versions[y as usize].yanked || !u.versions[y as usize].valid {
                continue;
            }
            let summary = u.summary(y);
            if summary.deps.iter().filter(|d| u.reqs[d.req as usize].krate == krate).all(|d| {
                let best = self.highest_fixed(d.req, a);
                best != NONE && best > threshold
            }) {
                return y;
            }
        }
        NONE
    }
}

impl Exposure {
    /// How many versions "Painter-style" counting would mark exposed to at least one advisory: each
    /// version linked to every version of each crate it depends on (normal and build dependencies,
    /// optional ones included; no requirement matched, no feature evaluated), so exposed as soon as a
    /// crate it reaches that way has any affected version. Compare with
    /// [`ExposureStats::exposed_versions`], which resolution gives.
    pub fn painter_style_exposed(&self) -> usize {
        let u = &self.resolution.universe;
        let n = u.crates.len();
        let mut deps_of: Vec<Vec<CrateId>> = vec![Vec::new(); n];
        for (k, c) in u.crates.iter().enumerate() {
            let mut out: Vec<CrateId> = (c.first..c.first + c.len)
                .flat_map(|v| u.summary(v).deps.iter().map(|d| u.reqs[d.req as usize].krate))
                .filter(|&d| d != NONE)
                .collect();
            out.sort_unstable();
            out.dedup();
            deps_of[k] = out;
        }
        let mut reaches = vec![false; n];
        for r in &self.reach {
            if r.affected_versions > 0
                && let Some(k) = self.resolution.crate_id(&r.package)
            {
                reaches[k as usize] = true;
            }
        }
        loop {
            let mut changed = false;
            for k in 0..n {
                if !reaches[k] && deps_of[k].iter().any(|&d| reaches[d as usize]) {
                    reaches[k] = true;
                    changed = true;
                }
            }
            if !changed {
                break;
            }
        }
        (0..u.versions.len() as VersionId)
            .filter(|&v| {
                u.summary(v).deps.iter().any(|d| {
                    let k = u.reqs[d.req as usize].krate;
                    k != NONE && reaches[k as usize]
                })
            })
            .count()
    }
}
