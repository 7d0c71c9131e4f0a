//! Rendered responses: kept with their ETag, answered with 304 when the client already has them, and
//! cached in memory by request target until the snapshot changes or the TTL passes.

use std::collections::HashMap;
use std::hash::{BuildHasher, Hash, Hasher};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::error::AppError;

pub(crate) const HTML: &str = "text/html; charset=utf-8";
pub(crate) const JSON: &str = "application/json";
pub(crate) const ATOM: &str = "application/atom+xml; charset=utf-8";

/// A rendered response body, kept for ETag checks and reuse.
#[derive(Clone)]
pub(crate) struct Rendered {
    pub(crate) status: StatusCode,
    content_type: &'static str,
    body: Bytes,
    etag: HeaderValue,
}

impl Rendered {
    pub(crate) fn new(status: StatusCode, content_type: &'static str, body: Vec<u8>) -> Rendered {
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        body.hash(&mut hasher);
        content_type.hash(&mut hasher);
        let etag = HeaderValue::from_str(&format!("\"{:016x}\"", hasher.finish()))
            .unwrap_or_else(|_| HeaderValue::from_static("\"0\""));
        Rendered { status, content_type, body: Bytes::from(body), etag }
    }

    /// A 200 HTML page.
    pub(crate) fn html(markup: maud::Markup) -> Rendered {
        Rendered::new(StatusCode::OK, HTML, markup.into_string().into_bytes())
    }

    /// A 200 JSON document.
    pub(crate) fn json(value: &impl serde::Serialize) -> Result<Rendered, AppError> {
        let body = serde_json::to_vec(value)
            .map_err(|e| AppError::new(StatusCode::INTERNAL_SERVER_ERROR, format!("cannot serialize: {e}")))?;
        Ok(Rendered::new(StatusCode::OK, JSON, body))
    }

    /// The response, or 304 when the client's `If-None-Match` names this body.
    pub(crate) fn respond(&self, request_headers: &HeaderMap) -> Response {
        let fresh = request_headers
            .get_all(header::IF_NONE_MATCH)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .any(|tag| {
                let tag = tag.trim();
                tag == "*" || tag.trim_start_matches("W/").as_bytes() == self.etag.as_bytes()
            });
        let cache_control = if self.status.is_success() { "public, max-age=60" } else { "public, max-age=30" };
        let mut response = if fresh && self.status.is_success() {
            StatusCode::NOT_MODIFIED.into_response()
        } else {
            (self.status, Body::from(self.body.clone())).into_response()
        };
        let headers = response.headers_mut();
        if !fresh {
            headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(self.content_type));
        }
        headers.insert(header::ETAG, self.etag.clone());
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache_control));
        response
    }
}

/// One part of the cache: request target to when it was rendered and what.
type Shard = HashMap<String, (Instant, Arc<Rendered>)>;

/// Rendered responses by request target, emptied on every snapshot swap. Sharded so that concurrent
/// requests rarely wait on one another.
pub(crate) struct ResponseCache {
    shards: Vec<RwLock<Shard>>,
    per_shard: usize,
    hasher: std::hash::RandomState,
}

impl ResponseCache {
    const SHARDS: usize = 16;

    pub(crate) fn new(entries: usize) -> ResponseCache {
        ResponseCache {
            shards: (0..Self::SHARDS).map(|_| RwLock::new(HashMap::new())).collect(),
            per_shard: entries.div_ceil(Self::SHARDS).max(1),
            hasher: std::hash::RandomState::new(),
        }
    }

    fn shard(&self, key: &str) -> &RwLock<Shard> {
        &self.shards[(self.hasher.hash_one(key) as usize) % Self::SHARDS]
    }

    pub(crate) fn get(&self, key: &str, ttl: Duration) -> Option<Arc<Rendered>> {
        let shard = self.shard(key).read().unwrap_or_else(std::sync::PoisonError::into_inner);
        shard.get(key).filter(|(at, _)| at.elapsed() < ttl).map(|(_, r)| Arc::clone(r))
    }

    pub(crate) fn put(&self, key: String, rendered: Arc<Rendered>) {
        let mut shard = self.shard(&key).write().unwrap_or_else(std::sync::PoisonError::into_inner);
        if shard.len() >= self.per_shard {
            // Simple and bounded: drop the shard's entries; popular pages come back at once.
            shard.clear();
        }
        shard.insert(key, (Instant::now(), rendered));
    }

    pub(crate) fn clear(&self) {
        for shard in &self.shards {
            shard.write().unwrap_or_else(std::sync::PoisonError::into_inner).clear();
        }
    }
}
