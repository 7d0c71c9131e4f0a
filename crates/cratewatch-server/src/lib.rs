//! The cratewatch web service: a registry's Security tab, crate and advisory pages, Atom feeds, a JSON
//! API, osv.dev's query API and the coordinated-disclosure workflow, over one immutable advisory
//! snapshot that is swapped whole when the database is synced.
//!
//! The crate is a library so that tests and benchmarks drive the same router the binary serves.
//!
//! - `routes`: every route, declared once, and the table the policies, the metrics and the OpenAPI
//!   document are derived from; `access`: the access classes and their policies; `app`: the router;
//! - `middleware`, `error`, `extract`, `cache`, `auth`, `listener`: the HTTP machinery around the handlers;
//! - `handlers/`: the handlers, by resource; `disclosure/`: the workflow's API and pages;
//! - `state`, `health`, `knowledge`, `security`: what the handlers share and read;
//! - `api`, `pages`, `feed`, `markdown`, `openapi`: views (JSON, HTML, Atom, the API document).

mod access;
mod api;
mod app;
mod auth;
mod cache;
mod cvss_metrics;
mod disclosure;
mod error;
mod extract;
mod feed;
mod handlers;
mod health;
mod knowledge;
mod listener;
mod markdown;
mod metrics;
mod middleware;
mod openapi;
mod pages;
mod reach;
mod reach_views;
mod routes;
mod security;
mod serve;
mod source;
mod state;

pub use crate::access::{Access, RouteInfo};
pub use crate::app::router;
pub use crate::health::SyncStatus;
pub use crate::knowledge::{Entry, Knowledge, Provenance, SourceFile, SourceWeb, normalize};
pub use crate::routes::routes;
pub use crate::security::{CrateSecurity, VersionState};
pub use crate::serve::{DbSource, DisclosureSetup, ServeConfig, load_sources, serve};
pub use crate::source::NoIndex;
pub use crate::state::{AppState, MetricsAccess, Settings};
