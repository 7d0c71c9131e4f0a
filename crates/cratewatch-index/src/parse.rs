//! Parsing the contents of one index file: one JSON object per line, each turned from its wire form (the
//! private `Raw*` types) into the domain types at this edge.
//!
//! The raw types borrow their strings from the line wherever JSON has no escape in them, and the
//! [`Interner`] turns each into a shared `Arc<str>`: a registry repeats a few thousand crate names,
//! feature names, targets and requirements millions of times, so a load allocates each distinct one once
//! (per loading thread) instead of once per use.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::fmt;
use std::sync::Arc;

use semver::Version;
use serde::Deserialize;
use serde::de::{Deserializer, MapAccess, Visitor};

use crate::model::{Checksum, FeatureMap};
use crate::{CrateVersions, DepKind, DepReq, IndexDep, IndexVersion, LineDiagnostic};

/// The newest index schema version this reader understands: 2 added `features2`. Cargo skips lines of a
/// newer schema, and so do we.
const SCHEMA_VERSION: u32 = 2;

/// One line of an index file, as the registry writes it.
#[derive(Deserialize)]
struct RawVersion<'a> {
    #[serde(borrow)]
    name: Str<'a>,
    #[serde(borrow)]
    vers: Str<'a>,
    #[serde(default, borrow)]
    deps: Vec<RawDep<'a>>,
    #[serde(default, borrow)]
    cksum: Option<Str<'a>>,
    #[serde(default, borrow)]
    features: Option<RawFeatures<'a>>,
    #[serde(default, borrow)]
    features2: Option<RawFeatures<'a>>,
    #[serde(default)]
    yanked: Option<bool>,
    #[serde(default, borrow)]
    links: Option<Str<'a>>,
    #[serde(default, borrow)]
    rust_version: Option<Str<'a>>,
    #[serde(default)]
    v: Option<u32>,
}

/// One dependency of a line, as the registry writes it.
#[derive(Deserialize)]
struct RawDep<'a> {
    #[serde(borrow)]
    name: Str<'a>,
    #[serde(borrow)]
    req: Str<'a>,
    #[serde(default, borrow)]
    features: Option<Vec<Str<'a>>>,
    #[serde(default)]
    optional: Option<bool>,
    #[serde(default)]
    default_features: Option<bool>,
    #[serde(default, borrow)]
    target: Option<Str<'a>>,
    #[serde(default, borrow)]
    kind: Option<Str<'a>>,
    #[serde(default, borrow)]
    registry: Option<Str<'a>>,
    #[serde(default, borrow)]
    package: Option<Str<'a>>,
}

/// A JSON string, borrowed from the line unless it holds an escape. serde's own `Cow<str>` always
/// allocates inside an `Option` or a `Vec`, hence this newtype.
struct Str<'a>(Cow<'a, str>);

impl<'de: 'a, 'a> Deserialize<'de> for Str<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Str<'a>, D::Error> {
        struct StrVisitor;
        impl<'de> Visitor<'de> for StrVisitor {
            type Value = Str<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Str<'de>, E> {
                Ok(Str(Cow::Borrowed(v)))
            }
            fn visit_str<E>(self, v: &str) -> Result<Str<'de>, E> {
                Ok(Str(Cow::Owned(v.to_owned())))
            }
            fn visit_string<E>(self, v: String) -> Result<Str<'de>, E> {
                Ok(Str(Cow::Owned(v)))
            }
        }
        deserializer.deserialize_str(StrVisitor)
    }
}

/// A `features` or `features2` object, in file order, without building a map for it.
struct RawFeatures<'a>(Vec<(Str<'a>, Vec<Str<'a>>)>);

impl<'de: 'a, 'a> Deserialize<'de> for RawFeatures<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<RawFeatures<'a>, D::Error> {
        struct FeaturesVisitor;
        impl<'de> Visitor<'de> for FeaturesVisitor {
            type Value = RawFeatures<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a map of features")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawFeatures<'de>, A::Error> {
                let mut entries = Vec::with_capacity(map.size_hint().unwrap_or(0));
                while let Some(entry) = map.next_entry()? {
                    entries.push(entry);
                }
                Ok(RawFeatures(entries))
            }
        }
        deserializer.deserialize_map(FeaturesVisitor)
    }
}

/// A fast, non-cryptographic hash for the interner's short keys (FxHash). std's SipHash resists chosen
/// keys at a cost per byte, and the loader hashes every string of the index several times. A hostile
/// index could make lookups slow, but not wrong, and it could as well be large.
type Fast = rustc_hash::FxBuildHasher;

/// Shares the strings, requirements and empty lists of everything parsed through it. One per loading
/// thread, so no lock is taken; the same string loaded by two threads is then held twice, which costs
/// little.
pub(crate) struct Interner {
    strings: HashSet<Arc<str>, Fast>,
    reqs: HashMap<Box<str>, DepReq, Fast>,
    no_deps: Arc<[IndexDep]>,
    no_features: Arc<FeatureMap>,
    /// The versions seen in the current file, kept here so that its allocation is reused.
    seen: HashSet<Version, Fast>,
}

