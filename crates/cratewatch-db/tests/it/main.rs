//! Loading the real RustSec database, surviving malformed files, and keeping the compiled cache fresh.

use std::fs;
use std::io::Write;
use std::path::Path;

use cratewatch_advisory::semver::Version;
use cratewatch_db::{CacheStatus, CompiledDb, Database};
use cratewatch_testdata::{advisory_db, advisory_db_copy, scratch_dir};

mod git;
mod layout;
mod sources;

#[test]
fn real_database_loads_every_advisory_without_errors() {
    let db = Database::load(&advisory_db()).unwrap();
    assert_eq!(db.advisories().len(), 1225);
    let errors: Vec<_> = db.diagnostics().iter().filter(|d| d.diagnostic.severity.as_str() == "error").collect();
    assert!(errors.is_empty(), "{errors:#?}");
    assert_eq!(db.advisories().iter().filter(|a| a.collection.as_str() == "rust").count(), 20);
    let bytes = db.for_package("bytes").map(|a| a.id.to_string()).collect::<Vec<_>>();
    assert!(bytes.contains(&"RUSTSEC-2026-0007".to_owned()), "{bytes:?}");
}

#[test]
fn one_malformed_advisory_is_a_diagnostic_and_the_rest_loads() {
    let dir = advisory_db_copy("malformed");
    let victim = dir.join("crates/bytes/RUSTSEC-2026-0007.md");
    let text =
        fs::read_to_string(&victim).unwrap().replace("patched = [\">= 1.11.1\"]", "patched = [\">= 1.11.1\" oops]");
    assert!(text.contains("oops"), "the damage must apply");
    fs::write(&victim, text).unwrap();
    fs::write(dir.join("crates/bytes/notes.txt"), "not an advisory").unwrap();
    fs::create_dir(dir.join("crates/zz-dup")).unwrap();
    fs::copy(dir.join("crates/time/RUSTSEC-2020-0071.md"), dir.join("crates/zz-dup/RUSTSEC-2020-0071.md")).unwrap();

    let db = Database::load(&dir).unwrap();
    assert_eq!(db.advisories().len(), 1224);
    let found: Vec<(String, &str, &str)> = db
        .diagnostics()
        .iter()
        .filter(|d| d.path.starts_with("crates/bytes/") || d.path.starts_with("crates/zz-dup/"))
        .map(|d| (d.path.clone(), d.diagnostic.code.as_str(), d.diagnostic.severity.as_str()))
        .collect();
    assert_eq!(
        found,
        vec![
            ("crates/bytes/RUSTSEC-2026-0007.md".to_owned(), "toml-syntax", "error"),
            ("crates/bytes/notes.txt".to_owned(), "unexpected-file", "warning"),
            ("crates/zz-dup/RUSTSEC-2020-0071.md".to_owned(), "package-mismatch", "warning"),
            ("crates/zz-dup/RUSTSEC-2020-0071.md".to_owned(), "duplicate-id", "error"),
        ]
    );
    let toml_error = db.diagnostics().iter().find(|d| d.diagnostic.code.as_str() == "toml-syntax").unwrap();
    assert!(toml_error.diagnostic.line.is_some_and(|l| l > 1), "{toml_error:?}");
}

#[test]
fn compiled_database_agrees_with_the_full_load() {
    let cache = scratch_dir("compiled-agrees");
    let full = Database::load(&advisory_db()).unwrap();
    let compiled = CompiledDb::open(&advisory_db(), &cache).unwrap();
    assert!(matches!(compiled.status(), CacheStatus::Rebuilt { .. }), "{:?}", compiled.status());
    assert_eq!(compiled.advisory_count(), full.advisories().len());
    let reopened = CompiledDb::open(&advisory_db(), &cache).unwrap();
    for db in [&compiled, &reopened] {
        let mut packages: Vec<&str> = full.advisories().iter().map(|a| a.package.as_str()).collect();
        packages.dedup();
        for package in packages {
            let expected: Vec<_> = full.for_package(package).cloned().collect();
            assert_eq!(db.advisories_for(package).unwrap(), expected, "{package}");
            let versions: Vec<Version> =
                ["0.0.1", "0.1.0", "1.0.0", "1.2.3-rc.1", "2.5.0"].iter().map(|v| v.parse().unwrap()).collect();
            for version in &versions {
                let affecting: Vec<_> = expected.iter().filter(|a| a.versions.is_affected(version)).cloned().collect();
                assert_eq!(db.advisories_affecting(package, version).unwrap(), affecting, "{package} {version}");
            }
            // Several locked versions of one crate: each advisory that affects any of them, once, in the
            // database's order.
            for pair in versions.windows(2) {
                let any: Vec<_> =
                    expected.iter().filter(|a| pair.iter().any(|v| a.versions.is_affected(v))).cloned().collect();
                let asked: Vec<&Version> = pair.iter().collect();
                assert_eq!(db.advisories_affecting_any(package, &asked).unwrap(), any, "{package} {pair:?}");
            }
        }
        assert!(db.advisories_for("no-such-crate").unwrap().is_empty());
    }
}

