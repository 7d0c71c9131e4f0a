//! Exports the real database (a git clone) and compares every record with RustSec's official export of
//! the same snapshot, field by field, then validates every record against the OSV JSON Schema.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use cratewatch_osv::{ExportReport, export};
use cratewatch_testdata::{advisory_db, osv_export, osv_schema, scratch_dir};
use serde_json::Value;

/// Fields that may differ from the official export, with the reason. Empty: every field matches. An
/// entry that no longer matches anything fails the test too, so the list cannot go stale.
const ALLOWED_DIFFERENCES: &[(&str, &str)] = &[];

/// The one official record without a source advisory: the export branch kept it after the advisory was
/// removed from the database.
const OFFICIAL_ONLY: &[&str] = &["RUSTSEC-2025-0000"];

/// Our export of the real database, made once for all the tests of this file.
fn our_export() -> &'static (ExportReport, PathBuf) {
    static EXPORT: OnceLock<(ExportReport, PathBuf)> = OnceLock::new();
    EXPORT.get_or_init(|| {
        let out = scratch_dir("osv-export-real");
        let report = export(&advisory_db(), &out).expect("export the real database");
        (report, out)
    })
}

/// `ID -> (file text, parsed JSON)` for every `*.json` in `dir`.
fn records(dir: &Path) -> BTreeMap<String, (String, Value)> {
    let mut records = BTreeMap::new();
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let Some(id) = path.file_name().unwrap().to_str().unwrap().strip_suffix(".json") else { continue };
        let text = fs::read_to_string(&path).unwrap();
        let json: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert_eq!(json["id"], id, "{} holds another id", path.display());
        records.insert(id.to_owned(), (text, json));
    }
    records
}

/// The fields in which two records differ: top-level keys, and the keys of the single `affected` entry
/// as `affected.<key>`, so a mismatch names the part of the record at fault.
fn differing_fields(ours: &Value, official: &Value) -> Vec<String> {
    let (Value::Object(ours), Value::Object(official)) = (ours, official) else { return vec!["(record)".into()] };
    let mut keys: Vec<&String> = ours.keys().chain(official.keys()).collect();
    keys.sort();
    keys.dedup();
    let mut fields = Vec::new();
    for key in keys {
        let (a, b) = (ours.get(key), official.get(key));
        if a == b {
            continue;
        }
        match (a, b) {
            (Some(Value::Array(a)), Some(Value::Array(b))) if key == "affected" && a.len() == 1 && b.len() == 1 => {
                for sub in differing_fields(&a[0], &b[0]) {
                    fields.push(format!("affected.{sub}"));
                }
            }
            _ => fields.push(key.clone()),
        }
    }
    fields
}

#[test]
fn every_record_equals_rustsecs_official_export_field_by_field() {
    let (report, out) = our_export();
    assert!(report.dates_from_git, "the shared database is a git clone");
    assert_eq!(report.written, 1205);
    assert_eq!(report.skipped_toolchain.len(), 20, "the rust/ collection has no OSV ecosystem");
    assert!(report.uncommitted.is_empty(), "{:?}", report.uncommitted);
    assert!(report.stale.is_empty(), "{:?}", report.stale);
    // Warnings (such as URLs in `related`) leave the advisory loaded; an error would drop it.
    let errors: Vec<_> = report.diagnostics.iter().filter(|d| d.diagnostic.severity.as_str() == "error").collect();
    assert!(errors.is_empty(), "{errors:#?}");

    let ours = records(&out.join("crates"));
    let official = records(&osv_export().join("crates"));
    let official_only: Vec<&str> = official.keys().filter(|id| !ours.contains_key(*id)).map(String::as_str).collect();
    let ours_only: Vec<&str> = ours.keys().filter(|id| !official.contains_key(*id)).map(String::as_str).collect();
    println!("official only (stale): {official_only:?}");
    assert_eq!(official_only, OFFICIAL_ONLY);
    assert!(ours_only.is_empty(), "records the official export does not have: {ours_only:?}");

    let mut mismatches: BTreeMap<String, (usize, String)> = BTreeMap::new();
    let (mut equal, mut identical_bytes) = (0, 0);
    for (id, (text, json)) in &ours {
        let (official_text, official_json) = &official[id];
        let fields = differing_fields(json, official_json);
        equal += usize::from(fields.is_empty());
        identical_bytes += usize::from(text == official_text);
        for field in fields {
            mismatches.entry(field).or_insert_with(|| (0, id.clone())).0 += 1;
        }
    }
    println!("{equal} of {} records equal as JSON, {identical_bytes} byte for byte", ours.len());
    for (field, (count, example)) in &mismatches {
        println!("  {field}: {count} mismatches (first: {example})");
    }
    let unexplained: Vec<&String> =
        mismatches.keys().filter(|f| !ALLOWED_DIFFERENCES.iter().any(|(allowed, _)| allowed == f)).collect();
    assert!(unexplained.is_empty(), "fields that differ from the official export: {unexplained:?}");
    let unused: Vec<&str> =
        ALLOWED_DIFFERENCES.iter().map(|(f, _)| *f).filter(|f| !mismatches.contains_key(*f)).collect();
    assert!(unused.is_empty(), "allowed differences that no longer occur: {unused:?}");
    assert_eq!(equal, 1205);
    // Same field order and pretty-printing: a registry or mirror can diff our files with theirs.
    assert_eq!(identical_bytes, 1205);
}

