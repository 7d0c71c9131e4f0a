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
    assert_eq!(sources, ["./.cargo/audit.toml", "./deny.toml", "./Cargo.toml [package.metadata.cratewatch]"]);
    assert_eq!(ignores[1]["status"], "expired", "the manifest's expiry ends cargo-deny's ignore for cratewatch");
    let ignored: Vec<&Value> = json["ignored"].as_array().unwrap().iter().collect();
    assert!(!ignored.is_empty());
    assert!(ignored.iter().all(|f| f["ignored_by"]["sources"].as_array().unwrap().len() == 3));
    assert!(
        json["vulnerabilities"]["list"].as_array().unwrap().iter().any(|f| f["advisory"]["id"] == "RUSTSEC-2024-0445")
    );

    let human = cratewatch_in(&dir, &["audit"]);
    assert!(
        human.stdout.contains(
            "ignored RUSTSEC-2026-0007 in bytes 1.5.0 (./.cargo/audit.toml, ./deny.toml, ./Cargo.toml \
             [package.metadata.cratewatch] until 2999-01-01): we never call BytesMut::reserve"
        ),
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
    std::fs::write(dir.join("deny.toml"), "[advisories]\nignore = [{ id = \"X\", expires = \"2099-01-01\" }]\n")
        .unwrap();
    let bad = cratewatch_in(&dir, &["audit"]);
    assert_eq!(bad.code, 2);
    assert!(bad.stderr.contains("deny.toml") && bad.stderr.contains("unknown key `expires`"), "{}", bad.stderr);
    std::fs::remove_file(dir.join("deny.toml")).unwrap();
    std::fs::write(
        dir.join("Cargo.toml"),
        "[package]\nname = \"app\"\nversion = \"0.1.0\"\n\n[package.metadata.cratewatch]\nignores = []\n",
    )
    .unwrap();
    let bad = cratewatch_in(&dir, &["audit"]);
    assert_eq!(bad.code, 2);
    assert!(bad.stderr.contains("Cargo.toml") && bad.stderr.contains("ignores"), "{}", bad.stderr);
}

/// cargo-deny 0.20.2 (installed by `scripts/reference-tools.sh`), for the check of this repository's own
/// `deny.toml`.
fn cargo_deny() -> std::path::PathBuf {
    let path = std::env::var_os("CRATEWATCH_CARGO_DENY")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| workspace_root().join("target/tools/bin/cargo-deny"));
    assert!(
        path.is_file(),
        "cargo-deny 0.20.2 not found at {}: run `bash scripts/reference-tools.sh` (scripts/test.sh does), or set \
         CRATEWATCH_CARGO_DENY",
        path.display()
    );
    path
}

