//! The JSON API: agreement with the official rustsec crate on every crate of the 2020 index that has
//! advisories, the documented shapes, errors, and HTTP caching.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;

use semver::Version;
use serde_json::Value;

use crate::harness::shared;

/// rustsec's view: for every crate-collection advisory file, (crate, id, withdrawn, advisory).
fn rustsec_advisories() -> BTreeMap<String, Vec<rustsec::Advisory>> {
    let root = cratewatch_testdata::advisory_db().join("crates");
    let mut by_crate: BTreeMap<String, Vec<rustsec::Advisory>> = BTreeMap::new();
    for dir in fs::read_dir(root).unwrap() {
        let dir = dir.unwrap().path();
        if !dir.is_dir() {
            continue;
        }
        for file in fs::read_dir(&dir).unwrap() {
            let file = file.unwrap().path();
            if file.extension().is_none_or(|e| e != "md") {
                continue;
            }
            // Files rustsec itself rejects are covered by the foundation's parser tests.
            if let Ok(advisory) = rustsec::Advisory::load_file(&file) {
                by_crate.entry(advisory.metadata.package.as_str().to_owned()).or_default().push(advisory);
            }
        }
    }
    by_crate
}

/// Every version of every crate of the 2020 index that has advisories: the ids the API lists for the
/// version equal the non-withdrawn advisories whose ranges rustsec's `Versions::is_vulnerable` says
/// contain it.
#[test]
fn per_version_advisories_agree_with_rustsec_for_every_crate_with_advisories() {
    let server = shared();
    let index = cratewatch_index::IndexDir::open(&cratewatch_testdata::crates_index_2020()).unwrap();
    let (mut crates, mut versions, mut affected) = (0, 0, 0);
    let mut disagreements = Vec::new();
    for (name, advisories) in rustsec_advisories() {
        let Some(listed) = index.crate_versions(&name).unwrap() else { continue };
        if listed.versions.is_empty() {
            continue;
        }
        crates += 1;
        let body = server.json(&format!("/api/v1/crates/{name}/security"));
        let api_versions = body["crate"]["versions"].as_array().unwrap();
        let listed_versions: BTreeSet<Version> = listed.versions.iter().map(|v| v.version.clone()).collect();
        assert_eq!(api_versions.len(), listed_versions.len(), "{name}: one entry per published version");
        for entry in api_versions {
            let version = Version::parse(entry["num"].as_str().unwrap()).unwrap();
            let ours: BTreeSet<&str> =
                entry["advisories"].as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
            let theirs: BTreeSet<&str> = advisories
                .iter()
                .filter(|a| a.metadata.withdrawn.is_none() && a.versions.is_vulnerable(&version))
                .map(|a| a.id().as_str())
                .collect();
            versions += 1;
            affected += usize::from(!theirs.is_empty());
            if ours != theirs {
                disagreements.push(format!("{name} {version}: api {ours:?}, rustsec {theirs:?}"));
            }
        }
        // Every advisory about the crate is listed once, withdrawn ones included.
        let ids: BTreeSet<&str> =
            body["advisories"].as_array().unwrap().iter().map(|a| a["id"].as_str().unwrap()).collect();
        let expected: BTreeSet<&str> = advisories.iter().map(|a| a.id().as_str()).collect();
        assert_eq!(ids, expected, "{name}");
    }
    println!("{crates} crates, {versions} versions compared, {affected} affected");
    assert!(crates > 400, "too few crates compared: {crates}");
    assert!(affected > 1000, "too few affected versions: {affected}");
    assert!(disagreements.is_empty(), "{} disagreements:\n{}", disagreements.len(), disagreements.join("\n"));
}

#[test]
fn advisory_objects_carry_every_documented_field() {
    let server = shared();
    let body = server.json("/api/v1/crates/smallvec/security");
    let doc: Value = serde_json::from_str(&server.get("/api/openapi.json").body).unwrap();
    let required = doc["components"]["schemas"]["Advisory"]["required"].as_array().unwrap();
    for advisory in body["advisories"].as_array().unwrap() {
        for key in required {
            assert!(advisory.get(key.as_str().unwrap()).is_some(), "missing {key} in {advisory}");
        }
    }
    let one = server.json("/api/v1/advisories/RUSTSEC-2019-0009");
    assert_eq!(one["crate"], "smallvec");
    assert_eq!(one["kind"], "vulnerability");
    assert!(one["aliases"].as_array().unwrap().iter().any(|a| a == "CVE-2019-15551"), "{one}");
    assert!(one["patched"].as_array().unwrap().iter().any(|p| p == ">=0.6.10"), "{one}");
    assert_eq!(one["affected"]["ranges"], ">= 0.6.5, < 0.6.10");
    assert!(one["description_html"].as_str().unwrap().contains("<p>"));
}

