//! Atom feeds: the site's newest advisories, and one crate's.

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
