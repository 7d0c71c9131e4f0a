//! Every route, declared once. A declaration names the route's path, its methods, its access class
//! and its handler; everything else follows from it:
//!
//! - the router ([`router`]);
//! - the middleware's policies, by access class ([`Access`]): caching, the Content-Security-Policy,
//!   CORS, the allowed methods (and `OPTIONS`), the error shape, and whether the path may be logged;
//! - the per-route metrics (one set of counters per declared route);
//! - the OpenAPI document: API routes are declared with `routes!(handler)`, whose `#[utoipa::path]`
//!   attribute carries the path, the method and the operation;
//! - the tests' walks over every route ([`routes`]): the embargo-leak walk and the error-shape walk.
//!
//! To add a route: write the handler (in `handlers/`, named `<verb>_<resource>`), give an API handler a
//! `#[utoipa::path]` attribute, and add one line below in the group of its consumers.

use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::Response;
use axum::routing::{MethodRouter, get, post};
use utoipa::openapi::path::Paths;
use utoipa::openapi::{RefOr, Schema};
use utoipa_axum::routes;

use crate::access::{Access, RouteInfo};
use crate::cache::{JSON, Rendered};
use crate::disclosure::{api as workflow_api, web as workflow_web};
use crate::handlers::{advisories, audit, crates, ecosystem, feeds, ops, osv, site};
use crate::state::AppState;

/// A declaration: the route, its handler, and for an API route its OpenAPI operation and schemas.
struct Declared {
    info: RouteInfo,
    router: MethodRouter<Arc<AppState>>,
    paths: Option<Paths>,
    schemas: Vec<(String, RefOr<Schema>)>,
}

/// An API route: path, method and operation from the handlers' `#[utoipa::path]` attributes.
fn api(access: Access, (schemas, paths, router): utoipa_axum::router::UtoipaMethodRouter<Arc<AppState>>) -> Declared {
    let (path, item) = paths.paths.iter().next().map(|(p, i)| (p.clone(), i.clone())).unwrap_or_default();
    let methods = [
        (Method::GET, item.get.is_some()),
        (Method::POST, item.post.is_some()),
        (Method::PUT, item.put.is_some()),
        (Method::DELETE, item.delete.is_some()),
        (Method::PATCH, item.patch.is_some()),
    ]
    .into_iter()
    .filter_map(|(m, on)| on.then_some(m))
    .collect();
    Declared { info: RouteInfo { path, methods, access, documented: true }, router, paths: Some(paths), schemas }
}

/// A route outside the OpenAPI document (pages, feeds, the stylesheet).
fn page(access: Access, path: &str, methods: &[Method], router: MethodRouter<Arc<AppState>>) -> Declared {
    Declared {
        info: RouteInfo { path: path.to_owned(), methods: methods.to_vec(), access, documented: false },
        router,
        paths: None,
        schemas: Vec::new(),
    }
}

const GET: &[Method] = &[Method::GET];
const POST: &[Method] = &[Method::POST];
const GET_POST: &[Method] = &[Method::GET, Method::POST];