/// This repository's own configuration is read without error by the three tools: cargo-audit 0.22.2 (it
/// reports `rsa`, which it cannot tell is never built, and nothing about the configuration), cargo-deny
/// 0.20.2 (`check advisories` passes: its ignore of `paste` has a reason in deny.toml) and cratewatch
/// (the self-audit of `.ci/run` passes, `rsa` reported apart as locked-only, `paste`'s ignore shown with
/// both its sources).
#[test]
fn this_repositorys_configuration_is_read_by_cargo_audit_cargo_deny_and_cratewatch() {
    let root = workspace_root();
    let scratch = scratch_dir("own-config");
    let real_home = real_cargo_home();

    let output = Command::new(crate::differential::cargo_audit())
        .current_dir(&root)
        .args(["audit", "--db", advisory_db().to_str().unwrap(), "--no-fetch", "--stale", "--no-yanked", "--json"])
        .env("CARGO_HOME", scratch.join("no-cargo-home"))
        .output()
        .expect("run cargo-audit");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!stderr.contains("error"), "cargo-audit refuses this repository's configuration: {stderr}");
    let report: Value = serde_json::from_slice(&output.stdout).expect("cargo-audit's JSON report");
    let ids: Vec<&str> = report["vulnerabilities"]["list"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["advisory"]["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["RUSTSEC-2023-0071"], "cargo-audit sees rsa only");

    let home = cargo_deny_home(&scratch);
    let output = Command::new(cargo_deny())
        .current_dir(&root)
        .args(["--offline", "--color", "never", "check", "advisories"])
        .env("CARGO_HOME", &home)
        .output()
        .expect("run cargo-deny");
    // The verdict goes to standard error on a terminal, else to standard output.
    let said = format!("{}{}", String::from_utf8_lossy(&output.stderr), String::from_utf8_lossy(&output.stdout));
    assert!(output.status.success(), "cargo-deny check advisories failed ({}): {said}", output.status);
    assert!(said.contains("advisories ok"), "{said}");

    // cratewatch: the self-audit of .ci/run.
    // With the real CARGO_HOME: `cargo tree --offline` reads the registry cache.
    let output = Command::new(env!("CARGO_BIN_EXE_cratewatch"))
        .current_dir(&root)
        .args(["audit", "--json", "--file", "Cargo.lock", "--db", advisory_db().to_str().unwrap()])
        .args(["--target", "x86_64-unknown-linux-gnu", "--cache-dir", crate::shared_cache().to_str().unwrap()])
        .env("CARGO_HOME", &real_home)
        .output()
        .expect("run cratewatch");
    let run = crate::Run {
        code: output.status.code().unwrap(),
        stdout: String::from_utf8(output.stdout).unwrap(),
        stderr: String::from_utf8(output.stderr).unwrap(),
    };
    assert_eq!(run.code, 0, "{}", run.stderr);
    let json = run.json();
    assert_eq!(json["vulnerabilities"]["count"], 0);
    let locked_only: Vec<&str> =
        json["locked_only"].as_array().unwrap().iter().map(|f| f["package"]["name"].as_str().unwrap()).collect();
    assert_eq!(locked_only, ["rsa"]);
    let paste = &json["ignores"][0];
    assert_eq!((paste["id"].as_str(), paste["status"].as_str()), (Some("RUSTSEC-2024-0436"), Some("applied")));
    assert_eq!(paste["sources"], serde_json::json!(["./deny.toml", "./Cargo.toml [workspace.metadata.cratewatch]"]));
    assert!(paste["reason"].as_str().unwrap().contains("utoipa-axum") && paste["expires"].is_string(), "{paste}");
}

/// `[advisories] ignore` lists of deny.toml on which cargo-deny 0.20.2 and cratewatch must agree: `true`
/// where cargo-deny takes the file. Checked against the binary, so a wrong expectation fails.
const DENY_CASES: &[(&str, bool)] = &[
    ("ignore = [\"RUSTSEC-2024-0436\", \"CVE-2020-1234\"]", true),
    ("ignore = [{ id = \"RUSTSEC-2024-0436\" }]", true),
    ("ignore = [{ id = \"RUSTSEC-2024-0436\", reason = \"why\" }]", true),
    ("ignore = [\"paste@1.0.15\", \"not-an-id\"]", true),
    ("ignore = [{ crate = \"paste@1.0.15\", reason = \"x\" }]", true),
    ("ignore = [{ id = \"RUSTSEC-2024-0436\", expires = \"2099-01-01\" }]", false),
    ("ignore = [{ id = \"RUSTSEC-2024-0436\", crate = \"paste\" }]", false),
    ("ignore = [{ id = \"RUSTSEC-2024-0436\", reason = 5 }]", false),
    ("ignore = [42]", false),
];

/// Whether cargo-deny reads the configuration `text`: a configuration it takes gets as far as the check's
/// verdict (`advisories ok` or `advisories FAILED`).
fn cargo_deny_accepts(home: &Path, config: &Path, text: &str) -> bool {
    std::fs::write(config, text).unwrap();
    let output = Command::new(cargo_deny())
        .current_dir(workspace_root())
        .args(["--offline", "--color", "never", "--config", config.to_str().unwrap(), "check", "advisories"])
        .env("CARGO_HOME", home)
        .output()
        .expect("run cargo-deny");
    let said = format!("{}{}", String::from_utf8_lossy(&output.stderr), String::from_utf8_lossy(&output.stdout));
    said.contains("advisories ok") || said.contains("advisories FAILED")
}

#[test]
fn deny_toml_ignores_are_accepted_and_refused_as_cargo_deny_accepts_and_refuses_them() {
    let scratch = scratch_dir("deny-toml-differential");
    let home = cargo_deny_home(&scratch);
    let project = scratch.join("project");
    std::fs::create_dir_all(&project).unwrap();
    std::fs::copy(lockfile(LAPCE), project.join("Cargo.lock")).unwrap();
    std::fs::write(project.join("Cargo.toml"), "[package]\nname = \"app\"\nversion = \"0.1.0\"\n").unwrap();
    for (ignore, expected) in DENY_CASES {
        // cargo-deny runs `cargo metadata --offline` on this workspace: for every platform, unless the
        // configuration names targets, and Cargo's registry cache holds only what the host built.
        let text =
            format!("[graph]\ntargets = [\"x86_64-unknown-linux-gnu\"]\n\n[advisories]\nversion = 2\n{ignore}\n");
        assert_eq!(cargo_deny_accepts(&home, &scratch.join("deny.toml"), &text), *expected, "cargo-deny on {text:?}");
        std::fs::write(project.join("deny.toml"), &text).unwrap();
        let run = cratewatch_in(&project, &["audit", "--json"]);
        assert_eq!(run.code != 2, *expected, "cratewatch on {text:?}: exit {} {}", run.code, run.stderr);
        if !expected {
            assert!(run.stderr.starts_with("error: invalid cargo-deny configuration ./deny.toml"), "{}", run.stderr);
        }
    }
}

/// A `CARGO_HOME` for cargo-deny offline: the shared database cloned where cargo-deny keeps its default
/// database (`advisory-dbs/<name>-<hash of the URL>`), and the real registry cache (for `cargo metadata`).
fn cargo_deny_home(scratch: &Path) -> std::path::PathBuf {
    let home = scratch.join("cargo-home");
    let _ = std::fs::remove_dir_all(&home);
    std::fs::create_dir_all(home.join("advisory-dbs")).unwrap();
    std::os::unix::fs::symlink(real_cargo_home().join("registry"), home.join("registry")).unwrap();
    let clone = home.join("advisory-dbs/advisory-db-3157b0e258782691");
    let status = Command::new("git")
        .args(["clone", "-q", advisory_db().to_str().unwrap(), clone.to_str().unwrap()])
        .status()
        .unwrap();
    assert!(status.success());
    // cargo-deny refuses a database whose last fetch (FETCH_HEAD's time) is older than 90 days.
    std::fs::write(clone.join(".git/FETCH_HEAD"), "").unwrap();
    home
}

/// The `CARGO_HOME` the tests run with (where Cargo's registry cache is).
fn real_cargo_home() -> std::path::PathBuf {
    std::env::var_os("CARGO_HOME")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| std::path::PathBuf::from(std::env::var_os("HOME").unwrap()).join(".cargo"))
}
