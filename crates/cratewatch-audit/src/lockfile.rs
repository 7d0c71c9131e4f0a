//! `Cargo.lock` in every format Cargo has written: v1 (with or without the old `[root]` table, checksums
//! in `[metadata]`), v2 (checksums inline, short dependency references), v3 and v4 (explicit `version`).

use std::collections::HashMap;
use std::fmt;
use std::ops::Range;

use semver::Version;
use toml::de::{DeTable, DeValue};

/// The source id Cargo writes for the default public registry.
pub const CRATES_IO_SOURCE: &str = "registry+https://github.com/rust-lang/crates.io-index";
/// The same registry reached through its sparse protocol.
pub const CRATES_IO_SPARSE_SOURCE: &str = "sparse+https://index.crates.io/";

/// A parsed lockfile.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Lockfile {
    /// The format version: 1 to 4.
    pub version: u32,
    /// Every `[[package]]` entry, in file order (the v1 `[root]` package is not among them).
    pub packages: Vec<Package>,
    /// The v1 `[root]` package, when present.
    pub root: Option<Package>,
}

/// One package of a lockfile.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Package {
    /// The crate name.
    pub name: String,
    /// The locked version.
    pub version: Version,
    /// Where it comes from (`registry+...`, `git+...`); `None` for path packages.
    pub source: Option<String>,
    /// The checksum, inline or from v1's `[metadata]`.
    pub checksum: Option<String>,
    /// Indices into [`Lockfile::packages`] of the packages it depends on.
    pub dependencies: Vec<usize>,
    /// The `replace` entry, when present.
    pub replace: Option<String>,
    /// The 1-based line of the package's `[[package]]` entry.
    pub line: u32,
}

impl Package {
    /// Whether the package comes from the default public registry (the only one advisories describe).
    pub fn is_from_crates_io(&self) -> bool {
        matches!(self.source.as_deref(), Some(s) if source_without_fragment(s) == CRATES_IO_SOURCE || s == CRATES_IO_SPARSE_SOURCE)
    }
}

fn source_without_fragment(source: &str) -> &str {
    source.split('#').next().unwrap_or(source)
}

/// Why a lockfile could not be read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LockfileError {
    /// The 1-based line, where known.
    pub line: Option<u32>,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for LockfileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "line {line}: {}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

impl std::error::Error for LockfileError {}

struct Raw<'a> {
    name: String,
    version: Version,
    source: Option<String>,
    checksum: Option<String>,
    dependencies: Vec<&'a str>,
    replace: Option<String>,
    line: u32,
}

impl Lockfile {
    /// Parses the text of a lockfile.
    pub fn parse(text: &str) -> Result<Lockfile, LockfileError> {
        let line_of = |span: Range<usize>| {
            1 + text.as_bytes()[..span.start.min(text.len())].iter().filter(|&&b| b == b'\n').count() as u32
        };
        let doc = DeTable::parse(text).map_err(|e| LockfileError {
            line: e.span().map(line_of),
            message: format!("invalid TOML: {}", e.message().trim().replace('\n', " ")),
        })?;
        let doc = doc.get_ref();
        let version = match doc.get("version") {
            None => None,
            Some(v) => match v.get_ref() {
                DeValue::Integer(i) => {
                    Some(i.as_str().parse::<u32>().ok().filter(|n| (1..=4).contains(n)).ok_or_else(|| {
                        LockfileError {
                            line: Some(line_of(v.span())),
                            message: format!("unsupported lockfile version {}", i.as_str()),
                        }
                    })?)
                }
                _ => {
                    return Err(LockfileError {
                        line: Some(line_of(v.span())),
                        message: "`version` must be an integer".into(),
                    });
                }
            },
        };
        let metadata = doc.get("metadata").and_then(|m| m.get_ref().as_table());

        let mut raws = Vec::new();
        if let Some(list) = doc.get("package") {
            let DeValue::Array(items) = list.get_ref() else {
                return Err(LockfileError {
                    line: Some(line_of(list.span())),
                    message: "`package` must be an array of tables".into(),
                });
            };
            for item in items.iter() {
                let Some(table) = item.get_ref().as_table() else {
                    return Err(LockfileError {
                        line: Some(line_of(item.span())),
                        message: "a `[[package]]` entry must be a table".into(),
                    });
                };
                raws.push(raw_package(table, line_of(item.span()), &line_of)?);
            }
        }
        let root = match doc.get("root") {
            None => None,
            Some(r) => {
                let table = r.get_ref().as_table().ok_or_else(|| LockfileError {
                    line: Some(line_of(r.span())),
                    message: "`root` must be a table".into(),
                })?;
                Some(raw_package(table, line_of(r.span()), &line_of)?)
            }
        };
        // Without an explicit `version`, v1 is recognised by its `[metadata]` or `[root]` table; the rest is v2
        // (a v1 file with neither has no registry packages, so nothing in it can be audited differently).
        let version = version.unwrap_or(if metadata.is_some() || root.is_some() { 1 } else { 2 });

        // Resolve "name", "name version" and "name version (source)" references.
        let mut by_name: HashMap<&str, Vec<usize>> = HashMap::new();
        for (i, raw) in raws.iter().enumerate() {
            by_name.entry(raw.name.as_str()).or_default().push(i);
        }
        let resolve = |raw: &Raw<'_>| -> Result<Vec<usize>, LockfileError> {
            raw.dependencies
                .iter()
                .map(|spec| {
                    let mut parts = spec.splitn(3, ' ');
                    let name = parts.next().unwrap_or_default();
                    let version = parts.next();
                    let source = parts.next().map(|s| s.trim_start_matches('(').trim_end_matches(')'));
                    let fits = |&&i: &&usize| {
                        let p: &Raw<'_> = &raws[i];
                        version.is_none_or(|v| p.version.to_string() == v)
                            && source.is_none_or(|s| {
                                p.source.as_deref().map(source_without_fragment) == Some(source_without_fragment(s))
                            })
                    };
                    let candidates: Vec<&usize> = by_name.get(name).into_iter().flatten().filter(fits).collect();
                    match candidates.as_slice() {
                        [only] => Ok(**only),
                        [] => Err(LockfileError {
                            line: Some(raw.line),
                            message: format!(
                                "`{} {}` depends on `{spec}`, which is not in the lockfile",
                                raw.name, raw.version
                            ),
                        }),
                        _ => Err(LockfileError {
                            line: Some(raw.line),
                            message: format!("`{} {}` depends on `{spec}`, which is ambiguous", raw.name, raw.version),
                        }),
                    }
                })
                .collect()
        };

