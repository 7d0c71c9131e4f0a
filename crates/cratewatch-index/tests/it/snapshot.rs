//! The whole index in memory: the real 2020 snapshot against reading each file on its own, lookups, and
//! diagnostics for damage injected into a copy of real files.

use std::collections::{BTreeMap, HashSet};
use std::fs;
use std::path::Path;
use std::sync::{Arc, OnceLock};

use cratewatch_index::{CrateSource, Error, IndexDir, IndexSnapshot};
use cratewatch_testdata::{crates_index_2020, scratch_dir};

/// The 2020 snapshot, loaded once for the whole test binary.
pub(crate) fn snapshot() -> &'static IndexSnapshot {
    static SNAPSHOT: OnceLock<IndexSnapshot> = OnceLock::new();
    SNAPSHOT.get_or_init(|| IndexSnapshot::load(&crates_index_2020()).unwrap())
}

/// Every crate of the real index loads into the snapshot exactly as `IndexDir` reads its file alone:
/// the same crates, versions (every field), and diagnostics, with each diagnostic's file path.
#[test]
fn the_snapshot_agrees_with_reading_every_file_alone() {
    let snapshot = snapshot();
    let dir = IndexDir::open(&crates_index_2020()).unwrap();
    let names: Vec<String> = dir.crate_names().collect::<Result<_, _>>().unwrap();
    assert_eq!(snapshot.crate_count(), names.len());
    assert_eq!(snapshot.crate_count(), 43451);
    assert_eq!(snapshot.version_count(), 259_132 - 27 - 2);

    let mut versions = 0;
    let mut expected_diagnostics = Vec::new();
    for name in &names {
        let alone = dir.crate_versions(name).unwrap().unwrap();
        let loaded = snapshot.get(&alone.name).unwrap_or_else(|| panic!("{name} is missing from the snapshot"));
        assert_eq!(**loaded, alone, "{name}");
        versions += alone.versions.len();
        let path = crates_index_2020().join(IndexDir::path_of(name));
        expected_diagnostics.extend(alone.diagnostics.iter().map(|d| (path.clone(), Some(d.line), d.code)));
    }
    assert_eq!(versions, snapshot.version_count());
    expected_diagnostics.sort();
    let diagnostics: Vec<_> = snapshot.diagnostics().iter().map(|d| (d.path.clone(), d.line, d.code)).collect();
    assert_eq!(diagnostics, expected_diagnostics);
    let mut codes: BTreeMap<&str, usize> = BTreeMap::new();
    for d in snapshot.diagnostics() {
        *codes.entry(d.code).or_default() += 1;
    }
    assert_eq!(codes, BTreeMap::from([("duplicate-version", 27), ("invalid-version", 2)]));

    let listed: Vec<&str> = snapshot.names().collect();
    let mut sorted = names.clone();
    sorted.sort_by_key(|n| n.replace('_', "-"));
    let lowercase: Vec<String> = listed.iter().map(|n| n.to_lowercase()).collect();
    assert_eq!(lowercase, sorted, "crates are listed by normalised name");
}

/// Repeated strings and lists are shared rather than copied, which is what keeps the whole index in a
/// couple of hundred megabytes.
#[test]
fn repeated_strings_and_lists_are_shared() {
    let serde = snapshot().get("serde").unwrap();
    let distinct_deps: HashSet<*const u8> = serde.versions.iter().map(|v| v.deps.as_ptr().cast()).collect();
    let distinct_features: HashSet<*const u8> =
        serde.versions.iter().map(|v| Arc::as_ptr(&v.features).cast()).collect();
    assert!(distinct_deps.len() < serde.versions.len() / 2, "{} dependency lists", distinct_deps.len());
    assert!(distinct_features.len() < serde.versions.len() / 2, "{} feature maps", distinct_features.len());

    let tokio = snapshot().get("tokio").unwrap();
    let bytes: Vec<&Arc<str>> =
        tokio.versions.iter().flat_map(|v| v.deps.iter()).map(|d| &d.name).filter(|n| n.as_ref() == "bytes").collect();
    assert!(bytes.len() > 10);
    assert!(bytes.iter().all(|n| Arc::ptr_eq(n, bytes[0])), "one `bytes` string for every dependency on it");
}

