//! The full search: Cargo's dependency resolver (`core/resolver`), replayed on the compiled universe,
//! for the roots whose all-highest closure is inconsistent.
//!
//! It follows Cargo's order exactly, because the order decides which of several consistent answers is
//! found: the dependency to satisfy next is the first of the frame whose next dependency has the
//! fewest candidates (ties to the frame pushed first), a package's dependencies are sorted by their
//! number of candidates, candidates are tried highest first, a candidate is skipped when another
//! version holds its semver-compatibility slot or its `links` value, a package activated again with
//! new features has those features' dependencies added, and a candidate that lacks a requested feature
//! is rejected.
//!
//! On a dead end it back-jumps as Cargo does (`find_candidate`): the dependency failed because of a set
//! of active packages (those holding the slots or `links` values its candidates needed, and its
//! dependent), so it returns to the latest choice made before the newest of them was activated,
//! skipping every later choice, which could not change the outcome. Cargo also keeps a cache of
//! known conflicts to prune further; that pruning only skips choices that cannot lead to a solution,
//! so the first solution is the same, and this search does without it. It gives up after
//! [`TICK_LIMIT`] steps.
//!
//! Where Cargo clones its context at every choice point (with persistent maps), this search mutates one
//! state and records every change on an undo trail: going back to a choice undoes the trail to the
//! mark the choice left.

use std::rc::Rc;

use crate::hash::FxHashMap as HashMap;

use crate::graph::{Edge, Graph};
use crate::universe::{FValue, NONE, ReqId, StrId, Summary, Universe, VersionId};

/// How many dependencies the search may try to satisfy before giving up on a root.
pub(crate) const TICK_LIMIT: u32 = 5_000_000;

/// Why the search found no resolution.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Fail {
    /// No candidate of this requirement could be activated, whatever was tried before it.
    NoCandidate { req: ReqId, parent: VersionId },
    /// The root itself could not be activated (a feature it enables names a missing dependency).
    Root,
    /// A feature includes itself, which Cargo treats as a fatal error.
    FeatureCycle { version: VersionId, feature: StrId },
    /// The resolved normal and build dependencies form a cycle.
    DependencyCycle,
    /// The search took more than [`TICK_LIMIT`] steps.
    TooComplex,
}

enum ActivateError {
    /// This candidate cannot be activated here (a feature missing, a dependency name unknown): the
    /// dependent is to blame. Try the next candidate.
    Conflict,
    /// Cargo stops resolving altogether.
    Fatal(Fail),
}

#[derive(Clone)]
struct DepInfo {
    /// What the conflict cache knows this dependency as (Cargo's `Dependency`): its requirement and
    /// what it asks of it, interned.
    key: u32,
    req: ReqId,
    dep: u16,
    build: bool,
    features: Rc<[StrId]>,
    uses_default: bool,
    candidates: Rc<[VersionId]>,
}

/// A package whose dependencies remain to be satisfied (Cargo's `DepsFrame`).
struct Frame {
    parent: VersionId,
    deps: Rc<[DepInfo]>,
    offset: usize,
    time: u32,
}

/// One change to the state, and how to undo it.
enum Undo {
    Slot { slot: u32, act: u32, age: u32 },
    Link { links: u32, act: u32 },
    Features { version: VersionId, old: Option<Rc<[u64]>> },
    Offset { frame: u32, offset: usize },
    Queued { key: (u32, u32, u32), inserted: bool },
}

/// Where the state was when a choice was made.
#[derive(Clone, Copy)]
struct Mark {
    trail: usize,
    edges: usize,
    frames: usize,
    time: u32,
    age: u32,
}

/// Cargo's `RemainingCandidates`: a peekable walk over a dependency's candidates that skips those
/// whose slot or `links` value another active version holds, noting that version as a conflict.
#[derive(Clone)]
struct Candidates {
    list: Rc<[VersionId]>,
    next: usize,
    stash: Option<VersionId>,
}

