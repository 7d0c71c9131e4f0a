//! The configuration files an audit reads, each exactly as the tool that owns it reads it, so that one
//! set of files serves cargo-audit, cargo-deny and cratewatch:
//!
//! - [`AuditConfig`]: cargo-audit's `.cargo/audit.toml`. It accepts and refuses what cargo-audit 0.22.2
//!   accepts and refuses (unknown keys, a `[database]` table without `stale` or an `[output]` table
//!   without `quiet`, a `deny` kind other than warnings, unmaintained, unsound or yanked, an ignore that is
//!   not a string), so that nothing cratewatch reads there can break cargo-audit.
//! - [`DenyConfig`]: the `[advisories] ignore` list of cargo-deny's `deny.toml`, read as cargo-deny 0.20
//!   reads it: advisory ids as strings or as `{ id, reason }` tables, and crate specs (`name@version` or
//!   `{ crate, reason }`, cargo-deny's ignores of yanked versions). The rest of the file is cargo-deny's.
//! - [`ManifestConfig`]: cratewatch's own additions, in `[workspace.metadata.cratewatch]` (or
//!   `[package.metadata.cratewatch]`) of the `Cargo.toml` beside the lockfile, which Cargo ignores by
//!   design: `ignore = [{ id, reason, expires }]`.
//!
//! [`merge_ignores`] joins their ignores into the rules an audit applies.
//!
//! ```toml
//! # .cargo/audit.toml (cargo-audit's keys only)
//! [advisories]
//! ignore = ["RUSTSEC-2020-0071"]
//!
//! # deny.toml
//! [advisories]
//! ignore = [{ id = "RUSTSEC-2020-0071", reason = "time is only formatted, never parsed" }]
//!
//! # Cargo.toml
//! [workspace.metadata.cratewatch]
//! ignore = [{ id = "RUSTSEC-2020-0071", expires = "2026-12-31" }]
//! ```

use std::str::FromStr;

use cratewatch_advisory::{Date, Severity};
use serde::Deserialize;

use crate::lockfile::LineIndex;
use crate::{Deny, IgnoreRule, LineError, WarningKind};

/// Why a configuration file was rejected: the line, where known, and the problem.
pub type ConfigError = LineError;

fn toml_error(text: &str, e: &toml::de::Error) -> ConfigError {
    ConfigError {
        line: e.span().map(|s| LineIndex::new(text).line(s.start)),
        message: e.message().trim().replace('\n', " "),
    }
}

fn invalid(message: String) -> ConfigError {
    ConfigError { line: None, message }
}

// ---------------------------------------------------------------------------------------------------
// .cargo/audit.toml

/// The settings read from cargo-audit's `.cargo/audit.toml`.
#[derive(Clone, Debug, PartialEq)]
pub struct AuditConfig {
    /// Advisory ids (or aliases) to ignore.
    pub ignore: Vec<String>,
    /// Which informational kinds become warnings (`None`: the default set). Kinds cratewatch does not
    /// know (cargo-audit accepts any word) report nothing.
    pub informational_warnings: Option<Vec<WarningKind>>,
    /// Vulnerabilities below this severity are not reported.
    pub severity_threshold: Option<Severity>,
    /// Warning kinds that fail the audit.
    pub deny: Vec<Deny>,
    /// Target operating systems (checked by the caller: the names are Rust's target names).
    pub target_os: Vec<String>,
    /// Target architectures.
    pub target_arch: Vec<String>,
    /// `[database] path`: a local advisory database.
    pub database_path: Option<String>,
    /// `[database] url`: the git repository to fetch the database from.
    pub database_url: Option<String>,
    /// `[database] fetch` (default true): whether the database may be fetched.
    pub fetch: bool,
    /// `[output] format`: `json`, `sarif` or `terminal`, when set.
    pub format: Option<String>,
    /// `[output] quiet`.
    pub quiet: bool,
    /// Keys the file sets that cratewatch accepts, as cargo-audit does, but does not use.
    pub unused_keys: Vec<String>,
}

impl Default for AuditConfig {
    fn default() -> Self {
        AuditConfig {
            ignore: Vec::new(),
            informational_warnings: None,
            severity_threshold: None,
            deny: Vec::new(),
            target_os: Vec::new(),
            target_arch: Vec::new(),
            database_path: None,
            database_url: None,
            fetch: true,
            format: None,
            quiet: false,
            unused_keys: Vec::new(),
        }
    }
}

