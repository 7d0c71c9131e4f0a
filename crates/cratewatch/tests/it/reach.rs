//! `cratewatch reach`: its views on a small registry written here (snapshots), its errors, and the real
//! 2020 index, whose Parquet export DuckDB reads back to the same per-advisory counts.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use cratewatch_testdata::{advisory_db, crates_index_2020, scratch_dir, workspace_root};

use crate::{Run, cratewatch};

/// A registry of five crates and an advisory database of two advisories:
///
/// - `vuln` 1.0.0 and 1.0.1 are affected by RUSTSEC-2099-0001, 1.1.0 is not;
/// - `pins` 1.0.0 requires `vuln = "=1.0.1"`, `pins` 1.1.0 requires `^1.1`;
/// - `loose` requires `vuln = "^1.0"` (fresh resolution 1.1.0; older lockfiles 1.0.x);
/// - `top` requires `pins = "=1.0.0"`, and is unmaintained (RUSTSEC-2099-0002);
/// - `app` requires `top` and `loose`.
fn fixture(test: &str) -> (PathBuf, PathBuf) {
    let dir = scratch_dir(&format!("reach-cli-{test}"));
    let index = dir.join("index");
    let line = |name: &str, vers: &str, deps: &[(&str, &str)]| {
        let deps: Vec<String> = deps
            .iter()
            .map(|(n, r)| {
                format!(
                    r#"{{"name":"{n}","req":"{r}","features":[],"optional":false,"default_features":true,"target":null,"kind":"normal"}}"#
                )
            })
            .collect();
        format!(
            r#"{{"name":"{name}","vers":"{vers}","deps":[{}],"cksum":"{:064x}","features":{{}},"yanked":false}}"#,
            deps.join(","),
            vers.len()
        )
    };
    let crates: BTreeMap<&str, Vec<String>> = BTreeMap::from([
        ("vuln", vec![line("vuln", "1.0.0", &[]), line("vuln", "1.0.1", &[]), line("vuln", "1.1.0", &[])]),
        ("pins", vec![line("pins", "1.0.0", &[("vuln", "=1.0.1")]), line("pins", "1.1.0", &[("vuln", "^1.1")])]),
        ("loose", vec![line("loose", "1.0.0", &[("vuln", "^1.0")])]),
        ("top", vec![line("top", "1.0.0", &[("pins", "=1.0.0")])]),
        ("app", vec![line("app", "0.1.0", &[("top", "^1"), ("loose", "^1")])]),
    ]);
    fs::create_dir_all(&index).unwrap();
    fs::write(index.join("config.json"), r#"{"dl":"https://crates.io/api/v1/crates"}"#).unwrap();
    for (name, lines) in crates {
        let path = match name.len() {
            3 => index.join("3").join(&name[..1]).join(name),
            _ => index.join(&name[..2]).join(&name[2..4]).join(name),
        };
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, lines.join("\n") + "\n").unwrap();
    }
    let db = dir.join("db");
    let advisory = |id: &str, package: &str, extra: &str, patched: &str, title: &str| {
        let path = db.join("crates").join(package).join(format!("{id}.md"));
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(
            path,
            format!(
                "```toml\n[advisory]\nid = \"{id}\"\npackage = \"{package}\"\ndate = \"2099-01-01\"\n{extra}\n\n\
                 [versions]\npatched = [{patched}]\n```\n\n# {title}\n\nDescription.\n"
            ),
        )
        .unwrap();
    };
    advisory("RUSTSEC-2099-0001", "vuln", "", "\">= 1.1.0\"", "Memory corruption in vuln");
    advisory("RUSTSEC-2099-0002", "top", "informational = \"unmaintained\"", "", "top is unmaintained");
    (index, db)
}

fn reach(index: &Path, db: &Path, extra: &[&str]) -> Run {
    let mut args = vec!["reach", "--index", index.to_str().unwrap(), "--db", db.to_str().unwrap()];
    args.extend_from_slice(extra);
    cratewatch(&args)
}

