//! The whole registry: `/ecosystem`, advisories ranked by reach.

use std::sync::Arc;

use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use serde::Deserialize;

use super::cached;
use crate::cache::Rendered;
use crate::error::AppError;
use crate::extract::Query;
use crate::reach_views::{self, ECOSYSTEM_PER_PAGE};
use crate::state::AppState;

#[derive(Deserialize)]
pub(crate) struct PageQuery {
    page: Option<String>,
}

/// `GET /ecosystem?page=N`: advisories ranked by the crates they reach, and the share of newest releases
/// exposed; 503 with `Retry-After` while reach is computed.
pub(crate) async fn get_ecosystem_page(
    State(state): State<Arc<AppState>>,
    Query(query): Query<PageQuery>,
    headers: HeaderMap,
) -> Response {
    let page_text = query.page.unwrap_or_else(|| "1".into());
    let key = format!("/ecosystem?page={page_text}");
    let st = Arc::clone(&state);
    cached(&state, key, &headers, |k| async move {
        let reach = st.reach.ready()?;
        let pages = reach.exposure.advisories().len().div_ceil(ECOSYSTEM_PER_PAGE).max(1);
        match page_text.parse::<usize>() {
            Ok(page) if (1..=pages).contains(&page) => {
                Ok(Rendered::html(reach_views::ecosystem_page(&k, &reach, page)))
            }
            _ => Err(AppError::bad_request(format!("`page` must be a number from 1 to {pages}"))),
        }
    })
    .await
}
