//! [`Resolution`]: every version of a registry resolved, built on every core, kept compact, and the
//! lookups over it.

use std::collections::HashMap;
use std::fmt;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use cratewatch_index::IndexSnapshot;
use semver::Version;

use crate::cargo::{Fail, SearchScratch};
use crate::closure::{Closure, ClosureScratch, Why};
use crate::graph::{Compact, Graph};
use crate::universe::{NONE, ReqId, Universe, VersionId};

/// A published version of a crate, as a dense id of one [`Resolution`] (valid only with the resolution
/// that gave it out).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Pkg(pub(crate) u32);

impl Pkg {
    /// The id as a number, `0..Resolution::version_count()`: versions of one crate are consecutive, in
    /// increasing version order.
    pub fn index(self) -> u32 {
        self.0
    }
}

/// How far a long computation has got, for a progress display.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Progress {
    /// What is being done: `compiling` (the index into dense ids) or `resolving`.
    pub stage: &'static str,
    /// Units done so far (versions, when resolving).
    pub done: usize,
    /// Units in all.
    pub total: usize,
}

/// Options of [`Resolution::build_with`].
#[derive(Clone, Debug, Default)]
#[non_exhaustive]
pub struct ResolveOptions {
    /// How many threads resolve (default: one per core).
    pub threads: Option<usize>,
}

/// Why a version has no resolution.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Unresolved {
    /// Cargo cannot use the version's index entry at all (an unparsable requirement, an invalid
    /// target or feature table).
    InvalidEntry {
        /// What is wrong with it.
        reason: String,
    },
    /// No version of a dependency can be chosen, whatever else is chosen.
    NoCandidate {
        /// The crate whose requirement failed last.
        dependency: String,
        /// The requirement.
        requirement: String,
        /// The version that asked for it (`name version`).
        required_by: String,
        /// Whether the registry holds a crate of that name at all.
        crate_exists: bool,
    },
    /// The version itself cannot be activated (no resolution starts).
    RootConflict,
    /// A feature of some package includes itself, which Cargo refuses.
    FeatureCycle {
        /// The package (`name version`).
        package: String,
        /// The feature.
        feature: String,
    },
    /// The resolved normal and build dependencies form a cycle, which Cargo refuses.
    DependencyCycle,
    /// The search for a resolution took longer than its step limit.
    TooComplex,
}

impl Unresolved {
    /// A stable kebab-case code: `invalid-entry`, `no-candidate`, `root-conflict`, `feature-cycle`,
    /// `dependency-cycle` or `too-complex`. New codes may be added; existing ones never change.
    pub fn code(&self) -> &'static str {
        match self {
            Unresolved::InvalidEntry { .. } => "invalid-entry",
            Unresolved::NoCandidate { .. } => "no-candidate",
            Unresolved::RootConflict => "root-conflict",
            Unresolved::FeatureCycle { .. } => "feature-cycle",
            Unresolved::DependencyCycle => "dependency-cycle",
            Unresolved::TooComplex => "too-complex",
        }
    }
}

impl fmt::Display for Unresolved {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Unresolved::InvalidEntry { reason } => write!(f, "Cargo cannot use this index entry: {reason}"),
            Unresolved::NoCandidate { dependency, requirement, required_by, crate_exists: true } => write!(
                f,
                "no version of `{dependency}` matching `{requirement}` (required by {required_by}) can be chosen"
            ),
            Unresolved::NoCandidate { dependency, requirement, required_by, crate_exists: false } => {
                write!(f, "`{dependency}` (`{requirement}`, required by {required_by}) is not in the registry")
            }
            Unresolved::RootConflict => f.write_str("the version itself cannot be activated"),
            Unresolved::FeatureCycle { package, feature } => {
                write!(f, "feature `{feature}` of {package} includes itself")
            }
            Unresolved::DependencyCycle => f.write_str("the resolved dependencies form a cycle"),
            Unresolved::TooComplex => f.write_str("the search for a resolution exceeded its step limit"),
        }
    }
}

