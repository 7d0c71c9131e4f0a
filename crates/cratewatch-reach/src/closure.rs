//! The fast path: the "all-highest" closure of a root.
//!
//! Every dependency edge picks the highest valid, non-yanked version its requirement allows, and
//! features are unified per package, until nothing changes. If that closure is consistent (no two
//! versions in one semver-compatibility slot, no `links` value twice, every feature asked for
//! exists, every dependency has a candidate), it is exactly what Cargo's resolver finds: Cargo tries
//! the highest candidate of each dependency first, and in a consistent closure none of them is ever
//! rejected, so its depth-first search never backtracks and activates the same least fixpoint. Any
//! inconsistency sends the root to [`crate::cargo`], which replays Cargo's search order and
//! backtracking.

use crate::hash::FxHashMap as HashMap;

use crate::graph::{Edge, Graph};
use crate::universe::{FValue, NONE, StrId, Universe, VersionId};

/// What the closure found.
pub(crate) enum Closure {
    /// A consistent closure: Cargo's answer.
    Consistent(Graph),
    /// Something Cargo would have to search around: resolve with the full search.
    Inconsistent(Why),
}

/// Why a closure is inconsistent: the first thing found that the highest candidates cannot satisfy.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum Why {
    /// A requirement has no candidate at all.
    NoCandidate,
    /// Two requirements want different versions of one semver-compatibility slot.
    Slot,
    /// Two packages link the same native library.
    Links,
    /// A package lacks a feature asked of it.
    MissingFeature,
    /// A feature includes itself.
    FeatureCycle,
}

#[derive(Clone, Copy)]
enum Task {
    Edge { act: u32, dep: u16 },
    Feature { act: u32, feature: u16 },
    Name { act: u32, name: u16 },
    DepFeature { act: u32, name: u16, feature: StrId },
    Request { act: u32, feature: StrId },
    Default { act: u32 },
}

struct Act {
    version: VersionId,
    summary: u32,
    /// Offsets of this package's bitsets: enabled features, enabled dependency names, activated
    /// dependency edges.
    features: u32,
    names: u32,
    deps: u32,
    first_edge: u32,
}

/// Reusable state of one thread's closures.
pub(crate) struct ClosureScratch {
    slot_act: Vec<u32>,
    links_act: Vec<u32>,
    acts: Vec<Act>,
    bits: Vec<u64>,
    name_features: HashMap<(u32, u16), Vec<StrId>>,
    edges: Vec<Edge>,
    edge_next: Vec<u32>,
    tasks: Vec<Task>,
    /// The two versions that collided in the last inconsistent closure (slot or `links`), for messages.
    pub(crate) collision: Option<(VersionId, VersionId)>,
}

impl ClosureScratch {
    pub(crate) fn new(universe: &Universe) -> ClosureScratch {
        ClosureScratch {
            slot_act: vec![NONE; universe.slot_count as usize],
            links_act: vec![NONE; universe.links_count as usize],
            acts: Vec::new(),
            bits: Vec::new(),
            name_features: HashMap::default(),
            edges: Vec::new(),
            edge_next: Vec::new(),
            tasks: Vec::new(),
            collision: None,
        }
    }

    fn reset(&mut self, universe: &Universe) {
        for act in &self.acts {
            let v = &universe.versions[act.version as usize];
            self.slot_act[v.slot as usize] = NONE;
            if v.links != NONE {
                self.links_act[v.links as usize] = NONE;
            }
        }
        self.acts.clear();
        self.bits.clear();
        self.name_features.clear();
        self.edges.clear();
        self.edge_next.clear();
        self.tasks.clear();
    }

    /// The closure of `root`, whose summary must be valid.
    pub(crate) fn run(&mut self, u: &Universe, root: VersionId) -> Closure {
        self.reset(u);
        let result = self.close(u, root);
        let closure = match result {
            Ok(()) => Closure::Consistent(Graph {
                nodes: self.acts.iter().map(|a| a.version).collect(),
                edges: std::mem::take(&mut self.edges),
            }),
            Err(why) => Closure::Inconsistent(why),
        };
        self.reset(u);
        closure
    }

    fn close(&mut self, u: &Universe, root: VersionId) -> Result<(), Why> {
        let root_act = self.activate(u, root)?;
        self.tasks.push(Task::Default { act: root_act });
        while let Some(task) = self.tasks.pop() {
            match task {
                Task::Edge { act, dep } => self.edge(u, act, dep)?,
                Task::Default { act } => {
                    if let Some(default) = u.summaries[self.acts[act as usize].summary as usize].default {
                        self.tasks.push(Task::Feature { act, feature: default });
                    }
                }
                Task::Request { act, feature } => {
                    let summary = &u.summaries[self.acts[act as usize].summary as usize];
                    // A feature the package does not have: Cargo rejects this candidate.
                    let feature = summary.feature(feature).ok_or(Why::MissingFeature)?;
                    self.tasks.push(Task::Feature { act, feature });
                }
                Task::Feature { act, feature } => self.feature(u, act, feature)?,
                Task::Name { act, name } => self.name(u, act, name),
                Task::DepFeature { act, name, feature } => self.dep_feature(u, act, name, feature),
            }
        }
        Ok(())
    }

    fn bit(&mut self, offset: u32, i: u16) -> bool {
        let word = &mut self.bits[offset as usize + i as usize / 64];
        let mask = 1u64 << (i % 64);
        let was = *word & mask != 0;
        *word |= mask;
        was
    }

