use std::collections::BTreeMap;
use std::fs;

use cratewatch_testdata::{crates_index_2020, lockfiles, scratch_dir, shared_data};
use serde_json::Value;

use crate::{cratewatch, cratewatch_in};

/// (advisory id, package name, package version) of each finding, counted.
type Multiset = BTreeMap<(String, String, String), usize>;

fn multiset<'a>(findings: impl IntoIterator<Item = &'a Value>) -> Multiset {
    let mut set = Multiset::new();
    for f in findings {
        let id = f["advisory"]["id"].as_str().unwrap_or("(none)").to_owned();
        let name = f["package"]["name"].as_str().unwrap().to_owned();
        let version = f["package"]["version"].as_str().unwrap().to_owned();
        *set.entry((id, name, version)).or_default() += 1;
    }
    set
}

fn list(value: &Value) -> Vec<&Value> {
    value.as_array().map(|a| a.iter().collect()).unwrap_or_default()
}

const KINDS: [&str; 4] = ["unmaintained", "unsound", "notice", "yanked"];

#[test]
fn findings_equal_cargo_audit_on_every_shared_lockfile() {
    let pairs = lockfiles();
    assert_eq!(pairs.len(), 16);
    let mut compared = 0;
    for (lock, expected_json) in pairs {
        let expected: Value = serde_json::from_str(&fs::read_to_string(&expected_json).unwrap()).unwrap();
        let run = cratewatch(&["audit", "--no-config", "--json", "--file", lock.to_str().unwrap()]);
        let name = lock.file_name().unwrap().to_string_lossy();
        assert!(run.code == 0 || run.code == 1, "{name}: exit {} {}", run.code, run.stderr);
        let ours = run.json();

        let expected_vulns = multiset(list(&expected["vulnerabilities"]["list"]));
        let our_vulns = multiset(list(&ours["vulnerabilities"]["list"]));
        assert_eq!(our_vulns, expected_vulns, "{name}: vulnerabilities differ");
        assert_eq!(ours["vulnerabilities"]["count"], expected["vulnerabilities"]["count"], "{name}");
        assert_eq!(ours["vulnerabilities"]["found"], expected["vulnerabilities"]["found"], "{name}");
        assert_eq!(run.code, i32::from(!expected_vulns.is_empty()), "{name}: exit code");
        for kind in KINDS {
            let theirs = multiset(list(&expected["warnings"][kind]));
            let mine = multiset(list(&ours["warnings"][kind]));
            assert_eq!(mine, theirs, "{name}: {kind} warnings differ");
        }
        assert_eq!(ours["lockfile"], expected["lockfile"], "{name}: dependency count");
        assert_eq!(ours["database"]["advisory-count"], expected["database"]["advisory-count"]);
        compared += our_vulns.values().sum::<usize>();
    }
    assert!(compared > 100, "only {compared} vulnerabilities compared");
}

/// Every cargo-audit key of every finding's advisory, versions, affected and package equals ours.
#[test]
fn json_carries_cargo_audit_fields_exactly() {
    let advisory_keys = [
        "id",
        "package",
        "title",
        "description",
        "date",
        "aliases",
        "related",
        "collection",
        "categories",
        "keywords",
        "cvss",
        "informational",
        "references",
        "source",
        "url",
        "withdrawn",
        "license",
        "expect-deleted",
    ];
    let mut checked = 0;
    for (lock, expected_json) in lockfiles() {
        let expected: Value = serde_json::from_str(&fs::read_to_string(&expected_json).unwrap()).unwrap();
        let ours = cratewatch(&["audit", "--no-config", "--json", "--file", lock.to_str().unwrap()]).json();
        let mut theirs_all: Vec<&Value> = list(&expected["vulnerabilities"]["list"]);
        let mut ours_all: Vec<&Value> = list(&ours["vulnerabilities"]["list"]);
        for kind in KINDS {
            theirs_all.extend(list(&expected["warnings"][kind]));
            ours_all.extend(list(&ours["warnings"][kind]));
        }
        for theirs in theirs_all {
            let key = |f: &Value| {
                (f["advisory"]["id"].clone(), f["package"]["name"].clone(), f["package"]["version"].clone())
            };
            let mine =
                ours_all.iter().find(|f| key(f) == key(theirs)).expect("finding present (checked by the other test)");
            for field in advisory_keys {
                assert_eq!(mine["advisory"][field], theirs["advisory"][field], "{:?} advisory.{field}", key(theirs));
            }
            assert_eq!(mine["versions"], theirs["versions"], "{:?} versions", key(theirs));
            assert_eq!(mine["affected"], theirs["affected"], "{:?} affected", key(theirs));
            assert_eq!(mine.get("kind"), theirs.get("kind"), "{:?} kind", key(theirs));
            for field in ["name", "version", "source", "checksum", "replace"] {
                assert_eq!(mine["package"][field], theirs["package"][field], "{:?} package.{field}", key(theirs));
            }
            checked += 1;
        }
    }
    assert!(checked > 300, "only {checked} findings checked");
}

