#![doc = include_str!("../README.md")]

mod sources;

pub use crate::sources::{ghsa_dir, ghsa_record, private_rustsec_tree};

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// Version requirements in every form semver writes: each operator, wildcards, missing minor or patch
/// numbers, pre-releases, several comparators, the largest numbers. For tests of code that writes or
/// stores requirements without semver's own `Display` and parser.
pub const REQUIREMENT_FORMS: &[&str] = &[
    "*",
    "1.*",
    "1.2.*",
    "=1.2.3",
    ">1",
    ">=1.2",
    "<2.0.0",
    "<=0.3.1-rc.1",
    "~1.2",
    "^0.0.1",
    "1.2.3",
    ">=1.0.0-alpha.1, <1.0.0",
    ">= 0.1, < 0.2",
    "=0.0.0",
    ">=18446744073709551615.0.0",
    "^18446744073709551615.0.0",
];

/// The workspace root (the directory holding the root `Cargo.toml`).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().expect("workspace root exists")
}

/// The unpacked shared data directory, unpacking it on first use. Panics with a clear message when the
/// shared data is not beside the repository.
pub fn shared_data() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let root = workspace_root();
        let dest = std::env::var_os("CRATEWATCH_SHARED_DATA")
            .map(PathBuf::from)
            .unwrap_or_else(|| root.join("target/shared-data"));
        let ready = ["advisory-db/.git", "crates-index-2020/.unpacked", "lockfiles/.unpacked", "osv-export/.unpacked"]
            .iter()
            .all(|p| dest.join(p).exists());
        if !ready {
            let unpack = root.join("../shared/data/unpack");
            assert!(unpack.exists(), "shared data not found: expected {} (see README, Tests)", unpack.display());
            let status = Command::new("bash").arg(&unpack).arg(&dest).status().expect("run the unpack script");
            assert!(status.success(), "{} failed", unpack.display());
        }
        dest
    })
}

/// The RustSec advisory database (a git clone, snapshot of 2026-08-21).
pub fn advisory_db() -> PathBuf {
    shared_data().join("advisory-db")
}

/// The public registry index of 2020-11-27 in the git-index layout.
pub fn crates_index_2020() -> PathBuf {
    shared_data().join("crates-index-2020")
}

/// The real lockfiles and cargo-audit's findings for each: `(lockfile, cargo-audit JSON)` pairs.
pub fn lockfiles() -> Vec<(PathBuf, PathBuf)> {
    let dir = shared_data().join("lockfiles");
    let mut pairs: Vec<(PathBuf, PathBuf)> = std::fs::read_dir(&dir)
        .expect("lockfiles directory")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "lock"))
        .map(|lock| {
            let stem = lock.file_name().unwrap().to_string_lossy().trim_end_matches(".Cargo.lock").to_owned();
            let json = dir.join("cargo-audit").join(format!("{stem}.json"));
            (lock, json)
        })
        .collect();
    pairs.sort();
    pairs
}

/// A fresh, empty temporary directory under `target/`, removed and recreated on each call with the same
/// name, so failed runs leave their files for inspection.
pub fn scratch_dir(name: &str) -> PathBuf {
    let dir = workspace_root().join("target/test-scratch").join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create scratch dir");
    dir
}

/// A fresh disclosure store URL for a test: `backend` is `sqlite` (a file in a scratch directory) or
/// `postgres` (a new database on the server of `$CRATEWATCH_TEST_POSTGRES_URL`, which
/// `scripts/test.sh` starts). Panics, saying how to start the server, when that variable is unset: the
/// PostgreSQL tests are never skipped.
pub fn store_url(backend: &str, name: &str) -> String {
    let name = name.replace('-', "_");
    if backend == "sqlite" {
        return format!("sqlite:{}", scratch_dir(&format!("store-{name}")).join("store.db").display());
    }
    assert_eq!(backend, "postgres", "unknown store backend `{backend}`");
    let server = std::env::var("CRATEWATCH_TEST_POSTGRES_URL").unwrap_or_else(|_| {
        panic!(
            "CRATEWATCH_TEST_POSTGRES_URL is not set: start the test server with \
             `export CRATEWATCH_TEST_POSTGRES_URL=\"$(bash scripts/postgres.sh start)\"` (scripts/test.sh does)"
        )
    });
    let database = format!("cw_{name}_{}", std::process::id());
    for sql in [format!("DROP DATABASE IF EXISTS {database}"), format!("CREATE DATABASE {database}")] {
        let status = Command::new("psql").args(["-q", "-v", "ON_ERROR_STOP=1", &server, "-c", &sql]).status();
        assert!(status.expect("run psql").success(), "{sql}");
    }
    let (base, _) = server.rsplit_once('/').expect("a database in the URL");
    format!("{base}/{database}")
}

