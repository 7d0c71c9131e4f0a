//! Several sources merged into one view: the real RustSec database with RustSec's official OSV export
//! of the same snapshot, a GitHub-style directory of OSV records, and a private RustSec-format tree.

use std::fs;
use std::path::Path;

use cratewatch_db::{CompiledDb, Database, SourceKind};
use cratewatch_testdata::{advisory_db, ghsa_dir, ghsa_record, osv_export, private_rustsec_tree, scratch_dir};

#[test]
fn kinds_are_recognised() {
    assert_eq!(SourceKind::of(&advisory_db()).unwrap(), SourceKind::RustSec);
    assert_eq!(SourceKind::of(&osv_export()).unwrap(), SourceKind::Osv);
    assert!(SourceKind::of(&advisory_db().join("README.md")).is_err());
}

#[test]
fn rustsec_and_its_own_osv_export_merge_into_the_rustsec_view() {
    let alone = Database::load(&advisory_db()).unwrap();
    let merged = Database::load_all(&[advisory_db(), osv_export()]).unwrap();
    // Every exported record is the same advisory as its source (same id, same aliases, same affected
    // versions): nothing conflicts. The export's one stale record, RUSTSEC-2025-0000, has no source
    // file, but it is the placeholder-id copy of RUSTSEC-2025-0065 (same crate, same CVE and GHSA):
    // it is shown once, as an alias of RUSTSEC-2025-0065.
    let merge_codes = ["alias-conflict", "versions-conflict", "invalid-osv-record", "unreadable-file"];
    let conflicts: Vec<_> =
        merged.diagnostics().iter().filter(|d| merge_codes.contains(&d.diagnostic.code.as_str())).collect();
    assert!(conflicts.is_empty(), "{conflicts:#?}");
    // The database's own warnings are still there, under the source's path.
    assert_eq!(merged.diagnostics().len(), alone.diagnostics().len());
    let extra: Vec<_> = merged
        .advisories()
        .iter()
        .zip(merged.origins())
        .filter(|(_, o)| o.source != 0)
        .map(|(a, o)| (a.id.to_string(), o.path.clone()))
        .collect();
    assert_eq!(merged.advisories().len(), alone.advisories().len(), "{extra:?}");
    for (a, b) in alone.advisories().iter().zip(merged.advisories()) {
        if a.id.as_str() == "RUSTSEC-2025-0065" {
            let mut with_placeholder = a.clone();
            with_placeholder.aliases.push("RUSTSEC-2025-0000".to_owned());
            assert_eq!(&with_placeholder, b);
        } else {
            assert_eq!(a, b, "{} is kept whole", a.id);
        }
    }
    assert!(merged.origins().iter().all(|o| o.source == 0), "every kept record is RustSec's");
}

