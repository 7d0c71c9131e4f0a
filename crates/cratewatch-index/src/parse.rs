//! Parsing the contents of one index file: one JSON object per line, each turned from its wire form (the
//! private `Raw*` types) into the domain types at this edge.

use std::collections::{BTreeMap, HashSet};

use semver::{Version, VersionReq};
use serde::Deserialize;

use crate::{CrateVersions, DepKind, DepReq, IndexDep, IndexVersion, LineDiagnostic};

/// The newest index schema version this reader understands: 2 added `features2`. Cargo skips lines of a
/// newer schema, and so do we.
const SCHEMA_VERSION: u32 = 2;

/// One line of an index file, as the registry writes it.
#[derive(Deserialize)]
struct RawVersion {
    name: String,
    vers: String,
    #[serde(default)]
    deps: Vec<RawDep>,
    #[serde(default)]
    cksum: Option<String>,
    #[serde(default)]
    features: Option<BTreeMap<String, Vec<String>>>,
    #[serde(default)]
    features2: Option<BTreeMap<String, Vec<String>>>,
    #[serde(default)]
    yanked: Option<bool>,
    #[serde(default)]
    links: Option<String>,
    #[serde(default)]
    rust_version: Option<String>,
    #[serde(default)]
    v: Option<u32>,
}

/// One dependency of a line, as the registry writes it.
#[derive(Deserialize)]
struct RawDep {
    name: String,
    req: String,
    #[serde(default)]
    features: Option<Vec<String>>,
    #[serde(default)]
    optional: Option<bool>,
    #[serde(default)]
    default_features: Option<bool>,
    #[serde(default)]
    target: Option<String>,
    #[serde(default)]
    kind: Option<String>,
    #[serde(default)]
    registry: Option<String>,
    #[serde(default)]
    package: Option<String>,
}

/// Why a line was skipped: a diagnostic code and message, before the line number is known.
type Skip = (&'static str, String);

impl CrateVersions {
    /// Parses the contents of the index file of crate `name` (the same bytes in the git-index layout and
    /// over the sparse protocol). Lines that cannot be used become [`LineDiagnostic`]s; blank lines are
    /// ignored. When a version appears twice, the first line wins.
    pub fn parse(name: &str, contents: &[u8]) -> CrateVersions {
        let expected = name.to_lowercase();
        let mut index_name = None;
        let mut versions = Vec::new();
        let mut diagnostics = Vec::new();
        let mut seen = HashSet::new();
        for (i, line) in contents.split(|&b| b == b'\n').enumerate() {
            let line_number = u32::try_from(i + 1).unwrap_or(u32::MAX);
            let line = line.trim_ascii();
            if line.is_empty() {
                continue;
            }
            let parsed = parse_line(line, &expected).and_then(|(name, version)| {
                if seen.insert(version.version.clone()) {
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
                    index_name.get_or_insert(name);
                    versions.push(version);
                }
                Err((code, message)) => diagnostics.push(LineDiagnostic { line: line_number, code, message }),
            }
        }
        CrateVersions { name: index_name.unwrap_or_else(|| name.to_owned()), versions, diagnostics }
    }
}

fn parse_line(line: &[u8], expected_name: &str) -> Result<(String, IndexVersion), Skip> {
    let raw: RawVersion = serde_json::from_slice(line).map_err(|e| {
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
    if raw.name.to_lowercase() != expected_name {
        return Err(("name-mismatch", format!("entry for crate `{}` in the file of `{expected_name}`", raw.name)));
    }
    let version =
        Version::parse(&raw.vers).map_err(|e| ("invalid-version", format!("invalid version `{}`: {e}", raw.vers)))?;
    let deps = raw.deps.into_iter().map(dep).collect::<Result<Vec<_>, _>>()?;
    let mut features = raw.features.unwrap_or_default();
    for (feature, enables) in raw.features2.unwrap_or_default() {
        features.entry(feature).or_default().extend(enables);
    }
    let version = IndexVersion {
        version,
        yanked: raw.yanked.unwrap_or(false),
        checksum: raw.cksum.filter(|c| !c.is_empty()),
        deps,
        features,
        links: raw.links,
        rust_version: raw.rust_version,
    };
    Ok((raw.name, version))
}

fn dep(raw: RawDep) -> Result<IndexDep, Skip> {
    let kind = match raw.kind.as_deref() {
        None | Some("normal") => DepKind::Normal,
        Some("dev") => DepKind::Dev,
        Some("build") => DepKind::Build,
        Some(other) => {
            return Err(("invalid-dependency", format!("dependency `{}` has unknown kind `{other}`", raw.name)));
        }
    };
    let req = match VersionReq::parse(&raw.req) {
        Ok(req) => DepReq::Parsed(req),
        Err(_) => DepReq::Unparsed(raw.req),
    };
    Ok(IndexDep {
        name: raw.name,
        package: raw.package,
        req,
        kind,
        target: raw.target,
        optional: raw.optional.unwrap_or(false),
        default_features: raw.default_features.unwrap_or(true),
        features: raw.features.unwrap_or_default().into_iter().filter(|f| !f.is_empty()).collect(),
        registry: raw.registry,
    })
}
