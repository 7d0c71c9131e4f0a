//! The advisory domain tested through its features: version matching checked against the official
//! `rustsec` crate on real data, and the parser's diagnostics on small advisories written here.

use std::collections::{BTreeSet, HashMap};
use std::fs;
use std::path::PathBuf;

use cratewatch_advisory::semver::{Prerelease, Version, VersionReq};
use cratewatch_advisory::{Advisory, Collection, CvssVersion, ParsedAdvisory, Severity, parse_advisory};
use cratewatch_db::Database;
use cratewatch_index::IndexDir;
use cratewatch_testdata::{advisory_db, crates_index_2020};

mod lint;
mod mutations;
mod osv_import;

// ---------------------------------------------------------------------------------------------------
// Version matching: our `Versions::is_affected` against rustsec's `Versions::is_vulnerable`.
// ---------------------------------------------------------------------------------------------------

/// Every advisory file of the `crates` collection, parsed by rustsec, beside ours with the same id.
struct Pairs {
    pairs: Vec<(Advisory, rustsec::Advisory)>,
    /// Advisory ids that only one of the two parsers accepts: `(id, who accepts it, why the other does not)`.
    only_one: Vec<(String, &'static str, String)>,
}

fn advisory_pairs() -> Pairs {
    let db = Database::load(&advisory_db()).unwrap();
    let mut ours: HashMap<String, Advisory> = db
        .advisories()
        .iter()
        .filter(|a| a.collection == Collection::Crates)
        .map(|a| (a.id.to_string(), a.clone()))
        .collect();
    let mut files: Vec<PathBuf> = fs::read_dir(advisory_db().join("crates"))
        .unwrap()
        .map(|dir| dir.unwrap().path())
        .filter(|dir| dir.is_dir())
        .flat_map(|dir| fs::read_dir(dir).unwrap().map(|f| f.unwrap().path()))
        .filter(|f| f.extension().is_some_and(|e| e == "md"))
        .collect();
    files.sort();

    let mut pairs = Vec::new();
    let mut only_one = Vec::new();
    for file in files {
        let id = file.file_stem().unwrap().to_string_lossy().into_owned();
        match (ours.remove(&id), rustsec::Advisory::load_file(&file)) {
            (Some(ours), Ok(theirs)) => {
                assert_eq!(theirs.id().as_str(), ours.id.as_str());
                pairs.push((ours, theirs));
            }
            (Some(_), Err(e)) => only_one.push((id, "cratewatch", e.to_string())),
            (None, Ok(_)) => {
                let why =
                    db.diagnostics().iter().filter(|d| d.path.contains(&id)).map(|d| d.diagnostic.message.clone());
                let why = why.collect::<Vec<_>>().join("; ");
                only_one.push((id, "rustsec", why));
            }
            (None, Err(_)) => {}
        }
    }
    assert!(ours.is_empty(), "advisories loaded from unexpected files: {:?}", ours.keys());
    Pairs { pairs, only_one }
}

/// Where the two implementations disagree about one version.
#[derive(Debug)]
#[expect(dead_code, reason = "the fields are read through `Debug` when the test fails")]
struct Disagreement {
    advisory: String,
    version: Version,
    ours: bool,
    rustsec: bool,
}

fn compare(pair: &(Advisory, rustsec::Advisory), version: &Version, out: &mut Vec<Disagreement>) {
    let (ours, theirs) = pair;
    let (a, b) = (ours.versions.is_affected(version), theirs.versions.is_vulnerable(version));
    if a != b {
        out.push(Disagreement { advisory: ours.id.to_string(), version: version.clone(), ours: a, rustsec: b });
    }
}

/// For every advisory about a crate of the 2020 registry index, every version the index lists (yanked and
/// pre-release ones included) must be judged alike by both implementations.
#[test]
fn version_matching_agrees_with_rustsec_on_every_published_version() {
    let Pairs { pairs, only_one } = advisory_pairs();
    assert!(pairs.len() > 1000, "{}", pairs.len());
    // Both parsers accept the same advisories.
    assert_eq!(only_one, vec![]);

    let index = IndexDir::open(&crates_index_2020()).unwrap();
    let mut disagreements = Vec::new();
    let (mut comparisons, mut advisories, mut affected, mut pre_releases) = (0, 0, 0, 0);
    for pair in &pairs {
        let Some(krate) = index.crate_versions(&pair.0.package).unwrap() else { continue };
        advisories += 1;
        for v in &krate.versions {
            comparisons += 1;
            affected += usize::from(pair.0.versions.is_affected(&v.version));
            pre_releases += usize::from(!v.version.pre.is_empty());
            compare(pair, &v.version, &mut disagreements);
        }
    }
    println!(
        "{comparisons} versions compared over {advisories} advisories: {affected} affected, {pre_releases} pre-releases"
    );
    assert!(disagreements.is_empty(), "{} disagreements: {disagreements:#?}", disagreements.len());
    // The 2020 snapshot holds about 19,500 (advisory, version) pairs: the test must not pass vacuously.
    assert!(advisories > 800, "only {advisories} advisories are about crates of the index");
    assert!(comparisons > 15_000, "only {comparisons} comparisons");
    assert!(affected > 10_000 && comparisons - affected > 3_000, "{affected} of {comparisons} affected");
    assert!(pre_releases > 500, "only {pre_releases} pre-releases");
}

/// Versions at and around every bound that the advisories write, pre-releases and build metadata included,
/// where an off-by-one in either implementation would show.
#[test]
fn version_matching_agrees_with_rustsec_around_every_bound() {
    let Pairs { pairs, .. } = advisory_pairs();
    let mut disagreements = Vec::new();
    let mut comparisons = 0;
    for pair in &pairs {
        let versions = &pair.0.versions;
        let bounds: BTreeSet<Version> = versions
            .patched()
            .iter()
            .chain(versions.unaffected())
            .flat_map(|req: &VersionReq| &req.comparators)
            .flat_map(|c| {
                let (minor, patch) = (c.minor.unwrap_or(0), c.patch.unwrap_or(0));
                [
                    Version { pre: c.pre.clone(), ..Version::new(c.major, minor, patch) },
                    Version::new(c.major, minor, patch),
                    Version::new(c.major, minor, patch + 1),
                    Version::new(c.major, minor + 1, 0),
                    Version::new(c.major + 1, 0, 0),
                ]
            })
            .flat_map(|v| {
                let with_pre = |pre: &str| Version { pre: Prerelease::new(pre).unwrap(), ..v.clone() };
                let previous_patch = v.patch.checked_sub(1).map(|p| Version { patch: p, ..v.clone() });
                [Some(with_pre("0")), Some(with_pre("alpha.1")), Some(with_pre("rc.1.0")), previous_patch, Some(v)]
            })
            .flatten()
            .flat_map(|v| [Version { build: "build.7".parse().unwrap(), ..v.clone() }, v])
            .collect();
        for v in bounds.iter().chain([&Version::new(0, 0, 0), &Version::parse("0.0.0-0").unwrap()]) {
            comparisons += 1;
            compare(pair, v, &mut disagreements);
        }
    }
    println!("{comparisons} boundary versions compared");
    assert!(disagreements.is_empty(), "{} disagreements: {disagreements:#?}", disagreements.len());
    assert!(comparisons > 20_000, "only {comparisons} comparisons");
}

// ---------------------------------------------------------------------------------------------------
// Parsing: each case is an advisory file and the diagnostics it must produce.
// ---------------------------------------------------------------------------------------------------

/// The front matter of a minimal valid advisory. In the file it starts on line 2, so `date` is on line 5
/// and `patched` on line 8.
const MINIMAL: &str = r#"[advisory]
id = "RUSTSEC-2020-0001"
package = "demo"
date = "2020-01-01"

[versions]
patched = [">= 1.2.0"]
"#;

/// An advisory file with the given front matter, a title and a description.
fn file(front_matter: &str) -> String {
    format!("```toml\n{front_matter}```\n\n# Demo is broken\n\nIt really is.\n")
}

/// `MINIMAL` with `from` replaced by `to`; panics when `from` is not in it.
fn edited(from: &str, to: &str) -> String {
    assert!(MINIMAL.contains(from), "{from:?}");
    file(&MINIMAL.replacen(from, to, 1))
}

/// Parses `text` and checks its diagnostics, each written `severity code@line` (or `severity code` when the
/// diagnostic has no line), in order. The advisory must load exactly when no diagnostic is an error.
#[track_caller]
fn check(text: &str, expected: &[&str]) -> ParsedAdvisory {
    let parsed = parse_advisory(text, Collection::Crates);
    let found: Vec<String> = parsed
        .diagnostics
        .iter()
        .map(|d| match d.line {
            Some(line) => format!("{} {}@{line}", d.severity.as_str(), d.code),
            None => format!("{} {}", d.severity.as_str(), d.code),
        })
        .collect();
    assert_eq!(found, expected, "{:#?}", parsed.diagnostics);
    let errors = expected.iter().any(|e| e.starts_with("error"));
    assert_eq!(parsed.advisory.is_some(), !errors, "{:#?}", parsed.diagnostics);
    for d in &parsed.diagnostics {
        // Messages are lowercase sentences without a final period; they may start with an acronym (CVSS).
        let first_word = d.message.split(' ').next().unwrap_or_default();
        let capitalised = first_word.starts_with(char::is_uppercase) && first_word.chars().any(char::is_lowercase);
        assert!(!capitalised && !d.message.ends_with('.'), "{d:?}");
    }
    parsed
}

#[test]
fn a_minimal_advisory_loads() {
    let advisory = check(&file(MINIMAL), &[]).advisory.unwrap();
    assert_eq!((advisory.id.as_str(), advisory.package.as_str()), ("RUSTSEC-2020-0001", "demo"));
    assert_eq!((advisory.title.as_str(), advisory.description.as_str()), ("Demo is broken", "It really is."));
    assert_eq!(advisory.date.to_string(), "2020-01-01");
    assert!(advisory.versions.is_affected(&Version::new(1, 1, 9)));
    assert!(advisory.versions.is_affected(&Version::parse("1.2.0-rc.1").unwrap()));
    assert!(!advisory.versions.is_affected(&Version::new(1, 2, 0)));
    assert_eq!((advisory.cvss, advisory.affected, advisory.informational), (None, None, None));
}

#[test]
fn crlf_line_endings_load_the_same_advisory() {
    // Files edited on Windows, and text from a browser's text area, end lines with CR LF.
    let unix = check(&file(MINIMAL), &[]).advisory.unwrap();
    let windows = check(&file(MINIMAL).replace('\n', "\r\n"), &[]).advisory.unwrap();
    assert_eq!(windows, unix);
}

#[test]
fn the_file_must_start_with_toml_front_matter() {
    check("# Demo is broken\n\nIt really is.\n", &["error missing-front-matter@1"]);
    check(&format!("\n{}", file(MINIMAL)), &["error missing-front-matter@1"]);
}

#[test]
fn unterminated_front_matter() {
    check(&format!("```toml\n{MINIMAL}\n# Demo is broken\n\nIt really is.\n"), &["error unterminated-front-matter@1"]);
}

#[test]
fn the_title_follows_the_front_matter() {
    // The closing fence is on line 9; the title is expected on the line after it.
    check(&format!("```toml\n{MINIMAL}```\n\nIt really is.\n"), &["error missing-title@10"]);
    check(&format!("```toml\n{MINIMAL}```\n\n# Demo is broken"), &["error missing-description@10"]);
}

#[test]
fn toml_syntax_errors_point_at_the_line_in_the_file() {
    check(&edited(r#"date = "2020-01-01""#, r#"date = "2020-01-01"#), &["error toml-syntax@5"]);
    check(&edited(r#"patched = [">= 1.2.0"]"#, r#"patched = [">= 1.2.0" oops]"#), &["error toml-syntax@8"]);
    check(&edited("[versions]", "[versions"), &["error toml-syntax@7"]);
}

#[test]
fn mandatory_tables_and_fields() {
    check(&edited("\n[versions]\npatched = [\">= 1.2.0\"]\n", ""), &["error missing-field@1"]);
    check(&edited("patched = [\">= 1.2.0\"]\n", ""), &["error missing-field"]);
    check(&edited("package = \"demo\"\n", ""), &["error missing-field"]);
    check(&edited("id = \"RUSTSEC-2020-0001\"\n", ""), &["error missing-field"]);
    check(&edited("date = \"2020-01-01\"\n", ""), &["error missing-field"]);
    check(&edited(r#"package = "demo""#, "package = 7"), &["error wrong-type@4"]);
}

#[test]
fn patched_may_be_empty_and_then_every_version_is_affected() {
    let advisory = check(&edited(r#"[">= 1.2.0"]"#, "[]"), &[]).advisory.unwrap();
    assert!(advisory.versions.is_affected(&Version::new(99, 0, 0)));
}

#[test]
fn bad_dates() {
    check(&edited("2020-01-01", "2020-13-01"), &["error invalid-date@5"]);
    check(&edited("2020-01-01", "2021-02-29"), &["error invalid-date@5"]);
    check(&edited("2020-01-01", "01/01/2020"), &["error invalid-date@5"]);
    // `rustsec` reads dates as strings only, and years from 2000 to 2100.
    check(&edited("2020-01-01", "1999-12-31"), &["error invalid-date@5"]);
    check(&edited("2020-01-01", "2101-01-01"), &["error invalid-date@5"]);
    let withdrawn = edited("date = \"2020-01-01\"", "date = \"2020-01-01\"\nwithdrawn = \"1970-01-01\"");
    check(&withdrawn, &["error invalid-date@6"]);
}

#[test]
fn a_bare_toml_date_is_an_error_as_in_rustsec() {
    let parsed = check(&edited(r#""2020-01-01""#, "2020-01-01"), &["error wrong-type@5"]);
    assert!(parsed.diagnostics[0].message.contains(r#"write `date = "2020-01-01"`"#), "{:?}", parsed.diagnostics);
    let withdrawn = edited("date = \"2020-01-01\"", "date = \"2020-01-01\"\nwithdrawn = 2021-02-03");
    check(&withdrawn, &["error wrong-type@6"]);
    // rustsec agrees: it refuses the file (so cargo-audit stops).
    assert!(edited(r#""2020-01-01""#, "2020-01-01").parse::<rustsec::Advisory>().is_err());
}

#[test]
fn bad_version_requirements() {
    check(&edited(">= 1.2.0", ">= 1.2.0 x"), &["error invalid-version-req@8"]);
    check(&edited(">= 1.2.0", "1.2.*, >= 1.0"), &["error invalid-versions@8"]);
    check(&edited(">= 1.2.0", ">= 1.0, >= 1.2"), &["error invalid-versions@8"]);
    check(&edited(">= 1.2.0", ">= 2.0, < 1.0"), &["error invalid-versions@8"]);
}

#[test]
fn patched_and_unaffected_must_not_overlap() {
    let text = edited(r#"patched = [">= 1.2.0"]"#, "patched = [\">= 1.2.0\"]\nunaffected = [\"< 1.5.0\"]");
    check(&text, &["error invalid-versions@8"]);
    let text = edited(r#"patched = [">= 1.2.0"]"#, "patched = [\">= 1.2.0\"]\nunaffected = [\"< 1.2.0\"]");
    let advisory = check(&text, &[]).advisory.unwrap();
    assert!(!advisory.versions.is_affected(&Version::new(1, 1, 0)));
}

#[test]
fn affected_platforms_must_be_known() {
    let affected = |table: &str| file(&format!("{MINIMAL}\n[affected]\n{table}\n"));
    // `[affected]` is on line 10 of the file, its first key on line 11.
    check(&affected(r#"os = ["plan10"]"#), &["error unknown-os@11"]);
    check(&affected(r#"arch = ["z80"]"#), &["error unknown-arch@11"]);
    let advisory = check(&affected("os = [\"windows\"]\narch = [\"x86_64\"]"), &[]).advisory.unwrap();
    let affected = advisory.affected.unwrap();
    assert_eq!((affected.os, affected.arch), (vec!["windows".to_owned()], vec!["x86_64".to_owned()]));
}

#[test]
fn unknown_fields_are_warnings_and_the_advisory_loads() {
    let parsed = check(&edited("date = ", "colour = \"red\"\ndate = "), &["warning unknown-field@5"]);
    assert!(parsed.diagnostics[0].message.contains("advisory.colour"), "{:?}", parsed.diagnostics);
    check(&edited("[versions]", "[extra]\nkey = 1\n\n[versions]"), &["warning unknown-field@7"]);
    check(&edited("[versions]\n", "[versions]\nfixed = []\n"), &["warning unknown-field@8"]);
}

#[test]
fn invalid_cvss_vectors() {
    let cvss = |vector: &str| edited("date = ", &format!("cvss = \"{vector}\"\ndate = "));
    check(&cvss("CVSS:3.1/AV:X"), &["error invalid-cvss@5"]);
    check(&cvss("CVSS:5.0/AV:N/AC:L"), &["error invalid-cvss@5"]);
    check(&cvss("AV:N/AC:L/Au:N/C:P/I:P/A:Q"), &["error invalid-cvss@5"]);
    check(&cvss("AV:N/AC:L/Au:N"), &["error invalid-cvss@5"]);
}

#[test]
fn cvss_vectors_of_every_version_are_parsed_and_scored() {
    for (vector, version, score, severity) in [
        ("AV:N/AC:L/Au:N/C:P/I:P/A:P", CvssVersion::V2, 7.5, Severity::High),
        ("CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H", CvssVersion::V30, 7.5, Severity::High),
        ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", CvssVersion::V31, 9.8, Severity::Critical),
        ("CVSS:3.1/AV:L/AC:H/PR:H/UI:R/S:U/C:N/I:N/A:L", CvssVersion::V31, 1.8, Severity::Low),
        ("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N", CvssVersion::V40, 9.3, Severity::Critical),
    ] {
        let text = edited("date = ", &format!("cvss = \"{vector}\"\ndate = "));
        let cvss = check(&text, &[]).advisory.unwrap().cvss.unwrap();
        assert_eq!((cvss.vector(), cvss.version(), cvss.score(), cvss.severity()), (vector, version, score, severity));
    }
}

#[test]
fn every_error_of_a_file_is_reported_at_once() {
    let text = edited("2020-01-01", "2020-13-01").replace(">= 1.2.0", ">= 1.2.0 x").replace("\"demo\"", "\"de mo\"");
    check(&text, &["error invalid-package@4", "error invalid-date@5", "error invalid-version-req@8"]);
}