/// A choice that had another candidate (Cargo's `BacktrackFrame`).
struct Choice {
    mark: Mark,
    candidates: Candidates,
    parent: VersionId,
    dep: DepInfo,
    conflicts: Vec<VersionId>,
    cause: Option<(VersionId, ReqId)>,
}

/// One thread's search state, reused from root to root.
pub(crate) struct SearchScratch {
    slot_act: Vec<u32>,
    slot_age: Vec<u32>,
    links_act: Vec<u32>,
    features: HashMap<VersionId, Rc<[u64]>>,
    edges: Vec<Edge>,
    frames: Vec<Frame>,
    queue: std::collections::BTreeSet<(u32, u32, u32)>,
    time: u32,
    age: u32,
    trail: Vec<Undo>,
    touched: Vec<u32>,
    candidates: HashMap<ReqId, Rc<[VersionId]>>,
    /// The root's crate and `links` value, and whether the search met either: if it did not, the result
    /// holds for every version of the root's crate with the same summary and `links`.
    root_crate: u32,
    root_links: u32,
    met_root: bool,
    deps_cache: HashMap<(VersionId, Rc<[StrId]>, bool), Built>,
    /// Cargo's `past_conflicting_activations`: a dependency cannot be satisfied while every version of
    /// one of its sets is active.
    known: HashMap<u32, Vec<Fact>>,
    /// For each version, the dependencies whose recorded sets mention it.
    dep_from_pid: HashMap<VersionId, Vec<u32>>,
    /// The interned dependency keys: what is asked (features, default features) of which requirement.
    dep_keys: HashMap<(ReqId, Rc<[StrId]>, bool), u32>,
}

/// What activating a version for a request gives: the features it uses, and its dependencies to
/// satisfy (Cargo's `build_deps` result).
type Built = Rc<(Rc<[u64]>, Rc<[DepInfo]>)>;

/// The next candidate of a resumed choice (and whether another follows), and the choice.
type Resumed = ((VersionId, bool), Choice);

/// A recorded conflict: the dependency fails while all of `set` is active, and `cause` is the
/// dependency (dependent, requirement) whose candidates ran out at the bottom of it, for messages.
struct Fact {
    set: Vec<VersionId>,
    cause: (VersionId, ReqId),
}

fn key(dep: &DepInfo) -> u32 {
    dep.key
}

impl SearchScratch {
    pub(crate) fn new(u: &Universe) -> SearchScratch {
        SearchScratch {
            slot_act: vec![NONE; u.slot_count as usize],
            slot_age: vec![0; u.slot_count as usize],
            links_act: vec![NONE; u.links_count as usize],
            features: HashMap::default(),
            edges: Vec::new(),
            frames: Vec::new(),
            queue: std::collections::BTreeSet::new(),
            time: 0,
            age: 0,
            trail: Vec::new(),
            touched: Vec::new(),
            candidates: HashMap::default(),
            root_crate: NONE,
            root_links: NONE,
            met_root: false,
            deps_cache: HashMap::default(),
            known: HashMap::default(),
            dep_from_pid: HashMap::default(),
            dep_keys: HashMap::default(),
        }
    }

    fn reset(&mut self, u: &Universe) {
        for &slot in &self.touched {
            let v = self.slot_act[slot as usize];
            if v != NONE {
                let links = u.versions[v as usize].links;
                if links != NONE {
                    self.links_act[links as usize] = NONE;
                }
            }
        }
        for &slot in &self.touched {
            self.slot_act[slot as usize] = NONE;
        }
        self.touched.clear();

        self.features.clear();
        self.edges.clear();
        self.frames.clear();
        self.queue.clear();
        self.trail.clear();
        self.time = 0;
        self.age = 0;
        if self.candidates.len() > 100_000 {
            self.candidates.clear();
        }
        // Recorded conflicts are true whatever the root (Cargo: "unconditionally true regardless of our
        // resolution history"), so they are kept from root to root, until the caches grow too large.
        if self.deps_cache.len() > 100_000 || self.dep_keys.len() > 1_000_000 || self.dep_from_pid.len() > 1_000_000 {
            self.deps_cache.clear();
            self.dep_keys.clear();
            self.known.clear();
            self.dep_from_pid.clear();
        }
    }