/// A scratch copy (see [`scratch_dir`]) of the real advisory database without its `.git`, for tests that
/// edit, add or damage advisories; the shared data itself is never touched.
pub fn advisory_db_copy(name: &str) -> PathBuf {
    fn copy_tree(from: &Path, to: &Path) {
        for entry in std::fs::read_dir(from).expect("read the advisory database") {
            let entry = entry.expect("read a directory entry");
            let target = to.join(entry.file_name());
            let kind = entry.file_type().expect("read a file type");
            if kind.is_dir() {
                if entry.file_name() == ".git" {
                    continue;
                }
                std::fs::create_dir_all(&target).expect("create a directory");
                copy_tree(&entry.path(), &target);
            } else if kind.is_file() {
                std::fs::copy(entry.path(), &target).expect("copy a file");
            }
        }
    }
    let dir = scratch_dir(name);
    copy_tree(&advisory_db(), &dir);
    dir
}

/// Deterministic damaged copies of `text` for robustness tests: each one deletes, duplicates, swaps or
/// truncates a piece of the text, or inserts a token that tends to confuse parsers (quotes, brackets,
/// escapes, NUL, multi-byte characters). The same `seed` always gives the same copies.
pub fn mutations(text: &str, count: usize, seed: u64) -> Vec<String> {
    const TOKENS: &[&str] = &[
        "\"",
        "'",
        "[",
        "]",
        "[[",
        "]]",
        "{",
        "}",
        "=",
        ",",
        "\n",
        "#",
        "\\",
        "\\u",
        "\"\"\"",
        "'''",
        "\0",
        "é",
        "𝄞",
        ">= ",
        "< ",
        "^",
        "~",
        "*",
        "0.0.0-",
        "-rc.1",
        "+build",
        " (",
        ")",
        "```",
        "# ",
        "\r\n",
        "\t",
        "9999999999999999999999",
    ];
    let chars: Vec<char> = text.chars().collect();
    let mut state = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
    let mut next = move |bound: usize| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        if bound == 0 { 0 } else { (state % bound as u64) as usize }
    };
    (0..count)
        .map(|_| {
            let mut c = chars.clone();
            let at = next(c.len() + 1);
            let len = 1 + next(40);
            let end = (at + len).min(c.len());
            match next(6) {
                0 => {
                    c.drain(at..end);
                }
                1 => {
                    let piece: Vec<char> = c[at..end].to_vec();
                    c.splice(at..at, piece);
                }
                2 => c.truncate(at),
                3 => {
                    let token = TOKENS[next(TOKENS.len())];
                    c.splice(at..at, token.chars());
                }
                4 => {
                    let token = TOKENS[next(TOKENS.len())];
                    c.splice(at..end, token.chars());
                }
                _ => {
                    let other = next(c.len() + 1);
                    let (a, b) = (at.min(other), at.max(other));
                    if b < c.len() {
                        c.swap(a, b);
                    }
                }
            }
            c.into_iter().collect()
        })
        .collect()
}

/// RustSec's official OSV export of the same snapshot as [`advisory_db`]: `crates/<ID>.json`, plus one stale
/// record (`RUSTSEC-2025-0000`) whose advisory no longer exists.
pub fn osv_export() -> PathBuf {
    shared_data().join("osv-export")
}

/// The OSV JSON Schema (`schema.json`, draft 2020-12) that every OSV record must satisfy.
pub fn osv_schema() -> PathBuf {
    shared_data().join("osv-schema/schema.json")
}
