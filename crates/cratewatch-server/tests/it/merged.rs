//! One server over several sources: the real RustSec database, a private RustSec-format tree and a
//! GitHub-style directory of OSV records. The pages' JSON API and the OSV API answer from the merged
//! view; records that alias each other are shown once.

use cratewatch_server::DbSource;
use cratewatch_testdata::{advisory_db, ghsa_dir, ghsa_record, private_rustsec_tree};
use serde_json::{Value, json};

use crate::harness::Server;

fn post(server: &Server, path: &str, body: &Value) -> Value {
    let agent = ureq::Agent::config_builder().http_status_as_error(false).build().new_agent();
    let mut response = agent.post(&server.url(path)).content_type("application/json").send(body.to_string()).unwrap();
    assert_eq!(response.status().as_u16(), 200);
    serde_json::from_str(&response.body_mut().read_to_string().unwrap()).unwrap()
}

fn ids(body: &Value) -> Vec<String> {
    body["vulns"].as_array().into_iter().flatten().map(|v| v["id"].as_str().unwrap().to_owned()).collect()
}

#[test]
fn every_api_answers_from_the_merged_view() {
    let private = private_rustsec_tree("merged-server-private");
    let ghsa = ghsa_dir(
        "merged-server-ghsa",
        &[
            (
                "GHSA-zzzz-9j62-hq99",
                ghsa_record("GHSA-zzzz-9j62-hq99", "smallvec", &["CVE-2021-25900"], "0.6.3", "1.6.1"),
            ),
            ("GHSA-bbbb-cccc-dddd", ghsa_record("GHSA-bbbb-cccc-dddd", "base64", &["CVE-2099-0002"], "0", "0.5.2")),
        ],
    );
    let server = Server::start_merged(
        vec![DbSource::Path(advisory_db()), DbSource::Path(private), DbSource::Path(ghsa)],
        None,
        None,
    );

    // A record only GitHub has is served as it was read.
    let record = server.json("/v1/vulns/GHSA-bbbb-cccc-dddd");
    assert_eq!(record["id"], "GHSA-bbbb-cccc-dddd");
    assert_eq!(record["summary"], "Use after free in base64");
    assert_eq!(record["database_specific"]["github_reviewed"], true);
    let base64 = post(
        &server,
        "/v1/query",
        &json!({"package": {"name": "base64", "ecosystem": "crates.io"}, "version": "0.5.1"}),
    );
    assert!(ids(&base64).contains(&"GHSA-bbbb-cccc-dddd".to_owned()), "{base64}");
    let fixed = post(
        &server,
        "/v1/query",
        &json!({"package": {"name": "base64", "ecosystem": "crates.io"}, "version": "0.5.2"}),
    );
    assert!(!ids(&fixed).contains(&"GHSA-bbbb-cccc-dddd".to_owned()));

    // GitHub's id for smallvec's vulnerability finds RustSec's record, which now lists it.
    let smallvec = server.json("/v1/vulns/GHSA-zzzz-9j62-hq99");
    assert_eq!(smallvec["id"], "RUSTSEC-2021-0003");
    assert!(smallvec["aliases"].as_array().unwrap().contains(&json!("GHSA-zzzz-9j62-hq99")), "{smallvec}");
    let query = post(
        &server,
        "/v1/query",
        &json!({"package": {"name": "smallvec", "ecosystem": "crates.io"}, "version": "1.6.0"}),
    );
    assert_eq!(ids(&query).iter().filter(|id| id.as_str() == "RUSTSEC-2021-0003").count(), 1);
    assert!(!ids(&query).contains(&"GHSA-zzzz-9j62-hq99".to_owned()), "shown once");

    // The private advisory is everywhere the public ones are.
    let itoa =
        post(&server, "/v1/query", &json!({"package": {"name": "itoa", "ecosystem": "crates.io"}, "version": "0.4.0"}));
    assert!(ids(&itoa).contains(&"RUSTSEC-2099-0001".to_owned()), "{itoa}");
    let tab = server.json("/api/v1/crates/itoa/security");
    assert!(tab.to_string().contains("RUSTSEC-2099-0001"), "{tab}");
    let tab = server.json("/api/v1/crates/base64/security");
    assert!(tab.to_string().contains("GHSA-bbbb-cccc-dddd"), "{tab}");
    let page = server.get("/crates/base64/security");
    assert!(page.body.contains("GHSA-bbbb-cccc-dddd"), "the Security tab lists it");

    // The conflict between GitHub's range and RustSec's is a diagnostic, not a failure.
    let k = server.state.knowledge();
    assert!(k.diagnostics().iter().any(|d| d.diagnostic.code.as_str() == "versions-conflict"));
}