impl Default for Interner {
    fn default() -> Interner {
        Interner {
            strings: HashSet::default(),
            reqs: HashMap::default(),
            no_deps: Arc::from(Vec::new()),
            no_features: Arc::default(),
            seen: HashSet::default(),
        }
    }
}

impl Interner {
    fn str(&mut self, s: &str) -> Arc<str> {
        if let Some(shared) = self.strings.get(s) {
            return shared.clone();
        }
        let shared: Arc<str> = Arc::from(s);
        self.strings.insert(shared.clone());
        shared
    }

    fn opt(&mut self, s: Option<Str<'_>>) -> Option<Arc<str>> {
        s.map(|s| self.str(&s.0))
    }

    fn req(&mut self, text: &str) -> DepReq {
        if let Some(req) = self.reqs.get(text) {
            return req.clone();
        }
        let req = DepReq::new(text);
        self.reqs.insert(text.into(), req.clone());
        req
    }
}

/// Why a line was skipped: a diagnostic code and message, before the line number is known.
type Skip = (&'static str, String);

impl CrateVersions {
    /// Parses the contents of the index file of crate `name` (the same bytes in the git-index layout and
    /// over the sparse protocol). Lines that cannot be used become [`LineDiagnostic`]s; blank lines are
    /// ignored. When a version appears twice, the first line wins.
    pub fn parse(name: &str, contents: &[u8]) -> CrateVersions {
        CrateVersions::parse_with(name, contents, &mut Interner::default())
    }

    /// [`CrateVersions::parse`], sharing strings through `interner`.
    pub(crate) fn parse_with(name: &str, contents: &[u8], interner: &mut Interner) -> CrateVersions {
        let expected = name.to_lowercase();
        let mut index_name = None;
        let mut versions: Vec<IndexVersion> = Vec::new();
        let mut diagnostics = Vec::new();
        interner.seen.clear();
        for (i, line) in contents.split(|&b| b == b'\n').enumerate() {
            let line_number = u32::try_from(i + 1).unwrap_or(u32::MAX);
            let line = line.trim_ascii();
            if line.is_empty() {
                continue;
            }
            let parsed = parse_line(line, &expected, interner, versions.last()).and_then(|(name, version)| {
                if interner.seen.insert(version.version.clone()) {
                    Ok((name, version))
                } else {
                    Err((
                        "duplicate-version",
                        format!("version {} is listed again; the first entry is kept", version.version),
                    ))
                }
            });
            match parsed {
                Ok((name, version)) => {
                    if index_name.is_none() {
                        index_name = Some(name.into_owned());
                    }
                    versions.push(version);
                }
                Err((code, message)) => diagnostics.push(LineDiagnostic { line: line_number, code, message }),
            }
        }
        versions.shrink_to_fit();
        CrateVersions { name: index_name.unwrap_or_else(|| name.to_owned()), versions, diagnostics }
    }
}

/// Parses one line. `previous` is the version loaded just before, whose dependency list and feature map
/// are reused when this line's are the same (as they are for most patch releases).
fn parse_line<'a>(
    line: &'a [u8],
    expected_name: &str,
    interner: &mut Interner,
    previous: Option<&IndexVersion>,
) -> Result<(Cow<'a, str>, IndexVersion), Skip> {
    let raw: RawVersion<'a> = serde_json::from_slice(line).map_err(|e| {
        let text = e.to_string();
        let reason = text.rsplit_once(" at line ").map_or(text.as_str(), |(reason, _)| reason);
        if e.is_data() {
            ("invalid-entry", format!("not an index entry: {reason} (column {})", e.column()))
        } else {
            ("invalid-json", format!("invalid JSON: {reason} (column {})", e.column()))
        }
    })?;
    if let Some(v) = raw.v.filter(|&v| v > SCHEMA_VERSION) {
        return Err((
            "unsupported-schema",
            format!("index schema version {v} is newer than the supported version {SCHEMA_VERSION}"),
        ));
    }
    let name = raw.name.0;
    let same_name =
        name.eq_ignore_ascii_case(expected_name) || (!name.is_ascii() && name.to_lowercase() == expected_name);
    if !same_name {
        return Err(("name-mismatch", format!("entry for crate `{name}` in the file of `{expected_name}`")));
    }
    let vers = raw.vers.0;
    let version = Version::parse(&vers).map_err(|e| ("invalid-version", format!("invalid version `{vers}`: {e}")))?;
    let checksum = match raw.cksum.as_ref().map(|c| c.0.as_ref()) {
        None | Some("") => None,
        Some(hex) => Some(Checksum::from_hex(hex).ok_or_else(|| {
            ("invalid-checksum", format!("invalid checksum `{hex}`: expected 64 hex digits (a SHA-256)"))
        })?),
    };
    // Most lines repeat the previous line's dependencies and features: comparing the raw text with
    // them first skips interning and building lists that would be thrown away.
    let deps = match previous {
        _ if raw.deps.is_empty() => interner.no_deps.clone(),
        Some(previous) if same_deps(&raw.deps, &previous.deps) => previous.deps.clone(),
        _ => Arc::from(raw.deps.into_iter().map(|d| dep(d, interner)).collect::<Result<Vec<_>, _>>()?),
    };
    let features = features(raw.features, raw.features2, interner, previous.map(|p| &p.features));
    let version = IndexVersion {
        version,
        yanked: raw.yanked.unwrap_or(false),
        checksum,
        deps,
        features,
        links: interner.opt(raw.links),
        rust_version: interner.opt(raw.rust_version),
    };
    Ok((name, version))
}