    fn mark(&self) -> Mark {
        Mark {
            trail: self.trail.len(),
            edges: self.edges.len(),
            frames: self.frames.len(),
            time: self.time,
            age: self.age,
        }
    }

    fn undo_to(&mut self, mark: Mark) {
        while self.trail.len() > mark.trail {
            match self.trail.pop() {
                Some(Undo::Slot { slot, act, age }) => {
                    self.slot_act[slot as usize] = act;
                    self.slot_age[slot as usize] = age;
                }
                Some(Undo::Link { links, act }) => self.links_act[links as usize] = act,
                Some(Undo::Features { version, old }) => match old {
                    Some(old) => {
                        self.features.insert(version, old);
                    }
                    None => {
                        self.features.remove(&version);
                    }
                },
                Some(Undo::Offset { frame, offset }) => self.frames[frame as usize].offset = offset,
                Some(Undo::Queued { key, inserted }) => {
                    if inserted {
                        self.queue.remove(&key);
                    } else {
                        self.queue.insert(key);
                    }
                }
                None => break,
            }
        }
        self.edges.truncate(mark.edges);
        self.frames.truncate(mark.frames);
        self.time = mark.time;
        self.age = mark.age;
    }

    fn queue_insert(&mut self, key: (u32, u32, u32)) {
        self.queue.insert(key);
        self.trail.push(Undo::Queued { key, inserted: true });
    }

    fn queue_remove(&mut self, key: (u32, u32, u32)) {
        self.queue.remove(&key);
        self.trail.push(Undo::Queued { key, inserted: false });
    }

    /// Cargo's `RemainingDeps::push`.
    fn push_frame(&mut self, parent: VersionId, deps: Rc<[DepInfo]>) {
        let time = self.time;
        self.time += 1;
        let index = self.frames.len() as u32;
        if let Some(first) = deps.first() {
            self.queue_insert((first.candidates.len() as u32, time, index));
        }
        self.frames.push(Frame { parent, deps, offset: 0, time });
    }

    /// Cargo's `pop_most_constrained`: the next dependency of the frame whose next dependency has the
    /// fewest candidates, the earliest frame among equals.
    #[inline(never)]
    fn pop(&mut self) -> Option<(VersionId, DepInfo)> {
        let key = *self.queue.first()?;
        self.queue_remove(key);
        let index = key.2;
        let frame = &mut self.frames[index as usize];
        let dep = frame.deps[frame.offset].clone();
        let (offset, time) = (frame.offset, frame.time);
        frame.offset += 1;
        let next = frame.deps.get(frame.offset).map(|d| d.candidates.len() as u32);
        let parent = frame.parent;
        self.trail.push(Undo::Offset { frame: index, offset });
        if let Some(count) = next {
            self.queue_insert((count, time, index));
        }
        Some((parent, dep))
    }

    fn candidate_list(&mut self, u: &Universe, req: ReqId) -> Rc<[VersionId]> {
        self.candidates.entry(req).or_insert_with(|| Rc::from(u.candidates(req))).clone()
    }

    /// The next valid candidate, and whether another follows it; versions that block a candidate are
    /// added to `conflicts`.
    fn next_candidate(
        &mut self,
        u: &Universe,
        candidates: &mut Candidates,
        conflicts: &mut Vec<VersionId>,
        counting: bool,
    ) -> Option<(VersionId, bool)> {
        while candidates.next < candidates.list.len() {
            let b = candidates.list[candidates.next];
            candidates.next += 1;
            let e = &u.versions[b as usize];
            if counting && (e.krate == self.root_crate || (e.links != NONE && e.links == self.root_links)) {
                self.met_root = true;
            }
            if e.links != NONE {
                let a = self.links_act[e.links as usize];
                if a != NONE && a != b {
                    if !conflicts.contains(&a) {
                        conflicts.push(a);
                    }
                    continue;
                }
            }
            let a = self.slot_act[e.slot as usize];
            if a != NONE && a != b {
                if !conflicts.contains(&a) {
                    conflicts.push(a);
                }
                continue;
            }
            if let Some(r) = candidates.stash.replace(b) {
                return Some((r, true));
            }
        }
        candidates.stash.take().map(|r| (r, false))
    }

