//! Only what is really built: with a `Cargo.toml` beside the lockfile, Cargo's own resolution
//! (`cargo tree --locked --offline`, its feature resolution) tells built packages from locked-only ones, honouring the
//! feature and target flags. The project here is real and resolved by Cargo, offline: its registry
//! crates come from a vendored directory source, so no network is needed.

use std::path::{Path, PathBuf};
use std::process::Command;

use cratewatch_testdata::scratch_dir;
use serde_json::Value;

use crate::cratewatch_in;

/// A crate of the vendored source: an empty library of that name and version.
fn vendor(root: &Path, name: &str, version: &str) {
    let dir = root.join("vendor").join(format!("{name}-{version}"));
    std::fs::create_dir_all(dir.join("src")).unwrap();
    std::fs::write(
        dir.join("Cargo.toml"),
        format!("[package]\nname = \"{name}\"\nversion = \"{version}\"\nedition = \"2015\"\n\n[lib]\npath = \"src/lib.rs\"\n"),
    )
    .unwrap();
    std::fs::write(dir.join("src/lib.rs"), "").unwrap();
    std::fs::write(dir.join(".cargo-checksum.json"), "{\"files\":{},\"package\":null}").unwrap();
}

/// `app` depends on smallvec 0.6.10 always, on base64 0.5.1 through an optional feature, and on
/// time 0.1.40 on Windows only; each version has an advisory (RUSTSEC-2021-0003, RUSTSEC-2017-0004,
/// RUSTSEC-2020-0071).
fn project(name: &str) -> PathBuf {
    let root = scratch_dir(name);
    std::fs::create_dir_all(root.join("src")).unwrap();
    std::fs::create_dir_all(root.join(".cargo")).unwrap();
    std::fs::write(root.join("src/lib.rs"), "").unwrap();
    std::fs::write(
        root.join("Cargo.toml"),
        "[package]\nname = \"app\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[dependencies]\nsmallvec = \"=0.6.10\"\n\
         base64 = { version = \"=0.5.1\", optional = true }\n\n[target.'cfg(windows)'.dependencies]\ntime = \"=0.1.40\"\n\n\
         [workspace]\n",
    )
    .unwrap();
    std::fs::write(
        root.join(".cargo/config.toml"),
        "[source.crates-io]\nreplace-with = \"vendored\"\n\n[source.vendored]\ndirectory = \"vendor\"\n",
    )
    .unwrap();
    for (name, version) in [("smallvec", "0.6.10"), ("base64", "0.5.1"), ("time", "0.1.40")] {
        vendor(&root, name, version);
    }
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let output = Command::new(cargo).current_dir(&root).args(["generate-lockfile", "--offline"]).output().unwrap();
    assert!(output.status.success(), "cargo generate-lockfile: {}", String::from_utf8_lossy(&output.stderr));
    root
}

fn ids(findings: &Value) -> Vec<(String, String)> {
    let mut ids: Vec<(String, String)> = findings
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["advisory"]["id"].as_str().unwrap().to_owned(), f["package"]["name"].as_str().unwrap().to_owned()))
        .collect();
    ids.sort();
    ids
}

fn pair(id: &str, name: &str) -> (String, String) {
    (id.to_owned(), name.to_owned())
}

