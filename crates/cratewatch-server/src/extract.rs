//! The application's own extractors: axum's `Path` and `Query` with every rejection turned into an
//! [`AppError`], so that a malformed path segment (`%FF`) or query (`?since=a&since=b`) gets the
//! route's own error shape instead of axum's plain-text answer.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

use crate::error::AppError;

/// Path parameters, percent-decoded; a segment that is not UTF-8 once decoded is a 400.
pub(crate) struct Path<T>(pub(crate) T);

impl<S: Send + Sync, T: DeserializeOwned + Send> FromRequestParts<S> for Path<T> {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, AppError> {
        match axum::extract::Path::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(value)) => Ok(Path(value)),
            Err(rejection) => Err(AppError::new(
                rejection.status(),
                format!("invalid path: {}", lowercase_first(&rejection.body_text())),
            )),
        }
    }
}

/// The query string, deserialized; a malformed or repeated parameter is a 400.
pub(crate) struct Query<T>(pub(crate) T);

impl<S: Send + Sync, T: DeserializeOwned + Send> FromRequestParts<S> for Query<T> {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, AppError> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(value)) => Ok(Query(value)),
            Err(rejection) => Err(AppError::bad_request(format!(
                "invalid query string: {}",
                lowercase_first(rejection.body_text().trim_start_matches("Failed to deserialize query string: "))
            ))),
        }
    }
}

/// axum's messages start with a capital; ours are lowercase sentences.
pub(crate) fn lowercase_first(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}