    /// Whether the last search considered a candidate of the root's crate or with the root's `links`
    /// value (besides the root itself, whose own candidate list is not counted).
    pub(crate) fn met_root(&self) -> bool {
        self.met_root
    }

    /// The age at which `v` was activated, if it is active.
    fn active_age(&self, u: &Universe, v: VersionId) -> Option<u32> {
        let slot = u.versions[v as usize].slot as usize;
        (self.slot_act[slot] == v).then_some(self.slot_age[slot])
    }

    /// Resolves `root` as `cargo generate-lockfile` would for a project depending on `root = "=V"`
    /// with default features. A yanked root is resolved as a lockfile already holding it would be.
    pub(crate) fn resolve(&mut self, u: &Universe, root: VersionId) -> Result<Graph, Fail> {
        self.reset(u);
        self.root_crate = u.versions[root as usize].krate;
        self.root_links = u.versions[root as usize].links;
        self.met_root = false;
        let result = self.search(u, root);
        let result = result.map(|()| self.graph(root));
        self.reset(u);
        match result {
            Ok(graph) if graph.has_cycle() => Err(Fail::DependencyCycle),
            other => other,
        }
    }

    fn search(&mut self, u: &Universe, root: VersionId) -> Result<(), Fail> {
        let root_dep = DepInfo {
            key: NONE,
            req: NONE,
            dep: 0,
            build: false,
            features: Rc::from(Vec::new()),
            uses_default: true,
            candidates: Rc::from(vec![root]),
        };
        // The dummy project is activated first (age 1), then its one dependency.
        self.age = 1;
        self.push_frame(NONE, Rc::from(vec![root_dep]));
        let mut stack: Vec<Choice> = Vec::new();
        let mut ticks = 0u32;
        while let Some((first_parent, first_dep)) = self.pop() {
            ticks += 1;
            if ticks > TICK_LIMIT {
                return Err(Fail::TooComplex);
            }
            let mut parent = first_parent;
            let mut dep = first_dep;
            let mut candidates = Candidates { list: dep.candidates.clone(), next: 0, stash: None };
            // The versions that got in the way of this dependency (Cargo's `conflicting_activations`).
            let mut conflicts: Vec<VersionId> = Vec::new();
            // Where a candidate's failure came from, when it came from deeper down.
            let mut cause: Option<(VersionId, ReqId)> = None;
            let mut backtracked = false;
            loop {
                let (candidate, has_another) =
                    match self.next_candidate(u, &mut candidates, &mut conflicts, parent != NONE) {
                        Some(next) => next,
                        None => {
                            let mut generalized = None;
                            let here = cause.unwrap_or((parent, dep.req));
                            if !backtracked {
                                self.remember(&dep, &conflicts, here);
                                generalized = self.generalize(u, parent, &dep, &conflicts, here);
                            }
                            let blame = generalized.as_ref().unwrap_or(&conflicts);
                            let found = self.find_candidate(u, &mut stack, parent, backtracked, blame, &mut ticks)?;
                            let Some((next, choice)) = found else {
                                // A cause taken from a conflict recorded while resolving another root
                                // may name a dependent this search never met: the message then names
                                // the dependency that failed here instead, so that it is about this
                                // root and the same whichever roots this thread resolved before.
                                let here = if self.may_have_met(u, here.0) { here } else { (parent, dep.req) };
                                return Err(if here.1 == NONE {
                                    Fail::Root
                                } else {
                                    Fail::NoCandidate { req: here.1, parent: here.0 }
                                });
                            };
                            candidates = choice.candidates;
                            parent = choice.parent;
                            dep = choice.dep;
                            conflicts = choice.conflicts;
                            cause = choice.cause;
                            backtracked = true;
                            next
                        }
                    };
                let mark = self.mark();
                let choice = has_another.then(|| Choice {
                    mark,
                    candidates: candidates.clone(),
                    parent,
                    dep: dep.clone(),
                    conflicts: conflicts.clone(),
                    cause,
                });
                let activated = match self.activate(u, parent, &dep, candidate) {
                    Ok(None) => true,
                    Ok(Some(deps)) => {
                        // A dependency of the candidate that is known to fail with what is active now,
                        // or another pending dependency known to fail once the candidate is active:
                        // the candidate fails too, for those reasons (Cargo's `has_past_conflicting_dep`).
                        let past = deps
                            .iter()
                            .find_map(|d| self.find_known(u, d, None, None))
                            .map(|known| (known, None))
                            .or_else(|| self.pending_conflict(u, candidate).map(|(p, known)| (known, Some(p))));
                        match past {
                            None => {
                                self.push_frame(candidate, deps);
                                true
                            }
                            Some(((set, why), other_parent)) => {
                                cause.get_or_insert(why);
                                for c in set.into_iter().filter(|&c| c != candidate).chain(other_parent) {
                                    if !conflicts.contains(&c) {
                                        conflicts.push(c);
                                    }
                                }
                                false
                            }
                        }
                    }
                    Err(ActivateError::Fatal(fail)) => return Err(fail),
                    // Cargo blames the dependent here. But a candidate lacking a requested feature (or
                    // a feature naming a dependency it lacks) fails for this request whoever makes it,
                    // and the request is part of what the conflict cache records it under, so this
                    // search blames nothing: the recorded fact is then more general, and still true.
                    Err(ActivateError::Conflict) => false,
                };
                if activated {
                    stack.extend(choice);
                    break;
                }
                if choice.is_some() {
                    self.undo_to(mark);
                }
            }
        }
        Ok(())
    }

