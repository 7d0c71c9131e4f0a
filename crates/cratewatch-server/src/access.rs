//! The access classes of routes and what a declared route looks like to the policies: a leaf module,
//! so that the middleware, the error renderer and the route table can all use it.

use axum::http::Method;

/// Who a route serves, which decides its policies.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Access {
    /// Public HTML pages: cached, errors as an HTML page, images from https allowed.
    PublicPage,
    /// The public JSON API (and the audit): cached, any origin may read them (CORS), errors in the
    /// JSON envelope.
    PublicApi,
    /// Atom feeds: cached, any origin, errors as an HTML page.
    Feed,
    /// osv.dev's API: any origin (with the preflight of its POST routes), errors as
    /// `{"code", "message"}`.
    Osv,
    /// The workflow's private JSON API: `no-store`, no CORS, strict CSP, paths never logged.
    WorkflowApi,
    /// The workflow's pages: `no-store`, no CORS, no outside images, paths never logged.
    WorkflowPage,
    /// Health and metrics: `no-store`, errors in the JSON envelope.
    Operations,
    /// The stylesheet.
    Asset,
}

impl Access {
    /// How errors of the route look.
    pub(crate) fn error_shape(self) -> ErrorShape {
        match self {
            Access::PublicApi | Access::WorkflowApi | Access::Operations => ErrorShape::Envelope,
            Access::Osv => ErrorShape::Osv,
            Access::PublicPage | Access::Feed | Access::WorkflowPage | Access::Asset => ErrorShape::Html,
        }
    }

    /// Whether any origin may read the route's responses from a browser (public read-only data).
    pub fn cors(self) -> bool {
        matches!(self, Access::PublicApi | Access::Osv | Access::Feed)
    }

    /// Whether the route serves the private workflow: never cached, no outside images, and its
    /// paths (which may carry a reporter's secret) are logged as their pattern.
    pub fn private(self) -> bool {
        matches!(self, Access::WorkflowApi | Access::WorkflowPage)
    }

    /// A short name, for logs and tests.
    pub fn as_str(self) -> &'static str {
        match self {
            Access::PublicPage => "public-page",
            Access::PublicApi => "public-api",
            Access::Feed => "feed",
            Access::Osv => "osv",
            Access::WorkflowApi => "workflow-api",
            Access::WorkflowPage => "workflow-page",
            Access::Operations => "operations",
            Access::Asset => "asset",
        }
    }
}

/// One declared route, as the policies and the tests see it.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct RouteInfo {
    /// The path pattern, with `{parameters}`.
    pub path: String,
    /// The methods it takes (`GET` implies `HEAD`).
    pub methods: Vec<Method>,
    /// Its access class.
    pub access: Access,
    /// Whether it is in the OpenAPI document.
    pub documented: bool,
}

impl RouteInfo {
    /// Whether the route takes `method` (`HEAD` with `GET`).
    pub(crate) fn allows(&self, method: &Method) -> bool {
        self.methods.contains(method) || (method == Method::HEAD && self.methods.contains(&Method::GET))
    }

    /// The `Allow` header's value.
    pub(crate) fn allow_header(&self) -> String {
        let mut names: Vec<&str> = Vec::new();
        for m in &self.methods {
            names.push(m.as_str());
            if m == Method::GET {
                names.push("HEAD");
            }
        }
        names.push("OPTIONS");
        names.join(", ")
    }
}

/// How a route's errors look.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ErrorShape {
    /// `{"errors":[{"detail": ...}]}`.
    Envelope,
    /// `{"code": N, "message": ...}`.
    Osv,
    /// The HTML error page.
    Html,
}
