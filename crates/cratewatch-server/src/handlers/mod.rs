//! The handlers, grouped by resource. Each is named `<verb>_<resource>`, with `_page` for the HTML
//! form of a resource that also has a JSON form. Routes are declared in [`crate::routes`]; the
//! workflow's handlers live with the workflow (`crate::disclosure::{api, web}`).

pub(crate) mod advisories;
pub(crate) mod audit;
pub(crate) mod crates;
pub(crate) mod ecosystem;
pub(crate) mod feeds;
pub(crate) mod ops;
pub(crate) mod osv;
pub(crate) mod site;

use std::sync::Arc;
use std::sync::atomic::Ordering;

use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use cratewatch_index::CrateVersions;

use crate::cache::Rendered;
use crate::error::AppError;
use crate::knowledge::Knowledge;
use crate::security::CrateSecurity;
use crate::state::AppState;

/// Crate names are ASCII letters, digits, `-` and `_`, at most 64 characters, starting with a letter
/// (the registry's rules).
pub(crate) fn valid_crate_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 64
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        && name.as_bytes()[0].is_ascii_alphabetic()
}

/// Looks a crate up in the index and the advisories.
pub(crate) async fn load_crate(
    state: &AppState,
    knowledge: &Knowledge,
    name: &str,
) -> Result<(CrateSecurity, Option<Arc<CrateVersions>>), AppError> {
    if !valid_crate_name(name) {
        return Err(AppError::bad_request(format!(
            "`{name}` is not a valid crate name (letters, digits, `-` and `_`, starting with a letter, at most 64)"
        )));
    }
    let index = match state.crate_versions(name).await {
        Ok(index) => index,
        Err(e) => {
            state.metrics.index_error();
            // Without the index the advisories can still be shown; only a crate that nobody knows is
            // reported as unavailable.
            tracing::warn!(crate_name = name, error = %e, "registry index lookup failed");
            if knowledge.for_crate(name).is_empty() {
                return Err(AppError::new(
                    StatusCode::BAD_GATEWAY,
                    format!("the registry index could not be read: {e}"),
                ));
            }
            None
        }
    };
    match CrateSecurity::build(knowledge, name, index.as_deref()) {
        Some(c) => Ok((c, index)),
        None => Err(AppError::not_found(format!("no crate named `{name}` is known to the registry or the advisories"))),
    }
}

/// Serves `key` from the cache, or renders it with `render` and keeps the result. Errors are never
/// cached: they are rendered by the middleware in the route's error shape.
pub(crate) async fn cached<F, Fut>(state: &AppState, key: String, headers: &HeaderMap, render: F) -> Response
where
    F: FnOnce(Arc<Knowledge>) -> Fut,
    Fut: std::future::Future<Output = Result<Rendered, AppError>>,
{
    if let Some(hit) = state.cache.get(&key, state.settings.cache_ttl) {
        state.metrics.cache_hit();
        return hit.respond(headers);
    }
    state.metrics.cache_miss();
    let generation = state.generation.load(Ordering::SeqCst);
    let rendered = match render(state.knowledge()).await {
        Ok(rendered) => Arc::new(rendered),
        Err(error) => return error.into_response(),
    };
    // Keep it only if no swap happened meanwhile, so an old snapshot's page never outlives the swap.
    if rendered.status.is_success() && state.generation.load(Ordering::SeqCst) == generation {
        state.cache.put(key, Arc::clone(&rendered));
    }
    rendered.respond(headers)
}
