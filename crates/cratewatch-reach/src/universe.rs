//! The registry compiled for resolution: every crate, version, requirement and feature table of an
//! [`IndexSnapshot`] turned into dense integer ids, checked once the way Cargo checks an index entry.
//!
//! Resolving 250,000 roots touches the same few hundred thousand summaries millions of times, so
//! everything a resolver asks ("the highest non-yanked version of `serde` matching `^1.0.100`", "which
//! feature of this version is `std`", "which semver-compatibility slot is this version in") is answered
//! here by an array lookup, computed once.

use std::sync::Arc;

use crate::hash::FxHashMap as HashMap;

use cratewatch_index::{CrateVersions, DepKind, FeatureMap, IndexDep, IndexSnapshot, IndexVersion};
use semver::{Version, VersionReq};

/// A position in [`Universe::versions`]: one published version of one crate.
pub(crate) type VersionId = u32;
/// A position in [`Universe::crates`].
pub(crate) type CrateId = u32;
/// A position in [`Universe::reqs`]: one distinct (crate, requirement) pair.
pub(crate) type ReqId = u32;
/// An interned string (a dependency name or a feature name).
pub(crate) type StrId = u32;

/// "None" for the `u32` ids above.
pub(crate) const NONE: u32 = u32::MAX;

/// Why Cargo would not use an index entry at all (it parses the line into an "invalid summary", which
/// is never a candidate).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Invalid {
    /// A dependency's requirement does not parse as a semver requirement.
    Requirement { dep: Arc<str>, req: String },
    /// A dependency's `target` is neither a target name nor a `cfg(..)` expression.
    Target { dep: Arc<str>, target: Arc<str> },
    /// The feature table breaks one of Cargo's rules (`build_feature_map`).
    Features(String),
}

impl std::fmt::Display for Invalid {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Invalid::Requirement { dep, req } => write!(f, "dependency `{dep}` has an invalid requirement `{req}`"),
            Invalid::Target { dep, target } => write!(f, "dependency `{dep}` has an invalid target `{target}`"),
            Invalid::Features(reason) => f.write_str(reason),
        }
    }
}

pub(crate) struct CrateEntry {
    pub(crate) versions: Arc<CrateVersions>,
    /// The crate's versions in [`Universe::versions`]: `first..first + len`, in increasing version order.
    pub(crate) first: VersionId,
    pub(crate) len: u32,
}

pub(crate) struct VersionEntry {
    pub(crate) krate: CrateId,
    /// The position of the version in its [`CrateVersions::versions`] (publication order).
    pub(crate) pos: u32,
    /// The semver-compatibility slot (`1.x`, `0.3.x`, `0.0.4`), numbered across the whole registry:
    /// a resolution holds at most one version per slot.
    pub(crate) slot: u32,
    /// The interned `links` value, or [`NONE`].
    pub(crate) links: u32,
    /// The compiled dependencies and features, shared by versions whose index entries have the same ones.
    pub(crate) summary: u32,
    pub(crate) yanked: bool,
    /// Whether Cargo would use the entry: its summary is valid, and so is its `rust_version`.
    pub(crate) valid: bool,
}

/// A compiled dependency of a summary (normal and build dependencies only: a registry package's dev
/// dependencies are never resolved).
pub(crate) struct Dep {
    /// The name the dependent uses (its position in [`Summary::names`]).
    pub(crate) name: u16,
    pub(crate) req: ReqId,
    pub(crate) optional: bool,
    pub(crate) default_features: bool,
    pub(crate) build: bool,
    /// The features the dependency asks for, as interned strings.
    pub(crate) features: Box<[StrId]>,
}

