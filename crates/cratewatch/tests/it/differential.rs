//! cratewatch against cargo-audit 0.22.2, side by side, on about 2,000 damaged copies of the 16 real
//! lockfiles (and of the Cargo-written fixtures of `cratewatch-audit`), generated deterministically from
//! a seed: truncations, byte flips, duplicated, removed and swapped lines and entries, wrong types, odd
//! sources, checksums, versions and references, `[metadata]`, `[root]` and `[[patch.unused]]` oddities.
//!
//! The rule, for every mutant:
//! - when both tools audit it, the findings are the same: every vulnerability and every warning, as
//!   (advisory, package name, version, source, checksum), counted, and the dependency count;
//! - when exactly one tool refuses it, the difference is one of [`ACCEPTED`], each listed with its
//!   reason in the README's "Differences from cargo-audit"; any other difference fails the test;
//! - cratewatch never crashes, and each refusal is one `error:` line naming the file and a line in it.
//!
//! cargo-audit is installed into `target/tools` by `scripts/reference-tools.sh`, which
//! `scripts/test.sh` runs; `$CRATEWATCH_CARGO_AUDIT` points elsewhere. Without it the test fails and
//! says how to install it: it is never skipped.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use cratewatch_testdata::{advisory_db, lockfiles, scratch_dir, workspace_root};
use serde_json::Value;

/// Mutants of each shared lockfile, and of each fixture.
const PER_LOCKFILE: usize = 120;
const PER_FIXTURE: usize = 30;
const SEED: u64 = 0x00c0_ffee_2026_0011;