fn kind(raw: &RawDep<'_>) -> Result<DepKind, Skip> {
    match raw.kind.as_ref().map(|k| k.0.as_ref()) {
        None | Some("normal") => Ok(DepKind::Normal),
        Some("dev") => Ok(DepKind::Dev),
        Some("build") => Ok(DepKind::Build),
        Some(other) => Err(("invalid-dependency", format!("dependency `{}` has unknown kind `{other}`", raw.name.0))),
    }
}

/// Whether the raw dependencies of a line are, once converted, exactly `previous`.
fn same_deps(raw: &[RawDep<'_>], previous: &[IndexDep]) -> bool {
    let same = |raw: &Option<Str<'_>>, previous: &Option<Arc<str>>| raw.as_ref().map(|s| &*s.0) == previous.as_deref();
    raw.len() == previous.len()
        && raw.iter().zip(previous).all(|(r, p)| {
            *r.name.0 == *p.name
                && *r.req.0 == *p.req.as_str()
                && kind(r).is_ok_and(|k| k == p.kind)
                && r.optional.unwrap_or(false) == p.optional
                && r.default_features.unwrap_or(true) == p.default_features
                && same(&r.target, &p.target)
                && same(&r.package, &p.package)
                && same(&r.registry, &p.registry)
                && r.features
                    .as_deref()
                    .unwrap_or_default()
                    .iter()
                    .filter(|f| !f.0.is_empty())
                    .map(|f| &*f.0)
                    .eq(p.features.iter().map(|f| &**f))
        })
}

fn dep(raw: RawDep<'_>, interner: &mut Interner) -> Result<IndexDep, Skip> {
    let kind = kind(&raw)?;
    Ok(IndexDep {
        name: interner.str(&raw.name.0),
        package: interner.opt(raw.package),
        req: interner.req(&raw.req.0),
        kind,
        target: interner.opt(raw.target),
        optional: raw.optional.unwrap_or(false),
        default_features: raw.default_features.unwrap_or(true),
        features: raw
            .features
            .unwrap_or_default()
            .iter()
            .filter(|f| !f.0.is_empty())
            .map(|f| interner.str(&f.0))
            .collect(),
        registry: interner.opt(raw.registry),
    })
}

/// Whether a raw `features` object is, once converted, exactly `previous`. Only objects with their keys
/// in increasing order (as registries write them) are compared, so that no key can repeat; any other is
/// built and compared whole.
fn same_features(raw: &[(Str<'_>, Vec<Str<'_>>)], previous: &FeatureMap) -> bool {
    raw.len() == previous.len()
        && raw.windows(2).all(|w| w[0].0.0 < w[1].0.0)
        && raw.iter().all(|(feature, enables)| {
            previous.get(&*feature.0).is_some_and(|p| enables.iter().map(|e| &*e.0).eq(p.iter().map(|e| &**e)))
        })
}

/// The feature map of a line: `features`, where a repeated key keeps its last value (as a JSON object
/// read into a map does), with `features2` appended, shared with the previous version when equal.
fn features(
    features: Option<RawFeatures<'_>>,
    features2: Option<RawFeatures<'_>>,
    interner: &mut Interner,
    previous: Option<&Arc<FeatureMap>>,
) -> Arc<FeatureMap> {
    let features = features.map(|f| f.0).unwrap_or_default();
    let features2 = features2.map(|f| f.0).unwrap_or_default();
    if features.is_empty() && features2.is_empty() {
        return interner.no_features.clone();
    }
    if let Some(previous) = previous
        && features2.is_empty()
        && same_features(&features, previous)
    {
        return previous.clone();
    }
    let mut map = FeatureMap::new();
    for (feature, enables) in features {
        let enables = enables.iter().map(|e| interner.str(&e.0)).collect();
        map.insert(interner.str(&feature.0), enables);
    }
    for (feature, enables) in features2 {
        let enables: Vec<_> = enables.iter().map(|e| interner.str(&e.0)).collect();
        map.entry(interner.str(&feature.0)).or_default().extend(enables);
    }
    match previous {
        Some(previous) if **previous == map => previous.clone(),
        _ => Arc::new(map),
    }
}
