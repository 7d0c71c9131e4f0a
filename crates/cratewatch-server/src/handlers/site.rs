//! The site's own pages: the start page, search, categories and keywords, the stylesheet and the API
//! document.

use std::sync::{Arc, OnceLock};

use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::cached;
use super::valid_crate_name;
use crate::cache::Rendered;
use crate::error::AppError;
use crate::extract::{Path, Query};
use crate::pages;
use crate::state::AppState;

/// `GET /`: search and the latest advisories.
pub(crate) async fn get_home(State(state): State<Arc<AppState>>, headers: HeaderMap) -> Response {
    cached(&state, "/".into(), &headers, |k| async move { Ok(Rendered::html(pages::home(&k))) }).await
}

/// `GET /static/style.css`.
pub(crate) async fn get_style(headers: HeaderMap) -> Response {
    static STYLE: OnceLock<Rendered> = OnceLock::new();
    let rendered = STYLE.get_or_init(|| {
        Rendered::new(StatusCode::OK, "text/css; charset=utf-8", include_bytes!("../style.css").to_vec())
    });
    let mut response = rendered.respond(&headers);
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=86400"));
    response
}

/// `GET /categories`: every category with its number of advisories.
pub(crate) async fn get_categories(State(state): State<Arc<AppState>>, headers: HeaderMap) -> Response {
    cached(&state, "/categories".into(), &headers, |k| async move { Ok(Rendered::html(pages::categories_page(&k))) })
        .await
}

/// `GET /categories/{category}`: the advisories in one category.
pub(crate) async fn get_category(
    State(state): State<Arc<AppState>>,
    Path(category): Path<String>,
    headers: HeaderMap,
) -> Response {
    let key = format!("/categories/{category}");
    cached(&state, key, &headers, |k| async move {
        let entries = k.for_category(&category);
        if entries.is_empty() {
            return Err(AppError::not_found(format!("no advisory is in the category `{category}`")));
        }
        Ok(Rendered::html(pages::tagged_page(&k, "Category", &category, &entries)))
    })
    .await
}

/// `GET /keywords/{keyword}`: the advisories with one keyword.
pub(crate) async fn get_keyword(
    State(state): State<Arc<AppState>>,
    Path(keyword): Path<String>,
    headers: HeaderMap,
) -> Response {
    let key = format!("/keywords/{keyword}");
    cached(&state, key, &headers, |k| async move {
        let entries = k.for_keyword(&keyword);
        if entries.is_empty() {
            return Err(AppError::not_found(format!("no advisory has the keyword `{keyword}`")));
        }
        Ok(Rendered::html(pages::tagged_page(&k, "Keyword", &keyword, &entries)))
    })
    .await
}

#[derive(Deserialize)]
pub(crate) struct SearchQuery {
    q: Option<String>,
}

/// `GET /search?q=`: an exact id, alias or crate name goes straight to its page; anything else lists
/// the matching crates and advisories.
pub(crate) async fn get_search(
    State(state): State<Arc<AppState>>,
    Query(query): Query<SearchQuery>,
    headers: HeaderMap,
) -> Response {
    let q = query.q.unwrap_or_default().trim().to_owned();
    let k = state.knowledge();
    // Exact matches go straight to their page.
    if let Some(entry) = k.by_id(&q.to_ascii_uppercase()) {
        return Redirect::to(&format!("/advisories/{}", entry.advisory.id.as_str())).into_response();
    }
    let by_alias = k.by_alias(&q);
    if by_alias.len() == 1 {
        return Redirect::to(&format!("/advisories/{}", by_alias[0].advisory.id.as_str())).into_response();
    }
    if valid_crate_name(&q) {
        let known = !k.for_crate(&q).is_empty() || matches!(state.crate_versions(&q).await, Ok(Some(_)));
        if known && by_alias.is_empty() {
            return Redirect::to(&format!("/crates/{q}/security")).into_response();
        }
    }
    let key = format!("/search?q={q}");
    cached(&state, key, &headers, |k| async move {
        let needle = q.to_lowercase();
        let crates: Vec<String> = if needle.is_empty() {
            Vec::new()
        } else {
            k.crate_names()
                .into_iter()
                .filter(|n| n.to_lowercase().contains(&needle))
                .take(100)
                .map(str::to_owned)
                .collect()
        };
        let mut entries = k.by_alias(&q);
        if !needle.is_empty() {
            for entry in k.entries() {
                let a = &entry.advisory;
                if entries.len() >= 100 {
                    break;
                }
                let hit = a.title.to_lowercase().contains(&needle) || a.package.to_lowercase().contains(&needle);
                if hit && !entries.iter().any(|e| e.advisory.id == a.id) {
                    entries.push(entry);
                }
            }
        }
        Ok(Rendered::html(pages::search_page(&k, &q, &crates, &entries)))
    })
    .await
}
