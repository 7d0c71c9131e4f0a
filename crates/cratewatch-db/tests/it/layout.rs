//! What a database directory holds besides advisory files: drafts, symbolic links, directories and
//! files where advisories are expected. Each case is a small tree written here; where `rustsec` can
//! load the tree, the advisories it loads are the ones we load.

use std::fs;
use std::path::Path;

use cratewatch_db::{CacheStatus, CompiledDb, Database};
use cratewatch_testdata::{ghsa_dir, ghsa_record, scratch_dir};

/// A valid advisory about `package` with the given id.
fn advisory(id: &str, package: &str) -> String {
    format!(
        "```toml\n[advisory]\nid = \"{id}\"\npackage = \"{package}\"\ndate = \"2024-01-01\"\n\n[versions]\n\
         patched = [\">= 1.0.0\"]\n```\n\n# {package} is broken\n\nIt is.\n"
    )
}

fn write(root: &Path, rel: &str, text: &str) {
    let path = root.join(rel);
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, text).unwrap();
}

/// `(path, code, severity)` of every diagnostic.
fn diagnostics(db: &Database) -> Vec<(String, &'static str, &'static str)> {
    db.diagnostics()
        .iter()
        .map(|d| (d.path.clone(), d.diagnostic.code.as_str(), d.diagnostic.severity.as_str()))
        .collect()
}

fn ids(db: &Database) -> Vec<String> {
    db.advisories().iter().map(|a| a.id.to_string()).collect()
}

/// The ids `rustsec` loads from `root`, sorted; `None` when it refuses the tree.
fn rustsec_ids(root: &Path) -> Option<Vec<String>> {
    let db = rustsec::Database::open(root).ok()?;
    let mut ids: Vec<String> = db.iter().map(|a| a.id().to_string()).collect();
    ids.sort();
    Some(ids)
}

fn owned(list: &[(&str, &'static str, &'static str)]) -> Vec<(String, &'static str, &'static str)> {
    list.iter().map(|(p, c, s)| ((*p).to_owned(), *c, *s)).collect()
}

#[test]
fn drafts_are_checked_but_not_loaded_as_in_rustsec() {
    let root = scratch_dir("layout-drafts");
    write(&root, "crates/demo/RUSTSEC-2024-0001.md", &advisory("RUSTSEC-2024-0001", "demo"));
    // Two drafts: both have the placeholder id, and neither is a duplicate of the other.
    write(&root, "crates/demo/RUSTSEC-0000-0000.md", &advisory("RUSTSEC-0000-0000", "demo"));
    write(&root, "crates/other/RUSTSEC-0000-0000.md", &advisory("RUSTSEC-0000-0000", "other"));
    let db = Database::load(&root).unwrap();
    assert_eq!(ids(&db), ["RUSTSEC-2024-0001"]);
    assert_eq!(
        diagnostics(&db),
        owned(&[
            ("crates/demo/RUSTSEC-0000-0000.md", "draft-not-loaded", "warning"),
            ("crates/other/RUSTSEC-0000-0000.md", "draft-not-loaded", "warning"),
        ])
    );
    assert_eq!(rustsec_ids(&root).unwrap(), ids(&db));

    // A file with a draft's name but a real id is loaded (rustsec skips the name check for drafts), with
    // a warning (its linter's "draft status does not match file name").
    write(&root, "crates/other/RUSTSEC-0000-0000.md", &advisory("RUSTSEC-2024-0002", "other"));
    let db = Database::load(&root).unwrap();
    assert_eq!(ids(&db), ["RUSTSEC-2024-0001", "RUSTSEC-2024-0002"]);
    assert_eq!(rustsec_ids(&root).unwrap(), ids(&db));
    let found = diagnostics(&db);
    assert!(found.contains(&("crates/other/RUSTSEC-0000-0000.md".to_owned(), "id-mismatch", "warning")), "{found:?}");

    // A draft is checked like any advisory: an error in it is an error, not a note.
    write(
        &root,
        "crates/other/RUSTSEC-0000-0000.md",
        &advisory("RUSTSEC-0000-0000", "other").replace("2024-01-01", "2024-02-30"),
    );
    let db = Database::load(&root).unwrap();
    let found = diagnostics(&db);
    assert!(found.contains(&("crates/other/RUSTSEC-0000-0000.md".to_owned(), "invalid-date", "error")), "{found:?}");
    assert!(!found.iter().any(|(p, c, _)| p.contains("other") && *c == "draft-not-loaded"), "{found:?}");
    assert_eq!(rustsec_ids(&root), None, "rustsec refuses the whole tree");

    // The cache serves what the full load sees.
    let compiled = CompiledDb::open(&root, &scratch_dir("layout-drafts-cache")).unwrap();
    assert_eq!(compiled.advisory_count(), 1);
    assert!(compiled.advisories_for("demo").unwrap().iter().all(|a| a.id.as_str() == "RUSTSEC-2024-0001"));
}