fn open_status(db: &Path, cache: &Path) -> (CacheStatus, Vec<String>) {
    let compiled = CompiledDb::open(db, cache).unwrap();
    let ids = compiled.advisories_for("bytes").unwrap().iter().map(|a| a.id.to_string()).collect();
    (compiled.status().clone(), ids)
}

#[test]
fn compiled_database_is_never_stale() {
    let db = advisory_db_copy("never-stale");
    let cache = scratch_dir("never-stale-cache");
    assert!(matches!(open_status(&db, &cache).0, CacheStatus::Rebuilt { .. }));
    // Entries changed within two seconds of a build are not trusted; wait that out once.
    std::thread::sleep(std::time::Duration::from_millis(2100));
    let (status, before) = open_status(&db, &cache);
    assert!(matches!(status, CacheStatus::Rebuilt { .. }), "racy build is rebuilt: {status:?}");
    std::thread::sleep(std::time::Duration::from_millis(2100));
    assert_eq!(open_status(&db, &cache).0, CacheStatus::Fresh);

    // An edit in place (same directory entries) is seen.
    let file = db.join("crates/bytes/RUSTSEC-2026-0007.md");
    let text = fs::read_to_string(&file).unwrap();
    fs::write(&file, text.replace("id = \"RUSTSEC-2026-0007\"", "id = \"RUSTSEC-2026-9997\"")).unwrap();
    let (status, after) = open_status(&db, &cache);
    assert!(matches!(status, CacheStatus::Rebuilt { .. }));
    assert!(after.contains(&"RUSTSEC-2026-9997".to_owned()) && !after.contains(&"RUSTSEC-2026-0007".to_owned()));
    assert_eq!(before.len(), after.len());

    // A new advisory in an existing directory, and its removal.
    fs::write(db.join("crates/bytes/RUSTSEC-2026-9998.md"), text.replace("RUSTSEC-2026-0007", "RUSTSEC-2026-9998"))
        .unwrap();
    assert_eq!(open_status(&db, &cache).1.len(), before.len() + 1);
    fs::remove_file(db.join("crates/bytes/RUSTSEC-2026-9998.md")).unwrap();
    assert_eq!(open_status(&db, &cache).1.len(), before.len());

    // A new crate directory.
    fs::create_dir(db.join("crates/brand-new")).unwrap();
    fs::write(
        db.join("crates/brand-new/RUSTSEC-2026-9999.md"),
        text.replace("RUSTSEC-2026-0007", "RUSTSEC-2026-9999")
            .replace("package = \"bytes\"", "package = \"brand-new\""),
    )
    .unwrap();
    let compiled = CompiledDb::open(&db, &cache).unwrap();
    assert_eq!(compiled.advisories_for("brand-new").unwrap().len(), 1);

    // A damaged cache file is rebuilt, not trusted.
    for entry in fs::read_dir(&cache).unwrap() {
        let path = entry.unwrap().path();
        let mut bytes = fs::read(&path).unwrap();
        let len = bytes.len();
        bytes.truncate(len / 2);
        fs::write(&path, bytes).unwrap();
    }
    assert!(matches!(open_status(&db, &cache).0, CacheStatus::Rebuilt { .. }));
}

#[test]
fn unusable_paths_are_clear_errors() {
    let missing = CompiledDb::open(Path::new("/nonexistent/advisory-db"), &scratch_dir("errors")).unwrap_err();
    assert!(missing.to_string().contains("/nonexistent/advisory-db"), "{missing}");
    let not_db = Database::load(&scratch_dir("empty-db")).unwrap_err();
    assert!(not_db.to_string().contains("is not an advisory database"), "{not_db}");
}

/// Waits until the racy window (two seconds after a build) has passed, then checks the cache is trusted.
fn settle(db: &Path, cache: &Path) {
    std::thread::sleep(std::time::Duration::from_millis(2100));
    let status = CompiledDb::open(db, cache).unwrap().status().clone();
    if status != CacheStatus::Fresh {
        std::thread::sleep(std::time::Duration::from_millis(2100));
        assert_eq!(CompiledDb::open(db, cache).unwrap().status(), &CacheStatus::Fresh);
    }
}