/// A dependency name as used in the feature table (`x`, `dep:x`, `x/f`).
pub(crate) struct DepName {
    pub(crate) name: StrId,
    /// Whether any dependency of this name (dev dependencies included, as Cargo counts) is optional.
    pub(crate) optional: bool,
    /// The normal and build dependencies of this name, as positions in [`Summary::deps`].
    pub(crate) deps: Box<[u16]>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum FValue {
    /// Another feature of the same package (its position in [`Summary::features`]).
    Feature(u16),
    /// `dep:x`: the optional dependency named `x` (a position in [`Summary::names`]).
    Dep(u16),
    /// `x/f` or `x?/f`: feature `f` of the dependency named `x`.
    DepFeature { name: u16, feature: StrId, weak: bool },
}

pub(crate) struct FeatureDef {
    pub(crate) name: StrId,
    pub(crate) values: Box<[FValue]>,
}

/// The dependencies and features of a version, compiled.
pub(crate) struct Summary {
    pub(crate) deps: Box<[Dep]>,
    pub(crate) names: Box<[DepName]>,
    /// Sorted by name id, so that a feature is found by binary search.
    pub(crate) features: Box<[FeatureDef]>,
    /// The position of the feature `default`, if there is one.
    pub(crate) default: Option<u16>,
    pub(crate) invalid: Option<Invalid>,
}

impl Summary {
    pub(crate) fn feature(&self, name: StrId) -> Option<u16> {
        self.features.binary_search_by_key(&name, |f| f.name).ok().map(|i| i as u16)
    }
}

/// One distinct requirement on one crate, with its candidates.
pub(crate) struct ReqEntry {
    /// The crate required, or [`NONE`] when the registry has no crate of that exact name (or the
    /// dependency comes from another registry).
    pub(crate) krate: CrateId,
    pub(crate) req: Option<VersionReq>,
    /// The text of the requirement as the index writes it.
    pub(crate) text: Arc<str>,
    /// The name the dependency asks for (for messages when the crate is missing).
    pub(crate) crate_name: Arc<str>,
    /// The highest valid, non-yanked version matching the requirement, or [`NONE`].
    pub(crate) best: VersionId,
}

/// Interned strings.
#[derive(Default)]
pub(crate) struct Strings {
    map: HashMap<Arc<str>, StrId>,
    list: Vec<Arc<str>>,
}

impl Strings {
    pub(crate) fn intern(&mut self, s: &Arc<str>) -> StrId {
        if let Some(&id) = self.map.get(s) {
            return id;
        }
        let id = self.list.len() as StrId;
        self.list.push(s.clone());
        self.map.insert(s.clone(), id);
        id
    }

    pub(crate) fn intern_str(&mut self, s: &str) -> StrId {
        if let Some(&id) = self.map.get(s) {
            return id;
        }
        self.intern(&Arc::from(s))
    }

    pub(crate) fn get(&self, s: &str) -> Option<StrId> {
        self.map.get(s).copied()
    }

    pub(crate) fn resolve(&self, id: StrId) -> &str {
        &self.list[id as usize]
    }
}

/// The registry compiled for resolution.
pub(crate) struct Universe {
    pub(crate) crates: Vec<CrateEntry>,
    pub(crate) versions: Vec<VersionEntry>,
    pub(crate) summaries: Vec<Summary>,
    pub(crate) reqs: Vec<ReqEntry>,
    pub(crate) strings: Strings,
    pub(crate) slot_count: u32,
    pub(crate) links_count: u32,
}

impl Universe {
    pub(crate) fn build(snapshot: &IndexSnapshot) -> Universe {
        Universe::build_until(snapshot, &|| false).unwrap_or_else(|| unreachable!("never told to stop"))
    }

    /// [`Universe::build`] that gives up when `stop` says so (asked every 4,096 versions, and every 1,024
    /// requirements on each thread that finds candidates): `None` then.
    pub(crate) fn build_until(snapshot: &IndexSnapshot, stop: &(dyn Fn() -> bool + Sync)) -> Option<Universe> {
        let mut builder = Builder::default();
        let crates: Vec<Arc<CrateVersions>> = snapshot.crates().cloned().collect();
        // Crate ids follow the snapshot's order; versions are laid out per crate in increasing order.
        let mut by_name: HashMap<Arc<str>, CrateId> = HashMap::default();
        let mut entries = Vec::with_capacity(crates.len());
        let mut order: Vec<(CrateId, u32)> = Vec::with_capacity(snapshot.version_count());
        for (id, krate) in crates.iter().enumerate() {
            by_name.insert(Arc::from(krate.name.as_str()), id as CrateId);
            let mut positions: Vec<u32> = (0..krate.versions.len() as u32).collect();
            positions.sort_by(|&a, &b| krate.versions[a as usize].version.cmp(&krate.versions[b as usize].version));
            let first = order.len() as VersionId;
            order.extend(positions.into_iter().map(|p| (id as CrateId, p)));
            entries.push(CrateEntry { versions: krate.clone(), first, len: order.len() as u32 - first });
        }
        builder.by_name = by_name;

        // Slots and links.
        let mut versions = Vec::with_capacity(order.len());
        let mut slot = 0u32;
        let mut previous: Option<(CrateId, Compat)> = None;
        let mut links: HashMap<Arc<str>, u32> = HashMap::default();
        let mut summary_ids: HashMap<(usize, usize), u32> = HashMap::default();
        for (i, &(krate, pos)) in order.iter().enumerate() {
            if i % 4096 == 4095 && stop() {
                return None;
            }
            let v: &IndexVersion = &entries[krate as usize].versions.versions[pos as usize];
            let compat = Compat::of(&v.version);
            if previous.is_some_and(|p| p != (krate, compat)) {
                slot += 1;
            }
            previous = Some((krate, compat));
            let links_id = match &v.links {
                Some(l) => {
                    let next = links.len() as u32;
                    *links.entry(l.clone()).or_insert(next)
                }
                None => NONE,
            };
            let key = (Arc::as_ptr(&v.deps) as *const u8 as usize, Arc::as_ptr(&v.features) as usize);
            let summary = *summary_ids.entry(key).or_insert_with(|| builder.summary(&v.deps, &v.features));
            let rust_version_ok = v.rust_version.as_deref().is_none_or(valid_rust_version);
            let valid = rust_version_ok && builder.summaries[summary as usize].invalid.is_none();
            versions.push(VersionEntry { krate, pos, slot, links: links_id, summary, yanked: v.yanked, valid });
        }
        let slot_count = if order.is_empty() { 0 } else { slot + 1 };

        let mut universe = Universe {
            crates: entries,
            versions,
            summaries: builder.summaries,
            reqs: builder.reqs,
            strings: builder.strings,
            slot_count,
            links_count: links.len() as u32,
        };
        universe.fill_candidates(stop).then_some(universe)
    }