#[test]
fn version_endpoint_reports_state_and_nearest_safe_upgrade() {
    let server = shared();
    let affected = server.json("/api/v1/crates/smallvec/0.6.9/security");
    assert_eq!(affected["crate"], "smallvec");
    assert_eq!(affected["version"], "0.6.9");
    assert_eq!(affected["affected"], true);
    let ids: Vec<&str> = affected["advisories"].as_array().unwrap().iter().map(|a| a["id"].as_str().unwrap()).collect();
    assert!(ids.contains(&"RUSTSEC-2019-0009") && ids.contains(&"RUSTSEC-2019-0012"), "{ids:?}");
    // Every smallvec release of the 2020 index is affected by RUSTSEC-2021-0003 (fixed in 0.6.14 and
    // 1.6.1, published later): there is no safe upgrade to suggest.
    assert!(ids.contains(&"RUSTSEC-2021-0003"), "{ids:?}");
    assert_eq!(affected["nearest_safe_upgrade"], Value::Null);

    // base64 0.5.1 is affected by RUSTSEC-2017-0004 only; 0.5.2 fixes it.
    let base64 = server.json("/api/v1/crates/base64/0.5.1/security");
    assert_eq!(base64["affected"], true);
    assert_eq!(base64["nearest_safe_upgrade"], "0.5.2");
    assert_eq!(base64["nearest_safe_upgrade_compatible"], true);

    // actix-web 0.7.19: the fix is in 1.0; a pre-release (1.0.0-alpha.1) is never suggested from a release.
    let actix = server.json("/api/v1/crates/actix-web/0.7.19/security");
    let up = actix["nearest_safe_upgrade"].as_str().unwrap();
    assert!(Version::parse(up).unwrap().pre.is_empty(), "{up}");
    assert_eq!(actix["nearest_safe_upgrade_compatible"], false);

    let clean = server.json("/api/v1/crates/tokio/0.1.13/security");
    assert_eq!(clean["affected"], false);
    assert_eq!(clean["advisories"].as_array().unwrap().len(), 0);
    assert_eq!(clean["nearest_safe_upgrade"], Value::Null);
}

#[test]
fn since_lists_only_newer_advisories() {
    let server = shared();
    let all = server.json("/api/v1/advisories");
    let recent = server.json("/api/v1/advisories?since=2025-01-01");
    let all = all["advisories"].as_array().unwrap();
    let recent = recent["advisories"].as_array().unwrap();
    assert!(all.len() > 1200 && !recent.is_empty() && recent.len() < all.len(), "{} {}", all.len(), recent.len());
    for a in recent {
        let date = a["date"].as_str().unwrap();
        let withdrawn = a["withdrawn"].as_str().unwrap_or("");
        assert!(date >= "2025-01-01" || withdrawn >= "2025-01-01", "{a}");
    }
    let expected = all
        .iter()
        .filter(|a| {
            a["date"].as_str().unwrap() >= "2025-01-01" || a["withdrawn"].as_str().is_some_and(|w| w >= "2025-01-01")
        })
        .count();
    assert_eq!(recent.len(), expected);
}

#[test]
fn unknown_and_malformed_input_get_the_error_envelope() {
    let server = shared();
    for (path, status, needle) in [
        ("/api/v1/crates/no-such-crate-anywhere/security", 404, "no crate named"),
        ("/api/v1/crates/smallvec/99.0.0/security", 404, "no published version"),
        ("/api/v1/crates/smallvec/not.a.version/security", 400, "not a semantic version"),
        ("/api/v1/crates/bad%20name/security", 400, "not a valid crate name"),
        ("/api/v1/advisories/RUSTSEC-1999-9999", 404, "no advisory"),
        ("/api/v1/advisories?since=yesterday", 400, "`since`"),
        ("/api/v1/nothing-here", 404, "no API route"),
    ] {
        let reply = server.get(path);
        assert_eq!(reply.status, status, "{path}: {}", reply.body);
        assert_eq!(reply.content_type.as_deref(), Some("application/json"), "{path}");
        let body: Value = serde_json::from_str(&reply.body).unwrap();
        let detail = body["errors"][0]["detail"].as_str().unwrap();
        assert!(detail.contains(needle), "{path}: {detail}");
    }
}

