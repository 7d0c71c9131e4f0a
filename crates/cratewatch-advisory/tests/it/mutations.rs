//! Damaged inputs by the thousand, made by a seeded generator from the real data: every one must give a
//! diagnostic (or load), never a panic. A panic is caught and reported with the mutant that caused it,
//! so a failure names the input to turn into a regression test.

use std::fs;
use std::panic::{AssertUnwindSafe, catch_unwind};

use cratewatch_advisory::semver::Version;
use cratewatch_advisory::{Collection, DiagnosticSeverity, parse_advisory, parse_osv_record};
use cratewatch_testdata::osv_export;
use serde_json::{Value, json};

/// A small deterministic generator (xorshift64), so that a failing mutant can be made again from its seed.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1)
    }

    /// A number below `bound` (0 when `bound` is 0).
    fn below(&mut self, bound: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        if bound == 0 { 0 } else { (self.0 % bound as u64) as usize }
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// Runs `f`, turning a panic into its message.
fn no_panic<T>(f: impl FnOnce() -> T) -> Result<T, String> {
    catch_unwind(AssertUnwindSafe(f)).map_err(|panic| {
        panic
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| panic.downcast_ref::<&str>().map(|s| (*s).to_owned()))
            .unwrap_or_else(|| "a panic without a message".to_owned())
    })
}

/// Asserts that no mutant panicked, showing the first few with their inputs.
#[track_caller]
fn assert_no_panics(panics: &[(String, String, String)], total: usize) {
    if panics.is_empty() {
        return;
    }
    let shown: Vec<String> = panics
        .iter()
        .take(5)
        .map(|(what, message, input)| {
            let input: String = input.chars().take(3000).collect();
            format!("--- {what}: panicked with {message:?}\n{input}")
        })
        .collect();
    panic!("{} of {total} mutants panicked; the first ones:\n{}", panics.len(), shown.join("\n"));
}

// ---------------------------------------------------------------------------------------------------
// OSV records
// ---------------------------------------------------------------------------------------------------

/// Values that tend to break a reader: wrong types, nulls, empty and huge containers, extreme numbers,
/// and strings that are almost versions, timestamps, URLs or CVSS vectors.
fn odd_value(rng: &mut Rng) -> Value {
    let strings = [
        "",
        " ",
        "0",
        "*",
        "0.0.0-0",
        "0.0.0",
        "1.0",
        "v1.0.0",
        "1.0.0-",
        "01.0.0",
        "1.0.0+build.7",
        "1.0.0-rc.1.0",
        "18446744073709551615.18446744073709551615.18446744073709551615",
        "18446744073709551616.0.0",
        "1.0.0-α",
        "2021-13-01T00:00:00Z",
        "2021-02-29",
        "99999-01-01T00:00:00Z",
        "2021-01-01\u{e9}",
        "javascript:alert(1)",
        "data:text/html,x",
        "https://",
        "CVSS:3.1/AV:N/AC:L",
        "CVSS:3.1/AV:X/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
        "CVSS:4.0/AV:N",
        "CVSS:9.9/AV:N",
        "AV:N/AC:L/Au:N/C:P/I:P",
        "RUSTSEC-0000-0000",
        "RUSTSEC-21-3",
        "crates.io",
        "not a crate",
        "\u{0}",
        "𝄞",
    ];
    match rng.below(16) {
        0 => Value::Null,
        1 => json!(true),
        2 => json!(0),
        3 => json!(-1),
        4 => json!(1.0e308),
        5 => json!(u64::MAX),
        6 => json!([]),
        7 => json!({}),
        8 => json!([null]),
        9 => json!([{"introduced": "0"}]),
        10 => json!({"introduced": "0", "fixed": "1.0.0"}),
        11 => json!("x".repeat(100_000)),
        12 => {
            // Deeper than serde_json's recursion limit.
            let mut v = json!(0);
            for _ in 0..200 {
                v = json!([v]);
            }
            v
        }
        _ => json!(*rng.pick(&strings)),
    }
}