/// A difference between the tools that is accepted, with its reason in the README.
struct Accepted {
    /// The name the README's "Differences from cargo-audit" gives it.
    id: &'static str,
    /// What differs.
    side: Side,
    /// Recognises the difference: from the refusing tool's message, or from each finding only
    /// cratewatch reports (`kind id name version source checksum`).
    matches: fn(&str) -> bool,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Side {
    /// cratewatch refuses the file, cargo-audit audits it.
    OnlyCratewatchRefuses,
    /// Both audit; cratewatch reports findings cargo-audit does not, and no other difference.
    CratewatchFindsMore,
}

/// Every accepted difference. Each has an entry, with its reason, in the README section "Differences
/// from cargo-audit" (the test checks that the id is there). Nothing is accepted where cargo-audit
/// refuses a file that cratewatch audits.
const ACCEPTED: &[Accepted] = &[
    Accepted {
        id: "sparse-crates-io",
        side: Side::CratewatchFindsMore,
        matches: |finding| finding.contains(" \"sparse+https://index.crates.io/\" "),
    },
    Accepted {
        id: "signed-checksum",
        side: Side::OnlyCratewatchRefuses,
        matches: |message| {
            message.split("invalid checksum `").nth(1).and_then(|rest| rest.split('`').next()).is_some_and(|checksum| {
                // cargo-audit reads each pair of digits with `u8::from_str_radix`, which takes `+f` as `0f`.
                checksum.len() == 64
                    && checksum.contains('+')
                    && checksum.as_bytes().chunks(2).all(
                        |pair| matches!(pair, [a, b] if (a.is_ascii_hexdigit() || *a == b'+') && b.is_ascii_hexdigit()),
                    )
            })
        },
    },
];

/// One generated mutant.
struct Mutant {
    /// Which original it was made from.
    origin: String,
    /// The kind of damage.
    kind: &'static str,
    bytes: Vec<u8>,
}

/// What cratewatch and cargo-audit did with a mutant, and the problems found with cratewatch's answer.
type Ran = (Outcome, Outcome, Vec<String>);

/// What a tool did with a mutant.
#[derive(Debug)]
enum Outcome {
    Audited { findings: BTreeMap<String, usize>, dependencies: u64 },
    Refused { message: String },
}

#[test]
fn cratewatch_agrees_with_cargo_audit_on_mutated_lockfiles() {
    let cargo_audit = cargo_audit();
    let dir = scratch_dir("differential");
    let cargo_home = dir.join("cargo-home");
    std::fs::create_dir_all(&cargo_home).unwrap();

    let mut originals: Vec<(String, String, usize)> = lockfiles()
        .into_iter()
        .map(|(path, _)| (file_name(&path), std::fs::read_to_string(&path).unwrap(), PER_LOCKFILE))
        .collect();
    assert_eq!(originals.len(), 16);
    let fixtures = workspace_root().join("crates/cratewatch-audit/tests/fixtures");
    for entry in std::fs::read_dir(&fixtures).unwrap() {
        let path = entry.unwrap().path();
        if path.to_string_lossy().ends_with(".Cargo.lock") {
            originals.push((file_name(&path), std::fs::read_to_string(&path).unwrap(), PER_FIXTURE));
        }
    }
    originals.sort();
    assert_eq!(originals.len(), 19, "16 shared lockfiles and 3 fixtures");

    let mut mutants = Vec::new();
    for (i, (name, text, count)) in originals.iter().enumerate() {
        // The original itself first: both tools must audit it, with the same findings.
        mutants.push(Mutant { origin: name.clone(), kind: "original", bytes: text.clone().into_bytes() });
        let mut rng = Rng::new(SEED ^ (i as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15));
        for _ in 0..*count {
            let (kind, bytes) = mutate(text, &mut rng);
            mutants.push(Mutant { origin: name.clone(), kind, bytes });
        }
    }

    // Compile the advisory cache once before the workers share it.
    let warm = dir.join("warm.lock");
    std::fs::write(&warm, &mutants[0].bytes).unwrap();
    assert!(matches!(run_cratewatch(&warm).0, Outcome::Audited { .. }));

    let results: Vec<Mutex<Option<Ran>>> = mutants.iter().map(|_| Mutex::new(None)).collect();
    let next = AtomicUsize::new(0);
    std::thread::scope(|scope| {
        for _ in 0..2 {
            scope.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(mutant) = mutants.get(i) else { break };
                    let path = dir.join(format!("m{i:04}-{}.lock", mutant.kind));
                    std::fs::write(&path, &mutant.bytes).unwrap();
                    let (ours, mut problems) = run_cratewatch(&path);
                    let theirs = run_cargo_audit(&cargo_audit, &cargo_home, &path);
                    if let Outcome::Refused { message } = &ours {
                        problems.extend(check_refusal(message, &path, &mutant.bytes));
                    }
                    *results[i].lock().unwrap() = Some((ours, theirs, problems));
                }
            });
        }
    });

    let mut report = String::new();
    let mut tally: BTreeMap<String, usize> = BTreeMap::new();
    let mut kinds: BTreeMap<&str, [usize; 4]> = BTreeMap::new();
    for (i, (mutant, result)) in mutants.iter().zip(results).enumerate() {
        let (ours, theirs, problems) = result.into_inner().unwrap().expect("every mutant was run");
        let path = dir.join(format!("m{i:04}-{}.lock", mutant.kind));
        let label = format!("{} ({} of {})", path.display(), mutant.kind, mutant.origin);
        for problem in problems {
            writeln!(report, "{label}: {problem}").unwrap();
        }
        let column = match (&ours, &theirs) {
            (
                Outcome::Audited { findings: a, dependencies: da },
                Outcome::Audited { findings: b, dependencies: db },
            ) => {
                if a != b || da != db {
                    compare_findings(&mut report, &mut tally, &label, (a, *da), (b, *db));
                }
                0
            }
            (Outcome::Refused { .. }, Outcome::Refused { .. }) => 1,
            (Outcome::Refused { message }, Outcome::Audited { .. }) => {
                classify(&mut report, &mut tally, &label, true, message);
                2
            }
            (Outcome::Audited { .. }, Outcome::Refused { message }) => {
                classify(&mut report, &mut tally, &label, false, message);
                3
            }
        };
        if mutant.kind == "original" {
            assert_eq!(column, 0, "{label}: both tools must audit the original");
        }
        kinds.entry(mutant.kind).or_default()[column] += 1;
    }

    let mut summary =
        String::from("kind: both audit / both refuse / only cratewatch refuses / only cargo-audit refuses\n");
    for (kind, [a, b, c, d]) in &kinds {
        writeln!(summary, "  {kind}: {a} / {b} / {c} / {d}").unwrap();
    }
    writeln!(summary, "accepted differences: {tally:?}").unwrap();
    eprintln!("{summary}");
    assert!(report.is_empty(), "{report}\n{summary}");

    // The README lists every accepted difference.
    let readme = std::fs::read_to_string(workspace_root().join("README.md")).unwrap();
    let section =
        readme.split("## Differences from cargo-audit").nth(1).expect("README section").split("\n## ").next().unwrap();
    for accepted in ACCEPTED {
        assert!(section.contains(&format!("`{}`", accepted.id)), "README's differences do not list `{}`", accepted.id);
    }
    // Enough of each outcome that the comparison means something.
    let total: usize = kinds.values().flatten().sum();
    let both_audit: usize = kinds.values().map(|k| k[0]).sum();
    let both_refuse: usize = kinds.values().map(|k| k[1]).sum();
    assert!(total >= 2_000, "{total} mutants");
    assert!(
        both_audit >= 800 && both_refuse >= 800,
        "{both_audit} audited by both, {both_refuse} refused by both\n{summary}"
    );
    assert!(kinds.len() >= 20, "{summary}");
}

