//! Atom feeds: the site's newest advisories, one crate's, and those reaching a crate's newest release.

use std::sync::Arc;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;

use super::cached;
use super::valid_crate_name;
use crate::cache::{ATOM, Rendered};
use crate::error::AppError;
use crate::extract::Path;
use crate::feed;
use crate::reach_views;
use crate::state::AppState;

/// `GET /feed.xml`: the newest advisories.
pub(crate) async fn get_site_feed(State(state): State<Arc<AppState>>, headers: HeaderMap) -> Response {
    let st = Arc::clone(&state);
    cached(&state, "/feed.xml".into(), &headers, |k| async move {
        let entries: Vec<_> = k.entries().iter().take(feed::FEED_LENGTH).collect();
        let xml = feed::atom(&st.settings.base_url, "/feed.xml", "RustSec advisories (cratewatch)", &entries);
        Ok(Rendered::new(StatusCode::OK, ATOM, xml.into_bytes()))
    })
    .await
}

/// `GET /crates/{name}/feed.xml`: the crate's advisories.
pub(crate) async fn get_crate_feed(
    State(state): State<Arc<AppState>>,
    Path(name): Path<String>,
    headers: HeaderMap,
) -> Response {
    let key = format!("/crates/{name}/feed.xml");
    let st = Arc::clone(&state);
    cached(&state, key, &headers, |k| async move {
        let entries = k.for_crate(&name);
        if entries.is_empty() && !valid_crate_name(&name) {
            return Err(AppError::not_found(format!("`{name}` is not a valid crate name")));
        }
        let title = format!("Advisories for {name}");
        let xml = feed::atom(&st.settings.base_url, &format!("/crates/{name}/feed.xml"), &title, &entries);
        Ok(Rendered::new(StatusCode::OK, ATOM, xml.into_bytes()))
    })
    .await
}

/// `GET /crates/{name}/dependencies.xml`: the advisories reaching the crate's newest release through its
/// dependencies, so that its users hear when a dependency gets one.
pub(crate) async fn get_crate_dependencies_feed(
    State(state): State<Arc<AppState>>,
    Path(name): Path<String>,
    headers: HeaderMap,
) -> Response {
    let key = format!("/crates/{name}/dependencies.xml");
    let st = Arc::clone(&state);
    cached(&state, key, &headers, |_| async move {
        if !valid_crate_name(&name) {
            return Err(AppError::bad_request(format!("`{name}` is not a valid crate name")));
        }
        let reach = st.reach.ready()?;
        // The index spells the name; the route accepts any case and `-`/`_` spelling of it.
        let spelled = match st.crate_versions(&name).await {
            Ok(Some(versions)) => versions.name.clone(),
            _ => name.clone(),
        };
        match reach_views::dependencies_feed(&st.settings.base_url, &reach, &spelled) {
            Some(xml) => Ok(Rendered::new(StatusCode::OK, ATOM, xml.into_bytes())),
            None => Err(AppError::not_found(format!("the registry index has no crate named `{name}`"))),
        }
    })
    .await
}