/// Counts and timings of a [`Resolution`].
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ResolutionStats {
    /// Crates in the index.
    pub crates: usize,
    /// Versions in the index (every one is a root).
    pub versions: usize,
    /// Yanked versions (resolved too, as a lockfile that already holds them would be).
    pub yanked: usize,
    /// Versions with a resolution.
    pub resolved: usize,
    /// Versions without one, by [`Unresolved::code`].
    pub unresolved: Vec<(&'static str, usize)>,
    /// Roots whose all-highest closure was consistent (no search needed).
    pub closure_roots: usize,
    /// Roots that needed the full search.
    pub searched_roots: usize,
    /// Why their all-highest closure was inconsistent (`slot`: two requirements want different
    /// versions of one semver-compatibility slot; `missing-feature`; `links`; `no-candidate`;
    /// `feature-cycle`), with the number of roots and one example root (`name version`).
    pub searched_because: Vec<(&'static str, usize, String)>,
    /// Roots that shared another version's graph (same dependencies and features).
    pub shared_roots: usize,
    /// Distinct graphs stored.
    pub graphs: usize,
    /// Packages over all roots' resolutions (each root counts its whole graph, itself included).
    pub packages: u64,
    /// Nodes and edges stored (shared graphs once).
    pub stored_nodes: u64,
    /// Dependency edges stored.
    pub stored_edges: u64,
    /// Time spent compiling the index into dense ids.
    pub compile_time: Duration,
    /// Time spent resolving.
    pub resolve_time: Duration,
}

/// The compact graphs: per graph a run of nodes, per node a run of incoming edges.
#[derive(Default)]
pub(crate) struct Store {
    /// Per graph, its first node; one more entry at the end.
    pub(crate) graph_start: Vec<u64>,
    /// Per graph, its first incoming edge.
    pub(crate) edge_start: Vec<u64>,
    /// Per node: the version (`NONE` for node 0, which is whichever root uses the graph).
    pub(crate) version: Vec<u32>,
    /// Per node: its depth (7 bits) and whether only build dependencies reach it (the high bit).
    pub(crate) meta: Vec<u8>,
    /// Per node: the position of its parent on a shortest path.
    pub(crate) parent: Vec<u16>,
    /// Per node: the end of its incoming edges, relative to the graph's first edge.
    pub(crate) in_end: Vec<u32>,
    /// Per edge: the dependent's position, and the requirement.
    pub(crate) in_parent: Vec<u16>,
    pub(crate) in_req: Vec<ReqId>,
}

impl Store {
    fn push(&mut self, compact: &Compact) -> Option<u32> {
        if compact.nodes.len() > u16::MAX as usize {
            return None;
        }
        if self.graph_start.is_empty() {
            self.graph_start.push(0);
            self.edge_start.push(0);
        }
        let id = (self.graph_start.len() - 1) as u32;
        for (i, node) in compact.nodes.iter().enumerate() {
            self.version.push(if i == 0 { NONE } else { node.version });
            self.meta.push(node.depth.min(127) | if node.build_only { 0x80 } else { 0 });
            self.parent.push(node.parent as u16);
            self.in_end.push(compact.in_end[i]);
        }
        self.in_parent.extend(compact.in_parent.iter().map(|&p| p as u16));
        self.in_req.extend_from_slice(&compact.in_req);
        self.graph_start.push(self.version.len() as u64);
        self.edge_start.push(self.in_parent.len() as u64);
        Some(id)
    }

    pub(crate) fn graphs(&self) -> usize {
        self.graph_start.len().saturating_sub(1)
    }

    fn shrink(&mut self) {
        self.graph_start.shrink_to_fit();
        self.edge_start.shrink_to_fit();
        self.version.shrink_to_fit();
        self.meta.shrink_to_fit();
        self.parent.shrink_to_fit();
        self.in_end.shrink_to_fit();
        self.in_parent.shrink_to_fit();
        self.in_req.shrink_to_fit();
    }
}

/// The graphs of every thread, kept where each thread stored them (merging would copy gigabytes on a
/// large registry): graph ids run on from one segment to the next.
#[derive(Default)]
pub(crate) struct Stores {
    segments: Vec<Store>,
    /// The first graph id of each segment.
    base: Vec<u32>,
    graphs: usize,
}

impl Stores {
    fn add(&mut self, mut store: Store) -> u32 {
        store.shrink();
        let base = self.graphs as u32;
        self.graphs += store.graphs();
        self.base.push(base);
        self.segments.push(store);
        base
    }

    pub(crate) fn graphs(&self) -> usize {
        self.graphs
    }

    /// The segment holding graph `g`, and `g`'s id within it.
    fn locate(&self, g: u32) -> (&Store, usize) {
        let i = self.base.partition_point(|&b| b <= g) - 1;
        (&self.segments[i], (g - self.base[i]) as usize)
    }

    /// Graph `g`'s segment and the range of its nodes there.
    pub(crate) fn nodes(&self, g: u32) -> (&Store, std::ops::Range<usize>) {
        let (s, local) = self.locate(g);
        (s, s.graph_start[local] as usize..s.graph_start[local + 1] as usize)
    }

    /// Graph `g`'s segment and the position there of its first incoming edge.
    pub(crate) fn edges(&self, g: u32) -> (&Store, usize) {
        let (s, local) = self.locate(g);
        (s, s.edge_start[local] as usize)
    }

    fn node_count(&self) -> u64 {
        self.segments.iter().map(|s| s.version.len() as u64).sum()
    }

    fn edge_count(&self) -> u64 {
        self.segments.iter().map(|s| s.in_parent.len() as u64).sum()
    }
}

/// Every version of a registry index resolved as a fresh `cargo generate-lockfile` would resolve a
/// project depending on exactly that version with default features. Built once per index, independent
/// of any advisory: see the crate documentation.
pub struct Resolution {
    pub(crate) universe: Universe,
    /// Per version: the graph id of its resolution, or `NONE`.
    pub(crate) root_graph: Vec<u32>,
    /// The versions without a resolution, sorted by version id.
    pub(crate) unresolved: Vec<(VersionId, Unresolved)>,
    pub(crate) store: Stores,
    stats: ResolutionStats,
}

impl fmt::Debug for Resolution {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Resolution").field("stats", &self.stats).finish_non_exhaustive()
    }
}

/// What one worker thread produced.
#[derive(Default)]
struct Part {
    roots: Vec<(VersionId, Result<u32, Unresolved>)>,
    store: Store,
    closure_roots: usize,
    searched_roots: usize,
    searched_because: Vec<(Why, usize, VersionId)>,
    shared_roots: usize,
}

impl Resolution {
    /// Resolves every version of `index` on every core, reporting progress to `progress`.
    pub fn build(index: &IndexSnapshot, progress: &(dyn Fn(Progress) + Sync)) -> Resolution {
        Resolution::build_with(index, &ResolveOptions::default(), progress)
    }

    /// [`Resolution::build`] with options.
    pub fn build_with(
        index: &IndexSnapshot,
        options: &ResolveOptions,
        progress: &(dyn Fn(Progress) + Sync),
    ) -> Resolution {
        Resolution::build_until(index, options, progress, &|| false)
            .unwrap_or_else(|| unreachable!("a resolution never told to stop runs to its end"))
    }

    /// [`Resolution::build_with`] that gives up when `stop` says so (it is asked every few
    /// milliseconds, while the index is compiled and from every resolving thread): `None` then. A
    /// service shutting down uses it so that it need not wait for a whole registry to be resolved.
    pub fn build_until(
        index: &IndexSnapshot,
        options: &ResolveOptions,
        progress: &(dyn Fn(Progress) + Sync),
        stop: &(dyn Fn() -> bool + Sync),
    ) -> Option<Resolution> {
        let started = Instant::now();
        progress(Progress { stage: "compiling", done: 0, total: index.version_count() });
        let universe = Universe::build_until(index, stop)?;
        let compile_time = started.elapsed();
        let started = Instant::now();
        let total = universe.versions.len();
        let threads =
            options.threads.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get())).clamp(1, 64);
        let next_crate = AtomicUsize::new(0);
        let done = AtomicUsize::new(0);
        let stopped = std::sync::atomic::AtomicBool::new(false);
        let step = (total / 100).max(1000);
        progress(Progress { stage: "resolving", done: 0, total });
        let parts: Vec<Part> = std::thread::scope(|scope| {
            let handles: Vec<_> = (0..threads)
                .map(|_| {
                    scope.spawn(|| {
                        let mut part = Part::default();
                        let mut closure = ClosureScratch::new(&universe);
                        let mut search = SearchScratch::new(&universe);
                        const CHUNK: usize = 32;
                        loop {
                            if stopped.load(Ordering::Relaxed) || stop() {
                                stopped.store(true, Ordering::Relaxed);
                                break;
                            }
                            let first = next_crate.fetch_add(CHUNK, Ordering::Relaxed);
                            if first >= universe.crates.len() {
                                break;
                            }
                            let mut count = 0;
                            for krate in first..(first + CHUNK).min(universe.crates.len()) {
                                count += resolve_crate(&universe, krate as u32, &mut closure, &mut search, &mut part);
                            }
                            let before = done.fetch_add(count, Ordering::Relaxed);
                            if (before + count) / step != before / step {
                                progress(Progress { stage: "resolving", done: before + count, total });
                            }
                        }
                        part
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap_or_else(|p| std::panic::resume_unwind(p))).collect()
        });

        let mut store = Stores::default();
        let mut root_graph = vec![NONE; total];
        let mut unresolved = Vec::new();
        let (mut closure_roots, mut searched_roots, mut shared_roots) = (0, 0, 0);
        let mut because: Vec<(Why, usize, VersionId)> = Vec::new();
        for part in parts {
            closure_roots += part.closure_roots;
            searched_roots += part.searched_roots;
            for (why, n, example) in part.searched_because {
                match because.iter_mut().find(|w| w.0 == why) {
                    Some(w) => {
                        w.1 += n;
                        w.2 = w.2.min(example);
                    }
                    None => because.push((why, n, example)),
                }
            }
            shared_roots += part.shared_roots;
            let base = store.add(part.store);
            for (v, result) in part.roots {
                match result {
                    Ok(g) => root_graph[v as usize] = base + g,
                    Err(why) => unresolved.push((v, why)),
                }
            }
        }
        unresolved.sort_by_key(|u| u.0);
        let resolve_time = started.elapsed();
        let stopped = stopped.into_inner();
        if !stopped {
            progress(Progress { stage: "resolving", done: total, total });
        }

        let mut codes: Vec<(&'static str, usize)> = Vec::new();
        for (_, why) in &unresolved {
            match codes.iter_mut().find(|c| c.0 == why.code()) {
                Some(c) => c.1 += 1,
                None => codes.push((why.code(), 1)),
            }
        }
        codes.sort();
        let packages = root_graph.iter().filter(|&&g| g != NONE).map(|&g| store.nodes(g).1.len() as u64).sum();
        let stats = ResolutionStats {
            crates: universe.crates.len(),
            versions: total,
            yanked: universe.versions.iter().filter(|v| v.yanked).count(),
            resolved: total - unresolved.len(),
            unresolved: codes,
            closure_roots,
            searched_roots,
            searched_because: {
                because.sort();
                because
                    .iter()
                    .map(|&(why, n, v)| {
                        let code = match why {
                            Why::NoCandidate => "no-candidate",
                            Why::Slot => "slot",
                            Why::Links => "links",
                            Why::MissingFeature => "missing-feature",
                            Why::FeatureCycle => "feature-cycle",
                        };
                        (code, n, format!("{} {}", universe.crate_name(v), universe.version(v)))
                    })
                    .collect()
            },
            shared_roots,
            graphs: store.graphs(),
            packages,
            stored_nodes: store.node_count(),
            stored_edges: store.edge_count(),
            compile_time,
            resolve_time,
        };
        (!stopped).then_some(Resolution { universe, root_graph, unresolved, store, stats })
    }

    /// Development aid: how one version resolves (which path, what result), as text.
    #[doc(hidden)]
    pub fn build_one(index: &IndexSnapshot, name: &str, version: &Version) -> String {
        let u = Universe::build(index);
        let Some(krate) = u.crates.iter().position(|c| c.versions.name == name) else { return "no such crate".into() };
        let Some(v) = u.find_version(krate as u32, version) else { return "no such version".into() };
        let describe = |g: &Graph| {
            let mut names: Vec<String> =
                g.nodes.iter().map(|&n| format!("{} {}", u.crate_name(n), u.version(n))).collect();
            names.sort();
            names.join("\n")
        };
        let mut closure = ClosureScratch::new(&u);
        let closure = match closure.run(&u, v) {
            Closure::Consistent(g) => format!("closure: consistent, {} packages\n{}", g.nodes.len(), describe(&g)),
            Closure::Inconsistent(why) => format!(
                "closure: inconsistent ({why:?}{})",
                closure.collision.map_or(String::new(), |(a, b)| format!(
                    ": {} {} and {} {}",
                    u.crate_name(a),
                    u.version(a),
                    u.crate_name(b),
                    u.version(b)
                ))
            ),
        };
        let mut search = SearchScratch::new(&u);
        let search = match search.resolve(&u, v) {
            Ok(g) => format!("search: {} packages\n{}", g.nodes.len(), describe(&g)),
            Err(f) => format!("search: {:?}", unresolved(&u, f)),
        };
        format!("{closure}\n{search}")
    }

    /// Counts and timings.
    pub fn stats(&self) -> &ResolutionStats {
        &self.stats
    }
}

/// Resolves every version of one crate into `part`; returns how many versions that was.
fn resolve_crate(
    u: &Universe,
    krate: u32,
    closure: &mut ClosureScratch,
    search: &mut SearchScratch,
    part: &mut Part,
) -> usize {
    let entry = &u.crates[krate as usize];
    // Versions with the same compiled summary and `links` resolve to the same graph, unless the graph
    // holds another version of the root's own crate (then the root's version matters).
    let mut shared: HashMap<(u32, u32), Result<u32, Unresolved>> = HashMap::new();
    for v in (entry.first..entry.first + entry.len).rev() {
        let e = &u.versions[v as usize];
        if !e.valid {
            let reason = match &u.summaries[e.summary as usize].invalid {
                Some(invalid) => invalid.to_string(),
                None => format!("invalid rust-version `{}`", u.entry(v).rust_version.as_deref().unwrap_or("")),
            };
            part.roots.push((v, Err(Unresolved::InvalidEntry { reason })));
            continue;
        }
        let key = (e.summary, e.links);
        if let Some(result) = shared.get(&key) {
            part.shared_roots += 1;
            part.roots.push((v, result.clone()));
            continue;
        }
        let result = match closure.run(u, v) {
            Closure::Consistent(graph) => {
                part.closure_roots += 1;
                if graph.has_cycle() {
                    Err(Unresolved::DependencyCycle)
                } else {
                    // Shared only if nothing else in it is of the root's crate, not even an edge back to
                    // the root: then the root's own version played no part.
                    let shareable = graph.nodes[1..].iter().all(|&n| u.versions[n as usize].krate != krate)
                        && graph.edges.iter().all(|e| e.to != 0);
                    let stored = store(u, &graph, &mut part.store);
                    if shareable && let Ok(g) = stored {
                        shared.insert(key, Ok(g));
                    }
                    stored
                }
            }
            Closure::Inconsistent(why) => {
                part.searched_roots += 1;
                match part.searched_because.iter_mut().find(|w| w.0 == why) {
                    Some(w) => w.1 += 1,
                    None => part.searched_because.push((why, 1, v)),
                }
                // A search that never met the root's crate or `links` value gives the same answer for
                // every version with this summary and `links`.
                let result = match search.resolve(u, v) {
                    Ok(graph) => store(u, &graph, &mut part.store),
                    Err(fail) => Err(unresolved(u, fail)),
                };
                if !search.met_root() {
                    match &result {
                        Ok(g) => {
                            shared.insert(key, Ok(*g));
                        }
                        Err(why) => {
                            shared.insert(key, Err(why.clone()));
                        }
                    }
                }
                result
            }
        };
        part.roots.push((v, result));
    }
    entry.len as usize
}

fn store(_u: &Universe, graph: &Graph, store: &mut Store) -> Result<u32, Unresolved> {
    store.push(&graph.compact()).ok_or(Unresolved::TooComplex)
}

fn unresolved(u: &Universe, fail: Fail) -> Unresolved {
    let describe = |v: VersionId| format!("{} {}", u.crate_name(v), u.version(v));
    match fail {
        Fail::NoCandidate { req, parent } => {
            let r = &u.reqs[req as usize];
            Unresolved::NoCandidate {
                dependency: r.crate_name.to_string(),
                requirement: r.text.to_string(),
                required_by: if parent == NONE { "the root".to_owned() } else { describe(parent) },
                crate_exists: r.krate != NONE,
            }
        }
        Fail::Root => Unresolved::RootConflict,
        Fail::FeatureCycle { version, feature } => {
            Unresolved::FeatureCycle { package: describe(version), feature: u.strings.resolve(feature).to_owned() }
        }
        Fail::DependencyCycle => Unresolved::DependencyCycle,
        Fail::TooComplex => Unresolved::TooComplex,
    }
}

/// How a resolved package is reached from the root.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum DepKind {
    /// The root itself.
    Root,
    /// Through normal dependencies: built into the root's code.
    Normal,
    /// Only through some build dependency: built for a build script.
    Build,
}

impl DepKind {
    /// `root`, `normal` or `build`.
    pub fn as_str(self) -> &'static str {
        match self {
            DepKind::Root => "root",
            DepKind::Normal => "normal",
            DepKind::Build => "build",
        }
    }
}

/// One package of a resolved graph.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Resolved {
    /// The package.
    pub pkg: Pkg,
    /// Its position in [`ResolvedGraph::packages`].
    pub position: usize,
    /// The length of a shortest dependency path from the root (0 for the root, 1 for its direct
    /// dependencies).
    pub depth: u32,
    /// How the root reaches it.
    pub kind: DepKind,
    /// The position of its parent on a shortest path (`None` for the root).
    pub parent: Option<usize>,
}

