//! Importing OSV records: RustSec's official OSV export imported back must give the advisories of the
//! RustSec database it was made from, and damaged or unusual copies of its records give the errors and
//! the version semantics that the OSV specification says they should.

use std::collections::{BTreeSet, HashMap};
use std::fs;

use cratewatch_advisory::semver::{Prerelease, Version, VersionReq};
use cratewatch_advisory::{Advisory, Collection, OsvError, Versions, parse_osv_record};
use cratewatch_db::Database;
use cratewatch_index::IndexDir;
use cratewatch_testdata::{advisory_db, crates_index_2020, osv_export};
use serde_json::{Value, json};

/// The one official record without a source advisory: the export branch kept it after the advisory was
/// removed from the database.
const OFFICIAL_ONLY: &[&str] = &["RUSTSEC-2025-0000"];

/// `(id, JSON text)` of every record of the official export, sorted by id.
fn official_records() -> Vec<(String, String)> {
    let mut records: Vec<(String, String)> = fs::read_dir(osv_export().join("crates"))
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|e| e == "json"))
        .map(|path| {
            let id = path.file_stem().unwrap().to_string_lossy().into_owned();
            (id, fs::read_to_string(&path).unwrap())
        })
        .collect();
    records.sort();
    records
}

/// The one advisory of a RustSec record.
#[track_caller]
fn import_one(id: &str, text: &str) -> Advisory {
    let mut advisories = parse_osv_record(text).unwrap_or_else(|e| panic!("{id}: {e}"));
    assert_eq!(advisories.len(), 1, "{id}");
    advisories.pop().unwrap()
}

#[test]
fn every_record_of_the_official_export_imports() {
    let records = official_records();
    assert_eq!(records.len(), 1206);
    for (id, text) in &records {
        let advisory = import_one(id, text);
        assert_eq!(advisory.id.as_str(), id);
    }
}

/// Versions at and around every bound of the requirements, where an off-by-one would show.
fn versions_around_bounds(versions: &Versions, out: &mut BTreeSet<Version>) {
    for c in versions.patched().iter().chain(versions.unaffected()).flat_map(|req: &VersionReq| &req.comparators) {
        let (minor, patch) = (c.minor.unwrap_or(0), c.patch.unwrap_or(0));
        for v in [
            Version { pre: c.pre.clone(), ..Version::new(c.major, minor, patch) },
            Version::new(c.major, minor, patch),
            Version::new(c.major, minor, patch + 1),
            Version::new(c.major, minor + 1, 0),
            Version::new(c.major + 1, 0, 0),
        ] {
            if let Some(p) = v.patch.checked_sub(1) {
                out.insert(Version { patch: p, ..v.clone() });
            }
            for pre in ["0", "alpha.1", "rc.1.0"] {
                out.insert(Version { pre: Prerelease::new(pre).unwrap(), ..v.clone() });
            }
            out.insert(Version { build: "build.7".parse().unwrap(), ..v.clone() });
            out.insert(v);
        }
    }
}