    /// The index entry of a version.
    pub(crate) fn entry(&self, v: VersionId) -> &IndexVersion {
        let e = &self.versions[v as usize];
        &self.crates[e.krate as usize].versions.versions[e.pos as usize]
    }

    pub(crate) fn version(&self, v: VersionId) -> &Version {
        &self.entry(v).version
    }

    pub(crate) fn crate_name(&self, v: VersionId) -> &str {
        &self.crates[self.versions[v as usize].krate as usize].versions.name
    }

    pub(crate) fn summary(&self, v: VersionId) -> &Summary {
        &self.summaries[self.versions[v as usize].summary as usize]
    }

    /// Whether `v` may be picked for a requirement: valid and not yanked.
    pub(crate) fn is_candidate(&self, v: VersionId) -> bool {
        let e = &self.versions[v as usize];
        e.valid && !e.yanked
    }

    /// The candidates of a requirement, highest first, as Cargo lists them.
    pub(crate) fn candidates(&self, req: ReqId) -> Vec<VersionId> {
        let r = &self.reqs[req as usize];
        let (Some(parsed), true) = (&r.req, r.krate != NONE) else { return Vec::new() };
        let c = &self.crates[r.krate as usize];
        (c.first..c.first + c.len).rev().filter(|&v| self.is_candidate(v) && parsed.matches(self.version(v))).collect()
    }