/// A version's resolved dependency graph: what its lockfile would hold, the version itself first, then
/// the others by depth.
#[derive(Clone, Copy)]
pub struct ResolvedGraph<'r> {
    resolution: &'r Resolution,
    root: Pkg,
    graph: u32,
}

impl fmt::Debug for ResolvedGraph<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ResolvedGraph").field("root", &self.root).field("len", &self.len()).finish()
    }
}

impl<'r> ResolvedGraph<'r> {
    fn range(&self) -> std::ops::Range<usize> {
        self.resolution.store.nodes(self.graph).1
    }

    /// The root version.
    pub fn root(&self) -> Pkg {
        self.root
    }

    /// How many packages the lockfile holds, the root included.
    pub fn len(&self) -> usize {
        self.range().len()
    }

    /// Always false: a graph holds at least its root.
    pub fn is_empty(&self) -> bool {
        false
    }

    /// The package at `position`.
    pub fn get(&self, position: usize) -> Resolved {
        let (s, range) = self.resolution.store.nodes(self.graph);
        let i = range.start + position;
        let meta = s.meta[i];
        let depth = u32::from(meta & 0x7f);
        Resolved {
            pkg: if position == 0 { self.root } else { Pkg(s.version[i]) },
            position,
            depth,
            kind: if position == 0 {
                DepKind::Root
            } else if meta & 0x80 != 0 {
                DepKind::Build
            } else {
                DepKind::Normal
            },
            parent: (position != 0).then_some(s.parent[i] as usize),
        }
    }

