#![doc = include_str!("../README.md")]

mod audit;
mod config;
mod lockfile;

pub use crate::audit::{
    AuditSettings, Deny, Finding, IgnoreOutcome, IgnoreRule, PublishedVersions, Report, WarningKind, audit,
};
pub use crate::config::{AuditConfig, ConfigError};
pub use crate::lockfile::{CRATES_IO_SOURCE, CRATES_IO_SPARSE_SOURCE, Lockfile, LockfileError, Package};