    /// Whether this search may have activated `v`: it did if `v` is the root's dummy parent, and it
    /// cannot have if it never activated any version of `v`'s semver-compatibility slot.
    fn may_have_met(&self, u: &Universe, v: VersionId) -> bool {
        v == NONE || self.touched.contains(&u.versions[v as usize].slot)
    }

    /// The age at which `v` was activated, if it is active (the dummy project, `NONE`, was first).
    fn age_of(&self, u: &Universe, v: VersionId) -> Option<u32> {
        if v == NONE { Some(1) } else { self.active_age(u, v) }
    }

    /// Cargo's `find_candidate`: pops choices until one has another candidate and, unless this search
    /// has already backtracked, was made before the newest of `parent` and `blame` was activated.
    #[inline(never)]
    fn find_candidate(
        &mut self,
        u: &Universe,
        stack: &mut Vec<Choice>,
        parent: VersionId,
        backtracked: bool,
        blame: &[VersionId],
        ticks: &mut u32,
    ) -> Result<Option<Resumed>, Fail> {
        let age = if backtracked {
            None
        } else {
            blame.iter().chain(std::iter::once(&parent)).try_fold(0, |max, &v| self.age_of(u, v).map(|a| a.max(max)))
        };
        while let Some(mut choice) = stack.pop() {
            *ticks += 1;
            if *ticks > TICK_LIMIT {
                return Err(Fail::TooComplex);
            }
            self.undo_to(choice.mark);
            let counting = choice.parent != NONE;
            let Some(next) = self.next_candidate(u, &mut choice.candidates, &mut choice.conflicts, counting) else {
                continue;
            };
            if age.is_some_and(|age| choice.mark.age >= age) {
                continue;
            }
            return Ok(Some((next, choice)));
        }
        Ok(None)
    }

    /// Records that `dep` cannot be satisfied while all of `set` is active.
    #[inline(never)]
    fn remember(&mut self, dep: &DepInfo, set: &[VersionId], cause: (VersionId, ReqId)) {
        if dep.req == NONE {
            return;
        }
        let mut set = set.to_vec();
        set.sort_unstable();
        set.dedup();
        let k = key(dep);
        let known = self.known.entry(k).or_default();
        if known.iter().any(|f| f.set == set) {
            return;
        }
        for &v in &set {
            let deps = self.dep_from_pid.entry(v).or_default();
            if !deps.contains(&k) {
                deps.push(k);
            }
        }
        known.push(Fact { set, cause });
    }