    /// Every package, the root first, then by depth and id.
    pub fn packages(&self) -> impl ExactSizeIterator<Item = Resolved> + 'r {
        let this = *self;
        (0..self.len()).map(move |p| this.get(p))
    }

    /// The position of `pkg` in the graph, if the lockfile holds it.
    pub fn position(&self, pkg: Pkg) -> Option<usize> {
        if pkg == self.root {
            return Some(0);
        }
        let (s, range) = self.resolution.store.nodes(self.graph);
        s.version[range].iter().position(|&v| v == pkg.0)
    }

    /// A shortest dependency path from the root to the package at `position`, both included.
    pub fn path(&self, position: usize) -> Vec<Pkg> {
        let mut path = vec![self.get(position)];
        while let Some(parent) = path.last().and_then(|r| r.parent) {
            path.push(self.get(parent));
        }
        path.reverse();
        path.into_iter().map(|r| r.pkg).collect()
    }

    /// The dependents of the package at `position` in this graph, with the requirement each wrote
    /// (`(dependent position, requirement text)`).
    pub fn requirements_on(&self, position: usize) -> Vec<(usize, &'r str)> {
        self.incoming(position).map(|(p, req)| (p, &*self.resolution.universe.reqs[req as usize].text)).collect()
    }

    pub(crate) fn incoming(&self, position: usize) -> impl Iterator<Item = (usize, ReqId)> + 'r {
        let (s, range) = self.resolution.store.nodes(self.graph);
        let i = range.start + position;
        let (_, base) = self.resolution.store.edges(self.graph);
        let start = if position == 0 { 0 } else { s.in_end[i - 1] as usize };
        let end = s.in_end[i] as usize;
        (base + start..base + end).map(move |e| (s.in_parent[e] as usize, s.in_req[e]))
    }
}