    /// Finds every requirement's highest candidate, on every core. False when `stop` cut it short.
    fn fill_candidates(&mut self, stop: &(dyn Fn() -> bool + Sync)) -> bool {
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).max(1);
        let this = &*self;
        let chunk = this.reqs.len().div_ceil(threads).max(1);
        let results: Option<Vec<Vec<VersionId>>> = std::thread::scope(|scope| {
            let handles: Vec<_> = (0..this.reqs.len())
                .step_by(chunk)
                .map(|start| {
                    scope.spawn(move || {
                        let mut found = Vec::with_capacity(chunk);
                        for i in start..(start + chunk).min(this.reqs.len()) {
                            if i % 1024 == 1023 && stop() {
                                return None;
                            }
                            found.push(this.best(i));
                        }
                        Some(found)
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap_or_else(|p| std::panic::resume_unwind(p))).collect()
        });
        let Some(results) = results else { return false };
        for (r, best) in self.reqs.iter_mut().zip(results.into_iter().flatten()) {
            r.best = best;
        }
        true
    }

    fn best(&self, i: usize) -> VersionId {
        let r = &self.reqs[i];
        let (Some(parsed), true) = (&r.req, r.krate != NONE) else { return NONE };
        let c = &self.crates[r.krate as usize];
        (c.first..c.first + c.len)
            .rev()
            .find(|&v| self.is_candidate(v) && parsed.matches(self.version(v)))
            .unwrap_or(NONE)
    }

    /// The version of `krate` numbered exactly `version`, if published.
    pub(crate) fn find_version(&self, krate: CrateId, version: &Version) -> Option<VersionId> {
        let c = &self.crates[krate as usize];
        let (mut lo, mut hi) = (c.first, c.first + c.len);
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            match self.version(mid).cmp(version) {
                std::cmp::Ordering::Less => lo = mid + 1,
                std::cmp::Ordering::Greater => hi = mid,
                std::cmp::Ordering::Equal => return Some(mid),
            }
        }
        None
    }
}

/// Cargo's semver-compatibility class: the left-most non-zero component.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Compat {
    Major(u64),
    Minor(u64),
    Patch(u64),
}

impl Compat {
    fn of(v: &Version) -> Compat {
        if v.major != 0 {
            Compat::Major(v.major)
        } else if v.minor != 0 {
            Compat::Minor(v.minor)
        } else {
            Compat::Patch(v.patch)
        }
    }
}

#[derive(Default)]
struct Builder {
    by_name: HashMap<Arc<str>, CrateId>,
    strings: Strings,
    summaries: Vec<Summary>,
    reqs: Vec<ReqEntry>,
    req_ids: HashMap<(CrateId, Arc<str>, Arc<str>), ReqId>,
}

impl Builder {
    fn req(&mut self, dep: &IndexDep) -> ReqId {
        let crate_name: Arc<str> = dep.package.clone().unwrap_or_else(|| dep.name.clone());
        // A dependency from another registry cannot be resolved from this one (Cargo, offline, fails
        // to; online it would fetch that registry).
        let krate = match dep.registry.as_deref() {
            Some(url) if !is_crates_io(url) => NONE,
            _ => self.by_name.get(&crate_name).copied().unwrap_or(NONE),
        };
        let text: Arc<str> = Arc::from(dep.req.as_str());
        let key = (krate, crate_name.clone(), text.clone());
        if let Some(&id) = self.req_ids.get(&key) {
            return id;
        }
        let id = self.reqs.len() as ReqId;
        self.reqs.push(ReqEntry { krate, req: dep.req.parsed().cloned(), text, crate_name, best: NONE });
        self.req_ids.insert(key, id);
        id
    }

    fn summary(&mut self, deps: &[IndexDep], features: &FeatureMap) -> u32 {
        let summary = self.compile(deps, features);
        self.summaries.push(summary);
        (self.summaries.len() - 1) as u32
    }