    /// Activates `version`: it must not conflict with what is active. Its required dependencies are
    /// queued.
    fn activate(&mut self, u: &Universe, version: VersionId) -> Result<u32, Why> {
        let entry = &u.versions[version as usize];
        if entry.links != NONE {
            if self.links_act[entry.links as usize] != NONE {
                self.collision = Some((self.acts[self.links_act[entry.links as usize] as usize].version, version));
                return Err(Why::Links);
            }
            self.links_act[entry.links as usize] = self.acts.len() as u32;
        }
        let act = self.acts.len() as u32;
        self.slot_act[entry.slot as usize] = act;
        let summary = &u.summaries[entry.summary as usize];
        let words = |n: usize| n.div_ceil(64) as u32;
        let features = self.bits.len() as u32;
        let names = features + words(summary.features.len());
        let deps = names + words(summary.names.len());
        let end = deps + words(summary.deps.len());
        self.bits.resize(end as usize, 0);
        self.acts.push(Act { version, summary: entry.summary, features, names, deps, first_edge: NONE });
        for (i, dep) in summary.deps.iter().enumerate() {
            if !dep.optional {
                self.tasks.push(Task::Edge { act, dep: i as u16 });
            }
        }
        Ok(act)
    }

    fn edge(&mut self, u: &Universe, act: u32, dep_index: u16) -> Result<(), Why> {
        let deps_offset = self.acts[act as usize].deps;
        if self.bit(deps_offset, dep_index) {
            return Ok(());
        }
        let summary = &u.summaries[self.acts[act as usize].summary as usize];
        let dep = &summary.deps[dep_index as usize];
        let target = u.reqs[dep.req as usize].best;
        if target == NONE {
            return Err(Why::NoCandidate);
        }
        let slot = u.versions[target as usize].slot;
        let existing = self.slot_act[slot as usize];
        let to = if existing != NONE {
            if self.acts[existing as usize].version != target {
                self.collision = Some((self.acts[existing as usize].version, target));
                return Err(Why::Slot);
            }
            existing
        } else {
            self.activate(u, target)?
        };
        let edge = self.edges.len() as u32;
        self.edges.push(Edge { from: act, to, req: dep.req, dep: dep_index, build: dep.build });
        self.edge_next.push(self.acts[act as usize].first_edge);
        self.acts[act as usize].first_edge = edge;
        if dep.default_features {
            self.tasks.push(Task::Default { act: to });
        }
        for &feature in dep.features.iter() {
            self.tasks.push(Task::Request { act: to, feature });
        }
        if let Some(features) = self.name_features.get(&(act, dep.name)) {
            for &feature in features {
                self.tasks.push(Task::Request { act: to, feature });
            }
        }
        Ok(())
    }

    fn feature(&mut self, u: &Universe, act: u32, feature: u16) -> Result<(), Why> {
        let offset = self.acts[act as usize].features;
        if self.bit(offset, feature) {
            return Ok(());
        }
        let summary = &u.summaries[self.acts[act as usize].summary as usize];
        for &value in summary.features[feature as usize].values.iter() {
            match value {
                // A feature that includes itself is a fatal error in Cargo: let the full search report it.
                FValue::Feature(f) if f == feature => return Err(Why::FeatureCycle),
                FValue::Feature(f) => self.tasks.push(Task::Feature { act, feature: f }),
                FValue::Dep(name) => self.tasks.push(Task::Name { act, name }),
                FValue::DepFeature { name, feature: f, weak } => {
                    // `x/f` also enables the optional dependency's own feature `x`; `x?/f` does not. In
                    // Cargo's dependency resolver both activate the dependency `x` itself ("weak
                    // features are always activated in the dependency resolver").
                    let dep_name = &summary.names[name as usize];
                    if !weak
                        && dep_name.optional
                        && let Some(own) = summary.feature(dep_name.name)
                    {
                        self.tasks.push(Task::Feature { act, feature: own });
                    }
                    self.tasks.push(Task::Name { act, name });
                    self.tasks.push(Task::DepFeature { act, name, feature: f });
                }
            }
        }
        Ok(())
    }

    fn name(&mut self, u: &Universe, act: u32, name: u16) {
        let offset = self.acts[act as usize].names;
        if self.bit(offset, name) {
            return;
        }
        let summary = &u.summaries[self.acts[act as usize].summary as usize];
        // A name with only a dev dependency (`x/f` where `x` is a dev dependency) enables nothing: Cargo
        // checks that a feature names a real dependency only for workspace members, never for a
        // registry package.
        for &dep in summary.names[name as usize].deps.iter() {
            if summary.deps[dep as usize].optional {
                self.tasks.push(Task::Edge { act, dep });
            }
        }
    }

    fn dep_feature(&mut self, u: &Universe, act: u32, name: u16, feature: StrId) {
        let list = self.name_features.entry((act, name)).or_default();
        if list.contains(&feature) {
            return;
        }
        list.push(feature);
        let summary = &u.summaries[self.acts[act as usize].summary as usize];
        let mut edge = self.acts[act as usize].first_edge;
        while edge != NONE {
            let e = self.edges[edge as usize];
            if summary.deps[e.dep as usize].name == name {
                self.tasks.push(Task::Request { act: e.to, feature });
            }
            edge = self.edge_next[edge as usize];
        }
    }
}
