//! The database comes by itself: with no local database, `cratewatch audit` clones the advisory
//! repository into its cache (here a `file://` clone of the shared database, never the network),
//! refreshes it after `--max-age`, falls back on the last copy when a refresh fails, and lets concurrent
//! runs share one copy.

use std::path::{Path, PathBuf};
use std::process::Command;

use cratewatch_testdata::{advisory_db, scratch_dir, shared_data};

use crate::{Run, run, without_provenance};

const LOCKFILE: &str = "BurntSushi__ripgrep__2026-06-05__82313cf9";

fn lockfile() -> PathBuf {
    shared_data().join("lockfiles").join(format!("{LOCKFILE}.Cargo.lock"))
}

fn git(dir: &Path, args: &[&str]) -> String {
    let output = Command::new("git")
        .current_dir(dir)
        .args(["-c", "user.name=test", "-c", "user.email=test@example.com", "-c", "commit.gpgsign=false"])
        .args(args)
        .output()
        .expect("run git");
    assert!(output.status.success(), "git {args:?}: {}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8(output.stdout).unwrap()
}

/// A clone of the shared database to play the remote repository.
fn upstream(scratch: &Path) -> PathBuf {
    let upstream = scratch.join("upstream");
    git(scratch, &["clone", "-q", "--no-hardlinks", advisory_db().to_str().unwrap(), upstream.to_str().unwrap()]);
    upstream
}

fn url(upstream: &Path) -> String {
    format!("file://{}", upstream.display())
}

/// `cratewatch audit` with no local database: no `--db`, no `$CRATEWATCH_DB`, no configuration.
fn audit(dir: &Path, cache: &Path, extra: &[&str]) -> Run {
    let lock = lockfile();
    let mut command = Command::new(env!("CARGO_BIN_EXE_cratewatch"));
    command
        .current_dir(dir)
        .args(["audit", "--json", "--cache-dir", cache.to_str().unwrap(), "--file", lock.to_str().unwrap()])
        .args(extra)
        .env_remove("CRATEWATCH_DB")
        .env("CARGO_HOME", dir.join("no-cargo-home"))
        .env("NO_COLOR", "1");
    run(command)
}

fn add_advisory(upstream: &Path, id: &str, package: &str) {
    let dir = upstream.join("crates").join(package);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join(format!("{id}.md")),
        format!(
            "```toml\n[advisory]\nid = \"{id}\"\npackage = \"{package}\"\ndate = \"2099-01-01\"\n\
             url = \"https://example.com/{id}\"\n\n[versions]\npatched = [\">= 99.0.0\"]\n```\n\n\
             # A test advisory\n\nAdded upstream by the test.\n"
        ),
    )
    .unwrap();
    git(upstream, &["add", "-A"]);
    git(upstream, &["commit", "-q", "-m", &format!("add {id}")]);
}

#[test]
fn the_database_is_cloned_on_first_use_reused_and_refreshed_after_max_age() {
    let scratch = scratch_dir("fetch-basic");
    let upstream = upstream(&scratch);
    let cache = scratch.join("cache");
    let db_url = url(&upstream);

    // First run: cloned, and the report is the one a local audit of the same database gives.
    let first = audit(&scratch, &cache, &["--db-url", &db_url]);
    assert_eq!(first.code, 1, "{}", first.stderr);
    assert!(first.stderr.contains("note: fetched the advisory database file://"), "{}", first.stderr);
    let local = crate::cratewatch(&["audit", "--no-config", "--json", "--file", lockfile().to_str().unwrap()]);
    assert_eq!(without_provenance(&first.json()), without_provenance(&local.json()));
    let head = git(&upstream, &["rev-parse", "HEAD"]);
    assert_eq!(first.json()["database"]["last-commit"], head.trim(), "the fetched commit is reported");

    // Within --max-age nothing is fetched, and nothing is said about it.
    let second = audit(&scratch, &cache, &["--db-url", &db_url]);
    assert_eq!((second.code, &second.stdout), (1, &first.stdout));
    assert!(!second.stderr.contains("fetched the advisory database"), "{}", second.stderr);
    assert!(!second.stderr.contains("not fetching"), "{}", second.stderr);

    // A new advisory upstream is seen once the copy is older than --max-age, not before.
    add_advisory(&upstream, "RUSTSEC-2099-0001", "crossbeam-deque");
    let recent = audit(&scratch, &cache, &["--db-url", &db_url]);
    assert!(!recent.stdout.contains("RUSTSEC-2099-0001"));
    let refreshed = audit(&scratch, &cache, &["--db-url", &db_url, "--max-age", "0"]);
    assert!(refreshed.stderr.contains("updated to commit"), "{}", refreshed.stderr);
    assert!(refreshed.stdout.contains("RUSTSEC-2099-0001"), "{}", refreshed.stdout);
    let unchanged = audit(&scratch, &cache, &["--db-url", &db_url, "--max-age", "0"]);
    assert!(unchanged.stderr.contains("no change"), "{}", unchanged.stderr);
    // One compiled cache per mirror: the replaced checkout's cache was removed.
    let caches = std::fs::read_dir(&cache)
        .unwrap()
        .filter(|e| e.as_ref().unwrap().path().extension().is_some_and(|x| x == "cwdb"));
    assert_eq!(caches.count(), 1);

    // -q says nothing on standard error.
    let quiet = audit(&scratch, &cache, &["--db-url", &db_url, "--max-age", "0", "-q"]);
    assert_eq!((quiet.code, quiet.stderr.as_str()), (1, ""));
}

