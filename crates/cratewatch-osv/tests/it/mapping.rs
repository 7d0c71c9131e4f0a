//! The mapping on small advisories written for cases the real snapshot does not cover.

use cratewatch_advisory::{Collection, parse_advisory};
use cratewatch_db::{FileDates, Timestamp};
use cratewatch_osv::{to_osv, to_osv_pretty};
use serde_json::{Value, json};

/// Parses `front_matter` as an advisory of `collection` (with a fixed title and description), maps it,
/// and checks the listed top-level fields of the record against `expected`.
fn check(collection: Collection, front_matter: &str, dates: Option<&FileDates>, expected: Value) {
    let text = format!("```toml\n{front_matter}\n```\n\n# Title  \n\nDescription.\n");
    let parsed = parse_advisory(&text, collection);
    let advisory = parsed.advisory.unwrap_or_else(|| panic!("{:#?}", parsed.diagnostics));
    let record = to_osv(&advisory, dates);
    for (key, value) in expected.as_object().unwrap() {
        assert_eq!(record.get(key), if value.is_null() { None } else { Some(value) }, "field {key}");
    }
    // The pretty text is the same record.
    assert_eq!(serde_json::from_str::<Value>(&to_osv_pretty(&advisory, dates)).unwrap(), record);
}

#[test]
fn cvss_v2_vectors_get_the_cvss_v2_severity_type() {
    check(
        Collection::Crates,
        "[advisory]\nid = \"RUSTSEC-2099-0001\"\npackage = \"demo\"\ndate = \"2099-01-02\"\ncvss = \"AV:N/AC:L/Au:N/C:P/I:P/A:P\"\n[versions]\npatched = []",
        None,
        json!({
            "severity": [{"type": "CVSS_V2", "score": "AV:N/AC:L/Au:N/C:P/I:P/A:P"}],
            "summary": "Title",
            "details": "Description.",
            "published": "2099-01-02T12:00:00Z",
            "modified": "2099-01-02T12:00:00Z",
            "withdrawn": null,
        }),
    );
}

#[test]
fn modified_comes_from_the_files_last_commit() {
    let time = |secs| Timestamp::from_unix_seconds(secs).unwrap();
    let dates = FileDates { created: time(0), modified: time(1_787_293_720) };
    check(
        Collection::Crates,
        "[advisory]\nid = \"RUSTSEC-2099-0001\"\npackage = \"demo\"\ndate = \"2099-01-02\"\nwithdrawn = \"2099-02-03\"\n[versions]\npatched = []",
        Some(&dates),
        json!({"modified": "2026-08-21T06:28:40Z", "withdrawn": "2099-02-03T12:00:00Z"}),
    );
}

#[test]
fn toolchain_advisories_have_no_crates_io_package() {
    check(
        Collection::Rust,
        "[advisory]\nid = \"CVE-2099-0001\"\npackage = \"std\"\ndate = \"2099-01-02\"\n[versions]\npatched = [\">= 1.99.0\"]",
        None,
        json!({
            "affected": null,
            "references": [{"type": "ADVISORY", "url": "https://rustsec.org/advisories/CVE-2099-0001.html"}],
        }),
    );
}
