//! The OSV API over HTTP: records equal to RustSec's official export, query semantics of osv.dev, batch
//! order and limits.

use std::collections::BTreeSet;
use std::time::Instant;

use serde_json::{Value, json};

use crate::harness::shared;

fn official(id: &str) -> Value {
    let path = cratewatch_testdata::osv_export().join("crates").join(format!("{id}.json"));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn post(path: &str, body: &Value) -> (u16, Value) {
    let agent = ureq::Agent::config_builder().http_status_as_error(false).build().new_agent();
    let mut response = agent.post(&shared().url(path)).content_type("application/json").send(body.to_string()).unwrap();
    let status = response.status().as_u16();
    let text = response.body_mut().read_to_string().unwrap();
    (status, serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: not JSON ({e}): {text}")))
}

fn ids(body: &Value) -> BTreeSet<String> {
    body["vulns"].as_array().into_iter().flatten().map(|v| v["id"].as_str().unwrap().to_owned()).collect()
}

#[test]
fn vulns_by_id_and_alias_are_the_official_records() {
    let server = shared();
    assert_eq!(server.json("/v1/vulns/RUSTSEC-2019-0009"), official("RUSTSEC-2019-0009"));
    assert_eq!(server.json("/v1/vulns/CVE-2019-15551"), official("RUSTSEC-2019-0009"));
    let missing = server.get("/v1/vulns/RUSTSEC-1999-0001");
    assert_eq!(missing.status, 404);
    assert_eq!(serde_json::from_str::<Value>(&missing.body).unwrap()["code"], 5);
    // Every record the server holds equals the official one.
    let k = server.state.knowledge();
    let mut compared = 0;
    for entry in k.entries() {
        let Some(record) = &entry.osv else { continue };
        let id = entry.advisory.id.as_str();
        assert_eq!(serde_json::from_str::<Value>(record).unwrap(), official(id), "{id}");
        compared += 1;
    }
    assert_eq!(compared, 1205);
}

#[test]
fn query_by_name_or_purl_with_and_without_version() {
    let (status, all) = post("/v1/query", &json!({"package": {"name": "smallvec", "ecosystem": "crates.io"}}));
    assert_eq!(status, 200);
    let k = shared().state.knowledge();
    let expected: BTreeSet<String> = k
        .for_crate("smallvec")
        .iter()
        .filter(|e| e.advisory.withdrawn.is_none())
        .map(|e| e.advisory.id.as_str().to_owned())
        .collect();
    assert_eq!(ids(&all), expected);
    for record in all["vulns"].as_array().unwrap() {
        assert_eq!(record, &official(record["id"].as_str().unwrap()));
    }

    let (_, v) =
        post("/v1/query", &json!({"package": {"name": "smallvec", "ecosystem": "crates.io"}, "version": "0.6.9"}));
    let at_069: BTreeSet<String> = k
        .for_crate("smallvec")
        .iter()
        .filter(|e| e.advisory.withdrawn.is_none() && e.advisory.versions.is_affected(&semver::Version::new(0, 6, 9)))
        .map(|e| e.advisory.id.as_str().to_owned())
        .collect();
    assert!(at_069.contains("RUSTSEC-2019-0009"));
    assert_eq!(ids(&v), at_069);
    let (_, by_purl) = post("/v1/query", &json!({"package": {"purl": "pkg:cargo/smallvec@0.6.9"}}));
    assert_eq!(ids(&by_purl), at_069);
    // Purl components are percent-encoded; build metadata (`+`) arrives as `%2B` from purl libraries.
    let (_, escaped) = post("/v1/query", &json!({"package": {"purl": "pkg:cargo/smallvec@0.6.9%2Bbuild.1"}}));
    assert_eq!(ids(&escaped), at_069);

    // No match is an empty object, as osv.dev answers.
    let (status, none) =
        post("/v1/query", &json!({"package": {"name": "serde", "ecosystem": "crates.io"}, "version": "1.0.0"}));
    assert_eq!((status, none), (200, json!({})));

    for bad in [
        json!({"package": {"name": "smallvec", "ecosystem": "npm"}}),
        json!({"package": {"name": "smallvec"}}),
        json!({"package": {"purl": "pkg:npm/left-pad@1.0.0"}}),
        json!({"package": {"purl": "pkg:cargo/smallvec@1.0.0"}, "version": "1.0.0"}),
        json!({"package": {"purl": "pkg:cargo/smallvec@1.0.0%2"}}),
        json!({"package": {"purl": "pkg:cargo/smallvec@1.0.0%zz"}}),
        json!({"package": {"name": "smallvec", "ecosystem": "crates.io"}, "version": "one"}),
        json!({"version": "1.0.0"}),
        json!({"package": {"name": "smallvec", "ecosystem": "crates.io"}, "bogus": 1}),
    ] {
        let (status, body) = post("/v1/query", &bad);
        assert_eq!(status, 400, "{bad}: {body}");
        assert_eq!(body["code"], 3, "{bad}");
        assert!(body["message"].as_str().is_some_and(|m| !m.is_empty()));
    }
}

/// A batch of the 1,000 first registry packages of the shared lockfiles, with their locked versions.
fn lockfile_queries() -> Vec<Value> {
    let mut queries = Vec::new();
    let mut seen = BTreeSet::new();
    for (lockfile, _) in cratewatch_testdata::lockfiles() {
        let text = std::fs::read_to_string(lockfile).unwrap();
        let parsed = cratewatch_audit::Lockfile::parse(&text).unwrap();
        for p in parsed.packages.iter().filter(|p| p.is_from_crates_io()) {
            if seen.insert((p.name.clone(), p.version.to_string())) && queries.len() < 1000 {
                queries.push(
                    json!({"package": {"name": p.name, "ecosystem": "crates.io"}, "version": p.version.to_string()}),
                );
            }
        }
    }
    assert_eq!(queries.len(), 1000);
    queries
}

#[test]
fn querybatch_answers_in_order_and_agrees_with_single_queries() {
    let queries = lockfile_queries();
    let started = Instant::now();
    let (status, batch) = post("/v1/querybatch", &json!({ "queries": queries }));
    println!("querybatch of 1,000 (debug build, over HTTP): {:?}", started.elapsed());
    assert_eq!(status, 200);
    let results = batch["results"].as_array().unwrap();
    assert_eq!(results.len(), 1000);
    let mut with_vulns = 0;
    for (query, result) in queries.iter().zip(results) {
        let (_, single) = post("/v1/query", query);
        assert_eq!(ids(result), ids(&single), "{query}");
        for v in result["vulns"].as_array().into_iter().flatten() {
            assert_eq!(v.as_object().unwrap().len(), 2, "only id and modified: {v}");
            assert_eq!(v["modified"], official(v["id"].as_str().unwrap())["modified"]);
        }
        with_vulns += usize::from(!ids(result).is_empty());
    }
    assert!(with_vulns > 20, "{with_vulns}");

    let too_many: Vec<Value> =
        (0..1001).map(|_| json!({"package": {"name": "smallvec", "ecosystem": "crates.io"}})).collect();
    let (status, body) = post("/v1/querybatch", &json!({ "queries": too_many }));
    assert_eq!(status, 400);
    assert!(body["message"].as_str().unwrap().contains("too many queries: 1001"), "{body}");
}

#[test]
fn packages_document_lists_the_crates_records() {
    let server = shared();
    let doc = server.json("/packages/smallvec.json");
    let records = doc.as_array().unwrap();
    assert!(records.len() >= 4);
    for record in records {
        assert_eq!(record, &official(record["id"].as_str().unwrap()));
    }
    // A crate without advisories has no document, as on rustsec.org (see hardening.rs).
    assert_eq!(server.get("/packages/no-such-crate-anywhere.json").status, 404);
}