/// Both audit and the findings differ: accepted only when every finding cratewatch alone reports is an
/// accepted difference, and cargo-audit reports nothing cratewatch does not.
fn compare_findings(
    report: &mut String,
    tally: &mut BTreeMap<String, usize>,
    label: &str,
    (ours, our_count): (&BTreeMap<String, usize>, u64),
    (theirs, their_count): (&BTreeMap<String, usize>, u64),
) {
    let mut extra = ours.clone();
    for (finding, n) in theirs {
        let left = extra.get(finding).copied().unwrap_or(0);
        if left < *n {
            writeln!(report, "{label}: cratewatch misses a finding of cargo-audit: {finding}\n  cratewatch: {ours:?}\n  cargo-audit: {theirs:?}").unwrap();
            return;
        }
        extra.insert(finding.clone(), left - n);
    }
    extra.retain(|_, n| *n > 0);
    let accepted =
        |finding: &String| ACCEPTED.iter().find(|a| a.side == Side::CratewatchFindsMore && (a.matches)(finding));
    match extra.keys().map(accepted).collect::<Option<Vec<_>>>() {
        Some(ids) if our_count == their_count => {
            for a in ids {
                *tally.entry(a.id.to_owned()).or_default() += 1;
            }
        }
        _ => writeln!(
            report,
            "{label}: both audit, findings differ\n  cratewatch ({our_count} packages): {ours:?}\n  cargo-audit ({their_count} packages): {theirs:?}"
        )
        .unwrap(),
    }
}

fn classify(
    report: &mut String,
    tally: &mut BTreeMap<String, usize>,
    label: &str,
    cratewatch_refuses: bool,
    message: &str,
) {
    let side = if cratewatch_refuses { Some(Side::OnlyCratewatchRefuses) } else { None };
    match ACCEPTED.iter().find(|a| Some(a.side) == side && (a.matches)(message)) {
        Some(accepted) => *tally.entry(accepted.id.to_owned()).or_default() += 1,
        None => {
            let who = if cratewatch_refuses { "only cratewatch refuses" } else { "only cargo-audit refuses" };
            writeln!(report, "{label}: {who}, an unlisted difference: {message}").unwrap();
        }
    }
}

