//! A crate and its versions: the overview and Security-tab pages, and their JSON API.

use std::sync::Arc;

use axum::extract::{RawQuery, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use semver::Version;

use super::cached;
use super::load_crate;
use crate::api;
use crate::cache::Rendered;
use crate::error::AppError;
use crate::extract::Path;
use crate::pages;
use crate::reach_views;
use crate::state::AppState;

/// What a crate route renders.
#[derive(Clone, Copy)]
enum View {
    /// `/crates/{name}[/{version}]`.
    Overview,
    /// `/crates/{name}[/{version}]/security`.
    Security,
    /// `/api/v1/crates/{name}[/{version}]/security`.
    Api,
    /// `/crates/{name}[/{version}]/dependencies`.
    Dependencies,
    /// `/api/v1/crates/{name}/{version}/dependencies`.
    DependenciesApi,
}

/// Every crate route: the crate, optionally one of its versions, rendered as `view`. Without a version
/// the pages select the default version; the API lists all of them.
async fn render(
    state: Arc<AppState>,
    headers: HeaderMap,
    key: String,
    name: String,
    version: Option<String>,
    view: View,
) -> Response {
    let st = Arc::clone(&state);
    cached(&state, key, &headers, |k| async move {
        let wanted = match version.as_deref() {
            None => None,
            Some(text) => Some(
                Version::parse(text)
                    .map_err(|_| AppError::bad_request(format!("`{text}` is not a semantic version")))?,
            ),
        };
        let (c, index) = load_crate(&st, &k, &name).await?;
        let selected = match &wanted {
            None => c.default_version(),
            Some(v) => Some(
                c.version(v).ok_or_else(|| AppError::not_found(format!("{} has no published version {v}", c.name)))?,
            ),
        };
        let explicit = wanted.is_some();
        let reach = st.reach.view();
        let deps = reach_views::deps_tab(reach.as_deref(), st.reach.enabled(), &c, selected);
        Ok(match view {
            View::Overview => {
                let iv = selected.and_then(|s| index.as_ref()?.versions.iter().find(|v| v.version == s.version));
                Rendered::html(pages::crate_overview(&k, &c, selected, explicit, iv, &deps))
            }
            View::Security => Rendered::html(pages::crate_security(&k, &c, selected, explicit, &deps)),
            View::Api => match (explicit, selected) {
                (true, Some(v)) => Rendered::json(&api::version_body(&c, v))?,
                _ => Rendered::json(&api::crate_body(&c))?,
            },
            View::Dependencies | View::DependenciesApi => {
                let Some(v) = selected else {
                    return Err(AppError::not_found(format!("{} has no published version", c.name)));
                };
                let reach = st.reach.ready()?;
                let pkg = reach.resolution().pkg(&c.name, &v.version).ok_or_else(|| {
                    AppError::not_found(format!(
                        "{} {} is not in the registry index that reach was computed from",
                        c.name, v.version
                    ))
                })?;
                match view {
                    View::Dependencies => {
                        Rendered::html(reach_views::dependencies_page(&k, &reach, &c, v, explicit, pkg))
                    }
                    _ => Rendered::json(&reach_views::dependencies_body(&reach, pkg))?,
                }
            }
        })
    })
    .await
}

/// `GET /crates/{name}`: the crate's overview at its default version; `?version=V` (the version
/// picker's form) redirects to the version's page.
pub(crate) async fn get_crate_page(
    State(state): State<Arc<AppState>>,
    Path(name): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Response {
    if let Some(to) = pages::picked_version(&name, pages::Tab::Overview, query.as_deref()) {
        return Redirect::to(&to).into_response();
    }
    let key = format!("/crates/{name}");
    render(state, headers, key, name, None, View::Overview).await
}

/// `GET /crates/{name}/{version}`: the crate's overview at one version.
pub(crate) async fn get_version_page(
    State(state): State<Arc<AppState>>,
    Path((name, version)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    let key = format!("/crates/{name}/{version}");
    render(state, headers, key, name, Some(version), View::Overview).await
}

/// `GET /crates/{name}/security`: the Security tab at the default version; `?version=V` redirects to
/// the version's tab.
pub(crate) async fn get_crate_security_page(
    State(state): State<Arc<AppState>>,
    Path(name): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Response {
    if let Some(to) = pages::picked_version(&name, pages::Tab::Security, query.as_deref()) {
        return Redirect::to(&to).into_response();
    }
    let key = format!("/crates/{name}/security");
    render(state, headers, key, name, None, View::Security).await
}

/// `GET /crates/{name}/{version}/security`: the Security tab at one version.
pub(crate) async fn get_version_security_page(
    State(state): State<Arc<AppState>>,
    Path((name, version)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    let key = format!("/crates/{name}/{version}/security");
    render(state, headers, key, name, Some(version), View::Security).await
}

/// A crate's versions, each with the ids of the advisories that affect it, and every advisory about it.
#[utoipa::path(
    get,
    path = "/api/v1/crates/{name}/security",
    tag = "security",
    params(("name" = String, Path, description = "The crate name (any case and `-`/`_` spelling the registry treats as the same)")),
    responses(
        (status = 200, description = "The crate's security state", body = api::CrateBody),
        (status = 304, description = "Not modified (`If-None-Match`)"),
        (status = 400, description = "Not a valid crate name", body = crate::error::Envelope),
        (status = 404, description = "Neither the registry nor the advisories know the crate", body = crate::error::Envelope),
        (status = 502, description = "The registry index cannot be read and no advisory names the crate", body = crate::error::Envelope),
    )
)]
pub(crate) async fn get_crate_security(
    State(state): State<Arc<AppState>>,
    Path(name): Path<String>,
    headers: HeaderMap,
) -> Response {
    let key = format!("/api/v1/crates/{name}/security");
    render(state, headers, key, name, None, View::Api).await
}

/// One version: whether it is affected, by which advisories, and the nearest safe upgrade.
#[utoipa::path(
    get,
    path = "/api/v1/crates/{name}/{version}/security",
    tag = "security",
    params(
        ("name" = String, Path, description = "The crate name"),
        ("version" = String, Path, description = "A published version (semantic version)"),
    ),
    responses(
        (status = 200, description = "The version's security state", body = api::VersionBody),
        (status = 304, description = "Not modified (`If-None-Match`)"),
        (status = 400, description = "Not a valid crate name or version", body = crate::error::Envelope),
        (status = 404, description = "No such crate, or no such published version", body = crate::error::Envelope),
        (status = 502, description = "The registry index cannot be read and no advisory names the crate", body = crate::error::Envelope),
    )
)]
pub(crate) async fn get_version_security(
    State(state): State<Arc<AppState>>,
    Path((name, version)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    let key = format!("/api/v1/crates/{name}/{version}/security");
    render(state, headers, key, name, Some(version), View::Api).await
}

/// `GET /crates/{name}/dependencies`: the Dependencies tab at the default version; `?version=V`
/// redirects to the version's tab.
pub(crate) async fn get_crate_dependencies_page(
    State(state): State<Arc<AppState>>,
    Path(name): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Response {
    if let Some(to) = pages::picked_version(&name, pages::Tab::Dependencies, query.as_deref()) {
        return Redirect::to(&to).into_response();
    }
    let key = format!("/crates/{name}/dependencies");
    render(state, headers, key, name, None, View::Dependencies).await
}

/// `GET /crates/{name}/{version}/dependencies`: the Dependencies tab at one version.
pub(crate) async fn get_version_dependencies_page(
    State(state): State<Arc<AppState>>,
    Path((name, version)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    let key = format!("/crates/{name}/{version}/dependencies");
    render(state, headers, key, name, Some(version), View::Dependencies).await
}

/// One version's resolved dependencies (what a fresh `cargo generate-lockfile` locks for a project
/// depending on it, resolved as Cargo would), and the advisories reaching it through them, each with a
/// shortest path and what fixes it.
#[utoipa::path(
    get,
    path = "/api/v1/crates/{name}/{version}/dependencies",
    tag = "reach",
    params(
        ("name" = String, Path, description = "The crate name"),
        ("version" = String, Path, description = "A published version (semantic version)"),
    ),
    responses(
        (status = 200, description = "The version's resolution and the advisories reaching it", body = reach_views::DependenciesBody),
        (status = 304, description = "Not modified (`If-None-Match`)"),
        (status = 400, description = "Not a valid crate name or version", body = crate::error::Envelope),
        (status = 404, description = "No such crate or version, or this server does not compute reach (no index loaded whole)", body = crate::error::Envelope),
        (status = 503, description = "Reach is still being computed; `Retry-After` says when to try again", body = crate::error::Envelope),
    )
)]
pub(crate) async fn get_version_dependencies(
    State(state): State<Arc<AppState>>,
    Path((name, version)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    let key = format!("/api/v1/crates/{name}/{version}/dependencies");
    render(state, headers, key, name, Some(version), View::DependenciesApi).await
}