/// The changes that a size-and-mtime check alone would miss are seen too: a file replaced by another
/// of the same size and modification time (a new inode), an edit in place that keeps the size and puts
/// the modification time back (a new change time), a rename, and a file touched right after a build
/// (within the racy window). An edit in place that breaks an advisory of a crate nobody asked about
/// changes the advisory count and the skipped files, which the reports show.
#[test]
fn every_change_that_matters_is_seen_even_when_size_and_mtime_are_kept() {
    let db = advisory_db_copy("changes-that-matter");
    let cache = scratch_dir("changes-that-matter-cache");
    let _ = CompiledDb::open(&db, &cache).unwrap();
    settle(&db, &cache);
    let file = db.join("crates/bytes/RUSTSEC-2026-0007.md");
    let text = fs::read_to_string(&file).unwrap();
    let mtime = fs::metadata(&file).unwrap().modified().unwrap();
    let same_size = |from: &str, to: &str| {
        assert_eq!(from.len(), to.len());
        text.replace(&format!("id = \"{from}\""), &format!("id = \"{to}\""))
    };
    let ids =
        |db: &CompiledDb| db.advisories_for("bytes").unwrap().iter().map(|a| a.id.to_string()).collect::<Vec<_>>();

    // Replaced through a rename, same size, modification time put back.
    let other = db.join("crates/bytes/replacement.tmp");
    fs::write(&other, same_size("RUSTSEC-2026-0007", "RUSTSEC-2026-0008")).unwrap();
    fs::File::options().write(true).open(&other).unwrap().set_modified(mtime).unwrap();
    fs::rename(&other, &file).unwrap();
    let opened = CompiledDb::open(&db, &cache).unwrap();
    assert!(matches!(opened.status(), CacheStatus::Rebuilt { .. }), "{:?}", opened.status());
    assert!(ids(&opened).contains(&"RUSTSEC-2026-0008".to_owned()));
    settle(&db, &cache);

    // Edited in place, same size, modification time put back: only the change time moves.
    fs::write(&file, same_size("RUSTSEC-2026-0007", "RUSTSEC-2026-0009")).unwrap();
    fs::File::options().write(true).open(&file).unwrap().set_modified(mtime).unwrap();
    let opened = CompiledDb::open(&db, &cache).unwrap();
    assert!(matches!(opened.status(), CacheStatus::Rebuilt { .. }), "{:?}", opened.status());
    assert!(ids(&opened).contains(&"RUSTSEC-2026-0009".to_owned()));
    settle(&db, &cache);

    // Renamed within its directory: the file name no longer matches the id (a diagnostic), and the
    // advisory is still read.
    fs::rename(&file, db.join("crates/bytes/RUSTSEC-2026-0010.md")).unwrap();
    let opened = CompiledDb::open(&db, &cache).unwrap();
    assert!(matches!(opened.status(), CacheStatus::Rebuilt { .. }), "{:?}", opened.status());
    assert!(
        opened.diagnostics().iter().any(|d| d.path == "crates/bytes/RUSTSEC-2026-0010.md"),
        "{:?}",
        opened.diagnostics()
    );
    fs::rename(db.join("crates/bytes/RUSTSEC-2026-0010.md"), &file).unwrap();
    let _ = CompiledDb::open(&db, &cache).unwrap();
    settle(&db, &cache);

    // Touched right after a build: not trusted until the racy window has passed, then trusted.
    let _ = CompiledDb::open(&db, &cache).unwrap();
    fs::File::options().write(true).open(&file).unwrap().set_modified(std::time::SystemTime::now()).unwrap();
    assert!(matches!(CompiledDb::open(&db, &cache).unwrap().status(), CacheStatus::Rebuilt { .. }));
    assert!(
        matches!(CompiledDb::open(&db, &cache).unwrap().status(), CacheStatus::Rebuilt { .. }),
        "racy: rebuilt again"
    );
    settle(&db, &cache);

    // An advisory of another crate broken in place: the count and the skipped files change.
    let before = CompiledDb::open(&db, &cache).unwrap();
    let (count, skipped) = (before.advisory_count(), before.skipped_count());
    let elsewhere = db.join("crates/time/RUSTSEC-2020-0071.md");
    let broken = fs::read_to_string(&elsewhere).unwrap().replacen("[advisory]", "[advisory", 1);
    fs::OpenOptions::new().write(true).truncate(true).open(&elsewhere).unwrap().write_all(broken.as_bytes()).unwrap();
    let after = CompiledDb::open(&db, &cache).unwrap();
    assert!(matches!(after.status(), CacheStatus::Rebuilt { .. }), "{:?}", after.status());
    assert_eq!((after.advisory_count(), after.skipped_count()), (count - 1, skipped + 1));
}