        let checksum_from_metadata = |raw: &Raw<'_>| -> Option<String> {
            let key = format!("checksum {} {} ({})", raw.name, raw.version, raw.source.as_deref()?);
            let value = metadata?.get(key.as_str())?;
            value.get_ref().as_str().filter(|s| *s != "<none>").map(str::to_owned)
        };
        let finish = |raw: &Raw<'_>| -> Result<Package, LockfileError> {
            Ok(Package {
                name: raw.name.clone(),
                version: raw.version.clone(),
                source: raw.source.clone(),
                checksum: raw.checksum.clone().or_else(|| checksum_from_metadata(raw)),
                dependencies: resolve(raw)?,
                replace: raw.replace.clone(),
                line: raw.line,
            })
        };
        let packages = raws.iter().map(finish).collect::<Result<Vec<_>, _>>()?;
        let root = root.as_ref().map(finish).transpose()?;
        Ok(Lockfile { version, packages, root })
    }
}

fn raw_package<'a>(
    table: &'a DeTable<'a>,
    line: u32,
    line_of: &dyn Fn(Range<usize>) -> u32,
) -> Result<Raw<'a>, LockfileError> {
    let string = |key: &str| -> Result<Option<String>, LockfileError> {
        match table.get(key) {
            None => Ok(None),
            Some(v) => v.get_ref().as_str().map(|s| Some(s.to_owned())).ok_or_else(|| LockfileError {
                line: Some(line_of(v.span())),
                message: format!("`{key}` must be a string"),
            }),
        }
    };
    let name = string("name")?
        .ok_or_else(|| LockfileError { line: Some(line), message: "package entry has no `name`".into() })?;
    let version_text = string("version")?
        .ok_or_else(|| LockfileError { line: Some(line), message: format!("package `{name}` has no `version`") })?;
    let version = Version::parse(&version_text).map_err(|e| LockfileError {
        line: Some(line),
        message: format!("package `{name}` has an invalid version `{version_text}`: {e}"),
    })?;
    let mut dependencies = Vec::new();
    if let Some(deps) = table.get("dependencies") {
        let DeValue::Array(items) = deps.get_ref() else {
            return Err(LockfileError {
                line: Some(line_of(deps.span())),
                message: "`dependencies` must be an array".into(),
            });
        };
        for item in items.iter() {
            let spec = item.get_ref().as_str().ok_or_else(|| LockfileError {
                line: Some(line_of(item.span())),
                message: "a dependency must be a string".into(),
            })?;
            dependencies.push(spec);
        }
    }
    Ok(Raw {
        name,
        version,
        source: string("source")?,
        checksum: string("checksum")?,
        dependencies,
        replace: string("replace")?,
        line,
    })
}