/// Event sequences at the edges of the OSV evaluation: the lowest version written two ways, fixes
/// before introductions, repeated and unsorted events, limits, and the largest versions there are.
fn odd_events(rng: &mut Rng, existing: &Value) -> Value {
    let max = "18446744073709551615.18446744073709551615.18446744073709551615";
    let sequences = [
        json!([{"introduced": "0"}, {"introduced": "0.0.0-0"}, {"fixed": "1.0.0"}]),
        json!([{"introduced": "0.0.0-0"}, {"introduced": "0"}, {"last_affected": "0.0.0-0"}]),
        json!([]),
        json!([{"fixed": "1.0.0"}]),
        json!([{"introduced": "1.0.0"}, {"introduced": "1.0.0"}, {"fixed": "1.0.0"}, {"fixed": "1.0.0"}]),
        json!([{"last_affected": "1.0.0"}, {"introduced": "0"}]),
        json!([{"introduced": "2.0.0"}, {"fixed": "1.0.0"}]),
        json!([{"introduced": "0"}, {"limit": "*"}, {"limit": "0.0.0-0"}]),
        json!([{"introduced": "0"}, {"limit": "1.0.0"}, {"fixed": "2.0.0"}]),
        json!([{"introduced": "0", "fixed": "1.0.0"}]),
        json!([{"introduced": max}, {"fixed": max}]),
        json!([{"introduced": "0"}, {"last_affected": max}]),
        json!([{"introduced": "1.0.0-rc.1"}, {"fixed": "1.0.0-rc.1.0"}, {"introduced": "1.0.0+b"}]),
        json!([{"introduced": "0"}, {"fixed": "0.0.0-0"}, {"introduced": "0.0.0-0"}]),
        json!([{}]),
        json!([{"introduced": null}]),
    ];
    match (rng.below(3), existing.as_array()) {
        (0, Some(events)) if !events.is_empty() => {
            // The record's own events, shuffled and some repeated.
            let mut shuffled = events.clone();
            for _ in 0..events.len() * 2 {
                let (a, b) = (rng.below(shuffled.len()), rng.below(shuffled.len()));
                shuffled.swap(a, b);
            }
            let again = shuffled[rng.below(shuffled.len())].clone();
            shuffled.insert(rng.below(shuffled.len() + 1), again);
            Value::Array(shuffled)
        }
        _ => rng.pick(&sequences).clone(),
    }
}

/// JSON pointers to every node of `value`.
fn pointers(value: &Value, at: String, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (key, child) in map {
                pointers(child, format!("{at}/{}", key.replace('~', "~0").replace('/', "~1")), out);
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                pointers(child, format!("{at}/{i}"), out);
            }
        }
        _ => {}
    }
    out.push(at);
}

/// One damaged copy of the record `text`, and what was done to it.
fn mutate_osv(text: &str, rng: &mut Rng) -> (String, String) {
    let record: Value = serde_json::from_str(text).unwrap();
    let mut all = Vec::new();
    pointers(&record, String::new(), &mut all);
    let mut value = record.clone();
    let what = match rng.below(12) {
        0 => {
            // Remove a field.
            let fields: Vec<&String> = all.iter().filter(|p| !p.is_empty()).collect();
            let target = (*rng.pick(&fields)).clone();
            let (parent, key) = target.rsplit_once('/').unwrap();
            match value.pointer_mut(parent) {
                Some(Value::Object(map)) => drop(map.remove(&key.replace("~1", "/").replace("~0", "~"))),
                Some(Value::Array(items)) => drop(items.remove(key.parse::<usize>().unwrap())),
                _ => {}
            }
            format!("removed {target}")
        }
        1 => {
            // Duplicate an array item.
            let arrays: Vec<&String> = all.iter().filter(|p| record.pointer(p).is_some_and(Value::is_array)).collect();
            let target = (*rng.pick(&arrays)).clone();
            if let Some(Value::Array(items)) = value.pointer_mut(&target)
                && !items.is_empty()
            {
                let item = items[rng.below(items.len())].clone();
                items.insert(rng.below(items.len() + 1), item);
            }
            format!("duplicated an item of {target}")
        }
        2..=4 => {
            // Retype a node (or null it, or make it huge, or almost right).
            let target = rng.pick(&all).clone();
            let odd = odd_value(rng);
            *value.pointer_mut(&target).unwrap() = odd;
            format!("replaced {target}")
        }
        5..=7 => {
            // Odd event sequences in one range (added when the record has none).
            let ranges: Vec<&String> = all.iter().filter(|p| p.ends_with("/events")).collect();
            let target = match ranges.is_empty() {
                true => "/affected/0/ranges/0/events".to_owned(),
                false => (*rng.pick(&ranges)).clone(),
            };
            let existing = record.pointer(&target).cloned().unwrap_or(Value::Null);
            let events = odd_events(rng, &existing);
            if let Some(slot) = value.pointer_mut(&target) {
                *slot = events;
            }
            format!("events of {target}")
        }
        8 => {
            // A version string made bad.
            let versions: Vec<&String> = all
                .iter()
                .filter(|p| p.contains("/events/") || p.contains("/versions/"))
                .filter(|p| record.pointer(p).is_some_and(Value::is_string))
                .collect();
            if versions.is_empty() {
                return (text.to_owned(), "unchanged".to_owned());
            }
            let target = (*rng.pick(&versions)).clone();
            let odd = rng.pick(&["1.0", "v1.0.0", "", "0", "*", "1.0.0-", "1.2.3.4", "18446744073709551616.0.0"]);
            *value.pointer_mut(&target).unwrap() = json!(odd);
            format!("version at {target}")
        }
        9 => {
            // Truncated JSON.
            let cut = rng.below(text.len());
            let cut = (0..=cut).rev().find(|&i| text.is_char_boundary(i)).unwrap_or(0);
            return (text[..cut].to_owned(), format!("truncated at byte {cut}"));
        }
        10 => {
            // A byte flipped (as text: invalid UTF-8 is read as replacement characters).
            let mut bytes = text.as_bytes().to_vec();
            let at = rng.below(bytes.len());
            bytes[at] ^= 1 << rng.below(8);
            return (String::from_utf8_lossy(&bytes).into_owned(), format!("bit flipped at byte {at}"));
        }
        _ => {
            // Text-level oddities serde_json still reads: a repeated key, a huge number.
            let insert = *rng.pick(&[
                r#""id": 7, "#,
                r#""affected": null, "#,
                r#""x": 1e400, "#,
                r#""n": 123456789012345678901234567890, "#,
            ]);
            return (text.replacen('{', &format!("{{{insert}"), 1), format!("inserted {insert}"));
        }
    };
    (serde_json::to_string_pretty(&value).unwrap(), what)
}