#[test]
fn ghsa_records_merge_by_alias_add_new_advisories_and_report_conflicts() {
    let ghsa = ghsa_dir(
        "sources-ghsa",
        &[
            // Same vulnerability as RUSTSEC-2021-0003 (shares CVE-2021-25900), with its own new id.
            (
                "GHSA-zzzz-9j62-hq99",
                ghsa_record("GHSA-zzzz-9j62-hq99", "smallvec", &["CVE-2021-25900"], "0.6.3", "1.6.1"),
            ),
            // Only in GitHub's database.
            ("GHSA-aaaa-bbbb-cccc", ghsa_record("GHSA-aaaa-bbbb-cccc", "itoa", &["CVE-2099-0001"], "0", "0.4.9")),
            // Shares smallvec's CVE for another crate: one CVE may cover several crates, so no conflict.
            (
                "GHSA-cccc-dddd-eeee",
                ghsa_record("GHSA-cccc-dddd-eeee", "not-smallvec", &["CVE-2021-25900"], "0", "1.0.0"),
            ),
            // Uses as its own id the GHSA id that RustSec gives smallvec's advisory, for another crate.
            ("GHSA-43w2-9j62-hq99", ghsa_record("GHSA-43w2-9j62-hq99", "other-crate", &[], "0", "1.0.0")),
            ("GHSA-broken-json", "{ not json".to_owned()),
        ],
    );
    let db = Database::load_all(&[advisory_db(), ghsa.clone()]).unwrap();

    let smallvec: Vec<_> = db.for_package("smallvec").filter(|a| a.id.as_str() == "RUSTSEC-2021-0003").collect();
    assert_eq!(smallvec.len(), 1);
    assert!(smallvec[0].aliases.contains(&"GHSA-zzzz-9j62-hq99".to_owned()), "{:?}", smallvec[0].aliases);
    assert!(db.advisories().iter().all(|a| a.id.as_str() != "GHSA-zzzz-9j62-hq99"), "shown once");

    let itoa: Vec<_> = db.for_package("itoa").filter(|a| a.id.as_str() == "GHSA-aaaa-bbbb-cccc").collect();
    assert_eq!(itoa.len(), 1);
    assert!(itoa[0].versions.is_affected(&"0.4.8".parse().unwrap()));
    assert!(!itoa[0].versions.is_affected(&"0.4.9".parse().unwrap()));
    assert!(db.advisories().iter().any(|a| a.id.as_str() == "GHSA-cccc-dddd-eeee" && a.package == "not-smallvec"));
    assert!(db.advisories().iter().all(|a| a.package != "left-pad"), "other ecosystems are left out");

    let codes = |code: &str| -> Vec<String> {
        db.diagnostics().iter().filter(|d| d.diagnostic.code.as_str() == code).map(|d| d.path.clone()).collect()
    };
    let label = ghsa.display().to_string();
    assert_eq!(
        codes("alias-conflict"),
        [format!("{label}/advisories/github-reviewed/2024/01/GHSA-43w2-9j62-hq99/GHSA-43w2-9j62-hq99.json")]
    );
    assert!(db.advisories().iter().any(|a| a.id.as_str() == "GHSA-43w2-9j62-hq99" && a.package == "other-crate"));
    assert_eq!(
        codes("invalid-osv-record"),
        [format!("{label}/advisories/github-reviewed/2024/01/GHSA-broken-json/GHSA-broken-json.json")]
    );
    // GitHub's range (>= 0.6.3, < 1.6.1) differs from RustSec's (0.6.14 is patched): RustSec's are kept.
    assert_eq!(codes("versions-conflict").len(), 1);
    assert!(smallvec[0].versions.is_affected(&"0.6.13".parse().unwrap()));
    assert!(!smallvec[0].versions.is_affected(&"0.6.14".parse().unwrap()));
}

#[test]
fn a_private_rustsec_tree_wins_over_osv_and_keeps_its_informational_kind() {
    let private = private_rustsec_tree("sources-private");
    let ghsa = ghsa_dir(
        "sources-private-ghsa",
        &[("GHSA-aaaa-bbbb-cccc", ghsa_record("GHSA-aaaa-bbbb-cccc", "itoa", &["CVE-2099-0001"], "0", "0.4.9"))],
    );
    // The OSV directory comes first on the command line, but RustSec-format records are kept whole.
    let db = Database::load_all(&[ghsa, advisory_db(), private]).unwrap();
    let itoa: Vec<_> = db.for_package("itoa").filter(|a| a.aliases.iter().any(|x| x == "CVE-2099-0001")).collect();
    assert_eq!(itoa.len(), 1, "{itoa:#?}");
    assert_eq!(itoa[0].id.as_str(), "RUSTSEC-2099-0001");
    assert_eq!(itoa[0].kind().as_str(), "unsound");
    assert!(itoa[0].aliases.contains(&"GHSA-aaaa-bbbb-cccc".to_owned()));
}

#[test]
fn the_compiled_cache_covers_every_source_and_notices_a_change_in_any() {
    let private = private_rustsec_tree("sources-cache-private");
    let cache = scratch_dir("sources-cache");
    let roots = [advisory_db(), private.clone()];
    let find =
        |db: &CompiledDb| db.advisories_for("itoa").unwrap().into_iter().map(|a| a.id.to_string()).collect::<Vec<_>>();
    // Entries changed within 2 s before a build are never trusted: let the new tree settle first.
    std::thread::sleep(std::time::Duration::from_millis(2100));
    let (db, found) = CompiledDb::open_all_with(&roots, &cache, find).unwrap();
    assert!(found.contains(&"RUSTSEC-2099-0001".to_owned()), "{found:?}");
    assert_eq!(db.advisory_count(), 1226);
    let (db, _) = CompiledDb::open_all_with(&roots, &cache, find).unwrap();
    assert_eq!(db.status(), &cratewatch_db::CacheStatus::Fresh);
    remove(&private.join("crates/itoa/RUSTSEC-2099-0001.md"));
    let (db, found) = CompiledDb::open_all_with(&roots, &cache, find).unwrap();
    assert!(matches!(db.status(), cratewatch_db::CacheStatus::Rebuilt { .. }), "{:?}", db.status());
    assert!(!found.contains(&"RUSTSEC-2099-0001".to_owned()));
}

fn remove(path: &Path) {
    fs::remove_file(path).unwrap();
}
