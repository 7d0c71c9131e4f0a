use std::fs;

use cratewatch_testdata::scratch_dir;

use crate::cratewatch;

#[test]
fn db_check_lists_diagnostics_with_path_line_and_code() {
    let dir = scratch_dir("db-check");
    let crate_dir = dir.join("crates/demo");
    fs::create_dir_all(&crate_dir).unwrap();
    let good = "```toml\n[advisory]\nid = \"RUSTSEC-2024-0001\"\npackage = \"demo\"\ndate = \"2024-01-01\"\n\n[versions]\npatched = [\">= 1.0.0\"]\n```\n\n# Good\n\nFine.\n";
    fs::write(crate_dir.join("RUSTSEC-2024-0001.md"), good).unwrap();
    let bad = good.replace("RUSTSEC-2024-0001", "RUSTSEC-2024-0002").replace("2024-01-01", "2024-02-30");
    fs::write(crate_dir.join("RUSTSEC-2024-0002.md"), bad).unwrap();

    let run = cratewatch(&["db", "check", "--db", dir.to_str().unwrap()]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(
        run.stdout,
        "crates/demo/RUSTSEC-2024-0002.md:5: error[invalid-date]: in `date`: invalid date `2024-02-30`: day 30 is out of range for 2024-02\n"
    );
    assert!(run.stderr.contains("1 advisories loaded"), "{}", run.stderr);

    let json = cratewatch(&["db", "check", "--format", "json", "--db", dir.to_str().unwrap()]).json();
    assert_eq!(json[0]["code"], "invalid-date");
    assert_eq!(json[0]["line"], 5);

    fs::remove_file(crate_dir.join("RUSTSEC-2024-0002.md")).unwrap();
    let clean = cratewatch(&["db", "check", "--db", dir.to_str().unwrap()]);
    assert_eq!((clean.code, clean.stdout.as_str()), (0, ""));
}

/// The real database gives 13 warnings, each checked by hand: two `related` entries that are URLs, not
/// ids (imageproc), and eleven `url`s that are the github.com/advisories page of the advisory's own
/// GHSA alias.
#[test]
fn db_check_on_the_real_database_reports_its_thirteen_warnings() {
    let run = cratewatch(&["db", "check", "--db", cratewatch_testdata::advisory_db().to_str().unwrap()]);
    assert_eq!(run.code, 1);
    let codes: Vec<&str> =
        run.stdout.lines().map(|l| l.split_once(": ").unwrap().1.split(':').next().unwrap()).collect();
    assert_eq!(codes.iter().filter(|c| **c == "warning[invalid-id]").count(), 2, "{}", run.stdout);
    assert_eq!(codes.iter().filter(|c| **c == "warning[redundant-ghsa-url]").count(), 11, "{}", run.stdout);
    assert_eq!(codes.len(), 13, "{}", run.stdout);
    assert!(run.stdout.lines().filter(|l| l.contains("invalid-id")).all(|l| l.contains("crates/imageproc/")));
    for line in run.stdout.lines().filter(|l| l.contains("redundant-ghsa-url")) {
        let (path, _) = line.split_once(':').unwrap();
        let text = fs::read_to_string(cratewatch_testdata::advisory_db().join(path)).unwrap();
        let url = text.lines().find(|l| l.starts_with("url = ")).unwrap();
        let alias = url.trim_start_matches("url = \"https://github.com/advisories/").trim_end_matches('"');
        assert!(text.contains(&format!("\"{alias}\"")), "{path}: {url} is not the page of an alias");
    }
    assert!(run.stderr.contains("1225 advisories loaded"), "{}", run.stderr);
}

/// A record whose events name the lowest version twice aborted `db check` (exit 134 in release
/// builds): now it loads, and a record that cannot be imported is a diagnostic beside it.
#[test]
fn db_check_survives_malformed_osv_records() {
    let dir = scratch_dir("db-check-osv");
    let text = fs::read_to_string(cratewatch_testdata::osv_export().join("crates/RUSTSEC-2021-0003.json")).unwrap();
    let mut record: serde_json::Value = serde_json::from_str(&text).unwrap();
    record["affected"][0]["ranges"][0]["events"] =
        serde_json::json!([{"introduced": "0"}, {"introduced": "0.0.0-0"}, {"fixed": "1.0.0"}]);
    fs::write(dir.join("twice.json"), record.to_string()).unwrap();
    record["id"] = "GHSA-aaaa-bbbb-cccc".into();
    record["references"][0]["url"] = "javascript:alert(document.domain)".into();
    fs::write(dir.join("script.json"), record.to_string()).unwrap();
    let run = cratewatch(&["db", "check", "--db", dir.to_str().unwrap()]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(run.stdout.lines().count(), 1, "{}", run.stdout);
    assert!(
        run.stdout.starts_with("script.json: error[invalid-osv-record]: references[0].url: `javascript:"),
        "{}",
        run.stdout
    );
    assert!(run.stderr.contains("1 advisories loaded"), "{}", run.stderr);
}

/// One file per rule of RustSec's tools that `db check` once missed, each with the code it must get.
#[test]
fn db_check_has_a_code_for_every_rule_of_rustsec_admin() {
    let dir = scratch_dir("db-check-rules");
    let advisory = |id: &str, package: &str, extra: &str, text: &str| {
        format!(
            "```toml\n[advisory]\nid = \"{id}\"\npackage = \"{package}\"\ndate = \"2024-01-01\"\n{extra}\n\n\
             [versions]\npatched = [\">= 1.0.0\"]\n```\n\n# {package} is broken\n\n{text}\n"
        )
    };
    let write = |rel: &str, text: &str| {
        let path = dir.join(rel);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, text).unwrap();
    };
    let cases = [
        ("RUSTSEC-2023-0001", "", "It is.", "3", "warning", "id-year-mismatch"),
        ("LULZSEC-2024-0001", "", "It is.", "3", "warning", "unknown-id-type"),
        ("RUSTSEC-2024-0003", "url = \"http://example.org/a\"", "It is.", "6", "warning", "insecure-url"),
        (
            "RUSTSEC-2024-0004",
            "references = [\"javascript:alert(1)\"]",
            "It is.",
            "6",
            "error",
            "unsupported-url-scheme",
        ),
        (
            "RUSTSEC-2024-0005",
            "[affected.functions]\n\"other::f\" = []",
            "It is.",
            "7",
            "warning",
            "function-outside-crate",
        ),
        (
            "RUSTSEC-2024-0006",
            "[affected.functions]\n\"demo::f(x)\" = []",
            "It is.",
            "7",
            "error",
            "invalid-function-path",
        ),
        ("RUSTSEC-2024-0007", "", "Found by @alice", "14", "warning", "bare-mention"),
        ("RUSTSEC-2024-0008", "cvss = \"CVSS:3.1/AV:N/AC:L\"", "It is.", "6", "error", "invalid-cvss"),
        ("RUSTSEC-2024-0009", "withdrawn = 2024-02-01", "It is.", "6", "error", "wrong-type"),
        ("RUSTSEC-2024-0010", "yanked = true", "It is.", "6", "warning", "deprecated-field"),
        ("RUSTSEC-2024-0011", "collection = \"crates\"", "It is.", "6", "warning", "explicit-collection"),
        ("RUSTSEC-2024-0012", "title = \"Other\"", "It is.", "6", "error", "text-in-front-matter"),
        ("RUSTSEC-0000-0000", "", "A draft.", "", "warning", "draft-not-loaded"),
    ];
    let mut expected = Vec::new();
    for (id, extra, text, line, severity, code) in cases {
        let rel = format!("crates/demo/{id}.md");
        write(&rel, &advisory(id, "demo", extra, text));
        let at = if line.is_empty() { String::new() } else { format!(":{line}") };
        expected.push(format!("{rel}{at}: {severity}[{code}]"));
    }
    // The newer layout, and a front matter that mixes both.
    write(
        "crates/demo/RUSTSEC-2024-0013.md",
        &advisory("RUSTSEC-2024-0013", "demo", "", "It is.").replace("[advisory]\n", ""),
    );
    write(
        "crates/demo/RUSTSEC-2024-0014.md",
        &advisory("RUSTSEC-2024-0014", "demo", "", "It is.").replace("[advisory]\n", "# reviewed\n[advisory]\n"),
    );
    expected.push("crates/demo/RUSTSEC-2024-0014.md:3: error[mixed-layout]".to_owned());
    write("crates/RUSTSEC-2024-0015.md", &advisory("RUSTSEC-2024-0015", "demo", "", "It is."));
    expected.push("crates/RUSTSEC-2024-0015.md: error[misplaced-advisory]".to_owned());
    fs::create_dir_all(dir.join("crates/demo/RUSTSEC-2024-0016.md")).unwrap();
    expected.push("crates/demo/RUSTSEC-2024-0016.md: error[not-a-file]".to_owned());
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink("RUSTSEC-2024-0017.md", dir.join("crates/demo/RUSTSEC-2024-0017.md")).unwrap();
        std::os::unix::fs::symlink("gone.md", dir.join("crates/demo/RUSTSEC-2024-0018.md")).unwrap();
        expected.push("crates/demo/RUSTSEC-2024-0017.md: error[broken-symlink]".to_owned());
        expected.push("crates/demo/RUSTSEC-2024-0018.md: error[broken-symlink]".to_owned());
    }
    expected.sort();

    let run = cratewatch(&["db", "check", "--db", dir.to_str().unwrap()]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let mut found: Vec<String> = run
        .stdout
        .lines()
        .map(|l| {
            let end = l.find("]: ").unwrap_or(l.len());
            l[..=end.min(l.len() - 1)].to_owned()
        })
        .collect();
    found.sort();
    assert_eq!(found, expected, "{}", run.stdout);
    // The seven files with warnings and the one in the newer layout load; drafts and files in error do not.
    assert!(run.stderr.contains("8 advisories loaded"), "{}", run.stderr);

    let json = cratewatch(&["db", "check", "--format", "json", "--db", dir.to_str().unwrap()]).json();
    assert_eq!(json.as_array().unwrap().len(), expected.len());
}

/// A registry index with more damaged lines than the server logs: `db check --index` prints every one,
/// in the same format and with the same exit codes as for advisories.
#[test]
fn db_check_index_prints_every_diagnostic_of_a_damaged_index() {
    let real = cratewatch_testdata::crates_index_2020();
    let dir = scratch_dir("db-check-index");
    let copy = |from: &str, to: &str, edit: &dyn Fn(usize, &str) -> Option<String>| {
        let text = fs::read_to_string(real.join(from)).unwrap();
        let lines: Vec<String> = text.lines().enumerate().filter_map(|(i, l)| edit(i + 1, l)).collect();
        let path = dir.join(to);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, lines.join("\n") + "\n").unwrap();
    };
    fs::copy(real.join("config.json"), dir.join("config.json")).unwrap();
    copy("ra/nd/rand", "ra/nd/rand", &|_, l| Some(l.to_owned()));
    let clean = cratewatch(&["db", "check", "--index", dir.to_str().unwrap()]);
    assert_eq!((clean.code, clean.stdout.as_str()), (0, ""), "{}", clean.stderr);
    assert!(clean.stderr.contains("1 crates (62 versions) loaded from registry index"), "{}", clean.stderr);

    // 25 truncated lines in serde, a bad version in rand, a line twice in serde_json, and a crate whose
    // name crates.io would confuse with serde_json.
    copy("se/rd/serde", "se/rd/serde", &|n, l| {
        Some(if n % 8 == 0 { l[..l.len() / 2].to_owned() } else { l.to_owned() })
    });
    copy("ra/nd/rand", "ra/nd/rand", &|n, l| {
        Some(if n == 3 { l.replacen("\"vers\":\"", "\"vers\":\"x", 1) } else { l.to_owned() })
    });
    copy("se/rd/serde_json", "se/rd/serde_json", &|n, l| Some(if n == 2 { format!("{l}\n{l}") } else { l.to_owned() }));
    copy("se/rd/serde_json", "se/rd/serde-json", &|_, l| {
        Some(l.replace("\"name\":\"serde_json\"", "\"name\":\"serde-json\""))
    });
    #[cfg(unix)]
    std::os::unix::fs::symlink("nowhere", dir.join("se/rd/serde_yaml")).unwrap();

    let snapshot = cratewatch_index::IndexSnapshot::load(&dir).unwrap();
    let expected: Vec<String> = snapshot
        .diagnostics()
        .iter()
        .map(|d| {
            let line = d.line.map(|l| format!(":{l}")).unwrap_or_default();
            let severity = if d.code == "ambiguous-name" { "warning" } else { "error" };
            format!("{}{line}: {severity}[{}]: {}", d.path.display(), d.code, d.message)
        })
        .collect();
    assert!(expected.len() > 20, "{expected:#?}");
    for code in ["invalid-json", "invalid-version", "duplicate-version", "ambiguous-name"] {
        assert!(expected.iter().any(|e| e.contains(&format!("[{code}]"))), "{code}: {expected:#?}");
    }
    if cfg!(unix) {
        assert!(expected.iter().any(|e| e.contains("error[unreadable-file]")), "{expected:#?}");
    }

    let run = cratewatch(&["db", "check", "--index", dir.to_str().unwrap()]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(run.stdout.lines().collect::<Vec<_>>(), expected);
    assert!(run.stdout.contains(&format!("{}:3: error[invalid-version]", dir.join("ra/nd/rand").display())));
    let json = cratewatch(&["db", "check", "--index", dir.to_str().unwrap(), "--format", "json"]).json();
    let items = json.as_array().unwrap();
    assert_eq!(items.len(), expected.len());
    assert_eq!(items[0]["path"], snapshot.diagnostics()[0].path.display().to_string());
    assert!(items.iter().all(|i| i["severity"] == "error" || i["code"] == "ambiguous-name"));

    // With --db as well, both are checked, each with its summary.
    let both = cratewatch(&[
        "db",
        "check",
        "--index",
        dir.to_str().unwrap(),
        "--db",
        cratewatch_testdata::advisory_db().to_str().unwrap(),
    ]);
    assert_eq!(both.stdout.lines().count(), expected.len() + 13, "{}", both.stdout);
    assert!(
        both.stderr.contains("1225 advisories loaded") && both.stderr.contains("registry index"),
        "{}",
        both.stderr
    );

    // Not an index: an error, exit 2.
    let missing = cratewatch(&["db", "check", "--index", dir.join("se").to_str().unwrap()]);
    assert_eq!(missing.code, 2, "{}", missing.stderr);
    assert!(missing.stderr.contains("cannot check registry index"), "{}", missing.stderr);
}