/// Every record of RustSec's official export, damaged five ways each: a diagnostic or advisories, never
/// a panic. The advisories that do load answer version questions without panicking either.
#[test]
fn damaged_osv_records_give_errors_never_panics() {
    let mut records: Vec<(String, String)> = fs::read_dir(osv_export().join("crates"))
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .map(|path| (path.file_name().unwrap().to_string_lossy().into_owned(), fs::read_to_string(&path).unwrap()))
        .collect();
    records.sort();
    assert_eq!(records.len(), 1206);
    let probes: Vec<Version> =
        ["0.0.0-0", "0.0.0", "0.1.0", "1.0.0-rc.1", "1.0.0", "2.5.0", "18446744073709551615.0.0"]
            .iter()
            .map(|v| v.parse().unwrap())
            .collect();
    let (mut total, mut loaded, mut refused) = (0, 0, 0);
    let mut panics = Vec::new();
    for (i, (name, text)) in records.iter().enumerate() {
        let mut rng = Rng::new(i as u64);
        for n in 0..5 {
            let (mutant, what) = mutate_osv(text, &mut rng);
            total += 1;
            let outcome = no_panic(|| {
                let result = parse_osv_record(&mutant);
                if let Ok(advisories) = &result {
                    for advisory in advisories {
                        for v in &probes {
                            advisory.versions.is_affected(v);
                            advisory.versions.nearest_safe(v);
                        }
                    }
                }
                result
            });
            match outcome {
                Ok(Ok(_)) => loaded += 1,
                Ok(Err(e)) => {
                    refused += 1;
                    assert!(!e.message.is_empty(), "{name} mutant {n} ({what})");
                }
                Err(message) => panics.push((format!("{name} mutant {n} ({what})"), message, mutant)),
            }
        }
    }
    println!("{total} damaged OSV records: {loaded} loaded, {refused} refused with an error");
    assert_no_panics(&panics, total);
    assert!(total > 6000 && loaded > 1000 && refused > 2000, "{loaded} loaded, {refused} refused of {total}");
}

// ---------------------------------------------------------------------------------------------------
// RustSec advisory files
// ---------------------------------------------------------------------------------------------------

