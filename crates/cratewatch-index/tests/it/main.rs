//! Reading the real 2020 registry index, and surviving malformed lines in a small index written here.

mod http;
mod oracle;
mod snapshot;
mod sparse;

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;
use std::sync::Arc;

use cratewatch_index::{CrateVersions, DepKind, Error, IndexDir, IndexVersion};
use cratewatch_testdata::{crates_index_2020, scratch_dir};
use semver::Version;

fn real_index() -> IndexDir {
    IndexDir::open(&crates_index_2020()).unwrap()
}

#[track_caller]
fn version<'a>(krate: &'a CrateVersions, version: &str) -> &'a IndexVersion {
    let wanted = Version::parse(version).unwrap();
    krate.versions.iter().find(|v| v.version == wanted).unwrap_or_else(|| panic!("{} {version} is missing", krate.name))
}

/// The strings of a list of shared strings, for comparisons.
fn strs(list: &[Arc<str>]) -> Vec<&str> {
    list.iter().map(|s| &**s).collect()
}

/// `(line, code)` of each diagnostic.
fn codes(krate: &CrateVersions) -> Vec<(u32, &'static str)> {
    krate.diagnostics.iter().map(|d| (d.line, d.code)).collect()
}

#[test]
fn serde_loads_with_dependencies_features_and_checksums() {
    let serde = real_index().crate_versions("serde").unwrap().unwrap();
    assert_eq!(serde.name, "serde");
    assert_eq!(serde.diagnostics, vec![]);
    assert_eq!(serde.versions.len(), 200);
    assert_eq!(serde.versions[0].version, Version::new(0, 0, 0), "versions keep the file order");
    // The snapshot's serde line ends at 1.0.114.
    assert_eq!(serde.versions.iter().map(|v| &v.version).max(), Some(&Version::new(1, 0, 114)));

    let v = version(&serde, "1.0.114");
    assert!(!v.yanked);
    assert_eq!(
        v.checksum.map(|c| c.to_string()).as_deref(),
        Some("5317f7588f0a5078ee60ef675ef96735a1442132dc645eb1d12c018620ed8cd3")
    );
    assert_eq!(v.links, None);
    let deps: Vec<(&str, String, DepKind, bool)> =
        v.deps.iter().map(|d| (d.crate_name(), d.req.to_string(), d.kind, d.optional)).collect();
    assert_eq!(
        deps,
        vec![
            ("serde_derive", "=1.0.114".to_owned(), DepKind::Normal, true),
            ("serde_derive", "^1.0".to_owned(), DepKind::Dev, false),
        ]
    );
    assert_eq!(strs(&v.features["default"]), ["std"]);
    assert_eq!(strs(&v.features["derive"]), ["serde_derive"]);
    assert_eq!(v.features.len(), 6);

    // Old entries list `""` as a dependency feature; it means nothing and is dropped.
    let old = version(&serde, "0.2.0");
    assert!(old.deps.iter().all(|d| d.features.is_empty()), "{:?}", old.deps);
}

#[test]
fn yanked_versions_are_flagged() {
    let log = real_index().crate_versions("log").unwrap().unwrap();
    let yanked: Vec<String> = log.versions.iter().filter(|v| v.yanked).map(|v| v.version.to_string()).collect();
    assert_eq!(yanked, ["0.2.6", "0.4.9", "0.4.10"]);
    assert!(!version(&log, "0.4.11").yanked);
}

#[test]
fn a_crate_not_in_the_index_is_none() {
    let index = real_index();
    for name in ["no-such-crate-anywhere", "qz", "", "../config.json", "3/s/ser", "se/rd/serde"] {
        assert_eq!(index.crate_versions(name).unwrap(), None, "{name:?}");
    }
}

#[test]
fn lookup_is_case_insensitive_and_keeps_the_index_spelling() {
    let index = real_index();
    let serde = index.crate_versions("serde").unwrap().unwrap();
    for name in ["SERDE", "Serde"] {
        let found = index.crate_versions(name).unwrap().unwrap();
        assert_eq!(found.name, "serde");
        assert_eq!(found.versions, serde.versions);
    }
    let inflector = index.crate_versions("inflector").unwrap().unwrap();
    assert_eq!(inflector.name, "Inflector");
    assert_eq!(inflector.diagnostics, vec![]);
}

