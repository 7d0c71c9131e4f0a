//! The audit configuration file: cargo-audit's `.cargo/audit.toml` keys, with ignores that may carry a
//! `reason` and an `expires` date.
//!
//! ```toml
//! [advisories]
//! ignore = [
//!     "RUSTSEC-2020-0071",
//!     { id = "RUSTSEC-2024-0384", reason = "instant is only used in tests", expires = "2026-12-31" },
//! ]
//! informational_warnings = ["unmaintained", "unsound", "notice"]
//! severity_threshold = "medium"
//!
//! [output]
//! deny = ["unsound"]
//!
//! [target]
//! os = ["linux"]
//! arch = ["x86_64"]
//!
//! [database]
//! path = "~/.cargo/advisory-db"
//! ```

use std::str::FromStr;

use cratewatch_advisory::{Date, Severity};
use serde::Deserialize;

use crate::lockfile::LineIndex;
use crate::{Deny, IgnoreRule, LineError, WarningKind};

/// The settings read from an audit configuration file.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct AuditConfig {
    /// Ignore rules.
    pub ignore: Vec<IgnoreRule>,
    /// Which informational kinds become warnings (`None`: the default set).
    pub informational_warnings: Option<Vec<WarningKind>>,
    /// Vulnerabilities below this severity are not reported.
    pub severity_threshold: Option<Severity>,
    /// Warning kinds that fail the audit.
    pub deny: Vec<Deny>,
    /// Target operating systems.
    pub target_os: Vec<String>,
    /// Target architectures.
    pub target_arch: Vec<String>,
    /// The advisory database path.
    pub database_path: Option<String>,
    /// Keys the file sets that cratewatch does not use (reported as a note, not an error).
    pub unused_keys: Vec<String>,
}

/// Why a configuration file was rejected: the line, where known, and the problem.
pub type ConfigError = LineError;