#[test]
fn a_failed_refresh_audits_with_the_last_copy_and_says_how_old_it_is() {
    let scratch = scratch_dir("fetch-failed");
    let upstream = upstream(&scratch);
    let cache = scratch.join("cache");
    let db_url = url(&upstream);
    let first = audit(&scratch, &cache, &["--db-url", &db_url]);
    assert_eq!(first.code, 1, "{}", first.stderr);

    // The remote goes away.
    std::fs::rename(&upstream, scratch.join("gone")).unwrap();
    let offline = audit(&scratch, &cache, &["--db-url", &db_url, "--max-age", "0"]);
    assert_eq!(offline.code, 1, "{}", offline.stderr);
    assert_eq!(without_provenance(&offline.json()), without_provenance(&first.json()));
    assert!(offline.stderr.contains("warning: cannot fetch the advisory database"), "{}", offline.stderr);
    assert!(offline.stderr.contains("; auditing with the copy fetched "), "{}", offline.stderr);
    assert!(offline.stderr.contains(" ago (commit "), "{}", offline.stderr);

    // --no-fetch uses the copy without trying.
    let no_fetch = audit(&scratch, &cache, &["--db-url", &db_url, "--no-fetch", "--max-age", "0"]);
    assert_eq!(no_fetch.code, 1, "{}", no_fetch.stderr);
    assert!(!no_fetch.stderr.contains("warning:"), "{}", no_fetch.stderr);
    assert!(no_fetch.stderr.contains("note: not fetching: the advisory database"), "{}", no_fetch.stderr);

    // Without any copy, both are errors (exit 2) on one line.
    let empty = scratch.join("empty-cache");
    let never = audit(&scratch, &empty, &["--db-url", &db_url]);
    assert_eq!(never.code, 2, "{}", never.stderr);
    assert_eq!(never.stderr.lines().count(), 1, "{}", never.stderr);
    assert!(never.stderr.starts_with("error: cannot fetch the advisory database"), "{}", never.stderr);
    let never = audit(&scratch, &empty, &["--db-url", &db_url, "--no-fetch"]);
    assert_eq!(never.code, 2, "{}", never.stderr);
    assert!(never.stderr.contains("no local copy") && never.stderr.contains("--no-fetch"), "{}", never.stderr);
}

/// A CI matrix on one machine: several runs start at once on an empty cache. One clones, the others
/// wait for it and use its copy; all give the same report; the copy is intact afterwards. Then they
/// run at once again, each forced to fetch.
#[test]
fn concurrent_runs_share_one_copy_and_never_corrupt_it() {
    let scratch = scratch_dir("fetch-concurrent");
    let upstream = upstream(&scratch);
    let cache = scratch.join("cache");
    let db_url = url(&upstream);
    let expected = without_provenance(
        &crate::cratewatch(&["audit", "--no-config", "--json", "--file", lockfile().to_str().unwrap()]).json(),
    );
    for max_age in ["1h", "0"] {
        let children: Vec<_> = (0..6)
            .map(|_| {
                let lock = lockfile();
                Command::new(env!("CARGO_BIN_EXE_cratewatch"))
                    .current_dir(&scratch)
                    .args(["audit", "--json", "--max-age", max_age, "--db-url", &db_url])
                    .args(["--cache-dir", cache.to_str().unwrap(), "--file", lock.to_str().unwrap()])
                    .env_remove("CRATEWATCH_DB")
                    .env("CARGO_HOME", scratch.join("no-cargo-home"))
                    .stdout(std::process::Stdio::piped())
                    .stderr(std::process::Stdio::piped())
                    .spawn()
                    .unwrap()
            })
            .collect();
        let runs: Vec<Run> = children
            .into_iter()
            .map(|child| {
                let output = child.wait_with_output().unwrap();
                Run {
                    code: output.status.code().unwrap(),
                    stdout: String::from_utf8(output.stdout).unwrap(),
                    stderr: String::from_utf8(output.stderr).unwrap(),
                }
            })
            .collect();
        for run in &runs {
            assert_eq!(run.code, 1, "{}", run.stderr);
            assert_eq!(without_provenance(&run.json()), expected, "{}", run.stderr);
        }
        let fetched = runs.iter().filter(|r| r.stderr.contains("note: fetched")).count();
        if max_age == "1h" {
            assert_eq!(fetched, 1, "one run clones, the others use its copy");
        } else {
            assert_eq!(fetched, 6, "each run fetched, one after the other");
        }
    }
    let mirror = std::fs::read_dir(cache.join("git")).unwrap().next().unwrap().unwrap().path();
    git(&mirror, &["--git-dir", "repo.git", "fsck", "--no-progress"]);
    let trees: Vec<_> = std::fs::read_dir(mirror.join("trees")).unwrap().collect();
    assert_eq!(trees.len(), 1, "one checkout of the one commit");
    let after = audit(&scratch, &cache, &["--db-url", &db_url, "--no-fetch"]);
    assert_eq!(without_provenance(&after.json()), expected);
}