#[test]
fn paths_follow_the_git_index_layout() {
    for (name, path) in [
        ("a", "1/a"),
        ("QC", "2/qc"),
        ("syn", "3/s/syn"),
        ("Inflector", "in/fl/inflector"),
        ("serde", "se/rd/serde"),
        ("a-b_", "a-/b_/a-b_"),
        ("", ""),
    ] {
        assert_eq!(IndexDir::path_of(name), Path::new(path), "{name:?}");
    }
}

#[test]
fn renamed_dependencies_keep_both_names() {
    let bbs = real_index().crate_versions("bbs").unwrap().unwrap();
    let renamed: Vec<(&str, &str)> = bbs
        .versions
        .iter()
        .flat_map(|v| v.deps.iter())
        .filter(|d| d.package.is_some())
        .map(|d| (&*d.name, d.crate_name()))
        .collect();
    assert!(!renamed.is_empty());
    assert!(renamed.iter().all(|&(name, krate)| name != krate && krate == "amcl_wrapper_ml"), "{renamed:?}");
}

/// The whole snapshot: every crate file is found and parses. The only skipped lines are the index's real
/// anomalies: versions published twice in the registry's early days and two versions that semver rejects
/// (a pre-release with a leading zero, such as `0.0.1-001`). Four dependency requirements do not parse and
/// are kept as written.
#[test]
fn every_crate_of_the_real_index_is_listed_and_loads() {
    let index = real_index();
    let names: Vec<String> = index.crate_names().collect::<Result<_, _>>().unwrap();
    assert_eq!(names.len(), 43451);
    let mut sorted = names.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(sorted.len(), names.len(), "names are unique");
    for stray in ["eee", "build90.sh", "config.json", "README.md"] {
        assert!(!names.iter().any(|n| n == stray), "{stray} is not a crate");
    }

    let mut versions = 0;
    let mut unparsed_reqs = Vec::new();
    let mut diagnostics: BTreeMap<&str, usize> = BTreeMap::new();
    for name in &names {
        let krate = index.crate_versions(name).unwrap().unwrap_or_else(|| panic!("{name} is listed but missing"));
        assert_eq!(krate.name.to_lowercase(), *name);
        versions += krate.versions.len();
        for d in &krate.diagnostics {
            *diagnostics.entry(d.code).or_default() += 1;
        }
        for dep in krate.versions.iter().flat_map(|v| v.deps.iter()) {
            if dep.req.parsed().is_none() {
                unparsed_reqs.push(format!("{name} -> {}: {}", dep.name, dep.req));
            }
        }
    }
    assert_eq!(diagnostics, BTreeMap::from([("duplicate-version", 27), ("invalid-version", 2)]));
    assert_eq!(versions, 259_132 - 27 - 2);
    // Requirements that today's semver rejects are kept as written.
    assert_eq!(
        unparsed_reqs,
        [
            "tma -> error-chain: ^0-.11.0",
            "tma -> error-chain: ^0-.11.0",
            "lmdb-rkv-sys -> bindgen: ^0.51-oldsyn",
            "raft -> protobuf: ~2.0-2.2",
        ]
    );
}

/// Writes a small index: a config and the given crate files.
fn small_index(name: &str, files: &[(&str, &str)]) -> IndexDir {
    let dir = scratch_dir(name);
    fs::write(dir.join("config.json"), r#"{"dl": "https://example.invalid/api/v1/crates"}"#).unwrap();
    for (path, contents) in files {
        let path = dir.join(path);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, contents).unwrap();
    }
    IndexDir::open(&dir).unwrap()
}