#[test]
fn etags_and_cache_control_make_revalidation_cheap() {
    let server = shared();
    for path in ["/api/v1/crates/smallvec/security", "/crates/smallvec/security", "/feed.xml", "/api/openapi.json"] {
        let first = server.get(path);
        assert_eq!(first.status, 200);
        let etag = first.etag.clone().expect("an ETag");
        assert!(first.cache_control.as_deref().unwrap().contains("max-age"), "{path}");
        let again = server.get_with(path, &[("if-none-match", &etag)]);
        assert_eq!(again.status, 304, "{path}");
        assert!(again.body.is_empty());
        let other = server.get_with(path, &[("if-none-match", "\"something-else\"")]);
        assert_eq!(other.status, 200, "{path}");
        assert_eq!(other.body, first.body, "{path}: same bytes each time");
    }
}

#[test]
fn openapi_documents_every_api_route() {
    let server = shared();
    let doc: Value = serde_json::from_str(&server.get("/api/openapi.json").body).unwrap();
    assert_eq!(doc["openapi"], "3.1.0");
    let paths = doc["paths"].as_object().unwrap();
    for route in [
        "/api/v1/crates/{name}/security",
        "/api/v1/crates/{name}/{version}/security",
        "/api/v1/advisories",
        "/api/v1/advisories/{id}",
        "/healthz",
        "/metrics",
        "/v1/query",
        "/v1/querybatch",
        "/v1/vulns/{id}",
        "/packages/{file}",
        "/api/v1/reports",
        "/api/v1/reports/{id}",
        "/api/v1/reports/{id}/actions",
        "/api/v1/reports/{id}/advisory.md",
        "/api/v1/reports/{id}/osv.json",
        "/api/v1/deadlines",
        "/api/v1/drafts/check",
        "/api/v1/audit",
    ] {
        assert!(paths.contains_key(route), "{route} is not documented");
    }
    // The submission is open to anyone; every other disclosure operation needs the bearer scheme.
    assert_eq!(doc["components"]["securitySchemes"]["bearerAuth"]["scheme"], "bearer");
    for (route, method, authenticated) in [
        ("/api/v1/reports", "post", false),
        ("/api/v1/reports", "get", true),
        ("/api/v1/reports/{id}", "get", true),
        ("/api/v1/reports/{id}/actions", "post", true),
        ("/api/v1/reports/{id}/advisory.md", "get", true),
        ("/api/v1/reports/{id}/osv.json", "get", true),
        ("/api/v1/deadlines", "get", true),
        ("/api/v1/drafts/check", "post", true),
    ] {
        let operation = &paths[route][method];
        assert!(operation.is_object(), "{method} {route} is not documented");
        let security = operation.get("security").map(Value::to_string).unwrap_or_default();
        assert_eq!(security.contains("bearerAuth"), authenticated, "{method} {route}: security {security}");
    }
    // Every schema reference resolves.
    let text = doc.to_string();
    for reference in text.split("\"$ref\":\"#/components/schemas/").skip(1) {
        let name = &reference[..reference.find('"').unwrap()];
        assert!(doc["components"]["schemas"].get(name).is_some(), "dangling $ref {name}");
    }
}

#[test]
fn limits_methods_health_and_metrics() {
    let server = shared();
    let long = format!("/crates/{}", "a".repeat(3000));
    assert_eq!(server.get(&long).status, 414);
    let big = "x".repeat(20_000);
    assert_eq!(server.get_with("/", &[("x-padding", &big)]).status, 431);
    let post = ureq::Agent::config_builder().http_status_as_error(false).build().new_agent();
    let reply = post.post(&server.url("/api/v1/advisories")).send("{}").unwrap();
    assert_eq!(reply.status().as_u16(), 405);

    let health = server.json("/healthz");
    assert_eq!(health["status"], "ok");
    assert!(health["advisories"].as_u64().unwrap() > 1200);
    let _ = server.get("/crates/smallvec");
    let metrics = server.get("/metrics");
    let line = |prefix: &str| metrics.body.lines().find(|l| l.starts_with(prefix)).map(str::to_owned);
    let requests = line("cratewatch_http_requests_total{route=\"/crates/{name}\",status=\"2xx\"} ").unwrap();
    assert!(requests.rsplit(' ').next().unwrap().parse::<u64>().unwrap() >= 1, "{requests}");
    let advisories = health["advisories"].as_u64().unwrap();
    assert_eq!(line("cratewatch_advisories "), Some(format!("cratewatch_advisories {advisories}")), "{}", metrics.body);
    assert!(metrics.body.contains("# TYPE cratewatch_http_request_duration_seconds histogram"));
}
