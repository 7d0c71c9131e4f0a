//! The cratewatch web service: a registry's Security tab, crate and advisory pages, Atom feeds and a
//! JSON API, over one immutable advisory snapshot that is swapped whole when the database is synced.
//!
//! The crate is a library so that tests and benchmarks drive the same router the binary serves.

mod api;
mod app;
mod audit_api;
mod disclosure;
mod feed;
mod knowledge;
mod markdown;
mod metrics;
mod osv_api;
mod pages;
mod security;
mod serve;
mod source;

pub use crate::app::{AppState, Settings, SyncStatus, router, service};
pub use crate::knowledge::{Entry, Knowledge, Provenance, normalize};
pub use crate::security::{CrateSecurity, VersionState};
pub use crate::serve::{DbSource, DisclosureSetup, ServeConfig, load_sources, serve};
pub use crate::source::NoIndex;