/// A version's resolution, or why it has none.
#[derive(Clone, Copy, Debug)]
#[non_exhaustive]
pub enum Outcome<'r> {
    /// The resolved graph.
    Resolved(ResolvedGraph<'r>),
    /// Why Cargo would fail.
    Unresolved(&'r Unresolved),
}

impl Resolution {
    /// The number of versions (the ids of [`Pkg`] are `0..version_count()`).
    pub fn version_count(&self) -> usize {
        self.universe.versions.len()
    }

    /// The version with id `index` (`0..version_count()`).
    pub fn versions_of_index(&self, index: u32) -> Pkg {
        assert!((index as usize) < self.version_count(), "version id {index} out of range");
        Pkg(index)
    }

    /// The version `version` of crate `name` (its exact name, as the index spells it).
    pub fn pkg(&self, name: &str, version: &Version) -> Option<Pkg> {
        let krate = self.crate_id(name)?;
        self.universe.find_version(krate, version).map(Pkg)
    }

    pub(crate) fn crate_id(&self, name: &str) -> Option<u32> {
        let crates = &self.universe.crates;
        // Crates are in the snapshot's order (normalised name); a binary search on that order finds it.
        let norm =
            |s: &str| s.bytes().map(|b| if b == b'_' { b'-' } else { b.to_ascii_lowercase() }).collect::<Vec<u8>>();
        let key = norm(name);
        let start = crates.partition_point(|c| norm(&c.versions.name) < key);
        crates[start..]
            .iter()
            .take_while(|c| norm(&c.versions.name) == key)
            .position(|c| c.versions.name == name)
            .map(|i| (start + i) as u32)
    }

    /// Every version of crate `name` (exact name), in increasing version order.
    pub fn versions_of(&self, name: &str) -> Option<impl ExactSizeIterator<Item = Pkg> + '_> {
        let c = &self.universe.crates[self.crate_id(name)? as usize];
        Some((c.first..c.first + c.len).map(Pkg))
    }

    /// The crate name of `pkg`, as the index spells it.
    pub fn name(&self, pkg: Pkg) -> &str {
        self.universe.crate_name(pkg.0)
    }

    /// The version number of `pkg`.
    pub fn version(&self, pkg: Pkg) -> &Version {
        self.universe.version(pkg.0)
    }

    /// Whether `pkg` is yanked.
    pub fn is_yanked(&self, pkg: Pkg) -> bool {
        self.universe.versions[pkg.0 as usize].yanked
    }

    /// The newest version of `pkg`'s crate that is not yanked (the newest of all when every one is).
    pub fn newest_of_crate(&self, pkg: Pkg) -> Pkg {
        let c = &self.universe.crates[self.universe.versions[pkg.0 as usize].krate as usize];
        let range = c.first..c.first + c.len;
        let newest = range
            .clone()
            .rev()
            .find(|&v| !self.universe.versions[v as usize].yanked && self.version(Pkg(v)).pre.is_empty());
        Pkg(newest
            .or_else(|| range.clone().rev().find(|&v| !self.universe.versions[v as usize].yanked))
            .unwrap_or(range.end - 1))
    }

    /// `pkg`'s resolution, or why it has none.
    pub fn outcome(&self, pkg: Pkg) -> Outcome<'_> {
        match self.root_graph[pkg.0 as usize] {
            NONE => {
                let i =
                    self.unresolved.binary_search_by_key(&pkg.0, |u| u.0).expect("an unresolved version has a reason");
                Outcome::Unresolved(&self.unresolved[i].1)
            }
            graph => Outcome::Resolved(ResolvedGraph { resolution: self, root: pkg, graph }),
        }
    }

    /// `pkg`'s resolved graph, if it has one.
    pub fn graph(&self, pkg: Pkg) -> Option<ResolvedGraph<'_>> {
        match self.outcome(pkg) {
            Outcome::Resolved(g) => Some(g),
            Outcome::Unresolved(_) => None,
        }
    }

    /// Every version without a resolution, and why.
    pub fn unresolved(&self) -> impl ExactSizeIterator<Item = (Pkg, &Unresolved)> + '_ {
        self.unresolved.iter().map(|(v, why)| (Pkg(*v), why))
    }
}