    fn compile(&mut self, deps: &[IndexDep], table: &FeatureMap) -> Summary {
        let mut invalid = None;
        // Names, over every dependency (Cargo's `dep_map` counts dev dependencies too).
        let mut names: Vec<(Arc<str>, bool, Vec<u16>)> = Vec::new();
        let mut name_index: HashMap<&str, u16> = HashMap::default();
        let mut compiled: Vec<Dep> = Vec::new();
        for dep in deps {
            let n = *name_index.entry(&dep.name).or_insert_with(|| {
                names.push((dep.name.clone(), false, Vec::new()));
                (names.len() - 1) as u16
            });
            names[n as usize].1 |= dep.optional;
            if dep.req.parsed().is_none() && invalid.is_none() {
                invalid = Some(Invalid::Requirement { dep: dep.name.clone(), req: dep.req.as_str().to_owned() });
            }
            if let Some(target) = &dep.target
                && !valid_platform(target)
                && invalid.is_none()
            {
                invalid = Some(Invalid::Target { dep: dep.name.clone(), target: target.clone() });
            }
            if dep.kind == DepKind::Dev {
                continue;
            }
            let req = self.req(dep);
            let features = dep.features.iter().map(|f| self.strings.intern(f)).collect();
            names[n as usize].2.push(compiled.len() as u16);
            compiled.push(Dep {
                name: n,
                req,
                optional: dep.optional,
                default_features: dep.default_features,
                build: dep.kind == DepKind::Build,
                features,
            });
        }

        // The feature table: explicit features, then an implicit feature for each optional dependency
        // that no `dep:` value names and no feature shadows (Cargo's `build_feature_map`).
        let explicit_deps: std::collections::HashSet<&str> =
            table.values().flatten().filter_map(|v| v.strip_prefix("dep:")).collect();
        let mut raw: Vec<(Arc<str>, Vec<Arc<str>>)> = table.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
        for (name, optional, _) in &names {
            if *optional && !table.contains_key(name) && !explicit_deps.contains(&**name) {
                raw.push((name.clone(), vec![Arc::from(format!("dep:{name}"))]));
            }
        }
        type Def<'a> = (StrId, &'a Arc<str>, &'a Vec<Arc<str>>);
        let mut defs: Vec<Def<'_>> = raw.iter().map(|(k, v)| (self.strings.intern(k), k, v)).collect();
        defs.sort_by_key(|d| d.0);
        let position: HashMap<&str, u16> = defs.iter().enumerate().map(|(i, d)| (&**d.1, i as u16)).collect();
        let dep_info = |name: &str| name_index.get(name).map(|&i| (i, names[i as usize].1));
        let mut features = Vec::with_capacity(defs.len());
        let mut used_optional: std::collections::HashSet<u16> = std::collections::HashSet::new();
        for (id, feature, values) in &defs {
            if invalid.is_none()
                && let Err(reason) = valid_feature_name(feature)
            {
                invalid = Some(Invalid::Features(format!("invalid feature name `{feature}`: {reason}")));
            }
            let mut compiled_values = Vec::with_capacity(values.len());
            for value in values.iter() {
                let fv = match value.split_once('/') {
                    Some((dep, dep_feature)) => {
                        let (dep, weak) = match dep.strip_suffix('?') {
                            Some(d) => (d, true),
                            None => (dep, false),
                        };
                        if dep_feature.contains('/') || dep.starts_with("dep:") {
                            invalid.get_or_insert_with(|| {
                                Invalid::Features(format!(
                                    "feature `{feature}` includes `{value}`, which is not allowed"
                                ))
                            });
                            continue;
                        }
                        match dep_info(dep) {
                            Some((n, optional)) => {
                                if weak && !optional {
                                    invalid.get_or_insert_with(|| {
                                        Invalid::Features(format!(
                                            "feature `{feature}` includes `{value}` with a `?`, but `{dep}` is not optional"
                                        ))
                                    });
                                }
                                used_optional.insert(n);
                                let feature = self.strings.intern_str(dep_feature);
                                FValue::DepFeature { name: n, feature, weak }
                            }
                            None => {
                                invalid.get_or_insert_with(|| {
                                    Invalid::Features(format!(
                                        "feature `{feature}` includes `{value}`, but `{dep}` is not a dependency"
                                    ))
                                });
                                continue;
                            }
                        }
                    }
                    None => match value.strip_prefix("dep:") {
                        Some(dep) => match dep_info(dep) {
                            Some((n, true)) => {
                                used_optional.insert(n);
                                FValue::Dep(n)
                            }
                            _ => {
                                invalid.get_or_insert_with(|| {
                                    Invalid::Features(format!(
                                        "feature `{feature}` includes `{value}`, but `{dep}` is not an optional dependency"
                                    ))
                                });
                                continue;
                            }
                        },
                        None => match position.get(&**value) {
                            Some(&p) => FValue::Feature(p),
                            None => {
                                invalid.get_or_insert_with(|| {
                                    Invalid::Features(format!(
                                        "feature `{feature}` includes `{value}`, which is neither a dependency nor \
                                         another feature"
                                    ))
                                });
                                continue;
                            }
                        },
                    },
                };
                compiled_values.push(fv);
            }
            features.push(FeatureDef { name: *id, values: compiled_values.into_boxed_slice() });
        }
        // A feature naming an optional dependency without an implicit feature (`foo = ["bar"]` where
        // `bar` is optional and hidden by `dep:bar`) is not allowed either.
        if invalid.is_none() {
            for (n, (name, optional, _)) in names.iter().enumerate() {
                if *optional && !used_optional.contains(&(n as u16)) {
                    invalid =
                        Some(Invalid::Features(format!("optional dependency `{name}` is not included in any feature")));
                    break;
                }
            }
        }
        let default = self.strings.get("default").and_then(|d| defs.binary_search_by_key(&d, |f| f.0).ok());
        let names = names
            .into_iter()
            .map(|(name, optional, deps)| DepName {
                name: self.strings.intern(&name),
                optional,
                deps: deps.into_boxed_slice(),
            })
            .collect();
        Summary {
            deps: compiled.into_boxed_slice(),
            names,
            features: features.into_boxed_slice(),
            default: default.map(|d| d as u16),
            invalid,
        }
    }
}

fn is_crates_io(url: &str) -> bool {
    let url = url.trim_end_matches('/').trim_end_matches(".git");
    matches!(url, "https://github.com/rust-lang/crates.io-index" | "sparse+https://index.crates.io")
}

/// Cargo's rule for feature names (`validate_feature_name`).
fn valid_feature_name(name: &str) -> Result<(), &'static str> {
    if name.is_empty() {
        return Err("empty");
    }
    let mut chars = name.chars();
    if let Some(c) = chars.next()
        && !(c.is_alphabetic() || c == '_' || c.is_ascii_digit())
    {
        return Err("it must start with a letter, `_` or a digit");
    }
    if chars.any(|c| !(c.is_alphanumeric() || matches!(c, '_' | '-' | '+' | '.'))) {
        return Err("it may contain only letters, digits, `_`, `-`, `+` and `.`");
    }
    Ok(())
}

