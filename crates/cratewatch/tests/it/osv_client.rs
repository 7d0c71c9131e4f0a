//! A third-party OSV client against a running `cratewatch serve`: it gets the answers the public OSV
//! service gives for RustSec data.
//!
//! The client is osv-lib (PyPI), a Python OSV API client whose server address can be set; osv-scanner,
//! the usual client, is a Go program that none of the package registries CI reaches can provide.
//! `tests/osv-client/check.py` drives it over HTTP: `GET /v1/vulns/{id}` for every record of RustSec's
//! official OSV export, `POST /v1/query` by purl for the lockfiles' packages and for versions at and
//! around every range bound of every advisory, and `POST /v1/querybatch` over the lockfiles in batches
//! of 1,000. Each answer must equal what the same client makes of the official records (the records the
//! public service serves), chosen with osv.dev's own SemVer ordering. `scripts/osv-client.sh` installs
//! the client (the README's test command runs it).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use cratewatch_testdata::{lockfiles, osv_export, scratch_dir, workspace_root};

use super::serve::start_server;

/// The client's Python environment, made by `scripts/osv-client.sh`.
fn client_env() -> PathBuf {
    let venv = workspace_root().join("target/osv-client");
    assert!(
        venv.join("bin/python").exists() && venv.join("osv-dev/osv/semver_index.py").exists(),
        "the OSV client is not installed in {}: run `bash scripts/osv-client.sh` (scripts/test.sh does)",
        venv.display()
    );
    venv
}

/// Runs the check script against `base_url` with the official records in `export`.
fn check(base_url: &str, export: &Path, lockfiles: &[PathBuf]) -> (Output, serde_json::Value) {
    let venv = client_env();
    let output = Command::new(venv.join("bin/python"))
        .arg(workspace_root().join("tests/osv-client/check.py"))
        .arg(base_url)
        .arg(export)
        .arg(venv.join("osv-dev"))
        .args(lockfiles)
        .output()
        .expect("run tests/osv-client/check.py");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let summary = serde_json::from_str(stdout.trim()).unwrap_or_else(|e| {
        panic!("the check printed no summary ({e}):\n{stdout}\n{}", String::from_utf8_lossy(&output.stderr))
    });
    (output, summary)
}

#[test]
fn an_osv_client_gets_the_public_services_answers_from_cratewatch_serve() {
    let server = start_server();
    let base_url = format!("http://{}", server.address);
    let locks: Vec<PathBuf> = lockfiles().into_iter().map(|(lock, _)| lock).collect();
    let (output, summary) = check(&base_url, &osv_export(), &locks);
    assert!(output.status.success() && summary["mismatches"] == 0, "answers differ: {summary:#}");

    // Every kind of call was made, and many answers hold findings (an empty server would not pass).
    let counts = &summary["counts"];
    assert_eq!(counts["vulns"], 1205, "{summary}");
    assert!(counts["query"].as_u64() > Some(10_000), "{summary}");
    assert!(counts["query_affected"].as_u64() > Some(5_000), "{summary}");
    assert!(counts["querybatch_queries"].as_u64() > Some(2_000), "{summary}");
    assert!(counts["querybatch_findings"].as_u64() > Some(100), "{summary}");
    // osv-lib cannot read CVSS v4 severities: for those records it fails in the same way whichever
    // server sent them, and that is compared too. Most answers are read without error.
    assert!(counts["client_errors"].as_u64() < Some(1_000), "{summary}");
}

#[test]
fn the_client_check_sees_a_record_that_differs() {
    // The control: against official records where one summary was changed, the same check fails and
    // names the record, so the agreement above is not an artefact of the comparison.
    let server = start_server();
    let export = scratch_dir("osv-client-tampered");
    let mut tampered = None;
    for entry in std::fs::read_dir(osv_export().join("crates")).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        let mut record: serde_json::Value = serde_json::from_str(&text).unwrap();
        if record["affected"][0]["package"]["name"] != "smallvec" {
            continue;
        }
        if tampered.is_none() {
            record["summary"] = "a summary the server never sent".into();
            tampered = Some(record["id"].as_str().unwrap().to_owned());
        }
        std::fs::write(export.join(path.file_name().unwrap()), record.to_string()).unwrap();
    }
    let tampered = tampered.expect("smallvec has advisories");
    let (output, summary) = check(&format!("http://{}", server.address), &export, &[]);
    assert_eq!(output.status.code(), Some(1), "{summary}");
    let calls: Vec<&str> =
        summary["first_mismatches"].as_array().unwrap().iter().map(|m| m["call"].as_str().unwrap()).collect();
    assert!(calls.contains(&format!("vulns {tampered}").as_str()), "{summary}");
    assert!(calls.iter().any(|c| c.starts_with("query smallvec")), "{summary}");
}
