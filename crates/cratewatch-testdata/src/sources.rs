//! Advisory sources written for tests: GitHub-style directories of OSV records and a private
//! RustSec-format tree, beside the real RustSec database.

use std::fs;
use std::path::PathBuf;

use crate::scratch_dir;

/// A GitHub-advisory-database-style record (the layout `advisories/github-reviewed/YYYY/MM/ID/ID.json`).
pub fn ghsa_record(id: &str, package: &str, aliases: &[&str], introduced: &str, fixed: &str) -> String {
    serde_json::json!({
        "schema_version": "1.4.0",
        "id": id,
        "modified": "2024-02-01T10:00:00Z",
        "published": "2024-01-15T10:00:00Z",
        "aliases": aliases,
        "summary": format!("Use after free in {package}"),
        "details": "A crafted input frees a buffer twice.",
        "severity": [{ "type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H" }],
        "affected": [{
            "package": { "ecosystem": "crates.io", "name": package },
            "ranges": [{ "type": "ECOSYSTEM", "events": [{ "introduced": introduced }, { "fixed": fixed }] },
                       { "type": "SEMVER", "events": [{ "introduced": introduced }, { "fixed": fixed }] }]
        }],
        "references": [{ "type": "ADVISORY", "url": format!("https://github.com/advisories/{id}") }],
        "database_specific": { "github_reviewed": true, "severity": "CRITICAL" }
    })
    .to_string()
}

/// Writes a GitHub-style OSV directory with the given records (id, JSON text) and one unrelated npm
/// record, and returns it.
pub fn ghsa_dir(name: &str, records: &[(&str, String)]) -> PathBuf {
    let dir = scratch_dir(name);
    for (id, text) in records {
        let folder = dir.join("advisories/github-reviewed/2024/01").join(id);
        fs::create_dir_all(&folder).unwrap();
        fs::write(folder.join(format!("{id}.json")), text).unwrap();
    }
    let npm = dir.join("advisories/github-reviewed/2024/01/GHSA-npmn-npmn-npmn");
    fs::create_dir_all(&npm).unwrap();
    fs::write(
        npm.join("GHSA-npmn-npmn-npmn.json"),
        r#"{"id":"GHSA-npmn-npmn-npmn","modified":"2024-01-01T00:00:00Z","affected":[{"package":{"ecosystem":"npm","name":"left-pad"}}]}"#,
    )
    .unwrap();
    fs::write(dir.join("README.md"), "GitHub-style advisory database\n").unwrap();
    dir
}

/// A private RustSec-format repository with one advisory.
pub fn private_rustsec_tree(name: &str) -> PathBuf {
    let dir = scratch_dir(name);
    let folder = dir.join("crates/itoa");
    fs::create_dir_all(&folder).unwrap();
    fs::write(
        folder.join("RUSTSEC-2099-0001.md"),
        "```toml\n[advisory]\nid = \"RUSTSEC-2099-0001\"\npackage = \"itoa\"\ndate = \"2099-01-02\"\n\
         informational = \"unsound\"\naliases = [\"CVE-2099-0001\"]\n\n[versions]\npatched = [\">= 1.0.0\"]\n```\n\n\
         # Internal: itoa writes past its buffer\n\nFound by our own fuzzing.\n",
    )
    .unwrap();
    dir
}