#[test]
fn locked_only_packages_are_reported_apart_and_do_not_fail_the_run() {
    let root = project("built-packages");
    let lock = std::fs::read_to_string(root.join("Cargo.lock")).unwrap();
    assert!(lock.contains("name = \"base64\"") && lock.contains("name = \"time\""), "Cargo locks them all:\n{lock}");

    // Every platform: smallvec and time are built, base64 (feature off) is locked only.
    let run = cratewatch_in(&root, &["audit", "--json"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let json = run.json();
    assert_eq!(
        ids(&json["vulnerabilities"]["list"]),
        [pair("RUSTSEC-2020-0071", "time"), pair("RUSTSEC-2021-0003", "smallvec")]
    );
    assert_eq!(ids(&json["locked_only"]), [pair("RUSTSEC-2017-0004", "base64")]);

    // Linux only: time is locked only too.
    let linux = cratewatch_in(&root, &["audit", "--json", "--target", "x86_64-unknown-linux-gnu"]).json();
    assert_eq!(ids(&linux["vulnerabilities"]["list"]), [pair("RUSTSEC-2021-0003", "smallvec")]);
    assert_eq!(ids(&linux["locked_only"]), [pair("RUSTSEC-2017-0004", "base64"), pair("RUSTSEC-2020-0071", "time")]);

    // The feature on: base64 is built.
    for flags in [&["--features", "base64"][..], &["--all-features"][..]] {
        let mut args = vec!["audit", "--json", "--target", "x86_64-unknown-linux-gnu"];
        args.extend(flags);
        let json = cratewatch_in(&root, &args).json();
        assert_eq!(
            ids(&json["vulnerabilities"]["list"]),
            [pair("RUSTSEC-2017-0004", "base64"), pair("RUSTSEC-2021-0003", "smallvec")],
            "{flags:?}"
        );
    }

    // Locked-only findings alone do not fail the run, unless denied; the human report shows them apart.
    std::fs::write(
        root.join("Cargo.toml"),
        std::fs::read_to_string(root.join("Cargo.toml")).unwrap().replace("smallvec = \"=0.6.10\"\n", ""),
    )
    .unwrap();
    std::fs::write(root.join("Cargo.lock"), &lock).unwrap();
    // The lockfile still holds smallvec, which the manifest no longer asks for: `--locked` refuses it,
    // the audit says why and counts every package as built.
    let stale = cratewatch_in(&root, &["audit", "--json"]);
    assert!(stale.stderr.contains("cannot tell built packages from locked-only ones"), "{}", stale.stderr);
    assert_eq!(stale.json()["locked_only"], serde_json::json!([]));
    let root = project("built-packages-clean");
    std::fs::write(
        root.join("Cargo.toml"),
        std::fs::read_to_string(root.join("Cargo.toml")).unwrap().replace("smallvec = \"=0.6.10\"\n", ""),
    )
    .unwrap();
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    assert!(
        Command::new(cargo).current_dir(&root).args(["generate-lockfile", "--offline"]).status().unwrap().success()
    );
    let human = cratewatch_in(&root, &["audit", "--target", "x86_64-unknown-linux-gnu"]);
    assert_eq!(human.code, 0, "{}{}", human.stdout, human.stderr);
    assert!(
        human.stdout.contains("locked-only: 2 finding(s) in packages that are locked but not built"),
        "{}",
        human.stdout
    );
    assert!(
        human.stdout.contains("ok: 0 vulnerabilities and 0 warnings in 3 packages, 2 in locked-only packages"),
        "{}",
        human.stdout
    );
    let denied = cratewatch_in(&root, &["audit", "--target", "x86_64-unknown-linux-gnu", "--deny", "locked-only"]);
    assert_eq!(denied.code, 1);
    assert!(denied.stdout.contains("failed (locked-only findings denied)"), "{}", denied.stdout);
    let sarif = cratewatch_in(&root, &["audit", "--target", "x86_64-unknown-linux-gnu", "--format", "sarif"]).json();
    let levels: Vec<&str> =
        sarif["runs"][0]["results"].as_array().unwrap().iter().map(|r| r["level"].as_str().unwrap()).collect();
    assert_eq!(levels, ["note", "note"]);

    // Without a manifest, as before: everything counts.
    std::fs::remove_file(root.join("Cargo.toml")).unwrap();
    let bare = cratewatch_in(&root, &["audit", "--json"]).json();
    assert_eq!(bare["vulnerabilities"]["count"], 2);
    assert_eq!(bare["locked_only"], serde_json::json!([]));
}
