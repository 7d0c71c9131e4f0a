//! One source of truth for ignores: `.cargo/audit.toml` accepted and refused exactly as cargo-audit
//! 0.22.2 accepts and refuses it (checked against the binary), cargo-deny's `deny.toml` ignores with
//! their reasons, and cratewatch's `[package.metadata.cratewatch]` expiries, merged, with every report
//! format saying where each ignore came from.

use std::path::Path;
use std::process::Command;

use cratewatch_testdata::{advisory_db, scratch_dir, shared_data, workspace_root};
use serde_json::Value;

use crate::cratewatch_in;

fn lockfile(stem: &str) -> std::path::PathBuf {
    shared_data().join("lockfiles").join(format!("{stem}.Cargo.lock"))
}

/// Configuration files on which cargo-audit 0.22.2 and cratewatch must agree: `true` where cargo-audit
/// accepts the file. The expectations are checked against the binary too, so a wrong one fails.
const CASES: &[(&str, bool)] = &[
    ("", true),
    ("[advisories]\nignore = [\"RUSTSEC-2020-0071\", \"CVE-2020-26235\", \"not-an-id\"]\n", true),
    ("[advisories]\nignore = [{ id = \"RUSTSEC-2020-0071\" }]\n", false),
    ("[advisories]\nignore = [{ id = \"RUSTSEC-2020-0071\", reason = \"x\", expires = \"2099-01-01\" }]\n", false),
    ("[advisories]\nignore = \"RUSTSEC-2020-0071\"\n", false),
    ("[advisories]\nignore = [42]\n", false),
    ("[advisories]\nignore = []\nreason = \"x\"\n", false),
    ("[advisories]\ninformational_warnings = [\"unsound\", \"something-new\"]\n", true),
    ("[advisories]\ninformational_warnings = \"unsound\"\n", false),
    ("[advisories]\nseverity_threshold = \"medium\"\n", true),
    ("[advisories]\nseverity_threshold = \"HIGH\"\n", true),
    ("[advisories]\nseverity_threshold = \"bogus\"\n", false),
    ("[advisories]\nstale = true\n", false),
    ("[output]\ndeny = [\"unsound\"]\n", false),
    ("[output]\nquiet = false\ndeny = [\"unsound\", \"warnings\", \"yanked\", \"unmaintained\"]\n", true),
    ("[output]\nquiet = false\ndeny = [\"notice\"]\n", false),
    ("[output]\nquiet = true\nformat = \"sarif\"\nshow_tree = false\n", true),
    ("[output]\nquiet = false\nformat = \"xml\"\n", false),
    ("[output]\nquiet = \"no\"\n", false),
    ("[database]\nstale = true\n", true),
    ("[database]\npath = \"/nonexistent\"\n", false),
    ("[database]\nstale = false\nfetch = false\nurl = \"https://example.com/advisory-db.git\"\n", true),
    ("[database]\nstale = false\nmirror = true\n", false),
    ("[target]\nos = \"linux\"\n", true),
    ("[target]\nos = [\"linux\", \"windows\"]\narch = [\"x86_64\", \"aarch64\"]\n", true),
    ("[target]\nos = \"linx\"\n", false),
    ("[target]\nabi = \"gnu\"\n", false),
    ("[yanked]\nenabled = false\nupdate_index = false\n", true),
    ("[yanked]\nenabled = \"no\"\n", false),
    ("[extra]\na = 1\n", false),
    ("foo = 1\n", false),
    ("[advisories\n", false),
];

fn cargo_audit_accepts(dir: &Path, config: &str) -> bool {
    std::fs::create_dir_all(dir.join(".cargo")).unwrap();
    std::fs::write(dir.join(".cargo/audit.toml"), config).unwrap();
    let output = Command::new(crate::differential::cargo_audit())
        .current_dir(dir)
        .args(["audit", "--db", advisory_db().to_str().unwrap(), "--no-fetch", "--stale", "--no-yanked", "--json"])
        .arg("--file")
        .arg(lockfile("watchexec__watchexec__2026-08-22__225e0eff"))
        .env("CARGO_HOME", dir.join("no-cargo-home"))
        .output()
        .expect("run cargo-audit");
    let stderr = String::from_utf8_lossy(&output.stderr);
    let refused = stderr.contains("fatal error");
    assert!(refused || output.status.success(), "cargo-audit failed for another reason on {config:?}: {stderr}");
    !refused
}

#[test]
fn audit_toml_is_accepted_and_refused_as_cargo_audit_accepts_and_refuses_it() {
    let dir = scratch_dir("audit-toml-differential");
    let lock = lockfile("watchexec__watchexec__2026-08-22__225e0eff");
    let mut cases: Vec<(String, bool)> = CASES.iter().map(|(c, a)| ((*c).to_owned(), *a)).collect();
    // This repository's own file, if it has one, must be one cargo-audit takes.
    if let Ok(own) = std::fs::read_to_string(workspace_root().join(".cargo/audit.toml")) {
        cases.push((own, true));
    }
    for (config, expected) in &cases {
        assert_eq!(cargo_audit_accepts(&dir, config), *expected, "cargo-audit on {config:?}");
        let run = cratewatch_in(&dir, &["audit", "--json", "--file", lock.to_str().unwrap()]);
        let ours = run.code != 2;
        assert_eq!(ours, *expected, "cratewatch on {config:?}: exit {} {}", run.code, run.stderr);
        if !expected {
            assert!(run.stderr.contains(".cargo/audit.toml"), "the refusal names the file: {}", run.stderr);
            assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
        }
    }
}

