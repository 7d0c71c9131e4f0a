//! `audit --index`: what fixes each finding, from cratewatch-reach's classification over the index.
//! In the 2020 index, agnes 0.1.0 requires hyper `^0.11`, every 0.11 release of which RUSTSEC-2020-0008
//! affects, and agnes 0.3.0 is its first release whose requirements let the fix through; aabb-quadtree
//! 0.2.0 requires smallvec `^0.6` and lets smallvec 0.6.10 (RUSTSEC-2019-0009's fix) through.

use cratewatch_testdata::{crates_index_2020, scratch_dir};
use serde_json::Value;

use crate::cratewatch_in;

const REGISTRY: &str = "registry+https://github.com/rust-lang/crates.io-index";

fn lockfile() -> String {
    format!(
        "version = 3\n\n[[package]]\nname = \"aabb-quadtree\"\nversion = \"0.2.0\"\nsource = \"{REGISTRY}\"\ndependencies = [\"smallvec\"]\n\n\
         [[package]]\nname = \"agnes\"\nversion = \"0.1.0\"\nsource = \"{REGISTRY}\"\ndependencies = [\"hyper\"]\n\n\
         [[package]]\nname = \"app\"\nversion = \"0.1.0\"\ndependencies = [\"aabb-quadtree\", \"agnes\"]\n\n\
         [[package]]\nname = \"hyper\"\nversion = \"0.11.27\"\nsource = \"{REGISTRY}\"\n\n\
         [[package]]\nname = \"smallvec\"\nversion = \"0.6.9\"\nsource = \"{REGISTRY}\"\n"
    )
}

/// The `update` of the finding of `id`.
fn update<'a>(json: &'a Value, id: &str) -> &'a Value {
    let list = json["vulnerabilities"]["list"].as_array().unwrap();
    let finding = list.iter().find(|f| f["advisory"]["id"] == id).unwrap_or_else(|| panic!("{id} in {json}"));
    &finding["update"]
}

#[test]
fn each_finding_says_whether_cargo_update_fixes_it_or_whose_manifest_blocks_it() {
    let dir = scratch_dir("fix-class");
    std::fs::write(dir.join("Cargo.lock"), lockfile()).unwrap();
    let index = crates_index_2020();
    let run = cratewatch_in(&dir, &["audit", "--json", "--index", index.to_str().unwrap()]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    // Only the part of the index that agnes and aabb-quadtree reach is resolved, not its 43,450 crates.
    let resolved = run.stderr.split("note: resolved ").nth(1).unwrap_or_else(|| panic!("{}", run.stderr));
    let crates: usize = resolved.split(' ').next().unwrap().parse().unwrap();
    assert!((100..10_000).contains(&crates), "{}", run.stderr);
    let json = run.json();

    // hyper 0.11.27: agnes 0.1.0's own requirement blocks the fix; agnes 0.3.0 lifts it.
    assert_eq!(
        update(&json, "RUSTSEC-2020-0008"),
        &serde_json::json!({"class": "manifest-change", "blockers": [
            {"name": "agnes", "version": "0.1.0", "requirement": "^0.11", "lifted_in": "0.3.0"}
        ]})
    );
    // smallvec 0.6.9: aabb-quadtree's `^0.6` lets 0.6.10 through; `cargo update -p` fixes it.
    assert_eq!(update(&json, "RUSTSEC-2019-0009"), &serde_json::json!({"class": "cargo-update", "blockers": []}));

    let human = cratewatch_in(&dir, &["audit", "--index", index.to_str().unwrap()]);
    assert!(
        human.stdout.contains("update: blocked by agnes 0.1.0 (requires hyper ^0.11); agnes 0.3.0 lifts it"),
        "{}",
        human.stdout
    );
    assert!(
        human.stdout.contains("update: no dependency's requirement blocks it: cargo update -p smallvec@0.6.9 fixes it"),
        "{}",
        human.stdout
    );
    // Without an index directory nothing is classified, and the JSON report has no `update` key.
    let plain = cratewatch_in(&dir, &["audit", "--json"]).json();
    assert!(plain["vulnerabilities"]["list"][0].get("update").is_none());
}