#[derive(Deserialize, Default)]
#[serde(default)]
struct RawConfig {
    advisories: RawAdvisories,
    output: RawOutput,
    target: RawTarget,
    database: RawDatabase,
    #[serde(flatten)]
    other: toml::Table,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct RawAdvisories {
    ignore: Vec<RawIgnore>,
    informational_warnings: Option<Vec<String>>,
    severity_threshold: Option<String>,
    #[serde(flatten)]
    other: toml::Table,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum RawIgnore {
    Id(String),
    Rule { id: String, reason: Option<String>, expires: Option<toml::Value> },
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct RawOutput {
    deny: Vec<String>,
    #[serde(flatten)]
    other: toml::Table,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct RawTarget {
    os: OneOrMany,
    arch: OneOrMany,
}

#[derive(Deserialize, Default)]
#[serde(untagged)]
enum OneOrMany {
    #[default]
    None,
    One(String),
    Many(Vec<String>),
}

impl OneOrMany {
    fn into_vec(self) -> Vec<String> {
        match self {
            OneOrMany::None => Vec::new(),
            OneOrMany::One(s) => vec![s],
            OneOrMany::Many(v) => v,
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct RawDatabase {
    path: Option<String>,
    #[serde(flatten)]
    other: toml::Table,
}

impl AuditConfig {
    /// Parses the text of a configuration file.
    pub fn parse(text: &str) -> Result<AuditConfig, ConfigError> {
        let raw: RawConfig = toml::from_str(text).map_err(|e| ConfigError {
            line: e.span().map(|s| LineIndex::new(text).line(s.start)),
            message: e.message().trim().replace('\n', " "),
        })?;
        let invalid = |message: String| ConfigError { line: None, message };

        let mut ignore = Vec::new();
        for entry in raw.advisories.ignore {
            let (id, reason, expires) = match entry {
                RawIgnore::Id(id) => (id, None, None),
                RawIgnore::Rule { id, reason, expires } => (id, reason, expires),
            };
            let expires = match expires {
                None => None,
                Some(value) => {
                    let text = match &value {
                        toml::Value::String(s) => s.clone(),
                        toml::Value::Datetime(d) => d.to_string(),
                        other => {
                            return Err(invalid(format!(
                                "`expires` of ignore `{id}` must be a date, found {}",
                                other.type_str()
                            )));
                        }
                    };
                    Some(Date::from_str(&text).map_err(|e| invalid(format!("`expires` of ignore `{id}`: {e}")))?)
                }
            };
            ignore.push(IgnoreRule { id, reason, expires, from_config: true });
        }
        let informational_warnings = raw
            .advisories
            .informational_warnings
            .map(|kinds| {
                kinds
                    .iter()
                    .map(|k| match k.as_str() {
                        "unmaintained" => Ok(WarningKind::Unmaintained),
                        "unsound" => Ok(WarningKind::Unsound),
                        "notice" => Ok(WarningKind::Notice),
                        other => Err(invalid(format!(
                            "unknown informational warning `{other}` (expected unmaintained, unsound or notice)"
                        ))),
                    })
                    .collect::<Result<Vec<_>, _>>()
            })
            .transpose()?;
        let severity_threshold = raw
            .advisories
            .severity_threshold
            .map(|s| Severity::from_str(&s).map_err(|e| invalid(format!("`severity_threshold`: {e}"))))
            .transpose()?;
        let deny = raw
            .output
            .deny
            .iter()
            .map(|d| Deny::from_str(d).map_err(|e| invalid(format!("`output.deny`: {e}"))))
            .collect::<Result<Vec<_>, _>>()?;

        let mut unused_keys: Vec<String> = raw.other.keys().cloned().collect();
        unused_keys.extend(raw.advisories.other.keys().map(|k| format!("advisories.{k}")));
        unused_keys.extend(raw.output.other.keys().map(|k| format!("output.{k}")));
        unused_keys.extend(raw.database.other.keys().map(|k| format!("database.{k}")));
        Ok(AuditConfig {
            ignore,
            informational_warnings,
            severity_threshold,
            deny,
            target_os: raw.target.os.into_vec(),
            target_arch: raw.target.arch.into_vec(),
            database_path: raw.database.path,
            unused_keys,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_cargo_audit_keys_and_ignore_reasons() {
        let config = AuditConfig::parse(
            r#"
[advisories]
ignore = ["RUSTSEC-2020-0071", { id = "RUSTSEC-2024-0384", reason = "tests only", expires = "2026-12-31" }]
informational_warnings = ["unmaintained"]
severity_threshold = "medium"
stale = false
[output]
deny = ["unsound", "warnings"]
[target]
os = "linux"
arch = ["x86_64", "aarch64"]
"#,
        )
        .unwrap();
        assert_eq!(config.ignore.len(), 2);
        assert_eq!(config.ignore[1].reason.as_deref(), Some("tests only"));
        assert_eq!(config.ignore[1].expires.map(|d| d.to_string()).as_deref(), Some("2026-12-31"));
        assert_eq!(config.informational_warnings, Some(vec![WarningKind::Unmaintained]));
        assert_eq!(config.severity_threshold, Some(Severity::Medium));
        assert_eq!(config.deny, vec![Deny::Unsound, Deny::Warnings]);
        assert_eq!(config.target_os, vec!["linux"]);
        assert_eq!(config.target_arch, vec!["x86_64", "aarch64"]);
        assert_eq!(config.unused_keys, vec!["advisories.stale"]);
    }

    #[test]
    fn errors_name_the_problem_and_line() {
        let err = AuditConfig::parse("[advisories]\nignore = [\n  42,\n]\n").unwrap_err();
        assert!(err.line.is_some(), "{err}");
        let err =
            AuditConfig::parse("[advisories]\nignore = [{ id = \"X\", expires = \"2026-13-01\" }]\n").unwrap_err();
        assert!(err.message.contains("2026-13-01"), "{err}");
    }
}
