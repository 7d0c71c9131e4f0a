//! The auditor as it is distributed: the static musl binary of `scripts/build-auditor.sh` (its own
//! allocator and memory copies, see `src/fast_copy.rs`) says exactly what the binary the rest of these
//! tests check says, byte for byte and exit code for exit code: on every shared lockfile in the three
//! formats, on mutated lockfiles, through the same compiled cache and its own cold one, and fetching its
//! database from a git URL.
//!
//! `scripts/test.sh` builds it and sets `$CRATEWATCH_DIST_AUDITOR`. Without it the test fails and says
//! how to build it: it is never skipped. Where the musl target cannot be installed, the script builds
//! the glibc binary and says so; the comparison then still runs, on that binary.

use std::path::{Path, PathBuf};
use std::process::Command;

use cratewatch_testdata::{advisory_db, lockfiles, mutations, scratch_dir};

use crate::{Run, empty_cargo_home, shared_cache, without_provenance};

fn distributed_auditor() -> PathBuf {
    let path = std::env::var_os("CRATEWATCH_DIST_AUDITOR").map(PathBuf::from);
    match path {
        Some(path) if path.is_file() => path,
        _ => panic!(
            "the distributed auditor is not built: run `bash scripts/build-auditor.sh` and set CRATEWATCH_DIST_AUDITOR \
             to the path it prints (scripts/test.sh does)"
        ),
    }
}

fn run(program: &Path, dir: &Path, cache: &Path, args: &[&str]) -> Run {
    let mut command = Command::new(program);
    command.current_dir(dir).args(args).env("CRATEWATCH_CACHE_DIR", cache).env("NO_COLOR", "1");
    command.env("CARGO_HOME", empty_cargo_home()).env_remove("CRATEWATCH_DB");
    crate::run(command)
}

/// Runs both binaries with `args` and asserts the same exit code, output and errors.
fn same(dir: &Path, static_cache: &Path, args: &[&str]) -> Run {
    let tested = run(Path::new(env!("CARGO_BIN_EXE_cratewatch")), dir, &shared_cache(), args);
    let distributed = run(&distributed_auditor(), dir, static_cache, args);
    assert_eq!(distributed.code, tested.code, "exit code of {args:?}\n{}", distributed.stderr);
    assert!(distributed.stdout == tested.stdout, "standard output of {args:?} differs");
    assert_eq!(distributed.stderr, tested.stderr, "standard error of {args:?}");
    distributed
}

#[test]
fn the_distributed_auditor_reports_what_the_tested_one_does() {
    let scratch = scratch_dir("static-build");
    // Its own cache, compiled by the static binary itself on the first run.
    let static_cache = scratch.join("cache");
    let db = advisory_db();
    let db = db.to_str().unwrap();
    let mut findings = 0;
    for (lock, _) in lockfiles() {
        let lock = lock.to_str().unwrap();
        let base = ["audit", "--quiet", "--no-config", "--db", db, "--file", lock];
        let json = same(&scratch, &static_cache, &[&base[..], &["--json"]].concat());
        findings += json.json()["vulnerabilities"]["count"].as_u64().unwrap();
        same(&scratch, &static_cache, &[&base[..], &["--color", "never"]].concat());
        same(&scratch, &static_cache, &[&base[..], &["--format", "sarif"]].concat());
        // Through the cache the tested binary compiled: one format for both.
        same(&scratch, &shared_cache(), &[&base[..], &["--json", "--deny", "warnings"]].concat());
    }
    assert!(findings > 50, "the shared lockfiles have vulnerabilities to report, {findings} found");

    // Broken and odd lockfiles: the same refusals (exit 2, one line naming the place) and reports.
    let (first, _) = &lockfiles()[0];
    let text = std::fs::read_to_string(first).unwrap();
    let mut refused = 0;
    for (i, mutant) in mutations(&text, 40, 0x5741_7469).into_iter().enumerate() {
        let path = scratch.join(format!("mutant-{i}.lock"));
        std::fs::write(&path, mutant).unwrap();
        let args = ["audit", "--quiet", "--no-config", "--json", "--db", db, "--file", path.to_str().unwrap()];
        refused += usize::from(same(&scratch, &static_cache, &args).code == 2);
    }
    assert!(refused > 0, "some mutants are refused");
}

#[test]
fn the_distributed_auditor_fetches_its_database() {
    let scratch = scratch_dir("static-build-fetch");
    let upstream = scratch.join("upstream");
    let status = Command::new("git")
        .args(["clone", "-q", "--no-hardlinks", advisory_db().to_str().unwrap(), upstream.to_str().unwrap()])
        .status()
        .expect("run git");
    assert!(status.success());
    let url = format!("file://{}", upstream.display());
    let (lock, _) = &lockfiles()[0];
    let cache = scratch.join("cache");
    let args = ["audit", "--no-config", "--json", "--db-url", &url, "--file", lock.to_str().unwrap()];
    let fetched = run(&distributed_auditor(), &scratch, &cache, &args);
    assert!(fetched.code < 2, "{}", fetched.stderr);
    assert!(fetched.stderr.contains("note: fetched the advisory database"), "{}", fetched.stderr);
    assert!(cache.join("git").is_dir(), "the copy is in the cache");
    let local = run(
        Path::new(env!("CARGO_BIN_EXE_cratewatch")),
        &scratch,
        &shared_cache(),
        &[
            "audit",
            "--quiet",
            "--no-config",
            "--json",
            "--db",
            advisory_db().to_str().unwrap(),
            "--file",
            lock.to_str().unwrap(),
        ],
    );
    assert_eq!(
        without_provenance(&fetched.json()),
        without_provenance(&local.json()),
        "the fetched copy gives the local database's report"
    );
}
