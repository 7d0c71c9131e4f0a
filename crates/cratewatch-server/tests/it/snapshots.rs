//! Snapshots of every public JSON route and the main pages, whole, on the real data: a change in an
//! answer shows up as a reviewable diff (`cargo insta review`), where a substring check would pass.
//! Times that change from run to run (uptime) and the absolute path of the data are redacted.

use serde_json::{Value, json};

use crate::harness::{agent, shared};

/// The text with the machine-specific data path replaced.
fn redact(text: &str) -> String {
    let data = cratewatch_testdata::shared_data().display().to_string();
    text.replace(&data, "[DATA]")
}

fn get(path: &str) -> (u16, String) {
    let reply = shared().get(path);
    (reply.status, redact(&reply.body))
}

fn post(path: &str, content_type: &str, body: &str) -> (u16, String) {
    let response = agent()
        .post(&shared().url(path))
        .header("content-type", content_type)
        .send(body)
        .unwrap_or_else(|e| panic!("POST {path}: {e}"));
    let status = response.status().as_u16();
    (status, redact(&response.into_body().read_to_string().unwrap()))
}

fn pretty(status: u16, body: &str) -> String {
    let value: Value = serde_json::from_str(body).unwrap_or_else(|e| panic!("not JSON ({e}): {body}"));
    format!("{status}\n{}", serde_json::to_string_pretty(&value).unwrap())
}

#[test]
fn json_routes() {
    let lockfile = "version = 3\n\n[[package]]\nname = \"app\"\nversion = \"0.1.0\"\ndependencies = [\"base64\", \"smallvec\"]\n\n\
        [[package]]\nname = \"base64\"\nversion = \"0.5.1\"\nsource = \"registry+https://github.com/rust-lang/crates.io-index\"\n\n\
        [[package]]\nname = \"smallvec\"\nversion = \"0.6.9\"\nsource = \"registry+https://github.com/rust-lang/crates.io-index\"\n";
    let cases: Vec<(&str, (u16, String))> = vec![
        ("crate_security", get("/api/v1/crates/base64/security")),
        ("version_security", get("/api/v1/crates/base64/0.5.1/security")),
        ("advisory", get("/api/v1/advisories/RUSTSEC-2019-0009")),
        ("advisories_since", get("/api/v1/advisories?since=2026-08-18")),
        ("advisory_not_found", get("/api/v1/advisories/RUSTSEC-1999-9999")),
        ("bad_crate_name", get("/api/v1/crates/bad%20name/security")),
        ("osv_vuln", get("/v1/vulns/RUSTSEC-2019-0009")),
        ("osv_vuln_not_found", get("/v1/vulns/RUSTSEC-1999-9999")),
        (
            "osv_query",
            post("/v1/query", "application/json", &json!({"package": {"purl": "pkg:cargo/base64@0.5.1"}}).to_string()),
        ),
        (
            "osv_querybatch",
            post(
                "/v1/querybatch",
                "application/json",
                &json!({"queries": [
                    {"package": {"purl": "pkg:cargo/base64@0.5.1"}},
                    {"package": {"name": "serde", "ecosystem": "crates.io"}, "version": "1.0.0"},
                ]})
                .to_string(),
            ),
        ),
        ("osv_bad_query", post("/v1/query", "application/json", "{\"package\": {}}")),
        ("packages", get("/packages/base64.json")),
        ("packages_none", get("/packages/serde.json")),
        ("audit", post("/api/v1/audit", "text/plain", lockfile)),
        ("audit_invalid", post("/api/v1/audit", "text/plain", "this is not a lockfile")),
    ];
    for (name, (status, body)) in cases {
        insta::assert_snapshot!(name, pretty(status, &body));
    }
}

#[test]
fn health() {
    let (status, body) = get("/healthz");
    let mut value: Value = serde_json::from_str(&body).unwrap();
    value["uptime_seconds"] = json!("[uptime]");
    insta::assert_snapshot!("healthz", format!("{status}\n{}", serde_json::to_string_pretty(&value).unwrap()));
}

#[test]
fn openapi_document() {
    let (status, body) = get("/api/openapi.json");
    insta::assert_snapshot!("openapi", pretty(status, &body));
}

#[test]
fn pages() {
    for (name, path) in [
        ("home", "/"),
        ("crate", "/crates/base64"),
        ("version_security_page", "/crates/base64/0.5.1/security"),
        ("advisory_page", "/advisories/RUSTSEC-2017-0004"),
        ("categories", "/categories"),
        ("search", "/search?q=base6"),
        ("not_found_page", "/crates/no-such-crate-anywhere"),
    ] {
        let (status, body) = get(path);
        // One element per line, so that a diff points at the element that changed.
        let body = body.replace("><", ">\n<");
        insta::assert_snapshot!(name, format!("{status} {path}\n{body}"));
    }
}