#[test]
fn lookups_by_exact_case_insensitive_and_normalised_name() {
    let snapshot = snapshot();
    assert_eq!(snapshot.get("Inflector").unwrap().name, "Inflector");
    assert!(snapshot.get("inflector").is_none(), "get is exact");
    assert_eq!(snapshot.get_ignore_case("INFLECTOR").unwrap().name, "Inflector");
    for name in ["serde_json", "serde-json", "Serde-JSON", "SERDE_JSON"] {
        assert_eq!(snapshot.find(name).unwrap().name, "serde_json", "{name}");
    }
    assert_eq!(snapshot.find("inflector").unwrap().name, "Inflector");
    for name in ["no-such-crate", "", "serde_jso", "serde_json_", "../serde"] {
        assert!(snapshot.find(name).is_none(), "{name:?}");
    }

    // Through the trait, names are looked up as the index layout does: case aside, `-` and `_` differ.
    let source: &dyn CrateSource = snapshot;
    let found = source.crate_versions("SERDE").unwrap().unwrap();
    assert!(Arc::ptr_eq(&found, snapshot.get("serde").unwrap()), "the snapshot hands out its own Arc");
    assert!(source.crate_versions("serde-json").unwrap().is_none());
    assert!(source.describe().contains("43451 crates"), "{}", source.describe());
    assert!(!source.may_block());
}