/// Whether `rust_version` is a Rust version Cargo accepts (`1`, `1.70` or `1.70.0`).
fn valid_rust_version(v: &str) -> bool {
    let parts: Vec<&str> = v.split('.').collect();
    (1..=3).contains(&parts.len()) && parts.iter().all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
}

/// Whether a dependency's `target` is one Cargo parses: a target name, or `cfg(..)` holding a valid
/// cfg expression (cargo-platform's grammar).
pub(crate) fn valid_platform(target: &str) -> bool {
    if let Some(inner) = target.strip_prefix("cfg(").and_then(|s| s.strip_suffix(')')) {
        let mut p = CfgParser { s: inner.as_bytes(), i: 0 };
        return p.expr() && {
            p.ws();
            p.i == p.s.len()
        };
    }
    target.chars().all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '.'))
}

struct CfgParser<'a> {
    s: &'a [u8],
    i: usize,
}

impl CfgParser<'_> {
    fn ws(&mut self) {
        while self.i < self.s.len() && self.s[self.i].is_ascii_whitespace() {
            self.i += 1;
        }
    }

    fn eat(&mut self, b: u8) -> bool {
        self.ws();
        if self.s.get(self.i) == Some(&b) {
            self.i += 1;
            true
        } else {
            false
        }
    }

    fn ident(&mut self) -> Option<&[u8]> {
        self.ws();
        let start = self.i;
        if self.s[self.i..].starts_with(b"r#") {
            self.i += 2;
        }
        let first = *self.s.get(self.i)?;
        if !(first.is_ascii_alphabetic() || first == b'_' || first >= 0x80) {
            self.i = start;
            return None;
        }
        while self.i < self.s.len()
            && (self.s[self.i].is_ascii_alphanumeric() || self.s[self.i] == b'_' || self.s[self.i] >= 0x80)
        {
            self.i += 1;
        }
        Some(&self.s[start..self.i])
    }

    fn expr(&mut self) -> bool {
        let Some(ident) = self.ident() else { return false };
        let ident = ident.to_vec();
        if self.eat(b'(') {
            match &ident[..] {
                b"not" => self.expr() && self.eat(b')'),
                b"all" | b"any" => loop {
                    if self.eat(b')') {
                        return true;
                    }
                    if !self.expr() {
                        return false;
                    }
                    if self.eat(b')') {
                        return true;
                    }
                    if !self.eat(b',') {
                        return false;
                    }
                },
                _ => false,
            }
        } else if self.eat(b'=') {
            self.ws();
            if self.s.get(self.i) != Some(&b'"') {
                return false;
            }
            self.i += 1;
            while self.i < self.s.len() && self.s[self.i] != b'"' {
                self.i += 1;
            }
            if self.i == self.s.len() {
                return false;
            }
            self.i += 1;
            true
        } else {
            true
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn platforms_as_cargo_parses_them() {
        for ok in [
            "cfg(unix)",
            "cfg(target_os = \"linux\")",
            "cfg(all(unix, not(target_os = \"macos\")))",
            "cfg(any(windows, target_arch = \"wasm32\",))",
            "x86_64-pc-windows-gnu",
            "cfg(any())",
        ] {
            assert!(valid_platform(ok), "{ok}");
        }
        for bad in [
            "cfg(target_arch = \"wasm32\"",
            "not(any(cfg(windows),cfg(macos)))",
            "and(cfg(unix), not(target_os = \"linux\"))",
            "cfg(foo(bar))",
            "cfg(not(a, b))",
            "cfg(a = b)",
            "cfg()",
        ] {
            assert!(!valid_platform(bad), "{bad}");
        }
    }

    #[test]
    fn feature_names_as_cargo_checks_them() {
        assert!(valid_feature_name("serde_json").is_ok());
        assert!(valid_feature_name("1.0").is_ok());
        assert!(valid_feature_name("c++").is_ok());
        assert!(valid_feature_name("").is_err());
        assert!(valid_feature_name("-x").is_err());
        assert!(valid_feature_name("a b").is_err());
    }
}