/// A refusal is one `error:` line that names the file and a line inside it.
fn check_refusal(message: &str, path: &Path, bytes: &[u8]) -> Option<String> {
    let lines = bytes.split(|&b| b == b'\n').count();
    let named_line = message
        .split(": line ")
        .nth(1)
        .and_then(|rest| rest.split(|c: char| !c.is_ascii_digit()).next())
        .and_then(|n| n.parse::<usize>().ok());
    let fine = message.starts_with("error: ")
        && !message.trim_end().contains('\n')
        && message.contains(&path.display().to_string())
        && named_line.is_some_and(|n| (1..=lines).contains(&n));
    (!fine).then(|| format!("cratewatch's refusal does not name the file and a line of it: {message}"))
}

pub(crate) fn cargo_audit() -> PathBuf {
    let path = std::env::var_os("CRATEWATCH_CARGO_AUDIT")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join("target/tools/bin/cargo-audit"));
    assert!(
        path.is_file(),
        "cargo-audit 0.22.2 not found at {}: run `bash scripts/reference-tools.sh` (scripts/test.sh does), or set \
         CRATEWATCH_CARGO_AUDIT",
        path.display()
    );
    path
}

fn file_name(path: &Path) -> String {
    path.file_name().unwrap().to_string_lossy().into_owned()
}

/// The findings of a report in cargo-audit's JSON shape, as `kind id name version source checksum`.
fn findings(json: &Value) -> BTreeMap<String, usize> {
    let mut all: Vec<(&str, &Value)> = Vec::new();
    for f in json["vulnerabilities"]["list"].as_array().into_iter().flatten() {
        all.push(("vulnerability", f));
    }
    for kind in ["unmaintained", "unsound", "notice", "yanked"] {
        for f in json["warnings"][kind].as_array().into_iter().flatten() {
            all.push((kind, f));
        }
    }
    let mut set = BTreeMap::new();
    for (kind, f) in all {
        let p = &f["package"];
        let key =
            format!("{kind} {} {} {} {} {}", f["advisory"]["id"], p["name"], p["version"], p["source"], p["checksum"]);
        *set.entry(key).or_default() += 1;
    }
    set
}

fn outcome(output: &Output) -> Outcome {
    let stdout = String::from_utf8_lossy(&output.stdout);
    match serde_json::from_str::<Value>(&stdout) {
        Ok(json) if matches!(output.status.code(), Some(0 | 1)) => Outcome::Audited {
            findings: findings(&json),
            dependencies: json["lockfile"]["dependency-count"].as_u64().expect("dependency-count"),
        },
        _ => Outcome::Refused { message: String::from_utf8_lossy(&output.stderr).into_owned() },
    }
}

/// Runs cratewatch; a crash (any exit but 0, 1 and 2) is a problem, reported with the outcome.
fn run_cratewatch(path: &Path) -> (Outcome, Vec<String>) {
    let output = Command::new(env!("CARGO_BIN_EXE_cratewatch"))
        .args(["audit", "--no-config", "--json", "--file"])
        .arg(path)
        .env("CRATEWATCH_DB", advisory_db())
        .env("CRATEWATCH_CACHE_DIR", crate::shared_cache())
        .env("NO_COLOR", "1")
        .output()
        .expect("run cratewatch");
    let mut problems = Vec::new();
    if !matches!(output.status.code(), Some(0..=2)) {
        problems.push(format!("cratewatch crashed ({}): {}", output.status, String::from_utf8_lossy(&output.stderr)));
    }
    (outcome(&output), problems)
}

fn run_cargo_audit(cargo_audit: &Path, cargo_home: &Path, path: &Path) -> Outcome {
    let output = Command::new(cargo_audit)
        .args(["audit", "--db"])
        .arg(advisory_db())
        .args(["--no-fetch", "--stale", "--no-yanked", "--json", "--file"])
        .arg(path)
        .current_dir(cargo_home)
        .env("CARGO_HOME", cargo_home)
        .env("RUST_BACKTRACE", "0")
        .output()
        .expect("run cargo-audit");
    outcome(&output)
}