fn lockfile(stem: &str) -> String {
    shared_data().join("lockfiles").join(format!("{stem}.Cargo.lock")).to_string_lossy().into_owned()
}

const LAPCE: &str = "lapce__lapce__2024-01-05__9424a333";
const STARSHIP: &str = "starship__starship__2019-04-01__ca3f4390";
const WATCHEXEC: &str = "watchexec__watchexec__2026-08-22__225e0eff";

#[test]
fn sarif_results_point_at_the_package_entry() {
    let path = lockfile(LAPCE);
    let run = cratewatch(&["audit", "--no-config", "--format", "sarif", "--file", &path]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let sarif = run.json();
    assert_eq!(sarif["version"], "2.1.0");
    let lines: Vec<&str> = include_lines(&path);
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), 49 + 38);
    for result in results {
        let location = &result["locations"][0]["physicalLocation"];
        let line = location["region"]["startLine"].as_u64().unwrap() as usize;
        assert!(line > 1);
        let package = result["locations"][0]["logicalLocations"][0]["name"].as_str().unwrap();
        let (name, version) = package.split_once(' ').unwrap();
        assert_eq!(lines[line - 1], "[[package]]", "line {line} for {package}");
        assert_eq!(lines[line], format!("name = \"{name}\""));
        assert_eq!(lines[line + 1], format!("version = \"{version}\""));
    }
    let rules = sarif["runs"][0]["tool"]["driver"]["rules"].as_array().unwrap();
    assert!(rules.iter().all(|r| results.iter().any(|res| res["ruleId"] == r["id"])));
}

fn include_lines(path: &str) -> Vec<&'static str> {
    let text: &'static str = Box::leak(fs::read_to_string(path).unwrap().into_boxed_str());
    text.lines().collect()
}