#[test]
fn an_explicit_collection_that_contradicts_the_directory_is_refused_as_by_rustsec() {
    let root = scratch_dir("layout-collection");
    write(&root, "crates/demo/RUSTSEC-2024-0001.md", &advisory("RUSTSEC-2024-0001", "demo"));
    let explicit = |collection: &str| {
        advisory("RUSTSEC-2024-0002", "demo").replace("date = ", &format!("collection = \"{collection}\"\ndate = "))
    };
    write(&root, "crates/demo/RUSTSEC-2024-0002.md", &explicit("crates"));
    let db = Database::load(&root).unwrap();
    assert_eq!(ids(&db), rustsec_ids(&root).unwrap());
    assert_eq!(diagnostics(&db), owned(&[("crates/demo/RUSTSEC-2024-0002.md", "explicit-collection", "warning")]));
    write(&root, "crates/demo/RUSTSEC-2024-0002.md", &explicit("rust"));
    let db = Database::load(&root).unwrap();
    assert_eq!(ids(&db), ["RUSTSEC-2024-0001"]);
    assert_eq!(diagnostics(&db), owned(&[("crates/demo/RUSTSEC-2024-0002.md", "explicit-collection", "error")]));
    assert_eq!(rustsec_ids(&root), None);
}

#[test]
fn entries_that_are_not_advisory_files_are_reported() {
    let root = scratch_dir("layout-entries");
    write(&root, "crates/demo/RUSTSEC-2024-0001.md", &advisory("RUSTSEC-2024-0001", "demo"));
    write(&root, "elsewhere/RUSTSEC-2024-0009.md", &advisory("RUSTSEC-2024-0009", "demo"));
    // A directory named like an advisory, a directory in a package directory, an advisory file outside
    // any package directory, and other files.
    fs::create_dir_all(root.join("crates/demo/RUSTSEC-2024-0004.md")).unwrap();
    fs::create_dir_all(root.join("crates/demo/drafts")).unwrap();
    write(&root, "crates/RUSTSEC-2024-0005.md", &advisory("RUSTSEC-2024-0005", "demo"));
    write(&root, "crates/README.txt", "not a package");
    write(&root, "crates/demo/notes.txt", "not an advisory");
    #[cfg(unix)]
    {
        use std::os::unix::fs::symlink;
        // A dangling link, a link to itself, a loop of two, a dangling package directory, and a link
        // that works (followed, as git checkouts on Unix have them).
        symlink("RUSTSEC-2024-0999.md", root.join("crates/demo/RUSTSEC-2024-0002.md")).unwrap();
        symlink("RUSTSEC-2024-0003.md", root.join("crates/demo/RUSTSEC-2024-0003.md")).unwrap();
        symlink("RUSTSEC-2024-0007.md", root.join("crates/demo/RUSTSEC-2024-0006.md")).unwrap();
        symlink("RUSTSEC-2024-0006.md", root.join("crates/demo/RUSTSEC-2024-0007.md")).unwrap();
        symlink("../nowhere", root.join("crates/gone")).unwrap();
        symlink("../../elsewhere/RUSTSEC-2024-0009.md", root.join("crates/demo/RUSTSEC-2024-0009.md")).unwrap();
    }
    let db = Database::load(&root).unwrap();
    let mut expected = vec![
        ("crates/README.txt", "unexpected-file", "warning"),
        ("crates/RUSTSEC-2024-0005.md", "misplaced-advisory", "error"),
        ("crates/demo/RUSTSEC-2024-0004.md", "not-a-file", "error"),
        ("crates/demo/drafts", "unexpected-file", "warning"),
        ("crates/demo/notes.txt", "unexpected-file", "warning"),
    ];
    if cfg!(unix) {
        expected.extend([
            ("crates/demo/RUSTSEC-2024-0002.md", "broken-symlink", "error"),
            ("crates/demo/RUSTSEC-2024-0003.md", "broken-symlink", "error"),
            ("crates/demo/RUSTSEC-2024-0006.md", "broken-symlink", "error"),
            ("crates/demo/RUSTSEC-2024-0007.md", "broken-symlink", "error"),
            ("crates/gone", "broken-symlink", "error"),
        ]);
        assert_eq!(ids(&db), ["RUSTSEC-2024-0001", "RUSTSEC-2024-0009"]);
    }
    expected.sort();
    assert_eq!(diagnostics(&db), owned(&expected));
    let message = |path: &str| {
        db.diagnostics().iter().find(|d| d.path == path).map(|d| d.diagnostic.message.clone()).unwrap_or_default()
    };
    if cfg!(unix) {
        assert!(message("crates/demo/RUSTSEC-2024-0002.md").contains("dangling"), "{:?}", db.diagnostics());
        assert!(message("crates/demo/RUSTSEC-2024-0003.md").contains("loop"), "{:?}", db.diagnostics());
        assert!(message("crates/demo/RUSTSEC-2024-0006.md").contains("loop"), "{:?}", db.diagnostics());
    }
    assert!(message("crates/demo/RUSTSEC-2024-0004.md").contains("directory"), "{:?}", db.diagnostics());
}