/// The table.
fn declarations() -> Vec<Declared> {
    use Access::*;
    vec![
        // Public pages.
        page(PublicPage, "/", GET, get(site::get_home)),
        page(Asset, "/static/style.css", GET, get(site::get_style)),
        page(PublicPage, "/crates/{name}", GET, get(crates::get_crate_page)),
        page(PublicPage, "/crates/{name}/security", GET, get(crates::get_crate_security_page)),
        page(PublicPage, "/crates/{name}/{version}", GET, get(crates::get_version_page)),
        page(PublicPage, "/crates/{name}/{version}/security", GET, get(crates::get_version_security_page)),
        page(PublicPage, "/crates/{name}/dependencies", GET, get(crates::get_crate_dependencies_page)),
        page(PublicPage, "/crates/{name}/{version}/dependencies", GET, get(crates::get_version_dependencies_page)),
        page(PublicPage, "/advisories", GET, get(advisories::get_advisories_page)),
        page(PublicPage, "/advisories/{id}", GET, get(advisories::get_advisory_page)),
        page(PublicPage, "/categories", GET, get(site::get_categories)),
        page(PublicPage, "/categories/{category}", GET, get(site::get_category)),
        page(PublicPage, "/keywords/{keyword}", GET, get(site::get_keyword)),
        page(PublicPage, "/search", GET, get(site::get_search)),
        page(PublicPage, "/ecosystem", GET, get(ecosystem::get_ecosystem_page)),
        // Feeds.
        page(Feed, "/feed.xml", GET, get(feeds::get_site_feed)),
        page(Feed, "/crates/{name}/feed.xml", GET, get(feeds::get_crate_feed)),
        page(Feed, "/crates/{name}/dependencies.xml", GET, get(feeds::get_crate_dependencies_feed)),
        // The public JSON API.
        api(PublicApi, routes!(get_openapi)),
        api(PublicApi, routes!(crates::get_crate_security)),
        api(PublicApi, routes!(crates::get_version_security)),
        api(PublicApi, routes!(advisories::get_advisories)),
        api(PublicApi, routes!(advisories::get_advisory)),
        // Ecosystem reach.
        api(PublicApi, routes!(crates::get_version_dependencies)),
        api(PublicApi, routes!(advisories::get_advisory_reach)),
        api(PublicApi, routes!(audit::post_audit)),
        api(PublicApi, routes!(audit::post_audit_advisories)),
        // osv.dev's API, and rustsec.org's per-crate document.
        api(Osv, routes!(osv::post_query)),
        api(Osv, routes!(osv::post_querybatch)),
        api(Osv, routes!(osv::get_vuln)),
        api(Osv, routes!(osv::get_package)),
        // The workflow's private API.
        api(WorkflowApi, routes!(workflow_api::get_reports, workflow_api::post_report)),
        api(WorkflowApi, routes!(workflow_api::get_report)),
        api(WorkflowApi, routes!(workflow_api::post_report_action)),
        api(WorkflowApi, routes!(workflow_api::get_report_advisory)),
        api(WorkflowApi, routes!(workflow_api::get_report_osv)),
        api(WorkflowApi, routes!(workflow_api::get_deadlines)),
        api(WorkflowApi, routes!(workflow_api::post_draft_check)),
        // The workflow's pages.
        page(WorkflowPage, "/signin", GET_POST, get(workflow_web::get_signin).post(workflow_web::post_signin)),
        page(WorkflowPage, "/signout", POST, post(workflow_web::post_signout)),
        page(WorkflowPage, "/disclosure", GET, get(workflow_web::get_dashboard)),
        page(WorkflowPage, "/disclosure/reports/{id}", GET, get(workflow_web::get_report)),
        page(WorkflowPage, "/disclosure/reports/{id}/actions", POST, post(workflow_web::post_action)),
        page(WorkflowPage, "/disclosure/reports/{id}/preview", POST, post(workflow_web::post_preview)),
        page(
            WorkflowPage,
            "/report",
            GET_POST,
            get(workflow_web::get_report_form).post(workflow_web::post_report_form),
        ),
        page(WorkflowPage, "/report/{token}", GET, get(workflow_web::get_reporter_report)),
        page(WorkflowPage, "/report/{token}/messages", POST, post(workflow_web::post_reporter_message)),
        // Operations.
        api(Operations, routes!(ops::get_healthz)),
        api(Operations, routes!(ops::get_metrics)),
    ]
}

/// The declared routes, in declaration order: what the tests walk.
pub fn routes() -> Vec<RouteInfo> {
    declarations().into_iter().map(|d| d.info).collect()
}

/// Every declaration's path and handler, for the router.
pub(crate) fn handlers() -> impl Iterator<Item = (String, MethodRouter<Arc<AppState>>)> {
    declarations().into_iter().map(|d| (d.info.path, d.router))
}

/// The route table, built once.
pub(crate) fn table() -> &'static RouteTable {
    static TABLE: OnceLock<RouteTable> = OnceLock::new();
    TABLE.get_or_init(RouteTable::new)
}

/// The routes as the middleware looks them up: by matched pattern, to an index that also numbers the
/// metrics (the last index counts requests that matched no route).
pub(crate) struct RouteTable {
    routes: Vec<RouteInfo>,
    by_path: HashMap<String, usize>,
    openapi: Vec<u8>,
}

impl RouteTable {
    fn new() -> RouteTable {
        let declared = declarations();
        let mut paths = Paths::new();
        let mut schemas = Vec::new();
        let mut routes = Vec::with_capacity(declared.len());
        for d in declared {
            if let Some(p) = d.paths {
                paths.merge(p);
            }
            schemas.extend(d.schemas);
            routes.push(d.info);
        }
        let by_path = routes.iter().enumerate().map(|(i, r)| (r.path.clone(), i)).collect();
        let openapi = serde_json::to_vec_pretty(&crate::openapi::document(paths, schemas)).unwrap_or_default();
        RouteTable { routes, by_path, openapi }
    }

    /// The index of the route whose pattern is `pattern`, or [`RouteTable::unmatched`].
    pub(crate) fn index(&self, pattern: Option<&str>) -> usize {
        pattern.and_then(|p| self.by_path.get(p).copied()).unwrap_or(self.routes.len())
    }

    /// The route at `index`, `None` for the unmatched index.
    pub(crate) fn get(&self, index: usize) -> Option<&RouteInfo> {
        self.routes.get(index)
    }

    /// The label of `index` in the metrics.
    pub(crate) fn label(&self, index: usize) -> &str {
        self.routes.get(index).map_or("unmatched", |r| r.path.as_str())
    }

    /// Every index's label, the unmatched one last.
    pub(crate) fn labels(&self) -> Vec<String> {
        (0..=self.routes.len()).map(|i| self.label(i).to_owned()).collect()
    }
}

/// This document.
#[utoipa::path(
    get,
    path = "/api/openapi.json",
    tag = "meta",
    responses((status = 200, description = "The OpenAPI 3.1 document of every documented route", content_type = "application/json", body = Object))
)]
pub(crate) async fn get_openapi(State(_): State<Arc<AppState>>, headers: HeaderMap) -> Response {
    static DOC: OnceLock<Rendered> = OnceLock::new();
    DOC.get_or_init(|| Rendered::new(StatusCode::OK, JSON, table().openapi.clone())).respond(&headers)
}
