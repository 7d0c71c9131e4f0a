//! The OpenAPI 3.1 document (`/api/openapi.json`), built from the route table: every documented route
//! carries its operation in a `#[utoipa::path]` attribute on its handler, and the JSON views it
//! answers with derive their schemas (`utoipa::ToSchema`). Nothing about a route is written twice.
//!
//! Some schemas are written by hand, in `openapi/external.json`, because no Rust type of ours
//! serializes them: the OSV records, which are spliced into responses as the JSON text the export
//! produced; the OSV query shapes osv.dev defines; and the workflow's bodies, which its API reads and
//! writes as JSON objects field by field (the HTML forms send the same fields). Handlers name them
//! through the marker types below.

use std::borrow::Cow;
use std::sync::OnceLock;

use serde_json::{Map, Value};
use utoipa::openapi::{RefOr, Schema};

/// The hand-written schemas, by name.
const EXTERNAL: &str = include_str!("openapi/external.json");

fn external() -> &'static Value {
    static PARSED: OnceLock<Value> = OnceLock::new();
    PARSED.get_or_init(|| serde_json::from_str(EXTERNAL).unwrap_or(Value::Null))
}

/// Declares types that only name a hand-written schema of `openapi/external.json` in `#[utoipa::path]`
/// attributes. They have no values: the document builder puts the hand-written schema in place.
macro_rules! external_schemas {
    ($($(#[$doc:meta])* $name:ident),* $(,)?) => {$(
        $(#[$doc])*
        pub(crate) enum $name {}

        impl utoipa::PartialSchema for $name {
            fn schema() -> RefOr<Schema> {
                RefOr::T(Schema::Object(utoipa::openapi::schema::Object::new()))
            }
        }

        impl utoipa::ToSchema for $name {
            fn name() -> Cow<'static, str> {
                Cow::Borrowed(stringify!($name))
            }
        }
    )*};
}

external_schemas! {
    /// One OSV record, as RustSec's export writes it.
    OsvRecord,
    /// An osv.dev query.
    OsvQuery,
    /// An osv.dev batch of queries.
    OsvQueryBatch,
    /// The answer to one query: `{"vulns": [...], "next_page_token"?}` or `{}`.
    OsvVulns,
    /// The answer to a batch.
    OsvBatchResult,
    /// A new report, as the workflow's API takes it.
    Submission,
    /// The answer to a submission, with the reporter's secret token.
    SubmissionReceipt,
    /// One report (without the staff's fields for a reporter).
    Report,
    /// `{"reports": [...]}`.
    ReportList,
    /// One report with its timeline, messages, deadlines and notifications.
    ReportView,
    /// One step on a report.
    Action,
    /// The deadlines due and overdue.
    DeadlineList,
    /// `{"text": ...}`: a draft advisory to check.
    DraftText,
    /// The check of a draft advisory.
    DraftCheck,
}

/// The document's fixed parts: what the API is, and the bearer scheme of the private routes.
fn base() -> Value {
    serde_json::json!({
        "openapi": "3.1.0",
        "info": {
            "title": "cratewatch API",
            "version": "1",
            "description": "Security advisories for Rust crates: per-crate and per-version state, advisories, and \
                incremental updates, osv.dev's query API, lockfile audits, and the private coordinated-disclosure \
                workflow. Every success response of a public route carries an ETag and honours If-None-Match. \
                Errors use the envelope {\"errors\":[{\"detail\": \"...\"}]} (OSV routes: {\"code\", \"message\"}): \
                400 for malformed input, 404 for an unknown crate, version or id, 405 for a method the route does \
                not take, 408 when a request takes too long, 413 for a body over the limit, 414 for a request target \
                over 2 KiB, 431 for headers over 16 KiB, 502 when the registry index cannot be read. Public \
                read-only routes allow any origin (CORS); the workflow's routes allow none. The coordinated-disclosure \
                routes (/api/v1/reports..., /api/v1/deadlines, /api/v1/drafts/check) are private: all but the \
                submission need a bearer token; they answer 401 without a valid token, 403 for a step the role or \
                the token's scopes do not allow, 404 for a report the caller may not see (and on a server without \
                the workflow), 409 for a step the report's state does not allow or a stale `expected_version`, and \
                422 for invalid input; their responses carry `Cache-Control: no-store` and no ETag."
        },
        "paths": {},
        "components": {
            "schemas": {},
            "securitySchemes": {
                "bearerAuth": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "A user's API token (`cratewatch user add`, `cratewatch user token`; scopes `read` \
                        and `write`) or a reporter's secret token (returned once by POST /api/v1/reports, good for that \
                        report only). A missing or invalid token answers 401 with `WWW-Authenticate: Bearer`. The \
                        scheme name is case-insensitive."
                }
            }
        }
    })
}

/// The document for `paths` (every documented route's operations) and `schemas` (the schemas they
/// reference), plus the hand-written schemas.
pub(crate) fn document(paths: utoipa::openapi::path::Paths, schemas: Vec<(String, RefOr<Schema>)>) -> Value {
    let mut doc = base();
    let generated = serde_json::to_value(&paths).unwrap_or(Value::Null);
    if let (Some(into), Some(from)) = (doc["paths"].as_object_mut(), generated.as_object()) {
        into.extend(from.iter().map(|(k, v)| (k.clone(), v.clone())));
    }
    let mut components = Map::new();
    for (name, schema) in schemas {
        components.insert(name, serde_json::to_value(&schema).unwrap_or(Value::Null));
    }
    if let Some(hand) = external().as_object() {
        components.extend(hand.iter().map(|(k, v)| (k.clone(), v.clone())));
    }
    doc["components"]["schemas"] = Value::Object(components);
    doc
}
