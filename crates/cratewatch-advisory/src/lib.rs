#![doc = include_str!("../README.md")]

mod cvss;
mod diagnostic;
mod model;
mod osv;
mod parse;
mod url;
mod versions;

pub use crate::cvss::{Cvss, CvssVersion, Severity};
pub use crate::diagnostic::{Code, Diagnostic, DiagnosticSeverity};
pub use crate::model::{
    Advisory, AdvisoryId, Affected, Category, Collection, Date, Informational, Kind, License, normalize_crate_name,
};
pub use crate::osv::{OsvError, parse_osv_record};
pub use crate::parse::{ParsedAdvisory, parse_advisory};
pub use crate::versions::{AffectedRange, SafeUpgrade, Versions, VersionsError, is_compatible, pick_upgrade};

pub use semver;
