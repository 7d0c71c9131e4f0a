//! `cratewatch osv export` as a process: the files it writes are byte for byte RustSec's official
//! export of the same snapshot (the mapping itself is tested field by field in `cratewatch-osv`).

use std::collections::BTreeSet;
use std::fs;

use cratewatch_testdata::{advisory_db, osv_export, scratch_dir};

use crate::cratewatch;

#[test]
fn export_writes_the_official_records() {
    let out = scratch_dir("cli-osv-export");
    let db = advisory_db();
    let run = cratewatch(&["osv", "export", "--db", db.to_str().unwrap(), "--out", out.to_str().unwrap()]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stderr.contains("wrote 1205 OSV records"), "{}", run.stderr);
    assert!(run.stderr.contains("modified dates from git"), "{}", run.stderr);

    let names = |dir: &std::path::Path| -> BTreeSet<String> {
        fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect()
    };
    let ours = names(&out.join("crates"));
    let official = names(&osv_export().join("crates"));
    let only_official: Vec<&String> = official.difference(&ours).collect();
    assert_eq!(only_official, ["RUSTSEC-2025-0000.json"], "the official export's one stale record");
    assert!(ours.is_subset(&official));
    for name in &ours {
        let a = fs::read(out.join("crates").join(name)).unwrap();
        let b = fs::read(osv_export().join("crates").join(name)).unwrap();
        assert!(a == b, "{name} differs from the official record");
    }
}

#[test]
fn export_to_an_unwritable_place_is_a_clear_error() {
    let file = scratch_dir("cli-osv-blocked").join("a-file");
    fs::write(&file, "not a directory").unwrap();
    let run = cratewatch(&["osv", "export", "--out", file.to_str().unwrap()]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.starts_with("error: cannot export"), "{}", run.stderr);
    assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
}
