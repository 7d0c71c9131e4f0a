//! The application: every declared route with its handler, wrapped in the middleware.

use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;

use crate::state::AppState;

/// The router of every declared route ([`crate::routes`]), wrapped in the middleware (limits,
/// policies, errors, metrics). The middleware reads request bodies within the configured limit, so
/// axum's own default limit is off.
pub fn router(state: Arc<AppState>) -> Router {
    let mut router = Router::new();
    for (path, handler) in crate::routes::handlers() {
        router = router.route(&path, handler);
    }
    router
        .fallback(crate::middleware::not_found)
        .layer(DefaultBodyLimit::disable())
        .layer(axum::middleware::from_fn_with_state(Arc::clone(&state), crate::middleware::guard))
        .with_state(state)
}
