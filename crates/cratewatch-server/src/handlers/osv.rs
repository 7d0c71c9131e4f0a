//! The OSV API, with the request and response shapes of the public OSV service (osv.dev), so that an OSV
//! client (osv-scanner, osv.dev libraries) can use a cratewatch server in its place. Records are the
//! ones `cratewatch osv export` writes, kept as JSON text in the snapshot and spliced into responses.
//! Errors are [`AppError`]s, which the middleware renders as osv.dev's `{"code", "message"}`.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use semver::Version;
use serde::Deserialize;

use crate::error::AppError;
use crate::extract::Path;
use crate::knowledge::{Entry, Knowledge};
use crate::openapi::{OsvBatchResult, OsvQuery, OsvQueryBatch, OsvRecord, OsvVulns};
use crate::state::AppState;

/// Most records in one `/v1/query` page; more are reached with `next_page_token`.
pub(crate) const PAGE: usize = 1000;
/// Most queries in one `/v1/querybatch`.
pub(crate) const BATCH: usize = 1000;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Query {
    package: Option<Package>,
    version: Option<String>,
    commit: Option<String>,
    page_token: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Package {
    name: Option<String>,
    ecosystem: Option<String>,
    purl: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Batch {
    queries: Vec<Query>,
}

fn json(body: String) -> Response {
    ([(header::CONTENT_TYPE, "application/json"), (header::CACHE_CONTROL, "public, max-age=60")], body).into_response()
}

/// A parsed query: the crate and, optionally, the version.
struct Wanted {
    name: String,
    version: Option<Version>,
    offset: usize,
}

fn parse_query(query: Query) -> Result<Wanted, String> {
    if query.commit.is_some() {
        return Err("queries by commit are not supported: crates.io packages are versioned".into());
    }
    let package = query.package.ok_or("`package` is required")?;
    let (name, purl_version) = match (package.purl, package.name) {
        (Some(_), Some(_)) => return Err("give either `package.purl` or `package.name`, not both".into()),
        (Some(purl), None) => {
            if package.ecosystem.is_some() {
                return Err("`package.ecosystem` cannot be given with `package.purl`".into());
            }
            let rest = purl.strip_prefix("pkg:cargo/").ok_or_else(|| format!("`{purl}` is not a pkg:cargo purl"))?;
            let rest = rest.split(['?', '#']).next().unwrap_or(rest);
            // Purl components are percent-encoded: a version's build metadata arrives as `%2B`.
            match rest.split_once('@') {
                Some((name, version)) => (percent_decode(name)?, Some(percent_decode(version)?)),
                None => (percent_decode(rest)?, None),
            }
        }
        (None, Some(name)) => {
            match package.ecosystem.as_deref() {
                Some(cratewatch_osv::ECOSYSTEM) => {}
                Some(other) => return Err(format!("unknown ecosystem `{other}` (this server has `crates.io`)")),
                None => return Err("`package.ecosystem` is required with `package.name`".into()),
            }
            (name, None)
        }
        (None, None) => return Err("`package.name` or `package.purl` is required".into()),
    };
    let version_text = match (purl_version, query.version) {
        (Some(_), Some(_)) => return Err("give the version in the purl or in `version`, not both".into()),
        (a, b) => a.or(b),
    };
    let version = match version_text {
        None => None,
        Some(text) => Some(Version::parse(&text).map_err(|e| format!("`{text}` is not a semantic version: {e}"))?),
    };
    let offset = match query.page_token.as_deref() {
        None | Some("") => 0,
        Some(token) => token.parse().map_err(|_| format!("invalid page_token `{token}`"))?,
    };
    Ok(Wanted { name, version, offset })
}

/// Decodes the `%XX` escapes of one purl component.
fn percent_decode(component: &str) -> Result<String, String> {
    let bytes = component.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let escape =
                bytes.get(i + 1..i + 3).and_then(|hex| u8::from_str_radix(std::str::from_utf8(hex).ok()?, 16).ok());
            out.push(escape.ok_or_else(|| format!("invalid percent escape in purl component `{component}`"))?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| format!("purl component `{component}` is not UTF-8 once decoded"))
}

/// The non-withdrawn records about the crate that affect the version (all of them without a version).
fn matching<'k>(knowledge: &'k Knowledge, wanted: &Wanted) -> Vec<&'k Arc<Entry>> {
    knowledge
        .for_crate(&wanted.name)
        .into_iter()
        .filter(|e| e.osv.is_some() && e.advisory.withdrawn.is_none())
        .filter(|e| wanted.version.as_ref().is_none_or(|v| e.advisory.versions.is_affected(v)))
        .collect()
}