/// A dangling link's target appearing later is a change the compiled cache must see, although no
/// directory of the database changes.
#[cfg(unix)]
#[test]
fn the_cache_sees_a_dangling_links_target_appear() {
    let root = scratch_dir("layout-link-target");
    let cache = scratch_dir("layout-link-target-cache");
    write(&root, "crates/demo/RUSTSEC-2024-0001.md", &advisory("RUSTSEC-2024-0001", "demo"));
    fs::create_dir_all(root.join("elsewhere")).unwrap();
    std::os::unix::fs::symlink("../../elsewhere/RUSTSEC-2024-0002.md", root.join("crates/demo/RUSTSEC-2024-0002.md"))
        .unwrap();
    let open = || {
        let db = CompiledDb::open(&root, &cache).unwrap();
        (db.status().clone(), db.advisory_count())
    };
    assert_eq!(open().1, 1);
    // Entries changed within two seconds of a build are not trusted; wait that out until the cache is fresh.
    std::thread::sleep(std::time::Duration::from_millis(2100));
    open();
    std::thread::sleep(std::time::Duration::from_millis(2100));
    assert_eq!(open(), (CacheStatus::Fresh, 1));
    write(&root, "elsewhere/RUSTSEC-2024-0002.md", &advisory("RUSTSEC-2024-0002", "demo"));
    let (status, count) = open();
    assert!(matches!(status, CacheStatus::Rebuilt { .. }), "{status:?}");
    assert_eq!(count, 2);
}

#[cfg(unix)]
#[test]
fn osv_directories_with_link_loops_and_dangling_records() {
    use std::os::unix::fs::symlink;
    let dir = ghsa_dir(
        "layout-osv-links",
        &[("GHSA-aaaa-bbbb-cccc", ghsa_record("GHSA-aaaa-bbbb-cccc", "smallvec", &[], "0.6.3", "1.6.1"))],
    );
    // A link back to an ancestor (read once, not forever), and a record that is a dangling link.
    symlink("../..", dir.join("advisories/github-reviewed/loop")).unwrap();
    symlink("nowhere.json", dir.join("advisories/GHSA-dead-dead-dead.json")).unwrap();
    let db = Database::load(&dir).unwrap();
    assert_eq!(ids(&db), ["GHSA-aaaa-bbbb-cccc"]);
    assert_eq!(
        diagnostics(&db),
        owned(&[
            ("advisories/GHSA-dead-dead-dead.json", "broken-symlink", "error"),
            ("advisories/github-reviewed/loop", "broken-symlink", "warning"),
        ])
    );
}