#[test]
fn human_output_shows_title_severity_path_and_fix() {
    let run = cratewatch(&["audit", "--no-config", "--file", &lockfile(STARSHIP)]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    insta::assert_snapshot!("human_starship", run.stdout);

    let run = cratewatch(&["audit", "--no-config", "--file", &lockfile(LAPCE)]);
    assert_eq!(run.code, 1);
    let block = run.stdout.split("\n\n").find(|b| b.contains("RUSTSEC-2026-0007")).expect("bytes advisory block");
    insta::assert_snapshot!("human_lapce_bytes_block", block);
}

#[test]
fn clean_lockfile_exits_zero_and_deny_turns_warnings_into_failure() {
    let run = cratewatch(&["audit", "--no-config", "--file", &lockfile(WATCHEXEC)]);
    assert_eq!((run.code, run.stdout.contains("0 vulnerabilities and 0 warnings")), (0, true), "{}", run.stdout);

    let starship = lockfile(STARSHIP);
    assert_eq!(cratewatch(&["audit", "--no-config", "--file", &starship]).code, 0);
    let denied = cratewatch(&["audit", "--no-config", "--deny", "warnings", "--file", &starship]);
    assert_eq!(denied.code, 1);
    assert!(denied.stdout.contains("failed (denied warnings): 0 vulnerabilities and 3 warnings"), "{}", denied.stdout);
    assert_eq!(cratewatch(&["audit", "--no-config", "--deny", "unsound", "--file", &starship]).code, 1);
    assert_eq!(cratewatch(&["audit", "--no-config", "--deny", "notice", "--file", &starship]).code, 0);
}

#[test]
fn ignores_from_flags_and_config_with_reason_and_expiry() {
    let lapce = lockfile(LAPCE);
    let base = cratewatch(&["audit", "--no-config", "--json", "--file", &lapce]).json();
    let count = |v: &Value| v["vulnerabilities"]["count"].as_u64().unwrap();
    let bytes_hits =
        list(&base["vulnerabilities"]["list"]).iter().filter(|f| f["advisory"]["id"] == "RUSTSEC-2026-0007").count();
    assert!(bytes_hits > 0);

    let flagged =
        cratewatch(&["audit", "--no-config", "--json", "--ignore", "RUSTSEC-2026-0007", "--file", &lapce]).json();
    assert_eq!(count(&flagged), count(&base) - bytes_hits as u64);
    assert_eq!(flagged["ignores"][0]["status"], "applied");

    // An alias ignores too.
    let by_alias =
        cratewatch(&["audit", "--no-config", "--json", "--ignore", "CVE-2026-25541", "--file", &lapce]).json();
    assert_eq!(count(&by_alias), count(&flagged));

    let dir = scratch_dir("ignore-config");
    fs::create_dir_all(dir.join(".cargo")).unwrap();
    fs::copy(&lapce, dir.join("Cargo.lock")).unwrap();
    // Reasons and expiries live in the manifest's table (cargo-audit refuses them in audit.toml). An
    // empty deny.toml beside it ends cargo-deny's upward search (which would find this repository's).
    fs::write(dir.join("deny.toml"), "").unwrap();
    fs::write(dir.join(".cargo/audit.toml"), "[advisories]\nignore = [\"RUSTSEC-2099-0001\"]\n").unwrap();
    fs::write(
        dir.join("Cargo.toml"),
        r#"[package]
name = "app"
version = "0.1.0"

[package.metadata.cratewatch]
ignore = [
  { id = "RUSTSEC-2026-0007", reason = "we never call BytesMut::reserve", expires = "2999-01-01" },
  { id = "RUSTSEC-2024-0445", reason = "windows only, we ship linux", expires = "2020-01-01" },
]
"#,
    )
    .unwrap();
    let run = cratewatch_in(&dir, &["audit", "--json"]);
    let json = run.json();
    assert_eq!(count(&json), count(&flagged), "config ignore applied, expired one not");
    let statuses: Vec<&str> = list(&json["ignores"]).iter().map(|i| i["status"].as_str().unwrap()).collect();
    assert_eq!(statuses, ["unused", "applied", "expired"], "audit.toml's first, then the manifest's");
    assert_eq!(json["ignores"][1]["reason"], "we never call BytesMut::reserve");

    let human = cratewatch_in(&dir, &["audit"]);
    assert!(
        human.stdout.contains(
            "the ignore for RUSTSEC-2024-0445 (./Cargo.toml [package.metadata.cratewatch]) expired on 2020-01-01"
        ),
        "{}",
        human.stdout
    );
    assert!(human.stdout.contains("the ignore for RUSTSEC-2099-0001 (./.cargo/audit.toml) matched no finding"));
    assert!(human.stdout.contains(
        "ignored RUSTSEC-2026-0007 in bytes 1.5.0 (./Cargo.toml [package.metadata.cratewatch] until 2999-01-01): we \
         never call BytesMut::reserve"
    ));
}

#[test]
fn target_filters_drop_advisories_for_other_platforms() {
    let lapce = lockfile(LAPCE);
    let has_windows_only = |args: &[&str]| {
        let mut all = vec!["audit", "--no-config", "--json", "--file", lapce.as_str()];
        all.extend(args);
        let json = cratewatch(&all).json();
        list(&json["vulnerabilities"]["list"]).iter().any(|f| f["advisory"]["id"] == "RUSTSEC-2024-0445")
    };
    assert!(has_windows_only(&[]));
    assert!(has_windows_only(&["--target-os", "windows"]));
    assert!(!has_windows_only(&["--target-os", "linux"]));
    assert!(has_windows_only(&["--target-os", "linux", "--target-os", "windows"]));
    let typo = cratewatch(&["audit", "--no-config", "--target-os", "linx", "--file", lapce.as_str()]);
    assert_eq!(typo.code, 2);
    assert!(typo.stderr.contains("unknown target OS `linx`"), "{}", typo.stderr);
}

#[test]
fn yanked_versions_are_warnings_when_an_index_is_given() {
    // serde 1.0.95 is yanked in the 2020 index.
    let dir = scratch_dir("yanked");
    fs::write(
        dir.join("Cargo.lock"),
        r#"version = 3

[[package]]
name = "app"
version = "0.1.0"
dependencies = ["serde"]

[[package]]
name = "serde"
version = "1.0.95"
source = "registry+https://github.com/rust-lang/crates.io-index"
"#,
    )
    .unwrap();
    let index = crates_index_2020();
    let run = cratewatch_in(&dir, &["audit", "--json", "--index", index.to_str().unwrap()]);
    let json = run.json();
    let yanked = list(&json["warnings"]["yanked"]);
    assert_eq!(yanked.len(), 1, "{}", run.stdout);
    assert_eq!(yanked[0]["package"]["version"], "1.0.95");
    assert_eq!(yanked[0]["fix"]["compatible"], true);
    assert_eq!(run.code, 0);
    assert_eq!(cratewatch_in(&dir, &["audit", "--deny", "yanked", "--index", index.to_str().unwrap()]).code, 1);
    let no_index = cratewatch_in(&dir, &["audit", "--deny", "yanked"]);
    assert_eq!(no_index.code, 2);
    assert!(no_index.stderr.contains("--index"), "{}", no_index.stderr);
}

#[test]
fn every_lockfile_format_parses() {
    let mut versions = BTreeMap::new();
    for (lock, _) in lockfiles() {
        let json = cratewatch(&["audit", "--no-config", "--json", "--file", lock.to_str().unwrap()]).json();
        let text = fs::read_to_string(&lock).unwrap();
        let version = text
            .lines()
            .find_map(|l| l.strip_prefix("version = "))
            .filter(|_| !text.starts_with("[[package]]") && !text.starts_with("[root]"));
        *versions.entry(version.map(str::to_owned)).or_insert(0) += 1;
        assert!(json["lockfile"]["dependency-count"].as_u64().unwrap() > 0);
    }
    assert!(versions.len() >= 3, "{versions:?}");
}

#[test]
fn bad_input_is_one_line_and_exit_two() {
    let missing = cratewatch(&["audit", "--no-config", "--file", "/nonexistent/Cargo.lock"]);
    assert_eq!(missing.code, 2);
    assert_eq!(missing.stderr.lines().count(), 1, "{}", missing.stderr);
    assert!(missing.stderr.contains("/nonexistent/Cargo.lock"), "{}", missing.stderr);

    let dir = scratch_dir("bad-input");
    let cases = [
        ("garbage.lock", "this is [not toml\n", "line 1"),
        ("no-version.lock", "[[package]]\nname = \"x\"\n", "has no `version`"),
        ("bad-version.lock", "version = 3\n\n[[package]]\nname = \"x\"\nversion = \"one\"\n", "line 3"),
        (
            "dangling.lock",
            "version = 3\n\n[[package]]\nname = \"x\"\nversion = \"1.0.0\"\ndependencies = [\"y\"]\n",
            "not in the lockfile",
        ),
        ("future.lock", "version = 99\n", "unsupported lockfile version 99"),
    ];
    for (file, text, needle) in cases {
        fs::write(dir.join(file), text).unwrap();
        let run = cratewatch_in(&dir, &["audit", "--no-config", "--file", file]);
        assert_eq!(run.code, 2, "{file}: {}", run.stderr);
        assert_eq!(run.stderr.lines().count(), 1, "{file}: {}", run.stderr);
        assert!(run.stderr.contains(file) && run.stderr.contains(needle), "{file}: {}", run.stderr);
        assert!(!run.stderr.contains("panicked"));
    }

    let no_db = cratewatch(&["audit", "--no-config", "--db", "/nonexistent/db", "--file", &lockfile(STARSHIP)]);
    assert_eq!(no_db.code, 2);
    assert!(no_db.stderr.contains("/nonexistent/db"), "{}", no_db.stderr);

    // A table in audit.toml's ignore list is refused, as cargo-audit refuses it.
    fs::write(dir.join("audit.toml"), "[advisories]\nignore = [{ id = \"X\", expires = \"2099-01-01\" }]\n").unwrap();
    let bad_config = cratewatch_in(&dir, &["audit", "--config", "audit.toml", "--file", &lockfile(STARSHIP)]);
    assert_eq!(bad_config.code, 2);
    assert!(
        bad_config.stderr.contains("audit.toml: line 2: invalid type: map, expected a string"),
        "{}",
        bad_config.stderr
    );
    // A bad expiry in the manifest's table names the file and the value.
    let project = dir.join("bad-expiry");
    fs::create_dir_all(&project).unwrap();
    fs::copy(lockfile(STARSHIP), project.join("Cargo.lock")).unwrap();
    fs::write(
        project.join("Cargo.toml"),
        "[package]\nname = \"app\"\nversion = \"0.1.0\"\n\n[package.metadata.cratewatch]\nignore = [{ id = \"X\", expires = \"tomorrow\" }]\n",
    )
    .unwrap();
    let bad_expiry = cratewatch_in(&project, &["audit"]);
    assert_eq!(bad_expiry.code, 2);
    assert!(
        bad_expiry.stderr.contains("Cargo.toml") && bad_expiry.stderr.contains("tomorrow"),
        "{}",
        bad_expiry.stderr
    );
}

#[test]
fn broken_pipe_is_a_clean_exit() {
    let script = format!(
        "'{}' audit --no-config --file '{}' | head -c 10 >/dev/null; echo \"status=${{PIPESTATUS[0]}}\"",
        env!("CARGO_BIN_EXE_cratewatch"),
        lockfile(LAPCE)
    );
    let output = std::process::Command::new("bash")
        .arg("-c")
        .arg(script)
        .env("CRATEWATCH_CACHE_DIR", crate::shared_cache())
        .env("CRATEWATCH_DB", cratewatch_testdata::advisory_db())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(!stderr.contains("panicked") && !stderr.contains("error"), "{stderr}");
    assert!(stdout.contains("status=1") || stdout.contains("status=0"), "{stdout}");
}

#[test]
fn help_is_documented() {
    let run = cratewatch(&["audit", "--help"]);
    assert_eq!(run.code, 0);
    insta::assert_snapshot!("audit_help", run.stdout);
}

#[test]
fn damaged_cache_records_heal_within_the_same_run() {
    let cache = scratch_dir("damaged-cache");
    let lapce = lockfile(LAPCE);
    let args = ["audit", "--no-config", "--json", "--cache-dir", cache.to_str().unwrap(), "--file", lapce.as_str()];
    let clean = cratewatch(&args).json();
    // Overwrite the second half of the cache file (records of packages named m..z) without changing its length.
    let file = fs::read_dir(&cache)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|e| e == "cwdb"))
        .unwrap();
    let mut bytes = fs::read(&file).unwrap();
    let half = bytes.len() / 2;
    bytes[half..].fill(0xff);
    fs::write(&file, bytes).unwrap();
    let run = cratewatch(&args);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(
        multiset(list(&run.json()["vulnerabilities"]["list"])),
        multiset(list(&clean["vulnerabilities"]["list"]))
    );
}