const DEMO: &str = concat!(
    r#"{"name":"demo","vers":"0.1.0","deps":[{"name":"web","package":"reqwest","req":"^0.10","features":["json",""],"optional":true,"default_features":false,"target":"cfg(unix)","kind":"normal"}],"cksum":"abababababababababababababababababababababababababababababababab","features":{"net":["web"]},"features2":{"net":["web/json"],"tls":["web?/tls"]},"yanked":false,"links":"demo","v":2}"#,
    "\n",
    r#"{"name":"demo","vers":"0.2.0","deps":["#,
    "\n\n",
    r#"{"name":"demo","vers":"0.3.0","deps":[],"cksum":"cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd","features":{},"yanked":true,"rust_version":"1.56"}"#,
    "\n",
    r#"{"name":"demo","vers":"1.0","deps":[],"cksum":"efefefefefefefefefefefefefefefefefefefefefefefefefefefefefefefef","features":{},"yanked":false}"#,
    "\n",
    r#"{"name":"other","vers":"0.5.0","deps":[],"cksum":"efefefefefefefefefefefefefefefefefefefefefefefefefefefefefefefef","features":{},"yanked":false}"#,
    "\n",
    r#"{"name":"demo","vers":"0.1.0","deps":[],"cksum":"0000000000000000000000000000000000000000000000000000000000000000","features":{},"yanked":false}"#,
    "\n",
    r#"{"name":"demo","vers":"0.6.0","deps":[],"cksum":"efefefefefefefefefefefefefefefefefefefefefefefefefefefefefefefef","features":{},"yanked":false,"v":3}"#,
    "\n",
    r#"{"name":"demo","vers":"0.7.0","deps":[{"name":"x","req":"*","kind":"sideways"}],"cksum":"efefefefefefefefefefefefefefefefefefefefefefefefefefefefefefefef","features":{},"yanked":false}"#,
    "\n",
    r#"{"name":"demo","deps":[]}"#,
    "\n",
    r#"{"name":"Demo","vers":"0.4.0","deps":[{"name":"old","req":"1.0 || 2.0","features":[],"optional":false,"default_features":true,"target":null,"kind":null}],"cksum":"1212121212121212121212121212121212121212121212121212121212121212","features":{},"yanked":false}"#,
    "\r\n",
    r#"{"name":"demo","vers":"0.8.0","deps":[],"cksum":"not-hex","features":{},"yanked":false}"#,
    "\n",
    r#"{"name":"demo","vers":"0.9.0","deps":[],"cksum":"","features":{},"yanked":false}"#,
    "\n",
);

#[test]
fn malformed_lines_are_diagnostics_and_the_rest_loads() {
    let index = small_index("index-malformed", &[("de/mo/demo", DEMO)]);
    let demo = index.crate_versions("Demo").unwrap().unwrap();
    assert_eq!(
        codes(&demo),
        [
            (2, "invalid-json"),
            (5, "invalid-version"),
            (6, "name-mismatch"),
            (7, "duplicate-version"),
            (8, "unsupported-schema"),
            (9, "invalid-dependency"),
            (10, "invalid-entry"),
            (12, "invalid-checksum"),
        ],
        "{:#?}",
        demo.diagnostics
    );
    assert!(demo.diagnostics.iter().all(|d| !d.message.is_empty() && !d.message.starts_with(char::is_uppercase)));
    assert_eq!(demo.name, "demo");
    let loaded: Vec<String> = demo.versions.iter().map(|v| v.version.to_string()).collect();
    assert_eq!(loaded, ["0.1.0", "0.3.0", "0.4.0", "0.9.0"]);
    assert_eq!(version(&demo, "0.9.0").checksum, None, "an empty checksum is no checksum");

    let first = version(&demo, "0.1.0");
    assert_eq!(first.checksum.map(|c| c.to_string()), Some("ab".repeat(32)), "the first of two duplicate lines wins");
    assert_eq!(first.links.as_deref(), Some("demo"));
    let features: BTreeMap<&str, Vec<&str>> = first.features.iter().map(|(k, v)| (&**k, strs(v))).collect();
    assert_eq!(
        features,
        BTreeMap::from([("net", vec!["web", "web/json"]), ("tls", vec!["web?/tls"])]),
        "features2 is merged into features"
    );
    let web = &first.deps[0];
    assert_eq!((&*web.name, web.package.as_deref(), web.crate_name()), ("web", Some("reqwest"), "reqwest"));
    assert_eq!(web.req.parsed(), Some(&"^0.10".parse().unwrap()));
    assert_eq!((web.optional, web.default_features, web.target.as_deref()), (true, false, Some("cfg(unix)")));
    assert_eq!(strs(&web.features), ["json"]);

    let yanked = version(&demo, "0.3.0");
    assert!(yanked.yanked);
    assert_eq!(yanked.rust_version.as_deref(), Some("1.56"));

    let last = version(&demo, "0.4.0");
    assert_eq!(last.deps[0].kind, DepKind::Normal, "a null kind is a normal dependency");
    assert_eq!(last.deps[0].req.as_str(), "1.0 || 2.0", "a requirement semver rejects is kept as written");
    assert_eq!(last.deps[0].req.parsed(), None);
}

