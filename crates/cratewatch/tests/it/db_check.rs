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

#[test]
fn db_check_on_the_real_database_reports_its_two_related_field_warnings() {
    let run = cratewatch(&["db", "check", "--db", cratewatch_testdata::advisory_db().to_str().unwrap()]);
    assert_eq!(run.code, 1);
    assert_eq!(run.stdout.lines().count(), 2, "{}", run.stdout);
    assert!(run.stdout.lines().all(|l| l.contains("warning[invalid-id]") && l.contains("crates/imageproc/")));
    assert!(run.stderr.contains("1225 advisories loaded"), "{}", run.stderr);
}