#[test]
fn the_official_export_imports_back_as_the_rustsec_database() {
    let db = Database::load(&advisory_db()).unwrap();
    let originals: HashMap<&str, &Advisory> =
        db.advisories().iter().filter(|a| a.collection == Collection::Crates).map(|a| (a.id.as_str(), a)).collect();
    let index = IndexDir::open(&crates_index_2020()).unwrap();

    let mut mismatches: Vec<String> = Vec::new();
    let mut without_source = Vec::new();
    let (mut compared, mut versions_compared, mut in_index) = (0, 0, 0);
    // Fields the export does not carry, counted so the test shows they are real and known.
    let (mut urls, mut keywords, mut expect_deleted, mut function_reqs) = (0, 0, 0, 0);
    for (id, text) in official_records() {
        let Some(original) = originals.get(id.as_str()) else {
            without_source.push(id);
            continue;
        };
        let imported = import_one(&id, &text);
        compared += 1;
        let mut differs = |field: &str, ours: String, theirs: String| {
            if ours != theirs {
                mismatches.push(format!("{id} {field}: imported {ours} != original {theirs}"));
            }
        };
        differs("id", imported.id.to_string(), original.id.to_string());
        differs("package", imported.package.clone(), original.package.clone());
        differs("collection", format!("{:?}", imported.collection), format!("{:?}", original.collection));
        differs("title", imported.title.clone(), original.title.clone());
        differs("description", imported.description.clone(), original.description.clone());
        differs("date", imported.date.to_string(), original.date.to_string());
        differs("withdrawn", format!("{:?}", imported.withdrawn), format!("{:?}", original.withdrawn));
        differs("aliases", format!("{:?}", imported.aliases), format!("{:?}", original.aliases));
        differs("related", format!("{:?}", imported.related), format!("{:?}", original.related));
        differs("categories", format!("{:?}", imported.categories), format!("{:?}", original.categories));
        differs("informational", format!("{:?}", imported.informational), format!("{:?}", original.informational));
        differs("license", format!("{:?}", imported.license), format!("{:?}", original.license));
        differs("source", format!("{:?}", imported.source), format!("{:?}", original.source));
        differs("cvss", format!("{:?}", imported.cvss), format!("{:?}", original.cvss));
        // The export writes `[affected]` as empty lists when the advisory has none.
        let scope = |a: &Advisory| {
            a.affected.as_ref().map_or_else(Default::default, |a| {
                (a.arch.clone(), a.os.clone(), a.functions.keys().cloned().collect::<Vec<_>>())
            })
        };
        differs("affected", format!("{:?}", scope(&imported)), format!("{:?}", scope(original)));

        // The export writes `url` as the first reference, before `references`, with nothing to tell them
        // apart: the URL comes back among the references, and `url` stays empty.
        let written: Vec<String> = original.url.iter().chain(&original.references).cloned().collect();
        differs("references", format!("{:?}", imported.references), format!("{written:?}"));
        assert_eq!(imported.url, None, "{id}");
        urls += usize::from(original.url.is_some());
        // The export drops `keywords` and `expect-deleted`.
        assert!(imported.keywords.is_empty() && !imported.expect_deleted, "{id}");
        keywords += usize::from(!original.keywords.is_empty());
        expect_deleted += usize::from(original.expect_deleted);
        // The export lists affected functions by path only (`scope` compares the paths): the requirements
        // of each function are lost, and the import gives an empty list, "in every affected version".
        if let Some(affected) = &imported.affected {
            assert!(affected.functions.values().all(Vec::is_empty), "{id}");
        }
        let original_function_reqs = original.affected.as_ref().map(|a| &a.functions).into_iter().flatten();
        function_reqs += usize::from(original_function_reqs.into_iter().any(|(_, reqs)| !reqs.is_empty()));

        // The version semantics: the same affected ranges, and the same answer for every published version
        // of the crate in the 2020 index and every version around a bound of either side's requirements.
        // Where two of the original's requirements touch (`>= 0.9.2, < 0.10` and `>= 0.10.0`), its ranges
        // hold an empty one (`>= 0.10.0, < 0.10.0`), which the export writes and the import drops: it
        // affects no version.
        let original_ranges: Vec<_> = original
            .versions
            .affected_ranges()
            .iter()
            .filter(|r| r.introduced.is_none() || r.introduced != r.fixed)
            .collect();
        differs(
            "affected ranges",
            format!("{:?}", imported.versions.affected_ranges().iter().collect::<Vec<_>>()),
            format!("{original_ranges:?}"),
        );
        let mut versions = BTreeSet::from([Version::new(0, 0, 0), Version::parse("0.0.0-0").unwrap()]);
        versions_around_bounds(&original.versions, &mut versions);
        versions_around_bounds(&imported.versions, &mut versions);
        if let Some(krate) = index.crate_versions(&original.package).unwrap() {
            in_index += 1;
            versions.extend(krate.versions.iter().map(|v| v.version.clone()));
        }
        for v in &versions {
            versions_compared += 1;
            let (ours, theirs) = (imported.versions.is_affected(v), original.versions.is_affected(v));
            if ours != theirs {
                mismatches.push(format!("{id} is_affected({v}): imported {ours} != original {theirs}"));
            }
        }
    }
    println!(
        "{compared} records compared, {versions_compared} versions ({in_index} crates in the 2020 index); \
         not carried by the export: {urls} urls, {keywords} keyword lists, {expect_deleted} expect-deleted, \
         {function_reqs} function requirement lists"
    );
    assert!(mismatches.is_empty(), "{} mismatches:\n{}", mismatches.len(), mismatches.join("\n"));
    assert_eq!(without_source, OFFICIAL_ONLY);
    // Every crate advisory of the database has its record.
    assert_eq!(compared, originals.len());
    assert!(compared > 1200, "{compared}");
    assert!(in_index > 800 && versions_compared > 40_000, "{in_index} crates, {versions_compared} versions");
    // The losses above are real: the test would not see a regression in them otherwise.
    assert!(urls > 1000 && keywords > 400 && expect_deleted > 50 && function_reqs > 100);
}