/// The report is rendered while the cache's freshness is still being checked, and written only once it
/// is confirmed: an advisory edited in place, its size and modification time kept, must show in the
/// very next report, never the one rendered from the stale cache.
#[test]
fn an_advisory_edited_in_place_shows_in_the_next_report() {
    let db = cratewatch_testdata::advisory_db_copy("edited-in-place-db");
    let cache = scratch_dir("edited-in-place-cache");
    let lapce = lockfile(LAPCE);
    for json in [true, false] {
        let mut args =
            vec!["audit", "--no-config", "--db", db.to_str().unwrap(), "--cache-dir", cache.to_str().unwrap()];
        args.extend(["--file", lapce.as_str()]);
        if json {
            args.push("--json");
        }
        let first = cratewatch(&args);
        assert_eq!(first.code, 1, "{}", first.stderr);
        let report = cratewatch(&["audit", "--no-config", "--json", "--db", db.to_str().unwrap(), "--file", &lapce]);
        let id = report.json()["vulnerabilities"]["list"][0]["advisory"]["id"].as_str().unwrap().to_owned();
        let path = fs::read_dir(db.join("crates"))
            .unwrap()
            .map(|krate| krate.unwrap().path().join(format!("{id}.md")))
            .find(|p| p.exists())
            .unwrap();
        let text = fs::read_to_string(&path).unwrap();
        let modified = fs::metadata(&path).unwrap().modified().unwrap();
        // The title's first letter, replaced by another ASCII letter: same size.
        let at = text.find("\n# ").unwrap() + 3;
        let letter = if json { "Q" } else { "Z" };
        let edited = format!("{}{letter}{}", &text[..at], &text[at + 1..]);
        let title = edited[at..].lines().next().unwrap().to_owned();
        assert_eq!(edited.len(), text.len());
        fs::write(&path, &edited).unwrap();
        fs::File::options().write(true).open(&path).unwrap().set_modified(modified).unwrap();

        let second = cratewatch(&args);
        assert_eq!(second.code, 1, "{}", second.stderr);
        assert!(second.stdout.contains(&title), "{id}'s new title `{title}` is not in:\n{}", second.stdout);
        assert!(second.stderr.contains("note: compiled"), "the cache was rebuilt: {}", second.stderr);
    }
}

