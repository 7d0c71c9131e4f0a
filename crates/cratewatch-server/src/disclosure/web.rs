//! The workflow's web pages: sign-in, the dashboard, report pages with their forms, and the public
//! report form. Server-rendered HTML that works without JavaScript; every form is CSRF-protected.

use std::sync::Arc;

use axum::Router;

use crate::app::AppState;

/// The workflow's page routes, merged into the application's router.
pub(crate) fn routes() -> Router<Arc<AppState>> {
    Router::new()
}