// ---------------------------------------------------------------------------------------------------
// Damaged and unusual records: copies of a real record (smallvec's RUSTSEC-2021-0003) with one change.
// ---------------------------------------------------------------------------------------------------

/// RUSTSEC-2021-0003 as the official export has it: `>= 0.6.3, < 0.6.14` and `>= 1.0.0, < 1.6.1`.
fn smallvec() -> Value {
    let text = fs::read_to_string(osv_export().join("crates/RUSTSEC-2021-0003.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

/// The smallvec record with `edit` applied.
fn edited(edit: impl FnOnce(&mut Value)) -> String {
    let mut record = smallvec();
    edit(&mut record);
    record.to_string()
}

/// The smallvec record with other ranges and affected versions.
fn with_ranges(ranges: Value, versions: Value) -> String {
    edited(|r| {
        r["affected"][0]["ranges"] = ranges;
        r["affected"][0]["versions"] = versions;
    })
}

#[track_caller]
fn check_error(json: &str, location: Option<&str>, message: &str) {
    let error: OsvError = parse_osv_record(json).expect_err("the record must be rejected");
    assert_eq!(error.location.as_deref(), location, "{error}");
    assert!(error.message.contains(message), "{error:?} does not say {message:?}");
    // Messages are lowercase sentences without a final period, like the parser's diagnostics.
    assert!(!error.message.starts_with(char::is_uppercase) && !error.message.ends_with('.'), "{error:?}");
    let shown = error.to_string();
    assert!(shown.starts_with(location.unwrap_or("")) && shown.ends_with(&error.message), "{shown}");
}

/// Imports `json` and checks which versions its single advisory says are affected.
#[track_caller]
fn check_versions(json: &str, affected: &[&str], safe: &[&str]) {
    let advisories = parse_osv_record(json).unwrap();
    assert_eq!(advisories.len(), 1);
    let versions = &advisories[0].versions;
    for v in affected {
        assert!(versions.is_affected(&Version::parse(v).unwrap()), "{v} should be affected: {versions:?}");
    }
    for v in safe {
        assert!(!versions.is_affected(&Version::parse(v).unwrap()), "{v} should be safe: {versions:?}");
    }
}

fn semver(events: Value) -> Value {
    json!([{ "type": "SEMVER", "events": events }])
}

#[test]
fn the_unchanged_record_gives_the_rustsec_advisory() {
    let advisories = parse_osv_record(&smallvec().to_string()).unwrap();
    let [advisory] = &advisories[..] else { panic!("{advisories:?}") };
    assert_eq!((advisory.id.as_str(), advisory.package.as_str()), ("RUSTSEC-2021-0003", "smallvec"));
    assert_eq!(advisory.references, ["https://github.com/servo/rust-smallvec/issues/252"]);
    let reqs = |list: &[VersionReq]| list.iter().map(ToString::to_string).collect::<Vec<_>>();
    assert_eq!(reqs(advisory.versions.patched()), [">=0.6.14, <1.0.0", ">=1.6.1"]);
    assert_eq!(reqs(advisory.versions.unaffected()), ["<0.6.3"]);
    check_versions(
        &smallvec().to_string(),
        &["0.6.3", "0.6.13", "1.0.0", "1.6.1-rc.1"],
        &["0.6.2", "0.6.14", "1.0.0-rc.1", "1.6.1"],
    );
}

#[test]
fn malformed_json() {
    let text = smallvec().to_string();
    check_error(&text[..text.len() / 2], None, "invalid JSON");
    check_error("[]", None, "expected an object, found an array");
}

#[test]
fn the_id_is_required_and_well_formed() {
    check_error(
        &edited(|r| {
            r.as_object_mut().unwrap().remove("id");
        }),
        None,
        "missing the required field `id`",
    );
    check_error(&edited(|r| r["id"] = json!("RUSTSEC-21-3")), Some("id"), "malformed RustSec id");
    check_error(&edited(|r| r["id"] = json!(7)), Some("id"), "expected a string, found a number");
    // GitHub's ids are accepted.
    let ghsa = edited(|r| r["id"] = json!("GHSA-43w2-9j62-hq99"));
    assert_eq!(parse_osv_record(&ghsa).unwrap()[0].id.as_str(), "GHSA-43w2-9j62-hq99");
}

#[test]
fn bad_event_versions_are_located() {
    let at = |event: Value| with_ranges(semver(json!([{"introduced": "0.6.3"}, event])), json!([]));
    check_error(&at(json!({"fixed": "0.6"})), Some("affected[0].ranges[0].events[1].fixed"), "invalid version `0.6`");
    check_error(
        &at(json!({"last_affected": 14})),
        Some("affected[0].ranges[0].events[1].last_affected"),
        "found a number",
    );
    check_error(
        &at(json!({"fixed": "1.0.0", "limit": "2.0.0"})),
        Some("affected[0].ranges[0].events[1]"),
        "exactly one",
    );
    check_error(&at(json!({"patched": "1.0.0"})), Some("affected[0].ranges[0].events[1]"), "unknown event `patched`");
    check_error(
        &with_ranges(semver(json!([{"fixed": "1.0.0"}])), json!([])),
        Some("affected[0].ranges[0].events"),
        "needs an `introduced` event",
    );
    check_error(&with_ranges(json!([]), json!(["1.0"])), Some("affected[0].versions[0]"), "invalid version `1.0`");
}

#[test]
fn range_types() {
    // An unknown range type, even beside a SEMVER range, is an error.
    let pep440 = edited(|r| {
        let ranges = r["affected"][0]["ranges"].as_array_mut().unwrap();
        ranges.push(json!({"type": "PEP440", "events": [{"introduced": "0"}]}));
    });
    check_error(&pep440, Some("affected[0].ranges[1].type"), "unknown range type `PEP440`");
    // GitHub writes ECOSYSTEM ranges with `0` as the lowest version; crates.io's order is SemVer's.
    let ghsa =
        with_ranges(json!([{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "1.6.1"}]}]), json!([]));
    check_versions(&ghsa, &["0.0.0-0", "0.1.0", "1.6.1-rc.1"], &["1.6.1", "2.0.0"]);
    // GIT ranges name commits: skipped beside a SEMVER range, an error alone.
    let git = json!({"type": "GIT", "repo": "https://github.com/servo/rust-smallvec", "events": [{"introduced": "0"}]});
    let with_git = edited(|r| r["affected"][0]["ranges"].as_array_mut().unwrap().push(git.clone()));
    check_versions(&with_git, &["0.6.3", "1.6.0"], &["0.6.2", "1.6.1"]);
    check_error(&with_ranges(json!([git]), json!([])), Some("affected[0]"), "the affected releases are unknown");
}

#[test]
fn events_follow_the_osv_evaluation() {
    // Unsorted events are sorted first.
    let unsorted =
        semver(json!([{"fixed": "1.6.1"}, {"introduced": "1.0.0"}, {"fixed": "0.6.14"}, {"introduced": "0.6.3"}]));
    check_versions(
        &with_ranges(unsorted, json!([])),
        &["0.6.3", "1.0.0", "1.6.0"],
        &["0.6.2", "0.6.14", "0.9.0", "1.6.1"],
    );
    // `last_affected` is inclusive.
    let last = semver(json!([{"introduced": "0"}, {"last_affected": "2.1.214"}]));
    check_versions(&with_ranges(last, json!([])), &["0.0.0", "2.1.214"], &["2.1.215-0", "2.1.215", "3.0.0"]);
    // `limit` keeps the range below it; `*` is infinity.
    let limited = semver(json!([{"introduced": "1.0.0"}, {"limit": "2.0.0"}]));
    check_versions(&with_ranges(limited, json!([])), &["1.0.0", "1.9.9", "2.0.0-rc.1"], &["0.9.0", "2.0.0"]);
    let unlimited = semver(json!([{"introduced": "1.0.0"}, {"limit": "2.0.0"}, {"limit": "*"}]));
    check_versions(&with_ranges(unlimited, json!([])), &["1.0.0", "9.0.0"], &["0.9.0"]);
    // Overlapping ranges are a union.
    let overlapping = json!([
        {"type": "SEMVER", "events": [{"introduced": "1.0.0"}, {"fixed": "1.5.0"}]},
        {"type": "SEMVER", "events": [{"introduced": "1.2.0"}, {"fixed": "2.0.0"}]},
    ]);
    check_versions(&with_ranges(overlapping, json!([])), &["1.0.0", "1.5.0", "1.9.0"], &["0.9.0", "2.0.0"]);
    // Events are sorted before they are evaluated: an introduction written after a lower fix opens a new
    // range from there.
    let backwards =
        semver(json!([{"introduced": "0"}, {"fixed": "1.0.0"}, {"introduced": "3.0.0"}, {"fixed": "2.0.0"}]));
    check_versions(&with_ranges(backwards, json!([])), &["0.5.0", "3.0.0", "9.0.0"], &["1.0.0", "2.5.0"]);
}

#[test]
fn the_lowest_version_written_twice_is_one_introduction() {
    // This sequence hit an `expect` in the import, which aborted `db check` and would have killed the
    // server at its next sync.
    let twice = semver(json!([{"introduced": "0"}, {"introduced": "0.0.0-0"}, {"fixed": "1.0.0"}]));
    check_versions(&with_ranges(twice, json!([])), &["0.0.0-0", "0.0.0", "0.9.9"], &["1.0.0", "1.0.1"]);
    let last = semver(json!([{"introduced": "0.0.0-0"}, {"introduced": "0"}, {"last_affected": "0.0.0-0"}]));
    check_versions(&with_ranges(last, json!([])), &["0.0.0-0"], &["0.0.0-1", "0.0.0", "1.0.0"]);
}

#[test]
fn references_must_be_http_urls() {
    // Refused, as in an advisory file: the pages and APIs show references as links.
    for url in ["javascript:alert(document.domain)", "javascript://%0aalert(1)", "data:text/html,<b>x</b>"] {
        let record = edited(|r| r["references"][2]["url"] = json!(url));
        check_error(&record, Some("references[2].url"), "only http and https URLs are accepted");
    }
    let plain = edited(|r| r["references"][2]["url"] = json!("http://example.org/report"));
    assert!(parse_osv_record(&plain).unwrap()[0].references.contains(&"http://example.org/report".to_owned()));
}

#[test]
fn listed_versions_are_affected_on_their_own() {
    // Only the listed releases, not the versions between them.
    let listed = with_ranges(json!([]), json!(["0.6.5", "0.6.7"]));
    check_versions(&listed, &["0.6.5", "0.6.7"], &["0.6.4", "0.6.6", "0.6.7-rc.1", "0.6.8", "1.0.0"]);
    // Beside ranges, a union.
    let both = with_ranges(semver(json!([{"introduced": "1.0.0"}, {"fixed": "1.6.1"}])), json!(["0.6.5"]));
    check_versions(&both, &["0.6.5", "1.0.0", "1.6.0"], &["0.6.4", "0.6.6", "1.6.1"]);
}

#[test]
fn other_ecosystems_give_no_advisory() {
    let pypi = edited(|r| r["affected"][0]["package"]["ecosystem"] = json!("PyPI"));
    assert_eq!(parse_osv_record(&pypi).unwrap(), vec![]);
    // Not even when the crates.io-specific parts would be wrong.
    let odd = edited(|r| {
        r["affected"][0]["package"]["ecosystem"] = json!("Go");
        r["affected"][0]["ranges"] = json!([{"type": "GIT", "events": [{"introduced": "0"}]}]);
    });
    assert_eq!(parse_osv_record(&odd).unwrap(), vec![]);
}

#[test]
fn two_crates_give_two_advisories() {
    let two = edited(|r| {
        let mut other = r["affected"][0].clone();
        other["package"]["name"] = json!("smallvec-fork");
        other["ranges"] = semver(json!([{"introduced": "0"}, {"fixed": "2.0.0"}]));
        r["affected"].as_array_mut().unwrap().push(other);
    });
    let advisories = parse_osv_record(&two).unwrap();
    let names: Vec<&str> = advisories.iter().map(|a| a.package.as_str()).collect();
    assert_eq!(names, ["smallvec", "smallvec-fork"]);
    assert!(advisories.iter().all(|a| a.id.as_str() == "RUSTSEC-2021-0003"));
    // Each keeps its own versions, and drops only its own crates.io link.
    assert!(!advisories[0].versions.is_affected(&Version::new(1, 7, 0)));
    assert!(advisories[1].versions.is_affected(&Version::new(1, 7, 0)));
    assert_eq!(advisories[1].references[0], "https://crates.io/crates/smallvec");
}

#[test]
fn two_entries_for_one_crate_are_one_advisory() {
    // GitHub's record of the same vulnerability has one entry per branch.
    let split = edited(|r| {
        let mut second = r["affected"][0].clone();
        r["affected"][0]["ranges"] = semver(json!([{"introduced": "0.6.3"}, {"fixed": "0.6.14"}]));
        second["ranges"] = semver(json!([{"introduced": "1.0.0"}, {"fixed": "1.6.1"}]));
        r["affected"].as_array_mut().unwrap().push(second);
    });
    assert_eq!(parse_osv_record(&split).unwrap(), parse_osv_record(&smallvec().to_string()).unwrap());
    // Entries that disagree on anything but the versions cannot be one advisory.
    let disagreeing = edited(|r| {
        let mut second = r["affected"][0].clone();
        second["ecosystem_specific"]["affects"]["os"] = json!(["windows"]);
        r["affected"].as_array_mut().unwrap().push(second);
    });
    check_error(&disagreeing, Some("affected[1]"), "cannot be part of the same advisory");
}

#[test]
fn severity_prefers_the_newest_cvss_version() {
    let v3 = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H";
    let v4 = "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N";
    let severity = |list: Value| edited(|r| r["severity"] = list);
    let both = severity(json!([{"type": "CVSS_V3", "score": v3}, {"type": "CVSS_V4", "score": v4}]));
    assert_eq!(parse_osv_record(&both).unwrap()[0].cvss.as_ref().unwrap().vector(), v4);
    let ubuntu = severity(
        json!([{"type": "Ubuntu", "score": "high"}, {"type": "CVSS_V2", "score": "AV:N/AC:L/Au:N/C:P/I:P/A:P"}]),
    );
    assert_eq!(parse_osv_record(&ubuntu).unwrap()[0].cvss.as_ref().unwrap().score(), 7.5);
    check_error(
        &severity(json!([{"type": "CVSS_V3", "score": "7.5"}])),
        Some("severity[0].score"),
        "invalid CVSS_V3 vector",
    );
    check_error(
        &severity(json!([{"type": "CVSS_V4", "score": v3}])),
        Some("severity[0].score"),
        "is not a CVSS_V4 vector",
    );
}

#[test]
fn titles_dates_and_licences_of_other_producers() {
    // GitHub's records: no summary (some), full timestamps, no licence field (CC-BY-4.0 is GitHub's).
    let ghsa = edited(|r| {
        let record = r.as_object_mut().unwrap();
        record.remove("summary");
        record.remove("database_specific");
        record.insert("id".into(), json!("GHSA-43w2-9j62-hq99"));
        record.insert("details".into(), json!("\n  Buffer overflow in SmallVec::insert_many  \n\nMore.\n"));
        record.insert("published".into(), json!("2021-08-25T20:50:48Z"));
    });
    let advisory = &parse_osv_record(&ghsa).unwrap()[0];
    assert_eq!(advisory.title, "Buffer overflow in SmallVec::insert_many");
    assert_eq!(advisory.description, "Buffer overflow in SmallVec::insert_many  \n\nMore.");
    assert_eq!((advisory.date.to_string(), advisory.license.as_str()), ("2021-08-25".into(), "CC-BY-4.0"));
    check_error(&edited(|r| r["published"] = json!("2021-13-01T00:00:00Z")), Some("published"), "invalid timestamp");
    check_error(&edited(|r| r["withdrawn"] = json!("2021-01-01X")), Some("withdrawn"), "invalid timestamp");
    check_error(
        &edited(|r| r["references"][2]["url"] = json!("issues/252")),
        Some("references[2].url"),
        "absolute URL",
    );
}