/// TOML values of every type and at the edges of what the fields accept.
const ODD_TOML: &[&str] = &[
    "1",
    "-1",
    "9223372036854775807",
    "1e400",
    "nan",
    "true",
    "2020-01-01",
    "2020-01-01T00:00:00Z",
    "[]",
    "[1, 2, 3]",
    "[[]]",
    "{}",
    "{ a = 1 }",
    "\"\"",
    "\"0.0.0-0\"",
    "[\"^18446744073709551615.18446744073709551615.18446744073709551615\"]",
    "[\"> 18446744073709551615.18446744073709551615.18446744073709551615\"]",
    "[\"~0.18446744073709551615\", \"^0.0.18446744073709551615\"]",
    "[\"*\"]",
    "[\">= 1.0, < 1.0\"]",
    "\"RUSTSEC-0000-0000\"",
    "\"RUSTSEC-1999-0001\"",
    "\"LULZSEC-2020-0001\"",
    "\"javascript:alert(1)\"",
    "[\"data:text/html,x\"]",
    "\"CVSS:3.1/AV:N/AC:L\"",
    "\"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:X\"",
    "\"AV:N/AC:L/Au:N/C:P/I:P/A:P/AV:N\"",
    "\"crates\"",
    "\"rust\"",
    "\"\\u0000\"",
];

/// One damaged copy of an advisory file whose front matter has its values replaced: a key's value by an
/// odd one, or a key renamed to one the format does not define, or the file moved to the newer layout.
fn mutate_toml(text: &str, rng: &mut Rng) -> String {
    let lines: Vec<&str> = text.lines().collect();
    let end = lines.iter().skip(1).position(|l| l.starts_with("```")).map_or(lines.len(), |p| p + 1);
    let keyed: Vec<usize> = (1..end).filter(|&i| lines[i].contains(" = ")).collect();
    let mut out: Vec<String> = lines.iter().map(|l| (*l).to_owned()).collect();
    if keyed.is_empty() {
        return text.to_owned();
    }
    let i = *rng.pick(&keyed);
    let key = lines[i].split(" = ").next().unwrap_or_default().to_owned();
    out[i] = match rng.below(4) {
        0 => format!("{key} = {}", rng.pick(ODD_TOML)),
        1 => format!("{key}-x = {}", lines[i].split_once(" = ").map_or("1", |(_, v)| v)),
        2 => format!("{}\n{}", lines[i], lines[i]),
        _ => format!("{key} = {}\n{}", rng.pick(ODD_TOML), out[i]),
    };
    let mut damaged = out.join("\n");
    if rng.below(3) == 0 {
        damaged = damaged.replacen("```toml\n[advisory]\n", "```toml\n", 1);
    }
    damaged
}

/// Thousands of damaged copies of real advisories, by text edits and by value replacements in both
/// layouts: the parser never panics, a rejected file always carries an error, and every line number lies
/// inside the file.
#[test]
fn damaged_real_advisories_give_diagnostics_never_panics() {
    let db = cratewatch_testdata::advisory_db();
    let mut files: Vec<std::path::PathBuf> = Vec::new();
    for collection in ["crates", "rust"] {
        for dir in fs::read_dir(db.join(collection)).unwrap() {
            for file in fs::read_dir(dir.unwrap().path()).unwrap() {
                files.push(file.unwrap().path());
            }
        }
    }
    files.sort();
    let (mut rejected, mut total) = (0, 0);
    let mut panics = Vec::new();
    for (i, path) in files.iter().enumerate() {
        let text = fs::read_to_string(path).unwrap();
        let mut rng = Rng::new(i as u64);
        let structural: Vec<String> = (0..3).map(|_| mutate_toml(&text, &mut rng)).collect();
        for damaged in cratewatch_testdata::mutations(&text, 6, i as u64).into_iter().chain(structural) {
            total += 1;
            let parsed = match no_panic(|| parse_advisory(&damaged, Collection::Crates)) {
                Ok(parsed) => parsed,
                Err(message) => {
                    panics.push((path.display().to_string(), message, damaged));
                    continue;
                }
            };
            let lines = damaged.lines().count() as u32 + 1;
            for d in &parsed.diagnostics {
                assert!(
                    d.line.is_none_or(|l| (1..=lines).contains(&l)),
                    "{}: line {:?} of {lines}: {d:?}",
                    path.display(),
                    d.line
                );
                assert!(!d.message.is_empty());
            }
            if let Some(advisory) = &parsed.advisory {
                let probe = Version::new(1, 0, 0);
                if let Err(message) = no_panic(|| advisory.versions.nearest_safe(&probe)) {
                    panics.push((path.display().to_string(), message, damaged.clone()));
                }
            } else {
                rejected += 1;
                assert!(
                    parsed.diagnostics.iter().any(|d| d.severity == DiagnosticSeverity::Error),
                    "{}: rejected without an error\n{damaged}",
                    path.display()
                );
            }
        }
    }
    assert_no_panics(&panics, total);
    assert!(total > 10_000 && rejected > 2000, "{rejected} of {total} rejected");
}
