#![doc = include_str!("../README.md")]

mod audit;
mod config;
mod lockfile;
mod source;

pub use crate::audit::{
    AuditSettings, Deny, Finding, IgnoreOutcome, IgnoreRule, PublishedVersions, Report, WarningKind, audit,
};
pub use crate::config::{AuditConfig, ConfigError, DenyConfig, IgnoreEntry, ManifestConfig, merge_ignores};
pub use crate::lockfile::{
    CRATES_IO_SOURCE, CRATES_IO_SPARSE_SOURCE, Lockfile, LockfileError, Package, UnresolvedDependency,
};

use std::fmt;

/// A problem in a text input (a lockfile or a configuration file), with its 1-based line where known.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LineError {
    /// The 1-based line, where known.
    pub line: Option<u32>,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for LineError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "line {line}: {}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

impl std::error::Error for LineError {}