fn schema_validator() -> jsonschema::Validator {
    let schema: Value = serde_json::from_str(&fs::read_to_string(osv_schema()).unwrap()).unwrap();
    jsonschema::options().should_validate_formats(true).build(&schema).expect("the OSV schema compiles")
}

#[test]
fn every_exported_record_validates_against_the_osv_schema() {
    let validator = schema_validator();
    let (_, out) = our_export();
    let ours = records(&out.join("crates"));
    assert_eq!(ours.len(), 1205);
    let mut invalid = Vec::new();
    for (id, (_, json)) in &ours {
        let errors: Vec<String> =
            validator.iter_errors(json).map(|e| format!("{e} at {}", e.instance_path())).collect();
        if !errors.is_empty() {
            invalid.push(format!("{id}: {}", errors.join("; ")));
        }
    }
    assert!(invalid.is_empty(), "{} invalid records:\n{}", invalid.len(), invalid.join("\n"));
}

/// One way to break a valid record.
type Damage = fn(&mut Value);

/// Guards the schema test itself: a validator that accepted everything would make it pass vacuously.
#[test]
fn the_schema_rejects_damaged_records() {
    let validator = schema_validator();
    let (_, out) = our_export();
    let text = fs::read_to_string(out.join("crates/RUSTSEC-2016-0001.json")).unwrap();
    let good: Value = serde_json::from_str(&text).unwrap();
    assert!(validator.is_valid(&good));
    let damage: [(&str, Damage); 4] = [
        ("no id", |r| drop(r.as_object_mut().unwrap().remove("id"))),
        ("date without time", |r| r["modified"] = "2023-06-13".into()),
        ("unknown severity type", |r| r["severity"][0]["type"] = "CVSS_V9".into()),
        ("unknown range type", |r| r["affected"][0]["ranges"][0]["type"] = "NUMBERS".into()),
    ];
    for (what, damage) in damage {
        let mut bad = good.clone();
        damage(&mut bad);
        assert!(!validator.is_valid(&bad), "the schema accepted a record with {what}");
    }
}

#[test]
fn a_plain_directory_exports_with_modified_equal_to_published_and_lists_stale_files() {
    let dir = scratch_dir("osv-export-plain");
    let db = dir.join("db");
    for rel in ["crates/openssl", "rust/std"] {
        fs::create_dir_all(db.join(rel)).unwrap();
    }
    for rel in ["crates/openssl/RUSTSEC-2016-0001.md", "rust/std/CVE-2015-20001.md"] {
        fs::copy(advisory_db().join(rel), db.join(rel)).unwrap();
    }
    let out = dir.join("out");
    fs::create_dir_all(out.join("crates")).unwrap();
    fs::write(out.join("crates/RUSTSEC-2025-0000.json"), "{}").unwrap();

    let report = export(&db, &out).unwrap();
    assert!(!report.dates_from_git);
    assert_eq!(report.written, 1);
    assert_eq!(report.skipped_toolchain, ["CVE-2015-20001"]);
    assert_eq!(report.stale, [out.join("crates/RUSTSEC-2025-0000.json")]);
    assert!(out.join("crates/RUSTSEC-2025-0000.json").exists(), "the export deletes nothing it did not write");

    let record: Value =
        serde_json::from_str(&fs::read_to_string(out.join("crates/RUSTSEC-2016-0001.json")).unwrap()).unwrap();
    assert_eq!(record["published"], "2016-11-05T12:00:00Z");
    assert_eq!(record["modified"], record["published"]);
    // Everything but `modified` is the official record.
    let mut official: Value =
        serde_json::from_str(&fs::read_to_string(osv_export().join("crates/RUSTSEC-2016-0001.json")).unwrap()).unwrap();
    official["modified"] = record["modified"].clone();
    assert_eq!(record, official);
}