#[test]
fn a_file_with_no_usable_line_keeps_the_name_asked_for() {
    let index = small_index("index-unusable", &[("3/a/abc", "not json\n")]);
    let abc = index.crate_versions("ABC").unwrap().unwrap();
    assert_eq!((abc.name.as_str(), abc.versions.len(), codes(&abc)), ("ABC", 0, vec![(1, "invalid-json")]));
}

#[test]
fn the_walk_lists_only_files_where_the_layout_puts_them() {
    let line = |name: &str| format!(r#"{{"name":"{name}","vers":"1.0.0","deps":[],"cksum":"00","features":{{}}}}"#);
    let index = small_index(
        "index-walk",
        &[
            ("1/a", &line("a")),
            ("3/a/abc", &line("abc")),
            ("de/mo/demo", &line("demo")),
            ("de/mo/other", &line("other")),
            ("de/mo/notes.txt", "notes"),
            ("de/mo/deeper/demo", &line("demo")),
            ("README.md/eee", "test"),
            ("README.md/notes", "test"),
            (".git/config", "[core]"),
            ("2/Qc", &line("Qc")),
        ],
    );
    let names: Vec<String> = index.crate_names().collect::<Result<_, _>>().unwrap();
    assert_eq!(names, ["a", "abc", "demo"]);
}

#[test]
fn opening_something_that_is_not_an_index_fails_naming_the_path() {
    let dir = scratch_dir("index-open");
    let file = dir.join("file");
    fs::write(&file, "").unwrap();
    let bad_config = dir.join("bad-config");
    fs::create_dir_all(&bad_config).unwrap();
    fs::write(bad_config.join("config.json"), r#"{"api": "https://example.invalid"}"#).unwrap();
    let not_json = dir.join("not-json");
    fs::create_dir_all(&not_json).unwrap();
    fs::write(not_json.join("config.json"), "dl = 1").unwrap();

    let check = |path: &Path, matches: fn(&Error) -> bool| {
        let err = IndexDir::open(path).unwrap_err();
        assert!(matches(&err), "{err:?}");
        let message = err.to_string();
        assert!(message.contains(&path.display().to_string()), "{message}");
        assert!(message.starts_with(char::is_lowercase) || message.starts_with('/'), "{message}");
    };
    check(&dir.join("absent"), |e| matches!(e, Error::Open { .. }));
    check(&file, |e| matches!(e, Error::NotADirectory { .. }));
    check(&dir, |e| matches!(e, Error::NotAnIndex { .. }));
    check(&bad_config, |e| matches!(e, Error::InvalidConfig { .. }));
    check(&not_json, |e| matches!(e, Error::InvalidConfig { .. }));
}

/// Damaged copies of real index files: every line either loads or becomes a diagnostic with its line
/// number, never a panic.
#[test]
fn damaged_index_files_give_line_diagnostics_never_panics() {
    let index = cratewatch_testdata::crates_index_2020();
    let mut total = 0;
    for (i, name) in ["serde", "tokio", "rand", "regex", "hyper", "syn"].iter().enumerate() {
        let text = std::fs::read_to_string(index.join(IndexDir::path_of(name))).unwrap();
        let lines = text.lines().count() as u32 + 2;
        for damaged in cratewatch_testdata::mutations(&text, 100, i as u64) {
            let parsed = CrateVersions::parse(name, damaged.as_bytes());
            assert!(parsed.diagnostics.iter().all(|d| d.line >= 1 && d.line <= lines && !d.message.is_empty()));
            total += 1;
        }
    }
    assert_eq!(total, 600);
}