const LAPCE: &str = "lapce__lapce__2024-01-05__9424a333";

/// The three files together: cargo-audit's plain ids, cargo-deny's reasons, cratewatch's expiries.
#[test]
fn ignores_from_audit_toml_deny_toml_and_the_manifest_are_merged_and_their_sources_shown() {
    let dir = scratch_dir("ignore-sources");
    std::fs::create_dir_all(dir.join(".cargo")).unwrap();
    std::fs::copy(lockfile(LAPCE), dir.join("Cargo.lock")).unwrap();
    std::fs::write(dir.join(".cargo/audit.toml"), "[advisories]\nignore = [\"RUSTSEC-2026-0007\"]\n").unwrap();
    std::fs::write(
        dir.join("deny.toml"),
        "[graph]\nall-features = true\n\n[advisories]\nversion = 2\nignore = [\n  { id = \"RUSTSEC-2026-0007\", reason = \
         \"we never call BytesMut::reserve\" },\n  \"RUSTSEC-2024-0445\",\n  \"some-crate@0.1.0\",\n]\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("Cargo.toml"),
        "[package]\nname = \"app\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[package.metadata.cratewatch]\nignore = [\n  \
         { id = \"RUSTSEC-2026-0007\", expires = \"2999-01-01\" },\n  { id = \"RUSTSEC-2024-0445\", reason = \"windows only\", \
         expires = \"2020-01-01\" },\n]\n",
    )
    .unwrap();
    let run = cratewatch_in(&dir, &["audit", "--json"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    // The manifest does not describe this lockfile: Cargo cannot resolve it, which is said, and every
    // package counts as built.
    assert!(run.stderr.contains("cannot tell built packages from locked-only ones"), "{}", run.stderr);
    assert!(run.stderr.contains("the ignore of the yanked crate `some-crate@0.1.0` is cargo-deny's"), "{}", run.stderr);
    let json = run.json();
    let ignores = json["ignores"].as_array().unwrap();
    assert_eq!(ignores.len(), 2, "{ignores:?}");
    let bytes = &ignores[0];
    assert_eq!(bytes["id"], "RUSTSEC-2026-0007");
    assert_eq!(bytes["reason"], "we never call BytesMut::reserve");
    assert_eq!(bytes["expires"], "2999-01-01");
    assert_eq!(bytes["status"], "applied");
    let sources: Vec<&str> = bytes["sources"].as_array().unwrap().iter().map(|s| s.as_str().unwrap()).collect();
    assert_eq!(sources, ["./.cargo/audit.toml", &format!("{}/deny.toml", dir.display()), "./Cargo.toml [package.metadata.cratewatch]"]);
    assert_eq!(ignores[1]["status"], "expired", "the manifest's expiry ends cargo-deny's ignore for cratewatch");
    let ignored: Vec<&Value> = json["ignored"].as_array().unwrap().iter().collect();
    assert!(!ignored.is_empty());
    assert!(ignored.iter().all(|f| f["ignored_by"]["sources"].as_array().unwrap().len() == 3));
    assert!(json["vulnerabilities"]["list"].as_array().unwrap().iter().any(|f| f["advisory"]["id"] == "RUSTSEC-2024-0445"));

    let human = cratewatch_in(&dir, &["audit"]);
    assert!(
        human.stdout.contains(&format!(
            "ignored RUSTSEC-2026-0007 in bytes 1.5.0 (./.cargo/audit.toml, {}/deny.toml, ./Cargo.toml \
             [package.metadata.cratewatch] until 2999-01-01): we never call BytesMut::reserve",
            dir.display()
        )),
        "{}",
        human.stdout
    );
    assert!(human.stdout.contains("the ignore for RUSTSEC-2024-0445 ("), "{}", human.stdout);

    let sarif = cratewatch_in(&dir, &["audit", "--format", "sarif"]).json();
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    let suppressed: Vec<&Value> = results.iter().filter(|r| r.get("suppressions").is_some()).collect();
    assert_eq!(suppressed.len(), ignored.len());
    let justification = suppressed[0]["suppressions"][0]["justification"].as_str().unwrap();
    assert!(justification.contains("deny.toml") && justification.contains("BytesMut::reserve"), "{justification}");

    // --no-config reads none of them.
    let bare = cratewatch_in(&dir, &["audit", "--json", "--no-config"]).json();
    assert_eq!(bare["ignores"], serde_json::json!([]));

    // An `expires` in deny.toml is an error, as it is for cargo-deny; so is a misspelt key of ours.
    std::fs::write(dir.join("deny.toml"), "[advisories]\nignore = [{ id = \"X\", expires = \"2099-01-01\" }]\n").unwrap();
    let bad = cratewatch_in(&dir, &["audit"]);
    assert_eq!(bad.code, 2);
    assert!(bad.stderr.contains("deny.toml") && bad.stderr.contains("unknown key `expires`"), "{}", bad.stderr);
    std::fs::remove_file(dir.join("deny.toml")).unwrap();
    std::fs::write(dir.join("Cargo.toml"), "[package]\nname = \"app\"\nversion = \"0.1.0\"\n\n[package.metadata.cratewatch]\nignores = []\n").unwrap();
    let bad = cratewatch_in(&dir, &["audit"]);
    assert_eq!(bad.code, 2);
    assert!(bad.stderr.contains("Cargo.toml") && bad.stderr.contains("ignores"), "{}", bad.stderr);
}