#[test]
fn several_databases_are_audited_as_one_merged_view() {
    use cratewatch_testdata::advisory_db;
    let crate::MergedSources { private, ghsa, lock } = crate::merged_sources("audit-merged");
    let db_args = |list: &[&std::path::Path]| -> Vec<String> {
        list.iter().flat_map(|p| ["--db".to_owned(), p.display().to_string()]).collect()
    };
    let mut args: Vec<String> = ["audit", "--no-config", "--json", "--file"].iter().map(|s| s.to_string()).collect();
    args.push(lock.display().to_string());
    args.extend(db_args(&[&advisory_db(), &private, &ghsa]));
    let run = cratewatch(&args.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(run.code, 1, "{}", run.stderr);
    let json = run.json();
    let vulnerable: Vec<(String, String)> = list(&json["vulnerabilities"]["list"])
        .iter()
        .map(|f| (f["advisory"]["id"].as_str().unwrap().to_owned(), f["package"]["name"].as_str().unwrap().to_owned()))
        .collect();
    assert!(vulnerable.contains(&("GHSA-bbbb-cccc-dddd".to_owned(), "base64".to_owned())), "{vulnerable:?}");
    assert!(vulnerable.contains(&("RUSTSEC-2021-0003".to_owned(), "smallvec".to_owned())), "{vulnerable:?}");
    assert!(vulnerable.iter().all(|(id, _)| id != "GHSA-zzzz-9j62-hq99"), "aliases are shown once: {vulnerable:?}");
    let smallvec = list(&json["vulnerabilities"]["list"])
        .into_iter()
        .find(|f| f["advisory"]["id"] == "RUSTSEC-2021-0003")
        .unwrap();
    assert!(smallvec["advisory"]["aliases"].as_array().unwrap().contains(&Value::from("GHSA-zzzz-9j62-hq99")));
    // The private advisory is informational (unsound), as its source says.
    let unsound: Vec<&str> =
        list(&json["warnings"]["unsound"]).iter().map(|f| f["advisory"]["id"].as_str().unwrap()).collect();
    assert_eq!(unsound, ["RUSTSEC-2099-0001"]);
    // Without the extra sources, neither appears.
    let alone = cratewatch(&["audit", "--no-config", "--json", "--file", lock.to_str().unwrap()]);
    assert!(!alone.stdout.contains("GHSA-bbbb-cccc-dddd") && !alone.stdout.contains("RUSTSEC-2099-0001"));
    // db check reports the merge's conflicts with the file they come from.
    let mut check: Vec<String> = vec!["db".into(), "check".into()];
    check.extend(db_args(&[&advisory_db(), &ghsa]));
    let run = cratewatch(&check.iter().map(String::as_str).collect::<Vec<_>>());
    assert!(run.stdout.contains("GHSA-zzzz-9j62-hq99.json: warning[versions-conflict]"), "{}", run.stdout);
}

fn audit_fixture(name: &str) -> String {
    cratewatch_testdata::workspace_root()
        .join("crates/cratewatch-audit/tests/fixtures")
        .join(name)
        .to_string_lossy()
        .into_owned()
}

/// A workspace with a path package and a registry package of one name and version, as Cargo writes
/// it in v3 and v4: the registry copy is audited, the path copy is not, and the dependency path goes
/// through the reference Cargo wrote for each.
#[test]
fn a_path_and_a_registry_package_of_one_name_and_version_are_audited_as_cargo_wrote_them() {
    for name in ["path-and-registry-same-version.v3.Cargo.lock", "path-and-registry-same-version.v4.Cargo.lock"] {
        let run = cratewatch(&["audit", "--no-config", "--json", "--file", &audit_fixture(name)]);
        assert_eq!(run.code, 1, "{name}: {}", run.stderr);
        let json = run.json();
        assert_eq!(json["lockfile"]["dependency-count"], 8, "{name}");
        let vulnerabilities = list(&json["vulnerabilities"]["list"]);
        assert_eq!(vulnerabilities.len(), 1, "{name}");
        let smallvec = vulnerabilities[0];
        assert_eq!(smallvec["advisory"]["id"], "RUSTSEC-2021-0003");
        assert_eq!(smallvec["package"]["source"], "registry+https://github.com/rust-lang/crates.io-index");
        assert_eq!(smallvec["dependency_path"], serde_json::json!(["app 0.1.0", "smallvec 0.6.10"]));
        assert!(!run.stderr.contains("depends on"), "{name}: {}", run.stderr);
    }
}

/// A hand-edited v4 file that names a dependency it no longer holds (the shape of cargo-lock's own v4
/// example) is audited, as cargo-audit audits it, with a note naming the reference's line.
#[test]
fn a_dependency_absent_from_the_file_is_a_note_and_every_package_is_audited() {
    let path = audit_fixture("dependency-not-in-file.v4.Cargo.lock");
    let run = cratewatch(&["audit", "--no-config", "--json", "--file", &path]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(run.json()["lockfile"]["dependency-count"], 6);
    assert!(
        run.stderr.contains(&format!(
            "note: {path}:9: `app 0.1.0` depends on `itoa 0.3.4`, which names no package of the file; the \
             dependency is left out of dependency paths"
        )),
        "{}",
        run.stderr
    );
    let quiet = cratewatch(&["audit", "--no-config", "--quiet", "--json", "--file", &path]);
    assert!(quiet.stderr.is_empty(), "{}", quiet.stderr);
}

/// A source cratewatch cannot read used to hide its package ("0 vulnerabilities"); like cargo-audit,
/// it is now an error naming the file and the line.
#[test]
fn an_unreadable_source_is_an_error_naming_the_file_and_line_never_a_hidden_package() {
    let dir = scratch_dir("unreadable-source");
    let text = fs::read_to_string(audit_fixture("path-and-registry-same-version.v3.Cargo.lock")).unwrap();
    let broken = text.replacen(
        "version = \"0.6.10\"\nsource = \"registry+https://github.com/rust-lang/crates.io-index\"",
        "version = \"0.6.10\"\nsource = \"registry+not a url\"",
        1,
    );
    assert_ne!(broken, text);
    fs::write(dir.join("Cargo.lock"), broken).unwrap();
    let run = cratewatch_in(&dir, &["audit", "--no-config", "--file", "Cargo.lock"]);
    assert_eq!(run.code, 2, "{}", run.stdout);
    assert_eq!(
        run.stderr.trim_end(),
        "error: Cargo.lock: line 55: package `smallvec`: invalid source `registry+not a url`: invalid URL: relative \
         URL without a base"
    );

    // Bytes that are not UTF-8 are named by line too.
    let mut bytes = text.into_bytes();
    bytes[200] = 0xff;
    fs::write(dir.join("Cargo.lock"), &bytes).unwrap();
    let line = bytes[..200].iter().filter(|&&b| b == b'\n').count() + 1;
    let run = cratewatch_in(&dir, &["audit", "--no-config", "--file", "Cargo.lock"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.starts_with(&format!("error: Cargo.lock: line {line}: the lockfile is not UTF-8")),
        "{}",
        run.stderr
    );
}

/// A package name is any TOML string; escape sequences in one never reach the terminal as such.
#[test]
fn control_characters_in_package_names_are_escaped_in_human_output() {
    let dir = scratch_dir("control-characters");
    let text = fs::read_to_string(audit_fixture("dependency-not-in-file.v4.Cargo.lock"))
        .unwrap()
        .replace("name = \"app\"", "name = \"app\\u001b[2J\"");
    fs::write(dir.join("Cargo.lock"), text).unwrap();
    let run = cratewatch_in(&dir, &["audit", "--no-config", "--file", "Cargo.lock"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.stdout.contains("path: app\\u{1b}[2J 0.1.0 → smallvec 0.6.10"), "{}", run.stdout);
    assert!(!run.stdout.contains('\u{1b}') && !run.stderr.contains('\u{1b}'), "{}{}", run.stdout, run.stderr);
}