/// Vulnerabilities of a package, or of one of its versions.
#[utoipa::path(
    post,
    path = "/v1/query",
    tag = "osv",
    request_body(content = OsvQuery, description = "The package (by name and ecosystem, or by purl) and optionally a version"),
    responses(
        (status = 200, description = "The matching records, or `{}` when there are none", body = OsvVulns),
        (status = 400, description = "Invalid query (code 3)", body = crate::error::OsvError),
        (status = 413, description = "The body is too large (code 8)", body = crate::error::OsvError),
    )
)]
pub(crate) async fn post_query(State(state): State<Arc<AppState>>, body: Bytes) -> Result<Response, AppError> {
    let query: Query =
        serde_json::from_slice(&body).map_err(|e| AppError::bad_request(format!("invalid query: {e}")))?;
    let wanted = parse_query(query).map_err(AppError::bad_request)?;
    let knowledge = state.knowledge();
    let all = matching(&knowledge, &wanted);
    let page: Vec<&str> = all.iter().skip(wanted.offset).take(PAGE).filter_map(|e| e.osv.as_deref()).collect();
    if page.is_empty() {
        return Ok(json("{}".to_owned()));
    }
    let mut body = String::with_capacity(page.iter().map(|r| r.len() + 1).sum::<usize>() + 64);
    body.push_str("{\"vulns\":[");
    body.push_str(&page.join(","));
    body.push(']');
    if wanted.offset + PAGE < all.len() {
        body.push_str(&format!(",\"next_page_token\":\"{}\"", wanted.offset + PAGE));
    }
    body.push('}');
    Ok(json(body))
}

/// Up to 1,000 queries at once: ids and modified times only, in input order.
#[utoipa::path(
    post,
    path = "/v1/querybatch",
    tag = "osv",
    request_body(content = OsvQueryBatch, description = "`{\"queries\": [...]}`, at most 1,000"),
    responses(
        (status = 200, description = "One result per query, in input order", body = OsvBatchResult),
        (status = 400, description = "Invalid query, or more than 1,000 (code 3)", body = crate::error::OsvError),
        (status = 413, description = "The body is too large (code 8)", body = crate::error::OsvError),
    )
)]
pub(crate) async fn post_querybatch(State(state): State<Arc<AppState>>, body: Bytes) -> Result<Response, AppError> {
    let batch: Batch =
        serde_json::from_slice(&body).map_err(|e| AppError::bad_request(format!("invalid query batch: {e}")))?;
    if batch.queries.len() > BATCH {
        return Err(AppError::bad_request(format!(
            "too many queries: {} (at most {BATCH} per batch)",
            batch.queries.len()
        )));
    }
    let knowledge = state.knowledge();
    let mut body = String::with_capacity(batch.queries.len() * 16 + 32);
    body.push_str("{\"results\":[");
    for (i, query) in batch.queries.into_iter().enumerate() {
        let wanted = parse_query(query).map_err(|message| AppError::bad_request(format!("query {i}: {message}")))?;
        if i > 0 {
            body.push(',');
        }
        let found = matching(&knowledge, &wanted);
        if found.is_empty() {
            body.push_str("{}");
            continue;
        }
        body.push_str("{\"vulns\":[");
        for (n, e) in found.iter().enumerate() {
            if n > 0 {
                body.push(',');
            }
            body.push_str(&format!("{{\"id\":\"{}\",\"modified\":\"{}\"}}", e.advisory.id.as_str(), e.modified));
        }
        body.push_str("]}");
    }
    body.push_str("]}");
    Ok(json(body))
}

/// One record, by id or by an alias (CVE, GHSA) that names exactly one advisory.
#[utoipa::path(
    get,
    path = "/v1/vulns/{id}",
    tag = "osv",
    params(("id" = String, Path, description = "A RUSTSEC id, or a CVE or GHSA alias")),
    responses(
        (status = 200, description = "The OSV record", body = OsvRecord),
        (status = 404, description = "No such record (code 5)", body = crate::error::OsvError),
    )
)]
pub(crate) async fn get_vuln(State(state): State<Arc<AppState>>, Path(id): Path<String>) -> Result<Response, AppError> {
    let knowledge = state.knowledge();
    let entry = match knowledge.by_id(&id) {
        Some(e) => Some(Arc::clone(e)),
        None => match knowledge.by_alias(&id).as_slice() {
            [only] => Some(Arc::clone(only)),
            _ => None,
        },
    };
    match entry.as_ref().and_then(|e| e.osv.clone()) {
        Some(record) => Ok(json(record)),
        None => Err(AppError::not_found("Bug not found.")),
    }
}

/// Every OSV record about a crate, the document rustsec.org serves at `/packages/NAME.json`. A crate
/// without advisories is a 404, as on rustsec.org, whose static site has no document for it (the
/// registry front end's Security tab reads a 404 as "no advisories").
#[utoipa::path(
    get,
    path = "/packages/{file}",
    tag = "osv",
    params(("file" = String, Path, description = "`NAME.json`")),
    responses(
        (status = 200, description = "The crate's OSV records (withdrawn ones included)", body = Vec<OsvRecord>),
        (status = 404, description = "No advisory is about this crate, or the file is not `NAME.json` (code 5)", body = crate::error::OsvError),
    )
)]
pub(crate) async fn get_package(
    State(state): State<Arc<AppState>>,
    Path(file): Path<String>,
) -> Result<Response, AppError> {
    let Some(name) = file.strip_suffix(".json") else {
        return Err(AppError::not_found(format!("no document `{file}` (try /packages/NAME.json)")));
    };
    let knowledge = state.knowledge();
    let records: Vec<&str> = knowledge.for_crate(name).into_iter().filter_map(|e| e.osv.as_deref()).collect();
    if records.is_empty() {
        return Err(AppError::not_found(format!("no advisory is about a crate named `{name}`")));
    }
    Ok(json(format!("[{}]", records.join(","))))
}