// The raw shapes mirror cargo-audit 0.22.2's `AuditConfig` field for field, serde attributes included:
// `deny_unknown_fields` everywhere, and the fields it requires when their table is present (`stale` in
// `[database]`, `quiet` in `[output]`), which is what cargo-audit refuses.

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawAudit {
    #[serde(default)]
    advisories: RawAdvisories,
    #[serde(default)]
    database: Option<RawDatabase>,
    #[serde(default)]
    output: Option<RawOutput>,
    #[serde(default)]
    target: RawTarget,
    #[serde(default)]
    yanked: Option<RawYanked>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawAdvisories {
    #[serde(default)]
    ignore: Vec<String>,
    informational_warnings: Option<Vec<String>>,
    severity_threshold: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDatabase {
    path: Option<String>,
    url: Option<String>,
    #[serde(default = "yes")]
    fetch: bool,
    stale: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawOutput {
    #[serde(default)]
    deny: Vec<RawDeny>,
    #[serde(default)]
    format: RawFormat,
    quiet: bool,
    #[serde(default = "yes")]
    show_tree: bool,
}

#[derive(Deserialize, Clone, Copy)]
#[serde(rename_all = "lowercase")]
enum RawDeny {
    Warnings,
    Unmaintained,
    Unsound,
    Yanked,
}

#[derive(Deserialize, Default, Clone, Copy, PartialEq)]
#[serde(rename_all = "lowercase")]
enum RawFormat {
    Json,
    Sarif,
    #[default]
    Terminal,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawTarget {
    arch: Option<OneOrMany>,
    os: Option<OneOrMany>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

impl OneOrMany {
    fn into_vec(self) -> Vec<String> {
        match self {
            OneOrMany::One(s) => vec![s],
            OneOrMany::Many(v) => v,
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawYanked {
    #[serde(default = "yes")]
    enabled: bool,
    #[serde(default = "yes")]
    update_index: bool,
}

fn yes() -> bool {
    true
}

impl AuditConfig {
    /// Parses the text of a `.cargo/audit.toml`, refusing what cargo-audit 0.22.2 refuses.
    pub fn parse(text: &str) -> Result<AuditConfig, ConfigError> {
        let raw: RawAudit = toml::from_str(text).map_err(|e| toml_error(text, &e))?;
        let mut config = AuditConfig { ignore: raw.advisories.ignore, ..AuditConfig::default() };
        config.informational_warnings = raw.advisories.informational_warnings.map(|kinds| {
            kinds
                .iter()
                .filter_map(|k| match k.as_str() {
                    "unmaintained" => Some(WarningKind::Unmaintained),
                    "unsound" => Some(WarningKind::Unsound),
                    "notice" => Some(WarningKind::Notice),
                    _ => None,
                })
                .collect()
        });
        config.severity_threshold = raw
            .advisories
            .severity_threshold
            .map(|s| Severity::from_str(&s).map_err(|e| invalid(format!("`advisories.severity_threshold`: {e}"))))
            .transpose()?;
        if let Some(database) = raw.database {
            config.database_path = database.path;
            config.database_url = database.url;
            config.fetch = database.fetch;
            if database.stale {
                config.unused_keys.push("database.stale".to_owned());
            }
        }
        if let Some(output) = raw.output {
            config.deny = output
                .deny
                .iter()
                .map(|d| match d {
                    RawDeny::Warnings => Deny::Warnings,
                    RawDeny::Unmaintained => Deny::Unmaintained,
                    RawDeny::Unsound => Deny::Unsound,
                    RawDeny::Yanked => Deny::Yanked,
                })
                .collect();
            config.format = match output.format {
                RawFormat::Json => Some("json".to_owned()),
                RawFormat::Sarif => Some("sarif".to_owned()),
                RawFormat::Terminal => None,
            };
            config.quiet = output.quiet;
            if !output.show_tree {
                config.unused_keys.push("output.show_tree".to_owned());
            }
        }
        config.target_os = raw.target.os.map(OneOrMany::into_vec).unwrap_or_default();
        config.target_arch = raw.target.arch.map(OneOrMany::into_vec).unwrap_or_default();
        if let Some(yanked) = raw.yanked {
            // Yanked versions are reported whenever an index is given (`--index`), never fetched.
            if !yanked.enabled {
                config.unused_keys.push("yanked.enabled".to_owned());
            }
            if !yanked.update_index {
                config.unused_keys.push("yanked.update_index".to_owned());
            }
        }
        Ok(config)
    }
}

// ---------------------------------------------------------------------------------------------------
// deny.toml

/// The ignores of cargo-deny's `deny.toml` (`[advisories] ignore`); the rest of the file is not read.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DenyConfig {
    /// Advisory ids, with their reasons.
    pub ignore: Vec<IgnoreEntry>,
    /// Crate specs (`name@version`, or `{ crate = ..., reason = ... }`): cargo-deny's ignores of yanked
    /// versions, which cratewatch does not apply.
    pub ignore_crates: Vec<String>,
}

#[derive(Deserialize, Default)]
struct RawDenyFile {
    #[serde(default)]
    advisories: Option<RawDenyAdvisories>,
}

#[derive(Deserialize, Default)]
struct RawDenyAdvisories {
    #[serde(default)]
    ignore: Option<Vec<toml::Value>>,
}

impl DenyConfig {
    /// Parses the text of a `deny.toml`. An `[advisories] ignore` entry is read as cargo-deny 0.20 reads
    /// it: a string whose part before the first `-` is upper-case ASCII letters is an advisory id, any
    /// other string a crate spec; a table with `id` holds `id` and `reason` and nothing else; any other
    /// table is a crate spec (`crate`, `reason`).
    pub fn parse(text: &str) -> Result<DenyConfig, ConfigError> {
        let raw: RawDenyFile = toml::from_str(text).map_err(|e| toml_error(text, &e))?;
        let mut config = DenyConfig::default();
        let entries = raw.advisories.and_then(|a| a.ignore).unwrap_or_default();
        for entry in entries {
            match entry {
                toml::Value::String(s) => {
                    let is_id = s.split_once('-').is_some_and(|(kind, _)| kind.chars().all(|c| c.is_ascii_uppercase()));
                    if is_id {
                        config.ignore.push(IgnoreEntry { id: s, reason: None, expires: None });
                    } else {
                        config.ignore_crates.push(s);
                    }
                }
                toml::Value::Table(table) if table.contains_key("id") => {
                    let mut id = None;
                    let mut reason = None;
                    for (key, value) in table {
                        match (key.as_str(), value) {
                            ("id", toml::Value::String(s)) => id = Some(s),
                            ("reason", toml::Value::String(s)) => reason = Some(s),
                            ("id" | "reason", other) => {
                                return Err(invalid(format!(
                                    "`advisories.ignore`: `{key}` must be a string, found {}",
                                    other.type_str()
                                )));
                            }
                            (other, _) => {
                                return Err(invalid(format!(
                                    "`advisories.ignore`: unknown key `{other}` in an ignored advisory (cargo-deny \
                                     takes `id` and `reason`)"
                                )));
                            }
                        }
                    }
                    config.ignore.push(IgnoreEntry { id: id.expect("`id` is present"), reason, expires: None });
                }
                toml::Value::Table(table) => match table.get("crate") {
                    Some(toml::Value::String(spec)) => config.ignore_crates.push(spec.clone()),
                    _ => {
                        return Err(invalid(
                            "`advisories.ignore`: a table must have `id` (an advisory) or `crate` (a yanked crate)"
                                .to_owned(),
                        ));
                    }
                },
                other => {
                    return Err(invalid(format!(
                        "`advisories.ignore`: expected an advisory id or package spec, found {}",
                        other.type_str()
                    )));
                }
            }
        }
        Ok(config)
    }
}

// ---------------------------------------------------------------------------------------------------
// Cargo.toml: [workspace.metadata.cratewatch] or [package.metadata.cratewatch]

/// cratewatch's own settings in the `Cargo.toml` beside the lockfile.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ManifestConfig {
    /// Ignores, each with an optional reason and expiry date. An entry may also only add a reason or an
    /// expiry to an ignore that `.cargo/audit.toml` or `deny.toml` declares (see [`merge_ignores`]).
    pub ignore: Vec<IgnoreEntry>,
    /// Which table it came from: `workspace.metadata.cratewatch` or `package.metadata.cratewatch`
    /// (`None` when the manifest has neither).
    pub table: Option<&'static str>,
}

#[derive(Deserialize, Default)]
struct RawManifest {
    #[serde(default)]
    workspace: Option<RawMetadataHolder>,
    #[serde(default)]
    package: Option<RawMetadataHolder>,
}

#[derive(Deserialize, Default)]
struct RawMetadataHolder {
    #[serde(default)]
    metadata: Option<RawMetadata>,
}

#[derive(Deserialize, Default)]
struct RawMetadata {
    #[serde(default)]
    cratewatch: Option<RawCratewatch>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawCratewatch {
    #[serde(default)]
    ignore: Vec<RawManifestIgnore>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawManifestIgnore {
    id: String,
    reason: Option<String>,
    expires: Option<toml::Value>,
}

impl ManifestConfig {
    /// Parses the text of a `Cargo.toml` and reads `[workspace.metadata.cratewatch]`, else
    /// `[package.metadata.cratewatch]`. Unknown keys in cratewatch's table are errors; the rest of the
    /// manifest is Cargo's and is not checked here.
    pub fn parse(text: &str) -> Result<ManifestConfig, ConfigError> {
        // Most manifests have no table of ours: they are not parsed at all (a warm audit takes a few
        // milliseconds, a large manifest's TOML a good part of one).
        if !text.contains("cratewatch") {
            return Ok(ManifestConfig::default());
        }
        let raw: RawManifest = toml::from_str(text).map_err(|e| toml_error(text, &e))?;
        let table_of = |holder: Option<RawMetadataHolder>| holder.and_then(|h| h.metadata).and_then(|m| m.cratewatch);
        let (raw, table) = match (table_of(raw.workspace), table_of(raw.package)) {
            (Some(w), _) => (w, "workspace.metadata.cratewatch"),
            (None, Some(p)) => (p, "package.metadata.cratewatch"),
            (None, None) => return Ok(ManifestConfig::default()),
        };
        let mut ignore = Vec::new();
        for entry in raw.ignore {
            let expires = match entry.expires {
                None => None,
                Some(value) => {
                    let text = match &value {
                        toml::Value::String(s) => s.clone(),
                        toml::Value::Datetime(d) => d.to_string(),
                        other => {
                            return Err(invalid(format!(
                                "`{table}.ignore`: `expires` of `{}` must be a date, found {}",
                                entry.id,
                                other.type_str()
                            )));
                        }
                    };
                    Some(
                        Date::from_str(&text)
                            .map_err(|e| invalid(format!("`{table}.ignore`: `expires` of `{}`: {e}", entry.id)))?,
                    )
                }
            };
            ignore.push(IgnoreEntry { id: entry.id, reason: entry.reason, expires });
        }
        Ok(ManifestConfig { ignore, table: Some(table) })
    }
}

// ---------------------------------------------------------------------------------------------------
// Merging

/// One ignore as a file states it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IgnoreEntry {
    /// The advisory id (or an alias of it).
    pub id: String,
    /// Why it is ignored.
    pub reason: Option<String>,
    /// The last day the ignore applies.
    pub expires: Option<Date>,
}

/// Joins the ignores of several files into the rules an audit applies. `sources` come in the order
/// they are read (cratewatch reads `.cargo/audit.toml`, then `deny.toml`, then the manifest's table),
/// each with the label the reports show for it (a path). Entries with the same id become one rule that
/// lists every source it came from; its reason and its expiry are the first ones given in that order.
/// An ignore therefore keeps working in cargo-audit and cargo-deny, and cratewatch adds the reason and
/// the expiry that they cannot hold.
pub fn merge_ignores(sources: impl IntoIterator<Item = (String, Vec<IgnoreEntry>)>) -> Vec<IgnoreRule> {
    let mut rules: Vec<IgnoreRule> = Vec::new();
    for (label, entries) in sources {
        for entry in entries {
            let rule = match rules.iter().position(|r| r.id == entry.id) {
                Some(i) => &mut rules[i],
                None => {
                    rules.push(IgnoreRule { id: entry.id.clone(), reason: None, expires: None, sources: Vec::new() });
                    rules.last_mut().expect("just pushed")
                }
            };
            if rule.reason.is_none() {
                rule.reason = entry.reason;
            }
            if rule.expires.is_none() {
                rule.expires = entry.expires;
            }
            if !rule.sources.contains(&label) {
                rule.sources.push(label.clone());
            }
        }
    }
    rules
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_cargo_audit_keys() {
        let config = AuditConfig::parse(
            r#"
[advisories]
ignore = ["RUSTSEC-2020-0071", "RUSTSEC-2024-0384"]
informational_warnings = ["unmaintained", "something-new"]
severity_threshold = "medium"
[output]
deny = ["unsound", "warnings"]
quiet = false
format = "json"
[target]
os = "linux"
arch = ["x86_64", "aarch64"]
[database]
url = "https://example.com/db.git"
fetch = false
stale = true
[yanked]
enabled = false
"#,
        )
        .unwrap();
        assert_eq!(config.ignore, ["RUSTSEC-2020-0071", "RUSTSEC-2024-0384"]);
        assert_eq!(config.informational_warnings, Some(vec![WarningKind::Unmaintained]));
        assert_eq!(config.severity_threshold, Some(Severity::Medium));
        assert_eq!(config.deny, vec![Deny::Unsound, Deny::Warnings]);
        assert_eq!(config.target_os, vec!["linux"]);
        assert_eq!(config.target_arch, vec!["x86_64", "aarch64"]);
        assert_eq!(config.database_url.as_deref(), Some("https://example.com/db.git"));
        assert!(!config.fetch);
        assert_eq!(config.format.as_deref(), Some("json"));
        assert_eq!(config.unused_keys, vec!["database.stale", "yanked.enabled"]);
    }

    #[test]
    fn refuses_what_cargo_audit_refuses() {
        for text in [
            "[advisories]\nignore = [{ id = \"X\" }]\n",
            "[advisories]\nstale = true\n",
            "[output]\ndeny = [\"unsound\"]\n",
            "[output]\nquiet = false\ndeny = [\"notice\"]\n",
            "[database]\npath = \"/x\"\n",
            "[extra]\n",
            "[advisories]\nignore = \"RUSTSEC-2020-0071\"\n",
        ] {
            assert!(AuditConfig::parse(text).is_err(), "{text}");
        }
        let err = AuditConfig::parse("[advisories]\nignore = [\n  42,\n]\n").unwrap_err();
        assert_eq!(err.line, Some(3), "{err}");
    }

    #[test]
    fn reads_deny_toml_ignores_as_cargo_deny_does() {
        let config = DenyConfig::parse(
            r#"
[graph]
all-features = true
[advisories]
version = 2
ignore = [
    "RUSTSEC-2020-0071",
    { id = "RUSTSEC-2024-0384", reason = "instant is only used in tests" },
    "yanked-crate@0.1.1",
    { crate = "other@1.0.0", reason = "waiting for a release" },
]
"#,
        )
        .unwrap();
        assert_eq!(
            config.ignore,
            [
                IgnoreEntry { id: "RUSTSEC-2020-0071".into(), reason: None, expires: None },
                IgnoreEntry {
                    id: "RUSTSEC-2024-0384".into(),
                    reason: Some("instant is only used in tests".into()),
                    expires: None
                },
            ]
        );
        assert_eq!(config.ignore_crates, ["yanked-crate@0.1.1", "other@1.0.0"]);
        assert!(DenyConfig::parse("[advisories]\nignore = [{ id = \"X\", expires = \"2026-01-01\" }]\n").is_err());
        assert!(DenyConfig::parse("[advisories]\nignore = [42]\n").is_err());
        assert_eq!(DenyConfig::parse("[licenses]\nallow = []\n").unwrap(), DenyConfig::default());
    }

    #[test]
    fn reads_the_manifest_table_and_merges_in_order() {
        let manifest = ManifestConfig::parse(
            r#"
[workspace]
members = ["crates/*"]
[workspace.metadata.cratewatch]
ignore = [
  { id = "RUSTSEC-2024-0384", expires = "2026-12-31", reason = "ours" },
  { id = "RUSTSEC-2099-0001", reason = "only here", expires = 2027-01-31 },
]
"#,
        )
        .unwrap();
        assert_eq!(manifest.table, Some("workspace.metadata.cratewatch"));
        assert!(
            ManifestConfig::parse("[package.metadata.cratewatch]\nignore = [{ id = \"X\", until = \"x\" }]\n").is_err()
        );
        assert!(
            ManifestConfig::parse("[package.metadata.cratewatch]\nignore = [{ id = \"X\", expires = \"soon\" }]\n")
                .is_err()
        );
        assert_eq!(ManifestConfig::parse("[package]\nname = \"x\"\n").unwrap(), ManifestConfig::default());

        let deny =
            DenyConfig::parse("[advisories]\nignore = [{ id = \"RUSTSEC-2024-0384\", reason = \"tests only\" }]\n")
                .unwrap();
        let audit = AuditConfig::parse("[advisories]\nignore = [\"RUSTSEC-2024-0384\"]\n").unwrap();
        let audit_entries = audit.ignore.iter().map(|id| IgnoreEntry { id: id.clone(), reason: None, expires: None });
        let rules = merge_ignores([
            ("audit.toml".to_owned(), audit_entries.collect()),
            ("deny.toml".to_owned(), deny.ignore),
            ("Cargo.toml".to_owned(), manifest.ignore),
        ]);
        assert_eq!(rules.len(), 2);
        assert_eq!(rules[0].id, "RUSTSEC-2024-0384");
        assert_eq!(rules[0].reason.as_deref(), Some("tests only"));
        assert_eq!(rules[0].expires.map(|d| d.to_string()).as_deref(), Some("2026-12-31"));
        assert_eq!(rules[0].sources, ["audit.toml", "deny.toml", "Cargo.toml"]);
        assert_eq!(rules[1].sources, ["Cargo.toml"]);
        assert_eq!(rules[1].expires.map(|d| d.to_string()).as_deref(), Some("2027-01-31"));
    }
}