    /// Cargo's `ConflictCache::find`: a recorded set of `dep` whose versions are all active (as
    /// `imagine` says, when given, for one version), containing `must_contain` if given, with the
    /// versions other than `must_contain` activated before `max_age`; the one that jumps back furthest.
    fn find_known(
        &self,
        u: &Universe,
        dep: &DepInfo,
        must_contain: Option<VersionId>,
        imagine: Option<(VersionId, u32, u32)>,
    ) -> Option<(Vec<VersionId>, (VersionId, ReqId))> {
        let sets = self.known.get(&key(dep))?;
        let age = |v: VersionId| match imagine {
            Some((other, age, _)) if v == other => Some(age),
            _ => self.age_of(u, v),
        };
        let max_age = imagine.map_or(u32::MAX, |i| i.2);
        let mut best: Option<(u32, &Fact)> = None;
        'sets: for fact in sets {
            let set = &fact.set;
            if must_contain.is_some_and(|m| !set.contains(&m)) {
                continue;
            }
            let mut newest = 0;
            for &v in set {
                let Some(a) = age(v) else { continue 'sets };
                if Some(v) != must_contain {
                    if a >= max_age {
                        continue 'sets;
                    }
                    newest = newest.max(a);
                }
            }
            if best.is_none_or(|b| newest < b.0) {
                best = Some((newest, fact));
            }
        }
        best.map(|b| (b.1.set.clone(), b.1.cause))
    }

    /// A pending dependency (of a frame still queued) known to fail while `pid` and the rest of its
    /// recorded set are active, with that dependency's dependent.
    #[inline(never)]
    #[expect(clippy::type_complexity)]
    fn pending_conflict(
        &self,
        u: &Universe,
        pid: VersionId,
    ) -> Option<(VersionId, (Vec<VersionId>, (VersionId, ReqId)))> {
        let related = self.dep_from_pid.get(&pid)?;
        for &(_, _, index) in &self.queue {
            let frame = &self.frames[index as usize];
            for other in &frame.deps[frame.offset..] {
                if related.contains(&key(other))
                    && let Some(known) = self.find_known(u, other, Some(pid), None)
                {
                    return Some((frame.parent, known));
                }
            }
        }
        None
    }

    /// Cargo's `generalize_conflicting`: if every candidate of the dependency that activated the
    /// newest blamed version is known to make `dep` fail, blame that dependency's dependent instead,
    /// which lets the search jump back further.
    #[inline(never)]
    fn generalize(
        &mut self,
        u: &Universe,
        parent: VersionId,
        dep: &DepInfo,
        conflicts: &[VersionId],
        cause: (VersionId, ReqId),
    ) -> Option<Vec<VersionId>> {
        if dep.req == NONE {
            return None;
        }
        let mut critical = (0, NONE);
        for &c in conflicts {
            let age = self.age_of(u, c)?;
            critical = critical.max((age, c));
        }
        let (critical_age, critical_id) = critical;
        if critical_id == NONE || self.depends_on(parent, critical_id) {
            return None;
        }
        let mut parents: Vec<(VersionId, ReqId)> = self
            .edges
            .iter()
            .filter(|e| e.to == critical_id && e.from != NONE)
            .map(|e| (e.from, e.req))
            .filter(|&(p, _)| self.age_of(u, p).is_some_and(|a| a < critical_age))
            .collect();
        parents.sort_unstable();
        parents.dedup();
        for (critical_parent, req) in parents {
            let others = self.candidate_list(u, req);
            let mut found = Vec::with_capacity(others.len());
            for &other in others.iter().rev() {
                match self.find_known(u, dep, Some(other), Some((other, critical_age, critical_age))) {
                    Some((set, _)) => found.push((other, set)),
                    None => break,
                }
            }
            if found.len() != others.len() {
                continue;
            }
            let mut con: Vec<VersionId> = conflicts.to_vec();
            for (_, set) in &found {
                con.extend(set.iter().copied());
            }
            con.retain(|v| !found.iter().any(|(o, _)| o == v));
            con.push(critical_parent);
            con.sort_unstable();
            con.dedup();
            self.remember(dep, &con, cause);
            return Some(con);
        }
        None
    }