/// xorshift64*: deterministic, and enough for picking damage.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Self {
        Rng(seed | 1)
    }

    fn below(&mut self, bound: usize) -> usize {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        let x = self.0.wrapping_mul(0x2545_f491_4f6c_dd1d);
        if bound == 0 { 0 } else { (x >> 11) as usize % bound }
    }

    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len())]
    }
}

const CRATES_IO: &str = "registry+https://github.com/rust-lang/crates.io-index";

const SOURCES: &[&str] = &[
    "registry+not a url",
    "registry+",
    "registry+HTTPS://GITHUB.COM/rust-lang/crates.io-index",
    "registry+https://github.com:443/rust-lang/./crates.io-index",
    "registry+https://github.com/rust-lang/crates.io-index/",
    "registry+https://github.com/rust-lang/crates.io-index#0123abcd",
    "registry+https://github.com/rust-lang/crates.io-index?x=1",
    "registry+ https://github.com/rust-lang/crates.io-index",
    "registry+https://github.com/rust-lang/crates.io-index\\t",
    "registry+http://github.com/rust-lang/crates.io-index",
    "registry+https://example.com/index",
    "registry+https://[bad/index",
    "sparse+https://index.crates.io/",
    "sparse+https://example.com/index/",
    "local-registry+file:///srv/registry",
    "directory+file:///srv/vendor",
    "foo+https://github.com/rust-lang/crates.io-index",
    "https://github.com/rust-lang/crates.io-index",
    "",
    "git+https://github.com/rust-lang/crates.io-index",
    "git+https://github.com/serde-rs/serde?branch=master#0123abcd",
    "git+https://github.com/serde-rs/serde?tag=v1.0.0&foo=bar",
    "git+not a url",
    "path+file:///work/crate",
    "Registry+https://github.com/rust-lang/crates.io-index",
];

const CHECKSUMS: &[&str] = &[
    "",
    "<none>",
    "abc",
    "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcde",
    "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0",
    "0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF",
    "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdeg",
    "+123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
    "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcd+f",
    "-123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
    "ééééééééééééééééééééééééééééééééé",
    "0é23456789abcdef0123456789abcdef0123456789abcdef0123456789abcde",
    " 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
];

const VERSIONS: &[&str] = &[
    "1.0",
    "v1.2.3",
    "1.2.3-",
    "01.2.3",
    "1.2.3+build.5",
    "1.2.3-rc.1",
    "",
    " 1.2.3",
    "1.2.3 ",
    "99999999999999999999.0.0",
    "1.2.3-01",
    "1.2.3-alpha..1",
    "*",
    "^1.2.3",
    "0.0.0",
];

const HEADER_VERSIONS: &[&str] =
    &["0", "1", "2", "3", "4", "5", "\"3\"", "3.0", "-1", "0x3", "+3", "99999999999", "[3]"];

const WRONG_TYPES: &[&str] =
    &["1", "true", "[]", "{}", "1.5", "2020-01-01", "[\"a\"]", "{ x = 1 }", "'single'", "\"\"\"\nmulti\n\"\"\""];

/// Line-oriented view of a lockfile.
fn split_lines(text: &str) -> Vec<String> {
    text.split('\n').map(str::to_owned).collect()
}

fn join(lines: &[String]) -> Vec<u8> {
    lines.join("\n").into_bytes()
}

/// Indices of lines matching `pred`.
fn lines_where(lines: &[String], pred: impl Fn(&str) -> bool) -> Vec<usize> {
    lines.iter().enumerate().filter(|(_, l)| pred(l)).map(|(i, _)| i).collect()
}

