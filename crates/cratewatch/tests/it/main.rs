//! The `cratewatch` binary, run as a process: findings equal to cargo-audit's on real lockfiles, output
//! formats, exit codes, ignores, targets and bad input.

mod audit;
mod built;
mod config_files;
mod crash;
mod db_check;
mod differential;
mod fetch;
mod fix_class;
mod osv;
mod osv_client;
mod reach;
mod remote;
mod serve;
mod sparse;
mod static_build;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use cratewatch_testdata::{advisory_db, scratch_dir};

/// The result of one run.
pub(crate) struct Run {
    pub(crate) code: i32,
    pub(crate) stdout: String,
    pub(crate) stderr: String,
}

impl Run {
    pub(crate) fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| panic!("stdout is not JSON ({e}):\n{}", self.stdout))
    }
}

/// A cache directory shared by the tests of this binary, so the database is compiled once.
pub(crate) fn shared_cache() -> PathBuf {
    static CACHE: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    CACHE.get_or_init(|| scratch_dir("cli-cache")).clone()
}

/// An empty `CARGO_HOME` for the runs, outside the directory they run in (Cargo writes its cache tag
/// there, which must not land in the repository when a test runs in it).
pub(crate) fn empty_cargo_home() -> PathBuf {
    static HOME: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    HOME.get_or_init(|| scratch_dir("no-cargo-home")).clone()
}

/// Runs `cratewatch` with `args` in `dir`, against the real advisory database unless `--db` is given.
pub(crate) fn cratewatch_in(dir: &Path, args: &[&str]) -> Run {
    let mut command = Command::new(env!("CARGO_BIN_EXE_cratewatch"));
    command.current_dir(dir).args(args).env("CRATEWATCH_CACHE_DIR", shared_cache()).env("NO_COLOR", "1");
    command.env("CRATEWATCH_DB", advisory_db()).env("CARGO_HOME", empty_cargo_home());
    run(command)
}

/// Runs a prepared command to its end.
pub(crate) fn run(mut command: Command) -> Run {
    let Output { status, stdout, stderr } = command.output().expect("run cratewatch");
    Run {
        code: status.code().expect("exited normally, not by a signal"),
        stdout: String::from_utf8(stdout).expect("UTF-8 stdout"),
        stderr: String::from_utf8(stderr).expect("UTF-8 stderr"),
    }
}

/// A JSON report without the keys that say where the database came from (a fetched copy or a server
/// reports its commit; a local directory does not).
pub(crate) fn without_provenance(json: &serde_json::Value) -> serde_json::Value {
    let mut json = json.clone();
    json["database"]["last-commit"] = serde_json::Value::Null;
    json["database"]["last-updated"] = serde_json::Value::Null;
    json
}

pub(crate) fn cratewatch(args: &[&str]) -> Run {
    cratewatch_in(&std::env::temp_dir(), args)
}

/// The fixture of the merged-sources tests (a local audit, and one through a server): a private
/// RustSec-format tree, a directory of two GitHub OSV records (one naming a RustSec advisory's CVE,
/// one new), and a lockfile with the crates they concern.
pub(crate) struct MergedSources {
    pub(crate) private: PathBuf,
    pub(crate) ghsa: PathBuf,
    pub(crate) lock: PathBuf,
}

pub(crate) fn merged_sources(name: &str) -> MergedSources {
    use cratewatch_testdata::{ghsa_dir, ghsa_record, private_rustsec_tree};
    let dir = scratch_dir(name);
    let private = private_rustsec_tree(&format!("{name}-private"));
    let ghsa = ghsa_dir(
        &format!("{name}-ghsa"),
        &[
            (
                "GHSA-zzzz-9j62-hq99",
                ghsa_record("GHSA-zzzz-9j62-hq99", "smallvec", &["CVE-2021-25900"], "0.6.3", "1.6.1"),
            ),
            ("GHSA-bbbb-cccc-dddd", ghsa_record("GHSA-bbbb-cccc-dddd", "base64", &["CVE-2099-0002"], "0", "0.5.2")),
        ],
    );
    let registry = "registry+https://github.com/rust-lang/crates.io-index";
    let lock = dir.join("Cargo.lock");
    std::fs::write(
        &lock,
        format!(
            "version = 3\n\n[[package]]\nname = \"app\"\nversion = \"0.1.0\"\ndependencies = [\"base64\", \"itoa\", \"smallvec\"]\n\n\
             [[package]]\nname = \"base64\"\nversion = \"0.5.1\"\nsource = \"{registry}\"\n\n\
             [[package]]\nname = \"itoa\"\nversion = \"0.4.0\"\nsource = \"{registry}\"\n\n\
             [[package]]\nname = \"smallvec\"\nversion = \"1.6.0\"\nsource = \"{registry}\"\n"
        ),
    )
    .unwrap();
    MergedSources { private, ghsa, lock }
}