/// A copy of real crate files with damage injected: every problem is a diagnostic with the file's path,
/// the line and its code, and everything else loads.
#[test]
fn injected_damage_becomes_diagnostics_with_paths_and_lines() {
    let real = crates_index_2020();
    let dir = scratch_dir("snapshot-damage");
    fs::copy(real.join("config.json"), dir.join("config.json")).unwrap();
    fs::write(dir.join("README.md"), "not a crate").unwrap();
    let copy = |name: &str| {
        let rel = IndexDir::path_of(name);
        fs::create_dir_all(dir.join(&rel).parent().unwrap()).unwrap();
        fs::copy(real.join(&rel), dir.join(&rel)).unwrap();
        fs::read_to_string(dir.join(&rel)).unwrap()
    };
    let write = |name: &str, text: &str| fs::write(dir.join(IndexDir::path_of(name)), text).unwrap();

    // serde: a broken line inserted as line 3, and a garbage line appended.
    let serde = copy("serde");
    let mut lines: Vec<&str> = serde.lines().collect();
    let serde_lines = lines.len();
    lines.insert(2, r#"{"name":"serde","vers":"9.9.9","deps":["#);
    write("serde", &format!("{}\nnot json at all\n", lines.join("\n")));
    // syn: the first line claims another crate, the second has a bad checksum.
    let syn = copy("syn");
    let mut lines: Vec<String> = syn.lines().map(str::to_owned).collect();
    lines[0] = lines[0].replacen(r#""name":"syn""#, r#""name":"sin""#, 1);
    let cksum = lines[1].find(r#""cksum":""#).unwrap() + 9;
    lines[1].replace_range(cksum..cksum + 4, "zzzz");
    write("syn", &lines.join("\n"));
    // Inflector and a one-letter crate, untouched.
    copy("Inflector");
    copy("a");
    // A dangling link where a crate file should be, and two names crates.io would call the same.
    fs::create_dir_all(dir.join("3/r")).unwrap();
    std::os::unix::fs::symlink(dir.join("nowhere"), dir.join("3/r/rng")).unwrap();
    let line = |name: &str| format!(r#"{{"name":"{name}","vers":"1.0.0","deps":[],"features":{{}}}}"#);
    for name in ["foo-bar", "foo_bar"] {
        fs::create_dir_all(dir.join(IndexDir::path_of(name)).parent().unwrap()).unwrap();
        write(name, &line(name));
    }

    let snapshot = IndexSnapshot::load(&dir).unwrap();
    let found: Vec<(String, Option<u32>, &str)> = snapshot
        .diagnostics()
        .iter()
        .map(|d| (d.path.strip_prefix(&dir).unwrap().display().to_string(), d.line, d.code))
        .collect();
    assert_eq!(
        found,
        [
            ("3/r/rng".to_owned(), None, "unreadable-file"),
            ("3/s/syn".to_owned(), Some(1), "name-mismatch"),
            ("3/s/syn".to_owned(), Some(2), "invalid-checksum"),
            ("fo/o_/foo_bar".to_owned(), None, "ambiguous-name"),
            ("se/rd/serde".to_owned(), Some(3), "invalid-json"),
            ("se/rd/serde".to_owned(), Some(serde_lines as u32 + 2), "invalid-json"),
        ]
    );
    let rendered = snapshot.diagnostics()[2].to_string();
    assert!(rendered.contains("3/s/syn:2: invalid-checksum: invalid checksum `zzzz"), "{rendered}");
    assert!(rendered.contains("expected 64 hex digits"), "{rendered}");

    let names: Vec<&str> = snapshot.names().collect();
    assert_eq!(names, ["a", "foo-bar", "foo_bar", "Inflector", "serde", "syn"]);
    assert_eq!(snapshot.get("serde").unwrap().versions.len(), serde_lines);
    assert_eq!(snapshot.get("syn").unwrap().versions.len(), syn.lines().count() - 2);
    let alone = IndexDir::open(&dir).unwrap().crate_versions("serde").unwrap().unwrap();
    assert_eq!(**snapshot.get("serde").unwrap(), alone);
    assert_eq!(snapshot.find("foo_bar").unwrap().name, "foo_bar", "the exact spelling wins");
    assert_eq!(snapshot.find("FOO_BAR").unwrap().name, "foo-bar", "then the first in order");
}

#[test]
fn loading_something_that_is_not_an_index_fails_naming_the_path() {
    let dir = scratch_dir("snapshot-not-an-index");
    let err = IndexSnapshot::load(&dir).unwrap_err();
    assert!(matches!(err, Error::NotAnIndex { .. }), "{err:?}");
    assert!(err.to_string().contains(&dir.display().to_string()), "{err}");
    let err = IndexSnapshot::load(Path::new("/nonexistent/index")).unwrap_err();
    assert!(matches!(err, Error::Open { .. }), "{err:?}");
}

/// A dependency closure follows normal and build dependencies of every version (optional, renamed and
/// platform-specific ones too), looks names up as the layout does, and leaves out dev dependencies,
/// other registries' crates and names the index does not have; a crate it cannot read is an error.
#[test]
fn a_dependency_closure_holds_what_resolving_the_roots_can_touch() {
    let dir = scratch_dir("snapshot-closure");
    fs::write(dir.join("config.json"), r#"{"dl": "https://example.invalid/api/v1/crates"}"#).unwrap();
    let write = |name: &str, lines: &[String]| {
        let path = dir.join(IndexDir::path_of(name));
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, lines.join("\n")).unwrap();
    };
    // `extra` replaces or adds fields of a plain `^1` normal dependency.
    let dep = |name: &str, extra: &[(&str, &str)]| {
        let mut fields: BTreeMap<&str, serde_json::Value> = BTreeMap::new();
        for (k, v) in [("req", "\"^1\""), ("features", "[]"), ("optional", "false"), ("default_features", "true")]
            .into_iter()
            .chain([("target", "null"), ("kind", "\"normal\"")])
            .chain(extra.iter().copied())
        {
            fields.insert(k, serde_json::from_str(v).unwrap());
        }
        fields.insert("name", name.into());
        serde_json::to_string(&fields).unwrap()
    };
    let line = |name: &str, vers: &str, deps: &[String]| {
        format!(
            r#"{{"name":"{name}","vers":"{vers}","deps":[{}],"features":{{}},"cksum":"{}"}}"#,
            deps.join(","),
            "0".repeat(64)
        )
    };
    write(
        "app",
        &[
            line("app", "1.0.0", &[dep("normal", &[]), dep("tester", &[("kind", r#""dev""#)])]),
            // An older version's dependencies count as much as the newest's.
            line(
                "app",
                "0.9.0",
                &[dep("old-only", &[("optional", "true")]), dep("builder", &[("kind", r#""build""#)])],
            ),
        ],
    );
    write("normal", &[line("normal", "1.0.0", &[dep("alias", &[("package", r#""Renamed""#)]), dep("gone", &[])])]);
    write(
        "renamed",
        &[line("Renamed", "1.0.0", &[dep("elsewhere", &[("registry", r#""https://other.example/index""#)])])],
    );
    write("old-only", &[line("old-only", "1.0.0", &[dep("winapi", &[("target", r#""cfg(windows)""#)])])]);
    write("builder", &[line("builder", "1.0.0", &[])]);
    write("winapi", &[line("winapi", "1.0.0", &[dep("app", &[])])]);
    write("tester", &[line("tester", "1.0.0", &[])]);
    write("elsewhere", &[line("elsewhere", "1.0.0", &[])]);
    write("unrelated", &[line("unrelated", "1.0.0", &[])]);

    let index = IndexDir::open(&dir).unwrap();
    let closure = IndexSnapshot::closure(&index, &["APP"], &dir).unwrap();
    assert!(closure.diagnostics().is_empty(), "{:?}", closure.diagnostics());
    let names: Vec<&str> = closure.names().collect();
    assert_eq!(names, ["app", "builder", "normal", "old-only", "Renamed", "winapi"]);
    assert_eq!(closure.version_count(), 7);
    assert_eq!(**closure.get("app").unwrap(), index.crate_versions("app").unwrap().unwrap());
    assert!(closure.diagnostics().is_empty(), "{:?}", closure.diagnostics());

    // A crate of the closure that cannot be read fails the whole closure, naming it.
    fs::remove_file(dir.join(IndexDir::path_of("builder"))).unwrap();
    fs::create_dir(dir.join(IndexDir::path_of("builder"))).unwrap();
    let err = IndexSnapshot::closure(&index, &["app"], &dir).unwrap_err();
    assert!(err.to_string().contains("builder"), "{err}");
    // Roots the index does not have give an empty snapshot.
    assert_eq!(IndexSnapshot::closure(&index, &["nothing-here"], &dir).unwrap().crate_count(), 0);
}
