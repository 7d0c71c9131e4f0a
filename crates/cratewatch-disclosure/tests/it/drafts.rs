//! Draft advisories: the same diagnostics as `cratewatch db check`, the id check, and the template.

use cratewatch_advisory::{Collection, CvssVersion, DiagnosticSeverity, Severity, parse_advisory};
use cratewatch_disclosure::{DraftCheck, DraftCvss, RustsecId, check_draft, check_report_draft, draft_template};

use crate::*;

/// `(severity, code, line)` of each diagnostic.
fn found(check: &DraftCheck) -> Vec<(&'static str, &'static str, Option<u32>)> {
    check.diagnostics.iter().map(|d| (d.severity.as_str(), d.code.as_str(), d.line)).collect()
}

#[test]
fn a_complete_advisory() {
    let check = check_draft(ADVISORY);
    assert_eq!(found(&check), []);
    assert!(!check.has_errors());
    assert_eq!(check.id.as_deref(), Some(RUSTSEC_ID));
    assert_eq!(check.package.as_deref(), Some("demo-parser"));
    assert_eq!(check.title.as_deref(), Some("Panic on truncated input in `demo_parser::parse`"));
    assert_eq!(
        check.cvss,
        Some(DraftCvss {
            vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H".into(),
            version: CvssVersion::V31,
            score: 7.5,
            severity: Severity::High,
        })
    );
}

#[test]
fn cvss_v4() {
    let v4 = "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N";
    let text = ADVISORY.replace("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H", v4);
    let cvss = check_draft(&text).cvss.unwrap();
    assert_eq!((cvss.version, cvss.score, cvss.severity), (CvssVersion::V40, 9.3, Severity::Critical));
}

/// Each broken draft reports what `db check` reports for the same text, with its line.
#[test]
fn broken_drafts() {
    #[track_caller]
    fn check(text: &str, expected: &[(&str, &str, Option<u32>)]) {
        let check = check_draft(text);
        assert_eq!(found(&check), expected);
        assert_eq!(check.diagnostics, parse_advisory(text, Collection::Crates).diagnostics, "same as db check");
        let errors = expected.iter().any(|(severity, _, _)| *severity == "error");
        assert_eq!(check.has_errors(), errors);
        assert_eq!(check.id.is_some(), !errors, "parsed fields only without errors");
    }
    check("# Title\n\nNo front matter.\n", &[("error", "missing-front-matter", Some(1))]);
    check(&ADVISORY.replace("\n```\n\n#", "\n"), &[("error", "unterminated-front-matter", Some(1))]);
    check(&ADVISORY.replace("# Panic on", "Panic on"), &[("error", "missing-title", Some(19))]);
    check(&ADVISORY.replace("CVSS:3.1/AV:N", "CVSS:3.1/AV:Q"), &[("error", "invalid-cvss", Some(10))]);
    check(&ADVISORY.replace("package = \"demo-parser\"\n", ""), &[("error", "missing-field", None)]);
    check(&ADVISORY.replace("2026-12-02", "2026-13-02"), &[("error", "invalid-date", Some(5))]);
    check(&ADVISORY.replace("\">= 1.4.2\"]", "\">= one\"]"), &[("error", "invalid-version-req", Some(16))]);
    check(&ADVISORY.replace("keywords =", "severity = \"high\"\nkeywords ="), &[("warning", "unknown-field", Some(8))]);
    check(&ADVISORY.replace("denial-of-service", "denial-of-sleep"), &[("warning", "unknown-category", Some(7))]);
    check(
        &ADVISORY.replace("id = \"RUSTSEC-2026-0042\"", "id = \"RUSTSEC-26-42\""),
        &[("error", "invalid-id", Some(3))],
    );
}

#[test]
fn the_report_id_must_match() {
    assert_eq!(found(&check_report_draft(ADVISORY, RUSTSEC_ID)), []);
    let check = check_report_draft(ADVISORY, "RUSTSEC-2026-0007");
    assert_eq!(found(&check), [("error", "id-mismatch", Some(3))]);
    assert_eq!(
        check.errors().map(|d| d.message.as_str()).collect::<Vec<_>>(),
        ["the draft's id `RUSTSEC-2026-0042` is not the report's RustSec id `RUSTSEC-2026-0007`"]
    );
    // A draft that does not parse has no id to compare; its own errors say enough.
    assert_eq!(found(&check_report_draft("nothing", RUSTSEC_ID)), [("error", "missing-front-matter", Some(1))]);
}

#[test]
fn the_template_passes_as_it_is() {
    let id: RustsecId = RUSTSEC_ID.parse().unwrap();
    let date: jiff::civil::Date = "2026-12-02".parse().unwrap();
    let text = draft_template(id, "demo-parser", "Panic on\n truncated   input", date);
    let check = check_report_draft(&text, RUSTSEC_ID);
    assert_eq!(found(&check), [], "{text}");
    assert_eq!(check.package.as_deref(), Some("demo-parser"));
    assert_eq!(check.title.as_deref(), Some("Panic on truncated input"));
    let advisory = parse_advisory(&text, Collection::Crates).advisory.unwrap();
    assert_eq!(advisory.date.to_string(), "2026-12-02");
    assert!(advisory.description.contains("## Credit"));

    let untitled = draft_template(id, "demo-parser", "  ", date);
    assert_eq!(check_draft(&untitled).title.as_deref(), Some("Vulnerability in demo-parser"));
}

/// Filling in the template's commented fields keeps it valid, and the result is a full advisory.
#[test]
fn the_template_filled_in() {
    let id: RustsecId = RUSTSEC_ID.parse().unwrap();
    let text = draft_template(id, "demo-parser", "Panic on truncated input", "2026-12-02".parse().unwrap())
        .replace("# url = \"\"", "url = \"https://example.invalid/demo-parser/security/1\"")
        .replace("categories = []", "categories = [\"denial-of-service\"]")
        .replace("aliases = []", "aliases = [\"CVE-2026-41234\"]")
        .replace("# cvss = ", "cvss = ")
        .replace("patched = []", "patched = [\">= 1.4.2\"]")
        .replace("# unaffected = []", "unaffected = [\"< 1.0.0\"]");
    let check = check_report_draft(&text, RUSTSEC_ID);
    assert_eq!(found(&check), [], "{text}");
    assert_eq!(check.cvss.map(|c| (c.score, c.severity)), Some((9.8, Severity::Critical)));
    let advisory = parse_advisory(&text, Collection::Crates).advisory.unwrap();
    assert_eq!(advisory.aliases, ["CVE-2026-41234"]);
    assert!(advisory.versions.is_affected(&"1.4.1".parse().unwrap()));
    assert!(!advisory.versions.is_affected(&"1.4.2".parse().unwrap()));
    assert!(!advisory.versions.is_affected(&"0.9.0".parse().unwrap()));
}

/// Strings are escaped into the TOML, so an odd crate name is reported, not a syntax error.
#[test]
fn the_template_escapes_its_strings() {
    let id: RustsecId = RUSTSEC_ID.parse().unwrap();
    let text = draft_template(id, "bad\"name", "Title", "2026-12-02".parse().unwrap());
    let check = check_draft(&text);
    assert_eq!(found(&check), [("error", "invalid-package", Some(4))]);
    assert!(check.diagnostics.iter().all(|d| d.severity != DiagnosticSeverity::Warning));
}