    /// Whether `ancestor` depends, directly or not, on `v` in the current state (Cargo's
    /// `parents.is_path_from_to(v, ancestor)`).
    fn depends_on(&self, v: VersionId, ancestor: VersionId) -> bool {
        let mut seen = vec![v];
        let mut queue = vec![v];
        while let Some(x) = queue.pop() {
            if x == ancestor {
                return true;
            }
            for e in self.edges.iter().filter(|e| e.to == x) {
                if !seen.contains(&e.from) {
                    seen.push(e.from);
                    queue.push(e.from);
                }
            }
        }
        false
    }

    /// Cargo's `activate`: the new frame's dependencies, or `None` when the candidate was already active
    /// with every feature asked.
    #[inline(never)]
    fn activate(
        &mut self,
        u: &Universe,
        parent: VersionId,
        dep: &DepInfo,
        candidate: VersionId,
    ) -> Result<Option<Rc<[DepInfo]>>, ActivateError> {
        self.age += 1;
        if parent != NONE {
            let from = parent;
            self.edges.push(Edge { from, to: candidate, req: dep.req, dep: dep.dep, build: dep.build });
        }
        let entry = &u.versions[candidate as usize];
        let summary = &u.summaries[entry.summary as usize];
        if self.slot_act[entry.slot as usize] == candidate {
            // Already active: nothing to do unless this dependency asks for features it does not have yet.
            let previous = self.features.get(&candidate);
            let bit = |i: u16| previous.is_some_and(|b| b[i as usize / 64] & (1 << (i % 64)) != 0);
            let features_done = dep.features.iter().all(|&f| summary.feature(f).is_some_and(bit));
            let default_done = !dep.uses_default || summary.default.is_none_or(bit);
            if features_done && default_done {
                return Ok(None);
            }
        } else {
            let slot = entry.slot;
            self.trail.push(Undo::Slot { slot, act: self.slot_act[slot as usize], age: self.slot_age[slot as usize] });
            self.slot_act[slot as usize] = candidate;
            self.slot_age[slot as usize] = self.age;
            self.touched.push(slot);
            if entry.links != NONE {
                self.trail.push(Undo::Link { links: entry.links, act: self.links_act[entry.links as usize] });
                self.links_act[entry.links as usize] = candidate;
            }
        }
        let built = self.build_deps(u, candidate, summary, dep)?;
        let (used, deps) = (&built.0, &built.1);
        if used.iter().any(|w| *w != 0) {
            let old = self.features.get(&candidate).cloned();
            let merged: Rc<[u64]> = match &old {
                Some(old) => old.iter().zip(used.iter()).map(|(a, b)| a | b).collect(),
                None => used.clone(),
            };
            self.features.insert(candidate, merged);
            self.trail.push(Undo::Features { version: candidate, old });
        }
        Ok(Some(deps.clone()))
    }