#[test]
fn registry_wide_ranking() {
    let (index, db) = fixture("registry_wide_ranking");
    let run = reach(&index, &db, &["-q"]);
    assert_eq!((run.code, run.stderr.as_str()), (0, ""));
    insta::assert_snapshot!("reach_ranking_human", run.stdout);
    let run = reach(&index, &db, &["-q", "--format", "csv"]);
    insta::assert_snapshot!("reach_ranking_csv", run.stdout);
    let json = reach(&index, &db, &["-q", "--format", "json"]).json();
    insta::assert_json_snapshot!("reach_ranking_json", json);
}

#[test]
fn advisory_view() {
    let (index, db) = fixture("advisory_view");
    let run = reach(&index, &db, &["-q", "--advisory", "RUSTSEC-2099-0001"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    insta::assert_snapshot!("reach_advisory_human", run.stdout);
    let run = reach(&index, &db, &["-q", "--advisory", "RUSTSEC-2099-0001", "--format", "csv"]);
    insta::assert_snapshot!("reach_advisory_csv", run.stdout);
    let json = reach(&index, &db, &["-q", "--advisory", "RUSTSEC-2099-0001", "--format", "json"]).json();
    insta::assert_json_snapshot!("reach_advisory_json", json);
}

#[test]
fn crate_view() {
    let (index, db) = fixture("crate_view");
    // Without a version, the newest release.
    let run = reach(&index, &db, &["-q", "--crate", "app"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    insta::assert_snapshot!("reach_crate_human", run.stdout);
    let json = reach(&index, &db, &["-q", "--crate", "pins@1.0.0", "--format", "json"]).json();
    insta::assert_json_snapshot!("reach_crate_json", json);
    // --advisory narrows the crate view to those advisories.
    let run = reach(&index, &db, &["-q", "--crate", "app@0.1.0", "--advisory", "RUSTSEC-2099-0002"]);
    assert!(run.stdout.contains("RUSTSEC-2099-0002") && !run.stdout.contains("RUSTSEC-2099-0001"), "{}", run.stdout);
}

#[test]
fn progress_goes_to_standard_error_and_output_to_a_file() {
    let (index, db) = fixture("progress_goes_to_standard_error_and_output_to_a_file");
    let out = scratch_dir("reach-cli-out").join("ranking.csv");
    let run = reach(&index, &db, &["--format", "csv", "--out", out.to_str().unwrap()]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.stdout, "");
    assert!(run.stderr.contains("reach: resolved 8 of 8 versions"), "{}", run.stderr);
    assert!(fs::read_to_string(&out).unwrap().starts_with("id,package,kind,"));
}

#[test]
fn errors_are_one_line_and_exit_2() {
    let (index, db) = fixture("errors_are_one_line_and_exit_2");
    let cases: [(&[&str], &str); 4] = [
        (&["--advisory", "RUSTSEC-2099-0999"], "error: unknown advisory RUSTSEC-2099-0999 in"),
        (&["--crate", "nope"], "error: unknown crate `nope` in the registry index"),
        (&["--crate", "vuln@9.9.9"], "error: `vuln` has no version 9.9.9 in the registry index"),
        (&["--crate", "vuln@x"], "error: invalid version `x` in --crate vuln@x"),
    ];
    for (args, expected) in cases {
        let mut all = vec!["-q"];
        all.extend_from_slice(args);
        let run = reach(&index, &db, &all);
        assert_eq!(run.code, 2, "{args:?}: {}", run.stderr);
        assert!(run.stderr.starts_with(expected) && run.stderr.lines().count() == 1, "{args:?}: {}", run.stderr);
    }
    let run = reach(Path::new("/nonexistent/index"), &db, &["-q"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.starts_with("error: cannot load the registry index /nonexistent/index"), "{}", run.stderr);
    let run = reach(&index, Path::new("/nonexistent/db"), &["-q"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.starts_with("error: cannot load the advisory database /nonexistent/db"), "{}", run.stderr);
}

#[test]
fn help_is_documented() {
    let run = cratewatch(&["reach", "--help"]);
    assert_eq!(run.code, 0);
    insta::assert_snapshot!("reach_help", run.stdout);
}

/// The real 2020 index: rayon-core 1.4.0 is reached by crossbeam-deque's data race, and DuckDB, reading
/// the Parquet export, computes the same per-advisory counts as the command with one SQL query.
#[test]
fn real_index_parquet_export_reproduces_the_counts_in_duckdb() {
    let dir = scratch_dir("reach-cli-real");
    let parquet = dir.join("parquet");
    let ranking = dir.join("ranking.csv");
    let index = crates_index_2020();
    let db = advisory_db();
    let run = cratewatch(&[
        "reach",
        "--index",
        index.to_str().unwrap(),
        "--db",
        db.to_str().unwrap(),
        "--format",
        "csv",
        "--out",
        ranking.to_str().unwrap(),
        "--parquet",
        parquet.to_str().unwrap(),
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stderr.contains("reach: resolving 50%"), "progress is reported: {}", run.stderr);

    let python = workspace_root().join("target/duckdb/bin/python");
    assert!(python.exists(), "DuckDB is missing: run `bash scripts/duckdb.sh` (scripts/test.sh does)");
    let output = Command::new(&python)
        .arg(workspace_root().join("tests/reach/counts.py"))
        .arg(&parquet)
        .output()
        .expect("run DuckDB");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let from_sql = parse_csv(&String::from_utf8(output.stdout).unwrap());
    let from_reach = parse_csv(&fs::read_to_string(&ranking).unwrap());
    assert_eq!(from_sql.len(), from_reach.len(), "one row per advisory in both");
    assert!(from_reach.len() > 1000);
    let mut compared = 0;
    for (id, sql) in &from_sql {
        let ours = &from_reach[id];
        for (column, value) in sql {
            if column != "id" {
                assert_eq!(ours.get(column), Some(value), "{id}: {column}");
                compared += 1;
            }
        }
    }
    assert!(compared > 10_000);
    let busiest = from_reach.values().map(|r| r["exposed_versions"].parse::<u64>().unwrap()).max().unwrap();
    assert!(busiest > 10_000, "some advisory reaches a large part of the registry");

    let view = cratewatch(&[
        "reach",
        "-q",
        "--index",
        index.to_str().unwrap(),
        "--db",
        db.to_str().unwrap(),
        "--crate",
        "rayon-core@1.4.0",
        "--advisory",
        "RUSTSEC-2021-0093",
    ]);
    assert_eq!(view.code, 0, "{}", view.stderr);
    assert!(view.stdout.contains("RUSTSEC-2021-0093 (vulnerability) in crossbeam-deque 0.2."), "{}", view.stdout);
    assert!(view.stdout.contains("path: rayon-core 1.4.0 → crossbeam-deque 0.2."), "{}", view.stdout);
}

/// A CSV file as rows keyed by their first column, each a map from column name to value.
fn parse_csv(text: &str) -> BTreeMap<String, BTreeMap<String, String>> {
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().expect("a header").split(',').collect();
    lines
        .map(|line| {
            let cells = split_csv(line);
            let row: BTreeMap<String, String> = header.iter().zip(cells).map(|(h, c)| (h.to_string(), c)).collect();
            (row["id"].clone(), row)
        })
        .collect()
}

fn split_csv(line: &str) -> Vec<String> {
    let mut cells = vec![String::new()];
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' if quoted && chars.peek() == Some(&'"') => {
                chars.next();
                cells.last_mut().unwrap().push('"');
            }
            '"' => quoted = !quoted,
            ',' if !quoted => cells.push(String::new()),
            c => cells.last_mut().unwrap().push(c),
        }
    }
    cells
}
