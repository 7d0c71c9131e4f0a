//! Advisories: the list and advisory pages, and their JSON API.

use std::sync::Arc;

use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use serde::Deserialize;

use super::cached;
use super::load_crate;
use crate::api;
use crate::cache::Rendered;
use crate::error::AppError;
use crate::extract::{Path, Query};
use crate::pages;
use crate::reach_views;
use crate::state::AppState;

/// Advisories on one page of `/advisories`.
const PER_PAGE: usize = 100;

#[derive(Deserialize)]
pub(crate) struct PageQuery {
    page: Option<String>,
}

/// `GET /advisories?page=N`: every advisory, newest first, 100 per page.
pub(crate) async fn get_advisories_page(
    State(state): State<Arc<AppState>>,
    Query(query): Query<PageQuery>,
    headers: HeaderMap,
) -> Response {
    let page_text = query.page.unwrap_or_else(|| "1".into());
    let key = format!("/advisories?page={page_text}");
    cached(&state, key, &headers, |k| async move {
        let pages = k.entries().len().div_ceil(PER_PAGE).max(1);
        match page_text.parse::<usize>() {
            Ok(page) if (1..=pages).contains(&page) => Ok(Rendered::html(pages::advisories_page(&k, page, PER_PAGE))),
            _ => Err(AppError::bad_request(format!("`page` must be a number from 1 to {pages}"))),
        }
    })
    .await
}

/// `GET /advisories/{id}`: one advisory with every field.
pub(crate) async fn get_advisory_page(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    let key = format!("/advisories/{id}");
    let st = Arc::clone(&state);
    cached(&state, key, &headers, |k| async move {
        let entry =
            k.by_id(&id).cloned().ok_or_else(|| AppError::not_found(format!("no advisory has the id `{id}`")))?;
        let c = match entry.advisory.collection {
            cratewatch_advisory::Collection::Crates => {
                load_crate(&st, &k, &entry.advisory.package).await.ok().map(|(c, _)| c)
            }
            _ => None,
        };
        let reach = reach_views::reach_section(
            st.reach.view().as_deref(),
            st.reach.enabled(),
            entry.advisory.id.as_str(),
            entry.advisory.withdrawn.is_some(),
        );
        Ok(Rendered::html(pages::advisory_page(&k, &entry, c.as_ref(), reach)))
    })
    .await
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct SinceQuery {
    /// Only advisories published or withdrawn on or after this date (`YYYY-MM-DD`).
    since: Option<String>,
}

/// Every advisory, or those published or withdrawn since a date, for incremental consumers.
#[utoipa::path(
    get,
    path = "/api/v1/advisories",
    tag = "advisories",
    params(SinceQuery),
    responses(
        (status = 200, description = "The advisories, newest first", body = api::AdvisoriesBody),
        (status = 304, description = "Not modified (`If-None-Match`)"),
        (status = 400, description = "`since` is not a date, or is given twice", body = crate::error::Envelope),
    )
)]
pub(crate) async fn get_advisories(
    State(state): State<Arc<AppState>>,
    Query(query): Query<SinceQuery>,
    headers: HeaderMap,
) -> Response {
    let since = query.since.unwrap_or_default();
    let key = format!("/api/v1/advisories?since={since}");
    cached(&state, key, &headers, |k| async move {
        let date = match since.as_str() {
            "" => None,
            text => Some(
                text.parse::<cratewatch_advisory::Date>()
                    .map_err(|e| AppError::bad_request(format!("`since` must be a date YYYY-MM-DD: {e}")))?,
            ),
        };
        // An advisory counts as new when it was published or withdrawn on or after `since`.
        let entries = k
            .entries()
            .iter()
            .filter(|e| date.is_none_or(|d| e.advisory.date >= d || e.advisory.withdrawn.is_some_and(|w| w >= d)))
            .map(|e| &**e);
        Rendered::json(&api::advisories_body(entries))
    })
    .await
}

/// One advisory.
#[utoipa::path(
    get,
    path = "/api/v1/advisories/{id}",
    tag = "advisories",
    params(("id" = String, Path, description = "The advisory id, e.g. RUSTSEC-2019-0009")),
    responses(
        (status = 200, description = "The advisory", body = api::AdvisoryView),
        (status = 304, description = "Not modified (`If-None-Match`)"),
        (status = 404, description = "No advisory has this id", body = crate::error::Envelope),
    )
)]
pub(crate) async fn get_advisory(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    let key = format!("/api/v1/advisories/{id}");
    cached(&state, key, &headers, |k| async move {
        match k.by_id(&id) {
            Some(entry) => Rendered::json(&api::AdvisoryView::new(entry)),
            None => Err(AppError::not_found(format!("no advisory has the id `{id}`"))),
        }
    })
    .await
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct ReachQuery {
    /// The page, from 1 (default 1).
    page: Option<String>,
    /// Versions per page, 1 to 1000 (default 100).
    per_page: Option<String>,
}

/// Parses a positive number parameter, with its default and maximum.
fn number(name: &str, text: Option<&str>, default: usize, max: usize) -> Result<usize, AppError> {
    match text {
        None => Ok(default),
        Some(text) => match text.parse::<usize>() {
            Ok(n) if (1..=max).contains(&n) => Ok(n),
            _ => Err(AppError::bad_request(format!("`{name}` must be a number from 1 to {max}, not `{text}`"))),
        },
    }
}

/// Who an advisory reaches across the registry: its counts (exposed versions and crates, direct and
/// transitive, by depth, newest releases, the fix split), and the versions it reaches, paged, each
/// with the depth, a shortest path and what fixes it.
#[utoipa::path(
    get,
    path = "/api/v1/advisories/{id}/reach",
    tag = "reach",
    params(("id" = String, Path, description = "The advisory id, e.g. RUSTSEC-2021-0093"), ReachQuery),
    responses(
        (status = 200, description = "The advisory's reach", body = reach_views::AdvisoryReachBody),
        (status = 304, description = "Not modified (`If-None-Match`)"),
        (status = 400, description = "`page` or `per_page` is not a number in range, or is given twice", body = crate::error::Envelope),
        (status = 404, description = "No advisory has this id, it is withdrawn or not about a crate, or this server does not compute reach", body = crate::error::Envelope),
        (status = 503, description = "Reach is still being computed; `Retry-After` says when to try again", body = crate::error::Envelope),
    )
)]
pub(crate) async fn get_advisory_reach(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
    Query(query): Query<ReachQuery>,
    headers: HeaderMap,
) -> Response {
    let key = format!(
        "/api/v1/advisories/{id}/reach?page={}&per_page={}",
        query.page.as_deref().unwrap_or_default(),
        query.per_page.as_deref().unwrap_or_default()
    );
    let st = Arc::clone(&state);
    cached(&state, key, &headers, |k| async move {
        let page = number("page", query.page.as_deref(), 1, usize::MAX / 1024)?;
        let per_page = number("per_page", query.per_page.as_deref(), 100, 1000)?;
        let entry = k.by_id(&id).ok_or_else(|| AppError::not_found(format!("no advisory has the id `{id}`")))?;
        let reach = st.reach.ready()?;
        let id = entry.advisory.id.as_str();
        match reach_views::advisory_reach_body(&reach, id, page, per_page) {
            Some(body) => Rendered::json(&body),
            None if entry.advisory.withdrawn.is_some() => {
                Err(AppError::not_found(format!("{id} is withdrawn: it reaches no one")))
            }
            None => {
                Err(AppError::not_found(format!("{id} is not about a crate of the registry: it reaches no version")))
            }
        }
    })
    .await
}