    /// Cargo's `build_deps` and `resolve_features` (cached per version and request, as Cargo caches
    /// them): the features `dep` turns on in `candidate`, and the dependencies they enable, sorted by
    /// their number of candidates.
    #[inline(never)]
    fn build_deps(
        &mut self,
        u: &Universe,
        candidate: VersionId,
        summary: &Summary,
        dep: &DepInfo,
    ) -> Result<Built, ActivateError> {
        let key = (candidate, dep.features.clone(), dep.uses_default);
        if let Some(hit) = self.deps_cache.get(&key) {
            return Ok(hit.clone());
        }
        let mut used = vec![0u64; summary.features.len().div_ceil(64)];
        let mut wanted: Vec<(u16, Vec<StrId>)> = Vec::new();
        for &f in dep.features.iter() {
            let Some(i) = summary.feature(f) else { return Err(ActivateError::Conflict) };
            require(summary, candidate, i, &mut used, &mut wanted)?;
        }
        if dep.uses_default
            && let Some(d) = summary.default
        {
            require(summary, candidate, d, &mut used, &mut wanted)?;
        }
        // Cargo checks that every name a feature enables is a dependency only for workspace members
        // (`resolve_features`, `parent.is_none()`); for a registry package such a name enables nothing.
        let mut out = Vec::new();
        for (i, d) in summary.deps.iter().enumerate() {
            let asked = wanted.iter().find(|w| w.0 == d.name);
            if d.optional && asked.is_none() {
                continue;
            }
            let mut features: Vec<StrId> = asked.map(|a| a.1.clone()).unwrap_or_default();
            features.extend(d.features.iter().copied());
            features.sort_unstable();
            features.dedup();
            let features: Rc<[StrId]> = Rc::from(features);
            let next_key = self.dep_keys.len() as u32;
            let key = *self.dep_keys.entry((d.req, features.clone(), d.default_features)).or_insert(next_key);
            out.push(DepInfo {
                key,
                req: d.req,
                dep: i as u16,
                build: d.build,
                features,
                uses_default: d.default_features,
                candidates: self.candidate_list(u, d.req),
            });
        }
        out.sort_by_key(|d| d.candidates.len());
        let built = Rc::new((Rc::from(used), Rc::from(out)));
        self.deps_cache.insert(key, built.clone());
        Ok(built)
    }

    /// The graph of a finished search: the active versions (the root first) and every edge that
    /// activated or re-activated one.
    fn graph(&self, root: VersionId) -> Graph {
        let mut nodes = vec![root];
        let mut slots: Vec<u32> = self.touched.clone();
        slots.sort_unstable();
        slots.dedup();
        nodes.extend(slots.iter().map(|&s| self.slot_act[s as usize]).filter(|&v| v != NONE && v != root));
        let mut position: Vec<(VersionId, u32)> = nodes.iter().enumerate().map(|(i, &v)| (v, i as u32)).collect();
        position.sort_unstable();
        let at = |v: VersionId| position.binary_search_by_key(&v, |p| p.0).map(|i| position[i].1);
        let mut edges: Vec<Edge> = self
            .edges
            .iter()
            .filter_map(|e| {
                Some(Edge { from: at(e.from).ok()?, to: at(e.to).ok()?, req: e.req, dep: e.dep, build: e.build })
            })
            .collect();
        edges.sort_unstable_by_key(|e| (e.from, e.to, e.req, e.dep));
        edges.dedup();
        Graph { nodes, edges }
    }
}

/// Cargo's `Requirements::require_feature`.
fn require(
    summary: &Summary,
    version: VersionId,
    feature: u16,
    used: &mut [u64],
    wanted: &mut Vec<(u16, Vec<StrId>)>,
) -> Result<(), ActivateError> {
    let (word, mask) = (feature as usize / 64, 1u64 << (feature % 64));
    if used[word] & mask != 0 {
        return Ok(());
    }
    used[word] |= mask;
    for &value in summary.features[feature as usize].values.iter() {
        match value {
            FValue::Feature(f) if f == feature => {
                return Err(ActivateError::Fatal(Fail::FeatureCycle {
                    version,
                    feature: summary.features[feature as usize].name,
                }));
            }
            FValue::Feature(f) => require(summary, version, f, used, wanted)?,
            FValue::Dep(name) => {
                if !wanted.iter().any(|w| w.0 == name) {
                    wanted.push((name, Vec::new()));
                }
            }
            FValue::DepFeature { name, feature: f, weak } => {
                let dep_name = &summary.names[name as usize];
                if !weak
                    && dep_name.optional
                    && let Some(own) = summary.feature(dep_name.name)
                {
                    require(summary, version, own, used, wanted)?;
                }
                match wanted.iter_mut().find(|w| w.0 == name) {
                    Some(w) => {
                        if !w.1.contains(&f) {
                            w.1.push(f);
                        }
                    }
                    None => wanted.push((name, vec![f])),
                }
            }
        }
    }
    Ok(())
}