/// `(start, end)` line ranges of the `[[package]]` entries (end exclusive, blank line included).
fn entries(lines: &[String]) -> Vec<(usize, usize)> {
    let starts = lines_where(lines, |l| l == "[[package]]" || l == "[root]");
    let mut out = Vec::new();
    for (n, &start) in starts.iter().enumerate() {
        let mut end = starts.get(n + 1).copied().unwrap_or(lines.len());
        // Stop at another table (such as `[metadata]`).
        if let Some(other) = (start + 1..end).find(|&i| lines[i].starts_with('[')) {
            end = other;
        }
        out.push((start, end));
    }
    out
}

/// Replaces the value of the `key = "..."` line `i`.
fn set_value(lines: &mut [String], i: usize, value: &str) {
    let key = lines[i].split(" = ").next().unwrap_or_default().to_owned();
    lines[i] = format!("{key} = {value}");
}

fn quoted(s: &str) -> String {
    format!("\"{s}\"")
}

/// One mutant of `text`, and the name of its kind.
fn mutate(text: &str, rng: &mut Rng) -> (&'static str, Vec<u8>) {
    let mut lines = split_lines(text);
    let entries = entries(&lines);
    let keyed = |key: &'static str| move |l: &str| l.starts_with(key) && l[key.len()..].starts_with(" = ");
    let names = lines_where(&lines, keyed("name"));
    let versions: Vec<usize> =
        entries.iter().filter_map(|&(s, e)| (s..e).find(|&i| keyed("version")(&lines[i]))).collect();
    let sources = lines_where(&lines, keyed("source"));
    let checksums = lines_where(&lines, keyed("checksum"));
    let deps = lines_where(&lines, |l| l.starts_with(" \"") && l.ends_with("\","));
    let key_lines =
        lines_where(&lines, |l| !l.is_empty() && !l.starts_with('[') && !l.starts_with('#') && l.contains(" = "));
    let header = lines.iter().position(|l| l.starts_with("version = ") && !l.contains('"'));
    let metadata = lines.iter().position(|l| l == "[metadata]");
    let kind = rng.below(24);
    match kind {
        0 => {
            // Anywhere, or after a whole line (a file cut short that is still TOML).
            let mut at = rng.below(text.len() + 1);
            if rng.below(2) == 0 {
                at = text[..at].rfind('\n').map_or(0, |i| i + 1);
            }
            while !text.is_char_boundary(at) {
                at -= 1;
            }
            ("truncate", text.as_bytes()[..at].to_vec())
        }
        1 => {
            let mut bytes = text.as_bytes().to_vec();
            let at = rng.below(bytes.len());
            bytes[at] ^= 1 << rng.below(8);
            ("bit-flip", bytes)
        }
        2 => {
            let mut bytes = text.as_bytes().to_vec();
            let at = rng.below(bytes.len());
            bytes[at] = rng.pick(b" \t\"'[]{}=,#+()\\.-0123456789aAzZ_\r\n");
            ("byte-substitute", bytes)
        }
        3 => {
            let i = rng.below(lines.len());
            lines.insert(i, lines[i].clone());
            ("duplicate-line", join(&lines))
        }
        4 => {
            let i = rng.below(lines.len());
            lines.remove(i);
            ("remove-line", join(&lines))
        }
        5 => {
            let i = rng.below(lines.len().saturating_sub(1));
            lines.swap(i, i + 1);
            ("swap-lines", join(&lines))
        }
        6 if !entries.is_empty() => {
            let (s, e) = rng.pick(&entries);
            let copy: Vec<String> = lines[s..e].to_vec();
            let at = rng.pick(&entries).0;
            lines.splice(at..at, copy);
            ("duplicate-entry", join(&lines))
        }
        7 if !entries.is_empty() => {
            let (s, e) = rng.pick(&entries);
            lines.drain(s..e);
            ("remove-entry", join(&lines))
        }
        8 if !entries.is_empty() => {
            // Swap two key lines of one entry (keys in another order than Cargo's).
            let (s, e) = rng.pick(&entries);
            let keys: Vec<usize> = (s + 1..e).filter(|&i| key_lines.contains(&i) && !lines[i].ends_with('[')).collect();
            if keys.len() >= 2 {
                let a = rng.pick(&keys);
                let b = rng.pick(&keys);
                lines.swap(a, b);
            }
            ("swap-keys", join(&lines))
        }
        9 if !key_lines.is_empty() => {
            let i = rng.pick(&key_lines);
            set_value(&mut lines, i, rng.pick(WRONG_TYPES));
            ("wrong-type", join(&lines))
        }
        10 if !sources.is_empty() => {
            let i = rng.pick(&sources);
            if rng.below(8) == 0 {
                lines.remove(i);
            } else {
                set_value(&mut lines, i, &quoted(rng.pick(SOURCES)));
            }
            ("odd-source", join(&lines))
        }
        11 if !checksums.is_empty() => {
            let i = rng.pick(&checksums);
            if rng.below(4) == 0 {
                lines[i] = lines[i].to_uppercase().replacen("CHECKSUM", "checksum", 1);
            } else {
                set_value(&mut lines, i, &quoted(rng.pick(CHECKSUMS)));
            }
            ("odd-checksum", join(&lines))
        }
        12 if !versions.is_empty() => {
            let i = rng.pick(&versions);
            let other = lines[rng.pick(&versions)].clone();
            let value = if rng.below(5) == 0 {
                other.split(" = ").nth(1).unwrap_or("\"\"").to_owned()
            } else {
                quoted(rng.pick(VERSIONS))
            };
            set_value(&mut lines, i, &value);
            ("odd-version", join(&lines))
        }
        13 if !deps.is_empty() => {
            let i = rng.pick(&deps);
            let current = lines[i].trim().trim_end_matches(',').trim_matches('"').to_owned();
            let name = current.split(' ').next().unwrap_or_default().to_owned();
            let other_name = match names.is_empty() {
                true => name.clone(),
                false => lines[rng.pick(&names)].split('"').nth(1).unwrap_or_default().to_owned(),
            };
            let replacement = match rng.below(12) {
                0 => "no-such-crate".to_owned(),
                1 => format!("{name} 9.9.9"),
                2 => format!("{name} 9.9.9 ({CRATES_IO})"),
                3 => format!("{name} 1.0"),
                4 => format!("{name}  "),
                5 => format!(" {current}"),
                6 => format!("{current} extra words"),
                7 => format!("{name} 1.0.0 (registry+not-a-url)"),
                8 => format!("{name} 1.0.0 {CRATES_IO}"),
                9 => String::new(),
                10 => other_name,
                _ => format!("{current} ({})", rng.pick(SOURCES)),
            };
            lines[i] = format!(" {},", quoted(&replacement));
            ("odd-reference", join(&lines))
        }
        14 => {
            let value = rng.pick(HEADER_VERSIONS);
            match header {
                Some(i) if rng.below(4) == 0 => {
                    lines.remove(i);
                }
                Some(i) => lines[i] = format!("version = {value}"),
                None => lines.insert(0, format!("version = {value}")),
            }
            ("version-header", join(&lines))
        }
        15 => {
            match metadata {
                Some(m) if m + 1 < lines.len() => {
                    let keys = lines_where(&lines, |l| l.starts_with("\"checksum "));
                    let i = if keys.is_empty() { m + 1 } else { rng.pick(&keys) };
                    match rng.below(5) {
                        0 => set_value(&mut lines, i, rng.pick(WRONG_TYPES)),
                        1 => set_value(&mut lines, i, "\"<none>\""),
                        2 => lines.insert(i, lines[i].clone()),
                        3 => lines[i] = lines[i].replacen("\"checksum ", "\"checksum x", 1),
                        _ => lines[i] = lines[i].replacen(" (registry+", " (registry+ht tp", 1),
                    }
                }
                _ => {
                    // A `[metadata]` table in a newer file, with a checksum key or without.
                    let key = if rng.below(2) == 0 {
                        "checksum serde 1.0.0 (registry+https://github.com/rust-lang/crates.io-index)"
                    } else {
                        "note"
                    };
                    lines.push(format!("[metadata]\n\"{key}\" = \"{}\"", rng.pick(CHECKSUMS)));
                }
            }
            ("metadata", join(&lines))
        }
        16 => {
            let name = rng.pick(&["ryu", "", "serde"]);
            let version = rng.pick(&["1.0.23", "1.0", "0.0.0"]);
            let source = rng.pick(SOURCES);
            let mut entry =
                format!("\n[[patch.unused]]\nname = \"{name}\"\nversion = \"{version}\"\nsource = \"{source}\"\n");
            match rng.below(4) {
                0 => entry = entry.replace("[[patch.unused]]", "[patch]"),
                1 => entry = entry.replace("name = ", "nom = "),
                _ => {}
            }
            lines.push(entry);
            ("patch-unused", join(&lines))
        }
        17 if !entries.is_empty() => {
            // The first entry becomes an old-style `[root]` table.
            let (s, e) = entries[0];
            let table: Vec<String> = lines.drain(s..e).collect();
            let mut table = table;
            table[0] = "[root]".to_owned();
            let at = lines.iter().position(|l| l.starts_with('[')).unwrap_or(lines.len());
            lines.splice(at..at, table);
            ("root-table", join(&lines))
        }
        18 => {
            let at = rng.below(lines.len() + 1);
            let extra =
                rng.pick(&["foo = \"bar\"", "foo = [1, 2]", "[extra]\nx = 1", "# a comment", "   ", "name = \"dup\""]);
            lines.insert(at, extra.to_owned());
            ("unknown-key", join(&lines))
        }
        19 => {
            let layout = match rng.below(4) {
                0 => text.replace('\n', "\r\n"),
                1 => text.replace("\n \"", "\n\t\""),
                2 => text.replace(" = ", "="),
                _ => text.replace("\"\n", "\" # note\n"),
            };
            ("layout", layout.into_bytes())
        }
        20 if !entries.is_empty() => {
            let (s, _) = rng.pick(&entries);
            let value = rng.pick(&[
                "\"serde\"",
                "\"serde 1.0.0\"",
                "\"serde 1.0.0 (registry+https://github.com/rust-lang/crates.io-index)\"",
                "\"serde 1.0\"",
                "1",
            ]);
            lines.insert(s + 3, format!("replace = {value}"));
            ("replace", join(&lines))
        }
        21 if !names.is_empty() => {
            let i = rng.pick(&names);
            let other = lines[rng.pick(&names)].clone();
            let value = match rng.below(5) {
                0 => "\"\"".to_owned(),
                1 => "\"two words\"".to_owned(),
                2 => lines[i].to_uppercase().split(" = ").nth(1).unwrap_or("\"X\"").to_owned(),
                _ => other.split(" = ").nth(1).unwrap_or("\"x\"").to_owned(),
            };
            set_value(&mut lines, i, &value);
            ("package-name", join(&lines))
        }
        22 if !entries.is_empty() => {
            // Two damages at once.
            let (_, first) = mutate(text, rng);
            let Ok(first) = String::from_utf8(first) else { return ("double", text.as_bytes().to_vec()) };
            let (_, second) = mutate(&first, rng);
            ("double", second)
        }
        _ => {
            // A source given to a path package, or taken from a registry package.
            let path_entries: Vec<usize> = entries
                .iter()
                .filter(|&&(s, e)| !(s..e).any(|i| keyed("source")(&lines[i])))
                .map(|&(s, _)| s + 2)
                .collect();
            if path_entries.is_empty() || rng.below(4) == 0 {
                if !sources.is_empty() {
                    lines.remove(rng.pick(&sources));
                }
            } else {
                let at = (rng.pick(&path_entries) + 1).min(lines.len());
                lines.insert(at, format!("source = \"{}\"", rng.pick(SOURCES)));
            }
            ("path-source", join(&lines))
        }
    }
}
